// Flags shared by the `local …` commands: which local cluster (by name or state directory).
import {Flags} from '@oclif/core'

export const clusterFlags = {
  name: Flags.string({default: 'default', description: 'local cluster name (state in $XDG_STATE_HOME/redis-ts/<name>, default ~/.local/state/redis-ts/<name>)'}),
  dir: Flags.string({description: 'state directory of the cluster (overrides --name)'}),
}

export function clusterRef(flags: {name?: string; dir?: string}): {name?: string; dir?: string} {
  return flags.dir ? {dir: flags.dir} : {name: flags.name}
}

/** The flags to repeat in a suggested follow-up command. */
export function refFlags(flags: {name?: string; dir?: string}): string {
  return flags.dir ? ` --dir ${flags.dir}` : flags.name && flags.name !== 'default' ? ` --name ${flags.name}` : ''
}

/** "local cluster" or "local Sentinel setup", for messages about a state of either kind. */
export function kindWord(state: {kind?: string}): string {
  return state.kind === 'sentinel' ? 'local Sentinel setup' : 'local cluster'
}

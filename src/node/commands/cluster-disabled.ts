// CLUSTER on a node started without cluster-enabled: redis-server 7.0 still has the command and
// every subcommand (COMMAND lists them, arity is checked first), and answers each with "cluster
// support disabled". Names, arities and flags come from Redis's own COMMAND reply
// (command-reference.ts). The cluster module registers the real CLUSTER over this one.
import {cmd, type CommandFlag, type CommandSpec} from './types.js'
import {referenceInfo, referenceNames} from './command-reference-reply.js'

const FLAG: Record<string, CommandFlag> = {
  write: 'write', readonly: 'readonly', admin: 'admin', no_auth: 'noauth', loading: 'loading', stale: 'stale', fast: 'fast',
  pubsub: 'pubsub', noscript: 'noscript', blocking: 'blocking', denyoom: 'denyoom', no_multi: 'no-multi',
}

const disabled = cmd('cluster', -2, [], 0, (ctx) => ctx.reply.error('ERR This instance has cluster support disabled'))

function flagsOf(fullname: string): CommandFlag[] {
  const set = (referenceInfo(fullname)?.[2] as {set: string[]} | undefined)?.set ?? []
  return set.map((s) => FLAG[s.slice(1)]).filter((x) => x !== undefined)
}

export const commands: CommandSpec[] = [
  {
    ...disabled,
    subcommands: referenceNames('cluster|').map((full) => cmd(full.slice('cluster|'.length), referenceInfo(full)![1] as number, flagsOf(full), 0, disabled.handler)),
  },
]

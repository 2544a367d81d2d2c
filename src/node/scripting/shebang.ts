// Script flags as the command table sees them (Redis 7.0 eval.c evalExtractShebangFlags,
// evalGetCommandFlags, fcallGetCommandFlags, script.c scriptFlagsToCmdFlags): a script that
// declares flags (a shebang, or a function's flags) replaces the write/deny-oom/stale flags of
// the EVAL/EVALSHA/FCALL that runs it, so processCommand's checks (cluster redirection, READONLY
// on a replica, OOM, MASTERDOWN, MULTI) treat it as the command it declares itself to be.
import {splitArgs} from '../../resp/parser.js'
import type {CommandFlag, CommandSpec} from '../commands/types.js'
import type {NodeServer} from '../server.js'
import {FLAG_ALLOW_OOM, FLAG_ALLOW_STALE, FLAG_EVAL_COMPAT, FLAG_NO_WRITES, SCRIPT_FLAG_NAMES} from './flags.js'

/** Parse "#!lua flags=a,b" (evalExtractShebangFlags); returns flags and the shebang length. */
export function parseShebang(body: string): {flags: number; length: number} | {error: string} {
  if (!body.startsWith('#!')) return {flags: FLAG_EVAL_COMPAT, length: 0}
  const end = body.indexOf('\n')
  if (end < 0) return {error: 'Invalid script shebang'}
  // sdssplitargs: quotes are honoured (name="x"); unbalanced quotes are an invalid shebang
  const parts = splitArgs(body.slice(0, end))
  if (parts === null || parts.length === 0) return {error: 'Invalid engine in script shebang'}
  if (parts[0] !== '#!lua') return {error: `Unexpected engine in script shebang: ${parts[0]}`}
  let flags = 0
  for (const part of parts.slice(1)) {
    if (!part.startsWith('flags=')) return {error: `Unknown lua shebang option: ${part}`}
    const list = part.slice(6)
    for (const f of list === '' ? [] : list.split(',')) {
      const def = SCRIPT_FLAG_NAMES.find(([n]) => n === f)
      if (def === undefined) return {error: `Unexpected flag in script shebang: ${f}`}
      flags |= def[1]
    }
  }
  return {flags, length: end}
}

/**
 * evalGetCommandFlags / fcallGetCommandFlags: the flags the script run by this EVAL, EVALSHA or
 * FCALL (or their _RO forms) declares; null when the command's own flags apply (EVAL without a
 * shebang or with an invalid one, a script or function that does not exist).
 */
export function declaredScriptFlags(server: NodeServer, name: string, argv: string[]): number | null {
  if (argv.length < 2) return null
  let flags: number | undefined
  if (name === 'eval' || name === 'eval_ro') {
    const sb = parseShebang(argv[1])
    flags = 'error' in sb ? undefined : sb.flags
  } else if (name === 'evalsha' || name === 'evalsha_ro') flags = server.scripting?.scripts.get(argv[1].toLowerCase())?.flags
  else if (name === 'fcall' || name === 'fcall_ro') flags = server.scripting?.functions.current.findFunction(argv[1])?.flags
  return flags === undefined || flags & FLAG_EVAL_COMPAT ? null : flags
}

/** scriptFlagsToCmdFlags: the declared flags replace the command's write, deny-oom and stale flags. */
export function scriptFlagsToCommandFlags(base: readonly CommandFlag[], scriptFlags: number): CommandFlag[] {
  const out: CommandFlag[] = base.filter((f) => f !== 'write' && f !== 'denyoom' && f !== 'stale')
  // no-writes implies allow-oom
  if (!(scriptFlags & (FLAG_ALLOW_OOM | FLAG_NO_WRITES))) out.push('denyoom')
  if (!(scriptFlags & FLAG_NO_WRITES)) out.push('write')
  if (scriptFlags & FLAG_ALLOW_STALE) out.push('stale')
  return out
}

/** The CommandSpec.flagsOf of a script-running command registered as `name` with `flags`. */
export function scriptCommandFlags(name: string, flags: readonly CommandFlag[]): NonNullable<CommandSpec['flagsOf']> {
  return (server, argv) => {
    const declared = declaredScriptFlags(server, name, argv)
    return declared === null ? null : scriptFlagsToCommandFlags(flags, declared)
  }
}

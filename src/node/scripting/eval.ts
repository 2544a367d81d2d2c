// EVAL, EVALSHA, EVAL_RO, EVALSHA_RO and SCRIPT (Redis 7.0 eval.c).
import {E} from '../errors.js'
import {cmd, helpSubcommand, type CommandContext, type CommandFlag, type CommandSpec} from '../commands/types.js'
import {scriptCommandFlags} from './shebang.js'
import {numkeysKeys} from '../commands/type-util.js'
import type {Scripting} from './scripting.js'
import {UndoLog} from './ldb-undo.js'
import {parseIntStrict} from '../commands/util.js'

const NOSCRIPT = 'NOSCRIPT No matching script. Please use EVAL.'

/**
 * Keys of EVAL/FCALL-style commands: argv[2] is numkeys, the keys follow. Read as redis's
 * evalGetKeys (genericGetKeys: atoi) reads it once the key spec has refused a numkeys that is not
 * a plain integer: `2abc` names two keys for cluster routing, though the command then refuses it.
 */
const scriptKeys = numkeysKeys(2)

/** numkeys validation shared by EVAL and FCALL; null when fine (the error has been replied). */
export function parseNumkeys(ctx: CommandContext, argv: string[]): number | null {
  const raw = argv[2]
  if (parseIntStrict(raw) === null) {
    ctx.reply.error(E.NOT_INTEGER)
    return null
  }
  const n = Number(raw)
  if (n > argv.length - 3) {
    ctx.reply.error("ERR Number of keys can't be greater than number of args")
    return null
  }
  if (n < 0) {
    ctx.reply.error("ERR Number of keys can't be negative")
    return null
  }
  return n
}

/** EVAL, EVALSHA, FCALL and their _RO forms: numkeys-style keys, flags from the script they run. */
export function scriptCommand(name: string, flags: CommandFlag[], handler: CommandSpec['handler']): CommandSpec {
  return cmd(name, -3, flags, 0, handler, {keys: scriptKeys, categories: ['@slow', '@scripting'], flagsOf: scriptCommandFlags(name, flags)})
}

const SCRIPT_HELP = [
  'SCRIPT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
  'DEBUG (YES|SYNC|NO)',
  '    Set the debug mode for subsequent scripts executed.',
  'EXISTS <sha1> [<sha1> ...]',
  '    Return information about the existence of the scripts in the script cache.',
  'FLUSH [ASYNC|SYNC]',
  '    Flush the Lua scripts cache. Very dangerous on replicas.',
  '    When called without the optional mode argument, the behavior is determined by the',
  '    lazyfree-lazy-user-flush configuration directive. Valid modes are:',
  '    * ASYNC: Asynchronously flush the scripts cache.',
  '    * SYNC: Synchronously flush the scripts cache.',
  'KILL',
  '    Kill the currently executing Lua script.',
  'LOAD <script>',
  '    Load a script into the scripts cache without executing it.',
  'HELP',
  '    Prints this help.',
]

export function evalCommands(sc: Scripting): CommandSpec[] {
  const F = ['noscript', 'stale'] as const
  const sub = (name: string, arity: number, flags: CommandSpec['flags'], handler: CommandSpec['handler']) => cmd(name, arity, flags, 0, handler, {categories: ['@slow', '@scripting']})
  return [
    scriptCommand('eval', [...F], (ctx, argv) => evalCommand(sc, ctx, argv, false, false)),
    scriptCommand('evalsha', [...F], (ctx, argv) => evalCommand(sc, ctx, argv, true, false)),
    scriptCommand('eval_ro', [...F, 'readonly'], (ctx, argv) => evalCommand(sc, ctx, argv, false, true)),
    scriptCommand('evalsha_ro', [...F, 'readonly'], (ctx, argv) => evalCommand(sc, ctx, argv, true, true)),
    cmd('script', -2, [], 0, () => undefined, {
      categories: ['@slow'],
      subcommands: [
        sub('load', 3, ['noscript', 'stale'], (ctx, argv) => {
          const r = sc.create(argv[2])
          if ('error' in r) return ctx.reply.error(r.error)
          ctx.reply.bulk(r.sha)
        }),
        sub('exists', -3, ['noscript'], (ctx, argv) => {
          ctx.reply.array(argv.length - 2)
          for (let i = 2; i < argv.length; i++) ctx.reply.integer(sc.scripts.has(argv[i].toLowerCase()) ? 1 : 0)
        }),
        sub('flush', -2, ['noscript'], (ctx, argv) => {
          const mode = argv.length === 3 ? argv[2].toLowerCase() : ''
          if (argv.length > 3 || (argv.length === 3 && mode !== 'sync' && mode !== 'async')) return ctx.reply.error('ERR SCRIPT FLUSH only support SYNC|ASYNC option')
          sc.flush()
          ctx.reply.ok()
        }),
        sub('kill', 2, ['noscript'], (ctx) => {
          const err = sc.kill(true)
          if (err !== null) return ctx.reply.error(err)
          ctx.reply.ok()
        }),
        sub('debug', 3, ['noscript'], (ctx, argv) => {
          const s = ctx.session
          if (ctx.reply.size !== 0 || (s.socket?.writableLength ?? 0) !== 0) return ctx.reply.error('ERR SCRIPT DEBUG must be called outside a pipeline')
          const mode = argv[2].toLowerCase()
          if (mode !== 'no' && mode !== 'yes' && mode !== 'sync') return ctx.reply.error('ERR Use SCRIPT DEBUG YES/SYNC/NO')
          // the debugger talks to its client with blocking reads and writes on the socket while the
          // script is paused; Node.js has no blocking TLS, so over TLS it would write raw bytes
          if (mode !== 'no' && s.tls) return ctx.reply.error('ERR SCRIPT DEBUG is not supported on TLS connections by the embedded node (use the plain port)')
          if (mode !== 'no') sc.ldb.enable(s.socket)
          s.luaDebug = mode === 'no' ? '' : mode
          ctx.reply.ok()
        }),
        helpSubcommand(SCRIPT_HELP, {categories: ['@slow', '@scripting']}),
      ],
    }),
  ]
}

function evalCommand(sc: Scripting, ctx: CommandContext, argv: string[], bySha: boolean, ro: boolean): void | Promise<void> {
  const mode = ctx.session.luaDebug
  if (mode === '') return evalGeneric(sc, ctx, argv, bySha, ro)
  if (bySha) return ctx.reply.error(argv[1].length !== 40 ? NOSCRIPT : 'ERR Please use EVAL instead of EVALSHA for debugging')
  return evalWithDebugging(sc, ctx, argv, ro, mode)
}

/**
 * redis evalGenericCommandWithDebugging: the session around one EVAL; the client is closed after
 * the reply. A YES session (a fork()ed child in Redis) keeps none of its writes.
 */
function evalWithDebugging(sc: Scripting, ctx: CommandContext, argv: string[], ro: boolean, mode: 'yes' | 'sync'): void {
  const s = ctx.session
  const log = s.server.log
  const forked = mode === 'yes'
  const undo = forked ? new UndoLog(s.server) : null
  log.warning(forked ? 'Redis forked for debugging eval' : 'Redis synchronous debugging eval session started')
  sc.ldb.enableOn(s.socket)
  sc.ldb.start(forked, argv[1])
  try {
    void evalGeneric(sc, ctx, argv, false, ro, {propagate: !forked})
  } finally {
    sc.ldb.end()
    undo?.rollback()
    log.warning(forked ? 'Lua debugging session child exiting' : 'Redis synchronous debugging eval session ended')
    s.luaDebug = ''
    s.closeAfterReply = true
  }
}

function evalGeneric(sc: Scripting, ctx: CommandContext, argv: string[], bySha: boolean, ro: boolean, debug?: {propagate: boolean}): void | Promise<void> {
  const numkeys = parseNumkeys(ctx, argv)
  if (numkeys === null) return
  let sha: string
  if (bySha) {
    sha = argv[1].toLowerCase()
    if (argv[1].length !== 40 || !sc.scripts.has(sha)) return ctx.reply.error(NOSCRIPT)
  } else {
    const r = sc.create(argv[1])
    if ('error' in r) return ctx.reply.error(r.error)
    sha = r.sha
  }
  const script = sc.scripts.get(sha)!
  const err = sc.prepareError(ctx.session, script.flags, ro)
  if (err !== null) return ctx.reply.error(err)
  return sc.execute({
    engine: sc.engine,
    key: `f_${sha}`,
    keys: argv.slice(3, 3 + numkeys),
    args: argv.slice(3 + numkeys),
    caller: ctx.session,
    out: ctx.reply,
    flags: script.flags,
    ro,
    evalMode: true,
    funcname: sha,
    argv,
    debug,
  })
}

// Lua scripting in the embedded node: EVAL/EVALSHA/SCRIPT (eval.ts) and FUNCTION/FCALL
// (functions.ts) over one Scripting state per node (scripting.ts); `-BUSY` for other clients
// while a script runs past busy-reply-threshold.
import type {NodeServer} from '../server.js'
import {evalCommands} from './eval.js'
import {functionCommands} from './functions.js'
import {deniedWhileLoading} from '../dispatcher.js'
import {BUSY_EVAL, BUSY_FUNCTION} from './run.js'
import {Scripting} from './scripting.js'

/** Commands a client may still run while a script is busy (Redis CMD_ALLOW_BUSY). */
const ALLOW_BUSY = new Set(['auth', 'hello', 'quit', 'reset', 'replconf', 'shutdown', 'discard', 'multi', 'unwatch', 'watch', 'script|kill', 'function|kill', 'function|stats'])

export function installScripting(server: NodeServer): Scripting {
  const sc = new Scripting(server)
  server.scripting = sc
  server.registerCommands(evalCommands(sc))
  server.registerCommands(functionCommands(sc, sc.functions))
  server.guards.unshift((s, spec) => {
    const run = sc.current
    // the script's own calls and its caller are never refused
    if (run === null || !run.timedOut || s === run.caller || s === run.init.session) return null
    if (ALLOW_BUSY.has(spec.fullname ?? spec.name)) return null
    // processCommand: -LOADING comes before -BUSY (a script from the AOF timed out while loading)
    if (server.loading && deniedWhileLoading(s, spec)) return null
    return run.init.evalMode ? BUSY_EVAL : BUSY_FUNCTION
  })
  // redis DEBUG SET-DISABLE-DENY-SCRIPTS: let scripts call commands flagged noscript (tests only).
  server.debugSubcommands.set('set-disable-deny-scripts', {
    handler: (ctx, argv) => {
      if (argv.length !== 3) return ctx.reply.error(`ERR unknown subcommand or wrong number of arguments for '${argv[1]}'. Try DEBUG HELP.`)
      sc.allowNoscript = argv[2] !== '0'
      ctx.reply.ok()
    },
  })
  return sc
}

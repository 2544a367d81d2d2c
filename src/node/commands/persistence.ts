// Persistence commands: SAVE BGSAVE LASTSAVE (redis rdb.c saveCommand / bgsaveCommand,
// server.c lastsaveCommand). The machinery is in src/node/persistence/rdb-save.ts; BGREWRITEAOF
// belongs to the AOF module.
import {E} from '../errors.js'
import {rdbState, saveSync, startBgsave} from '../persistence/rdb-save.js'
import {cmd, type CommandContext, type CommandSpec} from './types.js'
import {is} from './util.js'

const A = ['admin', 'noscript', 'no-multi'] as const

export const commands: CommandSpec[] = [
  cmd('save', 1, [...A], 0, save),
  cmd('bgsave', -1, ['admin', 'noscript'], 0, bgsave), // allowed in MULTI (runs at EXEC), as in 7.0
  cmd('lastsave', 1, ['loading', 'stale', 'fast'], 0, (ctx) => ctx.reply.integer(Math.floor(ctx.server.lastSaveTime / 1000))),
]

function save(ctx: CommandContext): void {
  if (rdbState(ctx.server).bgsave) return ctx.reply.error(E.BGSAVE_IN_PROGRESS)
  if (saveSync(ctx.server)) ctx.reply.ok()
  else ctx.reply.error('ERR')
}

function bgsave(ctx: CommandContext, argv: string[]): void {
  let schedule = false
  if (argv.length > 1) {
    if (argv.length === 2 && is(argv[1], 'schedule')) schedule = true
    else return ctx.reply.error(E.SYNTAX)
  }
  const st = rdbState(ctx.server)
  if (st.bgsave) return ctx.reply.error(E.BGSAVE_IN_PROGRESS)
  if (st.otherChildActive?.()) {
    if (!schedule) {
      return ctx.reply.error("ERR Another child process is active (AOF?): can't BGSAVE right now. Use BGSAVE SCHEDULE in order to schedule a BGSAVE whenever possible.")
    }
    st.scheduled = true
    return ctx.reply.simple('Background saving scheduled')
  }
  if (startBgsave(ctx.server)) ctx.reply.simple('Background saving started')
  else ctx.reply.error('ERR')
}

// Whole-database commands beyond FLUSHDB/FLUSHALL (redis db.c): SWAPDB.
import {E, ReplyError} from '../errors.js'
import {signalDbReady} from '../blocking.js'
import {cmd, type CommandContext, type CommandSpec} from './types.js'

export const commands: CommandSpec[] = [cmd('swapdb', 3, ['write', 'fast'], 0, swapdb, {categories: ['@keyspace', '@write', '@fast', '@dangerous']})]

/** getIntFromObjectOrReply with a custom message: a 32-bit integer or "-ERR <msg>". */
function dbIndexArg(raw: string, msg: string): number {
  if (!/^-?\d+$/.test(raw) || raw.length > 11) throw new ReplyError(`ERR ${msg}`)
  const n = Number(raw)
  if (n < -2147483648 || n > 2147483647 || (raw.length > 1 && /^-?0/.test(raw))) throw new ReplyError(`ERR ${msg}`)
  return n
}

function swapdb(ctx: CommandContext, argv: string[]): void {
  if (ctx.server.clusterEnabled) return ctx.reply.error('ERR SWAPDB is not allowed in cluster mode')
  const a = dbIndexArg(argv[1], 'invalid first DB index')
  const b = dbIndexArg(argv[2], 'invalid second DB index')
  const n = ctx.server.databaseCount
  if (a < 0 || a >= n || b < 0 || b >= n) return ctx.reply.error(E.DB_INDEX)
  if (a !== b) {
    ctx.server.swapDatabases(a, b)
    signalDbReady(ctx.server, a)
    signalDbReady(ctx.server, b)
  } else ctx.server.dirty++
  ctx.reply.ok()
}

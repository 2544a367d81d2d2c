// Blocking list pops (redis t_list.c blockingPopGenericCommand / blmoveGenericCommand):
// BLPOP BRPOP BLMOVE BRPOPLPUSH BLMPOP. Parking, wake-ups and timeouts are src/node/blocking.ts;
// here is only "try to serve now" plus the replies. A served client is propagated as the
// equivalent non-blocking command (LPOP/RPOP/LMOVE/RPOPLPUSH), like redis does.
import {parseTimeout, popFromFirstReady, serveOrBlock} from '../blocking.js'
import {Deque} from '../keyspace/keyspace.js'
import {moveElement, parseMpop, popN, serveMpop, side} from './lists.js'
import {cmd, type CommandContext, type CommandSpec} from './types.js'
import {numkeysKeys} from './type-util.js'

const B = ['write', 'noscript', 'blocking'] as const
export const commands: CommandSpec[] = [
  cmd('blpop', -3, [...B], [1, -2, 1], (ctx, a) => bpop(ctx, a, true)),
  cmd('brpop', -3, [...B], [1, -2, 1], (ctx, a) => bpop(ctx, a, false)),
  cmd('blmove', 6, [...B, 'denyoom'], [1, 2, 1], (ctx, a) => bmove(ctx, a, side(a[3]), side(a[4]), a[5], false)),
  cmd('brpoplpush', 4, [...B, 'denyoom'], [1, 2, 1], (ctx, a) => bmove(ctx, a, false, true, a[3], true)),
  cmd('blmpop', -5, ['write', 'blocking'], 0, blmpop, {keys: numkeysKeys(2)}),
]

function bpop(ctx: CommandContext, argv: string[], head: boolean): void | Promise<void> {
  return popFromFirstReady(ctx, argv, Deque, (key) => ctx.db.getList(key), (list) => list.length, (key, list, afterBlocking) => {
    const v = popN(ctx, key, list, head, 1, afterBlocking)[0]
    ctx.propagateAs([head ? 'LPOP' : 'RPOP', key])
    ctx.reply.array(2)
    ctx.reply.bulk(key)
    ctx.reply.bulk(v)
  })
}

function bmove(ctx: CommandContext, argv: string[], fromHead: boolean, toHead: boolean, timeout: string, legacy: boolean): void | Promise<void> {
  const timeoutMs = parseTimeout(timeout)
  const [, src, dst] = argv
  return serveOrBlock(ctx, {
    keys: [src],
    of: Deque,
    alsoWrites: [dst],
    timeoutMs,
    serve: (ready) => {
      const list = ctx.db.getList(src)
      if (!list || list.length === 0) return false
      const v = moveElement(ctx, src, dst, fromHead, toHead, ready !== undefined)
      // redis: served at once, BLMOVE is rewritten keeping the directions as typed; served after
      // blocking (serveClientBlockedOnList) it is rebuilt with lower-case "left"/"right".
      if (legacy) ctx.propagateAs(['RPOPLPUSH', src, dst])
      else if (ready === undefined) ctx.propagateAs(['LMOVE', src, dst, argv[3], argv[4]])
      else ctx.propagateAs(['LMOVE', src, dst, fromHead ? 'left' : 'right', toHead ? 'left' : 'right'])
      ctx.reply.bulk(v)
      return true
    },
    // redis replies a null *array* on timeout but a null bulk when it may not block (MULTI).
    onTimeout: () => ctx.reply.nullArray(),
    onNoBlock: () => ctx.reply.nil(),
  })
}

function blmpop(ctx: CommandContext, argv: string[]): void | Promise<void> {
  const a = parseMpop(argv, 2, side)
  const timeoutMs = parseTimeout(argv[1])
  return serveOrBlock(ctx, {
    keys: a.keys,
    of: Deque,
    timeoutMs,
    // WRONGTYPE when reaching a key of another type (a wake-up is only from a list)
    serve: (ready) => serveMpop(ctx, a, ready),
    onTimeout: () => ctx.reply.nullArray(),
  })
}

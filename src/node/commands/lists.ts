// List commands (redis t_list.c), non-blocking part; BLPOP & co live in lists-blocking.ts
// (registered as their own group, which imports the shared pieces from here).
// A list is a Deque of latin1 strings; empty lists are deleted. Argument-parsing order follows
// redis so that the same bad request yields the same error (e.g. LRANGE parses indexes before
// looking the key up, LINDEX after).
import {E, ReplyError, wrongArity} from '../errors.js'
import type {Deque} from '../keyspace/keyspace.js'
import {cmd, type CommandContext, type CommandSpec} from './types.js'
import {intArg, propagateNothing, rankSpan} from './util.js'
import {numkeysKeys} from './type-util.js'
import {N, notifyKeyspaceEvent as ev} from '../notify.js'

const W = ['write', 'denyoom', 'fast'] as const
const K: [number, number, number] = [1, 1, 1]
export const commands: CommandSpec[] = [
  cmd('lpush', -3, [...W], K, (ctx, a) => push(ctx, a, true, false)),
  cmd('rpush', -3, [...W], K, (ctx, a) => push(ctx, a, false, false)),
  cmd('lpushx', -3, [...W], K, (ctx, a) => push(ctx, a, true, true)),
  cmd('rpushx', -3, [...W], K, (ctx, a) => push(ctx, a, false, true)),
  cmd('linsert', 5, ['write', 'denyoom'], K, linsert),
  cmd('lpop', -2, ['write', 'fast'], K, (ctx, a) => pop(ctx, a, true)),
  cmd('rpop', -2, ['write', 'fast'], K, (ctx, a) => pop(ctx, a, false)),
  cmd('llen', 2, ['readonly', 'fast'], K, (ctx, a) => ctx.reply.integer(ctx.db.readList(a[1])?.length ?? 0)),
  cmd('lindex', 3, ['readonly'], K, lindex),
  cmd('lset', 4, ['write', 'denyoom'], K, lset),
  cmd('lrange', 4, ['readonly'], K, lrange),
  cmd('ltrim', 4, ['write'], K, ltrim),
  cmd('lrem', 4, ['write'], K, lrem),
  cmd('lpos', -3, ['readonly'], K, lpos),
  cmd('lmove', 5, ['write', 'denyoom'], [1, 2, 1], (ctx, a) => {
    const from = side(a[3])
    const to = side(a[4])
    lmove(ctx, a[1], a[2], from, to)
  }),
  cmd('rpoplpush', 3, ['write', 'denyoom'], [1, 2, 1], (ctx, a) => lmove(ctx, a[1], a[2], false, true)),
  cmd('lmpop', -4, ['write'], 0, (ctx, a) => lmpop(ctx, a), {keys: numkeysKeys(1)}),
]

/** LEFT/RIGHT -> true for the head (redis getListPositionFromObjectOrReply). */
export function side(arg: string): boolean {
  const l = arg.toLowerCase()
  if (l === 'left') return true
  if (l === 'right') return false
  throw new ReplyError(E.SYNTAX)
}

function push(ctx: CommandContext, argv: string[], head: boolean, onlyIfExists: boolean): void {
  const key = argv[1]
  let list: Deque | undefined
  if (onlyIfExists) {
    list = ctx.db.getList(key)
    if (!list) return ctx.reply.integer(0)
  } else list = ctx.db.listForWrite(key)
  for (let i = 2; i < argv.length; i++) {
    if (head) list.pushFront(argv[i])
    else list.pushBack(argv[i])
  }
  ctx.afterWrite(key, argv.length - 2) // one per element pushed
  ev(ctx, N.LIST, head ? 'lpush' : 'rpush', key)
  ctx.reply.integer(list.length)
}

function linsert(ctx: CommandContext, argv: string[]): void {
  const where = argv[2].toLowerCase()
  if (where !== 'before' && where !== 'after') return ctx.reply.error(E.SYNTAX)
  const list = ctx.db.getList(argv[1])
  if (!list) return ctx.reply.integer(0)
  const i = list.indexOf(argv[3])
  if (i < 0) return ctx.reply.integer(-1)
  list.insertAt(where === 'before' ? i : i + 1, argv[4])
  ctx.afterWrite(argv[1])
  ev(ctx, N.LIST, 'linsert', argv[1])
  ctx.reply.integer(list.length)
}

/**
 * Pop up to n elements from one end, deleting the key when it empties (one change per element).
 * `served`: a BLPOP/BRPOP served after it blocked, which redis pops without counting a change or
 * signalling the key (serveClientBlockedOnList: the push that made it ready did both).
 */
export function popN(ctx: CommandContext, key: string, list: Deque, head: boolean, n: number, served = false): string[] {
  const out: string[] = []
  for (let i = 0; i < n && list.length > 0; i++) out.push((head ? list.popFront() : list.popBack()) as string)
  const emptied = list.length === 0
  if (emptied) ctx.db.delete(key)
  if (served) ctx.forcePropagation()
  else ctx.afterWrite(key, out.length)
  ev(ctx, N.LIST, head ? 'lpop' : 'rpop', key)
  if (emptied) ev(ctx, N.GENERIC, 'del', key)
  return out
}

function pop(ctx: CommandContext, argv: string[], head: boolean): void {
  if (argv.length > 3) return ctx.reply.error(wrongArity(head ? 'lpop' : 'rpop'))
  let count = -1
  if (argv.length === 3) {
    count = intArg(argv[2], 'ERR value is out of range, must be positive')
    if (count < 0) return ctx.reply.error('ERR value is out of range, must be positive')
  }
  const list = ctx.db.getList(argv[1])
  if (!list) return count === -1 ? ctx.reply.nil() : ctx.reply.nullArray()
  if (count === 0) return ctx.reply.array(0)
  if (count === -1) return ctx.reply.bulk(popN(ctx, argv[1], list, head, 1)[0])
  const out = popN(ctx, argv[1], list, head, count)
  ctx.reply.bulks(out, out.length)
}

/** Redis list index (negative from the tail) -> 0-based, or -1 when out of range. */
function normIndex(i: number, len: number): number {
  const j = i < 0 ? len + i : i
  return j < 0 || j >= len ? -1 : j
}

function lindex(ctx: CommandContext, argv: string[]): void {
  const list = ctx.db.readList(argv[1])
  if (!list) return ctx.reply.nil()
  const i = normIndex(intArg(argv[2]), list.length)
  ctx.reply.bulk(i < 0 ? null : list.get(i))
}

function lset(ctx: CommandContext, argv: string[]): void {
  const list = ctx.db.getList(argv[1])
  if (!list) return ctx.reply.error(E.NO_SUCH_KEY)
  const i = normIndex(intArg(argv[2]), list.length)
  if (i < 0) return ctx.reply.error(E.OUT_OF_RANGE)
  list.set(i, argv[3])
  ctx.afterWrite(argv[1])
  ev(ctx, N.LIST, 'lset', argv[1])
  ctx.reply.ok()
}


function lrange(ctx: CommandContext, argv: string[]): void {
  const start = intArg(argv[2])
  const end = intArg(argv[3])
  const list = ctx.db.readList(argv[1])
  if (!list) return ctx.reply.array(0)
  const r = rankSpan(start, end, list.length)
  if (!r) return ctx.reply.array(0)
  const out = list.range(r[0], r[1])
  ctx.reply.bulks(out, out.length)
}

function ltrim(ctx: CommandContext, argv: string[]): void {
  const start = intArg(argv[2])
  const end = intArg(argv[3])
  const key = argv[1]
  const list = ctx.db.getList(key)
  if (!list) return ctx.reply.ok()
  const before = list.length
  const r = rankSpan(start, end, list.length)
  if (!r) ctx.db.delete(key)
  else if (r[0] !== 0 || r[1] !== list.length - 1) list.trim(r[0], r[1])
  // redis ltrimCommand: dirty += removed elements, so a trim that removes nothing is not propagated.
  else propagateNothing(ctx)
  ctx.afterWrite(key, r ? before - (r[1] - r[0] + 1) : before) // the elements removed
  ev(ctx, N.LIST, 'ltrim', key)
  if (!r) ev(ctx, N.GENERIC, 'del', key)
  ctx.reply.ok()
}

function lrem(ctx: CommandContext, argv: string[]): void {
  const count = intArg(argv[2])
  const key = argv[1]
  const list = ctx.db.getList(key)
  if (!list) return ctx.reply.integer(0)
  const v = argv[3]
  const limit = count === 0 ? Infinity : Math.abs(count)
  // the matches' indexes, ascending; a COUNT stops the walk at its last match, as redis's does
  const hits: number[] = []
  const len = list.length
  if (count >= 0) {
    for (let i = 0; i < len && hits.length < limit; i++) if (list.get(i) === v) hits.push(i)
  } else {
    for (let i = len - 1; i >= 0 && hits.length < limit; i--) if (list.get(i) === v) hits.push(i)
    hits.reverse()
  }
  const removed = hits.length
  if (removed > 0) {
    const emptied = removed === len
    if (emptied) ctx.db.delete(key)
    else list.removeIndexes(hits)
    ctx.afterWrite(key, removed)
    ev(ctx, N.LIST, 'lrem', key)
    if (emptied) ev(ctx, N.GENERIC, 'del', key)
  }
  ctx.reply.integer(removed)
}

function lpos(ctx: CommandContext, argv: string[]): void {
  let rank = 1
  let count = -1
  let maxlen = 0
  // redis negates a negative rank in a long: LONG_MIN stays LONG_MIN, below every match count, so
  // every match from the tail counts and COUNT never ends the scan
  let minRank = false
  for (let j = 3; j < argv.length; j++) {
    const o = argv[j].toLowerCase()
    const more = j + 1 < argv.length
    if (o === 'rank' && more) {
      rank = intArg(argv[++j])
      minRank = rank < -9223372036854775000 && BigInt(argv[j]) === -(1n << 63n)
      if (rank === 0)
        return ctx.reply.error("ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to start from the end of the list")
    } else if (o === 'count' && more) {
      count = intArg(argv[++j], "ERR COUNT can't be negative")
      if (count < 0) return ctx.reply.error("ERR COUNT can't be negative")
    } else if (o === 'maxlen' && more) {
      maxlen = intArg(argv[++j], "ERR MAXLEN can't be negative")
      if (maxlen < 0) return ctx.reply.error("ERR MAXLEN can't be negative")
    } else return ctx.reply.error(E.SYNTAX)
  }
  const list = ctx.db.readList(argv[1])
  if (!list) return count !== -1 ? ctx.reply.array(0) : ctx.reply.nil()
  const len = list.length
  const want = count === -1 ? 1 : count === 0 || minRank ? Infinity : count
  const out: number[] = []
  let skip = minRank ? 0 : Math.abs(rank) - 1
  const limit = maxlen === 0 ? len : Math.min(maxlen, len)
  for (let n = 0; n < limit && out.length < want; n++) {
    const i = rank > 0 ? n : len - 1 - n
    if (list.get(i) !== argv[2]) continue
    if (skip > 0) skip--
    else out.push(i)
  }
  if (count === -1) return out.length ? ctx.reply.integer(out[0]) : ctx.reply.nil()
  ctx.reply.array(out.length)
  for (const i of out) ctx.reply.integer(i)
}

/**
 * LMOVE core, also used by the blocking variants once the source has an element. Returns the
 * moved element, or undefined when the source is missing/empty. Type errors throw before any
 * change (redis checks the destination type before popping).
 */
export function moveElement(ctx: CommandContext, src: string, dst: string, fromHead: boolean, toHead: boolean, served = false): string | undefined {
  const s = ctx.db.getList(src)
  if (!s || s.length === 0) return undefined
  ctx.db.getList(dst) // WRONGTYPE before anything moves
  const v = (fromHead ? s.popFront() : s.popBack()) as string
  // pushed before the source is deleted when it emptied: a list moved onto itself stays the same key (no "new" event)
  const target = dst === src ? s : ctx.db.listForWrite(dst)
  if (toHead) target.pushFront(v)
  else target.pushBack(v)
  if (s.length === 0) ctx.db.delete(src)
  // one change for the move, or, served after blocking, none and only the destination signalled
  // (redis lmoveHandlePush); the destination is signalled first (a tracking client's invalidations)
  if (dst !== src || served) ctx.afterWrite(dst, 0)
  if (served) ctx.forcePropagation()
  else ctx.afterWrite(src)
  // lmoveGenericCommand: the push on dst, the pop on src, then src's del when it emptied.
  ev(ctx, N.LIST, toHead ? 'lpush' : 'rpush', dst)
  ev(ctx, N.LIST, fromHead ? 'lpop' : 'rpop', src)
  if (!ctx.db.has(src)) ev(ctx, N.GENERIC, 'del', src)
  return v
}

function lmove(ctx: CommandContext, src: string, dst: string, fromHead: boolean, toHead: boolean): void {
  ctx.reply.bulk(moveElement(ctx, src, dst, fromHead, toHead))
}

export interface MpopArgs {
  keys: string[]
  head: boolean
  count: number
}

/** redis lmpopGenericCommand parsing; numkeysAt is the argv index of numkeys. */
export function parseMpop(argv: string[], numkeysAt: number, sideOf: (a: string) => boolean): MpopArgs {
  const bad = 'ERR numkeys should be greater than 0'
  const numkeys = intArg(argv[numkeysAt], bad)
  if (numkeys < 1) throw new ReplyError(bad)
  const whereAt = numkeysAt + numkeys + 1
  if (whereAt >= argv.length) throw new ReplyError(E.SYNTAX)
  const head = sideOf(argv[whereAt])
  let count = -1
  for (let j = whereAt + 1; j < argv.length; j++) {
    if (count === -1 && argv[j].toLowerCase() === 'count' && j + 1 < argv.length) {
      const c = intArg(argv[++j], 'ERR count should be greater than 0')
      if (c < 1) throw new ReplyError('ERR count should be greater than 0')
      count = c
    } else throw new ReplyError(E.SYNTAX)
  }
  return {keys: argv.slice(numkeysAt + 1, whereAt), head, count: count === -1 ? 1 : count}
}

/** Serve LMPOP/BLMPOP from the first non-empty key; false when all are empty. */
export function serveMpop(ctx: CommandContext, a: MpopArgs, only?: string): boolean {
  for (const key of only !== undefined ? [only] : a.keys) {
    const list = ctx.db.getList(key)
    if (!list || list.length === 0) continue
    const out = popN(ctx, key, list, a.head, a.count)
    ctx.propagateAs([a.head ? 'LPOP' : 'RPOP', key, String(out.length)])
    ctx.reply.array(2)
    ctx.reply.bulk(key)
    ctx.reply.bulks(out, out.length)
    return true
  }
  return false
}

function lmpop(ctx: CommandContext, argv: string[]): void {
  const a = parseMpop(argv, 1, side)
  if (!serveMpop(ctx, a)) ctx.reply.nullArray()
}

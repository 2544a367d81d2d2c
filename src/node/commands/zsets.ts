// Sorted-set commands (redis t_zset.c): the registration table plus ZADD/ZINCRBY, single
// member lookups, pops (ZPOP*, BZPOP*, ZMPOP, BZMPOP), ZRANDMEMBER and ZSCAN. Ranges are in
// zsets-range.ts, set algebra in zsets-store.ts. Scores are replied with reply.double
// (%.17g like redis 7.0; RESP3 double type).
import {ensureRoom} from '../keyspace/member-limit.js'
import {replyOverLimit} from '../clientmem.js'
import {parseTimeout, popFromFirstReady, serveOrBlock} from '../blocking.js'
import {E, ReplyError} from '../errors.js'
import {ZSet} from '../keyspace/keyspace.js'
import {isCompact} from '../keyspace/encoding.js'
import {cmd, type CommandContext, type CommandSpec} from './types.js'
import {formatDouble} from '../../resp/writer.js'
import {intArg} from './util.js'
import {distinctIndexes, matches, numkeysKeys, parseCursor, parseScanOptions, pairCountTooBig, randCount, randomInt, scanCollection} from './type-util.js'
import {doubleArg, zcount, zrangeGeneric, zremrange} from './zsets-range.js'
import {zsetOp} from './zsets-store.js'
import {N, notifyKeyspaceEvent as ev} from '../notify.js'

const W = ['write', 'denyoom', 'fast'] as const
const R = ['readonly', 'fast'] as const
const K: [number, number, number] = [1, 1, 1]
const B = ['write', 'noscript', 'blocking', 'fast'] as const
export const commands: CommandSpec[] = [
  cmd('zadd', -4, [...W], K, (ctx, a) => zadd(ctx, a, false)),
  cmd('zincrby', 4, [...W], K, (ctx, a) => zadd(ctx, a, true)),
  cmd('zrem', -3, ['write', 'fast'], K, zrem),
  cmd('zcard', 2, [...R], K, (ctx, a) => ctx.reply.integer(ctx.db.readZSet(a[1])?.size ?? 0)),
  cmd('zcount', 4, [...R], K, (ctx, a) => zcount(ctx, a, false)),
  cmd('zlexcount', 4, [...R], K, (ctx, a) => zcount(ctx, a, true)),
  cmd('zscore', 3, [...R], K, zscore),
  cmd('zmscore', -3, [...R], K, zmscore),
  cmd('zrank', 3, [...R], K, (ctx, a) => zrank(ctx, a, false)),
  cmd('zrevrank', 3, [...R], K, (ctx, a) => zrank(ctx, a, true)),
  cmd('zrange', -4, ['readonly'], K, (ctx, a) => zrangeGeneric(ctx, a, 1, null, 'auto', null)),
  cmd('zrangestore', -5, ['write', 'denyoom'], [1, 2, 1], (ctx, a) => zrangeGeneric(ctx, a, 2, a[1], 'auto', null)),
  cmd('zrevrange', -4, ['readonly'], K, (ctx, a) => zrangeGeneric(ctx, a, 1, null, 'rank', true)),
  cmd('zrangebyscore', -4, ['readonly'], K, (ctx, a) => zrangeGeneric(ctx, a, 1, null, 'score', false)),
  cmd('zrevrangebyscore', -4, ['readonly'], K, (ctx, a) => zrangeGeneric(ctx, a, 1, null, 'score', true)),
  cmd('zrangebylex', -4, ['readonly'], K, (ctx, a) => zrangeGeneric(ctx, a, 1, null, 'lex', false)),
  cmd('zrevrangebylex', -4, ['readonly'], K, (ctx, a) => zrangeGeneric(ctx, a, 1, null, 'lex', true)),
  cmd('zremrangebyrank', 4, ['write'], K, (ctx, a) => zremrange(ctx, a, 'rank')),
  cmd('zremrangebyscore', 4, ['write'], K, (ctx, a) => zremrange(ctx, a, 'score')),
  cmd('zremrangebylex', 4, ['write'], K, (ctx, a) => zremrange(ctx, a, 'lex')),
  cmd('zpopmin', -2, ['write', 'fast'], K, (ctx, a) => zpop(ctx, a, true)),
  cmd('zpopmax', -2, ['write', 'fast'], K, (ctx, a) => zpop(ctx, a, false)),
  cmd('bzpopmin', -3, [...B], [1, -2, 1], (ctx, a) => bzpop(ctx, a, true)),
  cmd('bzpopmax', -3, [...B], [1, -2, 1], (ctx, a) => bzpop(ctx, a, false)),
  cmd('zmpop', -4, ['write'], 0, (ctx, a) => zmpop(ctx, a, false), {keys: numkeysKeys(1)}),
  cmd('bzmpop', -5, ['write', 'blocking'], 0, (ctx, a) => zmpop(ctx, a, true), {keys: numkeysKeys(2)}),
  cmd('zrandmember', -2, ['readonly'], K, zrandmember),
  cmd('zunion', -3, ['readonly'], 0, (ctx, a) => zsetOp(ctx, a, 1, 'union', null), {keys: numkeysKeys(1)}),
  cmd('zinter', -3, ['readonly'], 0, (ctx, a) => zsetOp(ctx, a, 1, 'inter', null), {keys: numkeysKeys(1)}),
  cmd('zdiff', -3, ['readonly'], 0, (ctx, a) => zsetOp(ctx, a, 1, 'diff', null), {keys: numkeysKeys(1)}),
  cmd('zunionstore', -4, ['write', 'denyoom'], 0, (ctx, a) => zsetOp(ctx, a, 2, 'union', a[1]), {keys: numkeysKeys(2, [1])}),
  cmd('zinterstore', -4, ['write', 'denyoom'], 0, (ctx, a) => zsetOp(ctx, a, 2, 'inter', a[1]), {keys: numkeysKeys(2, [1])}),
  cmd('zdiffstore', -4, ['write', 'denyoom'], 0, (ctx, a) => zsetOp(ctx, a, 2, 'diff', a[1]), {keys: numkeysKeys(2, [1])}),
  cmd('zintercard', -3, ['readonly'], 0, (ctx, a) => zsetOp(ctx, a, 1, 'inter', null, true), {keys: numkeysKeys(1)}),
  cmd('zscan', -3, ['readonly'], K, zscan),
]

export interface ZaddFlags {
  nx: boolean
  xx: boolean
  gt: boolean
  lt: boolean
  ch: boolean
  incr: boolean
  /** argv index of the first score */
  scoreAt: number
}

/** ZADD option parsing with redis's option-conflict errors, in redis's order. */
export function parseZaddFlags(argv: string[]): ZaddFlags {
  const f: ZaddFlags = {nx: false, xx: false, gt: false, lt: false, ch: false, incr: false, scoreAt: 2}
  for (; f.scoreAt < argv.length; f.scoreAt++) {
    const o = argv[f.scoreAt].toLowerCase()
    if (o === 'nx') f.nx = true
    else if (o === 'xx') f.xx = true
    else if (o === 'ch') f.ch = true
    else if (o === 'incr') f.incr = true
    else if (o === 'gt') f.gt = true
    else if (o === 'lt') f.lt = true
    else break
  }
  const elements = argv.length - f.scoreAt
  if (elements === 0 || elements % 2 !== 0) throw new ReplyError(E.SYNTAX)
  if (f.xx && f.nx) throw new ReplyError('ERR XX and NX options at the same time are not compatible')
  if ((f.gt && f.nx) || (f.lt && f.nx) || (f.gt && f.lt)) throw new ReplyError('ERR GT, LT, and/or NX options at the same time are not compatible')
  if (f.incr && elements > 2) throw new ReplyError('ERR INCR option supports a single increment-element pair')
  return f
}

/**
 * ZADD's store of a score: a listpack keeps no negative zero (the member then reads 0), the skiplist
 * does (-0), as in redis 7.0.
 */
function storeScore(z: ZSet, member: string, score: number): void {
  z.add(member, score)
  if (score === 0 && Object.is(score, -0) && isCompact(z)) {
    z.remove(member) // (add() keeps an equal score: -0 === 0)
    z.add(member, 0)
  }
}

function zadd(ctx: CommandContext, argv: string[], zincrby: boolean): void {
  const f: ZaddFlags = zincrby ? {nx: false, xx: false, gt: false, lt: false, ch: false, incr: true, scoreAt: 2} : parseZaddFlags(argv)
  const scores: number[] = []
  // "+ 0" turns -0 into 0: redis 7.0 never replies "-0" for a stored score.
  for (let j = f.scoreAt; j < argv.length; j += 2) scores.push(doubleArg(argv[j]))
  const key = argv[1]
  let z = ctx.db.getZSet(key)
  if (!f.xx) ensureRoom(ctx.server.memberLimit, z?.dict, argv, f.scoreAt + 1, 2)
  if (!z) {
    if (f.xx) return f.incr ? ctx.reply.nil() : ctx.reply.integer(0)
    z = ctx.db.zsetForWrite(key)
  }
  let added = 0
  let updated = 0
  let processed = 0
  let score = 0
  for (let i = 0; i < scores.length; i++) {
    const member = argv[f.scoreAt + 1 + i * 2]
    score = scores[i]
    const cur = z.score(member)
    if (cur !== undefined) {
      if (f.nx) continue
      if (f.incr) {
        score = cur + score
        if (Number.isNaN(score)) {
          if (z.size === 0) ctx.db.delete(key)
          return ctx.reply.error('ERR resulting score is not a number (NaN)')
        }
      }
      if ((f.lt && score >= cur) || (f.gt && score <= cur)) continue
      processed++
      if (score !== cur) {
        storeScore(z, member, score)
        updated++
      }
    } else {
      if (f.xx) continue
      storeScore(z, member, score)
      added++
      processed++
    }
  }
  if (added + updated > 0) ctx.afterWrite(key, added + updated)
  if (added + updated > 0) ev(ctx, N.ZSET, f.incr ? 'zincr' : 'zadd', key)
  // the score computed, not the one stored: a new member's ZINCRBY -0 answers -0 (and stores 0)
  if (f.incr) return processed ? ctx.reply.double(score) : ctx.reply.nil()
  ctx.reply.integer(f.ch ? added + updated : added)
}

function zrem(ctx: CommandContext, argv: string[]): void {
  const z = ctx.db.getZSet(argv[1])
  if (!z) return ctx.reply.integer(0)
  let n = 0
  for (let i = 2; i < argv.length; i++) if (z.remove(argv[i])) n++
  if (n > 0) {
    if (z.size === 0) ctx.db.delete(argv[1])
    ctx.afterWrite(argv[1], n)
    ev(ctx, N.ZSET, 'zrem', argv[1])
    if (z.size === 0) ev(ctx, N.GENERIC, 'del', argv[1])
  }
  ctx.reply.integer(n)
}

function zscore(ctx: CommandContext, argv: string[]): void {
  const s = ctx.db.readZSet(argv[1])?.score(argv[2])
  if (s === undefined) return ctx.reply.nil()
  ctx.reply.double(s)
}

function zmscore(ctx: CommandContext, argv: string[]): void {
  const z = ctx.db.readZSet(argv[1])
  ctx.reply.array(argv.length - 2)
  for (let i = 2; i < argv.length; i++) {
    const s = z?.score(argv[i])
    if (s === undefined) ctx.reply.nil()
    else ctx.reply.double(s)
  }
}

function zrank(ctx: CommandContext, argv: string[], rev: boolean): void {
  const z = ctx.db.readZSet(argv[1])
  const r = z ? z.rank(argv[2]) : -1
  if (r < 0) return ctx.reply.nil()
  ctx.reply.integer(rev ? z!.size - 1 - r : r)
}

/** Pop up to count from one end; deletes the key when emptied and propagates ZPOPMIN/MAX key n. */
function popEnd(ctx: CommandContext, key: string, z: ZSet, min: boolean, count: number): [string, number][] {
  const n = Math.min(count, z.size)
  const out: [string, number][] = []
  for (let k = 0; k < n; k++) {
    const i = min ? k : z.size - 1 - k
    out.push([z.memberAt(i), z.scoreAt(i)])
  }
  if (min) z.removeRange(0, n - 1)
  else z.removeRange(z.size - n, z.size - 1)
  if (z.size === 0) ctx.db.delete(key)
  ctx.afterWrite(key, n) // one per member popped
  ev(ctx, N.ZSET, min ? 'zpopmin' : 'zpopmax', key)
  if (z.size === 0) ev(ctx, N.GENERIC, 'del', key)
  return out
}

function emitPairs(ctx: CommandContext, items: [string, number][], nested: boolean): void {
  for (const [m, s] of items) {
    if (nested) ctx.reply.array(2)
    ctx.reply.bulk(m)
    ctx.reply.double(s)
  }
}

function zpop(ctx: CommandContext, argv: string[], min: boolean): void {
  if (argv.length > 3) return ctx.reply.error(E.SYNTAX)
  let count = -1
  if (argv.length === 3) {
    count = intArg(argv[2], 'ERR value is out of range, must be positive')
    if (count < 0) return ctx.reply.error('ERR value is out of range, must be positive')
  }
  const z = ctx.db.getZSet(argv[1])
  if (!z || count === 0) return ctx.reply.array(0)
  const nested = ctx.reply.resp === 3 && count !== -1
  const items = popEnd(ctx, argv[1], z, min, count === -1 ? 1 : count)
  ctx.reply.array(nested ? items.length : items.length * 2)
  emitPairs(ctx, items, nested)
}

function bzpop(ctx: CommandContext, argv: string[], min: boolean): void | Promise<void> {
  return popFromFirstReady(ctx, argv, ZSet, (key) => ctx.db.getZSet(key), (z) => z.size, (key, z) => {
    const items = popEnd(ctx, key, z, min, 1)
    ctx.propagateAs([min ? 'ZPOPMIN' : 'ZPOPMAX', key])
    ctx.reply.array(3)
    ctx.reply.bulk(key)
    emitPairs(ctx, items, false)
  })
}

function zmpop(ctx: CommandContext, argv: string[], blocking: boolean): void | Promise<void> {
  const numkeysAt = blocking ? 2 : 1
  const bad = 'ERR numkeys should be greater than 0'
  const numkeys = intArg(argv[numkeysAt], bad)
  if (numkeys < 1) return ctx.reply.error(bad)
  const whereAt = numkeysAt + numkeys + 1
  if (whereAt >= argv.length) return ctx.reply.error(E.SYNTAX)
  const where = argv[whereAt].toLowerCase()
  if (where !== 'min' && where !== 'max') return ctx.reply.error(E.SYNTAX)
  let count = -1
  for (let j = whereAt + 1; j < argv.length; j++) {
    if (count === -1 && argv[j].toLowerCase() === 'count' && j + 1 < argv.length) {
      count = intArg(argv[++j], 'ERR count should be greater than 0')
      if (count < 1) return ctx.reply.error('ERR count should be greater than 0')
    } else return ctx.reply.error(E.SYNTAX)
  }
  if (count === -1) count = 1
  const keys = argv.slice(numkeysAt + 1, whereAt)
  const serve = (ready?: string): boolean => {
    for (const key of ready !== undefined ? [ready] : keys) {
      const z = ctx.db.getZSet(key)
      if (!z || z.size === 0) continue
      const items = popEnd(ctx, key, z, where === 'min', count)
      ctx.propagateAs([where === 'min' ? 'ZPOPMIN' : 'ZPOPMAX', key, String(items.length)])
      ctx.reply.array(2)
      ctx.reply.bulk(key)
      ctx.reply.array(items.length)
      emitPairs(ctx, items, true)
      return true
    }
    return false
  }
  if (!blocking) {
    if (!serve()) ctx.reply.nullArray()
    return
  }
  const timeoutMs = parseTimeout(argv[1])
  return serveOrBlock(ctx, {keys, of: ZSet, timeoutMs, serve, onTimeout: () => ctx.reply.nullArray()})
}

function zrandmember(ctx: CommandContext, argv: string[]): void {
  const r = ctx.reply
  if (argv.length === 2) {
    const z = ctx.db.readZSet(argv[1])
    return r.bulk(z ? z.memberAt(randomInt(z.size)) : null)
  }
  const l = randCount(argv[2])
  if (argv.length > 4 || (argv.length === 4 && argv[3].toLowerCase() !== 'withscores')) return r.error(E.SYNTAX)
  const withScores = argv.length === 4
  if (withScores && pairCountTooBig(argv[2])) return r.error('ERR value is out of range')
  const z = ctx.db.readZSet(argv[1])
  if (!z || l === 0) return r.array(0)
  const emit = (i: number) => {
    if (withScores && r.resp === 3) r.array(2)
    r.bulk(z.memberAt(i))
    if (withScores) r.double(z.scoreAt(i))
  }
  const header = (n: number) => r.array(withScores && r.resp === 2 ? n * 2 : n)
  if (l < 0 || l === 1) {
    header(Math.abs(l))
    for (let k = 0; k < Math.abs(l); k++) {
      if ((k & 1023) === 1023 && replyOverLimit(ctx.session)) return
      emit(randomInt(z.size))
    }
    return
  }
  if (l >= z.size) {
    // redis walks the whole zset with zuiNext, which goes from the highest score down.
    header(z.size)
    for (let i = z.size - 1; i >= 0; i--) emit(i)
    return
  }
  const picked = distinctIndexes(z.size, l)
  header(picked.length)
  for (const i of picked) emit(i)
}

/** redis keeps zsets with <= 128 members of <= 64 bytes as a listpack: scanned in one call. */
export function zsetIsSmall(z: ZSet): boolean {
  if (z.size > 128) return false
  for (const m of z.dict.keys()) if (m.length > 64) return false
  return true
}

function zscan(ctx: CommandContext, argv: string[]): void {
  const cursor = parseCursor(argv[2])
  const z = ctx.db.readZSet(argv[1])
  const r = ctx.reply
  if (!z) {
    r.array(2)
    r.bulk('0')
    return r.array(0)
  }
  const opts = parseScanOptions(argv, cursor)
  const out: string[] = []
  const small = zsetIsSmall(z)
  // Small zsets are listpacks in redis: scanned in score order. Large ones walk the dict.
  const next = scanCollection(z, () => (small ? z.entries() : z.dict.entries()), z.size, small, opts, ([m, s]) => {
    if (matches(opts.match, m)) out.push(m, formatDouble(s))
  })
  r.array(2)
  r.bulk(String(next))
  r.bulks(out, out.length)
}


// Hash commands (redis t_hash.c). A hash is a Map<field, value> of latin1 strings; empty
// hashes are deleted. Encoding (listpack vs hashtable) is only reported, see keys.ts encodingOf.
import {ensureRoom} from '../keyspace/member-limit.js'
import {hashDelete, hashDict, hashLookup, hashPrepareWrite, hashRandomSteps, hashWrite} from '../keyspace/hash-dict.js'
import {replyOverLimit} from '../clientmem.js'
import {E, wrongArity} from '../errors.js'
import type {HashValue} from '../keyspace/keyspace.js'
import {addLongDouble, formatLongDoubleHuman, LD_ZERO, parseLongDouble} from '../long-double.js'
import {cmd, type CommandContext, type CommandSpec} from './types.js'
import {parseIntStrict} from './util.js'
import {randomMember} from '../keyspace/random-pick.js'
import {distinctIndexes, matches, parseCursor, parseScanOptions, pairCountTooBig, randCount, scanCollection} from './type-util.js'
import {N, notifyKeyspaceEvent as ev} from '../notify.js'

const W = ['write', 'denyoom', 'fast'] as const
const R = ['readonly', 'fast'] as const
const K: [number, number, number] = [1, 1, 1]
export const commands: CommandSpec[] = [
  cmd('hset', -4, [...W], K, (ctx, a) => hset(ctx, a, false)),
  cmd('hmset', -4, [...W], K, (ctx, a) => hset(ctx, a, true)),
  cmd('hsetnx', 4, [...W], K, hsetnx),
  cmd('hget', 3, [...R], K, (ctx, a) => ctx.reply.bulk(lookup(ctx, a[1], a[2]))),
  cmd('hmget', -3, [...R], K, hmget),
  cmd('hdel', -3, ['write', 'fast'], K, hdel),
  cmd('hlen', 2, [...R], K, (ctx, a) => ctx.reply.integer(ctx.db.readHash(a[1])?.size ?? 0)),
  cmd('hstrlen', 3, [...R], K, (ctx, a) => ctx.reply.integer(lookup(ctx, a[1], a[2])?.length ?? 0)),
  cmd('hexists', 3, [...R], K, (ctx, a) => ctx.reply.integer(lookup(ctx, a[1], a[2]) !== undefined ? 1 : 0)),
  cmd('hkeys', 2, ['readonly'], K, (ctx, a) => {
    const h = ctx.db.readHash(a[1])
    ctx.reply.bulks(h ? h.keys() : [], h?.size ?? 0)
  }),
  cmd('hvals', 2, ['readonly'], K, (ctx, a) => {
    const h = ctx.db.readHash(a[1])
    ctx.reply.bulks(h ? h.values() : [], h?.size ?? 0)
  }),
  cmd('hgetall', 2, ['readonly'], K, hgetall),
  cmd('hincrby', 4, [...W], K, hincrby),
  cmd('hincrbyfloat', 4, [...W], K, hincrbyfloat),
  cmd('hrandfield', -2, ['readonly'], K, hrandfield),
  cmd('hscan', -3, ['readonly'], K, hscan),
]

function lookup(ctx: CommandContext, key: string, field: string): string | undefined {
  const h = ctx.db.readHash(key)
  return h === undefined ? undefined : hashLookup(h, field)
}

function hset(ctx: CommandContext, argv: string[], legacy: boolean): void {
  if (argv.length % 2 === 1) return ctx.reply.error(wrongArity(legacy ? 'hmset' : 'hset'))
  const key = argv[1]
  ensureRoom(ctx.server.memberLimit, ctx.db.getHash(key), argv, 2, 2)
  const h = ctx.db.hashForWrite(key)
  let created = 0
  hashPrepareWrite(h, argv, 2)
  for (let i = 2; i < argv.length; i += 2) if (hashWrite(h, argv[i], argv[i + 1])) created++
  ctx.afterWrite(key, (argv.length - 2) / 2) // redis counts every pair given
  ev(ctx, N.HASH, 'hset', key)
  if (legacy) ctx.reply.ok()
  else ctx.reply.integer(created)
}

function hsetnx(ctx: CommandContext, argv: string[]): void {
  ensureRoom(ctx.server.memberLimit, ctx.db.getHash(argv[1]), argv, 2, 2)
  const h = ctx.db.hashForWrite(argv[1])
  if (hashLookup(h, argv[2]) !== undefined) return ctx.reply.integer(0)
  hashPrepareWrite(h, argv, 2)
  hashWrite(h, argv[2], argv[3])
  ctx.afterWrite(argv[1])
  ev(ctx, N.HASH, 'hset', argv[1])
  ctx.reply.integer(1)
}

function hmget(ctx: CommandContext, argv: string[]): void {
  const h = ctx.db.readHash(argv[1])
  ctx.reply.array(argv.length - 2)
  for (let i = 2; i < argv.length; i++) ctx.reply.bulk(h === undefined ? undefined : hashLookup(h, argv[i]))
}

function hdel(ctx: CommandContext, argv: string[]): void {
  const key = argv[1]
  const h = ctx.db.getHash(key)
  if (!h) return ctx.reply.integer(0)
  let n = 0
  for (let i = 2; i < argv.length; i++) if (hashDelete(h, argv[i])) n++
  if (n > 0) {
    if (h.size === 0) ctx.db.delete(key)
    ctx.afterWrite(key, n)
    ev(ctx, N.HASH, 'hdel', key)
    if (h.size === 0) ev(ctx, N.GENERIC, 'del', key)
  }
  ctx.reply.integer(n)
}

function hgetall(ctx: CommandContext, argv: string[]): void {
  const h = ctx.db.readHash(argv[1])
  const r = ctx.reply
  if (!h) return r.map(0)
  r.map(h.size)
  for (const [f, v] of h) {
    r.bulk(f)
    r.bulk(v)
  }
}

const I64_MAX = 9223372036854775807n
const I64_MIN = -9223372036854775808n

function hincrby(ctx: CommandContext, argv: string[]): void {
  const incr = parseIntStrict(argv[3])
  if (incr === null) return ctx.reply.error(E.NOT_INTEGER)
  const key = argv[1]
  ensureRoom(ctx.server.memberLimit, ctx.db.getHash(key), argv, 2, 2)
  const h = ctx.db.hashForWrite(key)
  const cur = hashLookup(h, argv[2])
  let base = 0n
  if (cur !== undefined) {
    const v = parseIntStrict(cur)
    if (v === null) return errorKeepingHash(ctx, key, h, 'ERR hash value is not an integer')
    base = v
  }
  const next = base + incr
  if (next > I64_MAX || next < I64_MIN) return errorKeepingHash(ctx, key, h, E.OVERFLOW)
  hashWrite(h, argv[2], next.toString())
  ctx.afterWrite(key)
  ev(ctx, N.HASH, 'hincrby', key)
  ctx.reply.integer(next)
}

/** hashForWrite may have created the key: never leave an empty hash behind on an error. */
function errorKeepingHash(ctx: CommandContext, key: string, h: HashValue, err: string): void {
  if (h.size === 0) ctx.db.delete(key)
  ctx.reply.error(err)
}

function hincrbyfloat(ctx: CommandContext, argv: string[]): void {
  // long double arithmetic and output, exactly as Redis's (long-double.ts)
  const incr = parseLongDouble(argv[3])
  if (incr === null) return ctx.reply.error(E.NOT_FLOAT)
  if (incr.inf) return ctx.reply.error('ERR value is NaN or Infinity')
  const key = argv[1]
  ensureRoom(ctx.server.memberLimit, ctx.db.getHash(key), argv, 2, 2)
  const h = ctx.db.hashForWrite(key)
  const cur = hashLookup(h, argv[2])
  const base = cur === undefined ? LD_ZERO : parseLongDouble(cur)
  if (base === null) return errorKeepingHash(ctx, key, h, 'ERR hash value is not a float')
  const next = addLongDouble(base, incr)
  if (next === null || next.inf) return errorKeepingHash(ctx, key, h, E.INCR_NAN)
  const s = formatLongDoubleHuman(next)
  hashWrite(h, argv[2], s)
  // Replicas must not redo float math (redis propagates HSET with the final text).
  ctx.propagateAs(['HSET', key, argv[2], s])
  ctx.afterWrite(key)
  ev(ctx, N.HASH, 'hincrbyfloat', key)
  ctx.reply.bulk(s)
}

function hrandfield(ctx: CommandContext, argv: string[]): void {
  const r = ctx.reply
  if (argv.length === 2) {
    const h = ctx.db.readHash(argv[1])
    if (!h) return r.nil()
    hashRandomSteps(h, 1)
    return r.bulk(randomMember(h))
  }
  const l = randCount(argv[2])
  let withValues = false
  if (argv.length > 4 || (argv.length === 4 && argv[3].toLowerCase() !== 'withvalues')) return r.error(E.SYNTAX)
  if (argv.length === 4) {
    withValues = true
    if (pairCountTooBig(argv[2])) return r.error('ERR value is out of range')
  }
  const h = ctx.db.readHash(argv[1])
  if (!h || l === 0) return r.array(0)
  const emit = (f: string) => {
    if (withValues && r.resp === 3) r.array(2)
    r.bulk(f)
    if (withValues) r.bulk(h.get(f))
  }
  const header = (n: number) => r.array(withValues && r.resp === 2 ? n * 2 : n)
  // Negative count: repetitions allowed (redis CASE 1), one random pick each.
  if (l < 0 || l === 1) {
    const n = Math.abs(l)
    hashRandomSteps(h, n)
    header(n)
    for (let k = 0; k < n; k++) {
      if ((k & 1023) === 1023 && replyOverLimit(ctx.session)) return
      emit(randomMember(h))
    }
    return
  }
  if (l >= h.size) {
    const all = [...h.keys()]
    header(all.length)
    for (const f of all) emit(f)
    return
  }
  // CASE 4 (count * 3 <= size) picks from the hash itself until it has `count` distinct fields
  // (O(count)); CASE 3 works on a copy (O(size))
  if (l * 3 <= h.size) {
    hashRandomSteps(h, l)
    const picked = new Set<string>()
    while (picked.size < l) picked.add(randomMember(h))
    header(l)
    for (const f of picked) emit(f)
    return
  }
  const fields = [...h.keys()]
  const picked = distinctIndexes(fields.length, l)
  header(picked.length)
  for (const i of picked) emit(fields[i])
}

/** redis keeps hashes with <= 128 fields of <= 64 bytes as a listpack: scanned in one call. */
export function hashIsSmall(h: HashValue): boolean {
  if (h.size > 128) return false
  for (const [f, v] of h) if (f.length > 64 || v.length > 64) return false
  return true
}

function hscan(ctx: CommandContext, argv: string[]): void {
  const cursor = parseCursor(argv[2])
  const h = ctx.db.readHash(argv[1])
  const r = ctx.reply
  if (!h) {
    r.array(2)
    r.bulk('0')
    return r.array(0)
  }
  const opts = parseScanOptions(argv, cursor)
  const out: string[] = []
  const d = hashDict(h)
  // a hashtable hash is scanned in its dict's bucket order (dictScan's reverse-binary cursor)
  const next = d !== undefined
    ? d.scan(cursor, opts.count, (f) => void (matches(opts.match, f) && out.push(f, h.get(f)!)))
    : scanCollection(h, () => h.entries(), h.size, hashIsSmall(h), opts, ([f, v]) => {
      if (matches(opts.match, f)) out.push(f, v)
    })
  r.array(2)
  r.bulk(String(next))
  r.bulks(out, out.length)
}


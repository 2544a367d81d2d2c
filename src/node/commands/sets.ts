// Set commands (redis t_set.c). A set is a Set<string>; empty sets are deleted. Sets redis
// would keep as an intset (<= 512 integers) are replied in ascending numeric order, as redis
// does; larger or non-integer sets come out in insertion order (redis: hash-table order).
import {ensureRoom, ensureSize} from '../keyspace/member-limit.js'
import {replyOverLimit} from '../clientmem.js'
import {E} from '../errors.js'
import type {SetValue} from '../keyspace/keyspace.js'
import {cmd, type CommandContext, type CommandSpec} from './types.js'
import {intArg, storeOrDelete} from './util.js'
import {distinctIndexes, matches, numkeysKeys, parseCursor, parseScanOptions, randCount, scanCollection, type ScanOptions} from './type-util.js'
import {N, notifyKeyspaceEvent as ev} from '../notify.js'
import {setAdd, setDict, setHas, setRandomSteps, setRebuilt, setRemove} from '../keyspace/set-dict.js'
import {pickForget, randomMember} from '../keyspace/random-pick.js'

const W = ['write', 'denyoom', 'fast'] as const
const R = ['readonly', 'fast'] as const
const K: [number, number, number] = [1, 1, 1]
export const commands: CommandSpec[] = [
  cmd('sadd', -3, [...W], K, sadd),
  cmd('srem', -3, ['write', 'fast'], K, srem),
  cmd('smembers', 2, ['readonly'], K, (ctx, a) => replySet(ctx, ctx.db.readSet(a[1]) ?? EMPTY)),
  cmd('sismember', 3, [...R], K, (ctx, a) => {
    const s = ctx.db.readSet(a[1])
    ctx.reply.integer(s !== undefined && setHas(s, a[2]) ? 1 : 0)
  }),
  cmd('smismember', -3, [...R], K, smismember),
  cmd('scard', 2, [...R], K, (ctx, a) => ctx.reply.integer(ctx.db.readSet(a[1])?.size ?? 0)),
  cmd('spop', -2, ['write', 'fast'], K, spop),
  cmd('srandmember', -2, ['readonly'], K, srandmember),
  cmd('smove', 4, ['write', 'fast'], [1, 2, 1], smove),
  // SINTER replies in the smallest input's order (redis iterates it); the others build a new set.
  cmd('sinter', -2, ['readonly'], [1, -1, 1], (ctx, a) => replySet(ctx, inter(ctx, a.slice(1)), false)),
  cmd('sintercard', -3, ['readonly'], 0, sintercard, {keys: numkeysKeys(1)}),
  cmd('sinterstore', -3, ['write', 'denyoom'], [1, -1, 1], (ctx, a) => store(ctx, a[1], inter(ctx, a.slice(2)), 'sinterstore')),
  cmd('sunion', -2, ['readonly'], [1, -1, 1], (ctx, a) => replySet(ctx, union(ctx, a.slice(1)))),
  cmd('sunionstore', -3, ['write', 'denyoom'], [1, -1, 1], (ctx, a) => store(ctx, a[1], union(ctx, a.slice(2)), 'sunionstore')),
  cmd('sdiff', -2, ['readonly'], [1, -1, 1], (ctx, a) => replySet(ctx, diff(ctx, a.slice(1)))),
  cmd('sdiffstore', -3, ['write', 'denyoom'], [1, -1, 1], (ctx, a) => store(ctx, a[1], diff(ctx, a.slice(2)), 'sdiffstore')),
  cmd('sscan', -3, ['readonly'], K, sscan),
]

const EMPTY: SetValue = new Set()
const INT_RE = /^-?[1-9]\d{0,18}$|^0$/

/** What redis would store as an intset (set-max-intset-entries 512). */
export function isIntsetLike(s: Iterable<string>, size: number): boolean {
  if (size > 512) return false
  for (const m of s) {
    if (!INT_RE.test(m)) return false
    if (m.length >= 19) {
      const n = BigInt(m)
      if (n > 9223372036854775807n || n < -9223372036854775808n) return false
    }
  }
  return true
}

/** Members in redis's reply order (ascending for intsets). */
export function ordered(s: SetValue): string[] {
  const arr = [...s]
  if (isIntsetLike(arr, arr.length)) arr.sort((a, b) => (a.length > 15 || b.length > 15 ? cmpBig(a, b) : Number(a) - Number(b)))
  return arr
}

function cmpBig(a: string, b: string): number {
  const x = BigInt(a)
  const y = BigInt(b)
  return x < y ? -1 : x > y ? 1 : 0
}

function replySet(ctx: CommandContext, s: SetValue, sort = true): void {
  const arr = sort ? ordered(s) : [...s]
  ctx.reply.set(arr.length)
  for (const m of arr) ctx.reply.bulk(m)
}

function sadd(ctx: CommandContext, argv: string[]): void {
  ensureRoom(ctx.server.memberLimit, ctx.db.getSet(argv[1]), argv, 2)
  const s = ctx.db.setForWrite(argv[1])
  let n = 0
  for (let i = 2; i < argv.length; i++) if (setAdd(s, argv[i])) n++
  if (n > 0) ctx.afterWrite(argv[1], n)
  if (n > 0) ev(ctx, N.SET, 'sadd', argv[1])
  ctx.reply.integer(n)
}

function srem(ctx: CommandContext, argv: string[]): void {
  const s = ctx.db.getSet(argv[1])
  if (!s) return ctx.reply.integer(0)
  let n = 0
  for (let i = 2; i < argv.length; i++) if (setRemove(s, argv[i])) n++
  if (n > 0) {
    if (s.size === 0) ctx.db.delete(argv[1])
    ctx.afterWrite(argv[1], n)
    ev(ctx, N.SET, 'srem', argv[1])
    if (s.size === 0) ev(ctx, N.GENERIC, 'del', argv[1])
  }
  ctx.reply.integer(n)
}

function smismember(ctx: CommandContext, argv: string[]): void {
  const s = ctx.db.readSet(argv[1])
  ctx.reply.array(argv.length - 2)
  for (let i = 2; i < argv.length; i++) ctx.reply.integer(s !== undefined && setHas(s, argv[i]) ? 1 : 0)
}

function spop(ctx: CommandContext, argv: string[]): void {
  const key = argv[1]
  if (argv.length > 3) return ctx.reply.error(E.SYNTAX)
  if (argv.length === 2) {
    const s = ctx.db.getSet(key)
    if (!s) return ctx.reply.nil()
    const m = pick(s)
    setRemove(s, m)
    if (s.size === 0) ctx.db.delete(key)
    // Replicas must remove the same member (redis rewrites SPOP as SREM).
    ctx.propagateAs(['SREM', key, m])
    ctx.afterWrite(key)
    ev(ctx, N.SET, 'spop', key)
    if (s.size === 0) ev(ctx, N.GENERIC, 'del', key)
    return ctx.reply.bulk(m)
  }
  const msg = 'ERR value is out of range, must be positive'
  const count = intArg(argv[2], msg)
  if (count < 0) return ctx.reply.error(msg)
  const s = ctx.db.getSet(key)
  if (!s || count === 0) return ctx.reply.set(0)
  if (count >= s.size) {
    ctx.db.read(key) // redis answers this case with SUNION's reply, whose read lookup counts a keyspace hit
    const all = ordered(s)
    ctx.db.delete(key)
    ctx.propagateAs(['DEL', key])
    ctx.afterWrite(key, all.length)
    ev(ctx, N.SET, 'spop', key)
    ev(ctx, N.GENERIC, 'del', key)
    ctx.reply.set(all.length)
    for (const m of all) ctx.reply.bulk(m)
    return
  }
  // redis spopWithCountCommand propagates one SREM per member (wrapped in MULTI/EXEC by the batch).
  // CASE 2 picks and removes `count` members, one random pick each (O(count)); CASE 3 picks the
  // remaining ones into a new set (O(size), as redis's copy is).
  const remaining = s.size - count
  let out: string[]
  if (remaining * 5 > count) {
    setRandomSteps(s, count)
    out = []
    for (let k = 0; k < count; k++) {
      const m = randomMember(s)
      setRemove(s, m)
      out.push(m)
      ctx.propagateAs(['SREM', key, m])
    }
  } else {
    const arr = [...s]
    out = distinctIndexes(arr.length, count).map((i) => arr[i])
    for (const m of out) {
      s.delete(m)
      ctx.propagateAs(['SREM', key, m])
    }
    pickForget(s)
    setRebuilt(s, s)
  }
  ctx.afterWrite(key, count)
  ev(ctx, N.SET, 'spop', key)
  ctx.reply.set(out.length)
  for (const m of out) ctx.reply.bulk(m)
}

function pick(s: SetValue): string {
  setRandomSteps(s, 1)
  return randomMember(s)
}

function srandmember(ctx: CommandContext, argv: string[]): void {
  if (argv.length > 3) return ctx.reply.error(E.SYNTAX)
  if (argv.length === 2) {
    const s = ctx.db.readSet(argv[1])
    return ctx.reply.bulk(s ? pick(s) : null)
  }
  const l = randCount(argv[2])
  const s = ctx.db.readSet(argv[1])
  if (!s || l === 0) return ctx.reply.array(0)
  if (l < 0 || l === 1) {
    if (l === 1) return ctx.reply.bulks([pick(s)], 1)
    setRandomSteps(s, -l)
    ctx.reply.array(-l)
    for (let k = 0; k < -l; k++) {
      if ((k & 1023) === 1023 && replyOverLimit(ctx.session)) return
      ctx.reply.bulk(randomMember(s))
    }
    return
  }
  if (l >= s.size) {
    const all = ordered(s)
    return ctx.reply.bulks(all, all.length)
  }
  // CASE 4 (count * 3 <= size) picks from the set itself until it has `count` distinct members
  // (O(count)); CASE 3 works on a copy (O(size))
  if (l * 3 <= s.size) {
    setRandomSteps(s, l)
    const out = new Set<string>()
    while (out.size < l) out.add(randomMember(s))
    return ctx.reply.bulks([...out], l)
  }
  const arr = [...s]
  const out = distinctIndexes(arr.length, l).map((i) => arr[i])
  ctx.reply.bulks(out, out.length)
}

function smove(ctx: CommandContext, argv: string[]): void {
  const [, src, dst, member] = argv
  const from = ctx.db.getSet(src)
  // redis type-checks the destination only when the source exists.
  if (!from) return ctx.reply.integer(0)
  const to = ctx.db.getSet(dst)
  if (src === dst) return ctx.reply.integer(setHas(from, member) ? 1 : 0)
  if (from.has(member)) ensureRoom(ctx.server.memberLimit, to, argv, 3)
  if (!setRemove(from, member)) return ctx.reply.integer(0)
  if (from.size === 0) ctx.db.delete(src)
  ctx.afterWrite(src)
  ev(ctx, N.SET, 'srem', src)
  if (from.size === 0) ev(ctx, N.GENERIC, 'del', src)
  // redis: the destination counts as modified only when the member was added to it
  if (setAdd(to ?? ctx.db.setForWrite(dst), member)) {
    ctx.afterWrite(dst)
    ev(ctx, N.SET, 'sadd', dst)
  }
  ctx.reply.integer(1)
}

/** Every key is type-checked first (redis), a missing key makes the intersection empty. */
function inter(ctx: CommandContext, keys: string[], limit = 0): SetValue {
  const sets: SetValue[] = []
  let missing = false
  for (const k of keys) {
    const s = ctx.db.readSet(k)
    if (s) sets.push(s)
    else missing = true
  }
  const out: SetValue = new Set()
  if (missing || sets.length === 0) return out
  sets.sort((a, b) => a.size - b.size)
  const [first, ...rest] = sets
  // redis iterates the smallest set, so its (intset: ascending) order is kept.
  for (const m of isIntsetLike(first, first.size) ? ordered(first) : first) {
    if (rest.every((s) => setHas(s, m))) {
      out.add(m)
      if (limit > 0 && out.size >= limit) break
    }
  }
  return out
}

function union(ctx: CommandContext, keys: string[]): SetValue {
  const out: SetValue = new Set()
  for (const k of keys) {
    const s = ctx.db.readSet(k)
    if (s) for (const m of s) out.add(m)
  }
  return out
}

function diff(ctx: CommandContext, keys: string[]): SetValue {
  const sets = keys.map((k) => ctx.db.readSet(k))
  const out: SetValue = new Set(sets[0] ?? [])
  for (let i = 1; i < sets.length && out.size > 0; i++) {
    const s = sets[i]
    if (s) for (const m of s) out.delete(m)
  }
  return out
}

function store(ctx: CommandContext, dst: string, result: SetValue, event: string): void {
  ensureSize(ctx.server.memberLimit, result.size)
  storeOrDelete(ctx, dst, result.size > 0 ? result : null, N.SET, event)
  ctx.reply.integer(result.size)
}

function sintercard(ctx: CommandContext, argv: string[]): void {
  const bad = 'ERR numkeys should be greater than 0'
  const numkeys = intArg(argv[1], bad)
  if (numkeys < 1) return ctx.reply.error(bad)
  if (numkeys > argv.length - 2) return ctx.reply.error("ERR Number of keys can't be greater than number of args")
  let limit = 0
  for (let j = 2 + numkeys; j < argv.length; j++) {
    if (argv[j].toLowerCase() === 'limit' && j + 1 < argv.length) {
      limit = intArg(argv[++j], "ERR LIMIT can't be negative")
      if (limit < 0) return ctx.reply.error("ERR LIMIT can't be negative")
    } else return ctx.reply.error(E.SYNTAX)
  }
  ctx.reply.integer(inter(ctx, argv.slice(2, 2 + numkeys), limit).size)
}

function sscan(ctx: CommandContext, argv: string[]): void {
  const cursor = parseCursor(argv[2])
  const s = ctx.db.readSet(argv[1])
  const r = ctx.reply
  if (!s) {
    r.array(2)
    r.bulk('0')
    return r.array(0)
  }
  const opts = parseScanOptions(argv, cursor)
  const out: string[] = []
  const d = setDict(s)
  // a hashtable set is scanned in its dict's bucket order (dictScan's reverse-binary cursor)
  const next = d !== undefined ? d.scan(cursor, opts.count, (m) => void (matches(opts.match, m) && out.push(m))) : scanSmall(s, opts, out)
  r.array(2)
  r.bulk(String(next))
  r.bulks(out, out.length)
}

function scanSmall(s: SetValue, opts: ScanOptions, out: string[]): number {
  const small = isIntsetLike(s, s.size)
  return scanCollection(s, () => (small ? ordered(s).values() : s.values()), s.size, small, opts, (m) => {
    if (matches(opts.match, m)) out.push(m)
  })
}


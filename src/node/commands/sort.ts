// SORT / SORT_RO (redis 7.0 sort.c): lists, sets and sorted sets, BY (a constant pattern means
// "don't sort"; `->` dereferences a hash field), GET (`#` = the element), LIMIT, ASC/DESC, ALPHA,
// STORE (a list). Ties behave as redis's: numeric ties fall back to comparing the elements' bytes,
// ALPHA ties (BY values equal or missing) keep the input order (a stable sort, like glibc's qsort).
import {KEY_ACCESS} from '../acl/keyspecs.js'
import {E, ReplyError} from '../errors.js'
import {Deque, ZSet} from '../keyspace/keyspace.js'
import {markConverted} from '../keyspace/encoding.js'
import {cmd, type CommandContext, type CommandSpec} from './types.js'
import {parseIntStrict, storeOrDelete} from './util.js'
import {N, notifyKeyspaceEvent as ev} from '../notify.js'

const CATS = ['@set', '@sortedset', '@list', '@slow', '@dangerous']
export const commands: CommandSpec[] = [
  cmd('sort', -2, ['write', 'denyoom'], [1, 1, 1], (ctx, a) => sort(ctx, a, false), {keys: sortKeys, categories: ['@write', ...CATS]}),
  cmd('sort_ro', -2, ['readonly'], [1, 1, 1], (ctx, a) => sort(ctx, a, true), {categories: ['@read', ...CATS]}),
]

/** redis sortGetKeys: the sorted key plus the last STORE target (LIMIT/GET/BY arguments skipped). */
function sortKeys(argv: string[]): number[] {
  let store = -1
  for (let i = 2; i < argv.length; i++) {
    const a = argv[i].toLowerCase()
    if (a === 'limit') i += 2
    else if (a === 'get' || a === 'by') i += 1
    else if (a === 'store' && i + 1 < argv.length) store = i + 1
  }
  return store === -1 ? [1] : [1, store]
}

interface Item {
  obj: string
  score: number
  cmp: string | null
}

/** redis lookupKeyByPattern: "#" is the element; the first '*' is replaced; "->field" reads a hash field. */
function byPattern(ctx: CommandContext, pattern: string, subst: string): string | null {
  if (pattern === '#') return subst
  const star = pattern.indexOf('*')
  if (star < 0) return null
  const arrow = pattern.indexOf('->', star + 1)
  const hasField = arrow >= 0 && arrow + 2 < pattern.length
  const key = pattern.slice(0, star) + subst + pattern.slice(star + 1, hasField ? arrow : pattern.length)
  const v = ctx.db.read(key) // lookupKeyRead: each BY/GET lookup is counted
  if (v === undefined) return null
  if (hasField) return v instanceof Map ? (v.get(pattern.slice(arrow + 2)) ?? null) : null
  return typeof v === 'string' ? v : null
}

const SPACE = /^[ \t\n\v\f\r]*/
const DEC = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/
const HEX = /^[+-]?0[xX]([0-9a-fA-F]+\.?[0-9a-fA-F]*|\.[0-9a-fA-F]+)([pP][+-]?\d+)?$/
const INF = /^[+-]?(inf|infinity)$/i

/**
 * strtod over the whole string as sortCommand uses it: null when it is not a number (or ERANGE/NaN).
 * C reads the value as a C string: it ends at its first NUL byte ("\0abc" sorts as 0, "12\0x" as 12).
 */
function strtod(s: string): number | null {
  const nul = s.indexOf('\0')
  if (nul >= 0) s = s.slice(0, nul)
  if (s.length === 0) return 0
  const t = s.slice(SPACE.exec(s)![0].length)
  if (INF.test(t)) return t.startsWith('-') ? -Infinity : Infinity
  let v: number
  if (DEC.test(t)) v = Number(t)
  else if (HEX.test(t)) v = hexFloat(t)
  else return null
  if (!Number.isFinite(v)) return null
  // glibc reports ERANGE on underflow to zero too.
  if (v === 0 && /[1-9a-fA-F]/.test(t.replace(/^[+-]?0[xX]/, '').replace(/[eEpP].*$/, ''))) return null
  return v
}

function hexFloat(t: string): number {
  const neg = t.startsWith('-')
  const body = t.replace(/^[+-]?0[xX]/, '')
  const [mant, exp] = body.split(/[pP]/)
  const [int, frac = ''] = mant.split('.')
  let v = 0
  for (const c of int) v = v * 16 + parseInt(c, 16)
  let scale = 1 / 16
  for (const c of frac) {
    v += parseInt(c, 16) * scale
    scale /= 16
  }
  v *= 2 ** Number(exp ?? 0)
  return neg ? -v : v
}

function bytesCompare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}

function sort(ctx: CommandContext, argv: string[], readonly: boolean): void {
  let desc = false
  let alpha = false
  let limitStart = 0
  let limitCount = -1
  let sortBy: string | null = null
  let storeKey: string | null = null
  let dontSort = false
  const gets: string[] = []
  const cluster = ctx.server.clusterEnabled
  // redis: BY/GET patterns may read any key, so the user needs read access to all keys
  let full: boolean | undefined
  const fullKeyAccess = (): boolean => {
    const user = ctx.session.aclUser
    const spec = ctx.server.commands.lookup(readonly ? 'sort_ro' : 'sort')
    return (full ??= user.unrestricted || ctx.session.fromMaster || spec === undefined || ctx.server.acl.userHasUnrestrictedKeyAccess(user, spec, argv, KEY_ACCESS))
  }
  for (let j = 2; j < argv.length; j++) {
    const left = argv.length - j - 1
    const a = argv[j].toLowerCase()
    if (a === 'asc') desc = false
    else if (a === 'desc') desc = true
    else if (a === 'alpha') alpha = true
    else if (a === 'limit' && left >= 2) {
      const s = parseIntStrict(argv[j + 1])
      const c = parseIntStrict(argv[j + 2])
      if (s === null || c === null) throw new ReplyError(E.NOT_INTEGER)
      limitStart = Number(s)
      limitCount = Number(c)
      j += 2
    } else if (!readonly && a === 'store' && left >= 1) storeKey = argv[++j]
    else if (a === 'by' && left >= 1) {
      sortBy = argv[++j]
      if (!sortBy.includes('*')) dontSort = true
      else if (cluster) throw new ReplyError('ERR BY option of SORT denied in Cluster mode.')
      else if (!fullKeyAccess()) throw new ReplyError('ERR BY option of SORT denied due to insufficient ACL permissions.')
    } else if (a === 'get' && left >= 1) {
      if (cluster) throw new ReplyError('ERR GET option of SORT denied in Cluster mode.')
      if (!fullKeyAccess()) throw new ReplyError('ERR GET option of SORT denied due to insufficient ACL permissions.')
      gets.push(argv[++j])
    } else throw new ReplyError(E.SYNTAX)
  }
  const v = ctx.db.read(argv[1])
  if (v !== undefined && !(v instanceof Deque) && !(v instanceof Set) && !(v instanceof ZSet)) throw new ReplyError(E.WRONGTYPE)
  // redis converts a listpack sorted set to a skiplist for SORT, for good (OBJECT ENCODING shows it)
  if (v instanceof ZSet) markConverted(v)
  // A set has no native order: with STORE (or inside a script) redis sorts it ALPHA instead.
  if (dontSort && v instanceof Set && (storeKey !== null || ctx.session.flags.has('script'))) {
    dontSort = false
    alpha = true
    sortBy = null
  }
  const len = v === undefined ? 0 : v instanceof Deque ? v.length : v.size
  let start = Math.min(Math.max(limitStart, 0), len)
  const count = Math.min(Math.max(limitCount, -1), len)
  let end = count < 0 ? len - 1 : start + count - 1
  if (start >= len) {
    start = len - 1
    end = len - 2
  }
  if (end >= len) end = len - 1
  const items = load(v, dontSort, desc, start, end)
  if (dontSort && (v instanceof Deque || v instanceof ZSet)) {
    end -= start
    start = 0
  }
  let convError = false
  if (!dontSort) {
    for (const it of items) {
      let by: string | null = it.obj
      if (sortBy !== null) {
        by = byPattern(ctx, sortBy, it.obj)
        if (by === null) continue
      }
      if (alpha) {
        if (sortBy !== null) it.cmp = by
      } else {
        const n = strtod(by)
        if (n === null) convError = true
        else it.score = n
      }
    }
    const sign = desc ? -1 : 1
    let cmp: (x: Item, y: Item) => number
    if (!alpha) cmp = (x, y) => sign * (x.score > y.score ? 1 : x.score < y.score ? -1 : bytesCompare(x.obj, y.obj))
    else if (sortBy !== null) cmp = (x, y) => sign * (x.cmp === null || y.cmp === null ? (x.cmp === y.cmp ? 0 : x.cmp === null ? -1 : 1) : bytesCompare(x.cmp, y.cmp))
    else cmp = (x, y) => sign * bytesCompare(x.obj, y.obj)
    // redis: pqsort (Bentley-McIlroy, unstable) when BY and LIMIT narrow the range, else glibc's
    // merge-sort qsort (stable, like Array#sort). Only ties between equal BY values can tell them apart.
    if (sortBy !== null && (start !== 0 || end !== items.length - 1)) pqsort(items, cmp, start, end)
    else items.sort(cmp)
  }
  if (convError) return ctx.reply.error("ERR One or more scores can't be converted into double")
  const n = end - start + 1
  const outputLen = gets.length ? gets.length * n : n
  if (storeKey === null) {
    ctx.reply.array(outputLen)
    for (let j = start; j <= end; j++) {
      if (!gets.length) ctx.reply.bulk(items[j].obj)
      for (const g of gets) ctx.reply.bulk(byPattern(ctx, g, items[j].obj))
    }
    return
  }
  const out = new Deque()
  for (let j = start; j <= end; j++) {
    if (!gets.length) out.pushBack(items[j].obj)
    else for (const g of gets) out.pushBack(byPattern(ctx, g, items[j].obj) ?? '')
  }
  storeOrDelete(ctx, storeKey, outputLen > 0 ? out : null, N.LIST, 'sortstore', outputLen) // (one change per element)
  ctx.reply.integer(outputLen)
}

/** The vector to sort, in redis's load order (only the LIMIT range for unsorted lists and zsets). */
function load(v: Deque | Set<string> | ZSet | undefined, dontSort: boolean, desc: boolean, start: number, end: number): Item[] {
  const items: Item[] = []
  const push = (obj: string): number => items.push({obj, score: 0, cmp: null})
  if (v === undefined) return items
  if (v instanceof Deque) {
    if (!dontSort) for (const e of v) push(e)
    else if (end >= start) {
      const len = v.length
      for (let k = 0; k <= end - start; k++) push(v.get(desc ? len - start - 1 - k : start + k)!)
    }
  } else if (v instanceof Set) for (const e of v) push(e)
  else if (dontSort) {
    const len = v.size
    for (let k = 0; k <= end - start; k++) push(v.memberAt(desc ? len - 1 - start - k : start + k))
  } else for (const m of v.dict.keys()) push(m)
  return items
}

/** redis pqsort.c: quicksort that only recurses into partitions overlapping [lrange, rrange]. */
export function pqsort<T>(a: T[], cmp: (x: T, y: T) => number, lrange: number, rrange: number): void {
  const swap = (i: number, j: number): void => {
    const t = a[i]
    a[i] = a[j]
    a[j] = t
  }
  const vecswap = (i: number, j: number, n: number): void => {
    for (let k = 0; k < n; k++) swap(i + k, j + k)
  }
  const med3 = (x: number, y: number, z: number): number =>
    cmp(a[x], a[y]) < 0 ? (cmp(a[y], a[z]) < 0 ? y : cmp(a[x], a[z]) < 0 ? z : x) : cmp(a[y], a[z]) > 0 ? y : cmp(a[x], a[z]) < 0 ? x : z
  const outside = (first: number, last: number): boolean => (lrange < first && rrange < first) || (lrange > last && rrange > last)
  const run = (base: number, n: number): void => {
    for (;;) {
      if (n < 7) {
        for (let pm = base + 1; pm < base + n; pm++) for (let pl = pm; pl > base && cmp(a[pl - 1], a[pl]) > 0; pl--) swap(pl, pl - 1)
        return
      }
      let pm = base + Math.floor(n / 2)
      if (n > 7) {
        let pl = base
        let pn = base + n - 1
        if (n > 40) {
          const d = Math.floor(n / 8)
          pl = med3(pl, pl + d, pl + 2 * d)
          pm = med3(pm - d, pm, pm + d)
          pn = med3(pn - 2 * d, pn - d, pn)
        }
        pm = med3(pl, pm, pn)
      }
      swap(base, pm)
      let pa = base + 1
      let pb = pa
      let pc = base + n - 1
      let pd = pc
      for (;;) {
        let r: number
        while (pb <= pc && (r = cmp(a[pb], a[base])) <= 0) {
          if (r === 0) swap(pa++, pb)
          pb++
        }
        while (pb <= pc && (r = cmp(a[pc], a[base])) >= 0) {
          if (r === 0) swap(pc, pd--)
          pc--
        }
        if (pb > pc) break
        swap(pb++, pc--)
      }
      const pn = base + n
      let r = Math.min(pa - base, pb - pa)
      vecswap(base, pb - r, r)
      r = Math.min(pd - pc, pn - pd - 1)
      vecswap(pb, pn - r, r)
      if ((r = pb - pa) > 1 && !outside(base, base + r - 1)) run(base, r)
      if ((r = pd - pc) > 1) {
        base = pn - r
        n = r
        if (!outside(base, base + r - 1)) continue
      }
      return
    }
  }
  run(0, a.length)
}

// Helpers shared by the hash/set/zset groups: HSCAN/SSCAN/ZSCAN cursors (redis
// scanGenericCommand), random sampling for HRANDFIELD/SRANDMEMBER/ZRANDMEMBER, and the
// numkeys-style key position functions the cluster slot check reads.
import {E, ReplyError} from '../errors.js'
import {globMatch} from '../keyspace/glob.js'
import {intArg} from './util.js'

export interface ScanOptions {
  cursor: number
  count: number
  match: string | null
}

/** redis parseScanCursorOrReply: strtoul, so "+5" passes and garbage is "ERR invalid cursor". */
export function parseCursor(raw: string): number {
  // redis parseScanCursorOrReply: strtoul's reading (a sign allowed, nothing at all reads as 0), then
  // no leading space, nothing left after the digits, no overflow
  if (raw === '') return 0
  if (!/^[+-]?\d+$/.test(raw)) throw new ReplyError('ERR invalid cursor')
  const big = BigInt(raw)
  if (big > 18446744073709551615n || big < -18446744073709551615n) throw new ReplyError('ERR invalid cursor')
  // strtoul wraps negatives to huge values: a cursor past the end.
  return big < 0n ? Number(18446744073709551616n + big) : Number(big)
}

/** COUNT / MATCH after the cursor (argv[3...]); TYPE is only for SCAN, hence a syntax error. */
export function parseScanOptions(argv: string[], cursor: number): ScanOptions {
  let count = 10
  let match: string | null = null
  for (let i = 3; i < argv.length; i += 2) {
    const o = argv[i].toLowerCase()
    if (i + 1 >= argv.length) throw new ReplyError(E.SYNTAX)
    if (o === 'count') {
      count = intArg(argv[i + 1])
      if (count < 1) throw new ReplyError(E.SYNTAX)
    } else if (o === 'match') {
      match = argv[i + 1] === '*' ? null : argv[i + 1]
    } else throw new ReplyError(E.SYNTAX)
  }
  return {cursor, count, match}
}

/**
 * Live iterators per collection, keyed by the cursor they continue from. JS Map/Set iterators
 * survive concurrent inserts and deletes (deleted entries are skipped, new ones visited), which
 * gives SCAN's guarantee: an element present for the whole iteration is returned. The cursor
 * is the number of entries walked so far, so a cursor we no longer hold (evicted, another
 * client's, from before a restart) resumes by position instead.
 */
const live = new WeakMap<object, Map<number, Iterator<unknown>>>()

/**
 * Walk `source` from `cursor`, visiting about `count` entries. Small (listpack/intset-encoded)
 * collections are returned whole with cursor 0, exactly like redis.
 */
export function scanCollection<T>(
  owner: object,
  source: () => Iterator<T>,
  size: number,
  small: boolean,
  opts: ScanOptions,
  visit: (entry: T) => void,
): number {
  if (small) {
    const it = source()
    for (let r = it.next(); !r.done; r = it.next()) visit(r.value)
    return 0
  }
  let cursors = live.get(owner)
  let it = cursors?.get(opts.cursor) as Iterator<T> | undefined
  if (it) cursors!.delete(opts.cursor)
  else {
    // One past the end finishes the scan (redis: a cursor beyond the table returns nothing).
    if (opts.cursor >= size && opts.cursor !== 0) return 0
    it = source()
    for (let i = 0; i < opts.cursor; i++) if (it.next().done) break
  }
  let pos = opts.cursor
  for (let n = 0; n < opts.count; n++) {
    const r = it.next()
    if (r.done) return 0
    visit(r.value)
    pos++
  }
  if (!cursors) live.set(owner, (cursors = new Map()))
  if (cursors.size >= 16) cursors.delete(cursors.keys().next().value as number)
  cursors.set(pos, it as Iterator<unknown>)
  return pos
}

export function matches(match: string | null, s: string): boolean {
  return match === null || globMatch(match, s)
}

export function randomInt(n: number): number {
  return Math.floor(Math.random() * n)
}

/** k distinct random indexes out of n (k < n), Floyd's algorithm. */
export function distinctIndexes(n: number, k: number): number[] {
  const chosen = new Set<number>()
  for (let j = n - k; j < n; j++) {
    const t = randomInt(j + 1)
    chosen.add(chosen.has(t) ? j : t)
  }
  return [...chosen]
}

/**
 * redis getRangeLongFromObjectOrReply(-LONG_MAX, LONG_MAX) for *RANDMEMBER counts: only
 * LLONG_MIN is out of range.
 */
export function randCount(raw: string): number {
  const n = intArg(raw)
  if (raw === '-9223372036854775808') throw new ReplyError('ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807')
  return n
}

/** WITHVALUES/WITHSCORES: redis refuses |count| > LONG_MAX/2 (compared exactly, not as doubles). */
export function pairCountTooBig(raw: string): boolean {
  const n = BigInt(raw)
  return n < -4611686018427387903n || n > 4611686018427387903n
}

/** Key positions for "cmd numkeys key ... " layouts (SINTERCARD, ZUNION, LMPOP ...). */
export function numkeysKeys(numkeysIndex: number, extraBefore: number[] = []): (argv: string[]) => number[] {
  return (argv) => {
    // redis genericGetKeys: numkeys read by atoi; none at all (not even the destination) when it is
    // below 1 or more than the arguments left: the command will fail on its own, and cluster routing
    // must not answer CROSSSLOT for it first
    const m = /^[ \t\n\v\f\r]*([+-]?\d+)/.exec(argv[numkeysIndex] ?? '')
    const n = m ? Number(m[1]) : 0
    if (n < 1 || n > argv.length - numkeysIndex - 1) return []
    const out = [...extraBefore]
    for (let i = 0; i < n; i++) out.push(numkeysIndex + 1 + i)
    return out
  }
}

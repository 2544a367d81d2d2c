// Sorted-set value: member -> score map plus the (score, member) pairs in order, kept in chunks of
// at most MAX_CHUNK pairs (parallel score and member arrays per chunk): a lookup is a binary
// search over the chunks' last pairs, then within one chunk; an insert or removal moves at most a
// chunk's pairs (a chunk that outgrows the limit splits in two), so ZADD / ZREM / ZINCRBY cost
// O(log n + MAX_CHUNK) where one pair of flat arrays cost O(n) (filling one to 1,000,000 members
// took 275 µs of CPU per member: bench/big-values.ts). Ranks come from the chunks' start
// indexes, recomputed from the first chunk that changed only when a rank is asked for (ZRANK,
// ZRANGE by index...).
// Member order within equal scores is byte order (latin1 strings compare by code unit = byte).

export interface ScoreBound {
  value: number
  exclusive: boolean
}
/** Lex bound: '-' / '+' are the infinities; otherwise value with exclusive flag ("(a" / "[a"). */
export type LexBound = {kind: 'min'} | {kind: 'max'} | {kind: 'value'; value: string; exclusive: boolean}

function less(s1: number, m1: string, s2: number, m2: string): boolean {
  return s1 < s2 || (s1 === s2 && m1 < m2)
}

/** Pairs per chunk at most; a chunk that grows past it splits into two halves. */
const MAX_CHUNK = 1024
/** A chunk emptied below this merges with its next one when both fit in half a chunk. */
const MERGE_BELOW = MAX_CHUNK / 8

/** First index of (s, m) whose pair is >= (score, member). */
function lowerIn(s: number[], m: string[], score: number, member: string): number {
  let lo = 0
  let hi = m.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if (less(s[mid], m[mid], score, member)) lo = mid + 1
    else hi = mid
  }
  return lo
}

export class ZSet {
  readonly dict = new Map<string, number>()
  /** scores and members, chunk by chunk; no chunk is empty */
  private sc: number[][] = []
  private mb: string[][] = []
  private n = 0
  /** starts[c]: the rank of chunk c's first pair, right for c < startsOk */
  private starts: number[] = []
  private startsOk = 0

  get size(): number {
    return this.n
  }

  score(member: string): number | undefined {
    return this.dict.get(member)
  }

  /** The first chunk whose last pair is >= (score, member); the chunk count when none is. */
  private chunkFor(score: number, member: string): number {
    const sc = this.sc
    const mb = this.mb
    let lo = 0
    let hi = mb.length
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      const m = mb[mid]
      const k = m.length - 1
      if (less(sc[mid][k], m[k], score, member)) lo = mid + 1
      else hi = mid
    }
    return lo
  }

  /** Chunk c's first rank (c may be the chunk count: the size). */
  private start(c: number): number {
    if (c >= this.mb.length) return this.n
    if (c >= this.startsOk) {
      let i = this.startsOk
      let acc = i === 0 ? 0 : this.starts[i - 1] + this.mb[i - 1].length
      for (; i <= c; i++) {
        this.starts[i] = acc
        acc += this.mb[i].length
      }
      this.startsOk = c + 1
    }
    return this.starts[c]
  }

  /** Chunk c changed size or chunks were added or removed at c: later starts are stale. */
  private stale(c: number): void {
    if (c < this.startsOk) this.startsOk = c
  }

  /** The chunk holding rank i (0 <= i < size) and the offset in it. */
  private find(i: number): [number, number] {
    const last = this.mb.length - 1
    this.start(last)
    let lo = 0
    let hi = last
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1
      if (this.starts[mid] <= i) lo = mid
      else hi = mid - 1
    }
    return [lo, i - this.starts[lo]]
  }

  private insert(score: number, member: string): void {
    const count = this.mb.length
    if (count === 0) {
      this.sc.push([score])
      this.mb.push([member])
      this.n++
      this.stale(0)
      return
    }
    let c = this.chunkFor(score, member)
    if (c === count) c = count - 1 // after every pair: the last chunk's end
    const s = this.sc[c]
    const m = this.mb[c]
    const i = lowerIn(s, m, score, member)
    if (i === m.length) {
      s.push(score)
      m.push(member)
    } else {
      s.splice(i, 0, score)
      m.splice(i, 0, member)
    }
    this.n++
    this.stale(c + 1)
    if (m.length > MAX_CHUNK) {
      const half = m.length >>> 1
      this.sc.splice(c + 1, 0, s.splice(half))
      this.mb.splice(c + 1, 0, m.splice(half))
    }
  }

  private delete(score: number, member: string): void {
    const c = this.chunkFor(score, member)
    const s = this.sc[c]
    const m = this.mb[c]
    const i = lowerIn(s, m, score, member)
    s.splice(i, 1)
    m.splice(i, 1)
    this.n--
    this.stale(c + 1)
    this.tidy(c)
  }

  /** Chunk c lost pairs: gone when empty, merged with the next one when both are small. */
  private tidy(c: number): void {
    const m = this.mb[c]
    if (m.length === 0) {
      this.sc.splice(c, 1)
      this.mb.splice(c, 1)
      this.stale(c)
    } else if (m.length < MERGE_BELOW && c + 1 < this.mb.length && m.length + this.mb[c + 1].length <= MAX_CHUNK / 2) {
      for (const x of this.sc[c + 1]) this.sc[c].push(x)
      for (const x of this.mb[c + 1]) m.push(x)
      this.sc.splice(c + 1, 1)
      this.mb.splice(c + 1, 1)
      this.stale(c + 1)
    }
  }

  /** Insert or update; returns true when the member is new. NaN scores must be rejected by the caller. */
  add(member: string, score: number): boolean {
    const old = this.dict.get(member)
    if (old !== undefined) {
      if (old === score) return false
      this.delete(old, member)
    }
    this.insert(score, member)
    this.dict.set(member, score)
    return old === undefined
  }

  remove(member: string): boolean {
    const old = this.dict.get(member)
    if (old === undefined) return false
    this.delete(old, member)
    this.dict.delete(member)
    return true
  }

  /** 0-based ascending rank, or -1. */
  rank(member: string): number {
    const s = this.dict.get(member)
    if (s === undefined) return -1
    const c = this.chunkFor(s, member)
    return this.start(c) + lowerIn(this.sc[c], this.mb[c], s, member)
  }

  memberAt(i: number): string {
    const [c, o] = this.find(i)
    return this.mb[c][o]
  }

  scoreAt(i: number): number {
    const [c, o] = this.find(i)
    return this.sc[c][o]
  }

  /** Remove ranks [start, stop] inclusive (ZREMRANGEBYRANK, ZPOPMIN ...); returns removed members. */
  removeRange(start: number, stop: number): string[] {
    if (stop < start || start >= this.n) return []
    const gone: string[] = []
    let [c, o] = this.find(start)
    this.stale(c)
    let left = Math.min(stop, this.n - 1) - start + 1
    while (left > 0 && c < this.mb.length) {
      const m = this.mb[c]
      const k = Math.min(left, m.length - o)
      for (const x of m.splice(o, k)) {
        gone.push(x)
        this.dict.delete(x)
      }
      this.sc[c].splice(o, k)
      left -= k
      this.n -= k
      if (m.length === 0) {
        this.sc.splice(c, 1)
        this.mb.splice(c, 1)
      } else c++
      o = 0
    }
    if (c > 0 && c - 1 < this.mb.length) this.tidy(c - 1)
    return gone
  }

  /**
   * The first rank whose pair is not `before` (a predicate true for a prefix of the order): the
   * size when every pair is. `on` picks what the predicate reads (the score or the member).
   */
  private firstNot<T>(vals: T[][], before: (v: T) => boolean): number {
    let lo = 0
    let hi = vals.length
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      const v = vals[mid]
      if (before(v[v.length - 1])) lo = mid + 1
      else hi = mid
    }
    if (lo === vals.length) return this.n
    const v = vals[lo]
    let a = 0
    let b = v.length
    while (a < b) {
      const mid = (a + b) >>> 1
      if (before(v[mid])) a = mid + 1
      else b = mid
    }
    return this.start(lo) + a
  }

  /** First index with score inside min (respecting exclusivity). */
  firstInScore(min: ScoreBound): number {
    const x = min.value
    return min.exclusive ? this.firstNot(this.sc, (s) => s <= x) : this.firstNot(this.sc, (s) => s < x)
  }

  /** Last index with score inside max, or -1. */
  lastInScore(max: ScoreBound): number {
    const x = max.value
    return (max.exclusive ? this.firstNot(this.sc, (s) => s < x) : this.firstNot(this.sc, (s) => s <= x)) - 1
  }

  /** Lex ranges assume all scores are equal (Redis leaves other cases unspecified). */
  firstInLex(min: LexBound): number {
    if (min.kind === 'min') return 0
    if (min.kind === 'max') return this.n
    const x = min.value
    return min.exclusive ? this.firstNot(this.mb, (m) => m <= x) : this.firstNot(this.mb, (m) => m < x)
  }

  lastInLex(max: LexBound): number {
    if (max.kind === 'max') return this.n - 1
    if (max.kind === 'min') return -1
    const x = max.value
    return (max.exclusive ? this.firstNot(this.mb, (m) => m < x) : this.firstNot(this.mb, (m) => m <= x)) - 1
  }

  *entries(): IterableIterator<[string, number]> {
    for (let c = 0; c < this.mb.length; c++) {
      const s = this.sc[c]
      const m = this.mb[c]
      for (let i = 0; i < m.length; i++) yield [m[i], s[i]]
    }
  }
}

// Sorted-set value: member -> score map plus two parallel arrays kept sorted by
// (score, member). Binary search gives O(log n) ZRANK/ZSCORE-range/lex lookups; inserts
// and removals are an O(n) memmove (Array#splice), which is fast for the sizes Redis users
// keep in one key and keeps memory close to Redis's listpack/skiplist.
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

export class ZSet {
  readonly dict = new Map<string, number>()
  private scores: number[] = []
  private members: string[] = []

  get size(): number {
    return this.members.length
  }

  score(member: string): number | undefined {
    return this.dict.get(member)
  }

  /** First index whose (score, member) is >= the given pair. */
  private lowerBound(score: number, member: string): number {
    let lo = 0
    let hi = this.members.length
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if (less(this.scores[mid], this.members[mid], score, member)) lo = mid + 1
      else hi = mid
    }
    return lo
  }

  /** Insert or update; returns true when the member is new. NaN scores must be rejected by the caller. */
  add(member: string, score: number): boolean {
    const old = this.dict.get(member)
    if (old !== undefined) {
      if (old === score) return false
      const i = this.lowerBound(old, member)
      this.scores.splice(i, 1)
      this.members.splice(i, 1)
    }
    const j = this.lowerBound(score, member)
    this.scores.splice(j, 0, score)
    this.members.splice(j, 0, member)
    this.dict.set(member, score)
    return old === undefined
  }

  remove(member: string): boolean {
    const old = this.dict.get(member)
    if (old === undefined) return false
    const i = this.lowerBound(old, member)
    this.scores.splice(i, 1)
    this.members.splice(i, 1)
    this.dict.delete(member)
    return true
  }

  /** 0-based ascending rank, or -1. */
  rank(member: string): number {
    const s = this.dict.get(member)
    return s === undefined ? -1 : this.lowerBound(s, member)
  }

  memberAt(i: number): string {
    return this.members[i]
  }
  scoreAt(i: number): number {
    return this.scores[i]
  }

  /** Remove ranks [start, stop] inclusive (ZREMRANGEBYRANK, ZPOPMIN ...); returns removed members. */
  removeRange(start: number, stop: number): string[] {
    if (stop < start) return []
    const gone = this.members.splice(start, stop - start + 1)
    this.scores.splice(start, stop - start + 1)
    for (const m of gone) this.dict.delete(m)
    return gone
  }

  /** First index with score inside min (respecting exclusivity). */
  firstInScore(min: ScoreBound): number {
    let lo = 0
    let hi = this.scores.length
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      const s = this.scores[mid]
      if (min.exclusive ? s <= min.value : s < min.value) lo = mid + 1
      else hi = mid
    }
    return lo
  }

  /** Last index with score inside max, or -1. */
  lastInScore(max: ScoreBound): number {
    let lo = 0
    let hi = this.scores.length
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      const s = this.scores[mid]
      if (max.exclusive ? s < max.value : s <= max.value) lo = mid + 1
      else hi = mid
    }
    return lo - 1
  }

  /** Lex ranges assume all scores are equal (Redis leaves other cases unspecified). */
  firstInLex(min: LexBound): number {
    if (min.kind === 'min') return 0
    if (min.kind === 'max') return this.members.length
    let lo = 0
    let hi = this.members.length
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      const m = this.members[mid]
      if (min.exclusive ? m <= min.value : m < min.value) lo = mid + 1
      else hi = mid
    }
    return lo
  }

  lastInLex(max: LexBound): number {
    if (max.kind === 'max') return this.members.length - 1
    if (max.kind === 'min') return -1
    let lo = 0
    let hi = this.members.length
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      const m = this.members[mid]
      if (max.exclusive ? m < max.value : m <= max.value) lo = mid + 1
      else hi = mid
    }
    return lo - 1
  }

  *entries(): IterableIterator<[string, number]> {
    for (let i = 0; i < this.members.length; i++) yield [this.members[i], this.scores[i]]
  }
}

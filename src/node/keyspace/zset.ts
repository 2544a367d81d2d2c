// Sorted-set value: member -> score map plus the (score, member) pairs in order, in chunks
// (chunks.ts: what redis's skiplist gives, O(log n) changes and ranks; the flat arrays before cost
// O(n) per change).
// Member order within equal scores is byte order (latin1 strings compare by code unit = byte).

import {ChunkList} from './chunks.js'

export interface ScoreBound {
  value: number
  exclusive: boolean
}
/** Lex bound: '-' / '+' are the infinities; otherwise value with exclusive flag ("(a" / "[a"). */
export type LexBound = {kind: 'min'} | {kind: 'max'} | {kind: 'value'; value: string; exclusive: boolean}

function less(s1: number, m1: string, s2: number, m2: string): boolean {
  return s1 < s2 || (s1 === s2 && m1 < m2)
}

/** A chunk: scores and members. */
type Pairs = [number[], string[]]

/** The rows ordered before (score, member). */
const pairBefore = (score: number, member: string) => (ch: Pairs, r: number) => less(ch[0][r], ch[1][r], score, member)

export class ZSet extends ChunkList<Pairs> {
  readonly dict = new Map<string, number>()

  score(member: string): number | undefined {
    return this.dict.get(member)
  }

  /** Insert or update; returns true when the member is new. NaN scores must be rejected by the caller. */
  add(member: string, score: number): boolean {
    const old = this.dict.get(member)
    if (old !== undefined) {
      if (old === score) return false
      this.deletePair(old, member)
    }
    // the index first: past V8's Map limit it throws before the order has a row it does not know
    this.dict.set(member, score)
    this.insertWhere(pairBefore(score, member), [score, member])
    return old === undefined
  }

  private deletePair(score: number, member: string): void {
    const [c, o] = this.firstNot(pairBefore(score, member))
    this.deleteAt(c, o)
  }

  remove(member: string): boolean {
    const old = this.dict.get(member)
    if (old === undefined) return false
    this.deletePair(old, member)
    this.dict.delete(member)
    return true
  }

  /** 0-based ascending rank, or -1. */
  rank(member: string): number {
    const s = this.dict.get(member)
    return s === undefined ? -1 : this.rankOfFirstNot(pairBefore(s, member))
  }

  memberAt(i: number): string {
    return this.cell(i, 1)
  }

  scoreAt(i: number): number {
    return this.cell(i, 0)
  }

  /** Remove ranks [start, stop] inclusive (ZREMRANGEBYRANK, ZPOPMIN ...); returns removed members. */
  removeRange(start: number, stop: number): string[] {
    const gone: string[] = []
    this.deleteRanks(start, stop - start + 1, (ch, r) => {
      gone.push(ch[1][r])
      this.dict.delete(ch[1][r])
    })
    return gone
  }

  /** First index with score inside min (respecting exclusivity). */
  firstInScore(min: ScoreBound): number {
    const x = min.value
    return this.rankOfFirstNot(min.exclusive ? (ch, r) => ch[0][r] <= x : (ch, r) => ch[0][r] < x)
  }

  /** Last index with score inside max, or -1. */
  lastInScore(max: ScoreBound): number {
    const x = max.value
    return this.rankOfFirstNot(max.exclusive ? (ch, r) => ch[0][r] < x : (ch, r) => ch[0][r] <= x) - 1
  }

  /** Lex ranges assume all scores are equal (Redis leaves other cases unspecified). */
  firstInLex(min: LexBound): number {
    if (min.kind === 'min') return 0
    if (min.kind === 'max') return this.n
    const x = min.value
    return this.rankOfFirstNot(min.exclusive ? (ch, r) => ch[1][r] <= x : (ch, r) => ch[1][r] < x)
  }

  lastInLex(max: LexBound): number {
    if (max.kind === 'max') return this.n - 1
    if (max.kind === 'min') return -1
    const x = max.value
    return this.rankOfFirstNot(max.exclusive ? (ch, r) => ch[1][r] < x : (ch, r) => ch[1][r] <= x) - 1
  }

  *entries(): IterableIterator<[string, number]> {
    for (const [ch, r] of this.rows()) yield [ch[1][r], ch[0][r]]
  }
}

// Per-bucket element counts for dict.ts's model, kept up to date as elements come and go, so a
// table that starts rehashing never recounts its elements in one operation (issue 12: counting the
// old buckets over every key at each doubling stalled the event loop 94 ms at 1M keys).
// Counts are kept at a granularity G (a power of two) at least the size of the dict's larger table:
// bucket i of a table of size S <= G holds counts[i] + counts[i + S] + ... + counts[i + G - S].
// A table growing past G needs finer counts, which only the elements can give: a counting pass
// builds them a few elements per operation from the moment the table grows, and has until the next
// growth starts (at least as many adds as the old table's size) to finish; a shrink coarsens the
// counts the same way, from the counts themselves.
// - A partitioned source (the keyspace's hash slots) keeps the pass exact under any interleaving:
//   an element of a partition already walked is counted as it changes, one of a partition not
//   walked yet is counted when the walk gets there.
// - An unpartitioned one (a Set's or Map's elements: a hashtable set, a hash, the expires dict) is
//   walked with its live iterator, which visits elements added meanwhile (counted when it gets
//   there) and skips deleted ones; the elements walked so far are remembered (in sets sharded by
//   hash, so none grows past a few thousand: no operation pays for the whole dict), so a delete
//   during the pass uncounts exactly the elements already counted: exact under any interleaving,
//   no restart, no copy (a frozen snapshot copied at pass start cost ~30 ns per element in ONE
//   operation, about as much as the hashing it was to spread out). The caller reports an add before
//   the element joins its structure and a delete after it left.
// Either way a pass ends within elements / (PASS_BUDGET - 1) operations (a partition is walked
// whole; a live iterator also walks the adds meanwhile, at most one per operation), while the next
// growth takes at least the old table's size in adds (used must double again), so a growth meets
// an unfinished pass (DictModel.expand finishes it in one operation) only for a dict presized or
// expanded by a hint (a load) before a pass could run.
// One byte per count (counts at this granularity average under 1), larger ones in a side map.

/** A fixed partition of a dict's elements (the keyspace's hash slots): a counting pass walks it in order. */
export interface ElementPartitions {
  count: number
  of(e: string): number
  each(p: number, visit: (e: string) => void): void
}

/** Elements counted per dict operation while a pass runs (issue 12: no work proportional to the dict). */
export const PASS_BUDGET = 64

/** 4096 sets of walked elements, by hash: ~1000 each at 4M elements (a set's growth rehashes it whole) */
const SEEN_SHIFT = 20

export class BucketCounts {
  private a: Uint8Array
  private big: Map<number, number> | null = null

  constructor(readonly g: number) {
    this.a = new Uint8Array(g)
  }

  get(i: number): number {
    const v = this.a[i]
    return v === 255 ? this.big!.get(i)! : v
  }

  private put(i: number, n: number): void {
    if (n < 255) {
      if (this.a[i] === 255) this.big!.delete(i)
      this.a[i] = n
    } else {
      this.a[i] = 255
      ;(this.big ??= new Map()).set(i, n)
    }
  }

  inc(i: number): void {
    const v = this.a[i]
    if (v < 254) this.a[i] = v + 1
    else this.put(i, this.get(i) + 1)
  }

  dec(i: number): void {
    const v = this.a[i]
    if (v !== 255) this.a[i] = v - 1
    else this.put(i, this.get(i) - 1)
  }

  add(i: number, n: number): void {
    if (n !== 0) this.put(i, this.get(i) + n)
  }

  /** Elements in bucket i of a table of `size` (a power of two <= g). */
  bucket(i: number, size: number): number {
    let c = 0
    for (let j = i; j < this.g; j += size) c += this.get(j)
    return c
  }
}

type PassKind = 'parts' | 'iter' | 'coarse'

/** Builds the counts at granularity `g`, from the elements or (coarser) from finer counts. */
export class CountingPass {
  counts: BucketCounts
  private cursor = 0
  private iter: Iterator<string> | null = null
  /** elements the live iterator has counted (an unpartitioned source) */
  private iterated = 0
  /**
   * An unpartitioned source's elements counted so far, by the top bits of their hash; null until a
   * delete meets the pass. Remembering them costs about what the count itself does, and only a
   * delete needs it, so a pass starts without: the first delete after elements were counted starts
   * the walk over, remembering from then on (a source that only grows — a set being filled — never
   * pays for it; one with churn walks at most once more).
   */
  private seen: (Set<string> | undefined)[] | null = null
  /** elements (or fine buckets / 16) walked so far: tests bound the work per operation with it */
  walked = 0

  private constructor(readonly g: number, private kind: PassKind, private parts: ElementPartitions | null,
    private elements: () => Iterable<string>, private from: BucketCounts | null) {
    this.counts = new BucketCounts(g)
  }

  static fromElements(g: number, parts: ElementPartitions | null, elements: () => Iterable<string>): CountingPass {
    return new CountingPass(g, parts === null ? 'iter' : 'parts', parts, elements, null)
  }

  static coarsen(g: number, from: BucketCounts): CountingPass {
    return new CountingPass(g, 'coarse', null, () => [], from)
  }

  /**
   * An element with hash h was added (+1, before it joins the source) or removed (-1, after it
   * left): counted now if the walk is past it (a live iterator gets to an added one itself).
   */
  change(e: string, h: number, delta: 1 | -1): void {
    let walked: boolean
    if (this.kind === 'parts') walked = this.parts!.of(e) < this.cursor
    else if (this.kind === 'coarse') walked = (h & (this.from!.g - 1)) < this.cursor
    else {
      if (delta > 0) return
      if (this.seen === null) {
        if (this.iterated !== 0) this.restartRemembering()
        else this.seen = []
        return
      }
      walked = this.seen[h >>> SEEN_SHIFT]?.delete(e) ?? false
    }
    if (!walked) return
    if (delta > 0) this.counts.inc(h & (this.g - 1))
    else this.counts.dec(h & (this.g - 1))
  }

  /** Walk about `budget` elements; true once the counts are complete. */
  step(budget: number, hash: (e: string) => number): boolean {
    const mask = this.g - 1
    let work = 0
    if (this.kind === 'parts') {
      const parts = this.parts!
      const visit = (e: string): void => {
        this.counts.inc(hash(e) & mask)
        work++
      }
      // an empty partition costs a little too: a sparse source still finishes in bounded steps
      while (this.cursor < parts.count && work < budget) {
        parts.each(this.cursor++, visit)
        work += 1 / 16
      }
      this.walked += work
      return this.cursor >= parts.count
    }
    if (this.kind === 'coarse') {
      const from = this.from!
      const end = Math.min(from.g, this.cursor + budget * 16)
      for (let j = this.cursor; j < end; j++) this.counts.add(j & mask, from.get(j))
      this.walked += (end - this.cursor) / 16
      this.cursor = end
      return end >= from.g
    }
    this.iter ??= this.elements()[Symbol.iterator]()
    const seen = this.seen
    const counts = this.counts
    for (; work < budget; work++) {
      const r = this.iter.next()
      if (r.done) break
      const h = hash(r.value)
      counts.inc(h & mask)
      if (seen !== null) (seen[h >>> SEEN_SHIFT] ??= new Set()).add(r.value)
    }
    this.walked += work
    this.iterated += work
    if (work === budget) return false
    this.iter = null
    this.seen = null
    return true
  }

  /** A delete met a pass that counted without remembering: count again from the first element. */
  private restartRemembering(): void {
    this.counts = new BucketCounts(this.g)
    this.iter = null
    this.iterated = 0
    this.seen = []
  }
}

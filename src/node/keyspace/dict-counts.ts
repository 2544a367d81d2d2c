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
// - An unpartitioned one (a Set's or Map's live iterator, which visits elements added meanwhile and
//   skips deleted ones) cannot tell whether a deleted element was visited already: a delete during
//   the pass makes it start over once it reaches the end. Under a steady rate of deletes (an expires
//   dict while keys expire and others get a TTL, a set or hash with churn) it therefore never
//   finishes on its own, and the next growth completes it in one operation (DictModel.expand):
//   about 1.3x the dict's elements at each doubling with adds and deletes at 2:1.
// One byte per count (counts at this granularity average under 1), larger ones in a side map.

/** A fixed partition of a dict's elements (the keyspace's hash slots): a counting pass walks it in order. */
export interface ElementPartitions {
  count: number
  of(e: string): number
  each(p: number, visit: (e: string) => void): void
}

/** Elements counted per dict operation while a pass runs (issue 12: no work proportional to the dict). */
export const PASS_BUDGET = 64

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

  reset(): void {
    this.a.fill(0)
    this.big = null
  }
}

type PassKind = 'parts' | 'iter' | 'coarse'

/** Builds the counts at granularity `g`, from the elements or (coarser) from finer counts. */
export class CountingPass {
  readonly counts: BucketCounts
  private cursor = 0
  private iter: Iterator<string> | null = null
  private dirty = false
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

  /** An element with hash h was added (+1) or removed (-1) from the dict's source: count it if walked. */
  change(e: string, h: number, delta: 1 | -1): void {
    let walked: boolean
    if (this.kind === 'parts') walked = this.parts!.of(e) < this.cursor
    else if (this.kind === 'coarse') walked = (h & (this.from!.g - 1)) < this.cursor
    else {
      // an add is appended to the iteration order (the iterator gets there); a delete may be behind it
      if (delta < 0) this.dirty = true
      return
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
    for (; work < budget; work++) {
      const r = this.iter.next()
      if (r.done) {
        if (!this.dirty) break
        // a delete happened while walking: it may have been counted or not, so count again
        this.dirty = false
        this.counts.reset()
        this.iter = this.elements()[Symbol.iterator]()
        continue
      }
      this.counts.inc(hash(r.value) & mask)
    }
    this.walked += work
    return work < budget
  }
}

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
//   copied when the pass starts (an array of references, no hashing: about 1 ms per 100k elements
//   measured, see README "table doubling stalls") and the pass counts that frozen snapshot; every
//   add (+1) and delete (-1) while it runs goes straight into the counts, whether or not the element
//   is in the snapshot or was walked yet, so snapshot + changes is exact under any interleaving (an
//   element added then deleted nets 0, a snapshot element deleted nets 0, re-added +1). Counts may
//   be negative until the walk is done. The caller reports an add before the element joins its
//   structure and a delete after it left (the snapshot then never holds an element twice counted).
// Either way a pass ends in at most elements / PASS_BUDGET operations (a partition is walked whole),
// while the next growth takes at least the old table's size in adds (used must double again), so a
// growth meets an unfinished pass (DictModel.expand finishes it in one operation) only for a dict
// presized or expanded by a hint (a load) before a pass could run.
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

  /** n < 0 only transiently, while a snapshot pass counts deletes ahead of its walk */
  private put(i: number, n: number): void {
    if (n >= 0 && n < 255) {
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
    if (v !== 255 && v !== 0) this.a[i] = v - 1
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

type PassKind = 'parts' | 'snapshot' | 'coarse'

/** Builds the counts at granularity `g`, from the elements or (coarser) from finer counts. */
export class CountingPass {
  readonly counts: BucketCounts
  private cursor = 0
  /** an unpartitioned source's elements when the pass started (dropped once walked) */
  private snap: string[] | null = null
  /** elements (or fine buckets / 16) walked so far: tests bound the work per operation with it */
  walked = 0
  /** references copied into the snapshot (no hashing): bounded separately from `walked` */
  copied = 0

  private constructor(readonly g: number, private kind: PassKind, private parts: ElementPartitions | null,
    elements: () => Iterable<string>, private from: BucketCounts | null) {
    this.counts = new BucketCounts(g)
    if (kind === 'snapshot') {
      this.snap = Array.from(elements())
      this.copied = this.snap.length
    }
  }

  static fromElements(g: number, parts: ElementPartitions | null, elements: () => Iterable<string>): CountingPass {
    return new CountingPass(g, parts === null ? 'snapshot' : 'parts', parts, elements, null)
  }

  static coarsen(g: number, from: BucketCounts): CountingPass {
    return new CountingPass(g, 'coarse', null, () => [], from)
  }

  /**
   * An element with hash h was added (+1, before it joins the source) or removed (-1, after it
   * left): counted now if its part was walked already, always for a snapshot (which never changes).
   */
  change(e: string, h: number, delta: 1 | -1): void {
    let walked = true
    if (this.kind === 'parts') walked = this.parts!.of(e) < this.cursor
    else if (this.kind === 'coarse') walked = (h & (this.from!.g - 1)) < this.cursor
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
    const snap = this.snap!
    const end = Math.min(snap.length, this.cursor + budget)
    for (let j = this.cursor; j < end; j++) this.counts.inc(hash(snap[j]) & mask)
    this.walked += end - this.cursor
    this.cursor = end
    if (end < snap.length) return false
    this.snap = null
    return true
  }
}

// SCAN's bucket order over a dict model's elements (dict.ts), kept across changes. dictScan visits
// the buckets of a table of 2^bits in reverse-binary order, so an element's place is
// revBits(hash & mask, bits) = rev32(hash) >>> (32 - bits): elements sorted by rev32(hash) are in
// bucket order for every table size at once (no rebuild when a table grows, shrinks or rehashes).
// The sorted base survives changes: an add goes to an unsorted pending list (sorted and merged into a
// sorted run of additions at the next scan, a linear merge), a delete of a base element to a set the
// walk skips. The base is dropped (and rebuilt at the next scan) once the changes since it was built
// exceed an eighth of it, so a change costs amortized O(log n) and a scan call O(count + log n) plus
// the merge of what changed since the previous call.

/** Reverse the 32 bits of x. */
export function rev32(x: number): number {
  x = ((x >>> 1) & 0x55555555) | ((x & 0x55555555) << 1)
  x = ((x >>> 2) & 0x33333333) | ((x & 0x33333333) << 2)
  x = ((x >>> 4) & 0x0f0f0f0f) | ((x & 0x0f0f0f0f) << 4)
  x = ((x >>> 8) & 0x00ff00ff) | ((x & 0x00ff00ff) << 8)
  return ((x >>> 16) | (x << 16)) >>> 0
}

/** The indexes of `keys` in ascending key order, ties in index order. */
function sortedIndex(keys: Uint32Array): Uint32Array {
  const n = keys.length
  const index = new Uint32Array(n)
  if (n <= 1 << 21) {
    // key * 2^21 + index stays below 2^53: one native numeric sort, stable by construction
    const packed = new Float64Array(n)
    for (let i = 0; i < n; i++) packed[i] = keys[i] * 2097152 + i
    packed.sort()
    for (let i = 0; i < n; i++) index[i] = packed[i] % 2097152
  } else {
    index.set(Array.from({length: n}, (_, i) => i).sort((a, b) => keys[a] - keys[b] || a - b))
  }
  return index
}

/** Elements sorted by the reversed bits of their hash, with `seqs` (if given) in the same order. */
function sortByKey(elements: string[], hash: (e: string) => number, seqs?: number[]): Run {
  const n = elements.length
  const unsorted = new Uint32Array(n)
  for (let i = 0; i < n; i++) unsorted[i] = rev32(hash(elements[i]))
  const index = sortedIndex(unsorted)
  const keys = new Uint32Array(n)
  const sortedSeqs = new Uint32Array(seqs === undefined ? 0 : n)
  const out: string[] = new Array(n)
  for (let i = 0; i < n; i++) {
    keys[i] = unsorted[index[i]]
    out[i] = elements[index[i]]
    if (seqs !== undefined) sortedSeqs[i] = seqs[index[i]]
  }
  return {keys, elements: out, seqs: sortedSeqs}
}

/** First index whose key is >= k. */
function lowerBound(keys: Uint32Array, k: number): number {
  let lo = 0
  let hi = keys.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if (keys[mid] < k) lo = mid + 1
    else hi = mid
  }
  return lo
}

/** Additions sorted by key, each with the number of its add (stale once the element left or came back). */
interface Run {
  keys: Uint32Array
  elements: string[]
  seqs: Uint32Array
}

/** Two runs merged by key, entries no longer live left out. */
function mergeRuns(a: Run, b: Run, live: (e: string, seq: number) => boolean): Run {
  const n = a.keys.length + b.keys.length
  const keys = new Uint32Array(n)
  const seqs = new Uint32Array(n)
  const elements: string[] = []
  let i = 0
  let j = 0
  while (i < a.keys.length || j < b.keys.length) {
    const fromA = j >= b.keys.length || (i < a.keys.length && a.keys[i] <= b.keys[j])
    const r = fromA ? a : b
    const k = fromA ? i++ : j++
    if (!live(r.elements[k], r.seqs[k])) continue
    keys[elements.length] = r.keys[k]
    seqs[elements.length] = r.seqs[k]
    elements.push(r.elements[k])
  }
  return {keys: keys.slice(0, elements.length), elements, seqs: seqs.slice(0, elements.length)}
}

export class ScanOrder {
  /** base elements removed since the base was built */
  private gone = new Set<string>()
  /** elements added since the base was built (not in it), with the number of their add */
  private extra = new Map<string, number>()
  private seq = 0
  /** additions not sorted into a run yet (with their numbers; may have left again) */
  private pending: string[] = []
  private pendingSeqs: number[] = []
  /** sorted runs of additions, each at most half the size of the one before (merged like a binary counter) */
  private runs: Run[] = []
  private inRuns = 0
  private readonly live = (e: string, seq: number): boolean => this.extra.get(e) === seq

  private constructor(private keys: Uint32Array, private elements: string[], private hash: (e: string) => number, private meter: {sorted: number}) {}

  /** `meter.sorted` counts the elements sorted or merged (tests bound a scan's work with it). */
  static build(elements: Iterable<string>, hash: (e: string) => number, meter: {sorted: number}): ScanOrder {
    const s = sortByKey([...elements], hash)
    meter.sorted += s.keys.length
    return new ScanOrder(s.keys, s.elements, hash, meter)
  }

  /** Elements the order holds now. */
  get size(): number {
    return this.elements.length - this.gone.size + this.extra.size
  }

  /** Too many changes since the base was built: cheaper to rebuild it at the next scan. */
  get stale(): boolean {
    return this.gone.size + this.inRuns + this.pending.length > Math.max(256, this.elements.length >>> 3)
  }

  /** An element not present was added. */
  add(e: string): void {
    if (this.gone.delete(e)) return // back in its place in the base
    this.extra.set(e, ++this.seq)
    this.pending.push(e)
    this.pendingSeqs.push(this.seq)
  }

  /** A present element was deleted. */
  delete(e: string): void {
    if (!this.extra.delete(e)) this.gone.add(e)
  }

  /** The pending additions sorted into a run; runs of similar size merged (amortized O(log n) an element). */
  private merge(): void {
    if (this.pending.length === 0) return
    const elements: string[] = []
    const seqList: number[] = []
    for (let i = 0; i < this.pending.length; i++) {
      if (!this.live(this.pending[i], this.pendingSeqs[i])) continue
      elements.push(this.pending[i])
      seqList.push(this.pendingSeqs[i])
    }
    let run = sortByKey(elements, this.hash, seqList)
    this.meter.sorted += this.pending.length
    while (this.runs.length > 0 && this.runs[this.runs.length - 1].keys.length <= 2 * run.keys.length) {
      const last = this.runs.pop()!
      this.meter.sorted += last.keys.length + run.keys.length
      run = mergeRuns(last, run, this.live)
    }
    this.pending = []
    this.pendingSeqs = []
    this.runs.push(run)
    this.inRuns = this.runs.reduce((n, r) => n + r.keys.length, 0)
  }

  /**
   * The dictScan walk over a table of `small` buckets (the smaller table while rehashing): from
   * `cursor`, buckets in reverse-binary order until `count` elements were emitted or count*10
   * buckets visited. Returns the next cursor (0: done).
   */
  scan(cursor: number, count: number, small: number, emit: (e: string) => void): number {
    this.merge()
    const bits = 31 - Math.clz32(small)
    const shift = 32 - bits
    const {keys, elements, runs, gone} = this
    let pos = rev32(cursor % small) >>> shift
    let a = lowerBound(keys, pos * 2 ** shift)
    const at = runs.map((r) => lowerBound(r.keys, pos * 2 ** shift))
    let emitted = 0
    let maxIterations = count * 10
    for (;;) {
      for (; a < keys.length && keys[a] >>> shift === pos; a++) {
        if (gone.has(elements[a])) continue
        emit(elements[a])
        emitted++
      }
      for (let r = 0; r < runs.length; r++) {
        const run = runs[r]
        let b = at[r]
        for (; b < run.keys.length && run.keys[b] >>> shift === pos; b++) {
          if (!this.live(run.elements[b], run.seqs[b])) continue
          emit(run.elements[b])
          emitted++
        }
        at[r] = b
      }
      pos++
      if (pos >= small) return 0
      if (!(maxIterations-- && emitted < count)) return rev32(pos) >>> shift
    }
  }
}

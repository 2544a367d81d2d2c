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

/** Sorted by key (ties in input order): keys and elements in that order. */
function sortByKey(keys: ArrayLike<number>, elements: string[]): {keys: Uint32Array; elements: string[]} {
  const n = elements.length
  const outKeys = new Uint32Array(n)
  const outElements: string[] = new Array(n)
  if (n <= 1 << 21) {
    // key * 2^21 + index stays below 2^53: one native numeric sort, stable by construction
    const packed = new Float64Array(n)
    for (let i = 0; i < n; i++) packed[i] = keys[i] * 2097152 + i
    packed.sort()
    for (let i = 0; i < n; i++) {
      const j = packed[i] % 2097152
      outKeys[i] = keys[j]
      outElements[i] = elements[j]
    }
  } else {
    const idx = Array.from({length: n}, (_, i) => i).sort((a, b) => keys[a] - keys[b] || a - b)
    for (let i = 0; i < n; i++) {
      outKeys[i] = keys[idx[i]]
      outElements[i] = elements[idx[i]]
    }
  }
  return {keys: outKeys, elements: outElements}
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

export class ScanOrder {
  /** base elements removed since the base was built */
  private gone = new Set<string>()
  /** elements added since the base was built (not in it): the truth the run and pending are filtered by */
  private extra = new Set<string>()
  /** additions not merged into the run yet (may hold elements deleted again, or twice) */
  private pending: string[] = []
  /** sorted additions (may hold elements deleted since: not in `extra`) */
  private runKeys = new Uint32Array(0)
  private runElements: string[] = []

  private constructor(private keys: Uint32Array, private elements: string[], private hash: (e: string) => number) {}

  static build(elements: Iterable<string>, hash: (e: string) => number): ScanOrder {
    const list = [...elements]
    const keys = new Uint32Array(list.length)
    for (let i = 0; i < list.length; i++) keys[i] = rev32(hash(list[i]))
    const s = sortByKey(keys, list)
    return new ScanOrder(s.keys, s.elements, hash)
  }

  /** Elements the order holds now. */
  get size(): number {
    return this.elements.length - this.gone.size + this.extra.size
  }

  /** Too many changes since the base was built: cheaper to rebuild it at the next scan. */
  get stale(): boolean {
    return this.gone.size + this.runElements.length + this.pending.length > Math.max(256, this.elements.length >>> 3)
  }

  /** An element not present was added. */
  add(e: string): void {
    if (this.gone.delete(e)) return // back in its place in the base
    this.extra.add(e)
    this.pending.push(e)
  }

  /** A present element was deleted. */
  delete(e: string): void {
    if (!this.extra.delete(e)) this.gone.add(e)
  }

  /** The pending additions sorted into the run (dropping what was deleted again, and repeats). */
  private merge(): void {
    if (this.pending.length === 0) return
    const live = this.pending.filter((e) => this.extra.has(e))
    const pk = new Uint32Array(live.length)
    for (let i = 0; i < live.length; i++) pk[i] = rev32(this.hash(live[i]))
    const p = sortByKey(pk, live)
    const rk = this.runKeys
    const re = this.runElements
    const keys = new Uint32Array(rk.length + p.keys.length)
    const elements: string[] = []
    let i = 0
    let j = 0
    while (i < rk.length || j < p.keys.length) {
      const fromRun = j >= p.keys.length || (i < rk.length && rk[i] <= p.keys[j])
      const k = fromRun ? rk[i] : p.keys[j]
      const e = fromRun ? re[i++] : p.elements[j++]
      if (fromRun && !this.extra.has(e)) continue
      // an element deleted and added again sits twice: once among its equal keys
      let dup = false
      for (let b = elements.length - 1; b >= 0 && keys[b] === k && !dup; b--) dup = elements[b] === e
      if (dup) continue
      keys[elements.length] = k
      elements.push(e)
    }
    this.runKeys = keys.slice(0, elements.length)
    this.runElements = elements
    this.pending = []
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
    const {keys, elements, runKeys, runElements, gone, extra} = this
    let pos = rev32(cursor % small) >>> shift
    let a = lowerBound(keys, pos * 2 ** shift)
    let b = lowerBound(runKeys, pos * 2 ** shift)
    let emitted = 0
    let maxIterations = count * 10
    for (;;) {
      for (; a < keys.length && keys[a] >>> shift === pos; a++) {
        if (gone.has(elements[a])) continue
        emit(elements[a])
        emitted++
      }
      for (; b < runKeys.length && runKeys[b] >>> shift === pos; b++) {
        if (!extra.has(runElements[b])) continue
        emit(runElements[b])
        emitted++
      }
      pos++
      if (pos >= small) return 0
      if (!(maxIterations-- && emitted < count)) return rev32(pos) >>> shift
    }
  }
}

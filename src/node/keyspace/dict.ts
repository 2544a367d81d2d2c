// A model of redis 7.0.15's dict (dict.c) for the tables redis keeps as dicts: its two hash
// tables' sizes and fills, the incremental rehash index, and which bucket every element sits in.
// The elements themselves stay in the caller's JS Set/Map (storage and membership are not
// duplicated); the model holds numbers, per-bucket counts kept as elements come and go
// (dict-counts.ts: a rehash never counts the elements in one operation), and, only while a rehash is
// in progress, the set of elements added since it began (redis puts those straight into the new
// table). Bucket indexes come from the node's own string hash (strHash), so
// chain lengths are the model's own, not redis's (redis seeds siphash randomly anyway), but every
// rule that moves them is redis's:
// - tables are powers of two, 4 at least (_dictNextExp); the first add allocates 4;
// - an add grows the table to next_power(used+1) once used >= size while resizing is enabled, or
//   once used/size > 5 (dict_force_resize_ratio) while a child process exists (_dictExpandIfNeeded);
// - a shrink (dictResize to next_power(used)) only while resizing is enabled and not rehashing;
// - every find/add/delete/random pick does one rehash step (one non-empty bucket, at most 10 empty
//   ones visited) unless the policy forbids it; while a child exists a rehash step only runs when
//   the two tables' size ratio is >= 5 (dictRehash, DICT_RESIZE_AVOID).
// Memory: a few numbers per dict and about a byte per bucket of its larger table.
import {BucketCounts, CountingPass, PASS_BUDGET, type ElementPartitions} from './dict-counts.js'

export type {ElementPartitions}

/** redis dictResizeEnable: updateDictResizePolicy sets AVOID while a child process exists. */
export const ResizePolicy = {ENABLE: 0, AVOID: 1, FORBID: 2} as const
export type ResizePolicy = (typeof ResizePolicy)[keyof typeof ResizePolicy]

const INITIAL_SIZE = 4 // DICT_HT_INITIAL_SIZE
const FORCE_RESIZE_RATIO = 5 // dict_force_resize_ratio
const MIN_FILL = 10 // HASHTABLE_MIN_FILL (server.h), percent

let policy: ResizePolicy = ResizePolicy.ENABLE

/** Process-wide like redis's static dict_can_resize (updateDictResizePolicy). */
export function setDictResizePolicy(p: ResizePolicy): void {
  policy = p
}
export function dictResizePolicy(): ResizePolicy {
  return policy
}

/** 32-bit FNV-1a over the latin1 code units, finished with murmur3's fmix32 so low bits mix well. */
export function strHash(s: string): number {
  let h = 0x811c9dc5
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193)
  h ^= h >>> 16
  h = Math.imul(h, 0x85ebca6b)
  h ^= h >>> 13
  h = Math.imul(h, 0xc2b2ae35)
  h ^= h >>> 16
  return h >>> 0
}

/** _dictNextExp as a size: the smallest power of two >= size, at least 4. */
export function nextPower(size: number): number {
  if (size <= INITIAL_SIZE) return INITIAL_SIZE
  let p = INITIAL_SIZE
  while (p < size) p *= 2
  return p
}

/** Reverse the low `bits` bits of x (dictScan's rev() restricted to the table mask). */
function revBits(x: number, bits: number): number {
  let r = 0
  for (let i = 0; i < bits; i++) {
    r = (r << 1) | (x & 1)
    x >>>= 1
  }
  return r >>> 0
}

function log2(size: number): number {
  return 31 - Math.clz32(size)
}

export interface TableStats {
  size: number
  used: number
  /** bucket index -> chain length, non-empty buckets only */
  chains: Map<number, number>
}

export class DictModel {
  size0 = 0
  size1 = 0
  used0 = 0
  used1 = 0
  rehashidx = -1
  /**
   * every element's bucket count, at a granularity >= the larger table once `pass` is done (until
   * then at the previous one, which still covers the old table); null: not counted yet (an empty or
   * cleared dict, or a presized one whose first pass runs)
   */
  private counts: BucketCounts | null = null
  /** builds the counts at a new granularity, a few elements per operation */
  private pass: CountingPass | null = null
  /** elements walked by the counting passes that completed */
  private walked = 0
  /** elements added while rehashing: in the new table whatever their old bucket */
  private fresh: Set<string> | null = null
  /** how many of those sit in an old bucket the rehash has not reached (rehashidx and up) */
  private freshOld: Map<number, number> | null = null
  /** bumped on every add/delete/resize: SCAN's bucket order cache key */
  private version = 0
  private scanOrder: {version: number; bits: number; keys: Int32Array; elements: string[]} | null = null

  /**
   * `elements` walks the current members (the caller's Set/Map keys: HTSTATS, SCAN, counting
   * passes); `parts`, when the caller keeps them partitioned, lets a counting pass resume exactly.
   */
  constructor(private elements: () => Iterable<string>, private parts: ElementPartitions | null = null) {}

  /** The elements now live in another structure (a dict built aside, then kept; SWAPDB). */
  rebind(elements: () => Iterable<string>, parts: ElementPartitions | null = this.parts): void {
    this.elements = elements
    this.parts = parts
    this.version++
    this.pass = null
    this.schedule()
  }

  /** Elements walked by counting passes so far (tests bound the work of one operation with it). */
  get counted(): number {
    return this.walked + (this.pass?.walked ?? 0)
  }

  get size(): number {
    return this.used0 + this.used1
  }
  get rehashing(): boolean {
    return this.rehashidx !== -1
  }
  /** dictSlots */
  get slots(): number {
    return this.size0 + this.size1
  }

  /** A dict built by loading `n` elements at once (rdbLoadObject, setTypeConvert: dictExpand(n)). */
  presize(n: number): this {
    this.size0 = nextPower(n)
    this.used0 = n
    this.counts = null
    this.schedule()
    return this
  }

  private inOld(key: string, h: number): boolean {
    return (this.fresh === null || !this.fresh.has(key)) && (h & (this.size0 - 1)) >= this.rehashidx
  }

  /** dictFind / dictGetRandomKey (`steps` separate _dictRehashStep calls for dictGetSomeKeys). */
  touch(steps = 1): void {
    if (this.pass !== null) this.work()
    if (this.used0 + this.used1 === 0) return
    for (let i = 0; i < steps && this.rehashidx !== -1; i++) this.rehash(1)
  }

  /** dictAddRaw of a key already present: the step and the growth check still happen. */
  probeAdd(): void {
    if (this.pass !== null) this.work()
    if (this.rehashidx !== -1) this.rehash(1)
    this.expandIfNeeded()
  }

  /** dictAdd of a key not present (call before inserting it into the JS structure). */
  add(key: string): void {
    // the pass walks first: `key` is not in the caller's structure yet, so it is counted here
    if (this.pass !== null) this.work()
    if (this.rehashidx !== -1) this.rehash(1)
    this.expandIfNeeded()
    this.version++
    const h = strHash(key)
    this.counts?.inc(h & (this.counts.g - 1))
    this.pass?.change(key, h, 1)
    if (this.rehashidx === -1) {
      this.used0++
      return
    }
    this.used1++
    ;(this.fresh ??= new Set()).add(key)
    const b = h & (this.size0 - 1)
    if (b >= this.rehashidx) (this.freshOld ??= new Map()).set(b, (this.freshOld.get(b) ?? 0) + 1)
  }

  /** dictDelete of a present key (after removing it from the JS structure). */
  delete(key: string): void {
    // the step first, the key still counted in its bucket (dictDelete: _dictRehashStep, then unlink);
    // the pass hears of the delete before it walks on: `key` has left the caller's structure already
    if (this.rehashidx !== -1) this.rehash(1)
    const h = strHash(key)
    this.counts?.dec(h & (this.counts.g - 1))
    if (this.pass !== null) {
      this.pass.change(key, h, -1)
      this.work()
    }
    this.version++
    if (this.rehashidx === -1) {
      this.used0--
      return
    }
    if (this.inOld(key, h)) {
      // emptied old table: redis swaps the tables at the next rehash step, not here
      this.used0--
      return
    }
    this.used1--
    const b = h & (this.size0 - 1)
    if (this.fresh?.delete(key) && b >= this.rehashidx) {
      const n = this.freshOld!.get(b)! - 1
      if (n === 0) this.freshOld!.delete(b)
      else this.freshOld!.set(b, n)
    }
  }

  /** Every element gone (dictEmpty): back to no table. */
  clear(): void {
    this.size0 = this.size1 = this.used0 = this.used1 = 0
    this.rehashidx = -1
    this.counts = null
    this.pass = null
    this.fresh = null
    this.freshOld = null
    this.version++
  }

  /** One operation's share of a counting pass; the pass's counts take over once complete. */
  private work(budget = PASS_BUDGET): void {
    const p = this.pass!
    if (!p.step(budget, strHash)) return
    this.walked += p.walked
    this.counts = p.counts
    this.pass = null
  }

  /**
   * Counts at the granularity the tables now need: none to start from an empty dict, a pass from
   * the elements when a table outgrew them, a coarsening pass when they are 4x finer than needed.
   */
  private schedule(): void {
    const t = Math.max(this.size0, this.size1)
    const g = this.counts?.g ?? 0
    if (this.pass !== null && this.pass.g === t) return
    this.pass = null
    if (t === 0 || (g >= t && g < 4 * t)) return
    if (this.used0 + this.used1 === 0) this.counts = new BucketCounts(t)
    else this.pass = g > t ? CountingPass.coarsen(t, this.counts!) : CountingPass.fromElements(t, this.parts, this.elements)
  }

  /** Elements of old bucket i (the rehash step's chain), from counts at least as fine as the old table. */
  private oldCount(i: number): number {
    return this.counts!.bucket(i, this.size0) - (this.freshOld?.get(i) ?? 0)
  }

  /** server.c htNeedsResize */
  needsResize(): boolean {
    const size = this.size0 + this.size1
    return size > INITIAL_SIZE && ((this.used0 + this.used1) * 100) / size < MIN_FILL
  }

  /** dictResize: shrink (or grow) to next_power(used); refused while rehashing or resizing is not enabled. */
  resize(): boolean {
    if (policy !== ResizePolicy.ENABLE || this.rehashidx !== -1) return false
    return this.expand(Math.max(this.used0, INITIAL_SIZE))
  }

  /** dictExpand(d, size) from outside (rdbLoad's RESIZEDB hint): refused while rehashing or too small. */
  expandTo(size: number): boolean {
    return this.expand(size)
  }

  /** htNeedsResize + dictResize, as t_set/t_hash/t_zset do after a removal and serverCron for the dbs. */
  shrinkIfNeeded(): void {
    if (this.needsResize()) this.resize()
  }

  private expandIfNeeded(): void {
    if (this.rehashidx !== -1) return
    if (this.size0 === 0) {
      this.expand(INITIAL_SIZE)
      return
    }
    if ((policy === ResizePolicy.ENABLE && this.used0 >= this.size0) ||
      (policy !== ResizePolicy.FORBID && Math.floor(this.used0 / this.size0) > FORCE_RESIZE_RATIO)) {
      this.expand(this.used0 + 1)
    }
  }

  /** _dictExpand */
  private expand(size: number): boolean {
    if (this.rehashidx !== -1 || this.used0 > size) return false
    const next = nextPower(size)
    if (next === this.size0) return false
    this.version++
    if (this.size0 === 0) {
      this.size0 = next
      this.schedule()
      return true
    }
    // the rehash reads the old table's chains: counts that fine must be complete now (they are,
    // unless a table grew again before its pass could finish: then it finishes here)
    if (this.counts === null || this.counts.g < this.size0) {
      if (this.pass === null || this.pass.g < this.size0) this.pass = CountingPass.fromElements(this.size0, this.parts, this.elements)
      this.work(Infinity)
    }
    this.size1 = next
    this.used1 = 0
    this.rehashidx = 0
    this.schedule()
    return true
  }

  /** dictRehash(d, n); true while there is more to move. */
  rehash(n: number): boolean {
    if (policy === ResizePolicy.FORBID || this.rehashidx === -1) return false
    const s0 = this.size0
    const s1 = this.size1
    if (policy === ResizePolicy.AVOID && ((s1 > s0 && s1 / s0 < FORCE_RESIZE_RATIO) || (s1 < s0 && s0 / s1 < FORCE_RESIZE_RATIO))) return false
    let emptyVisits = n * 10
    while (n-- > 0 && this.used0 !== 0) {
      let c = 0
      while (this.rehashidx < s0 && (c = this.oldCount(this.rehashidx)) === 0) {
        this.rehashidx++
        if (--emptyVisits === 0) return true
      }
      // never expected (redis asserts it): figures out of step with the elements end the rehash
      if (this.rehashidx >= s0) return this.resync()
      this.freshOld?.delete(this.rehashidx)
      this.used0 -= c
      this.used1 += c
      this.rehashidx++
    }
    if (this.used0 === 0) {
      this.finishRehash()
      return false
    }
    return true
  }

  private resync(): false {
    let n = 0
    for (const e of this.elements()) if (e !== undefined) n++
    this.used0 = 0
    this.used1 = n
    this.finishRehash()
    return false
  }

  private finishRehash(): void {
    this.size0 = this.size1
    this.used0 += this.used1
    this.size1 = 0
    this.used1 = 0
    this.rehashidx = -1
    this.fresh = null
    this.freshOld = null
    this.version++
    this.schedule()
  }

  /** dictRehashMilliseconds: batches of 100 steps until done or `ms` has passed. */
  rehashMilliseconds(ms: number): number {
    const start = performance.now()
    let rehashes = 0
    while (this.rehash(100)) {
      rehashes += 100
      if (performance.now() - start > ms) break
    }
    return rehashes
  }

  /** Both tables' chains from the elements' hashes (DEBUG HTSTATS): [main, rehashing target]. */
  stats(): [TableStats, TableStats | null] {
    const t0: TableStats = {size: this.size0, used: this.used0, chains: new Map()}
    const t1: TableStats | null = this.rehashidx === -1 ? null : {size: this.size1, used: this.used1, chains: new Map()}
    for (const e of this.elements()) {
      const h = strHash(e)
      const t = t1 === null || this.inOld(e, h) ? t0 : t1
      const b = h & (t.size - 1)
      t.chains.set(b, (t.chains.get(b) ?? 0) + 1)
    }
    return [t0, t1]
  }

  /**
   * dictScan driven by scanGenericCommand: from `cursor`, visit buckets of the smaller table (each
   * with its expansions in the larger one, which hold exactly the elements whose hash matches the
   * small bucket) in reverse-binary order until `count` elements were emitted or count*10 buckets
   * visited. Returns the next cursor (0: done).
   */
  scan(cursor: number, count: number, emit: (e: string) => void): number {
    if (this.used0 + this.used1 === 0) return 0
    const small = this.rehashidx === -1 ? this.size0 : Math.min(this.size0, this.size1)
    const bits = log2(small)
    const order = this.ordered(bits)
    let pos = revBits(cursor % small, bits)
    // first element whose reversed bucket is >= pos
    let lo = 0
    let hi = order.keys.length
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if (order.keys[mid] < pos) lo = mid + 1
      else hi = mid
    }
    let emitted = 0
    let maxIterations = count * 10
    for (;;) {
      while (lo < order.keys.length && order.keys[lo] === pos) {
        emit(order.elements[lo++])
        emitted++
      }
      pos++
      if (pos >= small) return 0
      if (!(maxIterations-- && emitted < count)) return revBits(pos, bits)
    }
  }

  /** Elements sorted by the bit-reversed index of their bucket in a table of 2^bits (cached until a change). */
  private ordered(bits: number): {keys: Int32Array; elements: string[]} {
    const c = this.scanOrder
    if (c !== null && c.version === this.version && c.bits === bits) return c
    const mask = (1 << bits) - 1
    const elements = [...this.elements()]
    const rk = elements.map((e) => revBits(strHash(e) & mask, bits))
    const idx = elements.map((_, i) => i).sort((a, b) => rk[a] - rk[b])
    const keys = Int32Array.from(idx, (i) => rk[i])
    this.scanOrder = {version: this.version, bits, keys, elements: idx.map((i) => elements[i])}
    return this.scanOrder
  }
}

/** The dict models of aggregate values (hashtable sets and hashes), by value object. */
const valueModels = new WeakMap<object, DictModel>()

export function valueDict(v: object): DictModel | undefined {
  return valueModels.get(v)
}

/** A value's dict from now on: `n` elements at once (a conversion or a load: dictExpand(n)), or an empty dict. */
export function attachDict(v: object, elements: () => Iterable<string>, n: number | 'empty'): DictModel {
  const d = new DictModel(elements)
  if (n !== 'empty') d.presize(n)
  valueModels.set(v, d)
  return d
}

/** dictGetFairRandomKey's rehash steps (dictGetSomeKeys: up to 15) for `picks` random picks. */
export function randomPickSteps(d: DictModel, picks: number): void {
  const steps = Math.min(15, d.size)
  for (let i = 0; i < picks && d.rehashing; i++) d.touch(steps)
}

/** After the JS structure's own delete of `key` (`removed`): dictDelete, then htNeedsResize + dictResize. */
export function dictRemoved(d: DictModel | undefined, removed: boolean, key: string): boolean {
  if (d === undefined) return removed
  if (!removed) {
    d.touch() // the failed dictDelete still stepped the rehash
    return false
  }
  d.delete(key)
  d.shrinkIfNeeded()
  return true
}

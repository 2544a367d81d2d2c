// List value: a growable ring buffer of latin1 strings. O(1) push/pop at both ends and
// O(1) index access (LINDEX/LSET/LRANGE), which a plain JS array cannot give for LPUSH/LPOP.
// Edits inside the list cost what redis's quicklist costs them, not the list's length: LTRIM
// pops what it removes (the capped-list idiom LPUSH + LTRIM 0 N-1 is O(1)), LINSERT and LREM move
// only the shorter side of the ring past the elements they add or remove.

export class Deque {
  private buf: (string | undefined)[]
  private head = 0
  private len = 0
  /** elements moved or dropped by in-list edits (LINSERT, LREM, LTRIM): tests bound one edit's work with it */
  moved = 0

  constructor(capacity = 4) {
    this.buf = new Array(capacity)
  }

  get length(): number {
    return this.len
  }

  private grow(): void {
    const old = this.buf
    const cap = old.length * 2
    const next: (string | undefined)[] = new Array(cap)
    for (let i = 0; i < this.len; i++) next[i] = old[(this.head + i) % old.length]
    this.buf = next
    this.head = 0
  }

  pushBack(v: string): void {
    if (this.len === this.buf.length) this.grow()
    this.buf[(this.head + this.len) % this.buf.length] = v
    this.len++
  }

  pushFront(v: string): void {
    if (this.len === this.buf.length) this.grow()
    this.head = (this.head - 1 + this.buf.length) % this.buf.length
    this.buf[this.head] = v
    this.len++
  }

  popFront(): string | undefined {
    if (this.len === 0) return undefined
    const v = this.buf[this.head]
    this.buf[this.head] = undefined
    this.head = (this.head + 1) % this.buf.length
    this.len--
    return v
  }

  popBack(): string | undefined {
    if (this.len === 0) return undefined
    const i = (this.head + this.len - 1) % this.buf.length
    const v = this.buf[i]
    this.buf[i] = undefined
    this.len--
    return v
  }

  /** 0-based index from the front; caller normalises negative Redis indexes. */
  get(i: number): string | undefined {
    if (i < 0 || i >= this.len) return undefined
    return this.buf[(this.head + i) % this.buf.length]
  }

  set(i: number, v: string): void {
    if (i < 0 || i >= this.len) throw new RangeError('deque index')
    this.buf[(this.head + i) % this.buf.length] = v
  }

  /** Elements [start, stop] inclusive, already clamped by the caller. */
  range(start: number, stop: number): string[] {
    const out: string[] = []
    for (let i = start; i <= stop; i++) out.push(this.buf[(this.head + i) % this.buf.length] as string)
    return out
  }

  toArray(): string[] {
    return this.len === 0 ? [] : this.range(0, this.len - 1)
  }

  /** The first index from the front holding `v`, or -1: O(that index). */
  indexOf(v: string): number {
    const buf = this.buf
    for (let i = 0; i < this.len; i++) if (buf[(this.head + i) % buf.length] === v) return i
    return -1
  }

  /** Insert `v` so that it lands at index i (0..length), moving the shorter side by one. */
  insertAt(i: number, v: string): void {
    if (i < 0 || i > this.len) throw new RangeError('deque index')
    if (this.len === this.buf.length) this.grow()
    const buf = this.buf
    const cap = buf.length
    if (i < this.len - i) {
      // the i elements before the slot move one towards the front
      this.head = (this.head - 1 + cap) % cap
      for (let j = 0; j < i; j++) buf[(this.head + j) % cap] = buf[(this.head + j + 1) % cap]
      this.moved += i
    } else {
      for (let j = this.len; j > i; j--) buf[(this.head + j) % cap] = buf[(this.head + j - 1) % cap]
      this.moved += this.len - i
    }
    buf[(this.head + i) % cap] = v
    this.len++
  }

  /**
   * Remove the elements at `indexes` (ascending, distinct): the survivors on the shorter side of
   * the removed span close the gaps, O(min(length - first, last + 1)).
   */
  removeIndexes(indexes: number[]): void {
    const k = indexes.length
    if (k === 0) return
    const buf = this.buf
    const cap = buf.length
    const first = indexes[0]
    const last = indexes[k - 1]
    const at = (i: number) => (this.head + i) % cap
    if (this.len - first <= last + 1) {
      // survivors from `first` on move towards the front
      let w = first
      let x = 0
      for (let r = first; r < this.len; r++) {
        if (x < k && indexes[x] === r) x++
        else buf[at(w++)] = buf[at(r)]
      }
      for (let r = w; r < this.len; r++) buf[at(r)] = undefined
      this.moved += this.len - first
    } else {
      // survivors up to `last` move towards the back
      let w = last
      let x = k - 1
      for (let r = last; r >= 0; r--) {
        if (x >= 0 && indexes[x] === r) x--
        else buf[at(w--)] = buf[at(r)]
      }
      for (let r = 0; r <= w; r++) buf[at(r)] = undefined
      this.head = at(k)
      this.moved += last + 1
    }
    this.len -= k
    this.shrinkIfSparse()
  }

  /** Keep [start, stop] (inclusive, clamped by the caller), popping what lies outside: O(removed). */
  trim(start: number, stop: number): void {
    const back = this.len - 1 - stop
    for (let i = 0; i < start; i++) this.popFront()
    for (let i = 0; i < back; i++) this.popBack()
    this.moved += start + back
    this.shrinkIfSparse()
  }

  /** A buffer at most a quarter used is halved or more (it was at most half used when it grew): amortised O(1). */
  private shrinkIfSparse(): void {
    const cap = this.buf.length
    if (cap <= 4 || this.len * 4 > cap) return
    this.replaceAll(this.toArray())
  }

  /** Replace the whole content (a list built elsewhere: SORT STORE, a restored list's elements). */
  replaceAll(items: string[]): void {
    let cap = 4
    while (cap < items.length) cap *= 2
    this.buf = new Array(cap)
    for (let i = 0; i < items.length; i++) this.buf[i] = items[i]
    this.head = 0
    this.len = items.length
  }

  *[Symbol.iterator](): IterableIterator<string> {
    for (let i = 0; i < this.len; i++) yield this.buf[(this.head + i) % this.buf.length] as string
  }

  static from(items: Iterable<string>): Deque {
    const d = new Deque()
    for (const v of items) d.pushBack(v)
    return d
  }
}

// List value: a growable ring buffer of latin1 strings. O(1) push/pop at both ends and
// O(1) index access (LINDEX/LSET/LRANGE), which a plain JS array cannot give for LPUSH/LPOP.

export class Deque {
  private buf: (string | undefined)[]
  private head = 0
  private len = 0

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

  /** Replace the whole content (LINSERT/LREM/LTRIM rebuild through this; O(n) like Redis). */
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

// Ordered rows kept in chunks of at most MAX_CHUNK (each chunk a few parallel column arrays), for the
// values whose order redis keeps in a skiplist or a rax: sorted sets (zset.ts) and stream PELs
// (stream.ts IdMap). A search is a binary search over the chunks' last rows, then within one chunk;
// an insert or delete moves at most a chunk's rows (a chunk that outgrows the limit splits in two,
// an emptied one goes, small neighbours merge), where one flat array moved half the value per
// change (a 1,000,000-member sorted set: 275 µs of CPU per new member; deleting a PEL's oldest
// entry: 2 ms at 1,000,000 entries). A rank comes from the chunks' start indexes, recomputed from
// the first chunk that changed only when a rank is asked for.

/** Rows per chunk at most; a chunk that grows past it splits into two halves. */
export const MAX_CHUNK = 1024
/** A chunk that lost rows merges with its next one when it is below this and both fit in half a chunk. */
const MERGE_BELOW = MAX_CHUNK / 8

/** A chunk: one array per column, all of the same length, never empty. */
export type Columns = unknown[][]

export class ChunkList<C extends Columns> {
  protected chunks: C[] = []
  protected n = 0
  /** starts[c]: the rank of chunk c's first row, right for c < startsOk */
  private starts: number[] = []
  private startsOk = 0

  get size(): number {
    return this.n
  }

  /** Chunk c's first rank (c may be the chunk count: the size). */
  protected start(c: number): number {
    const chunks = this.chunks
    if (c >= chunks.length) return this.n
    if (c >= this.startsOk) {
      let i = this.startsOk
      let acc = i === 0 ? 0 : this.starts[i - 1] + chunks[i - 1][0].length
      for (; i <= c; i++) {
        this.starts[i] = acc
        acc += chunks[i][0].length
      }
      this.startsOk = c + 1
    }
    return this.starts[c]
  }

  /** Chunk c changed size, or chunks were added or removed at c: the starts from there on are stale. */
  private stale(c: number): void {
    if (c < this.startsOk) this.startsOk = c
  }

  /** The chunk holding rank i (0 <= i < size) and the row's offset in it. */
  protected find(i: number): [number, number] {
    const last = this.chunks.length - 1
    this.start(last)
    let lo = 0
    let hi = last
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1
      if (this.starts[mid] <= i) lo = mid
      else hi = mid - 1
    }
    return [lo, i - this.starts[lo]]
  }

  /** Column k of the row at rank i; undefined outside 0 <= i < size, as a flat array's. */
  protected cell<K extends number>(i: number, k: K): C[K][number] {
    if (!(i >= 0 && i < this.n)) return undefined as C[K][number]
    const [c, o] = this.find(i)
    return this.chunks[c][k][o] as C[K][number]
  }

  /**
   * The first chunk whose last row is not `before` (true for a prefix of the order), with the
   * first such row's offset in it; [chunk count, 0] when every row is before.
   */
  protected firstNot(before: (chunk: C, row: number) => boolean): [number, number] {
    const chunks = this.chunks
    let lo = 0
    let hi = chunks.length
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      const ch = chunks[mid]
      if (before(ch, ch[0].length - 1)) lo = mid + 1
      else hi = mid
    }
    if (lo === chunks.length) return [lo, 0]
    const ch = chunks[lo]
    let a = 0
    let b = ch[0].length
    while (a < b) {
      const mid = (a + b) >>> 1
      if (before(ch, mid)) a = mid + 1
      else b = mid
    }
    return [lo, a]
  }

  /** The rank of the first row that is not `before`; the size when every row is. */
  protected rankOfFirstNot(before: (chunk: C, row: number) => boolean): number {
    const [c, o] = this.firstNot(before)
    return this.start(c) + o
  }

  /** Inserts `row` (a value per column) where `before` stops being true. */
  protected insertWhere(before: (chunk: C, row: number) => boolean, row: unknown[]): void {
    const [c, o] = this.firstNot(before)
    this.insertAt(c, o, row)
  }

  /** Inserts `row` at the position firstNot found: offset o of chunk c ([chunk count, 0]: at the end). */
  protected insertAt(c: number, o: number, row: unknown[]): void {
    const chunks = this.chunks
    this.n++
    if (chunks.length === 0) {
      chunks.push(row.map((v) => [v]) as C)
      this.stale(0)
      return
    }
    if (c === chunks.length) {
      c-- // after every row: the last chunk's end
      o = chunks[c][0].length
    }
    const ch = chunks[c]
    const end = o === ch[0].length
    for (let k = 0; k < ch.length; k++) {
      if (end) ch[k].push(row[k])
      else ch[k].splice(o, 0, row[k])
    }
    this.stale(c + 1)
    if (ch[0].length > MAX_CHUNK) {
      const half = ch[0].length >>> 1
      chunks.splice(c + 1, 0, ch.map((col) => col.splice(half)) as C)
    }
  }

  /** Removes the row at offset o of chunk c. */
  protected deleteAt(c: number, o: number): void {
    const ch = this.chunks[c]
    for (const col of ch) col.splice(o, 1)
    this.n--
    this.stale(c + 1)
    this.tidy(c)
  }

  /** Removes the rows of ranks [from, from + count), each shown to `gone` (chunk, offset) first. */
  protected deleteRanks(from: number, count: number, gone: (chunk: C, row: number) => void): void {
    if (count <= 0 || from < 0 || from >= this.n) return
    let [c, o] = this.find(from)
    this.stale(c)
    let left = Math.min(count, this.n - from)
    const chunks = this.chunks
    while (left > 0 && c < chunks.length) {
      const ch = chunks[c]
      const k = Math.min(left, ch[0].length - o)
      for (let j = o; j < o + k; j++) gone(ch, j)
      for (const col of ch) col.splice(o, k)
      left -= k
      this.n -= k
      if (ch[0].length === 0) chunks.splice(c, 1)
      else c++
      o = 0
    }
    if (c > 0 && c - 1 < chunks.length) this.tidy(c - 1)
  }

  /** Chunk c lost rows: gone when empty, merged with the next one when both are small. */
  private tidy(c: number): void {
    const chunks = this.chunks
    const ch = chunks[c]
    const len = ch[0].length
    if (len === 0) {
      chunks.splice(c, 1)
      this.stale(c)
    } else if (len < MERGE_BELOW && c + 1 < chunks.length && len + chunks[c + 1][0].length <= MAX_CHUNK / 2) {
      const next = chunks[c + 1]
      for (let k = 0; k < ch.length; k++) for (const v of next[k]) ch[k].push(v)
      chunks.splice(c + 1, 1)
      this.stale(c + 1)
    }
  }

  /** The rows in order from rank `from` on, as [chunk, offset]; the list must not change meanwhile. */
  protected *rows(from = 0): IterableIterator<[C, number]> {
    if (from >= this.n) return
    let [c, o] = from > 0 ? this.find(from) : [0, 0]
    for (const chunks = this.chunks; c < chunks.length; c++, o = 0) {
      const ch = chunks[c]
      for (let i = o; i < ch[0].length; i++) yield [ch, i]
    }
  }
}

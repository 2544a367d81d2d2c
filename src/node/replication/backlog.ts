// The replication backlog (redis replication.c repl_backlog): a fixed-size ring holding the
// last `repl-backlog-size` bytes of the replication stream, addressed by absolute offsets.
// A partial resync (+CONTINUE) is possible when the replica's next wanted offset lies in
// [firstByteOffset, masterReplOffset + 1].

export class Backlog {
  private buf: Buffer
  /** write position in the ring */
  private idx = 0
  /** bytes of history held (<= size) */
  histlen = 0
  /** absolute offset of the first byte held (redis repl_backlog->offset) */
  firstByteOffset: number

  constructor(
    size: number,
    /** master_repl_offset when the backlog is created: the next byte is offset + 1 */
    offset: number,
  ) {
    this.buf = Buffer.allocUnsafe(Math.max(16 * 1024, size))
    this.firstByteOffset = offset + 1
  }

  get size(): number {
    return this.buf.length
  }

  append(data: Buffer): void {
    const size = this.buf.length
    let src = data
    if (src.length > size) src = src.subarray(src.length - size)
    const first = Math.min(src.length, size - this.idx)
    src.copy(this.buf, this.idx, 0, first)
    if (first < src.length) src.copy(this.buf, 0, first)
    this.idx = (this.idx + src.length) % size
    const total = this.histlen + data.length
    if (total > size) {
      this.firstByteOffset += total - size
      this.histlen = size
    } else this.histlen = total
  }

  /** Everything from absolute offset `from` (inclusive) to the end, or null when not held. */
  readFrom(from: number): Buffer[] | null {
    const end = this.firstByteOffset + this.histlen // next offset to be written
    if (from < this.firstByteOffset || from > end) return null
    const len = end - from
    if (len === 0) return []
    const size = this.buf.length
    const start = (this.idx - len + size) % size
    if (start + len <= size) return [Buffer.from(this.buf.subarray(start, start + len))]
    return [Buffer.from(this.buf.subarray(start)), Buffer.from(this.buf.subarray(0, len - (size - start)))]
  }

  /** CONFIG SET repl-backlog-size: keep as much recent history as fits. */
  resize(size: number, masterReplOffset: number): Backlog {
    const next = new Backlog(size, masterReplOffset)
    const keep = Math.min(this.histlen, next.size)
    const chunks = this.readFrom(masterReplOffset + 1 - keep) ?? []
    next.firstByteOffset = masterReplOffset + 1 - keep
    next.histlen = 0
    const start = next.firstByteOffset
    for (const c of chunks) next.append(c)
    next.firstByteOffset = start
    return next
  }
}

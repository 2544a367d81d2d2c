// The replication buffer (redis 7.0 replication.c: server.repl_buffer_blocks and repl_backlog):
// one list of blocks holds the stream once, for the backlog and for every replica. A write is
// copied into the tail block (then into new 16 KiB blocks) and the
// replicas are handed views of those bytes (socket writes and the stream held for a replica
// waiting for its RDB), so no replica copies it again. The backlog is the whole list, addressed by
// absolute offsets: a partial resync (+CONTINUE) is possible when the replica's next wanted offset
// lies in [firstByteOffset, masterReplOffset + 1]. Head blocks are freed once the rest still holds
// `size` bytes and no replica needs them (redis incrementalTrimReplicationBacklog), so while a
// replica lags the history grows beyond repl-backlog-size and serves partial resyncs from there.

/** redis PROTO_REPLY_CHUNK_BYTES: the smallest replication buffer block */
export const REPL_BLOCK = 16 * 1024

interface Block {
  buf: Buffer
  used: number
}

export class Backlog {
  private blocks: Block[] = []
  /** bytes of history held */
  histlen = 0
  /** absolute offset of the first byte held (redis repl_backlog->offset) */
  firstByteOffset: number
  /** bytes allocated for the blocks (redis server.repl_buffer_mem) */
  allocated = 0
  /** repl-backlog-size (at least 16 KiB, as redis enforces) */
  size: number

  constructor(
    size: number,
    /** master_repl_offset when the backlog is created: the next byte is offset + 1 */
    offset: number,
  ) {
    this.size = Math.max(REPL_BLOCK, size)
    this.firstByteOffset = offset + 1
  }

  /** Copy a write into the blocks; returns views of the copy, to hand to the replicas. */
  append(data: Buffer): Buffer[] {
    const views: Buffer[] = []
    let from = 0
    const tail = this.blocks[this.blocks.length - 1]
    if (tail !== undefined && tail.used < tail.buf.length) {
      const n = Math.min(data.length, tail.buf.length - tail.used)
      data.copy(tail.buf, tail.used, 0, n)
      views.push(tail.buf.subarray(tail.used, tail.used + n))
      tail.used += n
      from = n
    }
    // The node hands over a whole event-loop turn of writes at once: 16 KiB blocks, as redis has
    // for its (smaller) per-command feeds, so the history can be trimmed block by block.
    while (from < data.length) {
      const n = Math.min(REPL_BLOCK, data.length - from)
      const block: Block = {buf: Buffer.allocUnsafe(REPL_BLOCK), used: n}
      data.copy(block.buf, 0, from, from + n)
      views.push(block.buf.subarray(0, n))
      this.blocks.push(block)
      this.allocated += REPL_BLOCK
      from += n
    }
    this.histlen += data.length
    return views
  }

  /**
   * Free head blocks while what remains still holds `size` bytes and no replica needs them
   * (`keepFrom`: the lowest offset a replica has not yet had sent off).
   */
  trim(keepFrom: number): void {
    let i = 0
    while (i < this.blocks.length) {
      const head = this.blocks[i]
      if (this.histlen - head.used <= this.size) break
      if (this.firstByteOffset + head.used > keepFrom) break
      this.histlen -= head.used
      this.firstByteOffset += head.used
      this.allocated -= head.buf.length
      i++
    }
    if (i !== 0) this.blocks.splice(0, i)
  }

  /** Everything from absolute offset `from` (inclusive) to the end (views), or null when not held. */
  readFrom(from: number): Buffer[] | null {
    const end = this.firstByteOffset + this.histlen // next offset to be written
    if (from < this.firstByteOffset || from > end) return null
    const out: Buffer[] = []
    let skip = from - this.firstByteOffset
    for (const b of this.blocks) {
      if (skip >= b.used) {
        skip -= b.used
        continue
      }
      out.push(b.buf.subarray(skip, b.used))
      skip = 0
    }
    return out
  }
}

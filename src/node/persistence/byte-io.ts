// Bounds-checked byte reader and growable writer shared by the RDB codec.
// Why a reader that checks every access: payloads come from the network (RESTORE,
// replication); every length is validated against the bytes left before anything is
// allocated, so corrupt input fails with RdbFormatError instead of OOM (reliability §21).

import {RdbFormatError} from './rdb-value.js'

export class ByteReader {
  pos: number
  constructor(
    readonly buf: Buffer,
    start = 0,
    readonly end = buf.length,
  ) {
    this.pos = start
  }

  get remaining(): number {
    return this.end - this.pos
  }

  need(n: number): void {
    if (n > this.end - this.pos) throw new RdbFormatError(`truncated: need ${n} bytes, have ${this.end - this.pos}`)
  }

  /**
   * A claimed size (element count, compressed length) cannot exceed the bytes left. A
   * streaming reader overrides this (and need/u8) to ask for more input instead.
   */
  bound(n: number, what: string): void {
    if (n > this.end - this.pos) throw new RdbFormatError(what)
  }

  u8(): number {
    if (this.pos >= this.end) throw new RdbFormatError('truncated: need 1 byte')
    return this.buf[this.pos++]
  }

  u16le(): number {
    this.need(2)
    const v = this.buf.readUInt16LE(this.pos)
    this.pos += 2
    return v
  }

  u32le(): number {
    this.need(4)
    const v = this.buf.readUInt32LE(this.pos)
    this.pos += 4
    return v
  }

  u32be(): number {
    this.need(4)
    const v = this.buf.readUInt32BE(this.pos)
    this.pos += 4
    return v
  }

  /** 64-bit big-endian length; anything beyond 2^53 cannot fit in a buffer anyway. */
  u64beLength(): number {
    const hi = this.u32be()
    const lo = this.u32be()
    if (hi > 0x1fffff) throw new RdbFormatError('length out of range')
    return hi * 0x100000000 + lo
  }

  i64le(): bigint {
    this.need(8)
    const v = this.buf.readBigInt64LE(this.pos)
    this.pos += 8
    return v
  }

  f64le(): number {
    this.need(8)
    const v = this.buf.readDoubleLE(this.pos)
    this.pos += 8
    return v
  }

  latin1(n: number): string {
    this.need(n)
    const s = this.buf.toString('latin1', this.pos, this.pos + n)
    this.pos += n
    return s
  }

  /** A view (no copy) of the next n bytes. */
  view(n: number): Buffer {
    this.need(n)
    const b = this.buf.subarray(this.pos, this.pos + n)
    this.pos += n
    return b
  }
}

export class ByteWriter {
  buf: Buffer
  pos = 0

  constructor(initial = 256) {
    this.buf = Buffer.allocUnsafe(initial)
  }

  ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return
    let size = this.buf.length * 2
    while (size < this.pos + n) size *= 2
    const nb = Buffer.allocUnsafe(size)
    this.buf.copy(nb, 0, 0, this.pos)
    this.buf = nb
  }

  u8(v: number): void {
    this.ensure(1)
    this.buf[this.pos++] = v
  }

  u16le(v: number): void {
    this.ensure(2)
    this.buf.writeUInt16LE(v, this.pos)
    this.pos += 2
  }

  u32le(v: number): void {
    this.ensure(4)
    this.buf.writeUInt32LE(v, this.pos)
    this.pos += 4
  }

  u32be(v: number): void {
    this.ensure(4)
    this.buf.writeUInt32BE(v, this.pos)
    this.pos += 4
  }

  i64le(v: bigint): void {
    this.ensure(8)
    this.buf.writeBigInt64LE(v, this.pos)
    this.pos += 8
  }

  f64le(v: number): void {
    this.ensure(8)
    this.buf.writeDoubleLE(v, this.pos)
    this.pos += 8
  }

  latin1(s: string): void {
    this.ensure(s.length)
    this.pos += this.buf.write(s, this.pos, s.length, 'latin1')
  }

  bytes(b: Uint8Array): void {
    this.ensure(b.length)
    this.buf.set(b, this.pos)
    this.pos += b.length
  }

  /** A copy of what was written, sized exactly. */
  take(): Buffer {
    return Buffer.from(this.buf.subarray(0, this.pos))
  }

  /** A view of what was written (valid until the next write). */
  view(): Buffer {
    return this.buf.subarray(0, this.pos)
  }
}

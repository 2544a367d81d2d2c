// RDB primitives (redis src/rdb.c): length encoding (6/14/32/64-bit), string encodings
// (raw, int8/16/32, LZF) and score formats. Every read is bounds-checked by ByteReader.

import {formatG17} from '../../resp/writer.js'
import {ByteReader, ByteWriter} from './byte-io.js'
import {canonicalInt} from './listpack.js'
import {lzfCompress, lzfDecompress} from './lzf.js'
import {RdbFormatError} from './rdb-value.js'

/** Redis 7.0 defaults (redis.conf) that decide when a compact encoding is worth it. */
export const LIMITS = {
  setMaxIntsetEntries: 512,
  hashMaxListpackEntries: 512,
  hashMaxListpackValue: 64,
  zsetMaxListpackEntries: 128,
  zsetMaxListpackValue: 64,
  /** list-max-listpack-size: < 0 a node byte limit (-1 4 KiB .. -5 64 KiB), > 0 an entry count. */
  listMaxListpackSize: -2,
  listCompressDepth: 0,
  /** DEBUG QUICKLIST-PACKED-THRESHOLD: elements at least this long get a plain node of their own. */
  quicklistPackedThreshold: 1 << 30,
  /** proto-max-bulk-len: no string in a payload may claim more. */
  maxStringBytes: 512 * 1024 * 1024,
}

// ---------------------------------------------------------------- lengths and strings

export function writeLength(w: ByteWriter, n: number): void {
  if (n < 64) {
    w.u8(n)
  } else if (n < 16384) {
    w.u8(0x40 | (n >> 8))
    w.u8(n & 0xff)
  } else if (n <= 0xffffffff) {
    w.u8(0x80)
    w.u32be(n)
  } else {
    w.u8(0x81)
    w.u32be(Math.floor(n / 0x100000000))
    w.u32be(n >>> 0)
  }
}

export function readLength(r: ByteReader): number {
  const b = r.u8()
  switch (b >> 6) {
    case 0:
      return b & 0x3f
    case 1:
      return ((b & 0x3f) << 8) | r.u8()
    case 2:
      if (b === 0x80) return r.u32be()
      if (b === 0x81) return r.u64beLength()
      break
  }
  throw new RdbFormatError(`invalid length byte 0x${b.toString(16)}`)
}

/** A count of elements that each take at least one byte: bounded by the bytes left. */
export function readCount(r: ByteReader): number {
  const n = readLength(r)
  r.bound(n, 'element count exceeds payload')
  return n
}

/** rdbSaveRawString: int-encode canonical int32s (rdbTryIntegerEncoding), else LZF or raw. */
export function writeString(w: ByteWriter, s: string, compress = true): void {
  const n = s.length
  if (n <= 11 && n > 0) {
    const iv = canonicalInt(s)
    if (typeof iv === 'number' && iv >= -2147483648 && iv <= 2147483647) {
      if (iv >= -128 && iv <= 127) {
        w.u8(0xc0)
        w.ensure(1)
        w.buf.writeInt8(iv, w.pos++)
      } else if (iv >= -32768 && iv <= 32767) {
        w.u8(0xc1)
        w.ensure(2)
        w.buf.writeInt16LE(iv, w.pos)
        w.pos += 2
      } else {
        w.u8(0xc2)
        w.ensure(4)
        w.buf.writeInt32LE(iv, w.pos)
        w.pos += 4
      }
      return
    }
  }
  const start = w.pos
  writeLength(w, n)
  const dataStart = w.pos
  w.latin1(s)
  if (compress && n > 20) maybeCompress(w, start, dataStart, n)
}

/** A binary blob (listpack, intset...) as an RDB string. */
export function writeBlob(w: ByteWriter, b: Uint8Array, compress = true): void {
  const start = w.pos
  writeLength(w, b.length)
  const dataStart = w.pos
  w.bytes(b)
  if (compress && b.length > 20) maybeCompress(w, start, dataStart, b.length)
}

function maybeCompress(w: ByteWriter, start: number, dataStart: number, n: number): void {
  const c = lzfCompress(w.buf.subarray(dataStart, dataStart + n), n - 4)
  if (c === null) return
  w.pos = start
  w.u8(0xc3)
  writeLength(w, c.length)
  writeLength(w, n)
  w.bytes(c)
}

export function readString(r: ByteReader): string {
  const b = r.buf[r.pos]
  if (r.pos < r.end && b >> 6 === 3) {
    r.pos++
    switch (b & 0x3f) {
      case 0:
        r.need(1)
        return String(r.buf.readInt8(r.pos++))
      case 1: {
        r.need(2)
        const v = r.buf.readInt16LE(r.pos)
        r.pos += 2
        return String(v)
      }
      case 2: {
        r.need(4)
        const v = r.buf.readInt32LE(r.pos)
        r.pos += 4
        return String(v)
      }
      case 3:
        return readLzf(r).toString('latin1')
    }
    throw new RdbFormatError(`invalid string encoding 0x${b.toString(16)}`)
  }
  const len = readLength(r)
  if (len > LIMITS.maxStringBytes) throw new RdbFormatError('string too long')
  return r.latin1(len)
}

/** An RDB string as bytes (a view when stored raw), for embedded listpacks and friends. */
export function readBlob(r: ByteReader): Buffer {
  const b = r.buf[r.pos]
  if (r.pos < r.end && b === 0xc3) {
    r.pos++
    return readLzf(r)
  }
  if (r.pos < r.end && b >> 6 === 3) return Buffer.from(readString(r), 'latin1')
  return r.view(readLength(r))
}

function readLzf(r: ByteReader): Buffer {
  const clen = readLength(r)
  const ulen = readLength(r)
  r.bound(clen, 'LZF data exceeds payload')
  if (ulen > LIMITS.maxStringBytes) throw new RdbFormatError('string too long')
  return lzfDecompress(r.view(clen), ulen)
}

// ---------------------------------------------------------------- scores

/**
 * redis 7.0 util.c d2string, used for scores inside zset listpacks: integers within
 * ±2^52 as integers, "inf"/"-inf"/"-0", everything else as printf("%.17g").
 */
export function scoreToString(x: number): string {
  if (x === Infinity) return 'inf'
  if (x === -Infinity) return '-inf'
  if (Number.isInteger(x) && x > -4503599627370495 && x < 4503599627370496 && !Object.is(x, -0)) return String(x)
  return formatG17(x)
}

/** strtod-like parse of a stored score; NaN is corrupt data (rdb.c "Zset with NAN score"). */
export function parseScore(s: string): number {
  let v: number
  const t = s.length <= 9 ? s.toLowerCase() : ''
  if (t === 'inf' || t === '+inf' || t === 'infinity' || t === '+infinity') v = Infinity
  else if (t === '-inf' || t === '-infinity') v = -Infinity
  else v = s.length === 0 || s.trim() !== s ? NaN : Number(s)
  if (Number.isNaN(v)) throw new RdbFormatError('invalid zset score')
  return v
}

export function readDoubleString(r: ByteReader): number {
  const len = r.u8()
  if (len === 253) throw new RdbFormatError('zset score is NaN')
  if (len === 254) return Infinity
  if (len === 255) return -Infinity
  return parseScore(r.latin1(len))
}

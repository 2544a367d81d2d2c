// Strict decoders for the compact encodings Redis 7.0 still loads but no longer writes
// (ziplist, zipmap) and for intset, which it does write. Each validates the whole blob
// the way redis's *ValidateIntegrity(deep=1) does: header sizes, entry bounds, prevlen
// chains, terminators, counts, and intset ordering.

import {RdbFormatError} from './rdb-value.js'

function bad(what: string, why: string): never {
  throw new RdbFormatError(`${what}: ${why}`)
}

// Layout (ziplist.c): <zlbytes u32le> <zltail u32le> <zllen u16le> <entry>* <0xFF>;
// entry = <prevlen: 1 byte < 254, or 0xFE + u32le> <encoding> <data>.
export function decodeZiplist(buf: Buffer): string[] {
  if (buf.length < 11) bad('ziplist', 'too short')
  if (buf.readUInt32LE(0) !== buf.length) bad('ziplist', 'header size mismatch')
  const tail = buf.readUInt32LE(4)
  const declared = buf.readUInt16LE(8)
  const end = buf.length - 1
  if (buf[end] !== 0xff) bad('ziplist', 'missing terminator')
  const out: string[] = []
  let p = 10
  let prevLen = 0
  let lastStart = 10
  while (p < end) {
    const start = p
    let prev = buf[p]
    if (prev === 0xfe) {
      if (p + 5 > end) bad('ziplist', 'prevlen overruns')
      prev = buf.readUInt32LE(p + 1)
      p += 5
    } else if (prev === 0xff) {
      bad('ziplist', 'early terminator')
    } else {
      p += 1
    }
    if (prev !== prevLen) bad('ziplist', 'prevlen mismatch')
    if (p >= end) bad('ziplist', 'entry overruns')
    const enc = buf[p]
    let v: string
    const kind = enc >> 6
    if (kind < 3) {
      let len: number
      if (kind === 0) {
        len = enc & 0x3f
        p += 1
      } else if (kind === 1) {
        if (p + 2 > end) bad('ziplist', 'length overruns')
        len = ((enc & 0x3f) << 8) | buf[p + 1]
        p += 2
      } else {
        if (p + 5 > end) bad('ziplist', 'length overruns')
        len = buf.readUInt32BE(p + 1)
        p += 5
      }
      if (len > end - p) bad('ziplist', 'string overruns')
      v = buf.toString('latin1', p, p + len)
      p += len
    } else {
      let size: number
      if (enc === 0xc0) size = 2
      else if (enc === 0xd0) size = 4
      else if (enc === 0xe0) size = 8
      else if (enc === 0xf0) size = 3
      else if (enc === 0xfe) size = 1
      else if (enc >= 0xf1 && enc <= 0xfd) size = 0
      else bad('ziplist', `invalid encoding 0x${enc.toString(16)}`)
      if (p + 1 + size > end) bad('ziplist', 'int overruns')
      if (size === 0) v = String((enc & 0x0f) - 1)
      else if (size === 8) v = String(buf.readBigInt64LE(p + 1))
      else v = String(buf.readIntLE(p + 1, size))
      p += 1 + size
    }
    prevLen = p - start
    lastStart = start
    out.push(v)
  }
  if (tail !== lastStart) bad('ziplist', 'tail offset mismatch')
  if (declared !== 65535 && declared !== out.length) bad('ziplist', 'element count mismatch')
  return out
}

// Layout (zipmap.c): <zmlen u8> (<len> key <len> <free u8> value <free bytes>)* <0xFF>;
// len = 1 byte < 254, or 254 + u32 (host order, little endian on every Redis we meet).
export function decodeZipmap(buf: Buffer): string[] {
  if (buf.length < 2) bad('zipmap', 'too short')
  const out: string[] = []
  let p = 1
  const readLen = (): number => {
    if (p >= buf.length) bad('zipmap', 'truncated')
    const b = buf[p]
    if (b < 254) {
      p += 1
      return b
    }
    if (b === 255) bad('zipmap', 'unexpected end marker')
    if (p + 5 > buf.length) bad('zipmap', 'truncated')
    const len = buf.readUInt32LE(p + 1)
    p += 5
    return len
  }
  for (;;) {
    if (p >= buf.length) bad('zipmap', 'missing terminator')
    if (buf[p] === 0xff) {
      p++
      break
    }
    const klen = readLen()
    if (klen > buf.length - p) bad('zipmap', 'key overruns')
    const key = buf.toString('latin1', p, p + klen)
    p += klen
    const vlen = readLen()
    if (p >= buf.length) bad('zipmap', 'truncated')
    const free = buf[p++]
    if (vlen + free > buf.length - p) bad('zipmap', 'value overruns')
    out.push(key, buf.toString('latin1', p, p + vlen))
    p += vlen + free
  }
  if (p !== buf.length) bad('zipmap', 'trailing bytes')
  // zipmapValidateIntegrity: an empty zipmap is invalid; the count byte must be right unless it is 254 (ZIPMAP_BIGLEN)
  if (out.length === 0) bad('zipmap', 'empty')
  if (buf[0] !== 254 && buf[0] !== out.length / 2) bad('zipmap', 'element count mismatch')
  return out
}

// Layout (intset.c): <encoding u32le: 2|4|8> <length u32le> <sorted unique ints, LE>.
export function decodeIntset(buf: Buffer): string[] {
  if (buf.length < 8) bad('intset', 'too short')
  const enc = buf.readUInt32LE(0)
  const len = buf.readUInt32LE(4)
  if (enc !== 2 && enc !== 4 && enc !== 8) bad('intset', 'invalid encoding')
  if ((buf.length - 8) / enc !== len) bad('intset', 'size mismatch')
  if (len === 0) bad('intset', 'empty')
  const out: string[] = new Array(len)
  let prev: bigint | number = 0
  for (let i = 0, p = 8; i < len; i++, p += enc) {
    const v: bigint | number = enc === 8 ? buf.readBigInt64LE(p) : buf.readIntLE(p, enc)
    if (i > 0 && v <= prev) bad('intset', 'not sorted or duplicate')
    prev = v
    out[i] = String(v)
  }
  return out
}

/** intset.c's encoding for these integers (canonical integer strings read as numbers): 2, 4 or 8 bytes, at least `minWidth`. */
export function intsetWidthOf(values: Iterable<number | bigint | string>, minWidth = 2): number {
  let enc = minWidth
  for (const x of values) {
    const v = typeof x === 'string' ? Number(x) : x
    if (v < -2147483648 || v > 2147483647) return 8
    if (enc < 4 && (v < -32768 || v > 32767)) enc = 4
  }
  return enc
}

/** Builds an intset from canonical integers (already validated); throws on duplicates. */
export function encodeIntset(values: (number | bigint)[], minWidth = 2): Buffer {
  const sorted = values.slice().sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
  const enc = intsetWidthOf(sorted, minWidth)
  const out = Buffer.allocUnsafe(8 + sorted.length * enc)
  out.writeUInt32LE(enc, 0)
  out.writeUInt32LE(sorted.length, 4)
  for (let i = 0, p = 8; i < sorted.length; i++, p += enc) {
    const v = sorted[i]
    if (i > 0 && v === sorted[i - 1]) throw new RdbFormatError('duplicate set member')
    if (enc === 8) out.writeBigInt64LE(BigInt(v), p)
    else out.writeIntLE(Number(v), p, enc)
  }
  return out
}

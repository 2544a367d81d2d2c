// Listpack (redis src/listpack.c) encoder and strict decoder, plus Redis's canonical
// integer test (util.c string2ll) that decides when a string is stored as an integer.
// Layout: <total-bytes u32le> <num-elements u16le, 65535 = unknown> <entry>* <0xFF>;
// entry = <encoding+data> <backlen: size of encoding+data, 1-5 bytes of 7 bits>.

import {RdbFormatError} from './rdb-value.js'
import {ByteWriter} from './byte-io.js'
import {ServerAssertion} from '../errors.js'

const INT64_MAX = 0x7fffffffffffffffn
const INT64_MIN = -0x8000000000000000n

/**
 * The int64 a string denotes if it is in canonical form ("12", "-3"; not "012", "-0",
 * "+1", " 1"), else null. Numbers beyond 2^53 come back as bigint.
 */
export function canonicalInt(s: string): number | bigint | null {
  const n = s.length
  if (n === 0 || n > 20) return null
  let i = 0
  const neg = s.charCodeAt(0) === 45
  if (neg) {
    if (n === 1) return null
    i = 1
  }
  const c0 = s.charCodeAt(i)
  if (c0 === 48) return n === 1 ? 0 : null
  if (c0 < 49 || c0 > 57) return null
  let v = 0
  for (; i < n; i++) {
    const c = s.charCodeAt(i)
    if (c < 48 || c > 57) return null
    v = v * 10 + (c - 48)
  }
  if (n - (neg ? 1 : 0) <= 15) return neg ? -v : v
  const b = BigInt(s)
  if (b > INT64_MAX || b < INT64_MIN) return null
  return Number.isSafeInteger(Number(b)) && BigInt(Number(b)) === b ? Number(b) : b
}

function backlenSize(l: number): number {
  return l <= 127 ? 1 : l < 16383 ? 2 : l < 2097151 ? 3 : l < 268435455 ? 4 : 5
}

function writeBacklen(w: ByteWriter, l: number): void {
  const size = backlenSize(l)
  w.ensure(size)
  const b = w.buf
  let p = w.pos
  // Most significant 7-bit group first; all but the first byte carry the 0x80 flag.
  for (let k = size - 1; k >= 0; k--) {
    const group = Math.floor(l / 2 ** (7 * k)) & 127
    b[p++] = k === size - 1 ? group : group | 128
  }
  w.pos = p
}

/** Bytes an element occupies in a listpack (encoding + data + backlen). */
export function listpackEntrySize(s: string): number {
  const iv = s.length <= 20 ? canonicalInt(s) : null
  let l: number
  if (iv !== null) l = intEncodedSize(iv)
  else l = s.length < 64 ? 1 + s.length : s.length < 4096 ? 2 + s.length : 5 + s.length
  return l + backlenSize(l)
}

function intEncodedSize(v: number | bigint): number {
  if (typeof v === 'bigint') return 9
  if (v >= 0 && v <= 127) return 1
  if (v >= -4096 && v <= 4095) return 2
  if (v >= -32768 && v <= 32767) return 3
  if (v >= -8388608 && v <= 8388607) return 4
  if (v >= -2147483648 && v <= 2147483647) return 5
  return 9
}

/** Builds one listpack; strings in canonical integer form are stored as integers, as Redis does. */
export class ListpackBuilder {
  private readonly w: ByteWriter
  private count = 0

  constructor(sizeHint = 64) {
    this.w = new ByteWriter(sizeHint + 7)
    this.w.pos = 6
  }

  get bytes(): number {
    return this.w.pos + 1
  }

  get length(): number {
    return this.count
  }

  add(s: string): void {
    const iv = s.length <= 20 ? canonicalInt(s) : null
    if (iv !== null) this.addInt(iv)
    else this.addString(s)
  }

  addString(s: string): void {
    const w = this.w
    const n = s.length
    let l: number
    if (n < 64) {
      w.u8(0x80 | n)
      l = 1 + n
    } else if (n < 4096) {
      w.u8(0xe0 | (n >> 8))
      w.u8(n & 0xff)
      l = 2 + n
    } else {
      w.u8(0xf0)
      w.u32le(n)
      l = 5 + n
    }
    w.latin1(s)
    writeBacklen(w, l)
    this.count++
  }

  addInt(v: number | bigint): void {
    const w = this.w
    const l = intEncodedSize(v)
    if (typeof v === 'bigint' || l === 9) {
      w.u8(0xf4)
      w.i64le(BigInt(v))
    } else if (l === 1) {
      w.u8(v)
    } else if (l === 2) {
      const u = v < 0 ? v + 8192 : v
      w.u8(0xc0 | (u >> 8))
      w.u8(u & 0xff)
    } else {
      w.ensure(l)
      w.buf[w.pos] = l === 3 ? 0xf1 : l === 4 ? 0xf2 : 0xf3
      w.buf.writeIntLE(v, w.pos + 1, l - 1)
      w.pos += l
    }
    writeBacklen(w, l)
    this.count++
  }

  finish(): Buffer {
    this.w.u8(0xff)
    const b = this.w.take()
    b.writeUInt32LE(b.length, 0)
    b.writeUInt16LE(Math.min(this.count, 65535), 4)
    return b
  }
}

function bad(why: string): never {
  throw new RdbFormatError(`listpack: ${why}`)
}

/**
 * Decodes a whole listpack blob into its elements (integers as decimal strings); `out` receives
 * them as they are read, so a caller sees the elements before a failure.
 */
export function decodeListpack(buf: Buffer, out: string[] = []): string[] {
  if (buf.length < 7) bad('too short')
  const total = buf.readUInt32LE(0)
  if (total !== buf.length) bad('header size mismatch')
  const declared = buf.readUInt16LE(4)
  const end = total - 1 // the 0xFF terminator
  if (buf[end] !== 0xff) bad('missing terminator')
  let p = 6
  while (p < end) {
    const start = p
    p = readEntry(buf, p, end, out)
    try {
      p = checkBacklen(buf, p, p - start, end)
    } catch (e) {
      out.pop() // a caller sees only the elements read whole before the failure
      throw e
    }
  }
  if (declared !== 65535 && declared !== out.length) bad('element count mismatch')
  return out
}

/** Reads the element (encoding + data) at p into out; returns the offset of its back-length. */
function readEntry(buf: Buffer, p: number, end: number, out: string[]): number {
  const b = buf[p]
  let v: string
  if (b < 0x80) {
    v = String(b)
    p += 1
  } else if ((b & 0xc0) === 0x80) {
    const len = b & 0x3f
    if (p + 1 + len > end) bad('string overruns')
    v = buf.toString('latin1', p + 1, p + 1 + len)
    p += 1 + len
  } else if ((b & 0xe0) === 0xc0) {
    if (p + 2 > end) bad('int overruns')
    let n = ((b & 0x1f) << 8) | buf[p + 1]
    if (n >= 4096) n -= 8192
    v = String(n)
    p += 2
  } else if ((b & 0xf0) === 0xe0) {
    if (p + 2 > end) bad('length overruns')
    const len = ((b & 0x0f) << 8) | buf[p + 1]
    if (p + 2 + len > end) bad('string overruns')
    v = buf.toString('latin1', p + 2, p + 2 + len)
    p += 2 + len
  } else if (b === 0xf0) {
    if (p + 5 > end) bad('length overruns')
    const len = buf.readUInt32LE(p + 1)
    if (len > end - p - 5) bad('string overruns')
    v = buf.toString('latin1', p + 5, p + 5 + len)
    p += 5 + len
  } else if (b >= 0xf1 && b <= 0xf4) {
    const size = b === 0xf1 ? 2 : b === 0xf2 ? 3 : b === 0xf3 ? 4 : 8
    if (p + 1 + size > end) bad('int overruns')
    v = size === 8 ? String(buf.readBigInt64LE(p + 1)) : String(buf.readIntLE(p + 1, size))
    p += 1 + size
  } else {
    bad(`invalid encoding byte 0x${b.toString(16)}`)
  }
  out.push(v)
  return p
}

/**
 * Redis's own walk over a listpack that only passed the header check (lpFirst, then lpNext until
 * the terminator): each entry is checked by lpAssertValidEntry before it is read, so the walk stops
 * at the first malformed entry with the assertion Redis fails there (listpack.c lpAssertValidEntry).
 * The header's element count is not checked, as Redis does not check it. Returns the elements.
 */
export function walkListpack(buf: Buffer): string[] {
  const out: string[] = []
  const end = buf.length - 1
  for (let p = 6; buf[p] !== 0xff; ) {
    assertValidEntry(buf, p)
    const data = readEntry(buf, p, end, out)
    p = data + backlenSize(data - p)
  }
  return out
}

/** lpAssertValidEntry: the entry at p (or the terminator) is inside the listpack and well formed, or Redis's assertion fails. */
export function assertValidEntry(buf: Buffer, p: number): void {
  const inside = p >= 6 && p <= buf.length - 1
  if (!inside || (buf[p] !== 0xff && !listpackEntryValid(buf, p))) throw new ServerAssertion('persistence/listpack.ts', 'lpValidateNext(lp, &p, lpbytes)')
}

/** lpLength: the header's count, or (65535, unknown) the entries counted by a walk. */
export function listpackLength(buf: Buffer): number {
  const n = buf.readUInt16LE(4)
  return n !== 65535 ? n : walkListpack(buf).length
}

function checkBacklen(buf: Buffer, p: number, l: number, end: number): number {
  const size = backlenSize(l)
  if (p + size > end) bad('backlen overruns')
  for (let k = size - 1, q = p; k >= 0; k--, q++) {
    const group = Math.floor(l / 2 ** (7 * k)) & 127
    if (buf[q] !== (k === size - 1 ? group : group | 128)) bad('bad backlen')
  }
  return p + size
}

/** lpValidateIntegrity(deep=0): the header's size is the blob's and the last byte is the terminator. */
export function listpackHeaderValid(buf: Buffer): boolean {
  return buf.length >= 7 && buf.readUInt32LE(0) === buf.length && buf[buf.length - 1] === 0xff
}

/**
 * lpValidateNext for the entry at p (not the terminator): its encoding is known, and its length
 * header, data and back-length stay before the terminator and agree with each other.
 */
export function listpackEntryValid(buf: Buffer, p: number): boolean {
  const end = buf.length - 1
  const b = buf[p]
  let lenBytes: number
  let len: number
  if (b < 0x80) (lenBytes = 1), (len = 1)
  else if ((b & 0xc0) === 0x80) (lenBytes = 1), (len = 1 + (b & 0x3f))
  else if ((b & 0xe0) === 0xc0) (lenBytes = 2), (len = 2)
  else if ((b & 0xf0) === 0xe0) {
    lenBytes = 2
    if (p + lenBytes > end) return false
    len = 2 + (((b & 0x0f) << 8) | buf[p + 1])
  } else if (b === 0xf0) {
    lenBytes = 5
    if (p + lenBytes > end) return false
    len = 5 + buf.readUInt32LE(p + 1)
  } else if (b >= 0xf1 && b <= 0xf4) (lenBytes = 1), (len = b === 0xf1 ? 3 : b === 0xf2 ? 4 : b === 0xf3 ? 5 : 9)
  else return false
  if (p + lenBytes > end) return false
  const size = backlenSize(len)
  if (p + len + size > end) return false
  for (let k = size - 1, q = p + len; k >= 0; k--, q++) {
    const group = Math.floor(len / 2 ** (7 * k)) & 127
    if (buf[q] !== (k === size - 1 ? group : group | 128)) return false
  }
  return true
}

// ---- Redis's listpack navigation over an unsanitized listpack (listpack.c lpFirst, lpNext,
// lpPrev, lpLast, lpGet), for code that must walk one exactly as Redis does: positions are byte
// offsets, -1 is NULL, and every step asserts where Redis's does.

/** lpCurrentEncodedSizeUnsafe + its back-length: the bytes of the (validated) entry at p. */
function entryBytes(buf: Buffer, p: number): number {
  const b = buf[p]
  let len: number
  if (b < 0x80) len = 1
  else if ((b & 0xc0) === 0x80) len = 1 + (b & 0x3f)
  else if ((b & 0xe0) === 0xc0) len = 2
  else if ((b & 0xf0) === 0xe0) len = 2 + (((b & 0x0f) << 8) | buf[p + 1])
  else if (b === 0xf0) len = 5 + buf.readUInt32LE(p + 1)
  else len = b === 0xf1 ? 3 : b === 0xf2 ? 4 : b === 0xf3 ? 5 : 9
  return len + backlenSize(len)
}

export function lpFirst(buf: Buffer): number {
  if (buf[6] === 0xff) return -1
  assertValidEntry(buf, 6)
  return 6
}

export function lpNext(buf: Buffer, p: number): number {
  const q = p + entryBytes(buf, p)
  if (buf[q] === 0xff) return -1
  assertValidEntry(buf, q)
  return q
}

export function lpPrev(buf: Buffer, p: number): number {
  if (p === 6) return -1
  // lpDecodeBacklen from the previous entry's last byte, backwards
  let q = p - 1
  let val = 0
  for (let shift = 0; ; shift += 7, q--) {
    val += (buf[q] & 127) * 2 ** shift
    if (!(buf[q] & 128)) break
    if (shift + 7 > 28) {
      val = Number.MAX_SAFE_INTEGER
      break
    }
  }
  const prev = p - 1 - (val + backlenSize(val) - 1)
  assertValidEntry(buf, prev)
  return prev
}

export function lpLast(buf: Buffer): number {
  return lpPrev(buf, buf.length - 1)
}

/** lpGet: the element at p as a string (an integer as its decimal form), and whether it was stored as an integer. */
export function lpGet(buf: Buffer, p: number): {value: string; int: boolean} {
  const out: string[] = []
  readEntry(buf, p, buf.length - 1, out)
  const b = buf[p]
  return {value: out[0], int: b < 0x80 || (b & 0xe0) === 0xc0 || (b >= 0xf1 && b <= 0xf4)}
}

// HyperLogLog values (redis 7.0 hyperloglog.c layout, byte for byte): a string holding a 16-byte
// header ("HYLL", encoding 0 dense / 1 sparse, 3 unused bytes, 8-byte little-endian cached
// cardinality whose top bit marks it stale) followed by either 16384 6-bit registers packed LSB
// first (dense, 12304 bytes in all) or the sparse opcodes ZERO 00xxxxxx, XZERO 01xxxxxx yyyyyyyy,
// VAL 1vvvvvxx. Elements hash with MurmurHash64A (seed 0xadc83b19), computed on 32-bit halves so
// no BigInt sits on the PFADD path. The register edits follow redis's algorithm step by step
// (split, then merge adjacent VALs within 5 opcodes of the change) so the sparse bytes match.

import {grownSds} from './sds.js'

export const HLL_P = 14
export const HLL_REGISTERS = 1 << HLL_P
const HLL_Q = 64 - HLL_P
const HLL_BITS = 6
const REG_MAX = (1 << HLL_BITS) - 1
export const HDR = 16
export const DENSE_SIZE = HDR + Math.floor((HLL_REGISTERS * HLL_BITS + 7) / 8)
export const DENSE = 0
export const SPARSE = 1
const VAL_MAX_VALUE = 32
const VAL_MAX_LEN = 4
const ZERO_MAX_LEN = 64
const XZERO_MAX_LEN = 16384
const ALPHA_INF = 0.721347520444481703680

export const INVALID_HLL = 'INVALIDOBJ Corrupted HLL object detected'
export const NOT_HLL = 'WRONGTYPE Key is not a valid HyperLogLog string value.'

// ---- MurmurHash64A on 32-bit halves ----------------------------------------------------------

let H = 0
let L = 0
/** (ah:al) * (bh:bl) mod 2^64 into H:L. */
function mul64(ah: number, al: number, bh: number, bl: number): void {
  // 16-bit limbs keep every partial product exact in a double; the carries are small integers.
  const a0 = al & 0xffff
  const a1 = al >>> 16
  const b0 = bl & 0xffff
  const b1 = bl >>> 16
  const p00 = a0 * b0
  const mid = a0 * b1 + a1 * b0
  const lo = p00 + (mid & 0xffff) * 65536
  const carry = (lo / 4294967296) | 0
  L = lo >>> 0
  H = (a1 * b1 + ((mid / 65536) | 0) + carry + Math.imul(ah, bl) + Math.imul(al, bh)) >>> 0
}

const MH = 0xc6a4a793
const ML = 0x5bd1e995

/** MurmurHash64A(bytes[0..len), seed 0xadc83b19) into H:L. */
function murmur64a(b: Uint8Array, len: number): void {
  mul64(0, len, MH, ML)
  let hh = H
  let hl = (L ^ 0xadc83b19) >>> 0
  const end = len - (len & 7)
  let i = 0
  for (; i < end; i += 8) {
    const kl = (b[i] | (b[i + 1] << 8) | (b[i + 2] << 16) | (b[i + 3] << 24)) >>> 0
    const kh = (b[i + 4] | (b[i + 5] << 8) | (b[i + 6] << 16) | (b[i + 7] << 24)) >>> 0
    mul64(kh, kl, MH, ML)
    let kH = H
    let kL = (L ^ (H >>> 15)) >>> 0
    mul64(kH, kL, MH, ML)
    kH = H
    kL = L
    hh = (hh ^ kH) >>> 0
    hl = (hl ^ kL) >>> 0
    mul64(hh, hl, MH, ML)
    hh = H
    hl = L
  }
  const rem = len & 7
  if (rem > 0) {
    if (rem >= 7) hh ^= b[i + 6] << 16
    if (rem >= 6) hh ^= b[i + 5] << 8
    if (rem >= 5) hh ^= b[i + 4]
    if (rem >= 4) hl ^= b[i + 3] << 24
    if (rem >= 3) hl ^= b[i + 2] << 16
    if (rem >= 2) hl ^= b[i + 1] << 8
    hl ^= b[i]
    mul64(hh >>> 0, hl >>> 0, MH, ML)
    hh = H
    hl = L
  }
  hl = (hl ^ (hh >>> 15)) >>> 0
  mul64(hh, hl, MH, ML)
  hh = H
  hl = (L ^ (H >>> 15)) >>> 0
  H = hh
  L = hl
}

let scratch = new Uint8Array(256)
let patIndex = 0
/** redis hllPatLen: register index into patIndex, returns the 000..1 run length (1..51). */
function patLen(b: Uint8Array, len: number): number {
  murmur64a(b, len)
  patIndex = L & (HLL_REGISTERS - 1)
  const lo = L >>> HLL_P
  if (lo !== 0) return 32 - Math.clz32(lo & -lo)
  if (H !== 0) return 32 - HLL_P + 32 - Math.clz32(H & -H)
  return HLL_Q + 1
}

function patLenOfString(s: string): number {
  if (s.length > scratch.length) scratch = new Uint8Array(s.length * 2)
  for (let i = 0; i < s.length; i++) scratch[i] = s.charCodeAt(i)
  return patLen(scratch, s.length)
}

/** MurmurHash64A of a latin1 string as a BigInt (tests). */
export function murmurHash64A(s: string): bigint {
  if (s.length > scratch.length) scratch = new Uint8Array(s.length * 2)
  for (let i = 0; i < s.length; i++) scratch[i] = s.charCodeAt(i)
  murmur64a(scratch, s.length)
  return (BigInt(H) << 32n) | BigInt(L)
}

// ---- the value --------------------------------------------------------------------------------

/** A mutable HLL: bytes[0..len) is exactly the string redis stores. */
export class Hll {
  /** The value's sds (sds.ts): undefined while it is one made to its length (MEMORY USAGE). */
  sds: number | undefined = undefined

  constructor(
    public bytes: Uint8Array,
    public len: number,
  ) {}

  static empty(): Hll {
    const len = HDR + Math.ceil(HLL_REGISTERS / XZERO_MAX_LEN) * 2
    const b = new Uint8Array(len + 8)
    b.set([72, 89, 76, 76, SPARSE])
    let p = HDR
    for (let aux = HLL_REGISTERS; aux > 0; ) {
      const x = Math.min(aux, XZERO_MAX_LEN)
      b[p] = ((x - 1) >> 8) | 0x40
      b[p + 1] = (x - 1) & 0xff
      p += 2
      aux -= x
    }
    return new Hll(b, len)
  }

  static fromString(s: string): Hll {
    const b = new Uint8Array(s.length + 8)
    for (let i = 0; i < s.length; i++) b[i] = s.charCodeAt(i)
    return new Hll(b, s.length)
  }

  /** redis isHLLObjectOrReply, minus the type check. */
  static valid(s: string): boolean {
    if (s.length < HDR) return false
    if (s.charCodeAt(0) !== 72 || s.charCodeAt(1) !== 89 || s.charCodeAt(2) !== 76 || s.charCodeAt(3) !== 76) return false
    const enc = s.charCodeAt(4)
    if (enc > SPARSE) return false
    return enc !== DENSE || s.length === DENSE_SIZE
  }

  toString(): string {
    return Buffer.from(this.bytes.buffer, this.bytes.byteOffset, this.len).toString('latin1')
  }

  get encoding(): number {
    return this.bytes[4]
  }

  invalidateCache(): void {
    this.bytes[15] |= 0x80
  }
  get cacheValid(): boolean {
    return (this.bytes[15] & 0x80) === 0
  }
  get cached(): number {
    let v = 0
    for (let i = 7; i >= 0; i--) v = v * 256 + this.bytes[8 + i]
    return v
  }
  set cached(card: number) {
    let v = card
    for (let i = 0; i < 8; i++) {
      this.bytes[8 + i] = v % 256
      v = Math.floor(v / 256)
    }
  }

  /** Add one element: 1 if a register grew, 0 if not, -1 if the sparse data is corrupt. */
  add(ele: string): number {
    const count = patLenOfString(ele)
    return this.set(patIndex, count)
  }

  set(index: number, count: number): number {
    if (this.bytes[4] === DENSE) return denseSet(this.bytes, HDR, index, count)
    return this.sparseSet(index, count)
  }

  private ensure(extra: number): void {
    if (this.len + extra + 2 <= this.bytes.length) return
    const b = new Uint8Array((this.len + extra) * 2 + 16)
    b.set(this.bytes.subarray(0, this.len))
    this.bytes = b
  }

  /** redis hllSparseToDense; false when the sparse data does not cover exactly 16384 registers. */
  toDense(): boolean {
    if (this.bytes[4] === DENSE) return true
    const d = new Uint8Array(DENSE_SIZE + 1)
    d.set(this.bytes.subarray(0, HDR))
    d[4] = DENSE
    let idx = 0
    const b = this.bytes
    for (let p = HDR; p < this.len; ) {
      const op = b[p]
      if ((op & 0xc0) === 0) {
        idx += (op & 0x3f) + 1
        p++
      } else if ((op & 0xc0) === 0x40) {
        idx += (((op & 0x3f) << 8) | b[p + 1]) + 1
        p += 2
      } else {
        let run = (op & 3) + 1
        const val = ((op >> 2) & 0x1f) + 1
        if (run + idx > HLL_REGISTERS) break
        while (run--) denseWrite(d, HDR, idx++, val)
        p++
      }
    }
    if (idx !== HLL_REGISTERS) return false
    this.bytes = d
    this.len = DENSE_SIZE
    this.sds = undefined // sdsnewlen(NULL, HLL_DENSE_SIZE)
    return true
  }

  /** redis hllSparseSet (including promotion to dense past hll-sparse-max-bytes or value 32). */
  private sparseSet(index: number, count: number): number {
    if (count > VAL_MAX_VALUE) return this.promote(index, count)
    this.sds = grownSds(this.sds, this.len, this.len + 3) // sdsMakeRoomFor(o->ptr, 3)
    this.ensure(3)
    const b = this.bytes
    let end = this.len
    let p = HDR
    let first = 0
    let prev = -1
    let span = 0
    while (p < end) {
      let oplen = 1
      const op = b[p]
      if ((op & 0xc0) === 0) span = (op & 0x3f) + 1
      else if (op & 0x80) span = (op & 3) + 1
      else {
        span = (((op & 0x3f) << 8) | b[p + 1]) + 1
        oplen = 2
      }
      if (index <= first + span - 1) break
      prev = p
      p += oplen
      first += span
    }
    if (span === 0 || p >= end) return -1
    const op = b[p]
    const isZero = (op & 0xc0) === 0
    const isXzero = (op & 0xc0) === 0x40
    const isVal = !isZero && !isXzero
    let next = isXzero ? p + 2 : p + 1
    if (next >= end) next = -1
    const runlen = isZero ? (op & 0x3f) + 1 : isXzero ? (((op & 0x3f) << 8) | b[p + 1]) + 1 : (op & 3) + 1
    updated: {
      if (isVal) {
        const old = ((op >> 2) & 0x1f) + 1
        if (old >= count) return 0
        if (runlen === 1) {
          b[p] = valOp(count, 1)
          break updated
        }
      }
      if (isZero && runlen === 1) {
        b[p] = valOp(count, 1)
        break updated
      }
      const seq: number[] = []
      const last = first + span - 1
      if (isZero || isXzero) {
        if (index !== first) pushZero(seq, index - first)
        seq.push(valOp(count, 1))
        if (index !== last) pushZero(seq, last - index)
      } else {
        const cur = ((op >> 2) & 0x1f) + 1
        if (index !== first) seq.push(valOp(cur, index - first))
        seq.push(valOp(count, 1))
        if (index !== last) seq.push(valOp(cur, last - index))
      }
      const delta = seq.length - (isXzero ? 2 : 1)
      if (delta > 0 && this.len + delta > sparseMaxBytes) return this.promote(index, count)
      if (delta !== 0 && next !== -1) b.copyWithin(next + delta, next, end)
      this.len += delta
      for (let i = 0; i < seq.length; i++) b[p + i] = seq[i]
      end += delta
    }
    // Merge adjacent VAL opcodes with equal values, scanning up to 5 opcodes from prev.
    p = prev !== -1 ? prev : HDR
    let scan = 5
    while (p < end && scan--) {
      const op = b[p]
      if ((op & 0xc0) === 0x40) {
        p += 2
        continue
      }
      if ((op & 0xc0) === 0) {
        p++
        continue
      }
      if (p + 1 < end && b[p + 1] & 0x80) {
        const v1 = ((op >> 2) & 0x1f) + 1
        const v2 = ((b[p + 1] >> 2) & 0x1f) + 1
        if (v1 === v2) {
          const len = (op & 3) + 1 + (b[p + 1] & 3) + 1
          if (len <= VAL_MAX_LEN) {
            b[p + 1] = valOp(v1, len)
            b.copyWithin(p, p + 1, end)
            this.len--
            end--
            continue
          }
        }
      }
      p++
    }
    this.invalidateCache()
    return 1
  }

  private promote(index: number, count: number): number {
    if (!this.toDense()) return -1
    return denseSet(this.bytes, HDR, index, count)
  }

  /** register histogram (redis hllDenseRegHisto / hllSparseRegHisto); null if sparse data is invalid. */
  histogram(): number[] | null {
    const h = new Array<number>(64).fill(0)
    const b = this.bytes
    if (b[4] === DENSE) {
      for (let i = 0; i < HLL_REGISTERS; i++) h[denseGet(b, HDR, i)]++
      return h
    }
    let idx = 0
    for (let p = HDR; p < this.len; ) {
      const op = b[p]
      if ((op & 0xc0) === 0) {
        const r = (op & 0x3f) + 1
        idx += r
        h[0] += r
        p++
      } else if ((op & 0xc0) === 0x40) {
        const r = (((op & 0x3f) << 8) | b[p + 1]) + 1
        idx += r
        h[0] += r
        p += 2
      } else {
        const r = (op & 3) + 1
        idx += r
        h[((op >> 2) & 0x1f) + 1] += r
        p++
      }
    }
    return idx === HLL_REGISTERS ? h : null
  }

  /** redis hllMerge into max[16384]; false if the sparse data is invalid. */
  mergeInto(max: Uint8Array): boolean {
    const b = this.bytes
    if (b[4] === DENSE) {
      for (let i = 0; i < HLL_REGISTERS; i++) {
        const v = denseGet(b, HDR, i)
        if (v > max[i]) max[i] = v
      }
      return true
    }
    let i = 0
    for (let p = HDR; p < this.len; ) {
      const op = b[p]
      if ((op & 0xc0) === 0) {
        i += (op & 0x3f) + 1
        p++
      } else if ((op & 0xc0) === 0x40) {
        i += (((op & 0x3f) << 8) | b[p + 1]) + 1
        p += 2
      } else {
        let r = (op & 3) + 1
        const v = ((op >> 2) & 0x1f) + 1
        if (r + i > HLL_REGISTERS) break
        while (r--) {
          if (v > max[i]) max[i] = v
          i++
        }
        p++
      }
    }
    return i === HLL_REGISTERS
  }

  /** PFDEBUG DECODE text. */
  decode(): string {
    const out: string[] = []
    const b = this.bytes
    for (let p = HDR; p < this.len; ) {
      const op = b[p]
      if ((op & 0xc0) === 0) {
        out.push(`z:${(op & 0x3f) + 1}`)
        p++
      } else if ((op & 0xc0) === 0x40) {
        out.push(`Z:${(((op & 0x3f) << 8) | b[p + 1]) + 1}`)
        p += 2
      } else {
        out.push(`v:${((op >> 2) & 0x1f) + 1},${(op & 3) + 1}`)
        p++
      }
    }
    return out.join(' ')
  }

  register(i: number): number {
    return denseGet(this.bytes, HDR, i)
  }
}

/** The value of hll-sparse-max-bytes (the command layer keeps it in sync with CONFIG). */
export let sparseMaxBytes = 3000
export function setSparseMaxBytes(n: number): void {
  sparseMaxBytes = n
}

function valOp(val: number, len: number): number {
  return (((val - 1) << 2) | (len - 1) | 0x80) & 0xff
}

function pushZero(seq: number[], len: number): void {
  if (len > ZERO_MAX_LEN) seq.push(((len - 1) >> 8) | 0x40, (len - 1) & 0xff)
  else seq.push(len - 1)
}

export function denseGet(b: Uint8Array, base: number, reg: number): number {
  const byte = base + ((reg * HLL_BITS) >> 3)
  const fb = (reg * HLL_BITS) & 7
  const b1 = byte + 1 < b.length ? b[byte + 1] : 0
  return ((b[byte] >> fb) | (b1 << (8 - fb))) & REG_MAX
}

function denseWrite(b: Uint8Array, base: number, reg: number, val: number): void {
  const byte = base + ((reg * HLL_BITS) >> 3)
  const fb = (reg * HLL_BITS) & 7
  const fb8 = 8 - fb
  b[byte] = (b[byte] & ~(REG_MAX << fb)) | (val << fb)
  if (byte + 1 < b.length) b[byte + 1] = (b[byte + 1] & ~(REG_MAX >> fb8)) | (val >> fb8)
}

function denseSet(b: Uint8Array, base: number, reg: number, count: number): number {
  if (count > denseGet(b, base, reg)) {
    denseWrite(b, base, reg, count)
    return 1
  }
  return 0
}

// ---- cardinality ------------------------------------------------------------------------------

function sigma(x: number): number {
  if (x === 1) return Infinity
  let zPrime: number
  let y = 1
  let z = x
  do {
    x *= x
    zPrime = z
    z += x * y
    y += y
  } while (zPrime !== z)
  return z
}

function tau(x: number): number {
  if (x === 0 || x === 1) return 0
  let zPrime: number
  let y = 1.0
  let z = 1 - x
  do {
    x = Math.sqrt(x)
    zPrime = z
    y *= 0.5
    z -= Math.pow(1 - x, 2) * y
  } while (zPrime !== z)
  return z / 3
}

/** redis hllCount from a register histogram (Ertl's improved estimator). */
export function countFromHistogram(h: number[]): number {
  const m = HLL_REGISTERS
  let z = m * tau((m - h[HLL_Q + 1]) / m)
  for (let j = HLL_Q; j >= 1; --j) {
    z += h[j]
    z *= 0.5
  }
  z += m * sigma(h[0] / m)
  // llroundl: round half away from zero (the value is never negative)
  return Math.round((ALPHA_INF * m * m) / z)
}

export function histogramOfRaw(max: Uint8Array): number[] {
  const h = new Array<number>(64).fill(0)
  for (let i = 0; i < HLL_REGISTERS; i++) h[max[i]]++
  return h
}

// ---- PFSELFTEST helpers ----------------------------------------------------------------------

/** Add the 8 little-endian bytes of a uint64 (hi:lo) to a dense register array and to a Hll. */
export function selfTestAdd(dense: Uint8Array, hll: Hll, hi: number, lo: number): number {
  const b = scratch
  b[0] = lo & 0xff
  b[1] = (lo >>> 8) & 0xff
  b[2] = (lo >>> 16) & 0xff
  b[3] = lo >>> 24
  b[4] = hi & 0xff
  b[5] = (hi >>> 8) & 0xff
  b[6] = (hi >>> 16) & 0xff
  b[7] = hi >>> 24
  const count = patLen(b, 8)
  const index = patIndex
  denseSet(dense, HDR, index, count)
  return hll.set(index, count)
}

export function denseWriteRegister(b: Uint8Array, reg: number, val: number): void {
  denseWrite(b, HDR, reg, val)
}

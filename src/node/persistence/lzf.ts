// LZF (liblzf 3.x, as vendored by Redis in deps/lzf) decompression and compression.
// Format: a control byte c < 32 starts a literal run of c+1 bytes; otherwise len = c >> 5
// (7 means "add the next byte"), the back-reference offset is ((c & 31) << 8 | next) + 1
// and len + 2 bytes are copied from that far back in the output.

import {RdbFormatError} from './rdb-value.js'

const MAX_LIT = 32
const MAX_OFF = 1 << 13
const MAX_REF = (1 << 8) + (1 << 3) // 264: the longest back-reference
/** A 3-byte long back-reference expands to at most 264 bytes: a bound on any valid ulen. */
export const LZF_MAX_RATIO = 88

/** Decompresses exactly `outLen` bytes; throws RdbFormatError on any malformed input. */
export function lzfDecompress(input: Uint8Array, outLen: number): Buffer {
  if (outLen > input.length * LZF_MAX_RATIO + MAX_LIT) throw new RdbFormatError('LZF length impossible')
  const out = Buffer.allocUnsafe(outLen)
  let ip = 0
  let op = 0
  const inEnd = input.length
  while (ip < inEnd) {
    let ctrl = input[ip++]
    if (ctrl < 32) {
      ctrl++
      if (ip + ctrl > inEnd || op + ctrl > outLen) throw new RdbFormatError('LZF literal overrun')
      for (let k = 0; k < ctrl; k++) out[op++] = input[ip++]
    } else {
      let len = ctrl >> 5
      if (len === 7) {
        if (ip >= inEnd) throw new RdbFormatError('LZF truncated')
        len += input[ip++]
      }
      if (ip >= inEnd) throw new RdbFormatError('LZF truncated')
      let ref = op - ((ctrl & 0x1f) << 8) - 1 - input[ip++]
      len += 2
      if (ref < 0) throw new RdbFormatError('LZF back reference before start')
      if (op + len > outLen) throw new RdbFormatError('LZF output overrun')
      // Byte by byte: the source may overlap the destination (run-length style copies).
      for (let k = 0; k < len; k++) out[op++] = out[ref++]
    }
  }
  if (op !== outLen) throw new RdbFormatError('LZF length mismatch')
  return out
}

let htab = new Int32Array(0)

/**
 * Greedy LZF compression. Returns null when the result would exceed `maxOut` bytes
 * (Redis only stores the compressed form when it saves at least 4 bytes, rdb.c
 * rdbSaveLzfStringObject, so callers pass input.length - 4).
 */
export function lzfCompress(input: Uint8Array, maxOut = input.length - 4): Buffer | null {
  const n = input.length
  if (n < 4 || maxOut <= 0) return null
  let hlog = 8
  while (hlog < 14 && 1 << hlog < n) hlog++
  const hsize = 1 << hlog
  if (htab.length < hsize) htab = new Int32Array(1 << 14)
  htab.fill(-1, 0, hsize)
  const shift = 32 - hlog
  // A literal run costs one control byte per 32 bytes: bound the scratch buffer by that.
  const limit = Math.min(maxOut, n + (n >> 5) + 2)
  const out = Buffer.allocUnsafe(limit + 4)
  let op = 0
  let lit = 0
  let litPos = op++
  let ip = 0
  while (ip + 2 < n) {
    const v = (input[ip] << 16) | (input[ip + 1] << 8) | input[ip + 2]
    const h = Math.imul(v, 0x9e3779b1) >>> shift
    const ref = htab[h]
    htab[h] = ip
    const off = ip - ref - 1
    if (
      ref >= 0 &&
      off < MAX_OFF &&
      input[ref] === input[ip] &&
      input[ref + 1] === input[ip + 1] &&
      input[ref + 2] === input[ip + 2]
    ) {
      const maxLen = Math.min(MAX_REF, n - ip)
      let len = 3
      while (len < maxLen && input[ref + len] === input[ip + len]) len++
      if (lit > 0) out[litPos] = lit - 1
      else op-- // drop the unused literal-length slot
      if (op + 3 + 1 > limit) return null
      const l = len - 2
      if (l < 7) {
        out[op++] = (l << 5) | (off >> 8)
      } else {
        out[op++] = (7 << 5) | (off >> 8)
        out[op++] = l - 7
      }
      out[op++] = off & 0xff
      // Index the positions inside the match so later repeats can find them.
      const stop = Math.min(ip + len, n - 2)
      for (let p = ip + 1; p < stop; p++) {
        const w = (input[p] << 16) | (input[p + 1] << 8) | input[p + 2]
        htab[Math.imul(w, 0x9e3779b1) >>> shift] = p
      }
      ip += len
      lit = 0
      litPos = op++
    } else {
      if (op + 1 > limit) return null
      out[op++] = input[ip++]
      if (++lit === MAX_LIT) {
        out[litPos] = MAX_LIT - 1
        lit = 0
        litPos = op++
      }
    }
  }
  while (ip < n) {
    if (op + 1 > limit) return null
    out[op++] = input[ip++]
    if (++lit === MAX_LIT) {
      out[litPos] = MAX_LIT - 1
      lit = 0
      litPos = op++
    }
  }
  if (lit > 0) out[litPos] = lit - 1
  else op--
  if (op > limit) return null
  return Buffer.from(out.subarray(0, op))
}

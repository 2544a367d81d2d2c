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

// Compression follows liblzf 3.6 exactly as Redis builds it (lzfP.h: HLOG 16, VERY_FAST,
// not ULTRA_FAST), so DUMP/RDB payloads carry the same bytes as redis-server's: same hash, same
// greedy match rule (never a reference to offset 0), same match extension and re-hashing of the
// last two positions of a match, same output-space checks. Redis does not clear its hash table
// (INIT_HTAB 0); a stale slot only matters if it points into the current input, so a cleared
// table gives redis's output.
const HSIZE = 1 << 16
const htab = new Int32Array(HSIZE)
/** A slot is set only when its stamp is the current call's: no 64K clear per string. */
const stamp = new Uint32Array(HSIZE)
let call = 0

const idx = (h: number): number => ((h >>> 8) - Math.imul(h, 5)) & (HSIZE - 1)

/**
 * LZF-compress into at most `maxOut` bytes; null when it does not fit (Redis stores the
 * compressed form only when it saves at least 4 bytes, rdb.c rdbSaveLzfStringObject, so callers
 * pass input.length - 4).
 */
export function lzfCompress(input: Uint8Array, maxOut = input.length - 4): Buffer | null {
  const inLen = input.length
  if (inLen < 4 || maxOut <= 0) return null
  if (++call === 0xffffffff) {
    stamp.fill(0)
    call = 1
  }
  const out = Buffer.allocUnsafe(maxOut + 4)
  const outEnd = maxOut
  const inEnd = inLen
  let ip = 0
  let op = 0
  let lit = 0
  op++ // start run
  let hval = ((input[0] << 8) | input[1]) >>> 0
  while (ip < inEnd - 2) {
    hval = ((hval << 8) | input[ip + 2]) >>> 0
    const slot = idx(hval)
    const ref = stamp[slot] === call ? htab[slot] : -1
    htab[slot] = ip
    stamp[slot] = call
    let off = 0
    if (ref >= 0 && (off = ip - ref - 1) < MAX_OFF && ref > 0 && input[ref + 2] === input[ip + 2] && input[ref] === input[ip] && input[ref + 1] === input[ip + 1]) {
      let len = 2
      let maxlen = inEnd - ip - len
      if (maxlen > MAX_REF) maxlen = MAX_REF
      if (op + 3 + 1 >= outEnd && op - (lit === 0 ? 1 : 0) + 3 + 1 >= outEnd) return null
      out[op - lit - 1] = lit - 1
      if (lit === 0) op--
      matched: {
        if (maxlen > 16) {
          for (let k = 0; k < 16; k++) {
            len++
            if (input[ref + len] !== input[ip + len]) break matched
          }
        }
        do len++
        while (len < maxlen && input[ref + len] === input[ip + len])
      }
      len -= 2
      ip++
      if (len < 7) out[op++] = (off >> 8) + (len << 5)
      else {
        out[op++] = (off >> 8) + (7 << 5)
        out[op++] = len - 7
      }
      out[op++] = off & 0xff
      lit = 0
      op++
      ip += len + 1
      if (ip >= inEnd - 2) break
      ip -= 2
      hval = ((input[ip] << 8) | input[ip + 1]) >>> 0
      hval = ((hval << 8) | input[ip + 2]) >>> 0
      let h = idx(hval)
      htab[h] = ip
      stamp[h] = call
      ip++
      hval = ((hval << 8) | input[ip + 2]) >>> 0
      h = idx(hval)
      htab[h] = ip
      stamp[h] = call
      ip++
    } else {
      if (op >= outEnd) return null
      lit++
      out[op++] = input[ip++]
      if (lit === MAX_LIT) {
        out[op - lit - 1] = lit - 1
        lit = 0
        op++
      }
    }
  }
  if (op + 3 > outEnd) return null
  while (ip < inEnd) {
    lit++
    out[op++] = input[ip++]
    if (lit === MAX_LIT) {
      out[op - lit - 1] = lit - 1
      lit = 0
      op++
    }
  }
  out[op - lit - 1] = lit - 1
  if (lit === 0) op--
  return Buffer.from(out.subarray(0, op))
}

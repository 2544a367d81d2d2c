// Server-side RESP request parser (redis networking.c processMultibulkBuffer /
// processInlineBuffer). Incremental: feed() socket chunks, call next() until it returns null.
// Arguments come out as latin1 strings (binary-safe, one char per byte), sliced straight from
// the socket buffer. While a large bulk is arriving, chunks are collected in a list and
// concatenated once (no O(n^2) re-copying). Error texts and limits match redis 7.0.

import {constants} from 'node:buffer'

export const PROTO_INLINE_MAX_SIZE = 64 * 1024
export const UNAUTH_MAX_ARGS = 10
export const UNAUTH_MAX_BULK = 16384
const INT_MAX = 2147483647
/**
 * The longest string V8 makes (2^29 - 24 characters on 64-bit), 24 bytes under proto-max-bulk-len's
 * default (512mb): a longer bulk argument is read as redis reads it, then refused as a protocol
 * error (invalid bulk length) where it would become an argument.
 */
export const MAX_ARG_LENGTH = constants.MAX_STRING_LENGTH
/** Above this *N, argv grows as bulks arrive instead of being preallocated (redis caps at 1024). */
const ARGV_PREALLOC_MAX = 1024
/** Command names up to this many bytes are interned in the parser's name cache. */
const NAME_CACHE_MAX_LEN = 24
/** Placeholder between commands (never written: multibulkHeader installs a fresh argv). */
const NO_ARGV: string[] = []

export class ProtocolError {
  constructor(readonly message: string) {}
  /** The reply redis sends before closing the connection. */
  get reply(): string {
    return 'ERR Protocol error: ' + this.message
  }
}

type Latin1Buffer = Buffer & {latin1Slice(start: number, end: number): string}

/**
 * redis string2ll: optional '-', no leading zeros, no '+', no spaces, at most 20 bytes, within a
 * long long. NaN when invalid. Beyond 2^53 the value comes back rounded (only compared with limits).
 */
function parseLL(b: Buffer, start: number, end: number): number {
  const len = end - start
  if (len <= 0 || len > 20) return NaN
  let i = start
  let neg = false
  if (b[i] === 45) {
    neg = true
    i++
    if (i === end) return NaN
  }
  if (b[i] === 48) return end - i === 1 && !neg ? 0 : NaN
  let n = 0
  for (; i < end; i++) {
    const d = b[i] - 48
    if (d < 0 || d > 9) return NaN
    n = n * 10 + d
  }
  if (n > Number.MAX_SAFE_INTEGER) {
    // a long long still (redis accepts *-9223372036854775808 as an empty command)
    const v = BigInt((b as Latin1Buffer).latin1Slice(start, end))
    if (v > 9223372036854775807n || v < -9223372036854775808n) return NaN
    return Number(v)
  }
  return neg ? -n : n
}

/**
 * Index of the next '\r' at or after `from`, -1 if none. Length lines are a few bytes, so a
 * short JS scan beats Buffer#indexOf's native call; long garbage falls back to indexOf.
 * redis looks for it with strchr on the query buffer: a NUL byte before it hides it (-1).
 */
function findCR(b: Buffer, from: number): number {
  const stop = Math.min(b.length, from + 24)
  for (let i = from; i < stop; i++) {
    const c = b[i]
    if (c === 13) return i
    if (c === 0) return -1
  }
  return stop === b.length ? -1 : beforeNul(b, stop, b.indexOf(13, stop))
}

/** `at` (an index found from `from`, or -1), or -1 when a NUL byte comes first (C strchr). */
function beforeNul(b: Buffer, from: number, at: number): number {
  if (at === -1) return -1
  if (at - from <= 64) {
    for (let i = from; i < at; i++) if (b[i] === 0) return -1
    return at
  }
  return b.subarray(from, at).indexOf(0) === -1 ? at : -1
}

/**
 * Strings of up to 16 bytes via String.fromCharCode with fixed arity: about half the cost of
 * Buffer#latin1Slice's native call for the short keys and values that dominate real traffic.
 * Each case builds one flat string (concatenating pieces would store cons strings as keys).
 */
function shortLatin1(b: Buffer, s: number, len: number): string {
  const c = String.fromCharCode
  switch (len) {
    case 0: return ''
    case 1: return c(b[s])
    case 2: return c(b[s], b[s + 1])
    case 3: return c(b[s], b[s + 1], b[s + 2])
    case 4: return c(b[s], b[s + 1], b[s + 2], b[s + 3])
    case 5: return c(b[s], b[s + 1], b[s + 2], b[s + 3], b[s + 4])
    case 6: return c(b[s], b[s + 1], b[s + 2], b[s + 3], b[s + 4], b[s + 5])
    case 7: return c(b[s], b[s + 1], b[s + 2], b[s + 3], b[s + 4], b[s + 5], b[s + 6])
    case 8: return c(b[s], b[s + 1], b[s + 2], b[s + 3], b[s + 4], b[s + 5], b[s + 6], b[s + 7])
    case 9: return c(b[s], b[s + 1], b[s + 2], b[s + 3], b[s + 4], b[s + 5], b[s + 6], b[s + 7], b[s + 8])
    case 10: return c(b[s], b[s + 1], b[s + 2], b[s + 3], b[s + 4], b[s + 5], b[s + 6], b[s + 7], b[s + 8], b[s + 9])
    case 11: return c(b[s], b[s + 1], b[s + 2], b[s + 3], b[s + 4], b[s + 5], b[s + 6], b[s + 7], b[s + 8], b[s + 9], b[s + 10])
    case 12: return c(b[s], b[s + 1], b[s + 2], b[s + 3], b[s + 4], b[s + 5], b[s + 6], b[s + 7], b[s + 8], b[s + 9], b[s + 10], b[s + 11])
    case 13: return c(b[s], b[s + 1], b[s + 2], b[s + 3], b[s + 4], b[s + 5], b[s + 6], b[s + 7], b[s + 8], b[s + 9], b[s + 10], b[s + 11], b[s + 12])
    case 14: return c(b[s], b[s + 1], b[s + 2], b[s + 3], b[s + 4], b[s + 5], b[s + 6], b[s + 7], b[s + 8], b[s + 9], b[s + 10], b[s + 11], b[s + 12], b[s + 13])
    case 15: return c(b[s], b[s + 1], b[s + 2], b[s + 3], b[s + 4], b[s + 5], b[s + 6], b[s + 7], b[s + 8], b[s + 9], b[s + 10], b[s + 11], b[s + 12], b[s + 13], b[s + 14])
    case 16: return c(b[s], b[s + 1], b[s + 2], b[s + 3], b[s + 4], b[s + 5], b[s + 6], b[s + 7], b[s + 8], b[s + 9], b[s + 10], b[s + 11], b[s + 12], b[s + 13], b[s + 14], b[s + 15])
    default: return (b as Latin1Buffer).latin1Slice(s, s + len)
  }
}

// Every length, at load: V8 records type feedback per case, and a length a node first meets after
// optimising this function (a reshard's slot numbers and node ids, a new client's key lengths)
// deoptimised it for lack of feedback — 7 to 9 times over six nodes in one first reshard
// (README: local clusters, eleventh pass). Enough calls for V8 to allocate the function's feedback
// (lazily, after 8× its bytecode size has run) and then to record every case.
{
  const sample = Buffer.alloc(16, 0x61)
  for (let round = 0; round < 40; round++) for (let len = 0; len <= 16; len++) shortLatin1(sample, 0, len)
}

export class RequestParser {
  private buf: Buffer = Buffer.alloc(0)
  private pos = 0
  private chunks: Buffer[] = []
  private chunkBytes = 0
  /** bytes needed (from pos) before parsing can progress */
  private need = 0
  private multibulk = 0
  private bulkLen = -1
  private argv: string[] = NO_ARGV
  private argc = 0
  /**
   * argv[0] spellings seen, by a small hash of their bytes. Reusing one string per spelling
   * skips a latin1Slice per command and keeps the string's hash cached for the command-table
   * lookup (ComputeAndSetRawHash showed up in perf otherwise).
   */
  private readonly names: (string | undefined)[] = new Array(256).fill(undefined)
  /** Empty commands (*0, *-1, blank inline lines) skipped since the caller last reset it to 0. */
  emptyCommands = 0
  /** proto-max-bulk-len (Infinity: none, the master's link) */
  maxBulkLen = 512 * 1024 * 1024

  /** Bytes received but not yet consumed (the "query buffer"). */
  get pending(): number {
    return this.buf.length - this.pos + this.chunkBytes
  }

  /** Length of the bulk argument being received (-1 when not inside one). */
  get partialBulkLen(): number {
    return this.multibulk > 0 ? this.bulkLen : -1
  }

  /** Arguments already parsed of an incomplete command (redis c->argc while it reads the rest). */
  get partialArgc(): number {
    return this.argv === NO_ARGV ? 0 : this.argc
  }

  /** Query-buffer memory: pending bytes plus the arguments already parsed for an incomplete command. */
  get heldBytes(): number {
    let n = this.pending
    for (let i = 0; i < this.argc; i++) n += this.argv[i]?.length ?? 0
    return n
  }

  feed(chunk: Buffer): void {
    if (this.pos >= this.buf.length && this.chunkBytes === 0) {
      this.buf = chunk
      this.pos = 0
      return
    }
    this.chunks.push(chunk)
    this.chunkBytes += chunk.length
    if (this.buf.length - this.pos + this.chunkBytes >= this.need) this.compact()
  }

  private compact(): void {
    if (this.chunkBytes === 0) return
    const parts = this.pos < this.buf.length ? [this.buf.subarray(this.pos), ...this.chunks] : this.chunks
    this.buf = parts.length === 1 ? parts[0] : Buffer.concat(parts)
    this.pos = 0
    this.chunks = []
    this.chunkBytes = 0
  }

  /**
   * Next complete command, null when more bytes are needed, or a ProtocolError (after which
   * the connection must be closed). `authRequired` applies the pre-AUTH limits.
   */
  next(authRequired = false): string[] | null | ProtocolError {
    for (;;) {
      if (this.chunkBytes !== 0) {
        if (this.buf.length - this.pos + this.chunkBytes < this.need) return null
        this.compact()
      }
      const buf = this.buf
      if (this.pos >= buf.length) return null
      if (this.multibulk === 0) {
        if (buf[this.pos] === 42) {
          const r = this.multibulkHeader(authRequired)
          if (r !== true) return r
          if (this.multibulk === 0) {
            this.emptyCommands++ // *0 / *-1: empty command, skipped like redis
            continue
          }
        } else {
          const r = this.inline()
          if (r === null || r instanceof ProtocolError) return r
          if (r.length === 0) {
            this.emptyCommands++
            continue
          }
          return r
        }
      }
      const r = this.bulks(authRequired)
      if (r !== true) return r
      const argv = this.argv
      this.argv = NO_ARGV
      return argv
    }
  }

  private waitFor(bytes: number): null {
    this.need = bytes
    return null
  }

  private multibulkHeader(authRequired: boolean): true | null | ProtocolError {
    const buf = this.buf
    const cr = findCR(buf, this.pos)
    if (cr === -1) {
      if (buf.length - this.pos > PROTO_INLINE_MAX_SIZE) return new ProtocolError('too big mbulk count string')
      return this.waitFor(buf.length - this.pos + 1)
    }
    if (cr + 1 >= buf.length) return this.waitFor(cr - this.pos + 2)
    const ll = parseLL(buf, this.pos + 1, cr)
    if (Number.isNaN(ll) || ll > INT_MAX) return new ProtocolError('invalid multibulk length')
    if (ll > UNAUTH_MAX_ARGS && authRequired) return new ProtocolError('unauthenticated multibulk length')
    this.pos = cr + 2
    this.need = 0
    if (ll <= 0) return true
    this.multibulk = ll
    // Preallocated so bulks are stored without growing the array; a huge *N never is.
    this.argv = ll <= ARGV_PREALLOC_MAX ? new Array<string>(ll) : []
    this.argc = 0
    return true
  }

  private bulks(authRequired: boolean): true | null | ProtocolError {
    // Locals, written back on every exit: this loop runs once per argument of every command.
    const buf = this.buf
    const argv = this.argv
    let pos = this.pos
    let argc = this.argc
    let left = this.multibulk
    let len = this.bulkLen
    // undefined: the command is complete; null: waiting for bytes; or the protocol error.
    let r: undefined | null | ProtocolError
    while (left > 0) {
      if (len === -1) {
        const cr = findCR(buf, pos)
        if (cr === -1) {
          r = buf.length - pos > PROTO_INLINE_MAX_SIZE ? new ProtocolError('too big bulk count string') : this.waitFor(buf.length - pos + 1)
          break
        }
        if (cr + 1 >= buf.length) {
          r = this.waitFor(cr - pos + 2)
          break
        }
        if (buf[pos] !== 36) {
          r = new ProtocolError(`expected '$', got '${String.fromCharCode(buf[pos])}'`)
          break
        }
        const ll = parseLL(buf, pos + 1, cr)
        if (Number.isNaN(ll) || ll < 0 || ll > this.maxBulkLen) {
          r = new ProtocolError('invalid bulk length')
          break
        }
        if (ll > UNAUTH_MAX_BULK && authRequired) {
          r = new ProtocolError('unauthenticated bulk length')
          break
        }
        pos = cr + 2
        len = ll
      }
      if (buf.length - pos < len + 2) {
        r = this.waitFor(len + 2)
        break
      }
      if (len > MAX_ARG_LENGTH) {
        r = new ProtocolError('invalid bulk length')
        break
      }
      argv[argc] =
        argc === 0 && len <= NAME_CACHE_MAX_LEN ? this.name(buf, pos, len) : len <= 16 ? shortLatin1(buf, pos, len) : (buf as Latin1Buffer).latin1Slice(pos, pos + len)
      argc++
      pos += len + 2
      len = -1
      left--
    }
    this.pos = pos
    this.argc = argc
    this.multibulk = left
    this.bulkLen = len
    if (r !== undefined) return r
    this.need = 0
    return true
  }

  /** argv[0] through the name cache (see `names`). */
  private name(buf: Buffer, start: number, len: number): string {
    const h = len === 0 ? 0 : (len * 7 + buf[start] * 3 + buf[start + len - 1]) & 255
    const hit = this.names[h]
    if (hit !== undefined && hit.length === len) {
      let i = 0
      while (i < len && hit.charCodeAt(i) === buf[start + i]) i++
      if (i === len) return hit
    }
    const s = (buf as Latin1Buffer).latin1Slice(start, start + len)
    this.names[h] = s
    return s
  }

  private inline(): string[] | null | ProtocolError {
    const buf = this.buf
    const nl = beforeNul(buf, this.pos, buf.indexOf(10, this.pos))
    if (nl === -1) {
      if (buf.length - this.pos > PROTO_INLINE_MAX_SIZE) return new ProtocolError('too big inline request')
      return this.waitFor(buf.length - this.pos + 1)
    }
    let end = nl
    if (end > this.pos && buf[end - 1] === 13) end--
    const line = (buf as Latin1Buffer).latin1Slice(this.pos, end)
    const argv = splitArgs(line)
    // the line stays in the query buffer (CLIENT LIST qbuf of a client that is never closed)
    if (argv === null) return new ProtocolError('unbalanced quotes in request')
    this.pos = nl + 1
    this.need = 0
    return argv
  }
}

function isSpace(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13)
}
function hexVal(c: number): number {
  if (c >= 48 && c <= 57) return c - 48
  if (c >= 97 && c <= 102) return c - 87
  if (c >= 65 && c <= 70) return c - 55
  return -1
}

/**
 * redis sds.c sdssplitargs: whitespace-separated args, "double quotes" with \n \r \t \b \a
 * \xHH escapes, 'single quotes' with \' only. A closing quote must be followed by a space or
 * the end. A NUL ends the line (C string semantics). Returns null on unbalanced quotes.
 */
export function splitArgs(line: string): string[] | null {
  const out: string[] = []
  const n = line.length
  const at = (i: number) => (i < n ? line.charCodeAt(i) : 0)
  let p = 0
  for (;;) {
    while (p < n && at(p) !== 0 && isSpace(at(p))) p++
    if (at(p) === 0) return out
    let inq = false
    let insq = false
    let done = false
    let cur = ''
    while (!done) {
      const c = at(p)
      if (inq) {
        if (c === 92 && at(p + 1) === 120 && hexVal(at(p + 2)) >= 0 && hexVal(at(p + 3)) >= 0) {
          cur += String.fromCharCode(hexVal(at(p + 2)) * 16 + hexVal(at(p + 3)))
          p += 3
        } else if (c === 92 && at(p + 1) !== 0) {
          p++
          const e = at(p)
          cur += e === 110 ? '\n' : e === 114 ? '\r' : e === 116 ? '\t' : e === 98 ? '\b' : e === 97 ? '\x07' : String.fromCharCode(e)
        } else if (c === 34) {
          if (at(p + 1) !== 0 && !isSpace(at(p + 1))) return null
          done = true
        } else if (c === 0) {
          return null
        } else cur += String.fromCharCode(c)
      } else if (insq) {
        if (c === 92 && at(p + 1) === 39) {
          p++
          cur += "'"
        } else if (c === 39) {
          if (at(p + 1) !== 0 && !isSpace(at(p + 1))) return null
          done = true
        } else if (c === 0) {
          return null
        } else cur += String.fromCharCode(c)
      } else {
        if (c === 32 || c === 10 || c === 13 || c === 9 || c === 0) done = true
        else if (c === 34) inq = true
        else if (c === 39) insq = true
        else cur += String.fromCharCode(c)
      }
      if (at(p) !== 0) p++
    }
    out.push(cur)
  }
}

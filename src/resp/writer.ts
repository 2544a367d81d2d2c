// Reply encoder for RESP2 and RESP3. Replies accumulate in one latin1 string per session
// and are written with a single socket.write per read batch (house rule 8). Strings in this
// runtime are latin1, so string.length is the byte length of a bulk.

import {formatG} from './cdouble.js'

export {formatG}

const CRLF = '\r\n'

/**
 * A V8 string holds at most 2^29-24 characters, redis's reply list any number of bytes (one MGET
 * of 66 keys holding 8 MiB is a 528 MiB reply). A bulk or pre-encoded text that would take the
 * reply's string past this many characters sets the string aside in `chunks` first, so the
 * common reply stays one string and a huge one becomes a few.
 */
export const REPLY_CHUNK = 64 * 1024 * 1024

export function formatDouble(d: number): string {
  return formatG(d, 17)
}

/** C's printf("%.17g"), which redis 7.0 addReplyDouble uses (7.2 switched to shortest repr). */
export function formatG17(d: number): string {
  return formatG(d, 17)
}

export class RespWriter {
  /** the reply's text since the last chunk was set aside (all of it, unless it passed REPLY_CHUNK) */
  out = ''
  /** earlier text of the reply, set aside whole when it passed REPLY_CHUNK characters (null: none) */
  chunks: string[] | null = null
  /** characters in `chunks` */
  private chunked = 0
  /** error replies written so far (a command failed when it moved this: INFO commandstats) */
  errors = 0
  /** told about every error reply (INFO errorstats); set by the session */
  onError: ((s: string) => void) | null = null
  constructor(public resp: 2 | 3 = 2) {}

  /** Characters written and not taken: a mark for truncate / cutFrom. */
  get size(): number {
    return this.chunked + this.out.length
  }

  /** The whole text as one string, and the writer emptied (a reply too big for a string throws RangeError). */
  take(): string {
    const s = this.chunks === null ? this.out : this.chunks.join('') + this.out
    this.clear()
    return s
  }

  /** The text as the pieces it is kept in (for a socket, one write each), and the writer emptied. */
  takePieces(): string[] {
    const pieces = this.chunks ?? []
    if (this.out.length !== 0) pieces.push(this.out)
    this.chunks = null
    this.chunked = 0
    this.out = ''
    return pieces
  }

  clear(): void {
    this.out = ''
    this.chunks = null
    this.chunked = 0
  }

  /** Drops what was written from `mark` (a `size`) on. */
  truncate(mark: number): void {
    if (mark >= this.chunked) this.out = this.out.slice(0, mark - this.chunked)
    else this.cutFrom(mark)
  }

  /** Removes what was written from `mark` (a `size`) on and returns it, in pieces. */
  cutFrom(mark: number): string[] {
    if (mark >= this.chunked) {
      const at = mark - this.chunked
      if (at >= this.out.length) return []
      const tail = this.out.slice(at)
      this.out = this.out.slice(0, at)
      return [tail]
    }
    const kept: string[] = []
    const cut: string[] = []
    let pos = 0
    for (const c of this.chunks!) {
      if (pos + c.length <= mark) kept.push(c)
      else if (pos >= mark) cut.push(c)
      else {
        kept.push(c.slice(0, mark - pos))
        cut.push(c.slice(mark - pos))
      }
      pos += c.length
    }
    if (this.out.length !== 0) cut.push(this.out)
    this.chunks = kept.length === 0 ? null : kept
    this.chunked = mark
    this.out = ''
    return cut
  }

  /** Appends another writer's text (its errors are the caller's to count) and empties it. */
  append(w: RespWriter): void {
    for (const piece of w.takePieces()) this.raw(piece)
  }

  /** `s` would take the text past REPLY_CHUNK: set the text aside, and `s` too if it is that big. */
  private setAside(s: string): void {
    if (this.out.length !== 0) this.keep(this.out)
    this.out = ''
    if (s.length >= REPLY_CHUNK) this.keep(s)
    else this.out = s
  }

  private keep(piece: string): void {
    ;(this.chunks ??= []).push(piece)
    this.chunked += piece.length
  }

  /** A bulk (or verbatim) reply whose payload would take the text past REPLY_CHUNK: `head` is its header. */
  private bigBulk(head: string, s: string): void {
    this.out += head
    this.setAside(s)
    this.out += CRLF
  }

  /** A short piece of an element (integer, double, header): the text is set aside once it passed REPLY_CHUNK. */
  private add(piece: string): void {
    if (this.out.length < REPLY_CHUNK) this.out += piece
    else this.setAside(piece)
  }

  ok(): void {
    this.out += '+OK\r\n'
  }
  simple(s: string): void {
    this.out += '+' + s + CRLF
  }
  /** Full error text including its code word, e.g. "ERR syntax error". */
  error(s: string): void {
    s = oneLine(s)
    this.out += '-' + s + CRLF
    this.errors++
    if (this.onError !== null) this.onError(s)
  }
  /** An error already counted where it arose (redis ERR_REPLY_FLAG_NO_STATS_UPDATE): still a failed call. */
  errorUncounted(s: string): void {
    this.out += '-' + oneLine(s) + CRLF
    this.errors++
    this.uncountedErrors++
  }
  /** Counted by errorUncounted; the command's bookkeeping reads and clears it (each one a failed call). */
  uncountedErrors = 0
  integer(n: number | bigint): void {
    this.add(':' + n + CRLF)
  }
  bulk(s: string | null | undefined): void {
    if (s == null) this.nil()
    else if (this.out.length + s.length < REPLY_CHUNK) this.out += '$' + s.length + CRLF + s + CRLF
    else this.bigBulk('$' + s.length + CRLF, s)
  }
  /** Null bulk string: $-1 (RESP2) / _ (RESP3). */
  nil(): void {
    this.add(this.resp === 3 ? '_\r\n' : '$-1\r\n')
  }
  /** Null array (e.g. EXEC aborted by WATCH, BLPOP timeout): *-1 (RESP2) / _ (RESP3). */
  nullArray(): void {
    this.out += this.resp === 3 ? '_\r\n' : '*-1\r\n'
  }
  array(n: number): void {
    this.add('*' + n + CRLF)
  }
  /** n key/value pairs: %n (RESP3) / flat array of 2n (RESP2). */
  map(n: number): void {
    this.out += this.resp === 3 ? '%' + n + CRLF : '*' + 2 * n + CRLF
  }
  set(n: number): void {
    this.out += this.resp === 3 ? '~' + n + CRLF : '*' + n + CRLF
  }
  push(n: number): void {
    this.out += this.resp === 3 ? '>' + n + CRLF : '*' + n + CRLF
  }
  /** RESP3 double; RESP2 gets it as a bulk string (ZSCORE, INCRBYFLOAT style). */
  double(d: number): void {
    const s = formatDouble(d)
    this.add(this.resp === 3 ? ',' + s + CRLF : '$' + s.length + CRLF + s + CRLF)
  }
  bool(b: boolean): void {
    this.add(this.resp === 3 ? (b ? '#t\r\n' : '#f\r\n') : b ? ':1\r\n' : ':0\r\n')
  }
  /** RESP3 verbatim string (INFO, CLIENT LIST ...); bulk in RESP2. */
  verbatim(s: string, format = 'txt'): void {
    if (this.resp === 3) {
      if (this.out.length + s.length < REPLY_CHUNK) this.out += '=' + (s.length + 4) + CRLF + format + ':' + s + CRLF
      else this.bigBulk('=' + (s.length + 4) + CRLF + format + ':', s)
    } else this.bulk(s)
  }
  bulks(items: Iterable<string>, count: number): void {
    this.out += '*' + count + CRLF
    for (const s of items) {
      if (this.out.length + s.length < REPLY_CHUNK) this.out += '$' + s.length + CRLF + s + CRLF
      else this.bigBulk('$' + s.length + CRLF, s)
    }
  }
  /** Append pre-encoded RESP. */
  raw(s: string): void {
    if (this.out.length + s.length < REPLY_CHUNK) this.out += s
    else this.setAside(s)
  }
}

/** Standalone encoders for code that is not answering a session (bus, tests). */
export const encode = {
  bulk: (s: string | null) => (s == null ? '$-1\r\n' : '$' + s.length + CRLF + s + CRLF),
  command: (argv: string[]) => {
    let s = '*' + argv.length + CRLF
    for (const a of argv) s += '$' + a.length + CRLF + a + CRLF
    return s
  },
}

/** An error reply is one line: redis (addReplyErrorFormat) turns a CR or LF in its text into a space. */
function oneLine(s: string): string {
  return s.includes('\n') || s.includes('\r') ? s.replace(/[\r\n]/g, ' ') : s
}

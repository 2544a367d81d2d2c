// Reply encoder for RESP2 and RESP3. Replies accumulate in one latin1 string per session
// and are written with a single socket.write per read batch (house rule 8). Strings in this
// runtime are latin1, so string.length is the byte length of a bulk.

const CRLF = '\r\n'

export function formatDouble(d: number): string {
  if (d === Infinity) return 'inf'
  if (d === -Infinity) return '-inf'
  if (Number.isNaN(d)) return 'nan'
  return formatG17(d)
}

/** C's printf("%.17g"), which redis 7.0 addReplyDouble uses (7.2 switched to shortest repr). */
export function formatG17(d: number): string {
  return formatG(d, 17)
}

/** C's printf("%.<precision>g") of a finite number. */
export function formatG(d: number, precision: number): string {
  if (d === 0) return Object.is(d, -0) ? '-0' : '0'
  const e = d.toExponential(precision - 1)
  const at = e.indexOf('e')
  const x = Number(e.slice(at + 1))
  if (x < -4 || x >= precision) {
    const mant = stripZeros(e.slice(0, at))
    const ax = Math.abs(x)
    return mant + 'e' + (x < 0 ? '-' : '+') + (ax < 10 ? '0' + ax : String(ax))
  }
  return stripZeros(d.toFixed(precision - 1 - x))
}

function stripZeros(s: string): string {
  if (!s.includes('.')) return s
  let end = s.length
  while (s.charCodeAt(end - 1) === 48) end--
  if (s.charCodeAt(end - 1) === 46) end--
  return s.slice(0, end)
}

export class RespWriter {
  out = ''
  /** error replies written so far (a command failed when it moved this: INFO commandstats) */
  errors = 0
  /** told about every error reply (INFO errorstats); set by the session */
  onError: ((s: string) => void) | null = null
  constructor(public resp: 2 | 3 = 2) {}

  take(): string {
    const s = this.out
    this.out = ''
    return s
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
    this.out += ':' + n + CRLF
  }
  bulk(s: string | null | undefined): void {
    if (s == null) this.nil()
    else this.out += '$' + s.length + CRLF + s + CRLF
  }
  /** Null bulk string: $-1 (RESP2) / _ (RESP3). */
  nil(): void {
    this.out += this.resp === 3 ? '_\r\n' : '$-1\r\n'
  }
  /** Null array (e.g. EXEC aborted by WATCH, BLPOP timeout): *-1 (RESP2) / _ (RESP3). */
  nullArray(): void {
    this.out += this.resp === 3 ? '_\r\n' : '*-1\r\n'
  }
  array(n: number): void {
    this.out += '*' + n + CRLF
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
    this.out += this.resp === 3 ? ',' + s + CRLF : '$' + s.length + CRLF + s + CRLF
  }
  bool(b: boolean): void {
    this.out += this.resp === 3 ? (b ? '#t\r\n' : '#f\r\n') : b ? ':1\r\n' : ':0\r\n'
  }
  /** RESP3 verbatim string (INFO, CLIENT LIST ...); bulk in RESP2. */
  verbatim(s: string, format = 'txt'): void {
    if (this.resp === 3) this.out += '=' + (s.length + 4) + CRLF + format + ':' + s + CRLF
    else this.out += '$' + s.length + CRLF + s + CRLF
  }
  bulks(items: Iterable<string>, count: number): void {
    this.out += '*' + count + CRLF
    for (const s of items) this.out += '$' + s.length + CRLF + s + CRLF
  }
  /** Append pre-encoded RESP. */
  raw(s: string): void {
    this.out += s
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

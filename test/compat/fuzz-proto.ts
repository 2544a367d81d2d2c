// Differential wire-protocol fuzzer: seeded random *byte streams* — valid commands in multibulk and
// inline form (spaces, tabs, "..." and '...' quoting with escapes, \r\n or a lone \n, long lines,
// empty lines), and malformed input (unbalanced quotes, NUL bytes, *N and $N headers negative, huge,
// non-numeric, with a '+' sign, leading zeros or spaces, a byte other than '$' where a bulk header
// belongs, a bulk without its CRLF, count lines and inline lines past 64 KiB, bulks around
// proto-max-bulk-len, arguments past client-query-buffer-limit, the pre-AUTH limits), pipelined, with
// HELLO 2/3, CLIENT REPLY OFF/SKIP, MULTI, SUBSCRIBE/PUBLISH, RESET and QUIT mixed in, random inline
// bytes — each stream cut into random chunks sent with small delays, on fresh raw TCP connections to a
// real redis-server and an embedded node at the same time. Compared: every byte each server sends back
// until it closes the connection or goes quiet (an ECHO sentinel ends a stream the generator knows to
// be well-formed), whether it closed, CLIENT LIST's qbuf/argv-mem/flags/cmd of a connection left open,
// and afterwards INFO's error counters, errorstats and command stats. Left out, as redis-server's own
// read boundaries decide them: an inline line past 64 KiB that has its end later, and whether QUIT or
// a protocol error under CLIENT REPLY OFF/SKIP closes the connection (its bytes are still compared).
//
// Used by test/compat/fuzz-proto.test.ts (fixed seeds, in `npm test`) and as a tool:
//   node --import tsx test/compat/fuzz-proto.ts [--seeds 1-40] [--commands 20]
import net from 'node:net'
import {RawClient, startPair, type Pair} from './harness.js'
import {prng, type Rng} from './fuzz-commands.js'

const pick = <T>(r: Rng, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]
const int = (r: Rng, lo: number, hi: number): number => lo + Math.floor(r() * (hi - lo + 1))
const sleep = (ms: number) => new Promise((res) => setTimeout(res, ms))

/** What a segment does to the connection, as far as the generator knows. */
type Effect =
  | 'ok' // complete command(s) or nothing; the parser is between commands afterwards
  | 'fatal' // a protocol error (or QUIT, or the query buffer limit): the server closes
  | 'absorb' // leaves the parser waiting inside a command: what follows is eaten as its bytes

interface Segment {
  bytes: Buffer
  effect: Effect
  /** CLIENT REPLY / MULTI / SUBSCRIBE / RESP3: the sentinel needs a RESET first */
  dirty?: boolean
  /** CLIENT REPLY OFF|SKIP: a QUIT or protocol error after it closes the connection only when a
   *  reply of the same read is still to write — where redis's reads end, not the bytes, decide */
  muting?: boolean
  /** nothing may follow: where the server's reads end would decide its reply (a line past 64 KiB
   *  is refused once a read leaves it without its end, accepted when one brings the end along) */
  last?: boolean
  note: string
}

interface SeedConfig {
  protoMaxBulkLen: number
  queryBufLimit: number
  password: string | null
}

const L = (s: string) => Buffer.from(s, 'latin1')
const mb = (argv: string[]) => L(`*${argv.length}\r\n` + argv.map((a) => `$${a.length}\r\n${a}\r\n`).join(''))

const KEYS = ['k1', 'k2', 'n1', 'l1']
const VALUES = ['v', '', '1', '-7', 'hello world', 'a"b', "it's", 'tab\there', 'nl\nx', 'cr\rx', 'nul\x00x', '\xff\xfe', 'x'.repeat(100), '\\x41']
const COUNTS = ['0', '-1', '-0', '00', '01', '+1', ' 1', '1 ', '', 'abc', '1x', '-5', '2147483647', '2147483648', '1048577', '99999999999999999999', '9223372036854775807', '-9223372036854775808', '-9223372036854775809', '-2147483649', '-9007199254740993', '18446744073709551616', '0x10', '1e3', '\t2']
const GARBAGE = ['a', 'b', ' ', ' ', '\t', '\x0b', '\x0c', '\r', '"', "'", '\\', '\\x', '4', '1', 'f', 'G', '\\n', '\\"', "\\'", '\x80', '\xff', '$', '*', 'PING', 'ECHO ', 'SET ']
const LENGTHS = ['-1', '-0', '+3', '03', ' 3', '3 ', '', 'x', '3x', '-9223372036854775808', '99999999999999999999', '9223372036854775807', '2147483648', '0x3', '3.0']

/** A valid command's argv, with its effect on the connection state. */
function command(r: Rng, cfg: SeedConfig): {argv: string[]; dirty?: boolean; fatal?: boolean; muting?: boolean} {
  const k = pick(r, KEYS)
  const v = pick(r, VALUES)
  switch (int(r, 0, 24)) {
    case 0: return {argv: ['PING']}
    case 1: return {argv: ['PING', v]}
    case 2: return {argv: ['ECHO', v]}
    case 3: return {argv: ['SET', k, v]}
    case 4: return {argv: ['GET', k]}
    case 5: return {argv: ['INCR', k]}
    case 6: return {argv: ['DEL', k, pick(r, KEYS)]}
    case 7: return {argv: ['APPEND', k, v]}
    case 8: return {argv: ['MGET', k, pick(r, KEYS)]}
    case 9: return {argv: ['SET', k]} // arity
    case 10: return {argv: [pick(r, ['FOO', '', 'G\x00ET', 'get ', '+PING', '$3']), v]} // unknown command
    case 11: {
      const mode = pick(r, ['OFF', 'ON', 'SKIP', 'SKIP', 'BAD'])
      return {argv: ['CLIENT', 'REPLY', mode], dirty: true, muting: mode === 'OFF' || mode === 'SKIP'}
    }
    case 12: return {argv: ['HELLO', pick(r, ['2', '3', '3', '4', 'x'])], dirty: true}
    case 13: return {argv: ['RESET'], dirty: false}
    case 14: return r() < 0.5 ? {argv: ['QUIT'], fatal: true} : {argv: ['quit', 'extra'], fatal: true}
    case 15: return {argv: ['MULTI'], dirty: true}
    case 16: return {argv: [pick(r, ['EXEC', 'DISCARD'])]}
    case 17: return {argv: ['SELECT', pick(r, ['0', '1', '16', 'x'])], dirty: true}
    case 18: return {argv: ['SUBSCRIBE', 'ch'], dirty: true}
    case 19: return {argv: ['UNSUBSCRIBE']}
    case 20: return {argv: ['AUTH', pick(r, cfg.password ? [cfg.password, 'wrong'] : ['wrong'])], dirty: true}
    case 21: return {argv: ['ECHO', 'y'.repeat(pick(r, [1000, 20000, 40000]))]}
    case 22: return {argv: ['SETRANGE', k, pick(r, ['0', '3', '-1']), v]}
    case 23: return {argv: ['HELLO', '3', 'AUTH', 'default', pick(r, cfg.password ? [cfg.password, 'nope'] : ['nope'])], dirty: true}
    default: return {argv: ['STRLEN', k]}
  }
}

/** One inline argument as redis-cli would type it (quoted when it must be, sometimes anyway). */
function inlineArg(r: Rng, a: string): string | null {
  const plain = a !== '' && !/[\s"'\x00]/.test(a)
  const x = r()
  if (plain && x < 0.6) return a
  if (x < 0.85 || /[\x00-\x1f\x7f-\xff]/.test(a)) {
    let out = '"'
    for (const ch of a) {
      const c = ch.charCodeAt(0)
      if (ch === '"' || ch === '\\') out += '\\' + ch
      else if (ch === '\n') out += r() < 0.5 ? '\\n' : '\\x0a'
      else if (ch === '\r') out += '\\r'
      else if (ch === '\t') out += r() < 0.5 ? '\\t' : '\t'
      else if (c < 32 || c >= 127 || r() < 0.1) {
        const hex = c.toString(16).padStart(2, '0')
        out += '\\x' + (r() < 0.5 ? hex.toUpperCase() : hex)
      }
      else out += ch
    }
    return out + '"'
  }
  if (a.includes("'") && r() < 0.5) return null
  return "'" + a.replace(/'/g, "\\'") + "'"
}

function inlineLine(r: Rng, argv: string[]): string | null {
  const parts: string[] = []
  for (const a of argv) {
    const s = inlineArg(r, a)
    if (s === null) return null
    parts.push(s)
  }
  const sep = () => pick(r, [' ', ' ', ' ', '  ', '\t', ' \t '])
  const lead = r() < 0.2 ? pick(r, [' ', '\t', '  ']) : ''
  const trail = r() < 0.2 ? pick(r, [' ', '\t']) : ''
  return lead + parts.map((p, i) => (i === 0 ? p : sep() + p)).join('') + trail
}

/** An argv for the report: long arguments cut, bytes escaped. */
const show = (argv: string[]) => JSON.stringify(argv.map((a) => (a.length > 24 ? a.slice(0, 24) + `…(${a.length})` : a)))

const eol = (r: Rng) => (r() < 0.75 ? '\r\n' : '\n')

/** A segment of the stream. */
function segment(r: Rng, cfg: SeedConfig): Segment {
  const x = r()
  if (x < 0.4) {
    // a valid command, multibulk or inline
    const c = command(r, cfg)
    const effect: Effect = c.fatal ? 'fatal' : 'ok'
    const {dirty, muting} = c
    if (r() < 0.6 || c.argv[0] === '') return {bytes: mb(c.argv), effect, dirty, muting, note: `mb ${show(c.argv)}`}
    const line = inlineLine(r, c.argv)
    if (line === null) return {bytes: mb(c.argv), effect, dirty, muting, note: `mb ${show(c.argv)}`}
    return {bytes: L(line + eol(r)), effect, dirty, muting, note: `inline ${show(c.argv)}`}
  }
  const k = int(r, 0, 33)
  switch (k) {
    case 32: {
      // a command cut inside a bulk (small or past 32 KiB, redis's big-argument reads)
      const n = pick(r, [10, 1000, 40000, 100000])
      const have = int(r, 0, n)
      // (last: what follows could end an earlier bulk and leave these bytes an inline line past 64 KiB)
      return {bytes: L(`*3\r\n$3\r\nSET\r\n$2\r\nk9\r\n$${n}\r\n` + 'p'.repeat(have)), effect: 'absorb', last: have > 30000, note: `partial bulk ${have}/${n}`}
    }
    case 33: {
      // messages to a channel this connection may be subscribed to (pushes in RESP3)
      return {bytes: mb(['PUBLISH', 'ch', pick(r, VALUES)]), effect: 'ok', note: 'publish'}
    }
    case 28: {
      // an inline line of random bytes: quotes, escapes, every kind of whitespace, high bytes
      const line = Array.from({length: int(r, 1, 30)}, () => pick(r, GARBAGE)).join('')
      return {bytes: L(line + eol(r)), effect: 'absorb', note: `garbage ${JSON.stringify(line)}`}
    }
    case 29: {
      // a multibulk of random headers and payloads
      const parts = Array.from({length: int(r, 1, 5)}, () => pick(r, ['$1\r\nx\r\n', '$0\r\n\r\n', '$3\r\nabc\r\n', '$2\r\nab', '\r\n', '$', '1', 'x', '\r', '\n', '*1\r\n', '$-1\r\n', '$ 1\r\n']))
      return {bytes: L(`*${int(r, 0, 4)}\r\n` + parts.join('')), effect: 'absorb', note: `garbage mb ${JSON.stringify(parts.join(''))}`}
    }
    case 30: {
      // an unknown command whose error quotes long or multi-line names and arguments
      const argv = [pick(r, ['x'.repeat(200), 'NO\r\nPE', 'bad\ncmd', 'é\xff']), ...Array.from({length: int(r, 0, 4)}, () => pick(r, ['a'.repeat(int(r, 1, 140)), 'l1\r\nl2', '', '\n']))]
      return {bytes: mb(argv), effect: 'ok', note: `unknown ${show(argv)}`}
    }
    case 31: {
      // an unknown subcommand of a container command
      const argv = [pick(r, ['CLIENT', 'config', 'Object', 'XINFO']), pick(r, ['nope', 'x'.repeat(150), 'a\r\nb', '']), 'arg']
      return {bytes: mb(argv), effect: 'ok', note: `subcommand ${show(argv)}`}
    }
    case 0: return {bytes: L(pick(r, ['\r\n', '\n', '   \r\n', '\t\n', ' \r\r\n', '\r\r\n'])), effect: 'ok', note: 'empty line'}
    case 1: return {bytes: L(pick(r, ['*0\r\n', '*-1\r\n', '*-7\r\n'])), effect: 'ok', note: 'empty multibulk'}
    case 2: {
      // a multibulk count line of any shape, then a valid PING body when the count is one
      const n = pick(r, COUNTS)
      return {bytes: L(`*${n}\r\n` + (n === '1' ? '$4\r\nPING\r\n' : '')), effect: countEffect(n, cfg), note: `*${JSON.stringify(n)}`}
    }
    case 3: {
      // a bulk header of any shape
      const n = pick(r, LENGTHS)
      const ok = n === '3'
      return {bytes: L(`*2\r\n$4\r\nECHO\r\n$${n}\r\n` + (ok ? 'abc\r\n' : '')), effect: ok ? 'ok' : 'fatal', note: `$${JSON.stringify(n)}`}
    }
    case 4: {
      // a byte other than '$' where a bulk header belongs
      const b = pick(r, ['+', ':', '-', '*', 'x', ' ', '\n', '\r', '\xff', '%', '0'])
      return {bytes: L(`*2\r\n$4\r\nECHO\r\n${b}3\r\nabc\r\n`), effect: 'fatal', note: `got ${JSON.stringify(b)}`}
    }
    case 5: {
      // a bulk whose CRLF is missing, replaced or followed by extra bytes
      const tail = pick(r, ['XY', 'X\r\n', '\r\nX', '', '\n', '\r\r\n'])
      return {bytes: L(`*2\r\n$4\r\nECHO\r\n$3\r\nabc${tail}*1\r\n$4\r\nPING\r\n`), effect: 'absorb', note: `bulk tail ${JSON.stringify(tail)}`}
    }
    case 6: {
      // a RESP type byte other than '*' starting a command: an inline command
      const t = pick(r, ['$', '+', ':', '-', '%', '~', '>', '_', '#', ','])
      return {bytes: L(`${t}${pick(r, ['3', 'PING', 'OK', '1'])}\r\n` + (r() < 0.5 ? 'foo\r\n' : '')), effect: 'ok', note: `type ${t}`}
    }
    case 7: {
      // unbalanced or glued quotes
      const s = pick(r, ['SET "abc', "SET 'abc", 'ECHO "a"b', "ECHO 'a'b", 'ECHO "\\"', 'ECHO "a\\', "ECHO '\\'", 'ECHO "x""y"', '"', "'", 'ECHO ""', "ECHO ''", 'ECHO "\\x4"', 'ECHO "\\xzz"', 'ECHO "\\x41\\x4a"', "ECHO 'a\\x41'", 'ECHO "a b"c'])
      return {bytes: L(s + eol(r)), effect: /^ECHO ("\\x4"|"\\xzz"|"\\x41\\x4a"|'a\\x41'|""|'')$/.test(s) ? 'ok' : 'fatal', note: `quotes ${s}`}
    }
    case 8: {
      // a NUL inside an inline line (redis looks for the newline with strchr)
      const s = pick(r, ['PING\x00\r\n', 'ECHO a\x00b\r\n', '\x00\r\n', 'ECHO "\x00"\r\n', 'EC\x00HO x\n'])
      return {bytes: L(s), effect: 'absorb', note: `nul ${JSON.stringify(s)}`}
    }
    case 9: {
      // a NUL inside a count or bulk-length line
      const s = pick(r, ['*1\x00\r\n$4\r\nPING\r\n', '*1\r\n$4\x00\r\nPING\r\n', '*\x00\r\n', '*2\r\n$4\r\nECHO\r\n$\x001\r\nx\r\n'])
      return {bytes: L(s), effect: 'absorb', note: `nul header ${JSON.stringify(s)}`}
    }
    case 10: {
      // an inline line far below, or a line without newline past, the 64 KiB limit
      if (r() < 0.5) return {bytes: L('ECHO ' + 'a'.repeat(int(r, 30000, 60000)) + eol(r)), effect: 'ok', note: 'long inline'}
      return {bytes: L('ECHO ' + 'a'.repeat(int(r, 66000, 90000))), effect: 'fatal', last: true, note: 'too long inline'}
    }
    case 11: return {bytes: L('*' + '1'.repeat(int(r, 66000, 80000))), effect: 'fatal', last: true, note: 'too long count'}
    case 12: return {bytes: L('*1\r\n$' + '1'.repeat(int(r, 66000, 80000))), effect: 'fatal', last: true, note: 'too long bulk count'}
    case 13: {
      // bulk lengths around proto-max-bulk-len
      const n = cfg.protoMaxBulkLen + pick(r, [-1, 0, 1])
      const whole = r() < 0.5 && n <= Math.min(cfg.protoMaxBulkLen, 2 * 1024 * 1024)
      return {bytes: L(`*2\r\n$4\r\nECHO\r\n$${n}\r\n` + (whole ? 'z'.repeat(n) + '\r\n' : '')), effect: n > cfg.protoMaxBulkLen ? 'fatal' : whole ? 'ok' : 'absorb', note: `bulk ${n} of max ${cfg.protoMaxBulkLen}`}
    }
    case 14: {
      // a big argument: querybuf handling; past client-query-buffer-limit the server closes
      const n = pick(r, [33000, 70000, 300000, Math.min(cfg.queryBufLimit, 2 * 1024 * 1024) + 1000])
      const fatal = n > cfg.queryBufLimit || n > cfg.protoMaxBulkLen
      return {bytes: mb(['SET', pick(r, KEYS), 'b'.repeat(n)]), effect: fatal ? 'fatal' : 'ok', note: `big arg ${n}`}
    }
    case 15: {
      // more args than announced / fewer args than announced
      return r() < 0.5
        ? {bytes: L('*1\r\n$4\r\nPING\r\n$4\r\nPING\r\n'), effect: 'ok', note: 'extra bulk (inline $4)'}
        : {bytes: L('*3\r\n$4\r\nECHO\r\n$1\r\nx\r\n'), effect: 'absorb', note: 'missing bulk'}
    }
    case 16: return {bytes: L(`*${int(r, 11, 12)}\r\n` + '$1\r\nx\r\n'.repeat(12)), effect: cfg.password ? 'fatal' : 'ok', note: 'eleven args'}
    case 17: return {bytes: L('*2\r\n$4\r\nECHO\r\n$16385\r\n' + 'q'.repeat(16385) + '\r\n'), effect: cfg.password ? 'fatal' : 'ok', note: 'bulk 16385'}
    case 18: return {bytes: L(`*1\r\n$4\r\nPING\r${pick(r, ['\n', 'X', '\r'])}`), effect: 'absorb', note: 'CR then any byte'}
    case 19: return {bytes: L(pick(r, ['*1\n$4\nPING\n', '*1\r\n$4\nPING\r\n', '*1\n\r\n'])), effect: 'absorb', note: 'lone LF in headers'}
    case 20: return {bytes: L('*2\r\n$4\r\nECHO\r\n$0\r\n\r\n'), effect: 'ok', note: 'empty bulk'}
    case 21: return {bytes: L('*1\r\n$0\r\n\r\n'), effect: 'ok', note: 'empty command name'}
    case 22: return {bytes: L(`*${pick(r, ['1048576', '1048577', '2000000', '1025', '1024'])}\r\n` + '$4\r\nPING\r\n'), effect: 'absorb', note: 'big count'}
    case 23: return {bytes: L('PING' + pick(r, ['\r', '\r \n', '\r\r', ' \r\n\r\n', '\n\n'])), effect: 'absorb', note: 'inline CR'}
    case 24: return {bytes: L('\x00'), effect: 'absorb', note: 'lone NUL'}
    case 25: return {bytes: L('*1\r\n$4\r\nPING\r\n'.repeat(int(r, 2, 50))), effect: 'ok', note: 'pipeline'}
    case 26: return {bytes: L('PING\r\n'.repeat(int(r, 2, 50))), effect: 'ok', note: 'inline pipeline'}
    default: return {bytes: L('*1\r\n$4\r\nPING\r\n\r\n'), effect: 'absorb', note: 'CRLF after multibulk'}
  }
}

function countEffect(n: string, cfg: SeedConfig): Effect {
  if (!/^(0|-?[1-9][0-9]*)$/.test(n)) return 'fatal'
  const v = BigInt(n)
  if (v < -(2n ** 63n) || v > 2n ** 31n - 1n) return 'fatal'
  if (v <= 0n) return 'ok'
  if (v > 10n && cfg.password) return 'fatal'
  return v === 1n ? 'ok' : 'absorb'
}

interface Stream {
  segments: Segment[]
  /** the chunks the bytes are sent in, each with the delay after it (ms) */
  chunks: {bytes: Buffer; delay: number}[]
  sentinel: string | null
}

const SENTINEL = 'sentinel-7f3a'

function stream(r: Rng, cfg: SeedConfig): Stream {
  const segments: Segment[] = []
  const n = int(r, 1, 8)
  let state: Effect = 'ok'
  let dirty = false
  for (let i = 0; i < n; i++) {
    const s = segment(r, cfg)
    segments.push(s)
    if (state === 'ok') state = s.effect
    if (s.dirty) dirty = true
    if (s.last || (s.effect === 'fatal' && r() < 0.6)) break
  }
  let sentinel: string | null = null
  if (state === 'ok') {
    sentinel = SENTINEL
    const tail = dirty ? [mb(['RESET'])] : []
    if (cfg.password) tail.push(mb(['AUTH', cfg.password]))
    segments.push({bytes: Buffer.concat([...tail, mb(['ECHO', SENTINEL])]), effect: 'ok', note: 'sentinel'})
  }
  const all = Buffer.concat(segments.map((s) => s.bytes))
  const chunks: {bytes: Buffer; delay: number}[] = []
  const cuts = r() < 0.3 ? 0 : int(r, 1, Math.min(12, all.length - 1))
  const points = [...new Set(Array.from({length: cuts}, () => int(r, 1, all.length - 1)))].sort((a, b) => a - b)
  let at = 0
  for (const p of [...points, all.length]) {
    chunks.push({bytes: all.subarray(at, p), delay: r() < 0.5 ? 0 : int(r, 1, 4)})
    at = p
  }
  return {segments, chunks, sentinel}
}

interface Received {
  data: string
  closed: boolean
}

class Wire {
  private parts: Buffer[] = []
  private size = 0
  closed = false
  last = Date.now()
  private wake: (() => void) | null = null
  private constructor(readonly sock: net.Socket) {
    sock.on('data', (d) => {
      this.parts.push(d)
      this.size += d.length
      this.last = Date.now()
      this.wake?.()
    })
    sock.on('end', () => {
      this.closed = true
      this.wake?.()
    })
    sock.on('close', () => {
      this.closed = true
      this.wake?.()
    })
    sock.on('error', () => undefined)
    // A write that fails (the server closed after its error reply and reset the connection) makes
    // Node destroy the socket at once, dropping the reply still unread in the kernel's receive
    // queue. Keep reading instead: only the read side (EOF, ECONNRESET) ends the connection.
    const destroy = sock.destroy.bind(sock)
    sock.destroy = ((err?: Error & {syscall?: string}) => {
      if (err?.syscall === 'write' || (err as {code?: string} | undefined)?.code === 'EPIPE') {
        this.writeFailed = true
        // (Node marks the read side errored too, which would hide the server's FIN)
        ;(sock as unknown as {_readableState: {errored: unknown}})._readableState.errored = null
        return sock
      }
      return destroy(err)
    }) as typeof sock.destroy
  }
  writeFailed = false
  static connect(port: number): Promise<Wire> {
    return new Promise((resolve, reject) => {
      const s = net.connect(port, '127.0.0.1', () => resolve(new Wire(s)))
      s.once('error', reject)
    })
  }
  get text(): string {
    if (this.parts.length > 1) this.parts = [Buffer.concat(this.parts)]
    return this.parts[0]?.toString('latin1') ?? ''
  }
  write(b: Buffer): void {
    if (!this.closed && !this.writeFailed && !this.sock.destroyed && this.sock.writable) this.sock.write(b)
  }
  /** Until the server closes, the sentinel's reply ends the data, or `quiet` ms pass without data. */
  async settle(sentinel: string | null, quiet: number, deadline: number): Promise<Received> {
    const tail = sentinel === null ? null : `$${sentinel.length}\r\n${sentinel}\r\n`
    for (;;) {
      if (this.closed) break
      if (tail !== null && this.size >= tail.length && this.text.endsWith(tail)) break
      const now = Date.now()
      if (now >= deadline) break
      if (now - this.last >= quiet) {
        // A stalled event loop runs its due timers before the I/O that arrived meanwhile (the
        // embedded node shares this process): a few loop turns let that I/O in first.
        for (let k = 0; k < 4; k++) await new Promise((res) => setImmediate(res))
        if (Date.now() - this.last >= quiet) break
        continue
      }
      await new Promise<void>((res) => {
        const t = setTimeout(res, Math.min(quiet - (now - this.last), deadline - now))
        this.wake = () => (clearTimeout(t), res())
      })
      this.wake = null
    }
    return {data: this.text, closed: this.closed}
  }
  close(): void {
    this.writeFailed = false
    this.sock.destroy()
  }
}

/**
 * Both servers closed, one side's bytes a prefix of the other's, past what the socket buffers hold:
 * a server that closes with unread input resets the connection, and the kernel drops what it had
 * not sent yet — redis does so too, but runs beside this process, which reads as it writes, where
 * the embedded node shares this process's event loop and closes before the reader's next turn.
 */
function cutShort(x: Received, y: Received): boolean {
  if (!x.closed || !y.closed) return false
  const [short, long] = x.data.length < y.data.length ? [x.data, y.data] : [y.data, x.data]
  return short.length >= 64 * 1024 && long.startsWith(short)
}

/** What redis-server itself varies in the bytes: client ids in HELLO's reply. */
function normalize(s: string): string {
  return s.replace(/\$2\r\nid\r\n:\d+\r\n/g, '$2\r\nid\r\n:<id>\r\n')
}

/** The counters protocol errors and commands touch: total_error_replies, errorstats, commandstats calls. */
async function counters(c: RawClient): Promise<string> {
  const stats = String(await c.call(['INFO', 'stats']))
  const errs = String(await c.call(['INFO', 'errorstats']))
  const cmds = String(await c.call(['INFO', 'commandstats']))
  const pickLines = (s: string, re: RegExp) => s.split('\r\n').filter((l) => re.test(l))
  return [
    ...pickLines(stats, /^(total_error_replies|total_commands_processed|unexpected_error_replies):/),
    ...pickLines(errs, /^errorstat_/),
    ...pickLines(cmds, /^cmdstat_/).map((l) => l.replace(/usec=[^,]*,usec_per_call=[^,]*,/, '')),
  ]
    .sort() // redis-server lists both from dicts: no order to compare
    .join('\n')
}

const CLIENT_FIELDS = ['db', 'sub', 'psub', 'ssub', 'multi', 'qbuf', 'argv-mem', 'flags', 'cmd', 'user', 'resp', 'obl', 'oll', 'omem']

/** The CLIENT LIST fields of the connection from local port `port` that only its bytes decide. */
async function clientFields(c: RawClient, port: number): Promise<string> {
  const list = String(await c.call(['CLIENT', 'LIST']))
  const line = list.split('\n').find((l) => l.includes(` addr=127.0.0.1:${port} `))
  if (line === undefined) return '<gone>'
  const fields = new Map(line.trim().split(' ').map((f) => [f.slice(0, f.indexOf('=')), f.slice(f.indexOf('=') + 1)]))
  return CLIENT_FIELDS.map((f) => `${f}=${fields.get(f)}`).join(' ')
}

export interface ProtoDiff {
  seed: number
  index: number
  notes: string[]
  what: string
  theirs: string
  ours: string
}

const QUIET_MS = 120

/** One seed: `count` random streams sent to both servers; the first difference, or null. */
export async function fuzzProto(redisPort: number, ourPort: number, seed: number, count: number): Promise<ProtoDiff | null> {
  const r = prng(seed)
  const ctl = await Promise.all([RawClient.connect(redisPort), RawClient.connect(ourPort)])
  const both = (argv: string[]) => Promise.all(ctl.map((c) => c.call(argv)))
  const cfg: SeedConfig = {
    protoMaxBulkLen: r() < 0.3 ? 1024 * 1024 : 512 * 1024 * 1024,
    queryBufLimit: r() < 0.3 ? 1024 * 1024 : 1024 * 1024 * 1024,
    password: r() < 0.2 ? 'pw' + seed : null,
  }
  try {
    await both(['FLUSHALL'])
    await both(['CONFIG', 'RESETSTAT'])
    await both(['CONFIG', 'SET', 'proto-max-bulk-len', String(cfg.protoMaxBulkLen), 'client-query-buffer-limit', String(cfg.queryBufLimit)])
    if (cfg.password) await both(['CONFIG', 'SET', 'requirepass', cfg.password])
    for (let i = 0; i < count; i++) {
      const s = stream(r, cfg)
      const notes = s.segments.map((g) => g.note)
      const wires = await Promise.all([Wire.connect(redisPort), Wire.connect(ourPort)])
      try {
        for (const ch of s.chunks) {
          for (const w of wires) w.write(ch.bytes)
          if (ch.delay) await sleep(ch.delay)
        }
        if (process.env.FUZZ_PROTO_DEBUG) console.log(i, notes.join(' | '), s.chunks.map((c) => `${c.bytes.length}+${c.delay}`).join(' '))
        const deadline = Date.now() + 5000
        for (const w of wires) w.last = Math.max(w.last, Date.now())
        const closeVaries = s.segments.some((g) => g.muting)
        const show = (g: Received) => normalize(g.data) + (g.closed && !closeVaries ? '<closed>' : '')
        let [theirs, ours] = await Promise.all(wires.map((w) => w.settle(s.sentinel, QUIET_MS, deadline)))
        if (show(theirs) !== show(ours) && !(theirs.closed && ours.closed)) {
          // a loaded machine can hold either server up past the quiet time: a second, longer look
          for (const w of wires) w.last = Date.now()
          ;[theirs, ours] = await Promise.all(wires.map((w) => w.settle(s.sentinel, 4 * QUIET_MS, Date.now() + 5000)))
        }
        const a = show(theirs)
        const b = show(ours)
        if (a !== b && !cutShort(theirs, ours)) return {seed, index: i, notes, what: 'bytes', theirs: a, ours: b}
        if (!theirs.closed && !ours.closed) {
          // the connection as CLIENT LIST shows it: what is left unparsed, the arguments parsed of
          // an incomplete command, its flags (c: closing after a reply that never comes)
          let la = ''
          let lb = ''
          for (let tries = 0; tries < 3; tries++) {
            if (tries !== 0) await sleep(200) // (a server still reading what was sent)
            ;[la, lb] = await Promise.all(ctl.map((c, k) => clientFields(c, wires[k].sock.localPort!)))
            if (la === lb) break
          }
          if (process.env.FUZZ_PROTO_DEBUG) console.log(la)
          if (la !== lb) return {seed, index: i, notes, what: 'CLIENT LIST', theirs: la, ours: lb}
        }
      } finally {
        for (const w of wires) w.close()
      }
      const [ca, cb] = await Promise.all(ctl.map(counters))
      if (ca !== cb) return {seed, index: i, notes, what: 'counters', theirs: ca, ours: cb}
    }
    return null
  } finally {
    await both(['CONFIG', 'SET', 'proto-max-bulk-len', String(512 * 1024 * 1024), 'client-query-buffer-limit', String(1024 * 1024 * 1024), 'requirepass', ''])
    for (const c of ctl) c.close()
  }
}

/** The first place two strings differ, with some context, for the report. */
function around(a: string, b: string, limit: number): [string, string] {
  let i = 0
  while (i < a.length && i < b.length && a[i] === b[i]) i++
  const from = Math.max(0, i - 80)
  const cut = (s: string) => (from > 0 ? `…(${from})` : '') + JSON.stringify(s.slice(from, from + limit))
  return [cut(a), cut(b)]
}

export function describeProtoDiff(d: ProtoDiff, limit = 400): string {
  const [a, b] = around(d.theirs, d.ours, limit)
  return `seed ${d.seed} stream ${d.index} (${d.what}): ${d.notes.join(' | ')}\n  redis-server: ${a}\n  embedded:     ${b}`
}

if (process.argv[1]?.endsWith('fuzz-proto.ts')) {
  const arg = (name: string, def: string): string => {
    const at = process.argv.indexOf('--' + name)
    return at >= 0 ? process.argv[at + 1] : def
  }
  const [lo, hi] = arg('seeds', '1-10').split('-').map(Number)
  const count = Number(arg('commands', '20'))
  const pair: Pair = await startPair()
  let diffs = 0
  try {
    for (let seed = lo; seed <= (hi ?? lo); seed++) {
      const d = await fuzzProto(pair.redisPort, pair.ourPort, seed, count)
      if (d === null) continue
      diffs++
      console.log(describeProtoDiff(d))
    }
  } finally {
    await pair.stop()
  }
  console.log(`${diffs} difference(s)`)
}

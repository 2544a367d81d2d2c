// Compat harness for the data-type groups: the same command scripts go to a real redis-server
// and to an embedded node over raw sockets, and the raw RESP replies are compared byte for
// byte (so reply *types* — set vs array, double vs bulk, *-1 vs $-1 — are checked too).
import net from 'node:net'
import type {Pair} from './harness.js'

/** Length of the first complete RESP reply in buf, or -1 when incomplete. */
export function replyLength(buf: string, at = 0): number {
  const eol = buf.indexOf('\r\n', at)
  if (eol < 0) return -1
  const t = buf[at]
  const head = buf.slice(at + 1, eol)
  const after = eol + 2
  switch (t) {
    case '+': case '-': case ':': case ',': case '#': case '_': case '(':
      return after - at
    case '$': case '=': case '!': {
      const n = Number(head)
      if (n < 0) return after - at
      return buf.length >= after + n + 2 ? after + n + 2 - at : -1
    }
    case '*': case '~': case '>': case '%': case '|': {
      let n = Number(head)
      if (n < 0) return after - at
      if (t === '%' || t === '|') n *= 2
      let p = after
      for (let i = 0; i < n; i++) {
        const l = replyLength(buf, p)
        if (l < 0) return -1
        p += l
      }
      return p - at
    }
    default:
      throw new Error(`bad RESP type byte ${JSON.stringify(t)} in ${JSON.stringify(buf.slice(at, at + 40))}`)
  }
}

export function encodeCommand(argv: string[]): string {
  let s = '*' + argv.length + '\r\n'
  for (const a of argv) s += '$' + Buffer.byteLength(a, 'latin1') + '\r\n' + a + '\r\n'
  return s
}

export class RawClient {
  private buf = ''
  private waiters: {resolve: (s: string) => void; reject: (e: Error) => void}[] = []
  private constructor(private readonly sock: net.Socket) {
    sock.setEncoding('latin1')
    sock.on('data', (d: string) => {
      this.buf += d
      this.drain()
    })
    sock.on('error', (e) => this.fail(e))
    sock.on('close', () => this.fail(new Error('connection closed')))
  }

  static connect(port: number, host = '127.0.0.1'): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const s = net.connect({port, host}, () => resolve(new RawClient(s)))
      s.once('error', reject)
    })
  }

  private drain(): void {
    while (this.waiters.length > 0) {
      const n = replyLength(this.buf)
      if (n < 0) return
      const r = this.buf.slice(0, n)
      this.buf = this.buf.slice(n)
      this.waiters.shift()!.resolve(r)
    }
  }

  private fail(e: Error): void {
    for (const w of this.waiters.splice(0)) w.reject(e)
  }

  /** Send one command; resolves with its raw reply. */
  call(argv: string[]): Promise<string> {
    return new Promise((resolve, reject) => {
      this.waiters.push({resolve, reject})
      this.sock.write(encodeCommand(argv), 'latin1')
    })
  }

  close(): void {
    this.sock.destroy()
  }
}

/** Split a command line like `ZADD z 1 "a b"` (double quotes group words; "" is empty). */
export function words(line: string): string[] {
  const out: string[] = []
  const re = /"((?:[^"\\]|\\.)*)"|(\S+)/g
  for (let m = re.exec(line); m; m = re.exec(line)) out.push(m[1] !== undefined ? m[1].replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c === 'r' ? '\r' : c)) : m[2])
  return out
}

export interface Mismatch {
  resp: 2 | 3
  command: string
  redis: string
  ours: string
}

/**
 * Run every line on both servers (after FLUSHALL and HELLO <resp>), collect differing replies.
 * Lines starting with "~" have their reply compared as an unordered multiset of top-level
 * elements (sets and hash-order results, where redis's order is its hash table's).
 */
export async function compareScript(redisPort: number, ourPort: number, lines: string[], resp: 2 | 3): Promise<Mismatch[]> {
  const a = await RawClient.connect(redisPort)
  const b = await RawClient.connect(ourPort)
  const out: Mismatch[] = []
  try {
    for (const c of [a, b]) {
      await c.call(['FLUSHALL'])
      await c.call(['HELLO', String(resp)])
    }
    for (const raw of lines) {
      const line = raw.trim()
      if (!line || line.startsWith('#')) continue
      const unordered = line.startsWith('~')
      const argv = words(unordered ? line.slice(1) : line)
      let [x, y] = await Promise.all([a.call(argv), b.call(argv)])
      if (unordered) {
        x = normalizeUnordered(x)
        y = normalizeUnordered(y)
      }
      if (x !== y) out.push({resp, command: line, redis: x, ours: y})
    }
  } finally {
    a.close()
    b.close()
  }
  return out
}

/** Sort the top-level elements of an aggregate reply (pairs of a map stay together). */
export function normalizeUnordered(r: string): string {
  const t = r[0]
  if (!'*~%'.includes(t)) return r
  const eol = r.indexOf('\r\n')
  const n = Number(r.slice(1, eol))
  if (n <= 0) return r
  const items: string[] = []
  let p = eol + 2
  const per = t === '%' ? 2 : 1
  for (let i = 0; i < n; i++) {
    let item = ''
    for (let k = 0; k < per; k++) {
      const l = replyLength(r, p)
      item += r.slice(p, p + l)
      p += l
    }
    items.push(item)
  }
  items.sort()
  return r.slice(0, eol + 2) + items.join('')
}

export function showMismatches(ms: Mismatch[]): string {
  return ms.map((m) => `RESP${m.resp} ${m.command}\n  redis: ${JSON.stringify(m.redis)}\n  ours:  ${JSON.stringify(m.ours)}`).join('\n')
}

export {pairHooks, startPair, type Pair} from './harness.js'

/** Both RESP versions; returns the formatted mismatches ('' when identical). */
export async function compareBoth(p: Pick<Pair, 'redisPort' | 'ourPort'>, script: string): Promise<string> {
  const lines = script.split('\n')
  const ms = [...(await compareScript(p.redisPort, p.ourPort, lines, 2)), ...(await compareScript(p.redisPort, p.ourPort, lines, 3))]
  return showMismatches(ms)
}

/**
 * Everything a `PSUBSCRIBE *` client receives (RESP2, raw) while `script` runs on another
 * connection with notify-keyspace-events `classes`, after FLUSHALL and `setup`; ends with a
 * PUBLISH done end that the subscriber must see. The setting is cleared afterwards.
 */
export async function keyspaceEvents(port: number, classes: string, script: string[], setup: string[] = []): Promise<string> {
  const c = await RawClient.connect(port)
  await c.call(['FLUSHALL'])
  for (const line of setup) await c.call(words(line))
  await c.call(['CONFIG', 'SET', 'notify-keyspace-events', classes])
  const sub = net.connect(port, '127.0.0.1')
  let got = ''
  sub.setEncoding('latin1')
  sub.on('data', (d: string) => (got += d))
  sub.write('*2\r\n$10\r\nPSUBSCRIBE\r\n$1\r\n*\r\n')
  while (!got.includes('psubscribe')) await new Promise((r) => setTimeout(r, 10))
  for (const line of script) await c.call(words(line))
  await c.call(['PUBLISH', 'done', 'end'])
  for (let i = 0; i < 500 && !got.includes('$4\r\ndone\r\n$3\r\nend\r\n'); i++) await new Promise((r) => setTimeout(r, 10))
  sub.destroy()
  await c.call(['CONFIG', 'SET', 'notify-keyspace-events', ''])
  c.close()
  return got
}

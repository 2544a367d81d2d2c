// A raw socket that poses as a replica of a Redis master (redis-server or, once it speaks the
// master side, an embedded node) and records what the master propagates: handshake
// (REPLCONF capa eof capa psync2, PSYNC), RDB payload skipped (or kept) in both the disk form
// `$<len>\r\n<bytes>` and the diskless form `$EOF:<40-byte mark>\r\n<bytes><mark>`, then the
// command stream parsed as RESP arrays. Each command is tagged with the db selected at that point
// of the stream (SELECT itself is also kept, so callers can drop or keep it).
import net from 'node:net'

export interface StreamCommand {
  /** db selected (by the last SELECT in the stream) when the command arrived; -1 before any SELECT */
  db: number
  argv: string[]
  /** replication offset just after this command (offset announced by +FULLRESYNC + bytes so far) */
  offset: number
}

export interface ReplCaptureOptions {
  host?: string
  /** Resume: the replid and the offset processed so far (PSYNC asks for offset + 1, as replicas do);
   *  default a full resync (`PSYNC ? -1`) */
  replid?: string
  offset?: number
  /** send REPLCONF listening-port so the master lists us in INFO replication */
  listeningPort?: number
  password?: string
  /** keep the RDB payload in `rdb` (default: skipped, only its length kept) */
  keepRdb?: boolean
  timeoutMs?: number
}

export class ReplCapture {
  readonly commands: StreamCommand[] = []
  /** '+FULLRESYNC <replid> <offset>' or '+CONTINUE [<replid>]' */
  syncReply = ''
  replid = ''
  /** master offset at the start of the stream (from +FULLRESYNC, or the requested one on +CONTINUE) */
  startOffset = 0
  rdbLength = 0
  rdb: Buffer | null = null
  diskless = false
  /** bytes of command stream consumed so far */
  streamBytes = 0
  error: Error | null = null
  private buf: Buffer = Buffer.alloc(0)
  private db = -1
  private phase: 'handshake' | 'rdb-header' | 'rdb-body' | 'stream' = 'handshake'
  private rdbRemaining = 0
  private eofMark: Buffer | null = null
  private rdbChunks: Buffer[] = []
  private waiters: (() => void)[] = []
  closed = false
  private ackTimer: NodeJS.Timeout | null = null
  private psyncSeen = false

  private constructor(
    private readonly sock: net.Socket,
    private readonly opts: ReplCaptureOptions,
  ) {
    sock.on('data', (d: Buffer) => {
      this.buf = this.buf.length === 0 ? d : Buffer.concat([this.buf, d])
      try {
        this.pump()
      } catch (e) {
        this.error = e as Error
        sock.destroy()
      }
      this.wake()
    })
    sock.on('close', () => {
      this.closed = true
      this.wake()
    })
    sock.on('error', (e) => {
      this.error ??= e
    })
  }

  /** Connect, handshake and wait until the RDB (if any) has been received. */
  static async connect(port: number, opts: ReplCaptureOptions = {}): Promise<ReplCapture> {
    const host = opts.host ?? '127.0.0.1'
    const sock = await new Promise<net.Socket>((resolve, reject) => {
      const s = net.connect(port, host, () => resolve(s))
      s.once('error', reject)
    })
    sock.setNoDelay(true)
    const cap = new ReplCapture(sock, opts)
    try {
      await cap.handshake()
    } catch (e) {
      sock.destroy()
      throw e
    }
    return cap
  }

  private wake(): void {
    for (const w of this.waiters.splice(0)) w()
  }

  private async until(cond: () => boolean, what: string, timeoutMs = this.opts.timeoutMs ?? 10000): Promise<void> {
    const deadline = Date.now() + timeoutMs
    while (!cond()) {
      if (this.error) throw this.error
      if (this.closed) throw new Error(`replication link closed while waiting for ${what}`)
      const left = deadline - Date.now()
      if (left <= 0) throw new Error(`timed out waiting for ${what}`)
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left)
        this.waiters.push(() => (clearTimeout(t), resolve()))
      })
    }
  }

  private lines: string[] = []

  private async request(argv: string[]): Promise<string> {
    this.sock.write(encodeCommand(argv))
    await this.until(() => this.lines.length > 0, `reply to ${argv[0]}`)
    return this.lines.shift()!
  }

  private async handshake(): Promise<void> {
    const o = this.opts
    if (o.password) expectOk(await this.request(['AUTH', o.password]), 'AUTH')
    if (o.listeningPort) expectOk(await this.request(['REPLCONF', 'listening-port', String(o.listeningPort)]), 'REPLCONF listening-port')
    expectOk(await this.request(['REPLCONF', 'capa', 'eof', 'capa', 'psync2']), 'REPLCONF capa')
    // A master may send bare newlines (keep-alives) before its PSYNC reply; replicas skip them.
    const reply = (await this.request(o.replid === undefined ? ['PSYNC', '?', '-1'] : ['PSYNC', o.replid, String((o.offset ?? 0) + 1)])).replace(/^\n+/, '')
    this.syncReply = reply
    const full = /^\+FULLRESYNC ([0-9a-f]{40}) (\d+)$/.exec(reply)
    if (full) {
      this.replid = full[1]
      this.startOffset = Number(full[2])
      this.phase = 'rdb-header'
      this.pump()
      await this.until(() => this.phase === 'stream', 'the RDB payload', o.timeoutMs ?? 30000)
      this.startAcks()
      return
    }
    const cont = /^\+CONTINUE(?: ([0-9a-f]{40}))?$/.exec(reply)
    if (!cont) throw new Error(`unexpected PSYNC reply: ${reply}`)
    this.replid = cont[1] ?? o.replid ?? ''
    this.startOffset = o.offset ?? 0
    this.phase = 'stream'
    this.pump()
    this.startAcks()
  }

  /**
   * A 7.0 master starts the command stream of a diskless sync only after the replica's first
   * REPLCONF ACK (it must know the payload was loaded); real replicas then ACK every second.
   */
  private startAcks(): void {
    this.ack()
    this.ackTimer = setInterval(() => this.ack(), 1000)
    this.ackTimer.unref()
  }

  /** Current master offset as this replica has processed it. */
  get offset(): number {
    return this.startOffset + this.streamBytes
  }

  /** Tell the master how far we got (REPLCONF ACK), as a real replica does every second. */
  ack(): void {
    if (this.closed) return
    this.sock.write(encodeCommand(['REPLCONF', 'ACK', String(this.offset)]))
  }

  /** Resolves once `pred` holds for the commands received so far. */
  async waitFor(pred: (cmds: StreamCommand[]) => boolean, timeoutMs = 10000, what = 'stream condition'): Promise<void> {
    await this.until(() => pred(this.commands), what, timeoutMs)
  }

  close(): void {
    if (this.ackTimer) clearInterval(this.ackTimer)
    this.sock.destroy()
  }

  private pump(): void {
    for (;;) {
      if (this.phase === 'handshake') {
        if (this.psyncSeen) return
        const i = this.buf.indexOf('\r\n')
        if (i < 0) return
        this.lines.push(this.buf.toString('latin1', 0, i))
        this.buf = this.buf.subarray(i + 2)
        // PSYNC's reply ends the line-based part; the payload is parsed once handshake() moves on.
        const last = this.lines[this.lines.length - 1]
        if (last.startsWith('+FULLRESYNC') || last.startsWith('+CONTINUE')) this.psyncSeen = true
        continue
      }
      if (this.phase === 'rdb-header') {
        // The master sends bare newlines as keep-alives while it prepares the payload.
        let skip = 0
        while (skip < this.buf.length && this.buf[skip] === 0x0a) skip++
        this.buf = this.buf.subarray(skip)
        const i = this.buf.indexOf('\r\n')
        if (i < 0) return
        const line = this.buf.toString('latin1', 0, i)
        this.buf = this.buf.subarray(i + 2)
        if (line.startsWith('$EOF:')) {
          this.diskless = true
          this.eofMark = Buffer.from(line.slice(5), 'latin1')
          if (this.eofMark.length !== 40) throw new Error(`bad diskless EOF mark: ${line}`)
        } else if (/^\$\d+$/.test(line)) {
          this.rdbRemaining = Number(line.slice(1))
        } else throw new Error(`unexpected RDB header: ${JSON.stringify(line)}`)
        this.phase = 'rdb-body'
        continue
      }
      if (this.phase === 'rdb-body') {
        if (this.eofMark) {
          // Keep the last 40 bytes unconsumed until we know they are (not) the mark.
          const i = this.buf.indexOf(this.eofMark)
          if (i < 0) {
            const keep = Math.min(this.buf.length, this.eofMark.length - 1)
            this.takeRdb(this.buf.length - keep)
            return
          }
          this.takeRdb(i)
          this.buf = this.buf.subarray(this.eofMark.length)
        } else {
          const n = Math.min(this.rdbRemaining, this.buf.length)
          this.takeRdb(n)
          this.rdbRemaining -= n
          if (this.rdbRemaining > 0) return
        }
        if (this.opts.keepRdb) this.rdb = Buffer.concat(this.rdbChunks)
        this.rdbChunks = []
        this.phase = 'stream'
        continue
      }
      // stream
      const r = parseCommand(this.buf)
      if (r === null) return
      this.buf = this.buf.subarray(r.used)
      this.streamBytes += r.used
      const argv = r.argv
      if (argv.length === 2 && argv[0].toLowerCase() === 'select') this.db = Number(argv[1])
      this.commands.push({db: this.db, argv, offset: this.offset})
    }
  }

  private takeRdb(n: number): void {
    if (n <= 0) return
    this.rdbLength += n
    if (this.opts.keepRdb) this.rdbChunks.push(Buffer.from(this.buf.subarray(0, n)))
    this.buf = this.buf.subarray(n)
  }
}

function expectOk(line: string, what: string): void {
  if (line !== '+OK') throw new Error(`${what} failed: ${line}`)
}

export function encodeCommand(argv: string[]): Buffer {
  let s = `*${argv.length}\r\n`
  for (const a of argv) s += `$${Buffer.byteLength(a, 'latin1')}\r\n${a}\r\n`
  return Buffer.from(s, 'latin1')
}

/** One RESP array of bulk strings from the start of buf, or null when incomplete. */
export function parseCommand(buf: Buffer): {argv: string[]; used: number} | null {
  if (buf.length === 0) return null
  if (buf[0] !== 0x2a) throw new Error(`replication stream: expected '*', got ${JSON.stringify(buf.toString('latin1', 0, 40))}`)
  let p = buf.indexOf('\r\n')
  if (p < 0) return null
  const n = Number(buf.toString('latin1', 1, p))
  p += 2
  const argv: string[] = []
  for (let k = 0; k < n; k++) {
    if (p >= buf.length) return null
    if (buf[p] !== 0x24) throw new Error(`replication stream: expected '$' at ${p}`)
    const e = buf.indexOf('\r\n', p)
    if (e < 0) return null
    const len = Number(buf.toString('latin1', p + 1, e))
    const start = e + 2
    if (buf.length < start + len + 2) return null
    argv.push(buf.toString('latin1', start, start + len))
    p = start + len + 2
  }
  return {argv, used: p}
}

/** What a propagation test reads from one side: the (db, argv) pairs propagated so far. */
export interface PropagationSource {
  readonly commands: {db: number; argv: string[]}[]
  /** why the capture stopped, if it did */
  readonly error?: Error | null
  close(): void
}

/**
 * In-process capture through server.propagateHooks (what replication and the AOF consume): what
 * goes to replicas (target has PROPAGATE_REPL = 2; default) or to the AOF (PROPAGATE_AOF = 1).
 */
export function hookCapture(server: {propagateHooks: ((db: number, argv: string[]) => void)[]}, want: 1 | 2 = 2): PropagationSource {
  const commands: {db: number; argv: string[]}[] = []
  const hook = (db: number, argv: string[], target = 3) => void ((target & want) !== 0 && commands.push({db, argv: [...argv]}))
  server.propagateHooks.push(hook)
  return {
    commands,
    close() {
      const i = server.propagateHooks.indexOf(hook)
      if (i >= 0) server.propagateHooks.splice(i, 1)
    },
  }
}

/** Wire capture: a fake replica attached to the master on `port`. */
export async function wireCapture(port: number, opts: ReplCaptureOptions = {}): Promise<PropagationSource> {
  const cap = await ReplCapture.connect(port, opts)
  return {
    commands: cap.commands,
    get error() {
      return cap.error ?? (cap.closed ? new Error('replication link closed') : null)
    },
    close: () => cap.close(),
  }
}

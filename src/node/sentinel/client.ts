// A minimal RESP2 client for the Sentinel's links (what hiredis is to sentinel.c): one socket,
// commands pipelined in order, replies matched first in first out, Pub/Sub messages delivered
// as events. No reconnection, no offline queue beyond the socket's own buffering while it
// connects: the Sentinel timer notices a closed link and opens a new one. Loading ioredis in a
// Sentinel cost ~100 ms of start-up CPU; this keeps a restarted Sentinel answering at once.
import {connect, type Socket} from 'node:net'

/** An error reply (-ERR ...); other failures (closed connection, timeout) are plain Errors. */
export class ReplyError extends Error {
  override name = 'ReplyError'
}

export type Reply = string | number | null | Error | Reply[]

export interface ClientOptions {
  host: string
  port: number
  username?: string
  password?: string
  /** CLIENT SETNAME once connected */
  name?: string
  /** ms to establish the TCP connection before giving up */
  connectTimeout: number
}

interface Pending {
  resolve: (r: Reply) => void
  reject: (e: Error) => void
}

const CRLF = 13

export class RespClient {
  readonly socket: Socket
  private readonly pending: Pending[] = []
  private buf: Buffer = Buffer.alloc(0)
  private pos = 0
  private closed = false
  private subscribed = false
  onClose: (() => void) | null = null
  onMessage: ((channel: string, message: string) => void) | null = null

  constructor(opts: ClientOptions) {
    const socket = connect({host: opts.host, port: opts.port})
    this.socket = socket
    socket.setNoDelay(true)
    socket.setTimeout(opts.connectTimeout)
    socket.once('connect', () => socket.setTimeout(0))
    socket.on('timeout', () => this.close())
    socket.on('error', () => this.close())
    socket.on('close', () => this.close())
    socket.on('data', (chunk: Buffer) => this.feed(chunk))
    // Like sentinelReconnectInstance: AUTH and SETNAME go first and their replies are discarded.
    const ignore = () => undefined
    if (opts.password) this.call(opts.username ? ['AUTH', opts.username, opts.password] : ['AUTH', opts.password]).catch(ignore)
    if (opts.name) this.call(['CLIENT', 'SETNAME', opts.name]).catch(ignore)
  }

  get localAddress(): string | undefined {
    return this.socket.localAddress
  }

  /** One command; resolves with the reply (error replies reject with a ReplyError). */
  call(argv: (string | number)[]): Promise<Reply> {
    if (this.closed) return Promise.reject(new Error('Connection is closed.'))
    return new Promise<Reply>((resolve, reject) => {
      this.pending.push({resolve, reject})
      this.socket.write(encode(argv))
    })
  }

  /** MULTI, the commands, EXEC (names through `map`, for renamed commands); EXEC's reply. */
  multi(cmds: (string | number)[][], map: (name: string) => string = (n) => n): Promise<Reply> {
    const ignore = () => undefined
    this.call([map('MULTI')]).catch(ignore)
    for (const c of cmds) this.call(c).catch(ignore)
    return this.call([map('EXEC')])
  }

  subscribe(channel: string): Promise<Reply> {
    this.subscribed = true
    return this.call(['SUBSCRIBE', channel])
  }

  close(): void {
    if (this.closed) return
    this.closed = true
    this.socket.destroy()
    const err = new Error('Connection is closed.')
    for (const p of this.pending.splice(0)) p.reject(err)
    this.onClose?.()
  }

  private feed(chunk: Buffer): void {
    this.buf = this.pos < this.buf.length ? Buffer.concat([this.buf.subarray(this.pos), chunk]) : chunk
    this.pos = 0
    for (;;) {
      const start = this.pos
      let r: Reply | undefined
      try {
        r = this.parse()
      } catch {
        this.close() // protocol error
        return
      }
      if (r === undefined) {
        this.pos = start
        return
      }
      if (this.subscribed && Array.isArray(r) && r[0] === 'message' && r.length === 3) {
        this.onMessage?.(String(r[1]), String(r[2]))
        continue
      }
      const p = this.pending.shift()
      if (!p) continue
      if (r instanceof Error) p.reject(r)
      else p.resolve(r)
      if (this.closed) return
    }
  }

  /** One reply from buf at pos, or undefined when incomplete (pos then meaningless). */
  private parse(): Reply | undefined {
    const b = this.buf
    if (this.pos >= b.length) return undefined
    const type = b[this.pos]
    const eol = b.indexOf(CRLF, this.pos + 1)
    if (eol < 0 || eol + 1 >= b.length) return undefined
    const line = b.toString('utf8', this.pos + 1, eol)
    this.pos = eol + 2
    switch (type) {
      case 43: // +
        return line
      case 45: // -
        return new ReplyError(line)
      case 58: // :
        return Number(line)
      case 36: {
        // $
        const n = Number(line)
        if (n < 0) return null
        if (this.pos + n + 2 > b.length) return undefined
        const s = b.toString('utf8', this.pos, this.pos + n)
        this.pos += n + 2
        return s
      }
      case 42: {
        // *
        const n = Number(line)
        if (n < 0) return null
        const out: Reply[] = []
        for (let i = 0; i < n; i++) {
          const e = this.parse()
          if (e === undefined) return undefined
          out.push(e)
        }
        return out
      }
      default:
        throw new Error('protocol error')
    }
  }
}

function encode(argv: (string | number)[]): string {
  let s = '*' + argv.length + '\r\n'
  for (const a of argv) {
    const v = String(a)
    s += '$' + Buffer.byteLength(v) + '\r\n' + v + '\r\n'
  }
  return s
}

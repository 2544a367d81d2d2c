// The outbound side of MIGRATE (redis 7.0 cluster.c migrateCommand / migrateGetSocket): a
// per-node cache of plain TCP connections keyed "host:port" (closed after 10 s idle, like
// MIGRATE_SOCKET_CACHE_TTL), one write of [AUTH] [SELECT] RESTORE... built as a single buffer,
// replies read as lines (syncReadLine: a line starting with '-' is an error, anything else is
// accepted) with the MIGRATE timeout applied between replies, and Redis's retry rule: one
// reconnect when the socket fails before anything was acknowledged (not on timeouts).
import type {ConnectionOptions} from 'node:tls'
import net from 'node:net'
import {E} from '../errors.js'
import {dial} from '../tls.js'
import type {NodeServer} from '../server.js'

/** redis MIGRATE_SOCKET_CACHE_TTL (seconds) and MIGRATE_SOCKET_CACHE_ITEMS. */
const CACHE_TTL_MS = 10_000
const CACHE_ITEMS = 64

export interface RestoreItem {
  key: string
  /** relative ms, 0 = no expiry (what MIGRATE sends) */
  ttl: number
  payload: Buffer
}

export interface MigrateRequest {
  host: string
  port: string
  db: number
  timeoutMs: number
  username?: string
  password?: string
  replace: boolean
  /** cluster mode: RESTORE-ASKING so an importing target accepts the key */
  asking: boolean
  /** tls-cluster: the client context to connect with (src/node/tls.ts), else null */
  tls: ConnectionOptions | null
  items: RestoreItem[]
}

/** `acked`: indexes of items the target restored (the caller deletes them unless COPY). */
export interface MigrateResult {
  error: string | null
  acked: number[]
}

interface Cached {
  conn: MigrateConn
  lastDb: number
  lastUse: number
  /** a MIGRATE is using it: the idle sweeper must not close it under our feet */
  busy: boolean
}

type Reply = {ok: true} | {ok: false; text: string} | null // null: no reply (socket error)

const pools = new WeakMap<NodeServer, MigratePool>()

/** INFO migrate_cached_sockets: open cached connections (0 before any MIGRATE). */
export function migrateCachedSockets(server: NodeServer): number {
  return pools.get(server)?.size ?? 0
}

export function migratePool(server: NodeServer): MigratePool {
  let p = pools.get(server)
  if (!p) {
    p = new MigratePool()
    pools.set(server, p)
    server.shutdownHooks.push(() => p!.closeAll())
  }
  return p
}

export class MigratePool {
  private readonly cache = new Map<string, Cached>()
  /** serialises MIGRATEs to one host:port: the SELECTed db is connection state */
  private readonly locks = new Map<string, Promise<unknown>>()
  private sweeper: NodeJS.Timeout | null = null

  get size(): number {
    return this.cache.size
  }

  /** One MIGRATE, serialised with any other MIGRATE to the same host:port. */
  run(req: MigrateRequest): Promise<MigrateResult> {
    const name = `${req.host}:${req.port}`
    const prev = this.locks.get(name) ?? Promise.resolve()
    const p = prev.then(() => this.migrate(name, req))
    const tail = p.catch(() => undefined)
    this.locks.set(name, tail)
    void tail.then(() => {
      if (this.locks.get(name) === tail) this.locks.delete(name)
    })
    return p
  }

  private async migrate(name: string, req: MigrateRequest): Promise<MigrateResult> {
    let mayRetry = true
    for (;;) {
      let c: Cached
      try {
        c = await this.socket(name, req)
      } catch (e) {
        if (isTimeout(e)) return {error: E.IOERR_CONNECT, acked: []}
        // redis connects without blocking, so a refused connect surfaces as a failed write,
        // which it retries once before giving up.
        if (mayRetry) {
          mayRetry = false
          continue
        }
        return {error: E.IOERR_WRITE, acked: []}
      }
      c.conn.sock.ref()
      c.busy = true
      const sent = await send(c, req).finally(() => (c.busy = false))
      c.lastUse = Date.now()
      if (c.conn.alive) c.conn.sock.unref()
      const {auth, select, restores, timedOut} = sent
      const n = req.items.length
      const prefixLost = (req.password !== undefined && auth === null) || (select !== undefined && select === null)
      const got = restores.findIndex((r) => r === null)
      const received = got === -1 ? n : got
      const socketError = prefixLost || received < n
      if (socketError) this.close(name)
      // redis retries only when not even the first RESTORE reply was read (j == 0).
      if (prefixLost || (received === 0 && socketError)) {
        if (!timedOut && mayRetry) {
          mayRetry = false
          continue
        }
        return {error: E.IOERR_READ, acked: []}
      }
      // An AUTH or SELECT error makes every RESTORE count as failed, even ones the target
      // accepted (redis checks buf0/buf1 for each key), so nothing is deleted locally.
      const prefixErr = auth && !auth.ok ? auth.text : select && !select.ok ? select.text : null
      const acked: number[] = []
      let targetErr: string | null = prefixErr
      for (let i = 0; i < received; i++) {
        const r = restores[i]!
        if (!r.ok) targetErr ??= r.text
        else if (prefixErr === null) acked.push(i)
      }
      if (targetErr !== null) {
        c.lastDb = -1
        return {error: E.MIGRATE_TARGET + targetErr, acked}
      }
      if (socketError) return {error: E.IOERR_READ, acked}
      c.lastDb = req.db
      return {error: null, acked}
    }
  }

  private async socket(name: string, req: MigrateRequest): Promise<Cached> {
    const hit = this.cache.get(name)
    if (hit && hit.conn.alive) {
      hit.lastUse = Date.now()
      return hit
    }
    if (hit) this.close(name)
    if (this.cache.size >= CACHE_ITEMS) this.close(this.cache.keys().next().value!)
    const conn = await MigrateConn.connect(req.host, Number.parseInt(req.port, 10) || 0, req.timeoutMs, req.tls)
    const c: Cached = {conn, lastDb: -1, lastUse: Date.now(), busy: false}
    this.cache.set(name, c)
    this.startSweeper()
    return c
  }

  close(name: string): void {
    const c = this.cache.get(name)
    if (!c) return
    this.cache.delete(name)
    c.conn.close()
  }

  closeAll(): void {
    for (const name of [...this.cache.keys()]) this.close(name)
    if (this.sweeper) clearInterval(this.sweeper)
    this.sweeper = null
  }

  /** migrateCloseTimedoutSockets, run from a timer instead of serverCron. */
  private startSweeper(): void {
    if (this.sweeper) return
    this.sweeper = setInterval(() => {
      const now = Date.now()
      for (const [name, c] of this.cache) if (!c.busy && now - c.lastUse > CACHE_TTL_MS) this.close(name)
      if (this.cache.size === 0 && this.sweeper) {
        clearInterval(this.sweeper)
        this.sweeper = null
      }
    }, 1000)
    this.sweeper.unref()
  }
}

function isTimeout(e: unknown): boolean {
  return e instanceof Error && /ETIMEDOUT|timed? ?out/i.test(e.message)
}

/**
 * One cached MIGRATE connection: a socket (TCP_NODELAY, as connEnableTcpNoDelay) and the bytes
 * read but not yet consumed as reply lines. Replies are only read while a MIGRATE waits for them.
 */
class MigrateConn {
  alive = true
  private buf: Buffer = Buffer.alloc(0)
  /** the MIGRATE waiting for reply lines: called for each line, or with null when the socket is gone */
  private waiter: ((line: Buffer | null) => void) | null = null

  private constructor(readonly sock: net.Socket) {
    sock.setNoDelay(true)
    sock.on('data', (d: Buffer) => {
      this.buf = this.buf.length === 0 ? d : Buffer.concat([this.buf, d])
      this.drain()
    })
    const gone = () => {
      this.alive = false
      const w = this.waiter
      this.waiter = null
      w?.(null)
    }
    sock.on('error', gone)
    sock.on('close', gone)
  }

  /** connBlockingConnect with the MIGRATE timeout. */
  static connect(host: string, port: number, timeoutMs: number, secure: ConnectionOptions | null = null): Promise<MigrateConn> {
    return new Promise((resolve, reject) => {
      const {sock, ready} = dial({host, port}, secure)
      const timer = setTimeout(() => {
        sock.destroy()
        reject(new Error('connect ETIMEDOUT'))
      }, timeoutMs)
      sock.once('error', (e) => {
        clearTimeout(timer)
        sock.destroy()
        reject(e)
      })
      sock.once(ready, () => {
        clearTimeout(timer)
        sock.removeAllListeners('error')
        resolve(new MigrateConn(sock))
      })
    })
  }

  /** Consume complete CRLF-terminated lines while a reader waits. */
  private drain(): void {
    while (this.waiter !== null) {
      const nl = this.buf.indexOf(10)
      if (nl < 0) return
      const end = nl > 0 && this.buf[nl - 1] === 13 ? nl - 1 : nl
      const line = this.buf.subarray(0, end)
      this.buf = this.buf.subarray(nl + 1)
      this.waiter(line)
    }
  }

  /** Receive reply lines through `onLine` until it returns false (or the socket is gone: null). */
  read(onLine: (line: Buffer | null) => boolean): void {
    if (!this.alive) {
      onLine(null)
      return
    }
    this.waiter = (line) => {
      if (!onLine(line) || line === null) this.waiter = null
    }
    this.drain()
  }

  write(data: Buffer): void {
    this.sock.write(data)
  }

  close(): void {
    this.alive = false
    this.sock.destroy()
  }
}

/** RESP multibulk of one command, appended to `out` (a list of chunks written as one buffer). */
function pushCommand(out: Buffer[], args: (string | Buffer)[]): void {
  let head = `*${args.length}\r\n`
  for (const a of args) {
    if (typeof a === 'string') {
      head += `$${Buffer.byteLength(a, 'latin1')}\r\n${a}\r\n`
      continue
    }
    out.push(Buffer.from(`${head}$${a.length}\r\n`, 'latin1'), a)
    head = '\r\n'
  }
  out.push(Buffer.from(head, 'latin1'))
}

interface Sent {
  auth?: Reply
  select?: Reply
  restores: Reply[]
  timedOut: boolean
}

/** Everything in one write; the timeout restarts at each reply (syncReadLine). */
function send(c: Cached, req: MigrateRequest): Promise<Sent> {
  const chunks: Buffer[] = []
  let count = 0
  const add = (args: (string | Buffer)[]) => {
    pushCommand(chunks, args)
    count++
  }
  if (req.password !== undefined) add(req.username !== undefined ? ['AUTH', req.username, req.password] : ['AUTH', req.password])
  const doSelect = c.lastDb !== req.db
  if (doSelect) add(['SELECT', String(req.db)])
  const restore = req.asking ? 'RESTORE-ASKING' : 'RESTORE'
  for (const it of req.items) add(req.replace ? [restore, it.key, String(it.ttl), it.payload, 'REPLACE'] : [restore, it.key, String(it.ttl), it.payload])
  return new Promise((resolve) => {
    const replies: Reply[] = new Array(count).fill(null)
    let got = 0
    let timedOut = false
    let timer: NodeJS.Timeout | null = null
    const finish = () => {
      if (timer) clearTimeout(timer)
      let i = 0
      const out: Sent = {restores: [], timedOut}
      if (req.password !== undefined) out.auth = replies[i++]
      if (doSelect) out.select = replies[i++]
      out.restores = replies.slice(i)
      resolve(out)
    }
    if (count === 0) return finish()
    // One timer, restarted at each reply (refresh() reuses it instead of a new one per line).
    timer = setTimeout(() => {
      timedOut = true
      c.conn.close() // the reader gets null: every missing reply stays null
    }, req.timeoutMs)
    const arm = () => timer!.refresh()
    c.conn.write(Buffer.concat(chunks))
    c.conn.read((line) => {
      if (line === null) {
        finish()
        return false
      }
      replies[got++] = line[0] === 45 /* '-' */ ? {ok: false, text: line.toString('latin1', 1)} : {ok: true}
      if (got === count) {
        finish()
        return false
      }
      arm()
      return true
    })
  })
}

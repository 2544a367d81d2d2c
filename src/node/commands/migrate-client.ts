// The outbound side of MIGRATE (redis 7.0 cluster.c migrateCommand / migrateGetSocket): a
// per-node cache of ioredis connections keyed "host:port" (closed after 10 s idle, like
// MIGRATE_SOCKET_CACHE_TTL), one pipelined write of [AUTH] [SELECT] RESTORE..., replies read
// in order with the MIGRATE timeout applied between replies, and Redis's retry rule: one
// reconnect when the socket fails before anything was acknowledged (not on timeouts).
import type {Command as CommandT, Pipeline, Redis} from 'ioredis'
import {E} from '../errors.js'
import type {NodeServer} from '../server.js'

// ioredis is loaded on the first MIGRATE, not at node start-up (its module init is a tenth of an
// embedded node's start-up CPU, and most nodes never migrate a key).
type IoRedis = {Redis: typeof Redis; Command: typeof CommandT}
let ioredis: IoRedis | undefined
async function loadIoredis(): Promise<IoRedis> {
  if (!ioredis) {
    const m = await import('ioredis')
    ioredis = {Redis: m.Redis, Command: m.Command}
  }
  return ioredis
}

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
  items: RestoreItem[]
}

/** `acked`: indexes of items the target restored (the caller deletes them unless COPY). */
export interface MigrateResult {
  error: string | null
  acked: number[]
}

interface Cached {
  conn: Redis
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
      c.conn.stream?.ref()
      c.busy = true
      const sent = await send(c, req).finally(() => (c.busy = false))
      c.lastUse = Date.now()
      if (c.conn.status === 'ready') c.conn.stream?.unref()
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
    if (hit && hit.conn.status === 'ready') {
      hit.lastUse = Date.now()
      return hit
    }
    if (hit) this.close(name)
    if (this.cache.size >= CACHE_ITEMS) this.close(this.cache.keys().next().value!)
    const {Redis} = await loadIoredis()
    const conn = new Redis({
      host: req.host,
      port: Number.parseInt(req.port, 10) || 0,
      connectTimeout: req.timeoutMs,
      lazyConnect: true,
      enableOfflineQueue: false,
      enableReadyCheck: false,
      // No CLIENT SETINFO handshake: redis's migrate socket sends nothing but the MIGRATE
      // traffic, and ioredis would wait for those replies before it reports ready.
      disableClientInfo: true,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
      reconnectOnError: () => false,
      autoResubscribe: false,
      autoResendUnfulfilledCommands: false,
      disconnectTimeout: 50,
      // Replies are status lines or errors; pin RESP2 whatever the ioredis default becomes.
      ...({protocol: 2} as Record<string, unknown>),
    })
    let lastError: Error | undefined
    conn.on('error', (e: Error) => (lastError = e))
    try {
      await conn.connect()
    } catch (e) {
      conn.disconnect()
      throw lastError ?? e
    }
    const c: Cached = {conn, lastDb: -1, lastUse: Date.now(), busy: false}
    this.cache.set(name, c)
    this.startSweeper()
    return c
  }

  close(name: string): void {
    const c = this.cache.get(name)
    if (!c) return
    this.cache.delete(name)
    c.conn.disconnect()
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

interface Sent {
  auth?: Reply
  select?: Reply
  restores: Reply[]
  timedOut: boolean
}

/** Pipeline everything in one write; the timeout restarts at each reply (syncReadLine). */
function send(c: Cached, req: MigrateRequest): Promise<Sent> {
  // Pipeline (not the ChainableCommander facade) exposes sendCommand for prebuilt Commands,
  // whose promises settle one by one as replies arrive.
  const pipe = c.conn.pipeline() as unknown as Pipeline
  const cmds: CommandT[] = []
  const {Command} = ioredis! // loaded by socket() before any send
  const add = (name: string, args: (string | Buffer)[]) => {
    const cmd = new Command(name, args, {replyEncoding: null})
    cmds.push(cmd)
    pipe.sendCommand(cmd)
  }
  const latin1 = (s: string) => Buffer.from(s, 'latin1')
  if (req.password !== undefined) add('auth', req.username !== undefined ? [latin1(req.username), latin1(req.password)] : [latin1(req.password)])
  const doSelect = c.lastDb !== req.db
  if (doSelect) add('select', [String(req.db)])
  const restore = req.asking ? 'restore-asking' : 'restore'
  for (const it of req.items) {
    const args: (string | Buffer)[] = [latin1(it.key), String(it.ttl), it.payload]
    if (req.replace) args.push('REPLACE')
    add(restore, args)
  }
  return new Promise((resolve) => {
    const replies: Reply[] = new Array(cmds.length).fill(null)
    let pending = cmds.length
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
    if (pending === 0) return finish()
    const arm = () => {
      if (timer) clearTimeout(timer)
      timer = setTimeout(() => {
        timedOut = true
        c.conn.disconnect() // rejects every pending command with "Connection is closed."
      }, req.timeoutMs)
    }
    cmds.forEach((cmd, i) => {
      cmd.promise.then(
        () => (replies[i] = {ok: true}),
        (e: Error) => {
          // ReplyError = an error line from the target; anything else = no reply at all.
          if (e?.name === 'ReplyError') replies[i] = {ok: false, text: e.message}
        },
      ).finally(() => {
        if (--pending === 0) finish()
        else if (!timedOut) arm()
      })
    })
    arm()
    pipe.exec().catch(() => undefined)
  })
}

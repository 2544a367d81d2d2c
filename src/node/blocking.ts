// Clients blocked on keys (redis blocked.c): BLPOP/BRPOP/BLMOVE/BRPOPLPUSH/BLMPOP and
// BZPOPMIN/BZPOPMAX/BZMPOP. A blocking handler first tries to serve from the keyspace; if it
// cannot, it parks a Waiter here and returns a Promise, which pauses its session (the
// dispatcher keeps later commands queued). Writes reach us through server.keyModifiedHooks:
// the touched key is marked ready and served after the current command(s) finish, like
// redis handleClientsBlockedOnKeys() running after call(): a pushing client gets its own
// reply first, and a MULTI/EXEC transaction is applied as a whole before anyone is served.
// Waiters on one key are served FIFO (the oldest blocked client first), those blocked on the key's
// type only: a BLPOP waiting before an XREAD on a key that becomes a stream is skipped, not a wall.
import {ReplyError} from './errors.js'
import type {CommandContext} from './commands/types.js'
import {ceilThousandths, parseLongDouble} from './long-double.js'
import type {NodeServer} from './server.js'
import type {Session} from './session.js'

interface Waiter {
  session: Session
  dbIndex: number
  ids: string[]
  /** Keys serving may write (sources, and BLMOVE's destination): announced to server.beforeWrite. */
  writeKeys: string[]
  /** Try to serve from the keyspace: write the reply and return true, or false to keep waiting. */
  serve: (readyKey?: string) => boolean
  onTimeout: () => void
  resolve: () => void
  timer: NodeJS.Timeout | null
  /** BlockRequest.of */
  of: ValueClass | null
}

/** A value class of the keyspace (Deque, ZSet, Stream). */
type ValueClass = abstract new (...args: never[]) => object

class Registry {
  /** "db\0key" -> waiters in arrival order */
  readonly byKey = new Map<string, Waiter[]>()
  readonly bySession = new Map<Session, Waiter>()
  private readonly ready = new Set<string>()
  private scheduled = false

  constructor(readonly server: NodeServer) {
    server.keyModifiedHooks.push((db, key) => this.markKeyReady(db, key))
    // Keys a busy script made ready are served once it ends (see serveReady).
    server.on('scriptFinished', () => {
      if (this.ready.size !== 0 && !this.scheduled) {
        this.scheduled = true
        queueMicrotask(() => this.serveReady())
      }
    })
    server.on('sessionClosed', (s: Session) => {
      const w = this.bySession.get(s)
      if (w) this.finish(w)
    })
  }

  /** Waiters on `key` try again once the command is done (redis signalKeyAsReady). */
  markKeyReady(db: number, key: string): void {
    if (this.byKey.size === 0) return
    const id = db + '\0' + key
    if (!this.byKey.has(id)) return
    this.ready.add(id)
    if (!this.scheduled) {
      this.scheduled = true
      queueMicrotask(() => this.serveReady())
    }
  }

  /** Every waiter of a database becomes ready (SWAPDB: scanDatabaseForReadyKeys). */
  markDbReady(db: number): void {
    for (const id of this.byKey.keys()) if (id.startsWith(db + '\0')) this.ready.add(id)
    if (this.ready.size !== 0 && !this.scheduled) {
      this.scheduled = true
      queueMicrotask(() => this.serveReady())
    }
  }

  add(w: Waiter): void {
    for (const id of w.ids) {
      const q = this.byKey.get(id)
      if (q) q.push(w)
      else this.byKey.set(id, [w])
    }
    this.bySession.set(w.session, w)
    w.session.block()
  }

  /** Unpark: drop from every key queue, clear the timer, let the session resume (`servedAt`: when serving it began). */
  finish(w: Waiter, servedAt?: number): void {
    if (this.bySession.get(w.session) !== w) return
    this.bySession.delete(w.session)
    for (const id of w.ids) {
      const q = this.byKey.get(id)
      if (!q) continue
      const i = q.indexOf(w)
      if (i >= 0) q.splice(i, 1)
      if (q.length === 0) this.byKey.delete(id)
    }
    if (w.timer) clearTimeout(w.timer)
    w.session.unblock(servedAt)
    w.resolve()
  }

  private serveReady(): void {
    // A script past busy-reply-threshold gives the event loop turns, but Redis serves blocked
    // clients only after a whole command (handleClientsBlockedOnKeys, never from
    // processEventsWhileBlocked): a BLPOP sees the script's pushes only once the script is over.
    if (this.server.scripting?.current != null) {
      this.scheduled = false
      return
    }
    // Serving BLMOVE pushes to another key, which may become ready in turn: loop until quiet.
    while (this.ready.size !== 0) {
      const ids = [...this.ready]
      this.ready.clear()
      for (const id of ids) {
        const q = this.byKey.get(id)
        if (!q) continue
        const key = id.slice(id.indexOf('\0') + 1)
        for (const w of [...q]) {
          if (this.bySession.get(w.session) !== w) continue
          let served: boolean | 'other type'
          const servedAt = performance.now()
          try {
            // redis handleClientsBlockedOnKeys: a fixed reference time while serving (BLMOVE looks
            // the key up twice; PR #6554); the key's type picks who is served: the clients blocked
            // on that type (serveClientsBlockedOnListKey…), and XREADGROUP clients of a key gone or
            // of another type (-UNBLOCKED)
            served = this.server.expiryClock.frozenFor(() => {
              if (w.of !== null && !(this.server.db(w.dbIndex).peek(key) instanceof w.of)) return 'other type'
              this.server.beforeWrite(w.dbIndex, w.writeKeys)
              return w.serve(key)
            })
          } catch (e) {
            // e.g. BLMOVE whose destination became the wrong type: the client gets the error.
            w.session.reply.error(e instanceof ReplyError ? e.reply : `ERR ${(e as Error).message}`)
            served = true
          }
          if (served === 'other type') continue
          if (!served) {
            if (w.of === null) continue
            break // the key is empty: later waiters of its type cannot be served either
          }
          this.finish(w, servedAt)
        }
      }
    }
    this.scheduled = false
  }
}

const MAX_TIMER = 2 ** 31 - 1
const registries = new WeakMap<NodeServer, Registry>()

function registry(server: NodeServer): Registry {
  let r = registries.get(server)
  if (!r) registries.set(server, (r = new Registry(server)))
  return r
}

/**
 * redis 7.0 getTimeoutFromObjectOrReply (seconds, parsed as a long double): returns ms, 0 =
 * forever. strtold takes "" as 0 and hex floats; ms that do not fit a long long wrap negative
 * in C ("timeout is negative"). 7.0 has no "out of range" check (7.2 added it).
 */
export function parseTimeout(raw: string): number {
  const c = raw.charCodeAt(0)
  const l = raw.toLowerCase()
  let v: number
  if (raw.length === 0) v = 0
  else if (l === 'inf' || l === '+inf' || l === 'infinity' || l === '+infinity') v = Infinity
  else if (l === '-inf' || l === '-infinity') v = -Infinity
  else if (c === 32 || (c >= 9 && c <= 13)) throw new ReplyError('ERR timeout is not a float or out of range')
  else if (/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(raw)) v = Number(raw)
  else if (/^[+-]?0x[0-9a-f]+$/i.test(raw)) v = (raw.startsWith('-') ? -1 : 1) * parseInt(raw.replace(/^[+-]?0x/i, ''), 16)
  else throw new ReplyError('ERR timeout is not a float or out of range')
  // ceill(ftval * 1000.0) in long double: any positive timeout is at least 1 ms (node-redis sends 5e-324)
  const ld = Number.isFinite(v) ? parseLongDouble(raw) : null
  const ms = ld !== null ? ceilThousandths(ld) : v * 1000
  if (!(ms >= 0) || ms >= 9223372036854775807) throw new ReplyError('ERR timeout is negative')
  return ms
}

export interface BlockRequest {
  keys: string[]
  timeoutMs: number
  /**
   * Serve from the current keyspace; writes the reply and returns true when it could. With
   * readyKey (a wake-up), only that key is tried: redis 7.0 serves from the key that was pushed.
   */
  serve: (readyKey?: string) => boolean
  /** Keys a wake-up may write besides `keys` (BLMOVE/BRPOPLPUSH destination), for snapshots. */
  alsoWrites?: string[]
  /** Reply when the timeout fires (or the command may not block): null array / null bulk. */
  onTimeout: () => void
  /** Reply when the command may not block (MULTI); defaults to onTimeout. BLMOVE differs (null bulk). */
  onNoBlock?: () => void
  /**
   * The type of value it pops (Deque, ZSet: redis's btype). A wake-up serves it only from a key of
   * that type (so `serve` may use the typed getter: no WRONGTYPE), and an empty key stops the later
   * waiters of its type. null for stream readers: they look at the key themselves (XREADGROUP
   * answers -UNBLOCKED on another type) and each waits for its own ID, so one that stays blocked
   * does not hold up the next.
   */
  of: ValueClass | null
}

/**
 * Serve now, or block. Inside MULTI/EXEC (and for connection-less sessions: replication,
 * AOF loading) a blocking command never blocks: it behaves as if the timeout expired.
 */
export function serveOrBlock(ctx: CommandContext, req: BlockRequest): void | Promise<void> {
  if (req.serve()) return
  const s = ctx.session
  if (s.flags.has('exec') || s.socket === null) {
    ;(req.onNoBlock ?? req.onTimeout)()
    return
  }
  const reg = registry(ctx.server)
  const dbIndex = s.dbIndex
  return new Promise<void>((resolve) => {
    const w: Waiter = {
      session: s,
      dbIndex,
      ids: [...new Set(req.keys)].map((k) => dbIndex + '\0' + k),
      writeKeys: req.alsoWrites ? [...req.keys, ...req.alsoWrites] : req.keys,
      serve: req.serve,
      onTimeout: req.onTimeout,
      resolve: () => {
        // Nothing to propagate unless serve() named the equivalent non-blocking command.
        s.propagateOverride ??= []
        resolve()
      },
      timer: null,
      of: req.of,
    }
    if (req.timeoutMs > 0) {
      const deadline = Date.now() + req.timeoutMs
      // setTimeout fires at once for delays above 2^31-1 ms: re-arm in steps until the deadline.
      const arm = (): void => {
        const left = deadline - Date.now()
        w.timer = setTimeout(() => {
          if (deadline - Date.now() > 0 && left > MAX_TIMER) return arm()
          w.timer = null
          w.onTimeout()
          reg.finish(w)
        }, Math.min(left, MAX_TIMER))
      }
      arm()
    }
    reg.add(w)
  })
}

/**
 * redis signalKeyAsReady without signalModifiedKey: clients blocked on `key` try again, WATCH and
 * client-side caching see no change (XGROUP DESTROY: its XREADGROUP clients get -NOGROUP).
 */
export function signalKeyAsReady(server: NodeServer, dbIndex: number, key: string): void {
  registries.get(server)?.markKeyReady(dbIndex, key)
}

/** SWAPDB: clients blocked on keys of this database try again (they may now find data). */
export function signalDbReady(server: NodeServer, dbIndex: number): void {
  registries.get(server)?.markDbReady(dbIndex)
}

/** Number of clients currently blocked on keys (INFO blocked_clients also counts flags). */
export function blockedCount(server: NodeServer): number {
  return registries.get(server)?.bySession.size ?? 0
}

/**
 * CLIENT UNBLOCK id [TIMEOUT|ERROR]: true when the client was blocked here. TIMEOUT replies as
 * if the timeout expired; ERROR replies "-UNBLOCKED client unblocked via CLIENT UNBLOCK".
 */
export function unblockClient(server: NodeServer, session: Session, withError: boolean): boolean {
  const reg = registries.get(server)
  const w = reg?.bySession.get(session)
  if (!reg || !w) return false
  if (withError) session.reply.error('UNBLOCKED client unblocked via CLIENT UNBLOCK')
  else w.onTimeout()
  session.unblockedByCommand = true // (redis: updateStatsOnUnblock(target, 0, 0, 1))
  reg.finish(w)
  return true
}

/** redis disconnectAllBlockedClients: the error a client blocked on a master gets when the node becomes a replica. */
export const UNBLOCKED_ROLE_CHANGE = 'UNBLOCKED force unblock from blocking operation, instance state changed (master -> replica?)'

/**
 * redis disconnectAllBlockedClients (replicationSetMaster): every client blocked on keys gets
 * -UNBLOCKED and is closed once the reply is written, so a pop cannot run on what became a
 * replica's dataset (issue #2473). Clients postponed by CLIENT PAUSE are not affected.
 */
export function disconnectAllBlocked(server: NodeServer): void {
  const reg = registries.get(server)
  if (!reg) return
  for (const w of [...reg.bySession.values()]) {
    w.session.reply.error(UNBLOCKED_ROLE_CHANGE)
    w.session.closeAfterReply = true
    reg.finish(w)
  }
}

/**
 * Cluster hook (redis clusterRedirectBlockedClientIfNeeded): call when slot ownership changes.
 * `check` returns an error text (e.g. "MOVED 3999 127.0.0.1:7001") for a waiter whose keys are
 * no longer served here, or null to keep it blocked.
 */
export function redirectBlocked(server: NodeServer, check: (session: Session, dbIndex: number, keys: string[]) => string | null): number {
  const reg = registries.get(server)
  if (!reg) return 0
  let n = 0
  for (const w of [...reg.bySession.values()]) {
    const err = check(
      w.session,
      w.dbIndex,
      w.ids.map((id) => id.slice(id.indexOf('\0') + 1)),
    )
    if (err === null) continue
    w.session.reply.error(err)
    reg.finish(w)
    n++
  }
  return n
}


/**
 * BLPOP / BRPOP / BZPOPMIN / BZPOPMAX (`KEY [KEY ...] TIMEOUT`): pop one element from the first
 * non-empty key — on a wake-up from the key that became ready — or block; a null array on timeout.
 */
export function popFromFirstReady<T extends object>(ctx: CommandContext, argv: string[], of: abstract new (...args: never[]) => T, at: (key: string) => T | undefined, size: (v: T) => number, pop: (key: string, v: T, afterBlocking: boolean) => void): void | Promise<void> {
  const keys = argv.slice(1, -1)
  return serveOrBlock(ctx, {
    keys,
    of,
    timeoutMs: parseTimeout(argv[argv.length - 1]),
    serve: (ready) => {
      for (const key of ready !== undefined ? [ready] : keys) {
        const v = at(key)
        if (v === undefined || size(v) === 0) continue
        pop(key, v, ready !== undefined)
        return true
      }
      return false
    },
    onTimeout: () => ctx.reply.nullArray(),
  })
}

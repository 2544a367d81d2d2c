// Client-side caching (redis 7.0 tracking.c): CLIENT TRACKING's tables and the invalidation
// messages. Default mode remembers, per key name (any db, like redis), the ids of the clients
// that read it; the first write (or expiry, eviction) of the key sends each of them one
// invalidation and forgets the key. BCAST mode remembers prefixes instead and sends the keys
// written under a prefix once per event-loop turn (redis beforeSleep). Invalidations go to the
// client itself as RESP3 push `invalidate`, or to the REDIRECT client (RESP3 push, or a RESP2
// `message` on `__redis__:invalidate` when it is in pub/sub mode). Writes reach this module
// through the server's single write path (keyModified / expiry / flush hooks), never per command.
import type {CommandSpec} from './commands/types.js'
import type {NodeServer} from './server.js'
import type {Session} from './session.js'

export interface TrackingState {
  redirect: number
  bcast: boolean
  optin: boolean
  optout: boolean
  noloop: boolean
  /** CLIENT CACHING yes/no was given for the next command */
  caching: boolean
  brokenRedir: boolean
  prefixes: string[]
}

/** The dispatcher's key extraction (passed in: this module must not import the dispatcher). */
type KeysOf = (spec: CommandSpec, argv: string[]) => string[]

interface PrefixState {
  clients: Set<Session>
  /** keys written since the last broadcast -> the session that wrote them (NOLOOP) */
  keys: Map<string, Session | null>
}

/** Sessions of this process with tracking on: the dispatcher's fast path skips everything at 0. */
export let trackingClients = 0

export class Tracking {
  /** key name -> ids of the clients that may cache it */
  readonly table = new Map<string, Set<number>>()
  totalItems = 0
  readonly prefixes = new Map<string, PrefixState>()
  clients = 0
  /** the session whose command is running (invalidations for it wait for its reply) */
  executing: Session | null = null
  /** invalidations for `executing` (null: a flush) */
  pending: (string | null)[] = []
  /** inside outsideCommand(): invalidations are written at once */
  immediate = false
  private broadcastScheduled = false

  constructor(readonly server: NodeServer) {
    // (a script's write is its Lua client's, for NOLOOP in BCAST mode: redis records signalModifiedKey's
    // client, which is not the caller, so a NOLOOP client hears of its own scripts' writes)
    server.keyModifiedHooks.push((_db, key) => this.invalidateKey(key, true, this.server.scripting?.current ? null : this.executing))
    server.keyExpiredHooks.push((_db, key) => this.invalidateKey(key, true, null))
    server.on('flush', () => this.invalidateOnFlush())
    server.on('sessionClosed', (s: Session) => this.disable(s))
    this.maxKeys = server.config.int('tracking-table-max-keys')
    server.config.onChange.push((name, value) => {
      if (name === 'tracking-table-max-keys') this.maxKeys = Number(value)
    })
    server.cronHooks.push(() => this.limit())
  }
  maxKeys: number
  /**
   * Each client's redirection as last enabled: redis keeps client_tracking_redirection when
   * tracking is turned off, and the invalidations still pending for the running client (its
   * transaction wrote a key it had read, then turned tracking off) are sent there after EXEC.
   */
  private readonly lastRedirect = new WeakMap<Session, number>()

  enable(s: Session, redirect: number, opts: {bcast: boolean; optin: boolean; optout: boolean; noloop: boolean}, prefixes: string[]): void {
    // the first tracking client turns it on from inside its command (maybe a transaction that goes
    // on writing): from here on that command is the running one (NOLOOP, pending invalidations)
    if (this.executing === null) this.executing = s
    if (s.tracking === null) {
      this.clients++
      trackingClients++
      s.tracking = {redirect, bcast: false, optin: false, optout: false, noloop: false, caching: false, brokenRedir: false, prefixes: []}
    }
    const t = s.tracking
    t.redirect = redirect
    this.lastRedirect.set(s, redirect)
    t.brokenRedir = false
    t.bcast = opts.bcast
    t.optin = opts.optin
    t.optout = opts.optout
    t.noloop = opts.noloop
    if (opts.bcast) for (const p of prefixes.length === 0 ? [''] : prefixes) this.addPrefix(s, p)
  }

  private addPrefix(s: Session, p: string): void {
    let ps = this.prefixes.get(p)
    if (ps === undefined) this.prefixes.set(p, (ps = {clients: new Set(), keys: new Map()}))
    if (ps.clients.has(s)) return
    ps.clients.add(s)
    s.tracking!.prefixes.push(p)
  }

  disable(s: Session): void {
    const t = s.tracking
    if (t === null) return
    for (const p of t.prefixes) {
      const ps = this.prefixes.get(p)
      if (ps === undefined) continue
      ps.clients.delete(s)
      if (ps.clients.size === 0) this.prefixes.delete(p)
    }
    s.tracking = null
    this.clients--
    trackingClients--
  }

  /**
   * checkPrefixCollisionsOrReply: the error text (null when none) and whether tracking is enabled
   * anyway. Redis checks each new prefix against the client's prefixes (in its radix tree's byte
   * order) and then against the new prefixes after it; an overlap of two new prefixes found past
   * the first returns that index, which the caller takes for success: the error is sent, and the
   * prefixes are added and +OK follows (7.0.15). The texts are printed with %s: a prefix stops at a
   * NUL byte.
   */
  prefixCollision(s: Session, prefixes: string[]): {error: string | null; enable: boolean} {
    const overlaps = (a: string, b: string) => a.startsWith(b) || b.startsWith(a)
    const c = (x: string) => (x.includes('\0') ? x.slice(0, x.indexOf('\0')) : x)
    const old = [...(s.tracking?.prefixes ?? [])].sort()
    for (let i = 0; i < prefixes.length; i++) {
      for (const o of old) {
        if (overlaps(o, prefixes[i])) return {error: `ERR Prefix '${c(prefixes[i])}' overlaps with an existing prefix '${c(o)}'. Prefixes for a single client must not overlap.`, enable: false}
      }
      for (let j = i + 1; j < prefixes.length; j++) {
        if (overlaps(prefixes[i], prefixes[j])) return {error: `ERR Prefix '${c(prefixes[i])}' overlaps with another provided prefix '${c(prefixes[j])}'. Prefixes for a single client must not overlap.`, enable: i !== 0}
      }
    }
    return {error: null, enable: true}
  }

  /** trackingRememberKeys: after a read-only command of a tracking client (not BCAST). */
  remember(s: Session, spec: CommandSpec, argv: string[], keysOf: KeysOf): void {
    const t = s.tracking!
    if ((t.optin && !t.caching) || (t.optout && t.caching)) return
    if (spec.flags.includes('pubsub')) return
    let keys: string[]
    try {
      keys = keysOf(spec, argv)
    } catch {
      return
    }
    for (const k of keys) {
      let ids = this.table.get(k)
      if (ids === undefined) this.table.set(k, (ids = new Set()))
      if (!ids.has(s.id)) {
        ids.add(s.id)
        this.totalItems++
      }
    }
    this.limit()
  }

  /**
   * trackingLimitUsedSlots: evict (invalidate) keys over tracking-table-max-keys. Like redis (the
   * cron, or processCommand before the command runs) there is no current client: NOLOOP hides
   * nothing and the invalidations are written at once.
   */
  limit(): void {
    const max = this.maxKeys
    if (max === 0 || this.table.size <= max) return
    const running = this.executing
    const immediate = this.immediate
    this.executing = null
    this.immediate = true
    for (const k of this.table.keys()) {
      this.invalidateKey(k, false)
      if (this.table.size <= max) break
    }
    this.executing = running
    this.immediate = immediate
  }

  /** `by`: the client whose write it is (NOLOOP in BCAST mode); null for expiry and eviction. */
  invalidateKey(key: string, bcast: boolean, by: Session | null = this.executing): void {
    if (this.clients === 0 && this.table.size === 0) return
    if (bcast && this.prefixes.size !== 0) {
      for (const [p, ps] of this.prefixes) {
        if (p.length > key.length || !key.startsWith(p)) continue
        ps.keys.set(key, by)
        this.scheduleBroadcast()
      }
    }
    const ids = this.table.get(key)
    if (ids === undefined) return
    for (const id of ids) {
      const target = this.server.sessions.get(id)
      if (target === undefined || target.tracking === null || target.tracking.bcast) continue
      if (target === this.executing) {
        if (target.tracking.noloop) continue
        this.pending.push(key)
      } else if (this.immediate || this.redirectsToExecuting(target)) this.send(target, array1(key))
      else this.post(target, array1(key))
    }
    this.totalItems -= ids.size
    this.table.delete(key)
  }

  private invalidateOnFlush(): void {
    for (const s of this.server.sessions.values()) {
      if (s.tracking === null) continue
      if (s === this.executing) this.pending.push(null)
      else if (this.redirectsToExecuting(s)) this.send(s, flushNull(s))
      else this.post(s, flushNull(s))
    }
    this.table.clear()
    this.totalItems = 0
  }

  private readonly deferred: [Session, string][] = []

  /**
   * Another client's invalidation goes to the running client (its REDIRECT target): redis writes
   * it at once (sendTrackingMessage), into that client's reply as it is being built — between
   * the replies of an EXEC's commands, before the reply of the command that wrote the key.
   */
  private redirectsToExecuting(s: Session): boolean {
    const e = this.executing
    return e !== null && s.tracking !== null && s.tracking.redirect === e.id
  }

  /**
   * An invalidation for a client other than the one running: sent at the end of this microtask
   * run, so a blocked client served right now (BLMOVE) gets its reply first, as in redis.
   */
  private post(s: Session, proto: string): void {
    if (this.deferred.push([s, proto]) === 1) {
      queueMicrotask(() => {
        const d = this.deferred.splice(0)
        for (const [t, p] of d) if (!t.closed && t.tracking !== null) this.send(t, p)
      })
    }
  }

  /** sendTrackingMessage: `proto` is the encoded key array (or a null for a flush). */
  send(s: Session, proto: string): void {
    const t = s.tracking
    const redirect = t?.redirect ?? this.lastRedirect.get(s) ?? 0
    let target = s
    let redirected = false
    if (redirect !== 0) {
      const r = this.server.sessions.get(redirect)
      if (r === undefined) {
        if (t !== null) t.brokenRedir = true
        if (s.resp === 3) {
          const mark = s.reply.size
          s.reply.raw(`>2\r\n$21\r\ntracking-redir-broken\r\n:${redirect}\r\n`)
          s.keepPush(mark)
          s.flushSoon()
        }
        return
      }
      target = r
      redirected = true
    }
    const mark = target.reply.size
    if (target.resp === 3) target.reply.raw('>2\r\n$10\r\ninvalidate\r\n' + proto)
    else if (redirected && target.subscriptionCount() !== 0) target.reply.raw('*3\r\n$7\r\nmessage\r\n$20\r\n__redis__:invalidate\r\n' + proto)
    else return
    target.keepPush(mark)
    target.flushSoon()
  }

  private scheduleBroadcast(): void {
    if (this.broadcastScheduled) return
    this.broadcastScheduled = true
    setImmediate(() => {
      this.broadcastScheduled = false
      this.broadcast()
    })
  }

  /** trackingBroadcastInvalidationMessages: once per event-loop turn. */
  broadcast(): void {
    // prefix by prefix in the byte order of redis's PrefixTable (a radix tree), not the order they
    // were registered in: a client of several prefixes gets their pushes in that order
    for (const p of [...this.prefixes.keys()].sort()) {
      const ps = this.prefixes.get(p)!
      if (ps.keys.size === 0) continue
      // redis keeps them in a radix tree: sent in byte order (latin1 strings sort as their bytes)
      const keys = [...ps.keys.keys()].sort()
      const all = keysArray(keys)
      for (const c of ps.clients) {
        if (c.tracking?.noloop) {
          const mine: string[] = []
          for (const k of keys) if (ps.keys.get(k) !== c) mine.push(k)
          if (mine.length !== 0) this.send(c, keysArray(mine))
        } else this.send(c, all)
      }
      ps.keys.clear()
    }
  }

  /** After a top-level command of `s`: its own invalidations follow its reply (CACHING's reset: Session.resetClient). */
  afterCommand(s: Session): void {
    if (this.executing === s) this.executing = null
    // (sent even if the command turned tracking off meanwhile: trackingHandlePendingKeyInvalidations
    // does not look at the flag)
    if (this.pending.length !== 0) {
      const p = this.pending.splice(0)
      for (const k of p) this.send(s, k === null ? flushNull(s) : array1(k))
    } else this.pending.length = 0
  }
}

/**
 * A flush's invalidation: redis's shared.null of the tracking client's protocol (RESP2's is the
 * null bulk string `$-1`), whatever the protocol of the connection it is redirected to.
 */
function flushNull(s: Session): string {
  return s.resp === 3 ? '_\r\n' : '$-1\r\n'
}

function array1(key: string): string {
  return `*1\r\n$${key.length}\r\n${key}\r\n`
}

function keysArray(keys: string[]): string {
  let out = `*${keys.length}\r\n`
  for (const k of keys) out += `$${k.length}\r\n${k}\r\n`
  return out
}

const instances = new WeakMap<NodeServer, Tracking>()

/** The server's tracking tables (created on first use: a node that never tracks pays nothing). */
export function trackingOf(server: NodeServer): Tracking {
  let t = instances.get(server)
  if (t === undefined) instances.set(server, (t = new Tracking(server)))
  return t
}

export function existingTracking(server: NodeServer): Tracking | undefined {
  return instances.get(server)
}

/** call(): remember the keys a read-only command of a tracking client fetched (redis call()). */
export function trackAfterCall(s: Session, spec: CommandSpec, argv: string[], keysOf: KeysOf): void {
  if (!spec.flags.includes('readonly')) return
  const n = spec.name
  if (n === 'eval_ro' || n === 'evalsha_ro' || n === 'fcall_ro') return
  if (s.flags.has('script')) {
    // A script's read remembers the keys its EVAL / FCALL declared, for the calling client.
    const run = s.server.scripting?.current
    if (run === undefined || run === null) return
    const caller = run.caller
    if (caller.tracking === null || caller.tracking.bcast) return
    const top = s.server.commands.lookup(run.init.argv[0])
    if (top !== undefined) trackingOf(s.server).remember(caller, top, run.init.argv, keysOf)
    return
  }
  if (s.tracking === null || s.tracking.bcast) return
  trackingOf(s.server).remember(s, spec, argv, keysOf)
}

/**
 * Run `fn` as redis runs evictions: in processCommand before the command is called, with no
 * current client (NOLOOP hides nothing), each invalidation written at once, so the client whose
 * command triggered the eviction reads it before that command's reply.
 */
export function outsideCommand<T>(server: NodeServer, fn: () => T): T {
  const t = instances.get(server)
  if (t === undefined) return fn()
  const running = t.executing
  const immediate = t.immediate
  t.executing = null
  t.immediate = true
  try {
    return fn()
  } finally {
    t.executing = running
    t.immediate = immediate
  }
}

/** processCommand: the tracking table is brought under tracking-table-max-keys before each command. */
export function trackingLimitBeforeCommand(server: NodeServer): void {
  instances.get(server)?.limit()
}

/** Session hooks around one top-level command (only while some client tracks). */
export function trackingBegin(s: Session): void {
  const t = instances.get(s.server)
  if (t !== undefined) t.executing = s
}
export function trackingEnd(s: Session): void {
  instances.get(s.server)?.afterCommand(s)
}

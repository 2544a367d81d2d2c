// Client pause (redis 7.0 networking.c pauseClients/unpauseClients, server.c processCommand):
// one pause event per purpose (CLIENT PAUSE, cluster manual failover, shutdown), the effective
// pause is the most restrictive live type with the furthest end among that type. A paused
// client's command is not rejected: the session holds it (BLOCKED_POSTPONE) and re-runs it from
// scratch, in arrival order, once the pause ends, weakens or is lifted. Replicas' connections are
// never paused (they must keep reading the stream and acking); our own master's link is. While any pause is on, keys are
// not expired (lazy or active): reads still treat them as missing (db.c expireIfNeeded).
//
// API for the runtime (e.g. cluster manual failover, MFSTART on the master):
//   pauseWrites(server, untilMs, purpose?)  unpause(server, purpose?)  isWritePaused(server)
//   isPausedFor(server, 'failover')  pauseType(server)  postponedCount(server)
//   holdMigratingKeys(server, keys) -> release   (the per-key hold of an in-flight MIGRATE)
import type {CommandSpec, HandlerResult} from './commands/types.js'
import type {NodeServer} from './server.js'
import type {Session} from './session.js'
import {hasKeys, keysOf} from './command-keys.js'
import {keySlot} from './keyspace/slot.js'
import {FLAG_ALLOW_CROSS_SLOT} from './scripting/flags.js'
import {declaredScriptFlags} from './scripting/shebang.js'

export type PauseType = 'write' | 'all'
export type PausePurpose = 'client' | 'failover' | 'shutdown'

const RANK = {off: 0, write: 1, all: 2} as const
/** May-replicate commands that touch no key (a MIGRATE never holds them). */
const PUBLISH = new Set(['publish', 'spublish'])

/** Commands that may replicate without the write flag (redis CMD_MAY_REPLICATE in 7.0). */
const MAY_REPLICATE = new Set(['pfcount', 'publish', 'spublish', 'eval', 'evalsha', 'fcall'])

interface Held {
  session: Session
  resume: () => void
}

class ClientPause {
  readonly events = new Map<PausePurpose, {type: PauseType; end: number}>()
  type: 'off' | PauseType = 'off'
  end = 0
  readonly held: Held[] = []
  /** Keys (by name, in every db) of the MIGRATEs in flight, with how many hold each. */
  readonly migrating = new Map<string, number>()
  /** Their hash slots (cluster mode): a script is confined to the slot of its declared keys. */
  readonly migratingSlots = new Map<number, number>()
  /** Clients whose command waits for a MIGRATE of a key it may write. */
  readonly migrateHeld: Held[] = []
  private timer: NodeJS.Timeout | undefined

  constructor(readonly server: NodeServer) {}

  pause(purpose: PausePurpose, end: number, type: PauseType): void {
    const p = this.events.get(purpose)
    if (p === undefined) this.events.set(purpose, {type, end})
    else {
      if (RANK[type] > RANK[p.type]) p.type = type
      if (end > p.end) p.end = end
    }
    this.update()
  }

  unpause(purpose: PausePurpose): void {
    if (!this.events.delete(purpose)) return
    this.update()
  }

  /** updateClientPauseTypeAndEndTime: drop expired events, recompute, release on weakening. */
  update(): void {
    const now = this.server.clock.now()
    const old = this.type
    let type: 'off' | PauseType = 'off'
    for (const [k, p] of this.events) {
      if (p.end < now) this.events.delete(k)
      else if (RANK[p.type] > RANK[type]) type = p.type
    }
    let end = 0
    for (const p of this.events.values()) if (p.type === type && p.end > end) end = p.end
    this.type = type
    this.end = end
    if (old === 'off' && type !== 'off') setPaused(this.server, true)
    else if (old !== 'off' && type === 'off') setPaused(this.server, false)
    clearTimeout(this.timer)
    this.timer = undefined
    if (type !== 'off') {
      // redis notices the end in serverCron (up to 1/hz late); a timer is exact.
      this.timer = setTimeout(() => this.update(), Math.min(2 ** 31 - 1, Math.max(0, end - now + 1)))
      this.timer.unref?.()
    }
    if (RANK[type] < RANK[old]) this.release()
  }

  /** unblockPostponedClients: each held command is processed again from scratch, in order. */
  release(held = this.held): void {
    for (const h of held.splice(0)) {
      h.session.flags.delete('blocked')
      h.resume()
    }
  }

  /**
   * A command that may write a key of an in-flight MIGRATE. Only the keys a command is known to
   * write are compared: a command whose keys cannot be known (FLUSHDB, SWAPDB, a script that
   * declares no key or may cross slots, a script outside cluster mode that may touch keys it does
   * not declare) waits for every MIGRATE. EXEC waits when one of its queued commands would;
   * queueing a command writes nothing.
   */
  touchesMigrating(s: Session, spec: CommandSpec, argv: string[]): boolean {
    if (this.migrating.size === 0 || s.fromMaster || s.replica !== null || s.flags.has('replica')) return false
    if (spec.name === 'exec') return s.multi !== null && s.multi.queue.some((q) => this.writesMigrating(s, q.spec, q.flags, q.argv))
    if (s.multi !== null) return false
    return this.writesMigrating(s, spec, spec.flags, argv)
  }

  private writesMigrating(s: Session, spec: CommandSpec, flags: readonly string[], argv: string[]): boolean {
    if (!mayReplicate(s, spec, flags, argv) || PUBLISH.has(spec.name)) return false
    if (!hasKeys(spec)) return true
    let keys: string[]
    try {
      keys = keysOf(spec, argv)
    } catch {
      return true
    }
    for (const k of keys) if (this.migrating.has(k)) return true
    if (spec.flagsOf === undefined) return false
    // A script may also write keys it does not declare: in cluster mode only in the slot of the
    // keys it declares (7.0 refuses the others unless the script allows cross-slot keys).
    if (s.server.cluster === undefined || keys.length === 0) return true
    if (((declaredScriptFlags(s.server, spec.name, argv) ?? 0) & FLAG_ALLOW_CROSS_SLOT) !== 0) return true
    return keys.some((k) => this.migratingSlots.has(keySlot(k)))
  }

  mustPostpone(s: Session, spec: CommandSpec, argv: string[]): boolean {
    // Only replicas (CLIENT_SLAVE) are exempt: our master's link is held like any client (redis
    // 7.0 processCommand), so a paused replica reads the stream (slave_read_repl_offset) without
    // applying it (slave_repl_offset).
    if (this.type === 'off' || s.replica !== null || s.flags.has('replica')) return false
    if (this.type === 'all') return true
    return maybeReplicates(s, spec, argv)
  }
}

/** processCommand's is_read_command || is_write_command || is_may_replicate_command (EXEC: its queue's). */
export function touchesKeyspace(s: Session, spec: CommandSpec, argv: string[]): boolean {
  if (spec.flags.includes('readonly')) return true
  if (spec.name === 'exec' && s.multi !== null && s.multi.queue.some((q) => q.flags.includes('readonly'))) return true
  return maybeReplicates(s, spec, argv)
}

/** is_may_replicate_command; `spec` carries the flags a script declares (getCommandFlags). */
function maybeReplicates(s: Session, spec: CommandSpec, argv: string[]): boolean {
  if (spec.name === 'exec' && s.multi !== null) return s.multi.queue.some((q) => mayReplicate(s, q.spec, q.flags, q.argv))
  return mayReplicate(s, spec, spec.flags, argv)
}

/** A script that declares its flags replicates only when it may write (scriptFlagsToCmdFlags drops may-replicate). */
function mayReplicate(s: Session, spec: CommandSpec, flags: readonly string[], argv: string[]): boolean {
  if (flags.includes('write')) return true
  return MAY_REPLICATE.has(spec.name) && (spec.flagsOf?.(s.server, argv) ?? null) === null
}

const pauses = new WeakMap<NodeServer, ClientPause>()
/**
 * Servers of this process with a pause on or a MIGRATE in flight: the dispatcher's fast path
 * skips everything at 0.
 */
export let pausedServers = 0

function setPaused(server: NodeServer, on: boolean): void {
  pausedServers += on ? 1 : -1
  // Keep the dataset static: no lazy or active expiry while paused (expired keys still read as missing).
  for (const [, d] of server.databases()) d.expiryPaused = on
}

function stateOf(server: NodeServer): ClientPause {
  let p = pauses.get(server)
  if (p === undefined) {
    pauses.set(server, (p = new ClientPause(server)))
    server.on('sessionClosed', (s: Session) => dropHeld(server, s))
  }
  return p
}

/** Pause until the absolute time `end` (server clock, ms); the most restrictive pause wins. */
export function pauseClients(server: NodeServer, purpose: PausePurpose, end: number, type: PauseType): void {
  stateOf(server).pause(purpose, end, type)
}

/** Pause write (and may-replicate) commands until `untilMs`: manual failover on the master. */
export function pauseWrites(server: NodeServer, untilMs: number, purpose: PausePurpose = 'failover'): void {
  pauseClients(server, purpose, untilMs, 'write')
}

/** Lift the pause of one purpose; held clients run when nothing else keeps them paused. */
export function unpause(server: NodeServer, purpose: PausePurpose = 'failover'): void {
  pauses.get(server)?.unpause(purpose)
}

/** The effective pause type right now ('off' when none, or when the last one ran out). */
export function pauseType(server: NodeServer): 'off' | PauseType {
  const p = pauses.get(server)
  if (p === undefined || p.type === 'off') return 'off'
  if (p.end < server.clock.now()) p.update()
  return p.type
}

export function isWritePaused(server: NodeServer): boolean {
  return pauseType(server) !== 'off'
}

/**
 * A live pause event of this purpose. Redis's replicationCron skips the PING to replicas while a
 * manual failover pause is on (so the master offset the replica must reach stays put), and
 * WAIT's GETACK waits for the end of any pause: replication can ask here.
 */
export function isPausedFor(server: NodeServer, purpose: PausePurpose): boolean {
  const p = pauses.get(server)
  if (p === undefined || pauseType(server) === 'off') return false
  return p.events.has(purpose)
}

/** Clients whose command is held by a pause (counted in INFO blocked_clients like redis). */
export function postponedCount(server: NodeServer): number {
  const p = pauses.get(server)
  return p === undefined ? 0 : p.held.length + p.migrateHeld.length
}

function count<K>(m: Map<K, number>, k: K, by: number): void {
  const n = (m.get(k) ?? 0) + by
  if (n <= 0) m.delete(k)
  else m.set(k, n)
}

/**
 * Redis blocks the whole server while MIGRATE waits for its target. Here other clients keep being
 * served; a command that may write one of `keys` (moved by a MIGRATE that deletes them) waits
 * until the returned release is called (after the deletes, on success or error), so a write
 * between a key's DUMP and its DEL is never acknowledged and then lost. Release is idempotent.
 */
export function holdMigratingKeys(server: NodeServer, keys: readonly string[]): () => void {
  const p = stateOf(server)
  const slots = server.cluster === undefined ? [] : keys.map(keySlot)
  const first = p.migrating.size === 0
  for (const k of keys) count(p.migrating, k, 1)
  if (first && p.migrating.size !== 0) pausedServers++
  for (const slot of slots) count(p.migratingSlots, slot, 1)
  let held = true
  return () => {
    if (!held) return
    held = false
    const last = p.migrating.size !== 0
    for (const k of keys) count(p.migrating, k, -1)
    for (const slot of slots) count(p.migratingSlots, slot, -1)
    if (last && p.migrating.size === 0) pausedServers--
    // Each waiting command runs again from scratch; one that still meets a MIGRATE waits again.
    p.release(p.migrateHeld)
  }
}

/**
 * Dispatcher hook (after the guards, before MULTI queueing, as in processCommand): returns a
 * Promise that re-runs the command when the pause lets it through, or undefined to go on now.
 */
export function postponeIfPaused(s: Session, spec: CommandSpec, rerun: () => HandlerResult, argv: string[] = []): Promise<void> | undefined {
  const p = pauses.get(s.server)
  if (p === undefined) return undefined
  let list: Held[] | null = null
  if (p.mustPostpone(s, spec, argv)) {
    if (p.end >= s.server.clock.now()) list = p.held
    else {
      p.update()
      if (p.mustPostpone(s, spec, argv)) list = p.held
    }
  }
  if (list === null && p.touchesMigrating(s, spec, argv)) list = p.migrateHeld
  if (list === null) return undefined
  const into = list
  s.lastCommand = spec.fullname ?? spec.name
  s.flags.add('blocked')
  return new Promise<void>((resolve) => {
    into.push({session: s, resume: resolve})
  }).then(() => (s.closed ? undefined : rerun()))
}

/** A closing session leaves the held lists (called from the server's sessionClosed event). */
export function dropHeld(server: NodeServer, s: Session): void {
  const p = pauses.get(server)
  if (p === undefined) return
  for (const list of [p.held, p.migrateHeld]) {
    const i = list.findIndex((h) => h.session === s)
    if (i >= 0) list.splice(i, 1)
  }
}

// maxmemory (redis evict.c): the used-memory figure, the eviction loop for every
// maxmemory-policy, the OOM rejection of deny-oom commands, LRU/LFU data per key
// (OBJECT IDLETIME / OBJECT FREQ, RESTORE IDLETIME / FREQ).
//
// used_memory is an estimate, not the V8 heap (which moves with garbage collection and JIT
// state, so a limit on it would evict at random): a fixed base, per key KEY_OVERHEAD + key bytes
// + string value bytes (kept incrementally by the keyspace), aggregates' elements estimated from
// their size and a sample of their elements, and the clients' query and output buffers.
import {outputMemory, pendingOutput} from '../clientmem.js'
import {KEY_OVERHEAD, type Keyspace, Deque, ZSet, READ_NONOTIFY, READ_NOTOUCH} from '../keyspace/keyspace.js'
import {packedBytes} from '../keyspace/packed.js'
import {propagate} from '../propagate.js'
import {N, notifyDb} from '../notify.js'
import {Stream} from '../keyspace/stream.js'
import type {NodeServer} from '../server.js'
import {cmd, type CommandSpec} from '../commands/types.js'
import type {Session} from '../session.js'
import {outsideCommand} from '../tracking.js'

/** What an empty node reports (redis 7.0 starts near 0.9 MB). */
export const BASE_MEMORY = 900 * 1024
const ELEMENT_OVERHEAD = 48
const LFU_INIT_VAL = 5
export const OOM_ERROR = "OOM command not allowed when used memory > 'maxmemory'."

const aggregateCache = new WeakMap<object, {size: number; bytes: number}>()

/** Bytes of an aggregate value: elements x (overhead + sampled average element bytes). */
export function aggregateBytes(v: Exclude<ReturnType<Keyspace['peek']>, string | undefined>): number {
  if (v instanceof Stream) {
    // listpack nodes as the RDB/radix tree hold them: their byte sizes are kept exactly
    let b = 0
    for (const n of v.nodes) b += n.lpBytes + ELEMENT_OVERHEAD
    return b
  }
  const packed = packedBytes(v)
  if (packed !== null) return packed + ELEMENT_OVERHEAD // not walked: its entries may be unreadable
  const size = v instanceof Deque ? v.length : v instanceof ZSet ? v.size : v.size
  const cached = aggregateCache.get(v)
  if (cached && cached.size === size) return cached.bytes
  let sampled = 0
  let total = 0
  const it: Iterable<unknown> = v instanceof Map ? v.entries() : v instanceof ZSet ? v.entries() : (v as Iterable<unknown>)
  for (const e of it) {
    if (sampled === 16) break
    total += Array.isArray(e) ? String(e[0]).length + String(e[1] ?? '').length : String(e).length
    sampled++
  }
  const avg = sampled === 0 ? 0 : total / sampled
  const bytes = Math.round(size * (ELEMENT_OVERHEAD + avg))
  aggregateCache.set(v, {size, bytes})
  return bytes
}

function dbBytes(db: Keyspace): number {
  let n = db.bytes
  if (db.aggregates !== 0) {
    // raw: measuring memory must not expire keys (a lazy expiry here propagated DELs from INFO)
    for (const v of db.rawValues()) if (typeof v !== 'string') n += aggregateBytes(v)
  }
  return n
}

export interface MemoryBreakdown {
  used: number
  dataset: number
  clientsNormal: number
  clientsReplicas: number
  /** redis freeMemoryGetNotCountedMemory: replicas' output buffers do not drive eviction */
  notCounted: number
}

export function memoryBreakdown(server: NodeServer): MemoryBreakdown {
  let dataset = 0
  for (const [, db] of server.databases()) dataset += dbBytes(db) + db.expiresCount * 16
  let clientsNormal = 0
  let clientsReplicas = 0
  let notCounted = 0
  for (const s of server.sessions.values()) {
    if (s.replica !== null || s.flags.has('replica')) {
      const out = pendingOutput(s)
      clientsReplicas += s.parser.heldBytes + out
      notCounted += out
      // a client's first reply bytes sit in its static buffer (redis c->buf, allocated with the
      // client), so only what goes past it grows used_memory
    } else clientsNormal += s.parser.heldBytes + outputMemory(s)
  }
  return {used: BASE_MEMORY + dataset + clientsNormal + clientsReplicas, dataset, clientsNormal, clientsReplicas, notCounted}
}

/** The node's used_memory (see the header). */
export function usedMemory(server: NodeServer): number {
  return memoryBreakdown(server).used
}

/** What eviction compares with maxmemory (used_memory less the replicas' output buffers). */
function evictableMemory(server: NodeServer): number {
  const b = memoryBreakdown(server)
  return b.used - b.notCounted
}

// ---- LRU / LFU --------------------------------------------------------------------------

function lfuMinutes(): number {
  return Math.floor(Date.now() / 60000) & 65535
}

function lfuElapsed(ldt: number): number {
  const now = lfuMinutes()
  return now >= ldt ? now - ldt : 65535 - ldt + now
}

/** LFUDecrAndReturn: the counter after lfu-decay-time periods elapsed. */
export function lfuDecr(server: NodeServer, packed: number): number {
  const ldt = (packed >>> 8) & 0xffff
  const counter = packed & 255
  const decay = server.config.int('lfu-decay-time')
  const periods = decay ? Math.floor(lfuElapsed(ldt) / decay) : 0
  return periods ? Math.max(0, counter - periods) : counter
}

function lfuLogIncr(server: NodeServer, counter: number): number {
  if (counter === 255) return 255
  const base = Math.max(0, counter - LFU_INIT_VAL)
  const p = 1.0 / (base * server.config.int('lfu-log-factor') + 1)
  return Math.random() < p ? counter + 1 : counter
}

export function isLfu(server: NodeServer): boolean {
  return server.config.get('maxmemory-policy').endsWith('-lfu')
}

/** LRU clock when tracking started: keys not stamped since then count as idle from that moment. */
const trackingSince = new WeakMap<NodeServer, number>()
const trackingKind = new WeakMap<NodeServer, string>()

/**
 * Per-key access data (redis keeps a 24-bit LRU clock or LFU counter in every object): LRU seconds
 * unless an LFU policy is set, so OBJECT IDLETIME, TOUCH and RESTORE ... IDLETIME work under every
 * policy, as in Redis. It costs a map entry per key.
 */
function installStamp(server: NodeServer): void {
  const lfu = isLfu(server)
  const stamp = lfu
    ? (_key: string, prev: number | undefined) => {
        // prev < 0: an overwrite of the value stamped -1 - prev, which keeps its counter
        if (prev !== undefined && prev < 0) return -1 - prev
        const c = prev === undefined ? LFU_INIT_VAL : lfuLogIncr(server, lfuDecr(server, prev))
        return (lfuMinutes() << 8) | c
      }
    : () => lruClock()
  const kind = lfu ? 'lfu' : 'lru'
  if (!trackingKind.has(server)) trackingSince.set(server, lruClock())
  // a switch between LRU and LFU keeps each key's 24 bits, read the other way from now on, as redis
  // reads its objects' lru field (an LRU clock seen as minutes<<8 | counter, and back)
  trackingKind.set(server, kind)
  server.accessStamp = stamp
  server.accessLfu = lfu
  for (const [, db] of server.databases()) {
    db.accessStamp = stamp
    db.accessLfu = lfu
  }
  installSharing(server)
}

/** redis: no shared integers with maxmemory and an LRU/LFU policy (each key needs its own LRU field). */
export function sharedIntegersInUse(config: {get(name: string): string; int(name: string): number}): boolean {
  const policy = config.get('maxmemory-policy')
  return config.int('maxmemory') === 0 || !(policy.endsWith('-lru') || policy.endsWith('-lfu'))
}

/**
 * redis shares the integer objects 0-9999 among keys unless maxmemory is set with an LRU/LFU
 * policy (MAXMEMORY_FLAG_NO_SHARED_INTEGERS): while it does, keys holding the same one share its
 * access data. Their data starts over when sharing starts again.
 */
function installSharing(server: NodeServer): void {
  const sharing = sharedIntegersInUse(server.config)
  if (sharing === (server.sharedAccess !== null)) return
  server.sharedAccess = sharing ? new Map() : null
  for (const [, db] of server.databases()) db.sharedAccess = server.sharedAccess
}

/** redis LRU_CLOCK: seconds, 24 bits (the field LFU data shares). */
function lruClock(): number {
  return Math.floor(Date.now() / 1000) & 0xffffff
}

/** The key's value object's 24-bit `lru` field: its LRU clock, or LFU minutes<<8 | counter (DEBUG OBJECT's `lru:`). */
export function lruField(server: NodeServer, db: Keyspace, key: string): number {
  return db.accessOf(key) ?? trackingSince.get(server) ?? lruClock()
}

/** estimateObjectIdleTime, in seconds (the 24-bit clock wraps; under LFU the field is read as an LRU clock, as redis does). */
export function idleSeconds(server: NodeServer, db: Keyspace, key: string): number {
  const at = lruField(server, db, key)
  const now = lruClock()
  return now >= at ? now - at : 0xffffff - at + now
}

/**
 * What redis rdbSaveKeyValuePair writes before a key: its idle seconds (RDB_OPCODE_IDLE) under an
 * LRU policy, its decayed LFU counter (RDB_OPCODE_FREQ) under an LFU one, nothing otherwise.
 */
export function rdbAccessInfo(server: NodeServer, db: Keyspace, key: string): {idle?: number; freq?: number} | undefined {
  const policy = server.config.get('maxmemory-policy')
  if (policy.endsWith('-lru')) return {idle: idleSeconds(server, db, key)}
  if (policy.endsWith('-lfu')) return {freq: lfuDecr(server, db.accessOf(key) ?? LFU_INIT_VAL)}
  return undefined
}

/** RESTORE ... IDLETIME / FREQ (redis objectSetLRUOrLFU). */
export function setIdleOrFreq(server: NodeServer, db: Keyspace, key: string, idle: number, freq: number): void {
  if (server.accessStamp === null) return
  if (freq >= 0 && isLfu(server)) db.setAccess(key, (lfuMinutes() << 8) | Math.min(255, freq))
  else if (idle >= 0 && !isLfu(server)) db.setAccess(key, (lruClock() - idle) & 0xffffff)
}

// ---- eviction ---------------------------------------------------------------------------

/** One victim per call by the policy, sampling maxmemory-samples keys per database. */
function pickVictim(server: NodeServer, policy: string): [number, string] | null {
  const samples = Math.max(1, server.config.int('maxmemory-samples'))
  const volatile = policy.startsWith('volatile-')
  let best: [number, string] | null = null
  let bestScore = Infinity
  for (const [i, db] of server.databases()) {
    if (db.size === 0 || (volatile && db.expiresCount === 0)) continue
    for (let n = 0; n < samples; n++) {
      const key = volatile ? db.randomVolatileKey() : db.randomKey()
      if (key === undefined) break
      let score: number
      if (policy.endsWith('-random')) return [i, key]
      if (policy === 'volatile-ttl') score = db.getExpire(key) ?? Infinity
      else if (policy.endsWith('-lfu')) score = lfuDecr(server, db.access.get(key) ?? 0)
      else score = -idleSeconds(server, db, key) // LRU: the longest idle
      if (score < bestScore) {
        bestScore = score
        best = [i, key]
      }
    }
  }
  return best
}

/** performEvictions: false when memory is over the limit and nothing more can be evicted. */
export function performEvictions(server: NodeServer): boolean {
  return evictionPass(server) !== 'fail'
}

/**
 * redis evictionTimeLimitUs: how long one eviction pass may run before the rest is left to the
 * event loop (maxmemory-eviction-tenacity: 0..10 linear up to 500 µs, then +15% a step, 100 = no limit).
 */
export function evictionTimeLimitUs(tenacity: number): number {
  if (tenacity <= 10) return 50 * tenacity
  if (tenacity < 100) return 500 * Math.pow(1.15, tenacity - 10)
  return Infinity
}

/**
 * One pass: 'ok' under the limit, 'running' when the time limit stopped it, 'fail' when nothing is
 * left to evict; a pass that is not 'ok' starts (or continues) a period over maxmemory, an 'ok'
 * one ends it (redis performEvictions's update_metrics: INFO *_eviction_exceeded_time).
 */
function evictionPass(server: NodeServer): 'ok' | 'running' | 'fail' {
  const r = evictOnce(server)
  const st = server.stats
  if (r !== 'ok') {
    if (st.evictionExceededSince === 0) st.evictionExceededSince = performance.now()
  } else if (st.evictionExceededSince !== 0) {
    st.evictionExceededMs += performance.now() - st.evictionExceededSince
    st.evictionExceededSince = 0
  }
  return r
}

function evictOnce(server: NodeServer): 'ok' | 'running' | 'fail' {
  const max = server.config.int('maxmemory')
  if (max <= 0) return 'ok'
  let used = evictableMemory(server)
  if (used <= max) return 'ok'
  const policy = server.config.get('maxmemory-policy')
  if (policy === 'noeviction') return 'fail'
  // redis performEvictions: the whole pass is LATENCY `eviction-cycle`, each delete `eviction-del`
  return outsideCommand(server, () => server.insight.timed('eviction-cycle', () => evictUntil(server, policy, max, used)))
}

/** Servers whose eviction continues from the event loop (redis isEvictionProcRunning). */
const evictionProcs = new WeakSet<NodeServer>()

/** redis startEvictionTimeProc / evictionTimeProc: further passes, one per event-loop turn, until one completes. */
function startEvictionProc(server: NodeServer): void {
  if (evictionProcs.has(server)) return
  evictionProcs.add(server)
  const step = (): void => {
    if (evictionPass(server) === 'running') setImmediate(step)
    else evictionProcs.delete(server)
  }
  setImmediate(step)
}

function evictUntil(server: NodeServer, policy: string, max: number, used: number): 'ok' | 'running' | 'fail' {
  const limitMs = evictionTimeLimitUs(server.config.int('maxmemory-eviction-tenacity')) / 1000
  const t0 = performance.now()
  // redis performEvictions counts only what the deletes free: the DELs propagated and the
  // invalidations sent to tracking clients grow buffers that drain later, and counting them would
  // never let the pass end (or would empty the keyspace). So output the pass itself adds to normal
  // clients stays out of the re-measures below.
  const clientsAtStart = memoryBreakdown(server).clientsNormal
  const measure = (): number => {
    const b = memoryBreakdown(server)
    return b.used - b.notCounted - Math.max(0, b.clientsNormal - clientsAtStart)
  }
  let guard = 0
  while (used > max) {
    const victim = pickVictim(server, policy)
    if (victim === null) return 'fail'
    const [i, key] = victim
    const db = server.db(i)
    const before = db.bytes
    if (!server.insight.timed('eviction-del', () => db.delete(key))) continue
    server.stats.evictedKeys = (server.stats.evictedKeys ?? 0) + 1
    server.keyModified(i, key)
    notifyDb(server, N.EVICTED, 'evicted', key, i)
    server.dirty-- // an eviction is not a client write (redis does not count it in dirty)
    propagate(server, i, ['DEL', key])
    used -= before - db.bytes
    // Aggregates and client buffers are re-measured now and then rather than per key.
    if (++guard % 64 === 0 || db.aggregates !== 0) used = measure()
    // redis: every 16 keys, a pass over its time limit leaves the rest to the event loop; the
    // command that asked goes on (EVICT_RUNNING is not out of memory)
    if (guard % 16 === 0 && used > max && performance.now() - t0 > limitMs) {
      startEvictionProc(server)
      return 'running'
    }
  }
  return 'ok'
}

/** Commands that keep running under OOM inside MULTI (redis processCommand). */
const MULTI_OK = new Set(['exec', 'discard', 'quit', 'reset'])

export function installMemory(server: NodeServer): void {
  installStamp(server)
  extendObjectCommand(server)
  server.config.onChange.push((name) => {
    if (name === 'maxmemory-policy') installStamp(server)
    // redis startEvictionTimeProc: evict from the event loop, not inside CONFIG SET (nor an EXEC
    // running it), each DEL propagated on its own
    if (name === 'maxmemory') {
      installSharing(server)
      setImmediate(() => performEvictions(server))
    }
  })
  server.cronHooks.push(() => {
    if (server.config.int('maxmemory') > 0) performEvictions(server)
  })
  server.guards.push((s: Session, spec: CommandSpec) => {
    if (server.config.int('maxmemory') <= 0) {
      server.preCommandOom = false
      return null
    }
    // the master link, the AOF and scripts' calls (checked by the script runner) are not refused
    if (s.fromMaster || s.socket === null) return null
    const ok = performEvictions(server)
    server.preCommandOom = !ok
    if (ok) return null
    let deny = spec.flags.includes('denyoom')
    if (spec.name === 'exec' && s.multi) deny = s.multi.queue.some((q) => q.flags.includes('denyoom'))
    if (s.multi !== null && !MULTI_OK.has(spec.name)) deny = true
    return deny ? OOM_ERROR : null
  })
}

const LFU_SELECTED =
  'ERR An LFU maxmemory policy is selected, idle time not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.'
const LFU_NOT_SELECTED =
  'ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.'

/** OBJECT IDLETIME / OBJECT FREQ, added to the OBJECT container of commands/keys.ts. */
export function objectSubcommands(server: NodeServer): CommandSpec[] {
  // redis objectCommandLookup: counted in keyspace_hits/misses, the key not touched, no keymiss event
  const lookup = (ctx: {session: Session}, key: string) => {
    const db = server.db(ctx.session.dbIndex)
    return db.read(key, READ_NOTOUCH | READ_NONOTIFY) === undefined ? null : db
  }
  return [
    cmd('idletime', 3, ['readonly'], [2, 2, 1], (ctx, a) => {
      const db = lookup(ctx, a[2])
      if (db === null) return ctx.reply.nil()
      if (isLfu(server)) return ctx.reply.error(LFU_SELECTED)
      ctx.reply.integer(idleSeconds(server, db, a[2]))
    }),
    cmd('freq', 3, ['readonly'], [2, 2, 1], (ctx, a) => {
      const db = lookup(ctx, a[2])
      if (db === null) return ctx.reply.nil()
      if (!isLfu(server)) return ctx.reply.error(LFU_NOT_SELECTED)
      ctx.reply.integer(lfuDecr(server, db.accessOf(a[2]) ?? LFU_INIT_VAL))
    }),
  ]
}

function extendObjectCommand(server: NodeServer): void {
  const object = server.commands.lookup('object')
  if (!object?.subcommands) return
  const mine = objectSubcommands(server)
  object.subcommands = [...object.subcommands.filter((s) => !mine.some((m) => m.name === s.name)), ...mine]
  server.commands.register([object])
}

// Per-client memory as redis 7.0 counts it (also the CLIENT LIST line), and the two policies built on it:
// - client-output-buffer-limit for normal and pub/sub clients (networking.c
//   checkClientOutputBufferLimits / closeClientOnOutputBufferLimitReached; the replica class is
//   enforced by src/node/replication with the same limit check);
// - client eviction, maxmemory-clients (networking.c getClientMemoryUsage / evictClients,
//   server.c updateClientMemUsageAndBucket).
// The figures are derived from the buffers the node really holds: the reply bytes not yet taken
// by the kernel (the session's unflushed reply plus socket.writableLength), the unparsed query
// bytes and the arguments already parsed, MULTI queues, watched keys and subscriptions. What a C
// struct or jemalloc would add on top of them is counted as redis-server 7.0.15 (jemalloc) counts it.
import type {NodeServer} from './server.js'
import type {Session} from './session.js'
import {queryBufferAlloc} from './querybuf.js'
import {mallocSize, sdsHeader} from './keyspace/sds.js'

export {mallocSize}

/** zmalloc_size(client) of redis 7.0.15 on x86-64 (tot-mem of a fresh client less its buffers) */
const CLIENT_STRUCT = 768
const PTR = 8
const LIST_NODE = 24
const DICT_ENTRY = 24
/** listNode + watchedKey (key, db and client pointers and the expired flag) */
const WATCHED_KEY = LIST_NODE + 32
const MULTI_CMD = 24

/** sdsZmallocSize of a buffer sdsMakeRoomFor grew to `alloc`: header, alloc, terminator, rounded by jemalloc. */
function sdsMallocSize(alloc: number): number {
  return mallocSize(alloc + sdsHeader(alloc, false) + 1)
}

/** The sds alloc redis records for a buffer asked to hold `alloc` bytes (jemalloc's usable size). */
export function sdsUsable(alloc: number): number {
  // a freed query buffer is sdsempty(): nothing to spare
  if (alloc === 0) return 0
  return sdsMallocSize(alloc) - sdsHeader(alloc, false) - 1
}

// ---- output buffer --------------------------------------------------------------------------

/** Reply bytes produced for the client and not yet taken by the kernel. */
export function pendingOutput(s: Session): number {
  const sock = s.socket
  if (sock === null || sock === undefined) return s.reply.size
  const queued = sock.writableLength
  return s.reply.size + (s.tls && queued !== 0 ? queued - tlsInFlight(sock) : queued)
}

/**
 * The bytes of a TLS socket's write in progress. A plain socket's write is taken by the kernel at
 * once; a TLS socket's is encrypted and handed on at once too (redis: SSL_write returned), but
 * Node.js completes it a loop turn later, and until then its bytes count in writableLength — the
 * invalidations an eviction sent to tracking clients then counted as client memory at the next
 * command, which evicted again (a feedback loop that emptied the keyspace). What is queued behind
 * that write is still the client's output buffer, as in redis.
 */
function tlsInFlight(sock: NonNullable<Session['socket']>): number {
  const st = (sock as unknown as {_writableState?: {writing?: boolean; writelen?: number}})._writableState
  // at most a socket buffer's worth counts as taken, as a plain socket's kernel takes (a client that
  // stopped reading keeps a TLS write in progress; what it holds past that is its output buffer)
  return st?.writing === true && typeof st.writelen === 'number' ? Math.min(st.writelen, TLS_TAKEN_MAX) : 0
}

const TLS_TAKEN_MAX = 1024 * 1024

/**
 * CLIENT LIST omem (getClientOutputBufferMemoryUsage): what does not fit redis's static reply
 * buffer (rbs) goes to its reply list; a client whose socket keeps up shows 0.
 */
export function outputMemory(s: Session): number {
  const n = pendingOutput(s) - s.rbSize
  if (n <= 0) return 0
  // the reply list in redis's blocks: each an allocation of at least PROTO_REPLY_CHUNK_BYTES, whose
  // usable size is counted (reply_bytes), plus its listNode and block header
  // (getClientOutputBufferMemoryUsage): a 112 KB KEYS reply past a 16 KB buffer is 102,520 bytes
  // there, over a 100,000-byte limit, where its 96 KB of bytes alone are not
  return Math.ceil(n / REPLY_BLOCK) * (REPLY_BLOCK + REPLY_BLOCK_OVERHEAD)
}

/** clientReplyBlock's `size`: the usable bytes of a PROTO_REPLY_CHUNK_BYTES block (jemalloc's class less the header) */
const REPLY_BLOCK = mallocSize(16 * 1024 + 16) - 16
/** sizeof(listNode) + sizeof(clientReplyBlock) */
const REPLY_BLOCK_OVERHEAD = 24 + 16

export interface ObufLimit {
  hard: number
  soft: number
  seconds: number
}
export type ObufClass = 'normal' | 'slave' | 'pubsub'

let parsedFrom = ''
let parsed: Record<ObufClass, ObufLimit> | null = null

/** The three classes of a client-output-buffer-limit value (cached: it is read on every big reply). */
export function obufLimits(v: string): Record<ObufClass, ObufLimit> {
  if (parsed !== null && v === parsedFrom) return parsed
  const out: Record<ObufClass, ObufLimit> = {
    normal: {hard: 0, soft: 0, seconds: 0},
    slave: {hard: 256 * 1024 * 1024, soft: 64 * 1024 * 1024, seconds: 60},
    pubsub: {hard: 32 * 1024 * 1024, soft: 8 * 1024 * 1024, seconds: 60},
  }
  const t = v.split(/\s+/)
  for (let i = 0; i + 3 < t.length; i += 4) {
    const cls = t[i].toLowerCase() === 'replica' ? 'slave' : (t[i].toLowerCase() as ObufClass)
    if (cls in out) out[cls] = {hard: memNum(t[i + 1]), soft: memNum(t[i + 2]), seconds: Number(t[i + 3]) || 0}
  }
  parsedFrom = v
  return (parsed = out)
}

function memNum(s: string): number {
  const m = /^(\d+)(k|kb|m|mb|g|gb|b)?$/i.exec(s)
  if (!m) return 0
  const mul: Record<string, number> = {'': 1, b: 1, k: 1000, kb: 1024, m: 1e6, mb: 1 << 20, g: 1e9, gb: 1 << 30}
  return Number(m[1]) * mul[(m[2] ?? '').toLowerCase()]
}

/**
 * checkClientOutputBufferLimits: the hard limit at once; the soft limit once it has been reached
 * continuously for more than `seconds` (counted in whole unix seconds like server.unixtime).
 * `state.softSince` (unix seconds, 0 = not over) is updated as a side effect.
 */
export function obufLimitReached(limit: ObufLimit, used: number, state: {softSince: number}, nowMs: number): boolean {
  if (limit.hard > 0 && used >= limit.hard) return true
  if (limit.soft > 0 && used >= limit.soft) {
    const now = Math.floor(nowMs / 1000)
    if (state.softSince === 0) {
      state.softSince = now
      return false
    }
    return now - state.softSince > limit.seconds
  }
  state.softSince = 0
  return false
}

/** The limit class of a client that is not a replica (masters count as normal clients). */
function obufClass(s: Session): ObufClass {
  return s.subscriptionCount() > 0 ? 'pubsub' : 'normal'
}

/**
 * closeClientOnOutputBufferLimitReached for a normal or pub/sub client. `async`: from a command
 * or a write (redis flags CLIENT_CLOSE_ASAP and logs "scheduled to be closed ASAP"); else from
 * the cron ("closed"). Nothing more is written to a client once it is over its limit.
 */
export function checkOutputLimit(s: Session, async: boolean): boolean {
  if (s.closeAsap) return true
  if (s.replica !== null || s.socket === null || s.closed) return false
  const used = outputMemory(s)
  if (used === 0) return false
  const limit = obufLimits(s.server.config.get('client-output-buffer-limit'))[obufClass(s)]
  if (!obufLimitReached(limit, used, s.obufSoft, s.server.clock.now())) return false
  const info = clientInfoLine(s.server, s, null)
  s.closeAsap = true
  s.reply.clear()
  s.server.log.warning(
    async
      ? `Client ${info} scheduled to be closed ASAP for overcoming of output buffer limits.`
      : `Client ${info} closed for overcoming of output buffer limits.`,
  )
  s.close()
  return true
}

// ---- total client memory --------------------------------------------------------------------

/** dictSlots of a dict holding n entries (power of two, at least 4; 0 when never used). */
function dictSlots(n: number): number {
  if (n === 0) return 0
  let slots = 4
  while (slots < n) slots *= 2
  return slots
}

/** multiStateMemOverhead: queued argv, the multiCmd array, watched keys. */
export function multiMemory(s: Session): {argv: number; overhead: number} {
  let argv = 0
  let alloc = 0
  const queue = s.multi?.queue
  if (queue !== undefined && queue.length > 0) {
    // the queue only grows until EXEC/DISCARD replaces it: sum the commands added since last time
    let sum = queuedArgv.get(queue)
    if (sum === undefined || sum.count > queue.length) sum = {count: 0, bytes: 0}
    for (let i = sum.count; i < queue.length; i++) {
      const q = queue[i].argv
      sum.bytes += PTR * q.length
      for (const a of q) sum.bytes += a.length
    }
    sum.count = queue.length
    queuedArgv.set(queue, sum)
    argv = sum.bytes
    alloc = 2
    while (alloc < queue.length) alloc *= 2
  }
  return {argv, overhead: argv + alloc * MULTI_CMD + (s.watched?.size ?? 0) * WATCHED_KEY}
}
const queuedArgv = new WeakMap<object, {count: number; bytes: number}>()

/** The command arguments the client holds: the running command's, or those parsed of an incomplete one. */
export function argvMemory(s: Session): {bytes: number; count: number} {
  const a = s.currentArgv
  if (a !== null) {
    let bytes = 0
    for (let i = 0; i < a.length; i++) bytes += a[i].length
    return {bytes, count: a.length}
  }
  return {bytes: s.parser.heldBytes - s.parser.pending, count: s.parser.partialArgc}
}

/** getClientMemoryUsage: CLIENT LIST tot-mem and the figure client eviction compares. */
export function clientMemory(s: Session): number {
  const argv = argvMemory(s)
  let mem = outputMemory(s) + sdsMallocSize(queryBufferAlloc(s)) + CLIENT_STRUCT + s.rbSize
  mem += argv.bytes + PTR * argv.count + multiMemory(s).overhead
  // pubsubMemOverhead: list nodes of patterns, dict entries and slots of (sharded) channels
  mem += s.patterns.size * LIST_NODE
  mem += s.channels.size * DICT_ENTRY + dictSlots(s.channels.size) * PTR
  mem += s.sharded.size * DICT_ENTRY + dictSlots(s.sharded.size) * PTR
  // the tracking prefixes this node keeps for the client (redis counts its rax nodes instead)
  const prefixes = s.tracking?.prefixes
  if (prefixes !== undefined) for (const p of prefixes) mem += p.length + PTR
  return mem
}

// ---- client eviction ------------------------------------------------------------------------

/** getClientEvictionLimit: maxmemory-clients in bytes ("N%" is a share of maxmemory), 0 = off. */
export function clientEvictionLimit(server: NodeServer): number {
  const v = server.config.get('maxmemory-clients')
  if (v === '0') return 0
  let limit: number
  if (v.endsWith('%')) {
    const maxmemory = server.config.int('maxmemory')
    if (maxmemory <= 0) return 0
    limit = Math.floor((maxmemory * Number(v.slice(0, -1))) / 100)
  } else limit = Number(v)
  if (!(limit > 0)) return 0
  // too small a limit would leave nobody able to talk to the server
  return Math.max(limit, 128 * 1024)
}

function evictable(s: Session): boolean {
  if (s.socket === null || s.closed || s.replica !== null || s.fromMaster || s.flags.has('master')) return false
  // MONITOR clients are flagged as replicas but count as normal clients (getClientType)
  return !s.flags.has('replica') || s.flags.has('monitor')
}

/** log2 bucket of redis's client-eviction lists (CLIENT_MEM_USAGE_BUCKET_MIN_LOG 15 .. MAX_LOG 33) */
function bucket(mem: number): number {
  const b = mem > 0 ? Math.floor(Math.log2(mem)) + 1 : 0
  return Math.min(33, Math.max(15, b))
}

/**
 * DEBUG CLIENT-EVICTION: redis's client memory buckets — the evictable clients (normal and pub/sub,
 * not CLIENT NO-EVICT) by log2 of their memory — or null while maxmemory-clients is 0 (redis has no
 * buckets then).
 */
export function clientEvictionBuckets(server: NodeServer): string | null {
  if (server.config.get('maxmemory-clients') === '0') return null
  const sums = new Array<number>(19).fill(0)
  const counts = new Array<number>(19).fill(0)
  for (const s of server.sessions.values()) {
    if (!evictable(s) || s.flags.has('no-evict')) continue
    const m = clientMemory(s)
    const j = bucket(m) - 15
    sums[j] += m
    counts[j]++
  }
  let out = ''
  for (let j = 0; j < 19; j++) {
    out += j === 0 ? 'bucket          0' : `bucket ${String(2 ** (j - 1 + 15)).padStart(10)}`
    out += j === 18 ? '+            : ' : ` - ${String(2 ** (j + 15) - 1).padStart(10)}: `
    out += `tot-mem: ${String(sums[j]).padStart(10)}, clients: ${counts[j]}\n`
  }
  return out
}

/**
 * evictClients: while normal and pub/sub clients together use maxmemory-clients or more, free
 * the clients of the largest memory bucket first (CLIENT NO-EVICT ones are counted, never freed).
 * Returns whether `current` was evicted. Cost: one pass over the clients, only when enabled.
 */
export function evictClients(server: NodeServer, current: Session | null = null): boolean {
  const limit = clientEvictionLimit(server)
  if (limit === 0) return false
  let total = 0
  const mems = new Map<Session, number>()
  for (const s of server.sessions.values()) {
    if (!evictable(s)) continue
    const m = clientMemory(s)
    total += m
    if (!s.flags.has('no-evict')) mems.set(s, m)
  }
  if (total < limit) return false
  const order = [...mems].sort((a, b) => bucket(b[1]) - bucket(a[1]) || a[0].id - b[0].id)
  let evictedCurrent = false
  for (const [s, m] of order) {
    if (total < limit) break
    server.log.notice(`Evicting client: ${clientInfoLine(server, s, current)}`)
    total -= m
    server.stats.evictedClients++
    if (s === current) evictedCurrent = true
    s.close()
  }
  if (total >= limit) server.log.warning('Over client maxmemory after evicting all evictable clients')
  return evictedCurrent
}

/** clientsCronTrackExpansiveClients: the largest input / output buffer seen in each of the last 8 seconds. */
const PEAK_SLOTS = 8
const peaks = new WeakMap<NodeServer, {input: number[]; output: number[]}>()

/** INFO clients client_recent_max_input_buffer / client_recent_max_output_buffer. */
export function recentMaxBuffers(server: NodeServer): {input: number; output: number} {
  const p = peaks.get(server)
  return p === undefined ? {input: 0, output: 0} : {input: Math.max(...p.input), output: Math.max(...p.output)}
}

/**
 * The clientsCron part: a client over its soft limit is closed once the time is up even when no
 * traffic reaches it any more; clients over maxmemory-clients go even when nobody sends a command;
 * the recent buffer peaks INFO reports.
 */
export function installClientMemCron(server: NodeServer): void {
  const p = {input: new Array<number>(PEAK_SLOTS).fill(0), output: new Array<number>(PEAK_SLOTS).fill(0)}
  peaks.set(server, p)
  server.cronHooks.push(() => {
    const slot = Math.floor(server.clock.now() / 1000) % PEAK_SLOTS
    const next = (slot + 1) % PEAK_SLOTS
    p.input[next] = p.output[next] = 0
    for (const s of server.sessions.values()) {
      if (s.closed) continue
      const argv = argvMemory(s)
      const input = sdsMallocSize(queryBufferAlloc(s)) + argv.bytes + (argv.count > 0 ? mallocSize(PTR * argv.count) : 0)
      const output = outputMemory(s)
      if (input > p.input[slot]) p.input[slot] = input
      if (output > p.output[slot]) p.output[slot] = output
      if (pendingOutput(s) > s.rbSize) checkOutputLimit(s, false)
    }
    evictClients(server)
  })
}

/**
 * For commands that emit a reply of a client-chosen size (HRANDFIELD/SRANDMEMBER/ZRANDMEMBER
 * with a negative count): redis stops them once the client is flagged CLIENT_CLOSE_ASAP. Checked
 * every 1024 elements by the caller; true when the client is over its output buffer limit.
 */
export function replyOverLimit(s: Session): boolean {
  return s.closed || (s.reply.size > s.rbSize && checkOutputLimit(s, true))
}

// ---- CLIENT LIST / CLIENT INFO line --------------------------------------------------------

/** catClientInfoString; `current` is the client running the command (its qbuf counts the command). */
export function clientInfoLine(server: NodeServer, s: Session, current: Session | null): string {
  const now = server.clock.now()
  const t = s.tracking
  let flags = ''
  if (s.flags.has('monitor')) flags += 'O'
  else if (s.flags.has('replica')) flags += 'S'
  if (s.flags.has('master')) flags += 'M'
  if (s.subscriptionCount() > 0) flags += 'P'
  if (s.multi) flags += 'x'
  if (s.flags.has('blocked')) flags += 'b'
  if (t !== null) flags += 't'
  if (t?.brokenRedir) flags += 'R'
  if (t?.bcast) flags += 'B'
  if (s.dirtyCas) flags += 'd'
  if (s.closeAfterReply) flags += 'c'
  if (s.closeAsap) flags += 'A'
  if (s.readonlyMode) flags += 'r'
  if (s.flags.has('no-evict')) flags += 'e'
  if (flags === '') flags = 'N'
  const qbuf = s === current ? s.qbuf : s.parser.pending
  const omem = outputMemory(s)
  const events = pendingOutput(s) > 0 ? 'rw' : 'r'
  return (
    `id=${s.id} addr=${s.addr} laddr=${s.laddr} fd=${s.fd} name=${s.name} age=${Math.floor((now - s.createdAt) / 1000)} ` +
    `idle=${Math.floor((now - s.lastInteraction) / 1000)} flags=${flags} db=${s.dbIndex} sub=${s.channels.size} psub=${s.patterns.size} ssub=${s.sharded.size} ` +
    `multi=${s.multi ? s.multi.queue.length : -1} qbuf=${qbuf} qbuf-free=${Math.max(0, sdsUsable(queryBufferAlloc(s)) - qbuf)} argv-mem=${argvMemory(s).bytes} multi-mem=${multiMemory(s).argv} rbs=${s.rbSize} rbp=${s.rbPeak} ` +
    `obl=${Math.min(pendingOutput(s), s.rbSize)} oll=${Math.ceil(omem / 16384)} omem=${omem} tot-mem=${clientMemory(s)} events=${events} cmd=${s.lastCommand} user=${s.user} redir=${t === null ? -1 : t.redirect} resp=${s.resp}`
  )
}

// Replication state of one node (redis server.master_repl_offset, replid/replid2, backlog,
// slaves list, masterhost): the stream feed every propagated write goes through, the attached
// replicas (master side, ./master.ts) and the link to our own master (replica side, ./replica.ts).
// A replica proxies its master's bytes verbatim to its own replicas, so offsets and replids are
// the same along a chain (PSYNC2).
import {isPausedFor, isWritePaused} from '../pause.js'
import type {NodeServer} from '../server.js'
import type {Session} from '../session.js'
import {Backlog} from './backlog.js'
import {sdsRepr} from '../sds-repr.js'
import {clientInfoLine, obufLimitReached, obufLimits, type ObufLimit} from '../clientmem.js'
import {encodeCommand, randomHex40} from './resp.js'
import type {FullSyncJob} from './master.js'
import type {MasterLink} from './replica.js'
import type {Failover} from './failover.js'
import {REPLY_ON} from '../reply-mode.js'

/** How long / how much a held stream (holdStream) may wait at most before it is written anyway. */
const STREAM_HOLD_MAX_MS = 50
const STREAM_HOLD_MAX_BYTES = 1024 * 1024

/** redis replicationGetSlaveName: `ip:port`, or `ip:<unknown-replica-port>` before REPLCONF listening-port. */
export function replicaName(ip: string, listeningPort: number): string {
  return `${ip}:${listeningPort !== 0 ? listeningPort : '<unknown-replica-port>'}`
}

export const NULL_REPLID = '0000000000000000000000000000000000000000'

export type ReplicaState = 'wait_bgsave' | 'send_bulk' | 'online'

/** One replica attached to us (redis: a client with CLIENT_SLAVE). */
export interface ReplicaClient {
  session: Session
  state: ReplicaState
  listeningPort: number
  /** REPLCONF ip-address, else the peer address */
  ip: string
  capaEof: boolean
  capaPsync2: boolean
  ackOff: number
  /** ms */
  ackTime: number
  /** stream bytes produced after this replica's snapshot point, held until its RDB is sent */
  pending: Buffer[] | null
  pendingBytes: number
  /** offset of the first byte in `pending` (the backlog keeps it and what follows while pending) */
  pendingFrom: number
  /** when the output buffer first went over the soft limit (ms), 0 = not over */
  /** unix second its output went over the soft limit (src/node/clientmem.ts obufLimitReached) */
  obufSoft: {softSince: number}
  job: FullSyncJob | null
  /** diskless sync done: the stream starts with the replica's first ACK (redis 7.0 repl_start_cmd_stream_on_ack) */
  waitFirstAck: boolean
  /** SYNC (pre-PSYNC): no +FULLRESYNC line, no acks */
  legacySync: boolean
  /** ms: when it started waiting for a snapshot (repl-diskless-sync-delay) */
  waitSince: number
  /** REPLCONF rdb-filter-only (redis slave_req): parts of the RDB it does not want */
  req: number
}

/** redis SLAVE_REQ_RDB_EXCLUDE_DATA / _FUNCTIONS: the RDB a filtered replica (redis-cli --functions-rdb) asked for. */
export const REQ_EXCLUDE_DATA = 1
export const REQ_EXCLUDE_FUNCTIONS = 2

/** What REPLCONF told us before the PSYNC (redis client slave_listening_port, slave_addr, slave_capa). */
export interface ReplConfInfo {
  listeningPort: number
  ip: string
  capaEof: boolean
  capaPsync2: boolean
  /** REPLCONF rdb-filter-only: REQ_EXCLUDE_* bits (0 = the whole RDB) */
  req?: number
}

export interface ReplStats {
  syncFull: number
  syncPartialOk: number
  syncPartialErr: number
}

export class Replication {
  replid = randomHex40()
  replid2 = NULL_REPLID
  /** redis second_replid_offset: -1 when replid2 is not valid */
  secondOffset = -1
  /** master_repl_offset */
  offset = 0
  backlog: Backlog | null = null
  /** when the backlog became unused (no replicas), for repl-backlog-ttl; 0 = in use */
  noReplicasSince: number
  readonly replicas: ReplicaClient[] = []
  /** replica side: the link to our master, null when we are a master */
  master: MasterLink | null = null
  /** FAILOVER's state machine (failover.ts), set when the commands are installed */
  failover: Failover | null = null
  /** db the stream last SELECTed (-1: next write emits SELECT) */
  selectedDb = -1
  /** true while commands from our master are applied (their bytes are proxied, not re-encoded) */
  applying = false
  job: FullSyncJob | null = null
  syncTimer: NodeJS.Timeout | null = null
  readonly stats: ReplStats = {syncFull: 0, syncPartialOk: 0, syncPartialErr: 0}
  private pending = ''
  private flushScheduled = false
  /** Batches holding the stream's end-of-turn flush (holdStream), and since when. */
  private streamHolds = 0
  private streamHeldSince = 0
  private holdTimer: NodeJS.Timeout | null = null
  /** redis replication_cron_loops: PINGs go out when it is a multiple of the period (in seconds). */
  private cronLoops = 0
  goodReplicas = 0

  constructor(readonly server: NodeServer) {
    this.noReplicasSince = server.clock.now()
  }

  get isReplica(): boolean {
    return this.master !== null
  }

  // ---- the stream --------------------------------------------------------------------------

  /** The propagate hook: one write as Redis propagates it (replicationFeedSlaves). */
  feed(dbIndex: number, argv: string[]): void {
    if (this.applying || this.master !== null) return
    if (this.backlog === null) return
    let s = ''
    if (dbIndex !== this.selectedDb) {
      s = encodeCommand(['SELECT', String(dbIndex)])
      this.selectedDb = dbIndex
    }
    s += encodeCommand(argv)
    this.pending += s
    this.offset += s.length
    this.server.replOffset = this.offset
    this.scheduleFlush()
  }

  /** Replica side: bytes of the master's stream that were applied, proxied as they are. */
  feedProxied(data: Buffer): void {
    if (this.backlog === null) return
    this.flushStream()
    this.offset += data.length
    this.server.replOffset = this.offset
    this.distribute(data)
  }

  private scheduleFlush(): void {
    if (this.flushScheduled) return
    this.flushScheduled = true
    setImmediate(() => {
      this.flushScheduled = false
      const held = this.server.clock.now() - this.streamHeldSince
      if (this.streamHolds !== 0 && this.pending.length < STREAM_HOLD_MAX_BYTES && held < STREAM_HOLD_MAX_MS) {
        // a MIGRATE stuck on its target (up to its timeout) must not hold the stream that long
        this.holdTimer ??= setTimeout(() => {
          this.holdTimer = null
          this.flushHeldStream()
        }, STREAM_HOLD_MAX_MS - held).unref()
        return
      }
      this.flushHeldStream()
    })
  }

  private flushHeldStream(): void {
    if (this.holdTimer !== null) {
      clearTimeout(this.holdTimer)
      this.holdTimer = null
    }
    this.streamHeldSince = this.server.clock.now()
    this.flushStream()
  }

  /**
   * A client's batch of input that Redis runs inside one event-loop turn although it waits here (a
   * pipeline of MIGRATEs: Redis blocks on each target, so their DELs reach the replicas in one write
   * at the end of that turn) holds the end-of-turn flush until the batch is done (`releaseStream`),
   * instead of a replica write, and a replica event-loop turn, per MIGRATE. Bounded: past
   * STREAM_HOLD_MAX_MS or STREAM_HOLD_MAX_BYTES the stream leaves anyway.
   */
  holdStream(): void {
    if (this.streamHolds++ === 0) this.streamHeldSince = this.server.clock.now()
  }

  releaseStream(): void {
    // what is pending waits for this release (or its end-of-turn flush, still to come)
    if (--this.streamHolds === 0 && this.pending.length !== 0) this.flushHeldStream()
  }

  /** Encoded writes not yet handed to the backlog and the replicas. */
  get hasPending(): boolean {
    return this.pending.length !== 0
  }

  /** Move encoded writes to the backlog and the replicas' sockets (beforeSleep in Redis). */
  flushStream(): void {
    if (this.pending.length === 0) return
    const buf = Buffer.from(this.pending, 'latin1')
    this.pending = ''
    this.distribute(buf)
  }

  private distribute(buf: Buffer): void {
    // the replicas get views of the backlog's copy: the stream is held once (redis feedReplicationBuffer)
    const views = this.backlog ? this.backlog.append(buf) : [buf]
    for (const r of this.replicas) {
      if (r.pending === null) {
        if (r.state === 'online') for (const v of views) this.writeTo(r, v)
      } else {
        for (const v of views) r.pending.push(v)
        r.pendingBytes += buf.length
        this.checkOutputLimits(r)
      }
    }
    this.trimBacklog()
  }

  /**
   * redis incrementalTrimReplicationBacklog: free the oldest blocks beyond repl-backlog-size that
   * no replica still needs (held for its RDB, or not yet written out of its socket).
   */
  trimBacklog(): void {
    const b = this.backlog
    if (b === null || b.histlen <= b.size) return
    let keepFrom = Infinity
    for (const r of this.replicas) {
      if (r.pending !== null) keepFrom = Math.min(keepFrom, r.pendingFrom)
      else if (r.state === 'online' && !r.session.closed) keepFrom = Math.min(keepFrom, this.offset + 1 - (r.session.socket?.writableLength ?? 0))
    }
    b.trim(keepFrom)
  }

  writeTo(r: ReplicaClient, buf: Buffer): void {
    const sock = r.session.socket
    if (!sock || r.session.closed) return
    this.server.stats.netOutputBytes += buf.length
    sock.write(buf)
    this.checkOutputLimits(r)
  }

  /** client-output-buffer-limit replica <hard> <soft> <seconds>: drop a replica that cannot keep up. */
  checkOutputLimits(r: ReplicaClient): void {
    const used = (r.session.socket?.writableLength ?? 0) + r.pendingBytes
    let limit = obufLimits(this.server.config.get('client-output-buffer-limit')).slave
    // redis: a replica hard limit under repl-backlog-size would defeat partial resync; the backlog size wins
    const backlog = this.server.config.int('repl-backlog-size')
    if (limit.hard > 0 && limit.hard < backlog) limit = {...limit, hard: backlog}
    if (obufLimitReached(limit, used, r.obufSoft, this.server.clock.now())) {
      this.server.log.warning(`Client ${clientInfoLine(this.server, r.session, null)} scheduled to be closed ASAP for overcoming of output buffer limits.`)
      r.session.close()
    }
  }

  ensureBacklog(): void {
    if (this.backlog !== null) return
    // redis syncCommand: a fresh backlog on a master gets a new replid (nobody can continue the old history).
    if (this.master === null) {
      this.replid = randomHex40()
      this.replid2 = NULL_REPLID
      this.secondOffset = -1
    }
    this.backlog = new Backlog(this.server.config.int('repl-backlog-size'), this.offset)
    this.selectedDb = -1
  }

  /** redis shiftReplicationId: after a promotion, keep serving PSYNC for the old history. */
  shiftReplicationId(): void {
    this.replid2 = this.replid
    this.secondOffset = this.offset + 1
    this.replid = randomHex40()
    this.server.log.notice(
      `Setting secondary replication ID to ${this.replid2}, valid up to offset: ${this.secondOffset}. New replication ID is ${this.replid}`,
    )
  }

  /**
   * redis afterErrorReply for the replication link: an error sent to our master (the reply is
   * never sent) or to a replica is logged as CRITICAL, with the tail of the backlog for the former.
   */
  watchLinkErrors(s: Session, toMaster: boolean): void {
    const insight = this.server.insight
    s.reply.onError = (msg) => {
      insight.countError(msg)
      const cmd = s.lastCommandForLog
      if (!toMaster && s.replyMode === REPLY_ON) s.logReplicaReply()
      const [from, to] = toMaster ? ['replica', 'master'] : ['master', 'replica']
      // redis logs the text the error was built from: addReplyError(Format) takes it without the
      // generic "ERR " code, the shared error objects carry their own "-CODE"
      const text = msg.startsWith('ERR ') ? msg.slice(4) : `-${msg}`
      this.server.log.warning(`== CRITICAL == This ${from} is sending an error to its ${to}: '${text.slice(0, 4096)}' after processing the command '${cmd}'`)
      const b = this.backlog
      if (toMaster && b !== null && b.histlen > 0) {
        const tail = Buffer.concat(b.readFrom(b.firstByteOffset + b.histlen - Math.min(256, b.histlen)) ?? [])
        this.server.log.warning(`Latest backlog is: '${sdsRepr(tail.toString('latin1'))}'`)
      }
      insight.unexpectedErrors++
    }
  }

  removeReplica(r: ReplicaClient): void {
    const i = this.replicas.indexOf(r)
    if (i < 0) return
    this.replicas.splice(i, 1)
    r.job?.detach(r)
    this.trimBacklog()
    if (this.replicas.length === 0) this.noReplicasSince = this.server.clock.now()
    this.server.log.warning(`Connection with replica ${replicaName(r.ip, r.listeningPort)} lost.`)
  }

  disconnectReplicas(): void {
    for (const r of [...this.replicas]) r.session.close()
  }

  /** The offset a WAIT must see acknowledged: everything produced so far. */
  /** REPLCONF ACK <offset> from a replica. */
  ack(r: ReplicaClient, offset: number): void {
    if (offset > r.ackOff) r.ackOff = offset
    r.ackTime = this.server.clock.now()
    if (r.waitFirstAck && r.state === 'online') {
      r.waitFirstAck = false
      const pending = r.pending ?? []
      r.pending = null
      r.pendingBytes = 0
      for (const b of pending) this.writeTo(r, b)
    }
    this.onAck?.()
  }

  /** WAIT's wake-up (set by the command module). */
  onAck?: () => void
  /** setMaster: WAIT's clients are unblocked with an error (set by the command module). */
  onDemote?: () => void

  countAcked(offset: number): number {
    let n = 0
    for (const r of this.replicas) if (r.state === 'online' && r.ackOff >= offset) n++
    return n
  }

  /** redis isReadyToShutdown: every replica (whatever its state) acknowledged the whole stream. */
  replicasInSync(): boolean {
    return this.replicas.every((r) => r.ackOff === this.offset)
  }

  /** redis finishShutdown's log: one line per lagging replica, then how many are in sync. */
  logShutdownSync(): void {
    if (this.replicas.length === 0) return
    let lagging = 0
    for (const r of this.replicas) {
      if (r.ackOff === this.offset) continue
      lagging++
      const lag = r.state === 'online' ? Math.floor((this.server.clock.now() - r.ackTime) / 1000) : 0
      this.server.log.warning(`Lagging replica ${replicaName(r.ip, r.listeningPort)} reported offset ${this.offset - r.ackOff} behind master, lag=${lag}, state=${r.state}.`)
    }
    this.server.log.notice(`${this.replicas.length - lagging} of ${this.replicas.length} replicas are in sync when shutting down.`)
  }

  sendGetAck(): void {
    if (this.master !== null || this.backlog === null || isWritePaused(this.server)) return
    // redis: replicationFeedSlaves(server.slaves, server.slaveseldb, ...): no SELECT in front of it,
    // also when no db is selected in the stream yet (-1)
    this.feed(this.selectedDb, ['REPLCONF', 'GETACK', '*'])
    this.flushStream()
  }

  /** What a cluster election needs: link state, last I/O, down-since, and the offset to rank by. */
  view(): {connected: boolean; lastIo: number; downSince: number; offset: number} {
    const m = this.master
    if (!m) return {connected: false, lastIo: 0, downSince: 0, offset: this.offset}
    // redis replicationGetSlaveOffset: 0 without a master client or a cached one (a full sync in
    // progress): the replica ranks last in elections and CLUSTER SLOTS/SHARDS hide it as loading.
    // Redis drops the cached master when the new dataset starts loading; this node loads as the
    // payload arrives (INFO loading:1 from its first byte), so it reports 0 for as long as it says
    // loading — the master then hides it from CLUSTER SLOTS, as redis-server's does.
    const offset = m.connected || (m.cached && m.loadingState() !== 'sync') ? m.reploff : 0
    return {connected: m.connected, lastIo: m.lastIo, downSince: m.downSince, offset}
  }

  // ---- persistence (rdbPopulateSaveInfo / loadDataFromDisk) --------------------------------

  /**
   * A replica's repl-stream-db from the RDB it started with (redis loadDataFromDisk selects it on
   * the cached master it synthesizes); taken by the first setMaster.
   */
  rdbStreamDb: number | undefined = undefined

  /** AUX fields that let a restarted node continue its replication history; null when there is none. */
  rdbSaveInfo(): [string, string][] | null {
    if (this.master === null && this.backlog === null) return null
    this.flushStream()
    const m = this.master
    const offset = m ? (m.connected || m.cached ? m.reploff : -1) : this.offset
    if (offset < 0) return null
    // redis rdbPopulateSaveInfo: the database the stream has selected, so a restarted replica's
    // cached master continues in it (a master's next write re-SELECTs anyway when it is -1)
    const streamDb = m ? m.streamDb : this.selectedDb === -1 ? 0 : this.selectedDb
    return [['repl-stream-db', String(streamDb)], ['repl-id', this.replid], ['repl-offset', String(offset)]]
  }

  /** redis loadDataFromDisk on a master: a backlog from offset 0 before the load (createReplicationBacklog). */
  startLoadAsMaster(): void {
    this.backlog = new Backlog(this.server.config.int('repl-backlog-size'), this.offset)
    this.selectedDb = -1
  }

  /** A key the start-up load skipped as expired: its deletion goes into the backlog (RDBFLAGS_FEED_REPL). */
  feedLoadExpired(db: number, key: string): void {
    this.feed(db, [this.server.config.bool('lazyfree-lazy-expire') ? 'UNLINK' : 'DEL', key])
  }

  /**
   * After loading an RDB that carries repl-id/repl-offset (redis loadDataFromDisk). A replica takes
   * that history as its own, so it can PSYNC its master. A master keeps its new replid and serves
   * the saved history as replid2 up to that offset, its offset rebased on it (plus the DELs fed
   * while loading), so the replicas of a restarted master continue with a partial resync; without
   * valid history the backlog made for the load is dropped.
   */
  restoreFromRdb(aux: Map<string, string>): void {
    const id = aux.get('repl-id')
    const off = Number(aux.get('repl-offset') ?? NaN)
    const streamDb = aux.get('repl-stream-db')
    const valid = id !== undefined && /^[0-9a-f]{40}$/.test(id) && Number.isSafeInteger(off) && off !== -1 && streamDb !== undefined && streamDb !== '-1'
    if (this.master === null && this.backlog !== null && !this.server.startsAsReplica) {
      this.flushStream()
      if (!valid) {
        this.backlog = null
        return
      }
      this.replid2 = id
      this.secondOffset = off + 1
      this.offset += off
      this.server.replOffset = this.offset
      this.backlog.firstByteOffset = this.offset - this.backlog.histlen + 1
      this.noReplicasSince = this.server.clock.now()
      return
    }
    if (!valid) return
    this.replid = id
    this.offset = off
    this.rdbStreamDb = Number(streamDb)
    this.server.replOffset = off
    // As a master (until something makes us a replica) keep serving PSYNC for that history.
    this.backlog = new Backlog(this.server.config.int('repl-backlog-size'), off)
    this.selectedDb = -1
  }

  // ---- cron (replicationCron, once a second) -----------------------------------------------

  cron(): void {
    const now = this.server.clock.now()
    const cfg = this.server.config
    // No PING during a manual failover's pause: the paused offset must stay the final one the
    // replica has to reach (redis replicationCron: manual_failover_in_progress).
    if (this.master === null && this.replicas.length > 0 && !isPausedFor(this.server, 'failover')) {
      // replicationCron: (loops % period) == 0, so a period raised to 3600 (Redis's tests do, to
      // read a clean replication stream) stops PINGs at once.
      if (this.cronLoops % cfg.int('repl-ping-replica-period') === 0) {
        // shared.ping is lowercase "ping" (redis-cli --replica prints it so), fed at server.slaveseldb:
        // no SELECT before it, also when the stream has none yet
        this.feed(this.selectedDb, ['ping'])
      }
    }
    const timeout = cfg.int('repl-timeout') * 1000
    for (const r of [...this.replicas]) {
      // keep-alive newlines before the payload, never inside a diskless stream (redis replicationCron is_presync)
      if (r.state === 'wait_bgsave' && !r.job?.diskless && r.session.socket) r.session.socket.write('\n')
      if (r.state === 'online' && !r.legacySync && now - r.ackTime > timeout) {
        this.server.log.warning(`Disconnecting timedout replica (streaming sync): ${replicaName(r.ip, r.listeningPort)}`)
        r.session.close()
      }
    }
    this.refreshGoodReplicas()
    this.trimBacklog()
    this.cronLoops++
    const ttl = cfg.int('repl-backlog-ttl') * 1000
    if (this.master === null && this.replicas.length === 0 && this.backlog !== null && ttl > 0 && now - this.noReplicasSince > ttl) {
      // redis: a new replid too, so nobody continues an old history we no longer hold.
      this.shiftReplicationId()
      this.replid2 = NULL_REPLID
      this.secondOffset = -1
      this.backlog = null
      this.server.log.notice(`Replication backlog freed after ${ttl / 1000} seconds without connected replicas.`)
    }
    this.master?.cron(now)
  }

  refreshGoodReplicas(): void {
    const maxLag = this.server.config.int('min-replicas-max-lag') * 1000
    const now = this.server.clock.now()
    let good = 0
    for (const r of this.replicas) if (r.state === 'online' && now - r.ackTime <= maxLag) good++
    this.goodReplicas = good
  }

  /**
   * INFO mem_total_replication_buffers (redis 7.0 server.repl_buffer_mem): the blocks allocated for
   * the stream, held once for the backlog and every replica (./backlog.ts).
   */
  replicationBufferBytes(): number {
    return this.backlog?.allocated ?? 0
  }

  // ---- INFO / ROLE ---------------------------------------------------------------------------

  infoLines(): string[] {
    const cfg = this.server.config
    const now = this.server.clock.now()
    const out: string[] = [`role:${this.master ? 'slave' : 'master'}`]
    if (this.master) out.push(...this.master.infoLines(now))
    out.push(`connected_slaves:${this.replicas.length}`)
    if (cfg.int('min-replicas-to-write') && cfg.int('min-replicas-max-lag')) out.push(`min_slaves_good_slaves:${this.goodReplicas}`)
    let i = 0
    for (const r of this.replicas) {
      const lag = r.state === 'online' ? Math.floor(now / 1000) - Math.floor(r.ackTime / 1000) : 0
      out.push(`slave${i++}:ip=${r.ip},port=${r.listeningPort},state=${r.state === 'wait_bgsave' ? 'wait_bgsave' : r.state},offset=${r.ackOff},lag=${lag}`)
    }
    const b = this.backlog
    out.push(
      `master_failover_state:${this.failover?.state ?? 'no-failover'}`,
      `master_replid:${this.replid}`,
      `master_replid2:${this.replid2}`,
      `master_repl_offset:${this.offset}`,
      `second_repl_offset:${this.secondOffset}`,
      `repl_backlog_active:${b ? 1 : 0}`,
      `repl_backlog_size:${cfg.int('repl-backlog-size')}`,
      `repl_backlog_first_byte_offset:${b ? b.firstByteOffset : 0}`,
      `repl_backlog_histlen:${b ? b.histlen : 0}`,
    )
    return out
  }
}

/** Parse the replica class of client-output-buffer-limit ("normal 0 0 0 slave 268435456 67108864 60 pubsub …"). */
export function replicaLimits(v: string): ObufLimit {
  return {...obufLimits(v).slave}
}

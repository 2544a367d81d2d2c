// Master side of replication (redis replication.c syncCommand, primaryTryPartialResynchronization,
// startBgsaveForReplication, the RDB transfer): PSYNC/SYNC, partial resync from the backlog, and
// full syncs that share one point-in-time snapshot between the replicas that asked together.
import * as fs from 'node:fs'
import * as path from 'node:path'
import type {Session} from '../session.js'
import {randomHex40} from './resp.js'
import {openSnapshot, replicationAux, type SnapshotSource} from './snapshot-source.js'
import {replicaName, type Replication, type ReplicaClient} from './state.js'
import {unsetMaster} from './role.js'
import {bgsaveInProgress, childStateChanged, killBgsave, rdbPath, rdbState, saveParams, startBgsave} from '../persistence/rdb-save.js'
import {paceWait} from '../persistence/snapshot.js'
import {parseIntStrict} from '../commands/util.js'

/** How many snapshot chunks one event-loop turn may serialise before yielding to clients. */
const CHUNKS_PER_TURN = 4

/**
 * The session becomes a replica link (redis: CLIENT_SLAVE, a place in server.slaves, errors sent to
 * it logged as CRITICAL); detachReplica undoes exactly this.
 */
function attachReplica(repl: Replication, session: Session, legacySync: boolean): ReplicaClient {
  const r = newReplicaClient(session, legacySync)
  repl.watchLinkErrors(session, false)
  session.replica = r
  session.flags.add('replica')
  repl.replicas.push(r)
  return r
}

/** attachReplica undone: a plain client again, whose error replies count as any client's. */
function detachReplica(repl: Replication, r: ReplicaClient): void {
  const i = repl.replicas.indexOf(r)
  if (i >= 0) repl.replicas.splice(i, 1)
  r.session.replica = null
  r.session.flags.delete('replica')
  r.session.reply.onError = repl.server.insight.onError
}

function newReplicaClient(session: Session, legacySync: boolean): ReplicaClient {
  const st = session.replInfo
  return {
    session,
    state: 'wait_bgsave',
    listeningPort: st?.listeningPort ?? 0,
    ip: st?.ip || hostOf(session.addr),
    capaEof: st?.capaEof ?? false, // redis keeps a SYNC client's REPLCONF capa (redis-cli --rdb sends capa eof)
    capaPsync2: !legacySync && (st?.capaPsync2 ?? false),
    ackOff: 0,
    ackTime: session.server.clock.now(),
    pending: null,
    pendingBytes: 0,
    pendingFrom: 0,
    obufSoft: {softSince: 0},
    job: null,
    legacySync,
    waitFirstAck: false,
    waitSince: session.server.clock.now(),
    req: st?.req ?? 0,
  }
}

function hostOf(addr: string): string {
  const i = addr.lastIndexOf(':')
  return i > 0 ? addr.slice(0, i) : addr
}

/** PSYNC <replid> <offset> / SYNC. Returns an error text, or null when the session became a replica. */
export function handleSync(repl: Replication, s: Session, argv: string[]): string | null {
  if (s.replica) return null // already a replica: ignore (redis does the same)
  // PSYNC <replid> <offset> FAILOVER: our master hands over to us (FAILOVER, failover.ts).
  if (argv.length > 3 && argv[0].toLowerCase() === 'psync' && argv[3].toLowerCase() === 'failover') {
    repl.server.log.warning(`Failover request received for replid ${argv[1]}.`)
    if (repl.master === null) return "ERR PSYNC FAILOVER can't be sent to a master."
    if (argv[1].toLowerCase() !== repl.replid) return 'ERR PSYNC FAILOVER replid must match my replid.'
    unsetMaster(repl)
    repl.server.log.notice(`MASTER MODE enabled (failover request from 'id=${s.id} addr=${s.addr} laddr=${s.laddr} fd=${s.fd} name=${s.name}')`)
  }
  if (repl.failover !== null && repl.failover.state !== 'no-failover') return "NOMASTERLINK Can't SYNC while failing over"
  if (repl.master !== null && !repl.master.connected) return "NOMASTERLINK Can't SYNC while not connected with my master"
  // clientHasPendingReplies: replies to commands pipelined before it in the same read are still
  // unsent, and the RDB or +CONTINUE must be the first thing on the link
  if (s.reply.size !== 0) return 'ERR SYNC and PSYNC are invalid with pending output'
  // a filtered RDB is only ever produced for a socket target
  if ((s.replInfo?.req ?? 0) !== 0 && !(s.replInfo?.capaEof ?? false)) return 'ERR Filtered replica requires EOF capability'
  const psync = argv[0].toLowerCase() === 'psync'
  const peer = replicaName(s.replInfo?.ip || hostOf(s.addr), s.replInfo?.listeningPort ?? 0)
  repl.server.log.notice(`Replica ${peer} asks for synchronization`)
  if (psync) {
    const parsed = parseIntStrict(argv[2])
    const off = Number(parsed)
    if (parsed === null) {
      repl.server.log.warning(`Replica ${peer} asks for synchronization but with a wrong offset`)
      return 'ERR value is not an integer or out of range'
    }
    if (tryPartial(repl, s, argv[1], off, peer)) return null
    if (argv[1] !== '?') repl.stats.syncPartialErr++
  }
  repl.stats.syncFull++
  repl.flushStream()
  attachReplica(repl, s, !psync)
  repl.ensureBacklog()
  scheduleFullSync(repl)
  return null
}

function tryPartial(repl: Replication, s: Session, replid: string, off: number, peer: string): boolean {
  const log = repl.server.log
  if (replid !== repl.replid && !(replid === repl.replid2 && off <= repl.secondOffset)) {
    if (replid !== '?') {
      if (replid !== repl.replid && replid !== repl.replid2) {
        log.notice(`Partial resynchronization not accepted: Replication ID mismatch (Replica asked for '${replid}', my replication IDs are '${repl.replid}' and '${repl.replid2}')`)
      } else {
        log.notice(`Partial resynchronization not accepted: Requested offset for second ID was ${off}, but I can reply up to ${repl.secondOffset}`)
      }
    } else log.notice(`Full resync requested by replica ${peer}`)
    return false
  }
  repl.flushStream()
  const data = repl.backlog?.readFrom(off) ?? null
  if (data === null) {
    log.notice(`Unable to partial resync with replica ${peer} for lack of backlog (Replica request was: ${off}).`)
    return false
  }
  const r = attachReplica(repl, s, false)
  r.state = 'online'
  r.ackOff = off - 1
  s.flush()
  const sock = s.socket
  if (sock) {
    sock.write(r.capaPsync2 ? `+CONTINUE ${repl.replid}\r\n` : '+CONTINUE\r\n')
    for (const b of data) repl.writeTo(r, b)
  }
  repl.stats.syncPartialOk++
  const bytes = data.reduce((n, b) => n + b.length, 0)
  log.notice(`Partial resynchronization request from ${peer} accepted. Sending ${bytes} bytes of backlog starting from offset ${off}.`)
  return true
}

/** Start a full sync now if the rules allow (diskless delay / max replicas), else arm a timer. */
export function scheduleFullSync(repl: Replication): void {
  if (repl.job !== null) return
  const all = repl.replicas.filter((r) => r.state === 'wait_bgsave' && r.job === null)
  if (all.length === 0) return
  // one snapshot serves only replicas that asked for the same RDB (redis: slave_req must match)
  const waiting = all.filter((r) => r.req === all[0].req)
  const cfg = repl.server.config
  // a filtered RDB goes to sockets whatever repl-diskless-sync says (startBgsaveForReplication)
  const diskless = (cfg.bool('repl-diskless-sync') || waiting[0].req !== 0) && waiting.every((r) => r.capaEof)
  if (diskless && cfg.bool('repl-diskless-sync')) {
    const delayMs = cfg.int('repl-diskless-sync-delay') * 1000
    const max = cfg.int('repl-diskless-sync-max-replicas')
    const oldest = Math.min(...waiting.map((r) => r.waitSince))
    const waited = repl.server.clock.now() - oldest
    if (delayMs > 0 && waited < delayMs && !(max > 0 && waiting.length >= max)) {
      if (!repl.syncTimer) {
        repl.syncTimer = setTimeout(() => {
          repl.syncTimer = null
          scheduleFullSync(repl)
        }, delayMs - waited)
        repl.syncTimer.unref?.()
      }
      return
    }
  }
  if (repl.syncTimer) {
    clearTimeout(repl.syncTimer)
    repl.syncTimer = null
  }
  // redis syncCommand: a disk target needs a BGSAVE of its own; one already running (BGSAVE, the
  // save points) is waited for, then the next starts ("Waiting for next BGSAVE for SYNC")
  const running = syncViaBgsave(repl, diskless) ? bgsaveInProgress(repl.server) : null
  if (running) {
    void running.then(() => setImmediate(() => scheduleFullSync(repl)))
    return
  }
  repl.job = new FullSyncJob(repl, waiting, diskless)
  repl.job.start()
  childStateChanged(repl.server)
}

/**
 * A disk-based sync runs as a BGSAVE of dump.rdb (FullSyncJob.viaBgsave), and waits for one already
 * running; a node without persistence installed (a bare server) saves no files and writes a private one.
 */
function syncViaBgsave(repl: Replication, diskless: boolean): boolean {
  return !diskless && rdbState(repl.server).installed
}

export class FullSyncJob {
  private snapshot: SnapshotSource | null = null
  private readonly mark = randomHex40()
  readonly offset: number
  private finished = false
  /** the RDB file sendFile streams: a private temp file (writeFile) or dump.rdb (viaBgsave) */
  private payloadFile = ''
  /** the disk sync runs as a BGSAVE (viaBgsave) */
  private usesBgsave = false
  /** settles when the job ends: cuts a pacing wait short (paceWait) */
  private readonly ended: Promise<void>
  private markEnded!: () => void

  constructor(
    private readonly repl: Replication,
    readonly replicas: ReplicaClient[],
    readonly diskless: boolean,
  ) {
    this.offset = repl.offset
    this.ended = new Promise<void>((r) => (this.markEnded = r))
  }

  start(): void {
    const repl = this.repl
    const log = repl.server.log
    repl.flushStream()
    // Redis forces a SELECT at the start of the stream that follows the snapshot.
    repl.selectedDb = -1
    this.usesBgsave = syncViaBgsave(repl, this.diskless)
    if (!this.usesBgsave) this.snapshot = openSnapshot(repl.server, replicationAux(repl.server, repl.replid, this.offset, 0), this.replicas[0]?.req ?? 0)
    log.notice(`Starting BGSAVE for SYNC with target: ${this.diskless ? 'replicas sockets' : 'disk'}`)
    // redis startBgsaveForReplication: a disk target gets +FULLRESYNC only once its BGSAVE started;
    // the BGSAVE's snapshot is the point in time (this same turn, at this.offset)
    let bgsave: Promise<boolean> | null = null
    if (this.usesBgsave) {
      if (!startBgsave(repl.server)) return this.refuse()
      bgsave = bgsaveInProgress(repl.server)! // the job startBgsave just registered
    }
    for (const r of this.replicas) {
      r.job = this
      r.pending = []
      r.pendingBytes = 0
      r.pendingFrom = repl.offset + 1
      const sock = r.session.socket
      r.session.flush()
      if (!r.legacySync) sock?.write(`+FULLRESYNC ${repl.replid} ${this.offset}\r\n`)
      // diskless: INFO keeps saying wait_bgsave until the child is done, as redis (WAIT_BGSAVE_END)
      if (this.diskless) sock?.write(`$EOF:${this.mark}\r\n`)
    }
    if (this.diskless) this.pump()
    else if (bgsave !== null) void this.viaBgsave(bgsave)
    else void this.writeFile()
  }

  /**
   * The BGSAVE could not start (no child process): as redis, the waiting replicas stop being
   * replicas (no "Connection with replica lost" line), get the error and are closed after it.
   */
  private refuse(): void {
    const repl = this.repl
    repl.server.log.warning('BGSAVE for replication failed')
    for (const r of this.replicas) {
      // no longer a replica link: the error is neither CRITICAL nor a "replica generated a reply"
      detachReplica(repl, r)
      r.session.reply.error("ERR BGSAVE failed, replication can't continue")
      r.session.closeAfterReply = true
      r.session.flush()
    }
    this.replicas.length = 0
    this.end()
  }

  /**
   * Disk-based, as redis rdbSaveBackground(rdb_filename): the sync is a BGSAVE (its child process,
   * dump.rdb written and renamed), then `$<len>\r\n` + dump.rdb to each replica still waiting.
   * A node without persistence hooks (a bare server) writes a private file instead (writeFile).
   */
  private async viaBgsave(done: Promise<boolean>): Promise<void> {
    const server = this.repl.server
    // redis updateSlavesWaitingBgsave: the child failed
    const ok = await done
    try {
      if (!ok) throw new Error('BGSAVE child returned an error')
      const size = (await fs.promises.stat(rdbPath(server))).size
      this.payloadFile = rdbPath(server)
      const live = this.replicas.filter((r) => !r.session.closed && r.session.socket)
      await Promise.all(live.map((r) => this.sendFile(r, size)))
    } catch (e) {
      if (this.replicas.length !== 0) server.log.warning(`SYNC failed. ${(e as Error).message}`)
      for (const r of this.replicas) r.session.close()
    } finally {
      this.end()
    }
  }

  /**
   * The job itself stands for redis's fork child (diskless, or a bare server's private file:
   * writeFile); a disk sync of a node that saves files has its BGSAVE's child instead.
   */
  get isChild(): boolean {
    return !this.usesBgsave && !this.finished
  }

  /** Diskless: serialise a few chunks, write them to every replica, continue when they drained. */
  private pump(): void {
    if (this.finished) return
    const live = this.replicas.filter((r) => !r.session.closed)
    if (live.length === 0) return this.end()
    for (let i = 0; i < CHUNKS_PER_TURN; i++) {
      const chunk = this.snapshot!.next()
      if (chunk === null) {
        for (const r of live) r.session.socket?.write(this.mark)
        for (const r of live) this.online(r)
        return this.end()
      }
      let blocked: ReplicaClient | undefined
      for (const r of live) {
        this.repl.server.stats.netOutputBytes += chunk.length
        if (r.session.socket && !r.session.socket.write(chunk)) blocked = r
      }
      if (blocked) {
        // Paced by the slowest replica, like redis's rdb pipe to several sockets.
        blocked.session.socket!.once('drain', () => this.pump())
        return
      }
      const wait = this.snapshot!.owedDelay()
      if (wait > 0) {
        void paceWait(wait, this.ended).then(() => this.pump())
        return
      }
    }
    setImmediate(() => this.pump())
  }

  /** Disk-based: the snapshot goes to a file first, then `$<len>\r\n` + file to each replica. */
  private async writeFile(): Promise<void> {
    const server = this.repl.server
    const dir = server.config.get('dir') || '.'
    this.payloadFile = path.join(dir, `temp-repl-${process.pid}-${Date.now()}.rdb`)
    let fd: fs.promises.FileHandle | null = null
    try {
      fd = await fs.promises.open(this.payloadFile, 'w')
      for (;;) {
        if (this.finished) return
        const chunk = this.snapshot!.next()
        if (chunk === null) break
        await fd.write(chunk)
        const wait = this.snapshot!.owedDelay()
        if (wait > 0) await paceWait(wait, this.ended)
      }
      await fd.close()
      fd = null
      const size = (await fs.promises.stat(this.payloadFile)).size
      server.log.notice('Background RDB transfer terminated with success')
      const live = this.replicas.filter((r) => !r.session.closed && r.session.socket)
      await Promise.all(live.map((r) => this.sendFile(r, size)))
    } catch (e) {
      server.log.warning(`Background transfer error: ${(e as Error).message}`)
      for (const r of this.replicas) r.session.close()
    } finally {
      await fd?.close().catch(() => undefined)
      fs.promises.rm(this.payloadFile, {force: true}).catch(() => undefined)
      this.end()
    }
  }

  private sendFile(r: ReplicaClient, size: number): Promise<void> {
    r.state = 'send_bulk'
    const sock = r.session.socket!
    sock.write(`$${size}\r\n`)
    return new Promise((resolve) => {
      const rs = fs.createReadStream(this.payloadFile, {highWaterMark: 256 * 1024})
      rs.on('error', () => {
        r.session.close()
        resolve()
      })
      rs.on('end', () => {
        this.repl.server.stats.netOutputBytes += size
        if (!r.session.closed) this.online(r)
        resolve()
      })
      sock.once('close', () => {
        rs.destroy()
        resolve()
      })
      rs.pipe(sock, {end: false})
    })
  }

  /** The RDB is out: flush what was written meanwhile, then stream live (replicaPutOnline). */
  private online(r: ReplicaClient): void {
    const repl = this.repl
    r.state = 'online'
    r.ackTime = repl.server.clock.now()
    r.job = null
    if (this.diskless && !r.legacySync) {
      // Hold the stream until the replica's first ACK: a redis replica looks for the EOF mark
      // at the end of a read, so nothing may follow the mark before it has loaded the RDB.
      r.waitFirstAck = true
    } else {
      const pending = r.pending ?? []
      r.pending = null
      r.pendingBytes = 0
      for (const b of pending) repl.writeTo(r, b)
    }
    repl.server.log.notice(`Synchronization with replica ${replicaName(r.ip, r.listeningPort)} succeeded`)
  }

  /** A replica went away mid-transfer. */
  detach(r: ReplicaClient): void {
    const i = this.replicas.indexOf(r)
    if (i >= 0) this.replicas.splice(i, 1)
    if (this.usesBgsave) {
      // redis freeClient: a BGSAVE nobody waits for is killed, unless save points make it useful
      if (r.state === 'wait_bgsave' && this.replicas.length === 0 && saveParams(this.repl.server).length === 0) void killBgsave(this.repl.server)
      return
    }
    if (this.replicas.length === 0 && !this.finished) {
      this.repl.server.log.warning('Diskless rdb transfer, last replica dropped, killing fork child.')
      this.end()
    }
  }

  private end(): void {
    if (this.finished) return
    this.finished = true
    this.markEnded()
    this.snapshot?.abort()
    if (this.repl.job === this) this.repl.job = null
    childStateChanged(this.repl.server)
    // Replicas that arrived during this transfer wait for the next snapshot.
    setImmediate(() => scheduleFullSync(this.repl))
  }
}

// Replica side of replication (redis replication.c connectWithMaster, syncWithMaster,
// readSyncBulkPayload, the master client): handshake, PSYNC with the cached master, the RDB
// transfer (loaded aside while the old data keeps being served, swapped in at the end), then the
// command stream applied through the normal dispatcher with its byte offset tracked and proxied
// to our own replicas; REPLCONF ACK every second; reconnect on loss.
import * as net from 'node:net'
import {ProtocolError, RequestParser} from '../../resp/parser.js'
import {dispatch} from '../dispatcher.js'
import {Session} from '../session.js'
import {Backlog} from './backlog.js'
import {encodeCommand} from './resp.js'
import {openLoader, type RdbSink} from './snapshot-source.js'
import {NULL_REPLID, type Replication} from './state.js'
import {dial} from '../tls.js'

export type LinkState = 'connect' | 'connecting' | 'handshake' | 'transfer' | 'connected'

const RETRY_MS = 1000

interface Transfer {
  /** -1 = $EOF:<mark> framing */
  size: number
  mark: string
  read: number
  held: Buffer
  sink: RdbSink
  replid: string
  offset: number
  started: number
  /** redis useDisklessLoad: the payload goes "to parser" (loaded as it arrives) rather than "to disk" */
  parser?: boolean
  /** attachToNewMaster ran: the load replaced our history */
  attached?: boolean
}

export class MasterLink {
  state: LinkState = 'connect'
  private sock: net.Socket | null = null
  /** bytes not consumed yet while in handshake/transfer-preamble */
  private inbuf: Buffer = Buffer.alloc(0)
  private step = 0
  private steps: {send: string[] | null; onReply: (line: string) => boolean}[] = []
  private transfer: Transfer | null = null
  /** key-load-delay pacing: the socket is paused and received bytes wait here, in order */
  private throttled = false
  private held: Buffer[] = []
  private session: Session | null = null
  private parser = new RequestParser()
  private raw: Buffer[] = []
  private rawBytes = 0
  private paused = false
  /** processed offset (slave_repl_offset) and received offset (slave_read_repl_offset) */
  reploff = 0
  readReploff = 0
  /** (replid, offset) we will PSYNC with; null: PSYNC ? -1 */
  /**
   * The cached master (redis replicationCacheMaster): history id, offset and the database the
   * stream had selected. A partial resync continues the stream where it stopped, without a new
   * SELECT, so the new master client must start in that database.
   */
  cached: {replid: string; offset: number; db?: number} | null = null
  /** the stream's database when our master client was closed from inside (CLIENT KILL) */
  private closedDb = 0
  lastIo = 0
  downSince: number
  private retryTimer: NodeJS.Timeout | null = null
  private lastAck = 0
  private closed = false
  /** the last socket error's code (ECONNRESET ...), for the log of a failed load */
  private sockError = ''
  /** consecutive failed attempts (retry back-off) */
  private failures = 0

  constructor(
    private readonly repl: Replication,
    readonly host: string,
    readonly port: number,
  ) {
    this.downSince = repl.server.clock.now()
  }

  get connected(): boolean {
    return this.state === 'connected'
  }

  private get log() {
    return this.repl.server.log
  }

  start(): void {
    this.log.notice(`Connecting to MASTER ${this.host}:${this.port}`)
    this.connect()
  }

  /** Stop for good (REPLICAOF NO ONE / another master). */
  stop(): void {
    this.closed = true
    if (this.retryTimer) clearTimeout(this.retryTimer)
    this.retryTimer = null
    this.dropSocket()
  }

  private connect(): void {
    if (this.closed) return
    this.state = 'connecting'
    this.inbuf = Buffer.alloc(0)
    // bind-source-addr: the address the link connects from (redis connectWithMaster)
    const server = this.repl.server
    const source = server.config.get('bind-source-addr')
    const where = {host: this.host, port: this.port, ...(source !== '' ? {localAddress: source} : {})}
    // tls-replication: the link is TLS, with the node's client certificate (src/node/tls.ts)
    const secure = server.config.bool('tls-replication') && server.tls !== null
    const {sock, ready} = dial(where, secure ? server.tls!.client : null)
    sock.setNoDelay(true)
    this.sock = sock
    this.sockError = ''
    this.lastIo = server.clock.now()
    sock.on(ready, () => {
      this.log.notice('MASTER <-> REPLICA sync started')
      this.state = 'handshake'
      this.beginHandshake()
    })
    sock.on('data', (d: Buffer) => this.onData(d))
    sock.on('error', (e) => {
      this.sockError = (e as NodeJS.ErrnoException).code ?? ''
      if (this.state === 'connecting') this.log.warning(`Error condition on socket for SYNC: ${e.message}`)
    })
    sock.on('close', () => {
      if (this.sock === sock) this.linkLost()
    })
  }

  private dropSocket(): void {
    const s = this.sock
    this.sock = null
    s?.destroy()
    this.transfer = null
    this.throttled = false
    this.held = []
    this.closeSession()
  }

  /** The database the master's stream has selected: on our master client, else the cached master's. */
  get streamDb(): number {
    return this.session?.dbIndex ?? this.cached?.db ?? this.closedDb
  }

  private closeSession(): void {
    const s = this.session
    this.session = null
    s?.close()
  }

  /** Our master client was closed from inside (CLIENT KILL TYPE master): reconnect. */
  sessionClosed(s: Session): void {
    if (this.session !== s) return
    this.closedDb = s.dbIndex
    this.session = null
    this.fail('Connection with master lost.')
  }

  /** The socket closed or we dropped it (`reasonLogged`: fail() has logged why): cache what we have and retry. */
  private linkLost(reasonLogged = false): void {
    const wasConnected = this.state === 'connected'
    if (wasConnected) {
      this.log.notice('Connection with master lost.')
      this.log.notice('* Caching the disconnected master state.')
      this.cached = {replid: this.repl.replid, offset: this.reploff, db: this.streamDb}
      this.downSince = this.repl.server.clock.now()
    } else if (this.state === 'transfer' && !reasonLogged) {
      this.transferLost()
    }
    const reconnectNow = this.state === 'transfer'
    this.sock = null
    this.transfer = null
    this.throttled = false
    this.held = []
    this.closeSession()
    this.state = 'connect'
    // redis cancelReplicationHandshake(1): a transfer that failed reconnects at once
    if (reconnectNow && !this.closed) {
      this.log.notice(`Reconnecting to MASTER ${this.host}:${this.port} after failure`)
      this.connect()
    } else this.scheduleRetry()
  }

  /** The link dropped during the transfer: what redis logs for a load from the socket, or a read to disk. */
  private transferLost(): void {
    const t = this.transfer
    if (!t?.parser) return this.log.warning('I/O error trying to sync with MASTER: connection lost')
    // rdbLoadRio's eoferr and rdbReportError for a short read from the socket (rdb.c:3249 in redis-server 7.0.15)
    this.log.warning('Short read or OOM loading DB. Unrecoverable error, aborting now.')
    this.log.warning(`Internal error in RDB reading offset ${t.read}, function at rdb.c:3249 -> Unexpected EOF reading RDB file. Failure loading rdb format from socket, assuming connection error, resuming operation.`)
    this.log.warning(`Failed trying to load the MASTER synchronization DB from socket: ${this.sockError === 'ETIMEDOUT' ? 'Connection timed out' : 'Connection reset by peer'}`)
    if (this.repl.server.config.get('repl-diskless-load') === 'swapdb') this.log.notice('MASTER <-> REPLICA sync: Discarding temporary DB in background')
  }

  private fail(msg: string): void {
    this.log.warning(msg)
    const s = this.sock
    this.sock = null
    s?.destroy()
    this.linkLost(true)
  }

  /** A frozen node (NodeServer.freeze) reads nothing from its master; thawed, it goes on. */
  freeze(on: boolean): void {
    if (on) this.sock?.pause()
    else if (!this.throttled) this.sock?.resume()
  }

  private scheduleRetry(): void {
    if (this.closed || this.retryTimer) return
    // Once a second like redis for the first attempts, then backing off up to 10 s while it keeps failing.
    this.failures++
    const delay = this.failures <= 3 ? RETRY_MS : Math.min(10 * RETRY_MS, RETRY_MS * 2 ** (this.failures - 3))
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null
      // frozen: the attempt waits for the thaw (a stopped process connects to nobody)
      if (this.repl.server.frozen) {
        this.failures--
        return this.scheduleRetry()
      }
      if (this.state === 'connect') {
        this.log.notice(`Connecting to MASTER ${this.host}:${this.port}`)
        this.connect()
      }
    }, delay)
    this.retryTimer.unref?.()
  }

  // ---- handshake -----------------------------------------------------------------------------

  private beginHandshake(): void {
    const cfg = this.repl.server.config
    const steps: typeof this.steps = []
    steps.push({
      send: ['PING'],
      onReply: (l) => {
        if (l.startsWith('-') && !/^-(NOAUTH|NOPERM|ERR operation not permitted)/.test(l)) {
          this.fail(`Error reply to PING from master: '${l.slice(1)}'`)
          return false
        }
        this.log.notice('Master replied to PING, replication can continue...')
        return true
      },
    })
    const pass = cfg.get('masterauth')
    if (pass) {
      const user = cfg.get('masteruser')
      steps.push({
        send: user ? ['AUTH', user, pass] : ['AUTH', pass],
        onReply: (l) => {
          if (l.startsWith('-')) {
            this.fail(`Unable to AUTH to MASTER: ${l.slice(1)}`)
            return false
          }
          return true
        },
      })
    }
    // redis syncWithMaster: replica-announce-port, else the TLS port with tls-replication (the
    // master reaches its replicas, and lists them in INFO / ROLE, the way replication runs)
    const srv = this.repl.server
    const port = cfg.int('replica-announce-port') || (cfg.bool('tls-replication') && srv.tlsPort !== 0 ? srv.tlsPort : srv.port)
    steps.push({send: ['REPLCONF', 'listening-port', String(port)], onReply: (l) => this.nonCritical(l, 'listening-port')})
    const ip = cfg.get('replica-announce-ip')
    if (ip) steps.push({send: ['REPLCONF', 'ip-address', ip], onReply: (l) => this.nonCritical(l, 'ip-address')})
    steps.push({send: ['REPLCONF', 'capa', 'eof', 'capa', 'psync2'], onReply: (l) => this.nonCritical(l, 'capa')})
    const psyncArgs = this.cached ? [this.cached.replid, String(this.cached.offset + 1)] : ['?', '-1']
    // A master handing over with FAILOVER asks the target to promote itself (failover.ts).
    if (this.repl.failover?.state === 'failover-in-progress') psyncArgs.push('FAILOVER')
    steps.push({
      send: ['PSYNC', ...psyncArgs],
      onReply: (l) => {
        const failingOver = this.repl.failover?.state === 'failover-in-progress'
        const accepted = /^\+(FULLRESYNC|CONTINUE)/i.test(l)
        // An unaccepted PSYNC FAILOVER makes us a master again: nothing more to do on this link.
        if (failingOver && !accepted) {
          this.repl.failover!.psyncReplied(false)
          return false
        }
        const ok = this.onPsyncReply(l)
        if (failingOver) this.repl.failover!.psyncReplied(true)
        return ok
      },
    })
    this.steps = steps
    this.step = 0
    this.sendStep()
  }

  private nonCritical(l: string, what: string): boolean {
    if (l.startsWith('-')) this.log.notice(`(Non critical) Master does not understand REPLCONF ${what}: ${l.slice(1)}`)
    return true
  }

  private sendStep(): void {
    const st = this.steps[this.step]
    if (st?.send?.[0] === 'PSYNC') {
      if (this.cached) this.log.notice(`Trying a partial resynchronization (request ${st.send[1]}:${st.send[2]}).`)
      else this.log.notice('Partial resynchronization not possible (no cached master)')
    }
    if (st?.send) this.sock?.write(encodeCommand(st.send), 'latin1')
  }

  private onPsyncReply(l: string): boolean {
    const now = this.repl.server.clock.now()
    let m: RegExpExecArray | null
    if ((m = /^\+FULLRESYNC ([0-9a-f]{40}) (-?\d+)$/i.exec(l))) {
      // the cached master stays until the new dataset is loaded (attachToNewMaster): a transfer
      // that fails leaves us able to PSYNC from where we were
      this.log.notice(`Full resync from master: ${m[1]}:${m[2]}`)
      this.state = 'transfer'
      this.transfer = {size: -2, mark: '', read: 0, held: Buffer.alloc(0), sink: openLoader(this.repl.server), replid: m[1], offset: Number(m[2]), started: now}
      return true
    }
    if ((m = /^\+CONTINUE(?: ([0-9a-f]{40}))?$/i.exec(l))) {
      const repl = this.repl
      const newId = m[1]
      this.log.notice('Successful partial resynchronization with master.')
      if (newId && newId !== repl.replid) {
        // PSYNC2: the master changed history id (a promotion); our old one becomes replid2.
        repl.replid2 = repl.replid
        repl.secondOffset = this.reploff + 1
        repl.replid = newId
        this.log.notice(`Master replication ID changed to ${newId}`)
        repl.disconnectReplicas()
      }
      this.log.notice('MASTER <-> REPLICA sync: Master accepted a Partial Resynchronization.')
      const db = this.cached?.db ?? 0
      this.cached = null
      this.becomeConnected()
      this.session!.dbIndex = db
      return true
    }
    if (/^-(NOMASTERLINK|LOADING)/.test(l)) {
      this.fail(`Master is currently unable to PSYNC but should be in the future: ${l.slice(1)}`)
      return false
    }
    if (l.startsWith('-')) {
      this.log.warning(`Unexpected reply to PSYNC from master: ${l}`)
      // An old master without PSYNC: fall back to SYNC (no +FULLRESYNC line follows).
      this.sock?.write(encodeCommand(['SYNC']), 'latin1')
      this.state = 'transfer'
      this.transfer = {size: -2, mark: '', read: 0, held: Buffer.alloc(0), sink: openLoader(this.repl.server), replid: NULL_REPLID, offset: -1, started: now}
      return true
    }
    this.fail(`Unexpected reply to PSYNC from master: ${l}`)
    return false
  }

  // ---- input ---------------------------------------------------------------------------------

  private onData(d: Buffer): void {
    this.lastIo = this.repl.server.clock.now()
    this.repl.server.stats.netInputBytes += d.length
    // redis readQueryFromClient counts the master client's reads once the link carries the stream
    if (this.state === 'connected') this.repl.server.stats.readsProcessed++
    if (this.throttled) {
      this.held.push(d)
      return
    }
    try {
      this.dispatch(d)
    } catch (e) {
      this.fail(`MASTER <-> REPLICA sync: ${(e as Error).message}`)
    }
  }

  private dispatch(d: Buffer): void {
    if (this.state === 'handshake') return this.onHandshakeData(d)
    if (this.state === 'transfer') return this.feedTransfer(d)
    if (this.state === 'connected') return this.applyStream(d)
  }

  /**
   * The payload, paced by key-load-delay when it is set (a debugging config the Redis test
   * suites use to watch a replica while it loads): in 4 KiB steps, pausing the socket for as
   * long as the keys loaded so far owe; bytes already received wait in `held`, in order.
   */
  private feedTransfer(d: Buffer): void {
    if (this.repl.server.config.int('key-load-delay') === 0) return this.onTransferData(d)
    let off = 0
    while (off < d.length) {
      if (this.state !== 'transfer') return this.dispatch(d.subarray(off))
      const step = d.subarray(off, off + 4096)
      off += step.length
      this.onTransferData(step)
      const wait = this.transfer?.sink.owedDelay() ?? 0
      if (wait > 0) {
        if (off < d.length) this.held.push(d.subarray(off))
        this.throttle(wait)
        return
      }
    }
  }

  private throttle(wait: number): void {
    const sock = this.sock
    if (!sock) return
    this.throttled = true
    sock.pause()
    setTimeout(() => {
      if (this.sock !== sock || sock.destroyed) return
      this.throttled = false
      const q = this.held
      this.held = []
      try {
        for (let i = 0; i < q.length; i++) {
          if (this.throttled) {
            this.held.push(...q.slice(i))
            return
          }
          this.dispatch(q[i])
        }
      } catch (e) {
        this.fail(`MASTER <-> REPLICA sync: ${(e as Error).message}`)
        return
      }
      if (!this.throttled && !this.repl.server.frozen) sock.resume()
    }, wait)
  }

  private onHandshakeData(d: Buffer): void {
    this.inbuf = this.inbuf.length ? Buffer.concat([this.inbuf, d]) : d
    for (;;) {
      // The master may send bare newlines to keep the link alive before it replies to PSYNC.
      let skip = 0
      while (skip < this.inbuf.length && this.inbuf[skip] === 0x0a) skip++
      if (skip) this.inbuf = this.inbuf.subarray(skip)
      const nl = this.inbuf.indexOf('\r\n')
      if (nl < 0) {
        if (this.inbuf.length > 64 * 1024) this.fail('Master sent an over-long reply during the handshake')
        return
      }
      const line = this.inbuf.toString('latin1', 0, nl)
      this.inbuf = this.inbuf.subarray(nl + 2)
      const st = this.steps[this.step]
      if (!st || !st.onReply(line)) return
      this.step++
      if (this.state !== 'handshake') {
        const rest = this.inbuf
        this.inbuf = Buffer.alloc(0)
        if (rest.length) this.onData(rest)
        return
      }
      this.sendStep()
    }
  }

  private onTransferData(d: Buffer): void {
    const t = this.transfer!
    if (t.size === -2) {
      // Before the bulk header: newlines are keep-alives while the master prepares the RDB.
      this.inbuf = this.inbuf.length ? Buffer.concat([this.inbuf, d]) : d
      while (this.inbuf.length && this.inbuf[0] === 0x0a) this.inbuf = this.inbuf.subarray(1)
      const nl = this.inbuf.indexOf('\r\n')
      if (nl < 0) return
      const line = this.inbuf.toString('latin1', 0, nl)
      const rest = this.inbuf.subarray(nl + 2)
      this.inbuf = Buffer.alloc(0)
      if (line.startsWith('-')) throw new Error(`MASTER aborted replication with an error: ${line.slice(1)}`)
      let m: RegExpExecArray | null
      // the node always parses as the bytes arrive; the log says what redis would do (useDisklessLoad)
      const load = this.repl.server.config.get('repl-diskless-load')
      t.parser = load === 'swapdb' || (load === 'on-empty-db' && this.repl.server.databases().every(([, d]) => d.size === 0))
      const to = t.parser ? 'parser' : 'disk'
      if ((m = /^\$EOF:(.{40})$/.exec(line))) {
        t.size = -1
        t.mark = m[1]
        this.log.notice(`MASTER <-> REPLICA sync: receiving streamed RDB from master with EOF to ${to}`)
      } else if ((m = /^\$(\d+)$/.exec(line))) {
        t.size = Number(m[1])
        this.log.notice(`MASTER <-> REPLICA sync: receiving ${t.size} bytes from master to ${to}`)
      } else throw new Error(`Bad protocol from MASTER, the first byte is not '$' (we received '${line.slice(0, 64)}'), are you sure the host and port are right?`)
      if (t.parser) {
        // readSyncBulkPayload before rdbLoad: swapdb loads aside, on-empty-db flushes first
        if (load !== 'swapdb') {
          this.attachToNewMaster(t)
          this.log.notice('MASTER <-> REPLICA sync: Flushing old data')
        }
        this.log.notice('MASTER <-> REPLICA sync: Loading DB in memory')
      }
      if (rest.length) this.onTransferData(rest)
      return
    }
    if (t.size >= 0) {
      const want = t.size - t.read
      const take = d.length <= want ? d : d.subarray(0, want)
      t.sink.feed(take)
      t.read += take.length
      if (t.read === t.size) this.finishTransfer(d.subarray(take.length))
      return
    }
    // $EOF:<mark>: hold back the last 40 bytes until we know they are not the mark.
    const all = t.held.length ? Buffer.concat([t.held, d]) : d
    const at = all.indexOf(t.mark, 0, 'latin1')
    if (at >= 0) {
      if (at > 0) t.sink.feed(all.subarray(0, at))
      t.read += at
      this.finishTransfer(all.subarray(at + 40))
      return
    }
    const keep = Math.min(40, all.length)
    if (all.length > keep) t.sink.feed(all.subarray(0, all.length - keep))
    t.read += all.length - keep
    t.held = Buffer.from(all.subarray(all.length - keep))
  }

  /**
   * INFO's loading / async_loading during a full sync. The payload is parsed into databases set
   * aside while it arrives, and swapped in at the end; the old data stays readable meanwhile.
   * As in redis 7.0, that is "async loading" with repl-diskless-load swapdb when the master's
   * replication id is the one we had (the old data is an earlier point of the same history);
   * otherwise redis would be loading with the dataset unavailable, and the node says loading.
   */
  loadingState(): 'sync' | 'async' | null {
    const t = this.transfer
    if (this.state !== 'transfer' || !t || t.size === -2) return null
    const swapdb = this.repl.server.config.get('repl-diskless-load') === 'swapdb'
    return swapdb && t.replid === this.repl.replid ? 'async' : 'sync'
  }

  /**
   * redis replicationAttachToNewMaster, when the new master's dataset starts replacing ours: no
   * partial resync from the old history any more (the cached master goes), and our replicas must
   * full-sync from us as well.
   */
  private attachToNewMaster(t: Transfer): void {
    if (t.attached) return
    t.attached = true
    if (this.cached !== null) this.log.notice('Discarding previously cached master state.')
    this.cached = null
    this.repl.disconnectReplicas()
  }

  private finishTransfer(rest: Buffer): void {
    const t = this.transfer!
    const repl = this.repl
    const server = repl.server
    // a disk-based load attaches once the whole payload is here, swapdb once it loaded
    if (!t.parser) {
      this.attachToNewMaster(t)
      this.log.notice('MASTER <-> REPLICA sync: Flushing old data')
    }
    t.sink.end() // throws on a truncated or corrupt RDB: the link is dropped, old data kept
    // Libraries compile before anything is replaced: one that fails keeps the old state whole.
    const commitFunctions = server.scripting?.functions.prepare(t.sink.functions)
    if (!t.parser) this.log.notice('MASTER <-> REPLICA sync: Loading DB in memory')
    this.attachToNewMaster(t)
    server.replaceDatabases(t.sink.dbs)
    commitFunctions?.()
    server.emit('replicaFullSyncLoaded')
    this.transfer = null
    let offset = t.offset
    let replid = t.replid
    if (offset < 0) {
      // SYNC from an old master: take the offset from the RDB's aux fields if present.
      replid = t.sink.aux.get('repl-id') ?? NULL_REPLID
      offset = Number(t.sink.aux.get('repl-offset') ?? 0)
    }
    repl.replid = replid
    repl.replid2 = NULL_REPLID
    repl.secondOffset = -1
    repl.offset = offset
    server.replOffset = offset
    repl.backlog = new Backlog(server.config.int('repl-backlog-size'), offset)
    this.reploff = this.readReploff = offset
    this.log.notice(`MASTER <-> REPLICA sync: Finished with success`)
    this.becomeConnected()
    this.sendAck() // diskless masters start the stream on the first ACK (redis 7.0)
    if (rest.length) this.applyStream(rest)
  }

  private becomeConnected(): void {
    const server = this.repl.server
    this.state = 'connected'
    this.failures = 0
    this.repl.ensureBacklog()
    if (this.reploff === 0 && this.readReploff === 0) this.reploff = this.readReploff = this.repl.offset
    // addr is the master's address, as redis's master client: `CLIENT KILL <master ip:port>` drops the link.
    const s = new Session(server, null, this.sock)
    s.authenticated = true
    s.fromMaster = true
    s.flags.add('master')
    this.repl.watchLinkErrors(s, true)
    // Listed like redis's master client (CLIENT LIST flags=M; CLIENT KILL TYPE master drops the link).
    server.sessions.set(s.id, s)
    this.session = s
    this.parser = new RequestParser()
    // redis processMultibulkBuffer holds every client but the master to proto-max-bulk-len (a master
    // may store values larger than its replica would take from a client); what one string can hold
    // still bounds it (the parser's MAX_ARG_LENGTH)
    this.parser.maxBulkLen = Infinity
    this.raw = []
    this.rawBytes = 0
    this.paused = false
    this.lastAck = 0
  }

  // ---- the stream ----------------------------------------------------------------------------

  private applyStream(d: Buffer): void {
    this.parser.feed(d)
    this.raw.push(d)
    this.rawBytes += d.length
    this.readReploff += d.length
    this.drain()
  }

  private drain(): void {
    const repl = this.repl
    const server = repl.server
    const s = this.session
    if (!s) return
    server.setHideExpired(false)
    let applied = 0
    try {
      applied = this.drainLoop(s)
    } finally {
      server.setHideExpired(true)
    }
    // One proxy write per batch of applied commands, not one per command. Here, not at the end of
    // drainLoop: V8 compiles that hot loop on-stack (OSR), and code after the loop that had not run
    // yet when it did deoptimised on every entry of the cached OSR code (seen on a replica during a
    // reshard: hundreds of deopts of the same code, "insufficient type feedback").
    if (applied) this.repl.feedProxied(this.takeRaw(applied))
  }

  /** Applies what the parser holds; returns the bytes applied and not yet proxied to sub-replicas. */
  private drainLoop(s: Session): number {
    const repl = this.repl
    const server = repl.server
    let applied = 0
    while (!this.paused && this.state === 'connected') {
      // A script yielding past busy-reply-threshold: hold the stream (redis processInputBuffer
      // does not read the master while a busy script runs), never -BUSY it away, never interleave.
      if (server.scripting?.current) {
        this.paused = true
        server.once('scriptFinished', () => {
          this.paused = false
          this.drain()
        })
        break
      }
      const argv = this.parser.next(false)
      if (argv === null) break
      if (argv instanceof ProtocolError) {
        this.fail(`Protocol error from MASTER (${argv.message}): dropping the link`)
        return 0
      }
      // The parser may have consumed part of this command on an earlier call: count from the
      // total fed so far, not from before this call.
      const consumed = this.rawBytes - applied - this.parser.pending
      let res
      repl.applying = true
      server.replicationApplying = true
      try {
        res = dispatch(s, argv)
      } finally {
        repl.applying = false
        server.replicationApplying = false
      }
      s.reply.clear() // replies to the master are never sent (REPLCONF ACK is written directly)
      if (res === undefined) {
        this.reploff += consumed
        applied += consumed
        continue
      }
      // A command that waits (held by CLIENT PAUSE, redis BLOCKED_POSTPONE) counts as processed,
      // and reaches sub-replicas, only once it has run (redis commandProcessed). Proxy what was
      // applied so far before waiting (sub-replicas see the same order).
      if (applied) repl.feedProxied(this.takeRaw(applied))
      applied = 0
      this.paused = true
      res.then(() => {
        if (this.session !== s) return // the link was dropped meanwhile (a new one starts afresh)
        this.reploff += consumed
        repl.feedProxied(this.takeRaw(consumed))
        this.paused = false
        this.drain()
      })
    }
    return applied
  }

  private takeRaw(n: number): Buffer {
    const parts: Buffer[] = []
    let left = n
    while (left > 0 && this.raw.length) {
      const b = this.raw[0]
      if (b.length <= left) {
        parts.push(b)
        left -= b.length
        this.raw.shift()
      } else {
        parts.push(b.subarray(0, left))
        this.raw[0] = b.subarray(left)
        left = 0
      }
    }
    this.rawBytes -= n
    return parts.length === 1 ? parts[0] : Buffer.concat(parts)
  }

  sendAck(): void {
    if (this.state !== 'connected' || !this.sock) return
    this.sock.write(encodeCommand(['REPLCONF', 'ACK', String(this.reploff)]), 'latin1')
  }

  /** Once a second: ACK, and the repl-timeout checks (replicationCron). */
  cron(now: number): void {
    const timeout = this.repl.server.config.int('repl-timeout') * 1000
    if (this.state === 'connected') {
      if (now - this.lastAck >= 1000) {
        this.lastAck = now
        this.sendAck()
      }
      if (now - this.lastIo > timeout) this.fail('MASTER timeout: no data nor PING received...')
    } else if (this.state === 'transfer' && now - this.lastIo > timeout) {
      this.fail("Timeout receiving bulk data from MASTER... If the problem persists try to set the 'repl-timeout' parameter in redis.conf to a larger value.")
    } else if ((this.state === 'connecting' || this.state === 'handshake') && now - this.lastIo > timeout) {
      this.fail('Timeout connecting to the MASTER...')
    }
  }

  infoLines(now: number): string[] {
    const cfg = this.repl.server.config
    const sec = (ms: number) => Math.floor(now / 1000) - Math.floor(ms / 1000)
    const out = [
      `master_host:${this.host}`,
      `master_port:${this.port}`,
      `master_link_status:${this.state === 'connected' ? 'up' : 'down'}`,
      `master_last_io_seconds_ago:${this.state === 'connected' ? sec(this.lastIo) : -1}`,
      `master_sync_in_progress:${this.state === 'transfer' ? 1 : 0}`,
      `slave_read_repl_offset:${this.state === 'connected' || this.cached ? this.readReploff : 1}`,
      `slave_repl_offset:${this.state === 'connected' || this.cached ? this.reploff : 1}`,
    ]
    const t = this.transfer
    if (this.state === 'transfer' && t) {
      const total = Math.max(0, t.size)
      out.push(
        `master_sync_total_bytes:${t.size < 0 ? -1 : total}`,
        `master_sync_read_bytes:${t.read}`,
        `master_sync_left_bytes:${t.size < 0 ? -1 - t.read : total - t.read}`,
        `master_sync_perc:${(total ? (t.read / total) * 100 : 0).toFixed(2)}`,
        `master_sync_last_io_seconds_ago:${sec(this.lastIo)}`,
      )
    }
    if (this.state !== 'connected') out.push(`master_link_down_since_seconds:${this.downSince ? sec(this.downSince) : -1}`)
    out.push(
      `slave_priority:${cfg.int('replica-priority')}`,
      `slave_read_only:${cfg.bool('replica-read-only') ? 1 : 0}`,
      `replica_announced:${cfg.bool('replica-announced') ? 1 : 0}`,
    )
    return out
  }

  /** ROLE: connect / connecting / handshake / sync / connected. */
  roleState(): string {
    return this.state === 'transfer' ? 'sync' : this.state
  }
}

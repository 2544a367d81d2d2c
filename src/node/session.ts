// One client connection: parser in, writer out, and the client state commands read
// (db, RESP version, auth, MULTI/WATCH, ASKING/READONLY, subscriptions). A session without a
// socket is valid: replication and AOF loading run commands through it and drop the output.
import {TLSSocket} from 'node:tls'
import {noteRead} from './querybuf.js'
import type {Socket} from 'node:net'
import {RequestParser, ProtocolError} from '../resp/parser.js'
import {RespWriter} from '../resp/writer.js'
import type {CommandContext, CommandFlag, CommandSpec} from './commands/types.js'
import type {Clock} from './clock.js'
import {dispatch} from './dispatcher.js'
import {REPLY_OFF, REPLY_ON, REPLY_SKIP, REPLY_SKIP_NEXT} from './reply-mode.js'
import {trackingBegin, trackingClients, trackingEnd} from './tracking.js'
import type {Keyspace} from './keyspace/keyspace.js'
import type {NodeServer} from './server.js'
import type {ReplConfInfo, ReplicaClient} from './replication/state.js'
import type {AclUser} from './acl/user.js'
import {noteReply} from './replybuf.js'
import {checkOutputLimit, clientInfoLine, evictClients} from './clientmem.js'

export interface MultiState {
  /** flags: the command's flags when it was queued (redis queueMultiCommand's cmd_flags) */
  queue: {spec: CommandSpec; argv: string[]; flags: readonly CommandFlag[]}[]
  /** a command was rejected while queuing -> EXECABORT */
  aborted: boolean
}

const UNAUTH_QUERY_LIMIT = 1024 * 1024
const UNAUTH_OUTPUT_LIMIT = 1024 * 1024
// A read batch's replies past this much are written before the next command runs, so a batch's
// output need not wait for the batch to end (600 GETs of a 1 MB value); one command's own reply of
// any size is kept in pieces by the writer (REPLY_CHUNK), as redis's reply list is.
const REPLY_SPILL = 64 * 1024 * 1024

class SessionContext implements CommandContext {
  constructor(
    readonly session: Session,
    readonly server: NodeServer,
  ) {}
  get reply(): RespWriter {
    return this.session.reply
  }
  get db(): Keyspace {
    return this.server.db(this.session.dbIndex)
  }
  get clock(): Clock {
    return this.server.clock
  }
  afterWrite(key: string, changes = 1): void {
    this.server.keyModified(this.session.dbIndex, key, changes)
  }
  afterKeyChange(key: string, changes = 1): void {
    this.server.keyModified(this.session.dbIndex, key, changes, false)
  }
  afterWriteAll(): void {
    this.server.dirty++
  }
  propagateAs(argv: string[]): void {
    ;(this.session.propagateOverride ??= []).push(argv)
  }
  forcePropagation(): void {
    this.session.forcePropagate = true
  }
}

export class Session {
  readonly id: number
  name = ''
  readonly reply = new RespWriter(2)
  readonly ctx: SessionContext
  readonly parser = new RequestParser()
  authenticated: boolean
  /** the ACL user this connection runs as (redis c->user) */
  aclUser: AclUser
  /** set on a script's fake client: the client that ran EVAL/FCALL (ACL LOG's client-info) */
  scriptCaller: Session | null = null
  dbIndex = 0
  /** the AOF loading client (redis CLIENT_ID_AOF): runs while the node is loading */
  loader = false
  multi: MultiState | null = null
  /** watched "db\0key" -> whether the key was already expired when watched (redis watchedKey.expired) */
  watched: Map<string, {db: number; key: string; expired: boolean}> | null = null
  /** set when a watched key was touched: EXEC returns a null array */
  dirtyCas = false
  asking = false
  /**
   * redis c->cmd: the command the request being run resolved to (a subcommand's own spec), null
   * when it named no command or was empty; resetClient reads it once the command is done.
   */
  cmd: CommandSpec | null = null
  readonlyMode = false
  readonly channels = new Set<string>()
  readonly patterns = new Set<string>()
  readonly createdAt: number
  lastInteraction: number
  lastCommand = 'NULL'
  /**
   * redis c->slot: the hash slot the cluster check found the command's keys in (-1: none, or not
   * cluster mode); for EXEC the queued commands' slot. Scripts run by the command start from it and
   * set it at their first key, so every script of one transaction keeps to one slot.
   */
  clusterSlot = -1
  closed = false
  closeAfterReply = false
  /**
   * closeAfterReply with nothing to write (QUIT or a protocol error under CLIENT REPLY OFF/SKIP):
   * redis sets CLIENT_CLOSE_AFTER_REPLY, which only writing a reply acts on, and adds no reply to
   * such a client any more: it stays connected, its input never processed again.
   */
  private stalled = false
  /** SCRIPT DEBUG YES|SYNC: the next EVAL enters the Lua debugger (redis CLIENT_LUA_DEBUG[_SYNC]) */
  luaDebug: '' | 'yes' | 'sync' = ''
  /** a handler returned a Promise: queue input until it settles */
  private paused = false
  /**
   * Set by a handler that waits although Redis runs it to completion inside one event-loop turn
   * (MIGRATE blocks the whole server on its target): the replies of the commands before it stay
   * buffered and leave with its own, one write per batch as in Redis, instead of a write per
   * MIGRATE of a pipeline. Blocking commands (BLPOP, WAIT, a paused client) leave it unset: Redis
   * writes the earlier replies while the client is blocked.
   */
  atomicWait = false
  /** This batch holds the replication stream's end-of-turn flush (Replication.holdStream). */
  private holdsStream = false
  private flushScheduled = false
  propagateOverride: string[][] | null = null
  /** redis CLIENT_FORCE_REPL|CLIENT_FORCE_AOF for the command being run */
  forcePropagate = false
  /** this connection is a replica of ours (after SYNC/PSYNC) */
  replica: ReplicaClient | null = null
  /** REPLCONF listening-port / ip-address / capa, before the PSYNC */
  replInfo: ReplConfInfo | null = null
  /** the link from our master: bypasses slot checks, READONLY, min-replicas */
  fromMaster = false
  /** master_repl_offset after this client's last propagated write (WAIT) */
  woff = 0
  /** Extra per-session state for other modules (replication marks replicas etc.). */
  flags = new Set<string>()
  /**
   * ms the current command spent blocked (on keys, WAIT): commandstats, SLOWLOG and LATENCY leave
   * it out, as redis's updateStatsOnUnblock counts the command's own execution only.
   */
  blockedMs = 0
  private blockedSince = 0
  /** CLIENT UNBLOCK released it: redis counts the blocked command as failed whatever it replied */
  unblockedByCommand = false
  /** a command on this replica's link produced a reply (logged once; the replica is being freed) */
  private replicaReplyLogged = false
  /** CLIENT REPLY: REPLY_ON, REPLY_OFF, REPLY_SKIP_NEXT (set by CLIENT REPLY SKIP) or REPLY_SKIP */
  replyMode = REPLY_ON
  /** push messages written while this session's own reply is being suppressed */
  private kept: string[] | null = null
  /** query buffer bytes when the running command started (CLIENT LIST qbuf counts the command itself) */
  qbuf = 0
  /** redis's reply buffer size and peak (src/node/replybuf.ts: CLIENT LIST rbs / rbp) */
  rbSize = 16384
  /** redis createClient: the peak starts at the buffer's size (a new client shows rbp=16384) */
  rbPeak = 16384
  /**
   * When the peak was last reset. redis createClient stamps it with server.unixtime (seconds)
   * where the cron compares milliseconds, so a client's first cron visit resets the peak.
   */
  rbPeakReset = 0
  private inCommand = false
  /** the arguments of the command running now (CLIENT LIST argv-mem, client memory) */
  currentArgv: string[] | null = null
  /** redis CLIENT_CLOSE_ASAP: over its output buffer limit, nothing more is written (src/node/clientmem.ts) */
  closeAsap = false
  /** unix second the output buffer went over its soft limit (0: it is not) */
  readonly obufSoft = {softSince: 0}
  readonly sharded = new Set<string>()
  /** CLIENT TRACKING state (src/node/tracking.ts); null when off */
  tracking: import('./tracking.js').TrackingState | null = null
  readonly addr: string
  readonly laddr: string
  readonly fd: number

  /** connected through a tls-port listener (a TLS cluster tells it the TLS ports) */
  readonly tls: boolean
  constructor(
    readonly server: NodeServer,
    readonly socket: Socket | null,
    /** The connection addr/laddr describe when it is not `socket` (the master link: replies go nowhere). */
    peer: Socket | null = socket,
  ) {
    this.id = server.nextClientId++
    this.tls = socket instanceof TLSSocket
    this.ctx = new SessionContext(this, server)
    this.aclUser = server.acl.defaultUser
    // redis createClient: authenticated when the default user needs no password and is on.
    this.authenticated = !server.acl.defaultAuthRequired
    this.createdAt = this.lastInteraction = server.clock.now()
    this.parser.maxBulkLen = server.config.int('proto-max-bulk-len')
    // A unix-socket client has no IP address: Redis shows the socket path with port 0.
    const unix = peer !== null && peer.remoteAddress === undefined && peer.localAddress === undefined && server.unixsocketPath !== ''
    this.addr = unix ? `${server.unixsocketPath}:0` : peer ? fmtAddr(peer.remoteAddress, peer.remotePort) : ''
    this.laddr = unix ? `${server.unixsocketPath}:0` : peer ? fmtAddr(peer.localAddress, peer.localPort) : ''
    this.fd = socket ? ((socket as unknown as {_handle?: {fd?: number}})._handle?.fd ?? -1) : -1
    this.reply.onError = server.insight.onError
  }

  get resp(): 2 | 3 {
    return this.reply.resp
  }
  set resp(v: 2 | 3) {
    this.reply.resp = v
  }

  get user(): string {
    return this.aclUser.name
  }

  /** True when AUTH is still required before most commands (redis authRequired()). */
  authRequired(): boolean {
    return !this.authenticated && this.server.acl.defaultAuthRequired
  }

  /** redis mustObeyClient: the master's link and the AOF's own client run without the limits clients get */
  get mustObey(): boolean {
    return this.fromMaster || this.loader
  }

  subscriptionCount(): number {
    return this.channels.size + this.patterns.size + this.sharded.size
  }

  /**
   * Push data (pub/sub messages, subscribe confirmations, invalidations) written from `mark`
   * on: kept even when CLIENT REPLY OFF/SKIP drops this command's reply (redis CLIENT_PUSHING).
   */
  keepPush(mark: number): void {
    if (this.replyMode === REPLY_ON || !this.inCommand) return
    const pushes = this.reply.cutFrom(mark)
    if (pushes.length !== 0) (this.kept ??= []).push(...pushes)
  }

  /** After a command under CLIENT REPLY OFF/SKIP: drop its suppressed reply, keep its pushes. */
  private replyDone(mark: number): void {
    this.inCommand = false
    const m = this.replyMode
    if (m === REPLY_OFF || m === REPLY_SKIP) this.reply.truncate(mark)
    if (this.kept !== null) {
      for (const push of this.kept) this.reply.raw(push)
      this.kept = null
    }
  }

  /**
   * redis resetClient, once a request is done — a command that ran, one refused before running
   * (unknown, wrong arity, ACL, cluster redirection…) or an empty one: CLIENT REPLY SKIP's skip is
   * used up (or begins after CLIENT REPLY SKIP itself); outside MULTI, ASKING lapses unless the
   * command was ASKING and CLIENT CACHING unless it was a CLIENT subcommand (for both, even one
   * refused for its arity).
   */
  private resetClient(): void {
    if (this.replyMode === REPLY_SKIP) this.replyMode = REPLY_ON
    else if (this.replyMode === REPLY_SKIP_NEXT) this.replyMode = REPLY_SKIP
    if (this.multi !== null) return
    const cmd = this.cmd
    if (this.asking && cmd?.name !== 'asking') this.asking = false
    if (this.tracking?.caching && !(cmd?.fullname?.startsWith('client|') ?? false)) this.tracking.caching = false
  }

  onData(chunk: Buffer): void {
    this.server.stats.netInputBytes += chunk.length
    this.server.stats.readsProcessed++
    this.parser.feed(chunk)
    noteRead(this, chunk.length, this.parser.pending)
    // redis sets lastinteraction once per read (readQueryFromClient), not per command.
    this.lastInteraction = this.server.clock.now()
    const pending = this.parser.pending
    // Both limits are >= 1mb (config min), so the config lookup only happens past that.
    if (pending > UNAUTH_QUERY_LIMIT && pending > (this.authRequired() ? UNAUTH_QUERY_LIMIT : this.server.config.int('client-query-buffer-limit'))) {
      // redis closes without a reply: "closing client that reached max query buffer length"
      this.server.log.warning(`Closing client that reached max query buffer length: id=${this.id} addr=${this.addr} qbuf=${pending}`)
      this.close()
      return
    }
    if (!this.paused) this.processInput()
    // redis beforeSleep: evictClients once the read's commands ran (maxmemory-clients)
    if (this.server.config.get('maxmemory-clients') !== '0') evictClients(this.server, this)
  }

  processInput(): void {
    this.processBatch()
    // a batch that held the replication stream (an atomic wait) releases it once it is done
    if (!this.paused || !this.atomicWait || this.closed) this.releaseStreamHold()
  }

  private releaseStreamHold(): void {
    if (!this.holdsStream) return
    this.holdsStream = false
    this.server.replication?.releaseStream()
  }

  private processBatch(): void {
    const evict = this.server.config.get('maxmemory-clients') !== '0'
    while (!this.closed && !this.paused && !this.closeAfterReply) {
      this.qbuf = this.parser.pending
      const argv = this.parser.next(this.authRequired())
      if (this.parser.emptyCommands !== 0) this.emptyCommands()
      if (argv === null) break
      if (argv instanceof ProtocolError) {
        this.server.log.verbose(`Protocol error (${argv.message}) from client: id=${this.id} addr=${this.addr}`)
        const mark = this.reply.size
        this.reply.error(argv.reply)
        // CLIENT REPLY OFF/SKIP drops it as any reply (still counted in the error stats)
        if (this.replyMode === REPLY_OFF || this.replyMode === REPLY_SKIP) this.reply.truncate(mark)
        this.closeAfterReply = true
        break
      }
      // redis processCommand: free clients over maxmemory-clients first (maybe this one)
      if (evict && evictClients(this.server, this)) return
      const muted = this.replyMode !== REPLY_ON
      const mark = this.reply.size
      // SYNC/PSYNC itself writes its +FULLRESYNC / +CONTINUE and the payload on the socket directly
      const wasReplica = this.replica !== null
      if (muted) this.inCommand = true
      const tracking = trackingClients !== 0
      if (tracking) trackingBegin(this)
      this.currentArgv = argv
      const res = dispatch(this, argv)
      this.currentArgv = null
      // (also when the command turned tracking on for the first client: tracking.ts enable)
      if (tracking || trackingClients !== 0) trackingEnd(this)
      if (res !== undefined) {
        this.paused = true
        if (!muted && this.replyMode === REPLY_ON && !this.atomicWait && !wasReplica) this.flush()
        if (this.atomicWait && !this.holdsStream && this.server.replication) {
          this.holdsStream = true
          this.server.replication.holdStream()
        }
        res.then(() => {
          this.atomicWait = false
          if (muted || this.replyMode !== REPLY_ON) this.replyDone(mark)
          this.resetClient()
          if (wasReplica && this.replicaReplied(mark)) return
          this.paused = false
          // processInput flushes this reply together with those of the commands that follow it
          // in the input already read (one socket write per batch, as Redis's beforeSleep does).
          this.processInput()
        })
        return
      }
      // after CLIENT REPLY OFF/SKIP dropped the reply (redis prepareClientToWrite refuses it first)
      if (muted || this.replyMode !== REPLY_ON) this.replyDone(mark)
      this.resetClient()
      if (wasReplica && this.replicaReplied(mark)) return
      // the reply outgrew the static buffer: check the output buffer limit before the next
      // command (a client over it gets nothing more: no reply, no further commands run)
      const size = this.reply.size
      if (size > this.rbSize && checkOutputLimit(this, true)) return
      if (size >= REPLY_SPILL) this.flush()
    }
    this.flush()
  }

  /** An empty command (*0, *-1, an empty inline line): no command ran, resetClient all the same. */
  private emptyCommands(): void {
    this.parser.emptyCommands = 0
    this.cmd = null
    this.resetClient()
  }

  /**
   * redis _addReplyToBufferOrList / addReplyDeferredLen: nothing is ever written back on a
   * replica's link (it carries the RDB and the stream), so a command there that produced a reply
   * is logged, its reply dropped and the replica freed (logInvalidUseAndFreeClientAsync).
   */
  private replicaReplied(mark: number): boolean {
    if (this.reply.size <= mark && !this.replicaReplyLogged) return false
    this.logReplicaReply()
    this.reply.truncate(mark)
    this.close()
    return true
  }

  /** lastCommand as redis's replica-link log lines name it (`<unknown>` before any lookup) */
  get lastCommandForLog(): string {
    return this.lastCommand === 'NULL' ? '<unknown>' : this.lastCommand
  }

  /** The warning of a replica's reply; an error reply logs it before its CRITICAL line, as Redis. */
  logReplicaReply(): void {
    if (this.replicaReplyLogged) return
    this.replicaReplyLogged = true
    this.server.log.warning(`Replica generated a reply to command '${this.lastCommandForLog}', disconnecting it: ${clientInfoLine(this.server, this, this)}`)
  }

  /** Write everything accumulated in one socket write. */
  flush(): void {
    const size = this.reply.size
    if (this.stalled) {
      if (size !== 0) this.reply.truncate(0)
      return
    }
    if (size !== 0) {
      if (this.socket !== null && size + this.socket.writableLength > this.rbSize && checkOutputLimit(this, true)) return
      const before = this.server.beforeReply
      for (let i = 0; i < before.length; i++) if (before[i](this)) return
      let out = this.reply.out
      let pieces: string[] | null = null
      if (this.reply.chunks === null) this.reply.out = ''
      else pieces = this.reply.takePieces()
      if (size > this.rbPeak) noteReply(this, size)
      if (this.socket && !this.closed) {
        this.server.stats.netOutputBytes += size
        this.server.stats.writesProcessed++
        if (pieces !== null) {
          out = pieces.pop()!
          for (const piece of pieces) this.socket.write(piece, 'latin1')
        }
        this.socket.write(out, 'latin1')
        if (!this.authenticated && this.socket.writableLength > UNAUTH_OUTPUT_LIMIT && this.authRequired()) this.close()
      }
    }
    if (this.closeAfterReply && this.socket && !this.closed) {
      if (size === 0 && this.socket.writableLength === 0) {
        // nothing written since the last write: redis never gets to close it (see `stalled`)
        this.stalled = true
        return
      }
      this.closed = true
      // Like redis's close() once the reply is written: further input is not read, so a client
      // still sending (a protocol desync) sees the connection reset, not a half-open socket.
      const sock = this.socket
      sock.end(() => sock.destroy())
      this.server.sessionClosed(this)
    }
  }

  /** For out-of-band writes (pub/sub messages, unblocked clients): flush once this turn. */
  flushSoon(): void {
    if (this.flushScheduled) return
    this.flushScheduled = true
    queueMicrotask(() => {
      this.flushScheduled = false
      this.flush()
    })
  }

  /** The command blocks (BLPOP and friends, WAIT): flag 'blocked', the wait starts. */
  block(): void {
    this.flags.add('blocked')
    this.blockedSince = performance.now()
  }

  /** The wait ends at `at` (performance.now(); a served waiter: when its serving began). */
  unblock(at = performance.now()): void {
    if (!this.flags.delete('blocked')) return
    this.blockedMs += at - this.blockedSince
  }

  close(): void {
    if (this.closed) return
    this.closed = true
    this.socket?.destroy()
    this.releaseStreamHold()
    this.server.sessionClosed(this)
  }
}

function fmtAddr(host: string | undefined, port: number | undefined): string {
  if (!host) return ''
  const h = host.startsWith('::ffff:') ? host.slice(7) : host
  return h.includes(':') ? `${h}:${port}` : `${h}:${port}`
}

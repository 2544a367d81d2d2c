// The node: listening sockets, sessions, databases, stats, the cron, and the hooks other
// runtime modules plug into (cluster verdicts, propagation for replication/AOF, key
// modification for blocking commands, guards, shutdown).
import {MAP_LIMIT} from './keyspace/big-map.js'
import net from 'node:net'
import tls, {createServer as tlsCreateServer} from 'node:tls'
import {AcceptedConnections, HeldAccepts, clientRefusal, TlsConfigError, tlsClusterChange, tlsConfigure, tlsWanted, type TlsContexts} from './tls.js'
import {chmodSync, statSync, unlinkSync} from 'node:fs'
import {EventEmitter} from 'node:events'
import {CommandTable} from './commands/index.js'
import type {ClusterHooks, CommandSpec, DebugSubcommand} from './commands/types.js'
import {ExpiryClock, systemClock, type Clock} from './clock.js'
import {logfilePath} from './log.js'
import {ConfigApplyError, NodeConfig} from './config.js'
import {installEncodingConfig, noteWrite} from './keyspace/encoding.js'
import {objectDebugSubcommands} from './commands/debug-objects.js'
import {clusterlinkStandalone, dropPacketFilterStandalone} from './cluster/debug.js'
import {isLocalPeer} from './protected.js'
import {configDebugSubcommands} from './config-rewrite.js'
import {installQueryBufferCron} from './querybuf.js'
import {installReplyBufferCron} from './replybuf.js'
import {installClientMemCron} from './clientmem.js'
import {Keyspace, type RedisValue} from './keyspace/keyspace.js'
import {reclaimFreed, freedAggregateBytes} from './memory/reclaim.js'
import {Logger, type LogLevel} from './log.js'
import {propagate} from './propagate.js'
import {PubSubHub} from './pubsub.js'
import {Session} from './session.js'
import {WatchTable} from './watch.js'
import type {Replication} from './replication/state.js'
import type {Scripting} from './scripting/scripting.js'
import {ShutdownRefused} from './errors.js'
import {signalShutdownOptions} from './process-configs.js'
import {isWritePaused, pauseClients, unpause} from './pause.js'
import {Acl} from './acl/acl.js'
import {Insight} from './insight.js'
import {installNotify} from './notify.js'

export {REDIS_VERSION} from './version.js'

export type PropagateHook = (dbIndex: number, argv: string[]) => void
/** valueWritten false: only the key's TTL, name or database changed (CommandContext.afterKeyChange). */
export type KeyModifiedHook = (dbIndex: number, key: string, valueWritten?: boolean) => void
/**
 * Called before a write runs, with the keys it may touch (dbIndex -1 / keys null: unknown or
 * every key, e.g. FLUSHALL): an RDB snapshot in progress saves their pre-images first.
 */
export type BeforeWriteHook = (dbIndex: number, keys: readonly string[] | null) => void
/** SHUTDOWN's modifiers (SIGTERM: none); hooks decide what to save from them. */
export interface ShutdownOptions {
  save?: boolean
  nosave?: boolean
  now?: boolean
  force?: boolean
}
export type ShutdownHook = (opts: ShutdownOptions) => Promise<void> | void

/** Return an error text to reject the command (e.g. READONLY on a replica, LOADING). */
export type CommandGuard = (s: Session, spec: CommandSpec, argv: string[]) => string | null

/** What redis prepareForShutdown logs for SHUTDOWN and for a signal's shutdown alike. */
const USER_SHUTDOWN = 'User requested shutdown...'

const PROTECTED_MODE_DENIED =
  "-DENIED Redis is running in protected mode because protected mode is enabled and no password is set for the default user. In this mode connections are only accepted from the loopback interface. If you want to connect from external computers to Redis you may adopt one of the following solutions: 1) Just disable protected mode sending the command 'CONFIG SET protected-mode no' from the loopback interface by connecting to Redis from the same host the server is running, however MAKE SURE Redis is not publicly accessible from internet if you do so. Use CONFIG REWRITE to make this change permanent. 2) Alternatively you can just disable the protected mode by editing the Redis configuration file, and setting the protected mode option to 'no', and then restarting the server. 3) If you started the server manually just for testing, restart it with the '--protected-mode no' option. 4) Setup a an authentication password for the default user. NOTE: You only need to do one of the above things in order for the server to start accepting connections from the outside.\r\n"

export interface NodeServerOptions {
  config?: NodeConfig
  clock?: Clock
  logger?: Logger
  /** A different command table (the Sentinel's); default: every command group. */
  commands?: CommandTable
  /** The most members one set, hash or sorted set holds (default V8's MAP_LIMIT; tests lower it). */
  memberLimit?: number
}

export class NodeServer extends EventEmitter {
  readonly config: NodeConfig
  readonly clock: Clock
  /** what key expiry compares against (frozen while a script runs) */
  readonly expiryClock: ExpiryClock
  readonly log: Logger
  readonly commands: CommandTable
  /** The most members one set, hash or sorted set holds (keyspace/member-limit.ts) */
  readonly memberLimit: number
  readonly pubsub = new PubSubHub()
  /** Users, permissions and the ACL log (src/node/acl). */
  readonly acl: Acl
  /** commandstats, errorstats, slowlog, latency monitor, MONITOR clients */
  readonly insight: Insight
  /** notify-keyspace-events as bits (src/node/notify.ts) */
  notifyFlags = 0
  cluster?: ClusterHooks
  /** Set before the data is loaded: the node comes up as a replica (keeps already-expired keys). */
  startsAsReplica = false
  readonly sessions = new Map<number, Session>()
  nextClientId = 1
  /** writes since the last save (redis server.dirty) */
  dirty = 0
  lastSaveTime: number
  readonly startTime: number
  readonly runId: string
  readonly propagateHooks: PropagateHook[] = []
  readonly keyModifiedHooks: KeyModifiedHook[] = []
  /** A key expired (lazily or actively): client tracking, keyspace notifications. */
  readonly keyExpiredHooks: KeyModifiedHook[] = []
  readonly beforeWriteHooks: BeforeWriteHook[] = []
  readonly guards: CommandGuard[] = []
  /** Run in order on SHUTDOWN/SIGTERM; a hook throwing ShutdownRefused cancels it unless FORCE. */
  readonly shutdownHooks: ShutdownHook[] = []
  /** Called from the server cron (hz times a second): save rules, AOF fsync, replication timers. */
  readonly cronHooks: (() => void)[] = []
  /** Installed by src/node/replication (always present on a running node). */
  replication?: Replication
  /** Installed by src/node/scripting (EVAL, FUNCTION). */
  scripting?: Scripting
  /** master_repl_offset as of the last propagated write (WAIT reads it per client) */
  replOffset = 0
  /**
   * The start-up load runs (redis server.loading, not async loading): commands without the
   * `loading` flag are refused with -LOADING, the server cron waits, SHUTDOWN saves nothing.
   */
  loading = false
  /**
   * redis server.loading as its shutdown sees it: the start-up load, or a replica loading its
   * master's payload as it arrives (not async loading): a signal then shuts down without saving.
   */
  get loadingForShutdown(): boolean {
    return this.loading || this.replication?.master?.loadingState() === 'sync'
  }
  /** true while a replica applies its master's stream (the AOF logs it; the stream proxies it) */
  replicationApplying = false
  private expireMode: 'master' | 'replica' = 'master'
  /** false while a replica applies its master's stream (databases created meanwhile inherit it) */
  private hideExpired = true
  private expiryFrozen = false
  /**
   * Run by Session.flush before a reply leaves the node. A hook that returns true holds the
   * reply and calls session.flush() again later: the AOF holds replies until the end of the
   * event-loop turn, then writes (and under appendfsync always, fsyncs) once for all of them.
   */
  readonly beforeReply: ((s: Session) => boolean)[] = []
  /** INFO persistence aof_* lines (the AOF module sets it). */
  aofInfo?: () => string[]
  /** DEBUG subcommands other modules add (the cluster's packet filters): lower-case name -> spec. */
  readonly debugSubcommands = new Map<string, DebugSubcommand>()
  /** Lines appended to INFO sections by other modules: section name (lower-case) -> provider. */
  readonly infoProviders = new Map<string, () => string[]>()
  stats = {
    totalConnections: 0,
    rejectedConnections: 0,
    totalCommands: 0,
    rejectedCalls: 0,
    netInputBytes: 0,
    netOutputBytes: 0,
    readsProcessed: 0,
    writesProcessed: 0,
    keyspaceHits: 0,
    keyspaceMisses: 0,
    evictedKeys: 0,
    /** INFO evicted_clients (maxmemory-clients, src/node/clientmem.ts) */
    evictedClients: 0,
    /** INFO total_eviction_exceeded_time: ms spent over maxmemory in finished periods (redis stat_total_eviction_exceeded_time) */
    evictionExceededMs: 0,
    /** when the current period over maxmemory began (performance.now()), 0 when none (redis stat_last_eviction_exceeded_time) */
    evictionExceededSince: 0,
    /** INFO lazyfreed_objects (src/node/keyspace/lazyfree.ts) */
    lazyfreedObjects: 0,
    /** INFO total_forks: background saves, AOF rewrites and replication snapshots started (each
     * one fork() in redis; here a save child, or an in-process copy-on-write snapshot for a full sync) */
    totalForks: 0,
  }
  /** EXECs running (redis server.in_exec): config hooks defer what cannot run inside a transaction */
  inExec = 0
  /** the last command started over maxmemory (scripts' deny-oom check, redis pre_command_oom_state) */
  preCommandOom = false
  /** LRU/LFU stamp for keyspace lookups (src/node/memory: set under an LRU/LFU policy, else null) */
  accessStamp: ((key: string, prev: number | undefined) => number) | null = null
  /** redis hasActiveChildProcess, kept by childStateChanged (persistence/rdb-save.ts) for the keyspaces */
  readonly childFlag = {active: false}
  /** Keyspace.sharedAccess of every database (memory/index.ts) */
  sharedAccess: Map<number, number> | null = null
  /** the access data are LFU counters (Keyspace.accessLfu) */
  accessLfu = false
  private readonly dbs: Keyspace[] = []
  private readonly watchers = new WatchTable((i) => this.db(i))
  private netServers: net.Server[] = []
  /** The bound `unixsocket` path, '' when none. */
  unixsocketPath = ''
  private cron?: NodeJS.Timeout
  private boundPort = 0
  /** the tls-port listeners (tls.ts) */
  private tlsServers: tls.Server[] = []
  /** the TLS listeners' TCP connections, from accept on: one still in its handshake is no session yet */
  private readonly tlsAccepted = new AcceptedConnections()
  private boundTlsPort = 0
  /** tls-cluster as the node started (the bus it listens on) */
  private tlsClusterAtStart = false
  /** the TLS contexts while TLS is in use (tls-port, tls-replication or tls-cluster), else null */
  tls: TlsContexts | null = null
  /** SHUTDOWN or a signal started the shutdown (a start-up load stops at its next break). */
  shuttingDown = false
  /** DEBUG SET-SKIP-CHECKSUM-VALIDATION 1: RESTORE payloads and RDB files load without their CRC checked. */
  skipChecksumValidation = false
  /** DEBUG PAUSE-CRON 1: the periodic cron does nothing (redis server.pause_cron). */
  cronPaused = false
  /**
   * Frozen as a stopped process is (a node sharing its process with others, src/node/host.ts:
   * SIGTSTP to its stub, DEBUG SLEEP): it reads nothing from its clients, bus and replication
   * links, accepts nobody, runs no cron; thawed, it goes on where it was. freezeHooks: the cluster
   * and replication layers' part.
   */
  get frozen(): boolean {
    return this.frozenBy.size > 0
  }
  /** why it is frozen: 'stop' (SIGTSTP until SIGCONT), 'sigstop' (its stub stopped), 'sleep' (DEBUG SLEEP) */
  private readonly frozenBy = new Set<string>()
  /** one of several nodes of a host process (src/node/host.ts): DEBUG SLEEP freezes it alone */
  hosted = false
  readonly freezeHooks: ((frozen: boolean) => void)[] = []
  private frozenSockets: net.Socket[] = []
  private readonly heldAccepts = new HeldAccepts()
  /**
   * A SIGTERM/SIGINT not yet acted on (redis server.shutdown_asap): the signal handler only
   * records it, the next cron tick runs the shutdown, SHUTDOWN ABORT can still clear it.
   */
  shutdownAsap: {signal: 'SIGTERM' | 'SIGINT'} | null = null
  /**
   * A shutdown waiting for lagging replicas (redis server.shutdown_mstime): when it gives up
   * waiting (server clock, ms); 0 = none. INFO shows shutdown_in_milliseconds meanwhile.
   */
  shutdownMstime = 0
  private shutdownOpts: ShutdownOptions = {}
  /** SHUTDOWN callers blocked until the pending shutdown ends (redis BLOCKED_SHUTDOWN). */
  private shutdownWaiters: ((ok: boolean) => void)[] = []

  constructor(opts: NodeServerOptions = {}) {
    super()
    this.config = opts.config ?? new NodeConfig()
    this.commands = opts.commands ?? new CommandTable()
    this.memberLimit = Math.min(opts.memberLimit ?? MAP_LIMIT, MAP_LIMIT)
    this.clock = opts.clock ?? systemClock
    this.expiryClock = new ExpiryClock(this.clock)
    this.log = opts.logger ?? new Logger()
    this.log.level = this.config.get('loglevel') as LogLevel
    // tls-port moves listeners (CONFIG SET's apply step, relistenTls); tls-auth-clients is read per connection
    this.config.onChange.push((name) => {
      if (name.startsWith('tls-') && name !== 'tls-port' && name !== 'tls-auth-clients') this.reconfigureTls()
    })
    if (!opts.logger) this.log.file = logfilePath(this.config)
    this.startTime = this.lastSaveTime = this.clock.now()
    this.insight = new Insight(this)
    installNotify(this)
    this.runId = Array.from({length: 40}, () => '0123456789abcdef'[Math.floor(Math.random() * 16)]).join('')
    this.acl = new Acl(this)
    this.config.onChange.push((name, value) => {
      if (name === 'loglevel') this.log.level = value as LogLevel
      if (name === 'requirepass') this.acl.updateDefaultPassword(value)
    })
    installEncodingConfig(this.config)
    this.keyModifiedHooks.push((db, key, valueWritten) => valueWritten !== false && noteWrite(this.db(db).peekAggregate(key)))
    for (const [name, sub] of objectDebugSubcommands()) this.debugSubcommands.set(name, sub)
    this.debugSubcommands.set('clusterlink', clusterlinkStandalone)
    this.debugSubcommands.set('drop-cluster-packet-filter', dropPacketFilterStandalone)
    for (const [name, sub] of configDebugSubcommands()) this.debugSubcommands.set(name, sub)
    installQueryBufferCron(this)
    installReplyBufferCron(this)
    installClientMemCron(this)
  }

  get clusterEnabled(): boolean {
    return this.config.bool('cluster-enabled')
  }

  db(i: number): Keyspace {
    let d = this.dbs[i]
    if (d === undefined) {
      d = this.dbs[i] = new Keyspace(this.expiryClock)
      d.expireEnabled = this.expireMode === 'master' && !this.expiryFrozen
      d.localExpires = this.expireMode === 'master' ? null : new Set()
      d.hideExpired = this.hideExpired && !this.expiryFrozen
      d.accessStamp = this.accessStamp
      d.childFlag = this.childFlag
      d.sharedAccess = this.sharedAccess
      d.accessLfu = this.accessLfu
      d.events.expired = (key) => this.keyExpired(i, key)
      d.readStats = this.stats
      this.emit('dbCreated', i, d)
    }
    return d
  }

  /** A replica does not expire keys itself (the master's DEL does); a master does. */
  setExpireMode(mode: 'master' | 'replica'): void {
    this.expireMode = mode
    for (const d of this.dbs) {
      if (!d) continue
      d.expireEnabled = mode === 'master' && !this.expiryFrozen
      if (mode === 'master') d.localExpires = null
      else d.localExpires ??= new Set()
    }
  }

  /**
   * While the AOF loads nothing expires and expired keys stay visible (redis keyIsExpired says
   * no while server.loading): `PEXPIREAT k <past>` then `RPUSH k x` extends the key.
   */
  freezeExpiry(on: boolean): void {
    this.expiryFrozen = on
    for (const d of this.dbs) {
      if (!d) continue
      d.expireEnabled = this.expireMode === 'master' && !on
      d.hideExpired = this.hideExpired && !on
    }
  }

  /** While a replica applies its master's stream, expired-but-not-yet-deleted keys are visible. */
  setHideExpired(hide: boolean): void {
    this.hideExpired = hide
    for (const d of this.dbs) if (d) d.hideExpired = hide && !this.expiryFrozen
  }

  /** Replace every database with the given ones (a replica's full sync), in one step. */
  replaceDatabases(next: Map<number, Keyspace>): void {
    this.beforeWrite(-1, null) // a snapshot in progress (BGSAVE, a sub-replica's sync) finishes first
    this.touchAllWatched(-1)
    for (let i = 0; i < this.dbs.length; i++) if (this.dbs[i] && !next.has(i)) this.dbs[i].flush()
    for (const [i, ks] of next) this.db(i).adopt(ks)
    this.dirty++
  }

  /** SWAPDB (redis dbSwapDatabases): watchers are touched as redis touchAllWatchedKeysInDb decides. */
  swapDatabases(a: number, b: number): void {
    this.beforeWrite(-1, null)
    const da = this.db(a)
    const dbb = this.db(b)
    this.touchAllWatched(a, b)
    this.touchAllWatched(b, a)
    da.swapWith(dbb)
    this.dirty++
  }

  /** Databases that exist (created lazily); index -> keyspace. */
  databases(): [number, Keyspace][] {
    const out: [number, Keyspace][] = []
    this.dbs.forEach((d, i) => d && out.push([i, d]))
    return out
  }

  get databaseCount(): number {
    return this.clusterEnabled ? 1 : this.config.int('databases')
  }

  // ---- the write path --------------------------------------------------------------------

  /** Copy-on-write point for snapshots (src/node/persistence/snapshot.ts); cheap when none runs. */
  beforeWrite(dbIndex: number, keys: readonly string[] | null): void {
    const hooks = this.beforeWriteHooks
    if (hooks.length === 0) return
    // Copy: a hook may unregister itself (its snapshot finished) while we iterate.
    for (const h of hooks.length === 1 ? hooks : hooks.slice()) h(dbIndex, keys)
  }

  keyModified(dbIndex: number, key: string, changes = 1, valueWritten = true): void {
    this.dirty += changes
    if (this.watchers.size !== 0) this.watchers.touch(dbIndex, key)
    for (let i = 0; i < this.keyModifiedHooks.length; i++) this.keyModifiedHooks[i](dbIndex, key, valueWritten)
  }

  private keyExpired(dbIndex: number, key: string): void {
    if (this.watchers.size !== 0) this.watchers.touch(dbIndex, key)
    for (let i = 0; i < this.keyExpiredHooks.length; i++) this.keyExpiredHooks[i](dbIndex, key)
    // redis propagates expirations as DEL so replicas and the AOF stay consistent.
    propagate(this, dbIndex, ['DEL', key])
  }

  /** WATCH (redis watchForKey); the table lives in watch.ts. */
  watch(s: Session, dbIndex: number, key: string): void {
    this.watchers.watch(s, dbIndex, key)
  }

  unwatchAll(s: Session): void {
    this.watchers.unwatchAll(s)
  }

  /** FLUSHDB/FLUSHALL (dbIndex -1: every db), SWAPDB and full syncs: see WatchTable.touchAll. */
  touchAllWatched(dbIndex: number, replacedWith = -1): void {
    if (replacedWith === -1) this.emit('flush', dbIndex) // client tracking: every tracking client gets a null invalidation
    this.watchers.touchAll(dbIndex, replacedWith)
  }

  registerCommands(specs: CommandSpec[]): void {
    this.commands.register(specs)
  }

  // ---- networking ------------------------------------------------------------------------

  /** Bind every address of `bind` ("-addr" = optional). Resolves with the bound port. */
  async listen(): Promise<{host: string; port: number}> {
    let port = this.config.int('port')
    const tlsPort = this.config.int('tls-port')
    this.prepareTls()
    let first: string | undefined
    // port 0 picks a free port (embedding, tests) unless there is a TLS port: then, as in redis,
    // it means no plain TCP listener (`--port 0 --tls-port 6380`: TLS only)
    if (!(port === 0 && tlsPort !== 0)) {
      try {
        const bound = await this.bindTcp(port)
        port = bound.port
        first = bound.host
      } catch (e) {
        // redis initServer: the line supervisors and Redis's test harness read ("Failed listening
        // on port" makes it retry with another port).
        this.log.warning(`Failed listening on port ${port} (TCP), aborting.`)
        throw e
      }
    }
    if (tlsPort !== 0) {
      try {
        const bound = await this.bindTcp(tlsPort, false, true)
        this.boundTlsPort = bound.port
        first ??= bound.host
      } catch (e) {
        this.log.warning(`Failed listening on port ${tlsPort} (TLS), aborting.`)
        throw e
      }
    }
    // `bind ""`: no TCP listener (the unixsocket serves, as with redis-server)
    const noTcp = this.config.get('bind').trim() === '' && this.config.get('unixsocket') !== ''
    if (first === undefined && !noTcp) throw new Error(`Could not bind to any of: ${this.config.get('bind')}`)
    first ??= '127.0.0.1'
    this.boundPort = port
    this.config.set('port', String(port))
    if (this.config.get('unixsocket') !== '') await this.listenUnix(this.config.get('unixsocket'))
    this.cron = setInterval(() => this.serverCron(), Math.max(10, 1000 / this.config.int('hz')))
    this.cron.unref()
    return {host: first, port}
  }

  /**
   * The TLS contexts at start-up, when TLS is in use (redis initServer's tlsConfigure): before the
   * listeners, and before a cluster node's bus (startNode calls it first then). Idempotent.
   */
  prepareTls(): void {
    this.tlsClusterAtStart = this.config.bool('tls-cluster')
    if (this.tls !== null || !tlsWanted(this.config)) return
    try {
      this.tls = tlsConfigure(this.config, this.log)
    } catch (e) {
      // redis initServer: the reason is the line tlsConfigure logged before
      if (e instanceof TlsConfigError) this.log.warning('Failed to configure TLS. Check logs for more info.')
      throw e
    }
  }

  /** redis listenToPort: every `bind` address on `port`, all or nothing (`secure`: TLS listeners).
   * Port 0 picks a free port at start-up (embedding, tests) and means no TCP listener on CONFIG
   * SET (as in Redis). */
  private async bindTcp(port: number, zeroIsNone = false, secure = false): Promise<{host?: string; port: number; servers: net.Server[]}> {
    const servers: net.Server[] = []
    let first: string | undefined
    if (port === 0 && zeroIsNone) return {port, servers}
    for (const raw of this.config.get('bind').split(/\s+/).filter(Boolean)) {
      const optional = raw.startsWith('-')
      const addr = optional ? raw.slice(1) : raw
      const host = addr === '*' ? '0.0.0.0' : addr
      try {
        const srv = await this.listenOne(host === '::*' ? '::' : host, port, secure)
        servers.push(srv)
        port = (srv.address() as net.AddressInfo).port
        // a wildcard listener is reached through loopback (what callers connect to)
        first ??= host === '0.0.0.0' ? '127.0.0.1' : host === '::*' ? '::1' : host
      } catch (e) {
        if (optional) continue
        this.log.warning(`Warning: Could not create server ${secure ? 'TLS' : 'TCP'} listening socket ${addr}:${port}: bind: ${(e as Error).message}`)
        await closeListeners(servers)
        this.netServers = this.netServers.filter((l) => !servers.includes(l))
        this.tlsServers = this.tlsServers.filter((l) => !servers.includes(l))
        throw e
      }
    }
    return {host: first, port, servers}
  }

  /**
   * CONFIG SET port / bind: listen as the config now says. A new port is bound before the old
   * listeners close (redis changeListenPort); new bind addresses after they closed (changeBindAddr).
   * Throws when something cannot be bound; the caller restores the old values and calls it again.
   */
  async relisten(closeFirst: boolean): Promise<void> {
    const old = this.netServers.filter((l) => typeof l.address() !== 'string')
    const drop = async () => {
      this.netServers = this.netServers.filter((l) => !old.includes(l))
      await closeListeners(old)
    }
    if (closeFirst) await drop()
    const bound = await this.bindTcp(this.config.int('port'), true)
    if (!closeFirst) await drop()
    this.boundPort = bound.port
    this.emit('relisten', this.boundPort)
  }

  get port(): number {
    return this.boundPort
  }

  /** The TLS port listened on (0: none). */
  get tlsPort(): number {
    return this.boundTlsPort
  }

  /**
   * CONFIG SET tls-port (redis applyTLSPort): TLS configured if it was not, then the new port bound
   * before the old listeners close; 0 closes them. Throws ConfigError-worded reasons.
   */
  async relistenTls(closeFirst = false): Promise<void> {
    const port = this.config.int('tls-port')
    if (port !== 0 && this.tls === null) {
      try {
        this.tls = tlsConfigure(this.config, this.log)
      } catch {
        throw new Error('Unable to update TLS configuration. Check server logs.')
      }
    }
    // new bind addresses on the same port: the old listeners close first (redis changeBindAddr)
    const old = [...this.tlsServers]
    if (closeFirst) {
      this.tlsServers = []
      await closeListeners(old)
    }
    let bound: {port: number; servers: net.Server[]}
    try {
      bound = await this.bindTcp(port, true, true)
    } catch {
      throw new Error('Unable to listen on this port. Check server logs.')
    }
    if (!closeFirst) {
      this.tlsServers = this.tlsServers.filter((l) => !old.includes(l))
      await closeListeners(old)
    }
    this.boundTlsPort = bound.port
    if (!tlsWanted(this.config)) this.tls = null
    this.emit('relistenTls', this.boundTlsPort)
  }

  /** CONFIG SET of a TLS file or option (redis applyTlsCfg): the contexts built again while TLS is in use. */
  private reconfigureTls(): void {
    const refused = tlsClusterChange(this.config, this.tlsClusterAtStart)
    if (refused !== null) throw new ConfigApplyError(refused)
    if (!tlsWanted(this.config)) {
      this.tls = null
      return
    }
    try {
      this.tls = tlsConfigure(this.config, this.log)
    } catch (e) {
      if (e instanceof TlsConfigError) throw new ConfigApplyError('Unable to update TLS configuration. Check server logs.')
      throw e
    }
    for (const srv of this.tlsServers) srv.setSecureContext(this.tls.server)
  }

  /** The `unixsocket` listener (redis anetUnixServer: a stale socket file is replaced; mode from
   * `unixsocketperm`, octal, when not 0). Its clients show `addr=<path>:0` like Redis's. */
  private listenUnix(path: string): Promise<void> {
    try {
      if (statSync(path).isSocket()) unlinkSync(path)
    } catch {
      // no stale socket
    }
    return new Promise((resolve, reject) => {
      const srv = net.createServer({noDelay: true}, (sock) => this.accept(sock))
      srv.once('error', (e) => {
        this.log.warning(`Failed opening Unix socket: ${e.message}`)
        reject(e)
      })
      srv.listen({path, backlog: this.config.int('tcp-backlog')}, () => {
        srv.removeAllListeners('error')
        srv.on('error', (e) => this.log.warning(`Listener error: ${e.message}`))
        const perm = parseInt(this.config.get('unixsocketperm'), 8)
        if (perm > 0) chmodSync(path, perm)
        this.unixsocketPath = path
        this.netServers.push(srv)
        resolve()
      })
    })
  }

  private listenOne(host: string, port: number, secure = false): Promise<net.Server> {
    return new Promise((resolve, reject) => {
      const srv = secure ? tlsCreateServer(this.tls!.server, (sock) => this.acceptTls(sock)) : net.createServer({noDelay: true}, (sock) => this.accept(sock))
      if (secure) {
        srv.on('tlsClientError', (e) => this.log.verbose(`Error accepting a client connection: ${e.message}`))
        // redis acceptCommonHandler refuses before the handshake: its error cannot be written on a
        // TLS connection not yet set up, so the client sees the connection end (an I/O error)
        srv.on('connection', (raw: net.Socket) => {
          this.tlsAccepted.add(raw)
          if (this.sessions.size < this.config.int('maxclients')) return
          this.stats.rejectedConnections++
          raw.destroy()
        })
      }
      srv.once('error', reject)
      srv.listen({host, port, backlog: this.config.int('tcp-backlog'), ipv6Only: host.includes(':')}, () => {
        srv.off('error', reject)
        srv.on('error', (e) => this.log.warning(`Listener error: ${e.message}`))
        if (secure) this.tlsServers.push(srv as tls.Server)
        else this.netServers.push(srv)
        resolve(srv)
      })
    })
  }

  /** A TLS client whose handshake completed: tls-auth-clients decides, then it is a client as any. */
  private acceptTls(sock: tls.TLSSocket): void {
    const refused = clientRefusal(sock, this.config.get('tls-auth-clients'))
    if (refused !== null) {
      this.log.verbose(`Error accepting a client connection: ${refused}`)
      sock.destroy()
      return
    }
    this.accept(sock)
  }

  private accept(sock: net.Socket): void {
    // a stopped process accepts nobody: the connection waits (as in the listen backlog)
    if (this.frozen) return this.heldAccepts.hold(sock, (s) => this.accept(s))
    sock.setNoDelay(true)
    // a refused connection (maxclients, protected mode) may be reset by its peer before it is
    // closed: without a listener that error would end the process
    sock.on('error', () => undefined)
    if (this.sessions.size >= this.config.int('maxclients')) {
      sock.end('-ERR max number of clients reached\r\n')
      this.stats.rejectedConnections++
      return
    }
    if (this.config.bool('protected-mode') && this.acl.defaultUser.nopass && !isLocalPeer(sock.remoteAddress)) {
      sock.end(PROTECTED_MODE_DENIED)
      this.stats.rejectedConnections++
      return
    }
    const s = new Session(this, sock)
    this.sessions.set(s.id, s)
    this.stats.totalConnections++
    sock.on('data', (chunk: Buffer) => s.onData(chunk))
    sock.on('error', () => s.close())
    sock.on('close', () => s.close())
  }

  /** Called by Session.close: drop subscriptions, watches, and the session itself. */
  sessionClosed(s: Session): void {
    this.sessions.delete(s.id)
    this.pubsub.removeSession(s)
    this.unwatchAll(s)
    this.emit('sessionClosed', s)
  }

  /** Freeze or thaw the node for `reason` (see `frozen`): it thaws once no reason is left. */
  freeze(reason: string, on: boolean): void {
    const was = this.frozen
    if (on) this.frozenBy.add(reason)
    else this.frozenBy.delete(reason)
    on = this.frozen
    if (was === on) return
    if (on) {
      // only the sockets that were flowing: a session's own pause (none today) stays
      for (const s of this.sessions.values()) {
        const sock = s.socket
        if (sock && !sock.isPaused()) {
          sock.pause()
          this.frozenSockets.push(sock)
        }
      }
    } else {
      for (const sock of this.frozenSockets.splice(0)) if (!sock.destroyed) sock.resume()
    }
    for (const h of this.freezeHooks) h(on)
    if (!on) this.heldAccepts.release()
  }

  private serverCron(): void {
    if (this.cronPaused || this.frozen) return
    // While loading this is redis's whileBlockedCron between chunks: it acts on a pending signal
    // (shutdown() saves nothing then) and does nothing else.
    if (this.shutdownAsap && !this.shuttingDown && this.shutdownMstime === 0) this.shutdownFromSignal(this.shutdownAsap.signal)
    else if (this.shutdownMstime !== 0 && !this.shuttingDown && (this.clock.now() >= this.shutdownMstime || this.replicasInSync())) void this.finishPendingShutdown()
    if (this.loading) return
    const t0 = performance.now()
    let freed = 0
    const onFreed = this.config.bool('lazyfree-lazy-expire') ? undefined : (v: RedisValue) => void (freed += freedAggregateBytes(v))
    // redis activeExpireCycle: 25% of the cron period, +2 points and 1 point less tolerated stale
    // keys per active-expire-effort step above 1
    const effort = this.config.int('active-expire-effort') - 1
    const deadline = t0 + (Math.max(10, 1000 / this.config.int('hz')) * (25 + 2 * effort)) / 100
    for (const [, d] of this.databases()) d.activeExpireCycle(deadline, 10 - effort, onFreed)
    reclaimFreed(this, freed)
    // redis activeExpireCycle: the whole cycle is one latency sample (LATENCY LATEST expire-cycle)
    if (this.insight.latencyThreshold !== 0) this.insight.latencySample('expire-cycle', Math.floor(performance.now() - t0))
    for (const h of this.cronHooks) {
      try {
        h()
      } catch (e) {
        this.log.warning(`Error in server cron: ${(e as Error).stack ?? e}`)
      }
    }
    const timeout = this.config.int('timeout')
    if (timeout > 0) {
      const now = this.clock.now()
      for (const s of this.sessions.values()) {
        if (s.subscriptionCount() === 0 && !s.flags.has('blocked') && !s.flags.has('replica') && !s.fromMaster && now - s.lastInteraction > timeout * 1000) s.close()
      }
    }
  }

  /** Stop listening and drop every client (no shutdown hooks: see shutdown()). */
  async close(): Promise<void> {
    if (this.cron) clearInterval(this.cron)
    const closing = [...this.netServers, ...this.tlsServers].map((l) => new Promise<void>((r) => l.close(() => r())))
    for (const s of [...this.sessions.values()]) s.close()
    // a TLS listener's close callback waits for its connections, handshakes in progress too (they
    // would become sessions after this): dropped as redis drops every connection when it exits
    this.tlsAccepted.dropAll()
    this.netServers = []
    this.tlsServers = []
    await Promise.all(closing)
  }

  /**
   * SHUTDOWN / SIGTERM (redis prepareForShutdown): unless NOW, with shutdown-timeout > 0 and a
   * replica that has not acknowledged the whole stream, the shutdown waits for them (writes
   * paused, a GETACK sent; the cron finishes it once they are in sync or the timeout passes) and
   * the caller waits with it. Then finishShutdown: run the shutdown hooks (persistence saves,
   * cluster saves nodes.conf) and close. Resolves false when a hook refused (the final save
   * failed, the initial AOF is still being written; FORCE not given) or SHUTDOWN ABORT cancelled
   * the wait: the node keeps running.
   */
  async shutdown(reason: string | null = USER_SHUTDOWN, opts: ShutdownOptions = {}): Promise<boolean> {
    if (this.shuttingDown) return true
    // redis isShutdownInitiated: a second SHUTDOWN blocks with the first
    if (this.shutdownMstime !== 0) return new Promise((res) => this.shutdownWaiters.push(res))
    // redis shutdownCommand / the loading cron: never save a half-loaded dataset over the file
    if (this.loadingForShutdown) opts = {...opts, save: false, nosave: true}
    if (reason !== null) this.log.warning(reason)
    const timeout = this.config.int('shutdown-timeout')
    if (!opts.now && timeout !== 0 && !this.replicasInSync()) {
      this.shutdownOpts = opts
      this.shutdownMstime = this.clock.now() + timeout * 1000
      if (!isWritePaused(this)) this.replication?.sendGetAck()
      pauseClients(this, 'shutdown', Number.MAX_SAFE_INTEGER, 'write')
      this.log.notice('Waiting for replicas before shutting down.')
      return new Promise((res) => this.shutdownWaiters.push(res))
    }
    return this.finishShutdown(opts)
  }

  /** redis isReadyToShutdown: every replica acknowledged the whole replication stream. */
  private replicasInSync(): boolean {
    return this.replication?.replicasInSync() ?? true
  }

  private async finishPendingShutdown(): Promise<void> {
    const ok = await this.finishShutdown(this.shutdownOpts)
    const waiters = this.shutdownWaiters.splice(0)
    for (const w of waiters) w(ok)
  }

  /** redis cancelShutdown: blocked SHUTDOWN callers get their error, writes resume. */
  private cancelShutdown(): void {
    this.shutdownAsap = null
    this.shutdownOpts = {}
    this.shutdownMstime = 0
    for (const w of this.shutdownWaiters.splice(0)) w(false)
    unpause(this, 'shutdown')
  }

  /** SHUTDOWN ABORT (redis abortShutdown): false when no shutdown was pending or requested. */
  abortShutdown(): boolean {
    if (this.shutdownMstime !== 0) this.cancelShutdown()
    else if (this.shutdownAsap) this.shutdownAsap = null
    else return false
    this.log.notice('Shutdown manually aborted.')
    return true
  }

  /** redis finishShutdown. */
  private async finishShutdown(opts: ShutdownOptions): Promise<boolean> {
    this.shuttingDown = true
    this.replication?.logShutdownSync()
    for (const h of this.shutdownHooks) {
      try {
        await h(opts)
      } catch (e) {
        if (e instanceof ShutdownRefused && !opts.force) {
          this.log.warning('Errors trying to shut down the server. Check the logs for more information.')
          this.shuttingDown = false
          this.cancelShutdown()
          return false
        }
        this.log.warning(`Error during shutdown: ${(e as Error).message}`)
      }
    }
    if (this.cluster?.shutdown) await this.cluster.shutdown()
    this.shutdownAsap = null
    await this.close()
    this.log.warning('Redis is now ready to exit, bye bye...')
    this.emit('shutdown')
    return true
  }

  /** serverCron's shutdown_asap branch: prepareForShutdown with the flags the signal implies. */
  private shutdownFromSignal(signal: 'SIGTERM' | 'SIGINT'): void {
    void this.shutdown(USER_SHUTDOWN, signalShutdownOptions(this, signal)).then((ok) => {
      if (ok) return
      // The final save failed: keep running (a second signal retries).
      this.log.warning(`${signal} received but errors trying to shut down the server, check the logs for more information`)
      this.shutdownAsap = null
    })
  }
}

/** Stop accepting on these listeners; their connections stay (net.Server's close callback would
 * wait for them to end). */
function closeListeners(list: net.Server[]): Promise<void> {
  for (const l of list) l.close()
  return Promise.resolve()
}


// The Sentinel state (sentinel.c `struct sentinelState`): monitored masters with their
// replicas and fellow Sentinels, the epoch, TILT, announce settings, timing parameters
// (SENTINEL DEBUG), events (log + Pub/Sub on the Sentinel's own port) and the timer that
// drives monitor.ts and failover.ts. Config loading/rewriting is in config.ts.
import {spawn} from 'node:child_process'
import {randomBytes} from 'node:crypto'
import type {NodeServer} from '../server.js'
import {F, FS, addrEqual, addrEqualsHost, announceAddr, slaveName, type Addr, type Instance, type Kind} from './instance.js'
import {resolveCached} from './resolve.js'
import {Link} from './link.js'
import {handleInstance, refreshLinks} from './monitor.js'
import {switchToPromoted} from './failover.js'

export type Level = 'debug' | 'verbose' | 'notice' | 'warning'

/** Timing parameters (ms) SENTINEL DEBUG shows and changes; names as redis prints them. */
export const DEFAULT_TIMINGS = {
  'info-period': 10000,
  'ping-period': 1000,
  'ask-period': 1000,
  'publish-period': 2000,
  'default-down-after': 30000,
  'default-failover-timeout': 180000,
  'tilt-trigger': 2000,
  'tilt-period': 30000,
  'slave-reconf-timeout': 10000,
  'min-link-reconnect-period': 15000,
  'election-timeout': 10000,
  'script-max-runtime': 60000,
  'script-retry-delay': 30000,
}
export type Timings = typeof DEFAULT_TIMINGS


export class SentinelError extends Error {}

export class Sentinel {
  myid = randomBytes(20).toString('hex')
  currentEpoch = 0
  readonly masters = new Map<string, Instance>()
  tilt = false
  tiltStartTime = 0
  previousTime = Date.now()
  announceIp = ''
  announcePort = 0
  resolveHostnames = false
  announceHostnames = false
  denyScriptsReconfig = true
  sentinelUser = ''
  sentinelPass = ''
  simFailure = {crashAfterElection: false, crashAfterPromotion: false}
  readonly t: Timings = {...DEFAULT_TIMINGS}
  /** Persist the state (config.ts installs it); returns false when the write failed. */
  flushConfig: () => boolean = () => true
  private timer?: NodeJS.Timeout
  private stopped = false

  /** The server answering clients (set right after construction: it needs our command table). */
  server!: NodeServer

  now(): number {
    return Date.now()
  }

  // ---- events ----------------------------------------------------------------------------

  /**
   * sentinelEvent: log it and publish it on the channel named after the event. With an
   * instance the message starts "<type> <name> <ip> <port>" (+ "@ <master> <ip> <port>").
   */
  event(level: Level, type: string, ri: Instance | null, rest = '', withAddr = true): void {
    let msg = ''
    if (ri && withAddr) {
      msg = `${ri.kind} ${ri.name} ${announceAddr(this, ri)} ${ri.port}`
      if (ri.master) msg += ` @ ${ri.master.name} ${announceAddr(this, ri.master)} ${ri.master.port}`
      if (rest) msg += ` ${rest}`
    } else msg = rest
    this.server.log.log(level, `${type} ${msg}`)
    if (level !== 'debug') this.server.pubsub.deliver(type, msg)
    const master = ri ? (ri.kind === 'master' ? ri : ri.master) : null
    if (level === 'warning' && master?.notificationScript) this.runScript(master.notificationScript, [type, msg])
  }

  /** client-reconfig-script <master> <leader|observer> <state> <from-ip> <from-port> <to-ip> <to-port> */
  clientReconfScript(m: Instance, role: 'leader' | 'observer', from: Addr, to: Addr): void {
    if (m.clientReconfigScript) this.runScript(m.clientReconfigScript, [m.name, role, 'start', announceAddr(this, from), String(from.port), announceAddr(this, to), String(to.port)])
  }

  /** Scripts run detached with no inherited descriptors (redis: fork + execve, up to 16 at once). */
  runScript(path: string, args: string[]): void {
    if (this.runningScripts >= 16) return
    try {
      const child = spawn(path, args, {stdio: 'ignore', detached: false})
      this.runningScripts++
      const timer = setTimeout(() => child.kill('SIGKILL'), this.t['script-max-runtime'])
      timer.unref()
      child.on('error', () => undefined)
      child.on('exit', (code, signal) => {
        clearTimeout(timer)
        this.runningScripts--
        if (code !== 0 || signal) this.server.log.warning(`-script-error ${path} ${signal ? 1 : 0} ${code ?? 0}`)
      })
    } catch (e) {
      this.server.log.warning(`-script-error ${path}: ${(e as Error).message}`)
    }
  }
  runningScripts = 0

  // ---- instances -------------------------------------------------------------------------

  createInstance(kind: Kind, name: string | null, host: string, port: number, quorum: number, master: Instance | null): Instance {
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new SentinelError('Invalid port number.')
    if (!this.resolveHostnames && !isIpAddress(host)) throw new SentinelError("Can't resolve instance hostname.")
    // createSentinelAddr(..., accept_unresolved): a name not resolved yet gets its IP later.
    const ip = isIpAddress(host) ? host : (resolveCached(host) ?? '')
    const table = kind === 'master' ? this.masters : kind === 'slave' ? master!.slaves : master!.sentinels
    const key = kind === 'slave' ? slaveName(announceAddr(this, {host, ip, port}), port) : name!
    if (table.has(key)) throw new SentinelError(kind === 'master' ? 'Duplicate master name.' : kind === 'slave' ? 'Duplicate hostname and port for replica.' : 'Duplicate runid for sentinel.')
    const now = this.now()
    const ri: Instance = {
      kind,
      flags: kind === 'master' ? F.MASTER : kind === 'slave' ? F.SLAVE : F.SENTINEL,
      name: key,
      host,
      ip,
      port,
      runid: null,
      configEpoch: 0,
      master,
      link: new Link(now),
      lastPubTime: now,
      lastHelloTime: now,
      lastMasterDownReplyTime: now,
      sDownSince: 0,
      oDownSince: 0,
      downAfter: master ? master.downAfter : this.t['default-down-after'],
      masterRebootDownAfter: 0,
      masterRebootSince: 0,
      masterLinkDownTime: 0,
      authPass: null,
      authUser: null,
      slavePriority: 100,
      replicaAnnounced: true,
      slaveReconfSentTime: 0,
      slaveMasterHost: null,
      slaveMasterPort: 0,
      slaveMasterLinkUp: false,
      slaveReplOffset: 0,
      sentinels: new Map(),
      slaves: new Map(),
      quorum,
      parallelSyncs: 1,
      leader: null,
      leaderEpoch: 0,
      failoverEpoch: 0,
      failoverState: FS.NONE,
      failoverStateChangeTime: 0,
      failoverStartTime: 0,
      failoverTimeout: this.t['default-failover-timeout'],
      failoverDelayLogged: 0,
      promoted: null,
      notificationScript: null,
      clientReconfigScript: null,
      info: null,
      infoRefresh: 0,
      roleReported: kind === 'slave' ? 'slave' : 'master',
      roleReportedTime: now,
      slaveConfChangeTime: now,
      renamedCommands: new Map(),
    }
    table.set(key, ri)
    return ri
  }

  releaseInstance(ri: Instance): void {
    ri.link.closeConnection()
    for (const s of ri.slaves.values()) this.releaseInstance(s)
    for (const s of ri.sentinels.values()) this.releaseInstance(s)
  }

  removeMaster(name: string): boolean {
    const m = this.masters.get(name)
    if (!m) return false
    this.masters.delete(name)
    this.releaseInstance(m)
    return true
  }

  /** Lookup by address (and run id when given): getSentinelRedisInstanceByAddrAndRunID. */
  findByAddrAndRunid(table: Map<string, Instance>, host: string | null, port: number, runid: string | null): Instance | undefined {
    for (const ri of table.values()) {
      if (runid !== null && ri.runid !== runid) continue
      if (host !== null && !addrEqualsHost(ri, host, port)) continue
      return ri
    }
    return undefined
  }

  removeSentinelByRunid(master: Instance, runid: string): number {
    let n = 0
    for (const [k, ri] of master.sentinels) {
      if (ri.runid === runid) {
        master.sentinels.delete(k)
        this.releaseInstance(ri)
        n++
      }
    }
    return n
  }

  /** sentinelResetMaster: forget replicas (and Sentinels unless keepSentinels), failover state. */
  resetMaster(m: Instance, keepSentinels: boolean, generateEvent: boolean): void {
    for (const s of m.slaves.values()) this.releaseInstance(s)
    m.slaves.clear()
    if (!keepSentinels) {
      for (const s of m.sentinels.values()) this.releaseInstance(s)
      m.sentinels.clear()
    }
    m.link.closeConnection()
    const now = this.now()
    m.flags &= F.MASTER
    m.leader = null
    m.failoverState = FS.NONE
    m.failoverStateChangeTime = 0
    m.failoverStartTime = 0
    m.promoted = null
    m.runid = null
    m.slaveMasterHost = null
    m.link.actPingTime = now
    m.link.lastPingTime = 0
    m.link.lastAvailTime = now
    m.link.lastPongTime = now
    m.roleReportedTime = now
    m.roleReported = 'master'
    if (generateEvent) this.event('warning', '+reset-master', m)
  }

  resetMastersByPattern(pattern: string, match: (p: string, s: string) => boolean): number {
    let n = 0
    for (const m of this.masters.values()) {
      if (match(pattern, m.name)) {
        this.resetMaster(m, false, true)
        n++
      }
    }
    return n
  }

  /** +switch-master: the master keeps its name, moves to host:port; replicas (and the old master) are re-added. */
  resetMasterAndChangeAddress(m: Instance, host: string, port: number): void {
    const next: Addr = {host, ip: isIpAddress(host) ? host : (resolveCached(host) ?? ''), port}
    const addrs: [string, number][] = []
    for (const s of m.slaves.values()) if (!addrEqual(s, next)) addrs.push([s.host, s.port])
    if (!addrEqual(m, next)) addrs.push([m.host, m.port])
    this.resetMaster(m, true, false)
    m.host = host
    m.ip = next.ip
    m.port = port
    // The link now points at a different instance: connect to it on the next tick instead of
    // waiting out the reconnect period of the old (usually dead) address. resetMaster restarted
    // the PING clock (act-ping-time = now), so a connection delayed by up to a ping period left
    // the new master's first PONG racing down-after-milliseconds, and a lost race (+sdown, then
    // +odown from the other Sentinels' still-fresh master-down replies) failed over the master
    // that had just been promoted.
    m.link.lastReconnTime = 0
    m.oDownSince = 0
    m.sDownSince = 0
    for (const [h, p] of addrs) {
      try {
        const s = this.createInstance('slave', null, h, p, m.quorum, m)
        this.event('notice', '+slave', s)
      } catch {
        /* duplicate */
      }
    }
    this.flushConfig()
  }

  // ---- the timer ---------------------------------------------------------------------------

  start(): void {
    for (const m of this.masters.values()) this.event('warning', '+monitor', m, `quorum ${m.quorum}`)
    const tick = () => {
      if (this.stopped) return
      try {
        this.timerTick()
      } catch (e) {
        this.server.log.warning(`Sentinel timer error: ${(e as Error).stack ?? e}`)
      }
      // redis changes hz to 10 + rand(10) each run so Sentinels drift apart (no split votes forever).
      this.timer = setTimeout(tick, Math.floor(1000 / (10 + Math.floor(Math.random() * 10))))
    }
    this.previousTime = this.now()
    this.timer = setTimeout(tick, 100)
  }

  stop(): void {
    this.stopped = true
    if (this.timer) clearTimeout(this.timer)
    for (const m of this.masters.values()) this.releaseInstance(m)
  }

  private checkTilt(): void {
    const now = this.now()
    const delta = now - this.previousTime
    if (delta < 0 || delta > this.t['tilt-trigger']) {
      this.tilt = true
      this.tiltStartTime = now
      this.event('warning', '+tilt', null, '#tilt mode entered')
    }
    this.previousTime = now
  }

  timerTick(): void {
    this.checkTilt()
    this.handleDict(this.masters)
  }

  private handleDict(instances: Map<string, Instance>): void {
    let switchTo: Instance | null = null
    for (const ri of [...instances.values()]) {
      refreshLinks(this, ri)
      handleInstance(this, ri)
      if (ri.flags & F.MASTER) {
        this.handleDict(ri.slaves)
        this.handleDict(ri.sentinels)
        if (ri.failoverState === FS.UPDATE_CONFIG) switchTo = ri
      }
    }
    if (switchTo) switchToPromoted(this, switchTo)
  }
}

export function isIpAddress(host: string): boolean {
  return /^\d{1,3}(\.\d{1,3}){3}$/.test(host) || (host.includes(':') && /^[0-9a-fA-F:.]+$/.test(host))
}

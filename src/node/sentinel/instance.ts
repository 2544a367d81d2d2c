// What a Sentinel knows about one monitored instance (redis sentinel.c sentinelRedisInstance):
// a master, one of its replicas, or another Sentinel watching it. Plain data plus the link;
// the behaviour lives in monitor.ts (monitoring), failover.ts (election and failover).
import type {Link} from './link.js'
import {resolveCached} from './resolve.js'
import type {Sentinel} from './sentinel.js'

/** Instance flags (SRI_* in sentinel.c); the names are what SENTINEL MASTERS shows. */
export const F = {
  MASTER: 1 << 0,
  SLAVE: 1 << 1,
  SENTINEL: 1 << 2,
  S_DOWN: 1 << 3,
  O_DOWN: 1 << 4,
  MASTER_DOWN: 1 << 5,
  FAILOVER_IN_PROGRESS: 1 << 6,
  PROMOTED: 1 << 7,
  RECONF_SENT: 1 << 8,
  RECONF_INPROG: 1 << 9,
  RECONF_DONE: 1 << 10,
  FORCE_FAILOVER: 1 << 11,
  SCRIPT_KILL_SENT: 1 << 12,
  MASTER_REBOOT: 1 << 13,
} as const

/** Failover states in order (sentinel.c SENTINEL_FAILOVER_STATE_*). */
export const FS = {NONE: 0, WAIT_START: 1, SELECT_SLAVE: 2, SEND_SLAVEOF_NOONE: 3, WAIT_PROMOTION: 4, RECONF_SLAVES: 5, UPDATE_CONFIG: 6} as const
export const FS_NAMES = ['none', 'wait_start', 'select_slave', 'send_slaveof_noone', 'wait_promotion', 'reconf_slaves', 'update_config']

export type Kind = 'master' | 'slave' | 'sentinel'

export interface Instance {
  kind: Kind
  flags: number
  /** master: its configured name; slave: "ip:port"; sentinel: its run id */
  name: string
  /** the address as given (a host name with resolve-hostnames yes) */
  host: string
  /** host resolved ('' while unresolved); what links connect to and what is announced without announce-hostnames */
  ip: string
  port: number
  runid: string | null
  configEpoch: number
  master: Instance | null
  link: Link
  lastPubTime: number
  lastHelloTime: number
  lastMasterDownReplyTime: number
  sDownSince: number
  oDownSince: number
  downAfter: number
  masterRebootDownAfter: number
  masterRebootSince: number
  /** replica's master_link_down_since_seconds * 1000 from INFO (0 when the link is up) */
  masterLinkDownTime: number
  authPass: string | null
  authUser: string | null
  slavePriority: number
  replicaAnnounced: boolean
  slaveReconfSentTime: number
  slaveMasterHost: string | null
  slaveMasterPort: number
  slaveMasterLinkUp: boolean
  slaveReplOffset: number
  sentinels: Map<string, Instance>
  slaves: Map<string, Instance>
  quorum: number
  parallelSyncs: number
  /** a Sentinel: whom it voted for; a master: whom we voted for */
  leader: string | null
  leaderEpoch: number
  failoverEpoch: number
  failoverState: number
  failoverStateChangeTime: number
  failoverStartTime: number
  failoverTimeout: number
  failoverDelayLogged: number
  promoted: Instance | null
  notificationScript: string | null
  clientReconfigScript: string | null
  info: string | null
  infoRefresh: number
  roleReported: 'master' | 'slave'
  roleReportedTime: number
  slaveConfChangeTime: number
  renamedCommands: Map<string, string>
}

export function slaveName(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`
}

export function flagsText(ri: Instance): string {
  const out: string[] = []
  const f = ri.flags
  if (f & F.S_DOWN) out.push('s_down')
  if (f & F.O_DOWN) out.push('o_down')
  if (f & F.MASTER) out.push('master')
  if (f & F.SLAVE) out.push('slave')
  if (f & F.SENTINEL) out.push('sentinel')
  if (ri.link.disconnected) out.push('disconnected')
  if (f & F.MASTER_DOWN) out.push('master_down')
  if (f & F.FAILOVER_IN_PROGRESS) out.push('failover_in_progress')
  if (f & F.PROMOTED) out.push('promoted')
  if (f & F.RECONF_SENT) out.push('reconf_sent')
  if (f & F.RECONF_INPROG) out.push('reconf_inprog')
  if (f & F.RECONF_DONE) out.push('reconf_done')
  if (f & F.FORCE_FAILOVER) out.push('force_failover')
  if (f & F.SCRIPT_KILL_SENT) out.push('script_kill_sent')
  return out.join(',')
}

export interface Addr {
  host: string
  ip: string
  port: number
}

/** The address clients should use: the promoted replica once it acknowledged (RECONF_SLAVES+). */
export function currentMasterAddr(m: Instance): Addr {
  if (m.flags & F.FAILOVER_IN_PROGRESS && m.promoted && m.failoverState >= FS.RECONF_SLAVES) return m.promoted
  return m
}

/** announceSentinelAddr: the host name with announce-hostnames yes, else the IP. */
export function announceAddr(s: Sentinel, a: Addr): string {
  return s.announceHostnames ? a.host : a.ip
}

/** sentinelAddrOrHostnameEqual: same port and same IP or (when unresolved) same name. */
export function addrEqual(a: Addr, b: Addr): boolean {
  return a.port === b.port && ((a.ip !== '' && a.ip.toLowerCase() === b.ip.toLowerCase()) || a.host.toLowerCase() === b.host.toLowerCase())
}

/** sentinelAddrEqualsHostname (+ port): `host` as an instance reports it (INFO, hello). */
export function addrEqualsHost(a: Addr, host: string, port: number): boolean {
  if (a.port !== port) return false
  if (a.host.toLowerCase() === host.toLowerCase()) return true
  const ip = resolveCached(host)
  return !!ip && a.ip.toLowerCase() === ip.toLowerCase()
}

/** sentinel.c SENTINEL_MAX_DESYNC: random delay (ms) before a non-leader may start its own failover. */
export const MAX_DESYNC = 1000
/** sentinel.c SENTINEL_MAX_PENDING_COMMANDS: no new periodic command to a link with this many pending. */
export const MAX_PENDING_COMMANDS = 100

export function forceHelloUpdate(s: Sentinel, master: Instance): void {
  const period = s.t['publish-period']
  for (const ri of [master, ...master.sentinels.values(), ...master.slaves.values()]) {
    if (ri.lastPubTime >= period + 1) ri.lastPubTime -= period + 1
  }
}

export function simFailureCrash(s: Sentinel): never {
  s.server.log.warning('Sentinel CRASH because of SENTINEL simulate-failure')
  process.exit(99)
}

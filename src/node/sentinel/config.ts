// sentinel.conf: `sentinel ...` directives (sentinelHandleConfiguration in sentinel.c) and the
// rewrite that persists the Sentinel's state (myid, epochs, known replicas and Sentinels).
// Other lines (port, dir, logfile, ...) are ordinary redis.conf directives for the node layer.
import {closeSync, fsyncSync, openSync, readFileSync, renameSync, writeFileSync} from 'node:fs'
import {ConfigError, parseConfigText} from '../config.js'
import {splitArgs} from '../../resp/parser.js'
import {addrEqual, announceAddr, currentMasterAddr} from './instance.js'
import {SentinelError, type Sentinel} from './sentinel.js'
import {isExecutable} from './commands.js'

export interface SplitConfig {
  /** non-sentinel directives, for NodeConfig */
  server: string[][]
  /** `sentinel` directives without the leading word */
  sentinel: string[][]
}

export function splitSentinelConfig(text: string): SplitConfig {
  const out: SplitConfig = {server: [], sentinel: []}
  for (const argv of parseConfigText(text)) {
    if (argv[0].toLowerCase() === 'sentinel') {
      if (argv.length < 2) throw new ConfigError('Bad directive or wrong number of arguments')
      out.sentinel.push(argv.slice(1))
    } else out.server.push(argv)
  }
  return out
}

function yesno(v: string, what: string): boolean {
  const l = v.toLowerCase()
  if (l === 'yes') return true
  if (l === 'no') return false
  throw new ConfigError(`Please specify yes or no for the ${what} option.`)
}

/**
 * Apply sentinel directives. Like redis, `monitor` lines go first and the global ones that
 * affect address parsing (resolve-hostnames ...) before them, so files written in any order load.
 */
export function applySentinelDirectives(s: Sentinel, lines: string[][]): void {
  const pre = new Set(['resolve-hostnames', 'announce-hostnames', 'myid', 'current-epoch', 'announce-ip', 'announce-port', 'deny-scripts-reconfig', 'sentinel-user', 'sentinel-pass'])
  const order = [...lines.filter((a) => pre.has(a[0].toLowerCase())), ...lines.filter((a) => a[0].toLowerCase() === 'monitor'), ...lines.filter((a) => !pre.has(a[0].toLowerCase()) && a[0].toLowerCase() !== 'monitor')]
  for (const argv of order) {
    const err = applyOne(s, argv)
    if (err) throw new ConfigError(err)
  }
}

function applyOne(s: Sentinel, argv: string[]): string | null {
  const cmd = argv[0].toLowerCase()
  const n = argv.length
  const master = () => s.masters.get(argv[1])
  try {
    if (cmd === 'monitor' && n === 5) {
      const quorum = parseInt(argv[4], 10)
      if (!(quorum > 0)) return 'Quorum must be 1 or greater.'
      s.createInstance('master', argv[1], argv[2], parseInt(argv[3], 10), quorum, null)
      return null
    }
    if (cmd === 'current-epoch' && n === 2) {
      const e = Number(argv[1])
      if (e > s.currentEpoch) s.currentEpoch = e
      return null
    }
    if (cmd === 'myid' && n === 2) {
      if (argv[1].length !== 40) return 'Malformed Sentinel id in myid option.'
      s.myid = argv[1]
      return null
    }
    if (cmd === 'announce-ip' && n === 2) return (s.announceIp = argv[1]), null
    if (cmd === 'announce-port' && n === 2) return (s.announcePort = parseInt(argv[1], 10) || 0), null
    if (cmd === 'deny-scripts-reconfig' && n === 2) return (s.denyScriptsReconfig = yesno(argv[1], 'deny-scripts-reconfig')), null
    if (cmd === 'resolve-hostnames' && n === 2) return (s.resolveHostnames = yesno(argv[1], 'resolve-hostnames')), null
    if (cmd === 'announce-hostnames' && n === 2) return (s.announceHostnames = yesno(argv[1], 'announce-hostnames')), null
    if (cmd === 'sentinel-user' && n === 2) return (s.sentinelUser = argv[1]), null
    if (cmd === 'sentinel-pass' && n === 2) return (s.sentinelPass = argv[1]), null
    const perMaster = ['down-after-milliseconds', 'failover-timeout', 'parallel-syncs', 'notification-script', 'client-reconfig-script', 'auth-pass', 'auth-user', 'config-epoch', 'leader-epoch', 'master-reboot-down-after-period']
    if (perMaster.includes(cmd) && n === 3) {
      const m = master()
      if (!m) return 'No such master with specified name.'
      const v = argv[2]
      switch (cmd) {
        case 'down-after-milliseconds':
          m.downAfter = parseInt(v, 10)
          if (!(m.downAfter > 0)) return 'negative or zero time parameter.'
          for (const x of [...m.slaves.values(), ...m.sentinels.values()]) x.downAfter = m.downAfter
          return null
        case 'failover-timeout':
          m.failoverTimeout = parseInt(v, 10)
          return m.failoverTimeout > 0 ? null : 'negative or zero time parameter.'
        case 'parallel-syncs':
          m.parallelSyncs = parseInt(v, 10)
          return null
        case 'notification-script':
          if (!isExecutable(v)) return 'Notification script seems non existing or non executable.'
          m.notificationScript = v
          return null
        case 'client-reconfig-script':
          if (!isExecutable(v)) return 'Client reconfiguration script seems non existing or non executable.'
          m.clientReconfigScript = v
          return null
        case 'auth-pass':
          m.authPass = v
          return null
        case 'auth-user':
          m.authUser = v
          return null
        case 'config-epoch':
          m.configEpoch = Number(v)
          if (m.configEpoch > s.currentEpoch) s.currentEpoch = m.configEpoch
          return null
        case 'leader-epoch':
          m.leaderEpoch = Number(v)
          return null
        case 'master-reboot-down-after-period':
          m.masterRebootDownAfter = parseInt(v, 10)
          return m.masterRebootDownAfter >= 0 ? null : 'negative time parameter.'
      }
    }
    if ((cmd === 'known-slave' || cmd === 'known-replica') && n === 4) {
      const m = master()
      if (!m) return 'No such master with specified name.'
      s.createInstance('slave', null, argv[2], parseInt(argv[3], 10), m.quorum, m)
      return null
    }
    if (cmd === 'known-sentinel' && (n === 4 || n === 5)) {
      if (n === 4) return null // the old form without run id is ignored
      const m = master()
      if (!m) return 'No such master with specified name.'
      const si = s.createInstance('sentinel', argv[4], argv[2], parseInt(argv[3], 10), m.quorum, m)
      si.runid = argv[4]
      return null
    }
    if (cmd === 'rename-command' && n === 4) {
      const m = master()
      if (!m) return 'No such master with specified name.'
      if (m.renamedCommands.has(argv[2].toLowerCase())) return 'Same command renamed multiple times with rename-command.'
      m.renamedCommands.set(argv[2].toLowerCase(), argv[3])
      return null
    }
  } catch (e) {
    if (e instanceof SentinelError) return e.message
    throw e
  }
  return 'Unrecognized sentinel configuration statement.'
}

function q(v: string): string {
  return /^[\x21-\x7e]+$/.test(v) && !/["'\\]/.test(v) ? v : JSON.stringify(v)
}

/** The `sentinel ...` lines rewriteConfigSentinelOption writes, in its order. */
export function sentinelConfigLines(s: Sentinel): string[] {
  const out = [`sentinel myid ${s.myid}`]
  if (!s.denyScriptsReconfig) out.push('sentinel deny-scripts-reconfig no')
  if (s.resolveHostnames) out.push('sentinel resolve-hostnames yes')
  if (s.announceHostnames) out.push('sentinel announce-hostnames yes')
  for (const m of s.masters.values()) {
    const addr = currentMasterAddr(m)
    out.push(`sentinel monitor ${m.name} ${announceAddr(s, addr)} ${addr.port} ${m.quorum}`)
    if (m.downAfter !== s.t['default-down-after']) out.push(`sentinel down-after-milliseconds ${m.name} ${m.downAfter}`)
    if (m.failoverTimeout !== s.t['default-failover-timeout']) out.push(`sentinel failover-timeout ${m.name} ${m.failoverTimeout}`)
    if (m.parallelSyncs !== 1) out.push(`sentinel parallel-syncs ${m.name} ${m.parallelSyncs}`)
    if (m.notificationScript) out.push(`sentinel notification-script ${m.name} ${m.notificationScript}`)
    if (m.clientReconfigScript) out.push(`sentinel client-reconfig-script ${m.name} ${m.clientReconfigScript}`)
    if (m.authPass) out.push(`sentinel auth-pass ${m.name} ${m.authPass}`)
    if (m.authUser) out.push(`sentinel auth-user ${m.name} ${m.authUser}`)
    if (m.masterRebootDownAfter !== 0) out.push(`sentinel master-reboot-down-after-period ${m.name} ${m.masterRebootDownAfter}`)
    out.push(`sentinel config-epoch ${m.name} ${m.configEpoch}`)
    out.push(`sentinel leader-epoch ${m.name} ${m.leaderEpoch}`)
    for (const sl of m.slaves.values()) {
      // The promoted replica is written as the old master (failover in progress).
      const a = addrEqual(sl, addr) ? m : sl
      out.push(`sentinel known-replica ${m.name} ${announceAddr(s, a)} ${a.port}`)
    }
    for (const si of m.sentinels.values()) if (si.runid) out.push(`sentinel known-sentinel ${m.name} ${announceAddr(s, si)} ${si.port} ${si.runid}`)
    for (const [from, to] of m.renamedCommands) out.push(`sentinel rename-command ${m.name} ${from} ${to}`)
  }
  out.push(`sentinel current-epoch ${s.currentEpoch}`)
  if (s.announceIp) out.push(`sentinel announce-ip ${q(s.announceIp)}`)
  if (s.announcePort) out.push(`sentinel announce-port ${s.announcePort}`)
  if (s.sentinelUser) out.push(`sentinel sentinel-user ${s.sentinelUser}`)
  if (s.sentinelPass) out.push(`sentinel sentinel-pass ${s.sentinelPass}`)
  return out
}

/** The option a config line sets, as redis's rewrite keys it: "port", "sentinel monitor" ... */
function optionKey(line: string): string | null {
  const t = line.trim()
  if (t === '' || t.startsWith('#')) return null
  const argv = splitArgs(t)
  if (!argv || argv.length === 0) return null
  const first = argv[0].toLowerCase()
  return first === 'sentinel' && argv.length > 1 ? `sentinel ${argv[1].toLowerCase()}` : first
}

/**
 * Rewrite the config file like redis's rewriteConfig: every new line takes the place of the next
 * old line that set the same option (comments and unrelated lines stay where they were), lines
 * left over for a rewritten option are dropped, and new options go after a
 * "# Generated by CONFIG REWRITE" marker at the end. Atomic and fsynced.
 */
export function rewriteSentinelConfig(file: string, s: Sentinel, port: number): void {
  const old = readFileSync(file, 'latin1').split('\n')
  if (old.length && old[old.length - 1] === '') old.pop()
  const fresh: [string, string][] = [['port', `port ${port}`], ...sentinelConfigLines(s).map((l): [string, string] => [optionKey(l)!, l])]
  const processed = new Set(fresh.map(([k]) => k))
  for (const k of ['sentinel announce-ip', 'sentinel announce-port', 'sentinel sentinel-user', 'sentinel sentinel-pass', 'sentinel known-slave']) processed.add(k)
  const slots = new Map<string, number[]>()
  old.forEach((l, i) => {
    const k = optionKey(l)
    if (k && processed.has(k)) slots.set(k, [...(slots.get(k) ?? []), i])
  })
  const out: (string | null)[] = [...old]
  for (const i of [...slots.values()].flat()) out[i] = null
  const appended: string[] = []
  for (const [k, line] of fresh) {
    const free = slots.get(k)
    if (free && free.length) out[free.shift()!] = line
    else appended.push(line)
  }
  const kept = out.filter((l): l is string => l !== null)
  if (appended.length) {
    if (!kept.includes('# Generated by CONFIG REWRITE')) kept.push('# Generated by CONFIG REWRITE')
    kept.push(...appended)
  }
  const tmp = `${file}.tmp-${process.pid}`
  writeFileSync(tmp, kept.join('\n') + '\n')
  const fd = openSync(tmp, 'r')
  fsyncSync(fd)
  closeSync(fd)
  renameSync(tmp, file)
}

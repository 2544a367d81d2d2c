// The Sentinel's command table: the few generic commands a Sentinel answers (PING, AUTH,
// HELLO, CLIENT, COMMAND, SHUTDOWN, (P)SUBSCRIBE ...) taken from the node's groups, plus
// SENTINEL, and the Sentinel versions of INFO, ROLE and PUBLISH (sentinelCommand,
// sentinelInfoCommand, sentinelRoleCommand, sentinelPublishCommand in sentinel.c).
import {accessSync, constants} from 'node:fs'
import {CommandTable, GROUPS} from '../commands/index.js'
import {cmd, type CommandContext, type CommandSpec} from '../commands/types.js'
import {infoText} from '../commands/info.js'
import {globMatch} from '../keyspace/glob.js'
import {COMMAND_META} from '../acl/command-meta.js'
import type {RespWriter} from '../../resp/writer.js'
import {F, FS_NAMES, announceAddr, flagsText, currentMasterAddr, type Instance} from './instance.js'
import {resolveHost} from './resolve.js'
import {HELLO_CHANNEL} from './link.js'
import {processHello} from './monitor.js'
import {selectSlave, startFailover, voteLeader} from './failover.js'
import {DEFAULT_TIMINGS, SentinelError, isIpAddress, type Sentinel, type Timings} from './sentinel.js'

const GENERIC = new Set(['ping', 'auth', 'hello', 'client', 'command', 'shutdown', 'acl', 'subscribe', 'unsubscribe', 'psubscribe', 'punsubscribe'])

export function sentinelCommandTable(s: Sentinel): CommandTable {
  const table = new CommandTable(false)
  // Subcommands redis-sentinel 7.0 lacks (CLIENT NO-TOUCH/SETINFO of 7.2) are left out, so COMMAND and ACL match it.
  const only70 = (c: CommandSpec): CommandSpec => (c.subcommands ? {...c, subcommands: c.subcommands.filter((x) => COMMAND_META[`${c.name}|${x.name}`] !== undefined)} : c)
  for (const specs of Object.values(GROUPS)) table.register(specs.filter((c) => GENERIC.has(c.name)).map(only70))
  table.register([
    cmd('sentinel', -2, ['admin'], 0, (ctx, a) => sentinelCommand(s, ctx, a), {subcommands: sentinelSubcommands(s)}),
    cmd('info', -1, ['loading', 'stale'], 0, (ctx, a) => ctx.reply.verbatim(sentinelInfo(s, ctx, a.slice(1)))),
    cmd('role', 1, ['noscript', 'loading', 'stale', 'fast'], 0, (ctx) => {
      ctx.reply.array(2)
      ctx.reply.bulk('sentinel')
      ctx.reply.bulks([...s.masters.keys()], s.masters.size)
    }),
    cmd('publish', 3, ['pubsub', 'loading', 'stale', 'fast'], 0, (ctx, a) => {
      if (a[1] !== HELLO_CHANNEL) return ctx.reply.error('ERR Only HELLO messages are accepted by Sentinel instances.')
      processHello(s, a[2])
      ctx.reply.integer(1)
    }),
  ])
  // ACL rules, ACL CAT and COMMAND speak about this table only, as in redis-sentinel (+get is unknown here).
  table.ownAclUniverse = true
  return table
}

/**
 * SENTINEL's subcommands with Redis 7.0's arities, flags and categories (sentinel.json and the
 * sentinel-*.json files): COMMAND LIST/INFO show them, ACL rules name them (+sentinel|masters) and
 * NOPERM / arity errors say "sentinel|master" like redis-sentinel.
 */
const SUBCOMMANDS: [string, number][] = [
  ['ckquorum', 3], ['config', -3], ['debug', -2], ['failover', 3], ['flushconfig', 2], ['get-master-addr-by-name', 3],
  ['info-cache', -3], ['is-master-down-by-addr', 6], ['master', 3], ['masters', 2], ['monitor', 6], ['myid', 2],
  ['pending-scripts', 2], ['remove', 3], ['replicas', 3], ['reset', 3], ['sentinels', 3], ['set', -5],
  ['simulate-failure', -3], ['slaves', 3],
]

function sentinelSubcommands(s: Sentinel): CommandSpec[] {
  const run = (ctx: CommandContext, a: string[]) => sentinelCommand(s, ctx, a)
  return [
    ...SUBCOMMANDS.map(([name, arity]) => cmd(name, arity, ['admin'], 0, run, {categories: ['@admin', '@slow', '@dangerous']})),
    cmd('help', 2, ['loading', 'stale'], 0, run, {categories: ['@slow']}),
  ]
}

export function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK)
    return true
  } catch {
    return false
  }
}

const INFO_SECTIONS = ['server', 'clients', 'cpu', 'stats', 'sentinel']

function sentinelInfo(s: Sentinel, ctx: CommandContext, args: string[]): string {
  const lower = args.map((a) => a.toLowerCase())
  const all = lower.length === 0 || lower.some((a) => a === 'all' || a === 'everything' || a === 'default')
  const wanted = all ? INFO_SECTIONS : INFO_SECTIONS.filter((n) => lower.includes(n))
  const generic = wanted.filter((n) => n !== 'sentinel')
  let text = generic.length ? infoText(ctx.server, generic).replace('redis_mode:standalone', 'redis_mode:sentinel') : ''
  if (wanted.includes('sentinel')) {
    if (text) text += '\r\n'
    const lines = [
      '# Sentinel',
      `sentinel_masters:${s.masters.size}`,
      `sentinel_tilt:${s.tilt ? 1 : 0}`,
      `sentinel_tilt_since_seconds:${s.tilt ? Math.floor((s.now() - s.tiltStartTime) / 1000) : -1}`,
      `sentinel_running_scripts:${s.runningScripts}`,
      'sentinel_scripts_queue_length:0',
      `sentinel_simulate_failure_flags:${(s.simFailure.crashAfterElection ? 1 : 0) | (s.simFailure.crashAfterPromotion ? 2 : 0)}`,
    ]
    let i = 0
    for (const m of s.masters.values()) {
      const status = m.flags & F.O_DOWN ? 'odown' : m.flags & F.S_DOWN ? 'sdown' : 'ok'
      lines.push(`master${i++}:name=${m.name},status=${status},address=${announceAddr(s, m)}:${m.port},slaves=${m.slaves.size},sentinels=${m.sentinels.size + 1}`)
    }
    text += lines.map((l) => l + '\r\n').join('')
  }
  return text
}

function replyInstance(s: Sentinel, r: RespWriter, ri: Instance): void {
  const now = s.now()
  const f: [string, string | number][] = [
    ['name', ri.name],
    ['ip', announceAddr(s, ri)],
    ['port', ri.port],
    ['runid', ri.runid ?? ''],
    ['flags', flagsText(ri)],
    ['link-pending-commands', ri.link.pendingCommands],
    ['link-refcount', 1],
  ]
  if (ri.flags & F.FAILOVER_IN_PROGRESS) f.push(['failover-state', FS_NAMES[ri.failoverState] ?? 'unknown'])
  f.push(['last-ping-sent', ri.link.actPingTime ? now - ri.link.actPingTime : 0], ['last-ok-ping-reply', now - ri.link.lastAvailTime], ['last-ping-reply', now - ri.link.lastPongTime])
  if (ri.flags & F.S_DOWN) f.push(['s-down-time', now - ri.sDownSince])
  if (ri.flags & F.O_DOWN) f.push(['o-down-time', now - ri.oDownSince])
  f.push(['down-after-milliseconds', ri.downAfter])
  if (ri.kind !== 'sentinel') f.push(['info-refresh', ri.infoRefresh ? now - ri.infoRefresh : 0], ['role-reported', ri.roleReported], ['role-reported-time', now - ri.roleReportedTime])
  if (ri.kind === 'master') {
    f.push(['config-epoch', ri.configEpoch], ['num-slaves', ri.slaves.size], ['num-other-sentinels', ri.sentinels.size], ['quorum', ri.quorum], ['failover-timeout', ri.failoverTimeout], ['parallel-syncs', ri.parallelSyncs])
    if (ri.notificationScript) f.push(['notification-script', ri.notificationScript])
    if (ri.clientReconfigScript) f.push(['client-reconfig-script', ri.clientReconfigScript])
  }
  if (ri.kind === 'slave') {
    f.push(
      ['master-link-down-time', ri.masterLinkDownTime],
      ['master-link-status', ri.slaveMasterLinkUp ? 'ok' : 'err'],
      ['master-host', ri.slaveMasterHost ?? '?'],
      ['master-port', ri.slaveMasterPort],
      ['slave-priority', ri.slavePriority],
      ['slave-repl-offset', ri.slaveReplOffset],
      ['replica-announced', ri.replicaAnnounced ? 1 : 0],
    )
  }
  if (ri.kind === 'sentinel') f.push(['last-hello-message', now - ri.lastHelloTime], ['voted-leader', ri.leader ?? '?'], ['voted-leader-epoch', ri.leaderEpoch])
  r.map(f.length)
  for (const [k, v] of f) {
    r.bulk(k)
    r.bulk(String(v))
  }
}

function replyInstances(s: Sentinel, r: RespWriter, table: Map<string, Instance>): void {
  const list = [...table.values()].filter((ri) => !(ri.kind === 'slave' && !ri.replicaAnnounced))
  r.array(list.length)
  for (const ri of list) replyInstance(s, r, ri)
}

const HELP = [
  'SENTINEL <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
  'CKQUORUM <master-name>',
  '    Check if the current Sentinel configuration is able to reach the quorum',
  '    needed to failover a master and the majority needed to authorize the',
  '    failover.',
  'CONFIG SET <param> <value>',
  '    Set a global Sentinel configuration parameter.',
  'CONFIG GET <param>',
  '    Get global Sentinel configuration parameter.',
  'DEBUG [<param> <value> ...]',
  '    Show a list of configurable time parameters and their values (milliseconds).',
  '    Or update current configurable parameters values (one or more).',
  'GET-MASTER-ADDR-BY-NAME <master-name>',
  '    Return the ip and port number of the master with that name.',
  'FAILOVER <master-name>',
  '    Manually failover a master node without asking for agreement from other',
  '    Sentinels',
  'FLUSHCONFIG',
  '    Force Sentinel to rewrite its configuration on disk, including the current',
  '    Sentinel state.',
  'INFO-CACHE <master-name>',
  '    Return last cached INFO output from masters and all its replicas.',
  'IS-MASTER-DOWN-BY-ADDR <ip> <port> <current-epoch> <runid>',
  "    Check if the master specified by ip:port is down from current Sentinel's",
  '    point of view.',
  'MASTER <master-name>',
  '    Show the state and info of the specified master.',
  'MASTERS',
  '    Show a list of monitored masters and their state.',
  'MONITOR <name> <ip> <port> <quorum>',
  '    Start monitoring a new master with the specified name, ip, port and quorum.',
  'MYID',
  '    Return the ID of the Sentinel instance.',
  'PENDING-SCRIPTS',
  '    Get pending scripts information.',
  'REMOVE <master-name>',
  "    Remove master from Sentinel's monitor list.",
  'REPLICAS <master-name>',
  '    Show a list of replicas for this master and their state.',
  'RESET <pattern>',
  '    Reset masters for specific master name matching this pattern.',
  'SENTINELS <master-name>',
  '    Show a list of Sentinel instances for this master and their state.',
  'SET <master-name> <option> <value> [<option> <value> ...]',
  '    Set configuration parameters for certain masters.',
  'SIMULATE-FAILURE [CRASH-AFTER-ELECTION] [CRASH-AFTER-PROMOTION] [HELP]',
  '    Simulate a Sentinel crash.',
  'HELP',
  '    Prints this help.',
]

function flushAndReply(s: Sentinel, r: RespWriter): void {
  if (s.flushConfig()) r.ok()
  else r.error('ERR Failed to save config file. Check server logs.')
}

function arityErr(r: RespWriter, sub: string): void {
  r.error(`ERR wrong number of arguments for 'sentinel|${sub.toLowerCase()}' command`)
}

function toInt(v: string): number | null {
  return /^-?\d+$/.test(v) ? Number(v) : null
}

function sentinelCommand(s: Sentinel, ctx: CommandContext, a: string[]): void | Promise<void> {
  const r = ctx.reply
  const sub = a[1].toLowerCase()
  const argc = a.length
  const masterOrErr = (name: string): Instance | null => {
    const m = s.masters.get(name)
    if (!m) r.error('ERR No such master with that name')
    return m ?? null
  }
  switch (sub) {
    case 'help':
      if (argc !== 2) break
      return r.bulks(HELP, HELP.length) // redis: addReplyHelp (status lines in RESP2 are bulk-like here)
    case 'masters':
      if (argc !== 2) return arityErr(r, sub)
      return replyInstances(s, r, s.masters)
    case 'master': {
      if (argc !== 3) return arityErr(r, sub)
      const m = masterOrErr(a[2])
      if (m) replyInstance(s, r, m)
      return
    }
    case 'slaves':
    case 'replicas':
    case 'sentinels': {
      if (argc !== 3) return arityErr(r, sub)
      const m = masterOrErr(a[2])
      if (m) replyInstances(s, r, sub === 'sentinels' ? m.sentinels : m.slaves)
      return
    }
    case 'myid':
      if (argc !== 2) break
      return r.bulk(s.myid)
    case 'is-master-down-by-addr': {
      if (argc !== 6) return arityErr(r, sub)
      const port = toInt(a[3])
      if (port === null) return r.error('ERR value is not an integer or out of range')
      const reqEpoch = toInt(a[4])
      if (reqEpoch === null) return r.error('ERR value is not an integer or out of range')
      const m = s.findByAddrAndRunid(s.masters, a[2], port, null)
      const isDown = !s.tilt && !!m && !!(m.flags & F.S_DOWN) && !!(m.flags & F.MASTER)
      let leader: string | null = null
      let epoch = 0
      if (m && m.flags & F.MASTER && a[5] !== '*') ({leader, epoch} = voteLeader(s, m, reqEpoch, a[5]))
      r.array(3)
      r.integer(isDown ? 1 : 0)
      r.bulk(leader ?? '*')
      r.integer(epoch)
      return
    }
    case 'reset':
      if (argc !== 3) return arityErr(r, sub)
      return r.integer(s.resetMastersByPattern(a[2], (p, n) => globMatch(p, n)))
    case 'get-master-addr-by-name': {
      if (argc !== 3) return arityErr(r, sub)
      const m = s.masters.get(a[2])
      if (!m) return r.nullArray()
      const addr = currentMasterAddr(m)
      r.array(2)
      r.bulk(announceAddr(s, addr))
      r.bulk(String(addr.port))
      return
    }
    case 'failover': {
      if (argc !== 3) return arityErr(r, sub)
      const m = masterOrErr(a[2])
      if (!m) return
      if (m.flags & F.FAILOVER_IN_PROGRESS) return r.error('INPROG Failover already in progress')
      if (!selectSlave(s, m)) return r.error('NOGOODSLAVE No suitable replica to promote')
      s.server.log.warning(`Executing user requested FAILOVER of '${m.name}'`)
      startFailover(s, m)
      m.flags |= F.FORCE_FAILOVER
      return r.ok()
    }
    case 'pending-scripts':
      if (argc !== 2) return arityErr(r, sub)
      return r.array(0)
    case 'monitor': {
      if (argc !== 6) return arityErr(r, sub)
      const quorum = toInt(a[5])
      if (quorum === null) return r.error('ERR Invalid quorum')
      const port = toInt(a[4])
      if (port === null) return r.error('ERR Invalid port')
      if (quorum <= 0) return r.error('ERR Quorum must be 1 or greater.')
      if (!s.resolveHostnames && !isIpAddress(a[3])) return r.error('ERR Invalid IP address or hostname specified')
      const monitor = () => {
        let m: Instance
        try {
          m = s.createInstance('master', a[2], a[3], port, quorum, null)
        } catch (e) {
          if (e instanceof SentinelError) return r.error(`ERR ${e.message}`)
          throw e
        }
        flushAndReply(s, r)
        s.event('warning', '+monitor', m, `quorum ${m.quorum}`)
      }
      if (isIpAddress(a[3])) return monitor()
      // A host name must resolve now (redis anetResolve); the lookup also fills the cache.
      return resolveHost(a[3]).then((ip) => (ip ? monitor() : r.error('ERR Invalid IP address or hostname specified')))
    }
    case 'flushconfig':
      if (argc !== 2) return arityErr(r, sub)
      return flushAndReply(s, r)
    case 'remove': {
      if (argc !== 3) return arityErr(r, sub)
      const m = masterOrErr(a[2])
      if (!m) return
      s.event('warning', '-monitor', m)
      s.removeMaster(m.name)
      return flushAndReply(s, r)
    }
    case 'ckquorum': {
      if (argc !== 3) return arityErr(r, sub)
      const m = masterOrErr(a[2])
      if (!m) return
      let usable = 1
      for (const si of m.sentinels.values()) if (!(si.flags & (F.S_DOWN | F.O_DOWN))) usable++
      const voters = m.sentinels.size + 1
      const noQuorum = usable < m.quorum
      const noAuth = usable < Math.floor(voters / 2) + 1
      if (!noQuorum && !noAuth) return r.simple(`OK ${usable} usable Sentinels. Quorum and failover authorization can be reached`)
      let e = `NOQUORUM ${usable} usable Sentinels. `
      if (noQuorum) e += 'Not enough available Sentinels to reach the specified quorum for this master'
      if (noAuth) e += (noQuorum ? '. ' : '') + 'Not enough available Sentinels to reach the majority and authorize a failover'
      return r.error(e)
    }
    case 'set':
      if (argc < 5) return arityErr(r, sub)
      return sentinelSet(s, ctx, a)
    case 'config':
      if (argc < 3) return arityErr(r, sub)
      if (a[2].toLowerCase() === 'set' && argc === 5) return configSet(s, r, a[3], a[4])
      if (a[2].toLowerCase() === 'get' && argc === 4) return configGet(s, r, a[3])
      return r.error('ERR Only SENTINEL CONFIG GET <option> / SET <option> <value> are supported.')
    case 'info-cache': {
      const list = argc > 2 ? [...new Set(a.slice(2))].map((n) => s.masters.get(n)).filter((m): m is Instance => !!m) : [...s.masters.values()]
      const now = s.now()
      r.array(list.length * 2)
      for (const m of list) {
        r.bulk(m.name)
        r.array(m.slaves.size + 1)
        for (const ri of [m, ...m.slaves.values()]) {
          r.array(2)
          r.integer(m.infoRefresh ? now - ri.infoRefresh : 0)
          if (ri.info) r.bulk(ri.info)
          else r.nil()
        }
      }
      return
    }
    case 'simulate-failure': {
      s.simFailure = {crashAfterElection: false, crashAfterPromotion: false}
      for (const opt of a.slice(2)) {
        const o = opt.toLowerCase()
        if (o === 'crash-after-election') {
          s.simFailure.crashAfterElection = true
          s.server.log.warning('Failure simulation: this Sentinel will crash after being successfully elected as failover leader')
        } else if (o === 'crash-after-promotion') {
          s.simFailure.crashAfterPromotion = true
          s.server.log.warning('Failure simulation: this Sentinel will crash after promoting the selected replica to master')
        } else if (o === 'help') {
          r.array(2)
          r.bulk('crash-after-election')
          r.bulk('crash-after-promotion')
          return
        } else return r.error('ERR Unknown failure simulation specified')
      }
      return r.ok()
    }
    case 'debug':
      if (argc === 2) {
        const keys = ['info-period', 'ping-period', 'ask-period', 'publish-period', 'default-down-after', 'default-failover-timeout', 'tilt-trigger', 'tilt-period', 'slave-reconf-timeout', 'min-link-reconnect-period', 'election-timeout', 'script-max-runtime', 'script-retry-delay'] as (keyof Timings)[]
        r.map(keys.length)
        for (const k of keys) {
          r.bulk(k.toUpperCase())
          r.bulk(String(s.t[k]))
        }
        return
      }
      for (let j = 2; j < argc; j++) {
        const opt = a[j].toLowerCase()
        if (!(opt in DEFAULT_TIMINGS) || j + 1 >= argc) return r.error(`ERR Unknown option or number of arguments for SENTINEL DEBUG '${a[j]}'`)
        const v = toInt(a[++j])
        if (v === null || v <= 0) return r.error(`ERR Invalid argument '${a[j]}' for SENTINEL DEBUG '${a[j - 1]}'`)
        s.t[opt as keyof Timings] = v
      }
      return r.ok()
  }
  // Subcommands are looked up like redis 7.0's container commands: a known one with the wrong
  // number of arguments is an arity error, anything else an unknown subcommand.
  if (sub === 'help' || sub === 'myid') return arityErr(r, sub)
  r.error(`ERR unknown subcommand '${a[1]}'. Try SENTINEL HELP.`)
}

function sentinelSet(s: Sentinel, ctx: CommandContext, a: string[]): void {
  const r = ctx.reply
  const m = s.masters.get(a[2])
  if (!m) return r.error('ERR No such master with that name')
  let changes = 0
  for (let j = 3; j < a.length; j++) {
    const option = a[j]
    const o = option.toLowerCase()
    const more = a.length - 1 - j
    const start = j
    let redacted = false
    const num = (min: number): number | null => {
      const v = toInt(a[++j])
      return v === null || v < min ? null : v
    }
    const badfmt = () => r.error(`ERR Invalid argument '${a[j]}' for SENTINEL SET '${option}'`)
    if (o === 'down-after-milliseconds' && more > 0) {
      const v = num(1)
      if (v === null) return badfmt()
      m.downAfter = v
      for (const x of [...m.slaves.values(), ...m.sentinels.values()]) x.downAfter = v
    } else if (o === 'failover-timeout' && more > 0) {
      const v = num(1)
      if (v === null) return badfmt()
      m.failoverTimeout = v
    } else if (o === 'parallel-syncs' && more > 0) {
      const v = num(1)
      if (v === null) return badfmt()
      m.parallelSyncs = v
    } else if ((o === 'notification-script' || o === 'client-reconfig-script') && more > 0) {
      const v = a[++j]
      if (s.denyScriptsReconfig) return r.error('ERR Reconfiguration of scripts path is denied for security reasons. Check the deny-scripts-reconfig configuration directive in your Sentinel configuration')
      if (v !== '' && !isExecutable(v)) return r.error(o === 'notification-script' ? 'ERR Notification script seems non existing or non executable' : 'ERR Client reconfiguration script seems non existing or non executable')
      if (o === 'notification-script') m.notificationScript = v === '' ? null : v
      else m.clientReconfigScript = v === '' ? null : v
    } else if (o === 'auth-pass' && more > 0) {
      const v = a[++j]
      m.authPass = v === '' ? null : v
      for (const x of [m, ...m.slaves.values()]) x.link.closeConnection()
      redacted = true
    } else if (o === 'auth-user' && more > 0) {
      const v = a[++j]
      m.authUser = v === '' ? null : v
      for (const x of [m, ...m.slaves.values()]) x.link.closeConnection()
    } else if (o === 'quorum' && more > 0) {
      const v = num(1)
      if (v === null) return badfmt()
      m.quorum = v
    } else if (o === 'rename-command' && more > 1) {
      const from = a[++j]
      const to = a[++j]
      if (from === '' || to === '') {
        if (to !== '') j--
        return badfmt()
      }
      m.renamedCommands.delete(from.toLowerCase())
      if (from.toLowerCase() !== to.toLowerCase()) m.renamedCommands.set(from.toLowerCase(), to)
    } else if (o === 'master-reboot-down-after-period' && more > 0) {
      const v = num(0)
      if (v === null) return badfmt()
      m.masterRebootDownAfter = v
    } else return r.error(`ERR Unknown option or number of arguments for SENTINEL SET '${option}'`)
    changes++
    const n = j - start + 1
    s.event('warning', '+set', m, n === 2 ? `${a[start]} ${redacted ? '******' : a[start + 1]}` : n === 3 ? `${a[start]} ${a[start + 1]} ${a[start + 2]}` : a[start])
  }
  if (changes) flushAndReply(s, r)
  else r.ok()
}

function configSet(s: Sentinel, r: RespWriter, opt: string, val: string): void {
  const o = opt.toLowerCase()
  const yn = (): boolean | null => (val.toLowerCase() === 'yes' ? true : val.toLowerCase() === 'no' ? false : null)
  const bad = () => r.error(`ERR Invalid value '${val}' to SENTINEL CONFIG SET '${opt}'`)
  let dropConns = false
  if (o === 'resolve-hostnames' || o === 'announce-hostnames') {
    const v = yn()
    if (v === null) return bad()
    if (o === 'resolve-hostnames') s.resolveHostnames = v
    else s.announceHostnames = v
  } else if (o === 'announce-ip') s.announceIp = val
  else if (o === 'announce-port') {
    const v = toInt(val)
    if (v === null || v < 0 || v > 65535) return bad()
    s.announcePort = v
  } else if (o === 'sentinel-user' || o === 'sentinel-pass') {
    if (o === 'sentinel-user') s.sentinelUser = val
    else s.sentinelPass = val
    dropConns = true
  } else return r.error(`ERR Invalid argument '${opt}' to SENTINEL CONFIG SET`)
  flushAndReply(s, r)
  if (dropConns) for (const m of s.masters.values()) for (const si of m.sentinels.values()) si.link.closeConnection()
}

function configGet(s: Sentinel, r: RespWriter, pattern: string): void {
  const all: [string, string][] = [
    ['resolve-hostnames', s.resolveHostnames ? 'yes' : 'no'],
    ['announce-hostnames', s.announceHostnames ? 'yes' : 'no'],
    ['announce-ip', s.announceIp],
    ['announce-port', String(s.announcePort)],
    ['sentinel-user', s.sentinelUser],
    ['sentinel-pass', s.sentinelPass],
  ]
  const hits = all.filter(([k]) => globMatch(pattern, k, true))
  r.map(hits.length)
  for (const [k, v] of hits) {
    r.bulk(k)
    r.bulk(v)
  }
}

export type {CommandSpec}

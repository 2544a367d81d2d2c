// The monitoring half of the Sentinel (sentinel.c): keep links up, send PING / INFO / hello on
// their periods, parse INFO (discover replicas, track roles and offsets), process hello
// messages (discover Sentinels, adopt newer configurations), and decide SDOWN / ODOWN.
import {F, FS, MAX_PENDING_COMMANDS, addrEqualsHost, announceAddr, currentMasterAddr, forceHelloUpdate, simFailureCrash, type Instance} from './instance.js'
import {resolveCached} from './resolve.js'
import {HELLO_CHANNEL} from './link.js'
import type {Sentinel} from './sentinel.js'
import {askMasterStateToOtherSentinels, failoverStateMachine, sendSlaveOf, startFailoverIfNeeded} from './failover.js'

export function isReplyError(r: unknown): r is Error {
  return r instanceof Error && r.name === 'ReplyError'
}

/** sentinelReconnectInstance: open missing connections, at most once per ping period. */
export function refreshLinks(s: Sentinel, ri: Instance): void {
  const link = ri.link
  if (!link.disconnected || ri.port === 0) return
  const now = s.now()
  if (now - link.lastReconnTime < s.t['ping-period']) return
  // resolve-hostnames: the name is resolved again before every reconnection (a first lookup
  // still under way postpones the attempt to a later tick).
  if (s.resolveHostnames && !link.cc) {
    const ip = resolveCached(ri.host)
    if (ip === undefined) return
    if (ip) ri.ip = ip
  }
  link.lastReconnTime = now
  const master = ri.kind === 'master' ? ri : ri.master!
  let username: string | undefined
  let password: string | undefined
  if (ri.kind === 'sentinel') {
    // Sentinels share one password: sentinel-user/pass, or our own requirepass.
    username = s.sentinelUser || undefined
    password = s.sentinelPass || s.server.config.get('requirepass') || undefined
  } else {
    username = master.authUser ?? undefined
    password = master.authPass ?? undefined
  }
  link.connect(
    {
      host: ri.ip || ri.host,
      port: ri.port,
      username,
      password,
      clientName: (type) => `sentinel-${s.myid.slice(0, 8)}-${type}`,
      onHello: ri.kind === 'sentinel' ? null : (msg) => receiveHello(s, msg),
      connectTimeout: Math.max(1000, Math.min(ri.downAfter, 10000)),
    },
    now,
  )
  // A fresh command link answers PINGs again: send one right away (redis does the same).
  if (link.cc) sendPing(s, ri)
}

function mapCommand(ri: Instance, name: string): string {
  const master = ri.kind === 'master' ? ri : ri.master
  return master?.renamedCommands.get(name.toLowerCase()) ?? name
}

export function sendPing(s: Sentinel, ri: Instance): boolean {
  const link = ri.link
  const p = link.send([mapCommand(ri, 'PING')])
  if (!p) return false
  const now = s.now()
  link.lastPingTime = now
  if (link.actPingTime === 0) link.actPingTime = now
  const cc = link.cc
  void p.then((r) => {
    if (link.cc !== cc || (r instanceof Error && !isReplyError(r))) return
    const text = r instanceof Error ? r.message : String(r)
    if (text.startsWith('PONG') || text.startsWith('LOADING') || text.startsWith('MASTERDOWN')) {
      link.lastAvailTime = s.now()
      link.actPingTime = 0
      if (ri.flags & F.MASTER_REBOOT && text.startsWith('PONG')) ri.flags &= ~F.MASTER_REBOOT
    } else if (text.startsWith('BUSY') && ri.flags & F.S_DOWN && !(ri.flags & F.SCRIPT_KILL_SENT)) {
      link.send([mapCommand(ri, 'SCRIPT'), 'KILL'])
      ri.flags |= F.SCRIPT_KILL_SENT
    }
    link.lastPongTime = s.now()
  })
  return true
}

/** sentinelSendHello: ip,port,runid,current_epoch,master_name,master_ip,master_port,master_config_epoch */
export function sendHello(s: Sentinel, ri: Instance): boolean {
  if (ri.link.disconnected) return false
  const master = ri.kind === 'master' ? ri : ri.master!
  const addr = currentMasterAddr(master)
  const ip = s.announceIp || ri.link.localAddress()?.replace(/^::ffff:/, '')
  if (!ip) return false
  const port = s.announcePort || s.server.port
  const payload = `${ip},${port},${s.myid},${s.currentEpoch},${master.name},${announceAddr(s, addr)},${addr.port},${master.configEpoch}`
  const p = ri.link.send([mapCommand(ri, 'PUBLISH'), HELLO_CHANNEL, payload])
  if (!p) return false
  void p.then((r) => {
    if (!(r instanceof Error)) ri.lastPubTime = s.now()
  })
  return true
}


function sendPeriodicCommands(s: Sentinel, ri: Instance): void {
  const link = ri.link
  if (link.disconnected) return
  if (link.pendingCommands >= MAX_PENDING_COMMANDS) return
  const now = s.now()
  // Replicas of a master in trouble (or that lost their own link) are polled every second.
  const infoPeriod = ri.kind === 'slave' && (ri.master!.flags & (F.O_DOWN | F.FAILOVER_IN_PROGRESS) || ri.masterLinkDownTime !== 0) ? 1000 : s.t['info-period']
  const pingPeriod = Math.min(ri.downAfter, s.t['ping-period'])
  if (ri.kind !== 'sentinel' && (ri.infoRefresh === 0 || now - ri.infoRefresh > infoPeriod)) {
    const cc = link.cc
    const p = link.send([mapCommand(ri, 'INFO')])
    void p?.then((r) => {
      if (link.cc === cc && typeof r === 'string') refreshInstanceInfo(s, ri, r)
    })
  }
  if (now - link.lastPongTime > pingPeriod && now - link.lastPingTime > pingPeriod / 2) sendPing(s, ri)
  if (now - ri.lastPubTime > s.t['publish-period']) sendHello(s, ri)
}

export function handleInstance(s: Sentinel, ri: Instance): void {
  sendPeriodicCommands(s, ri)
  if (s.tilt) {
    if (s.now() - s.tiltStartTime < s.t['tilt-period']) return
    s.tilt = false
    s.event('warning', '-tilt', null, '#tilt mode exited')
  }
  checkSubjectivelyDown(s, ri)
  if (ri.flags & F.MASTER) {
    checkObjectivelyDown(s, ri)
    if (startFailoverIfNeeded(s, ri)) askMasterStateToOtherSentinels(s, ri, true)
    failoverStateMachine(s, ri)
    askMasterStateToOtherSentinels(s, ri, false)
  }
}

// ---- INFO --------------------------------------------------------------------------------

function masterLooksSane(s: Sentinel, m: Instance): boolean {
  return !!(m.flags & F.MASTER) && m.roleReported === 'master' && (m.flags & (F.S_DOWN | F.O_DOWN)) === 0 && s.now() - m.infoRefresh < s.t['info-period'] * 2
}

export function noDownFor(s: Sentinel, ri: Instance, ms: number): boolean {
  const recent = Math.max(ri.sDownSince, ri.oDownSince)
  return recent === 0 || s.now() - recent > ms
}

/** sentinelRefreshInstanceInfo: the reading half, then the acting half (skipped in TILT). */
export function refreshInstanceInfo(s: Sentinel, ri: Instance, info: string): void {
  ri.info = info
  ri.masterLinkDownTime = 0
  let role: 'master' | 'slave' | null = null
  const now = s.now()
  for (const l of info.split('\r\n')) {
    if (l.length >= 47 && l.startsWith('run_id:')) {
      const id = l.slice(7, 47)
      if (ri.runid === null) ri.runid = id
      else if (ri.runid !== id) {
        s.event('notice', '+reboot', ri)
        if (ri.flags & F.MASTER && ri.masterRebootDownAfter !== 0) {
          ri.flags |= F.MASTER_REBOOT
          ri.masterRebootSince = now
        }
        ri.runid = id
      }
    }
    if (ri.flags & F.MASTER && /^slave\d+:/.test(l)) {
      let ip: string | undefined
      let port: string | undefined
      if (!l.includes('ip=')) {
        const parts = l.slice(l.indexOf(':') + 1).split(',')
        if (parts.length < 3) continue
        ;[ip, port] = parts
      } else {
        ip = /ip=([^,]*)/.exec(l)?.[1]
        port = /port=([^,]*)/.exec(l)?.[1]
      }
      if (ip === undefined || port === undefined) continue
      const p = parseInt(port, 10)
      if (!s.findByAddrAndRunid(ri.slaves, ip, p, null)) {
        try {
          const slave = s.createInstance('slave', null, ip, p, ri.quorum, ri)
          s.event('notice', '+slave', slave)
          s.flushConfig()
        } catch {
          /* invalid address */
        }
      }
    }
    if (l.startsWith('master_link_down_since_seconds:')) ri.masterLinkDownTime = parseInt(l.slice(31), 10) * 1000
    if (l.startsWith('role:master')) role = 'master'
    else if (l.startsWith('role:slave')) role = 'slave'
    if (role === 'slave') {
      if (l.startsWith('master_host:')) {
        const h = l.slice(12)
        if (ri.slaveMasterHost === null || ri.slaveMasterHost.toLowerCase() !== h.toLowerCase()) {
          ri.slaveMasterHost = h
          ri.slaveConfChangeTime = now
        }
      }
      if (l.startsWith('master_port:')) {
        const p = parseInt(l.slice(12), 10)
        if (ri.slaveMasterPort !== p) {
          ri.slaveMasterPort = p
          ri.slaveConfChangeTime = now
        }
      }
      if (l.startsWith('master_link_status:')) ri.slaveMasterLinkUp = l.slice(19).toLowerCase() === 'up'
      if (l.startsWith('slave_priority:')) ri.slavePriority = parseInt(l.slice(15), 10)
      if (l.startsWith('slave_repl_offset:')) ri.slaveReplOffset = Number(l.slice(18))
      if (l.startsWith('replica_announced:')) ri.replicaAnnounced = parseInt(l.slice(18), 10) !== 0
    }
  }
  ri.infoRefresh = now
  if (role === null) return

  if (role !== ri.roleReported) {
    ri.roleReportedTime = now
    ri.roleReported = role
    if (role === 'slave') ri.slaveConfChangeTime = now
    const coherent = (ri.kind === 'master' && role === 'master') || (ri.kind === 'slave' && role === 'slave')
    s.event('verbose', coherent ? '+role-change' : '-role-change', ri, `new reported role is ${role}`)
  }
  if (s.tilt) return
  const master = ri.master
  if (ri.kind === 'slave' && role === 'master' && master) {
    if (ri.flags & F.PROMOTED && master.flags & F.FAILOVER_IN_PROGRESS && master.failoverState === FS.WAIT_PROMOTION) {
      // The promoted replica is a master now: our failover epoch becomes the config epoch.
      master.configEpoch = master.failoverEpoch
      master.failoverState = FS.RECONF_SLAVES
      master.failoverStateChangeTime = now
      s.flushConfig()
      s.event('warning', '+promoted-slave', ri)
      if (s.simFailure.crashAfterPromotion) simFailureCrash(s)
      s.event('warning', '+failover-state-reconf-slaves', master)
      s.clientReconfScript(master, 'leader', master, ri)
      forceHelloUpdate(s, master)
    } else {
      const wait = s.t['publish-period'] * 4
      if (!(ri.flags & F.PROMOTED) && masterLooksSane(s, master) && noDownFor(s, ri, wait) && now - ri.roleReportedTime > wait) {
        if (sendSlaveOf(s, ri, master)) s.event('notice', '+convert-to-slave', ri)
      }
    }
  }
  if (ri.kind === 'slave' && role === 'slave' && master && !addrEqualsHost(master, ri.slaveMasterHost ?? '', ri.slaveMasterPort)) {
    const wait = master.failoverTimeout
    if (masterLooksSane(s, master) && noDownFor(s, ri, wait) && now - ri.slaveConfChangeTime > wait) {
      if (sendSlaveOf(s, ri, master)) s.event('notice', '+fix-slave-config', ri)
    }
  }
  if (ri.kind === 'slave' && role === 'slave' && master && ri.flags & (F.RECONF_SENT | F.RECONF_INPROG) && master.promoted) {
    if (ri.flags & F.RECONF_SENT && ri.slaveMasterHost !== null && addrEqualsHost(master.promoted, ri.slaveMasterHost, ri.slaveMasterPort)) {
      ri.flags &= ~F.RECONF_SENT
      ri.flags |= F.RECONF_INPROG
      s.event('notice', '+slave-reconf-inprog', ri)
    }
    if (ri.flags & F.RECONF_INPROG && ri.slaveMasterLinkUp) {
      ri.flags &= ~F.RECONF_INPROG
      ri.flags |= F.RECONF_DONE
      s.event('notice', '+slave-reconf-done', ri)
    }
  }
}


// ---- hello -------------------------------------------------------------------------------

function receiveHello(s: Sentinel, msg: string): void {
  if (msg.includes(s.myid)) return // our own hello
  processHello(s, msg)
}

/** sentinelProcessHelloMessage (also reached through PUBLISH sent directly to this Sentinel). */
export function processHello(s: Sentinel, hello: string): void {
  const tok = hello.split(',')
  if (tok.length !== 8) return
  const master = s.masters.get(tok[4])
  if (!master) return
  const port = parseInt(tok[1], 10)
  const masterPort = parseInt(tok[6], 10)
  const runid = tok[2]
  const currentEpoch = Number(tok[3])
  const masterConfigEpoch = Number(tok[7])
  let si = s.findByAddrAndRunid(master.sentinels, tok[0], port, runid)
  if (!si) {
    const removed = s.removeSentinelByRunid(master, runid)
    if (removed) s.event('notice', '+sentinel-address-switch', master, `ip ${tok[0]} port ${port} for ${runid}`)
    else {
      const other = s.findByAddrAndRunid(master.sentinels, tok[0], port, null)
      if (other) {
        s.event('notice', '+sentinel-invalid-addr', other)
        const obsolete = other.runid
        if (obsolete) for (const m of s.masters.values()) s.removeSentinelByRunid(m, obsolete)
      }
    }
    try {
      si = s.createInstance('sentinel', runid, tok[0], port, master.quorum, master)
      if (!removed) s.event('notice', '+sentinel', si)
      si.runid = runid
      if (removed) updateSentinelAddressInAllMasters(s, si)
      s.flushConfig()
    } catch {
      si = undefined
    }
  }
  if (currentEpoch > s.currentEpoch) {
    s.currentEpoch = currentEpoch
    s.flushConfig()
    s.event('warning', '+new-epoch', master, String(s.currentEpoch), false)
  }
  if (si && master.configEpoch < masterConfigEpoch) {
    master.configEpoch = masterConfigEpoch
    if (!addrEqualsHost(master, tok[5], masterPort)) {
      s.event('warning', '+config-update-from', si)
      s.event('warning', '+switch-master', master, `${master.name} ${announceAddr(s, master)} ${master.port} ${tok[5]} ${masterPort}`, false)
      const from = {host: master.host, ip: master.ip, port: master.port}
      s.resetMasterAndChangeAddress(master, tok[5], masterPort)
      s.clientReconfScript(master, 'observer', from, master)
    }
  }
  if (si) si.lastHelloTime = s.now()
}

/** A Sentinel moved: update its address under every other master too (same run id). */
function updateSentinelAddressInAllMasters(s: Sentinel, si: Instance): void {
  for (const m of s.masters.values()) {
    if (m === si.master) continue
    const match = s.findByAddrAndRunid(m.sentinels, null, 0, si.runid)
    if (!match || (match.host === si.host && match.port === si.port)) continue
    match.link.closeConnection()
    match.host = si.host
    match.ip = si.ip
    match.port = si.port
    s.event('notice', '+sentinel-address-update', match, `${announceAddr(s, si)} ${si.port}`)
  }
}

// ---- failure detection ---------------------------------------------------------------------

function checkSubjectivelyDown(s: Sentinel, ri: Instance): void {
  const link = ri.link
  const now = s.now()
  let elapsed = 0
  if (link.actPingTime) elapsed = now - link.actPingTime
  else if (link.disconnected) elapsed = now - link.lastAvailTime
  // A command link with a PING pending for half the down-after time is likely stuck: reconnect.
  if (link.cc && now - link.ccConnTime > s.t['min-link-reconnect-period'] && link.actPingTime !== 0 && now - link.actPingTime > ri.downAfter / 2 && now - link.lastPongTime > ri.downAfter / 2) {
    link.closeConnection(link.cc)
  }
  // A Pub/Sub link silent for three publish periods (we hear our own hellos) is stuck too.
  if (link.pc && now - link.pcConnTime > s.t['min-link-reconnect-period'] && now - link.pcLastActivity > s.t['publish-period'] * 3) {
    link.closeConnection(link.pc)
  }
  const down =
    elapsed > ri.downAfter ||
    (ri.flags & F.MASTER && ri.roleReported === 'slave' && now - ri.roleReportedTime > ri.downAfter + s.t['info-period'] * 2) ||
    (ri.flags & F.MASTER_REBOOT && now - ri.masterRebootSince > ri.masterRebootDownAfter)
  if (down) {
    if (!(ri.flags & F.S_DOWN)) {
      s.event('warning', '+sdown', ri)
      ri.sDownSince = now
      ri.flags |= F.S_DOWN
    }
  } else if (ri.flags & F.S_DOWN) {
    s.event('warning', '-sdown', ri)
    ri.flags &= ~(F.S_DOWN | F.SCRIPT_KILL_SENT)
  }
}

function checkObjectivelyDown(s: Sentinel, m: Instance): void {
  let quorum = 0
  let odown = false
  if (m.flags & F.S_DOWN) {
    quorum = 1
    for (const ri of m.sentinels.values()) if (ri.flags & F.MASTER_DOWN) quorum++
    if (quorum >= m.quorum) odown = true
  }
  if (odown) {
    if (!(m.flags & F.O_DOWN)) {
      s.event('warning', '+odown', m, `#quorum ${quorum}/${m.quorum}`)
      m.flags |= F.O_DOWN
      m.oDownSince = s.now()
    }
  } else if (m.flags & F.O_DOWN) {
    s.event('warning', '-odown', m)
    m.flags &= ~F.O_DOWN
  }
}

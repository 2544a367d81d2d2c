// The acting half (sentinel.c "FAILOVER"): asking other Sentinels about the master
// (IS-MASTER-DOWN-BY-ADDR), votes and leader election by epoch, replica selection and the
// failover state machine: wait_start -> select_slave -> send_slaveof_noone -> wait_promotion
// -> reconf_slaves -> update_config (+switch-master).
import {F, FS, MAX_DESYNC, announceAddr, forceHelloUpdate, simFailureCrash, type Addr, type Instance} from './instance.js'
import type {Sentinel} from './sentinel.js'

/** SLAVEOF host port (or NO ONE) + CONFIG REWRITE + CLIENT KILL TYPE normal/pubsub, in MULTI. */
export function sendSlaveOf(s: Sentinel, ri: Instance, to: Addr | null): boolean {
  const cc = ri.link.cc
  if (!cc) return false
  const master = ri.kind === 'master' ? ri : ri.master!
  const name = (c: string) => master.renamedCommands.get(c.toLowerCase()) ?? c
  const args = to ? [announceAddr(s, to), String(to.port)] : ['NO', 'ONE']
  ri.link.pendingCommands += 6
  cc.multi([
    [name('SLAVEOF'), ...args],
    [name('CONFIG'), 'REWRITE'],
    [name('CLIENT'), 'KILL', 'TYPE', 'normal'],
    [name('CLIENT'), 'KILL', 'TYPE', 'pubsub'],
  ], name)
    .then(
      () => undefined,
      () => undefined,
    )
    .finally(() => {
      if (ri.link.cc === cc) ri.link.pendingCommands = Math.max(0, ri.link.pendingCommands - 6)
    })
  return true
}

export function askMasterStateToOtherSentinels(s: Sentinel, m: Instance, forced: boolean): void {
  for (const ri of m.sentinels.values()) {
    const elapsed = s.now() - ri.lastMasterDownReplyTime
    if (elapsed > s.t['ask-period'] * 5) {
      ri.flags &= ~F.MASTER_DOWN
      ri.leader = null
    }
    if (!(m.flags & F.S_DOWN)) continue
    if (ri.link.disconnected) continue
    if (!forced && s.now() - ri.lastMasterDownReplyTime < s.t['ask-period']) continue
    const cc = ri.link.cc
    const runid = m.failoverState > FS.NONE ? s.myid : '*'
    const p = ri.link.send(['SENTINEL', 'is-master-down-by-addr', announceAddr(s, m), m.port, s.currentEpoch, runid])
    void p?.then((r) => {
      if (ri.link.cc !== cc || !Array.isArray(r) || r.length !== 3) return
      const [down, leader, epoch] = r as unknown[]
      if (typeof down !== 'number' || typeof leader !== 'string' || typeof epoch !== 'number') return
      ri.lastMasterDownReplyTime = s.now()
      if (down === 1) ri.flags |= F.MASTER_DOWN
      else ri.flags &= ~F.MASTER_DOWN
      if (leader !== '*') {
        if (ri.leaderEpoch !== epoch) s.server.log.warning(`${ri.name} voted for ${leader} ${epoch}`)
        ri.leader = leader
        ri.leaderEpoch = epoch
      }
    })
  }
}

/** sentinelVoteLeader: one vote per epoch; returns our (possibly earlier) vote. */
export function voteLeader(s: Sentinel, m: Instance, reqEpoch: number, reqRunid: string): {leader: string | null; epoch: number} {
  if (reqEpoch > s.currentEpoch) {
    s.currentEpoch = reqEpoch
    s.flushConfig()
    s.event('warning', '+new-epoch', m, String(s.currentEpoch), false)
  }
  if (m.leaderEpoch < reqEpoch && s.currentEpoch <= reqEpoch) {
    m.leader = reqRunid
    m.leaderEpoch = s.currentEpoch
    s.flushConfig()
    s.event('warning', '+vote-for-leader', m, `${m.leader} ${m.leaderEpoch}`, false)
    // Voting for someone else delays our own attempt for this master.
    if (m.leader.toLowerCase() !== s.myid) m.failoverStartTime = s.now() + Math.floor(Math.random() * MAX_DESYNC)
  }
  return {leader: m.leader, epoch: m.leaderEpoch}
}

/** sentinelGetLeader: the winner needs a majority of all known Sentinels and at least quorum votes. */
function getLeader(s: Sentinel, m: Instance, epoch: number): string | null {
  const counters = new Map<string, number>()
  const voters = m.sentinels.size + 1
  for (const ri of m.sentinels.values()) {
    if (ri.leader !== null && ri.leaderEpoch === s.currentEpoch) counters.set(ri.leader, (counters.get(ri.leader) ?? 0) + 1)
  }
  let winner: string | null = null
  let maxVotes = 0
  for (const [id, votes] of counters) {
    if (votes > maxVotes) {
      maxVotes = votes
      winner = id
    }
  }
  const my = voteLeader(s, m, epoch, winner ?? s.myid)
  if (my.leader && my.epoch === epoch) {
    const votes = (counters.get(my.leader) ?? 0) + 1
    counters.set(my.leader, votes)
    if (votes > maxVotes) {
      maxVotes = votes
      winner = my.leader
    }
  }
  if (winner && (maxVotes < Math.floor(voters / 2) + 1 || maxVotes < m.quorum)) winner = null
  return winner
}

export function startFailover(s: Sentinel, m: Instance): void {
  m.failoverState = FS.WAIT_START
  m.flags |= F.FAILOVER_IN_PROGRESS
  m.failoverEpoch = ++s.currentEpoch
  s.event('warning', '+new-epoch', m, String(s.currentEpoch), false)
  s.event('warning', '+try-failover', m)
  m.failoverStartTime = s.now() + Math.floor(Math.random() * MAX_DESYNC)
  m.failoverStateChangeTime = s.now()
}

export function startFailoverIfNeeded(s: Sentinel, m: Instance): boolean {
  if (!(m.flags & F.O_DOWN)) return false
  if (m.flags & F.FAILOVER_IN_PROGRESS) return false
  if (s.now() - m.failoverStartTime < m.failoverTimeout * 2) {
    if (m.failoverDelayLogged !== m.failoverStartTime) {
      m.failoverDelayLogged = m.failoverStartTime
      s.server.log.warning(`Next failover delay: I will not start a failover before ${new Date(m.failoverStartTime + m.failoverTimeout * 2).toString().slice(0, 24)}`)
    }
    return false
  }
  startFailover(s, m)
  return true
}

/** sentinelSelectSlave: healthy, fresh, not too long disconnected, priority > 0; best first. */
export function selectSlave(s: Sentinel, m: Instance): Instance | null {
  const now = s.now()
  let maxMasterDownTime = m.downAfter * 10
  if (m.flags & F.S_DOWN) maxMasterDownTime += now - m.sDownSince
  const ok: Instance[] = []
  for (const sl of m.slaves.values()) {
    if (sl.flags & (F.S_DOWN | F.O_DOWN)) continue
    if (sl.link.disconnected) continue
    if (now - sl.link.lastAvailTime > s.t['ping-period'] * 5) continue
    if (sl.slavePriority === 0) continue
    const validity = m.flags & F.S_DOWN ? s.t['ping-period'] * 5 : s.t['info-period'] * 3
    if (now - sl.infoRefresh > validity) continue
    if (sl.masterLinkDownTime > maxMasterDownTime) continue
    ok.push(sl)
  }
  ok.sort((a, b) => {
    if (a.slavePriority !== b.slavePriority) return a.slavePriority - b.slavePriority
    if (a.slaveReplOffset !== b.slaveReplOffset) return a.slaveReplOffset > b.slaveReplOffset ? -1 : 1
    if (a.runid === null && b.runid === null) return 0
    if (a.runid === null) return 1
    if (b.runid === null) return -1
    const x = a.runid.toLowerCase()
    const y = b.runid.toLowerCase()
    return x < y ? -1 : x > y ? 1 : 0
  })
  return ok[0] ?? null
}

function abortFailover(m: Instance): void {
  m.flags &= ~(F.FAILOVER_IN_PROGRESS | F.FORCE_FAILOVER)
  m.failoverState = FS.NONE
  m.failoverStateChangeTime = Date.now()
  if (m.promoted) {
    m.promoted.flags &= ~F.PROMOTED
    m.promoted = null
  }
}

function waitStart(s: Sentinel, m: Instance): void {
  const leader = getLeader(s, m, m.failoverEpoch)
  const isLeader = leader !== null && leader.toLowerCase() === s.myid
  if (!isLeader && !(m.flags & F.FORCE_FAILOVER)) {
    const electionTimeout = Math.min(s.t['election-timeout'], m.failoverTimeout)
    if (s.now() - m.failoverStartTime > electionTimeout) {
      s.event('warning', '-failover-abort-not-elected', m)
      abortFailover(m)
    }
    return
  }
  s.event('warning', '+elected-leader', m)
  if (s.simFailure.crashAfterElection) simFailureCrash(s)
  m.failoverState = FS.SELECT_SLAVE
  m.failoverStateChangeTime = s.now()
  s.event('warning', '+failover-state-select-slave', m)
}

function selectSlaveState(s: Sentinel, m: Instance): void {
  const sl = selectSlave(s, m)
  if (!sl) {
    s.event('warning', '-failover-abort-no-good-slave', m)
    abortFailover(m)
    return
  }
  s.event('warning', '+selected-slave', sl)
  sl.flags |= F.PROMOTED
  m.promoted = sl
  m.failoverState = FS.SEND_SLAVEOF_NOONE
  m.failoverStateChangeTime = s.now()
  s.event('notice', '+failover-state-send-slaveof-noone', sl)
}

function sendSlaveOfNoOne(s: Sentinel, m: Instance): void {
  const p = m.promoted!
  if (p.link.disconnected) {
    if (s.now() - m.failoverStateChangeTime > m.failoverTimeout) {
      s.event('warning', '-failover-abort-slave-timeout', m)
      abortFailover(m)
    }
    return
  }
  if (!sendSlaveOf(s, p, null)) return
  s.event('notice', '+failover-state-wait-promotion', p)
  m.failoverState = FS.WAIT_PROMOTION
  m.failoverStateChangeTime = s.now()
}

function waitPromotion(s: Sentinel, m: Instance): void {
  // Progress is noticed by INFO (monitor.ts refreshInstanceInfo); here only the timeout.
  if (s.now() - m.failoverStateChangeTime > m.failoverTimeout) {
    s.event('warning', '-failover-abort-slave-timeout', m)
    abortFailover(m)
  }
}

function detectEnd(s: Sentinel, m: Instance): void {
  const elapsed = s.now() - m.failoverStateChangeTime
  if (!m.promoted || m.promoted.flags & F.S_DOWN) return
  let notReconfigured = 0
  for (const sl of m.slaves.values()) {
    if (sl.flags & (F.PROMOTED | F.RECONF_DONE)) continue
    if (sl.flags & F.S_DOWN) continue
    notReconfigured++
  }
  let timeout = false
  if (elapsed > m.failoverTimeout) {
    notReconfigured = 0
    timeout = true
    s.event('warning', '+failover-end-for-timeout', m)
  }
  if (notReconfigured === 0) {
    s.event('warning', '+failover-end', m)
    m.failoverState = FS.UPDATE_CONFIG
    m.failoverStateChangeTime = s.now()
  }
  if (timeout) {
    for (const sl of m.slaves.values()) {
      if (sl.flags & (F.PROMOTED | F.RECONF_DONE | F.RECONF_SENT)) continue
      if (sl.link.disconnected) continue
      if (sendSlaveOf(s, sl, m.promoted)) {
        s.event('notice', '+slave-reconf-sent-be', sl)
        sl.flags |= F.RECONF_SENT
      }
    }
  }
}

function reconfNextSlave(s: Sentinel, m: Instance): void {
  let inProgress = 0
  for (const sl of m.slaves.values()) if (sl.flags & (F.RECONF_SENT | F.RECONF_INPROG)) inProgress++
  for (const sl of m.slaves.values()) {
    if (inProgress >= m.parallelSyncs) break
    if (sl.flags & (F.PROMOTED | F.RECONF_DONE)) continue
    if (sl.flags & F.RECONF_SENT && s.now() - sl.slaveReconfSentTime > s.t['slave-reconf-timeout']) {
      s.event('notice', '-slave-reconf-sent-timeout', sl)
      sl.flags &= ~F.RECONF_SENT
      sl.flags |= F.RECONF_DONE
    }
    if (sl.flags & (F.RECONF_SENT | F.RECONF_INPROG)) continue
    if (sl.link.disconnected) continue
    if (sendSlaveOf(s, sl, m.promoted!)) {
      sl.flags |= F.RECONF_SENT
      sl.slaveReconfSentTime = s.now()
      s.event('notice', '+slave-reconf-sent', sl)
      inProgress++
    }
  }
  detectEnd(s, m)
}

export function switchToPromoted(s: Sentinel, m: Instance): void {
  const ref = m.promoted ?? m
  s.event('warning', '+switch-master', m, `${m.name} ${announceAddr(s, m)} ${m.port} ${announceAddr(s, ref)} ${ref.port}`, false)
  s.resetMasterAndChangeAddress(m, ref.host, ref.port)
}

export function failoverStateMachine(s: Sentinel, m: Instance): void {
  if (!(m.flags & F.FAILOVER_IN_PROGRESS)) return
  switch (m.failoverState) {
    case FS.WAIT_START:
      return waitStart(s, m)
    case FS.SELECT_SLAVE:
      return selectSlaveState(s, m)
    case FS.SEND_SLAVEOF_NOONE:
      return sendSlaveOfNoOne(s, m)
    case FS.WAIT_PROMOTION:
      return waitPromotion(s, m)
    case FS.RECONF_SLAVES:
      return reconfNextSlave(s, m)
  }
}

export {forceHelloUpdate}

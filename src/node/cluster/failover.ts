// Replica election, voting, manual failover and replica migration (redis 7.0 cluster.c
// clusterHandleSlaveFailover, clusterSendFailoverAuthIfNeeded, clusterGetSlaveRank,
// clusterFailoverReplaceYourMaster, clusterHandleManualFailover, clusterHandleSlaveMigration),
// step by step with the same timers, conditions and log lines.
import {MFlag0, MsgType, NodeFlag} from './bus/codec.js'
import {CANT_FAILOVER_RELOG_PERIOD, CantFailover, CLUSTER_MF_PAUSE_MULT, CLUSTER_MF_TIMEOUT, CLUSTER_SLAVE_MIGRATION_DELAY} from './failover-state.js'
import {broadcastPong, buildHeader, sendPing} from './gossip.js'
import {CLUSTER_SLOTS, bitTest, type BusLink, type ClusterNode} from './node.js'
import {Todo, type ClusterState} from './state.js'
import type {BusHeader} from './bus/codec.js'
import {encode} from './bus/codec.js'

function replOffset(st: ClusterState): number {
  return st.hooks.replication?.().offset ?? st.myself.replOffset
}

function countNonFailingReplicas(st: ClusterState, master: ClusterNode): number {
  let n = 0
  for (const r of st.replicasOf(master)) if (!r.failed) n++
  return n
}

/** clusterGetSlaveRank: replicas of my master with a better offset than mine. */
export function replicaRank(st: ClusterState): number {
  const master = st.masterOf(st.myself)
  if (!master) return 0
  const mine = replOffset(st)
  let rank = 0
  for (const r of st.replicasOf(master)) {
    if (r !== st.myself && !r.has(NodeFlag.NOFAILOVER) && r.replOffset > mine) rank++
  }
  return rank
}

function logCantFailover(st: ClusterState, reason: number): void {
  const fo = st.fo
  const now = st.now()
  if (reason === fo.cantReason && now - fo.lastCantLog < CANT_FAILOVER_RELOG_PERIOD) return
  fo.cantReason = reason
  // Quiet while the master only just failed: the election is expected to take a moment.
  const master = st.masterOf(st.myself)
  if (master && master.failed && now - master.failTime < st.config.nodeTimeout + 5000) return
  const msg =
    reason === CantFailover.DATA_AGE ? "Disconnected from master for longer than allowed. Please check the 'cluster-replica-validity-factor' configuration option."
    : reason === CantFailover.WAITING_DELAY ? 'Waiting the delay before I can start a new failover.'
    : reason === CantFailover.EXPIRED ? 'Failover attempt expired.'
    : reason === CantFailover.WAITING_VOTES ? 'Waiting for votes, but majority still not reached.'
    : 'Unknown reason code.'
  fo.lastCantLog = now
  st.log(`Currently unable to failover: ${msg}`)
}

/** clusterRequestFailoverAuth: FAILOVER_AUTH_REQUEST to every node (FORCEACK in a manual failover). */
function requestFailoverAuth(st: ClusterState): void {
  const h = buildHeader(st, MsgType.FAILOVER_AUTH_REQUEST)
  if (st.fo.mfEnd) h.mflags[0] |= MFlag0.FORCEACK
  const frame = encode({header: h, body: {kind: 'empty'}})
  for (const n of st.nodes.values()) {
    if (n.isMyself || n.inHandshake || !n.link) continue
    st.statsSent[MsgType.FAILOVER_AUTH_REQUEST]++
    n.link.send(frame)
  }
}

function sendToNode(st: ClusterState, node: ClusterNode, type: number): void {
  if (!node.link) return
  st.statsSent[type]++
  node.link.send(encode({header: buildHeader(st, type), body: {kind: 'empty'}}))
}

/** clusterFailoverReplaceYourMaster: take the old master's slots, become master, tell everyone. */
export function replaceMyMaster(st: ClusterState): void {
  const me = st.myself
  const old = st.masterOf(me)
  if (me.isMaster || !old) return
  st.setNodeAsMaster(me)
  st.hooks.onSetMaster?.(null) // replicationUnsetMaster: PSYNC2 keeps the old history as replid2
  for (let j = 0; j < CLUSTER_SLOTS; j++) {
    if (bitTest(old.slots, j)) {
      st.delSlot(j)
      st.addSlot(me, j)
    }
  }
  st.updateState()
  st.saveNow(true)
  broadcastPong(st)
  resetManualFailover(st)
}

/** clusterHandleSlaveFailover: called from the cron and when votes arrive. */
export function handleReplicaFailover(st: ClusterState): void {
  const fo = st.fo
  const me = st.myself
  const now = st.now()
  const authAge = now - fo.authTime
  const neededQuorum = Math.floor(st.size / 2) + 1
  const manual = fo.mfEnd !== 0 && fo.mfCanStart
  const authTimeout = Math.max(2000, st.config.nodeTimeout * 2)
  const authRetryTime = authTimeout * 2
  const master = st.masterOf(me)
  // Redis shuts down synchronously; this node awaits its final saves, and must not start (or win)
  // an election meanwhile: it would take its master's slots and then exit.
  if (me.isMaster || !master || (!master.failed && !manual) || (st.config.replicaNoFailover && !manual) || master.numSlots === 0 || st.hooks.shuttingDown?.()) {
    fo.cantReason = CantFailover.NONE
    return
  }
  const repl = st.hooks.replication?.()
  let dataAge = repl ? (repl.connected ? Math.floor(now / 1000) * 1000 - Math.floor(repl.lastIo / 1000) * 1000 : repl.downSince ? (Math.floor(now / 1000) - Math.floor(repl.downSince / 1000)) * 1000 : now) : 0
  if (dataAge > st.config.nodeTimeout) dataAge -= st.config.nodeTimeout
  const factor = st.config.replicaValidityFactor
  if (factor && dataAge > st.config.replPingPeriod * 1000 + st.config.nodeTimeout * factor) {
    if (!manual) {
      logCantFailover(st, CantFailover.DATA_AGE)
      return
    }
  }
  if (authAge > authRetryTime) {
    fo.authTime = now + 500 + Math.floor(Math.random() * 500)
    fo.authCount = 0
    fo.authSent = false
    fo.authRank = replicaRank(st)
    fo.authTime += fo.authRank * 1000
    if (fo.mfEnd) {
      fo.authTime = now
      fo.authRank = 0
      st.mark(Todo.HANDLE_FAILOVER)
    }
    st.log(`Start of election delayed for ${fo.authTime - now} milliseconds (rank #${fo.authRank}, offset ${replOffset(st)}).`)
    // Tell the other replicas of my master my offset, so they can update their rank.
    for (const r of st.replicasOf(master)) if (r !== me && r.link) sendPing(st, r.link, MsgType.PONG)
    return
  }
  if (!fo.authSent && fo.mfEnd === 0) {
    const rank = replicaRank(st)
    if (rank > fo.authRank) {
      const added = (rank - fo.authRank) * 1000
      fo.authTime += added
      fo.authRank = rank
      st.log(`Replica rank updated to #${rank}, added ${added} milliseconds of delay.`)
    }
  }
  if (now < fo.authTime) {
    logCantFailover(st, CantFailover.WAITING_DELAY)
    return
  }
  if (authAge > authTimeout) {
    logCantFailover(st, CantFailover.EXPIRED)
    return
  }
  if (!fo.authSent) {
    st.currentEpoch++
    fo.authEpoch = st.currentEpoch
    st.log(`Starting a failover election for epoch ${st.currentEpoch}.`)
    // The new currentEpoch is on disk before anyone can vote for it (DESIGN rule 6).
    st.saveNow(true)
    requestFailoverAuth(st)
    fo.authSent = true
    st.mark(Todo.SAVE_CONFIG | Todo.UPDATE_STATE | Todo.FSYNC_CONFIG)
    return
  }
  if (fo.authCount >= neededQuorum) {
    st.log("Failover election won: I'm the new master.")
    if (me.configEpoch < fo.authEpoch) {
      me.configEpoch = fo.authEpoch
      st.log(`configEpoch set to ${me.configEpoch} after successful failover`)
    }
    replaceMyMaster(st)
  } else logCantFailover(st, CantFailover.WAITING_VOTES)
}

/** clusterSendFailoverAuthIfNeeded: a master votes for a replica of a failed master. */
export function sendFailoverAuthIfNeeded(st: ClusterState, node: ClusterNode, h: BusHeader): void {
  const me = st.myself
  const master = st.masterOf(node)
  const forceAck = (h.mflags[0] & MFlag0.FORCEACK) !== 0
  if (me.isReplica || me.numSlots === 0) return
  if (h.currentEpoch < st.currentEpoch) {
    st.log(`Failover auth denied to ${node.id}: reqEpoch (${h.currentEpoch}) < curEpoch(${st.currentEpoch})`)
    return
  }
  if (st.lastVoteEpoch === st.currentEpoch) {
    st.log(`Failover auth denied to ${node.id}: already voted for epoch ${st.currentEpoch}`)
    return
  }
  if (node.isMaster || !master || (!master.failed && !forceAck)) {
    if (node.isMaster) st.log(`Failover auth denied to ${node.id}: it is a master node`)
    else if (!master) st.log(`Failover auth denied to ${node.id}: I don't know its master`)
    else st.log(`Failover auth denied to ${node.id}: its master is up`)
    return
  }
  const now = st.now()
  if (now - master.votedTime < st.config.nodeTimeout * 2) {
    st.log(`Failover auth denied to ${node.id}: can't vote about this master before ${st.config.nodeTimeout * 2 - (now - master.votedTime)} milliseconds`)
    return
  }
  for (let j = 0; j < CLUSTER_SLOTS; j++) {
    if (!bitTest(h.myslots, j)) continue
    const owner = st.slots[j]
    if (!owner || owner.configEpoch <= h.configEpoch) continue
    st.log(`Failover auth denied to ${node.id}: slot ${j} epoch (${owner.configEpoch}) > reqEpoch (${h.configEpoch})`)
    return
  }
  st.lastVoteEpoch = st.currentEpoch
  master.votedTime = now
  // The vote is on disk before it leaves (a restarted master must not vote twice in an epoch).
  st.saveNow(true)
  sendToNode(st, node, MsgType.FAILOVER_AUTH_ACK)
  st.log(`Failover auth granted to ${node.id} for epoch ${st.currentEpoch}`)
}

/** FAILOVER_AUTH_ACK: count votes from slot-owning masters at or past the election epoch. */
export function onAuthAck(st: ClusterState, sender: ClusterNode, h: BusHeader): void {
  if (sender.isMaster && sender.numSlots > 0 && h.currentEpoch >= st.fo.authEpoch) {
    st.fo.authCount++
    st.mark(Todo.HANDLE_FAILOVER)
  }
}

/** MFSTART on a master from one of its replicas: pause writes and report the offset. */
export function onMfStart(st: ClusterState, sender: ClusterNode, link: BusLink): void {
  if (sender.masterId !== st.myself.id) return
  resetManualFailover(st)
  const now = st.now()
  st.fo.mfEnd = now + CLUSTER_MF_TIMEOUT
  st.fo.mfSlave = sender
  st.hooks.pauseWrites?.(now + CLUSTER_MF_TIMEOUT * CLUSTER_MF_PAUSE_MULT)
  st.log(`Manual failover requested by replica ${sender.id}.`)
  sendPing(st, link, MsgType.PING)
}

/** A packet from my master with the PAUSED flag during my manual failover: its final offset. */
export function onPausedMasterOffset(st: ClusterState, sender: ClusterNode, h: BusHeader): void {
  const fo = st.fo
  if (fo.mfEnd && st.myself.isReplica && st.myself.masterId === sender.id && h.mflags[0] & MFlag0.PAUSED && fo.mfMasterOffset === -1) {
    fo.mfMasterOffset = h.offset
    st.mark(Todo.HANDLE_MANUALFAILOVER)
    st.log(`Received replication offset for paused master manual failover: ${fo.mfMasterOffset}`)
  }
}

export function resetManualFailover(st: ClusterState): void {
  const fo = st.fo
  if (fo.mfSlave) st.hooks.unpauseWrites?.()
  fo.mfEnd = 0
  fo.mfCanStart = false
  fo.mfSlave = null
  fo.mfMasterOffset = -1
}

export function manualFailoverCheckTimeout(st: ClusterState): void {
  if (st.fo.mfEnd && st.fo.mfEnd < st.now()) {
    st.log('Manual failover timed out.')
    resetManualFailover(st)
  }
}

/** clusterHandleManualFailover: the replica caught up with the paused master's offset. */
export function handleManualFailover(st: ClusterState): void {
  const fo = st.fo
  if (fo.mfEnd === 0 || fo.mfCanStart || fo.mfMasterOffset === -1) return
  if (fo.mfMasterOffset === replOffset(st)) {
    fo.mfCanStart = true
    st.log('All master replication stream processed, manual failover can start.')
    st.mark(Todo.HANDLE_FAILOVER)
    return
  }
  st.mark(Todo.HANDLE_MANUALFAILOVER)
}

/** CLUSTER FAILOVER [FORCE|TAKEOVER] on a replica: null on success, else the error text. */
export function startManualFailover(st: ClusterState, mode: 'default' | 'force' | 'takeover'): string | null {
  const me = st.myself
  if (me.isMaster) return 'ERR You should send CLUSTER FAILOVER to a replica'
  const master = st.masterOf(me)
  if (!master) return "ERR I'm a replica but my master is unknown to me"
  if (mode === 'default' && (master.failed || !master.link)) return 'ERR Master is down or failed, please use CLUSTER FAILOVER FORCE'
  resetManualFailover(st)
  st.fo.mfEnd = st.now() + CLUSTER_MF_TIMEOUT
  if (mode === 'takeover') {
    st.log('Taking over the master (user request).')
    st.bumpEpochWithoutConsensus()
    replaceMyMaster(st)
  } else if (mode === 'force') {
    st.log('Forced failover user request accepted.')
    st.fo.mfCanStart = true
  } else {
    st.log('Manual failover user request accepted.')
    sendToNode(st, master, MsgType.MFSTART)
  }
  return null
}

/** clusterHandleSlaveMigration: move to an orphaned master if I am the chosen spare. */
export function handleReplicaMigration(st: ClusterState, maxReplicas: number): void {
  const me = st.myself
  const myMaster = st.masterOf(me)
  if (!st.ok || !myMaster) return
  let okReplicas = 0
  for (const r of st.replicasOf(myMaster)) if (!r.failed && !r.timedOut) okReplicas++
  if (okReplicas <= st.config.migrationBarrier) return
  let candidate: ClusterNode = me
  let target: ClusterNode | null = null
  const now = st.now()
  for (const node of st.nodes.values()) {
    let ok = 0
    let orphaned = true
    if (node.isReplica || node.failed) orphaned = false
    if (!node.has(NodeFlag.MIGRATE_TO)) orphaned = false
    if (node.isMaster) ok = countNonFailingReplicas(st, node)
    if (ok > 0) orphaned = false
    if (orphaned) {
      if (!target && node.numSlots > 0) target = node
      if (!node.orphanedTime) node.orphanedTime = now
    } else node.orphanedTime = 0
    if (ok === maxReplicas) {
      for (const r of st.replicasOf(node)) if (r.id < candidate.id) candidate = r
    }
  }
  if (target && candidate === me && now - target.orphanedTime > CLUSTER_SLAVE_MIGRATION_DELAY) {
    st.log(`Migrating to orphaned master ${target.id}`)
    st.setMyMaster(target)
  }
}

/** The replica-side part of clusterCron: manual failover, election, migration. */
export function failoverCron(st: ClusterState): void {
  manualFailoverCheckTimeout(st)
  const me = st.myself
  if (!me.isReplica) return
  let orphaned = 0
  let maxReplicas = 0
  let mine = 0
  for (const node of st.nodes.values()) {
    if (node.flags & (NodeFlag.MYSELF | NodeFlag.NOADDR | NodeFlag.HANDSHAKE)) continue
    if (node.isMaster && !node.failed) {
      const ok = countNonFailingReplicas(st, node)
      if (ok === 0 && node.numSlots > 0 && node.has(NodeFlag.MIGRATE_TO)) orphaned++
      if (ok > maxReplicas) maxReplicas = ok
      if (me.masterId === node.id) mine = ok
    }
  }
  handleManualFailover(st)
  handleReplicaFailover(st)
  if (orphaned && maxReplicas >= 2 && mine === maxReplicas && st.config.allowReplicaMigration) handleReplicaMigration(st, maxReplicas)
}

/** clusterBeforeSleep's failover part. */
export function installFailoverHooks(st: ClusterState): void {
  st.onResetManualFailover = () => resetManualFailover(st)
  st.onFailoverPacket = (sender, h, link) => {
    onPausedMasterOffset(st, sender, h)
    if (h.type === MsgType.FAILOVER_AUTH_REQUEST) sendFailoverAuthIfNeeded(st, sender, h)
    else if (h.type === MsgType.FAILOVER_AUTH_ACK) onAuthAck(st, sender, h)
    else if (h.type === MsgType.MFSTART) onMfStart(st, sender, link)
  }
  st.onHandleFailover = (manual) => {
    if (manual) {
      if (st.myself.isReplica) {
        handleManualFailover(st)
        handleReplicaFailover(st)
      }
    } else handleReplicaFailover(st)
  }
}


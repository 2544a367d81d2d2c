// Text views of the cluster state that clients parse byte for byte (§13): CLUSTER NODES lines,
// CLUSTER INFO, and nodes.conf (the same lines minus handshake nodes + the vars line), plus
// loading a ClusterState back from nodes.conf.
import {MSG_TYPE_NAMES, NodeFlag} from './bus/codec.js'
import {ClusterNode, bitmapRanges, flagsFromString, flagsToString} from './node.js'
import {formatAddress, serializeNodesConf, type NodesConf} from './nodes-conf.js'
import type {ClusterState} from './state.js'

/** A replica shows its master's configEpoch (nodeEpoch). */
export function nodeEpoch(st: ClusterState, n: ClusterNode): number {
  if (n.isReplica && n.masterId) {
    const m = st.lookup(n.masterId)
    if (m) return m.configEpoch
  }
  return n.configEpoch
}

/** clusterGenNodeDescription (no trailing newline). */
/** `usePport`: a plain client of a TLS cluster is shown the plain ports (nodes.conf keeps the TLS ones). */
export function nodeLine(st: ClusterState, n: ClusterNode, usePport = false): string {
  const port = usePport && n.pport !== 0 ? n.pport : n.port
  let s = `${n.id} ${formatAddress(n.ip, port, n.cport, n.hostname)} ${flagsToString(n.flags)} ${n.masterId ?? '-'} ` +
    `${n.pingSent} ${n.pongReceived} ${nodeEpoch(st, n)} ${n.link || n.isMyself ? 'connected' : 'disconnected'}`
  if (n.numSlots > 0) {
    if (n.slotsTextVersion !== n.slotsVersion) {
      let t = ''
      for (const [a, b] of bitmapRanges(n.slots)) t += a === b ? ` ${a}` : ` ${a}-${b}`
      n.slotsText = t
      n.slotsTextVersion = n.slotsVersion
    }
    s += n.slotsText
  }
  if (n.isMyself) {
    // Open slots only on the myself line: [slot->-target] / [slot-<-source].
    for (const j of st.openSlots()) {
      const to = st.migratingTo[j]
      if (to) s += ` [${j}->-${to.id}]`
      const from = st.importingFrom[j]
      if (from) s += ` [${j}-<-${from.id}]`
    }
  }
  return s
}

export function clusterNodesText(st: ClusterState, filter = 0, usePport = false): string {
  let out = ''
  for (const n of st.nodes.values()) {
    if (n.flags & filter) continue
    out += nodeLine(st, n, usePport) + '\n'
  }
  return out
}

export function renderNodesConf(st: ClusterState): string {
  const lines: string[] = []
  for (const n of st.nodes.values()) if (!n.inHandshake) lines.push(nodeLine(st, n))
  return serializeNodesConf(lines, st.currentEpoch, st.lastVoteEpoch)
}

export function clusterInfoText(st: ClusterState): string {
  // Per owner rather than per slot: the owners of slots are the nodes with numSlots > 0.
  let assigned = 0
  let ok = 0
  let pfail = 0
  let fail = 0
  for (const n of st.nodes.values()) {
    if (n.numSlots === 0) continue
    assigned += n.numSlots
    if (n.failed) fail += n.numSlots
    else if (n.timedOut) pfail += n.numSlots
    else ok += n.numSlots
  }
  const me = st.myself
  const myEpoch = nodeEpoch(st, me)
  const lines = [
    `cluster_state:${st.ok ? 'ok' : 'fail'}`, `cluster_slots_assigned:${assigned}`, `cluster_slots_ok:${ok}`,
    `cluster_slots_pfail:${pfail}`, `cluster_slots_fail:${fail}`, `cluster_known_nodes:${st.nodes.size}`,
    `cluster_size:${st.size}`, `cluster_current_epoch:${st.currentEpoch}`, `cluster_my_epoch:${myEpoch}`,
  ]
  let sent = 0
  st.statsSent.forEach((c, t) => {
    if (c) lines.push(`cluster_stats_messages_${MSG_TYPE_NAMES[t]}_sent:${c}`)
    sent += c
  })
  lines.push(`cluster_stats_messages_sent:${sent}`)
  let received = 0
  st.statsReceived.forEach((c, t) => {
    if (c) lines.push(`cluster_stats_messages_${MSG_TYPE_NAMES[t]}_received:${c}`)
    received += c
  })
  lines.push(`cluster_stats_messages_received:${received}`)
  lines.push(`total_cluster_links_buffer_limit_exceeded:${st.statsLinksBufferLimitExceeded}`)
  return lines.join('\r\n') + '\r\n'
}

/**
 * clusterLoadConfig: rebuild the node table from nodes.conf. Myself keeps the id in the file;
 * every other node starts disconnected and is reconnected by the cron.
 */
export function loadNodesConf(st: ClusterState, conf: NodesConf): void {
  const now = st.now()
  st.nodes.clear()
  const byId = new Map<string, ClusterNode>()
  const get = (id: string): ClusterNode => {
    let n = byId.get(id)
    if (!n) {
      n = new ClusterNode(id, 0, now)
      byId.set(id, n)
      st.nodes.set(id, n)
    }
    return n
  }
  for (const line of conf.nodes) {
    const n = get(line.id)
    n.ip = line.ip
    n.port = line.port
    n.cport = line.cport
    n.hostname = line.hostname
    n.flags = flagsFromString(line.flags.join(',')) & ~NodeFlag.HANDSHAKE
    if (n.isMyself) {
      st.myself = n
      // Runtime options win over what the file says about our own addresses.
      n.port = st.config.port
      n.cport = st.config.cport
      n.pport = st.config.pport
      if (st.config.announceHostname) n.hostname = st.config.announceHostname
    }
    n.masterId = line.masterId
    if (line.masterId) get(line.masterId)
    if (line.pingSent) n.pingSent = now
    if (line.pongReceived) n.pongReceived = now
    n.configEpoch = line.configEpoch
    for (const [a, b] of line.slots) for (let j = a; j <= b; j++) st.addSlot(n, j)
    for (const [s, id] of line.migrating) st.setMigrating(s, get(id))
    for (const [s, id] of line.importing) st.setImporting(s, get(id))
  }
  // clusterNodeAddSlave: a master that has (had) replicas may receive a migrated one later.
  for (const n of st.nodes.values()) if (n.masterId) st.lookup(n.masterId)!.flags |= NodeFlag.MIGRATE_TO
  st.currentEpoch = conf.currentEpoch
  st.lastVoteEpoch = conf.lastVoteEpoch
  // As Redis: currentEpoch is at least the greatest configEpoch we know (clusterGetMaxEpoch).
  const max = st.maxConfigEpoch()
  if (st.currentEpoch < max) st.currentEpoch = max
}

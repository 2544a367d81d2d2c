// clusterCron (every 100 ms): handshake timeouts, (re)connecting links, the 1 s random PING,
// pinging idle nodes after node_timeout/2, and PFAIL after node_timeout without a PONG.
import {MsgType, NodeFlag} from './bus/codec.js'
import {Todo, type ClusterState} from './state.js'
import {sendPing} from './gossip.js'
import {failoverCron} from './failover.js'
import type {ClusterNode} from './node.js'

export const CRON_INTERVAL_MS = 100

/** A freshly connected outbound link: send MEET or PING (clusterLinkConnectHandler). */
export function linkConnected(st: ClusterState, node: ClusterNode): void {
  if (!node.link) return
  const oldPingSent = node.pingSent
  sendPing(st, node.link, node.has(NodeFlag.MEET) ? MsgType.MEET : MsgType.PING)
  if (oldPingSent) node.pingSent = oldPingSent
  node.flags &= ~NodeFlag.MEET
}

/**
 * clusterNodeCronFreeLinkOnBufferLimitReached: a link whose unsent data exceeds
 * cluster-link-sendbuf-limit is freed (an outbound one is reconnected right after).
 */
function freeLinksOverLimit(st: ClusterState, node: ClusterNode): void {
  const limit = st.config.linkSendbufLimit
  if (limit <= 0) return
  for (const link of [node.link, node.inboundLink]) {
    if (link === null || (link.sendBufferUsed ?? 0) <= limit) continue
    st.log(`Freeing cluster link(${link.inbound ? 'from' : 'to'} node ${node.id}), used memory: ${link.sendBufferUsed}`)
    st.statsLinksBufferLimitExceeded++
    st.freeLink(node, link)
  }
}

export function clusterCron(st: ClusterState): void {
  const now = st.now()
  const timeout = st.config.nodeTimeout
  const handshakeTimeout = Math.max(timeout, 1000)
  st.cronIteration++
  st.statsPfailNodes = 0
  let updateState = false
  for (const node of [...st.nodes.values()]) {
    if (node.flags & (NodeFlag.MYSELF | NodeFlag.NOADDR)) continue
    if (node.timedOut) st.statsPfailNodes++
    if (node.inHandshake && now - node.ctime > handshakeTimeout) {
      st.log(`Handshake with ${node.ip}:${node.port} timed out`)
      st.delNode(node)
      continue
    }
    freeLinksOverLimit(st, node)
    st.connectLink(node, now)
  }

  if (st.cronIteration % 10 === 0) {
    // Every second, ping the node with the oldest PONG among 5 random ones.
    const all = [...st.nodes.values()]
    let best: ClusterNode | null = null
    for (let i = 0; i < 5 && all.length > 0; i++) {
      const n = all[Math.floor(Math.random() * all.length)]
      if (!n.link || n.pingSent !== 0 || n.flags & (NodeFlag.MYSELF | NodeFlag.HANDSHAKE)) continue
      if (!best || n.pongReceived < best.pongReceived) best = n
    }
    if (best?.link) sendPing(st, best.link, MsgType.PING)
  }

  for (const node of st.nodes.values()) {
    if (node.flags & (NodeFlag.MYSELF | NodeFlag.NOADDR | NodeFlag.HANDSHAKE)) continue
    const pingDelay = now - node.pingSent
    const dataDelay = now - node.dataReceived
    // A link that connected but never answers: drop it, the next cron reconnects.
    if (node.link && now - node.link.ctime > timeout && node.pingSent && pingDelay > timeout / 2 && dataDelay > timeout / 2) {
      const l = node.link
      node.link = null
      l.close()
    }
    if (node.link && node.pingSent === 0 && now - node.pongReceived > timeout / 2) {
      sendPing(st, node.link, MsgType.PING)
      continue
    }
    if (node.pingSent === 0) continue
    if (Math.min(pingDelay, dataDelay) > timeout && !(node.flags & (NodeFlag.PFAIL | NodeFlag.FAIL))) {
      st.log(`*** NODE ${node.id} possibly failing`)
      node.flags |= NodeFlag.PFAIL
      updateState = true
    }
  }
  failoverCron(st)
  if (updateState || !st.ok) st.updateState()
  if (updateState) st.mark(Todo.SAVE_CONFIG)
}

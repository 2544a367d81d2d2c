// Building and sending bus messages (clusterBuildMessageHdr, clusterSendPing, FAIL, UPDATE,
// PUBLISH) and processing received ones (clusterProcessPacket, clusterProcessGossipSection,
// clusterUpdateSlotsConfigWith), following Redis 7.0.15's cluster.c step by step.
import {
  decode, encode, hostnameExt, extHostname, isGossipType, MFlag0, MsgType, NodeFlag, SLOT_BYTES, MSG_TYPE_COUNT,
  type BusBody, type BusHeader, type BusMessage, type GossipEntry,
} from './bus/codec.js'
import {ClusterNode, bitmapsEqual, bytesClaimedBeyond, randomNodeId, type BusLink} from './node.js'
import {Todo, type ClusterState} from './state.js'
import {addFailureReport, clearNodeFailureIfNeeded, delFailureReport, failureReportsCount, markNodeAsFailingIfNeeded} from './failure.js'

// ---- building ------------------------------------------------------------------------------

export function buildHeader(st: ClusterState, type: number): BusHeader {
  const me = st.myself
  const master = me.isReplica && me.masterId ? st.lookup(me.masterId) ?? me : me
  // The live replication offset (elections rank replicas by it; a paused master reports its final one).
  const offset = st.hooks.replication?.().offset ?? me.replOffset
  return {
    type, port: st.config.port, currentEpoch: st.currentEpoch, configEpoch: master.configEpoch,
    offset, sender: me.id, myslots: master.slots, slaveof: me.isReplica ? me.masterId : null,
    myip: st.config.announceIp, pport: st.config.pport, cport: st.config.cport, flags: me.flags,
    state: st.ok ? 0 : 1, mflags: [me.isMaster && st.fo.mfEnd ? MFlag0.PAUSED : 0, 0, 0],
  }
}

function gossipEntry(n: ClusterNode): GossipEntry {
  return {
    nodename: n.id, pingSent: Math.floor(n.pingSent / 1000), pongReceived: Math.floor(n.pongReceived / 1000),
    ip: n.ip, port: n.port, cport: n.cport, flags: n.flags, pport: n.pport,
  }
}

function sendRaw(st: ClusterState, link: BusLink | null, msg: BusMessage): void {
  if (!link) return
  st.statsSent[msg.header.type]++
  link.send(encode(msg))
}

function randomNode(st: ClusterState, list: ClusterNode[]): ClusterNode {
  return list[Math.floor(Math.random() * list.length)]
}

/** clusterSendPing: header + max(3, N/10) random healthy nodes + every PFAIL node. */
export function sendPing(st: ClusterState, link: BusLink, type: number): void {
  const all = [...st.nodes.values()]
  let fresh = all.length - 2
  let wanted = Math.max(3, Math.floor(all.length / 10))
  if (wanted > fresh) wanted = fresh
  const chosen = new Set<ClusterNode>()
  let maxIter = wanted * 3
  while (fresh > 0 && chosen.size < wanted && maxIter-- > 0) {
    const n = randomNode(st, all)
    if (n === st.myself || n.timedOut) continue
    if (n.flags & (NodeFlag.HANDSHAKE | NodeFlag.NOADDR) || (n.link === null && n.numSlots === 0)) {
      fresh--
      continue
    }
    if (chosen.has(n)) continue
    chosen.add(n)
    fresh--
  }
  if (st.statsPfailNodes > 0) {
    for (const n of all) if (n.timedOut && !(n.flags & (NodeFlag.HANDSHAKE | NodeFlag.NOADDR))) chosen.add(n)
  }
  if (link.node && type === MsgType.PING) link.node.pingSent = st.now()
  const extensions = st.config.announceHostname ? [hostnameExt(st.config.announceHostname)] : []
  sendRaw(st, link, {header: buildHeader(st, type), body: {kind: 'gossip', gossip: [...chosen].map(gossipEntry), extensions}})
}

/** Every connected, non-handshake node gets a copy (clusterBroadcastMessage). */
export function broadcast(st: ClusterState, type: number, body: BusBody): void {
  const frame = encode({header: buildHeader(st, type), body})
  for (const n of st.nodes.values()) {
    if (n.isMyself || n.inHandshake || !n.link) continue
    st.statsSent[type]++
    n.link.send(frame)
  }
}

export function broadcastPong(st: ClusterState): void {
  for (const n of st.nodes.values()) {
    if (n.isMyself || n.inHandshake || !n.link) continue
    sendPing(st, n.link, MsgType.PONG)
  }
}

export function broadcastFail(st: ClusterState, node: ClusterNode): void {
  broadcast(st, MsgType.FAIL, {kind: 'fail', nodename: node.id})
}

export function sendUpdate(st: ClusterState, link: BusLink | null, owner: ClusterNode): void {
  if (!link) return
  sendRaw(st, link, {header: buildHeader(st, MsgType.UPDATE), body: {kind: 'update', configEpoch: owner.configEpoch, nodename: owner.id, slots: owner.slots}})
}

export function broadcastPublish(st: ClusterState, channel: Buffer, message: Buffer): void {
  broadcast(st, MsgType.PUBLISH, {kind: 'publish', channel, message})
}

/** Sharded pub/sub reaches only the nodes of my shard (7.0 clusterPropagatePublishShard). */
export function publishShard(st: ClusterState, channel: Buffer, message: Buffer): void {
  const me = st.myself
  const master = me.isReplica && me.masterId ? st.lookup(me.masterId) : me
  if (!master) return
  const frame = encode({header: buildHeader(st, MsgType.PUBLISHSHARD), body: {kind: 'publish', channel, message}})
  for (const n of [master, ...st.replicasOf(master)]) {
    if (n.isMyself || !n.link) continue
    st.statsSent[MsgType.PUBLISHSHARD]++
    n.link.send(frame)
  }
}

export function installBroadcastHook(st: ClusterState): void {
  st.onBroadcastPong = () => broadcastPong(st)
}

// ---- processing ----------------------------------------------------------------------------

/** Called for each complete frame from a link. Returns false if the link must be dropped. */
export function processFrame(st: ClusterState, link: BusLink, frame: Buffer): boolean {
  let msg: BusMessage
  try {
    msg = decode(frame)
  } catch (e) {
    st.log(`Dropping bus link: ${(e as Error).message}`)
    return false
  }
  // A partition (DEBUG CLUSTER-DROP-PEERS) loses the packet before anything looks at it.
  if (st.dropsTraffic(link, msg.header.sender)) return true
  processPacket(st, link, msg)
  return true
}

export function processPacket(st: ClusterState, link: BusLink, msg: BusMessage): void {
  const h = msg.header
  const type = h.type
  const now = st.now()
  if (type < MSG_TYPE_COUNT) st.statsReceived[type]++
  // Redis 7.0.15 clusterProcessPacket: counted as received, then ignored (DEBUG DROP-CLUSTER-PACKET-FILTER).
  if (type === st.dropPacketType) {
    st.log('Dropping packet that matches debug drop filter')
    return
  }
  let sender = st.lookup(h.sender)
  if (sender && sender.inHandshake) sender = undefined
  if (sender && link.inbound && !link.node) {
    // setClusterNodeToInboundClusterLink: one inbound link per node.
    if (sender.inboundLink && sender.inboundLink !== link) sender.inboundLink.close()
    sender.inboundLink = link
    link.node = sender
  }
  if (sender) noteSender(st, sender, link, h, now)

  if (type === MsgType.PING || type === MsgType.MEET) {
    if ((type === MsgType.MEET || st.myself.ip === '') && !st.config.announceIp && link.localIp) {
      if (st.myself.ip !== link.localIp) {
        st.myself.ip = link.localIp
        st.log(`IP address for this node updated to ${link.localIp}`)
        st.mark(Todo.SAVE_CONFIG)
      }
    }
    if (!sender && type === MsgType.MEET) {
      // A random name until our own PING/PONG exchange reveals the real one (createClusterNode(NULL, ...)).
      const node = new ClusterNode(randomNodeId(), NodeFlag.HANDSHAKE, now)
      node.ip = h.myip || link.remoteIp
      node.port = h.port
      node.pport = h.pport
      node.cport = h.cport
      st.addNode(node)
      st.mark(Todo.SAVE_CONFIG)
      if (msg.body.kind === 'gossip') processGossip(st, link, h, msg.body.gossip)
    }
    sendPing(st, link, MsgType.PONG)
  }

  if (isGossipType(type)) {
    if (!processHandshakeAndAddress(st, link, h, sender)) return
    let handshakeDone = false
    if (!sender && link.node && !link.node.inHandshake && link.node.id === h.sender) {
      // This PONG completed our handshake with the node. Redis looked the sender up before the
      // rename and learns its epochs, role, slots and gossip only from its next packet, up to
      // node-timeout/2 later; this packet already carries them, from the node itself.
      sender = link.node
      noteSender(st, sender, link, h, now)
      handshakeDone = true
    }
    if (sender) {
      const noFailover = h.flags & NodeFlag.NOFAILOVER
      sender.flags = (sender.flags & ~NodeFlag.NOFAILOVER) | noFailover
    }
    if (!link.inbound && type === MsgType.PONG && link.node) {
      const n = link.node
      n.pongReceived = now
      n.pingSent = 0
      if (n.timedOut) {
        n.flags &= ~NodeFlag.PFAIL
        st.mark(Todo.UPDATE_STATE)
      } else if (n.failed) {
        clearNodeFailureIfNeeded(st, n)
      }
    }
    if (sender) updateRole(st, sender, h)
    if (sender) updateSlots(st, sender, h)
    if (sender && msg.body.kind === 'gossip') {
      processGossip(st, link, h, msg.body.gossip)
      const hostname = extHostname(msg.body.extensions) ?? ''
      if (hostname !== sender.hostname) {
        sender.hostname = hostname
        st.mark(Todo.SAVE_CONFIG)
      }
    }
    // The node knows us from the MEET/PING we sent before the handshake completed: whatever changed
    // here since (a CLUSTER REPLICATE whose PONG broadcast skipped it as a handshake node) would
    // reach it only with the next heartbeat, up to node-timeout/2 later. One PING now carries it.
    if (handshakeDone) sendPing(st, link, MsgType.PING)
    return
  }
  if (!sender) return // only PING/PONG/MEET are accepted from unknown senders
  const body = msg.body
  if (body.kind === 'fail') {
    const failing = st.lookup(body.nodename)
    if (failing && !(failing.flags & (NodeFlag.FAIL | NodeFlag.MYSELF))) {
      st.log(`FAIL message received from ${sender.id} about ${failing.id}`)
      failing.flags = (failing.flags & ~NodeFlag.PFAIL) | NodeFlag.FAIL
      failing.failTime = now
      st.mark(Todo.UPDATE_STATE | Todo.SAVE_CONFIG)
    }
  } else if (body.kind === 'publish') {
    st.hooks.onPublish?.(body.channel, body.message, type === MsgType.PUBLISHSHARD)
  } else if (body.kind === 'update') {
    const n = st.lookup(body.nodename)
    if (!n || n.configEpoch >= body.configEpoch) return
    if (n.isReplica) st.setNodeAsMaster(n)
    n.configEpoch = body.configEpoch
    st.mark(Todo.SAVE_CONFIG | Todo.FSYNC_CONFIG)
    updateSlotsConfigWith(st, n, body.configEpoch, body.slots)
  }
  // FAILOVER_AUTH_REQUEST / FAILOVER_AUTH_ACK / MFSTART: failover.ts (installed as st.onFailoverPacket).
}

/** What every packet of a known sender updates: its epochs, its replication offset, the failover state. */
function noteSender(st: ClusterState, sender: ClusterNode, link: BusLink, h: BusHeader, now: number): void {
  sender.dataReceived = now
  if (h.currentEpoch > st.currentEpoch) st.currentEpoch = h.currentEpoch
  if (h.configEpoch > sender.configEpoch) {
    sender.configEpoch = h.configEpoch
    st.mark(Todo.SAVE_CONFIG | Todo.FSYNC_CONFIG)
  }
  sender.replOffset = h.offset
  st.onFailoverPacket?.(sender, h, link)
}

/** Handshake completion, id changes and address updates. Returns false to stop processing. */
function processHandshakeAndAddress(st: ClusterState, link: BusLink, h: BusHeader, sender: ClusterNode | undefined): boolean {
  const ln = link.node
  if (!link.inbound && ln) {
    if (ln.inHandshake) {
      if (sender) {
        // We already know this node under its real id: refresh its address, drop the handshake node.
        if (updateAddressIfNeeded(st, sender, link, h)) st.mark(Todo.SAVE_CONFIG | Todo.UPDATE_STATE)
        st.delNode(ln)
        return false
      }
      st.log(`Handshake with node ${ln.id} completed, real id ${h.sender}`)
      st.renameNode(ln, h.sender)
      ln.flags = (ln.flags & ~NodeFlag.HANDSHAKE) | (h.flags & (NodeFlag.MASTER | NodeFlag.SLAVE))
      st.mark(Todo.SAVE_CONFIG)
    } else if (ln.id !== h.sender) {
      st.log(`PONG contains mismatching sender ID. About node ${ln.id} added ${Math.floor((st.now() - ln.ctime) / 1000)} s ago, having flags ${ln.flags}`)
      ln.flags |= NodeFlag.NOADDR
      ln.ip = ''
      ln.port = 0
      ln.pport = 0
      ln.cport = 0
      st.freeLinks(ln)
      st.mark(Todo.SAVE_CONFIG)
      return false
    }
  }
  if (sender && h.type === MsgType.PING && updateAddressIfNeeded(st, sender, link, h)) {
    st.mark(Todo.SAVE_CONFIG | Todo.UPDATE_STATE)
  }
  return true
}

/** nodeUpdateAddressIfNeeded: a node we know announces a new ip/port. */
function updateAddressIfNeeded(st: ClusterState, node: ClusterNode, link: BusLink, h: BusHeader): boolean {
  if (node === st.myself || link === node.link) return false
  const ip = h.myip || link.remoteIp
  // nodeIp2String failed (the peer's address is unknown): nothing to learn from this packet
  if (ip === '') return false
  if (node.port === h.port && node.cport === h.cport && node.pport === h.pport && node.ip === ip) return false
  node.ip = ip
  node.port = h.port
  node.pport = h.pport
  node.cport = h.cport
  if (node.link) {
    const l = node.link
    node.link = null
    l.close()
  }
  node.flags &= ~NodeFlag.NOADDR
  st.log(`Address updated for node ${node.id}, now ${ip}:${h.port}`)
  return true
}

function updateRole(st: ClusterState, sender: ClusterNode, h: BusHeader): void {
  if (h.slaveof === null) {
    st.setNodeAsMaster(sender)
    return
  }
  if (sender.isMaster) {
    st.delNodeSlots(sender)
    sender.flags = (sender.flags & ~(NodeFlag.MASTER | NodeFlag.MIGRATE_TO)) | NodeFlag.SLAVE
    st.mark(Todo.SAVE_CONFIG | Todo.UPDATE_STATE)
  }
  if (sender.masterId !== h.slaveof) {
    sender.masterId = h.slaveof
    // clusterNodeAddSlave: the master is now a possible target of replica migration.
    const m = st.lookup(h.slaveof)
    if (m) m.flags |= NodeFlag.MIGRATE_TO
    st.mark(Todo.SAVE_CONFIG)
  }
}

function updateSlots(st: ClusterState, sender: ClusterNode, h: BusHeader): void {
  const senderMaster = sender.isMaster ? sender : st.masterOf(sender)
  if (!senderMaster) return
  const dirty = !bitmapsEqual(senderMaster.slots, h.myslots)
  if (!dirty) return
  if (sender.isMaster) updateSlotsConfigWith(st, sender, h.configEpoch, h.myslots)
  // The sender claims slots we believe are served by a node with a newer config: tell it.
  // Only claimed slots the sender does not own in our table can name another owner.
  for (const b of bytesClaimedBeyond(h.myslots, sender)) if (staleClaimIn(st, sender, h, b)) break
  if (sender.isMaster && st.myself.isMaster && h.configEpoch === st.myself.configEpoch) st.handleEpochCollision(sender)
}

/** Sends UPDATE about the first slot of claim byte `b` whose owner has a newer config; true if sent. */
function staleClaimIn(st: ClusterState, sender: ClusterNode, h: BusHeader, b: number): boolean {
  const others = h.myslots[b] & ~sender.slots[b]
  for (let k = 0; k < 8; k++) {
    if (!(others & (1 << k))) continue
    const owner = st.slots[(b << 3) | k]
    if (owner === sender || owner === null) continue
    if (owner.configEpoch > h.configEpoch) {
      st.log(`Node ${sender.id} has old slots configuration, sending an UPDATE message about ${owner.id}`)
      sendUpdate(st, sender.link, owner)
      return true
    }
  }
  return false
}

/** Set bits per byte value. */
const POPCOUNT = Uint8Array.from({length: 256}, (_, v) => {
  let c = 0
  for (let x = v; x; x &= x - 1) c++
  return c
})

/** Rule 2 of §8: a claim with a greater configEpoch rebinds the slot. */
export function updateSlotsConfigWith(st: ClusterState, sender: ClusterNode, senderEpoch: number, slots: Uint8Array): void {
  const me = st.myself
  if (sender === me) return
  const curMaster = me.isMaster ? me : st.masterOf(me)
  let newMaster: ClusterNode | null = null
  let migratedOurs = 0
  const dirty: number[] = []
  // Slots the sender already owns in our table are skipped (sender.slots has bit j set exactly when
  // st.slots[j] === sender): only the bytes with new claims are visited.
  for (const b of bytesClaimedBeyond(slots, sender)) {
    const news = slots[b] & ~sender.slots[b]
    for (let k = 0; k < 8; k++) {
      if (!(news & (1 << k))) continue
      const j = (b << 3) | k
      const owner = st.slots[j]
      if (owner === sender || st.importingFrom[j]) continue
      if (owner === null || owner.configEpoch < senderEpoch) {
        if (owner === me && st.hooks.countKeysInSlot(j) > 0) dirty.push(j)
        if (owner && owner === curMaster) {
          newMaster = sender
          migratedOurs++
        }
        st.delSlot(j)
        st.addSlot(sender, j)
        st.mark(Todo.SAVE_CONFIG | Todo.UPDATE_STATE | Todo.FSYNC_CONFIG)
      }
    }
  }
  if (newMaster && curMaster && curMaster.numSlots === 0 && (st.config.allowReplicaMigration || countBits(slots) === migratedOurs)) {
    st.log(`Configuration change detected. Reconfiguring myself as a replica of ${sender.id}`)
    st.setMyMaster(sender)
    st.mark(Todo.SAVE_CONFIG | Todo.UPDATE_STATE | Todo.FSYNC_CONFIG)
  } else if (dirty.length > 0) {
    // Lost slots that still hold keys (e.g. after a failover race): drop the stale keys.
    for (const j of dirty) st.hooks.deleteKeysInSlot(j)
  }
}

/** Slots claimed in a bitmap (clusterUpdateSlotsConfigWith's sender_slots). */
function countBits(slots: Uint8Array): number {
  let n = 0
  for (let b = 0; b < SLOT_BYTES; b++) n += POPCOUNT[slots[b]]
  return n
}

function processGossip(st: ClusterState, link: BusLink, h: BusHeader, gossip: GossipEntry[]): void {
  const sender = link.node && !link.node.inHandshake ? link.node : st.lookup(h.sender)
  const now = st.now()
  for (const g of gossip) {
    const flags = g.flags
    const node = st.lookup(g.nodename)
    if (node) {
      if (sender && sender.isMaster && node !== st.myself) {
        if (flags & (NodeFlag.FAIL | NodeFlag.PFAIL)) {
          if (addFailureReport(node, sender, now)) st.log(`Node ${sender.id} reported node ${node.id} as not reachable.`)
          markNodeAsFailingIfNeeded(st, node, (n) => broadcastFail(st, n))
        } else if (delFailureReport(st, node, sender)) {
          st.log(`Node ${sender.id} reported node ${node.id} is back online.`)
        }
      }
      // Trust a peer's fresher PONG time only if we have no reason to doubt the node.
      if (!(flags & (NodeFlag.FAIL | NodeFlag.PFAIL)) && node.pingSent === 0 && failureReportsCount(st, node) === 0) {
        const pong = g.pongReceived * 1000
        if (pong <= now + 500 && pong > node.pongReceived) node.pongReceived = pong
      }
      if (node.flags & (NodeFlag.FAIL | NodeFlag.PFAIL) && !(flags & NodeFlag.NOADDR) && !(flags & (NodeFlag.FAIL | NodeFlag.PFAIL)) &&
          (node.ip !== g.ip || node.port !== g.port || node.cport !== g.cport)) {
        if (node.link) {
          const l = node.link
          node.link = null
          l.close()
        }
        node.ip = g.ip
        node.port = g.port
        node.pport = g.pport
        node.cport = g.cport
        node.flags &= ~NodeFlag.NOADDR
      }
    } else if (sender && !(flags & NodeFlag.NOADDR) && !st.blacklisted(g.nodename) && /^[0-9a-f]{40}$/.test(g.nodename)) {
      // Add with its exact id; the cron connects and pings it. A handshake by ip/port could
      // join another cluster if the address was reused.
      const n = new ClusterNode(g.nodename, flags & ~(NodeFlag.MYSELF), now)
      n.ip = g.ip
      n.port = g.port
      n.pport = g.pport
      n.cport = g.cport
      st.addNode(n)
      st.mark(Todo.SAVE_CONFIG)
    }
  }
}

export const SLOT_BITMAP_BYTES = SLOT_BYTES

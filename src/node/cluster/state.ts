// The cluster state machine's data and its primitive mutators (clusterState in cluster.h):
// the node table, slot owners, open slots, epochs and the ok/fail verdict. Packet handling
// lives in gossip.ts, timers in cron.ts, failure reports in failure.ts. Side effects are
// deferred (DESIGN rule 6): mutators set `todo` bits and beforeSleep() applies them once.
import {NodeFlag} from './bus/codec.js'
import {ClusterNode, CLUSTER_SLOTS, bitClear, bitSet, bitTest, randomNodeId, type BusLink} from './node.js'
import type {BusHeader} from './bus/codec.js'
import type {Clock} from '../clock.js'
import {FailoverState} from './failover-state.js'

/**
 * Deferred side effects, applied by beforeSleep. CONNECT_NEW (not in redis): connect to nodes added
 * since (MEET, a MEET received, gossip) at the end of this event-loop turn rather than at the next
 * cron tick, up to 100 ms later, that redis 7.0 waits for; every handshake hop of a forming cluster
 * saves that wait, and the link and the packets it carries are the same.
 */
export const Todo = {SAVE_CONFIG: 1, UPDATE_STATE: 2, FSYNC_CONFIG: 4, BROADCAST_PONG: 8, HANDLE_FAILOVER: 16, HANDLE_MANUALFAILOVER: 32, CONNECT_NEW: 64} as const

export const CLUSTER_WRITABLE_DELAY = 2000
export const FAIL_REPORT_VALIDITY_MULT = 2
export const FAIL_UNDO_TIME_MULT = 2
export const BLACKLIST_TTL = 60_000

export interface ClusterConfig {
  port: number
  cport: number
  pport: number
  nodeTimeout: number
  requireFullCoverage: boolean
  allowReadsWhenDown: boolean
  /** cluster-allow-pubsubshard-when-down */
  allowPubsubshardWhenDown: boolean
  allowReplicaMigration: boolean
  announceIp: string
  announceHostname: string
  preferredEndpointType: 'ip' | 'hostname' | 'unknown-endpoint'
  /** cluster-replica-validity-factor (0 = a replica may always try) */
  replicaValidityFactor: number
  /** repl-ping-replica-period, seconds */
  replPingPeriod: number
  /** cluster-replica-no-failover */
  replicaNoFailover: boolean
  /** cluster-migration-barrier */
  migrationBarrier: number
  /** cluster-link-sendbuf-limit, bytes (0 = no limit) */
  linkSendbufLimit: number
  /** tls-cluster: `port` is the TLS port and `pport` the plain one (0: none) */
  tlsCluster: boolean
}

export const defaultClusterConfig = (port: number): ClusterConfig => ({
  port, cport: port + 10000, pport: 0, nodeTimeout: 15000, requireFullCoverage: true,
  allowReadsWhenDown: false, allowPubsubshardWhenDown: true, allowReplicaMigration: true, announceIp: '', announceHostname: '',
  preferredEndpointType: 'ip', replicaValidityFactor: 10, replPingPeriod: 10, replicaNoFailover: false, migrationBarrier: 1,
  linkSendbufLimit: 0, tlsCluster: false,
})

/**
 * The port a client is told for node n: its plain port (pport) when the cluster runs TLS and the
 * client does not, if it has one (redis use_pport), else its port.
 */
export function clientPort(st: {config: ClusterConfig}, n: {port: number; pport: number}, tlsClient: boolean): number {
  return st.config.tlsCluster && !tlsClient && n.pport !== 0 ? n.pport : n.port
}

/** What an election needs to know about this node's replication (replication.c). */
export interface ReplicationView {
  /** master link up (REPL_STATE_CONNECTED) */
  connected: boolean
  /** ms of the last data from the master (master->lastinteraction) */
  lastIo: number
  /** ms when the link went down (repl_down_since), 0 = never up */
  downSince: number
  /** replicationGetSlaveOffset / master_repl_offset */
  offset: number
}

/** What the cluster layer needs from the rest of the node. */
export interface ClusterHooks {
  countKeysInSlot(slot: number): number
  deleteKeysInSlot(slot: number): void
  /** A PUBLISH / PUBLISHSHARD arrived over the bus: deliver it to local subscribers. */
  onPublish?(channel: Buffer, message: Buffer, shard: boolean): void
  /** A slot my shard served was deleted: its sharded pub/sub channels are unsubscribed (7.0 removeChannelsInSlot). */
  onShardSlotLost?(slot: number): void
  /** myself became a replica of `master` (replication attaches here, later). */
  onSetMaster?(master: ClusterNode | null): void
  /** Persist nodes.conf; `fsync` is set for epoch/vote changes. */
  saveConfig?(text: string, fsync: boolean): void
  /** Open an outbound bus link to node.ip:node.cport. */
  connect?(node: ClusterNode): BusLink | null
  /** This node's replication state, for elections and the bus header's offset. */
  replication?(): ReplicationView
  /** The node is shutting down (redis does that synchronously: no election starts meanwhile). */
  shuttingDown?(): boolean
  /** Manual failover: pause / resume client writes on a master (CLIENT PAUSE WRITE semantics). */
  pauseWrites?(untilMs: number): void
  unpauseWrites?(): void
  /** Called when todo bits appear so the runtime can run beforeSleep() on the next turn. */
  schedule?(): void
  log?(msg: string): void
}

const NO_SLOTS: number[] = []

export class ClusterState {
  myself: ClusterNode
  nodes = new Map<string, ClusterNode>()
  slots: (ClusterNode | null)[] = new Array(CLUSTER_SLOTS).fill(null)
  migratingTo: (ClusterNode | null)[] = new Array(CLUSTER_SLOTS).fill(null)
  importingFrom: (ClusterNode | null)[] = new Array(CLUSTER_SLOTS).fill(null)
  /**
   * Slots that may be open (migrating or importing): every non-null write to migratingTo /
   * importingFrom goes through setMigrating/setImporting, so no other slot is open. Lets nodes.conf
   * rendering (every save) skip a 16,384-slot scan; closed slots are pruned when listed.
   */
  openSlotHints = new Set<number>()
  /** Slots with an owner (kept by addSlot/delSlot). */
  assignedSlots = 0
  currentEpoch = 0
  lastVoteEpoch = 0
  ok = false
  size = 0
  todo = 0
  blacklist = new Map<string, number>()
  statsPfailNodes = 0
  /** total_cluster_links_buffer_limit_exceeded */
  statsLinksBufferLimitExceeded = 0
  statsSent = new Array<number>(11).fill(0)
  statsReceived = new Array<number>(11).fill(0)
  /** clusterUpdateState's statics. */
  firstUpdateTime = 0
  amongMinorityTime = 0
  /**
   * Started without a nodes.conf (a new identity): there is no old configuration that peers could
   * have superseded while we were down, so the writable delay has nothing to wait for.
   */
  freshIdentity = false
  cronIteration = 0
  /** election and manual failover (failover.ts) */
  readonly fo = new FailoverState()
  /** DEBUG DROP-CLUSTER-PACKET-FILTER (server.cluster_drop_packet_filter): received packets of this type are ignored; -1 = none. */
  dropPacketType = -1
  /** DEBUG CLUSTER-DROP-PEERS (redis-ts only, for partition tests): node ids whose bus traffic is dropped both ways. */
  readonly dropPeers = new Set<string>()

  constructor(readonly clock: Clock, readonly config: ClusterConfig, readonly hooks: ClusterHooks, id = randomNodeId()) {
    this.myself = new ClusterNode(id, NodeFlag.MYSELF | NodeFlag.MASTER, clock.now())
    this.myself.port = config.port
    this.myself.cport = config.cport
    this.myself.pport = config.pport
    this.myself.ip = config.announceIp
    this.myself.hostname = config.announceHostname
    this.nodes.set(id, this.myself)
  }

  now(): number {
    return this.clock.now()
  }

  log(msg: string): void {
    this.hooks.log?.(msg)
  }

  mark(bits: number): void {
    const had = this.todo
    this.todo |= bits
    if (had === 0 && bits !== 0) this.hooks.schedule?.()
  }

  /** A partition made with DEBUG CLUSTER-DROP-PEERS cuts this link (or this sender). */
  dropsTraffic(link: BusLink, sender?: string): boolean {
    if (this.dropPeers.size === 0) return false
    return (link.node !== null && this.dropPeers.has(link.node.id)) || (sender !== undefined && this.dropPeers.has(sender))
  }

  lookup(id: string): ClusterNode | undefined {
    return this.nodes.get(id)
  }

  // ---- node table ------------------------------------------------------------------------

  addNode(node: ClusterNode): void {
    this.nodes.set(node.id, node)
    if (!node.link && !(node.flags & (NodeFlag.MYSELF | NodeFlag.NOADDR))) this.mark(Todo.CONNECT_NEW)
  }

  /**
   * An outbound link to `node` if it has none (the cron's reconnect, Todo.CONNECT_NEW). The attempt
   * counts as a ping in flight, so failure detection works even when the node refuses connections
   * (Redis does this on a synchronous connect error).
   */
  connectLink(node: ClusterNode, now: number): void {
    if (node.link || !this.hooks.connect) return
    if (node.pingSent === 0) node.pingSent = now
    node.link = this.hooks.connect(node)
  }

  /** Todo.CONNECT_NEW: an outbound link to every node without one that no cron tick has tried yet. */
  private connectNew(): void {
    const now = this.now()
    for (const n of this.nodes.values()) {
      if (n.pingSent === 0 && !(n.flags & (NodeFlag.MYSELF | NodeFlag.NOADDR))) this.connectLink(n, now)
    }
  }

  /** clusterDelNode: drop slots it served, open-slot markers, its failure reports, links. */
  delNode(node: ClusterNode): void {
    for (let j = 0; j < CLUSTER_SLOTS; j++) {
      if (this.importingFrom[j] === node) this.importingFrom[j] = null
      if (this.migratingTo[j] === node) this.migratingTo[j] = null
      if (this.slots[j] === node) this.delSlot(j)
    }
    for (const other of this.nodes.values()) {
      other.failReports = other.failReports.filter((r) => r.reporter !== node.id)
      if (other.masterId === node.id && other !== this.myself) other.masterId = null
    }
    this.freeLinks(node)
    this.nodes.delete(node.id)
  }

  freeLinks(node: ClusterNode): void {
    const {link, inboundLink} = node
    node.link = null
    node.inboundLink = null
    link?.close()
    inboundLink?.close()
  }

  /** freeClusterLink: close one of a node's links (null: nothing); the cron reconnects an outbound one. */
  freeLink(node: ClusterNode, link: BusLink | null): void {
    if (link === null) return
    if (node.link === link) node.link = null
    if (node.inboundLink === link) node.inboundLink = null
    link.close()
  }

  /** A link died or was dropped: forget it so the cron reconnects. */
  linkClosed(link: BusLink): void {
    const n = link.node
    if (!n) return
    if (n.link === link) n.link = null
    if (n.inboundLink === link) n.inboundLink = null
  }

  renameNode(node: ClusterNode, newId: string): void {
    this.nodes.delete(node.id)
    node.id = newId
    this.nodes.set(newId, node)
  }

  /** CLUSTER MEET: a handshake node with a random id, replaced by the real one on PONG. */
  startHandshake(ip: string, port: number, cport: number): boolean {
    for (const n of this.nodes.values()) {
      if (n.inHandshake && n.ip === ip && n.port === port && n.cport === cport) return false
    }
    const node = new ClusterNode(randomNodeId(), NodeFlag.HANDSHAKE | NodeFlag.MEET, this.now())
    node.ip = ip
    node.port = port
    node.cport = cport
    this.addNode(node)
    return true
  }

  masterOf(node: ClusterNode): ClusterNode | null {
    return node.masterId ? this.nodes.get(node.masterId) ?? null : null
  }

  replicasOf(master: ClusterNode): ClusterNode[] {
    const out: ClusterNode[] = []
    for (const n of this.nodes.values()) if (n.isReplica && n.masterId === master.id) out.push(n)
    return out
  }

  /** clusterSetNodeAsMaster. */
  setNodeAsMaster(n: ClusterNode): void {
    if (n.isMaster) return
    if (n.masterId && n !== this.myself) n.flags |= NodeFlag.MIGRATE_TO
    n.flags = (n.flags & ~NodeFlag.SLAVE) | NodeFlag.MASTER
    n.masterId = null
    this.mark(Todo.SAVE_CONFIG | Todo.UPDATE_STATE)
  }

  /** clusterSetMaster: myself becomes a replica of n (CLUSTER REPLICATE, or losing all slots). */
  setMyMaster(n: ClusterNode): void {
    const me = this.myself
    if (me.isMaster) {
      me.flags = (me.flags & ~(NodeFlag.MASTER | NodeFlag.MIGRATE_TO)) | NodeFlag.SLAVE
      this.closeAllSlots()
    }
    me.masterId = n.id
    n.flags |= NodeFlag.MIGRATE_TO
    this.hooks.onSetMaster?.(n)
    // clusterSetMaster ends with resetManualFailover: an old master lifts its write pause at once.
    this.onResetManualFailover?.()
    this.mark(Todo.SAVE_CONFIG | Todo.UPDATE_STATE)
  }

  // ---- slots -----------------------------------------------------------------------------

  addSlot(node: ClusterNode, slot: number): boolean {
    if (this.slots[slot]) return false
    bitSet(node.slots, slot)
    node.numSlots++
    node.slotsVersion++
    this.slots[slot] = node
    this.assignedSlots++
    return true
  }

  setMigrating(slot: number, to: ClusterNode | null): void {
    this.migratingTo[slot] = to
    if (to) this.openSlotHints.add(slot)
  }

  setImporting(slot: number, from: ClusterNode | null): void {
    this.importingFrom[slot] = from
    if (from) this.openSlotHints.add(slot)
  }

  /** Open slots in ascending order (migrating and/or importing). */
  openSlots(): number[] {
    if (this.openSlotHints.size === 0) return NO_SLOTS
    const out: number[] = []
    for (const j of this.openSlotHints) {
      if (this.migratingTo[j] || this.importingFrom[j]) out.push(j)
      else this.openSlotHints.delete(j)
    }
    return out.sort((a, b) => a - b)
  }

  delSlot(slot: number): boolean {
    const n = this.slots[slot]
    if (!n) return false
    const me = this.myself
    if (this.hooks.onShardSlotLost && (n === me || (me.isReplica && me.masterId === n.id))) this.hooks.onShardSlotLost(slot)
    if (bitTest(n.slots, slot)) {
      bitClear(n.slots, slot)
      n.numSlots--
      n.slotsVersion++
    }
    this.slots[slot] = null
    this.assignedSlots--
    return true
  }

  delNodeSlots(node: ClusterNode): number {
    let deleted = 0
    for (let j = 0; j < CLUSTER_SLOTS; j++) if (this.slots[j] === node && this.delSlot(j)) deleted++
    return deleted
  }

  closeAllSlots(): void {
    this.migratingTo.fill(null)
    this.importingFrom.fill(null)
    this.openSlotHints.clear()
  }

  // ---- epochs ----------------------------------------------------------------------------

  maxConfigEpoch(): number {
    let max = 0
    for (const n of this.nodes.values()) if (n.configEpoch > max) max = n.configEpoch
    return max
  }

  /** clusterBumpConfigEpochWithoutConsensus: true if bumped. */
  bumpEpochWithoutConsensus(): boolean {
    const max = this.maxConfigEpoch()
    if (this.myself.configEpoch === 0 || this.myself.configEpoch !== max) {
      this.currentEpoch++
      this.myself.configEpoch = this.currentEpoch
      this.mark(Todo.SAVE_CONFIG | Todo.FSYNC_CONFIG)
      return true
    }
    return false
  }

  /** clusterHandleConfigEpochCollision: the node with the smaller id moves to a new epoch. */
  handleEpochCollision(sender: ClusterNode): void {
    const me = this.myself
    if (sender.configEpoch !== me.configEpoch || !sender.isMaster || !me.isMaster) return
    if (sender.id <= me.id) return
    this.currentEpoch++
    me.configEpoch = this.currentEpoch
    this.saveNow(true)
    this.log(`WARNING: configEpoch collision with node ${sender.id}. configEpoch set to ${me.configEpoch}`)
  }

  // ---- cluster state (clusterUpdateState) -----------------------------------------------

  updateState(): void {
    const now = this.now()
    if (this.firstUpdateTime === 0) this.firstUpdateTime = now
    // A restarted master stays down a little so it can learn the config first (it may have been
    // failed over meanwhile). A node with a brand-new id owns nothing anyone could have taken over:
    // skipping the delay lets a new cluster report ok ~2 s sooner (local clusters, create).
    if (this.myself.isMaster && !this.ok && !this.freshIdentity && now - this.firstUpdateTime < CLUSTER_WRITABLE_DELAY) return
    let ok = true
    // Every slot has an owner and no owner is failed (the owners are the nodes with numSlots > 0).
    if (this.config.requireFullCoverage) {
      if (this.assignedSlots !== CLUSTER_SLOTS) ok = false
      else for (const n of this.nodes.values()) if (n.numSlots > 0 && n.failed) ok = false
    }
    let size = 0
    let reachable = 0
    for (const n of this.nodes.values()) {
      if (n.isMaster && n.numSlots > 0) {
        size++
        if (!(n.flags & (NodeFlag.FAIL | NodeFlag.PFAIL))) reachable++
      }
    }
    this.size = size
    // Redis counts a node that knows no master with slots (size 0: quorum 1, reachable 0) as "among
    // the minority" too (the state stays fail, as here), so a brand-new cluster's masters wait the rejoin delay after their first
    // ADDSLOTS. No cluster exists yet that such a node could have been partitioned away from and
    // failed over by, so the delay (time to receive an UPDATE after a partition heals) has nothing
    // to protect: a new cluster reports ok as soon as its slots are covered.
    if (reachable < Math.floor(size / 2) + 1) {
      ok = false
      if (size > 0) this.amongMinorityTime = now
    }
    if (ok !== this.ok) {
      const rejoinDelay = Math.min(5000, Math.max(500, this.config.nodeTimeout))
      if (ok && this.myself.isMaster && now - this.amongMinorityTime < rejoinDelay) return
      this.log(`Cluster state changed: ${ok ? 'ok' : 'fail'}`)
      this.ok = ok
    }
  }

  // ---- deferred side effects -------------------------------------------------------------

  /** clusterBeforeSleep: apply what handlers and packet processing marked. */
  beforeSleep(): void {
    const todo = this.todo
    this.todo = 0
    if (todo & (Todo.HANDLE_FAILOVER | Todo.HANDLE_MANUALFAILOVER)) this.onHandleFailover?.((todo & Todo.HANDLE_MANUALFAILOVER) !== 0)
    if (todo & Todo.UPDATE_STATE) this.updateState()
    if (todo & Todo.SAVE_CONFIG) this.saveNow((todo & Todo.FSYNC_CONFIG) !== 0)
    if (todo & Todo.BROADCAST_PONG) this.onBroadcastPong?.()
    if (todo & Todo.CONNECT_NEW) this.connectNew()
  }

  /** Set by gossip.ts (avoids an import cycle). */
  onBroadcastPong: (() => void) | null = null
  /**
   * Set by failover.ts (gossip.ts cannot import it: failover sends through gossip): called for
   * every packet of a known sender after its header was applied.
   */
  onFailoverPacket: ((sender: ClusterNode, h: BusHeader, link: BusLink) => void) | null = null
  /** Set by failover.ts: resetManualFailover (avoids an import cycle). */
  onResetManualFailover: (() => void) | null = null
  /** Set by failover.ts: run the election / manual failover step now (clusterBeforeSleep). */
  onHandleFailover: ((manual: boolean) => void) | null = null
  /** Set by format.ts users; returns the nodes.conf text. */
  renderConfig: (() => string) | null = null

  saveNow(fsync: boolean): void {
    // clusterSaveConfig clears the pending save (and fsync, when done) so beforeSleep does not repeat it.
    this.todo &= ~(Todo.SAVE_CONFIG | (fsync ? Todo.FSYNC_CONFIG : 0))
    if (!this.hooks.saveConfig || !this.renderConfig) return
    this.hooks.saveConfig(this.renderConfig(), fsync)
  }

  blacklistAdd(id: string): void {
    this.blacklist.set(id, this.now() + BLACKLIST_TTL)
  }

  blacklisted(id: string): boolean {
    const until = this.blacklist.get(id)
    if (until === undefined) return false
    if (until < this.now()) {
      this.blacklist.delete(id)
      return false
    }
    return true
  }
}

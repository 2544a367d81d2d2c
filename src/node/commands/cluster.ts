// CLUSTER command group (cluster.c clusterCommand, Redis 7.0.15). Replies and error texts are
// copied from redis-server 7.0.15 because redis-cli --cluster, ioredis and redis-benchmark
// parse them. The group needs a running cluster layer, so it is a factory: createCluster()
// registers clusterCommands(runtime) with the server.
import net from 'node:net'
import {cmd, type CommandContext, type CommandSpec, type Handler} from './types.js'
import {parseIntStrict} from './util.js'
import {E, ReplyError} from '../errors.js'
import {keySlot} from '../keyspace/slot.js'
import {NodeFlag} from '../cluster/bus/codec.js'
import {CLUSTER_SLOTS, bitmapRanges, randomNodeId, type ClusterNode} from '../cluster/node.js'
import {clientPort, Todo, type ClusterState} from '../cluster/state.js'
import {clusterInfoText, clusterNodesText, nodeLine} from '../cluster/format.js'
import {startManualFailover} from '../cluster/failover.js'
import {preferredEndpoint} from '../cluster/verdict.js'
import type {ClusterRuntime} from '../cluster/runtime.js'

type Sub = (rt: ClusterRuntime, ctx: CommandContext, argv: string[]) => void

// name, arity (counting CLUSTER and the subcommand), flags, handler
const TABLE: [string, number, CommandSpec['flags'], Sub][] = [
  ['info', 2, ['stale'], (rt, ctx) => ctx.reply.verbatim(clusterInfoText(rt.st))],
  ['nodes', 2, ['stale'], (rt, ctx) => ctx.reply.verbatim(clusterNodesText(rt.st, 0, !ctx.session.tls && rt.st.config.tlsCluster))],
  ['myid', 2, ['stale'], (rt, ctx) => ctx.reply.bulk(rt.st.myself.id)],
  ['slots', 2, ['stale'], (rt, ctx) => slotsReply(rt.st, ctx)],
  ['shards', 2, ['stale'], (rt, ctx) => shardsReply(rt.st, ctx)],
  ['keyslot', 3, ['stale'], (_rt, ctx, a) => ctx.reply.integer(keySlot(a[2]))],
  ['countkeysinslot', 3, ['stale'], countKeysInSlot],
  ['getkeysinslot', 4, ['stale'], getKeysInSlot],
  ['addslots', -3, ['admin', 'stale'], (rt, ctx, a) => addDelSlots(rt.st, ctx, parseSlots(a.slice(2)), false)],
  ['delslots', -3, ['admin', 'stale'], (rt, ctx, a) => addDelSlots(rt.st, ctx, parseSlots(a.slice(2)), true)],
  ['addslotsrange', -4, ['admin', 'stale'], (rt, ctx, a) => addDelSlots(rt.st, ctx, parseRanges(a), false)],
  ['delslotsrange', -4, ['admin', 'stale'], (rt, ctx, a) => addDelSlots(rt.st, ctx, parseRanges(a), true)],
  ['flushslots', 2, ['admin', 'stale'], flushSlots],
  ['setslot', -4, ['admin', 'stale'], setSlot],
  ['meet', -4, ['admin', 'stale'], meet],
  ['forget', 3, ['admin', 'stale'], forget],
  ['replicate', 3, ['admin', 'stale'], replicate],
  ['replicas', 3, ['admin', 'stale'], replicas],
  ['slaves', 3, ['admin', 'stale'], replicas],
  ['reset', -2, ['admin', 'stale', 'noscript'], reset],
  ['bumpepoch', 2, ['admin', 'stale'], bumpEpoch],
  ['set-config-epoch', 3, ['admin', 'stale'], setConfigEpoch],
  ['saveconfig', 2, ['admin', 'stale'], saveConfig],
  ['count-failure-reports', 3, ['admin', 'stale'], countFailureReports],
  ['links', 2, ['stale'], links],
  ['failover', -2, ['admin', 'stale'], failover],
  ['help', 2, ['loading', 'stale'], (_rt, ctx) => {
    const lines = ['CLUSTER <subcommand> [<arg> [value] [opt] ...]. Subcommands are:', ...TABLE.map(([n]) => n.toUpperCase())]
    ctx.reply.array(lines.length)
    for (const l of lines) ctx.reply.simple(l)
  }],
]

export function clusterCommands(rt: ClusterRuntime): CommandSpec[] {
  const subcommands = TABLE.map(([name, arity, flags, fn]) => {
    // Deferred changes (nodes.conf save, state update) are applied before the reply leaves, once per
    // batch of pipelined commands (server.beforeReply, installed by createCluster), as Redis's beforeSleep.
    const handler: Handler = (ctx, argv) => fn(rt, ctx, argv)
    return cmd(name, arity, flags, 0, handler)
  })
  const container = cmd('cluster', -2, [], 0, () => {}, {subcommands})
  return [container]
}

/**
 * CLUSTER on a node started without cluster-enabled: the same table (arity, flags, unknown
 * subcommands are checked as usual), every subcommand refused as redis clusterCommand does.
 */
export function standaloneClusterCommands(): CommandSpec[] {
  const disabled: Handler = (ctx) => ctx.reply.error('ERR This instance has cluster support disabled')
  const subcommands = TABLE.map(([name, arity, flags]) => cmd(name, arity, flags, 0, disabled))
  return [cmd('cluster', -2, [], 0, () => {}, {subcommands})]
}

// ---- argument helpers ------------------------------------------------------------------------

/** getLongLongFromObject: string2ll's syntax ("01", "-0", "+1" and values past 64 bits are not
 *  integers); a value past 2^53 is clamped, every caller range-checks far below that. */
function parseInt64(s: string): number | null {
  const n = parseIntStrict(s)
  if (n === null) return null
  return n > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : n < BigInt(Number.MIN_SAFE_INTEGER) ? Number.MIN_SAFE_INTEGER : Number(n)
}

/** addReplySubcommandSyntaxError: what clusterCommand answers when a subcommand whose table arity
 *  is open-ended (MEET, RESET, FAILOVER) gets more arguments than its branch takes; the name as
 *  typed. */
function subcommandSyntax(argv: string[]): ReplyError {
  return new ReplyError(`ERR unknown subcommand or wrong number of arguments for '${argv[1].slice(0, 128)}'. Try ${argv[0].toUpperCase()} HELP.`)
}

/** getSlotOrReply. */
function slotArg(s: string): number {
  const n = parseInt64(s)
  if (n === null || n < 0 || n >= CLUSTER_SLOTS) throw new ReplyError('ERR Invalid or out of range slot')
  return n
}

function parseSlots(args: string[]): number[] {
  return args.map(slotArg)
}

function parseRanges(argv: string[]): number[] {
  if (argv.length % 2 === 1) throw new ReplyError(`ERR wrong number of arguments for 'cluster|${argv[1].toLowerCase()}' command`)
  const out: number[] = []
  for (let i = 2; i < argv.length; i += 2) {
    const a = slotArg(argv[i])
    const b = slotArg(argv[i + 1])
    if (a > b) throw new ReplyError(`ERR start slot number ${a} is greater than end slot number ${b}`)
    for (let j = a; j <= b; j++) out.push(j)
  }
  return out
}

function nodeArg(st: ClusterState, id: string, err: string): ClusterNode {
  const n = st.lookup(id)
  if (!n) throw new ReplyError(`ERR ${err} ${id}`)
  return n
}

// ---- slots -----------------------------------------------------------------------------------

function countKeysInSlot(_rt: ClusterRuntime, ctx: CommandContext, argv: string[]): void {
  const slot = parseInt64(argv[2])
  if (slot === null) throw new ReplyError(E.NOT_INTEGER)
  if (slot < 0 || slot >= CLUSTER_SLOTS) throw new ReplyError('ERR Invalid slot')
  ctx.reply.integer(ctx.db.countKeysInSlot(slot))
}

function getKeysInSlot(_rt: ClusterRuntime, ctx: CommandContext, argv: string[]): void {
  const slot = parseInt64(argv[2])
  const max = parseInt64(argv[3])
  if (slot === null || max === null) throw new ReplyError(E.NOT_INTEGER)
  if (max < 0 || slot < 0 || slot >= CLUSTER_SLOTS) throw new ReplyError('ERR Invalid slot or number of keys')
  // Bounded by what the slot holds, so `GETKEYSINSLOT 0 2147483647` allocates nothing extra.
  const n = Math.min(max, ctx.db.countKeysInSlot(slot))
  const keys = n === 0 ? [] : ctx.db.getKeysInSlot(slot, n)
  ctx.reply.array(keys.length)
  for (const k of keys) ctx.reply.bulk(k)
}

function addDelSlots(st: ClusterState, ctx: CommandContext, slots: number[], del: boolean): void {
  const seen = new Uint8Array(CLUSTER_SLOTS)
  for (const j of slots) {
    if (del && st.slots[j] === null) throw new ReplyError(`ERR Slot ${j} is already unassigned`)
    if (!del && st.slots[j] !== null) throw new ReplyError(`ERR Slot ${j} is already busy`)
    if (seen[j]++ === 1) throw new ReplyError(`ERR Slot ${j} specified multiple times`)
  }
  for (let j = 0; j < CLUSTER_SLOTS; j++) {
    if (!seen[j]) continue
    // Taking a slot we were importing closes the import (Redis does the same).
    if (st.importingFrom[j]) st.importingFrom[j] = null
    if (del) st.delSlot(j)
    else st.addSlot(st.myself, j)
  }
  st.mark(Todo.UPDATE_STATE | Todo.SAVE_CONFIG)
  ctx.reply.ok()
}

function flushSlots(rt: ClusterRuntime, ctx: CommandContext): void {
  if (ctx.db.size !== 0) throw new ReplyError('ERR DB must be empty to perform CLUSTER FLUSHSLOTS.')
  rt.st.delNodeSlots(rt.st.myself)
  rt.st.mark(Todo.UPDATE_STATE | Todo.SAVE_CONFIG)
  ctx.reply.ok()
}

function setSlot(rt: ClusterRuntime, ctx: CommandContext, argv: string[]): void {
  const st = rt.st
  const me = st.myself
  if (me.isReplica) throw new ReplyError('ERR Please use SETSLOT only with masters.')
  const slot = slotArg(argv[2])
  const action = argv[3].toLowerCase()
  const invalid = 'ERR Invalid CLUSTER SETSLOT action or number of arguments. Try CLUSTER HELP'
  if (action === 'migrating' && argv.length === 5) {
    if (st.slots[slot] !== me) throw new ReplyError(`ERR I'm not the owner of hash slot ${slot}`)
    const n = nodeArg(st, argv[4], "I don't know about node")
    if (n.isReplica) throw new ReplyError('ERR Target node is not a master')
    st.setMigrating(slot, n)
  } else if (action === 'importing' && argv.length === 5) {
    if (st.slots[slot] === me) throw new ReplyError(`ERR I'm already the owner of hash slot ${slot}`)
    const n = nodeArg(st, argv[4], "I don't know about node")
    if (n.isReplica) throw new ReplyError('ERR Target node is not a master')
    st.setImporting(slot, n)
  } else if (action === 'stable' && argv.length === 4) {
    st.importingFrom[slot] = null
    st.migratingTo[slot] = null
  } else if (action === 'node' && argv.length === 5) {
    const n = nodeArg(st, argv[4], 'Unknown node')
    if (n.isReplica) throw new ReplyError('ERR Target node is not a master')
    const keys = ctx.db.countKeysInSlot(slot)
    if (st.slots[slot] === me && n !== me && keys !== 0) {
      throw new ReplyError(`ERR Can't assign hashslot ${slot} to a different node while I still hold keys for this hash slot.`)
    }
    // Migration finished: all keys moved, so the MIGRATING marker goes.
    if (keys === 0 && st.migratingTo[slot]) st.migratingTo[slot] = null
    if (n === me && st.importingFrom[slot]) {
      // Manually migrated slot: claim it under a new epoch so the cluster adopts our claim.
      const bumped = st.bumpEpochWithoutConsensus()
      if (bumped) st.log(`configEpoch updated after importing slot ${slot}`)
      st.importingFrom[slot] = null
      st.delSlot(slot)
      st.addSlot(n, slot)
      // Let the other nodes know at once (redis: clusterBroadcastPong here), once per batch: a
      // pipeline of SETSLOT NODE (a reshard sends hundreds) ends in one PONG per peer carrying every
      // slot it imported, where redis queues one per slot and the peers replay them all in one read
      // (5 peers x 4096 slots = 20,000 PONGs per 4096-slot reshard). beforeSleep runs before the
      // replies leave: the new epoch is saved (fsynced: the bump marked it) before the PONG announces it.
      st.mark(Todo.BROADCAST_PONG)
    } else {
      const slotWasMine = st.slots[slot] === me
      st.delSlot(slot)
      st.addSlot(n, slot)
      // redis 7.0: a master left without slots turns into a replica of the slot's new owner
      if (slotWasMine && n !== me && me.numSlots === 0 && st.config.allowReplicaMigration) {
        st.log(`Configuration change detected. Reconfiguring myself as a replica of ${n.id}`)
        st.setMyMaster(n)
        st.mark(Todo.FSYNC_CONFIG)
      }
    }
  } else {
    throw new ReplyError(invalid)
  }
  st.mark(Todo.SAVE_CONFIG | Todo.UPDATE_STATE)
  ctx.reply.ok()
}

// ---- topology --------------------------------------------------------------------------------

function meet(rt: ClusterRuntime, ctx: CommandContext, argv: string[]): void {
  if (argv.length > 5) throw subcommandSyntax(argv)
  const port = parseInt64(argv[3])
  if (port === null) throw new ReplyError(`ERR Invalid TCP base port specified: ${argv[3]}`)
  let cport = port + 10000
  if (argv.length === 5) {
    const c = parseInt64(argv[4])
    if (c === null) throw new ReplyError(`ERR Invalid TCP bus port specified: ${argv[4]}`)
    cport = c
  }
  const ip = argv[2]
  if (net.isIP(ip) === 0 || port <= 0 || port > 65535 || cport <= 0 || cport > 65535) {
    throw new ReplyError(`ERR Invalid node address specified: ${ip}:${argv[3]}`)
  }
  // A handshake already in progress for this address is not an error (Redis: EAGAIN -> +OK).
  rt.st.startHandshake(ip, port, cport)
  ctx.reply.ok()
}

function forget(rt: ClusterRuntime, ctx: CommandContext, argv: string[]): void {
  const st = rt.st
  const n = nodeArg(st, argv[2], 'Unknown node')
  if (n === st.myself) throw new ReplyError("ERR I tried hard but I can't forget myself...")
  if (st.myself.isReplica && st.myself.masterId === n.id) throw new ReplyError("ERR Can't forget my master!")
  st.blacklistAdd(n.id)
  st.delNode(n)
  st.mark(Todo.UPDATE_STATE | Todo.SAVE_CONFIG)
  ctx.reply.ok()
}

function replicate(rt: ClusterRuntime, ctx: CommandContext, argv: string[]): void {
  const st = rt.st
  const n = nodeArg(st, argv[2], 'Unknown node')
  if (n === st.myself) throw new ReplyError("ERR Can't replicate myself")
  if (n.isReplica) throw new ReplyError('ERR I can only replicate a master, not a replica.')
  if (st.myself.isMaster && (st.myself.numSlots !== 0 || ctx.db.size !== 0)) {
    throw new ReplyError('ERR To set a master the node must be empty and without assigned slots.')
  }
  const changed = st.myself.isMaster || st.myself.masterId !== n.id
  st.setMyMaster(n)
  // Redis leaves the new role to the next heartbeats (a peer learns it up to node-timeout/2 later);
  // the node tells every peer at once with the PONG broadcast Redis sends after a failover, so a
  // cluster being created or re-shaped agrees on its replicas sooner (the same packet, one more).
  st.mark(Todo.UPDATE_STATE | Todo.SAVE_CONFIG | (changed ? Todo.BROADCAST_PONG : 0))
  ctx.reply.ok()
}

function replicas(rt: ClusterRuntime, ctx: CommandContext, argv: string[]): void {
  const n = nodeArg(rt.st, argv[2], 'Unknown node')
  if (n.isReplica) throw new ReplyError('ERR The specified node is not a master')
  const list = rt.st.replicasOf(n)
  ctx.reply.array(list.length)
  for (const r of list) ctx.reply.bulk(nodeLine(rt.st, r, !ctx.session.tls && rt.st.config.tlsCluster))
}

function reset(rt: ClusterRuntime, ctx: CommandContext, argv: string[]): void {
  let hard = false
  if (argv.length === 3) {
    const mode = argv[2].toLowerCase()
    if (mode === 'hard') hard = true
    else if (mode !== 'soft') throw new ReplyError(E.SYNTAX)
  } else if (argv.length > 3) throw subcommandSyntax(argv)
  const st = rt.st
  if (st.myself.isMaster && ctx.db.size !== 0) throw new ReplyError("ERR CLUSTER RESET can't be called with master nodes containing keys")
  if (st.myself.isReplica) {
    st.setNodeAsMaster(st.myself)
    st.hooks.onSetMaster?.(null)
    ctx.server.beforeWrite(-1, null)
    ctx.db.flush()
  }
  st.closeAllSlots()
  for (let j = 0; j < CLUSTER_SLOTS; j++) st.delSlot(j)
  for (const n of [...st.nodes.values()]) if (n !== st.myself) st.delNode(n)
  if (hard) {
    st.currentEpoch = 0
    st.lastVoteEpoch = 0
    st.myself.configEpoch = 0
    st.renameNode(st.myself, randomNodeId())
    st.log(`Node hard reset, now I'm ${st.myself.id}`)
  }
  st.saveNow(true)
  st.mark(Todo.UPDATE_STATE)
  ctx.reply.ok()
}

// ---- epochs and config -----------------------------------------------------------------------

function bumpEpoch(rt: ClusterRuntime, ctx: CommandContext): void {
  const bumped = rt.st.bumpEpochWithoutConsensus()
  rt.st.saveNow(true)
  ctx.reply.simple(`${bumped ? 'BUMPED' : 'STILL'} ${rt.st.myself.configEpoch}`)
}

function setConfigEpoch(rt: ClusterRuntime, ctx: CommandContext, argv: string[]): void {
  const st = rt.st
  const epoch = parseInt64(argv[2])
  if (epoch === null) throw new ReplyError(E.NOT_INTEGER)
  if (epoch < 0) throw new ReplyError(`ERR Invalid config epoch specified: ${epoch}`)
  if (st.nodes.size > 1) throw new ReplyError('ERR The user can assign a config epoch only when the node does not know any other node.')
  if (st.myself.configEpoch !== 0) throw new ReplyError('ERR Node config epoch is already non-zero')
  st.myself.configEpoch = epoch
  st.log(`configEpoch set to ${epoch} via CLUSTER SET-CONFIG-EPOCH`)
  if (st.currentEpoch < epoch) st.currentEpoch = epoch
  st.saveNow(true)
  st.mark(Todo.UPDATE_STATE)
  ctx.reply.ok()
}

function saveConfig(rt: ClusterRuntime, ctx: CommandContext): void {
  try {
    rt.st.saveNow(true)
  } catch (e) {
    throw new ReplyError(`ERR error saving the cluster node config: ${(e as Error).message}`)
  }
  ctx.reply.ok()
}

function countFailureReports(rt: ClusterRuntime, ctx: CommandContext, argv: string[]): void {
  const n = nodeArg(rt.st, argv[2], 'Unknown node')
  const maxAge = rt.st.config.nodeTimeout * 2
  const now = rt.st.now()
  ctx.reply.integer(n.failReports.filter((r) => now - r.time <= maxAge).length)
}

function failover(rt: ClusterRuntime, ctx: CommandContext, argv: string[]): void {
  if (argv.length > 3) throw subcommandSyntax(argv)
  if (argv.length === 3 && !['force', 'takeover'].includes(argv[2].toLowerCase())) throw new ReplyError(E.SYNTAX)
  const mode = argv.length === 3 ? (argv[2].toLowerCase() as 'force' | 'takeover') : 'default'
  const err = startManualFailover(rt.st, mode)
  if (err) throw new ReplyError(err)
  ctx.reply.ok()
}

// ---- SLOTS / SHARDS / LINKS ------------------------------------------------------------------

function nodeEntry(st: ClusterState, ctx: CommandContext, n: ClusterNode): void {
  // addNodeToNodeReply: preferred endpoint, port, id, then the other known addresses.
  const type = st.config.preferredEndpointType
  ctx.reply.array(4)
  if (type === 'unknown-endpoint') ctx.reply.nil()
  else ctx.reply.bulk(preferredEndpoint(st, n))
  ctx.reply.integer(clientPort(st, n, ctx.session.tls))
  ctx.reply.bulk(n.id)
  const withIp = type !== 'ip'
  const withHost = type !== 'hostname' && n.hostname !== ''
  ctx.reply.map((withIp ? 1 : 0) + (withHost ? 1 : 0))
  if (withIp) {
    ctx.reply.bulk('ip')
    ctx.reply.bulk(n.ip)
  }
  if (withHost) {
    ctx.reply.bulk('hostname')
    ctx.reply.bulk(n.hostname)
  }
}

/** Replicas appear only when not failed and with a non-zero offset (isReplicaAvailable). */
function availableReplicas(st: ClusterState, m: ClusterNode): ClusterNode[] {
  return st.replicasOf(m).filter((r) => !r.failed && r.replOffset !== 0)
}

function slotsReply(st: ClusterState, ctx: CommandContext): void {
  // Each owner's runs of slots from its own bitmap (whole empty or full words skipped), in slot
  // order: the maximal runs of one owner that redis's scan of the slot table finds, without 16,384
  // table reads per call (clients call CLUSTER SLOTS after every MOVED, so often during a reshard).
  const ranges: [number, number, ClusterNode][] = []
  for (const n of st.nodes.values()) {
    if (n.numSlots === 0) continue
    for (const [a, b] of bitmapRanges(n.slots)) ranges.push([a, b, n])
  }
  ranges.sort((x, y) => x[0] - y[0])
  ctx.reply.array(ranges.length)
  for (const [a, b, n] of ranges) {
    const reps = availableReplicas(st, n)
    ctx.reply.array(3 + reps.length)
    ctx.reply.integer(a)
    ctx.reply.integer(b)
    nodeEntry(st, ctx, n)
    for (const r of reps) nodeEntry(st, ctx, r)
  }
}

function shardsReply(st: ClusterState, ctx: CommandContext): void {
  const masters = [...st.nodes.values()].filter((n) => n.isMaster)
  ctx.reply.array(masters.length)
  for (const m of masters) {
    ctx.reply.map(2)
    ctx.reply.bulk('slots')
    const ranges = bitmapRanges(m.slots)
    ctx.reply.array(ranges.length * 2)
    for (const [a, b] of ranges) {
      ctx.reply.integer(a)
      ctx.reply.integer(b)
    }
    ctx.reply.bulk('nodes')
    const members = [m, ...st.replicasOf(m)]
    ctx.reply.array(members.length)
    for (const n of members) shardNode(st, ctx, n)
  }
}

function shardNode(st: ClusterState, ctx: CommandContext, n: ClusterNode): void {
  // a TLS cluster names its TLS port `tls-port` and its plain one (when it has one) `port`
  const plain = st.config.tlsCluster ? n.pport : n.port
  const fields: [string, string | number][] = [['id', n.id]]
  if (plain !== 0) fields.push(['port', plain])
  if (st.config.tlsCluster && n.port !== 0) fields.push(['tls-port', n.port])
  fields.push(['ip', n.ip], ['endpoint', preferredEndpoint(st, n)])
  if (n.hostname) fields.push(['hostname', n.hostname])
  fields.push(['role', n.isMaster ? 'master' : 'replica'], ['replication-offset', n.replOffset])
  const health = n.failed ? 'fail' : n.isReplica && n.replOffset === 0 ? 'loading' : 'online'
  fields.push(['health', health])
  ctx.reply.map(fields.length)
  for (const [k, v] of fields) {
    ctx.reply.bulk(k)
    if (typeof v === 'number') ctx.reply.integer(v)
    else ctx.reply.bulk(v)
  }
}

function links(rt: ClusterRuntime, ctx: CommandContext): void {
  const all: {dir: string; node: ClusterNode; ctime: number; used: number}[] = []
  for (const n of rt.st.nodes.values()) {
    if (n.link) all.push({dir: 'to', node: n, ctime: n.link.ctime, used: n.link.sendBufferUsed ?? 0})
    if (n.inboundLink) all.push({dir: 'from', node: n, ctime: n.inboundLink.ctime, used: n.inboundLink.sendBufferUsed ?? 0})
  }
  ctx.reply.array(all.length)
  for (const l of all) {
    ctx.reply.map(6)
    ctx.reply.bulk('direction')
    ctx.reply.bulk(l.dir)
    ctx.reply.bulk('node')
    ctx.reply.bulk(l.node.id)
    ctx.reply.bulk('create-time')
    ctx.reply.integer(l.ctime)
    ctx.reply.bulk('events')
    ctx.reply.bulk(l.dir === 'to' ? 'rw' : 'r')
    ctx.reply.bulk('send-buffer-allocated')
    ctx.reply.integer(l.used)
    ctx.reply.bulk('send-buffer-used')
    ctx.reply.integer(l.used)
  }
}

export const CLUSTER_NODE_FLAGS = NodeFlag

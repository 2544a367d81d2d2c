// Executor for `add-node`: validate (healthy cluster, empty new node), copy FUNCTIONs to a new
// master, CLUSTER MEET, and wait until every node knows the newcomer and agrees, so that a second
// add-node straight after succeeds (redis-cli 7.0.15 returns before gossip and the next one fails);
// a new replica also until its initial sync is done.
import type {Redis} from 'ioredis'
import {formatAddress, resolveIp, type NodeAddress} from '../address.js'
import {RedisTsError} from '../../errors.js'
import type {NodePool} from '../pool.js'
import {REPLICATION_CODES, runChecks} from '../check/checks.js'
import {loadCluster} from '../topology/load.js'
import {parseClusterNodes} from '../topology/parse.js'
import type {ClusterNode, ClusterView} from '../topology/types.js'
import {pickMasterForReplica, resolveNodeId} from '../plan/add-node.js'
import {FAST_JOIN_TIMEOUT_MS, validateCreateNodes, type ValidNode} from './create.js'
import {waitForConvergence, waitForReplicaSync} from './wait.js'

export type AddNodeEvent =
  | {type: 'master-selected'; master: string; id: string; automatic: boolean}
  | {type: 'functions-copied'; libraries: number}
  | {type: 'meet-sent'; to: string}
  | {type: 'joined'; elapsedMs: number}
  | {type: 'replicate'; master: string}
  | {type: 'synced'; elapsedMs: number}
  | {type: 'waiting'; reason: string}
  /** the new node's cluster-node-timeout could not be put back after the fast join */
  | {type: 'restore-failed'; node: string; error: string}

export interface AddNodeOptions {
  replica?: boolean
  masterId?: string
  timeoutMs: number
  onEvent?: (e: AddNodeEvent) => void
}

export interface AddNodeResult {
  address: string
  id: string
  role: 'master' | 'replica'
  master?: {address: string; id: string}
  functionsCopied: number
  elapsedMs: number
}

const unknownCommand = (err: unknown) => /unknown (sub)?command|unknown command/i.test((err as Error).message)

/**
 * Refuse to add to a cluster with problems (same rule as redis-cli, with the finding named). A replica
 * still syncing (e.g. from the previous add-node) does not block the next one.
 */
export function assertHealthy(view: ClusterView, action: string): void {
  const report = runChecks(view)
  const bad = report.findings.filter((f) => f.severity !== 'info' && !REPLICATION_CODES.has(f.code))
  if (bad.length) {
    throw new RedisTsError('cluster-problems', `Please fix your cluster problems before ${action}: ${bad[0].message}${bad.length > 1 ? ` (and ${bad.length - 1} more)` : ''}`, {
      hint: `Run "redis-ts check ${view.seed}" to see them and "redis-ts fix ${view.seed}" to repair.`,
    })
  }
}

/** Copy function libraries from a master to the new node (7.0+); silently skipped where FUNCTION is unknown. */
async function copyFunctions(from: Redis, to: Redis, name: string): Promise<number> {
  let libs: unknown[]
  try {
    libs = (await from.call('FUNCTION', 'LIST')) as unknown[]
  } catch (err) {
    if (unknownCommand(err)) return 0
    throw err
  }
  if (!Array.isArray(libs) || libs.length === 0) return 0
  const existing = (await to.call('FUNCTION', 'LIST').catch((err) => (unknownCommand(err) ? null : Promise.reject(err)))) as unknown[] | null
  if (existing === null) return 0
  if (existing.length > 0) throw new RedisTsError('invalid-node', `Node ${name} is not empty: it already has ${existing.length} function librar${existing.length === 1 ? 'y' : 'ies'} (FUNCTION FLUSH it first)`)
  const payload = await from.callBuffer('FUNCTION', 'DUMP')
  await to.call('FUNCTION', 'RESTORE', payload as Buffer)
  return libs.length
}

async function waitKnows(c: Redis, id: string, deadline: number, what: string): Promise<void> {
  for (;;) {
    const view = parseClusterNodes(String(await c.call('CLUSTER', 'NODES')))
    if (view.some((e) => e.id === id && !e.flags.includes('handshake') && !e.flags.includes('noaddr'))) return
    if (Date.now() > deadline) throw new RedisTsError('timeout', `Timed out waiting for ${what}`, {hint: 'Cluster bus ports (port+10000 or cluster-port) must be reachable between every pair of nodes.'})
    await new Promise((r) => setTimeout(r, 20))
  }
}

function chooseMaster(view: ClusterView, node: ValidNode, masterId: string | undefined): {master: ClusterNode; automatic: boolean} {
  const ms = view.nodes.filter((n) => n.role === 'master')
  if (masterId !== undefined) {
    const master = resolveNodeId(ms, masterId, 'master')
    return {master, automatic: false}
  }
  const master = pickMasterForReplica(view, node.host)
  if (!master) throw new RedisTsError('cluster-problems', 'No master available to replicate')
  return {master, automatic: true}
}

export async function addNode(newAddr: NodeAddress, seed: NodeAddress, pool: NodePool, opts: AddNodeOptions): Promise<AddNodeResult> {
  const started = Date.now()
  const deadline = started + opts.timeoutMs
  const emit = opts.onEvent ?? (() => {})
  const view = await loadCluster(seed, pool)
  assertHealthy(view, 'adding a node')
  // A member is also "not empty" (it knows other nodes): say what it really is first.
  const myId = await pool.get(newAddr).then((c) => c.call('CLUSTER', 'MYID')).catch(() => undefined)
  const member = view.nodes.find((n) => n.id === String(myId))
  if (member) throw new RedisTsError('invalid-node', `Node ${formatAddress(newAddr)} already belongs to this cluster (id ${member.id}, ${member.role})`)
  const [node] = await validateCreateNodes([newAddr], pool)
  if (view.nodes.some((n) => n.id === node.id)) throw new RedisTsError('invalid-node', `Node ${node.address} is already part of this cluster`)
  const chosen = opts.replica ? chooseMaster(view, node, opts.masterId) : undefined
  if (chosen) emit({type: 'master-selected', master: chosen.master.address, id: chosen.master.id, automatic: chosen.automatic})

  const newClient = await pool.get({host: node.host, port: node.port})
  let functionsCopied = 0
  if (!opts.replica) {
    const ref = view.nodes.find((n) => n.role === 'master' && n.reachable && n.slotCount > 0) ?? view.nodes.find((n) => n.address === view.seed)!
    functionsCopied = await copyFunctions(await pool.get({host: ref.host, port: ref.port}), newClient, node.address)
    if (functionsCopied) emit({type: 'functions-copied', libraries: functionsCopied})
  }

  // Fast join, as in create: a new master's own cluster-node-timeout is lowered to 1 s while it joins
  // (its rejoin delay was 5 s with the default 15 s timeout, 2 s on a local cluster), then put back.
  const addrs: NodeAddress[] = [...view.nodes.map((n) => ({host: n.host, port: n.port})), {host: node.host, port: node.port}]
  const onPoll = (reason: string) => emit({type: 'waiting', reason})
  const fast = !chosen && node.nodeTimeoutMs !== undefined && node.nodeTimeoutMs > FAST_JOIN_TIMEOUT_MS
  if (fast) await newClient.call('CONFIG', 'SET', 'cluster-node-timeout', String(FAST_JOIN_TIMEOUT_MS))
  try {
    // MEET is sent by every existing node towards the newcomer (a MEET for a known node only opens a
    // handshake that Redis drops once it sees the real id), so nobody waits for gossip to learn it.
    // The bus port (read from the new node's own myself line) is passed only when it is not port+10000.
    const args = ['MEET', await resolveIp(node.host), String(node.port)]
    if (node.busPort !== node.port + 10000) args.push(String(node.busPort))
    await Promise.all(view.nodes.map(async (n) => (await pool.get({host: n.host, port: n.port})).call('CLUSTER', ...args)))
    emit({type: 'meet-sent', to: node.address})

    // cluster_state:ok too: a new slotless master reports fail for its rejoin delay (node timeout,
    // clamped to 0.5-5 s), and a check (or the next add-node) run in that window would refuse. A
    // replica has no such delay once it replicates, so it waits for ok only after REPLICATE.
    await waitForConvergence(pool, addrs, {nodeCount: view.nodes.length + 1, stateOk: !chosen}, {timeoutMs: Math.max(0, deadline - Date.now()), onPoll})
  } finally {
    if (fast) {
      await newClient.call('CONFIG', 'SET', 'cluster-node-timeout', String(node.nodeTimeoutMs)).catch((err: Error) => emit({type: 'restore-failed', node: node.address, error: err.message}))
    }
  }
  emit({type: 'joined', elapsedMs: Date.now() - started})

  if (chosen) {
    await waitKnows(newClient, chosen.master.id, deadline, `${node.address} to learn about its master ${chosen.master.address}`)
    await newClient.call('CLUSTER', 'REPLICATE', chosen.master.id)
    emit({type: 'replicate', master: chosen.master.address})
    const replicaOf = new Map([[node.id, chosen.master.id]])
    await waitForConvergence(pool, addrs, {nodeCount: view.nodes.length + 1, stateOk: true, replicaOf}, {timeoutMs: Math.max(0, deadline - Date.now()), onPoll})
    // Like create: return once the replica holds the data, so a check straight after is clean.
    const t0 = Date.now()
    const {unreported} = await waitForReplicaSync(pool, [{address: node.address, host: node.host, port: node.port, masterAddress: chosen.master.address}], {deadline, onPoll})
    if (!unreported.length) emit({type: 'synced', elapsedMs: Date.now() - t0})
  }
  return {
    address: node.address,
    id: node.id,
    role: chosen ? 'replica' : 'master',
    ...(chosen ? {master: {address: chosen.master.address, id: chosen.master.id}} : {}),
    functionsCopied,
    elapsedMs: Date.now() - started,
  }
}

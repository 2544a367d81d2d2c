// Lifecycle of a local cluster recorded in a state file: start (same ports, ids from nodes.conf,
// data from dump.rdb/AOF), destroy, status, kill-node / restart-node (failover drills), add-node
// (spawned here, joined by the same executor as `redis-ts add-node`), and the node log files.
import {existsSync, rmSync} from 'node:fs'
import {join} from 'node:path'
import {NodePool} from '../admin/pool.js'
import {loadCluster} from '../admin/topology/load.js'
import {addNode, type AddNodeEvent, type AddNodeResult} from '../admin/exec/add-node.js'
import {waitForConvergence} from '../admin/exec/wait.js'
import {formatAddress} from '../admin/address.js'
import type {ClusterNode} from '../admin/topology/types.js'
import {RedisTsError} from '../errors.js'
import {checkStateTls, nodeSpec, poolFor, runningHint} from './cluster.js'
import {spawnNodes, stopPids} from './launcher.js'
import {busPortFor, portFree} from './ports.js'
import {nodeAlive, nodeIdFromConf, readState, stateDir, writeState, type LocalClusterState, type LocalNodeState} from './state.js'
import {connectHost, waitAnswering} from './wait.js'
import type {TlsPaths} from './tls.js'
import {addSentinelReplica, restartSentinelNode, startSentinelNodes} from './sentinel-local.js'

export interface ClusterRef {
  name?: string
  dir?: string
}

export function loadState(ref: ClusterRef): LocalClusterState {
  const dir = stateDir(ref)
  const state = readState(dir)
  if (!state) throw new RedisTsError('usage', `No local cluster in ${dir}`, {hint: 'Create one with: redis-ts create (no addresses); list them with: redis-ts local list'})
  state.dir = dir
  return state
}


export function addressOf(state: LocalClusterState, n: {port: number}): string {
  return formatAddress({host: connectHost(state), port: n.port})
}

/** A node by port or by id (unique prefix); ids come from the state file or the node's nodes.conf. */
export function findNode(state: LocalClusterState, ref: string): LocalNodeState {
  if (/^\d{1,5}$/.test(ref)) {
    const n = state.nodes.find((x) => x.port === Number(ref))
    if (n) return n
  }
  const matches = state.nodes.filter((n) => (n.id ?? nodeIdFromConf(n.dir) ?? '').startsWith(ref.toLowerCase()))
  if (matches.length === 1 && ref.length >= 4) return matches[0]
  if (matches.length > 1 && ref.length >= 4) throw new RedisTsError('usage', `Node id prefix "${ref}" is ambiguous (${matches.map((m) => m.port).join(', ')})`)
  throw new RedisTsError('usage', `No node "${ref}" in local cluster "${state.name}" (ports ${state.nodes.map((n) => n.port).join(', ')})`)
}

async function convergeAll(state: LocalClusterState, pool: NodePool, timeoutMs: number): Promise<number> {
  const host = connectHost(state)
  const {elapsedMs} = await waitForConvergence(pool, state.nodes.map((n) => ({host, port: n.port})), {nodeCount: state.nodes.length, stateOk: true}, {timeoutMs})
  return elapsedMs
}

async function spawnDown(state: LocalClusterState, nodes: LocalNodeState[], detached: boolean): Promise<void> {
  const host = connectHost(state)
  if (nodes.length) checkStateTls(state)
  for (const n of nodes) {
    if (!(await portFree(n.port, host)) || !(await portFree(n.busPort, host))) {
      throw new RedisTsError('conflict', `Port ${n.port} (or bus port ${n.busPort}) of local cluster "${state.name}" is in use by another process`, {hint: `Free the port, or remove the cluster with: redis-ts local destroy${runningHint(state, false)}`})
    }
  }
  // (the launcher removes each old pidfile first)
  const spawned = await spawnNodes(nodes.map((n) => nodeSpec(state, n, detached)), state.singleProcess)
  nodes.forEach((n, i) => (n.pid = spawned[i].pid))
  writeState(state)
}

export interface StartResult {
  state: LocalClusterState
  started: number
  alreadyRunning: number
  elapsedMs: number
}

/** Start every node of a stopped (or partly stopped) cluster on its ports, then wait for cluster_state:ok. */
export async function startCluster(ref: ClusterRef, opts: {timeoutMs?: number; detached?: boolean} = {}): Promise<StartResult> {
  const t0 = Date.now()
  const state = loadState(ref)
  if (state.kind === 'sentinel') return {state, ...(await startSentinelNodes(state, opts)), elapsedMs: Date.now() - t0}
  const down = state.nodes.filter((n) => !nodeAlive(n))
  const pool = poolFor(state)
  try {
    await spawnDown(state, down, opts.detached ?? true)
    await waitAnswering(pool, state, down, opts.timeoutMs ?? 30000)
    await convergeAll(state, pool, opts.timeoutMs ?? 30000)
    for (const n of state.nodes) n.id ??= nodeIdFromConf(n.dir)
    writeState(state)
    return {state, started: down.length, alreadyRunning: state.nodes.length - down.length, elapsedMs: Date.now() - t0}
  } finally {
    await pool.close()
  }
}

/** Kill every node (SIGTERM, then SIGKILL) and remove the state directory. */
export async function destroyCluster(ref: ClusterRef): Promise<{state: LocalClusterState; stopped: number}> {
  const state = loadState(ref)
  const running = state.nodes.filter(nodeAlive)
  await stopPids(running.map((n) => n.pid))
  rmSync(state.dir, {recursive: true, force: true})
  return {state, stopped: running.length}
}

export interface NodeStatus {
  address: string
  host: string
  port: number
  busPort: number
  role: string
  id: string | null
  master: string | null
  slots: [number, number][]
  slotCount: number
  keys: number | null
  link: string
  pid: number | null
  health: 'ok' | 'down' | 'fail' | 'syncing' | 'link down' | 'cluster down' | 'unreachable'
  dir: string
}

export interface ClusterStatus {
  name: string
  dir: string
  server: string
  bind: string
  persistence: string
  /** embedded nodes in one host process (create --single-process) */
  singleProcess?: boolean
  /** a TLS-only cluster's certificate files */
  tls?: TlsPaths
  running: number
  total: number
  clusterState: string | null
  healthy: boolean
  nodes: NodeStatus[]
}

function health(n: ClusterNode | undefined, alive: boolean): NodeStatus['health'] {
  if (!alive) return 'down'
  if (!n || !n.reachable) return 'unreachable'
  if (n.failed) return 'fail'
  if (n.role === 'replica') {
    if (n.replication?.masterSyncInProgress) return 'syncing'
    if (n.replication?.masterLinkStatus === 'down') return 'link down'
  }
  if (n.clusterInfo && n.clusterInfo.cluster_state !== 'ok') return 'cluster down'
  return 'ok'
}

export async function clusterStatus(ref: ClusterRef): Promise<ClusterStatus> {
  const state = loadState(ref)
  const host = connectHost(state)
  const alive = new Map(state.nodes.map((n) => [n.port, nodeAlive(n)]))
  const pool = poolFor(state)
  let seen: ClusterNode[] = []
  try {
    for (const n of state.nodes.filter((x) => alive.get(x.port))) {
      try {
        seen = (await loadCluster({host, port: n.port}, pool, {details: true})).nodes
        break
      } catch {
        // try the next live node
      }
    }
  } finally {
    await pool.close()
  }
  const byId = new Map(seen.map((n) => [n.id, n]))
  const nodes = state.nodes.map((s): NodeStatus => {
    const id = s.id ?? nodeIdFromConf(s.dir) ?? null
    const n = seen.find((x) => x.port === s.port) ?? (id ? byId.get(id) : undefined)
    const isAlive = alive.get(s.port) ?? false
    const repl = n?.replication
    return {
      address: formatAddress({host, port: s.port}),
      host,
      port: s.port,
      busPort: s.busPort,
      role: n?.role ?? 'unknown',
      id: n?.id ?? id,
      master: n?.masterId ? (byId.get(n.masterId)?.address ?? n.masterId) : null,
      slots: n?.slots ?? [],
      slotCount: n?.slotCount ?? 0,
      keys: isAlive ? (n?.keys ?? null) : null,
      link: !isAlive ? '-' : n?.role === 'replica' ? `master link ${repl?.masterLinkStatus ?? '?'}${repl?.lagBytes ? `, lag ${repl.lagBytes} B` : ''}` : n?.linkState ?? '-',
      pid: isAlive ? s.pid : null,
      health: health(n, isAlive),
      dir: s.dir,
    }
  })
  const states = seen.filter((n) => n.reachable && n.clusterInfo).map((n) => n.clusterInfo!.cluster_state)
  const clusterState = states.length ? (states.every((s) => s === 'ok') ? 'ok' : 'fail') : null
  return {
    name: state.name,
    dir: state.dir,
    server: state.server,
    bind: state.bind,
    persistence: state.persistence,
    ...(state.singleProcess ? {singleProcess: true} : {}),
    ...(state.tls ? {tls: {ca: state.tls.ca, cert: state.tls.cert, key: state.tls.key}} : {}),
    running: nodes.filter((n) => n.pid !== null).length,
    total: nodes.length,
    clusterState,
    healthy: clusterState === 'ok' && nodes.every((n) => n.health === 'ok'),
    nodes,
  }
}

/** Send a signal (default SIGKILL: a crash) to one node; its files stay, restart-node brings it back. */
export async function killNode(ref: ClusterRef, node: string, signal: NodeJS.Signals = 'SIGKILL'): Promise<{state: LocalClusterState; node: LocalNodeState}> {
  const state = loadState(ref)
  const n = findNode(state, node)
  if (!nodeAlive(n)) throw new RedisTsError('usage', `Node ${n.port} of local cluster "${state.name}" is not running`)
  // A node sharing its process with others (--single-process) is reached through its stub process,
  // which passes every signal on (src/node/host.ts); its host sees a stopped stub through /proc, so
  // where there is no /proc SIGSTOP goes as SIGTSTP, which the stub traps.
  const hostedStop = state.singleProcess === true && signal === 'SIGSTOP' && !existsSync('/proc/self/stat')
  process.kill(n.pid, hostedStop ? 'SIGTSTP' : signal)
  const deadline = Date.now() + 10000
  while (['SIGKILL', 'SIGTERM', 'SIGINT'].includes(signal) && nodeAlive(n) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20))
  return {state, node: n}
}

/** Stop one node if it runs (SIGTERM), start it again on its port with its id, wait until it answers and the cluster is ok. */
export async function restartNode(ref: ClusterRef, node: string, opts: {timeoutMs?: number; detached?: boolean} = {}): Promise<{state: LocalClusterState; node: LocalNodeState; elapsedMs: number}> {
  const t0 = Date.now()
  const state = loadState(ref)
  const n = findNode(state, node)
  if (state.kind === 'sentinel') {
    await restartSentinelNode(state, n, opts)
    return {state, node: n, elapsedMs: Date.now() - t0}
  }
  if (nodeAlive(n)) await stopPids([n.pid])
  const pool = poolFor(state)
  try {
    await spawnDown(state, [n], opts.detached ?? true)
    await waitAnswering(pool, state, [n], opts.timeoutMs ?? 30000)
    // Nodes still down elsewhere keep the cluster from agreeing: wait only on the live ones.
    const live = state.nodes.filter(nodeAlive)
    const host = connectHost(state)
    const down = state.nodes.filter((x) => !nodeAlive(x)).map((x) => x.id ?? nodeIdFromConf(x.dir) ?? '')
    await waitForConvergence(pool, live.map((x) => ({host, port: x.port})), {nodeCount: state.nodes.length, stateOk: true, down}, {timeoutMs: opts.timeoutMs ?? 30000})
    return {state, node: n, elapsedMs: Date.now() - t0}
  } finally {
    await pool.close()
  }
}

/** Start one more node (next free port above the cluster's) and add it through the add-node executor. */
export async function addLocalNode(
  ref: ClusterRef,
  opts: {replica?: boolean; masterId?: string; timeoutMs?: number; detached?: boolean; onEvent?: (e: AddNodeEvent | {type: 'spawned'; port: number}) => void} = {},
): Promise<{state: LocalClusterState; node: LocalNodeState; result: AddNodeResult}> {
  const state = loadState(ref)
  if (state.kind === 'sentinel') {
    if (!opts.replica || opts.masterId) throw new RedisTsError('usage', `Local Sentinel setup "${state.name}" grows by replicas of its current master: use add-node --replica (no --master-id)`)
    const t0 = Date.now()
    const {node: n, master} = await addSentinelReplica(state, opts)
    const masterNode = state.nodes.find((x) => x.port === master)
    const result: AddNodeResult = {address: addressOf(state, n), id: n.id ?? '', role: 'replica', master: {address: addressOf(state, {port: master}), id: masterNode?.id ?? ''}, functionsCopied: 0, elapsedMs: Date.now() - t0}
    return {state, node: n, result}
  }
  const host = connectHost(state)
  const seed = state.nodes.find(nodeAlive)
  if (!seed) throw new RedisTsError('usage', `Local cluster "${state.name}" is not running`, {hint: `Start it with: redis-ts local start${runningHint(state, false)}`})
  checkStateTls(state)
  let port = Math.max(...state.nodes.map((n) => n.port)) + 1
  while (!(await portFree(port, host)) || !(await portFree(busPortFor(port), host)) || state.nodes.some((n) => n.port === port)) port++
  const n: LocalNodeState = {port, busPort: busPortFor(port), dir: join(state.dir, String(port)), pid: 0, added: true}
  n.pid = (await spawnNodes([nodeSpec(state, n, opts.detached ?? true)], state.singleProcess))[0].pid
  state.nodes.push(n)
  writeState(state)
  opts.onEvent?.({type: 'spawned', port})
  const pool = poolFor(state)
  try {
    await waitAnswering(pool, state, [n], opts.timeoutMs ?? 30000)
    const result = await addNode({host, port}, {host, port: seed.port}, pool, {
      replica: opts.replica || opts.masterId !== undefined,
      ...(opts.masterId ? {masterId: opts.masterId} : {}),
      timeoutMs: opts.timeoutMs ?? 60000,
      onEvent: opts.onEvent,
    })
    n.id = result.id
    if (result.role === 'master') state.masters++
    writeState(state)
    return {state, node: n, result}
  } catch (err) {
    await stopPids([n.pid])
    state.nodes = state.nodes.filter((x) => x !== n)
    writeState(state)
    rmSync(n.dir, {recursive: true, force: true})
    throw err
  } finally {
    await pool.close()
  }
}

/** The log files of the cluster's nodes (or one node by port or id). */
export function logFiles(ref: ClusterRef, node?: string): {state: LocalClusterState; files: {port: number; file: string}[]} {
  const state = loadState(ref)
  const nodes = node ? [findNode(state, node)] : state.nodes
  return {state, files: nodes.map((n) => ({port: n.port, file: join(n.dir, 'node.log')})).filter((f) => existsSync(f.file))}
}

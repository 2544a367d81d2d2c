// Local clusters: probe ports, start N nodes (embedded or redis-server), then build the cluster with
// the same planner and executor as `redis-ts create`. A state file records ports, pids and settings
// so the lifecycle commands (src/local/lifecycle.ts) can stop, start, kill, restart and grow it;
// test suites get an attached cluster whose nodes die with the process.
import {existsSync, mkdirSync, mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {NodePool} from '../admin/pool.js'
import {planCreate} from '../admin/plan/create.js'
import {applyCreate, distinctNodes, prepareMasters, validateCreateNodes, type CreateResult} from '../admin/exec/create.js'
import {formatAddress} from '../admin/address.js'
import {RedisTsError} from '../errors.js'
import {busPortFor, freePortPair, portFree} from './ports.js'
import {resolveServer, spawnNodes, stopPids, type SpawnedNode} from './launcher.js'
import {defaultBaseDir, listStates, nodeAlive, nodeIdFromConf, readState, stateDir, writeState, type LocalClusterState, type LocalNodeState, type Persistence} from './state.js'
import {trackForExit} from './exit-hooks.js'
import {discardWarmNodes} from './warm.js'
import {connectHost, waitAnswering} from './wait.js'
import {checkTlsFiles, clientTlsOptions, localTlsFiles, preflightTls, tlsConnectOptions, type LocalTlsOption} from './tls.js'
import type {ConnectOptions} from '../admin/connection.js'
import {mark} from '../timing.js'

export {defaultBaseDir, stateDir, readState, type LocalClusterState, type LocalNodeState, type Persistence}

export interface LocalClusterOptions {
  /** cluster name; its state lives in <state root>/<name>. Without name or dir the programmatic
   * API uses a fresh temporary directory that stop() (or process exit) removes. */
  name?: string
  /** state directory */
  dir?: string
  masters?: number
  replicas?: number
  /** first data port (a block of masters*(replicas+1) ports from it, moved up when busy);
   * default (and 0): random free ports */
  portBase?: number
  nodeTimeoutMs?: number
  password?: string
  /** 'embedded' (default) or the path (or PATH name) of a redis-server binary */
  server?: string
  /** listen address, default 127.0.0.1 (::1 for IPv6) */
  bind?: string
  /** cluster-announce-ip / replica-announce-ip (containers, NAT) */
  announceIp?: string
  /** none | rdb (default: SIGTERM saves, `local start` brings the data back) | aof */
  persistence?: Persistence
  /** TLS-only nodes (tls-port, tls-cluster, tls-replication; clients present a certificate): true
   * generates a CA and a certificate into <dir>/tls with openssl, or the files to use */
  tls?: LocalTlsOption
  /** detached processes outlive this process (CLI); attached ones die with it or with stop() */
  detached?: boolean
  /** embedded nodes: all of them in one Node.js process (src/local/host.ts; the default) — one JIT
   * warm-up and one heap instead of one per node, the nodes sharing that process's event loop;
   * false: a process per node. Not with a redis-server `server`. */
  singleProcess?: boolean
  timeoutMs?: number
  /** connections to use and leave open (the CLI checks the new cluster through them); default: its own, closed on return */
  pool?: NodePool
  onEvent?: (e: LocalEvent) => void
}

export type LocalEvent =
  | {type: 'ports'; ports: number[]; requestedBase?: number; busy?: number[]}
  | {type: 'spawned'; nodes: number}
  | {type: 'ready'}
  | {type: 'replicas-synced'; replicas: number; unreported: string[]}
  | {type: 'created'}

export interface LocalCluster extends LocalClusterState {
  /** host:port of every node */
  addresses: string[]
  /** host and port of every node, for ioredis's Cluster([...]) */
  startupNodes: {host: string; port: number}[]
  /** a TLS cluster: ioredis's / tls.connect's `tls` options (CA, client certificate and key, read) */
  tlsOptions?: {ca: Buffer; cert: Buffer; key: Buffer}
  create: CreateResult
  /** Stop the nodes; `clean` (default for attached clusters) also removes the state directory. */
  stop(opts?: {clean?: boolean}): Promise<void>
}

async function blockFree(base: number, count: number, host: string): Promise<number[]> {
  const busy: number[] = []
  for (let p = base; p < base + count; p++) {
    if (p > 65535 || !(await portFree(p, host)) || !(await portFree(busPortFor(p), host))) busy.push(p)
  }
  return busy
}

/** Ports for `count` nodes: the block at `base` (moved up a block at a time when busy) or random ones. */
export async function choosePorts(count: number, base: number | undefined, host: string, onEvent?: (e: LocalEvent) => void): Promise<number[]> {
  if (!base) {
    const ports: number[] = []
    for (let i = 0; i < count; i++) ports.push((await freePortPair(undefined, host)).port)
    ports.sort((a, b) => a - b)
    onEvent?.({type: 'ports', ports})
    return ports
  }
  let firstBusy: number[] | undefined
  for (let b = base; b + count - 1 <= 65535; b += count) {
    const busy = await blockFree(b, count, host)
    if (busy.length === 0) {
      const ports = Array.from({length: count}, (_, i) => b + i)
      onEvent?.({type: 'ports', ports, requestedBase: base, ...(firstBusy ? {busy: firstBusy} : {})})
      return ports
    }
    firstBusy ??= busy
  }
  throw new RedisTsError('conflict', `No ${count} free consecutive ports (and bus ports) at or above ${base}`, {hint: 'Pick another base with --port, or --port 0 for random free ports.'})
}

export function nodeSpec(state: LocalClusterState, n: {port: number; busPort: number; dir: string}, detached: boolean) {
  return {
    port: n.port,
    busPort: n.busPort,
    dir: n.dir,
    nodeTimeoutMs: state.nodeTimeoutMs,
    server: state.server,
    detached,
    bind: state.bind,
    persistence: state.persistence,
    ...(state.password ? {password: state.password} : {}),
    ...(state.announceIp ? {announceIp: state.announceIp} : {}),
    ...(state.tls ? {tls: state.tls} : {}),
  }
}

/** How admin connections reach a local cluster's nodes: its password and, for a TLS cluster, its certificates. */
export function localConnectOptions(state: Pick<LocalClusterState, 'password' | 'tls'>, opts: {connectTimeoutMs: number; commandTimeoutMs?: number}): ConnectOptions {
  return {...(state.password ? {password: state.password} : {}), ...(state.tls ? {tls: tlsConnectOptions(state.tls)} : {}), ...opts}
}

/** A recorded TLS cluster's files must still be there before a node is started on them. */
export function checkStateTls(state: LocalClusterState): void {
  if (!state.tls) return
  try {
    checkTlsFiles(state.tls)
  } catch (err) {
    throw new RedisTsError('usage', `Local cluster "${state.name}": its TLS files are not usable: ${(err as Error).message.replace(/^--\w+ /, '')}`, {hint: state.tls.generated ? `Remove it with: redis-ts local destroy${runningHint(state, false)}` : 'Put the certificate files back where the cluster was created with them.'})
  }
}

export function runningHint(state: {name: string; dir: string}, dirGiven: boolean): string {
  return dirGiven ? ` --dir ${state.dir}` : state.name !== 'default' ? ` --name ${state.name}` : ''
}

const LOCAL_FAST_JOIN_TIMEOUT_MS = 500

export async function startLocalCluster(opts: LocalClusterOptions = {}): Promise<LocalCluster> {
  const ephemeral = opts.name === undefined && opts.dir === undefined && !opts.detached
  const name = opts.name ?? 'default'
  const dir = ephemeral ? mkdtempSync(join(tmpdir(), 'redis-ts-local-')) : stateDir({name, dir: opts.dir})
  const masters = opts.masters ?? 3
  const replicas = opts.replicas ?? 0
  if (!Number.isInteger(masters) || masters < 3) throw new RedisTsError('usage', `A cluster needs at least 3 masters (--masters ${masters})`)
  if (!Number.isInteger(replicas) || replicas < 0) throw new RedisTsError('usage', `--replicas must be a non-negative integer (got ${replicas})`)
  const server = resolveServer(opts.server ?? 'embedded')
  if (opts.singleProcess === true && server !== 'embedded') throw new RedisTsError('usage', `--single-process runs embedded nodes in one process; it cannot be used with --server ${opts.server}`)
  const bind = opts.bind ?? '127.0.0.1'
  // Before anything is created: the user's files are checked, or openssl must be there to make them.
  const tlsOpt = opts.tls || undefined
  preflightTls(tlsOpt)
  const existing = ephemeral ? undefined : readState(dir)
  if (existing) {
    const running = existing.nodes.filter(nodeAlive).length
    const hint = runningHint(existing, opts.dir !== undefined)
    if (running > 0) {
      throw new RedisTsError('usage', `Local cluster "${existing.name}" is already running in ${dir} (ports ${existing.nodes.map((n) => n.port).join(', ')})`, {hint: `Stop it first: redis-ts local stop${hint} (or local destroy${hint})`})
    }
    throw new RedisTsError('usage', `Local cluster "${existing.name}" exists in ${dir} (stopped)`, {hint: `Start it again with: redis-ts local start${hint}, or remove it with: redis-ts local destroy${hint}`})
  }
  if (!ephemeral) {
    if (existsSync(dir)) rmSync(dir, {recursive: true, force: true})
    mkdirSync(dir, {recursive: true, mode: 0o700})
  }
  const total = masters * (replicas + 1)
  const detached = opts.detached ?? false
  const spawned: SpawnedNode[] = []
  const state: LocalClusterState = {
    name, dir, server, createdAt: new Date().toISOString(), bind, persistence: opts.persistence ?? 'rdb', nodeTimeoutMs: opts.nodeTimeoutMs ?? 2000, masters, replicas, nodes: [],
    ...(opts.announceIp ? {announceIp: opts.announceIp} : {}),
    ...(opts.password ? {password: opts.password} : {}),
    ...(opts.singleProcess !== false && server === 'embedded' ? {singleProcess: true} : {}),
  }
  const host = connectHost(state)
  // Until the cluster is built, an interrupted create (Ctrl-C, uncaught error) leaves nothing behind;
  // afterwards only an ephemeral cluster's directory goes with the process.
  const tracked: {pids: () => number[]; removeDir?: string} = {pids: () => spawned.map((n) => n.pid), removeDir: dir}
  const untrack = trackForExit(detached ? {pids: () => spawned.map((n) => n.pid), removeDir: dir} : tracked)
  let ownPool: NodePool | undefined
  const stopAll = async () => {
    await stopPids(spawned.map((n) => n.pid))
  }
  try {
    if (tlsOpt) {
      state.tls = localTlsFiles(tlsOpt, dir, [host, ...(opts.announceIp ? [opts.announceIp] : [])])
      // The caller's pool (no connection opened yet) learns where the certificates are.
      if (opts.pool && !opts.pool.options.tls) opts.pool.options.tls = tlsConnectOptions(state.tls)
    }
    const pool = opts.pool ?? (ownPool = new NodePool(localConnectOptions(state, {connectTimeoutMs: 1000})))
    const ports = await choosePorts(total, opts.portBase, host, opts.onEvent)
    mark(`ports chosen: ${ports.join(' ')}`)
    // The plan needs only addresses, so it is made before any node runs.
    const plan = planCreate(ports.map((port) => ({address: formatAddress({host, port}), host, port})), replicas)
    const validate = (group: LocalNodeState[]) => validateCreateNodes(group.map((n) => ({host, port: n.port})), pool)
    // Every node at once (the CLI may have started them already: warm nodes, warm.ts): a local cluster
    // is ready once the CLI and every node have loaded and the set-up's few round trips are done, so
    // the sum of their start-up CPU on the machine's cores is the floor, and starting some nodes later
    // only leaves a core idle meanwhile (masters first, replicas once they answered, was ~0.4 s slower
    // on a quiet 2-core machine: README, local cluster ready time). The masters still get their slots
    // and epochs and MEET each other as soon as they answer, while the replicas finish starting.
    // Masters first (in one host process unless --no-single-process: src/local/host.ts).
    const nodes = [...plan.masters, ...plan.replicas].map(({port}) => ({port, busPort: busPortFor(port), dir: join(dir, String(port))}))
    const all: LocalNodeState[] = (await spawnNodes(nodes.map((node) => nodeSpec(state, node, detached)), state.singleProcess)).map((n, i) => {
      spawned.push(n)
      return {...nodes[i], pid: n.pid}
    })
    state.nodes.push(...all)
    state.nodes.sort((a, b) => a.port - b.port)
    writeState(state)
    const masterNodes = all.slice(0, plan.masters.length)
    const replicaNodes = all.slice(plan.masters.length)
    const warmed = spawned.filter((n) => n.warm).length
    mark(`${spawned.length} node processes spawned (${server === 'embedded' ? 'embedded' : server}${warmed ? `; ${warmed} warm, started by bin/run.js` : ''})`)
    await waitAnswering(pool, state, masterNodes, opts.timeoutMs ?? 30000)
    opts.onEvent?.({type: 'spawned', nodes: total})
    const masters = await validate(masterNodes)
    // The rejoin delay's floor (CLUSTER_MIN_REJOIN_DELAY): nodes on one machine answer a PING
    // within 500 ms unless it is badly overloaded; the nodes' own timeout is back once ready.
    const prepared = await prepareMasters(plan, masters, pool, {fastJoinTimeoutMs: LOCAL_FAST_JOIN_TIMEOUT_MS})
    await waitAnswering(pool, state, replicaNodes, opts.timeoutMs ?? 30000)
    mark('every node answers PING')
    opts.onEvent?.({type: 'ready'})
    const valid = distinctNodes([...masters, ...(await validate(replicaNodes))])
    mark('nodes validated (empty, cluster-enabled)')
    // Returns once the cluster is ok everywhere and every replica finished its initial sync.
    const create = await applyCreate(plan, valid, pool, {
      timeoutMs: opts.timeoutMs ?? 30000,
      prepared,
      fastJoinTimeoutMs: LOCAL_FAST_JOIN_TIMEOUT_MS,
      onEvent: (e) => {
        if (e.type === 'replicas-synced') opts.onEvent?.(e)
      },
    })
    for (const n of state.nodes) n.id = valid.find((v) => v.port === n.port)?.id ?? nodeIdFromConf(n.dir)
    writeState(state)
    if (!ephemeral) tracked.removeDir = undefined
    if (detached) untrack()
    mark('local cluster created (state file written)')
    opts.onEvent?.({type: 'created'})
    const startupNodes = state.nodes.map((n) => ({host, port: n.port}))
    return {
      ...state,
      addresses: create.nodes.map((n) => n.address),
      startupNodes,
      ...(state.tls ? {tlsOptions: clientTlsOptions(state.tls)} : {}),
      create,
      async stop(o: {clean?: boolean} = {}) {
        const now = readState(dir)
        await stopPids([...new Set([...spawned.map((n) => n.pid), ...(now?.nodes.map((n) => n.pid) ?? [])])].filter((pid) => pid > 0))
        if (!detached) untrack()
        if (o.clean ?? !detached) rmSync(dir, {recursive: true, force: true})
      },
    }
  } catch (err) {
    await stopAll()
    untrack()
    rmSync(dir, {recursive: true, force: true})
    throw err
  } finally {
    discardWarmNodes()
    await ownPool?.close()
  }
}

/** Stop a local cluster by its state file; `clean` also removes its directory. */
export async function stopLocalCluster(opts: {name?: string; dir?: string; clean?: boolean}): Promise<LocalClusterState & {stopped: number}> {
  const dir = stateDir(opts)
  const state = readState(dir)
  if (!state) throw new RedisTsError('usage', `No local cluster in ${dir}`, {hint: 'List them with: redis-ts local list'})
  const running = state.nodes.filter(nodeAlive)
  // Sentinels go first, so none of them starts a failover while the data nodes go down.
  await stopPids(running.filter((n) => n.sentinel).map((n) => n.pid))
  // Then the masters, then the replicas: a master's SIGTERM shutdown waits for its replicas to
  // acknowledge the whole stream, so each replica saves the master's replication id and offset and
  // continues with a partial resync after `local start`. Stopped together, a replica could exit
  // before that final ACK and need a full sync (or be refused PSYNC) once restarted.
  const data = running.filter((n) => !n.sentinel)
  const replicas = await replicaPorts(state, data)
  await stopPids(data.filter((n) => !replicas.has(n.port)).map((n) => n.pid))
  await stopPids(data.filter((n) => replicas.has(n.port)).map((n) => n.pid))
  if (opts.clean) rmSync(dir, {recursive: true, force: true})
  return {...state, stopped: running.length}
}

/** Admin connections to a local cluster's nodes (its password, short timeouts). */
export function poolFor(state: LocalClusterState, commandTimeoutMs = 5000): NodePool {
  return new NodePool(localConnectOptions(state, {connectTimeoutMs: 1000, commandTimeoutMs}))
}

/** Ports of the nodes that answer ROLE as a replica now (a node that does not answer counts as a master). */
async function replicaPorts(state: LocalClusterState, nodes: LocalNodeState[]): Promise<Set<number>> {
  const pool = poolFor(state, 2000)
  const host = connectHost(state)
  try {
    const roles = await Promise.all(
      nodes.map(async (n) => {
        try {
          const reply = (await (await pool.get({host, port: n.port})).call('ROLE')) as unknown[]
          return reply[0] === 'slave' ? n.port : null
        } catch {
          return null
        }
      }),
    )
    return new Set(roles.filter((p): p is number => p !== null))
  } finally {
    await pool.close()
  }
}

export function listLocalClusters(baseDir = defaultBaseDir()): (LocalClusterState & {running: number; down: number[]})[] {
  return listStates(baseDir).map((s) => {
    const down = s.nodes.filter((n) => !nodeAlive(n)).map((n) => n.port)
    return {...s, password: undefined, running: s.nodes.length - down.length, down}
  })
}

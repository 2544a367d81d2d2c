// Local clusters: probe ports, start N nodes (embedded or redis-server), then build the cluster with
// the same planner and executor as `redis-ts create`. A state file records PIDs and ports so
// `redis-ts local stop` can tear it down; test suites get an attached cluster with stop().
import {existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join, resolve} from 'node:path'
import {NodePool} from '../admin/pool.js'
import {planCreate} from '../admin/plan/create.js'
import {applyCreate, validateCreateNodes, type CreateResult} from '../admin/exec/create.js'
import {RedisTsError} from '../errors.js'
import {freePortPair} from './ports.js'
import {isAlive, spawnNode, stopPids, type SpawnedNode} from './launcher.js'

export interface LocalClusterOptions {
  name?: string
  /** state directory; default <tmpdir>/redis-ts/<name> */
  dir?: string
  masters?: number
  replicas?: number
  /** first data port to try; default: random free ports */
  portBase?: number
  nodeTimeoutMs?: number
  password?: string
  /** 'embedded' (default) or the path of a redis-server binary */
  server?: string
  /** detached processes outlive this process (CLI); attached ones are stopped with stop() */
  detached?: boolean
  timeoutMs?: number
  onEvent?: (e: LocalEvent) => void
}

export type LocalEvent =
  | {type: 'spawned'; nodes: number}
  | {type: 'ready'}
  | {type: 'replicas-synced'; replicas: number; unreported: string[]}
  | {type: 'created'}

export interface LocalNodeState {
  port: number
  busPort: number
  pid: number
  dir: string
}

export interface LocalClusterState {
  name: string
  dir: string
  server: string
  createdAt: string
  nodes: LocalNodeState[]
}

export interface LocalCluster extends LocalClusterState {
  addresses: string[]
  create: CreateResult
  stop(opts?: {clean?: boolean}): Promise<void>
}

export function defaultBaseDir(): string {
  return join(tmpdir(), 'redis-ts')
}

export function stateDir(opts: {name?: string; dir?: string}): string {
  return resolve(opts.dir ?? join(defaultBaseDir(), opts.name ?? 'default'))
}

export function readState(dir: string): LocalClusterState | undefined {
  const f = join(dir, 'cluster.json')
  if (!existsSync(f)) return undefined
  return JSON.parse(readFileSync(f, 'utf8')) as LocalClusterState
}

function writeState(s: LocalClusterState): void {
  const f = join(s.dir, 'cluster.json')
  writeFileSync(f + '.tmp', JSON.stringify(s, null, 2) + '\n')
  rmSync(f, {force: true})
  writeFileSync(f, JSON.stringify(s, null, 2) + '\n')
  rmSync(f + '.tmp', {force: true})
}

async function waitAnswering(pool: NodePool, nodes: SpawnedNode[], timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs
  await Promise.all(
    nodes.map(async (n) => {
      for (;;) {
        try {
          const c = await pool.get({host: '127.0.0.1', port: n.port})
          await c.ping()
          return
        } catch (err) {
          if (!isAlive(n.pid) || (n.child && n.child.exitCode !== null)) {
            throw new RedisTsError('internal', `node on port ${n.port} exited during start-up (see ${join(n.dir, 'node.log')})`)
          }
          if (Date.now() > deadline) throw new RedisTsError('timeout', `node on port ${n.port} did not answer within ${timeoutMs} ms: ${(err as Error).message}`)
          pool.forget({host: '127.0.0.1', port: n.port})
          await new Promise((r) => setTimeout(r, 20))
        }
      }
    }),
  )
}

export async function startLocalCluster(opts: LocalClusterOptions = {}): Promise<LocalCluster> {
  const name = opts.name ?? 'default'
  const dir = stateDir({name, dir: opts.dir})
  const masters = opts.masters ?? 3
  const replicas = opts.replicas ?? 0
  if (!Number.isInteger(masters) || masters < 3) throw new RedisTsError('usage', 'A cluster needs at least 3 masters (--masters)')
  if (!Number.isInteger(replicas) || replicas < 0) throw new RedisTsError('usage', '--replicas must be a non-negative integer')
  const existing = readState(dir)
  if (existing && existing.nodes.some((n) => isAlive(n.pid))) {
    throw new RedisTsError('usage', `Local cluster "${existing.name}" is already running in ${dir} (ports ${existing.nodes.map((n) => n.port).join(', ')})`, {
      hint: `Stop it first: redis-ts local stop${opts.dir ? ` --dir ${dir}` : name !== 'default' ? ` --name ${name}` : ''}`,
    })
  }
  if (existsSync(dir)) rmSync(dir, {recursive: true, force: true})
  mkdirSync(dir, {recursive: true})
  const total = masters * (replicas + 1)
  const server = opts.server ?? 'embedded'
  const detached = opts.detached ?? false
  const spawned: SpawnedNode[] = []
  let nextBase = opts.portBase
  const state: LocalClusterState = {name, dir, server, createdAt: new Date().toISOString(), nodes: []}
  const pool = new NodePool({...(opts.password ? {password: opts.password} : {}), connectTimeoutMs: 1000})
  const stopAll = async () => {
    await stopPids(spawned.map((n) => n.pid))
    await Promise.all(spawned.filter((n) => n.child).map((n) => (n.child!.exitCode === null && n.child!.signalCode === null ? new Promise((r) => n.child!.once('exit', r)) : undefined)))
  }
  try {
    for (let i = 0; i < total; i++) {
      const {port, busPort} = await freePortPair(nextBase)
      if (nextBase !== undefined) nextBase = port + 1
      const n = spawnNode({port, busPort, dir: join(dir, String(port)), nodeTimeoutMs: opts.nodeTimeoutMs ?? 2000, password: opts.password, server, detached})
      spawned.push(n)
      state.nodes.push({port, busPort, pid: n.pid, dir: n.dir})
    }
    writeState(state)
    opts.onEvent?.({type: 'spawned', nodes: total})
    await waitAnswering(pool, spawned, opts.timeoutMs ?? 30000)
    opts.onEvent?.({type: 'ready'})
    const addrs = spawned.map((n) => ({host: '127.0.0.1', port: n.port}))
    const valid = await validateCreateNodes(addrs, pool)
    const plan = planCreate(valid.map((v) => ({address: v.address, host: v.host, port: v.port})), replicas)
    // Returns once the cluster is ok everywhere and every replica finished its initial sync.
    const create = await applyCreate(plan, valid, pool, {
      timeoutMs: opts.timeoutMs ?? 30000,
      onEvent: (e) => {
        if (e.type === 'replicas-synced') opts.onEvent?.(e)
      },
    })
    opts.onEvent?.({type: 'created'})
    return {
      ...state,
      addresses: spawned.map((n) => `127.0.0.1:${n.port}`),
      create,
      async stop(o: {clean?: boolean} = {}) {
        await stopAll()
        if (o.clean ?? !detached) rmSync(dir, {recursive: true, force: true})
      },
    }
  } catch (err) {
    await stopAll()
    rmSync(dir, {recursive: true, force: true})
    throw err
  } finally {
    await pool.close()
  }
}

/** Stop a local cluster by its state file; `clean` also removes its directory. */
export async function stopLocalCluster(opts: {name?: string; dir?: string; clean?: boolean}): Promise<LocalClusterState> {
  const dir = stateDir(opts)
  const state = readState(dir)
  if (!state) throw new RedisTsError('usage', `No local cluster in ${dir}`)
  await stopPids(state.nodes.map((n) => n.pid))
  if (opts.clean ?? true) rmSync(dir, {recursive: true, force: true})
  return state
}

export function listLocalClusters(baseDir = defaultBaseDir()): (LocalClusterState & {running: number})[] {
  if (!existsSync(baseDir)) return []
  return readdirSync(baseDir)
    .map((d) => readState(join(baseDir, d)))
    .filter((s): s is LocalClusterState => s !== undefined)
    .map((s) => ({...s, running: s.nodes.filter((n) => isAlive(n.pid)).length}))
}

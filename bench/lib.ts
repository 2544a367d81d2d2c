// Shared benchmark helpers: spawn real redis-server nodes on free ports, time child processes, medians.
import {spawn} from 'node:child_process'
import {mkdtempSync, readFileSync, readdirSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {Redis} from 'ioredis'
import {connectAnswering} from '../src/local/wait.js'
import {NodePool, loadCluster, startLocalCluster} from '../src/index.js'
import {keyEntries, loadKeys} from '../test/integration/admin-move-helpers.js'
import {RedisNodes, type TestNode} from '../test/helpers/redis-server.js'

export {RedisNodes, type TestNode}

export const BIN = new URL('../bin/run.js', import.meta.url).pathname

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b)
  const m = Math.floor(s.length / 2)
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2
}

export function run(cmd: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ms: number; code: number | null; stdout: string; stderr: string}> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now()
    const child = spawn(cmd, args, {env: {...process.env, NO_COLOR: '1', ...env}, stdio: ['ignore', 'pipe', 'pipe']})
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d) => (stdout += d))
    child.stderr.on('data', (d) => (stderr += d))
    child.on('error', reject)
    child.on('close', (code) => resolve({ms: performance.now() - t0, code, stdout, stderr}))
  })
}

/** Polls CLUSTER INFO on every node every 10 ms; resolves with ms since `t0` when all report ok. */
export async function timeUntilAllOk(nodes: TestNode[], t0: number, timeoutMs = 60000): Promise<number> {
  const clients = nodes.map((n) => new Redis({host: n.host, port: n.port, maxRetriesPerRequest: 1}))
  try {
    for (;;) {
      const infos = await Promise.all(clients.map((c) => c.call('CLUSTER', 'INFO').then(String, () => '')))
      if (infos.every((i) => i.includes('cluster_state:ok'))) return performance.now() - t0
      if (performance.now() - t0 > timeoutMs) throw new Error('cluster never reached ok')
      await new Promise((r) => setTimeout(r, 10))
    }
  } finally {
    clients.forEach((c) => c.disconnect())
  }
}

/** ms from t0 until `replicas` nodes report role:slave with master_link_status:up and no sync running. */
export async function timeUntilReplicasSynced(nodes: TestNode[], replicas: number, t0: number, timeoutMs = 60000): Promise<number> {
  const clients = nodes.map((n) => new Redis({host: n.host, port: n.port, maxRetriesPerRequest: 1}))
  try {
    for (;;) {
      const infos = await Promise.all(clients.map((c) => c.call('INFO', 'replication').then(String, () => '')))
      const synced = infos.filter((i) => i.includes('role:slave') && i.includes('master_link_status:up') && i.includes('master_sync_in_progress:0'))
      if (synced.length >= replicas) return performance.now() - t0
      if (performance.now() - t0 > timeoutMs) throw new Error('replicas never synced')
      await new Promise((r) => setTimeout(r, 10))
    }
  } finally {
    clients.forEach((c) => c.disconnect())
  }
}

export function fmt(ms: number): string {
  return ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(0)} ms`
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** A connected client once something answers PING on `port` (polls for up to 20 s). */
export const connect = (port: number): Promise<Redis> => connectAnswering(port)

/** A single cluster node (`label` for errors) given every slot, once it reports cluster_state:ok. */
export async function ownAllSlots(port: number, label: string): Promise<void> {
  const c = await connect(port)
  try {
    await c.call('CLUSTER', 'ADDSLOTSRANGE', '0', '16383')
    for (let i = 0; !String(await c.call('CLUSTER', 'INFO')).includes('cluster_state:ok'); i++) {
      if (i > 1000) throw new Error(`${label} on ${port} never reached cluster_state:ok`)
      await sleep(20)
    }
  } finally {
    c.disconnect()
  }
}

/** utime + stime in ms from a /proc stat file (0 once the process or thread is gone). */
function statCpuMs(path: string): number {
  try {
    const f = readFileSync(path, 'utf8')
    const fields = f.slice(f.lastIndexOf(')') + 2).split(' ')
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100
  } catch {
    return 0
  }
}

/** utime + stime of a process in ms (Linux /proc; 0 once it is gone): CPU used, robust on a shared machine. */
/** The parent of a process (a --single-process node's stub: its host process). */
export function parentPid(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'latin1')
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1])
}

/** The processes that run a local cluster's nodes: one per node, or --single-process hosts. */
export function nodeProcesses(cluster: {singleProcess?: boolean; nodes: {pid: number}[]}): number[] {
  return cluster.singleProcess ? [...new Set(cluster.nodes.map((n) => parentPid(n.pid)))] : cluster.nodes.map((n) => n.pid)
}

export function processCpuMs(pid: number): number {
  return statCpuMs(`/proc/${pid}/stat`)
}

/**
 * A Node process's CPU in ms split between its main thread (JavaScript, the GC's main-thread part)
 * and its other threads (V8's TurboFan compile jobs and GC helpers, libuv's pool): threads that
 * already exited are counted in neither.
 */
export function processThreadCpuMs(pid: number): {main: number; others: number} {
  let others = 0
  let tasks: string[] = []
  try {
    tasks = readdirSync(`/proc/${pid}/task`)
  } catch {
    return {main: 0, others: 0}
  }
  for (const t of tasks) if (t !== String(pid)) others += statCpuMs(`/proc/${pid}/task/${t}/stat`)
  return {main: statCpuMs(`/proc/${pid}/task/${pid}/stat`), others}
}

/**
 * Load the keys once the cluster serves them: on a loaded machine (2 s node timeout) a fresh local
 * cluster can still be settling (CLUSTERDOWN, or MOVED after a failover); SETs are idempotent, so
 * the load is retried on a fresh view for up to a minute.
 */
export async function loadWhenReady(seed: {host: string; port: number}, pool: NodePool, keys: number): Promise<Awaited<ReturnType<typeof loadCluster>>> {
  const deadline = Date.now() + 60_000
  for (;;) {
    const view = await loadCluster(seed, pool)
    try {
      await loadKeys(view, keyEntries(keys))
      return view
    } catch (e) {
      if (Date.now() > deadline || !/CLUSTERDOWN|MOVED|TRYAGAIN/.test(String(e))) throw e
      process.stderr.write(`  cluster not ready (${String(e).slice(0, 80)}), loading again\n`)
      await new Promise((r) => setTimeout(r, 1000))
    }
  }
}

type View = Awaited<ReturnType<typeof loadCluster>>

/**
 * A local cluster of 3 masters (`server`: 'embedded' or a redis-server path) loaded with `keys`
 * keys, handed to `fn` with its seed address and its first master (the reshard benchmarks' target);
 * stopped and its directory removed afterwards.
 */
export async function withLoadedCluster<T>(
  server: string,
  replicas: number,
  keys: number,
  fn: (c: {cluster: Awaited<ReturnType<typeof startLocalCluster>>; seed: string; target: View['nodes'][number]}) => Promise<T>,
  opts: {singleProcess?: boolean} = {},
): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'rt-bench-reshard-'))
  // embedded: a process per node unless singleProcess (the local clusters' default is one host process)
  const cluster = await startLocalCluster({dir, masters: 3, replicas, server, ...(server === 'embedded' ? {singleProcess: opts.singleProcess === true} : {})})
  const pool = new NodePool({})
  try {
    const seed = cluster.addresses[0]
    const [host, port] = seed.split(':')
    const view = await loadWhenReady({host, port: Number(port)}, pool, keys)
    return await fn({cluster, seed, target: view.nodes.filter((n) => n.role === 'master')[0]})
  } finally {
    await pool.close()
    await cluster.stop({clean: true})
    rmSync(dir, {recursive: true, force: true})
  }
}

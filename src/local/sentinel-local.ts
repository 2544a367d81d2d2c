// Local Sentinel setups managed like local clusters: one master, N replicas and M Sentinels, each a
// process in its own directory (<dir>/<port>: redis.conf or sentinel.conf, data, node.log,
// node.pid), recorded in the same cluster.json as a cluster with kind "sentinel". `create
// --sentinel` and startLocalSentinel start one; src/local/lifecycle.ts hands the kind-specific
// steps (start, status, restart-node, add-node) to the functions here; stop, destroy, kill-node,
// logs and list are the cluster ones unchanged. Reading a setup (current master, status) is in
// src/local/sentinel-status.ts.
import {existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join, resolve} from 'node:path'
import {RedisTsError} from '../errors.js'
import {choosePorts, nodeSpec, runningHint} from './cluster.js'
import {trackForExit} from './exit-hooks.js'
import {resolveServer, spawnInstance, stopPids, writeConfigFile, writeNodeConfig} from './launcher.js'
import {connectHost} from './wait.js'
import {portFree} from './ports.js'
import {nodeAlive, readState, stateDir, writeState, type LocalClusterState, type LocalNodeState, type Persistence} from './state.js'
import {ask, confFile, currentMasterPort, dataNodes, fields, majority, pairs, replicationInfo, sentinelMasterPorts, sentinelNodes, type HostPort, type Reach} from './sentinel-status.js'

export interface LocalSentinelOptions {
  /** setup name (state in <state root>/<name>); without name or dir: a temporary directory that stop() or process exit removes */
  name?: string
  dir?: string
  /** the name the Sentinels monitor (default mymaster, or the setup name when one is given) */
  masterName?: string
  replicas?: number
  sentinels?: number
  /** default: a majority of the Sentinels */
  quorum?: number
  /** first data port (block of replicas+1, moved up when busy); default and 0: random free ports */
  portBase?: number
  /** first Sentinel port (block, moved up when busy); default and 0: random free ports */
  sentinelPortBase?: number
  /** 'embedded' (default) or a redis-server binary (Sentinels run it with --sentinel) */
  server?: string
  persistence?: Persistence
  /** listen address of every instance, default 127.0.0.1 (::1 for IPv6) */
  bind?: string
  /** replica-announce-ip of the data nodes and announce-ip of the Sentinels (containers, NAT) */
  announceIp?: string
  /** requirepass + masterauth on the data nodes; the Sentinels ask for it too and use it (auth-pass) */
  password?: string
  downAfterMs?: number
  failoverTimeoutMs?: number
  detached?: boolean
  timeoutMs?: number
  onEvent?: (e: SentinelLocalEvent) => void
}

export type SentinelLocalEvent =
  | {type: 'ports'; data: number[]; sentinels: number[]}
  | {type: 'data-ready'}
  | {type: 'replicas-synced'}
  | {type: 'discovered'; elapsedMs: number}

export interface LocalSentinel extends LocalClusterState {
  masterName: string
  master: HostPort
  replicaNodes: HostPort[]
  /** for ioredis: new Redis({sentinels, name: masterName}) */
  sentinels: HostPort[]
  /** Stop every process; `clean` (default for attached setups) also removes the directory. */
  stop(opts?: {clean?: boolean}): Promise<void>
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** A data node's redis.conf: the cluster nodes' directives without cluster mode (src/local/launcher.ts). */
function writeDataConf(state: LocalClusterState, n: LocalNodeState, replicaOf: number | null): void {
  writeNodeConfig({...nodeSpec(state, n, false), cluster: false, ...(replicaOf === null ? {} : {replicaOf: {host: connectHost(state), port: replicaOf}})})
}

/**
 * A Sentinel's sentinel.conf. With a password the Sentinel asks for it too (requirepass, which
 * it also uses with the other Sentinels, as redis-sentinel 7.0 does without sentinel-pass) and
 * authenticates to the data nodes with it (auth-pass); announce-ip is what it tells the others.
 */
function writeSentinelConf(state: LocalClusterState, n: LocalNodeState, masterPort: number): void {
  const dir = resolve(n.dir)
  const m = state.masterName!
  writeConfigFile(n.dir, 'sentinel.conf', 'Written by redis-ts for a local Sentinel; the Sentinel rewrites it (myid, epochs, known replicas and Sentinels).', [
    ['port', String(n.port)],
    ['bind', state.bind],
    ['dir', dir],
    ['logfile', join(dir, 'node.log')],
    ['pidfile', join(dir, 'node.pid')],
    ...(state.password ? [['requirepass', state.password]] : []),
    ...(state.announceIp ? [['sentinel', 'announce-ip', state.announceIp]] : []),
    ['sentinel', 'monitor', m, connectHost(state), String(masterPort), String(state.quorum)],
    ['sentinel', 'down-after-milliseconds', m, String(state.downAfterMs)],
    ['sentinel', 'failover-timeout', m, String(state.failoverTimeoutMs)],
    ['sentinel', 'parallel-syncs', m, '1'],
    ...(state.password ? [['sentinel', 'auth-pass', m, state.password]] : []),
  ])
}

/** Point a data node's redis.conf at `masterPort` (or make it a master): replicaof lines replaced. */
export function setReplicaOf(state: Reach, n: LocalNodeState, masterPort: number | null): void {
  const file = confFile(n)
  const lines = readFileSync(file, 'utf8').split('\n').filter((l) => !/^\s*(replicaof|slaveof)\s/i.test(l))
  while (lines.length && lines[lines.length - 1] === '') lines.pop()
  if (masterPort !== null) lines.push(`replicaof ${connectHost(state)} ${masterPort}`)
  writeFileSync(file, lines.join('\n') + '\n')
}

function spawnProc(state: LocalClusterState, n: LocalNodeState, detached: boolean): number {
  return spawnInstance(state.server, confFile(n), n.dir, detached, n.sentinel ? ['--sentinel'] : []).pid
}

async function waitAnswering(state: Reach, nodes: LocalNodeState[], timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs
  await Promise.all(
    nodes.map(async (n) => {
      for (;;) {
        const r = await ask(state, n.port, (c) => c.ping())
        if (!(r instanceof Error)) return
        if (!nodeAlive(n)) throw new RedisTsError('internal', `${n.sentinel ? 'Sentinel' : 'node'} on port ${n.port} exited during start-up (see ${join(n.dir, 'node.log')})`)
        if (Date.now() > deadline) throw new RedisTsError('timeout', `${n.sentinel ? 'Sentinel' : 'node'} on port ${n.port} did not answer within ${timeoutMs} ms: ${r.message}`)
        await sleep(25)
      }
    }),
  )
}

async function until(what: string, timeoutMs: number, f: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await f())) {
    if (Date.now() > deadline) throw new RedisTsError('timeout', `${what} within ${Math.round(timeoutMs / 1000)} s`)
    await sleep(100)
  }
}


async function waitReplicaSynced(state: Reach, n: LocalNodeState, masterPort: number, timeoutMs: number): Promise<void> {
  await until(`replica ${n.port} did not finish its sync with ${connectHost(state)}:${masterPort}`, timeoutMs, async () => {
    const i = await replicationInfo(state, n.port)
    return i?.role === 'slave' && Number(i.master_port) === masterPort && i.master_link_status === 'up'
  })
}

/** Every running Sentinel knows `replicas` replicas (not down) and every other running Sentinel, and names the same master. */
async function waitDiscovered(state: LocalClusterState, timeoutMs: number, replicaPorts?: number[]): Promise<void> {
  const live = sentinelNodes(state).filter(nodeAlive)
  if (live.length === 0) return
  const liveData = dataNodes(state).filter(nodeAlive).length
  await until('the Sentinels did not discover every replica and every other Sentinel', timeoutMs, async () => {
    const views = await Promise.all(
      live.map((n) =>
        ask(state, n.port, async (c) => ({
          master: pairs(await c.call('SENTINEL', 'MASTER', state.masterName!)),
          replicas: ((await c.call('SENTINEL', 'REPLICAS', state.masterName!)) as unknown[]).map(pairs),
        })),
      ),
    )
    if (views.some((v) => v instanceof Error)) return false
    const ok = views as {master: Record<string, string>; replicas: Record<string, string>[]}[]
    if (new Set(ok.map((v) => v.master.port)).size !== 1) return false
    return ok.every((v) => {
      const up = v.replicas.filter((r) => !/s_down|disconnected/.test(r.flags)).map((r) => Number(r.port))
      if (Number(v.master['num-other-sentinels']) < live.length - 1) return false
      if (replicaPorts) return replicaPorts.every((p) => up.includes(p))
      return up.length >= liveData - 1
    })
  })
}

async function recordIds(state: LocalClusterState, nodes: LocalNodeState[]): Promise<void> {
  await Promise.all(
    nodes.map(async (n) => {
      const r = n.sentinel ? await ask(state, n.port, (c) => c.call('SENTINEL', 'MYID') as Promise<string>) : await ask(state, n.port, async (c) => fields(await c.info('server')).run_id)
      if (!(r instanceof Error) && r) n.id = r
    }),
  )
}

async function portsFreeOrThrow(state: LocalClusterState, nodes: LocalNodeState[]): Promise<void> {
  for (const n of nodes) {
    if (!(await portFree(n.port, connectHost(state)))) {
      throw new RedisTsError('conflict', `Port ${n.port} of local Sentinel setup "${state.name}" is in use by another process`, {hint: `Free the port, or remove the setup with: redis-ts local destroy${runningHint(state, false)}`})
    }
  }
}

export async function startLocalSentinel(opts: LocalSentinelOptions = {}): Promise<LocalSentinel> {
  const ephemeral = opts.name === undefined && opts.dir === undefined && !opts.detached
  const name = opts.name ?? 'default'
  const dir = ephemeral ? mkdtempSync(join(tmpdir(), 'redis-ts-sentinel-')) : stateDir({name, dir: opts.dir})
  const replicas = opts.replicas ?? 2
  const sentinels = opts.sentinels ?? 3
  if (!Number.isInteger(replicas) || replicas < 0) throw new RedisTsError('usage', `--replicas must be a non-negative integer (got ${replicas})`)
  if (!Number.isInteger(sentinels) || sentinels < 1) throw new RedisTsError('usage', `--sentinels must be at least 1 (got ${sentinels})`)
  const quorum = opts.quorum ?? Math.floor(sentinels / 2) + 1
  if (!Number.isInteger(quorum) || quorum < 1 || quorum > sentinels) throw new RedisTsError('usage', `the quorum must be between 1 and the number of Sentinels (got ${quorum})`)
  const server = resolveServer(opts.server ?? 'embedded')
  const existing = ephemeral ? undefined : readState(dir)
  if (existing) {
    const hint = runningHint(existing, opts.dir !== undefined)
    const running = existing.nodes.some(nodeAlive)
    throw new RedisTsError('usage', `Local ${existing.kind === 'sentinel' ? 'Sentinel setup' : 'cluster'} "${existing.name}" ${running ? 'is already running' : 'exists (stopped)'} in ${dir}`, {
      hint: running ? `Stop it first: redis-ts local stop${hint} (or local destroy${hint})` : `Start it again with: redis-ts local start${hint}, or remove it with: redis-ts local destroy${hint}`,
    })
  }
  if (!ephemeral) {
    if (existsSync(dir)) rmSync(dir, {recursive: true, force: true})
    mkdirSync(dir, {recursive: true, mode: 0o700})
  }
  const detached = opts.detached ?? false
  const timeoutMs = opts.timeoutMs ?? 60000
  const state: LocalClusterState = {
    kind: 'sentinel', name, dir, server, createdAt: new Date().toISOString(), bind: opts.bind ?? '127.0.0.1', persistence: opts.persistence ?? 'rdb',
    nodeTimeoutMs: opts.downAfterMs ?? 5000, masters: 1, replicas, nodes: [],
    masterName: opts.masterName ?? (ephemeral || name === 'default' ? 'mymaster' : name), quorum, downAfterMs: opts.downAfterMs ?? 5000, failoverTimeoutMs: opts.failoverTimeoutMs ?? 60000,
    ...(opts.announceIp ? {announceIp: opts.announceIp} : {}),
    ...(opts.password ? {password: opts.password} : {}),
  }
  const host = connectHost(state)
  const tracked = {pids: () => state.nodes.map((n) => n.pid).filter((p) => p > 0), removeDir: dir as string | undefined}
  const untrack = trackForExit(tracked)
  try {
    const dataPorts = await choosePorts(replicas + 1, opts.portBase || undefined, host)
    const sentinelPorts = await choosePorts(sentinels, opts.sentinelPortBase || undefined, host)
    opts.onEvent?.({type: 'ports', data: dataPorts, sentinels: sentinelPorts})
    const masterPort = dataPorts[0]
    for (const port of dataPorts) {
      const n: LocalNodeState = {port, busPort: 0, dir: join(dir, String(port)), pid: 0}
      mkdirSync(n.dir, {recursive: true})
      writeDataConf(state, n, port === masterPort ? null : masterPort)
      n.pid = spawnProc(state, n, detached)
      state.nodes.push(n)
    }
    writeState(state)
    const data = dataNodes(state)
    await waitAnswering(state, data, timeoutMs)
    opts.onEvent?.({type: 'data-ready'})
    await Promise.all(data.slice(1).map((n) => waitReplicaSynced(state, n, masterPort, timeoutMs)))
    opts.onEvent?.({type: 'replicas-synced'})
    const t0 = Date.now()
    for (const port of sentinelPorts) {
      const n: LocalNodeState = {port, busPort: 0, dir: join(dir, String(port)), pid: 0, sentinel: true}
      mkdirSync(n.dir, {recursive: true})
      writeSentinelConf(state, n, masterPort)
      n.pid = spawnProc(state, n, detached)
      state.nodes.push(n)
    }
    writeState(state)
    await waitAnswering(state, sentinelNodes(state), timeoutMs)
    await waitDiscovered(state, timeoutMs)
    opts.onEvent?.({type: 'discovered', elapsedMs: Date.now() - t0})
    await recordIds(state, state.nodes)
    writeState(state)
    if (!ephemeral) tracked.removeDir = undefined
    if (detached) untrack()
    return {
      ...state,
      masterName: state.masterName!,
      master: {host, port: masterPort},
      replicaNodes: dataPorts.slice(1).map((port) => ({host, port})),
      sentinels: sentinelPorts.map((port) => ({host, port})),
      async stop(o: {clean?: boolean} = {}) {
        const now = readState(dir) ?? state
        // Sentinels first, so none of them starts a failover while the data nodes go down.
        await stopPids(sentinelNodes(now).filter(nodeAlive).map((n) => n.pid))
        await stopPids(dataNodes(now).filter(nodeAlive).map((n) => n.pid))
        if (!detached) untrack()
        if (o.clean ?? !detached) rmSync(dir, {recursive: true, force: true})
      },
    }
  } catch (err) {
    await stopPids(state.nodes.map((n) => n.pid).filter((p) => p > 0))
    untrack()
    rmSync(dir, {recursive: true, force: true})
    throw err
  }
}

/** `local start` of a Sentinel setup: data nodes first, each with the role the Sentinels last recorded, then the Sentinels. */
export async function startSentinelNodes(state: LocalClusterState, opts: {timeoutMs?: number; detached?: boolean} = {}): Promise<{started: number; alreadyRunning: number}> {
  const timeoutMs = opts.timeoutMs ?? 60000
  const down = state.nodes.filter((n) => !nodeAlive(n))
  await portsFreeOrThrow(state, down)
  const master = await currentMasterPort(state)
  const downData = down.filter((n) => !n.sentinel)
  // The current master must come back as master, everything else as its replica.
  if (master !== null) for (const n of downData) setReplicaOf(state, n, n.port === master ? null : master)
  for (const n of downData) n.pid = spawnProc(state, n, opts.detached ?? true)
  writeState(state)
  await waitAnswering(state, downData, timeoutMs)
  if (master !== null && dataNodes(state).some((d) => d.port === master && nodeAlive(d))) {
    await Promise.all(downData.filter((n) => n.port !== master).map((n) => waitReplicaSynced(state, n, master, timeoutMs)))
  }
  const downSentinels = down.filter((n) => n.sentinel)
  for (const n of downSentinels) n.pid = spawnProc(state, n, opts.detached ?? true)
  writeState(state)
  await waitAnswering(state, downSentinels, timeoutMs)
  await waitDiscovered(state, timeoutMs)
  await recordIds(state, down)
  writeState(state)
  return {started: down.length, alreadyRunning: state.nodes.length - down.length}
}

/**
 * `local restart-node` on a Sentinel setup: the process is stopped if it runs and started from its
 * own config. A data node that the Sentinels no longer see as master (an old master after a
 * failover) is turned into a replica by the Sentinels themselves (+convert-to-slave); this waits
 * until it replicates the current master and every running Sentinel lists it. A Sentinel comes
 * back with its sentinel.conf (same myid, epoch, known replicas and Sentinels).
 */
export async function restartSentinelNode(state: LocalClusterState, n: LocalNodeState, opts: {timeoutMs?: number; detached?: boolean} = {}): Promise<void> {
  const timeoutMs = opts.timeoutMs ?? 60000
  if (nodeAlive(n)) await stopPids([n.pid])
  await portsFreeOrThrow(state, [n])
  // A data node that is not the Sentinels' master comes back as a replica of that master at once
  // (its redis.conf pointed there first), as `local start` does: an old master never reappears
  // as a second master that clients could write to until the Sentinels convert it.
  const before = n.sentinel ? null : majority(await sentinelMasterPorts(state))
  if (before !== null && before !== n.port) setReplicaOf(state, n, before)
  n.pid = spawnProc(state, n, opts.detached ?? true)
  writeState(state)
  await waitAnswering(state, [n], timeoutMs)
  if (n.sentinel) {
    await waitDiscovered(state, timeoutMs)
  } else if (before !== null && before !== n.port) {
    // The Sentinels may fail over again meanwhile (a short down-after on a loaded machine): follow
    // whichever master they agree on now, and stop waiting if they chose this node.
    let master: number | null = before
    await until(`replica ${n.port} did not finish its sync with the Sentinels' master (last ${connectHost(state)}:${before})`, timeoutMs, async () => {
      master = majority(await sentinelMasterPorts(state)) ?? master
      if (master === n.port) return true
      const i = await replicationInfo(state, n.port)
      return i?.role === 'slave' && Number(i.master_port) === master && i.master_link_status === 'up'
    })
    if (master !== n.port) await waitDiscovered(state, timeoutMs, [n.port])
  }
  await recordIds(state, [n])
  writeState(state)
}

/** `local add-node --replica` on a Sentinel setup: a new replica of the current master, discovered by every running Sentinel. */
export async function addSentinelReplica(state: LocalClusterState, opts: {timeoutMs?: number; detached?: boolean; onEvent?: (e: {type: 'spawned'; port: number}) => void} = {}): Promise<{node: LocalNodeState; master: number}> {
  const timeoutMs = opts.timeoutMs ?? 60000
  const master = await currentMasterPort(state)
  if (master === null || !dataNodes(state).some((d) => d.port === master && nodeAlive(d))) {
    throw new RedisTsError('usage', `Local Sentinel setup "${state.name}" has no running master`, {hint: `Start it with: redis-ts local start${runningHint(state, false)}`})
  }
  let port = Math.max(...dataNodes(state).map((n) => n.port)) + 1
  while (state.nodes.some((n) => n.port === port) || !(await portFree(port, connectHost(state)))) port++
  const n: LocalNodeState = {port, busPort: 0, dir: join(state.dir, String(port)), pid: 0, added: true}
  mkdirSync(n.dir, {recursive: true})
  writeDataConf(state, n, master)
  n.pid = spawnProc(state, n, opts.detached ?? true)
  state.nodes.push(n)
  state.replicas++
  writeState(state)
  opts.onEvent?.({type: 'spawned', port})
  try {
    await waitAnswering(state, [n], timeoutMs)
    await waitReplicaSynced(state, n, master, timeoutMs)
    await waitDiscovered(state, timeoutMs, [port])
    await recordIds(state, [n])
    writeState(state)
    return {node: n, master}
  } catch (err) {
    await stopPids([n.pid])
    state.nodes = state.nodes.filter((x) => x !== n)
    state.replicas--
    writeState(state)
    rmSync(n.dir, {recursive: true, force: true})
    throw err
  }
}

// Local Sentinel setups: one master, N replicas and M Sentinels as separate processes, embedded
// (`node dist/src/node/main.js [--sentinel]`) or real (redis-server / redis-server --sentinel),
// mixed at will. Used by `redis-ts create --sentinel`, the Sentinel tests and bench/.
import {spawn, type ChildProcess} from 'node:child_process'
import {mkdirSync, writeFileSync} from 'node:fs'
import {join, resolve} from 'node:path'
import {lazyClient} from '../admin/ioredis.js'
import {embeddedCommand, isAlive, stopPids} from './launcher.js'
import {freePortPair} from './ports.js'
import {waitAnswers} from './wait.js'

export {waitAnswers}

/** 'embedded' or the path of a redis-server binary (Sentinels run it with --sentinel). */
export type Engine = string

export interface SentinelProc {
  role: 'master' | 'replica' | 'sentinel'
  engine: Engine
  port: number
  dir: string
  pid: number
  child?: ChildProcess
  /** Sentinels: their sentinel.conf */
  conf?: string
  /** extra directives this data node was started with (kept across restarts) */
  extra: string[]
}

export interface SentinelSetupSpec {
  root: string
  name?: string
  replicas?: number
  sentinels?: number
  /** engine of the master and replicas (default embedded); per-index overrides with dataEngines */
  engine?: Engine
  dataEngines?: Engine[]
  /** engine of the Sentinels (default: engine); per-index overrides with sentinelEngines */
  sentinelEngines?: Engine[]
  quorum?: number
  downAfterMs?: number
  failoverTimeoutMs?: number
  parallelSyncs?: number
  detached?: boolean
  /** extra directives for data node i (e.g. ['--replica-priority', '0']) */
  nodeExtra?: (i: number) => string[]
}

function spawnProc(engine: Engine, args: string[], dir: string, detached: boolean): {pid: number; child?: ChildProcess} {
  mkdirSync(dir, {recursive: true})
  const {cmd, args: pre} = engine === 'embedded' ? embeddedCommand() : {cmd: engine, args: []}
  const child = spawn(cmd, [...pre, ...args], {detached, stdio: 'ignore', cwd: dir})
  if (child.pid === undefined) throw new Error(`could not start ${cmd}`)
  if (detached) child.unref()
  return {pid: child.pid, ...(detached ? {} : {child})}
}

export function dataNodeArgs(port: number, dir: string, extra: string[]): string[] {
  return ['--port', String(port), '--bind', '127.0.0.1', '--dir', resolve(dir), '--logfile', resolve(dir, 'node.log'), '--save', '', '--appendonly', 'no', '--repl-diskless-sync-delay', '0', ...extra]
}

export function startDataNode(engine: Engine, role: 'master' | 'replica', port: number, dir: string, extra: string[], detached = false): SentinelProc {
  const p = spawnProc(engine, dataNodeArgs(port, dir, extra), dir, detached)
  return {role, engine, port, dir, extra, ...p}
}

export function sentinelConfText(name: string, masterPort: number, quorum: number, downAfterMs: number, failoverTimeoutMs: number, parallelSyncs = 1): string {
  return [
    `sentinel monitor ${name} 127.0.0.1 ${masterPort} ${quorum}`,
    `sentinel down-after-milliseconds ${name} ${downAfterMs}`,
    `sentinel failover-timeout ${name} ${failoverTimeoutMs}`,
    `sentinel parallel-syncs ${name} ${parallelSyncs}`,
    '',
  ].join('\n')
}

export function startSentinelProc(engine: Engine, port: number, dir: string, conf: string, detached = false): SentinelProc {
  const args = [conf, '--sentinel', '--port', String(port), '--bind', '127.0.0.1', '--dir', resolve(dir), '--logfile', resolve(dir, 'sentinel.log')]
  const p = spawnProc(engine, args, dir, detached)
  return {role: 'sentinel', engine, port, dir, conf, extra: [], ...p}
}

/** Restart a stopped process with the same port, directory and configuration. */
export function restartProc(p: SentinelProc, detached = false): SentinelProc {
  const again = p.role === 'sentinel' ? startSentinelProc(p.engine, p.port, p.dir, p.conf!, detached) : startDataNode(p.engine, p.role, p.port, p.dir, p.extra, detached)
  return again
}

/** SENTINEL MASTER <name> as a plain object (null when the Sentinel does not answer). */
export async function sentinelMaster(port: number, name: string): Promise<Record<string, string> | null> {
  const c = await lazyClient({port, host: '127.0.0.1'})
  try {
    await c.connect()
    const r = (await c.call('SENTINEL', 'MASTER', name)) as string[]
    const o: Record<string, string> = {}
    for (let i = 0; i + 1 < r.length; i += 2) o[r[i]] = r[i + 1]
    return o
  } catch {
    return null
  } finally {
    c.disconnect()
  }
}

/** Until every Sentinel knows `replicas` replicas and every other Sentinel (false on timeout). */
export async function waitSentinelsDiscovered(ports: number[], name: string, replicas: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    const views = await Promise.all(ports.map((p) => sentinelMaster(p, name)))
    if (views.every((v) => v && Number(v['num-slaves']) >= replicas && Number(v['num-other-sentinels']) >= ports.length - 1)) return true
    await new Promise((r) => setTimeout(r, 250))
  }
  return false
}

export class SentinelSetup {
  readonly procs: SentinelProc[] = []
  constructor(
    readonly root: string,
    readonly name: string,
  ) {}

  get master(): SentinelProc {
    return this.procs.find((p) => p.role === 'master')!
  }
  get dataNodes(): SentinelProc[] {
    return this.procs.filter((p) => p.role !== 'sentinel')
  }
  get sentinels(): SentinelProc[] {
    return this.procs.filter((p) => p.role === 'sentinel')
  }

  kill(p: SentinelProc, signal: NodeJS.Signals = 'SIGKILL'): void {
    if (isAlive(p.pid)) process.kill(p.pid, signal)
  }

  async waitGone(p: SentinelProc): Promise<void> {
    while (isAlive(p.pid)) await new Promise((r) => setTimeout(r, 20))
  }

  async restart(p: SentinelProc, detached = false): Promise<SentinelProc> {
    const again = restartProc(p, detached)
    this.procs[this.procs.indexOf(p)] = again
    await waitAnswers(again.port)
    return again
  }

  async stop(): Promise<void> {
    await stopPids(this.procs.map((p) => p.pid), 5000)
  }
}

/** Start master + replicas (+ wait until they answer), then the Sentinels watching the master. */
export async function startSentinelSetup(spec: SentinelSetupSpec): Promise<SentinelSetup> {
  const name = spec.name ?? 'mymaster'
  const replicas = spec.replicas ?? 2
  const sentinels = spec.sentinels ?? 3
  const engine = spec.engine ?? 'embedded'
  const detached = spec.detached ?? false
  const setup = new SentinelSetup(spec.root, name)
  const dataPorts: number[] = []
  for (let i = 0; i <= replicas; i++) dataPorts.push((await freePortPair()).port)
  const masterPort = dataPorts[0]
  for (let i = 0; i <= replicas; i++) {
    const e = spec.dataEngines?.[i] ?? engine
    const extra = [...(i === 0 ? [] : ['--replicaof', '127.0.0.1', String(masterPort)]), ...(spec.nodeExtra?.(i) ?? [])]
    setup.procs.push(startDataNode(e, i === 0 ? 'master' : 'replica', dataPorts[i], join(spec.root, `node-${dataPorts[i]}`), extra, detached))
  }
  await Promise.all(setup.procs.map((p) => waitAnswers(p.port)))
  const quorum = spec.quorum ?? Math.floor(sentinels / 2) + 1
  for (let i = 0; i < sentinels; i++) {
    const port = (await freePortPair(26379 + Math.floor(Math.random() * 3000))).port
    const dir = join(spec.root, `sentinel-${port}`)
    mkdirSync(dir, {recursive: true})
    const conf = join(dir, 'sentinel.conf')
    writeFileSync(conf, sentinelConfText(name, masterPort, quorum, spec.downAfterMs ?? 5000, spec.failoverTimeoutMs ?? 60000, spec.parallelSyncs ?? 1))
    setup.procs.push(startSentinelProc(spec.sentinelEngines?.[i] ?? engine, port, dir, conf, detached))
  }
  await Promise.all(setup.sentinels.map((p) => waitAnswers(p.port)))
  return setup
}

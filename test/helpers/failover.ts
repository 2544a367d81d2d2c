// Failover harness shared by test/cli/failover-*.test.ts and bench/failover.ts (issue 8): a 3+3 cluster
// per engine (embedded or redis-server, both started by the local-cluster launcher), kill -9 and restart
// in place by PID, a read-before-write writer with outage and loss accounting (consistency-test.rb
// style: a read below the last acknowledged value is a lost write, reliability.md §3.1/§8.3), and waits
// for promotion and rejoin, polled every 20–50 ms. The same code runs against either engine.
import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import type {ChildProcess} from 'node:child_process'
import calculateSlot from 'cluster-key-slot'
import {Cluster, Redis} from 'ioredis'
import {startLocalCluster} from '../../src/local/cluster.js'
import {isAlive, spawnNode} from '../../src/local/launcher.js'
import {parseClusterNodes} from '../../src/admin/topology/parse.js'
import type {NodeEntry} from '../../src/admin/topology/types.js'
import {redisSkip, waitReady} from './redis-server.js'

export type Engine = 'redis-server' | 'embedded'
export const ENGINES: Engine[] = ['redis-server', 'embedded']

/** node:test `skip` for an engine: redis-server variants need it on PATH; embedded ones always run. */
export function engineSkip(engine: Engine): string | false {
  if (engine === 'redis-server') return redisSkip()
  return false
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms))

export async function waitUntil<T>(probe: () => Promise<T | undefined | false>, timeoutMs: number, what: string, everyMs = 25): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const v = await probe().catch(() => undefined)
    if (v !== undefined && v !== false) return v
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms: ${what}`)
    await sleep(everyMs)
  }
}

export function parseInfoText(text: string): Record<string, string> {
  const out: Record<string, string> = {}
  for (const line of text.split('\n')) {
    const i = line.indexOf(':')
    if (i > 0) out[line.slice(0, i)] = line.slice(i + 1).trim()
  }
  return out
}

/** One cached connection per port; a closed one is replaced. Never reconnects behind our back. */
export class Conns {
  private readonly map = new Map<number, Redis>()
  constructor(private readonly commandTimeout = 2000) {}
  get(port: number): Redis {
    const c = this.map.get(port)
    if (c && c.status !== 'end' && c.status !== 'close') return c
    c?.disconnect()
    const n = new Redis({host: '127.0.0.1', port, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 1000, commandTimeout: this.commandTimeout})
    n.on('error', () => {})
    this.map.set(port, n)
    return n
  }
  drop(port: number): void {
    this.map.get(port)?.disconnect()
    this.map.delete(port)
  }
  close(): void {
    for (const c of this.map.values()) c.disconnect()
    this.map.clear()
  }
}

export interface FoNode {
  port: number
  busPort: number
  dir: string
  pid: number
  alive: boolean
  child?: ChildProcess
}

export interface Promotion {
  /** ms from the kill until every survivor reports cluster_state:ok and a former replica of the victim is master */
  allOkMs: number
  /** ms from the kill until the winner's ROLE said master */
  roleMs: number
  /** ms from the kill until some survivor first reported cluster_state:fail (undefined if never seen) */
  firstFailMs?: number
  winner: FoNode
}

/**
 * The master's own INFO says the replica on `port` is online and has acknowledged everything.
 * The replica's `master_link_status:up` is not enough: after a diskless full sync redis-server 7.0
 * buffers new writes for the replica until its first REPLCONF ACK (up to a second later, from
 * replicationCron); a master killed in that window loses every write acknowledged since the sync.
 */
export function masterStreamsTo(masterInfo: Record<string, string>, port: number): boolean {
  const line = Object.entries(masterInfo).find(([k, v]) => /^slave\d+$/.test(k) && v.includes(`port=${port},`))?.[1]
  if (!line) return false
  const f = Object.fromEntries(line.split(',').map((kv) => kv.split('=')))
  return f.state === 'online' && f.offset === masterInfo.master_repl_offset
}

export class FailoverCluster {
  readonly conns = new Conns(2000)
  /** first slot of a shard → performance.now() of its last failover */
  private readonly lastFailover = new Map<number, number>()
  private constructor(
    readonly engine: Engine,
    readonly nodeTimeoutMs: number,
    readonly nodes: FoNode[],
    readonly root: string,
  ) {}

  static async start(engine: Engine, opts: {nodeTimeoutMs?: number; timeoutMs?: number} = {}): Promise<FailoverCluster> {
    const root = mkdtempSync(join(tmpdir(), `redis-ts-failover-${engine}-`))
    const nodeTimeoutMs = opts.nodeTimeoutMs ?? 2000
    try {
      const local = await startLocalCluster({
        dir: join(root, 'c'),
        masters: 3,
        replicas: 1,
        nodeTimeoutMs,
        server: engine === 'embedded' ? 'embedded' : 'redis-server',
        timeoutMs: opts.timeoutMs ?? 60000,
      })
      const fc = new FailoverCluster(engine, nodeTimeoutMs, local.nodes.map((n) => ({...n, alive: true})), root)
      await fc.waitHealthy(opts.timeoutMs ?? 60000)
      return fc
    } catch (err) {
      rmSync(root, {recursive: true, force: true})
      throw err
    }
  }

  live(): FoNode[] {
    return this.nodes.filter((n) => n.alive)
  }

  byPort(port: number): FoNode {
    const n = this.nodes.find((x) => x.port === port)
    if (!n) throw new Error(`no node on port ${port}`)
    return n
  }

  async call(n: FoNode | number, ...args: string[]): Promise<unknown> {
    return this.conns.get(typeof n === 'number' ? n : n.port).call(args[0], ...args.slice(1))
  }

  async clusterInfo(n: FoNode): Promise<Record<string, string>> {
    return parseInfoText(String(await this.call(n, 'CLUSTER', 'INFO')))
  }

  async info(n: FoNode, section = 'replication'): Promise<Record<string, string>> {
    return parseInfoText(String(await this.call(n, 'INFO', section)))
  }

  /** CLUSTER NODES as seen by `from` (default: the first live node that answers). */
  async view(from?: FoNode): Promise<NodeEntry[]> {
    for (const n of from ? [from] : this.live()) {
      try {
        return parseClusterNodes(String(await this.call(n, 'CLUSTER', 'NODES')))
      } catch (err) {
        if (from) throw err
      }
    }
    throw new Error('no live node answered CLUSTER NODES')
  }

  /** The slot-owning masters (sorted by first slot, so a shard keeps its index across failovers) and their replicas. */
  async shards(): Promise<{master: NodeEntry; replicas: NodeEntry[]}[]> {
    const v = await this.view()
    return v
      .filter((e) => e.role === 'master' && e.slots.length > 0)
      .sort((a, b) => a.slots[0][0] - b.slots[0][0])
      .map((m) => ({master: m, replicas: v.filter((e) => e.masterId === m.id)}))
  }

  /** kill -9 by PID; resolves with performance.now() right after the signal, once the process is gone. */
  async kill(n: FoNode): Promise<number> {
    process.kill(n.pid, 'SIGKILL')
    const t0 = performance.now()
    n.alive = false
    this.conns.drop(n.port)
    while (isAlive(n.pid)) await sleep(5)
    return t0
  }

  /** Start the node again in place: same ports, same dir (its nodes.conf), same arguments. */
  async restart(n: FoNode): Promise<void> {
    const s = spawnNode({port: n.port, busPort: n.busPort, dir: n.dir, nodeTimeoutMs: this.nodeTimeoutMs, server: this.engine === 'embedded' ? 'embedded' : 'redis-server', detached: false})
    n.pid = s.pid
    n.child = s.child
    n.alive = true
    this.conns.drop(n.port)
    await waitReady(n.port, undefined, undefined, 30000)
  }

  /**
   * Polls every `everyMs` from the kill (`t0`, performance.now()) until every survivor reports
   * cluster_state:ok and one of `candidates` (the victim's replicas) reports ROLE master.
   */
  async waitPromoted(candidates: FoNode[], t0: number, timeoutMs = 60000, everyMs = 20): Promise<Promotion> {
    let roleMs: number | undefined
    let winner: FoNode | undefined
    let firstFailMs: number | undefined
    for (;;) {
      const now = performance.now() - t0
      const [infos, roles] = await Promise.all([
        Promise.all(this.live().map((n) => this.clusterInfo(n).catch(() => ({}) as Record<string, string>))),
        Promise.all(candidates.map((n) => (this.call(n, 'ROLE') as Promise<unknown[]>).catch(() => []))),
      ])
      if (firstFailMs === undefined && infos.some((i) => i.cluster_state === 'fail')) firstFailMs = now
      const w = candidates.findIndex((_, i) => roles[i][0] === 'master')
      if (w >= 0 && roleMs === undefined) {
        roleMs = performance.now() - t0
        winner = candidates[w]
      }
      if (winner && infos.every((i) => i.cluster_state === 'ok')) return {allOkMs: performance.now() - t0, roleMs: roleMs!, firstFailMs, winner}
      if (now > timeoutMs) throw new Error(`${this.engine}: no promotion with every survivor ok within ${timeoutMs} ms (role master: ${roleMs ?? 'never'}, states ${infos.map((i) => i.cluster_state).join(',')})`)
      await sleep(everyMs)
    }
  }

  /**
   * Until `node` is a replica of `master` with its link up and caught up, every live node reports
   * ok and sees it as master's replica without a fail flag. Returns ms waited.
   */
  async waitReplicaOf(node: FoNode, master: FoNode, timeoutMs = 60000): Promise<number> {
    const t0 = performance.now()
    await waitUntil(async () => {
      const [ri, mi] = await Promise.all([this.info(node), this.info(master)])
      if (ri.role !== 'slave' || Number(ri.master_port) !== master.port || ri.master_link_status !== 'up' || ri.master_sync_in_progress !== '0') return false
      if (ri.slave_repl_offset !== mi.master_repl_offset || !masterStreamsTo(mi, node.port)) return false
      const masterId = String(await this.call(master, 'CLUSTER', 'MYID'))
      const nodeId = String(await this.call(node, 'CLUSTER', 'MYID'))
      for (const n of this.live()) {
        if ((await this.clusterInfo(n)).cluster_state !== 'ok') return false
        const e = (await this.view(n)).find((x) => x.id === nodeId)
        if (!e || e.role !== 'replica' || e.masterId !== masterId || e.flags.some((f) => f.startsWith('fail'))) return false
      }
      return this.streams(master)
    }, timeoutMs, `${this.engine}: port ${node.port} a synced replica of ${master.port} in every view`, 50)
    return performance.now() - t0
  }

  /** Every node alive and ok, 3 masters with slots each with a linked replica, no fail flags anywhere. */
  async waitHealthy(timeoutMs = 60000): Promise<void> {
    await waitUntil(async () => {
      for (const n of this.live()) if ((await this.clusterInfo(n)).cluster_state !== 'ok') return false
      for (const n of this.live()) {
        const v = await this.view(n)
        if (v.some((e) => e.flags.some((f) => f.startsWith('fail') || f === 'handshake' || f === 'noaddr'))) return false
      }
      const shards = await this.shards()
      if (shards.length !== 3 || shards.some((s) => s.replicas.length === 0)) return false
      for (const s of shards) {
        const mi = await this.info(this.byPort(s.master.port))
        for (const r of s.replicas) {
          const ri = await this.info(this.byPort(r.port))
          if (ri.master_link_status !== 'up' || ri.master_sync_in_progress !== '0' || !masterStreamsTo(mi, r.port)) return false
        }
        if (!(await this.streams(this.byPort(s.master.port)))) return false
      }
      return true
    }, timeoutMs, `${this.engine}: cluster healthy (all ok, 3 masters each with a linked replica)`, 50)
  }

  /**
   * A probe write on `master` (a key in its own slots) confirmed by `WAIT 1 200`: the replica really
   * receives the stream. Needed because redis-server 7.0, after a diskless full sync, may hold new
   * writes back until the replica's next REPLCONF ACK (≤ 1 s, replicationCron) when the replica's
   * first ACK raced the fork child's exit; link up and equal offsets do not show it.
   */
  async streams(master: FoNode): Promise<boolean> {
    const me = (await this.view(master)).find((e) => e.myself)
    if (!me || me.slots.length === 0) return false
    const c = this.conns.get(master.port)
    await c.set(keysInSlots(me.slots, 1, 'probe')[0], String(Date.now()))
    return Number(await c.call('WAIT', '1', '200')) >= 1
  }

  /**
   * Masters vote at most once per failed master every 2 × node_timeout (Redis's voted_time, also for
   * manual failovers): a second failover of the same shard sooner gets no votes and is abandoned.
   */
  async spaceFailover(firstSlot: number): Promise<void> {
    const last = this.lastFailover.get(firstSlot)
    if (last !== undefined) await sleep(Math.max(0, last + 2 * this.nodeTimeoutMs + 500 - performance.now()))
  }

  markFailover(firstSlot: number): void {
    this.lastFailover.set(firstSlot, performance.now())
  }

  /** cluster_current_epoch and cluster_my_epoch of every live node. */
  async epochs(): Promise<{port: number; current: number; my: number}[]> {
    return Promise.all(this.live().map(async (n) => {
      const i = await this.clusterInfo(n)
      return {port: n.port, current: Number(i.cluster_current_epoch), my: Number(i.cluster_my_epoch)}
    }))
  }

  async stop(): Promise<void> {
    this.conns.close()
    const mine = this.nodes.filter((n) => n.alive)
    for (const n of mine) {
      try {
        process.kill(n.pid, 'SIGKILL')
      } catch {
        // already gone
      }
      n.alive = false
    }
    while (mine.some((n) => isAlive(n.pid))) await sleep(10)
    rmSync(this.root, {recursive: true, force: true})
  }
}

/** `count` keys whose slots are all inside `ranges` (the victim's slots). */
export function keysInSlots(ranges: [number, number][], count: number, prefix: string): string[] {
  const out: string[] = []
  for (let i = 0; out.length < count; i++) {
    const k = `${prefix}:${i}`
    const s = calculateSlot(k)
    if (ranges.some(([a, b]) => s >= a && s <= b)) out.push(k)
  }
  return out
}

export interface WriterStats {
  /** acknowledged SETs */
  acked: number
  /** attempts that got an error (outage, redirects) */
  failed: number
  /** acknowledged writes a later read (or the final read-back) did not show */
  lost: number
  /** writes that were applied though their acknowledgement never arrived */
  unacked: number
  /** WAIT-confirmed writes (WAIT returned ≥ 1) and how many of those were lost */
  waitConfirmed: number
  waitLost: number
  /** longest time between two acknowledged writes (ms) */
  maxGapMs: number
}

/**
 * Read-before-write on a fixed key set: GET k (the value is a counter), SET k value+1; a read below
 * the last acknowledged value counts the difference as lost, a read above it as applied-but-unacked.
 * Routes like a cluster client: follows MOVED, and after any other error re-reads CLUSTER SLOTS
 * from a live node (20 ms later).
 */
export class Writer {
  readonly stats: WriterStats = {acked: 0, failed: 0, lost: 0, unacked: 0, waitConfirmed: 0, waitLost: 0, maxGapMs: 0}
  private readonly model = new Map<string, number>()
  private readonly confirmed = new Map<string, number>()
  private readonly conns = new Conns(3000)
  private running = false
  private loop?: Promise<void>
  private lastAck = 0
  owner: number

  constructor(
    readonly keys: string[],
    initialOwner: number,
    private readonly ports: () => number[],
    private readonly opts: {wait?: {replicas: number; timeoutMs: number}} = {},
  ) {
    this.owner = initialOwner
  }

  get active(): boolean {
    return this.running
  }

  start(): void {
    this.running = true
    this.lastAck = performance.now()
    this.loop = this.run()
  }

  /** Stops writing; the gap still open at this moment counts as outage too. */
  async stop(): Promise<WriterStats> {
    this.running = false
    await this.loop
    this.stats.maxGapMs = Math.max(this.stats.maxGapMs, performance.now() - this.lastAck)
    return this.stats
  }

  /** Until `n` more writes have been acknowledged. */
  async acked(n: number, timeoutMs = 30000): Promise<void> {
    const target = this.stats.acked + n
    await waitUntil(async () => this.stats.acked >= target, timeoutMs, `${n} acknowledged writes`, 10)
  }

  private observe(key: string, v: number): void {
    const expected = this.model.get(key) ?? 0
    if (v < expected) this.stats.lost += expected - v
    else if (v > expected) this.stats.unacked += v - expected
    this.model.set(key, v)
    const conf = this.confirmed.get(key) ?? 0
    if (v < conf) this.stats.waitLost += conf - v
    this.confirmed.set(key, Math.min(conf, v))
  }

  private async run(): Promise<void> {
    for (let i = 0; this.running; i++) {
      const key = this.keys[i % this.keys.length]
      const c = this.conns.get(this.owner)
      try {
        const r = await c.get(key)
        this.observe(key, r === null ? 0 : Number(r))
        const next = (this.model.get(key) ?? 0) + 1
        await c.set(key, String(next))
        const now = performance.now()
        this.stats.maxGapMs = Math.max(this.stats.maxGapMs, now - this.lastAck)
        this.lastAck = now
        this.stats.acked++
        this.model.set(key, next)
        if (this.opts.wait) {
          const got = Number(await c.call('WAIT', String(this.opts.wait.replicas), String(this.opts.wait.timeoutMs)))
          if (got >= this.opts.wait.replicas) {
            this.confirmed.set(key, next)
            this.stats.waitConfirmed++
          }
        }
      } catch (err) {
        this.stats.failed++
        const m = /^MOVED \d+ [^:]+:(\d+)/.exec((err as Error).message)
        if (m) this.owner = Number(m[1])
        else {
          await sleep(20)
          this.owner = (await this.findOwner(calculateSlot(key))) ?? this.owner
        }
      }
    }
  }

  private async findOwner(slot: number): Promise<number | undefined> {
    for (const port of this.ports()) {
      try {
        const slots = (await this.conns.get(port).call('CLUSTER', 'SLOTS')) as [number, number, [string, number, ...unknown[]], ...unknown[]][]
        const r = slots.find(([a, b]) => slot >= a && slot <= b)
        if (r) return Number(r[2][1])
      } catch {
        // try the next node
      }
    }
    return undefined
  }

  /** Final read-back of every key from its current owner (retrying through an outage); updates stats. */
  async verify(timeoutMs = 30000): Promise<WriterStats> {
    const deadline = Date.now() + timeoutMs
    for (const key of this.keys) {
      for (;;) {
        try {
          const r = await this.conns.get(this.owner).get(key)
          this.observe(key, r === null ? 0 : Number(r))
          break
        } catch (err) {
          if (Date.now() > deadline) throw new Error(`read-back of ${key} failed: ${(err as Error).message}`)
          const m = /^MOVED \d+ [^:]+:(\d+)/.exec((err as Error).message)
          if (m) this.owner = Number(m[1])
          else {
            await sleep(50)
            this.owner = (await this.findOwner(calculateSlot(key))) ?? this.owner
          }
        }
      }
    }
    return this.stats
  }

  /** The value of every key as last acknowledged (the model). */
  values(): Map<string, number> {
    return new Map(this.model)
  }

  close(): void {
    this.conns.close()
  }
}

export interface KillTrial {
  victimPort: number
  winnerPort: number
  promotion: Promotion
  writer: WriterStats
  rejoinMs: number
  epochs: {port: number; current: number; my: number}[]
  /** every key's last acknowledged value */
  values: Map<string, number>
}

/**
 * One kill -9 trial on a healthy cluster: a writer on the victim's slots (started `warmupMs` before
 * the kill), kill the master `victimPort` (default: the first master), wait for promotion, stop the
 * writer and read every key back, restart the victim and wait until it is a synced replica of the winner.
 */
export async function killTrial(
  fc: FailoverCluster,
  opts: {
    victimPort?: number
    keys?: number
    prefix?: string
    warmupMs?: number
    wait?: {replicas: number; timeoutMs: number}
    /** acknowledged writes on the new master before the writer stops (default min(200, keys)) */
    afterAcks?: number
    afterPromotedMs?: number
    onProgress?: (s: string) => void
  } = {},
): Promise<KillTrial> {
  const shards = await fc.shards()
  const shard = opts.victimPort ? shards.find((s) => s.master.port === opts.victimPort) : shards[0]
  if (!shard) throw new Error(`no master on port ${opts.victimPort}`)
  const victim = fc.byPort(shard.master.port)
  const candidates = shard.replicas.map((r) => fc.byPort(r.port))
  const keys = keysInSlots(shard.master.slots, opts.keys ?? 100, opts.prefix ?? `fo${Date.now()}`)
  const writer = new Writer(keys, victim.port, () => fc.live().map((n) => n.port), {wait: opts.wait})
  try {
    writer.start()
    await writer.acked(Math.min(500, keys.length * 2))
    await sleep(opts.warmupMs ?? 1000)
    await fc.spaceFailover(shard.master.slots[0][0])
    const t0 = await fc.kill(victim)
    opts.onProgress?.(`killed ${victim.port} (pid ${victim.pid})`)
    const promotion = await fc.waitPromoted(candidates, t0)
    fc.markFailover(shard.master.slots[0][0])
    opts.onProgress?.(`promoted ${promotion.winner.port}: role master ${promotion.roleMs.toFixed(0)} ms, all ok ${promotion.allOkMs.toFixed(0)} ms`)
    // keep writing a little on the new master so the outage closes with real acknowledged writes
    await writer.acked(opts.afterAcks ?? Math.min(200, keys.length), 30000)
    await sleep(opts.afterPromotedMs ?? 200)
    await writer.stop()
    const stats = await writer.verify()
    await fc.restart(victim)
    const rejoinMs = await fc.waitReplicaOf(victim, promotion.winner)
    opts.onProgress?.(`${victim.port} rejoined as a replica of ${promotion.winner.port} in ${rejoinMs.toFixed(0)} ms`)
    // the returning node must not bring old values back
    await writer.verify()
    return {victimPort: victim.port, winnerPort: promotion.winner.port, promotion, writer: {...stats}, rejoinMs, epochs: await fc.epochs(), values: writer.values()}
  } finally {
    if (writer.active) await writer.stop()
    writer.close()
  }
}

/** Reads every key through a cluster client; returns one line per key whose value differs from `values`. */
export async function readBack(fc: FailoverCluster, values: Map<string, number>): Promise<string[]> {
  const c = new Cluster(fc.live().map((n) => ({host: '127.0.0.1', port: n.port})), {redisOptions: {maxRetriesPerRequest: 5, connectTimeout: 1000}, enableOfflineQueue: true})
  c.on('error', () => {})
  try {
    const keys = [...values.keys()]
    const got = await Promise.all(keys.map((k) => c.get(k)))
    return keys.flatMap((k, i) => (Number(got[i] ?? 0) === values.get(k) ? [] : [`${k}: read ${got[i]}, acknowledged ${values.get(k)}`]))
  } finally {
    c.disconnect()
  }
}

export interface ManualTrial {
  masterPort: number
  replicaPort: number
  /** ms from sending CLUSTER FAILOVER until the replica's ROLE said master (polled every 5 ms) */
  roleMs: number
  /** ms until every node is ok and the old master is a synced replica of the new one (writer stopped first) */
  settledMs: number
  writer: WriterStats
}

/**
 * `CLUSTER FAILOVER [mode]` on the replica of the master `masterPort` (default: the first master) while a
 * writer runs on that master's slots; the longest gap between acknowledged writes is the write pause.
 */
export async function manualFailoverTrial(fc: FailoverCluster, opts: {masterPort?: number; mode?: 'FORCE' | 'TAKEOVER'; keys?: number; prefix?: string; onProgress?: (s: string) => void} = {}): Promise<ManualTrial> {
  const shards = await fc.shards()
  const shard = opts.masterPort ? shards.find((s) => s.master.port === opts.masterPort) : shards[0]
  if (!shard) throw new Error(`no master on port ${opts.masterPort}`)
  const master = fc.byPort(shard.master.port)
  const replica = fc.byPort(shard.replicas[0].port)
  const keys = keysInSlots(shard.master.slots, opts.keys ?? 100, opts.prefix ?? `mf${Date.now()}`)
  const writer = new Writer(keys, master.port, () => fc.live().map((n) => n.port))
  try {
    writer.start()
    await writer.acked(Math.min(500, keys.length * 2))
    await sleep(300)
    const probe = fc.conns.get(replica.port)
    await fc.spaceFailover(shard.master.slots[0][0])
    const t0 = performance.now()
    await probe.call('CLUSTER', 'FAILOVER', ...(opts.mode ? [opts.mode] : []))
    let roleMs = 0
    await waitUntil(async () => {
      const role = (await probe.call('ROLE')) as unknown[]
      if (role[0] !== 'master') return false
      roleMs = performance.now() - t0
      return true
    }, 30000, `${fc.engine}: ${replica.port} master after CLUSTER FAILOVER`, 5)
    fc.markFailover(shard.master.slots[0][0])
    await writer.acked(Math.min(200, keys.length))
    await writer.stop()
    // offsets only match once writes stop
    await fc.waitReplicaOf(master, replica)
    const settledMs = performance.now() - t0
    opts.onProgress?.(`manual failover ${master.port} -> ${replica.port}: role master ${roleMs.toFixed(0)} ms, write pause ${writer.stats.maxGapMs.toFixed(0)} ms`)
    return {masterPort: master.port, replicaPort: replica.port, roleMs, settledMs, writer: {...(await writer.verify())}}
  } finally {
    if (writer.active) await writer.stop()
    writer.close()
  }
}

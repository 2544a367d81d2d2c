// What a local Sentinel setup's instances say, read-only: one connection per question (`ask`),
// which master the Sentinels name (live majority, else their config files, else the data nodes'
// redis.conf), and the status table `local status` shows (per process its role, link, offset and
// health). src/local/sentinel-local.ts starts and changes setups on top of these.
import {existsSync, readFileSync} from 'node:fs'
import {join} from 'node:path'
import type {Redis} from 'ioredis'
import {connectHost} from './wait.js'
import {nodeAlive, type LocalClusterState, type LocalNodeState} from './state.js'
import {ask as askInstance} from '../admin/sentinel/check.js'

export interface HostPort {
  host: string
  port: number
}

/** The setup's listen address as clients dial it, and its password (requirepass on every instance). */
export type Reach = Pick<LocalClusterState, 'bind' | 'password'>

export const ask = <T>(state: Reach, port: number, f: (c: Redis) => Promise<T>): Promise<T | Error> =>
  askInstance(connectHost(state), port, {password: state.password, connectTimeoutMs: 2000, commandTimeoutMs: 2000}, f)

export function fields(text: string): Record<string, string> {
  const o: Record<string, string> = {}
  for (const line of text.split(/\r?\n/)) {
    const i = line.indexOf(':')
    if (i > 0 && !line.startsWith('#')) o[line.slice(0, i)] = line.slice(i + 1)
  }
  return o
}

export function pairs(r: unknown): Record<string, string> {
  const a = r as string[]
  const o: Record<string, string> = {}
  for (let i = 0; i + 1 < a.length; i += 2) o[a[i]] = String(a[i + 1])
  return o
}

export function confFile(n: LocalNodeState): string {
  return join(n.dir, n.sentinel ? 'sentinel.conf' : 'redis.conf')
}

export const dataNodes = (s: LocalClusterState) => s.nodes.filter((n) => !n.sentinel)
export const sentinelNodes = (s: LocalClusterState) => s.nodes.filter((n) => n.sentinel)

/** Each running Sentinel's answer to GET-MASTER-ADDR-BY-NAME (port of the master, null when it has none or does not answer). */
export async function sentinelMasterPorts(state: LocalClusterState): Promise<(number | null)[]> {
  return Promise.all(
    sentinelNodes(state)
      .filter(nodeAlive)
      .map(async (n) => {
        const r = await ask(state, n.port, (c) => c.call('SENTINEL', 'GET-MASTER-ADDR-BY-NAME', state.masterName!) as Promise<string[] | null>)
        return r instanceof Error || !r ? null : Number(r[1])
      }),
  )
}

export function majority(ports: (number | null)[]): number | null {
  const count = new Map<number, number>()
  for (const p of ports) if (p !== null) count.set(p, (count.get(p) ?? 0) + 1)
  let best: number | null = null
  for (const [p, c] of count) if (best === null || c > count.get(best)!) best = p
  return best
}

/** The master as the Sentinels' files record it: the monitor line with the highest config epoch. */
export function masterFromConfs(state: LocalClusterState): number | null {
  let best: {port: number; epoch: number} | null = null
  for (const n of sentinelNodes(state)) {
    let text: string
    try {
      text = readFileSync(confFile(n), 'utf8')
    } catch {
      continue
    }
    let port: number | undefined
    let epoch = 0
    for (const line of text.split('\n')) {
      const w = line.trim().split(/\s+/)
      if (w[0]?.toLowerCase() !== 'sentinel' || w[2] !== state.masterName) continue
      if (w[1]?.toLowerCase() === 'monitor') port = Number(w[4])
      if (w[1]?.toLowerCase() === 'config-epoch') epoch = Number(w[3])
    }
    if (port !== undefined && (best === null || epoch > best.epoch)) best = {port, epoch}
  }
  return best?.port ?? null
}

/** The current master: what the running Sentinels say (majority), else their files, else the data node configured as master. */
export async function currentMasterPort(state: LocalClusterState): Promise<number | null> {
  const live = majority(await sentinelMasterPorts(state))
  if (live !== null) return live
  const fromConf = masterFromConfs(state)
  if (fromConf !== null) return fromConf
  const m = dataNodes(state).find((n) => existsSync(confFile(n)) && !/^\s*(replicaof|slaveof)\s/im.test(readFileSync(confFile(n), 'utf8')))
  return m?.port ?? null
}
export async function replicationInfo(state: Reach, port: number): Promise<Record<string, string> | null> {
  const r = await ask(state, port, (c) => c.info())
  return r instanceof Error ? null : fields(r)
}

export interface SentinelNodeStatus {
  address: string
  host: string
  port: number
  role: 'master' | 'replica' | 'sentinel' | 'unknown'
  /** data nodes: run_id (new at every start, as in Redis); Sentinels: their myid (kept) */
  id: string | null
  /** replicas: the master they replicate; Sentinels: the master they name */
  master: string | null
  link: string
  /** replication offset (data nodes) */
  offset: number | null
  pid: number | null
  health: 'ok' | 'down' | 'unreachable' | 'syncing' | 'link down' | 'wrong master' | 'not master' | 'disagrees' | 'master down'
  dir: string
}

export interface SentinelSetupStatus {
  kind: 'sentinel'
  name: string
  dir: string
  server: string
  persistence: string
  masterName: string
  quorum: number
  /** the master the running Sentinels name (majority), null when none answers */
  master: string | null
  sentinelsAgree: boolean
  running: number
  total: number
  healthy: boolean
  nodes: SentinelNodeStatus[]
  env: Record<string, string>
}

export function sentinelEnvLines(masterName: string, sentinels: HostPort[]): string[] {
  return [`REDIS_SENTINELS=${sentinels.map((s) => `${s.host}:${s.port}`).join(',')}`, `REDIS_SENTINEL_MASTER=${masterName}`]
}

export async function sentinelStatus(state: LocalClusterState): Promise<SentinelSetupStatus> {
  const name = state.masterName!
  const rows = await Promise.all(
    state.nodes.map(async (n) => {
      const alive = nodeAlive(n)
      if (!alive) return {n, alive, r: null as Record<string, string> | null}
      const r = n.sentinel
        ? await ask(state, n.port, async (c): Promise<Record<string, string>> => ({...pairs(await c.call('SENTINEL', 'MASTER', name)), myid: String(await c.call('SENTINEL', 'MYID'))}))
        : await ask(state, n.port, async (c): Promise<Record<string, string>> => fields(await c.info()))
      return {n, alive, r: r instanceof Error ? null : r}
    }),
  )
  const named = rows.filter((x) => x.n.sentinel && x.r).map((x) => `${x.r!.ip}:${x.r!.port}`)
  const agreedPort = majority(named.map((a) => Number(a.slice(a.lastIndexOf(':') + 1))))
  const host = connectHost(state)
  const master = agreedPort === null ? null : `${host}:${agreedPort}`
  const nodes = rows.map(({n, alive, r}): SentinelNodeStatus => {
    const base = {address: `${host}:${n.port}`, host, port: n.port, pid: alive ? n.pid : null, dir: n.dir}
    if (!alive || !r) {
      // A data node that does not answer has the role the Sentinels give it (a dead master stays master until they fail over).
      const role = n.sentinel ? 'sentinel' : master === null ? 'unknown' : base.address === master ? 'master' : 'replica'
      return {...base, role, id: n.id ?? null, master: role === 'replica' ? master : null, link: '-', offset: null, health: alive ? 'unreachable' : 'down'}
    }
    if (n.sentinel) {
      const m = `${r.ip}:${r.port}`
      const health = master !== null && m !== master ? 'disagrees' : /s_down|o_down/.test(r.flags ?? '') ? 'master down' : 'ok'
      return {...base, role: 'sentinel', id: r.myid, master: m, link: `${r.flags}, ${r['num-slaves']} replica(s), ${r['num-other-sentinels']} other Sentinel(s), epoch ${r['config-epoch']}`, offset: null, health}
    }
    if (r.role === 'master') {
      return {...base, role: 'master', id: r.run_id ?? null, master: null, link: `${r.connected_slaves ?? 0} replica(s) connected`, offset: Number(r.master_repl_offset ?? 0), health: master !== null && base.address !== master ? 'not master' : 'ok'}
    }
    const m = `${r.master_host}:${r.master_port}`
    const health = r.master_sync_in_progress === '1' ? 'syncing' : r.master_link_status !== 'up' ? 'link down' : master !== null && m !== master ? 'wrong master' : 'ok'
    return {...base, role: 'replica', id: r.run_id ?? null, master: m, link: `master link ${r.master_link_status}`, offset: Number(r.slave_repl_offset ?? 0), health}
  })
  const running = nodes.filter((n) => n.pid !== null).length
  const sentinelsAgree = master !== null && new Set(named).size === 1
  const liveSentinels = nodes.filter((n) => n.role === 'sentinel' && n.pid !== null).map((n) => ({host: n.host, port: n.port}))
  return {
    kind: 'sentinel',
    name: state.name,
    dir: state.dir,
    server: state.server,
    persistence: state.persistence,
    masterName: name,
    quorum: state.quorum ?? 0,
    master,
    sentinelsAgree,
    running,
    total: nodes.length,
    healthy: running === nodes.length && sentinelsAgree && nodes.every((n) => n.health === 'ok') && nodes.some((n) => n.role === 'master' && n.address === master),
    nodes,
    env: Object.fromEntries(sentinelEnvLines(name, liveSentinels).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)])),
  }
}

// Local cluster state: one directory per cluster under a per-user state root
// ($XDG_STATE_HOME/redis-ts or ~/.local/state/redis-ts), a cluster.json describing it, and one
// directory per node (redis.conf, nodes.conf, data, node.log, node.pid). Liveness of a recorded pid
// is checked against the process's command line, so a pid reused by another program reads as down.
import {chmodSync, existsSync, readFileSync, readdirSync, readlinkSync, realpathSync, renameSync, writeFileSync} from 'node:fs'
import {homedir} from 'node:os'
import {join, resolve} from 'node:path'
import {isAlive} from './launcher.js'
import type {LocalTlsFiles} from './tls.js'

export type Persistence = 'none' | 'rdb' | 'aof'

export interface LocalNodeState {
  port: number
  busPort: number
  pid: number
  dir: string
  /** node id (from nodes.conf), once known */
  id?: string
  /** added after create with `local add-node` */
  added?: boolean
  /** kind sentinel: this process is a Sentinel (else a data node: master or replica) */
  sentinel?: boolean
}

/** 'cluster' (Redis Cluster) or 'sentinel' (one master, replicas and Sentinels watching it). */
export type LocalKind = 'cluster' | 'sentinel'

export interface LocalClusterState {
  /** absent in files written before Sentinel setups: 'cluster' */
  kind?: LocalKind
  name: string
  dir: string
  server: string
  createdAt: string
  bind: string
  announceIp?: string
  persistence: Persistence
  nodeTimeoutMs: number
  /** kept so lifecycle commands can authenticate; the file is mode 0600 and never printed */
  password?: string
  /** a TLS-only cluster: the CA, the nodes' certificate and key (clients present them too) */
  tls?: LocalTlsFiles
  masters: number
  replicas: number
  /** embedded nodes sharing one process per start (`create --single-process`, src/local/host.ts) */
  singleProcess?: boolean
  nodes: LocalNodeState[]
  /** kind sentinel: the master name the Sentinels monitor, their quorum and timings */
  masterName?: string
  quorum?: number
  downAfterMs?: number
  failoverTimeoutMs?: number
}

export function defaultBaseDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.REDIS_TS_STATE_DIR) return resolve(env.REDIS_TS_STATE_DIR)
  const xdg = env.XDG_STATE_HOME
  return join(xdg && xdg.startsWith('/') ? xdg : join(homedir(), '.local', 'state'), 'redis-ts')
}

export function stateDir(opts: {name?: string; dir?: string}): string {
  return resolve(opts.dir ?? join(defaultBaseDir(), opts.name ?? 'default'))
}

export function readState(dir: string): LocalClusterState | undefined {
  const f = join(dir, 'cluster.json')
  if (!existsSync(f)) return undefined
  const s = JSON.parse(readFileSync(f, 'utf8')) as Partial<LocalClusterState>
  // Files written before the lifecycle commands: fill in what they did not record.
  return {bind: '127.0.0.1', persistence: 'rdb', nodeTimeoutMs: 2000, masters: 0, replicas: 0, ...s} as LocalClusterState
}

export function writeState(s: LocalClusterState): void {
  const f = join(s.dir, 'cluster.json')
  const tmp = `${f}.tmp-${process.pid}`
  writeFileSync(tmp, JSON.stringify(s, null, 2) + '\n', {mode: 0o600})
  chmodSync(tmp, 0o600)
  renameSync(tmp, f)
}

/** Is `pid` alive and (where /proc exists) still a node of this port, not a reused pid? */
export function nodeAlive(n: {pid: number; port: number; dir?: string}): boolean {
  if (!n.pid || !isAlive(n.pid)) return false
  const proc = `/proc/${n.pid}`
  if (!existsSync('/proc/self/cmdline')) return true
  try {
    // Embedded nodes run with <dir>/<port>/redis.conf; redis-server retitles itself "host:port".
    const cmdline = readFileSync(`${proc}/cmdline`, 'latin1').split('\0')
    if (cmdline.join(' ').includes(String(n.port))) return true
    // A warm embedded node (src/local/warm.ts, `main.cjs --warm`) runs in its directory once
    // configured, and is this process's child until then.
    if (cmdline[cmdline.length - 2] !== '--warm') return false
    if (n.dir !== undefined && readlinkSync(`${proc}/cwd`) === realpathSync(n.dir)) return true
    const stat = readFileSync(`${proc}/stat`, 'latin1')
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === process.pid
  } catch {
    return false
  }
}

/** The node id recorded in a node's nodes.conf (the "myself" line), if the node ever wrote one. */
export function nodeIdFromConf(nodeDir: string): string | undefined {
  const f = join(nodeDir, 'nodes.conf')
  if (!existsSync(f)) return undefined
  for (const line of readFileSync(f, 'utf8').split('\n')) {
    const parts = line.split(' ')
    if (parts.length > 2 && parts[2].split(',').includes('myself')) return parts[0]
  }
  return undefined
}

export function listStates(baseDir = defaultBaseDir()): LocalClusterState[] {
  if (!existsSync(baseDir)) return []
  return readdirSync(baseDir)
    .map((d) => {
      try {
        return readState(join(baseDir, d))
      } catch {
        return undefined
      }
    })
    .filter((s): s is LocalClusterState => s !== undefined)
}

// Rendering for local clusters: the status table, how to connect (redis-cli, redis:// seed list,
// ioredis), the --env lines for $GITHUB_ENV and the JSON shapes of create / status.
import {realpathSync} from 'node:fs'
import {resolve} from 'node:path'
import type {ClusterStatus, NodeStatus} from '../local/lifecycle.js'
import {formatRangesCompact} from '../admin/topology/parse.js'
import type {Output} from './output.js'
import {renderTable} from './table.js'

export interface ConnectNode {
  host: string
  port: number
  role?: string
}

/** `redis-ts` when installed globally, `npx redis-ts` when run through npx / npm exec / a local install. */
export function binName(env: NodeJS.ProcessEnv = process.env, argv1 = process.argv[1] ?? ''): string {
  if (env.npm_command === 'exec' || env.npm_command === 'run-script' || argv1.includes('/_npx/')) return 'npx redis-ts'
  try {
    const real = realpathSync(argv1)
    if (real.startsWith(resolve(process.cwd(), 'node_modules') + '/')) return 'npx redis-ts'
  } catch {
    // keep the plain name
  }
  return 'redis-ts'
}

/** A TLS cluster's files, as the connect hints and env lines name them. */
export interface ConnectTls {
  ca: string
  cert: string
  key: string
  /** false: the certificate does not name the host, the ioredis hint skips the name check */
  checkHost?: boolean
}

function url(n: ConnectNode, tls?: ConnectTls): string {
  return `${tls ? 'rediss' : 'redis'}://${n.host.includes(':') ? `[${n.host}]` : n.host}:${n.port}`
}

function addr(n: ConnectNode): string {
  return n.host.includes(':') ? `[${n.host}]:${n.port}` : `${n.host}:${n.port}`
}

/** A path as one shell word (quoted only when it needs it). */
function shellWord(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`
}

/** Lines for $GITHUB_ENV (or `eval`): every node, and redis:// (rediss://) URLs as a seed list; a TLS cluster's files. */
export function envLines(nodes: ConnectNode[], tls?: ConnectTls): string[] {
  return [
    `REDIS_CLUSTER_NODES=${nodes.map(addr).join(',')}`,
    `REDIS_CLUSTER_SEED=${nodes.map((n) => url(n, tls)).join(',')}`,
    ...(tls ? [`REDIS_CLUSTER_TLS_CA=${tls.ca}`, `REDIS_CLUSTER_TLS_CERT=${tls.cert}`, `REDIS_CLUSTER_TLS_KEY=${tls.key}`] : []),
  ]
}

export function envObject(nodes: ConnectNode[], tls?: ConnectTls): Record<string, string> {
  return Object.fromEntries(envLines(nodes, tls).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]))
}

export function renderConnect(out: Output, nodes: ConnectNode[], opts: {clusterFlags: string; password: boolean; tls?: ConnectTls}): void {
  const first = nodes[0]
  const bin = binName()
  const hostFlag = first.host === '127.0.0.1' ? '' : ` -h ${first.host}`
  const seeds = nodes.filter((n) => n.role !== 'replica').slice(0, 3)
  const tls = opts.tls
  const tlsFlags = tls ? ` --tls --cacert ${shellWord(tls.ca)} --cert ${shellWord(tls.cert)} --key ${shellWord(tls.key)}` : ''
  const redisOptions = [
    ...(opts.password ? ['password: process.env.REDIS_PASSWORD'] : []),
    ...(tls ? [`tls: {ca: fs.readFileSync(${JSON.stringify(tls.ca)}), cert: fs.readFileSync(${JSON.stringify(tls.cert)}), key: fs.readFileSync(${JSON.stringify(tls.key)})${tls.checkHost === false ? ', checkServerIdentity: () => undefined' : ''}}`] : []),
  ]
  out.line('')
  out.line('Connect:')
  out.line(`  redis-cli${tlsFlags} -c${hostFlag} -p ${first.port}${opts.password ? ' --askpass' : ''}`)
  out.line(`  seed list: ${nodes.map((n) => url(n, tls)).join(',')}`)
  out.line(`  ioredis:   new Redis.Cluster([${seeds.map((n) => `{host: '${n.host}', port: ${n.port}}`).join(', ')}]${redisOptions.length ? `, {redisOptions: {${redisOptions.join(', ')}}}` : ''})`)
  out.line('')
  out.line(`Status: ${bin} local status${opts.clusterFlags}   Stop: ${bin} local stop${opts.clusterFlags}   Remove: ${bin} local destroy${opts.clusterFlags}`)
}

function slotsText(n: NodeStatus): string {
  if (!n.slotCount) return n.role === 'replica' && n.master ? `-> ${n.master}` : '-'
  return `${formatRangesCompact(n.slots)} (${n.slotCount})`
}

export function renderStatus(out: Output, s: ClusterStatus): void {
  out.info(`Local cluster "${s.name}" (${s.server === 'embedded' ? (s.singleProcess ? 'embedded nodes in one process' : 'embedded nodes') : s.server}, persistence ${s.persistence}${s.tls ? ', TLS only' : ''}): ${s.running}/${s.total} node(s) running, cluster_state:${s.clusterState ?? 'unknown'}`)
  out.line(
    renderTable(
      ['address', 'role', 'id', 'slots', 'keys', 'link', 'pid', 'health'],
      s.nodes.map((n) => [n.address, n.role, n.id ? n.id.slice(0, 12) : '-', slotsText(n), n.keys ?? '-', n.link, n.pid ?? '-', n.health]),
      out.color,
    ),
  )
  out.line(`State: ${s.dir}`)
  if (s.healthy) out.ok('All nodes running and healthy.')
  else if (s.running < s.total) out.warning(`Node(s) down: ${s.nodes.filter((n) => n.pid === null).map((n) => n.port).join(', ')}`)
  else out.warning('The cluster is not healthy (see the health column).')
}

export function statusJson(s: ClusterStatus): unknown {
  return {...s, nodes: s.nodes.map((n) => ({...n, slots: n.slots}))}
}

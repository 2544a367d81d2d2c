// `redis-ts create` with no addresses: start a local cluster (flags → startLocalCluster), print how
// to connect (or --env lines / one JSON document), and with --foreground stay attached until Ctrl-C.
import {join} from 'node:path'
import {NodePool} from '../admin/pool.js'
import {loadCluster} from '../admin/topology/load.js'
import {runChecks} from '../admin/check/checks.js'
import {renderCheck} from '../ui/format/view.js'
import {renderReplicasSynced} from '../ui/format/create.js'
import {usageError} from '../errors.js'
import {startLocalCluster, type LocalCluster} from '../local/cluster.js'
import type {Persistence} from '../local/state.js'
import {connectHost} from '../local/wait.js'
import {certNamesHost, preflightTls, tlsOptionFromFlags} from '../local/tls.js'
import {envLines, envObject, renderConnect} from '../ui/local.js'
import type {Output} from '../ui/output.js'
import {refFlags} from './local-flags.js'
import {mark, printTimeline} from '../timing.js'

export interface CreateLocalFlags {
  masters: number
  replicas: number
  name: string
  dir?: string
  port?: number
  'port-base'?: number
  server: string
  'node-timeout': number
  bind: string
  'announce-ip'?: string
  'password-env'?: string
  persistence: string
  foreground: boolean
  'single-process'?: boolean
  env: boolean
  timeout: number
  'dry-run': boolean
  tls?: boolean
  cacert?: string
  cert?: string
  key?: string
}

export function localPassword(f: Pick<CreateLocalFlags, 'password-env'>, flagPassword: string | undefined): string | undefined {
  if (f['password-env'] === undefined) return flagPassword
  const v = process.env[f['password-env']]
  if (!v) throw usageError(`--password-env ${f['password-env']}: that environment variable is not set or empty`)
  return v
}

export async function createLocal(out: Output, f: CreateLocalFlags, flagPassword: string | undefined): Promise<{doc: unknown; cluster: LocalCluster}> {
  if (f['dry-run']) throw usageError('--dry-run needs node addresses (a local cluster has nothing to plan against yet)')
  const cpu = process.cpuUsage()
  mark(`create command running (CLI loaded, flags parsed; ${((cpu.user + cpu.system) / 1e6).toFixed(3)} s of CPU)`)
  let logs: {label: string; log: string}[] = []
  const password = localPassword(f, flagPassword)
  // One pool for building the cluster and checking it: the final check needs no new connections.
  const pool = new NodePool({...(password ? {password} : {}), connectTimeoutMs: 3000})
  try {
    return await createLocalCluster(out, f, password, pool, (l) => (logs = l))
  } finally {
    await pool.close()
    mark('create finished')
    printTimeline(logs)
  }
}

async function createLocalCluster(out: Output, f: CreateLocalFlags, password: string | undefined, pool: NodePool, onNodes: (logs: {label: string; log: string}[]) => void): Promise<{doc: unknown; cluster: LocalCluster}> {
  // from the CLI process's start, as the user waits: its own loading is part of the ready time
  const started = Math.min(Date.now(), performance.timeOrigin)
  const isDefault = f.name === 'default' && f.dir === undefined
  const base = f.port ?? f['port-base'] ?? (isDefault ? 7000 : 0)
  const tls = tlsOptionFromFlags(f)
  preflightTls(tls)
  out.info(`Starting a local cluster "${f.name}": ${f.masters} masters, ${f.replicas} replica(s) each, ${f.server === 'embedded' ? (f['single-process'] !== false ? 'embedded redis-ts nodes in one process' : 'embedded redis-ts nodes, a process each') : f.server}${tls ? `, TLS only (${tls === true ? 'generated certificates' : 'your certificates'})` : ''}`)
  const cluster = await startLocalCluster({
    pool,
    name: f.name,
    ...(f.dir ? {dir: f.dir} : {}),
    masters: f.masters,
    replicas: f.replicas,
    portBase: base,
    server: f.server,
    nodeTimeoutMs: f['node-timeout'],
    bind: f.bind,
    ...(f['announce-ip'] ? {announceIp: f['announce-ip']} : {}),
    persistence: f.persistence as Persistence,
    ...(password ? {password} : {}),
    ...(tls ? {tls} : {}),
    detached: !f.foreground,
    ...(f['single-process'] !== undefined ? {singleProcess: f['single-process']} : {}),
    timeoutMs: f.timeout * 1000,
    onEvent: (e) => {
      if (e.type === 'ports' && e.busy) out.warn(`Port(s) ${e.busy.join(', ')} (or their bus ports) are in use: using ${e.ports[0]}-${e.ports[e.ports.length - 1]} instead of ${e.requestedBase}-${e.requestedBase! + e.ports.length - 1}`)
      else if (e.type === 'spawned') out.info(`Spawned ${e.nodes} nodes`)
      else if (e.type === 'ready') out.info('All nodes answer; creating the cluster')
      else if (e.type === 'replicas-synced') renderReplicasSynced(out, e)
    },
  })
  onNodes(cluster.nodes.map((n) => ({label: String(n.port), log: join(n.dir, 'node.log')})))
  const host = connectHost(cluster)
  const view = await loadCluster({host, port: cluster.nodes[0].port}, pool, {details: true})
  renderCheck(out, view, runChecks(view), {multipleOwners: false})
  mark('final check done')
  const elapsedMs = Math.round(Date.now() - started)
  out.ok(`Local cluster ready in ${(elapsedMs / 1000).toFixed(2)}s: ${cluster.addresses.join(' ')}`)
  const nodes = cluster.create.nodes.map((n) => {
    const port = Number(n.address.slice(n.address.lastIndexOf(':') + 1))
    return {host, port, address: n.address, role: n.role, id: n.id, slots: n.slots ? [n.slots] : [], ...(n.masterId ? {masterId: n.masterId} : {}), pid: cluster.nodes.find((x) => x.port === port)?.pid}
  })
  out.line(`State: ${cluster.dir}`)
  const tlsFiles = cluster.tls ? {ca: cluster.tls.ca, cert: cluster.tls.cert, key: cluster.tls.key, ...(certNamesHost(cluster.tls.cert, host) ? {} : {checkHost: false})} : undefined
  if (tlsFiles?.checkHost === false) out.warn(`${tlsFiles.cert} does not name ${host}: clients that check host names (ioredis, Node.js) need checkServerIdentity: () => undefined (redis-cli does not check them)`)
  if (!f.foreground) renderConnect(out, nodes, {clusterFlags: refFlags(f), password: password !== undefined, ...(tlsFiles ? {tls: tlsFiles} : {})})
  if (f.env) process.stdout.write(envLines(nodes, tlsFiles).join('\n') + '\n')
  const doc = {local: true, name: cluster.name, dir: cluster.dir, server: cluster.server, bind: cluster.bind, persistence: cluster.persistence, ...(cluster.singleProcess ? {singleProcess: true} : {}), ...(cluster.tls ? {tls: cluster.tls} : {}), addresses: cluster.addresses, nodes, env: envObject(nodes, tlsFiles), elapsedMs}
  return {doc, cluster}
}

/** --foreground: keep the nodes attached; Ctrl-C (SIGINT) or SIGTERM stops them and removes the files. */
export async function waitForeground(out: Output, cluster: Pick<LocalCluster, 'stop'>, what = 'cluster'): Promise<void> {
  out.info(`Running in the foreground: Ctrl-C stops every node and removes the ${what}'s files`)
  await new Promise<void>((resolve) => {
    const done = () => resolve()
    process.once('SIGINT', done)
    process.once('SIGTERM', done)
    // Keep the event loop alive while we wait (the nodes are unref'd children).
    const keep = setInterval(() => {}, 1 << 30)
    process.once('SIGINT', () => clearInterval(keep))
    process.once('SIGTERM', () => clearInterval(keep))
  })
  out.info(`Stopping the local ${what}`)
  await cluster.stop({clean: true})
}

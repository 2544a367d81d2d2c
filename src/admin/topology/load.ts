// Load a ClusterView: CLUSTER NODES from the seed, then every node's own view in parallel.
// Unlike redis-cli we keep unreachable and failed nodes in the view (flagged), so checks can report them.
import type {Redis} from 'ioredis'
import {formatAddress, type NodeAddress} from '../address.js'
import {RedisTsError} from '../../errors.js'
import type {NodePool} from '../pool.js'
import {countSlots, parseClusterNodes, parseInfo} from './parse.js'
import {attachReplicaLag, parseReplication} from './replication.js'
import type {ClusterNode, ClusterView, NodeEntry} from './types.js'

export interface LoadOptions {
  /** Also read INFO (keyspace, memory, replication) of every node (check, info): same pipeline, no extra round trip. */
  details?: boolean
}

export interface Probe {
  view: NodeEntry[]
  clusterInfo: Record<string, string>
  info?: Record<string, string>
}

async function probe(client: Redis, details: boolean): Promise<Probe> {
  const pipe = client.pipeline()
  pipe.call('CLUSTER', 'NODES')
  pipe.call('CLUSTER', 'INFO')
  if (details) pipe.call('INFO')
  const res = (await pipe.exec()) ?? []
  for (const [err] of res) if (err) throw err
  return {
    view: parseClusterNodes(String(res[0][1])),
    clusterInfo: parseInfo(String(res[1][1])),
    info: details ? parseInfo(String(res[2][1])) : undefined,
  }
}

export function keysFromInfo(info: Record<string, string> | undefined): number | undefined {
  if (!info) return undefined
  const db0 = info.db0
  if (!db0) return 0
  const m = /keys=(\d+)/.exec(db0)
  return m ? Number(m[1]) : 0
}

const BAD_FLAGS = new Set(['fail', 'fail?', 'handshake', 'noaddr'])

export function buildNode(entry: NodeEntry, seen: NodeEntry | undefined, addr: NodeAddress, p: Probe | undefined, error?: string): ClusterNode {
  // A reachable node's own line is authoritative for its slots and open slots (only `myself` shows them).
  const own = p?.view.find((e) => e.myself) ?? entry
  const replication = parseReplication(p?.info)
  const flags = [...new Set([...own.flags.filter((f) => f !== 'myself'), ...(seen?.flags ?? []).filter((f) => f !== 'myself')])]
  return {
    id: entry.id,
    address: formatAddress(addr),
    host: addr.host,
    port: addr.port,
    busPort: own.busPort,
    ...(own.hostname ?? entry.hostname ? {hostname: own.hostname ?? entry.hostname} : {}),
    flags,
    role: own.role,
    masterId: own.masterId,
    configEpoch: own.configEpoch,
    linkState: seen?.linkState ?? entry.linkState,
    slots: own.slots,
    slotCount: countSlots(own.slots),
    migrating: own.migrating,
    importing: own.importing,
    failed: (seen?.flags ?? entry.flags).some((f) => BAD_FLAGS.has(f)),
    reachable: p !== undefined,
    ...(error ? {error} : {}),
    ...(p ? {view: p.view, clusterInfo: p.clusterInfo} : {}),
    ...(p?.info
      ? {
          keys: keysFromInfo(p.info),
          usedMemory: Number(p.info.used_memory ?? 0),
          usedMemoryHuman: p.info.used_memory_human,
          redisVersion: p.info.redis_version ?? p.info.valkey_version,
          ...(replication ? {replication} : {}),
        }
      : {}),
  }
}

export async function loadCluster(seed: NodeAddress, pool: NodePool, opts: LoadOptions = {}): Promise<ClusterView> {
  let seedClient: Redis
  try {
    seedClient = await pool.get(seed)
  } catch (err) {
    throw new RedisTsError('unreachable', (err as Error).message)
  }
  let seedProbe: Probe
  try {
    seedProbe = await probe(seedClient, opts.details ?? false)
  } catch (err) {
    const msg = (err as Error).message
    if (/cluster support disabled/i.test(msg)) {
      throw new RedisTsError('invalid-node', `Node ${formatAddress(seed)} is not configured as a cluster node (cluster-enabled no)`)
    }
    if (/NOAUTH|WRONGPASS|NOPERM/i.test(msg)) throw new RedisTsError('unreachable', `Node ${formatAddress(seed)}: ${msg}`)
    throw new RedisTsError('unreachable', `Node ${formatAddress(seed)}: ${msg}`)
  }
  const seedSelf = seedProbe.view.find((e) => e.myself)
  if (!seedSelf) throw new RedisTsError('internal', `Node ${formatAddress(seed)} returned CLUSTER NODES without a myself line`)

  const nodes = await Promise.all(
    seedProbe.view.map(async (entry): Promise<ClusterNode> => {
      if (entry.myself) return buildNode(entry, entry, seed, seedProbe)
      const addr: NodeAddress = {host: entry.host, port: entry.port}
      if (!entry.host || entry.flags.includes('noaddr') || entry.flags.includes('handshake')) {
        return buildNode(entry, entry, addr, undefined, 'no address known')
      }
      try {
        const client = await pool.get(addr)
        return buildNode(entry, entry, addr, await probe(client, opts.details ?? false))
      } catch (err) {
        return buildNode(entry, entry, addr, undefined, (err as Error).message)
      }
    }),
  )
  attachReplicaLag(nodes)
  // Stable order: masters by first slot, then their replicas, then the rest.
  return {seed: formatAddress(seed), seedId: seedSelf.id, nodes: sortNodes(nodes), loadedAt: Date.now()}
}

export function sortNodes(nodes: ClusterNode[]): ClusterNode[] {
  const firstSlot = (n: ClusterNode) => (n.slots.length ? n.slots[0][0] : 1e9)
  const ms = nodes.filter((n) => n.role === 'master').sort((a, b) => firstSlot(a) - firstSlot(b) || a.address.localeCompare(b.address))
  const out: ClusterNode[] = []
  for (const m of ms) {
    out.push(m)
    out.push(...nodes.filter((n) => n.role !== 'master' && n.masterId === m.id).sort((a, b) => a.address.localeCompare(b.address)))
  }
  for (const n of nodes) if (!out.includes(n)) out.push(n)
  return out
}

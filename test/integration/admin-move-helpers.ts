// Shared by the mover / reshard / rebalance / import tests and bench/reshard.ts: build a real
// redis-server cluster quickly with the library's create path, load keys pipelined per master.
import calculateSlot from 'cluster-key-slot'
import {Redis} from 'ioredis'
import {NodePool, applyCreate, loadCluster, planCreate, validateCreateNodes} from '../../src/index.js'
import type {ClusterView} from '../../src/admin/topology/types.js'
import type {RedisNodes, TestNode} from '../helpers/redis-server.js'

export async function makeCluster(rn: RedisNodes, masters = 3, opts: {nodeTimeout?: number; replicas?: number; extra?: string[]} = {}): Promise<TestNode[]> {
  const replicas = opts.replicas ?? 0
  const nodes = await rn.start(masters * (replicas + 1), {nodeTimeout: opts.nodeTimeout ?? 1000, extra: opts.extra})
  const pool = new NodePool({})
  try {
    const valid = await validateCreateNodes(nodes.map((n) => ({host: n.host, port: n.port})), pool)
    const plan = planCreate(valid.map((n) => ({address: n.address, host: n.host, port: n.port})), replicas)
    await applyCreate(plan, valid, pool, {timeoutMs: 30000})
  } finally {
    await pool.close()
  }
  return nodes
}

export async function viewOf(node: TestNode): Promise<ClusterView> {
  const pool = new NodePool({})
  try {
    return await loadCluster({host: node.host, port: node.port}, pool)
  } finally {
    await pool.close()
  }
}

/** slot → owner address from a view */
export function ownerMap(view: ClusterView): Map<number, {host: string; port: number; id: string}> {
  const m = new Map<number, {host: string; port: number; id: string}>()
  for (const n of view.nodes) if (n.role === 'master') for (const [a, b] of n.slots) for (let s = a; s <= b; s++) m.set(s, {host: n.host, port: n.port, id: n.id})
  return m
}

/** SET every key on its owner, one pipeline per master (chunks of 5000). */
export async function loadKeys(view: ClusterView, entries: Iterable<[string, string]>): Promise<number> {
  const owners = ownerMap(view)
  const byOwner = new Map<string, {host: string; port: number; kv: [string, string][]}>()
  let n = 0
  for (const [k, v] of entries) {
    const o = owners.get(calculateSlot(k))!
    const key = `${o.host}:${o.port}`
    if (!byOwner.has(key)) byOwner.set(key, {host: o.host, port: o.port, kv: []})
    byOwner.get(key)!.kv.push([k, v])
    n++
  }
  await Promise.all(
    [...byOwner.values()].map(async ({host, port, kv}) => {
      const c = new Redis({host, port, maxRetriesPerRequest: 0})
      try {
        for (let i = 0; i < kv.length; i += 5000) {
          const p = c.pipeline()
          for (const [k, v] of kv.slice(i, i + 5000)) p.set(k, v)
          const res = await p.exec()
          const bad = res?.find(([e]) => e)
          if (bad) throw bad[0]
        }
      } finally {
        c.disconnect()
      }
    }),
  )
  return n
}

/** Read every key through its current owner (pipelined per owner); returns keys whose value differs. */
export async function verifyKeys(view: ClusterView, entries: Map<string, string>): Promise<string[]> {
  const owners = ownerMap(view)
  const byOwner = new Map<string, {host: string; port: number; keys: string[]}>()
  for (const k of entries.keys()) {
    const o = owners.get(calculateSlot(k))!
    const key = `${o.host}:${o.port}`
    if (!byOwner.has(key)) byOwner.set(key, {host: o.host, port: o.port, keys: []})
    byOwner.get(key)!.keys.push(k)
  }
  const bad: string[] = []
  await Promise.all(
    [...byOwner.values()].map(async ({host, port, keys}) => {
      const c = new Redis({host, port, maxRetriesPerRequest: 0})
      try {
        for (let i = 0; i < keys.length; i += 5000) {
          const part = keys.slice(i, i + 5000)
          const p = c.pipeline()
          for (const k of part) p.get(k)
          const res = (await p.exec()) ?? []
          part.forEach((k, j) => (res[j][0] || res[j][1] !== entries.get(k)) && bad.push(k))
        }
      } finally {
        c.disconnect()
      }
    }),
  )
  return bad
}

export function keyEntries(n: number, prefix = 'key:'): Map<string, string> {
  const m = new Map<string, string>()
  for (let i = 0; i < n; i++) m.set(`${prefix}${i}`, `v${i}`)
  return m
}

/** A hash tag whose keys land in `slot`. */
export function tagForSlot(slot: number): string {
  for (let i = 0; ; i++) if (calculateSlot(`t${i}`) === slot) return `t${i}`
}

export async function waitStable(node: TestNode, timeoutMs = 10000): Promise<ClusterView> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const v = await viewOf(node)
    const sigs = new Set(v.nodes.map((n) => JSON.stringify((n.view ?? []).filter((e) => e.role === 'master').map((e) => [e.id, e.slots]).sort())))
    const ok = v.nodes.every((n) => n.clusterInfo?.cluster_state === 'ok')
    if (sigs.size === 1 && ok) return v
    if (Date.now() > deadline) throw new Error('cluster did not stabilise')
    await new Promise((r) => setTimeout(r, 50))
  }
}

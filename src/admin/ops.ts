// Cluster-wide read/maintenance operations behind check, info, call and set-timeout.
import type {NodePool} from './pool.js'
import {runChecks, type CheckReport} from './check/checks.js'
import {gatherKeyHolders} from './check/gather.js'
import {loadCluster} from './topology/load.js'
import type {ClusterNode, ClusterView} from './topology/types.js'
import {replicaSummaries, type ReplicaSummary} from './topology/replication.js'
import type {NodeAddress} from './address.js'
import {usageError} from '../errors.js'

export async function checkCluster(seed: NodeAddress, pool: NodePool, opts: {multipleOwners?: boolean} = {}): Promise<{view: ClusterView; report: CheckReport}> {
  const view = await loadCluster(seed, pool, {details: true})
  const holders = opts.multipleOwners ? await gatherKeyHolders(view, pool) : undefined
  return {view, report: runChecks(view, holders)}
}

export interface MasterInfo {
  address: string
  id: string
  keys: number | null
  slots: number
  replicas: number
  usedMemory: number | null
  usedMemoryHuman: string | null
  reachable: boolean
}

export interface InfoResult {
  masters: MasterInfo[]
  /** per replica: its master, link status, full sync in progress, seconds since last I/O, offset lag */
  replicas: ReplicaSummary[]
  totals: {keys: number; slots: number; masters: number; replicas: number; usedMemory: number}
  keysPerSlot: number
}

export function summarize(view: ClusterView): InfoResult {
  const masters = view.nodes
    .filter((n) => n.role === 'master')
    .map((m) => ({
      address: m.address,
      id: m.id,
      keys: m.keys ?? null,
      slots: m.slotCount,
      replicas: view.nodes.filter((r) => r.role === 'replica' && r.masterId === m.id).length,
      usedMemory: m.usedMemory ?? null,
      usedMemoryHuman: m.usedMemoryHuman ?? null,
      reachable: m.reachable,
    }))
  const keys = masters.reduce((a, m) => a + (m.keys ?? 0), 0)
  const slots = masters.reduce((a, m) => a + m.slots, 0)
  return {
    masters,
    replicas: replicaSummaries(view.nodes),
    totals: {keys, slots, masters: masters.length, replicas: view.nodes.length - masters.length, usedMemory: masters.reduce((a, m) => a + (m.usedMemory ?? 0), 0)},
    keysPerSlot: slots ? keys / slots : 0,
  }
}

export async function clusterInfo(seed: NodeAddress, pool: NodePool): Promise<{view: ClusterView; info: InfoResult}> {
  const view = await loadCluster(seed, pool, {details: true})
  return {view, info: summarize(view)}
}

export interface CallResult {
  address: string
  id: string
  role: string
  ok: boolean
  reply?: unknown
  error?: string
}

function selectNodes(view: ClusterView, only?: 'masters' | 'replicas'): ClusterNode[] {
  return view.nodes.filter((n) => (only === 'masters' ? n.role === 'master' : only === 'replicas' ? n.role === 'replica' : true))
}

export async function callAll(seed: NodeAddress, pool: NodePool, argv: string[], only?: 'masters' | 'replicas'): Promise<CallResult[]> {
  if (argv.length === 0) throw usageError('No command given to call')
  const view = await loadCluster(seed, pool)
  return Promise.all(
    selectNodes(view, only).map(async (n): Promise<CallResult> => {
      const base = {address: n.address, id: n.id, role: n.role}
      if (!n.reachable) return {...base, ok: false, error: n.error ?? 'unreachable'}
      try {
        const c = await pool.get({host: n.host, port: n.port})
        const reply = await c.call(argv[0], ...argv.slice(1))
        return {...base, ok: true, reply: normalizeReply(reply)}
      } catch (err) {
        return {...base, ok: false, error: (err as Error).message}
      }
    }),
  )
}

export function normalizeReply(r: unknown): unknown {
  if (Buffer.isBuffer(r)) return r.toString('latin1')
  if (Array.isArray(r)) return r.map(normalizeReply)
  return r
}

export interface SetTimeoutResult {
  address: string
  /** the new value is in effect (CONFIG SET succeeded) */
  ok: boolean
  /** CONFIG REWRITE saved it to the node's config file (false: applied, lost at restart) */
  persisted?: boolean
  error?: string
}

export async function setNodeTimeout(seed: NodeAddress, pool: NodePool, ms: number): Promise<SetTimeoutResult[]> {
  if (!Number.isInteger(ms) || ms < 100) throw usageError('Setting a node timeout of less than 100 milliseconds is a bad idea.')
  const view = await loadCluster(seed, pool)
  return Promise.all(
    view.nodes.map(async (n): Promise<SetTimeoutResult> => {
      if (!n.reachable) return {address: n.address, ok: false, error: n.error ?? 'unreachable'}
      try {
        const c = await pool.get({host: n.host, port: n.port})
        await c.call('CONFIG', 'SET', 'cluster-node-timeout', String(ms))
        try {
          await c.call('CONFIG', 'REWRITE')
        } catch (err) {
          // e.g. a node started without a config file: the value is live, just not saved.
          return {address: n.address, ok: true, persisted: false, error: (err as Error).message}
        }
        return {address: n.address, ok: true, persisted: true}
      } catch (err) {
        return {address: n.address, ok: false, error: (err as Error).message}
      }
    }),
  )
}

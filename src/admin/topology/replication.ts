// Replication state of a node from its INFO (the replication section of the INFO that topology
// loading already reads, so it costs no extra round trip), and the offset lag of each replica
// behind its master (redis server.c genRedisInfoString field names and meanings, 7.0).
import type {ClusterNode, ReplicationState} from './types.js'

function num(v: string | undefined): number | null {
  if (v === undefined || v === '') return null
  const n = Number(v)
  return Number.isFinite(n) ? n : null
}

/**
 * Null when INFO has no replication section. Replica fields stay null when the node does not report
 * them (a runtime without replication shows role:slave and nothing else): callers treat null as
 * "unknown", never as "down".
 */
export function parseReplication(info: Record<string, string> | undefined): ReplicationState | null {
  if (!info || info.role === undefined) return null
  const state: ReplicationState = {role: info.role, offset: num(info.master_repl_offset)}
  if (info.role !== 'slave') return state
  const link = info.master_link_status
  return {
    ...state,
    masterHost: info.master_host ?? null,
    masterPort: num(info.master_port),
    masterLinkStatus: link === 'up' || link === 'down' ? link : null,
    masterLastIoSecondsAgo: num(info.master_last_io_seconds_ago),
    masterSyncInProgress: info.master_sync_in_progress === undefined ? null : info.master_sync_in_progress === '1',
    // Only present while the link is not up (-1: it never was).
    masterLinkDownSinceSeconds: num(info.master_link_down_since_seconds),
    replicaOffset: num(info.slave_repl_offset),
    replicaReadOffset: num(info.slave_read_repl_offset),
    masterOffset: null,
    lagBytes: null,
  }
}

/**
 * Lag of every replica: its master's master_repl_offset minus what the replica processed
 * (slave_repl_offset; slave_read_repl_offset when that is missing). INFO is read from both nodes
 * at slightly different moments, so a replica can look ahead: clamped at 0. Null when unknown.
 */
export function attachReplicaLag(nodes: ClusterNode[]): void {
  const byId = new Map(nodes.map((n) => [n.id, n]))
  for (const n of nodes) {
    const r = n.replication
    if (!r || r.role !== 'slave' || !n.masterId) continue
    const masterOffset = byId.get(n.masterId)?.replication?.offset ?? null
    const mine = r.replicaOffset ?? r.replicaReadOffset ?? null
    r.masterOffset = masterOffset
    // During a full sync the replica still shows its previous master's offsets: no meaningful lag.
    r.lagBytes = masterOffset === null || mine === null || r.masterSyncInProgress ? null : Math.max(0, masterOffset - mine)
  }
}

/** One-line description of a replica's link for messages and tables: "up", "down 12s", "syncing". */
export function linkSummary(r: Pick<ReplicationState, 'masterSyncInProgress' | 'masterLinkStatus' | 'masterLinkDownSinceSeconds'> | undefined | null): string {
  if (!r) return '?'
  if (r.masterSyncInProgress) return 'full sync'
  if (r.masterLinkStatus === null || r.masterLinkStatus === undefined) return '?'
  if (r.masterLinkStatus === 'up') return 'up'
  const since = r.masterLinkDownSinceSeconds
  return since !== null && since !== undefined && since >= 0 ? `down ${since}s` : 'down'
}

/** Per replica, what `info` reports and both `check` and `info` render. */
export interface ReplicaSummary {
  address: string
  id: string
  masterId: string | null
  masterAddress: string | null
  reachable: boolean
  masterLinkStatus: 'up' | 'down' | null
  masterSyncInProgress: boolean | null
  masterLastIoSecondsAgo: number | null
  masterLinkDownSinceSeconds: number | null
  lagBytes: number | null
}

export function replicaSummaries(nodes: ClusterNode[]): ReplicaSummary[] {
  const byId = new Map(nodes.map((n) => [n.id, n]))
  return nodes
    .filter((n) => n.role === 'replica')
    .map((n) => {
      const r = n.replication?.role === 'slave' ? n.replication : undefined
      return {
        address: n.address,
        id: n.id,
        masterId: n.masterId ?? null,
        masterAddress: (n.masterId && byId.get(n.masterId)?.address) ?? null,
        reachable: n.reachable,
        masterLinkStatus: r?.masterLinkStatus ?? null,
        masterSyncInProgress: r?.masterSyncInProgress ?? null,
        masterLastIoSecondsAgo: r?.masterLastIoSecondsAgo ?? null,
        masterLinkDownSinceSeconds: r?.masterLinkDownSinceSeconds ?? null,
        lagBytes: r?.lagBytes ?? null,
      }
    })
}

// The immutable cluster model every check, planner and executor reads.
export type SlotRange = [number, number]

/** One line of some node's CLUSTER NODES. */
export interface NodeEntry {
  id: string
  host: string
  port: number
  busPort: number
  hostname?: string
  aux: Record<string, string>
  flags: string[]
  role: 'master' | 'replica' | 'unknown'
  masterId?: string
  pingSent: number
  pongRecv: number
  configEpoch: number
  linkState: 'connected' | 'disconnected'
  myself: boolean
  slots: SlotRange[]
  /** slot → target node id */
  migrating: Record<number, string>
  /** slot → source node id */
  importing: Record<number, string>
}

/** A node of the cluster, as the cluster (seed + its own view) describes it, plus what we saw connecting to it. */
export interface ClusterNode {
  id: string
  /** address used to reach it (host:port formatted) */
  address: string
  host: string
  port: number
  busPort: number
  hostname?: string
  flags: string[]
  role: 'master' | 'replica' | 'unknown'
  masterId?: string
  configEpoch: number
  linkState: 'connected' | 'disconnected'
  slots: SlotRange[]
  slotCount: number
  migrating: Record<number, string>
  importing: Record<number, string>
  /** flags say fail / pfail / handshake / noaddr in the seed's view */
  failed: boolean
  reachable: boolean
  error?: string
  /** The node's own CLUSTER NODES (when reachable). */
  view?: NodeEntry[]
  /** CLUSTER INFO fields (when reachable). */
  clusterInfo?: Record<string, string>
  keys?: number
  usedMemory?: number
  usedMemoryHuman?: string
  redisVersion?: string
  /** From INFO (replication section) when details were loaded. */
  replication?: ReplicationState
}

/**
 * A node's replication state, Redis INFO names in camelCase. Replica-only fields are present (null
 * when the node does not report them) only when role is 'slave'.
 */
export interface ReplicationState {
  /** INFO role: 'master' or 'slave' */
  role: string
  /** master_repl_offset */
  offset: number | null
  masterHost?: string | null
  masterPort?: number | null
  /** master_link_status */
  masterLinkStatus?: 'up' | 'down' | null
  /** master_last_io_seconds_ago (-1: no link) */
  masterLastIoSecondsAgo?: number | null
  /** master_sync_in_progress: a full sync (RDB transfer) is running */
  masterSyncInProgress?: boolean | null
  /** master_link_down_since_seconds (only while the link is down; -1: never up) */
  masterLinkDownSinceSeconds?: number | null
  /** slave_repl_offset: replication stream bytes processed */
  replicaOffset?: number | null
  /** slave_read_repl_offset: replication stream bytes read */
  replicaReadOffset?: number | null
  /** the master's own master_repl_offset (null when the master was not read) */
  masterOffset?: number | null
  /** masterOffset - replicaOffset, at least 0 */
  lagBytes?: number | null
}

export interface ClusterView {
  seed: string
  seedId: string
  nodes: ClusterNode[]
  loadedAt: number
}

export function nodeById(view: ClusterView, id: string): ClusterNode | undefined {
  return view.nodes.find((n) => n.id === id)
}

export function masters(view: ClusterView): ClusterNode[] {
  return view.nodes.filter((n) => n.role === 'master')
}

export function replicasOf(view: ClusterView, masterId: string): ClusterNode[] {
  return view.nodes.filter((n) => n.role === 'replica' && n.masterId === masterId)
}

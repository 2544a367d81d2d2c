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

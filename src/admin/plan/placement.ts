// Pure replica placement (issue 8): every master that owns slots should keep at least one replica on
// another host than itself, so that losing one machine never loses a shard. `planReplicaPlacement`
// re-points spare replicas (CLUSTER REPLICATE) to masters that lack an off-host replica, where
// possible: a donor master keeps at least one replica, and keeps an off-host one if it had one;
// replicas of masters that will own no slots are taken first. No I/O.
import type {ClusterNode, ClusterView} from '../topology/types.js'

export interface ReplicaMove {
  replicaId: string
  replicaAddress: string
  fromMasterId: string | null
  fromMasterAddress: string | null
  toMasterId: string
  toMasterAddress: string
}

/**
 * `owning`: ids of the masters that own (or, after the planned slot moves, will own) slots; default:
 * the current owners. Nothing is planned when every node is on one host.
 */
export function planReplicaPlacement(view: ClusterView, owning?: Set<string>): ReplicaMove[] {
  if (new Set(view.nodes.map((n) => n.host)).size < 2) return []
  const owners = owning ?? new Set(view.nodes.filter((n) => n.role === 'master' && n.slotCount > 0).map((n) => n.id))
  const byId = new Map(view.nodes.map((n) => [n.id, n] as [string, ClusterNode]))
  const usable = (n: ClusterNode) => n.reachable && !n.failed
  const replicas = view.nodes.filter((n) => n.role === 'replica' && usable(n))
  const masterOf = new Map(replicas.map((r) => [r.id, r.masterId ?? null]))
  const replicasOf = (mid: string) => replicas.filter((r) => masterOf.get(r.id) === mid)
  const offHost = (m: ClusterNode, except?: string) => replicasOf(m.id).some((r) => r.id !== except && r.host !== m.host)
  const needy = view.nodes
    .filter((m) => m.role === 'master' && owners.has(m.id) && usable(m) && !offHost(m))
    .sort((a, b) => a.address.localeCompare(b.address))
  const moves: ReplicaMove[] = []
  for (const m of needy) {
    const donors = replicas
      .filter((r) => r.host !== m.host && masterOf.get(r.id) !== m.id)
      .filter((r) => {
        const d = byId.get(masterOf.get(r.id) ?? '')
        if (!d || !owners.has(d.id)) return true // its master owns no slots (or is unknown): free to move
        if (replicasOf(d.id).length < 2) return false // the donor keeps a replica
        return !offHost(d) || offHost(d, r.id) // and keeps an off-host one if it had one
      })
      .sort((a, b) => {
        const da = byId.get(masterOf.get(a.id) ?? '')
        const db = byId.get(masterOf.get(b.id) ?? '')
        const free = (d: ClusterNode | undefined) => (d && owners.has(d.id) ? 1 : 0)
        const count = (d: ClusterNode | undefined) => (d ? replicasOf(d.id).length : 0)
        return free(da) - free(db) || count(db) - count(da) || a.address.localeCompare(b.address)
      })
    const r = donors[0]
    if (!r) continue
    const from = masterOf.get(r.id) ?? null
    moves.push({
      replicaId: r.id,
      replicaAddress: r.address,
      fromMasterId: from,
      fromMasterAddress: (from && byId.get(from)?.address) ?? null,
      toMasterId: m.id,
      toMasterAddress: m.address,
    })
    masterOf.set(r.id, m.id)
  }
  return moves
}

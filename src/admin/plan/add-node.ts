// Pure helpers behind add-node / del-node: node-id prefix resolution and the choice of a master
// for a new (or re-pointed) replica. No I/O: everything is read from a ClusterView.
import {RedisTsError} from '../../errors.js'
import type {ClusterNode, ClusterView} from '../topology/types.js'

/** Resolve a full id or a unique prefix (case-insensitive) among `candidates`; ambiguous/unknown → usage error. */
export function resolveNodeId(candidates: ClusterNode[], text: string, what = 'node'): ClusterNode {
  const p = text.trim().toLowerCase()
  if (!/^[0-9a-f]{1,40}$/.test(p)) throw new RedisTsError('usage', `Invalid ${what} ID "${text}": expected a node id (40 hex characters) or a unique prefix of one`)
  const exact = candidates.find((n) => n.id === p)
  if (exact) return exact
  const hits = candidates.filter((n) => n.id.startsWith(p))
  if (hits.length === 1) return hits[0]
  if (hits.length === 0) throw new RedisTsError('usage', `No such ${what} ID ${text}`)
  throw new RedisTsError('usage', `Ambiguous ${what} ID prefix "${text}": matches ${hits.map((n) => `${n.id.slice(0, 12)} (${n.address})`).join(', ')}`)
}

/**
 * The master a new replica should follow: healthy masters that own slots first (redis-cli 7.0.15
 * picked a freshly added empty master), then masters without any replica, then a master that has
 * no replica on another host than its own when the new replica is on another host (so each master keeps one off-host replica, issue 8),
 * then fewest replicas, then a master on another host than the replica, then address order so the
 * choice is deterministic.
 */
export function pickMasterForReplica(view: ClusterView, replicaHost: string, exclude: string[] = []): ClusterNode | undefined {
  const reps = (m: ClusterNode) => view.nodes.filter((r) => r.role === 'replica' && r.masterId === m.id && !exclude.includes(r.id))
  const candidates = view.nodes.filter((n) => n.role === 'master' && !n.failed && !exclude.includes(n.id))
  const needsOffHost = (m: ClusterNode) => m.host !== replicaHost && !reps(m).some((r) => r.host !== m.host)
  const key = (m: ClusterNode): number[] => [m.slotCount > 0 ? 0 : 1, reps(m).length === 0 ? 0 : 1, needsOffHost(m) ? 0 : 1, reps(m).length, m.host === replicaHost ? 1 : 0]
  return [...candidates].sort((a, b) => {
    const ka = key(a)
    const kb = key(b)
    for (let i = 0; i < ka.length; i++) if (ka[i] !== kb[i]) return ka[i] - kb[i]
    return a.address.localeCompare(b.address)
  })[0]
}

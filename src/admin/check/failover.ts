// Pure checks about failovers and replica placement (issue 8):
//   failover-in-progress          nodes disagree about who is master of a shard: one node is a
//                                 master (with slots) in some views and a replica in others
//                                 (configEpoch of a promotion not yet everywhere).
//   master-failed-replica-waiting a master with slots is FAIL and a reachable replica of it has not
//                                 taken over (election pending, cluster-replica-no-failover, data
//                                 too old for cluster-replica-validity-factor ...).
//   master-in-minority            a reachable master that other nodes flag as FAIL while its own view
//                                 says it is a healthy master: it is cut off from the majority (its
//                                 clients' writes may be lost when the majority promotes a replica).
//   replicas-same-host            a master and all its replicas share one host while the cluster
//                                 has other hosts: one machine failure loses the shard.
import type {ClusterNode, ClusterView} from '../topology/types.js'
import {linkSummary} from '../topology/replication.js'
import type {Finding} from './checks.js'

const FAIL = (flags: string[]) => flags.includes('fail')

/** For every node id, the addresses of reachable nodes whose view shows it as master with slots / as replica. */
function rolesSeen(view: ClusterView): Map<string, {master: string[]; replica: string[]}> {
  const out = new Map<string, {master: string[]; replica: string[]}>()
  for (const n of view.nodes) {
    for (const e of n.view ?? []) {
      let r = out.get(e.id)
      if (!r) out.set(e.id, (r = {master: [], replica: []}))
      if (e.role === 'master' && e.slots.length > 0) r.master.push(n.address)
      else if (e.role === 'replica') r.replica.push(n.address)
    }
  }
  return out
}

export function checkFailoverInProgress(view: ClusterView): Finding[] {
  const out: Finding[] = []
  const byId = new Map(view.nodes.map((n) => [n.id, n] as [string, ClusterNode]))
  for (const [id, seen] of rolesSeen(view)) {
    if (!seen.master.length || !seen.replica.length) continue
    const n = byId.get(id)
    const addr = n?.address ?? id
    out.push({
      code: 'failover-in-progress',
      severity: 'warning',
      message: `Failover in progress: ${addr} is a master for ${seen.master.join(', ')} but a replica for ${seen.replica.join(', ')} (the new configuration has not reached every node yet).`,
      nodes: [addr],
    })
  }
  return out
}

export function checkFailedMasters(view: ClusterView): Finding[] {
  const out: Finding[] = []
  for (const m of view.nodes) {
    if (m.role !== 'master' || m.slotCount === 0) continue
    const flaggedBy = view.nodes.filter((o) => o.id !== m.id && o.view?.some((e) => e.id === m.id && FAIL(e.flags))).map((o) => o.address)
    const failed = flaggedBy.length > 0 || FAIL(m.flags)
    if (!failed) continue
    if (m.reachable && m.view?.some((e) => e.myself && e.role === 'master' && !FAIL(e.flags)) && flaggedBy.length > 0) {
      out.push({
        code: 'master-in-minority',
        severity: 'error',
        message: `Master ${m.address} (${m.id}) considers itself a healthy master but ${flaggedBy.join(', ')} flag it as failed: it is cut off from the majority; writes it accepts may be lost when a replica takes over.`,
        nodes: [m.address],
      })
    }
    for (const r of view.nodes) {
      if (r.role !== 'replica' || r.masterId !== m.id || !r.reachable || r.failed) continue
      const link = r.replication?.role === 'slave' ? linkSummary(r.replication) : '?'
      out.push({
        code: 'master-failed-replica-waiting',
        severity: 'warning',
        message: `Master ${m.address} is failed and its replica ${r.address} (link ${link}) has not taken over yet (election pending, cluster-replica-no-failover, or data too old for cluster-replica-validity-factor). \`redis-ts failover ${r.address} --force\` promotes it.`,
        nodes: [r.address, m.address],
      })
    }
  }
  return out
}

export function checkReplicaPlacement(view: ClusterView): Finding[] {
  const hosts = new Set(view.nodes.map((n) => n.host))
  if (hosts.size < 2) return []
  const out: Finding[] = []
  for (const m of view.nodes) {
    if (m.role !== 'master' || m.slotCount === 0) continue
    const reps = view.nodes.filter((r) => r.role === 'replica' && r.masterId === m.id)
    if (reps.length === 0 || reps.some((r) => r.host !== m.host)) continue
    out.push({
      code: 'replicas-same-host',
      severity: 'warning',
      message: `Master ${m.address} and all its replicas (${reps.map((r) => r.address).join(', ')}) are on host ${m.host}: losing that host loses the shard. \`redis-ts rebalance\` or \`add-node --replica\` places replicas on other hosts.`,
      nodes: [m.address, ...reps.map((r) => r.address)],
    })
  }
  return out
}

export function failoverChecks(view: ClusterView): Finding[] {
  return [...checkFailoverInProgress(view), ...checkFailedMasters(view), ...checkReplicaPlacement(view)]
}

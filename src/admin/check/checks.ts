// Pure checks over a ClusterView. Each finding has a severity; 'error' and 'warning' make check fail,
// 'info' is reported only. No I/O here: the multiple-owners data is gathered beforehand.
import {pushTo} from '../group.js'
import {formatRangesCompact, slotsToRanges} from '../topology/parse.js'
import {linkSummary} from '../topology/replication.js'
import type {ClusterNode, ClusterView, NodeEntry} from '../topology/types.js'
import {failoverChecks} from './failover.js'

export type Severity = 'error' | 'warning' | 'info'

export type FindingCode =
  | 'config-disagreement'
  | 'open-slot'
  | 'uncovered-slots'
  | 'slots-on-failed-node'
  | 'unreachable-master'
  | 'unreachable-replica'
  | 'failed-node'
  | 'unknown-master'
  | 'master-without-replicas'
  | 'multiple-owners'
  | 'cluster-state-fail'
  | 'replica-link-down'
  | 'replica-syncing'
  | 'failover-in-progress'
  | 'master-failed-replica-waiting'
  | 'master-in-minority'
  | 'replicas-same-host'

/**
 * Replication health and replica placement: reported (exit 3 from check, like every warning) but
 * never a reason to refuse moving slots or adding nodes: a replica catching up, or one on the same
 * host as its master, does not make a reshard unsafe.
 */
export const REPLICATION_CODES: ReadonlySet<FindingCode> = new Set<FindingCode>(['replica-link-down', 'replica-syncing', 'replicas-same-host'])

export interface Finding {
  code: FindingCode
  severity: Severity
  message: string
  nodes?: string[]
  slots?: number[]
}

/** redis-cli's config signature: sorted `id:ranges` for every master that owns slots, open slots excluded. */
export function configSignature(view: NodeEntry[]): string {
  return view
    .filter((e) => e.role === 'master' && e.slots.length > 0)
    .map((e) => `${e.id}:${formatRangesCompact(e.slots)}`)
    .sort()
    .join('|')
}

export function checkAgreement(view: ClusterView): Finding[] {
  const sigs = new Map<string, string[]>()
  for (const n of view.nodes) {
    if (!n.view) continue
    const s = configSignature(n.view)
    sigs.set(s, [...(sigs.get(s) ?? []), n.address])
  }
  if (sigs.size <= 1) return []
  const groups = [...sigs.values()].sort((a, b) => b.length - a.length)
  return [
    {
      code: 'config-disagreement',
      severity: 'error',
      message: `Nodes don't agree about configuration! (${groups.length} different views: ${groups.map((g) => g.join(' ')).join(' | ')})`,
      nodes: groups.slice(1).flat(),
    },
  ]
}

export function checkOpenSlots(view: ClusterView): Finding[] {
  const out: Finding[] = []
  for (const n of view.nodes) {
    const mig = Object.keys(n.migrating).map(Number)
    const imp = Object.keys(n.importing).map(Number)
    // Ranges, not one number per slot: an interrupted reshard can leave hundreds open.
    if (mig.length) out.push({code: 'open-slot', severity: 'warning', message: `Node ${n.address} has slots in migrating state ${formatRangesCompact(slotsToRanges(mig))}.`, nodes: [n.address], slots: mig})
    if (imp.length) out.push({code: 'open-slot', severity: 'warning', message: `Node ${n.address} has slots in importing state ${formatRangesCompact(slotsToRanges(imp))}.`, nodes: [n.address], slots: imp})
  }
  return out
}

export function openSlots(view: ClusterView): number[] {
  const s = new Set<number>()
  for (const n of view.nodes) {
    for (const k of Object.keys(n.migrating)) s.add(Number(k))
    for (const k of Object.keys(n.importing)) s.add(Number(k))
  }
  return [...s].sort((a, b) => a - b)
}

/** Slot → owner ids according to the masters' own claims (seed view for unreachable ones). */
export function slotOwners(view: ClusterView): Map<number, string[]> {
  const owners = new Map<number, string[]>()
  for (const n of view.nodes) {
    if (n.role !== 'master') continue
    for (const [a, b] of n.slots) {
      for (let s = a; s <= b; s++) pushTo(owners, s, n.id)
    }
  }
  return owners
}

export function uncoveredSlots(view: ClusterView): number[] {
  // A bitmap is enough here (and much cheaper than building the owner map for 16384 slots).
  const covered = new Uint8Array(16384)
  for (const n of view.nodes) if (n.role === 'master') for (const [a, b] of n.slots) covered.fill(1, a, b + 1)
  const out: number[] = []
  for (let s = 0; s < 16384; s++) if (!covered[s]) out.push(s)
  return out
}

export function checkCoverage(view: ClusterView): Finding[] {
  const out: Finding[] = []
  const missing = uncoveredSlots(view)
  if (missing.length) {
    out.push({
      code: 'uncovered-slots',
      severity: 'error',
      message: `Not all 16384 slots are covered by nodes. ${missing.length} uncovered: ${formatRangesCompact(slotsToRanges(missing))}`,
      slots: missing,
    })
  }
  for (const n of view.nodes) {
    if (n.role === 'master' && n.slotCount > 0 && (n.failed || !n.reachable)) {
      out.push({
        code: 'slots-on-failed-node',
        severity: 'error',
        message: `${n.slotCount} slots (${formatRangesCompact(n.slots)}) are assigned to ${n.failed ? 'failed' : 'unreachable'} master ${n.address} (${n.id}).`,
        nodes: [n.address],
      })
    }
  }
  return out
}

export function checkReachability(view: ClusterView): Finding[] {
  const out: Finding[] = []
  for (const n of view.nodes) {
    if (n.reachable) {
      if (n.failed) out.push({code: 'failed-node', severity: 'warning', message: `Node ${n.address} (${n.id}) is flagged ${n.flags.filter((f) => f.startsWith('fail') || f === 'handshake' || f === 'noaddr').join(',')} by the cluster.`, nodes: [n.address]})
      continue
    }
    const isMaster = n.role === 'master'
    out.push({
      code: isMaster ? 'unreachable-master' : 'unreachable-replica',
      severity: isMaster ? 'error' : 'warning',
      message: `${isMaster ? 'Master' : 'Replica'} ${n.address} (${n.id}) is unreachable: ${n.error ?? 'unknown error'}`,
      nodes: [n.address],
    })
  }
  return out
}

export function checkReplicas(view: ClusterView): Finding[] {
  const out: Finding[] = []
  const ids = new Set(view.nodes.map((n) => n.id))
  for (const n of view.nodes) {
    if (n.role === 'replica' && n.masterId && !ids.has(n.masterId)) {
      out.push({code: 'unknown-master', severity: 'warning', message: `${n.address} claims to be replica of unknown node ID ${n.masterId}.`, nodes: [n.address]})
    }
  }
  for (const m of view.nodes) {
    if (m.role !== 'master' || m.slotCount === 0) continue
    const healthy = view.nodes.filter((r) => r.role === 'replica' && r.masterId === m.id && !r.failed && r.reachable)
    if (healthy.length === 0) out.push({code: 'master-without-replicas', severity: 'info', message: `Master ${m.address} has no working replica.`, nodes: [m.address]})
  }
  return out
}

/**
 * Replicas whose master link is down or that are in a full sync (INFO replication). Nodes that do not
 * report master_link_status are skipped: unknown is not down. An unreachable replica has its own finding.
 */
export function checkReplication(view: ClusterView): Finding[] {
  const out: Finding[] = []
  const byId = new Map(view.nodes.map((n) => [n.id, n] as [string, ClusterNode]))
  for (const n of view.nodes) {
    const r = n.replication
    if (n.role !== 'replica' || !n.reachable || !r || r.role !== 'slave') continue
    const master = n.masterId ? byId.get(n.masterId) : undefined
    const of = master ? `${master.address}` : r.masterHost ? `${r.masterHost}:${r.masterPort}` : 'its master'
    const lag = r.lagBytes === null || r.lagBytes === undefined ? '' : `, ${r.lagBytes} bytes behind`
    if (r.masterSyncInProgress) {
      out.push({code: 'replica-syncing', severity: 'warning', message: `Replica ${n.address} (${n.id}) is in a full sync from ${of}${lag}.`, nodes: [n.address]})
    } else if (r.masterLinkStatus === 'down') {
      out.push({code: 'replica-link-down', severity: 'warning', message: `Replica ${n.address} (${n.id}) has its link to ${of} ${linkSummary(r)}${lag}.`, nodes: [n.address]})
    }
  }
  return out
}

export function checkClusterState(view: ClusterView): Finding[] {
  const bad = view.nodes.filter((n) => n.clusterInfo && n.clusterInfo.cluster_state !== 'ok')
  if (!bad.length) return []
  return [{code: 'cluster-state-fail', severity: 'error', message: `cluster_state is not ok on ${bad.map((n) => n.address).join(', ')}`, nodes: bad.map((n) => n.address)}]
}

/** keysBySlot: slot → ids of masters holding keys in it (gathered with COUNTKEYSINSLOT). */
export function checkMultipleOwners(view: ClusterView, keysBySlot: Map<number, string[]>): Finding[] {
  const owners = slotOwners(view)
  const out: Finding[] = []
  const byId = new Map(view.nodes.map((n) => [n.id, n] as [string, ClusterNode]))
  const suspects = new Set<number>(keysBySlot.keys())
  for (const [s, ids] of owners) if (ids.length > 1) suspects.add(s)
  for (const s of [...suspects].sort((a, b) => a - b)) {
    const all = new Set([...(owners.get(s) ?? []), ...(keysBySlot.get(s) ?? [])])
    if (all.size > 1) {
      const addrs = [...all].map((id) => byId.get(id)?.address ?? id)
      out.push({code: 'multiple-owners', severity: 'error', message: `Slot ${s} has ${all.size} owners: ${addrs.join(' ')}`, slots: [s], nodes: addrs})
    }
  }
  return out
}

export interface CheckReport {
  findings: Finding[]
  healthy: boolean
}

export function runChecks(view: ClusterView, keysBySlot?: Map<number, string[]>): CheckReport {
  const findings = [
    ...checkReachability(view),
    ...checkReplicas(view),
    ...checkReplication(view),
    ...failoverChecks(view),
    ...checkAgreement(view),
    ...checkOpenSlots(view),
    ...checkCoverage(view),
    ...checkClusterState(view).map((f) => ({...f, severity: 'warning' as const})),
    ...(keysBySlot ? checkMultipleOwners(view, keysBySlot) : []),
  ]
  return {findings, healthy: !findings.some((f) => f.severity !== 'info')}
}

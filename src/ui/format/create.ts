// Rendering and JSON shaping of `create`: the plan (redis-cli's Master[i] lines, anti-affinity, a
// table) and the plan document that --dry-run and --json return.
import type {CreatePlan} from '../../admin/plan/create.js'
import type {Output} from '../output.js'
import {renderTable} from '../table.js'

export function createPlanDoc(plan: CreatePlan, idOf: Map<string, string>): unknown {
  return {masters: plan.masters.map((m) => ({...m, id: idOf.get(m.address)})), replicas: plan.replicas.map((r) => ({...r, id: idOf.get(r.address)})), antiAffinity: plan.antiAffinity}
}

export function renderCreatePlan(out: Output, plan: CreatePlan, idOf: Map<string, string>): void {
  plan.masters.forEach((m, i) => out.line(`Master[${i}] -> Slots ${m.slots[0]} - ${m.slots[1]}`))
  for (const r of plan.replicas) out.line(`Adding replica ${r.address} to ${r.masterAddress}`)
  const aa = plan.antiAffinity
  if (plan.replicas.length) {
    if (aa.perfect) out.ok('Perfect anti-affinity obtained!')
    else if (aa.replicasWithMasterHost) out.warning('Some replicas are in the same host as their master')
    else out.warning('Some replicas of the same master are in the same host')
  }
  out.line(
    renderTable(
      ['role', 'address', 'id', 'slots', 'replicates'],
      [
        ...plan.masters.map((m) => ['master', m.address, idOf.get(m.address)!, `${m.slots[0]}-${m.slots[1]} (${m.slotCount})`, '']),
        ...plan.replicas.map((r) => ['replica', r.address, idOf.get(r.address)!, '', r.masterAddress]),
      ],
      out.color,
    ),
  )
}

export function renderReplicasSynced(out: Output, e: {replicas: number; unreported: string[]}): void {
  const synced = e.replicas - e.unreported.length
  if (synced) out.info(`${synced === e.replicas ? 'All ' : ''}${synced} replica(s) finished their initial sync`)
  if (e.unreported.length) out.warn(`Not waited for: ${e.unreported.join(', ')} do not report master_link_status (INFO replication)`)
}

// Rendering and JSON shaping of `reshard`: the plan document (per source: slots, keys, ranges),
// the plan table, and the result summary (slots/s next to keys/s: slot work dominates small moves).
import type {ReshardPlan} from '../../admin/plan/reshard.js'
import type {MoveResult} from '../../admin/exec/move.js'
import {formatRangesCompact} from '../../admin/topology/parse.js'
import type {Output} from '../output.js'
import {renderTable} from '../table.js'

export interface ReshardPlanDoc {
  targetId: string
  targetAddress: string
  slots: number
  keys: number
  sources: (ReshardPlan['sources'][number] & {keys: number})[]
  skipped?: number[]
}

export function reshardPlanDoc(plan: ReshardPlan & {skipped?: number[]}, counts: Map<number, number>): ReshardPlanDoc {
  const keysOf = (ranges: [number, number][]) => ranges.reduce((a, [x, y]) => {
    for (let s = x; s <= y; s++) a += counts.get(s) ?? 0
    return a
  }, 0)
  return {
    targetId: plan.targetId,
    targetAddress: plan.targetAddress,
    slots: plan.slots,
    keys: [...counts.values()].reduce((a, b) => a + b, 0),
    sources: plan.sources.map((s) => ({...s, keys: keysOf(s.ranges)})),
    ...(plan.skipped?.length ? {skipped: plan.skipped} : {}),
  }
}

export function renderReshardPlan(out: Output, doc: ReshardPlanDoc): void {
  out.line(`Ready to move ${doc.slots} slots (${doc.keys} keys).`)
  out.line(`  Destination node: ${doc.targetAddress} (${doc.targetId})`)
  out.line(renderTable(['source', 'id', 'slots', 'keys', 'ranges'], doc.sources.map((s) => [s.address, s.id.slice(0, 12), s.count, s.keys, formatRangesCompact(s.ranges).slice(0, 80)]), out.color))
  if (doc.skipped?.length) out.warn(`${doc.skipped.length} slot(s) already on the receiving node are skipped.`)
}

export function slotsPerSecond(m: Pick<MoveResult, 'slotsMoved' | 'elapsedMs'>): number {
  return m.elapsedMs > 0 ? Math.round((m.slotsMoved * 1000) / m.elapsedMs) : m.slotsMoved
}

// Pure planner for `rebalance`: redis-cli's algorithm (§3.6) step for step, including its float32
// arithmetic: weights, expected = (int)(16384f/total_weight*w), balance = slots - expected, the
// threshold test, the rounding fix-up (balance <= 0 nodes give up one more), sort by balance, then
// pair the most negative (dst) with the most positive (src), each move taking the source's lowest
// slots. Unlike redis-cli's --simulate, ownership is updated as the plan goes, so a source giving to
// two destinations gives different slots.
import {RedisTsError} from '../../errors.js'
import type {SlotMove} from '../exec/move.js'
import {rangesToSlots, slotsToRanges} from '../topology/parse.js'
import type {ClusterView, SlotRange} from '../topology/types.js'
import {planMasters, resolveNodeId} from './reshard.js'
import {planReplicaPlacement, type ReplicaMove} from './placement.js'

export interface RebalanceRequest {
  /** `id-or-prefix=weight` entries */
  weights?: string[]
  useEmptyMasters?: boolean
  /** percent; default 2 */
  threshold?: number
}

export interface RebalanceNode {
  id: string
  address: string
  weight: number
  slots: number
  expected: number
  /** slots to give (positive) or receive (negative), after the rounding fix-up */
  balance: number
}

export interface RebalanceStep {
  sourceId: string
  sourceAddress: string
  targetId: string
  targetAddress: string
  count: number
  ranges: SlotRange[]
}

export interface RebalancePlan {
  needed: boolean
  threshold: number
  totalWeight: number
  nodes: RebalanceNode[]
  steps: RebalanceStep[]
  moves: SlotMove[]
  /** replicas re-pointed so each master that owns slots afterwards keeps one on another host */
  replicaMoves: ReplicaMove[]
}

/** Replica placement for the masters that own slots once the steps are done. */
function placement(view: ClusterView, steps: RebalanceStep[]): ReplicaMove[] {
  const count = new Map(view.nodes.map((n) => [n.id, n.role === 'master' ? n.slotCount : 0]))
  for (const s of steps) {
    count.set(s.sourceId, (count.get(s.sourceId) ?? 0) - s.count)
    count.set(s.targetId, (count.get(s.targetId) ?? 0) + s.count)
  }
  return planReplicaPlacement(view, new Set([...count].filter(([, c]) => c > 0).map(([id]) => id)))
}

const f32 = Math.fround

export function parseWeights(view: ClusterView, weights: string[] = []): Map<string, number> {
  const ms = planMasters(view)
  const out = new Map<string, number>()
  for (const w of weights) {
    const eq = w.lastIndexOf('=')
    if (eq <= 0) throw new RedisTsError('usage', `*** invalid input ${w} (expected <node-id>=<weight>)`)
    const value = Number(w.slice(eq + 1))
    if (!Number.isFinite(value) || value < 0 || w.slice(eq + 1).trim() === '') throw new RedisTsError('usage', `*** invalid input ${w} (weight must be a number >= 0)`)
    let n
    try {
      n = resolveNodeId(ms, w.slice(0, eq), 'master node')
    } catch (err) {
      if ((err as Error).message.startsWith('Ambiguous')) throw err
      throw new RedisTsError('usage', `*** No such master node ${w.slice(0, eq)}`)
    }
    out.set(n.id, value)
  }
  return out
}

export function planRebalance(view: ClusterView, req: RebalanceRequest = {}): RebalancePlan {
  const threshold = req.threshold ?? 2
  const weights = parseWeights(view, req.weights)
  const ms = planMasters(view)
  // Empty masters take part only with --use-empty-masters (redis-cli forces their weight to 0 and skips them).
  const involved = ms.filter((n) => req.useEmptyMasters || n.slotCount > 0)
  let total = f32(0)
  for (const n of involved) total = f32(total + f32(weights.get(n.id) ?? 1))
  const nodes: RebalanceNode[] = []
  let reached = false
  let totalBalance = 0
  for (const n of involved) {
    const w = f32(weights.get(n.id) ?? 1)
    const expected = total > 0 ? Math.trunc(f32(f32(f32(16384) / total) * w)) : 0
    const balance = n.slotCount - expected
    totalBalance += balance
    if (threshold > 0) {
      if (n.slotCount > 0) {
        if (Math.abs(100 - (100 * expected) / n.slotCount) > threshold) reached = true
      } else if (expected > 1) reached = true
    }
    nodes.push({id: n.id, address: n.address, weight: w, slots: n.slotCount, expected, balance})
  }
  const base = {threshold, totalWeight: total, nodes}
  if (!reached || involved.length < 2) return {...base, needed: false, steps: [], moves: [], replicaMoves: placement(view, [])}
  if (total <= 0) throw new RedisTsError('usage', 'Total weight is 0: at least one master needs a weight above 0')
  // Rounding: nodes that receive (balance <= 0) take one more until the balances sum to 0.
  while (totalBalance > 0) {
    for (const n of nodes) {
      if (n.balance <= 0 && totalBalance > 0) {
        n.balance--
        totalBalance--
      }
    }
  }
  // Stable sort (redis-cli's qsort is unstable; ties keep the view's order here).
  const sorted = nodes.map((n) => ({...n})).sort((a, b) => a.balance - b.balance)
  const owned = new Map(ms.map((m) => [m.id, rangesToSlots(m.slots)]))
  const steps: RebalanceStep[] = []
  const moves: SlotMove[] = []
  let dstIdx = 0
  let srcIdx = sorted.length - 1
  while (dstIdx < srcIdx) {
    const dst = sorted[dstIdx]
    const src = sorted[srcIdx]
    const count = Math.min(Math.abs(dst.balance), Math.abs(src.balance))
    if (count > 0) {
      const have = owned.get(src.id)!
      const slots = have.slice(0, count)
      owned.set(src.id, have.slice(count))
      owned.set(dst.id, [...owned.get(dst.id)!, ...slots].sort((a, b) => a - b))
      steps.push({sourceId: src.id, sourceAddress: src.address, targetId: dst.id, targetAddress: dst.address, count: slots.length, ranges: slotsToRanges(slots)})
      for (const slot of slots) moves.push({slot, sourceId: src.id, targetId: dst.id})
    }
    dst.balance += count
    src.balance -= count
    if (dst.balance === 0) dstIdx++
    if (src.balance === 0) srcIdx--
  }
  return {...base, needed: true, steps, moves, replicaMoves: placement(view, steps)}
}

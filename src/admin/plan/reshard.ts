// Pure planner for `reshard`: redis-cli's reshard table (§3.4: sources by slot count descending,
// each gives its lowest-numbered slots in proportion to its size) with the total made exactly N
// (redis-cli floors every source but the first, so it can move fewer slots than asked), or an
// explicit slot list taken from whichever master owns each slot. Also node-id prefix resolution.
import {RedisTsError} from '../../errors.js'
import {pushTo} from '../group.js'
import type {SlotMove} from '../exec/move.js'
import {rangesToSlots, slotsToRanges} from '../topology/parse.js'
import type {ClusterNode, ClusterView, SlotRange} from '../topology/types.js'

export interface ReshardSource {
  id: string
  address: string
  slotsBefore: number
  /** slots this source gives */
  count: number
  ranges: SlotRange[]
}

export interface ReshardPlan {
  targetId: string
  targetAddress: string
  slots: number
  sources: ReshardSource[]
  moves: SlotMove[]
}

/** Masters with their slots, as the planner sees them. */
export function planMasters(view: ClusterView): ClusterNode[] {
  return view.nodes.filter((n) => n.role === 'master')
}

/** Resolve a node id or unique prefix (case-insensitive) among `nodes`. */
export function resolveNodeId(nodes: ClusterNode[], text: string, what = 'node'): ClusterNode {
  const t = text.trim().toLowerCase()
  if (!t) throw new RedisTsError('usage', `Empty ${what} id`)
  const exact = nodes.find((n) => n.id === t)
  if (exact) return exact
  const hits = nodes.filter((n) => n.id.startsWith(t))
  if (hits.length === 1) return hits[0]
  if (hits.length > 1) throw new RedisTsError('usage', `Ambiguous ${what} id prefix "${text}": matches ${hits.map((n) => `${n.id.slice(0, 12)} (${n.address})`).join(', ')}`)
  throw new RedisTsError('usage', `The specified ${what} (${text}) is not known or not a master`)
}

/** Split `total` slots over sources proportionally to their sizes; exact total (largest remainder), capped by what each owns. */
export function apportion(sizes: number[], total: number): number[] {
  const sum = sizes.reduce((a, b) => a + b, 0)
  if (total > sum) throw new RedisTsError('usage', `Cannot move ${total} slots: the source nodes own only ${sum}`)
  const exact = sizes.map((s) => (sum ? (total * s) / sum : 0))
  const out = exact.map((x) => Math.floor(x))
  let left = total - out.reduce((a, b) => a + b, 0)
  // Ties go to the larger (earlier, as sorted by the caller) source, like redis-cli's ceil on the first one.
  const order = exact.map((x, i) => ({i, frac: x - Math.floor(x)})).sort((a, b) => b.frac - a.frac || a.i - b.i)
  for (const {i} of order) {
    if (left === 0) break
    if (out[i] < sizes[i]) {
      out[i]++
      left--
    }
  }
  for (let i = 0; left > 0 && i < out.length; i++) {
    const add = Math.min(left, sizes[i] - out[i])
    out[i] += add
    left -= add
  }
  return out
}

export interface ReshardRequest {
  target: string
  /** ids/prefixes, or 'all' (every master with slots except the target) */
  from: string[] | 'all'
  slots: number
}

export function planReshard(view: ClusterView, req: ReshardRequest): ReshardPlan {
  const ms = planMasters(view)
  const target = resolveNodeId(ms, req.target, 'receiving node')
  if (!Number.isInteger(req.slots) || req.slots < 1 || req.slots > 16384) throw new RedisTsError('usage', `The number of slots must be between 1 and 16384 (got ${req.slots})`)
  let sources: ClusterNode[]
  if (req.from === 'all') sources = ms.filter((n) => n.id !== target.id && n.slotCount > 0)
  else {
    sources = []
    for (const t of req.from) {
      const n = resolveNodeId(ms, t, 'source node')
      if (n.id === target.id) throw new RedisTsError('usage', `The target node ${target.address} cannot also be a source node`)
      if (!sources.includes(n)) sources.push(n)
    }
  }
  if (!sources.length) throw new RedisTsError('usage', 'No source nodes with slots to take from')
  // redis-cli sorts by slot count, descending; ties by id for a deterministic plan.
  sources = [...sources].sort((a, b) => b.slotCount - a.slotCount || a.id.localeCompare(b.id))
  const counts = apportion(sources.map((s) => s.slotCount), req.slots)
  const planSources: ReshardSource[] = []
  const moves: SlotMove[] = []
  sources.forEach((s, i) => {
    const slots = rangesToSlots(s.slots).slice(0, counts[i])
    if (!slots.length) return
    planSources.push({id: s.id, address: s.address, slotsBefore: s.slotCount, count: slots.length, ranges: slotsToRanges(slots)})
    for (const slot of slots) moves.push({slot, sourceId: s.id, targetId: target.id})
  })
  return {targetId: target.id, targetAddress: target.address, slots: moves.length, sources: planSources, moves}
}

/** Explicit slots (e.g. `--slot-range 0-99,200`): each taken from the master that owns it; slots the target owns are skipped. */
export function planReshardSlots(view: ClusterView, targetText: string, ranges: SlotRange[]): ReshardPlan & {skipped: number[]} {
  const ms = planMasters(view)
  const target = resolveNodeId(ms, targetText, 'receiving node')
  const owner = new Map<number, ClusterNode>()
  for (const m of ms) for (const [a, b] of m.slots) for (let s = a; s <= b; s++) owner.set(s, m)
  const bySource = new Map<string, number[]>()
  const skipped: number[] = []
  const unowned: number[] = []
  for (const slot of rangesToSlots(ranges)) {
    const o = owner.get(slot)
    if (!o) unowned.push(slot)
    else if (o.id === target.id) skipped.push(slot)
    else pushTo(bySource, o.id, slot)
  }
  if (unowned.length) throw new RedisTsError('usage', `Slot(s) ${slotsToRanges(unowned).map(([a, b]) => (a === b ? a : `${a}-${b}`)).join(',')} are not owned by any master (run \`redis-ts fix\`)`)
  const sources: ReshardSource[] = []
  const moves: SlotMove[] = []
  for (const m of ms) {
    const slots = bySource.get(m.id)
    if (!slots) continue
    sources.push({id: m.id, address: m.address, slotsBefore: m.slotCount, count: slots.length, ranges: slotsToRanges(slots)})
    for (const slot of slots) moves.push({slot, sourceId: m.id, targetId: target.id})
  }
  return {targetId: target.id, targetAddress: target.address, slots: moves.length, sources, moves, skipped}
}

// Pure repair planner for `fix`: open slots (rolled FORWARD to the intended target, unlike redis-cli
// which rolls interrupted migrations back, reliability.md §4.3), uncovered slots, multiple owners and
// stray keys, and (on request) forgetting long-failed nodes. Input: the loaded view (every node's own
// CLUSTER NODES) plus key counts per slot and master, gathered beforehand. No I/O.
//
// Target rule for a slot (first that applies):
//  1. a pair A MIGRATING->B and B IMPORTING<-A          -> B        (both states set)
//  2. importing nodes (usable masters): the one that is also a migration target, else most keys
//                                                       -> importer (importing only; SETSLOT NODE on the source only)
//  3. A MIGRATING->B with B a usable master             -> B        (migrating only; SETSLOT NODE on the target only)
//  4. otherwise the owner: the single usable claimant when no other master holds keys, else the usable
//     claimant/holder with most keys (ties: claimant, higher configEpoch, lower id); open states of a
//     migration whose target is gone are closed (STABLE), keys stay at the owner.
//  5. nobody claims the slot and nobody has keys: spread evenly over masters that own slots,
//     fewest slots first, in contiguous runs.
// Keys of every other usable master are moved to the target; the source clients are routed to (the
// "primary") gets MIGRATING (mover path), other holders are cold-moved with IMPORTING set on them
// first (redis PR #8353).
import {slotsToRanges} from '../topology/parse.js'
import type {ClusterNode, ClusterView, NodeEntry, SlotRange} from '../topology/types.js'

export type SlotProblem = 'open' | 'uncovered' | 'multiple-owners' | 'stray-keys'
export type RepairAction = 'roll-forward' | 'close' | 'assign' | 'merge'

export interface SecondarySource {
  id: string
  keys: number
  /** claims the slot in its own view: gets MIGRATING; otherwise IMPORTING + cold move */
  claims: boolean
  /** its own view has no owner for the slot: SETSLOT NODE target first (MIGRATE needs an owner) */
  needsNode: boolean
}

export interface SlotRepair {
  slot: number
  problem: SlotProblem
  /** human description of what was found */
  state: string
  action: RepairAction
  targetId: string
  /** target's own view has no owner for the slot: ADDSLOTS on it first */
  addSlot: boolean
  /**
   * target's own view has no owner but the primary claims the slot (a target that was importing
   * from a master that then failed over drops the slot, issue 8): SETSLOT NODE <primary> on the
   * target instead of ADDSLOTS, which would clear its importing state and lose to the primary's
   * higher epoch (the target then deletes the keys it received)
   */
  ownerOnTarget?: string
  /** node clients are routed to (MIGRATING -> target), moved with the mover */
  primaryId?: string
  primaryKeys: number
  secondaries: SecondarySource[]
  /** nodes that get SETSLOT STABLE at the end */
  stable: string[]
  reason: string
}

export interface FixPlan {
  repairs: SlotRepair[]
  forget: {id: string; address: string}[]
  /** masters we cannot reach (fix refuses without --force when there are repairs) */
  unreachableMasters: {id: string; address: string}[]
  unfixable: {slot: number; reason: string}[]
}

/** slot -> node id -> keys (only slots that need them; a missing entry means 0) */
export type KeyCounts = Map<number, Map<string, number>>

const usable = (n: ClusterNode) => n.role === 'master' && n.reachable && !n.failed

function inRanges(ranges: SlotRange[], s: number): boolean {
  for (const [a, b] of ranges) if (s >= a && s <= b) return true
  return false
}

/** Owner of slot s in a node's own view (undefined when unknown or unassigned). */
export function viewOwner(node: ClusterNode, s: number): string | undefined {
  const e = node.view?.find((x: NodeEntry) => x.role === 'master' && inRanges(x.slots, s))
  return e?.id
}

/** Slots whose key counts the planner needs: open, uncovered, claimed twice, or with keys on non-owners. */
export function slotsNeedingCounts(view: ClusterView, holders?: Map<number, string[]>): number[] {
  const claims = new Uint8Array(16384)
  for (const n of view.nodes) if (n.role === 'master') for (const [a, b] of n.slots) for (let s = a; s <= b; s++) claims[s]++
  const out = new Set<number>()
  for (let s = 0; s < 16384; s++) if (claims[s] !== 1) out.add(s)
  for (const n of view.nodes) for (const k of [...Object.keys(n.migrating), ...Object.keys(n.importing)]) out.add(Number(k))
  for (const s of holders?.keys() ?? []) out.add(s)
  return [...out].sort((a, b) => a - b)
}

interface SlotFacts {
  s: number
  claimants: ClusterNode[]
  mig: [ClusterNode, string][]
  imp: [ClusterNode, string][]
  keys: (n: ClusterNode) => number
  holders: ClusterNode[]
}

function pickBy(nodes: ClusterNode[], keys: (n: ClusterNode) => number, claimants: ClusterNode[] = []): ClusterNode | undefined {
  return [...nodes].sort(
    (a, b) => keys(b) - keys(a) || Number(claimants.includes(b)) - Number(claimants.includes(a)) || b.configEpoch - a.configEpoch || a.id.localeCompare(b.id),
  )[0]
}

function chooseTarget(f: SlotFacts, byId: Map<string, ClusterNode>): {target?: ClusterNode; fromOpenState: boolean} {
  const ok = (id: string | undefined) => (id ? byId.get(id) : undefined)
  const pairs = f.mig.filter(([a, b]) => ok(b) && usable(ok(b)!) && ok(b)!.importing[f.s] === a.id).map(([, b]) => ok(b)!)
  if (pairs.length) return {target: pickBy(pairs, f.keys), fromOpenState: true}
  const importers = f.imp.map(([n]) => n).filter(usable)
  if (importers.length) {
    const alsoTarget = importers.filter((n) => f.mig.some(([, b]) => b === n.id))
    return {target: pickBy(alsoTarget.length ? alsoTarget : importers, f.keys), fromOpenState: true}
  }
  const migTargets = f.mig.map(([a, b]) => ok(b)).filter((b): b is ClusterNode => b !== undefined && usable(b) && !f.mig.some(([a]) => a.id === b.id))
  if (migTargets.length) return {target: pickBy(migTargets, f.keys), fromOpenState: true}
  const claimants = f.claimants.filter(usable)
  const others = f.holders.filter((h) => !claimants.includes(h))
  if (claimants.length === 1 && others.length === 0) return {target: claimants[0], fromOpenState: false}
  return {target: pickBy([...claimants, ...others], f.keys, claimants), fromOpenState: false}
}

function describe(f: SlotFacts, byId: Map<string, ClusterNode>): string {
  const a = (id: string) => byId.get(id)?.address ?? id.slice(0, 8)
  const parts: string[] = []
  for (const [n, t] of f.mig) parts.push(`${n.address} migrating to ${a(t)}`)
  for (const [n, src] of f.imp) parts.push(`${n.address} importing from ${a(src)}`)
  parts.push(f.claimants.length ? `owned by ${f.claimants.map((n) => n.address).join(' and ')}` : 'owned by nobody')
  const withKeys = f.holders.map((n) => `${n.address}=${f.keys(n)}`)
  if (withKeys.length) parts.push(`keys on ${withKeys.join(', ')}`)
  return parts.join('; ')
}

function planSlot(f: SlotFacts, byId: Map<string, ClusterNode>, masters: ClusterNode[]): SlotRepair | {unfixable: string} | undefined {
  const open = f.mig.length > 0 || f.imp.length > 0
  const problem: SlotProblem = open ? 'open' : f.claimants.length === 0 ? 'uncovered' : f.claimants.length > 1 ? 'multiple-owners' : 'stray-keys'
  const {target: T, fromOpenState} = chooseTarget(f, byId)
  if (!T) {
    if (f.claimants.length === 0 && !open) return undefined // spread later
    return {unfixable: `no reachable master can own slot ${f.s} (${describe(f, byId)})`}
  }
  const claims = (n: ClusterNode) => f.claimants.includes(n)
  // Primary: the node the target imports from, or migrating to the target, or the single other claimant.
  const cands = [T.importing[f.s], f.mig.find(([, b]) => b === T.id)?.[0].id, ...(f.claimants.filter((c) => c !== T).length === 1 ? [f.claimants.find((c) => c !== T)!.id] : [])]
  let P: ClusterNode | undefined
  for (const id of cands) {
    const n = id ? byId.get(id) : undefined
    if (n && n !== T && usable(n) && (claims(n) || f.keys(n) === 0)) {
      P = n
      break
    }
  }
  const secondaries: SecondarySource[] = f.holders
    .filter((n) => n !== T && n !== P)
    .map((n) => ({id: n.id, keys: f.keys(n), claims: claims(n), needsNode: viewOwner(n, f.s) === undefined}))
  const stable = masters
    .filter((n) => n.reachable && (n.migrating[f.s] !== undefined || (n.importing[f.s] !== undefined && n !== T)))
    .map((n) => n.id)
  for (const s of secondaries) if (!s.claims && !stable.includes(s.id)) stable.push(s.id)
  const moving = (P ? f.keys(P) : 0) + secondaries.reduce((a, s) => a + s.keys, 0)
  const action: RepairAction = fromOpenState ? 'roll-forward' : open ? (moving ? 'merge' : 'close') : problem === 'uncovered' ? 'assign' : 'merge'
  const reason = fromOpenState
    ? `finish the interrupted migration into ${T.address}${moving ? ` (${moving} key(s) to move)` : ''}`
    : action === 'close'
      ? `no reachable migration target: close the slot at its owner ${T.address}`
      : action === 'assign'
        ? `assign to ${T.address}, the node holding most of its keys${moving ? `; move ${moving} key(s) there` : ''}`
        : `keep the slot at ${T.address} (most keys); move ${moving} key(s) there`
  return {
    slot: f.s,
    problem,
    state: describe(f, byId),
    action,
    targetId: T.id,
    addSlot: viewOwner(T, f.s) === undefined && !claims(T) && !(P && claims(P)),
    ...(P && claims(P) && viewOwner(T, f.s) === undefined && !claims(T) ? {ownerOnTarget: P.id} : {}),
    ...(P ? {primaryId: P.id} : {}),
    primaryKeys: P ? f.keys(P) : 0,
    secondaries,
    stable,
    reason,
  }
}

/** Give empty uncovered slots to masters, fewest slots first, in contiguous runs (water-filling). */
export function spreadSlots(slots: number[], masters: ClusterNode[], extra: Map<string, number>): Map<string, number[]> {
  const pool = masters.some((m) => m.slotCount > 0) ? masters.filter((m) => m.slotCount > 0) : masters
  const count = new Map(pool.map((m) => [m.id, m.slotCount + (extra.get(m.id) ?? 0)]))
  const quota = new Map(pool.map((m) => [m.id, 0]))
  for (let i = 0; i < slots.length; i++) {
    const m = [...pool].sort((a, b) => count.get(a.id)! - count.get(b.id)! || a.address.localeCompare(b.address))[0]
    count.set(m.id, count.get(m.id)! + 1)
    quota.set(m.id, quota.get(m.id)! + 1)
  }
  const out = new Map<string, number[]>()
  let i = 0
  for (const m of [...pool].sort((a, b) => a.address.localeCompare(b.address))) {
    const q = quota.get(m.id)!
    if (q) out.set(m.id, slots.slice(i, i + q))
    i += q
  }
  return out
}

export function planFix(view: ClusterView, counts: KeyCounts, opts: {holders?: Map<number, string[]>; forgetFailed?: boolean} = {}): FixPlan {
  const byId = new Map(view.nodes.map((n) => [n.id, n]))
  const masters = view.nodes.filter((n) => n.role === 'master')
  const repairs: SlotRepair[] = []
  const unfixable: FixPlan['unfixable'] = []
  const empty: number[] = []
  for (const s of slotsNeedingCounts(view, opts.holders)) {
    const c = counts.get(s)
    const keys = (n: ClusterNode) => c?.get(n.id) ?? 0
    const f: SlotFacts = {
      s,
      claimants: masters.filter((n) => inRanges(n.slots, s)),
      mig: view.nodes.filter((n) => n.migrating[s] !== undefined).map((n) => [n, n.migrating[s]] as [ClusterNode, string]),
      imp: view.nodes.filter((n) => n.importing[s] !== undefined).map((n) => [n, n.importing[s]] as [ClusterNode, string]),
      keys,
      holders: masters.filter((n) => usable(n) && keys(n) > 0),
    }
    const open = f.mig.length + f.imp.length > 0
    // A single claimant, no open state, no keys elsewhere: nothing to do.
    if (!open && f.claimants.length === 1 && f.holders.every((h) => h === f.claimants[0])) continue
    const r = planSlot(f, byId, masters)
    if (r === undefined) empty.push(s)
    else if ('unfixable' in r) unfixable.push({slot: s, reason: r.unfixable})
    else repairs.push(r)
  }
  if (empty.length) {
    const extra = new Map<string, number>()
    for (const r of repairs) if (r.problem === 'uncovered') extra.set(r.targetId, (extra.get(r.targetId) ?? 0) + 1)
    const spread = spreadSlots(empty, masters.filter(usable), extra)
    if (spread.size === 0) for (const s of empty) unfixable.push({slot: s, reason: 'uncovered and no reachable master to assign it to'})
    for (const [id, slots] of spread) {
      const T = byId.get(id)!
      for (const s of slots) {
        repairs.push({slot: s, problem: 'uncovered', state: 'owned by nobody; no keys', action: 'assign', targetId: id, addSlot: viewOwner(T, s) === undefined, primaryKeys: 0, secondaries: [], stable: [], reason: `assign to ${T.address} (fewest slots)`})
      }
    }
    repairs.sort((a, b) => a.slot - b.slot)
  }
  const forget = opts.forgetFailed ? failedEverywhere(view) : []
  const forgetIds = new Set(forget.map((f) => f.id))
  const unreachableMasters = masters.filter((n) => !n.reachable && !forgetIds.has(n.id) && !(n.failed && n.slotCount === 0)).map((n) => ({id: n.id, address: n.address}))
  return {repairs, forget, unreachableMasters, unfixable}
}

/** Slotless nodes that every reachable node flags `fail` (or no longer knows). */
export function failedEverywhere(view: ClusterView): {id: string; address: string}[] {
  const reachable = view.nodes.filter((n) => n.reachable && n.view)
  return view.nodes
    .filter((n) => !n.reachable && n.slotCount === 0 && n.flags.includes('fail'))
    .filter((n) => reachable.every((r) => r.view!.every((e) => e.id !== n.id || e.flags.includes('fail'))))
    .map((n) => ({id: n.id, address: n.address}))
}

/** One-line summary per repair kind, for the plan header. */
export function summarizePlan(plan: FixPlan): {rollForward: number; close: number; assign: number; merge: number; keys: number; ranges: SlotRange[]} {
  const by = (a: RepairAction) => plan.repairs.filter((r) => r.action === a).length
  const keys = plan.repairs.reduce((a, r) => a + r.primaryKeys + r.secondaries.reduce((x, s) => x + s.keys, 0), 0)
  return {rollForward: by('roll-forward'), close: by('close'), assign: by('assign'), merge: by('merge'), keys, ranges: slotsToRanges(plan.repairs.map((r) => r.slot))}
}

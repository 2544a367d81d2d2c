// Executor for `fix`: gather key counts, plan (plan/fix.ts), then repair in phases:
//  A. coverage: ADDSLOTSRANGE on new owners, SETSLOT NODE on the other masters, BUMPEPOCH, and wait for
//     cluster_state:ok (MIGRATE and RESTORE-ASKING answer CLUSTERDOWN while a node's state is fail);
//  B. simple roll-forwards (one source with MIGRATING): the slot mover, chunked and pipelined;
//  C. the rest slot by slot: extra holders are cold-moved with IMPORTING set on them first (PR #8353);
//  D. SETSLOT STABLE on every node left with an open state, BUMPEPOCH on every new owner;
//  E. CLUSTER FORGET for long-failed nodes; then wait until the nodes agree.
// BUSYKEY is resolved only when the DUMP payloads are equal (no DEBUG); different values stop that
// slot with both copies kept (exit 8) unless --replace.
import type {Redis} from 'ioredis'
import {RedisTsError} from '../../errors.js'
import {pushTo} from '../group.js'
import type {NodePool} from '../pool.js'
import {configSignature} from '../check/checks.js'
import {gatherKeyHolders} from '../check/gather.js'
import {loadCluster} from '../topology/load.js'
import {slotsToRanges} from '../topology/parse.js'
import type {ClusterNode, ClusterView} from '../topology/types.js'
import type {NodeAddress} from '../address.js'
import {planFix, slotsNeedingCounts, type FixPlan, type KeyCounts, type SlotRepair} from '../plan/fix.js'
import {authOf, errText, isBusyKey, migrateArgs, migrateKeysInSlot, moveSlots, openSlot, setSlotNode, type Endpoint, type MoveEvent} from './move.js'
import {snapshot} from './wait.js'

export type FixEvent =
  | {type: 'phase'; name: string}
  | {type: 'slot-fixed'; slot: number; keys: number}
  | {type: 'slot-failed'; slot: number; error: string; conflicts?: string[]}
  | {type: 'move'; event: MoveEvent}
  | {type: 'warning'; message: string}
  | {type: 'waiting'; reason: string}

export interface FixResult {
  fixed: number[]
  failed: {slot: number; error: string; conflicts?: string[]}[]
  keysMoved: number
  forgotten: string[]
  warnings: string[]
  converged: boolean
  elapsedMs: number
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
const ep = (n: ClusterNode): Endpoint => ({id: n.id, host: n.host, port: n.port})

/** Load the cluster, count keys of the slots that need it, and plan. */
export async function prepareFix(seed: NodeAddress, pool: NodePool, opts: {searchMultipleOwners?: boolean; forgetFailed?: boolean} = {}): Promise<{view: ClusterView; plan: FixPlan; counts: KeyCounts}> {
  const view = await loadCluster(seed, pool, {details: true})
  const holders = opts.searchMultipleOwners ? await gatherKeyHolders(view, pool) : undefined
  const slots = slotsNeedingCounts(view, holders)
  const counts: KeyCounts = new Map()
  await Promise.all(
    view.nodes
      .filter((n) => n.role === 'master' && n.reachable)
      .map(async (n) => {
        const c = await pool.get(n)
        const p = c.pipeline()
        for (const s of slots) p.call('CLUSTER', 'COUNTKEYSINSLOT', String(s))
        const res = (await p.exec()) ?? []
        slots.forEach((s, i) => {
          const k = res[i][0] ? 0 : Number(res[i][1])
          if (k > 0) {
            if (!counts.has(s)) counts.set(s, new Map())
            counts.get(s)!.set(n.id, k)
          }
        })
      }),
  )
  return {view, plan: planFix(view, counts, {holders, forgetFailed: opts.forgetFailed}), counts}
}

/** redis-cli refuses to touch slots while masters are unreachable (#3007, #9421); so do we, unless forced. */
export function assertFixAllowed(plan: FixPlan, force: boolean): void {
  const n = plan.unreachableMasters.length
  if (n && plan.repairs.length && !force) {
    throw new RedisTsError(
      'cluster-problems',
      `Fixing open slots with ${n} unreachable master${n > 1 ? 's' : ''} is dangerous: keys on ${plan.unreachableMasters.map((m) => m.address).join(', ')} can neither be seen nor moved, which can lose data.`,
      {hint: 'Bring the masters back (or let failover promote a replica) and retry; or re-run with --force (--fix-with-unreachable-masters) to repair anyway.'},
    )
  }
}

async function pipe(c: Redis, cmds: (string | Buffer)[][]): Promise<(string | undefined)[]> {
  const p = c.pipeline()
  for (const a of cmds) p.call(String(a[0]), ...a.slice(1))
  return ((await p.exec()) ?? []).map(([e]) => (e ? errText(e) : undefined))
}

/** Cold move from a holder that is IMPORTING (not owning) the slot: ASKING on both sides for DUMP. */
async function coldMove(pool: NodePool, S: Endpoint, T: Endpoint, slot: number, replace: boolean): Promise<{keys: number; conflicts: string[]}> {
  const s = await pool.getForMigrate(S)
  const base = {timeoutMs: 60000, replace, copy: false, auth: authOf(pool, {})}
  let moved = 0
  for (;;) {
    const keys = (await s.callBuffer('CLUSTER', 'GETKEYSINSLOT', String(slot), '1000')) as Buffer[]
    if (keys.length === 0) return {keys: moved, conflicts: []}
    try {
      await s.callBuffer('MIGRATE', ...migrateArgs(T, keys, base))
      moved += keys.length
      continue
    } catch (err) {
      if (!isBusyKey(err) || replace) throw err
    }
    const dump = async (n: Endpoint) => {
      const p = (await pool.get(n)).pipeline()
      for (const k of keys) p.call('ASKING').callBuffer('DUMP', k)
      return ((await p.exec()) ?? []).filter((_, i) => i % 2 === 1).map(([e, v]) => (e ? null : (v as Buffer | null)))
    }
    const [sv, tv] = await Promise.all([dump(S), dump(T)])
    const equal = keys.filter((_, i) => sv[i] !== null && (tv[i] === null || Buffer.compare(sv[i]!, tv[i]!) === 0))
    const different = keys.filter((_, i) => sv[i] !== null && tv[i] !== null && Buffer.compare(sv[i]!, tv[i]!) !== 0)
    moved += keys.length - equal.length - different.length
    if (equal.length) {
      await s.callBuffer('MIGRATE', ...migrateArgs(T, equal, {...base, replace: true}))
      moved += equal.length
    }
    if (different.length) return {keys: moved, conflicts: different.map((k) => k.toString())}
  }
}

interface Ctx {
  pool: NodePool
  view: ClusterView
  byId: Map<string, ClusterNode>
  replace: boolean
  result: FixResult
  emit: (e: FixEvent) => void
}

function othersThan(ctx: Ctx, ...ids: (string | undefined)[]): Endpoint[] {
  return ctx.view.nodes.filter((n) => n.role === 'master' && n.reachable && !n.failed && !ids.includes(n.id)).map(ep)
}

/** Phase A: claim unowned slots on their new owners and tell every other master. */
async function phaseCoverage(ctx: Ctx, repairs: SlotRepair[], deadline: number): Promise<void> {
  for (const r of repairs.filter((x) => x.ownerOnTarget)) {
    const T = ctx.byId.get(r.targetId)!
    await (await ctx.pool.get(T)).call('CLUSTER', 'SETSLOT', String(r.slot), 'NODE', r.ownerOnTarget!)
  }
  const byTarget = new Map<string, number[]>()
  for (const r of repairs.filter((r) => r.addSlot)) pushTo(byTarget, r.targetId, r.slot)
  if (!byTarget.size) return
  ctx.emit({type: 'phase', name: `Covering ${[...byTarget.values()].reduce((a, l) => a + l.length, 0)} unowned slot(s)`})
  for (const [id, slots] of byTarget) {
    const T = ctx.byId.get(id)!
    const c = await ctx.pool.get(T)
    const ranges = slotsToRanges(slots)
    const errs = await pipe(c, ranges.map(([a, b]) => ['CLUSTER', 'ADDSLOTSRANGE', String(a), String(b)]))
    if (errs.some((e) => e && /unknown (sub)?command/i.test(e))) await pipe(c, slots.map((s) => ['CLUSTER', 'ADDSLOTS', String(s)]))
    else errs.forEach((e, i) => e && ctx.result.warnings.push(`ADDSLOTSRANGE ${ranges[i].join('-')} on ${T.address}: ${e}`))
    await c.call('CLUSTER', 'BUMPEPOCH')
    await Promise.all(othersThan(ctx, id).map(async (o) => pipe(await ctx.pool.get(o), slots.map((s) => ['CLUSTER', 'SETSLOT', String(s), 'NODE', id]))))
  }
  await waitStateOk(ctx, Math.min(deadline, Date.now() + 10000))
}

async function waitStateOk(ctx: Ctx, until: number): Promise<void> {
  const addrs = ctx.view.nodes.filter((n) => n.role === 'master' && n.reachable).map((n) => ({host: n.host, port: n.port}))
  for (;;) {
    const snaps = await snapshot(ctx.pool, addrs)
    const bad = snaps.find((s) => s.info?.cluster_state !== 'ok')
    if (!bad) return
    if (Date.now() > until) return ctx.emit({type: 'warning', message: `${bad.address} still reports cluster_state:${bad.info?.cluster_state ?? '?'}; continuing`})
    ctx.emit({type: 'waiting', reason: `${bad.address} cluster_state:${bad.info?.cluster_state}`})
    await sleep(25)
  }
}

/** Phase C: one slot with extra holders (or no primary): everything by hand with the mover's primitives. */
async function repairSlot(ctx: Ctx, r: SlotRepair): Promise<boolean> {
  const {pool, byId} = ctx
  const T = byId.get(r.targetId)!
  const P = r.primaryId ? byId.get(r.primaryId) : undefined
  const s = String(r.slot)
  let keys = 0
  const tc = await pool.get(T)
  const movesAny = r.primaryKeys > 0 || r.secondaries.length > 0
  if (P) {
    if (P.slots.some(([a, b]) => r.slot >= a && r.slot <= b)) await openSlot(pool, r.slot, ep(P), ep(T))
    else if (r.primaryKeys === 0) await tc.call('CLUSTER', 'SETSLOT', s, 'IMPORTING', P.id).catch(() => undefined)
  } else if (movesAny && !r.addSlot && !T.slots.some(([a, b]) => r.slot >= a && r.slot <= b) && T.importing[r.slot] === undefined) {
    // The target must accept RESTORE-ASKING: importing from whoever it thinks owns the slot.
    const from = T.view?.find((e) => e.role === 'master' && e.slots.some(([a, b]) => r.slot >= a && r.slot <= b))?.id ?? r.secondaries[0].id
    await tc.call('CLUSTER', 'SETSLOT', s, 'IMPORTING', from)
  }
  if (P && r.primaryKeys > 0) {
    const o = await migrateKeysInSlot(pool, ep(P), ep(T), r.slot, {replace: ctx.replace})
    keys += o.keys
    if (o.conflicts.length) return fail(ctx, r.slot, `${o.conflicts.length} key(s) differ between ${P.address} and ${T.address}`, o.conflicts)
  }
  for (const sec of r.secondaries) {
    const S = byId.get(sec.id)!
    const sc = await pool.get(S)
    let o: {keys: number; conflicts: string[]}
    if (sec.claims) {
      await sc.call('CLUSTER', 'SETSLOT', s, 'MIGRATING', T.id)
      o = await migrateKeysInSlot(pool, ep(S), ep(T), r.slot, {replace: ctx.replace})
    } else {
      // redis PR #8353: a non-owner holder must be IMPORTING, or its MIGRATE is answered with MOVED.
      const m = sc.multi()
      if (sec.needsNode) m.call('CLUSTER', 'SETSLOT', s, 'NODE', T.id)
      m.call('CLUSTER', 'SETSLOT', s, 'IMPORTING', T.id)
      const res = (await m.exec()) ?? []
      const e = res.find(([err]) => err)
      if (e) throw new Error(`SETSLOT on ${S.address}: ${errText(e[0])}`)
      o = await coldMove(pool, ep(S), ep(T), r.slot, ctx.replace)
    }
    keys += o.keys
    if (o.conflicts.length) return fail(ctx, r.slot, `${o.conflicts.length} key(s) differ between ${S.address} and ${T.address}`, o.conflicts)
  }
  const w = await setSlotNode(pool, r.slot, ep(T), P ? ep(P) : undefined, othersThan(ctx, T.id, P?.id))
  ctx.result.warnings.push(...w.warnings)
  ctx.result.keysMoved += keys
  ctx.emit({type: 'slot-fixed', slot: r.slot, keys})
  return true
}

function fail(ctx: Ctx, slot: number, error: string, conflicts?: string[]): false {
  ctx.result.failed.push({slot, error, ...(conflicts ? {conflicts} : {})})
  ctx.emit({type: 'slot-failed', slot, error, ...(conflicts ? {conflicts} : {})})
  return false
}

export async function applyFix(pool: NodePool, view: ClusterView, plan: FixPlan, opts: {replace?: boolean; timeoutMs: number; onEvent?: (e: FixEvent) => void}): Promise<FixResult> {
  const started = Date.now()
  const deadline = started + opts.timeoutMs
  const result: FixResult = {fixed: [], failed: [], keysMoved: 0, forgotten: [], warnings: [], converged: false, elapsedMs: 0}
  const ctx: Ctx = {pool, view, byId: new Map(view.nodes.map((n) => [n.id, n])), replace: opts.replace ?? false, result, emit: opts.onEvent ?? (() => {})}
  await phaseCoverage(ctx, plan.repairs, deadline)

  const simple = plan.repairs.filter((r) => r.primaryId && r.secondaries.length === 0)
  const rest = plan.repairs.filter((r) => !simple.includes(r))
  const ok = new Set<number>()
  if (simple.length) {
    ctx.emit({type: 'phase', name: `Finishing ${simple.length} slot move(s) with the slot mover`})
    const mr = await moveSlots(pool, view, simple.map((r) => ({slot: r.slot, sourceId: r.primaryId!, targetId: r.targetId})), {replace: ctx.replace, onEvent: (event) => ctx.emit({type: 'move', event})})
    result.keysMoved += mr.keysMoved
    result.warnings.push(...mr.warnings)
    for (const d of mr.done) ok.add(d.slot)
    for (const f of mr.failed) fail(ctx, f.slot, f.error, f.conflicts)
  }
  if (rest.length) {
    ctx.emit({type: 'phase', name: `Repairing ${rest.length} slot(s)`})
    let next = 0
    const worker = async () => {
      while (next < rest.length) {
        const r = rest[next++]
        try {
          if (await repairSlot(ctx, r)) ok.add(r.slot)
        } catch (err) {
          fail(ctx, r.slot, errText(err))
        }
      }
    }
    await Promise.all(Array.from({length: Math.min(4, rest.length)}, worker))
  }
  await closeAndBump(ctx, plan.repairs.filter((r) => ok.has(r.slot)))
  result.fixed = [...ok].sort((a, b) => a - b)

  if (plan.forget.length) {
    ctx.emit({type: 'phase', name: `Forgetting ${plan.forget.length} failed node(s)`})
    const live = view.nodes.filter((n) => n.reachable && !plan.forget.some((f) => f.id === n.id))
    for (const f of plan.forget) {
      const errs = await Promise.all(live.map(async (n) => (await pool.get(n)).call('CLUSTER', 'FORGET', f.id).then(() => undefined, (e) => (/Unknown node/i.test(errText(e)) ? undefined : `${n.address}: ${errText(e)}`))))
      errs.filter((e): e is string => e !== undefined).forEach((e) => result.warnings.push(`CLUSTER FORGET ${f.id}: ${e}`))
      result.forgotten.push(f.id)
    }
  }
  result.converged = await waitAgreement(ctx, plan, deadline)
  result.elapsedMs = Date.now() - started
  return result
}

/** Phase D: STABLE where an open state is left, BUMPEPOCH on each new owner (so its claim wins). */
async function closeAndBump(ctx: Ctx, done: SlotRepair[]): Promise<void> {
  const byNode = new Map<string, number[]>()
  for (const r of done) for (const id of r.stable) pushTo(byNode, id, r.slot)
  await Promise.all(
    [...byNode].map(async ([id, slots]) => {
      const errs = await pipe(await ctx.pool.get(ctx.byId.get(id)!), slots.map((s) => ['CLUSTER', 'SETSLOT', String(s), 'STABLE']))
      errs.forEach((e, i) => e && !/only with masters/i.test(e) && ctx.result.warnings.push(`SETSLOT ${slots[i]} STABLE on ${ctx.byId.get(id)!.address}: ${e}`))
    }),
  )
  const targets = [...new Set(done.map((r) => r.targetId))]
  await Promise.all(targets.map(async (id) => (await ctx.pool.get(ctx.byId.get(id)!)).call('CLUSTER', 'BUMPEPOCH').catch(() => undefined)))
}

/** Wait until reachable nodes agree on slots and show no open slot (and ok state when all is covered). */
async function waitAgreement(ctx: Ctx, plan: FixPlan, deadline: number): Promise<boolean> {
  const forgotten = new Set(plan.forget.map((f) => f.id))
  const addrs = ctx.view.nodes.filter((n) => n.reachable && !forgotten.has(n.id)).map((n) => ({host: n.host, port: n.port}))
  const leftOpen = new Set(ctx.result.failed.map((f) => f.slot))
  const needOk = plan.unfixable.length === 0 && plan.unreachableMasters.length === 0
  ctx.emit({type: 'phase', name: 'Waiting for the cluster to agree'})
  for (;;) {
    const snaps = await snapshot(ctx.pool, addrs)
    const sigs = new Set(snaps.map((s) => (s.view ? configSignature(s.view) : `?${s.address}`)))
    // Slots left open on purpose (conflicts, failures) are not waited for.
    const isOpen = (slots: Record<number, string>) => Object.keys(slots).some((k) => !leftOpen.has(Number(k)))
    const open = snaps.find((s) => s.view?.some((e) => e.myself && (isOpen(e.migrating) || isOpen(e.importing))))
    const notOk = needOk ? snaps.find((s) => s.info?.cluster_state !== 'ok') : undefined
    const still = snaps.find((s) => s.view?.some((e) => forgotten.has(e.id)))
    const reason = sigs.size > 1 ? 'nodes disagree about slots' : open ? `${open.address} has open slots` : notOk ? `${notOk.address} cluster_state:${notOk.info?.cluster_state}` : still ? `${still.address} still knows a forgotten node` : undefined
    if (!reason) return true
    if (Date.now() > deadline) {
      ctx.result.warnings.push(`Timed out waiting for convergence: ${reason}`)
      return false
    }
    ctx.emit({type: 'waiting', reason})
    await sleep(50)
  }
}

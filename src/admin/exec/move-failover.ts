// Slot moves that survive a failover (issue 8): when slots fail because their source or target
// stopped being the master of its shard (killed, demoted by a manual failover, replaced by its
// promoted replica), re-read the topology until each affected shard has a serving master again,
// map the old node ids to the masters now serving those shards, and move the slots again from
// there. Redis 7.0 keeps MIGRATING/IMPORTING per node, so a promoted replica has neither: the mover
// re-opens them (IMPORTING on the target, MIGRATING on the new source) and continues; keys already
// migrated stay on the target, the rest were replicated to the promoted node.
import type {NodePool} from '../pool.js'
import {runChecks} from '../check/checks.js'
import {loadCluster} from '../topology/load.js'
import type {ClusterNode, ClusterView} from '../topology/types.js'
import type {MoveOptions, MoveResult, SlotFailure, SlotMove} from './move.js'

export type MoveRunner = (pool: NodePool, view: ClusterView, moves: SlotMove[], opts: MoveOptions) => Promise<MoveResult>

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

const serving = (n: ClusterNode | undefined): n is ClusterNode => n !== undefined && n.role === 'master' && n.reachable && !n.failed

/**
 * The id of the master now serving the shard `id` served in `before`: itself when it still is a
 * usable master, the replica of it that was promoted, or the master it now follows. Null while the
 * shard has no usable master (a failover still under way).
 */
export function currentMaster(before: ClusterView, after: ClusterView, id: string): string | null {
  const byId = new Map(after.nodes.map((n) => [n.id, n] as [string, ClusterNode]))
  const now = byId.get(id)
  if (serving(now) && (now.slotCount > 0 || !before.nodes.some((r) => r.role === 'replica' && r.masterId === id && serving(byId.get(r.id))))) return id
  for (const r of before.nodes) if (r.role === 'replica' && r.masterId === id && serving(byId.get(r.id))) return r.id
  if (now?.role === 'replica' && now.masterId && serving(byId.get(now.masterId))) return now.masterId
  return null
}

function seedOf(view: ClusterView, avoid: Set<string>): {host: string; port: number}[] {
  return view.nodes.filter((n) => n.reachable && !avoid.has(n.id)).map((n) => ({host: n.host, port: n.port}))
}

async function reload(pool: NodePool, view: ClusterView, avoid: Set<string>): Promise<ClusterView | null> {
  for (const seed of seedOf(view, avoid)) {
    try {
      return await loadCluster(seed, pool)
    } catch {
      // that seed died too: try the next one
    }
  }
  return null
}

/**
 * When the source's master changed, a target that was IMPORTING the slot skipped the promoted
 * node's claim for it (clusterUpdateSlotsConfigWith ignores importing slots) and, seeing the old
 * master turn replica, dropped its slots: in the target's view the slot has no owner, and it answers
 * `CLUSTERDOWN Hash slot not served` even to MIGRATE. SETSLOT NODE <new source> on the target puts
 * the owner back (its importing state stays; the mover re-opens it anyway).
 */
async function reassignOnTargets(pool: NodePool, fresh: ClusterView, retry: SlotMove[], result: MoveResult): Promise<void> {
  for (const m of retry) {
    const t = fresh.nodes.find((n) => n.id === m.targetId)
    const owner = t?.view?.find((e) => e.role === 'master' && e.slots.some(([a, b]) => a <= m.slot && m.slot <= b))
    if (!t || owner?.id === m.targetId || owner?.id === m.sourceId) continue
    try {
      await (await pool.get({host: t.host, port: t.port})).call('CLUSTER', 'SETSLOT', String(m.slot), 'NODE', m.sourceId)
    } catch (err) {
      result.warnings.push(`SETSLOT ${m.slot} NODE ${m.sourceId} on ${t.address}: ${(err as Error).message}`)
    }
  }
}

/** Errors a failover (or the cluster reconfiguring around one) produces; anything else is final. */
const TRANSIENT = /CLUSTERDOWN|TRYAGAIN|MOVED|ASK |READONLY|MASTERDOWN|LOADING|not the owner|not served|IOERR|ECONN|Connection is closed|Could not connect|timed? ?out|only with masters|not a master|ERR Target instance replied/i

/** Findings that say the cluster is still reconfiguring: wait before moving again. */
function unsettled(v: ClusterView): boolean {
  const f = runChecks(v).findings.map((x) => x.code)
  // Not cluster-state-fail / config-disagreement: a target importing a slot of a failed-over source
  // stays in that state until reassignOnTargets repairs it.
  return f.some((c) => c === 'failover-in-progress' || c === 'master-failed-replica-waiting')
}

/**
 * Retry the failed slots of `result` that failed the way a failover makes them fail. Waits up to
 * `waitMs` for the affected shards to have a usable master and the cluster to settle, maps the old
 * ids to the masters now serving those shards, and moves those slots again. Merges into `result`.
 */
export async function followFailover(pool: NodePool, view: ClusterView, result: MoveResult, opts: MoveOptions & {waitMs?: number}, run: MoveRunner, depth = 0, sameTries = 0): Promise<void> {
  const candidates = result.failed.filter((f) => !f.conflicts?.length && TRANSIENT.test(f.error))
  if (!candidates.length || depth > 4) return
  const ids = new Set(candidates.flatMap((f) => [f.sourceId, f.targetId]))
  const deadline = Date.now() + (opts.waitMs ?? 30000)
  let fresh: ClusterView | null = null
  let mapped = new Map<string, string | null>()
  // A manual failover switches roles up to a few seconds after the first error: give it time to
  // show (or the cluster to settle) before retrying with the same nodes.
  const patience = Date.now() + 1500
  for (;;) {
    fresh = await reload(pool, view, new Set())
    if (fresh) {
      mapped = new Map([...ids].map((id) => [id, currentMaster(view, fresh!, id)]))
      const changed = [...mapped].some(([id, now]) => now !== null && now !== id)
      const waiting = [...mapped.values()].some((now) => now === null)
      if (!waiting && !unsettled(fresh) && (changed || Date.now() > patience)) break
    }
    if (Date.now() > deadline) break
    await sleep(100)
  }
  if (!fresh) return
  const retry: SlotMove[] = []
  const keep: SlotFailure[] = []
  let changed = 0
  for (const f of result.failed) {
    const src = mapped.get(f.sourceId)
    const tgt = mapped.get(f.targetId)
    const moved = src !== f.sourceId || tgt !== f.targetId
    // Same nodes again: once only (a transient error); new masters: up to the depth limit.
    if (!candidates.includes(f) || !src || !tgt || src === tgt || (!moved && sameTries > 0)) keep.push(f)
    else {
      if (moved) changed++
      retry.push({slot: f.slot, sourceId: src, targetId: tgt})
    }
  }
  if (!retry.length) return
  const msg = `Failover during the move: re-read the topology; moving ${retry.length} slot(s) again${changed ? ' from the masters now serving their shards' : ''}.`
  result.warnings.push(msg)
  opts.onEvent?.({type: 'warning', message: msg})
  await reassignOnTargets(pool, fresh, retry, result)
  const again = await run(pool, fresh, retry, {...opts, counts: undefined})
  result.failed = [...keep, ...again.failed]
  result.done.push(...again.done)
  result.pending.push(...again.pending)
  result.warnings.push(...again.warnings)
  result.slotsMoved += again.slotsMoved
  result.keysMoved += again.keysMoved
  result.interrupted = result.interrupted || again.interrupted
  await followFailover(pool, fresh, result, opts, run, depth + 1, sameTries + (changed ? 0 : 1))
}

// Executor side of `reshard` (and the shared part of `rebalance`): preflight (refuse an unstable
// cluster, point to `fix`), then the mover, then wait for every node to agree and re-check.
import type {NodeAddress} from '../address.js'
import {REPLICATION_CODES, runChecks, type Finding} from '../check/checks.js'
import {RedisTsError} from '../../errors.js'
import type {NodePool} from '../pool.js'
import {planReshard, planReshardSlots, type ReshardPlan, type ReshardRequest} from '../plan/reshard.js'
import {loadCluster} from '../topology/load.js'
import type {ClusterView, SlotRange} from '../topology/types.js'
import {moveSlots, type MoveOptions, type MoveResult, type SlotMove} from './move.js'
import {waitForConvergence} from './wait.js'

/**
 * Findings that make moving slots unsafe (redis-cli refuses on any; a dead replica, or one whose
 * link is down or that is still syncing, does not block us: check reports those as warnings).
 */
export function blockingFindings(view: ClusterView, findings: Finding[]): Finding[] {
  const masterAddrs = new Set(view.nodes.filter((n) => n.role === 'master').map((n) => n.address))
  return findings.filter((f) => {
    if (f.code === 'unreachable-replica' || f.code === 'master-without-replicas' || f.code === 'unknown-master') return false
    if (REPLICATION_CODES.has(f.code)) return false
    if (f.code === 'failed-node') return (f.nodes ?? []).some((a) => masterAddrs.has(a))
    return f.severity !== 'info'
  })
}

/** Load the cluster (with key counts) and refuse to move anything unless it is stable. */
export async function loadStableCluster(seed: NodeAddress, pool: NodePool, what: string): Promise<ClusterView> {
  const view = await loadCluster(seed, pool, {details: true})
  const bad = blockingFindings(view, runChecks(view).findings)
  if (bad.length) {
    throw new RedisTsError('cluster-problems', `Please fix your cluster problems before ${what}: ${bad[0].message}${bad.length > 1 ? ` (and ${bad.length - 1} more)` : ''}`, {
      hint: `Run \`redis-ts check ${view.seed}\` to see them and \`redis-ts fix ${view.seed}\` to repair open slots.`,
      details: {findings: bad},
    })
  }
  return view
}

export type ReshardInput = ReshardRequest | {target: string; slotRanges: SlotRange[]}

export function planReshardFor(view: ClusterView, req: ReshardInput): ReshardPlan & {skipped?: number[]} {
  return 'slotRanges' in req ? planReshardSlots(view, req.target, req.slotRanges) : planReshard(view, req)
}

export interface ApplyMovesResult {
  move: MoveResult
  converged: boolean
  convergedMs?: number
  /** problems still found after the move (empty when healthy) */
  findings: Finding[]
  keysPerSecond: number
}

/** Move, then wait until every node agrees on the new slot map (bounded), then re-check. */
/** The nodes of `view` that answer now (from a fresh load through the first seed that does). */
async function liveNodes(pool: NodePool, view: ClusterView): Promise<ClusterView['nodes']> {
  for (const n of view.nodes.filter((x) => x.reachable)) {
    try {
      const v = await loadCluster({host: n.host, port: n.port}, pool)
      return v.nodes.filter((x) => x.reachable)
    } catch {
      // this one is gone: try the next
    }
  }
  return view.nodes.filter((n) => n.reachable)
}

export async function applyMoves(pool: NodePool, view: ClusterView, moves: SlotMove[], opts: MoveOptions & {convergeTimeoutMs?: number}): Promise<ApplyMovesResult> {
  const move = await moveSlots(pool, view, moves, opts)
  const keysPerSecond = move.elapsedMs > 0 ? Math.round((move.keysMoved * 1000) / move.elapsedMs) : 0
  // A failover during the move may have taken a node down: poll and re-read from the survivors.
  const survivors = move.warnings.some((w) => w.startsWith('Failover during the move')) ? await liveNodes(pool, view) : view.nodes.filter((n) => n.reachable)
  const down = view.nodes.filter((n) => !survivors.some((s) => s.id === n.id)).map((n) => n.id)
  let converged = false
  let convergedMs: number | undefined
  if (move.slotsMoved > 0) {
    try {
      const w = await waitForConvergence(pool, survivors.map((n) => ({host: n.host, port: n.port})), {nodeCount: view.nodes.length, stateOk: true, down}, {timeoutMs: opts.convergeTimeoutMs ?? 20000})
      converged = true
      convergedMs = w.elapsedMs
    } catch (err) {
      if (!(err instanceof RedisTsError && err.kind === 'timeout')) throw err
    }
  } else converged = true
  const after = await loadCluster({host: survivors[0].host, port: survivors[0].port}, pool)
  return {move, converged, ...(convergedMs === undefined ? {} : {convergedMs}), findings: blockingFindings(after, runChecks(after).findings), keysPerSecond}
}

// Executor side of `rebalance`: the same preflight, mover and convergence wait as reshard.
import type {NodeAddress} from '../address.js'
import type {NodePool} from '../pool.js'
import {planRebalance, type RebalancePlan, type RebalanceRequest} from '../plan/rebalance.js'
import type {ClusterView} from '../topology/types.js'
import {applyMoves, loadStableCluster, type ApplyMovesResult} from './reshard.js'
import type {MoveOptions} from './move.js'
import type {ReplicaMove} from '../plan/placement.js'
import {RedisTsError} from '../../errors.js'
import {waitForConvergence} from './wait.js'

export async function prepareRebalance(seed: NodeAddress, pool: NodePool, req: RebalanceRequest): Promise<{view: ClusterView; plan: RebalancePlan}> {
  const view = await loadStableCluster(seed, pool, 'rebalancing')
  return {view, plan: planRebalance(view, req)}
}

export function applyRebalance(pool: NodePool, view: ClusterView, plan: RebalancePlan, opts: MoveOptions & {convergeTimeoutMs?: number}): Promise<ApplyMovesResult> {
  return applyMoves(pool, view, plan.moves, opts)
}

export interface ReplicaMoveResult {
  moved: ReplicaMove[]
  failures: {address: string; error: string}[]
  converged: boolean
}

/** CLUSTER REPLICATE for each planned replica move, then wait until every node sees the new masters. */
export async function applyReplicaMoves(pool: NodePool, view: ClusterView, moves: ReplicaMove[], opts: {timeoutMs?: number} = {}): Promise<ReplicaMoveResult> {
  const moved: ReplicaMove[] = []
  const failures: ReplicaMoveResult['failures'] = []
  for (const m of moves) {
    const n = view.nodes.find((x) => x.id === m.replicaId)
    if (!n) continue
    try {
      await (await pool.get({host: n.host, port: n.port})).call('CLUSTER', 'REPLICATE', m.toMasterId)
      moved.push(m)
    } catch (err) {
      failures.push({address: m.replicaAddress, error: `CLUSTER REPLICATE ${m.toMasterId}: ${(err as Error).message}`})
    }
  }
  if (!moved.length) return {moved, failures, converged: true}
  const reachable = view.nodes.filter((n) => n.reachable)
  try {
    await waitForConvergence(pool, reachable.map((n) => ({host: n.host, port: n.port})), {nodeCount: view.nodes.length, stateOk: true, replicaOf: new Map(moved.map((m) => [m.replicaId, m.toMasterId]))}, {timeoutMs: opts.timeoutMs ?? 20000})
    return {moved, failures, converged: true}
  } catch (err) {
    if (!(err instanceof RedisTsError && err.kind === 'timeout')) throw err
    return {moved, failures, converged: false}
  }
}

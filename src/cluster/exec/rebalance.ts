// Executor side of `rebalance`: the same preflight, mover and convergence wait as reshard.
import type {NodeAddress} from '../address.js'
import type {NodePool} from '../pool.js'
import {planRebalance, type RebalancePlan, type RebalanceRequest} from '../plan/rebalance.js'
import type {ClusterView} from '../topology/types.js'
import {applyMoves, loadStableCluster, type ApplyMovesResult} from './reshard.js'
import type {MoveOptions} from './move.js'

export async function prepareRebalance(seed: NodeAddress, pool: NodePool, req: RebalanceRequest): Promise<{view: ClusterView; plan: RebalancePlan}> {
  const view = await loadStableCluster(seed, pool, 'rebalancing')
  return {view, plan: planRebalance(view, req)}
}

export function applyRebalance(pool: NodePool, view: ClusterView, plan: RebalancePlan, opts: MoveOptions & {convergeTimeoutMs?: number}): Promise<ApplyMovesResult> {
  return applyMoves(pool, view, plan.moves, opts)
}

// The public programmatic API of redis-ts (commands import from here; so can test suites and scripts).
export {parseAddress, formatAddress, type NodeAddress} from './admin/address.js'
export {type ConnectOptions, type TlsOptions, connectNode} from './admin/connection.js'
export {NodePool} from './admin/pool.js'
export {loadCluster} from './admin/topology/load.js'
export * from './admin/topology/parse.js'
export type * from './admin/topology/types.js'
export {runChecks, type Finding, type CheckReport} from './admin/check/checks.js'
export {planCreate, allocateSlots, type CreatePlan, CreatePlanError} from './admin/plan/create.js'
export {validateCreateNodes, applyCreate, type CreateResult} from './admin/exec/create.js'
export {waitForConvergence, waitForReplicaSync} from './admin/exec/wait.js'
export {parseReplication, replicaSummaries, type ReplicaSummary} from './admin/topology/replication.js'
export {checkCluster, clusterInfo, callAll, setNodeTimeout, summarize} from './admin/ops.js'
export {RedisTsError, ExitCode, usageError} from './errors.js'
export {addNode, assertHealthy, type AddNodeResult, type AddNodeEvent} from './admin/exec/add-node.js'
export {resolveNodeId, pickMasterForReplica} from './admin/plan/add-node.js'
export {moveSlots, moveSlot, resumableMoves, countSlotKeys, moveError, openSlot, migrateKeysInSlot, setSlotNode, setSlotsNode, compareKeys, type SlotMove, type MoveEvent, type MoveOptions, type MoveResult, type SlotFailure, type Endpoint, type MigrateOptions, type MigrateOutcome} from './admin/exec/move.js'
export {DEFAULT_MIGRATE_TIMEOUT_MS} from './admin/exec/move-slot.js'
export {loadStableCluster, planReshardFor, applyMoves, type ReshardInput, type ApplyMovesResult} from './admin/exec/reshard.js'
export {prepareRebalance, applyRebalance, applyReplicaMoves, type ReplicaMoveResult} from './admin/exec/rebalance.js'
export {prepareImport, applyImport, importError, type ImportOptions, type ImportResult} from './admin/exec/import.js'
export {delNode, type DelNodeResult, type DelNodeEvent} from './admin/exec/del-node.js'
export {planFix, slotsNeedingCounts, spreadSlots, failedEverywhere, type FixPlan, type SlotRepair, type KeyCounts} from './admin/plan/fix.js'
export {prepareFix, applyFix, assertFixAllowed, type FixResult, type FixEvent} from './admin/exec/fix.js'
export {startLocalCluster, stopLocalCluster, listLocalClusters, type LocalCluster, type LocalClusterOptions, type LocalEvent} from './local/cluster.js'
export {type LocalTlsOption, type LocalTlsFiles} from './local/tls.js'
export {startCluster as startStoppedLocalCluster, destroyCluster as destroyLocalCluster, clusterStatus as localClusterStatus, killNode as killLocalNode, restartNode as restartLocalNode, addLocalNode, type ClusterStatus as LocalClusterStatus, type NodeStatus as LocalNodeStatus} from './local/lifecycle.js'
export {defaultBaseDir as localStateRoot, type LocalClusterState, type Persistence} from './local/state.js'
export {startLocalSentinel, type LocalSentinel, type LocalSentinelOptions} from './local/sentinel-local.js'
export {sentinelStatus as localSentinelStatus, type SentinelSetupStatus as LocalSentinelStatus} from './local/sentinel-status.js'
export type {RunningNode, StartNodeOptions} from './node/index.js'
export {planFailover, findTarget, failoverSeenBy, DEFAULT_MAX_LAG, type FailoverPlan, type FailoverMode, type FailoverOptions} from './admin/plan/failover.js'
export {prepareFailover, applyFailover, type FailoverResult, type FailoverEvent} from './admin/exec/failover.js'

import type {RunningNode, StartNodeOptions} from './node/index.js'
import {runtime} from './runtime.js'
/**
 * Start an embedded node in this process. The runtime (command tables, Lua engine, …) is imported on
 * first call: every CLI command's bundle imports this module, and none but `node` runs a node.
 */
export async function startNode(opts: StartNodeOptions = {}): Promise<RunningNode> {
  return (await runtime()).startNode(opts)
}

// The election and manual-failover fields of clusterState (cluster.h failover_auth_*, mf_*),
// kept apart from state.ts so the state file stays a plain table of the cluster.
import type {ClusterNode} from './node.js'

export const CLUSTER_MF_TIMEOUT = 5000
export const CLUSTER_MF_PAUSE_MULT = 2
export const CLUSTER_SLAVE_MIGRATION_DELAY = 5000
export const CANT_FAILOVER_RELOG_PERIOD = 10_000

export const CantFailover = {NONE: 0, DATA_AGE: 1, WAITING_DELAY: 2, EXPIRED: 3, WAITING_VOTES: 4} as const

export class FailoverState {
  /** when the election may start / started (ms); 0 = never */
  authTime = 0
  authCount = 0
  authSent = false
  authRank = 0
  authEpoch = 0
  cantReason: number = CantFailover.NONE
  lastCantLog = 0
  /** manual failover deadline (ms), 0 = none in progress */
  mfEnd = 0
  mfCanStart = false
  /** master side: the replica that asked (MFSTART) */
  mfSlave: ClusterNode | null = null
  /** replica side: the paused master's offset, -1 until known */
  mfMasterOffset = -1
}

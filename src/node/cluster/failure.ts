// Failure detection (cluster.c: failure reports, markNodeAsFailingIfNeeded,
// clearNodeFailureIfNeeded). PFAIL is a local opinion; FAIL needs reports from a majority of
// slot-owning masters, each report valid for node_timeout × 2.
import {NodeFlag} from './bus/codec.js'
import {FAIL_REPORT_VALIDITY_MULT, FAIL_UNDO_TIME_MULT, Todo, type ClusterState} from './state.js'
import type {ClusterNode} from './node.js'

/** Returns true if this is a new report (not a refresh). */
export function addFailureReport(node: ClusterNode, reporter: ClusterNode, now: number): boolean {
  const r = node.failReports.find((x) => x.reporter === reporter.id)
  if (r) {
    r.time = now
    return false
  }
  node.failReports.push({reporter: reporter.id, time: now})
  return true
}

export function delFailureReport(st: ClusterState, node: ClusterNode, reporter: ClusterNode): boolean {
  cleanupFailureReports(st, node)
  const before = node.failReports.length
  node.failReports = node.failReports.filter((x) => x.reporter !== reporter.id)
  return node.failReports.length !== before
}

export function cleanupFailureReports(st: ClusterState, node: ClusterNode): void {
  const maxAge = st.config.nodeTimeout * FAIL_REPORT_VALIDITY_MULT
  const now = st.now()
  if (node.failReports.some((r) => now - r.time > maxAge)) {
    node.failReports = node.failReports.filter((r) => now - r.time <= maxAge)
  }
}

export function failureReportsCount(st: ClusterState, node: ClusterNode): number {
  cleanupFailureReports(st, node)
  return node.failReports.length
}

/** PFAIL → FAIL once a majority agrees; the deciding node broadcasts FAIL. */
export function markNodeAsFailingIfNeeded(st: ClusterState, node: ClusterNode, broadcastFail: (n: ClusterNode) => void): void {
  const quorum = Math.floor(st.size / 2) + 1
  if (!node.timedOut || node.failed) return
  let failures = failureReportsCount(st, node)
  if (st.myself.isMaster) failures++
  if (failures < quorum) return
  st.log(`Marking node ${node.id} as failing (quorum reached).`)
  node.flags = (node.flags & ~NodeFlag.PFAIL) | NodeFlag.FAIL
  node.failTime = st.now()
  // Replicas broadcast too: they only relay what masters reported.
  broadcastFail(node)
  st.mark(Todo.UPDATE_STATE | Todo.SAVE_CONFIG)
}

/** A FAIL node is reachable again: clear at once unless it is a master still owning slots. */
export function clearNodeFailureIfNeeded(st: ClusterState, node: ClusterNode): void {
  const now = st.now()
  if (node.isReplica || node.numSlots === 0) {
    st.log(`Clear FAIL state for node ${node.id}: ${node.isReplica ? 'replica' : 'master without slots'} is reachable again.`)
    node.flags &= ~NodeFlag.FAIL
    st.mark(Todo.UPDATE_STATE | Todo.SAVE_CONFIG)
  }
  if (node.isMaster && node.numSlots > 0 && now - node.failTime > st.config.nodeTimeout * FAIL_UNDO_TIME_MULT) {
    st.log(`Clear FAIL state for node ${node.id}: is reachable again and nobody is serving its slots after some time.`)
    node.flags &= ~NodeFlag.FAIL
    st.mark(Todo.UPDATE_STATE | Todo.SAVE_CONFIG)
  }
}

// Pure planner behind `failover`: which replica, which master, which CLUSTER FAILOVER variant, and
// whether it is safe. Rules (README "failover"):
//   plain     the safe manual failover (master pauses writes, replica catches up, election): needs
//             a reachable, non-failed master and an in-sync replica (link up, no full sync, lag
//             at most maxLagBytes).
//   --force   for a dead or unreachable master (no sync, still an election). Asked of a healthy
//             master it would lose the writes the replica has not received: confirmation needed.
//   --takeover no election (when no majority of masters can vote). Same confirmation rule.
// No I/O: the ClusterView was loaded with details (INFO replication).
import {RedisTsError} from '../../errors.js'
import {linkSummary} from '../topology/replication.js'
import {countSlots} from '../topology/parse.js'
import type {ClusterNode, ClusterView, NodeEntry} from '../topology/types.js'
import {resolveNodeId} from './add-node.js'

export type FailoverMode = 'default' | 'force' | 'takeover'

export interface FailoverPlan {
  mode: FailoverMode
  /** the CLUSTER FAILOVER argv sent to the replica */
  command: string[]
  replica: {id: string; address: string; host: string; port: number; lagBytes: number | null; link: string}
  master: {id: string; address: string; host: string; port: number; reachable: boolean; failed: boolean; slotCount: number; slots: [number, number][]}
  /** other replicas of the same master (they follow the winner) */
  siblings: string[]
  /** why the operator must confirm (a forced failover of a healthy master), or null */
  confirm: string | null
  /** informational remarks (shown, never blocking) */
  notes: string[]
}

export interface FailoverOptions {
  mode: FailoverMode
  /** plain failover: the most bytes the replica may be behind its master (default 1 MiB) */
  maxLagBytes?: number
}

export const DEFAULT_MAX_LAG = 1024 * 1024

/** The replica named by an address (host:port) or an id / unique id prefix. */
export function findTarget(view: ClusterView, text: string): ClusterNode {
  const t = text.trim()
  const byAddr = view.nodes.find((n) => n.address === t || `${n.host}:${n.port}` === t)
  if (byAddr) return byAddr
  if (/^[0-9a-f]{1,40}$/i.test(t)) return resolveNodeId(view.nodes, t)
  throw new RedisTsError('usage', `No node ${text} in this cluster`)
}

const healthy = (m: ClusterNode) => m.reachable && !m.failed

export function planFailover(view: ClusterView, target: ClusterNode, opts: FailoverOptions): FailoverPlan {
  const maxLag = opts.maxLagBytes ?? DEFAULT_MAX_LAG
  if (target.role === 'master') {
    const reps = view.nodes.filter((n) => n.role === 'replica' && n.masterId === target.id)
    throw new RedisTsError('usage', `Node ${target.address} is a master: name one of its replicas to promote${reps.length ? ` (${reps.map((r) => r.address).join(', ')})` : ' (it has none)'}.`)
  }
  if (target.role !== 'replica' || !target.masterId) throw new RedisTsError('usage', `Node ${target.address} is not a replica (role ${target.role}).`)
  if (!target.reachable) throw new RedisTsError('unreachable', `Replica ${target.address} is unreachable: ${target.error ?? 'no reply'}`)
  const master = view.nodes.find((n) => n.id === target.masterId)
  if (!master) throw new RedisTsError('cluster-problems', `Replica ${target.address} follows unknown node ${target.masterId}: run check.`)
  if (master.slotCount === 0) throw new RedisTsError('cluster-problems', `Master ${master.address} of ${target.address} owns no slots: nothing to fail over.`)
  const r = target.replication?.role === 'slave' ? target.replication : undefined
  const lag = r?.lagBytes ?? null
  const link = linkSummary(r)
  const notes: string[] = []
  let confirm: string | null = null

  if (opts.mode === 'default') {
    if (!healthy(master)) {
      throw new RedisTsError('cluster-problems', `Master ${master.address} is ${master.failed ? 'flagged failed' : 'unreachable'}: a plain failover needs it to pause writes and hand over. Use --force (or --takeover when a majority of masters cannot vote).`)
    }
    if (r?.masterSyncInProgress) throw new RedisTsError('cluster-problems', `Replica ${target.address} is in a full sync from ${master.address}: wait until it finishes.`)
    if (r?.masterLinkStatus === 'down') throw new RedisTsError('cluster-problems', `Replica ${target.address} has its link to ${master.address} ${link}: it is not in sync. Wait for it, or use --force if the master is really gone.`)
    if (lag !== null && lag > maxLag) throw new RedisTsError('cluster-problems', `Replica ${target.address} lags ${master.address} by ${lag} bytes (more than ${maxLag}): wait for it to catch up, or raise --max-lag.`)
    if (!r || r.masterLinkStatus === null || r.masterLinkStatus === undefined) notes.push(`${target.address} does not report its master link: sync not verified (CLUSTER FAILOVER still waits for the replica to reach the master's offset).`)
  } else {
    if (healthy(master)) {
      confirm =
        `Master ${master.address} is reachable and healthy: ${opts.mode === 'force' ? '--force' : '--takeover'} skips the hand-over, so writes ` +
        `${master.address} acknowledged but ${target.address} has not received${lag ? ` (${lag} bytes now)` : ''} are lost. A plain failover loses none.`
    }
    if (r?.masterLinkStatus === 'down') notes.push(`${target.address} has its master link ${link}: it holds the data it had then.`)
    if (r?.masterSyncInProgress) throw new RedisTsError('cluster-problems', `Replica ${target.address} is in a full sync: it has no complete dataset to serve.`)
  }
  return {
    mode: opts.mode,
    command: ['CLUSTER', 'FAILOVER', ...(opts.mode === 'force' ? ['FORCE'] : opts.mode === 'takeover' ? ['TAKEOVER'] : [])],
    replica: {id: target.id, address: target.address, host: target.host, port: target.port, lagBytes: lag, link},
    master: {id: master.id, address: master.address, host: master.host, port: master.port, reachable: master.reachable, failed: master.failed, slotCount: master.slotCount, slots: master.slots},
    siblings: view.nodes.filter((n) => n.role === 'replica' && n.masterId === master.id && n.id !== target.id).map((n) => n.address),
    confirm,
    notes,
  }
}

/** What one node's CLUSTER NODES says about the failover (pure; polled by the executor). */
export function failoverSeenBy(view: NodeEntry[], plan: Pick<FailoverPlan, 'replica' | 'master'>, requireOldMasterReplica: boolean): string | null {
  const rep = view.find((e) => e.id === plan.replica.id)
  if (!rep) return `does not know ${plan.replica.address}`
  if (rep.role !== 'master') return `still sees ${plan.replica.address} as ${rep.role}`
  const owned = countSlots(rep.slots)
  if (owned < plan.master.slotCount) return `sees ${plan.replica.address} with ${owned}/${plan.master.slotCount} slots`
  const old = view.find((e) => e.id === plan.master.id)
  if (old && old.role === 'master' && old.slots.length > 0) return `still sees ${plan.master.address} owning slots`
  if (requireOldMasterReplica && old && !(old.role === 'replica' && old.masterId === plan.replica.id) && !old.flags.some((f) => f === 'fail' || f === 'fail?')) {
    return `does not yet see ${plan.master.address} as replica of ${plan.replica.address}`
  }
  return null
}

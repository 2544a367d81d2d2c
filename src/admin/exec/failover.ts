// Executor for `failover`: load the topology, plan (src/admin/plan/failover.ts), start a write
// probe on one of the master's slots, send CLUSTER FAILOVER [FORCE|TAKEOVER] to the replica, poll
// every reachable node's CLUSTER NODES until all agree the replica is master (and, when the old
// master is reachable, that it follows the replica), then report the longest gap between
// acknowledged probe writes and whether the last acknowledged write survived.
import type {NodeAddress} from '../address.js'
import {RedisTsError} from '../../errors.js'
import type {NodePool} from '../pool.js'
import {findTarget, planFailover, failoverSeenBy, type FailoverOptions, type FailoverPlan} from '../plan/failover.js'
import {loadCluster} from '../topology/load.js'
import type {ClusterView} from '../topology/types.js'
import {snapshot} from './wait.js'
import {probeKey, WriteProbe, type ProbeResult} from './write-probe.js'

export type FailoverEvent =
  | {type: 'probe-started'; key: string; slot: number; address: string}
  | {type: 'sent'; address: string; command: string}
  | {type: 'promoted'; address: string; ms: number}
  | {type: 'waiting'; reason: string}
  | {type: 'agreed'; ms: number; nodes: number}

export interface FailoverResult {
  mode: FailoverPlan['mode']
  replica: {id: string; address: string}
  oldMaster: {id: string; address: string; reachable: boolean}
  /** ms from CLUSTER FAILOVER to the replica reporting itself master */
  promotedMs: number | null
  /** ms from CLUSTER FAILOVER to every reachable node agreeing */
  agreedMs: number
  agreedBy: string[]
  /** nodes that could not be asked (unreachable) */
  unreachable: string[]
  /** the promoted node's configEpoch as it reports it */
  configEpoch: number | null
  /** the write probe (null with probe: false) */
  writePause: ProbeResult | null
  elapsedMs: number
}

export async function prepareFailover(seed: NodeAddress, target: string, pool: NodePool, opts: FailoverOptions): Promise<{view: ClusterView; plan: FailoverPlan}> {
  const view = await loadCluster(seed, pool, {details: true})
  const node = findTarget(view, target)
  return {view, plan: planFailover(view, node, opts)}
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

function failoverError(plan: FailoverPlan, err: Error): RedisTsError {
  const msg = err.message
  if (/Master is down or failed/i.test(msg)) return new RedisTsError('cluster-problems', `${plan.replica.address} refused: ${msg}`, {hint: 'The master is down: use --force.'})
  if (/unreachable|connect|ECONN|closed/i.test(msg)) return new RedisTsError('unreachable', `${plan.replica.address}: ${msg}`)
  return new RedisTsError('cluster-problems', `${plan.replica.address} refused ${plan.command.join(' ')}: ${msg}`)
}

export async function applyFailover(
  view: ClusterView,
  plan: FailoverPlan,
  pool: NodePool,
  opts: {timeoutMs: number; probe?: boolean; probeIntervalMs?: number; onEvent?: (e: FailoverEvent) => void},
): Promise<FailoverResult> {
  const emit = opts.onEvent ?? (() => {})
  const start = Date.now()
  const repAddr = {host: plan.replica.host, port: plan.replica.port}
  const masterAddr = {host: plan.master.host, port: plan.master.port}
  const asked = view.nodes.filter((n) => n.reachable)
  const unreachable = view.nodes.filter((n) => !n.reachable).map((n) => n.address)

  let probe: WriteProbe | undefined
  if (opts.probe !== false) {
    const {key, slot} = probeKey(plan.master.slots)
    probe = new WriteProbe(plan.master.reachable ? [masterAddr, repAddr] : [repAddr, masterAddr], key, slot, pool.options, opts.probeIntervalMs ?? 5)
    probe.start()
    emit({type: 'probe-started', key, slot, address: plan.master.address})
    // A few acknowledged writes before the failover, so the gap measures the failover itself.
    const until = Date.now() + 300
    while (plan.master.reachable && probe.acksSinceMark < 3 && Date.now() < until) await sleep(5)
  }
  const stopProbe = async () => (probe ? probe.stop() : null)

  const sentAt = Date.now()
  try {
    const c = await pool.get(repAddr)
    await c.call(plan.command[0], ...plan.command.slice(1))
  } catch (err) {
    await stopProbe()
    throw failoverError(plan, err as Error)
  }
  emit({type: 'sent', address: plan.replica.address, command: plan.command.join(' ')})

  let promotedMs: number | null = null
  let reason = ''
  let configEpoch: number | null = null
  const requireOldReplica = plan.master.reachable
  for (;;) {
    const snaps = await snapshot(
      pool,
      asked.map((n) => ({host: n.host, port: n.port})),
    )
    const own = snaps.find((s) => s.address === plan.replica.address)?.view?.find((e) => e.myself)
    if (promotedMs === null && own?.role === 'master') {
      promotedMs = Date.now() - sentAt
      emit({type: 'promoted', address: plan.replica.address, ms: promotedMs})
    }
    if (own) configEpoch = own.configEpoch
    const pending: string[] = []
    const agreed: string[] = []
    for (const s of snaps) {
      if (!s.view) {
        // The replica itself must answer; another node going away meanwhile is only reported.
        if (s.address === plan.replica.address) pending.push(`${s.address}: ${s.error ?? 'no reply'}`)
        else if (!unreachable.includes(s.address)) unreachable.push(s.address)
        continue
      }
      const why = failoverSeenBy(s.view, plan, requireOldReplica)
      if (why) pending.push(`${s.address} ${why}`)
      else agreed.push(s.address)
    }
    if (!pending.length) {
      const agreedMs = Date.now() - sentAt
      emit({type: 'agreed', ms: agreedMs, nodes: agreed.length})
      if (probe) {
        // Let the probe land a few writes on the new master before measuring.
        probe.markEpoch()
        const until = Date.now() + 2000
        while (probe.acksSinceMark < 3 && Date.now() < until) await sleep(5)
      }
      const writePause = await stopProbe()
      return {
        mode: plan.mode,
        replica: {id: plan.replica.id, address: plan.replica.address},
        oldMaster: {id: plan.master.id, address: plan.master.address, reachable: plan.master.reachable},
        promotedMs,
        agreedMs,
        agreedBy: agreed,
        unreachable,
        configEpoch,
        writePause,
        elapsedMs: Date.now() - start,
      }
    }
    if (pending.join() !== reason) {
      reason = pending.join('; ')
      emit({type: 'waiting', reason})
    }
    if (Date.now() - sentAt > opts.timeoutMs) {
      const writePause = await stopProbe()
      const hint =
        plan.mode === 'default'
          ? 'A manual failover gives up after 5 s when the replica cannot reach the master offset or no majority of masters votes (see the replica log); --force skips the hand-over.'
          : plan.mode === 'force'
            ? 'A forced failover still needs the votes of a majority of masters; --takeover needs none.'
            : undefined
      throw new RedisTsError('timeout', `Timed out after ${((Date.now() - sentAt) / 1000).toFixed(1)}s waiting for the failover of ${plan.master.address} to ${plan.replica.address}: ${reason}`, {
        hint,
        details: {promotedMs, pending, writePause},
      })
    }
    await sleep(25)
  }
}

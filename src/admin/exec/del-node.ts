// Executor for `del-node`: remove a slotless node from the cluster, also when it is dead.
// redis-cli looks the id up among reachable nodes only, so a dead node cannot be removed (#11018,
// #4065); we look it up in the seed's view. FORGET goes to every other node at once: each FORGET
// blacklists the id for 60 s, so gossip from a node that has not forgotten it yet cannot re-add it.
import {formatAddress, type NodeAddress} from '../address.js'
import {RedisTsError} from '../../errors.js'
import type {NodePool} from '../pool.js'
import {loadCluster} from '../topology/load.js'
import type {ClusterNode, ClusterView} from '../topology/types.js'
import {pickMasterForReplica, resolveNodeId} from '../plan/add-node.js'
import {snapshot} from './wait.js'

export type DelNodeEvent =
  | {type: 'selected'; address: string; id: string; reachable: boolean; role: string}
  | {type: 'replica-moved'; replica: string; master: string}
  | {type: 'forget-sent'; ok: number; failed: number}
  | {type: 'reset'; address: string; ok: boolean; error?: string}
  | {type: 'waiting'; reason: string}

export interface DelNodeResult {
  id: string
  address: string
  reachable: boolean
  replicasMoved: {replica: string; master: string}[]
  forgotBy: string[]
  failures: {address: string; error: string}[]
  reset: boolean
  elapsedMs: number
}

const addrOf = (n: ClusterNode): NodeAddress => ({host: n.host, port: n.port})
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** Re-point every replica of `target` to the master with the fewest replicas (deterministic). */
async function moveReplicas(view: ClusterView, target: ClusterNode, pool: NodePool, emit: (e: DelNodeEvent) => void, failures: DelNodeResult['failures']) {
  const moved: DelNodeResult['replicasMoved'] = []
  // Work on a copy whose masterIds we update, so consecutive picks see the new replica counts.
  const nodes = view.nodes.map((n) => ({...n}))
  const working: ClusterView = {...view, nodes}
  for (const r of nodes.filter((n) => n.role === 'replica' && n.masterId === target.id)) {
    if (!r.reachable) {
      failures.push({address: r.address, error: `replica of the removed node is unreachable and could not be re-pointed`})
      continue
    }
    const master = pickMasterForReplica(working, r.host, [target.id, r.id])
    if (!master) {
      failures.push({address: r.address, error: 'no other master to replicate'})
      continue
    }
    try {
      await (await pool.get(addrOf(r))).call('CLUSTER', 'REPLICATE', master.id)
      r.masterId = master.id
      moved.push({replica: r.address, master: master.address})
      emit({type: 'replica-moved', replica: r.address, master: master.address})
    } catch (err) {
      failures.push({address: r.address, error: `CLUSTER REPLICATE ${master.id}: ${(err as Error).message}`})
    }
  }
  return moved
}

async function forget(pool: NodePool, n: ClusterNode, id: string): Promise<string | undefined> {
  try {
    await (await pool.get(addrOf(n))).call('CLUSTER', 'FORGET', id)
    return undefined
  } catch (err) {
    const msg = (err as Error).message
    return /Unknown node/i.test(msg) ? undefined : msg
  }
}

export async function delNode(seed: NodeAddress, idText: string, pool: NodePool, opts: {timeoutMs: number; onEvent?: (e: DelNodeEvent) => void}): Promise<DelNodeResult> {
  const started = Date.now()
  const emit = opts.onEvent ?? (() => {})
  const view = await loadCluster(seed, pool)
  const target = resolveNodeId(view.nodes, idText, 'node')
  emit({type: 'selected', address: target.address, id: target.id, reachable: target.reachable, role: target.role})
  if (target.slotCount > 0) {
    throw new RedisTsError('usage', `Node ${target.address} is not empty! Reshard data away and try again.`, {
      hint: `It owns ${target.slotCount} slot(s): move them with "redis-ts reshard ${view.seed} --from ${target.id.slice(0, 8)} ..." or rebalance with weight 0.`,
    })
  }
  const others = view.nodes.filter((n) => n.id !== target.id && n.reachable)
  if (others.length === 0) throw new RedisTsError('unreachable', `No other reachable node left to remove ${target.address} from`)
  const failures: DelNodeResult['failures'] = []
  const replicasMoved = await moveReplicas(view, target, pool, emit, failures)

  const results = await Promise.all(others.map((n) => forget(pool, n, target.id)))
  const forgotBy = others.filter((_, i) => results[i] === undefined)
  others.forEach((n, i) => results[i] !== undefined && failures.push({address: n.address, error: `CLUSTER FORGET: ${results[i]}`}))
  emit({type: 'forget-sent', ok: forgotBy.length, failed: others.length - forgotBy.length})

  let reset = false
  if (target.reachable) {
    try {
      await (await pool.get(addrOf(target))).call('CLUSTER', 'RESET', 'SOFT')
      reset = true
      emit({type: 'reset', address: target.address, ok: true})
    } catch (err) {
      failures.push({address: target.address, error: `CLUSTER RESET SOFT: ${(err as Error).message}`})
      emit({type: 'reset', address: target.address, ok: false, error: (err as Error).message})
    }
  }

  // Wait until no node that accepted FORGET knows the id; repeat FORGET on stragglers every second
  // (a handshake started before the blacklist took effect can bring the id back).
  const deadline = Date.now() + opts.timeoutMs
  let lastForget = Date.now()
  for (;;) {
    const snaps = await snapshot(pool, forgotBy.map(addrOf))
    const still = forgotBy.filter((_, i) => snaps[i].view?.some((e) => e.id === target.id))
    if (still.length === 0) break
    if (Date.now() > deadline) {
      throw new RedisTsError('timeout', `Timed out: ${still.map((n) => n.address).join(', ')} still know node ${target.id}`, {details: {failures}})
    }
    emit({type: 'waiting', reason: `${still.length} node(s) still know ${target.id.slice(0, 8)}`})
    if (Date.now() - lastForget > 1000) {
      lastForget = Date.now()
      await Promise.all(still.map((n) => forget(pool, n, target.id)))
    }
    await sleep(25)
  }
  return {id: target.id, address: formatAddress(addrOf(target)), reachable: target.reachable, replicasMoved, forgotBy: forgotBy.map((n) => n.address), failures, reset, elapsedMs: Date.now() - started}
}

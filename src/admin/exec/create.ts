// Executor for `create`: validate every node (nothing is changed until all pass), then ADDSLOTSRANGE,
// SET-CONFIG-EPOCH, MEET, REPLICATE as soon as each master is known, wait for convergence and for
// every replica's initial sync.
import type {Redis} from 'ioredis'
import {addressKey, formatAddress, resolveIp, type NodeAddress} from '../address.js'
import {RedisTsError} from '../../errors.js'
import type {NodePool} from '../pool.js'
import {parseClusterNodes, parseInfo} from '../topology/parse.js'
import type {CreatePlan} from '../plan/create.js'
import {mark} from '../../timing.js'
import {diagnose, snapshot, waitForConvergence, waitForReplicaSync} from './wait.js'

export interface ValidNode {
  address: string
  host: string
  port: number
  id: string
  busPort: number
  /** cluster-node-timeout as configured (undefined when CONFIG is not available) */
  nodeTimeoutMs?: number
  /** repl-diskless-sync-delay in seconds as configured (undefined when CONFIG is not available) */
  replSyncDelay?: number
  /** cluster-replica-no-failover and cluster-allow-replica-migration as configured (yes/no; undefined when CONFIG is not available) */
  noFailover?: string
  replicaMigration?: string
}

export type CreateEvent =
  | {type: 'slots-assigned'}
  | {type: 'epochs-set'}
  | {type: 'meet-sent'}
  | {type: 'replicate'; replica: string; master: string}
  | {type: 'waiting'; reason: string}
  /** `unreported`: replicas that do not report master_link_status, so could not be waited for */
  | {type: 'replicas-synced'; replicas: number; unreported: string[]}
  | {type: 'restore-failed'; nodes: string[]}

async function inspectNode(addr: NodeAddress, pool: NodePool): Promise<ValidNode> {
  const name = formatAddress(addr)
  let c: Redis
  try {
    c = await pool.get(addr)
  } catch (err) {
    throw new RedisTsError('unreachable', `Node ${name} is not reachable: ${(err as Error).message.replace(/^Could not connect to Redis at [^:]+(:\d+)?:?\s*/, '')}`)
  }
  let info: Record<string, string>
  try {
    info = parseInfo(String(await c.call('INFO')))
  } catch (err) {
    throw new RedisTsError('invalid-node', `Node ${name}: ${(err as Error).message}`)
  }
  if (info.cluster_enabled !== '1') throw new RedisTsError('invalid-node', `Node ${name} is not configured as a cluster node (cluster-enabled no)`)
  const cinfo = parseInfo(String(await c.call('CLUSTER', 'INFO')))
  const known = Number(cinfo.cluster_known_nodes ?? '1')
  if (known > 1) throw new RedisTsError('invalid-node', `Node ${name} is not empty: it already knows ${known - 1} other node(s) (CLUSTER RESET it first)`)
  const m = /keys=(\d+)/.exec(info.db0 ?? '')
  if (m && Number(m[1]) > 0) throw new RedisTsError('invalid-node', `Node ${name} is not empty: it holds ${m[1]} key(s) in database 0`)
  if (Number(cinfo.cluster_slots_assigned ?? '0') > 0) throw new RedisTsError('invalid-node', `Node ${name} is not empty: it already has ${cinfo.cluster_slots_assigned} slot(s) assigned`)
  const self = parseClusterNodes(String(await c.call('CLUSTER', 'NODES'))).find((e) => e.myself)
  if (!self) throw new RedisTsError('invalid-node', `Node ${name}: CLUSTER NODES has no myself line`)
  // CONFIG GET of each setting fast join may lower (undefined where CONFIG is not available)
  const config = (param: string) => c.call('CONFIG', 'GET', param).then((r) => (r as string[])[1] as string | undefined, () => undefined)
  const [timeout, syncDelay, noFailover, replicaMigration] = await Promise.all(
    ['cluster-node-timeout', 'repl-diskless-sync-delay', 'cluster-replica-no-failover', 'cluster-allow-replica-migration'].map(config),
  )
  const finite = (v: string | undefined) => v !== undefined && Number.isFinite(Number(v))
  const yesNo = (v: string | undefined) => v === 'yes' || v === 'no'
  return {
    address: name, host: addr.host, port: addr.port, id: self.id, busPort: addr.busPort ?? self.busPort,
    ...(finite(timeout) ? {nodeTimeoutMs: Number(timeout)} : {}),
    ...(finite(syncDelay) ? {replSyncDelay: Number(syncDelay)} : {}),
    ...(yesNo(noFailover) ? {noFailover} : {}),
    ...(yesNo(replicaMigration) ? {replicaMigration} : {}),
  }
}

/** Validate all nodes; throws on the first problem (in argument order) and changes nothing. */
export async function validateCreateNodes(addrs: NodeAddress[], pool: NodePool): Promise<ValidNode[]> {
  const seen = new Map<string, string>()
  for (const a of addrs) {
    const k = addressKey(a)
    if (seen.has(k)) throw new RedisTsError('usage', `Duplicate node address ${formatAddress(a)} (given more than once)`)
    seen.set(k, formatAddress(a))
  }
  const results = await Promise.allSettled(addrs.map((a) => inspectNode(a, pool)))
  const firstBad = results.find((r) => r.status === 'rejected') as PromiseRejectedResult | undefined
  if (firstBad) throw firstBad.reason
  return distinctNodes(results.map((r) => (r as PromiseFulfilledResult<ValidNode>).value))
}

/** Two addresses of one node (same id) are refused; returns the nodes unchanged otherwise. */
export function distinctNodes(nodes: ValidNode[]): ValidNode[] {
  const byId = new Map<string, string>()
  for (const n of nodes) {
    const other = byId.get(n.id)
    if (other) throw new RedisTsError('usage', `Duplicate node: ${n.address} and ${other} are the same node (${n.id})`)
    byId.set(n.id, n.address)
  }
  return nodes
}

/**
 * A master's own part of `create`, possible before the other nodes are even up: its slots
 * (ADDSLOTSRANGE; ADDSLOTS for a server without it) and its config epoch (SET-CONFIG-EPOCH must
 * precede MEET). A master leaves the "minority" state when it gets slots, which starts the rejoin
 * delay (clusterUpdateState) it must sit out before reporting cluster_state:ok: the sooner, the
 * sooner the cluster is usable (a local cluster prepares its masters while the replicas start).
 */
export async function prepareMaster(plan: CreatePlan, node: ValidNode, pool: NodePool): Promise<void> {
  const i = plan.masters.findIndex((m) => m.address === node.address)
  if (i < 0) throw new Error(`${node.address} is not a master of the plan`)
  const [first, last] = plan.masters[i].slots
  const c = await pool.get({host: node.host, port: node.port})
  try {
    await c.call('CLUSTER', 'ADDSLOTSRANGE', String(first), String(last))
  } catch (err) {
    if (!/unknown (sub)?command/i.test((err as Error).message)) throw err
    const slots: string[] = []
    for (let s = first; s <= last; s++) slots.push(String(s))
    await c.call('CLUSTER', 'ADDSLOTS', ...slots)
  }
  await setConfigEpoch(c, i + 1)
}

/** Distinct config epochs (masters first, in plan order) so no collision handling is needed. */
function setConfigEpoch(c: Redis, epoch: number): Promise<unknown> {
  return c.call('CLUSTER', 'SET-CONFIG-EPOCH', String(epoch)).catch(() => undefined)
}

export interface CreateResult {
  nodes: {address: string; id: string; role: 'master' | 'replica'; masterId?: string; slots?: [number, number]}[]
  convergedMs: number
}

export interface CreateOptions {
  timeoutMs: number
  onEvent?: (e: CreateEvent) => void
  fastJoin?: boolean
  /** cluster-node-timeout while the cluster forms (default FAST_JOIN_TIMEOUT_MS) */
  fastJoinTimeoutMs?: number
  /** masters already prepared by prepareMasters (slots, epochs, fast join, MEET among themselves) */
  prepared?: PreparedMasters
}

export interface PreparedMasters {
  masters: string[]
  /** settings prepareMasters lowered, restored with the others once the cluster is built */
  lowered: Lowered[]
}

/**
 * The masters' part of `create`, while the replicas are still starting (local clusters): fast-join
 * settings, slots and epochs (prepareMaster), then every pair of masters MEETs. A master reports
 * cluster_state:ok a rejoin delay after it got its slots, and only once it knows every slot's owner:
 * meeting the other masters now, instead of once every node answers, lets that delay run out while
 * the replicas start. applyCreate (given the result as `prepared`) does the rest and restores the settings.
 */
export async function prepareMasters(plan: CreatePlan, masters: ValidNode[], pool: NodePool, opts: {fastJoin?: boolean; fastJoinTimeoutMs?: number} = {}): Promise<PreparedMasters> {
  const lowered = opts.fastJoin === false ? [] : fastJoinSettings(plan, masters, opts.fastJoinTimeoutMs ?? FAST_JOIN_TIMEOUT_MS)
  await Promise.all([setLowered(lowered, pool, 'fast'), ...masters.map((m) => prepareMaster(plan, m, pool))])
  const order = plan.masters.map((m) => m.address).filter((a) => masters.some((m) => m.address === a))
  await meetInOrder(order, new Map(masters.map((m) => [m.address, m])), pool, new Map(), new Set())
  mark('masters: fast join, slots, epochs, MEET each other')
  return {masters: order, lowered}
}

/** CONFIG SET every lowered setting to its fast value, or back to its original one. */
async function setLowered(lowered: Lowered[], pool: NodePool, to: 'fast' | 'original'): Promise<void> {
  await Promise.all(lowered.map(async (l) => (await pool.get({host: l.node.host, port: l.node.port})).call('CONFIG', 'SET', l.param, l[to])))
}

/** Each node of `order` (but the first) MEETs its meetTargets, except pairs both in `met` (they already did). */
async function meetInOrder(order: string[], byAddr: Map<string, ValidNode>, pool: NodePool, masterOf: Map<string, string>, met: Set<string>): Promise<void> {
  await Promise.all(
    order.slice(1).map(async (a, i) => {
      const targets = meetTargets(order, i + 1, masterOf).filter((t) => !(met.has(a) && met.has(t)))
      if (targets.length === 0) return
      const n0 = byAddr.get(a)!
      const c = await pool.get({host: n0.host, port: n0.port})
      await Promise.all(
        targets.map(async (t) => {
          const n = byAddr.get(t)!
          const args = ['MEET', await resolveIp(n.host), String(n.port)]
          if (n.busPort !== n.port + 10000) args.push(String(n.busPort))
          await c.call('CLUSTER', ...args)
        }),
      )
    }),
  )
}

export async function applyCreate(
  plan: CreatePlan,
  nodes: ValidNode[],
  pool: NodePool,
  opts: CreateOptions,
): Promise<CreateResult> {
  const already = new Set(opts.prepared?.masters ?? [])
  const fresh = opts.fastJoin === false ? [] : fastJoinSettings(plan, nodes.filter((n) => !already.has(n.address)), opts.fastJoinTimeoutMs ?? FAST_JOIN_TIMEOUT_MS)
  // Every lowered setting, prepareMasters' too: all restored at the end.
  const lowered = [...(opts.prepared?.lowered ?? []), ...fresh]
  const restore = async (): Promise<string[]> => {
    const failed: string[] = []
    await Promise.all(
      lowered.map(async (l) => {
        try {
          await (await pool.get({host: l.node.host, port: l.node.port})).call('CONFIG', 'SET', l.param, l.original)
        } catch (err) {
          failed.push(`${l.node.address} (${l.param} ${l.original}: ${(err as Error).message})`)
        }
      }),
    )
    return failed
  }
  // Ctrl-C / SIGTERM while the cluster forms: put every node's own timeout back before exiting.
  const onSignal = () => {
    process.stderr.write('Interrupted: restoring cluster-node-timeout before exiting...\n')
    void restore().finally(() => process.exit(130))
  }
  if (lowered.length) {
    process.once('SIGINT', onSignal)
    process.once('SIGTERM', onSignal)
  }
  try {
    await setLowered(fresh, pool, 'fast')
    mark(`fast-join settings lowered (${fresh.length} CONFIG SET)`)
    return await applyCreateSteps(plan, nodes, pool, opts, relaxer(lowered, pool))
  } finally {
    process.removeListener('SIGINT', onSignal)
    process.removeListener('SIGTERM', onSignal)
    const failed = await restore()
    mark('fast-join settings restored')
    if (failed.length) opts.onEvent?.({type: 'restore-failed', nodes: failed})
  }
}

export const FAST_JOIN_TIMEOUT_MS = 1000

export interface Lowered {
  node: ValidNode
  param: string
  original: string
  fast: string
}

/**
 * Fast join, the settings lowered while the cluster forms and restored afterwards (nothing else changes):
 * - cluster-node-timeout: redis-server's masters only report cluster_state:ok a "rejoin delay" after
 *   they got their slots, min(cluster-node-timeout, 5000) ms (clusterUpdateState; embedded nodes skip
 *   it for a cluster that never had slots), and a node pings every peer it has not heard from for
 *   half of it: a low value makes the cluster usable sooner and spreads the replicas' roles faster;
 * - repl-diskless-sync-delay on masters that get replicas: the master waits that long (5 s by default)
 *   for more replicas before a full sync; the masters are empty, so batching buys nothing and create
 *   waits for every replica's initial sync;
 * - cluster-replica-no-failover yes and cluster-allow-replica-migration no on replicas: with the low
 *   timeout, a master of a loaded machine that misses it for a moment is flagged FAIL and its new
 *   replica wins an election about a second later (or a spare migrates to a master whose replica
 *   was flagged), and the cluster never takes the planned shape create waits for.
 */
export function fastJoinSettings(plan: CreatePlan, nodes: ValidNode[], timeoutMs: number): Lowered[] {
  const withReplicas = new Set(plan.replicas.map((r) => r.masterAddress))
  const replicas = new Set(plan.replicas.map((r) => r.address))
  return [
    ...nodes
      .filter((n) => n.nodeTimeoutMs !== undefined && n.nodeTimeoutMs > timeoutMs)
      .map((n) => ({node: n, param: 'cluster-node-timeout', original: String(n.nodeTimeoutMs), fast: String(timeoutMs)})),
    ...nodes
      .filter((n) => withReplicas.has(n.address) && n.replSyncDelay !== undefined && n.replSyncDelay > 0)
      .map((n) => ({node: n, param: 'repl-diskless-sync-delay', original: String(n.replSyncDelay), fast: '0'})),
    ...nodes
      .filter((n) => replicas.has(n.address) && n.noFailover === 'no')
      .map((n) => ({node: n, param: 'cluster-replica-no-failover', original: 'no', fast: 'yes'})),
    ...nodes
      .filter((n) => replicas.has(n.address) && n.replicaMigration === 'yes')
      .map((n) => ({node: n, param: 'cluster-allow-replica-migration', original: 'yes', fast: 'no'})),
  ]
}

/**
 * On a loaded machine a node can miss a short fast-join timeout: peers flag it PFAIL/FAIL, and a
 * master with slots keeps FAIL for 2 × timeout after it answers again, so flapping would keep the
 * cluster from converging. Each time a node is seen failing while the timeout is lowered, it is
 * doubled on every lowered node (at most once per 2 × timeout, never above the node's own value).
 */
export function relaxer(lowered: Lowered[], pool: Pick<NodePool, 'get'>, now: () => number = Date.now): () => void {
  const timeouts = lowered.filter((l) => l.param === 'cluster-node-timeout')
  if (timeouts.length === 0) return () => {}
  let current = Number(timeouts[0].fast)
  let last = now()
  return () => {
    if (now() - last < 2 * current) return
    const next = current * 2
    const raise = timeouts.filter((l) => Number(l.fast) < Number(l.original))
    if (raise.length === 0) return
    current = next
    last = now()
    for (const l of raise) l.fast = String(Math.min(next, Number(l.original)))
    mark(`a node was seen failing: fast-join cluster-node-timeout raised to ${next} ms`)
    for (const l of raise) void pool.get({host: l.node.host, port: l.node.port}).then((c) => c.call('CONFIG', 'SET', l.param, l.fast)).catch(() => undefined)
  }
}

/** Up to this many nodes, every pair MEETs (once); beyond, the n² handshakes cost more than gossip. */
const MESH_MAX_NODES = 16

/**
 * Whom the node at `order[k]` MEETs: every node before it in a small cluster, so each node learns
 * every master's slots from its own handshake instead of waiting for gossip rounds (cron ticks of
 * 100 ms each) to introduce them; in a large one the first node (as redis-cli) and a replica's own
 * master, so CLUSTER REPLICATE need not wait for gossip either.
 */
export function meetTargets(order: string[], k: number, masterOf: Map<string, string>): string[] {
  if (order.length <= MESH_MAX_NODES) return order.slice(0, k)
  const m = masterOf.get(order[k])
  return m && m !== order[0] ? [order[0], m] : [order[0]]
}

async function applyCreateSteps(
  plan: CreatePlan,
  nodes: ValidNode[],
  pool: NodePool,
  opts: CreateOptions,
  onFailing: () => void = () => {},
): Promise<CreateResult> {
  const byAddr = new Map(nodes.map((n) => [n.address, n]))
  const addrOf = (n: ValidNode): NodeAddress => ({host: n.host, port: n.port})
  const client = (n: ValidNode) => pool.get(addrOf(n))
  const emit = opts.onEvent ?? (() => {})

  // Slots first: a master leaves the "minority" state (and starts its rejoin delay) when it gets slots.
  const prepared = new Set(opts.prepared?.masters ?? [])
  await Promise.all(plan.masters.filter((m) => !prepared.has(m.address)).map((m) => prepareMaster(plan, byAddr.get(m.address)!, pool)))
  mark('slots assigned (ADDSLOTSRANGE)')
  emit({type: 'slots-assigned'})
  const order = [...plan.masters.map((m) => m.address), ...plan.replicas.map((r) => r.address)]
  await Promise.all(plan.replicas.map(async (r, i) => setConfigEpoch(await client(byAddr.get(r.address)!), plan.masters.length + i + 1)))
  mark('config epochs set')
  emit({type: 'epochs-set'})
  const masterOf = new Map(plan.replicas.map((r) => [r.address, r.masterAddress]))
  await meetInOrder(order, byAddr, pool, masterOf, prepared)
  mark('CLUSTER MEET sent')
  emit({type: 'meet-sent'})

  const replicaOf = new Map<string, string>()
  const deadline = Date.now() + opts.timeoutMs
  await Promise.all(
    plan.replicas.map(async (r) => {
      const rep = byAddr.get(r.address)!
      const master = byAddr.get(r.masterAddress)!
      replicaOf.set(rep.id, master.id)
      const c = await client(rep)
      // REPLICATE fails until the replica knows the master; poll its view quickly. A replica whose
      // handshake timed out knows no one: after 1.5 s it is told to MEET its master directly.
      const since = Date.now()
      let lastMeet = since
      for (;;) {
        const view = parseClusterNodes(String(await c.call('CLUSTER', 'NODES')))
        const known = view.find((e) => e.id === master.id && !e.flags.includes('handshake'))
        if (!view.some((e) => e.id === master.id) && Date.now() - lastMeet > 1500) {
          lastMeet = Date.now()
          await c.call('CLUSTER', 'MEET', await resolveIp(master.host), String(master.port), String(master.busPort)).catch(() => undefined)
        }
        if (known) {
          try {
            await c.call('CLUSTER', 'REPLICATE', master.id)
            mark(`${r.address} replicates ${r.masterAddress}`)
            emit({type: 'replicate', replica: r.address, master: r.masterAddress})
            return
          } catch (err) {
            if (!/Unknown node/i.test((err as Error).message)) throw err
          }
        }
        if (Date.now() > deadline) {
          const diag = await diagnose(await snapshot(pool, nodes.map(addrOf)), nodes.map((n) => ({id: n.id, address: n.address, host: n.host, busPort: n.busPort})))
          throw new RedisTsError('timeout', `Timed out waiting for replica ${r.address} to learn about its master ${r.masterAddress}.${diag ? ' ' + diag : ''}`, {
            hint: 'Cluster bus ports (port+10000 or cluster-port) must be reachable between every pair of nodes.',
          })
        }
        await new Promise((res) => setTimeout(res, 20))
      }
    }),
  )
  let lastReason = ''
  const waited = await waitForConvergence(
    pool,
    nodes.map(addrOf),
    {nodeCount: nodes.length, stateOk: true, replicaOf, members: nodes.map((n) => ({id: n.id, address: n.address, host: n.host, busPort: n.busPort}))},
    {
      timeoutMs: Math.max(0, deadline - Date.now()),
      onPoll: (reason) => {
        // The timeline names what convergence waits for, each time that changes.
        if (reason !== lastReason) mark(`waiting: ${(lastReason = reason)}`)
        if (/ as failing$/.test(reason)) onFailing()
        emit({type: 'waiting', reason})
      },
    },
  )
  mark('converged: all nodes agree, cluster_state:ok everywhere')
  // The slot map is agreed; the replicas must also hold the data (their initial sync runs meanwhile).
  const synced = await waitForReplicaSync(
    pool,
    plan.replicas.map((r) => ({address: r.address, host: byAddr.get(r.address)!.host, port: byAddr.get(r.address)!.port, masterAddress: r.masterAddress})),
    {deadline, onPoll: (reason) => emit({type: 'waiting', reason})},
  )
  mark('replicas synced')
  if (plan.replicas.length) emit({type: 'replicas-synced', replicas: plan.replicas.length, unreported: synced.unreported})
  return {
    nodes: [
      ...plan.masters.map((m) => ({address: m.address, id: byAddr.get(m.address)!.id, role: 'master' as const, slots: m.slots})),
      ...plan.replicas.map((r) => ({address: r.address, id: byAddr.get(r.address)!.id, role: 'replica' as const, masterId: byAddr.get(r.masterAddress)!.id})),
    ],
    convergedMs: waited.elapsedMs,
  }
}

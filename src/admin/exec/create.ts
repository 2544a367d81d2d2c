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
  const configNumber = (param: string) => c.call('CONFIG', 'GET', param).then((r) => Number((r as string[])[1]), () => undefined)
  const [timeout, syncDelay] = await Promise.all([configNumber('cluster-node-timeout'), configNumber('repl-diskless-sync-delay')])
  return {
    address: name, host: addr.host, port: addr.port, id: self.id, busPort: addr.busPort ?? self.busPort,
    ...(timeout !== undefined && Number.isFinite(timeout) ? {nodeTimeoutMs: timeout} : {}),
    ...(syncDelay !== undefined && Number.isFinite(syncDelay) ? {replSyncDelay: syncDelay} : {}),
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
  const nodes = results.map((r) => (r as PromiseFulfilledResult<ValidNode>).value)
  const byId = new Map<string, string>()
  for (const n of nodes) {
    const other = byId.get(n.id)
    if (other) throw new RedisTsError('usage', `Duplicate node: ${n.address} and ${other} are the same node (${n.id})`)
    byId.set(n.id, n.address)
  }
  return nodes
}

export interface CreateResult {
  nodes: {address: string; id: string; role: 'master' | 'replica'; masterId?: string; slots?: [number, number]}[]
  convergedMs: number
}

export async function applyCreate(
  plan: CreatePlan,
  nodes: ValidNode[],
  pool: NodePool,
  opts: {timeoutMs: number; onEvent?: (e: CreateEvent) => void; fastJoin?: boolean},
): Promise<CreateResult> {
  const lowered = opts.fastJoin === false ? [] : fastJoinSettings(plan, nodes)
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
    await Promise.all(lowered.map(async (l) => (await pool.get({host: l.node.host, port: l.node.port})).call('CONFIG', 'SET', l.param, l.fast)))
    mark(`fast-join settings lowered (${lowered.length} CONFIG SET)`)
    return await applyCreateSteps(plan, nodes, pool, opts)
  } finally {
    process.removeListener('SIGINT', onSignal)
    process.removeListener('SIGTERM', onSignal)
    const failed = await restore()
    mark('fast-join settings restored')
    if (failed.length) opts.onEvent?.({type: 'restore-failed', nodes: failed})
  }
}

export const FAST_JOIN_TIMEOUT_MS = 1000

interface Lowered {
  node: ValidNode
  param: string
  original: string
  fast: string
}

/**
 * Fast join, the settings lowered while the cluster forms and restored afterwards (nothing else changes):
 * - cluster-node-timeout: a master only reports cluster_state:ok a "rejoin delay" after it got its
 *   slots, min(cluster-node-timeout, 5000) ms (clusterUpdateState); 1 s makes the cluster usable sooner;
 * - repl-diskless-sync-delay on masters that get replicas: the master waits that long (5 s by default)
 *   for more replicas before a full sync; the masters are empty, so batching buys nothing and create
 *   waits for every replica's initial sync.
 */
function fastJoinSettings(plan: CreatePlan, nodes: ValidNode[]): Lowered[] {
  const withReplicas = new Set(plan.replicas.map((r) => r.masterAddress))
  return [
    ...nodes
      .filter((n) => n.nodeTimeoutMs !== undefined && n.nodeTimeoutMs > FAST_JOIN_TIMEOUT_MS)
      .map((n) => ({node: n, param: 'cluster-node-timeout', original: String(n.nodeTimeoutMs), fast: String(FAST_JOIN_TIMEOUT_MS)})),
    ...nodes
      .filter((n) => withReplicas.has(n.address) && n.replSyncDelay !== undefined && n.replSyncDelay > 0)
      .map((n) => ({node: n, param: 'repl-diskless-sync-delay', original: String(n.replSyncDelay), fast: '0'})),
  ]
}

async function applyCreateSteps(
  plan: CreatePlan,
  nodes: ValidNode[],
  pool: NodePool,
  opts: {timeoutMs: number; onEvent?: (e: CreateEvent) => void},
): Promise<CreateResult> {
  const byAddr = new Map(nodes.map((n) => [n.address, n]))
  const addrOf = (n: ValidNode): NodeAddress => ({host: n.host, port: n.port})
  const client = (n: ValidNode) => pool.get(addrOf(n))
  const emit = opts.onEvent ?? (() => {})

  // Slots first: a master leaves the "minority" state (and starts its rejoin delay) when it gets slots.
  await Promise.all(
    plan.masters.map(async (m) => {
      const c = await client(byAddr.get(m.address)!)
      try {
        await c.call('CLUSTER', 'ADDSLOTSRANGE', String(m.slots[0]), String(m.slots[1]))
      } catch (err) {
        if (!/unknown (sub)?command/i.test((err as Error).message)) throw err
        const slots: string[] = []
        for (let s = m.slots[0]; s <= m.slots[1]; s++) slots.push(String(s))
        await c.call('CLUSTER', 'ADDSLOTS', ...slots)
      }
    }),
  )
  mark('slots assigned (ADDSLOTSRANGE)')
  emit({type: 'slots-assigned'})
  const order = [...plan.masters.map((m) => m.address), ...plan.replicas.map((r) => r.address)]
  await Promise.all(
    order.map(async (a, i) => {
      const c = await client(byAddr.get(a)!)
      await c.call('CLUSTER', 'SET-CONFIG-EPOCH', String(i + 1)).catch(() => undefined)
    }),
  )
  mark('config epochs set')
  emit({type: 'epochs-set'})
  const first = byAddr.get(order[0])!
  const firstIp = await resolveIp(first.host)
  const masterOf = new Map(plan.replicas.map((r) => [r.address, byAddr.get(r.masterAddress)!]))
  await Promise.all(
    order.slice(1).map(async (a) => {
      const c = await client(byAddr.get(a)!)
      const args = ['MEET', firstIp, String(first.port)]
      if (first.busPort !== first.port + 10000) args.push(String(first.busPort))
      await c.call('CLUSTER', ...args)
      // A replica also MEETs its own master, so REPLICATE need not wait for gossip to introduce them.
      const m = masterOf.get(a)
      if (m && m !== first) {
        const margs = ['MEET', await resolveIp(m.host), String(m.port)]
        if (m.busPort !== m.port + 10000) margs.push(String(m.busPort))
        await c.call('CLUSTER', ...margs)
      }
    }),
  )
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
  const waited = await waitForConvergence(
    pool,
    nodes.map(addrOf),
    {nodeCount: nodes.length, stateOk: true, replicaOf, members: nodes.map((n) => ({id: n.id, address: n.address, host: n.host, busPort: n.busPort}))},
    {timeoutMs: Math.max(0, deadline - Date.now()), onPoll: (reason) => emit({type: 'waiting', reason})},
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

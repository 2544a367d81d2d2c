// Waiting for a cluster to converge: fast polling (25 ms, not redis-cli's 1 s) with a deadline and,
// on timeout, a diagnosis naming the bus ports that peers cannot reach instead of hanging forever.
import {connect as netConnect} from 'node:net'
import {formatAddress, resolveIp, type NodeAddress} from '../address.js'
import {configSignature} from '../check/checks.js'
import type {NodePool} from '../pool.js'
import {parseClusterNodes, parseInfo} from '../topology/parse.js'
import type {NodeEntry} from '../topology/types.js'
import {RedisTsError} from '../../errors.js'

export interface NodeSnapshot {
  address: string
  view?: NodeEntry[]
  info?: Record<string, string>
  error?: string
}

export async function snapshot(pool: NodePool, addrs: NodeAddress[]): Promise<NodeSnapshot[]> {
  return Promise.all(
    addrs.map(async (a): Promise<NodeSnapshot> => {
      try {
        const c = await pool.get(a)
        const [nodes, info] = await Promise.all([c.call('CLUSTER', 'NODES'), c.call('CLUSTER', 'INFO')])
        return {address: formatAddress(a), view: parseClusterNodes(String(nodes)), info: parseInfo(String(info))}
      } catch (err) {
        return {address: formatAddress(a), error: (err as Error).message}
      }
    }),
  )
}

export interface ConvergeExpectation {
  /** number of nodes every node must know (no handshake) */
  nodeCount: number
  /** require cluster_state:ok everywhere */
  stateOk: boolean
  /** replica id → master id that must be shown by every node */
  replicaOf?: Map<string, string>
  /** ids of nodes known to be down: their fail flags do not count (a failover happened meanwhile) */
  down?: string[]
  /** ids that must not be known any more (del-node) */
  forgotten?: string[]
  /** the nodes that must all know each other (for the timeout diagnosis) */
  members?: {id: string; address: string; host: string; busPort: number}[]
}

export function converged(snaps: NodeSnapshot[], exp: ConvergeExpectation): {ok: boolean; reason?: string} {
  let sig: string | undefined
  for (const s of snaps) {
    if (!s.view || !s.info) return {ok: false, reason: `${s.address}: ${s.error ?? 'no reply'}`}
    const known = s.view.filter((e) => !e.flags.includes('handshake') && !e.flags.includes('noaddr'))
    if (known.length !== exp.nodeCount || s.view.length !== exp.nodeCount) return {ok: false, reason: `${s.address} knows ${known.length}/${exp.nodeCount} nodes`}
    const bad = s.view.find((e) => (e.flags.includes('fail') || e.flags.includes('fail?')) && !exp.down?.includes(e.id))
    if (bad) return {ok: false, reason: `${s.address} sees ${bad.host}:${bad.port} as failing`}
    const mySig = configSignature(s.view)
    if (sig === undefined) sig = mySig
    else if (sig !== mySig) return {ok: false, reason: `${s.address} disagrees about slots`}
    if (exp.replicaOf) {
      for (const [rid, mid] of exp.replicaOf) {
        const e = s.view.find((x) => x.id === rid)
        if (!e || e.masterId !== mid) return {ok: false, reason: `${s.address} does not yet see ${rid.slice(0, 8)} as replica of ${mid.slice(0, 8)}`}
      }
    }
    if (exp.forgotten?.some((id) => s.view!.some((e) => e.id === id))) return {ok: false, reason: `${s.address} still knows a removed node`}
    if (exp.stateOk && s.info.cluster_state !== 'ok') return {ok: false, reason: `${s.address} cluster_state:${s.info.cluster_state}`}
  }
  return {ok: true}
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

export async function waitForConvergence(
  pool: NodePool,
  addrs: NodeAddress[],
  exp: ConvergeExpectation,
  opts: {timeoutMs: number; intervalMs?: number; onPoll?: (reason: string) => void},
): Promise<{elapsedMs: number; snapshots: NodeSnapshot[]}> {
  const start = Date.now()
  const interval = opts.intervalMs ?? 25
  const lastMeet = new Map<string, number>()
  for (;;) {
    const snaps = await snapshot(pool, addrs)
    const c = converged(snaps, exp)
    if (c.ok) return {elapsedMs: Date.now() - start, snapshots: snaps}
    opts.onPoll?.(c.reason ?? '')
    if (exp.members && Date.now() - start > REMEET_AFTER_MS) await remeet(pool, addrs, snaps, exp.members, lastMeet)
    if (Date.now() - start > opts.timeoutMs) {
      const diag = await diagnose(snaps, exp.members)
      throw new RedisTsError('timeout', `Timed out after ${((Date.now() - start) / 1000).toFixed(1)}s waiting for the cluster to converge (${c.reason}).${diag ? ' ' + diag : ''}`, {
        hint: 'Cluster bus ports (port+10000 or cluster-port) must be reachable between every pair of nodes.',
        details: {reason: c.reason, diagnosis: diag},
      })
    }
    await sleep(interval)
  }
}

/** How long gossip gets to spread a MEET before a node that still lacks a member is told again. */
const REMEET_AFTER_MS = 1500

/**
 * A handshake can time out (a loaded machine, a node slow to start): the node then forgets the
 * peer, and if it knew no one else, gossip cannot bring it back. Redis tolerates repeated MEETs,
 * so a node that does not know a member at all is told to MEET it again (at most every 1.5 s).
 */
async function remeet(pool: NodePool, addrs: NodeAddress[], snaps: NodeSnapshot[], members: NonNullable<ConvergeExpectation['members']>, last: Map<string, number>): Promise<void> {
  const now = Date.now()
  await Promise.all(
    snaps.map(async (s, i) => {
      if (!s.view) return
      for (const m of members) {
        if (m.address === s.address || s.view.some((e) => e.id === m.id)) continue
        const key = `${s.address}>${m.id}`
        if (now - (last.get(key) ?? 0) < REMEET_AFTER_MS) continue
        last.set(key, now)
        try {
          const c = await pool.get(addrs[i])
          const port = Number(m.address.slice(m.address.lastIndexOf(':') + 1))
          await c.call('CLUSTER', 'MEET', await resolveIp(m.host), String(port), String(m.busPort))
        } catch {
          // the next poll reports what is wrong; a failed MEET is retried on the next round
        }
      }
    }),
  )
}

function probeTcp(host: string, port: number, timeoutMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const s = netConnect({host, port})
    const done = (ok: boolean) => {
      s.destroy()
      resolve(ok)
    }
    s.setTimeout(timeoutMs, () => done(false))
    s.once('connect', () => done(true))
    s.once('error', () => done(false))
  })
}

/** Name the nodes whose bus port is unreachable: members that peers do not know, or see as disconnected. */
export async function diagnose(snaps: NodeSnapshot[], members: ConvergeExpectation['members'] = []): Promise<string> {
  const parts: string[] = []
  const reported = new Set<string>()
  for (const m of members) {
    const from = snaps
      .filter((s) => s.view && s.address !== m.address)
      .filter((s) => {
        const e = s.view!.find((x) => x.id === m.id)
        return !e || e.linkState === 'disconnected' || e.flags.some((f) => f === 'handshake' || f === 'fail?' || f === 'fail' || f === 'noaddr')
      })
      .map((s) => s.address)
    if (!from.length) continue
    reported.add(m.id)
    const here = await probeTcp(m.host, m.busPort)
    parts.push(`Bus port ${m.host}:${m.busPort} of node ${m.address} may be unreachable from ${from.join(', ')}${here ? '' : ' (and from this machine)'}.`)
  }
  if (!members.length) {
    // No member list: fall back to what the views say about disconnected peers.
    for (const s of snaps) {
      for (const e of s.view ?? []) {
        if (e.myself || reported.has(e.id)) continue
        if (e.linkState === 'disconnected' || e.flags.includes('handshake') || e.flags.includes('fail?') || e.flags.includes('fail')) {
          reported.add(e.id)
          parts.push(`Bus port ${e.host}:${e.busPort} of node ${e.host}:${e.port} may be unreachable from ${s.address}.`)
        }
      }
    }
  }
  const dead = snaps.filter((s) => s.error).map((s) => `${s.address} (${s.error})`)
  if (dead.length) parts.push(`Not answering: ${dead.join(', ')}.`)
  return parts.join(' ')
}

export interface ReplicaToSync {
  address: string
  host: string
  port: number
  masterAddress: string
}

/**
 * Why a replica is not yet usable, or undefined when it is: INFO replication must show the link up
 * and no full sync running. A node that does not report master_link_status at all (a runtime without
 * data replication) cannot be waited for and counts as done.
 */
export function replicaNotSynced(info: Record<string, string>): string | undefined {
  if (info.role !== 'slave') return `role:${info.role ?? '?'}`
  if (info.master_link_status === undefined) return undefined
  if (info.master_sync_in_progress === '1') {
    const left = info.master_sync_left_bytes
    return `full sync in progress${left !== undefined && Number(left) >= 0 ? ` (${left} bytes left)` : ''}`
  }
  if (info.master_link_status !== 'up') return 'master link down'
  return undefined
}

/**
 * Wait until every replica has finished its initial sync (create must not return before the replicas
 * hold the data). Polls INFO replication; on the deadline exits with a timeout naming each replica
 * not yet synced and why. `unreported`: replicas that do not report their link (not waited for).
 */
export async function waitForReplicaSync(
  pool: NodePool,
  replicas: ReplicaToSync[],
  opts: {deadline: number; intervalMs?: number; onPoll?: (reason: string) => void},
): Promise<{elapsedMs: number; unreported: string[]}> {
  const start = Date.now()
  let pending = replicas
  const unreported: string[] = []
  for (;;) {
    const states = await Promise.all(
      pending.map(async (r) => {
        try {
          const c = await pool.get({host: r.host, port: r.port})
          const info = parseInfo(String(await c.call('INFO', 'replication')))
          if (info.role === 'slave' && info.master_link_status === undefined) unreported.push(r.address)
          return {r, why: replicaNotSynced(info)}
        } catch (err) {
          return {r, why: (err as Error).message}
        }
      }),
    )
    const waiting = states.filter((s) => s.why !== undefined)
    if (!waiting.length) return {elapsedMs: Date.now() - start, unreported}
    pending = waiting.map((s) => s.r)
    const list = waiting.map((s) => `${s.r.address} (replica of ${s.r.masterAddress}: ${s.why})`)
    opts.onPoll?.(`waiting for replica sync: ${list.join(', ')}`)
    if (Date.now() > opts.deadline) {
      throw new RedisTsError('timeout', `Timed out waiting for ${waiting.length} replica(s) to finish their initial sync: ${list.join(', ')}.`, {
        hint: "Each replica's log says why its master link is down (masterauth, reachability of the master's data port); repl-diskless-sync-delay on the master delays a full sync.",
        details: {replicas: waiting.map((s) => ({address: s.r.address, master: s.r.masterAddress, reason: s.why}))},
      })
    }
    await sleep(opts.intervalMs ?? 50)
  }
}

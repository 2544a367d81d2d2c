// Waiting for a cluster to converge: fast polling (25 ms, not redis-cli's 1 s) with a deadline and,
// on timeout, a diagnosis naming the bus ports that peers cannot reach instead of hanging forever.
import {connect as netConnect} from 'node:net'
import {formatAddress, type NodeAddress} from '../address.js'
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
  /** ids that must not be known any more (del-node) */
  forgotten?: string[]
}

export function converged(snaps: NodeSnapshot[], exp: ConvergeExpectation): {ok: boolean; reason?: string} {
  let sig: string | undefined
  for (const s of snaps) {
    if (!s.view || !s.info) return {ok: false, reason: `${s.address}: ${s.error ?? 'no reply'}`}
    const known = s.view.filter((e) => !e.flags.includes('handshake') && !e.flags.includes('noaddr'))
    if (known.length !== exp.nodeCount || s.view.length !== exp.nodeCount) return {ok: false, reason: `${s.address} knows ${known.length}/${exp.nodeCount} nodes`}
    const bad = s.view.find((e) => e.flags.includes('fail') || e.flags.includes('fail?'))
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
  for (;;) {
    const snaps = await snapshot(pool, addrs)
    const c = converged(snaps, exp)
    if (c.ok) return {elapsedMs: Date.now() - start, snapshots: snaps}
    opts.onPoll?.(c.reason ?? '')
    if (Date.now() - start > opts.timeoutMs) {
      const diag = await diagnose(snaps)
      throw new RedisTsError('timeout', `Timed out after ${((Date.now() - start) / 1000).toFixed(1)}s waiting for the cluster to converge (${c.reason}).${diag ? ' ' + diag : ''}`, {
        hint: 'Cluster bus ports (port+10000 or cluster-port) must be reachable between every pair of nodes.',
        details: {reason: c.reason, diagnosis: diag},
      })
    }
    await sleep(interval)
  }
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

/** Name the nodes whose bus port is unreachable (from peers' views and from here). */
export async function diagnose(snaps: NodeSnapshot[]): Promise<string> {
  const unreachableFrom = new Map<string, Set<string>>()
  const busOf = new Map<string, {host: string; busPort: number; port: number}>()
  for (const s of snaps) {
    for (const e of s.view ?? []) {
      if (e.myself) {
        busOf.set(`${e.port}`, {host: e.host || s.address.replace(/:\d+$/, ''), busPort: e.busPort, port: e.port})
        continue
      }
      if (e.linkState === 'disconnected' || e.flags.includes('handshake') || e.flags.includes('fail?') || e.flags.includes('fail')) {
        const key = `${e.host}:${e.port}@${e.busPort}`
        if (!unreachableFrom.has(key)) unreachableFrom.set(key, new Set())
        unreachableFrom.get(key)!.add(s.address)
      }
    }
  }
  const parts: string[] = []
  for (const [key, from] of unreachableFrom) {
    const [hp, bus] = key.split('@')
    const host = hp.slice(0, hp.lastIndexOf(':'))
    const here = await probeTcp(host, Number(bus))
    parts.push(`Bus port ${host}:${bus} of node ${hp} may be unreachable from ${[...from].join(', ')}${here ? '' : ' (and from this machine)'}.`)
  }
  const dead = snaps.filter((s) => s.error).map((s) => `${s.address} (${s.error})`)
  if (dead.length) parts.push(`Not answering: ${dead.join(', ')}.`)
  return parts.join(' ')
}

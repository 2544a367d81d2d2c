// Pure planner for `create`: masters/replicas with host anti-affinity and contiguous balanced slot ranges.
import type {SlotRange} from '../topology/types.js'

export interface CreateCandidate {
  address: string
  host: string
  port: number
}

export interface CreatePlan {
  masters: {address: string; host: string; port: number; slots: SlotRange; slotCount: number}[]
  replicas: {address: string; host: string; port: number; masterAddress: string}[]
  antiAffinity: {replicasWithMasterHost: number; replicasSharingHost: number; perfect: boolean}
}

export class CreatePlanError extends Error {}

/** redis-cli's allocation: spn = 16384/M as float, last = lround(cursor+spn-1), final master to 16383. */
export function allocateSlots(masterCount: number): SlotRange[] {
  const out: SlotRange[] = []
  const spn = 16384 / masterCount
  let first = 0
  let cursor = 0
  for (let i = 0; i < masterCount; i++) {
    let last = Math.round(cursor + spn - 1)
    if (last > 16383 || i === masterCount - 1) last = 16383
    if (last < first) last = first
    out.push([first, last])
    first = last + 1
    cursor += spn
  }
  return out
}

/** Interleave nodes across hosts round-robin, hosts with most nodes first (stable). */
export function interleaveByHost<T extends {host: string}>(nodes: T[]): T[] {
  const groups = new Map<string, T[]>()
  for (const n of nodes) groups.set(n.host, [...(groups.get(n.host) ?? []), n])
  const lists = [...groups.values()].sort((a, b) => b.length - a.length)
  const out: T[] = []
  for (let i = 0; out.length < nodes.length; i++) for (const l of lists) if (i < l.length) out.push(l[i])
  return out
}

interface Assign {
  node: CreateCandidate
  master: number
}

function score(assign: Assign[], masters: CreateCandidate[]): {same: number; sibling: number; total: number} {
  let same = 0
  let sibling = 0
  for (let m = 0; m < masters.length; m++) {
    const hosts = assign.filter((a) => a.master === m).map((a) => a.node.host)
    same += hosts.filter((h) => h === masters[m].host).length
    const counts = new Map<string, number>()
    for (const h of hosts) counts.set(h, (counts.get(h) ?? 0) + 1)
    for (const c of counts.values()) if (c > 1) sibling += c - 1
  }
  return {same, sibling, total: same * 10000 + sibling}
}

export function planCreate(candidates: CreateCandidate[], replicasPerMaster: number): CreatePlan {
  if (!Number.isInteger(replicasPerMaster) || replicasPerMaster < 0) throw new CreatePlanError('--replicas must be a non-negative integer')
  const masterCount = Math.floor(candidates.length / (replicasPerMaster + 1))
  if (masterCount < 3) {
    throw new CreatePlanError(
      `Invalid configuration for cluster creation: ${candidates.length} nodes with ${replicasPerMaster} replica(s) per master give ${masterCount} master(s); Redis Cluster requires at least 3 master nodes (at least ${3 * (replicasPerMaster + 1)} nodes are required).`,
    )
  }
  const ordered = interleaveByHost(candidates)
  const masters = ordered.slice(0, masterCount)
  const rest = ordered.slice(masterCount)
  const slots = allocateSlots(masterCount)

  // Greedy placement: each round gives every master one replica, choosing a node on a host that
  // is neither the master's nor a sibling's, preferring hosts with more remaining nodes.
  const assign: Assign[] = []
  const pool = [...rest]
  const pick = (m: number): CreateCandidate | undefined => {
    if (!pool.length) return undefined
    const sibHosts = new Set(assign.filter((a) => a.master === m).map((a) => a.node.host))
    const remainingPerHost = new Map<string, number>()
    for (const n of pool) remainingPerHost.set(n.host, (remainingPerHost.get(n.host) ?? 0) + 1)
    let best = -1
    let bestKey = Infinity
    pool.forEach((n, i) => {
      const key = (n.host === masters[m].host ? 2 : 0) * 1e6 + (sibHosts.has(n.host) ? 1 : 0) * 1e5 - (remainingPerHost.get(n.host) ?? 0) * 10 + i * 1e-3
      if (key < bestKey) {
        bestKey = key
        best = i
      }
    })
    return pool.splice(best, 1)[0]
  }
  for (let round = 0; round < replicasPerMaster; round++) {
    for (let m = 0; m < masterCount; m++) {
      const n = pick(m)
      if (n) assign.push({node: n, master: m})
    }
  }
  // Leftover nodes (N not a multiple of R+1): one extra replica per master in turn.
  for (let m = 0; pool.length; m = (m + 1) % masterCount) {
    const n = pick(m)
    if (n) assign.push({node: n, master: m})
  }
  // Deterministic improvement: swap masters of two replicas while the score drops.
  let current = score(assign, masters).total
  for (let improved = true; improved && current > 0; ) {
    improved = false
    for (let i = 0; i < assign.length && !improved; i++) {
      for (let j = i + 1; j < assign.length && !improved; j++) {
        if (assign[i].master === assign[j].master) continue
        ;[assign[i].master, assign[j].master] = [assign[j].master, assign[i].master]
        const s = score(assign, masters).total
        if (s < current) {
          current = s
          improved = true
        } else {
          ;[assign[i].master, assign[j].master] = [assign[j].master, assign[i].master]
        }
      }
    }
  }
  const final = score(assign, masters)
  return {
    masters: masters.map((m, i) => ({address: m.address, host: m.host, port: m.port, slots: slots[i], slotCount: slots[i][1] - slots[i][0] + 1})),
    replicas: assign
      .sort((a, b) => a.master - b.master)
      .map((a) => ({address: a.node.address, host: a.node.host, port: a.node.port, masterAddress: masters[a.master].address})),
    antiAffinity: {replicasWithMasterHost: final.same, replicasSharingHost: final.sibling, perfect: final.total === 0},
  }
}

// The slot verdict (getNodeByQuery in Redis 7.0.15 cluster.c), pure: given the command's keys
// and the session's ASKING/READONLY flags, decide ok | moved | ask | tryagain | crossslot |
// clusterdown. The order of the checks is Redis's and matters to clients (§4).
import type {Verdict} from '../verdict.js'
import type {ClusterNode} from './node.js'
import {clientPort, type ClusterState} from './state.js'

export interface VerdictQuery {
  keys: readonly string[]
  slotOf(key: string): number
  /** Key present in the local keyspace (no expiry side effects wanted). */
  exists(key: string): boolean
  asking: boolean
  readonlySession: boolean
  /** The command (or, for EXEC, any queued command) writes. */
  write: boolean
  isMigrate?: boolean
  /** SPUBLISH / SSUBSCRIBE / SUNSUBSCRIBE: served by replicas of the owner like READONLY reads. */
  pubsubShard?: boolean
  /** the client came through a TLS listener (a TLS cluster redirects plain clients to plain ports) */
  tlsClient?: boolean
}

const OK: Verdict = {kind: 'ok'}

/** The endpoint clients are redirected to (getPreferredEndpoint). */
export function preferredEndpoint(st: ClusterState, n: ClusterNode): string {
  switch (st.config.preferredEndpointType) {
    case 'hostname':
      return n.hostname || '?'
    case 'unknown-endpoint':
      return ''
    default:
      return n.ip
  }
}

export function slotVerdict(st: ClusterState, q: VerdictQuery): Verdict {
  const me = st.myself
  let n: ClusterNode | null = null
  let slot = -1
  let firstKey: string | null = null
  let migrating = false
  let importing = false
  let multipleKeys = false
  let missing = 0
  let existing = 0
  for (const key of q.keys) {
    const s = q.slotOf(key)
    if (firstKey === null) {
      firstKey = key
      slot = s
      n = st.slots[s]
      if (n === null) return {kind: 'clusterdown', reason: 'unbound'}
      if (n === me && st.migratingTo[s] !== null) migrating = true
      else if (st.importingFrom[s] !== null) importing = true
    } else if (key !== firstKey) {
      if (s !== slot) return {kind: 'crossslot'}
      multipleKeys = true
    }
    // Sharded pub/sub has no keys to look up: a channel of an open slot is served here.
    if ((migrating || importing) && !q.pubsubShard) {
      if (q.exists(key)) existing++
      else missing++
    }
  }
  if (n === null) return OK
  if (!st.ok) {
    if (q.pubsubShard) {
      if (!st.config.allowPubsubshardWhenDown) return {kind: 'clusterdown', reason: 'down'}
    } else if (!st.config.allowReadsWhenDown) return {kind: 'clusterdown', reason: 'down'}
    else if (q.write) return {kind: 'clusterdown', reason: 'readonly'}
  }
  if ((migrating || importing) && q.isMigrate) return OK
  if (migrating && missing > 0) {
    if (existing > 0) return {kind: 'tryagain'}
    const target = st.migratingTo[slot]!
    return {kind: 'ask', slot, host: preferredEndpoint(st, target), port: clientPort(st, target, q.tlsClient === true)}
  }
  if (importing && q.asking) {
    if (multipleKeys && missing > 0) return {kind: 'tryagain'}
    return OK
  }
  if ((q.readonlySession || q.pubsubShard) && !q.write && me.isReplica && me.masterId === n.id) return OK
  if (n !== me) return {kind: 'moved', slot, host: preferredEndpoint(st, n), port: clientPort(st, n, q.tlsClient === true)}
  return OK
}

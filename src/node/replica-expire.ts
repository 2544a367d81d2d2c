// Keys written with a TTL directly on a writable replica (replica-read-only no): the master never
// sends a DEL for them, so the replica expires them itself (redis 7.0 expire.c
// rememberSlaveKeyWithExpire / expireSlaveKeys / flushSlaveKeysWithExpires). Keys the master's
// stream sets a TTL on are not tracked: their DEL comes from the master.
import type {NodeServer} from './server.js'

/** key -> the dbs (bit per db index, as redis) where it was written with a TTL */
const tracked = new WeakMap<NodeServer, Map<string, Set<number>>>()

function mapOf(server: NodeServer): Map<string, Set<number>> {
  let m = tracked.get(server)
  if (m === undefined) tracked.set(server, (m = new Map()))
  return m
}

/** Keyspace hook: a TTL set on a db that does not expire keys itself. */
export function rememberReplicaKeyWithExpire(server: NodeServer, dbIndex: number, key: string): void {
  if (server.replicationApplying) return // our master's write: its DEL will follow
  const m = mapOf(server)
  let dbs = m.get(key)
  if (dbs === undefined) m.set(key, (dbs = new Set()))
  dbs.add(dbIndex)
}

/** expireSlaveKeys, from the cron of a replica: expired tracked keys are deleted (and the DEL
 * propagated to our own replicas and AOF), keys without a TTL any more are forgotten. */
export function expireReplicaKeys(server: NodeServer): void {
  const m = tracked.get(server)
  if (m === undefined || m.size === 0) return
  let budget = 1000
  for (const [key, dbs] of m) {
    for (const db of dbs) {
      const r = server.db(db).expireIfPast(key)
      if (r !== false) dbs.delete(db) // expired now, or no TTL (deleted / persisted) any more
    }
    if (dbs.size === 0) m.delete(key)
    if (--budget === 0) break
  }
}

/** INFO slave_expires_tracked_keys */
export function trackedReplicaKeys(server: NodeServer): number {
  return tracked.get(server)?.size ?? 0
}

/** FLUSHALL (redis emptyData(-1) calls flushSlaveKeysWithExpires). */
export function forgetReplicaKeys(server: NodeServer): void {
  tracked.get(server)?.clear()
}

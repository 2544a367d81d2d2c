// serverCron's databasesCron for the databases' dict models (redis 7.0.15 server.c): while no
// child process exists, shrink the keys and expires dicts that fell under 10% fill
// (tryResizeHashTables, 16 databases per call, round robin) and, with activerehashing, give 1 ms
// of incremental rehashing to the first database that is rehashing (incrementallyRehash).
import type {Keyspace} from './keyspace.js'

const CRON_DBS_PER_CALL = 16
let resizeDb = 0
let rehashDb = 0

export function databasesDictCron(dbs: Keyspace[], childActive: boolean, activeRehashing: boolean): void {
  if (childActive || dbs.length === 0) return
  const perCall = Math.min(CRON_DBS_PER_CALL, dbs.length)
  for (let j = 0; j < perCall; j++) {
    const db = dbs[resizeDb++ % dbs.length]
    db.dict.shrinkIfNeeded()
    db.expiresDict.shrinkIfNeeded()
  }
  if (!activeRehashing) return
  for (let j = 0; j < perCall; j++) {
    const db = dbs[rehashDb % dbs.length]
    if (db.dict.rehashing) return void db.dict.rehashMilliseconds(1)
    if (db.expiresDict.rehashing) return void db.expiresDict.rehashMilliseconds(1)
    rehashDb = (rehashDb + 1) % dbs.length
  }
}

/**
 * getMemoryOverheadData's per-database figures (object.c) from the dict models: entries (24 B
 * dictEntry + 16 B robj per key), bucket pointers (8 B per slot of both tables while rehashing),
 * and in cluster mode the 16 B slot-to-keys metadata per key.
 */
export function dbOverhead(db: Keyspace, clusterMode: boolean): {main: number; expires: number; slotToKeys: number} {
  const keys = db.dict.size
  const expires = db.expiresDict.size
  return {
    main: keys * 24 + db.dict.slots * 8 + keys * 16,
    expires: expires * 24 + db.expiresDict.slots * 8,
    slotToKeys: clusterMode ? keys * 16 : 0,
  }
}

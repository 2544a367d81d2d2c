// Loading one parsed RDB entry into the keyspace (redis rdb.c rdbLoadRio's per-key tail):
// absolute expiry kept, keys already expired skipped on a master and kept on a replica (the
// master's DEL will follow), duplicates and out-of-range databases refused like redis.
import {fromRdbValue} from '../keyspace/rdb-convert.js'
import type {NodeServer} from '../server.js'
import type {RdbEntry} from './rdb-file.js'
import {RdbFormatError} from './rdb-value.js'
import {setIdleOrFreq} from '../memory/index.js'

export interface LoadEntryOptions {
  /** Keep keys whose expiry has passed (replicas; default: true when the node is a replica). */
  keepExpired?: boolean
  /** Replace an existing key instead of failing (redis RDBFLAGS_ALLOW_DUP, used by DEBUG RELOAD MERGE). */
  allowDuplicates?: boolean
}

/** Returns false when the key was skipped because it had already expired. */
export function loadEntry(server: NodeServer, db: number, e: RdbEntry, opts: LoadEntryOptions = {}): boolean {
  if (db < 0 || db >= server.databaseCount) {
    throw new RdbFormatError(`Data file was created with a Redis server configured to handle more than ${server.databaseCount} databases (key '${e.key}' is in DB ${db})`)
  }
  const keepExpired = opts.keepExpired ?? server.cluster?.isReplica?.() ?? server.startsAsReplica
  if (e.expireAt !== undefined && !keepExpired && e.expireAt < server.clock.now()) return false
  const ks = server.db(db)
  // The key count grows exactly when the key is new: one hash lookup, no separate has().
  const before = ks.size
  ks.set(e.key, fromRdbValue(e.value))
  if (ks.size === before && !opts.allowDuplicates) throw new RdbFormatError(`RDB has duplicated key '${e.key}' in DB ${db}`)
  if (e.expireAt !== undefined) ks.setExpire(e.key, e.expireAt, true)
  // redis rdbLoadRio: objectSetLRUOrLFU with the record's IDLE / FREQ
  if (e.idle !== undefined || e.freq !== undefined) setIdleOrFreq(server, ks, e.key, e.idle ?? -1, e.freq ?? -1)
  return true
}

/**
 * The function libraries of a loaded RDB join the node's (redis rdbFunctionLoad into the current
 * library set): at start-up there are none yet; DEBUG RELOAD MERGE replaces same-named ones,
 * without MERGE a library that exists already fails the load.
 */
export function installFunctions(server: NodeServer, codes: string[], replace = false): void {
  const fx = server.scripting?.functions
  if (fx === undefined) throw new RdbFormatError('Unsupported RDB content: function libraries (FUNCTION2) on a node without scripting')
  for (const code of codes) {
    const r = fx.create(code, replace, fx.current, 0)
    if ('error' in r) throw new RdbFormatError(`Failed loading library: ${r.error}`)
  }
}

// Which deletions redis 7.0 hands to its lazy-free thread (lazyfree.c), for INFO's
// lazyfreed_objects: UNLINK (and DEL under lazyfree-lazy-user-del) of a value whose free effort is
// above LAZYFREE_THRESHOLD, and FLUSHDB/FLUSHALL ASYNC (every key counts). The embedded node frees
// through V8's collector either way; only the accounting follows Redis.
import {Deque, Stream, type RedisValue} from './keyspace.js'
import {isCompact} from './encoding.js'
import {PackedList} from './packed.js'
import {quicklistNodes} from '../persistence/rdb-codec.js'

const LAZYFREE_THRESHOLD = 64

/** lazyfreeGetFreeEffort: allocations to free (quicklist nodes, hash table entries); 1 for compact values. */
export function freeEffort(v: RedisValue): number {
  if (typeof v === 'string') return 1
  if (v instanceof PackedList && v.packed !== null) return v.packed.length // its quicklist nodes, unread
  if (v instanceof Deque) return v.length <= LAZYFREE_THRESHOLD ? 1 : quicklistNodes(v).length
  if (v instanceof Map || v instanceof Set) return isCompact(v) ? 1 : v.size
  if (v instanceof Stream) return v.freeEffort()
  return isCompact(v) ? 1 : v.size
}

export function freedLazily(v: RedisValue): boolean {
  return freeEffort(v) > LAZYFREE_THRESHOLD
}

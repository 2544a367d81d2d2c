// Keyspace values <-> the RDB codec's neutral RdbValue model (DUMP/RESTORE/MIGRATE, and any
// other code that serialises keys). Both sides use latin1 strings, so members and values pass
// through untouched: no re-encoding, binary-safe.
import type {RdbValue} from '../persistence/rdb-value.js'
import {Deque, Stream, ZSet, type RedisValue} from './keyspace.js'
import {intsetWidth, isCompact, keepIntsetWidth} from './encoding.js'
import {PackedHash, PackedList} from './packed.js'

/** Snapshot a keyspace value (copies: later writes to the key do not change the result). */
export function toRdbValue(v: RedisValue): RdbValue {
  if (typeof v === 'string') return {type: 'string', value: v}
  if (v instanceof Deque) {
    const nodes = v instanceof PackedList ? v.packed : null
    return nodes !== null ? {type: 'list', items: [], nodes} : {type: 'list', items: v.toArray()}
  }
  if (v instanceof Map) {
    const packed = v instanceof PackedHash ? v.packed : null
    return packed !== null ? {type: 'hash', entries: [], packed} : {type: 'hash', entries: [...v], compact: isCompact(v)}
  }
  if (v instanceof Set) {
    const compact = isCompact(v)
    return {type: 'set', members: [...v], compact, width: compact ? intsetWidth(v) : undefined}
  }
  // Not copied: every caller encodes the value before the key can change again.
  if (v instanceof Stream) return {type: 'stream', stream: v}
  const entries: [string, number][] = new Array(v.size)
  for (let i = 0; i < v.size; i++) entries[i] = [v.memberAt(i), v.scoreAt(i)]
  return {type: 'zset', entries, compact: isCompact(v)}
}

/**
 * Build a keyspace value. The codec has already rejected duplicates and NaN scores (Redis
 * answers "Bad data format" for both), so this cannot fail on codec output.
 */
export function fromRdbValue(v: RdbValue): RedisValue {
  switch (v.type) {
    case 'string':
      return v.value
    case 'list':
      return v.nodes !== undefined ? new PackedList(v.nodes) : Deque.from(v.items)
    case 'hash':
      return v.packed !== undefined ? new PackedHash(v.packed) : new Map(v.entries)
    case 'set': {
      const s = new Set(v.members)
      if (v.width !== undefined) keepIntsetWidth(s, v.width)
      return s
    }
    case 'zset':
      return zsetFrom(v.entries)
    case 'stream':
      return v.stream
  }
}

/**
 * ZSet.add is an O(n) splice at the insertion point; feeding entries in (score, member) order
 * makes every insert an append, so a large zset loads in O(n log n) instead of O(n^2).
 */
function zsetFrom(entries: [string, number][]): ZSet {
  const sorted = entries.slice().sort((a, b) => (a[1] !== b[1] ? (a[1] < b[1] ? -1 : 1) : a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
  const z = new ZSet()
  for (const [m, s] of sorted) z.add(m, s)
  return z
}

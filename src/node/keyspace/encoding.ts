// Object encodings as redis 7.0 reports them (OBJECT ENCODING, DEBUG OBJECT) and as the RDB/DUMP
// writer emits them. Values are plain Map / Set / ZSet / Deque / string; this module remembers, per
// aggregate object, whether it has been converted to its big encoding (hashtable, skiplist).
//
// Redis 7.0 converts one way only while a key lives: a hash leaves listpack once it has more than
// hash-max-listpack-entries fields or a field/value longer than hash-max-listpack-value, a set
// leaves intset on a non-integer member or more than set-max-intset-entries members, a zset leaves
// listpack like a hash (t_hash.c hashTypeTryConversion, t_set.c setTypeAdd, t_zset.c zsetAdd).
// Deleting elements never converts back. Loading (RDB, RESTORE, DEBUG RELOAD, a full sync) builds
// the object again and re-evaluates from its contents (rdb.c rdbLoadObject): an object this module
// has never seen is judged by its contents.
//
// The thresholds are LIMITS in persistence/rdb-primitives.ts, set from the node's config
// (installEncodingConfig): process-wide, like the codec that reads them.
import {LIMITS} from '../persistence/rdb-primitives.js'
import {intsetWidthOf} from '../persistence/ziplist.js'
import {Deque, Stream, type RedisValue} from './keyspace.js'
import {PackedHash} from './packed.js'
import type {ZSet} from './zset.js'

/** A compact object as of its last write: its element count and its longest element (field, value or member). */
interface Compact {
  size: number
  maxLen: number
}
/** CONVERTED: converted (hashtable / skiplist); a Compact: compact as of its last write. */
const CONVERTED = -1
const converted = new WeakMap<object, Compact | typeof CONVERTED>()

const INT_RE = /^-?[1-9]\d{0,18}$|^0$/

/** string2ll: canonical decimal inside the signed 64-bit range. */
export function isInt64String(s: string): boolean {
  if (s.length > 20 || !INT_RE.test(s)) return false
  if (s.length < 19) return true
  const n = BigInt(s)
  return n <= 9223372036854775807n && n >= -9223372036854775808n
}

function hashExceeds(h: Map<string, string>): boolean {
  if (h.size > LIMITS.hashMaxListpackEntries) return true
  if (h instanceof PackedHash && h.packed !== null) return false // a restored listpack, not walked yet
  const max = LIMITS.hashMaxListpackValue
  for (const [f, v] of h) if (f.length > max || v.length > max) return true
  return false
}

function setExceeds(s: Set<string>): boolean {
  if (s.size > LIMITS.setMaxIntsetEntries) return true
  for (const m of s) if (!isInt64String(m)) return true
  return false
}

function zsetExceeds(z: ZSet): boolean {
  if (z.size > LIMITS.zsetMaxListpackEntries) return true
  const max = LIMITS.zsetMaxListpackValue
  for (let i = 0; i < z.size; i++) if (z.memberAt(i).length > max) return true
  return false
}

function exceeds(v: Map<string, string> | Set<string> | ZSet): boolean {
  if (v instanceof Map) return hashExceeds(v)
  if (v instanceof Set) return setExceeds(v)
  return zsetExceeds(v)
}

/**
 * After a write to a key: convert (for good) an aggregate that has outgrown its compact encoding.
 * Costs at most one pass over a compact object, whose size the thresholds bound.
 */
export function noteWrite(v: RedisValue | undefined): void {
  if (v === undefined || typeof v === 'string' || v instanceof Deque || v instanceof Stream) return
  const prev = converted.get(v)
  if (prev === CONVERTED) return
  if (prev === undefined) {
    const big = exceeds(v)
    converted.set(v, big ? CONVERTED : {size: v.size, maxLen: longest(v)})
    if (!big && v instanceof Set) recordWidth(v)
    return
  }
  // Redis checks while adding an element (a hash also while updating a field: hashTypeSet), never
  // while removing one, and checks the length of what is written only: existing elements longer
  // than a limit lowered since do not convert the object (CONFIG SET of the thresholds)
  const size = v.size
  const len = v instanceof PackedHash && v.packed !== null ? prev.maxLen : longest(v)
  const wrote = size > prev.size || (size === prev.size && v instanceof Map)
  if (wrote && (sizeExceeds(v) || (len > prev.maxLen && lengthExceeds(v, len)) || (v instanceof Set && !allInts(v)))) {
    converted.set(v, CONVERTED)
    return
  }
  if (wrote && v instanceof Set) recordWidth(v)
  prev.size = size
  prev.maxLen = len
}

function recordWidth(v: Set<string>): void {
  const w = intsetWidth(v)
  if (w > 2) intsetWidths.set(v, w)
}

/** The longest field or value of a hash, member of a set or sorted set. */
function longest(v: Map<string, string> | Set<string> | ZSet): number {
  let max = 0
  if (v instanceof Map) {
    if (v instanceof PackedHash && v.packed !== null) return 0 // a restored listpack, not walked yet
    for (const [f, x] of v) max = Math.max(max, f.length, x.length)
  } else if (v instanceof Set) for (const m of v) max = Math.max(max, m.length)
  else for (let i = 0; i < v.size; i++) max = Math.max(max, v.memberAt(i).length)
  return max
}

function sizeExceeds(v: Map<string, string> | Set<string> | ZSet): boolean {
  if (v instanceof Map) return v.size > LIMITS.hashMaxListpackEntries
  if (v instanceof Set) return v.size > LIMITS.setMaxIntsetEntries
  return v.size > LIMITS.zsetMaxListpackEntries
}

function lengthExceeds(v: Map<string, string> | Set<string> | ZSet, len: number): boolean {
  if (v instanceof Map) return len > LIMITS.hashMaxListpackValue
  if (v instanceof Set) return false
  return len > LIMITS.zsetMaxListpackValue
}

function allInts(s: Set<string>): boolean {
  for (const m of s) if (!isInt64String(m)) return false
  return true
}

/** Whether a hash/set/zset is in its compact encoding (listpack / intset). */
export function isCompact(v: Map<string, string> | Set<string> | ZSet): boolean {
  const c = converted.get(v)
  return c === undefined ? !exceeds(v) : c !== CONVERTED
}

/** The object has just been converted to its big encoding (mid-command, before noteWrite sees it). */
export function markConverted(v: object): void {
  converted.set(v, CONVERTED)
}

/** A copy (COPY, SORT ... STORE of a set) keeps the source's encoding, like redis's dup functions. */
export function inheritEncoding(from: object, to: object): void {
  const c = converted.get(from)
  if (c !== undefined) converted.set(to, c === CONVERTED ? CONVERTED : {...c})
  const w = intsetWidths.get(from as Set<string>)
  if (w !== undefined) intsetWidths.set(to as Set<string>, w)
}

/**
 * The widest integer encoding (2, 4 or 8 bytes) an intset set has held: redis upgrades an intset
 * for a wider member and never narrows it again (a member removed leaves it as wide). Recorded as
 * the set is written (noteWrite), restored (its payload's width) or copied.
 */
const intsetWidths = new WeakMap<Set<string>, number>()

/** The byte width of an intset set's integers (intset.c's encoding). */
export function intsetWidth(v: Set<string>): number {
  return intsetWidthOf(v, intsetWidths.get(v))
}

/** A set restored from an intset of this width keeps it (rdbLoad keeps the blob as it is). */
export function keepIntsetWidth(v: Set<string>, width: number): void {
  if (width > 2) intsetWidths.set(v, width)
}

/** OBJECT ENCODING. `marked`: the keyspace's stringEncoding() of the key (a string modified in place, INCRBYFLOAT's result). */
export function encodingOf(v: RedisValue, marked?: 'raw' | 'embstr' | 'int'): string {
  if (typeof v === 'string') {
    if (marked === 'raw' || marked === 'int') return marked
    if (marked === undefined && v.length <= 20 && isInt64String(v)) return 'int'
    return v.length <= 44 ? 'embstr' : 'raw'
  }
  if (v instanceof Deque) return 'quicklist'
  if (v instanceof Stream) return 'stream'
  if (v instanceof Map) return isCompact(v) ? 'listpack' : 'hashtable'
  if (v instanceof Set) return isCompact(v) ? 'intset' : 'hashtable'
  return isCompact(v) ? 'listpack' : 'skiplist'
}

/** Config names -> LIMITS fields (numbers as CONFIG GET shows them). */
const CONFIG_LIMITS: Record<string, keyof typeof LIMITS> = {
  'hash-max-listpack-entries': 'hashMaxListpackEntries',
  'hash-max-listpack-value': 'hashMaxListpackValue',
  'set-max-intset-entries': 'setMaxIntsetEntries',
  'zset-max-listpack-entries': 'zsetMaxListpackEntries',
  'zset-max-listpack-value': 'zsetMaxListpackValue',
  'list-max-listpack-size': 'listMaxListpackSize',
  'list-compress-depth': 'listCompressDepth',
}

/** Apply the config's thresholds now and on every CONFIG SET. */
export function installEncodingConfig(config: {get(name: string): string; onChange: ((name: string, value: string) => void)[]}): void {
  for (const [name, field] of Object.entries(CONFIG_LIMITS)) LIMITS[field] = Number(config.get(name))
  config.onChange.push((name, value) => {
    const field = CONFIG_LIMITS[name]
    if (field !== undefined) LIMITS[field] = Number(value)
  })
}

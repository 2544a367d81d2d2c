// One logical database: key -> value, key -> expiry (ms). Keys live in one Map per hash slot
// (no global map): COUNTKEYSINSLOT is O(1), GETKEYSINSLOT/SCAN cost what they return, and each
// key costs one hash-table entry instead of two (a global map plus a per-slot index measured
// ~20 B/key more; bench/node.ts). The slot of the key just looked up is memoised in slot.ts, so
// the cluster verdict and the lookup hash the key once.
// Values: string values are stored as bare latin1 strings (no wrapper object: ~40 B/key
// less, see redis-cluster-protocol.md §18.4); aggregates are Deque / Map / Set / ZSet.
import {constants} from 'node:buffer'
import {ReplyError, E} from '../errors.js'
import type {Clock} from '../clock.js'
import {Deque} from './deque.js'
import {keySlot, SLOTS} from './slot.js'
import {grownSds} from './sds.js'
import {ZSet} from './zset.js'
import {Stream} from './stream.js'
import {DictModel, type ElementPartitions} from './dict.js'
import {BigMap} from './big-map.js'
import {pickAdded, pickRemoved, randomMember} from './random-pick.js'
import {EDIT_MIN, StringEdit, type StringBytes} from './string-edit.js'

export {Deque, ZSet, Stream, StringEdit, type StringBytes}
export type HashValue = Map<string, string>
export type SetValue = Set<string>
export type RedisValue = string | Deque | HashValue | SetValue | ZSet | Stream
export type TypeName = 'string' | 'list' | 'hash' | 'set' | 'zset' | 'stream'

export function typeOf(v: RedisValue): TypeName {
  if (typeof v === 'string') return 'string'
  if (v instanceof Deque) return 'list'
  if (v instanceof Map) return 'hash'
  if (v instanceof Set) return 'set'
  if (v instanceof Stream) return 'stream'
  return 'zset'
}

/** Per-key bytes beyond key and value in the used_memory estimate (dict entry, object, expiry slot). */
export const KEY_OVERHEAD = 72

/** A value redis stores as one of its shared integer objects: 0-9999 in canonical form (OBJ_SHARED_INTEGERS). */
export function isSharedIntValue(v: RedisValue): v is string {
  return typeof v === 'string' && v.length <= 4 && /^(0|[1-9]\d{0,3})$/.test(v)
}

export interface KeyspaceEvents {
  /** A key was removed because its TTL passed (lazy or active): propagate DEL, wake WATCH. */
  expired?(key: string): void
  /** A key was created (keyspace notification "new"; set only while that class is on). */
  added?: (key: string) => void
  /** A read lookup missed (keyspace notification "keymiss"; set only while that class is on). */
  missed?: (key: string) => void
}

/** read() flags: redis LOOKUP_NOTOUCH (the access time is kept) and LOOKUP_NONOTIFY (no keymiss). */
export const READ_NOTOUCH = 1
/** redis ACTIVE_EXPIRE_CYCLE_KEYS_PER_LOOP: the keys one loop of the cycle samples (its avg_ttl sample). */
const ACTIVE_EXPIRE_KEYS_PER_LOOP = 20
export const READ_NONOTIFY = 2

/** A looked-up value as a string: undefined when missing, WRONGTYPE for another type. */
function asString(v: RedisValue | undefined): string | undefined {
  if (v === undefined || typeof v === 'string') return v
  throw new ReplyError(E.WRONGTYPE)
}

/** A looked-up value as a string's bytes (its StringEdit while edited in place): undefined when missing, WRONGTYPE for another type. */
function asBytes(v: RedisValue | StringEdit | undefined): StringBytes | undefined {
  if (v === undefined || typeof v === 'string' || v instanceof StringEdit) return v
  throw new ReplyError(E.WRONGTYPE)
}

/** A looked-up value as an instance of `ctor`: undefined when missing, WRONGTYPE for another type. */
function asType<T>(v: RedisValue | undefined, ctor: new (...a: never[]) => T): T | undefined {
  if (v === undefined) return undefined
  if (v instanceof ctor) return v as T
  throw new ReplyError(E.WRONGTYPE)
}

const MAX_STRING_LENGTH = constants.MAX_STRING_LENGTH

/** The stored value of a string edited in place (its bytes are in Keyspace.edits). */
const EDITED = ''

/** A string's encoding where it is not what its value gives (Keyspace.stringEncoding). */
export type StringEncoding = 'raw' | 'embstr' | 'int'

export class Keyspace {
  /** slot -> its keys; undefined when the slot holds none */
  private slots: (Map<string, RedisValue> | undefined)[] = new Array(SLOTS).fill(undefined)
  private count = 0
  private expires = new BigMap<string, number>()
  private expireCursor: IterableIterator<string> | null = null
  /** keys the last activeExpire walk checked (0 on a replica's walk of its own TTL keys: the cycle repeats while that expires any) */
  private expireChecked = 0
  /** INFO keyspace avg_ttl: redis's running estimate, updated by the active expire cycle (ms). */
  avgTtl = 0
  /** Bumped on every key removal; SCAN uses nothing else so it stays stable. */
  events: KeyspaceEvents = {}
  /** Replicas do not expire keys themselves (redis: the master sends DEL). */
  expireEnabled = true
  /**
   * With expiry disabled (a replica), reads still treat a logically expired key as missing
   * (redis 7.0 expireIfNeeded on a replica); false while the master's stream is applied, so its
   * commands see the key the master still has.
   */
  hideExpired = true
  /** DEBUG SET-ACTIVE-EXPIRE: only the background cycle stops; lookups still expire lazily. */
  activeExpireEnabled = true
  /**
   * A writable replica's own keys with a TTL (redis slaveKeysWithExpire): a replica does not
   * expire its master's keys, but keys its clients gave a TTL are expired by the cycle
   * (expireSlaveKeys). Non-null only while the node is a replica.
   */
  localExpires: Set<string> | null = null
  /** A client pause is on (src/node/pause.ts): keep the dataset static, expired keys read as missing. */
  expiryPaused = false
  stats = {expiredKeys: 0}
  /** Where read lookups count (the server's INFO keyspace_hits/keyspace_misses, shared by its databases). */
  readStats = {keyspaceHits: 0, keyspaceMisses: 0}
  /**
   * Dataset bytes estimate for used_memory / maxmemory (src/node/memory): per key a fixed
   * overhead plus the key's bytes, plus string values' bytes; aggregates' contents are estimated
   * on demand by the memory module. Maintained here because only here old and new values meet.
   */
  bytes = 0
  /** keys holding an aggregate (their contents are not in `bytes`) */
  aggregates = 0
  /**
   * key -> LRU clock (s) or LFU counter (src/node/memory), written on every lookup while an
   * LRU/LFU maxmemory-policy is set (accessStamp non-null); otherwise empty, so keys cost nothing extra.
   */
  access = new BigMap<string, number>()
  accessStamp: ((key: string, prev: number | undefined) => number) | null = null
  /** the server's: a child process exists (BGSAVE, AOF rewrite, full sync), so lookups leave access data alone */
  childFlag = {active: false}
  /**
   * While redis would share integer objects (no maxmemory LRU/LFU policy), the access data of the
   * values 0-9999: every key holding one shares its object, so its LRU clock / LFU counter too (one
   * map for every database of a server); null otherwise.
   */
  sharedAccess: Map<number, number> | null = null
  /** the access data are LFU counters (an overwrite hands the old value's counter to the new one) */
  accessLfu = false
  /**
   * Strings whose encoding is not what redis's tryObjectEncoding gives a value it stores ('int' for
   * an integer, else embstr/raw by length), until overwritten: 'raw' for strings modified in place
   * (APPEND, SETRANGE, SETBIT…), 'embstr' for INCRBYFLOAT's result (embstr up to 44 bytes, raw
   * beyond, even when it reads as an integer), 'int' for an integer that is not one of the shared
   * integers 0-9999 (COPY's duplicate: OBJECT REFCOUNT 1).
   */
  /** a string's encoding when marked; a number: raw, with the sds its in-place growth left (sds.ts) */
  private stringEncodings = new BigMap<string, StringEncoding | number>()
  /**
   * Strings being edited in place (string-edit.ts): the key's stored value is then EDITED (the
   * empty string) and its bytes are here. Every lookup that returns a value gives the string
   * (materialize); the byte readers take the StringEdit (getBytes, readBytes). `bytes` counts
   * each one's `counted` length.
   */
  private edits = new Map<string, StringEdit>()
  /** commitEdit of a key already in `edits`: set() leaves its edit and encoding entries in place */
  private recommit = false

  /**
   * redis's db->dict and db->expires as dict.ts models them (sizes, rehash state; buckets from the
   * keys' hashes): DEBUG HTSTATS, MEMORY STATS. Storage stays in the per-slot Maps above, which
   * also let the keys dict's counting passes walk the keys a slot at a time (dict-counts.ts).
   */
  dict = new DictModel(() => this.keys(), this.slotParts())
  expiresDict = new DictModel(() => this.expires.keys())

  constructor(readonly clock: Clock) {}

  get size(): number {
    return this.count
  }
  get expiresCount(): number {
    return this.expires.size
  }

  // ---- lookups (all apply lazy expiry) --------------------------------------------------

  private expireIfNeeded(key: string): boolean {
    if (this.expiresDict.rehashidx !== -1) this.expiresDict.touch()
    const at = this.expires.get(key)
    if (at === undefined || at > this.clock.now()) return false
    if (!this.expireEnabled || this.expiryPaused) return this.hideExpired
    this.remove(key)
    this.stats.expiredKeys++
    this.events.expired?.(key)
    return true
  }

  get(key: string): RedisValue | undefined {
    const v = this.lookup(key)
    return this.made(key, v)
  }

  /** get() whose string may be EDITED (its bytes in `edits`): existence checks and the byte readers. */
  private lookup(key: string): RedisValue | undefined {
    if (this.expires.size !== 0 && this.expireIfNeeded(key)) return undefined
    if (this.dict.rehashidx !== -1) this.dict.touch()
    const v = this.slots[keySlot(key)]?.get(key)
    if (v !== undefined && this.accessStamp !== null && !this.childFlag.active) {
      // prev 0 for a key not stamped yet (stored before tracking began): LFU starts it from 0
      const shared = this.sharedInt(key, v)
      if (shared === -1) this.access.set(key, this.accessStamp(key, this.access.get(key) ?? 0))
      else this.sharedAccess!.set(shared, this.accessStamp(key, this.sharedAccess!.get(shared) ?? 0))
    }
    return v
  }

  /**
   * The shared integer whose object `key`'s value `v` is while sharing is on (0-9999: not a string
   * marked otherwise, nor a COPY's duplicate), or -1. `v` undefined: looked up without side effects.
   */
  private sharedInt(key: string, v: RedisValue | undefined = this.sharedAccess === null ? undefined : this.peekRaw(key)): number {
    if (this.sharedAccess === null || v === undefined || !isSharedIntValue(v) || (this.stringEncodings.size !== 0 && this.stringEncodings.has(key))) return -1
    return Number(v)
  }

  /** The key's LRU clock / LFU counter: its value's shared object's, when it holds a shared integer. */
  accessOf(key: string, v?: RedisValue): number | undefined {
    const shared = this.sharedInt(key, v)
    return shared === -1 ? this.access.get(key) : this.sharedAccess!.get(shared)
  }

  /** Set the key's access data (RESTORE ... IDLETIME / FREQ: objectSetLRUOrLFU on its value object). */
  setAccess(key: string, stamp: number): void {
    const shared = this.sharedInt(key)
    if (shared === -1) this.access.set(key, stamp)
    else this.sharedAccess!.set(shared, stamp)
  }

  /** Lookup without touching the key's LRU/LFU data (OBJECT, eviction sampling). */
  peek(key: string): RedisValue | undefined {
    const v = this.peekLookup(key)
    return this.made(key, v)
  }
  private peekLookup(key: string): RedisValue | undefined {
    if (this.expires.size !== 0 && this.expireIfNeeded(key)) return undefined
    return this.slots[keySlot(key)]?.get(key)
  }

  has(key: string): boolean {
    return this.lookup(key) !== undefined
  }

  /** `key`'s looked-up value `v` as lookups return it: the string of one edited in place made (materialize). */
  private made<T extends RedisValue | undefined>(key: string, v: T): T | string {
    return v === EDITED && this.edits.size !== 0 && this.edits.has(key) ? this.materialize(key) : v
  }

  /** `key`'s looked-up value `v` as the byte readers take it: the StringEdit of one edited in place. */
  private bytesOf(key: string, v: RedisValue | undefined): RedisValue | StringEdit | undefined {
    return v === EDITED && this.edits.size !== 0 ? (this.edits.get(key) ?? v) : v
  }

  /** The string a key edited in place holds now: made once, and the edit ends (the next one copies it again). */
  private materialize(key: string): string {
    const e = this.edits.get(key)!
    this.edits.delete(key)
    const s = e.toString()
    this.bytes += s.length - e.counted
    this.slots[keySlot(key)]!.set(key, s)
    return s
  }

  /** Every string edited in place made (the snapshot walks the stored values themselves). */
  private materializeAll(): void {
    for (const key of [...this.edits.keys()]) this.materialize(key)
  }

  /** The key's edit ends without its string being made (it is overwritten or removed): `bytes` then counts EDITED. */
  private dropEdit(key: string): void {
    const e = this.edits.get(key)
    if (e === undefined) return
    this.edits.delete(key)
    this.bytes -= e.counted
  }

  /**
   * A command reading `key` (redis lookupKeyRead): get() or, with READ_NOTOUCH, peek(), counted in
   * keyspace_hits / keyspace_misses, a miss raising the keymiss event unless READ_NONOTIFY. Lookups
   * for a write (redis lookupKeyWrite) use get() and count nothing.
   */
  read(key: string, flags = 0): RedisValue | undefined {
    const v = this.readLookup(key, flags)
    return this.made(key, v)
  }
  private readLookup(key: string, flags: number): RedisValue | undefined {
    let v: RedisValue | undefined
    if (flags & READ_NOTOUCH) {
      // redis lookupKey's dictFind steps a rehashing keyspace with LOOKUP_NOTOUCH too (TYPE,
      // EXISTS, TTL, OBJECT, SCAN ... TYPE: redis-cli --bigkeys reads every key's TYPE)
      if (this.dict.rehashidx !== -1) this.dict.touch()
      v = this.peekLookup(key)
    } else v = this.lookup(key)
    if (v !== undefined) this.readStats.keyspaceHits++
    else {
      if (!(flags & READ_NONOTIFY)) this.events.missed?.(key)
      this.readStats.keyspaceMisses++
    }
    return v
  }
  /** read() of a string key: a hit is counted before the WRONGTYPE check, as redis does. */
  readString(key: string): string | undefined {
    return asString(this.read(key))
  }
  /** readString() as bytes: a string edited in place stays where it is (the bitmap readers, GETRANGE, STRLEN). */
  readBytes(key: string): StringBytes | undefined {
    const v = this.readLookup(key, 0)
    return asBytes(this.bytesOf(key, v))
  }
  readList(key: string): Deque | undefined {
    return asType(this.read(key), Deque)
  }
  readHash(key: string): HashValue | undefined {
    return asType(this.read(key), Map) as HashValue | undefined
  }
  readSet(key: string): SetValue | undefined {
    return asType(this.read(key), Set) as SetValue | undefined
  }
  readZSet(key: string): ZSet | undefined {
    return asType(this.read(key), ZSet)
  }
  readStream(key: string): Stream | undefined {
    return asType(this.read(key), Stream)
  }

  /** GET-style lookup: undefined when missing, ReplyError(WRONGTYPE) for other types. */
  getString(key: string): string | undefined {
    return asString(this.get(key))
  }
  /** getString() as bytes (a writer's lookup before it edits: editBytes). */
  getBytes(key: string): StringBytes | undefined {
    const v = this.lookup(key)
    return asBytes(this.bytesOf(key, v))
  }
  getList(key: string): Deque | undefined {
    return asType(this.get(key), Deque)
  }
  getHash(key: string): HashValue | undefined {
    return asType(this.get(key), Map) as HashValue | undefined
  }
  getSet(key: string): SetValue | undefined {
    return asType(this.get(key), Set) as SetValue | undefined
  }
  getZSet(key: string): ZSet | undefined {
    return asType(this.get(key), ZSet)
  }
  getStream(key: string): Stream | undefined {
    return asType(this.get(key), Stream)
  }

  /** Create-if-missing helpers for push/add style commands. */
  listForWrite(key: string): Deque {
    return this.getList(key) ?? this.insertNew(key, new Deque())
  }
  hashForWrite(key: string): HashValue {
    return this.getHash(key) ?? this.insertNew(key, new Map<string, string>())
  }
  setForWrite(key: string): SetValue {
    return this.getSet(key) ?? this.insertNew(key, new Set<string>())
  }
  zsetForWrite(key: string): ZSet {
    return this.getZSet(key) ?? this.insertNew(key, new ZSet())
  }
  private insertNew<T extends RedisValue>(key: string, v: T): T {
    this.set(key, v)
    return v
  }

  // ---- mutation -------------------------------------------------------------------------

  /** Overwrite (SET semantics): clears any TTL unless keepTtl. */
  set(key: string, value: RedisValue, keepTtl = false): void {
    if (this.edits.size !== 0 && !this.recommit) this.dropEdit(key)
    const slot = keySlot(key)
    const m = this.slots[slot]
    if (m === undefined) {
      this.dict.add(key)
      this.slots[slot] = new Map([[key, value]])
      this.count++
      this.account(key, undefined, value)
      if (this.accessStamp !== null) this.access.set(key, this.accessStamp(key, undefined))
      if (this.events.added !== undefined) this.events.added(key)
      return
    }
    const old = m.get(key)
    // a new key starts fresh (prev undefined: LFU_INIT_VAL); an overwrite was just looked up (or is
    // a blind SET): the stamp function decides (LFU keeps the counter, redis dbSetValue)
    if (this.accessStamp !== null) {
      const prev = old === undefined ? undefined : -1 - (this.accessOf(key, old) ?? 0)
      const stamp = this.accessStamp(key, prev)
      this.access.set(key, stamp)
      // redis dbSetValue under LFU: the new value object takes the old one's counter, a shared
      // integer's object too
      if (prev !== undefined && this.accessLfu && this.sharedAccess !== null && isSharedIntValue(value)) this.sharedAccess.set(Number(value), stamp)
    }
    if (old === undefined) this.dict.add(key)
    else if (this.dict.rehashidx !== -1) this.dict.touch()
    m.set(key, value)
    this.account(key, old, value)
    if (old === undefined) {
      pickAdded(m, key)
      this.count++
      if (this.events.added !== undefined) this.events.added(key)
    } else {
      // keepTtl over a key whose TTL passed (a writable replica hides it without deleting it):
      // the write created a new key, without a TTL (redis deletes it first: LOOKUP_WRITE)
      if (this.expires.size !== 0 && (!keepTtl || (this.hideExpired && this.isStale(key)))) this.unexpire(key)
      if (this.stringEncodings.size !== 0 && !this.recommit) this.stringEncodings.delete(key)
    }
  }

  /** After an in-place string edit (set() first): the value now reports the raw encoding. */
  markRaw(key: string): void {
    if (typeof this.stringEncodings.get(key) !== 'number') this.stringEncodings.set(key, 'raw')
  }
  /**
   * An in-place edit of a string (APPEND, SETRANGE, SETBIT, BITFIELD): the value becomes `value`,
   * an unshared raw sds that grew as sdsMakeRoomFor grows one (a new key's is made to its length).
   */
  editString(key: string, value: string): void {
    const old = this.rawBytes(key)
    this.setRawString(key, value, typeof old === 'string' || old instanceof StringEdit ? grownSds(this.stringSds(key), old.length, value.length) : undefined)
  }

  /**
   * The bytes of string `key` to edit in place, at least `need` long (zero-padded): its StringEdit,
   * made from its string on the first edit (a missing key: all zeros). Nothing changes until
   * commitEdit(); the caller checked the type (getBytes).
   */
  editBytes(key: string, need: number): StringEdit {
    // the string must stay readable as a JS string (GET, the snapshot): V8's longest
    if (need > MAX_STRING_LENGTH) throw new ReplyError(E.STRING_TOO_LONG)
    const v = this.rawBytes(key)
    const e = v instanceof StringEdit ? v : StringEdit.of(typeof v === 'string' ? v : '', need)
    e.grow(need)
    return e
  }

  /** The stored value, a string edited in place as its StringEdit, with no side effect (no expiry, stats or access data). */
  private rawBytes(key: string): RedisValue | StringEdit | undefined {
    return this.bytesOf(key, this.slots[keySlot(key)]?.get(key))
  }

  /**
   * An in-place edit is done (APPEND, SETRANGE, SETBIT, BITFIELD): `key` holds `e`'s bytes, an
   * unshared raw sds grown from `prevLen` bytes as sdsMakeRoomFor grows one (undefined: the key
   * was missing; its sds is made to its length). Below EDIT_MIN bytes the value is stored as a
   * string at once, as before; from there on the bytes stay where they are.
   */
  commitEdit(key: string, e: StringEdit, prevLen: number | undefined): void {
    const sds = prevLen === undefined ? undefined : grownSds(this.stringSds(key), prevLen, e.length)
    if (e.length < EDIT_MIN) return this.setRawString(key, e.toString(), sds)
    // the key's edit again (the usual case): it stays in `edits` and its encoding entry is
    // overwritten, not deleted and added back (two map deletes per write were a third of its cost)
    const again = this.edits.size !== 0 && this.edits.get(key) === e
    this.recommit = again
    this.setRawString(key, EDITED, sds)
    this.recommit = false
    if (!again) this.edits.set(key, e)
    this.bytes += e.length - (again ? e.counted : 0)
    e.counted = e.length
  }
  /** set() of a raw string whose sds is `sds` (sds.ts; undefined: made to its length). */
  setRawString(key: string, value: string, sds: number | undefined): void {
    this.set(key, value, true)
    this.stringEncodings.set(key, sds ?? 'raw')
  }
  /** The sds of a string grown in place (editString), else undefined (one made to its length). */
  stringSds(key: string): number | undefined {
    const m = this.stringEncodings.size === 0 ? undefined : this.stringEncodings.get(key)
    return typeof m === 'number' ? m : undefined
  }
  /** After set() of a string redis creates without trying the int encoding (INCRBYFLOAT). */
  markNotInt(key: string): void {
    this.stringEncodings.set(key, 'embstr')
  }
  /**
   * Give `key` (just set() from another key) that key's stringEncoding() (COPY: a copy's sds is
   * made to its length) or its stringMark() (RENAME, MOVE: the object itself moves).
   */
  keepStringEncoding(key: string, enc: StringEncoding | number | undefined): void {
    if (enc !== undefined) this.stringEncodings.set(key, enc)
  }
  /** The string's encoding when marked (markRaw, markNotInt, editString), else undefined (as its value gives). */
  stringEncoding(key: string): StringEncoding | undefined {
    const m = this.stringEncodings.size === 0 ? undefined : this.stringEncodings.get(key)
    return typeof m === 'number' ? 'raw' : m
  }
  /** The string's mark as kept: its encoding, or the sds of a string grown in place. */
  stringMark(key: string): StringEncoding | number | undefined {
    return this.stringEncodings.size === 0 ? undefined : this.stringEncodings.get(key)
  }

  /** redis keyIsExpired: the key is still stored but its TTL has passed (no lazy deletion here). */
  isStale(key: string): boolean {
    if (this.expires.size === 0) return false
    const at = this.expires.get(key)
    return at !== undefined && at <= this.clock.now() && this.hasRaw(key)
  }

  /** The value without lazy expiry, stats or LRU/LFU (encoding bookkeeping after a write, DEBUG OBJECT). */
  peekRaw(key: string): RedisValue | undefined {
    const v = this.slots[keySlot(key)]?.get(key)
    return this.made(key, v)
  }
  /** The key is stored (expired or not), its value left alone. */
  exists(key: string): boolean {
    return this.hasRaw(key)
  }
  /**
   * peekRaw() for bookkeeping that looks at aggregates only: a string edited in place reads as
   * EDITED (the empty string) and stays where it is.
   */
  peekAggregate(key: string): RedisValue | undefined {
    return this.slots[keySlot(key)]?.get(key)
  }

  private account(key: string, old: RedisValue | undefined, value: RedisValue | undefined): void {
    if (old === undefined) this.bytes += KEY_OVERHEAD + key.length
    else if (typeof old === 'string') this.bytes -= old.length
    else this.aggregates--
    if (value === undefined) this.bytes -= KEY_OVERHEAD + key.length
    else if (typeof value === 'string') this.bytes += value.length
    else this.aggregates++
  }

  /** Delete without expiry check; true if the key existed (and had not expired). */
  delete(key: string): boolean {
    if (this.lookup(key) === undefined) return false
    this.remove(key)
    return true
  }

  private remove(key: string): void {
    if (this.edits.size !== 0) this.dropEdit(key)
    if (this.expires.size !== 0) this.unexpire(key)
    if (this.stringEncodings.size !== 0) this.stringEncodings.delete(key)
    const slot = keySlot(key)
    const m = this.slots[slot]
    const old = m?.get(key)
    if (m !== undefined && old !== undefined && m.delete(key)) {
      pickRemoved(m, key)
      this.dict.delete(key)
      this.account(key, old, undefined)
      if (this.access.size !== 0) this.access.delete(key)
      this.count--
      if (m.size === 0) this.slots[slot] = undefined
    }
  }

  private hasRaw(key: string): boolean {
    return this.slots[keySlot(key)]?.has(key) ?? false
  }

  /** The expires dict loses `key` (dictDelete on db->expires). */
  private unexpire(key: string): boolean {
    if (!this.expires.delete(key)) {
      if (this.expiresDict.rehashidx !== -1) this.expiresDict.touch()
      return false
    }
    this.expiresDict.delete(key)
    return true
  }

  /** rdbLoad's RESIZEDB: both dicts expanded to the sizes the file announces before its keys. */
  presizeDicts(size: number, expires: number): void {
    this.dict.expandTo(size)
    this.expiresDict.expandTo(expires)
  }

  /** The dict models follow the contents (SWAPDB, a loaded dataset swapped in). */
  private rebindDicts(): void {
    this.dict.rebind(() => this.keys(), this.slotParts())
    this.expiresDict.rebind(() => this.expires.keys())
  }

  private slotParts(): ElementPartitions {
    return {count: SLOTS, of: keySlot, each: (p, visit) => this.slots[p]?.forEach((_, k) => visit(k))}
  }

  /** Take over another keyspace's contents in one step (a replica swaps in a fully loaded RDB). */
  adopt(other: Keyspace): void {
    for (let i = 0; i < SLOTS; i++) this.slots[i] = other.slots[i]
    this.count = other.count
    this.bytes = other.bytes
    this.aggregates = other.aggregates
    this.access.clear()
    for (const [k, a] of other.access) this.access.set(k, a)
    this.expires.clear()
    this.stringEncodings.clear()
    this.edits = other.edits
    other.edits = new Map()
    other.bytes = 0 // its edits moved here with the count of their bytes
    for (const [k, at] of other.expires) this.expires.set(k, at)
    this.expireCursor = null
    this.avgTtl = other.avgTtl
    ;[this.dict, other.dict] = [other.dict, this.dict]
    ;[this.expiresDict, other.expiresDict] = [other.expiresDict, this.expiresDict]
    this.rebindDicts()
    other.rebindDicts()
    other.flush()
  }

  /** SWAPDB: exchange contents (keys, expiries) with another database; settings stay put. */
  swapWith(other: Keyspace): void {
    ;[this.slots, other.slots] = [other.slots, this.slots]
    ;[this.count, other.count] = [other.count, this.count]
    ;[this.expires, other.expires] = [other.expires, this.expires]
    ;[this.stringEncodings, other.stringEncodings] = [other.stringEncodings, this.stringEncodings]
    ;[this.edits, other.edits] = [other.edits, this.edits]
    ;[this.bytes, other.bytes] = [other.bytes, this.bytes]
    ;[this.aggregates, other.aggregates] = [other.aggregates, this.aggregates]
    ;[this.access, other.access] = [other.access, this.access]
    ;[this.dict, other.dict] = [other.dict, this.dict]
    ;[this.expiresDict, other.expiresDict] = [other.expiresDict, this.expiresDict]
    this.rebindDicts()
    other.rebindDicts()
    this.expireCursor = other.expireCursor = null
    ;[this.avgTtl, other.avgTtl] = [other.avgTtl, this.avgTtl]
  }

  flush(): number {
    const n = this.count
    this.count = 0
    this.bytes = 0
    this.aggregates = 0
    this.access.clear()
    this.expires.clear()
    this.stringEncodings.clear()
    this.edits.clear()
    this.localExpires?.clear()
    this.slots.fill(undefined)
    this.dict.clear()
    this.expiresDict.clear()
    this.expireCursor = null
    this.avgTtl = 0
    return n
  }

  // ---- expiry ---------------------------------------------------------------------------

  /** Absolute expiry in ms, or undefined when the key has none (caller checks existence). */
  getExpire(key: string): number | undefined {
    return this.expires.size === 0 ? undefined : this.expires.get(key)
  }

  /** Set an absolute expiry (ms). An expiry in the past deletes the key (caller propagates DEL). */
  setExpire(key: string, atMs: number, fromLoad = false): void {
    if (!this.hasRaw(key)) return
    if (!this.expires.has(key)) this.expiresDict.add(key)
    else if (this.expiresDict.rehashidx !== -1) this.expiresDict.touch()
    this.expires.set(key, atMs)
    // redis setExpire: a client of a replica (not its master, not a load) set it: remember it
    if (this.localExpires !== null && this.hideExpired && !fromLoad) this.localExpires.add(key)
  }

  persist(key: string): boolean {
    return this.unexpire(key)
  }

  /**
   * Active expiry (redis activeExpireCycle, simplified): walk the expires map with a cursor
   * that survives between calls, checking at most `budget` keys. Returns keys expired.
   * `freed` sees each expired value (the cycle's synchronous free: src/node/memory/reclaim.ts).
   */
  activeExpire(budget = 200, freed?: (v: RedisValue) => void): number {
    this.expireChecked = 0
    if (!this.activeExpireEnabled || this.expiryPaused) return 0
    if (!this.expireEnabled) return this.expires.size === 0 ? 0 : this.expireLocalKeys(budget, freed)
    if (this.expires.size === 0) {
      this.avgTtl = 0 // redis activeExpireCycle: a db without volatile keys has no average
      return 0
    }
    const now = this.clock.now()
    let expired = 0
    let ttlSum = 0
    let ttlSamples = 0
    for (let i = 0; i < budget; i++) {
      if (!this.expireCursor) this.expireCursor = this.expires.keys()
      const r = this.expireCursor.next()
      if (r.done) {
        this.expireCursor = null
        break
      }
      const at = this.expires.get(r.value)
      this.expireChecked++
      if (at !== undefined && at <= now) {
        this.expireNow(r.value, freed)
        expired++
      } else if (at !== undefined && ttlSamples < ACTIVE_EXPIRE_KEYS_PER_LOOP) {
        ttlSum += at - now
        ttlSamples++
      }
    }
    if (ttlSamples !== 0) {
      // redis: the sample's average weighs 2% against the previous estimate's 98% (integer maths)
      const avg = Math.floor(ttlSum / ttlSamples)
      if (this.avgTtl === 0) this.avgTtl = avg
      this.avgTtl = Math.floor(this.avgTtl / 50) * 49 + Math.floor(avg / 50)
    }
    return expired
  }

  /**
   * One cron tick's active expiry (redis activeExpireCycle, slow cycle): walks of 200 keys, repeated
   * while more than `stalePct` percent of the keys a walk checked had expired and `deadline`
   * (performance.now()) has not passed. With one walk per tick, keys expiring en masse went at
   * 2,000 a second (hz 10): a million of them held their memory for eight minutes, where redis
   * frees them in seconds.
   */
  activeExpireCycle(deadline: number, stalePct: number, freed?: (v: RedisValue) => void): number {
    let total = 0
    for (;;) {
      const expired = this.activeExpire(200, freed)
      total += expired
      if (expired === 0 || expired * 100 <= this.expireChecked * stalePct || performance.now() >= deadline) return total
    }
  }

  /** redis expireSlaveKeys: on a replica, only the keys its own clients gave a TTL; a key no longer holding one is forgotten. */
  private expireLocalKeys(budget: number, freed?: (v: RedisValue) => void): number {
    const local = this.localExpires
    if (local === null || local.size === 0) return 0
    const now = this.clock.now()
    let expired = 0
    for (const key of local) {
      if (budget-- <= 0) break
      const at = this.expires.get(key)
      if (at !== undefined && at > now) continue
      local.delete(key)
      if (at === undefined) continue
      this.expireNow(key, freed)
      expired++
    }
    return expired
  }

  private expireNow(key: string, freed?: (v: RedisValue) => void): void {
    if (freed !== undefined) {
      const v = this.slots[keySlot(key)]?.get(key)
      if (v !== undefined) freed(v)
    }
    this.remove(key)
    this.stats.expiredKeys++
    this.events.expired?.(key)
  }

  // ---- iteration ------------------------------------------------------------------------

  countKeysInSlot(slot: number): number {
    return this.slots[slot]?.size ?? 0
  }

  getKeysInSlot(slot: number, count: number): string[] {
    const out: string[] = []
    const bucket = this.slots[slot]
    if (!bucket || count <= 0) return out
    for (const k of bucket.keys()) {
      out.push(k)
      if (out.length >= count) break
    }
    return out
  }

  /** Every key (expired ones included; callers filter with has() when it matters). */
  *keys(): IterableIterator<string> {
    for (const m of this.slots) if (m !== undefined) yield* m.keys()
  }

  /** One slot's bucket, raw (no lazy expiry): the RDB snapshot walks slot by slot. */
  slotBucket(slot: number): ReadonlyMap<string, RedisValue> | undefined {
    // the slot's strings edited in place made (all of them when there are many: fewer scans); a
    // bitmap edited while a snapshot runs is then made once per walk of its slot, not per chunk
    if (this.edits.size > 64) this.materializeAll()
    else if (this.edits.size !== 0) for (const key of [...this.edits.keys()]) if (keySlot(key) === slot) this.materialize(key)
    return this.slots[slot]
  }

  /** Raw access without expiry, for persistence/replication snapshots. */
  *entries(): IterableIterator<[string, RedisValue]> {
    for (const m of this.slots) {
      if (m === undefined) continue
      for (const [k, v] of m) yield [k, this.made(k, v)]
    }
  }

  /** Every stored value without expiry, a string edited in place as EDITED: for what counts aggregates only. */
  *rawValues(): IterableIterator<RedisValue> {
    for (const m of this.slots) if (m !== undefined) yield* m.values()
  }

  /**
   * SCAN: the cursor is the next slot to visit, so it is stable however the keyspace changes
   * (a key present for the whole scan is returned at least once). Whole slot buckets are
   * returned, so `count` is a lower bound hint like in Redis. 0 means done.
   */
  scan(cursor: number, count: number, visit: (key: string) => void): number {
    let slot = cursor
    let seen = 0
    while (slot < SLOTS && seen < count) {
      const bucket = this.slots[slot++]
      if (!bucket) continue
      for (const k of bucket.keys()) {
        visit(k)
        seen++
      }
    }
    return slot >= SLOTS ? 0 : slot
  }

  /** A random key with a TTL (volatile-* eviction): a random start in the expires map. */
  randomVolatileKey(): string | undefined {
    const n = this.expires.size
    if (n === 0) return undefined
    let i = Math.floor(Math.random() * Math.min(n, 256))
    for (const k of this.expires.keys()) if (i-- === 0) return k
    return undefined
  }

  randomKey(): string | undefined {
    const n = this.count
    if (n === 0) return undefined
    // A few random slots first (cheap while the keys spread over many), then a slot weighted by
    // its keys from the bucket sizes (at most SLOTS steps: keys sharing a hash tag sit in one
    // slot, where 32 tries mostly miss). Within the slot a key at random in O(1) (random-pick.ts):
    // walking the bucket to a random index cost 10 ms per RANDOMKEY with 1M keys in one slot.
    for (let tries = 0; tries < 32; tries++) {
      const bucket = this.slots[Math.floor(Math.random() * SLOTS)]
      if (bucket) return randomMember(bucket)
    }
    let i = Math.floor(Math.random() * n)
    for (const m of this.slots) {
      if (m === undefined) continue
      if (i < m.size) return randomMember(m)
      i -= m.size
    }
    return undefined
  }
}

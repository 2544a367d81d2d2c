// RDB object codec (redis src/rdb.c rdbSaveObject/rdbLoadObject) for the neutral
// RdbValue model: length and string encodings, every object type redis 7.0 writes or
// still loads, and the compact encodings we emit. Decoding is strict: each length is
// checked against the bytes left before anything is allocated (reliability §21).

import {ByteReader, ByteWriter} from './byte-io.js'
import {ServerAssertion} from '../errors.js'
import {canonicalInt, decodeListpack, ListpackBuilder, listpackEntrySize, listpackHeaderValid, listpackLength} from './listpack.js'
import {listpackPairs} from '../keyspace/packed.js'
import {corruptRdb, RdbFormatError, type DecodeOptions, type RdbValue} from './rdb-value.js'
import {readStream, writeStream} from './rdb-stream-value.js'
import {decodeIntset, decodeZiplist, decodeZipmap, encodeIntset} from './ziplist.js'
import {
  LIMITS,
  parseScore,
  readBlob,
  readCount,
  readDoubleString,
  readLength,
  readString,
  scoreToString,
  writeBlob,
  writeLength,
  writeString,
} from './rdb-primitives.js'

export {LIMITS, parseScore, readBlob, readLength, readString, scoreToString, writeBlob, writeLength, writeString}

export interface EncodeOptions {
  /** LZF-compress strings longer than 20 bytes when it saves >= 4 bytes (rdbcompression yes). Default true. */
  compress?: boolean
}

const QUICKLIST_NODE_PLAIN = 1
const QUICKLIST_NODE_PACKED = 2

export const RDB_TYPE = {
  STRING: 0,
  LIST: 1,
  SET: 2,
  ZSET: 3,
  HASH: 4,
  ZSET_2: 5,
  MODULE: 6,
  MODULE_2: 7,
  HASH_ZIPMAP: 9,
  LIST_ZIPLIST: 10,
  SET_INTSET: 11,
  ZSET_ZIPLIST: 12,
  HASH_ZIPLIST: 13,
  LIST_QUICKLIST: 14,
  STREAM_LISTPACKS: 15,
  HASH_LISTPACK: 16,
  ZSET_LISTPACK: 17,
  LIST_QUICKLIST_2: 18,
  STREAM_LISTPACKS_2: 19,
  SET_LISTPACK: 20,
  STREAM_LISTPACKS_3: 21,
} as const

// ---------------------------------------------------------------- encoding

export function writeObject(w: ByteWriter, v: RdbValue, opts: EncodeOptions = {}): void {
  const c = opts.compress !== false
  switch (v.type) {
    case 'string':
      w.u8(RDB_TYPE.STRING)
      writeString(w, v.value, c)
      return
    case 'list':
      return writeList(w, v.items, c, v.nodes)
    case 'set':
      return writeSet(w, v.members, c, v.compact, v.width)
    case 'hash':
      if (v.packed !== undefined) {
        w.u8(RDB_TYPE.HASH_LISTPACK)
        return writeBlob(w, v.packed, c)
      }
      return writeHash(w, v.entries, c, v.compact)
    case 'zset':
      return writeZset(w, v.entries, c, v.compact)
    case 'stream':
      return writeStream(w, v.stream, c)
  }
}

/** Type byte + object body, as DUMP and the RDB file store it. */
export function encodeValue(v: RdbValue, opts?: EncodeOptions): Buffer {
  const w = new ByteWriter()
  writeObject(w, v, opts)
  return w.take()
}

// QUICKLIST_2 nodes filled the way quicklistPush fills them (quicklist.c _quicklistNodeAllowInsert),
// so a list built by pushes dumps byte for byte like redis-server's.
const QL_OPTIMIZATION_LEVEL = [4096, 8192, 16384, 32768, 65536]
const QL_SIZE_SAFETY_LIMIT = 8192
const QL_SIZE_ESTIMATE_OVERHEAD = 8

function quicklistAllowInsert(nodeBytes: number, nodeCount: number, sz: number): boolean {
  let fill = LIMITS.listMaxListpackSize
  if (fill > 1 << 15) fill = 1 << 15
  else if (fill < -5) fill = -5
  const newSz = nodeBytes + sz + QL_SIZE_ESTIMATE_OVERHEAD
  if (fill < 0 && newSz <= QL_OPTIMIZATION_LEVEL[-fill - 1]) return true
  if (newSz > QL_SIZE_SAFETY_LIMIT) return false
  return nodeCount < fill
}

/** The quicklist nodes redis 7.0 would hold for these items, pushed one by one: [container, bytes]. */
export function quicklistNodes(items: Iterable<string>): [number, Buffer][] {
  const nodes: [number, Buffer][] = []
  let lp: ListpackBuilder | null = null
  for (const item of items) {
    if (item.length >= LIMITS.quicklistPackedThreshold) {
      if (lp !== null) nodes.push([QUICKLIST_NODE_PACKED, lp.finish()])
      lp = null
      nodes.push([QUICKLIST_NODE_PLAIN, Buffer.from(item, 'latin1')])
      continue
    }
    if (lp !== null && !quicklistAllowInsert(lp.bytes, lp.length, item.length)) {
      nodes.push([QUICKLIST_NODE_PACKED, lp.finish()])
      lp = null
    }
    ;(lp ??= new ListpackBuilder()).add(item)
  }
  if (lp !== null) nodes.push([QUICKLIST_NODE_PACKED, lp.finish()])
  return nodes
}

/**
 * quicklistNodes' shape without building every node: how many nodes the items make, and the first
 * `keep` of them as bytes (MEMORY USAGE samples those). The rest are sized entry by entry
 * (listpackEntrySize) instead of encoded: a 1M-element list's MEMORY USAGE encoded every element.
 */
export function quicklistShape(items: Iterable<string>, keep: number): {count: number; first: Buffer[]} {
  const first: Buffer[] = []
  let count = 0
  // the node being filled: its listpack's bytes and entries, and (while it is one of the first) a builder
  let open = false
  let bytes = 0
  let entries = 0
  let lp: ListpackBuilder | null = null
  const close = (): void => {
    if (!open) return
    if (lp !== null) first.push(lp.finish())
    lp = null
    open = false
    count++
  }
  for (const item of items) {
    if (item.length >= LIMITS.quicklistPackedThreshold) {
      close()
      if (count < keep) first.push(Buffer.from(item, 'latin1'))
      count++
      continue
    }
    if (open && !quicklistAllowInsert(bytes, entries, item.length)) close()
    if (!open) {
      open = true
      bytes = 7 // the listpack's header and end byte
      entries = 0
      if (count < keep) lp = new ListpackBuilder()
    }
    bytes += listpackEntrySize(item)
    entries++
    lp?.add(item)
  }
  close()
  return {count, first}
}

function writeList(w: ByteWriter, items: string[], c: boolean, kept?: (string | Buffer)[]): void {
  w.u8(RDB_TYPE.LIST_QUICKLIST_2)
  const nodes = kept?.map((n): [number, Buffer] => (typeof n === 'string' ? [QUICKLIST_NODE_PLAIN, Buffer.from(n, 'latin1')] : [QUICKLIST_NODE_PACKED, n])) ?? quicklistNodes(items)
  writeLength(w, nodes.length)
  for (const [container, node] of nodes) {
    writeLength(w, container)
    writeBlob(w, node, c)
  }
}

function writeSet(w: ByteWriter, members: string[], c: boolean, compact?: boolean, width?: number): void {
  const n = members.length
  if (n > 0 && (compact ?? n <= LIMITS.setMaxIntsetEntries)) {
    const ints: (number | bigint)[] = []
    for (const m of members) {
      const iv = canonicalInt(m)
      if (iv === null) break
      ints.push(iv)
    }
    if (ints.length === n) {
      w.u8(RDB_TYPE.SET_INTSET)
      writeBlob(w, encodeIntset(ints, width), c)
      return
    }
  }
  w.u8(RDB_TYPE.SET)
  writeLength(w, n)
  for (const m of members) writeString(w, m, c)
}

function writeHash(w: ByteWriter, entries: [string, string][], c: boolean, compact?: boolean): void {
  const n = entries.length
  let small = compact ?? n <= LIMITS.hashMaxListpackEntries
  for (let i = 0; compact === undefined && small && i < n; i++) {
    const [f, v] = entries[i]
    if (f.length > LIMITS.hashMaxListpackValue || v.length > LIMITS.hashMaxListpackValue) small = false
  }
  if (small) {
    const lp = new ListpackBuilder()
    for (const [f, v] of entries) {
      lp.add(f)
      lp.add(v)
    }
    w.u8(RDB_TYPE.HASH_LISTPACK)
    writeBlob(w, lp.finish(), c)
    return
  }
  w.u8(RDB_TYPE.HASH)
  writeLength(w, n)
  for (const [f, v] of entries) {
    writeString(w, f, c)
    writeString(w, v, c)
  }
}

function writeZset(w: ByteWriter, entries: [string, number][], c: boolean, compact?: boolean): void {
  const n = entries.length
  let small = compact ?? n <= LIMITS.zsetMaxListpackEntries
  for (let i = 0; i < n; i++) {
    if (Number.isNaN(entries[i][1])) throw new RangeError('zset score is NaN')
    if (compact === undefined && entries[i][0].length > LIMITS.zsetMaxListpackValue) small = false
  }
  if (small) {
    // A zset listpack must be ordered by (score, member bytes); latin1 code units compare like memcmp.
    const sorted = entries.slice().sort((a, b) => a[1] - b[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
    const lp = new ListpackBuilder()
    for (const [m, s] of sorted) {
      lp.add(m)
      lp.add(scoreToString(s))
    }
    w.u8(RDB_TYPE.ZSET_LISTPACK)
    writeBlob(w, lp.finish(), c)
    return
  }
  // rdbSaveObject walks the skiplist from the tail: greatest (score, member) first.
  const desc = entries.slice().sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? 1 : a[0] > b[0] ? -1 : 0))
  w.u8(RDB_TYPE.ZSET_2)
  writeLength(w, n)
  for (const [m, s] of desc) {
    writeString(w, m, c)
    w.f64le(s)
  }
}

// ---------------------------------------------------------------- decoding

/** Reads type byte + object body at offset; `next` is the offset just past it. */
export function decodeValue(buf: Buffer, offset = 0, end = buf.length, opts: DecodeOptions = {}): {value: RdbValue; next: number} {
  const r = new ByteReader(buf, offset, end)
  const value = readObject(r, r.u8(), opts)
  return {value, next: r.pos}
}

/**
 * redis rdbLoadObject's report when a packed encoding fails its integrity check, by RDB type
 * (the 7.0.15 rdb.c line of the report, and its reason).
 */
const INTEGRITY_REPORTS: Record<number, [number, string]> = {
  [RDB_TYPE.HASH_ZIPMAP]: [2129, 'Zipmap integrity check failed.'],
  [RDB_TYPE.LIST_ZIPLIST]: [2187, 'List ziplist integrity check failed.'],
  [RDB_TYPE.SET_INTSET]: [2212, 'Intset integrity check failed.'],
  [RDB_TYPE.ZSET_ZIPLIST]: [2227, 'Zset ziplist integrity check failed.'],
  [RDB_TYPE.HASH_ZIPLIST]: [2273, 'Hash ziplist integrity check failed.'],
  [RDB_TYPE.LIST_QUICKLIST]: [2080, 'Ziplist integrity check failed.'],
  [RDB_TYPE.HASH_LISTPACK]: [2299, 'Hash listpack integrity check failed.'],
  [RDB_TYPE.ZSET_LISTPACK]: [2253, 'Zset listpack integrity check failed.'],
  [RDB_TYPE.LIST_QUICKLIST_2]: [2070, 'Listpack integrity check failed.'],
}

/** Decode one packed blob; a failure is reported as that encoding's integrity check failing. */
function packed<T>(type: number, decode: () => T): T {
  try {
    return decode()
  } catch (e) {
    const known = INTEGRITY_REPORTS[type]
    if (e instanceof RdbFormatError && e.report === undefined && known) throw new RdbFormatError(e.message, {line: known[0], reason: known[1]})
    throw e
  }
}

export function readObject(r: ByteReader, type: number, opts: DecodeOptions = {}): RdbValue {
  switch (type) {
    case RDB_TYPE.STRING:
      return {type: 'string', value: readString(r)}
    case RDB_TYPE.LIST: {
      const n = readCount(r)
      const items: string[] = []
      for (let i = 0; i < n; i++) items.push(readString(r))
      return {type: 'list', items}
    }
    case RDB_TYPE.SET: {
      const n = readCount(r)
      const members: string[] = []
      for (let i = 0; i < n; i++) members.push(readString(r))
      return setValue(members)
    }
    case RDB_TYPE.ZSET:
    case RDB_TYPE.ZSET_2: {
      const n = readCount(r)
      const flat: (string | number)[] = []
      for (let i = 0; i < n; i++) {
        flat.push(readString(r))
        const s = type === RDB_TYPE.ZSET ? readDoubleString(r) : r.f64le()
        if (Number.isNaN(s)) corruptRdb(1881, 'Zset with NAN score detected')
        flat.push(s)
      }
      return zsetValue(flat, [1893, 'Duplicate zset fields detected'])
    }
    case RDB_TYPE.HASH: {
      const n = readCount(r)
      const flat: string[] = []
      for (let i = 0; i < 2 * n; i++) flat.push(readString(r))
      return hashValue(flat, [2018, 'Duplicate hash fields detected'])
    }
    case RDB_TYPE.HASH_ZIPMAP: {
      const blob = readBlob(r)
      const flat = packed(type, () => decodeZipmap(blob))
      return hashValue(flat, [2153, 'Hash zipmap with dup elements, or big length'])
    }
    case RDB_TYPE.LIST_ZIPLIST: {
      const blob = readBlob(r)
      return {type: 'list', items: packed(type, () => decodeZiplist(blob))}
    }
    case RDB_TYPE.SET_INTSET: {
      const blob = readBlob(r)
      return {type: 'set', members: packed(type, () => decodeIntset(blob)), width: blob.readUInt32LE(0)}
    }
    case RDB_TYPE.SET_LISTPACK:
      return setValue(decodeListpack(readBlob(r)))
    case RDB_TYPE.ZSET_ZIPLIST:
    case RDB_TYPE.ZSET_LISTPACK:
    case RDB_TYPE.HASH_ZIPLIST:
    case RDB_TYPE.HASH_LISTPACK: {
      // the pairs and their uniqueness are part of the integrity check (ziplistPairsConvertAndValidateIntegrity, lpPairsValidateIntegrityAndDups)
      const blob = readBlob(r)
      if (type === RDB_TYPE.HASH_LISTPACK && opts.deep === false) return shallowHashListpack(blob)
      const zip = type === RDB_TYPE.ZSET_ZIPLIST || type === RDB_TYPE.HASH_ZIPLIST
      return packed(type, () => {
        const flat = zip ? decodeZiplist(blob) : decodeListpack(blob)
        return type === RDB_TYPE.ZSET_ZIPLIST || type === RDB_TYPE.ZSET_LISTPACK ? zsetValue(flat) : hashValue(flat)
      })
    }
    case RDB_TYPE.LIST_QUICKLIST:
    case RDB_TYPE.LIST_QUICKLIST_2:
      return readQuicklist(r, type === RDB_TYPE.LIST_QUICKLIST_2, opts.deep !== false)
    case RDB_TYPE.STREAM_LISTPACKS:
    case RDB_TYPE.STREAM_LISTPACKS_2:
      return {type: 'stream', stream: readStream(r, type, opts)}
  }
  throw new RdbFormatError(`unsupported RDB object type ${type}`)
}

/**
 * A hash listpack loaded without deep sanitization (lpPairsValidateIntegrityAndDups(deep=0)): only
 * the header and terminator are checked. Redis keeps such a listpack as it is, unless it holds more
 * pairs than hash-max-listpack-entries: then hashTypeConvert walks it at once (asserting on a
 * malformed entry) and a duplicate field is a panic. One that decodes cleanly is decoded now like
 * any other; one that does not is kept packed (keyspace/packed.ts), and its first walk fails.
 */
function shallowHashListpack(blob: Buffer): RdbValue {
  if (!listpackHeaderValid(blob)) corruptRdb(2299, 'Hash listpack integrity check failed.')
  const pairs = Math.floor(listpackLength(blob) / 2)
  if (pairs === 0) return {type: 'hash', entries: []} // rdb.c: empty keys
  if (pairs > LIMITS.hashMaxListpackEntries) {
    const flat = listpackPairs(blob)
    if (new Set(flat.filter((_, i) => i % 2 === 0)).size !== flat.length / 2) {
      throw new ServerAssertion('keyspace/rdb-convert.ts', 'Listpack corruption detected', true, {descr: 'listpack with dup elements dump', bytes: blob})
    }
    return hashValue(flat)
  }
  let flat: string[]
  try {
    flat = decodeListpack(blob)
  } catch (e) {
    if (e instanceof RdbFormatError) return {type: 'hash', entries: [], packed: blob}
    throw e
  }
  if (flat.length % 2 !== 0) return {type: 'hash', entries: [], packed: blob}
  // a field twice: Redis keeps it, the node's hash cannot hold it (and its replies would not match
  // the header's count), so it is refused as the deep check refuses it
  return packed(RDB_TYPE.HASH_LISTPACK, () => hashValue(flat))
}

function readQuicklist(r: ByteReader, v2: boolean, deep: boolean): RdbValue {
  const nodes = readCount(r)
  const items: string[] = []
  // without deep sanitization: the nodes as restored, kept when one of them does not decode cleanly
  const kept: (string | Buffer)[] | null = deep ? null : []
  let unsanitized = false
  for (let i = 0; i < nodes; i++) {
    if (!v2) {
      const blob = readBlob(r)
      for (const s of packed(RDB_TYPE.LIST_QUICKLIST, () => decodeZiplist(blob))) items.push(s)
      continue
    }
    const container = readLength(r)
    if (container !== QUICKLIST_NODE_PLAIN && container !== QUICKLIST_NODE_PACKED) corruptRdb(2047, 'Quicklist integrity check failed.')
    // rdbGenericLoadStringObject: an empty node is refused (without a report), plain or packed
    const blob = readBlob(r)
    if (blob.length === 0) throw new RdbFormatError('empty quicklist node')
    if (container === QUICKLIST_NODE_PLAIN) {
      const item = blob.toString('latin1')
      items.push(item)
      kept?.push(item)
    } else if (kept === null) {
      for (const s of packed(RDB_TYPE.LIST_QUICKLIST_2, () => decodeListpack(blob))) items.push(s)
    } else {
      // lpValidateIntegrity(deep=0), then an empty listpack is skipped silently (lpLength)
      if (!listpackHeaderValid(blob)) corruptRdb(2070, 'Listpack integrity check failed.')
      if (listpackLength(blob) === 0) continue
      kept.push(blob)
      if (unsanitized) continue
      try {
        decodeListpack(blob, items)
      } catch (e) {
        if (!(e instanceof RdbFormatError)) throw e
        unsanitized = true
      }
    }
  }
  if (unsanitized && kept !== null) return {type: 'list', items: [], nodes: kept}
  return {type: 'list', items}
}

function setValue(members: string[]): RdbValue {
  if (new Set(members).size !== members.length) corruptRdb(1808, 'Duplicate set members detected')
  return {type: 'set', members}
}

/** dup: the report for a duplicate field (absent: the caller's integrity check reports it). */
function hashValue(flat: string[], dup?: [number, string]): RdbValue {
  if (flat.length % 2 !== 0) throw new RdbFormatError('hash with odd element count')
  const entries: [string, string][] = []
  const seen = new Set<string>()
  for (let i = 0; i < flat.length; i += 2) {
    seen.add(flat[i])
    entries.push([flat[i], flat[i + 1]])
  }
  if (seen.size !== entries.length) throw new RdbFormatError('duplicate hash fields', dup && {line: dup[0], reason: dup[1]})
  return {type: 'hash', entries}
}

function zsetValue(flat: (string | number)[], dup?: [number, string]): RdbValue {
  if (flat.length % 2 !== 0) throw new RdbFormatError('zset with odd element count')
  const entries: [string, number][] = []
  const seen = new Set<string>()
  for (let i = 0; i < flat.length; i += 2) {
    const m = flat[i] as string
    const s = flat[i + 1]
    seen.add(m)
    entries.push([m, typeof s === 'number' ? s : parseScore(s)])
  }
  if (seen.size !== entries.length) throw new RdbFormatError('duplicate zset members', dup && {line: dup[0], reason: dup[1]})
  return {type: 'zset', entries}
}

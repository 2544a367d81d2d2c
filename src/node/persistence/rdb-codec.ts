// RDB object codec (redis src/rdb.c rdbSaveObject/rdbLoadObject) for the neutral
// RdbValue model: length and string encodings, every object type redis 7.0 writes or
// still loads, and the compact encodings we emit. Decoding is strict: each length is
// checked against the bytes left before anything is allocated (reliability §21).

import {ByteReader, ByteWriter} from './byte-io.js'
import {canonicalInt, decodeListpack, ListpackBuilder, listpackEntrySize} from './listpack.js'
import {RdbFormatError, type RdbValue} from './rdb-value.js'
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
      return writeList(w, v.items, c)
    case 'set':
      return writeSet(w, v.members, c)
    case 'hash':
      return writeHash(w, v.entries, c)
    case 'zset':
      return writeZset(w, v.entries, c)
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

// QUICKLIST_2 of listpack nodes split at 8 KiB, like list-max-listpack-size -2.
function writeList(w: ByteWriter, items: string[], c: boolean): void {
  w.u8(RDB_TYPE.LIST_QUICKLIST_2)
  const nodes: Buffer[] = []
  let lp = new ListpackBuilder()
  for (const item of items) {
    if (lp.length > 0 && lp.bytes + listpackEntrySize(item) > LIMITS.listMaxListpackBytes) {
      nodes.push(lp.finish())
      lp = new ListpackBuilder()
    }
    lp.add(item)
  }
  if (lp.length > 0) nodes.push(lp.finish())
  writeLength(w, nodes.length)
  for (const node of nodes) {
    writeLength(w, QUICKLIST_NODE_PACKED)
    writeBlob(w, node, c)
  }
}

function writeSet(w: ByteWriter, members: string[], c: boolean): void {
  const n = members.length
  if (n > 0 && n <= LIMITS.setMaxIntsetEntries) {
    const ints: (number | bigint)[] = []
    for (const m of members) {
      const iv = canonicalInt(m)
      if (iv === null) break
      ints.push(iv)
    }
    if (ints.length === n) {
      w.u8(RDB_TYPE.SET_INTSET)
      writeBlob(w, encodeIntset(ints), c)
      return
    }
  }
  w.u8(RDB_TYPE.SET)
  writeLength(w, n)
  for (const m of members) writeString(w, m, c)
}

function writeHash(w: ByteWriter, entries: [string, string][], c: boolean): void {
  const n = entries.length
  let small = n <= LIMITS.hashMaxListpackEntries
  for (let i = 0; small && i < n; i++) {
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

function writeZset(w: ByteWriter, entries: [string, number][], c: boolean): void {
  const n = entries.length
  let small = n <= LIMITS.zsetMaxListpackEntries
  for (let i = 0; i < n; i++) {
    if (Number.isNaN(entries[i][1])) throw new RangeError('zset score is NaN')
    if (entries[i][0].length > LIMITS.zsetMaxListpackValue) small = false
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
  w.u8(RDB_TYPE.ZSET_2)
  writeLength(w, n)
  for (const [m, s] of entries) {
    writeString(w, m, c)
    w.f64le(s)
  }
}

// ---------------------------------------------------------------- decoding

/** Reads type byte + object body at offset; `next` is the offset just past it. */
export function decodeValue(buf: Buffer, offset = 0, end = buf.length): {value: RdbValue; next: number} {
  const r = new ByteReader(buf, offset, end)
  const value = readObject(r, r.u8())
  return {value, next: r.pos}
}

export function readObject(r: ByteReader, type: number): RdbValue {
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
        if (Number.isNaN(s)) throw new RdbFormatError('zset score is NaN')
        flat.push(s)
      }
      return zsetValue(flat)
    }
    case RDB_TYPE.HASH: {
      const n = readCount(r)
      const flat: string[] = []
      for (let i = 0; i < 2 * n; i++) flat.push(readString(r))
      return hashValue(flat)
    }
    case RDB_TYPE.HASH_ZIPMAP:
      return hashValue(decodeZipmap(readBlob(r)))
    case RDB_TYPE.LIST_ZIPLIST:
      return {type: 'list', items: decodeZiplist(readBlob(r))}
    case RDB_TYPE.SET_INTSET:
      return {type: 'set', members: decodeIntset(readBlob(r))}
    case RDB_TYPE.SET_LISTPACK:
      return setValue(decodeListpack(readBlob(r)))
    case RDB_TYPE.ZSET_ZIPLIST:
      return zsetValue(decodeZiplist(readBlob(r)))
    case RDB_TYPE.ZSET_LISTPACK:
      return zsetValue(decodeListpack(readBlob(r)))
    case RDB_TYPE.HASH_ZIPLIST:
      return hashValue(decodeZiplist(readBlob(r)))
    case RDB_TYPE.HASH_LISTPACK:
      return hashValue(decodeListpack(readBlob(r)))
    case RDB_TYPE.LIST_QUICKLIST:
    case RDB_TYPE.LIST_QUICKLIST_2:
      return readQuicklist(r, type === RDB_TYPE.LIST_QUICKLIST_2)
    case RDB_TYPE.STREAM_LISTPACKS:
    case RDB_TYPE.STREAM_LISTPACKS_2:
      return {type: 'stream', stream: readStream(r, type)}
  }
  throw new RdbFormatError(`unsupported RDB object type ${type}`)
}

function readQuicklist(r: ByteReader, v2: boolean): RdbValue {
  const nodes = readCount(r)
  const items: string[] = []
  for (let i = 0; i < nodes; i++) {
    if (!v2) {
      for (const s of decodeZiplist(readBlob(r))) items.push(s)
      continue
    }
    const container = readLength(r)
    if (container === QUICKLIST_NODE_PLAIN) {
      items.push(readString(r))
    } else if (container === QUICKLIST_NODE_PACKED) {
      for (const s of decodeListpack(readBlob(r))) items.push(s)
    } else {
      throw new RdbFormatError(`invalid quicklist container ${container}`)
    }
  }
  return {type: 'list', items}
}

function setValue(members: string[]): RdbValue {
  if (new Set(members).size !== members.length) throw new RdbFormatError('duplicate set members')
  return {type: 'set', members}
}

function hashValue(flat: string[]): RdbValue {
  if (flat.length % 2 !== 0) throw new RdbFormatError('hash with odd element count')
  const entries: [string, string][] = []
  const seen = new Set<string>()
  for (let i = 0; i < flat.length; i += 2) {
    seen.add(flat[i])
    entries.push([flat[i], flat[i + 1]])
  }
  if (seen.size !== entries.length) throw new RdbFormatError('duplicate hash fields')
  return {type: 'hash', entries}
}

function zsetValue(flat: (string | number)[]): RdbValue {
  if (flat.length % 2 !== 0) throw new RdbFormatError('zset with odd element count')
  const entries: [string, number][] = []
  const seen = new Set<string>()
  for (let i = 0; i < flat.length; i += 2) {
    const m = flat[i] as string
    const s = flat[i + 1]
    seen.add(m)
    entries.push([m, typeof s === 'number' ? s : parseScore(s)])
  }
  if (seen.size !== entries.length) throw new RdbFormatError('duplicate zset members')
  return {type: 'zset', entries}
}

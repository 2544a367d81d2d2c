// Whole RDB files (redis rdb.c rdbSaveRio / rdbLoadRio), for SAVE/BGSAVE-style
// persistence and replication full sync. Layout: "REDIS0010", AUX fields, FUNCTION2
// blobs, then per database SELECTDB, RESIZEDB and entries ([EXPIRETIME_MS] type key value),
// then EOF (0xFF) and a CRC-64 of everything before it (0 = checksum disabled).

import {ByteReader, ByteWriter} from './byte-io.js'
import {Crc64} from './crc64.js'
import {readLength, readObject, readString, writeLength, writeObject, writeString} from './rdb-codec.js'
import {isEmptyCollection, RdbFormatError, type RdbValue} from './rdb-value.js'
import {RDB_VERSION} from './dump.js'

export const RDB_OPCODE = {
  FUNCTION2: 0xf5,
  FUNCTION_PRE_GA: 0xf6,
  MODULE_AUX: 0xf7,
  IDLE: 0xf8,
  FREQ: 0xf9,
  AUX: 0xfa,
  RESIZEDB: 0xfb,
  EXPIRETIME_MS: 0xfc,
  EXPIRETIME: 0xfd,
  SELECTDB: 0xfe,
  EOF: 0xff,
} as const

export interface RdbEntry {
  key: string
  value: RdbValue
  /** Absolute unix time in ms. */
  expireAt?: number
  /** LRU idle seconds / LFU counter, present when the writer ran with an LRU/LFU policy. */
  idle?: number
  freq?: number
}

export interface RdbWriteEntry extends RdbEntry {
  db?: number
}

export interface RdbWriteOptions {
  /** AUX fields in order; defaults to defaultAux(now). */
  aux?: Iterable<[string, string]>
  /** Used for the default ctime AUX field (ms). */
  now?: number
  /** FUNCTION2 payloads (library source code), written before the databases. */
  functions?: string[]
  /** RESIZEDB hints per db; omitted for dbs not listed (Redis treats it as optional). */
  dbSizes?: Map<number, {size: number; expires: number}>
  compress?: boolean
  /** Approximate chunk size for rdbChunks. */
  chunkSize?: number
}

/** The AUX fields redis 7.0 writes for a plain SAVE (rdbSaveInfoAuxFields). */
export function defaultAux(nowMs: number, usedMem = 0): [string, string][] {
  return [
    ['redis-ver', '7.0.15'],
    ['redis-bits', '64'],
    ['ctime', String(Math.floor(nowMs / 1000))],
    ['used-mem', String(usedMem)],
    ['aof-base', '0'],
  ]
}

/**
 * Yields the file in chunks of about `chunkSize` bytes, so a replication link or a file
 * writer can stream it. Entries must come grouped by db (SELECTDB is written on change).
 */
export function* rdbChunks(entries: Iterable<RdbWriteEntry>, opts: RdbWriteOptions = {}): Generator<Buffer> {
  const chunkSize = opts.chunkSize ?? 64 * 1024
  const compress = opts.compress
  const crc = new Crc64()
  const w = new ByteWriter(Math.min(chunkSize * 2, 1 << 20))
  const flush = (): Buffer => {
    const out = w.take()
    crc.update(out)
    w.pos = 0
    return out
  }
  writePreamble(w, opts.aux ?? defaultAux(opts.now ?? Date.now()), opts.functions ?? [], compress !== false)
  let db = -1
  for (const e of entries) {
    const edb = e.db ?? 0
    if (edb !== db) {
      db = edb
      writeSelectDb(w, db, opts.dbSizes?.get(db))
    }
    writeEntry(w, e, compress !== false)
    if (w.pos >= chunkSize) yield flush()
  }
  w.u8(RDB_OPCODE.EOF)
  const last = flush()
  const tail = Buffer.allocUnsafe(last.length + 8)
  last.copy(tail)
  crc.writeLE(tail, last.length)
  yield tail
}

/** One key record: [EXPIRETIME_MS] [IDLE] [FREQ] type key value (rdbSaveKeyValuePair). */
export function writeEntry(w: ByteWriter, e: RdbEntry, compress: boolean): void {
  if (e.expireAt !== undefined) {
    w.u8(RDB_OPCODE.EXPIRETIME_MS)
    w.ensure(8)
    w.buf.writeBigUInt64LE(BigInt(Math.max(0, Math.floor(e.expireAt))), w.pos)
    w.pos += 8
  }
  if (e.idle !== undefined) {
    w.u8(RDB_OPCODE.IDLE)
    writeLength(w, e.idle)
  }
  if (e.freq !== undefined) {
    w.u8(RDB_OPCODE.FREQ)
    w.u8(e.freq & 0xff)
  }
  // The key sits between the type byte and the body, but the type depends on the
  // encoding writeObject picks: write both, then move the type byte in front.
  const typePos = w.pos
  w.u8(0)
  writeString(w, e.key, compress)
  const objPos = w.pos
  writeObject(w, e.value, {compress})
  w.buf[typePos] = w.buf[objPos]
  w.buf.copyWithin(objPos, objPos + 1, w.pos)
  w.pos--
}

/** Header, AUX fields and FUNCTION2 records: everything before the first SELECTDB. */
export function writePreamble(w: ByteWriter, aux: Iterable<[string, string]>, functions: Iterable<string>, compress: boolean): void {
  w.latin1(`REDIS${String(RDB_VERSION).padStart(4, '0')}`)
  for (const [k, v] of aux) {
    w.u8(RDB_OPCODE.AUX)
    writeString(w, k, compress)
    writeString(w, v, compress)
  }
  for (const f of functions) {
    w.u8(RDB_OPCODE.FUNCTION2)
    writeString(w, f, compress)
  }
}

/** SELECTDB n, then RESIZEDB when sizes are known. */
export function writeSelectDb(w: ByteWriter, db: number, sizes?: {size: number; expires: number}): void {
  w.u8(RDB_OPCODE.SELECTDB)
  writeLength(w, db)
  if (sizes) {
    w.u8(RDB_OPCODE.RESIZEDB)
    writeLength(w, sizes.size)
    writeLength(w, sizes.expires)
  }
}

export function writeRdb(entries: Iterable<RdbWriteEntry>, opts: RdbWriteOptions = {}): Buffer {
  return Buffer.concat([...rdbChunks(entries, opts)])
}

export interface RdbFile {
  version: number
  aux: Map<string, string>
  functions: string[]
  dbs: Map<number, RdbEntry[]>
  /** Bytes of the RDB, EOF and checksum included (an old-style AOF continues after them). */
  length?: number
}

export interface RdbReadOptions {
  /** Newest RDB version accepted; redis 7.0 refuses files newer than 10. */
  maxVersion?: number
  /** Streaming consumer: entries are handed over instead of collected in `dbs`. */
  onEntry?: (db: number, entry: RdbEntry) => void
  /** Skip CRC verification (rdbchecksum no on the writer side also stores 0). */
  skipChecksum?: boolean
}

/** Parses a whole RDB file. Empty collections are skipped, as redis does on load. */
export function readRdb(buf: Buffer, opts: RdbReadOptions = {}): RdbFile {
  if (buf.length < 9 || buf.toString('latin1', 0, 5) !== 'REDIS') throw new RdbFormatError('wrong signature')
  const verText = buf.toString('latin1', 5, 9)
  const version = /^\d{4}$/.test(verText) ? Number(verText) : NaN
  if (!(version >= 1 && version <= (opts.maxVersion ?? RDB_VERSION))) {
    throw new RdbFormatError(`can't handle RDB format version ${verText}`)
  }
  const r = new ByteReader(buf, 9)
  const file: RdbFile = {version, aux: new Map(), functions: [], dbs: new Map()}
  let db = 0
  let expireAt: number | undefined
  let idle: number | undefined
  let freq: number | undefined
  for (;;) {
    const type = r.u8()
    switch (type) {
      case RDB_OPCODE.EXPIRETIME_MS:
        r.need(8)
        expireAt = Number(buf.readBigUInt64LE(r.pos))
        r.pos += 8
        continue
      case RDB_OPCODE.EXPIRETIME:
        expireAt = r.u32le() * 1000
        continue
      case RDB_OPCODE.FREQ:
        freq = r.u8()
        continue
      case RDB_OPCODE.IDLE:
        idle = readLength(r)
        continue
      case RDB_OPCODE.SELECTDB:
        db = readLength(r)
        continue
      case RDB_OPCODE.RESIZEDB:
        readLength(r)
        readLength(r)
        continue
      case RDB_OPCODE.AUX: {
        const k = readString(r)
        file.aux.set(k, readString(r))
        continue
      }
      case RDB_OPCODE.FUNCTION2:
        file.functions.push(readString(r))
        continue
      case RDB_OPCODE.MODULE_AUX:
        throw new RdbFormatError('module aux data is not supported')
      case RDB_OPCODE.FUNCTION_PRE_GA:
        throw new RdbFormatError('pre-GA function format is not supported')
      case RDB_OPCODE.EOF:
        if (version >= 5) verifyFileChecksum(buf, r.pos, opts.skipChecksum === true)
        file.length = version >= 5 ? r.pos + 8 : r.pos
        return file
    }
    const key = readString(r)
    const value = readObject(r, type)
    const entry: RdbEntry = {key, value}
    if (expireAt !== undefined) entry.expireAt = expireAt
    if (idle !== undefined) entry.idle = idle
    if (freq !== undefined) entry.freq = freq
    expireAt = idle = freq = undefined
    if (isEmptyCollection(value)) continue
    if (opts.onEntry) {
      opts.onEntry(db, entry)
    } else {
      let list = file.dbs.get(db)
      if (!list) file.dbs.set(db, (list = []))
      list.push(entry)
    }
  }
}

function verifyFileChecksum(buf: Buffer, end: number, skip: boolean): void {
  if (end + 8 > buf.length) throw new RdbFormatError('truncated checksum')
  if (skip || (buf.readUInt32LE(end) === 0 && buf.readUInt32LE(end + 4) === 0)) return
  if (!new Crc64().update(buf, 0, end).matchesLE(buf, end)) throw new RdbFormatError('wrong RDB checksum')
}

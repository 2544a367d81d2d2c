// Incremental RDB parser (redis rdb.c rdbLoadRio, fed a chunk at a time): for replication
// full sync and start-up loading, so a large RDB never needs to be in memory whole. Only the
// unparsed tail is kept (a record is parsed once all of its bytes have arrived); the CRC-64 is
// folded over the bytes as they are consumed and checked at EOF. Types and opcodes the runtime
// cannot represent (7.2 streams, modules, MODULE_AUX, pre-GA functions) fail with a clear error
// naming the type and key instead of producing a partial dataset.
import {ByteReader} from './byte-io.js'
import {Crc64} from './crc64.js'
import {readLength, readObject, readString, RDB_TYPE} from './rdb-codec.js'
import {RDB_OPCODE, type RdbEntry} from './rdb-file.js'
import {isEmptyCollection, RdbCrcMismatchError, RdbFormatError} from './rdb-value.js'
import {RDB_VERSION} from './dump.js'

export type {RdbEntry}

export interface RdbStreamOptions {
  onEntry(db: number, e: RdbEntry): void
  /** An empty collection, skipped (redis rdbLoadRio logs the first ten). */
  onEmptyKey?(key: string): void
  onAux?(key: string, value: string): void
  onFunction?(code: string): void
  /** RESIZEDB hint (db size, expires size) before a db's keys. */
  onResizeDb?(db: number, size: number, expires: number): void
  /** Skip CRC verification (the loader runs with rdbchecksum no). */
  skipChecksum?: boolean
}

/** Thrown inside a parse attempt when the buffered bytes end mid-record. */
const NEED_MORE: unique symbol = Symbol('need more RDB bytes')

/** A reader whose "past the end" means "wait for the next chunk", not corruption. */
class TailReader extends ByteReader {
  override need(n: number): void {
    if (n > this.end - this.pos) throw NEED_MORE
  }
  override bound(n: number): void {
    if (n > this.end - this.pos) throw NEED_MORE
  }
  override u8(): number {
    if (this.pos >= this.end) throw NEED_MORE
    return this.buf[this.pos++]
  }
}

const UNSUPPORTED_TYPES: Record<number, string> = {
  [RDB_TYPE.MODULE]: 'module (pre-GA)',
  [RDB_TYPE.MODULE_2]: 'module',
  [RDB_TYPE.STREAM_LISTPACKS_3]: 'stream', // 7.2's encoding
}

export class RdbStreamParser {
  private readonly chunks: Buffer[] = []
  private buffered = 0
  /** Do not re-try parsing before this many bytes are buffered (doubling: linear total work). */
  private retryAt = 0
  private version = 0
  private db = 0
  private expireAt: number | undefined
  private idle: number | undefined
  private freq: number | undefined
  private readonly crc = new Crc64()
  private eofSeen = false
  private headerDone = false
  private done = false
  /** Bytes of the file consumed so far (for error messages and progress). */
  offset = 0

  constructor(private readonly opts: RdbStreamOptions) {}

  /** EOF opcode and checksum read (and verified unless skipped or stored as 0). */
  get finished(): boolean {
    return this.done
  }

  get rdbVersion(): number {
    return this.version
  }

  /** Parses every complete record; throws RdbFormatError on corrupt data. */
  feed(chunk: Buffer): void {
    if (this.done || chunk.length === 0) return
    this.chunks.push(chunk)
    this.buffered += chunk.length
    if (this.buffered >= this.retryAt) this.attempt()
  }

  /** Throws RdbFormatError unless the EOF opcode and the checksum were seen. */
  end(): void {
    if (!this.done && this.buffered > 0) this.attempt() // bytes held back by the retry threshold
    if (this.done) return
    throw new RdbFormatError(`truncated RDB: ended after ${this.offset + this.buffered} bytes (${this.eofSeen ? 'in the checksum' : 'before the EOF opcode'})`)
  }

  private attempt(): void {
    const buf = this.chunks.length === 1 ? this.chunks[0] : Buffer.concat(this.chunks, this.buffered)
    this.chunks.length = 0
    const consumed = this.parse(buf)
    this.offset += consumed
    const rest = this.done ? 0 : buf.length - consumed
    this.buffered = rest
    // Copy a small tail so the (possibly large) parsed buffer can be collected.
    if (rest > 0) this.chunks.push(rest < buf.length >> 1 ? Buffer.from(buf.subarray(consumed)) : buf.subarray(consumed))
    // Nothing parsed: the record is larger than what we have; wait for twice as much.
    this.retryAt = consumed === 0 ? rest * 2 : rest + 1
  }

  /** Parse complete records from buf; returns the bytes consumed. */
  private parse(buf: Buffer): number {
    const r = new TailReader(buf)
    let committed = 0
    let crcFolded = this.eofSeen
    try {
      if (!this.headerDone) {
        this.header(r)
        this.headerDone = true
        committed = r.pos
      }
      if (!this.eofSeen) {
        while (!this.eofSeen) {
          this.record(r)
          committed = r.pos
        }
        // The CRC covers everything up to and including the EOF opcode.
        this.crc.update(buf, 0, committed)
        crcFolded = true
      }
      if (this.version >= 5) {
        r.need(8)
        this.verifyChecksum(buf, r.pos)
        r.pos += 8
      }
      this.done = true
      return r.pos
    } catch (e) {
      if (e !== NEED_MORE) throw e
    }
    if (!crcFolded) this.crc.update(buf, 0, committed)
    return committed
  }

  private header(r: TailReader): void {
    r.need(9)
    if (r.latin1(5) !== 'REDIS') throw new RdbFormatError('Wrong signature trying to load DB from file')
    const verText = r.latin1(4)
    const version = /^\d{4}$/.test(verText) ? Number(verText) : NaN
    if (!(version >= 1 && version <= RDB_VERSION)) throw new RdbFormatError(`Can't handle RDB format version ${verText}`)
    this.version = version
  }

  private record(r: TailReader): void {
    const type = r.u8()
    switch (type) {
      case RDB_OPCODE.EXPIRETIME_MS:
        r.need(8)
        this.expireAt = Number(r.buf.readBigUInt64LE(r.pos))
        r.pos += 8
        return
      case RDB_OPCODE.EXPIRETIME:
        this.expireAt = r.u32le() * 1000
        return
      case RDB_OPCODE.FREQ:
        this.freq = r.u8()
        return
      case RDB_OPCODE.IDLE:
        this.idle = readLength(r)
        return
      case RDB_OPCODE.SELECTDB:
        this.db = readLength(r)
        return
      case RDB_OPCODE.RESIZEDB: {
        const size = readLength(r)
        const expires = readLength(r)
        this.opts.onResizeDb?.(this.db, size, expires)
        return
      }
      case RDB_OPCODE.AUX: {
        const k = readString(r)
        const v = readString(r)
        this.opts.onAux?.(k, v)
        return
      }
      case RDB_OPCODE.FUNCTION2: {
        const code = readString(r)
        this.opts.onFunction?.(code)
        return
      }
      case RDB_OPCODE.MODULE_AUX:
        throw new RdbFormatError('Unsupported RDB opcode 247 (MODULE_AUX): module data cannot be loaded')
      case RDB_OPCODE.FUNCTION_PRE_GA:
        throw new RdbFormatError('Unsupported RDB opcode 246 (FUNCTION, pre-GA format)')
      case RDB_OPCODE.EOF:
        this.eofSeen = true
        return
    }
    const key = readString(r)
    const unsupported = UNSUPPORTED_TYPES[type]
    if (unsupported !== undefined) throw new RdbFormatError(`Unsupported RDB type ${type} (${unsupported}) for key '${key}' in DB ${this.db}`)
    let value
    try {
      value = readObject(r, type)
    } catch (e) {
      if (e === NEED_MORE) throw e
      const msg = e instanceof Error ? e.message : String(e)
      if (/^unsupported RDB object type/.test(msg)) throw new RdbFormatError(`Unknown RDB encoding type ${type} for key '${key}' in DB ${this.db}`)
      throw new RdbFormatError(`Bad data for key '${key}' in DB ${this.db} (RDB type ${type}): ${msg}`, e instanceof RdbFormatError ? e.report : undefined)
    }
    const entry: RdbEntry = {key, value}
    if (this.expireAt !== undefined) entry.expireAt = this.expireAt
    if (this.idle !== undefined) entry.idle = this.idle
    if (this.freq !== undefined) entry.freq = this.freq
    this.expireAt = this.idle = this.freq = undefined
    if (isEmptyCollection(value)) return void this.opts.onEmptyKey?.(key) // rdb.c skips empty keys
    this.opts.onEntry(this.db, entry)
  }

  private verifyChecksum(buf: Buffer, at: number): void {
    if (this.opts.skipChecksum) return
    if (buf.readUInt32LE(at) === 0 && buf.readUInt32LE(at + 4) === 0) return // saved with rdbchecksum no
    if (this.crc.matchesLE(buf, at)) return
    const footer = buf.readBigUInt64LE(at).toString(16)
    throw new RdbCrcMismatchError(`Wrong RDB checksum expected: (${this.crc.digest().toString(16)}) but got (${footer}). Aborting now.`)
  }
}

// DUMP / RESTORE payloads (redis cluster.c createDumpPayload / verifyDumpPayload):
// <type byte><object body><RDB version u16le><CRC-64/Jones u64le over everything before>.

import {ByteWriter} from './byte-io.js'
import {Crc64} from './crc64.js'
import {decodeValue, writeObject, type EncodeOptions} from './rdb-codec.js'
import {isEmptyCollection, RdbChecksumError, RdbEmptyKeyError, type RdbValue} from './rdb-value.js'

/** The RDB version redis 7.0 writes and the newest it accepts. */
export const RDB_VERSION = 10

export function createDumpPayload(v: RdbValue, opts?: EncodeOptions): Buffer {
  const w = new ByteWriter()
  writeObject(w, v, opts)
  return finishDumpPayload(w)
}

/** Append the DUMP footer (RDB version, CRC-64 of everything before) and take the bytes. */
export function finishDumpPayload(w: ByteWriter): Buffer {
  w.ensure(10)
  w.buf.writeUInt16LE(RDB_VERSION, w.pos)
  w.pos += 2
  const crc = new Crc64().update(w.buf, 0, w.pos)
  crc.writeLE(w.buf, w.pos)
  w.pos += 8
  return w.take()
}

/** Throws RdbChecksumError unless the footer is valid for redis 7.0. */
export function verifyDumpPayload(buf: Buffer): void {
  if (buf.length < 10) throw new RdbChecksumError()
  const footer = buf.length - 10
  if (buf.readUInt16LE(footer) > RDB_VERSION) throw new RdbChecksumError()
  if (!new Crc64().update(buf, 0, buf.length - 8).matchesLE(buf, buf.length - 8)) throw new RdbChecksumError()
}

export interface ParseDumpOptions {
  /** Return empty collections instead of throwing RdbEmptyKeyError (Redis refuses them). */
  allowEmpty?: boolean
}

/**
 * Footer check, then a strict decode of the body. Throws RdbChecksumError
 * ("ERR DUMP payload version or checksum are wrong") or RdbFormatError ("ERR Bad data format").
 * Bytes between the object and the footer are ignored, as restoreCommand does.
 */
export function parseDumpPayload(buf: Buffer, opts: ParseDumpOptions = {}): RdbValue {
  verifyDumpPayload(buf)
  const {value} = decodeValue(buf, 0, buf.length - 10)
  if (!opts.allowEmpty && isEmptyCollection(value)) throw new RdbEmptyKeyError('empty collection')
  return value
}

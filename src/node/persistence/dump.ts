// DUMP / RESTORE payloads (redis cluster.c createDumpPayload / verifyDumpPayload):
// <type byte><object body><RDB version u16le><CRC-64/Jones u64le over everything before>.

import {ByteWriter} from './byte-io.js'
import {Crc64} from './crc64.js'
import {decodeValue, writeObject, type EncodeOptions} from './rdb-codec.js'
import {isEmptyCollection, RdbChecksumError, RdbEmptyKeyError, type RdbFormatError, type RdbValue} from './rdb-value.js'

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

/**
 * Throws RdbChecksumError unless the footer is valid for redis 7.0 (verifyDumpPayload; the CRC is
 * not checked under DEBUG SET-SKIP-CHECKSUM-VALIDATION 1).
 */
export function verifyDumpPayload(buf: Buffer, skipChecksum = false): void {
  if (buf.length < 10) throw new RdbChecksumError()
  const footer = buf.length - 10
  if (buf.readUInt16LE(footer) > RDB_VERSION) throw new RdbChecksumError()
  if (skipChecksum) return
  if (!new Crc64().update(buf, 0, buf.length - 8).matchesLE(buf, buf.length - 8)) throw new RdbChecksumError()
}

export interface ParseDumpOptions {
  /** Return empty collections instead of throwing RdbEmptyKeyError (Redis refuses them). */
  allowEmpty?: boolean
  /** DEBUG SET-SKIP-CHECKSUM-VALIDATION 1: the footer's CRC is not checked. */
  skipChecksum?: boolean
  /** Deep sanitization (sanitize-dump-payload yes, or clients for a client without skip-sanitize-payload). */
  deep?: boolean
}

/**
 * The line redis logs (at verbose, in a RESTORE) when a payload body is refused: rdbReportError's
 * "Internal error in RDB reading offset 0, function at rdb.c:L -> reason" where the decoder knows
 * Redis's report, otherwise the decoder's own reason.
 */
export function payloadErrorLine(err: RdbFormatError): string {
  const r = err.report
  if (r) return `Internal error in RDB reading offset 0, function at rdb.c:${r.line} -> ${r.reason}`
  return `Internal error in RDB reading -> ${err.message}`
}

/**
 * Footer check, then a strict decode of the body. Throws RdbChecksumError
 * ("ERR DUMP payload version or checksum are wrong") or RdbFormatError ("ERR Bad data format").
 * Bytes between the object and the footer are ignored, as restoreCommand does.
 */
export function parseDumpPayload(buf: Buffer, opts: ParseDumpOptions = {}): RdbValue {
  verifyDumpPayload(buf, opts.skipChecksum)
  const {value} = decodeValue(buf, 0, buf.length - 10, {deep: opts.deep})
  if (!opts.allowEmpty && isEmptyCollection(value)) throw new RdbEmptyKeyError('empty collection')
  return value
}

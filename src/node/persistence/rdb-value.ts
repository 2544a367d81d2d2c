// The neutral value model exchanged between the RDB codec and the keyspace, plus the
// codec's error classes. Strings are latin1 JS strings: one char per byte, so
// Buffer.from(s, 'latin1') round-trips any binary value (house rule 8).
import type {Stream} from '../keyspace/stream.js'

export type RdbValue =
  | {type: 'string'; value: string}
  /** nodes: a quicklist kept as restored, unsanitized (items then empty): see keyspace/packed.ts */
  | {type: 'list'; items: string[]; nodes?: (string | Buffer)[]}
  /** compact: the encoding to write (intset / listpack or not); judged by content when absent. */
  /** width: an intset's integer width (2, 4, 8) when wider than its members need (redis never narrows one) */
  | {type: 'set'; members: string[]; compact?: boolean; width?: number}
  /** packed: a listpack kept as restored, unsanitized (entries then empty): see keyspace/packed.ts */
  | {type: 'hash'; entries: [string, string][]; compact?: boolean; packed?: Buffer}
  /** member, score; ±Infinity allowed, NaN rejected. Order is unspecified. */
  | {type: 'zset'; entries: [string, number][]; compact?: boolean}
  /** A stream is its own model (nodes, groups, PELs): see persistence/rdb-stream-value.ts. */
  | {type: 'stream'; stream: Stream}

export type RdbValueType = RdbValue['type']

/**
 * The payload body cannot be loaded: truncated, corrupt, an unknown or unsupported
 * (module, stream) type. RESTORE replies "-ERR Bad data format" (redis cluster.c).
 */
export class RdbFormatError extends Error {
  override name = 'RdbFormatError'
  /** Redis's rdbReportCorruptRDB for this failure: the 7.0.15 rdb.c line and its reason, when known. */
  report?: RdbReport
  constructor(message: string, report?: RdbReport) {
    super(message)
    if (report) this.report = report
  }
}

export interface RdbReport {
  line: number
  reason: string
}

/** Fails the load the way rdbReportCorruptRDB(reason) at rdb.c:line does. */
export function corruptRdb(line: number, reason: string): never {
  throw new RdbFormatError(reason, {line, reason})
}

/**
 * How deeply packed encodings are checked while loading (redis rdbLoadObject's
 * deep_integrity_validation, from sanitize-dump-payload and the client's flags): deep walks every
 * entry; shallow checks headers and terminators only, as Redis does, and a stream node that only
 * passes the shallow check is kept unparsed (its first access fails an assertion, as in Redis).
 */
export interface DecodeOptions {
  deep?: boolean
}

/**
 * An RDB file whose CRC-64 footer does not match its bytes. The message is redis rdbLoadRio's
 * warning ("Wrong RDB checksum expected: (<computed>) but got (<footer>). Aborting now.").
 */
export class RdbCrcMismatchError extends RdbFormatError {
  override name = 'RdbCrcMismatchError'
}

/** A well-formed body that Redis still refuses: an empty collection (rdb.c "empty keys"). */
export class RdbEmptyKeyError extends RdbFormatError {
  override name = 'RdbEmptyKeyError'
}

/** DUMP footer: RDB version newer than ours or CRC mismatch (redis cluster.c verifyDumpPayload). */
export class RdbChecksumError extends Error {
  override name = 'RdbChecksumError'
  constructor() {
    super('DUMP payload version or checksum are wrong')
  }
}

/** The exact RESTORE error replies, for the command layer. */
export const RESTORE_ERRORS = {
  checksum: 'ERR DUMP payload version or checksum are wrong',
  format: 'ERR Bad data format',
} as const

/** Maps a codec error to the RESTORE reply text; undefined for anything else (a bug). */
export function restoreErrorText(err: unknown): string | undefined {
  if (err instanceof RdbChecksumError) return RESTORE_ERRORS.checksum
  if (err instanceof RdbFormatError) return RESTORE_ERRORS.format
  return undefined
}

export function isEmptyCollection(v: RdbValue): boolean {
  switch (v.type) {
    case 'string':
    case 'stream': // redis keeps (and restores) empty streams
      return false
    case 'list':
      return v.items.length === 0 && v.nodes === undefined
    case 'set':
      return v.members.length === 0
    case 'hash':
      return v.entries.length === 0 && v.packed === undefined
    case 'zset':
      return v.entries.length === 0
  }
}

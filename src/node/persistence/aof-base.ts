// The AOF BASE file of a rewrite (redis 7.0 rewriteAppendOnlyFileRio), produced from the
// copy-on-write point-in-time Snapshot (snapshot.ts) so the node keeps serving clients while it
// is written. aof-use-rdb-preamble yes (the default): the Snapshot's RDB itself, with
// aof-base=1 and no replication AUX fields (redis passes no rdbSaveInfo). no: the commands that
// rebuild the dataset (SELECT, SET/RPUSH/SADD/ZADD/HMSET with at most 64 items each, then
// PEXPIREAT), converted record by record from an uncompressed Snapshot through the streaming
// parser. Either way the point in time is the construction of the source, which the caller does
// in the same synchronous step as opening the new INCR file; memory stays at one chunk plus
// the pre-images of keys written before the snapshot reached them.
import type {NodeServer} from '../server.js'
import {formatG17} from '../../resp/writer.js'
import {RdbStreamParser, type RdbEntry} from './rdb-stream.js'
import type {RdbValue} from './rdb-value.js'
import {formatId, ID_MAX, type Stream} from '../keyspace/stream.js'
import {pacedChunkSize, Snapshot} from './snapshot.js'

/** Snapshot's consumer side (next() until null; abort() to drop early). */
export interface BaseSource {
  next(): Buffer | null
  abort(): void
  /** keys converted so far (rdb-key-save-delay pacing) */
  readonly keysWritten: number
}

const ITEMS_PER_CMD = 64 // AOF_REWRITE_ITEMS_PER_CMD
const CHUNK = 16 * 1024

export function openBaseSource(server: NodeServer, preamble: boolean): BaseSource {
  if (preamble) {
    return new Snapshot(server, {
      compress: server.config.bool('rdbcompression'),
      checksum: server.config.bool('rdbchecksum'),
      aux: [['aof-base', '1']],
      chunkSize: pacedChunkSize(server, CHUNK),
    })
  }
  return new CommandBase(server)
}

/** Snapshot -> RdbStreamParser -> commands, one snapshot chunk at a time. */
class CommandBase implements BaseSource {
  private readonly snap: Snapshot
  private readonly parser: RdbStreamParser
  private db = -1
  private text = ''
  private ended = false

  constructor(server: NodeServer) {
    // No LZF and no CRC: the bytes only travel from the snapshot to the parser below.
    this.snap = new Snapshot(server, {compress: false, checksum: false, chunkSize: pacedChunkSize(server, CHUNK)})
    this.parser = new RdbStreamParser({
      onEntry: (db, e) => this.entry(db, e),
      // redis rewriteFunctions: each library as the FUNCTION LOAD that recreates it.
      onFunction: (code) => void (this.text += respCommand(['FUNCTION', 'LOAD', code])),
      skipChecksum: true,
    })
    // rewriteAppendOnlyFileRio: a command BASE opens with a timestamp annotation when enabled
    if (server.config.bool('aof-timestamp-enabled')) this.text = `#TS:${Math.floor(Date.now() / 1000)}\r\n`
  }

  get keysWritten(): number {
    return this.snap.keysWritten
  }

  next(): Buffer | null {
    while (!this.ended && this.text.length < CHUNK) {
      const c = this.snap.next()
      if (c === null) {
        this.parser.end()
        this.ended = true
      } else this.parser.feed(c)
    }
    if (this.text.length === 0) return null
    const out = Buffer.from(this.text, 'latin1')
    this.text = ''
    return out
  }

  abort(): void {
    this.snap.abort()
    this.ended = true
    this.text = ''
  }

  private entry(db: number, e: RdbEntry): void {
    if (db !== this.db) {
      this.db = db
      this.text += respCommand(['SELECT', String(db)])
    }
    this.text += rebuild(e.key, e.value)
    if (e.expireAt !== undefined) this.text += respCommand(['PEXPIREAT', e.key, String(e.expireAt)])
  }
}

export function respCommand(argv: readonly string[]): string {
  let out = `*${argv.length}\r\n`
  for (let i = 0; i < argv.length; i++) out += `$${argv[i].length}\r\n${argv[i]}\r\n`
  return out
}

function g17(d: number): string {
  if (d === Infinity) return 'inf'
  if (d === -Infinity) return '-inf'
  return formatG17(d)
}

/** `cmd key` + up to 64 items per command (each item is `width` arguments). */
function batched(cmd: string, key: string, args: readonly string[], width: number): string {
  let out = ''
  const per = ITEMS_PER_CMD * width
  for (let i = 0; i < args.length; i += per) out += respCommand([cmd, key, ...args.slice(i, i + per)])
  return out
}

function rebuild(key: string, v: RdbValue): string {
  switch (v.type) {
    case 'string':
      return respCommand(['SET', key, v.value])
    case 'list':
      return batched('RPUSH', key, v.items, 1)
    case 'set':
      return batched('SADD', key, v.members, 1)
    case 'hash':
      return batched('HMSET', key, v.entries.flat(), 2)
    case 'zset': {
      // Score order, as redis walks the skiplist (the codec's order is unspecified).
      const sorted = v.entries.slice().sort((a, b) => a[1] - b[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
      const args: string[] = []
      for (const [m, s] of sorted) args.push(g17(s), m)
      return batched('ZADD', key, args, 2)
    }
    case 'stream':
      return rebuildStream(key, v.stream)
  }
}

/** redis aof.c rewriteStreamObject: XADDs (or the MAXLEN 0 trick), XSETID, groups, PELs. */
function rebuildStream(key: string, s: Stream): string {
  let out = ''
  if (s.length) s.range(0n, ID_MAX, false, 0, (id, fv) => void (out += respCommand(['XADD', key, formatId(id), ...fv])))
  else out += respCommand(['XADD', key, 'MAXLEN', '0', '0-1', 'x', 'y'])
  out += respCommand(['XSETID', key, formatId(s.lastId), 'ENTRIESADDED', String(s.entriesAdded), 'MAXDELETEDID', formatId(s.maxDeletedId)])
  for (const [name, g] of s.sortedGroups()) {
    out += respCommand(['XGROUP', 'CREATE', key, name, formatId(g.lastId), 'ENTRIESREAD', String(g.entriesRead)])
    for (const c of g.sortedConsumers()) {
      if (c.pel.size === 0) {
        out += respCommand(['XGROUP', 'CREATECONSUMER', key, name, c.name])
        continue
      }
      for (const [id, n] of c.pel.entries()) {
        out += respCommand(['XCLAIM', key, name, c.name, '0', formatId(id), 'TIME', String(n.deliveryTime), 'RETRYCOUNT', String(n.deliveryCount), 'JUSTID', 'FORCE'])
      }
    }
  }
  return out
}

// Adapters between replication and the persistence layer: where a full sync gets its RDB
// (a point-in-time snapshot pulled in chunks) and how a replica turns received RDB bytes into
// databases. Kept behind two small interfaces so the transport code never knows how either works.
import {setIdleOrFreq, usedMemory} from '../memory/index.js'
import type {NodeServer} from '../server.js'
import {Keyspace} from '../keyspace/keyspace.js'
import {fromRdbValue} from '../keyspace/rdb-convert.js'
import {KeyPacer, pacedChunkSize, Snapshot} from '../persistence/snapshot.js'
import {RdbStreamParser, type RdbEntry} from '../persistence/rdb-stream.js'
import {REQ_EXCLUDE_DATA, REQ_EXCLUDE_FUNCTIONS} from './state.js'

export interface SnapshotSource {
  /** Next RDB bytes, null after the last chunk (EOF + checksum). */
  next(): Buffer | null
  /** Milliseconds to wait before the next chunk (rdb-key-save-delay for the keys just written). */
  owedDelay(): number
  abort(): void
}

/** The AUX fields redis 7.0 writes into a replication RDB (rdbSaveInfoAuxFields + rdbPopulateSaveInfo). */
export function replicationAux(server: NodeServer, replid: string, offset: number, streamDb: number): [string, string][] {
  return [
    ['redis-ver', '7.0.15'],
    ['redis-bits', '64'],
    ['ctime', String(Math.floor(server.clock.now() / 1000))],
    ['used-mem', String(usedMemory(server))],
    ['repl-stream-db', String(streamDb)],
    ['repl-id', replid],
    ['repl-offset', String(offset)],
    ['aof-base', '0'],
  ]
}

/** A copy-on-write point-in-time snapshot (persistence/snapshot.ts): clients keep being served. */
export function openSnapshot(server: NodeServer, aux: [string, string][], req = 0): SnapshotSource {
  const snap = new Snapshot(server, {
    aux,
    excludeData: (req & REQ_EXCLUDE_DATA) !== 0,
    ...((req & REQ_EXCLUDE_FUNCTIONS) !== 0 ? {functions: []} : {}),
    compress: server.config.bool('rdbcompression'),
    checksum: server.config.bool('rdbchecksum'),
    chunkSize: pacedChunkSize(server, 64 * 1024),
  })
  server.stats.totalForks++ // redis forks once per full sync (disk or diskless)
  const pacer = new KeyPacer(() => server.config.int('rdb-key-save-delay'))
  return {
    next: () => snap.next(),
    owedDelay: () => pacer.owe(snap.keysWritten),
    abort: () => snap.abort(),
  }
}

export interface RdbSink {
  feed(chunk: Buffer): void
  /** Milliseconds the caller should pause the transfer for (key-load-delay for the keys just loaded). */
  owedDelay(): number
  /** Throws unless a complete, valid RDB was fed. */
  end(): void
  aux: Map<string, string>
  /** the databases loaded aside, to be swapped in at the end */
  dbs: Map<number, Keyspace>
  /** the master's function libraries (FUNCTION2 records), replacing ours with the data */
  functions: string[]
}

/** Loads an RDB as it streams in, into databases that are not visible until the caller swaps them in. */
export function openLoader(server: NodeServer): RdbSink {
  const dbs = new Map<number, Keyspace>()
  const aux = new Map<string, string>()
  const functions: string[] = []
  const target = (i: number): Keyspace => {
    let d = dbs.get(i)
    if (!d) {
      d = new Keyspace(server.expiryClock)
      d.expireEnabled = false
      dbs.set(i, d)
    }
    return d
  }
  let loaded = 0
  const pacer = new KeyPacer(() => server.config.int('key-load-delay'))
  const load = (db: number, e: RdbEntry) => {
    loaded++
    if (db < 0 || db >= server.databaseCount) {
      throw new Error(`the master sent DB ${db} but this node has ${server.databaseCount} databases`)
    }
    const ks = target(db)
    ks.set(e.key, fromRdbValue(e.value))
    if (e.expireAt !== undefined) ks.setExpire(e.key, e.expireAt)
    if (e.idle !== undefined || e.freq !== undefined) setIdleOrFreq(server, ks, e.key, e.idle ?? -1, e.freq ?? -1)
  }
  // Streaming: only the unparsed tail is buffered, never the whole file.
  const parser = new RdbStreamParser({
    onEntry: load,
    onResizeDb: (db, size, expires) => {
      if (db >= 0 && db < server.databaseCount) target(db).presizeDicts(size, expires)
    },
    onAux: (k, v) => void aux.set(k, v),
    onFunction: (code) => void functions.push(code),
    skipChecksum: !server.config.bool('rdbchecksum'),
  })
  return {
    feed: (c) => parser.feed(c),
    owedDelay: () => pacer.owe(loaded),
    end: () => parser.end(),
    aux,
    dbs,
    functions,
  }
}

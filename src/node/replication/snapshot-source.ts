// Adapters between replication and the persistence layer: where a full sync gets its RDB
// (a point-in-time snapshot pulled in chunks) and how a replica turns received RDB bytes into
// databases. Kept behind two small interfaces so the transport code never knows how either works.
import type {NodeServer} from '../server.js'
import {Keyspace} from '../keyspace/keyspace.js'
import {fromRdbValue, toRdbValue} from '../keyspace/rdb-convert.js'
import {rdbChunks, readRdb, type RdbEntry, type RdbWriteEntry} from '../persistence/rdb-file.js'

export interface SnapshotSource {
  /** Next RDB bytes, null after the last chunk (EOF + checksum). */
  next(): Buffer | null
  abort(): void
}

/** The AUX fields redis 7.0 writes into a replication RDB (rdbSaveInfoAuxFields + rdbPopulateSaveInfo). */
export function replicationAux(server: NodeServer, replid: string, offset: number, streamDb: number): [string, string][] {
  const mem = process.memoryUsage()
  return [
    ['redis-ver', '7.0.15'],
    ['redis-bits', '64'],
    ['ctime', String(Math.floor(server.clock.now() / 1000))],
    ['used-mem', String(mem.heapUsed + mem.external)],
    ['repl-stream-db', String(streamDb)],
    ['repl-id', replid],
    ['repl-offset', String(offset)],
    ['aof-base', '0'],
  ]
}

// PROVISIONAL: serialises synchronously; replaced by persistence/snapshot.ts (copy-on-write).
export function openSnapshot(server: NodeServer, aux: [string, string][]): SnapshotSource {
  function* entries(): Generator<RdbWriteEntry> {
    for (const [db, ks] of server.databases()) {
      for (const [key, v] of ks.entries()) {
        const e: RdbWriteEntry = {db, key, value: toRdbValue(v)}
        const at = ks.getExpire(key)
        if (at !== undefined) e.expireAt = at
        yield e
      }
    }
  }
  const chunks = [...rdbChunks(entries(), {aux, compress: server.config.bool('rdbcompression'), chunkSize: 256 * 1024})]
  let i = 0
  return {next: () => (i < chunks.length ? chunks[i++] : null), abort: () => void (chunks.length = 0)}
}

export interface RdbSink {
  feed(chunk: Buffer): void
  /** Throws unless a complete, valid RDB was fed. */
  end(): void
  aux: Map<string, string>
  /** the databases loaded aside, to be swapped in at the end */
  dbs: Map<number, Keyspace>
}

/** Loads an RDB as it streams in, into databases that are not visible until the caller swaps them in. */
export function openLoader(server: NodeServer): RdbSink {
  const dbs = new Map<number, Keyspace>()
  const aux = new Map<string, string>()
  const target = (i: number): Keyspace => {
    let d = dbs.get(i)
    if (!d) {
      d = new Keyspace(server.clock)
      d.expireEnabled = false
      dbs.set(i, d)
    }
    return d
  }
  const load = (db: number, e: RdbEntry) => {
    const ks = target(db)
    ks.set(e.key, fromRdbValue(e.value))
    if (e.expireAt !== undefined) ks.setExpire(e.key, e.expireAt)
  }
  // PROVISIONAL: buffers the whole file; replaced by persistence/rdb-stream.ts (streaming).
  const parts: Buffer[] = []
  return {
    feed: (c) => void parts.push(Buffer.from(c)),
    end: () => {
      const f = readRdb(Buffer.concat(parts), {onEntry: load})
      for (const [k, v] of f.aux) aux.set(k, v)
    },
    aux,
    dbs,
  }
}

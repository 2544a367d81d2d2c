// The AOF BASE file of a rewrite (redis 7.0 rewriteAppendOnlyFileRio): an RDB with
// aof-base=1 when aof-use-rdb-preamble is yes (the default), otherwise the commands that
// rebuild the dataset (SELECT, SET/RPUSH/SADD/ZADD/HMSET with at most 64 items each, then
// PEXPIREAT). `openBaseSource` is the one point that decides how the point-in-time view is
// taken: today the bytes are produced eagerly from the live keyspace (point in time = the
// call, memory = the file); the rdb helper's copy-on-write Snapshot (snapshot.ts) replaces
// the RDB branch when the branches meet — the caller already drains chunks asynchronously.
import type {NodeServer} from '../server.js'
import {Deque, type RedisValue} from '../keyspace/keyspace.js'
import {toRdbValue} from '../keyspace/rdb-convert.js'
import {formatG17} from '../../resp/writer.js'
import {defaultAux, rdbChunks, type RdbWriteEntry} from './rdb-file.js'

/** The same shape as snapshot.ts's Snapshot (next() until null; abort() to drop early). */
export interface BaseSource {
  next(): Buffer | null
  abort(): void
}

const ITEMS_PER_CMD = 64 // AOF_REWRITE_ITEMS_PER_CMD

export function openBaseSource(server: NodeServer, preamble: boolean): BaseSource {
  const chunks = preamble ? [...rdbBase(server)] : [...respBase(server)]
  let i = 0
  return {
    next: () => (i < chunks.length ? chunks[i++] : null),
    abort: () => void (i = chunks.length),
  }
}

function* liveEntries(server: NodeServer): Generator<RdbWriteEntry> {
  for (const [db, ks] of server.databases()) {
    for (const [key, value] of ks.entries()) {
      const expireAt = ks.getExpire(key)
      const e: RdbWriteEntry = {db, key, value: toRdbValue(value)}
      if (expireAt !== undefined) e.expireAt = expireAt
      yield e
    }
  }
}

function rdbBase(server: NodeServer): Generator<Buffer> {
  const now = server.clock.now()
  const aux = defaultAux(now, process.memoryUsage().heapUsed).map(([k, v]): [string, string] => [k, k === 'aof-base' ? '1' : v])
  const dbSizes = new Map<number, {size: number; expires: number}>()
  for (const [db, ks] of server.databases()) dbSizes.set(db, {size: ks.size, expires: ks.expiresCount})
  return rdbChunks(liveEntries(server), {aux, dbSizes, compress: server.config.bool('rdbcompression')})
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

function* batched(cmd: string, key: string, items: Iterable<string[]>, count: number): Generator<string> {
  let batch: string[] = []
  let left = count
  for (const it of items) {
    if (batch.length === 0) batch.push(cmd, key)
    batch.push(...it)
    left--
    if ((batch.length - 2) / it.length === ITEMS_PER_CMD || left === 0) {
      yield respCommand(batch)
      batch = []
    }
  }
}

function* rebuild(key: string, v: RedisValue): Generator<string> {
  if (typeof v === 'string') yield respCommand(['SET', key, v])
  else if (v instanceof Deque) yield* batched('RPUSH', key, v.toArray().map((x) => [x]), v.length)
  else if (v instanceof Map) yield* batched('HMSET', key, [...v].map(([f, x]) => [f, x]), v.size)
  else if (v instanceof Set) yield* batched('SADD', key, [...v].map((m) => [m]), v.size)
  else {
    const pairs: string[][] = []
    for (let i = 0; i < v.size; i++) pairs.push([g17(v.scoreAt(i)), v.memberAt(i)])
    yield* batched('ZADD', key, pairs, pairs.length)
  }
}

function* respBase(server: NodeServer): Generator<Buffer> {
  let text = ''
  for (const [db, ks] of server.databases()) {
    if (ks.size === 0) continue
    text += respCommand(['SELECT', String(db)])
    for (const [key, value] of ks.entries()) {
      for (const c of rebuild(key, value)) text += c
      const at = ks.getExpire(key)
      if (at !== undefined) text += respCommand(['PEXPIREAT', key, String(at)])
      if (text.length >= 64 * 1024) {
        yield Buffer.from(text, 'latin1')
        text = ''
      }
    }
  }
  if (text.length) yield Buffer.from(text, 'latin1')
}

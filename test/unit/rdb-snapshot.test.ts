// Snapshot (point-in-time RDB while writes continue) and RdbStreamParser (incremental load):
// a snapshot pulled chunk by chunk with INCR/LPUSH/DEL/SET/RENAME/MOVE/EXPIRE/FLUSHALL in
// between must equal the keyspace at construction; files fed in random chunk sizes parse like
// the whole-buffer reader; corrupt, truncated and unsupported input fails clearly.
import {describe, test} from 'node:test'
import assert from 'node:assert/strict'
import {readFileSync} from 'node:fs'
import {dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'
import {NodeServer} from '../../src/node/server.js'
import {NodeConfig} from '../../src/node/config.js'
import {ManualClock} from '../../src/node/clock.js'
import {Session} from '../../src/node/session.js'
import {dispatch} from '../../src/node/dispatcher.js'
import {toRdbValue} from '../../src/node/keyspace/rdb-convert.js'
import {Snapshot} from '../../src/node/persistence/snapshot.js'
import {RdbStreamParser, type RdbEntry} from '../../src/node/persistence/rdb-stream.js'
import {loadEntry} from '../../src/node/persistence/load.js'
import {readRdb, writeRdb} from '../../src/node/persistence/rdb-file.js'
import {ByteWriter} from '../../src/node/persistence/byte-io.js'
import {writeString} from '../../src/node/persistence/rdb-codec.js'
import {Crc64} from '../../src/node/persistence/crc64.js'
import {RdbFormatError} from '../../src/node/persistence/rdb-value.js'
import {normalize} from '../fixtures/rdb/fixture-format.js'

type Model = Map<number, Map<string, {v: unknown; exp?: number}>>

/** Deterministic PRNG so a failure reproduces. */
function rng(seed: number): () => number {
  let s = seed >>> 0
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0
    return s / 0x100000000
  }
}

function newServer(): {server: NodeServer; run: (...argv: string[]) => void; s: Session} {
  const config = new NodeConfig()
  config.set('save', '')
  const server = new NodeServer({config, clock: new ManualClock(1_700_000_000_000)})
  server.log.silent = true
  const s = new Session(server, null)
  const run = (...argv: string[]) => {
    const r = dispatch(s, argv)
    assert.equal(r, undefined, `${argv[0]} went async`)
  }
  return {server, run, s}
}

function modelOfServer(server: NodeServer): Model {
  const m: Model = new Map()
  for (const [i, ks] of server.databases()) {
    if (ks.size === 0) continue
    const d = new Map<string, {v: unknown; exp?: number}>()
    for (const [k, v] of ks.entries()) {
      const exp = ks.getExpire(k)
      d.set(k, exp === undefined ? {v: normalize(toRdbValue(v))} : {v: normalize(toRdbValue(v)), exp})
    }
    m.set(i, d)
  }
  return m
}

function modelOfEntries(add: (cb: (db: number, e: RdbEntry) => void) => void): Model {
  const m: Model = new Map()
  add((db, e) => {
    let d = m.get(db)
    if (!d) m.set(db, (d = new Map()))
    assert.ok(!d.has(e.key), `duplicate key ${e.key}`)
    d.set(e.key, e.expireAt === undefined ? {v: normalize(e.value)} : {v: normalize(e.value), exp: e.expireAt})
  })
  return m
}

function parseStreamed(file: Buffer, rand: () => number, maxChunk: number): Model {
  return modelOfEntries((cb) => {
    const p = new RdbStreamParser({onEntry: cb})
    for (let i = 0; i < file.length; ) {
      const n = 1 + Math.floor(rand() * maxChunk)
      p.feed(file.subarray(i, i + n))
      i += n
    }
    p.end()
    assert.ok(p.finished)
  })
}

function populate(run: (...a: string[]) => void, rand: () => number, n = 400): void {
  for (let i = 0; i < n; i++) {
    const k = `k${i}`
    switch (i % 7) {
      case 0:
        run('SET', k, 'v'.repeat(1 + Math.floor(rand() * 40)))
        break
      case 1:
        run('SET', k, String(i))
        break
      case 2:
        run('RPUSH', k, 'a', 'b', String(i))
        break
      case 3:
        run('HSET', k, 'f1', 'x', 'f2', String(i))
        break
      case 4:
        run('SADD', k, '1', '2', String(i))
        break
      case 5:
        run('ZADD', k, '1.5', 'm', String(i), 'n')
        break
      case 6:
        run('SET', k, 'with-ttl', 'PX', String(60_000 + i))
    }
  }
  run('SELECT', '3')
  for (let i = 0; i < 50; i++) run('SET', `d3:${i}`, `x${i}`)
  run('RPUSH', 'd3:biglist', ...Array.from({length: 3000}, (_, i) => `item-${i}`))
  run('SELECT', '0')
}

/** One random write of the kinds the brief lists, keys chosen to hit written and unwritten slots. */
function randomWrite(run: (...a: string[]) => void, rand: () => number, step: number): void {
  const k = `k${Math.floor(rand() * 420)}`
  const choice = Math.floor(rand() * 10)
  try {
    switch (choice) {
      case 0:
        run('INCR', `k${7 * Math.floor(rand() * 57) + 1}`)
        break
      case 1:
        run('LPUSH', `k${7 * Math.floor(rand() * 57) + 2}`, `new${step}`)
        break
      case 2:
        run('DEL', k)
        break
      case 3:
        run('SET', `fresh${step}`, 'created-after')
        break
      case 4:
        run('HSET', `k${7 * Math.floor(rand() * 57) + 3}`, 'f1', `changed${step}`)
        break
      case 5:
        run('EXPIRE', k, '5')
        break
      case 6:
        run('RENAME', `k${7 * Math.floor(rand() * 57)}`, `renamed${step}`)
        break
      case 7:
        run('MOVE', k, '3')
        break
      case 8:
        run('SELECT', '3')
        run('LPOP', 'd3:biglist', '10')
        run('SET', `d3:${Math.floor(rand() * 60)}`, 'overwritten')
        run('SELECT', '0')
        break
      case 9:
        run('MULTI')
        run('SADD', `k${7 * Math.floor(rand() * 57) + 4}`, `m${step}`)
        run('ZADD', `k${7 * Math.floor(rand() * 57) + 5}`, '9', `z${step}`)
        run('EXEC')
        break
    }
  } catch {
    // e.g. RENAME of a missing key: the reply is an error, nothing to check here
  }
}

function pullAll(snap: Snapshot, between?: (i: number) => void): Buffer {
  const chunks: Buffer[] = []
  for (let i = 0; ; i++) {
    const c = snap.next()
    if (c === null) break
    chunks.push(c)
    between?.(i)
  }
  assert.ok(snap.done)
  return Buffer.concat(chunks)
}

describe('Snapshot', () => {
  test('equals the keyspace at construction despite interleaved writes', () => {
    const rand = rng(7)
    const {server, run} = newServer()
    populate(run, rand)
    const expected = modelOfServer(server)
    const snap = new Snapshot(server, {chunkSize: 200})
    let chunks = 0
    const file = pullAll(snap, (i) => {
      chunks++
      for (let j = 0; j < 3; j++) randomWrite(run, rand, i * 3 + j)
    })
    assert.ok(chunks > 20, `only ${chunks} chunks`)
    assert.notDeepEqual(modelOfServer(server), expected, 'the writes changed the live keyspace')
    assert.deepEqual(modelOfEntries((cb) => readRdb(file, {onEntry: cb})), expected)
    assert.deepEqual(parseStreamed(file, rand, 97), expected)
    assert.equal(server.beforeWriteHooks.length, 0, 'hook removed when done')
  })

  test('FLUSHALL mid-way finishes the snapshot synchronously', () => {
    const rand = rng(11)
    const {server, run} = newServer()
    populate(run, rand)
    const expected = modelOfServer(server)
    const snap = new Snapshot(server, {chunkSize: 300})
    const file = pullAll(snap, (i) => {
      randomWrite(run, rand, i)
      if (i === 5) {
        run('FLUSHALL')
        assert.equal(server.beforeWriteHooks.length, 0)
        run('SET', 'after-flush', '1')
      }
    })
    assert.deepEqual(modelOfEntries((cb) => readRdb(file, {onEntry: cb})), expected)
  })

  test('FLUSHDB inside MULTI/EXEC, keyless, also finishes it', () => {
    const rand = rng(12)
    const {server, run} = newServer()
    populate(run, rand, 100)
    const expected = modelOfServer(server)
    const snap = new Snapshot(server, {chunkSize: 100})
    const first = snap.next()!
    run('MULTI')
    run('SET', 'k1', 'changed')
    run('FLUSHDB')
    run('EXEC')
    assert.equal(server.db(0).size, 0)
    const file = Buffer.concat([first, pullAll(snap)])
    assert.deepEqual(modelOfEntries((cb) => readRdb(file, {onEntry: cb})), expected)
  })

  test('concurrent snapshots each keep their own point in time', () => {
    const rand = rng(3)
    const {server, run} = newServer()
    populate(run, rand)
    const exp1 = modelOfServer(server)
    const s1 = new Snapshot(server, {chunkSize: 150})
    const out1: Buffer[] = []
    for (let i = 0; i < 10; i++) {
      out1.push(s1.next()!)
      randomWrite(run, rand, 1000 + i)
    }
    const exp2 = modelOfServer(server)
    const s2 = new Snapshot(server, {chunkSize: 500})
    const out2: Buffer[] = []
    let step = 2000
    for (;;) {
      const a = s1.next()
      const b = s2.next()
      if (a) out1.push(a)
      if (b) out2.push(b)
      if (!a && !b) break
      randomWrite(run, rand, step++)
    }
    assert.deepEqual(modelOfEntries((cb) => readRdb(Buffer.concat(out1), {onEntry: cb})), exp1)
    assert.deepEqual(modelOfEntries((cb) => readRdb(Buffer.concat(out2), {onEntry: cb})), exp2)
  })

  test('keys announced outside the dispatcher (blocked BLMOVE wake-up) keep their pre-image', () => {
    const {server, run} = newServer()
    run('RPUSH', 'dst', 'old')
    run('SET', 'other', 'x')
    const expected = modelOfServer(server)
    const snap = new Snapshot(server, {chunkSize: 1})
    // blocking.ts announces the waiter's source and destination before serving it.
    server.beforeWrite(0, ['src', 'dst'])
    run('RPUSH', 'dst', 'moved')
    const file = pullAll(snap)
    assert.deepEqual(modelOfEntries((cb) => readRdb(file, {onEntry: cb})), expected)
  })

  test('AUX fields like redis 7.0, caller fields merged, checksum off writes zeros', () => {
    const {server, run} = newServer()
    run('SET', 'a', '1')
    const snap = new Snapshot(server, {aux: [['repl-stream-db', '0'], ['repl-id', 'f'.repeat(40)], ['repl-offset', '123']], checksum: false})
    const file = pullAll(snap)
    const parsed = readRdb(file)
    assert.deepEqual([...parsed.aux.keys()], ['redis-ver', 'redis-bits', 'ctime', 'used-mem', 'repl-stream-db', 'repl-id', 'repl-offset', 'aof-base'])
    assert.equal(parsed.aux.get('redis-ver'), '7.0.15')
    assert.equal(parsed.aux.get('ctime'), String(Math.floor(1_700_000_000_000 / 1000)))
    assert.equal(parsed.aux.get('repl-id'), 'f'.repeat(40))
    assert.equal(parsed.aux.get('aof-base'), '0')
    assert.deepEqual(file.subarray(file.length - 8), Buffer.alloc(8))
    const pre = readRdb(pullAll(new Snapshot(server, {aux: [['aof-base', '1']]})))
    assert.equal(pre.aux.get('aof-base'), '1')
  })

  test('empty server: header, AUX and EOF only; abort unhooks', () => {
    const {server} = newServer()
    const file = pullAll(new Snapshot(server))
    const parsed = readRdb(file)
    assert.equal(parsed.dbs.size, 0)
    const snap = new Snapshot(server)
    assert.equal(server.beforeWriteHooks.length, 1)
    snap.abort()
    assert.equal(server.beforeWriteHooks.length, 0)
    assert.equal(snap.next(), null)
    assert.ok(snap.done)
  })

  test('RESIZEDB carries the sizes at the point in time', () => {
    const {server, run} = newServer()
    run('SET', 'a', '1')
    run('SET', 'b', '1', 'EX', '100')
    const sizes: [number, number, number][] = []
    const snap = new Snapshot(server, {chunkSize: 1})
    run('SET', 'c', '1')
    const file = pullAll(snap)
    const p = new RdbStreamParser({onEntry: () => {}, onResizeDb: (db, s, e) => sizes.push([db, s, e])})
    p.feed(file)
    p.end()
    assert.deepEqual(sizes, [[0, 2, 1]])
  })
})

describe('RdbStreamParser', () => {
  const fixtureDir = join(dirname(fileURLToPath(import.meta.url)), '../fixtures/rdb')
  const real = readFileSync(join(fixtureDir, 'all-types-7.0.15.rdb'))

  test('a redis-server 7.0 file in random chunk sizes parses like the whole-buffer reader', () => {
    const expected = modelOfEntries((cb) => readRdb(real, {onEntry: cb}))
    assert.ok(expected.size > 0)
    const rand = rng(5)
    for (const max of [1, 2, 7, 64, 4096, real.length]) assert.deepEqual(parseStreamed(real, rand, max), expected, `max chunk ${max}`)
    const aux = new Map<string, string>()
    const p = new RdbStreamParser({onEntry: () => {}, onAux: (k, v) => aux.set(k, v)})
    p.feed(real)
    p.end()
    assert.equal(aux.get('redis-ver'), '7.0.15')
  })

  test('a large value arriving in tiny chunks is parsed once complete (bounded re-parsing)', () => {
    const big = Array.from({length: 20000}, (_, i) => `member-${i}`)
    const file = writeRdb([{key: 'big', value: {type: 'list', items: big}}, {key: 's', value: {type: 'string', value: 'x'}, expireAt: 1e13}])
    const got: RdbEntry[] = []
    const p = new RdbStreamParser({onEntry: (_db, e) => got.push(e)})
    for (let i = 0; i < file.length; i += 100) p.feed(file.subarray(i, i + 100))
    p.end()
    assert.equal(got.length, 2)
    assert.deepEqual((got[0].value as {items: string[]}).items, big)
    assert.equal(got[1].expireAt, 1e13)
  })

  test('a wrong checksum, a truncated file and a bad signature are refused', () => {
    const bad = Buffer.from(real)
    bad[bad.length - 3] ^= 0xff
    assert.throws(() => new RdbStreamParser({onEntry: () => {}}).feed(bad), /Wrong RDB checksum/)
    const skip = new RdbStreamParser({onEntry: () => {}, skipChecksum: true})
    skip.feed(bad)
    assert.ok(skip.finished)
    for (const cut of [5, 9, 100, real.length - 9, real.length - 1]) {
      const p = new RdbStreamParser({onEntry: () => {}})
      p.feed(real.subarray(0, cut))
      assert.ok(!p.finished)
      assert.throws(() => p.end(), (e: unknown) => e instanceof RdbFormatError && /truncated/.test(e.message), `cut ${cut}`)
    }
    assert.throws(() => new RdbStreamParser({onEntry: () => {}}).feed(Buffer.from('RADIS0010xxxxxxxx')), /Wrong signature/)
    assert.throws(() => new RdbStreamParser({onEntry: () => {}}).feed(Buffer.from('REDIS0011xxxxxxxx')), /Can't handle RDB format version 0011/)
  })

  test('stream and module types, MODULE_AUX: clear errors naming type and key', () => {
    const make = (body: (w: ByteWriter) => void) => {
      const w = new ByteWriter()
      w.latin1('REDIS0010')
      w.u8(0xfe)
      w.u8(0)
      body(w)
      return w.take()
    }
    const stream = make((w) => {
      w.u8(21)
      writeString(w, 'mystream')
      w.latin1('garbage')
    })
    assert.throws(() => new RdbStreamParser({onEntry: () => {}}).feed(stream), /Unsupported RDB type 21 \(stream\) for key 'mystream'/)
    const mod = make((w) => {
      w.u8(7)
      writeString(w, 'modkey')
    })
    assert.throws(() => new RdbStreamParser({onEntry: () => {}}).feed(mod), /Unsupported RDB type 7 \(module\) for key 'modkey'/)
    const modAux = make((w) => w.u8(0xf7))
    assert.throws(() => new RdbStreamParser({onEntry: () => {}}).feed(modAux), /MODULE_AUX/)
    const unknown = make((w) => {
      w.u8(42)
      writeString(w, 'k')
    })
    assert.throws(() => new RdbStreamParser({onEntry: () => {}}).feed(unknown), /Unknown RDB encoding type 42 for key 'k'/)
  })

  test('FUNCTION2, EXPIRETIME (seconds), IDLE and FREQ opcodes', () => {
    const w = new ByteWriter()
    w.latin1('REDIS0010')
    w.u8(0xf5)
    writeString(w, "#!lua name=lib\nredis.register_function('f', function() return 1 end)")
    w.u8(0xfe)
    w.u8(2)
    w.u8(0xfb)
    w.u8(2)
    w.u8(1)
    w.u8(0xfd)
    w.u32le(2_000_000_000)
    w.u8(0xf8)
    w.u8(5)
    w.u8(0)
    writeString(w, 'a')
    writeString(w, 'v')
    w.u8(0xf9)
    w.u8(7)
    w.u8(0)
    writeString(w, 'b')
    writeString(w, 'w')
    w.u8(0xff)
    const crc = new Crc64().update(w.buf, 0, w.pos)
    w.ensure(8)
    crc.writeLE(w.buf, w.pos)
    w.pos += 8
    const file = w.take()
    const entries: [number, RdbEntry][] = []
    const fns: string[] = []
    const p = new RdbStreamParser({onEntry: (db, e) => entries.push([db, e]), onFunction: (c) => fns.push(c)})
    for (const b of file) p.feed(Buffer.from([b]))
    p.end()
    assert.equal(fns.length, 1)
    assert.deepEqual(entries, [
      [2, {key: 'a', value: {type: 'string', value: 'v'}, expireAt: 2_000_000_000_000, idle: 5}],
      [2, {key: 'b', value: {type: 'string', value: 'w'}, freq: 7}],
    ])
  })
})

describe('loadEntry', () => {
  test('sets value and absolute expiry; skips expired keys on a master; refuses duplicates', () => {
    const {server} = newServer()
    const now = server.clock.now()
    assert.ok(loadEntry(server, 0, {key: 'a', value: {type: 'list', items: ['x', 'y']}, expireAt: now + 5000}))
    assert.equal(server.db(0).getExpire('a'), now + 5000)
    assert.equal(loadEntry(server, 0, {key: 'old', value: {type: 'string', value: 'v'}, expireAt: now - 1}), false)
    assert.equal(server.db(0).has('old'), false)
    assert.ok(loadEntry(server, 0, {key: 'old', value: {type: 'string', value: 'v'}, expireAt: now - 1}, {keepExpired: true}))
    assert.throws(() => loadEntry(server, 0, {key: 'a', value: {type: 'string', value: 'v'}}), /duplicated key 'a'/)
    assert.throws(() => loadEntry(server, 16, {key: 'z', value: {type: 'string', value: 'v'}}), /more than 16 databases/)
    assert.equal(server.dirty, 0)
  })
})

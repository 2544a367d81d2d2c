// RDB files both ways with real redis-server 7.0: a dump.rdb written by an embedded node (SAVE
// and BGSAVE) loads in redis-server, and one written by redis-server (every encoding, forced
// with the *-max-* settings) loads in an embedded node and through RdbStreamParser in random
// chunk sizes. Keys are compared by their decoded DUMP payloads and absolute expiries.
import {after, before, describe, test} from 'node:test'
import assert from 'node:assert/strict'
import {spawnSync} from 'node:child_process'
import {copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {Redis} from 'ioredis'
import {startNode, type RunningNode} from '../../src/node/index.js'
import {NodeServer} from '../../src/node/server.js'
import {Session} from '../../src/node/session.js'
import {dispatch} from '../../src/node/dispatcher.js'
import {toRdbValue} from '../../src/node/keyspace/rdb-convert.js'
import {Snapshot} from '../../src/node/persistence/snapshot.js'
import {parseDumpPayload} from '../../src/node/persistence/dump.js'
import {RdbStreamParser} from '../../src/node/persistence/rdb-stream.js'
import {readRdb} from '../../src/node/persistence/rdb-file.js'
import {normalize} from '../fixtures/rdb/fixture-format.js'
import {startRedis, type RedisProcess} from '../fixtures/rdb/redis-process.js'
import {redisSkip} from '../helpers/redis-server.js'

const skip = redisSkip()

/** Every type and the encodings redis 7.0 picks for them at default settings. */
async function populate(c: Redis): Promise<void> {
  const p = c.pipeline()
  p.set('str:int', '12345')
  p.set('str:neg', '-9000000000')
  p.set('str:embstr', 'hello')
  p.set('str:raw', 'x'.repeat(100))
  p.set('str:compressible', 'abc'.repeat(400))
  p.set('str:binary', Buffer.from(Array.from({length: 256}, (_, i) => i)))
  p.set('str:ttl', 'expiring', 'PX', 3_600_000)
  p.rpush('list:small', 'a', 'b', '1', '-2', 'c'.repeat(70))
  p.rpush('list:big', ...Array.from({length: 5000}, (_, i) => `element-${i}-${'y'.repeat(i % 50)}`))
  p.rpush('list:plainnode', 'z'.repeat(20000), 'small')
  p.sadd('set:intset', '1', '2', '3', '-100', '100000')
  p.sadd('set:hashtable', 'a', 'b', 'c')
  p.sadd('set:bigints', ...Array.from({length: 1000}, (_, i) => String(i * 7)))
  p.hset('hash:listpack', 'f1', 'v1', 'f2', '2')
  p.hset('hash:bigvalue', 'f', 'v'.repeat(100))
  p.hset('hash:many', ...Array.from({length: 1200}, (_, i) => [`field${i}`, `value${i}`]).flat())
  p.zadd('zset:listpack', '1', 'a', '2.5', 'b', '-3', 'c', 'inf', 'top', '-inf', 'bottom')
  p.zadd('zset:skiplist', ...Array.from({length: 300}, (_, i) => [String(i / 3), `m${i}`]).flat())
  p.zadd('zset:longmember', '1', 'q'.repeat(100))
  p.hset('hash:ttl', 'a', '1')
  p.pexpireat('hash:ttl', Date.now() + 7_200_000)
  p.select(3)
  p.set('db3:key', 'in db 3')
  p.select(0)
  await p.exec()
}

interface KeyState {
  value: unknown
  expireAt: number
}

async function keyspaceOf(c: Redis, dbs = [0, 3]): Promise<Map<string, KeyState>> {
  const out = new Map<string, KeyState>()
  for (const db of dbs) {
    await c.select(db)
    const keys = ((await c.call('KEYS', '*')) as string[]).sort()
    for (const k of keys) {
      const dump = await c.dumpBuffer(k)
      out.set(`${db}:${k}`, {value: normalize(parseDumpPayload(dump!)), expireAt: Number(await c.call('PEXPIRETIME', k))})
    }
  }
  await c.select(0)
  return out
}

describe('RDB files: embedded node <-> redis-server 7.0', {skip}, () => {
  let root: string
  const nodes: RunningNode[] = []
  const redises: RedisProcess[] = []

  before(() => {
    root = mkdtempSync(join(tmpdir(), 'redis-ts-rdbfile-'))
  })
  after(async () => {
    for (const n of nodes) await n.stop()
    for (const r of redises) await r.stop()
    rmSync(root, {recursive: true, force: true})
  })

  const embedded = async (dir: string, extra: Record<string, string> = {}) => {
    const n = await startNode({overrides: {port: '0', bind: '127.0.0.1', dir, save: '', ...extra}, silent: true})
    nodes.push(n)
    const c = new Redis({port: n.port, host: '127.0.0.1', maxRetriesPerRequest: 1})
    return {n, c}
  }

  for (const how of ['SAVE', 'BGSAVE'] as const) {
    test(`a file written by ${how} on an embedded node loads in redis-server`, async () => {
      const dir = mkdtempSync(join(root, 'emb-'))
      const {c} = await embedded(dir)
      await populate(c)
      const ours = await keyspaceOf(c)
      if (how === 'SAVE') assert.equal(await c.call('SAVE'), 'OK')
      else {
        assert.equal(await c.call('BGSAVE'), 'Background saving started')
        for (let i = 0; i < 200 && /rdb_bgsave_in_progress:1/.test(await c.info('persistence')); i++) await new Promise((r) => setTimeout(r, 25))
      }
      c.disconnect()
      const rdir = mkdtempSync(join(root, 'redis-'))
      copyFileSync(join(dir, 'dump.rdb'), join(rdir, 'loaded.rdb'))
      const r = await startRedis({dir: rdir, args: ['--dbfilename', 'loaded.rdb']})
      redises.push(r)
      const theirs = await keyspaceOf(r.client)
      assert.deepEqual([...theirs.keys()], [...ours.keys()])
      assert.deepEqual(theirs, ours)
      assert.match(await r.client.call('OBJECT', 'ENCODING', 'hash:many') as string, /hashtable/)
      assert.match(await r.client.call('OBJECT', 'ENCODING', 'zset:skiplist') as string, /skiplist/)
    })
  }

  test('a Snapshot pulled while writes interleave loads in redis-server as the point in time', async () => {
    const server = new NodeServer()
    server.log.silent = true
    const s = new Session(server, null)
    const run = (...argv: string[]) => void dispatch(s, argv)
    for (let i = 0; i < 300; i++) {
      run('SET', `s${i}`, `v${i}`)
      run('RPUSH', `l${i % 20}`, `e${i}`)
      run('HSET', `h${i % 10}`, `f${i}`, `${i}`)
      run('ZADD', `z${i % 10}`, String(i / 7), `m${i}`)
      run('SADD', `set${i % 10}`, String(i))
    }
    run('SET', 'ttl', 'x', 'PX', '3600000')
    const expected = new Map<string, KeyState>()
    for (const [k, v] of server.db(0).entries()) expected.set(`0:${k}`, {value: normalize(toRdbValue(v)), expireAt: server.db(0).getExpire(k) ?? -1})
    const snap = new Snapshot(server, {chunkSize: 128})
    const chunks: Buffer[] = []
    for (let i = 0, c = snap.next(); c !== null; c = snap.next(), i++) {
      chunks.push(c)
      run('INCR', `s${i % 300}`)
      run('LPUSH', `l${i % 20}`, 'late')
      run('DEL', `h${i % 10}`)
      run('SET', `new${i}`, 'late')
      run('ZADD', `z${i % 10}`, '0', 'late')
      run('EXPIRE', `set${i % 10}`, '100')
    }
    const rdir = mkdtempSync(join(root, 'snap-'))
    writeFileSync(join(rdir, 'snap.rdb'), Buffer.concat(chunks))
    // redis' own checker walks every record and verifies the CRC.
    const check = spawnSync('redis-check-rdb', [join(rdir, 'snap.rdb')], {encoding: 'utf8'})
    if (check.error === undefined) assert.match(check.stdout, /RDB looks OK!/, check.stdout)
    const r = await startRedis({dir: rdir, args: ['--dbfilename', 'snap.rdb']})
    redises.push(r)
    const theirs = await keyspaceOf(r.client, [0])
    assert.equal(theirs.size, expected.size)
    assert.deepEqual(theirs, expected)
  })

  test('INFO persistence: the rdb_* and loading fields redis-server prints', async () => {
    const r = redises[0] ?? (await startRedis())
    if (!redises.includes(r)) redises.push(r)
    const {c} = await embedded(mkdtempSync(join(root, 'info-')))
    const names = (text: string) => text.split(/\r?\n/).map((l) => l.split(':')[0]).filter((n) => /^(loading|async_loading|current_|rdb_)/.test(n))
    assert.deepEqual(names(await c.info('persistence')), names(await r.client.info('persistence')))
    c.disconnect()
  })

  test('a redis-server file with every encoding loads in an embedded node and streams in random chunks', async () => {
    const rdir = mkdtempSync(join(root, 'redis-src-'))
    const r = await startRedis({dir: rdir})
    redises.push(r)
    await populate(r.client)
    // Force the big encodings on small values too, then write more keys with them.
    for (const [k, v] of [['hash-max-listpack-entries', '0'], ['zset-max-listpack-entries', '0'], ['set-max-intset-entries', '0'], ['list-max-listpack-size', '2']]) await r.client.config('SET', k, v)
    await r.client.hset('hash:forced-hashtable', 'a', '1', 'b', '2')
    await r.client.zadd('zset:forced-skiplist', '1', 'a', '2', 'b')
    await r.client.sadd('set:forced-hashtable', '1', '2')
    await r.client.rpush('list:many-nodes', ...Array.from({length: 9}, (_, i) => `n${i}`))
    assert.equal(await r.client.call('OBJECT', 'ENCODING', 'hash:forced-hashtable'), 'hashtable')
    assert.equal(await r.client.call('OBJECT', 'ENCODING', 'zset:forced-skiplist'), 'skiplist')
    assert.equal(await r.client.call('SAVE'), 'OK')
    const theirs = await keyspaceOf(r.client)
    const file = readFileSync(join(rdir, 'dump.rdb'))

    // Stream parser, random chunk sizes, equals the whole-file reader.
    const whole = new Map<string, unknown>()
    readRdb(file, {onEntry: (db, e) => whole.set(`${db}:${e.key}`, [normalize(e.value), e.expireAt])})
    for (const max of [1, 13, 1000, 65536]) {
      const streamed = new Map<string, unknown>()
      const p = new RdbStreamParser({onEntry: (db, e) => streamed.set(`${db}:${e.key}`, [normalize(e.value), e.expireAt])})
      for (let i = 0; i < file.length; ) {
        const n = 1 + Math.floor(Math.random() * max)
        p.feed(file.subarray(i, i + n))
        i += n
      }
      p.end()
      assert.deepEqual(streamed, whole, `chunks up to ${max}`)
    }

    const dir = mkdtempSync(join(root, 'emb-load-'))
    copyFileSync(join(rdir, 'dump.rdb'), join(dir, 'dump.rdb'))
    const {c} = await embedded(dir)
    const ours = await keyspaceOf(c)
    c.disconnect()
    assert.deepEqual([...ours.keys()], [...theirs.keys()])
    assert.deepEqual(ours, theirs)
  })
})

// A stream (several nodes, tombstones, consumer groups, PELs, an empty consumer) between
// redis-server 7.0 and the embedded node: MIGRATE both ways (the payload arrives byte for byte),
// and replication both ways — full sync of existing streams, then every stream write form
// propagated live (XADD * and ~ trimming, XREADGROUP with and without NOACK, blocked reads
// served later, XACK, XCLAIM, XAUTOCLAIM over deleted entries, XGROUP subcommands, XSETID),
// compared by DUMP on master and replica.
import {after, before, describe, test} from 'node:test'
import assert from 'node:assert/strict'
import type {Redis} from 'ioredis'
import type {RunningNode} from '../../src/node/index.js'
import {RedisNodes, redisSkip, type TestNode} from '../helpers/redis-server.js'
import {client, digest, embedded, sameDigest, waitSynced} from '../helpers/repl.js'
import {parseDumpPayload} from '../../src/node/persistence/dump.js'
import {encodeValue} from '../../src/node/persistence/rdb-codec.js'
import type {Stream} from '../../src/node/keyspace/stream.js'

async function buildStream(c: Redis, key: string): Promise<void> {
  const p = c.pipeline()
  for (let i = 0; i < 250; i++) p.xadd(key, `${1000 + i}-${i % 4}`, 'f', `v${i}`, ...(i % 10 === 0 ? ['extra', 'x'.repeat(i)] : []))
  p.xdel(key, '1003-3', '1100-0', '1249-1')
  p.xgroup('CREATE', key, 'ga', '0')
  p.xgroup('CREATE', key, 'gb', '1200-0')
  p.call('XREADGROUP', 'GROUP', 'ga', 'alice', 'COUNT', '20', 'STREAMS', key, '>')
  p.call('XREADGROUP', 'GROUP', 'ga', 'bob', 'COUNT', '5', 'STREAMS', key, '>')
  p.call('XREADGROUP', 'GROUP', 'gb', 'carol', 'NOACK', 'STREAMS', key, '>')
  p.xgroup('CREATECONSUMER', key, 'ga', 'idle-one')
  p.xack(key, 'ga', '1001-1', '1002-2')
  p.xclaim(key, 'ga', 'bob', 0, '1005-1', 'TIME', '1700000000000', 'RETRYCOUNT', '4')
  await p.exec()
}

/** Every stream write form, including a blocked XREADGROUP served by a later XADD. */
async function streamWrites(c: Redis, key: string): Promise<void> {
  await c.xadd(key, '*', 'live', '1')
  await c.xadd(key, 'MAXLEN', '~', '200', '*', 'live', '2')
  await c.xadd(key, 'MINID', '~', '1050', '*', 'live', '3')
  await c.xtrim(key, 'MAXLEN', '~', '150')
  await c.xtrim(key, 'MAXLEN', '=', '180')
  await c.call('XREADGROUP', 'GROUP', 'ga', 'dave', 'COUNT', '7', 'STREAMS', key, '>')
  await c.call('XREADGROUP', 'GROUP', 'ga', 'erin', 'NOACK', 'COUNT', '3', 'STREAMS', key, '>')
  await c.call('XREADGROUP', 'GROUP', 'ga', 'alice', 'STREAMS', key, '0')
  const pending = (await c.call('XPENDING', key, 'ga', '-', '+', '5')) as [string][]
  await c.xack(key, 'ga', pending[0][0])
  await c.xdel(key, pending[1][0])
  await c.call('XAUTOCLAIM', key, 'ga', 'frank', '0', '0-0', 'COUNT', '10')
  await c.xclaim(key, 'ga', 'gina', 0, pending[2][0], pending[3][0], 'JUSTID')
  // (No ENTRIESREAD here: a valid counter that a later read invalidates on the master stays valid
  // on replicas — XCLAIM ... LASTID does not carry it. redis-server replicas diverge the same way.)
  await c.xgroup('SETID', key, 'gb', '0')
  await c.xgroup('CREATE', key, 'gc', '$')
  await c.xgroup('DELCONSUMER', key, 'ga', 'idle-one')
  await c.xgroup('DESTROY', key, 'gc')
  const reader = c.duplicate()
  reader.on('error', () => {})
  const waiting = reader.call('XREADGROUP', 'GROUP', 'gb', 'hank', 'BLOCK', '5000', 'STREAMS', key, '>')
  await new Promise((r) => setTimeout(r, 100))
  await c.multi().xadd(key, '*', 'tx', '1').xadd(key, '*', 'tx', '2').exec()
  await waiting
  reader.disconnect()
  await c.call('XSETID', key, '99999999999999-0', 'ENTRIESADDED', '5000', 'MAXDELETEDID', '1100-0')
  await c.xgroup('CREATE', `${key}:empty`, 'g', '$', 'MKSTREAM')
}

/**
 * Same keys, same DUMP after normalising what redis-server itself does not replicate: a
 * consumer's seen-time (set when the replica applies the command) and, for live writes, a group's
 * entries-read counter (a read on the master may turn it from unknown into a count; the XCLAIM ...
 * LASTID it propagates carries no counter, so redis-server replicas keep the old value too).
 */
async function sameStreams(a: Redis, b: Redis, live: boolean): Promise<void> {
  assert.equal(sameDigest(await digest(a), await digest(b)) === null || live, true, 'full sync must be exact')
  const keys = (await a.keys('*')).sort()
  assert.deepEqual((await b.keys('*')).sort(), keys)
  for (const k of keys) {
    const norm = async (c: Redis) => {
      const v = parseDumpPayload(await c.dumpBuffer(k)) as {type: 'stream'; stream: Stream}
      for (const g of v.stream.groups.values()) {
        if (live) g.entriesRead = 0
        for (const cons of g.consumers.values()) cons.seenTime = 0
      }
      return encodeValue(v, {compress: false}).toString('hex')
    }
    assert.equal(await norm(b), await norm(a), `stream ${k} differs`)
  }
}

describe('streams between redis-server 7.0 and the embedded node', {skip: redisSkip()}, () => {
  const real = new RedisNodes()
  const nodes: RunningNode[] = []
  const clients: Redis[] = []
  const cl = (port: number) => {
    const c = client(port)
    clients.push(c)
    return c
  }
  let rs: TestNode[] = []
  before(async () => {
    rs = await real.start(2, {cluster: false, extra: ['--repl-diskless-sync-delay', '0']})
  })
  after(async () => {
    for (const c of clients) c.disconnect()
    for (const n of nodes) await n.stop()
    await real.stop()
  })

  test('MIGRATE a stream embedded -> redis-server -> embedded: identical payloads', async () => {
    const e = await embedded()
    nodes.push(e)
    const ec = cl(e.port)
    const rc = cl(rs[0].port)
    await rc.flushall()
    await buildStream(ec, 'st')
    const original = await ec.dumpBuffer('st')
    assert.equal(await ec.call('MIGRATE', '127.0.0.1', String(rs[0].port), 'st', '0', '5000'), 'OK')
    assert.equal(await ec.exists('st'), 0)
    assert.equal((await rc.dumpBuffer('st')).toString('hex'), original.toString('hex'))
    assert.deepEqual(await rc.call('XINFO', 'STREAM', 'st', 'FULL', 'COUNT', '0'), await (async () => {
      await ec.restore('st-copy', 0, original)
      return ec.call('XINFO', 'STREAM', 'st-copy', 'FULL', 'COUNT', '0')
    })())
    assert.equal(await rc.call('MIGRATE', '127.0.0.1', String(e.port), 'st', '0', '5000', 'COPY'), 'OK')
    assert.equal((await ec.dumpBuffer('st')).toString('hex'), original.toString('hex'))
    assert.equal(await ec.xlen('st'), 247)
  })

  test('redis-server master -> embedded replica: existing streams, then live stream writes', async () => {
    const m = cl(rs[0].port)
    await m.flushall()
    await buildStream(m, 'rs')
    const e = await embedded()
    nodes.push(e)
    const r = cl(e.port)
    await r.replicaof('127.0.0.1', String(rs[0].port))
    await waitSynced(m, r)
    await sameStreams(m, r, false)
    await streamWrites(m, 'rs')
    await buildStream(m, 'rs2')
    await waitSynced(m, r)
    await sameStreams(m, r, true)
    await r.replicaof('NO', 'ONE')
  })

  test('embedded master -> redis-server replica: existing streams, then live stream writes', async () => {
    const e = await embedded()
    nodes.push(e)
    const m = cl(e.port)
    await buildStream(m, 'es')
    const r = cl(rs[1].port)
    await r.flushall()
    await r.replicaof('127.0.0.1', String(e.port))
    await waitSynced(m, r)
    await sameStreams(m, r, false)
    await streamWrites(m, 'es')
    await buildStream(m, 'es2')
    await waitSynced(m, r)
    await sameStreams(m, r, true)
    await r.replicaof('NO', 'ONE')
  })
})

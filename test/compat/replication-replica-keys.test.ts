// Replica-side behaviour Redis 7.0.15's normal-mode replication suites check, side by side: an
// embedded replica and a redis-server replica of the same redis-server master.
import {after, before, describe, test} from 'node:test'
import assert from 'node:assert/strict'
import type {Redis} from 'ioredis'
import type {RunningNode} from '../../src/node/index.js'
import {RedisNodes, redisSkip, type TestNode} from '../helpers/redis-server.js'
import {client, embedded, info, waitFor, waitSynced} from '../helpers/repl.js'

describe('a replica next to redis-server 7.0', {skip: redisSkip()}, () => {
  const real = new RedisNodes()
  const nodes: RunningNode[] = []
  const clients: Redis[] = []
  let m: Redis
  let replicas: {name: string; c: Redis}[] = []
  const logged: string[] = []
  let spare: TestNode
  const cl = (port: number) => {
    const c = client(port)
    clients.push(c)
    return c
  }
  before(async () => {
    const rs: TestNode[] = await real.start(3, {cluster: false, extra: ['--repl-diskless-sync-delay', '0', '--enable-debug-command', 'yes']})
    spare = rs[2]
    const e = await embedded({}, logged)
    nodes.push(e)
    m = cl(rs[0].port)
    replicas = [
      {name: 'redis-server', c: cl(rs[1].port)},
      {name: 'embedded', c: cl(e.port)},
    ]
    for (const r of replicas) {
      await r.c.replicaof('127.0.0.1', String(rs[0].port))
      await waitSynced(m, r.c, 30000)
    }
  })
  after(async () => {
    for (const c of clients) c.disconnect()
    for (const n of nodes) await n.stop()
    await real.stop()
  })

  test("a writable replica expires the keys its own clients gave a TTL (redis expireSlaveKeys), not the master's", async () => {
    await m.call('DEBUG', 'SET-ACTIVE-EXPIRE', '0')
    await m.set('master-kept', 'v', 'PX', 300)
    for (const r of replicas) {
      await waitSynced(m, r.c, 30000)
      await r.c.config('SET', 'replica-read-only', 'no')
      await r.c.select(5)
      await r.c.set('local1', '1', 'PX', 300)
      await r.c.set('local2', '2')
      await r.c.pexpire('local2', 300)
      await r.c.set('local3', '3', 'EX', 1000)
    }
    for (const r of replicas) {
      // polled: the replica's cycle runs on its own clock, a loaded machine delays it
      await waitFor(async () => (await r.c.dbsize()) === 1, 20000, `${r.name}: local keys with a passed TTL removed`)
      assert.equal(await r.c.exists('local3'), 1, r.name)
      await r.c.select(0)
      // the master's key, logically expired, is hidden but stays until the master's DEL
      assert.equal(await r.c.exists('master-kept'), 0, r.name)
      assert.equal(await r.c.dbsize(), 1, r.name)
      // a write on a writable replica replaces the expired key: new value, no TTL
      assert.equal(await r.c.incr('master-kept'), 1, r.name)
      assert.equal(await r.c.ttl('master-kept'), -1, r.name)
      await r.c.del('master-kept')
      await r.c.config('SET', 'replica-read-only', 'yes')
    }
    await m.call('DEBUG', 'SET-ACTIVE-EXPIRE', '1')
  })

  test('DEBUG REPLICATE feeds the stream; a replica logs the error it would send its master as CRITICAL and counts it', async () => {
    const before = await Promise.all(replicas.map(async (r) => Number((await info(r.c, 'stats')).unexpected_error_replies)))
    assert.equal(await m.call('DEBUG', 'REPLICATE', 'fake-command-1'), 'OK')
    await m.set('after-fake', '1')
    for (const [i, r] of replicas.entries()) {
      await waitSynced(m, r.c, 30000)
      assert.equal(await r.c.get('after-fake'), '1', r.name)
      assert.equal(Number((await info(r.c, 'stats')).unexpected_error_replies), before[i] + 1, r.name)
    }
    assert.ok(logged.some((l) => l.includes("== CRITICAL == This replica is sending an error to its master: 'unknown command 'fake-command-1'") && l.endsWith("after processing the command '<unknown>'")), 'CRITICAL line')
    // the other way round: an embedded master's DEBUG REPLICATE reaches a redis-server replica
    const em = await embedded({'enable-debug-command': 'yes'})
    nodes.push(em)
    const emc = cl(em.port)
    const rr = cl(spare.port)
    await rr.replicaof('127.0.0.1', String(em.port))
    await waitSynced(emc, rr, 30000)
    assert.equal(await emc.call('DEBUG', 'REPLICATE', 'fake-command-2'), 'OK')
    await emc.set('after-fake', '2')
    await waitSynced(emc, rr, 30000)
    assert.equal(await rr.get('after-fake'), '2')
    assert.equal((await info(rr, 'stats')).unexpected_error_replies, '1')
    // CONFIG RESETSTAT clears the sync counters and expired_keys too (redis resetServerStats)
    for (const [name, c] of [['redis-server', m], ['embedded', emc]] as const) {
      await c.set('short', '1', 'PX', '1')
      await waitFor(async () => (await c.exists('short')) === 0 && Number((await info(c, 'stats')).expired_keys) > 0, 10000, `${name}: key expired`)
      assert.ok(Number((await info(c, 'stats')).sync_full) > 0, name)
      await c.config('RESETSTAT')
      const st = await info(c, 'stats')
      assert.deepEqual([st.sync_full, st.sync_partial_ok, st.sync_partial_err, st.expired_keys, st.unexpected_error_replies], ['0', '0', '0', '0', '0'], name)
    }
  })

  test('a partial resync continues the stream in the database it had selected (the cached master keeps its db)', async () => {
    const okBefore = Number((await info(m, 'stats')).sync_partial_ok)
    await m.select(12)
    await m.set('in-db12-before', '1')
    for (const r of replicas) await waitSynced(m, r.c, 30000)
    // drop every replica's link; they come back with PSYNC and the master does not SELECT again
    for (const r of replicas) await r.c.call('CLIENT', 'KILL', 'TYPE', 'master')
    await waitFor(async () => Number((await info(m, 'stats')).sync_partial_ok) === okBefore + replicas.length, 30000, 'both replicas resynced partially')
    await m.set('in-db12-after', '2')
    await m.hset('hash-db12-after', 'f', 'v')
    await m.select(0)
    for (const r of replicas) {
      await waitSynced(m, r.c, 30000)
      await r.c.select(12)
      assert.deepEqual([await r.c.get('in-db12-before'), await r.c.get('in-db12-after'), await r.c.hget('hash-db12-after', 'f')], ['1', '2', 'v'], r.name)
      await r.c.select(0)
      assert.deepEqual([await r.c.exists('in-db12-after'), await r.c.exists('hash-db12-after')], [0, 0], `${r.name}: nothing landed in db 0`)
    }
  })
})

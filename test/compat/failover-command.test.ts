// FAILOVER (standalone coordinated failover, redis 7.0): argument and state errors byte for byte
// against redis-server, then the hand-over itself between embedded nodes and in both directions
// between an embedded node and redis-server (the target promotes itself on PSYNC ... FAILOVER and
// the old master continues as its replica with a partial resync), and ABORT / TIMEOUT while the
// target cannot catch up (a SIGSTOPped redis-server replica): writes resume on the old master.
import {describe, test} from 'node:test'
import assert from 'node:assert/strict'
import type {Redis} from 'ioredis'
import type {RunningNode} from '../../src/node/index.js'
import {redisSkip, type TestNode} from '../helpers/redis-server.js'
import {client, embedded, info, mixedNodes, waitFor, waitSynced} from '../helpers/repl.js'
import {compatSuite} from './harness.js'

compatSuite('failover arguments without replicas', [
  'FAILOVER',
  'FAILOVER ABORT',
  'FAILOVER ABORT x',
  'FAILOVER TIMEOUT 0',
  'FAILOVER TIMEOUT -5',
  'FAILOVER TIMEOUT x',
  'FAILOVER TIMEOUT 10 TIMEOUT 20',
  'FAILOVER TO 127.0.0.1',
  'FAILOVER TO 127.0.0.1 x',
  'FAILOVER TO 127.0.0.1 1 TO 127.0.0.1 2',
  'FAILOVER FORCE',
  'FAILOVER FORCE FORCE',
  'FAILOVER TO 127.0.0.1 1 FORCE',
  'FAILOVER foo',
  'SET a 1',
])

const skip = redisSkip()

type Side = {kind: 'embedded'; node: RunningNode} | {kind: 'real'; node: TestNode}

describe('FAILOVER hand-over', {skip}, () => {
  const {real, nodes, clients} = mixedNodes()

  async function start(kind: 'embedded' | 'real', replicaOf?: number): Promise<Side & {port: number; c: Redis}> {
    if (kind === 'embedded') {
      const node = await embedded(replicaOf ? {replicaof: `127.0.0.1 ${replicaOf}`} : {})
      nodes.push(node)
      const c = client(node.port)
      clients.push(c)
      return {kind, node, port: node.port, c}
    }
    const [node] = await real.start(1, {cluster: false, extra: replicaOf ? ['--replicaof', '127.0.0.1', String(replicaOf)] : []})
    const c = client(node.port)
    clients.push(c)
    return {kind, node, port: node.port, c}
  }

  for (const [mk, rk] of [
    ['embedded', 'embedded'],
    ['real', 'embedded'],
    ['embedded', 'real'],
  ] as const) {
    test(`${mk} master hands over to a ${rk} replica`, async () => {
      const m = await start(mk)
      const r = await start(rk, m.port)
      await m.c.set('k', 'v1')
      await waitSynced(m.c, r.c)
      // redis 7.0 puts a replica online on its first REPLCONF ACK after the sync (up to a second
      // later); FAILOVER TO refuses a replica that is not online yet.
      await waitFor(async () => /slave0:.*state=online/.test(String(await m.c.info('replication'))), 15000, 'replica online on its master')
      await assert.rejects(r.c.call('FAILOVER'), /FAILOVER is not valid when server is a replica/)
      await assert.rejects(m.c.call('FAILOVER', 'TO', '127.0.0.1', '1'), /FAILOVER target HOST and PORT is not a replica/)
      const replid = (await info(m.c)).master_replid
      assert.equal(await m.c.call('FAILOVER', 'TO', '127.0.0.1', String(r.port), 'TIMEOUT', '10000'), 'OK')
      await waitFor(async () => (await info(r.c)).role === 'master' && (await info(m.c)).master_link_status === 'up', 15000, 'roles swapped')
      const mi = await info(m.c)
      const ri = await info(r.c)
      assert.equal(mi.master_failover_state, 'no-failover')
      assert.equal(mi.master_port, String(r.port))
      // The target continued the old master's history: the old id is its replid2 (partial resync).
      assert.equal(ri.master_replid2, replid)
      const stats = await info(r.c, 'stats')
      assert.deepEqual([stats.sync_full, stats.sync_partial_ok], ['0', '1'])
      await r.c.set('k', 'v2')
      await waitSynced(r.c, m.c)
      assert.equal(await m.c.get('k'), 'v2')
      await assert.rejects(m.c.set('x', '1'), /READONLY/)
    })
  }

  test('ABORT and TIMEOUT while the replica cannot catch up: writes resume on the master', async () => {
    const m = await start('embedded')
    const r = await start('real', m.port)
    await waitSynced(m.c, r.c)
    await assert.rejects(m.c.call('FAILOVER', 'ABORT'), /No failover in progress/)
    const replica = (r as {node: TestNode}).node
    replica.proc.kill('SIGSTOP')
    try {
      await m.c.set('k', 'unacked')
      assert.equal(await m.c.call('FAILOVER'), 'OK')
      assert.equal((await info(m.c)).master_failover_state, 'waiting-for-sync')
      await assert.rejects(m.c.call('FAILOVER'), /FAILOVER already in progress/)
      await assert.rejects(m.c.call('REPLICAOF', '127.0.0.1', '1'), /REPLICAOF not allowed while failing over/)
      // A write waits (clients paused for writes) and runs once the failover is aborted.
      const writer = client(m.port)
      clients.push(writer)
      const held = writer.set('k', 'after-abort')
      let done = false
      void held.then(() => (done = true))
      await new Promise((res) => setTimeout(res, 300))
      assert.equal(done, false)
      assert.equal(await m.c.call('FAILOVER', 'ABORT'), 'OK')
      assert.equal(await held, 'OK')
      assert.equal(await m.c.get('k'), 'after-abort')
      const mi = await info(m.c)
      assert.equal(mi.master_failover_state, 'no-failover')
      assert.equal(mi.role, 'master')
      // TIMEOUT without FORCE gives up after the timeout.
      assert.equal(await m.c.call('FAILOVER', 'TIMEOUT', '200'), 'OK')
      await waitFor(async () => (await info(m.c)).master_failover_state === 'no-failover', 5000, 'failover timed out')
      assert.equal((await info(m.c)).role, 'master')
      assert.equal(await m.c.set('k', 'writable'), 'OK')
    } finally {
      replica.proc.kill('SIGCONT')
    }
  })
})

// During a full sync the master reports an RDB child (rdb_bgsave_in_progress) and holds the stream
// for the waiting replicas once (INFO mem_total_replication_buffers), released when they go: the
// same steps against redis-server and the embedded node.
import {after, describe, test} from 'node:test'
import assert from 'node:assert/strict'
import type {Redis} from 'ioredis'
import type {RunningNode} from '../../src/node/index.js'
import {RedisNodes, redisSkip} from '../helpers/redis-server.js'
import {client, embedded, info, waitFor} from '../helpers/repl.js'

describe('replication buffer during a slow full sync', {skip: redisSkip()}, () => {
  const real = new RedisNodes()
  const nodes: RunningNode[] = []
  const clients: Redis[] = []
  after(async () => {
    for (const c of clients) c.disconnect()
    for (const n of nodes) await n.stop()
    await real.stop()
  })
  const cl = (port: number) => {
    const c = client(port)
    clients.push(c)
    return c
  }
  const pair = async (kind: string): Promise<[Redis, Redis]> => {
    if (kind === 'redis-server') {
      const [m, r] = await real.start(2, {cluster: false, extra: ['--repl-diskless-sync-delay', '0', '--save', '']})
      return [cl(m.port), cl(r.port)]
    }
    const m = await embedded()
    const r = await embedded()
    nodes.push(m, r)
    return [cl(m.port), cl(r.port)]
  }

  for (const kind of ['redis-server', 'embedded']) {
    test(`${kind}: RDB child reported, stream held once for the waiting replica, released when it goes`, {timeout: 120000}, async () => {
      const [m, r] = await pair(kind)
      await m.config('SET', 'repl-backlog-size', '16384')
      for (let i = 0; i < 20; i++) await m.set(`pre:${i}`, 'v')
      // 1 s per key: the snapshot outlives the test
      await m.config('SET', 'rdb-key-save-delay', '1000000')
      await r.replicaof('127.0.0.1', String((m.options as {port: number}).port))
      await waitFor(async () => (await info(m, 'persistence')).rdb_bgsave_in_progress === '1' && ((await r.call('ROLE')) as string[])[3] === 'sync', 30000, 'sync in progress')
      const big = 'x'.repeat(1024)
      const p = m.pipeline()
      for (let i = 0; i < 1024; i++) p.set(`big:${i}`, big)
      await p.exec()
      const held = Number((await info(m, 'memory')).mem_total_replication_buffers)
      assert.ok(held > 1024 * 1024, `held ${held}`)
      await r.replicaof('NO', 'ONE')
      await waitFor(async () => (await info(m)).connected_slaves === '0', 30000, 'replica gone')
      await waitFor(async () => Number((await info(m, 'memory')).mem_total_replication_buffers) < held - 1024 * 1024, 30000, 'buffer released')
      await m.config('SET', 'rdb-key-save-delay', '0')
    })
  }
})

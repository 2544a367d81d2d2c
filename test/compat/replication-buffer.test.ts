// During a full sync the master reports an RDB child (rdb_bgsave_in_progress) and holds the stream
// for the waiting replicas once (INFO mem_total_replication_buffers), released when they go: the
// same steps against redis-server and the embedded node. The backlog is that same buffer: while a
// replica waits for its RDB the history grows beyond repl-backlog-size, another replica can resume
// from anywhere in it, and it shrinks back once nobody needs it.
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

    test(`${kind}: the backlog grows beyond repl-backlog-size while a replica waits, serves a partial resync from there, shrinks after`, {timeout: 180000}, async () => {
      const [m, r1] = await pair(kind)
      const r2port = kind === 'redis-server' ? (await real.start(1, {cluster: false, extra: ['--save', '']}))[0].port : (nodes[nodes.push(await embedded()) - 1]).port
      const r2 = cl(r2port)
      const mport = String((m.options as {port: number}).port)
      await m.config('SET', 'repl-backlog-size', '16384')
      await r1.replicaof('127.0.0.1', mport)
      await waitFor(async () => (await info(r1)).master_link_status === 'up', 30000, 'r1 up')
      await m.config('SET', 'rdb-key-save-delay', '1000000')
      for (let i = 0; i < 300; i++) await m.set(`slow:${i}`, 'v') // 1 s per key: r2's RDB outlasts the test
      await r2.replicaof('127.0.0.1', mport)
      await waitFor(async () => (await info(m, 'persistence')).rdb_bgsave_in_progress === '1' && ((await r2.call('ROLE')) as string[])[3] === 'sync', 30000, 'r2 waits for its RDB')
      const fill = async (tag: string) => {
        const p = m.pipeline()
        for (let i = 0; i < 1024; i++) p.set(`${tag}:${i}`, 'x'.repeat(1024))
        await p.exec()
      }
      await fill('a')
      const grown = await info(m)
      assert.ok(Number(grown.repl_backlog_histlen) > 1024 * 1024, `histlen ${grown.repl_backlog_histlen}`)
      await waitSyncedOffset(m, r1)
      // r1 leaves (to r2, which cannot serve it: r1 keeps its history), 1 MiB more is written, r1
      // comes back: it resumes from the history r2 keeps
      await r1.replicaof('127.0.0.1', String(r2port))
      await waitFor(async () => (await info(m)).connected_slaves === '1', 30000, 'r1 gone')
      await fill('b')
      await r1.replicaof('127.0.0.1', mport)
      await waitSyncedOffset(m, r1)
      const after1 = await info(m, 'stats')
      assert.equal(after1.sync_partial_ok, '1')
      assert.equal(after1.sync_full, '2', 'r1 at first, r2')
      assert.equal(await r1.get('b:1023'), 'x'.repeat(1024))
      // r2 goes: nobody needs the old blocks any more
      await r2.replicaof('NO', 'ONE')
      await waitFor(async () => Number((await info(m)).repl_backlog_histlen) < 1024 * 1024, 60000, 'history trimmed back')
      await m.config('SET', 'rdb-key-save-delay', '0')
    })
  }
})

async function waitSyncedOffset(m: Redis, r: Redis): Promise<void> {
  let seen = ''
  await waitFor(async () => {
    const [ri, mi] = [await info(r), await info(m)]
    seen = `link ${ri.master_link_status}, replica at ${ri.master_repl_offset}, master at ${mi.master_repl_offset}`
    return ri.master_link_status === 'up' && ri.master_repl_offset === mi.master_repl_offset
  }, 60000, 'replica caught up').catch((e: Error) => {
    throw new Error(`${e.message} (${seen})`)
  })
}

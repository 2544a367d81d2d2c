// A replica that is loading a full resync is hidden from CLUSTER SLOTS (redis isReplicaAvailable: its
// bus offset is 0 while it loads), then listed again once the link is up — side by side, a
// redis-server pair and an embedded pair (each node its own process, the cluster bus between them).
// The embedded replica loads as the payload arrives and says loading:1 from its first byte, so it
// reports offset 0 for that whole time; before, it kept its cached master's offset until the end
// and its master never hid it (Redis 7.0.15's tests/cluster 22-replica-in-sync failed there).
import {after, describe, test} from 'node:test'
import assert from 'node:assert/strict'
import type {Redis} from 'ioredis'
import {waitFor} from '../helpers/repl.js'
import {redisSkip} from '../helpers/redis-server.js'
import {infoField, KINDS, ServerProcesses} from '../helpers/server-process.js'

const inSlots = async (c: Redis, id: string) => JSON.stringify(await c.call('CLUSTER', 'SLOTS')).includes(id)

describe('a loading replica is hidden from CLUSTER SLOTS, redis-server and embedded side by side', {skip: redisSkip()}, () => {
  const procs = new ServerProcesses()
  after(() => procs.stop())

  for (const kind of KINDS) {
    test(`${kind}: hidden while it loads, back once synced`, {timeout: 120_000}, async () => {
      const args = ['--cluster-enabled', 'yes', '--cluster-node-timeout', '3000', '--repl-diskless-sync-delay', '0']
      const m = await procs.launch(kind, args)
      const r = await procs.launch(kind, args)
      const mid = String(await m.c.call('CLUSTER', 'MYID'))
      const rid = String(await r.c.call('CLUSTER', 'MYID'))
      await m.c.call('CLUSTER', 'ADDSLOTSRANGE', '0', '16383')
      await m.c.call('CLUSTER', 'MEET', '127.0.0.1', String(r.port))
      await waitFor(async () => String(await r.c.call('CLUSTER', 'NODES')).includes(mid), 20_000, `${kind}: the replica knows the master`)
      await m.c.call('DEBUG', 'POPULATE', '1000', 'key', '1000')
      await r.c.call('CLUSTER', 'REPLICATE', mid)
      await waitFor(async () => (await inSlots(m.c, rid)) && /state=online/.test(await m.c.info('replication')), 30_000, `${kind}: the replica is listed`)

      // the replica's next sync is a full one (the backlog cannot cover the writes), loaded slowly
      await m.c.config('SET', 'repl-backlog-size', '100')
      await r.c.config('SET', 'key-load-delay', '4000')
      await r.c.config('SET', 'loading-process-events-interval-bytes', '1024')
      const tx = m.c.multi()
      tx.call('CLIENT', 'KILL', 'TYPE', 'replica')
      for (let j = 0; j < 100; j++) tx.set(`{0}${j}`, 'A'.repeat(1024))
      await tx.exec()

      await waitFor(async () => !(await inSlots(m.c, rid)), 10_000, `${kind}: the master hides the loading replica`)
      assert.equal(await infoField(r.c, 'persistence', 'loading'), '1', 'hidden while it loads')
      await r.c.config('SET', 'key-load-delay', '0')
      await r.c.config('SET', 'loading-process-events-interval-bytes', '2097152')
      await waitFor(async () => (await infoField(r.c, 'replication', 'master_link_status')) === 'up', 30_000, `${kind}: synced`)
      await waitFor(async () => inSlots(m.c, rid), 10_000, `${kind}: listed again by the master`)
      assert.ok(await inSlots(r.c, rid), 'and by itself')
      assert.equal(await r.c.dbsize(), 1100)
    })
  }
})

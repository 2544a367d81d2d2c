// A pipeline of MIGRATEs and its replica: Redis runs the whole pipeline inside one event-loop turn
// (MIGRATE blocks on its target), so the DELs reach the source's replica in one write at the end of
// that turn. The embedded node waits on the target without blocking, and holds the replication
// stream's end-of-turn flush until the batch is done (bounded in time), instead of a replica write
// per MIGRATE. Also: INFO stats counts the replica's reads of its master link, as Redis does.
import {after, before, describe, test} from 'node:test'
import assert from 'node:assert/strict'
import type {Redis} from 'ioredis'
import type {RunningNode} from '../../src/node/index.js'
import {client, embedded, info, waitFor, waitSynced} from '../helpers/repl.js'
import {gatedProxy} from '../helpers/gated-proxy.js'

const N = 64

describe('MIGRATE pipeline: the source replica gets the DELs in a batch', () => {
  let source: RunningNode
  let replica: RunningNode
  let target: RunningNode
  let s: Redis
  let r: Redis
  let t: Redis

  before(async () => {
    ;[source, replica, target] = await Promise.all([embedded(), embedded(), embedded()])
    s = client(source.port)
    r = client(replica.port)
    t = client(target.port)
    await r.replicaof('127.0.0.1', source.port)
    await waitSynced(s, r)
  })

  after(async () => {
    for (const c of [s, r, t]) c.disconnect()
    await Promise.all([source, replica, target].map((n) => n.stop()))
  })

  const reads = async (c: Redis) => Number((await info(c, 'stats')).total_reads_processed)

  test('the replica counts its master link reads (redis readQueryFromClient)', async () => {
    const before = await reads(r)
    await s.set('counted', '1')
    await waitSynced(s, r)
    assert.ok((await reads(r)) > before, 'a propagated write is at least one read on the replica')
  })

  test(`${N} pipelined MIGRATEs reach the replica in far fewer than ${N} reads, all applied`, async () => {
    const keys = Array.from({length: N}, (_, i) => `mk:${i}`)
    await s.mset(...keys.flatMap((k) => [k, `v-${k}`]))
    await waitSynced(s, r)
    const before = await reads(r)
    const p = s.pipeline()
    for (const k of keys) p.migrate('127.0.0.1', String(target.port), k, 0, 5000)
    p.set('after-pipeline', 'yes')
    const res = await p.exec()
    assert.deepEqual(res!.map(([e, v]) => e?.message ?? v), [...keys.map(() => 'OK'), 'OK'])
    await waitSynced(s, r)
    const used = (await reads(r)) - before
    // one read per MIGRATE without the hold; with it, one per batch (the 50 ms bound may add a few)
    assert.ok(used < N / 2, `replica reads for ${N} MIGRATEs: ${used}`)
    assert.equal(await r.exists(...keys), 0, 'the replica dropped every moved key')
    assert.equal(await r.get('after-pipeline'), 'yes')
    assert.equal(await t.exists(...keys), N)
  })

  test('a MIGRATE stuck on its target holds the stream for a bounded time only', async () => {
    const gate = await gatedProxy(target.port)
    try {
      await s.set('stuck', 'v')
      await waitSynced(s, r)
      const mover = client(source.port)
      const moving = mover.migrate('127.0.0.1', String(gate.port), 'stuck', 0, 20000)
      await waitFor(async () => /cmd=migrate/.test((await s.client('LIST')) as string), 30_000, 'MIGRATE in flight')
      // another client's write while the MIGRATE waits: it reaches the replica although the
      // MIGRATE's batch has not finished (the hold is bounded at 50 ms)
      await s.set('meanwhile', 'w')
      await waitFor(async () => (await r.get('meanwhile')) === 'w', 10_000, 'the write reached the replica')
      assert.match((await s.client('LIST')) as string, /cmd=migrate/, 'the MIGRATE is still waiting on its target')
      gate.open()
      assert.equal(await moving, 'OK')
      mover.disconnect()
      await waitSynced(s, r)
      assert.equal(await r.exists('stuck'), 0)
    } finally {
      gate.close()
    }
  })

  test('a client that disconnects in the middle of its MIGRATE pipeline leaves nothing held', async () => {
    const gate = await gatedProxy(target.port)
    try {
      await s.mset('gone:1', 'a', 'gone:2', 'b')
      await waitSynced(s, r)
      const mover = client(source.port)
      const p = mover.pipeline()
      p.migrate('127.0.0.1', String(gate.port), 'gone:1', 0, 20000)
      p.migrate('127.0.0.1', String(gate.port), 'gone:2', 0, 20000)
      void p.exec().catch(() => undefined)
      await waitFor(async () => /cmd=migrate/.test((await s.client('LIST')) as string), 30_000, 'MIGRATE in flight')
      mover.disconnect()
      gate.open()
      // the first MIGRATE completes (Redis too finishes the command of a client that went away)
      await waitFor(async () => (await t.exists('gone:1')) === 1, 10_000, 'the first MIGRATE completed')
      await waitSynced(s, r)
      assert.equal(await r.exists('gone:1'), 0)
      // and the stream is not held afterwards: a write reaches the replica at once
      await s.set('later', 'x')
      await waitSynced(s, r)
      assert.equal(await r.get('later'), 'x')
    } finally {
      gate.close()
    }
  })
})

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
import {RedisNodes, redisSkip} from '../helpers/redis-server.js'

const N = 64

const reads = async (c: Redis) => Number((await info(c, 'stats')).total_reads_processed)

/**
 * N keys written on `src` (replicated to `rep`), then moved to `targetPort` by one pipeline of N
 * MIGRATEs and a SET: how many reads the replica needed to follow, after checking the outcome.
 */
async function pipelineOfMigrates(src: Redis, rep: Redis, dst: Redis, targetPort: number, prefix: string): Promise<number> {
  const keys = Array.from({length: N}, (_, i) => `${prefix}:${i}`)
  await src.mset(...keys.flatMap((k) => [k, `v-${k}`]))
  await waitSynced(src, rep)
  const before = await reads(rep)
  const p = src.pipeline()
  for (const k of keys) p.migrate('127.0.0.1', String(targetPort), k, 0, 5000)
  p.set(`${prefix}:after`, 'yes')
  const res = await p.exec()
  assert.deepEqual(res!.map(([e, v]) => e?.message ?? v), [...keys.map(() => 'OK'), 'OK'])
  await waitSynced(src, rep)
  const used = (await reads(rep)) - before
  assert.equal(await rep.exists(...keys), 0, 'the replica dropped every moved key')
  assert.equal(await rep.get(`${prefix}:after`), 'yes')
  assert.equal(await dst.exists(...keys), N)
  return used
}

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

  test('the replica counts its master link reads (redis readQueryFromClient)', async () => {
    const before = await reads(r)
    await s.set('counted', '1')
    await waitSynced(s, r)
    assert.ok((await reads(r)) > before, 'a propagated write is at least one read on the replica')
  })

  test(`${N} pipelined MIGRATEs reach the replica in far fewer than ${N} reads, all applied`, async () => {
    const used = await pipelineOfMigrates(s, r, t, target.port, 'mk')
    // one read per MIGRATE without the hold; with it, one per batch (the 50 ms bound may add a few)
    assert.ok(used < N / 2, `replica reads for ${N} MIGRATEs: ${used}`)
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

describe('MIGRATE pipeline batching, side by side with redis-server', {skip: redisSkip()}, () => {
  const real = new RedisNodes()
  const nodes: RunningNode[] = []
  const clients: Redis[] = []
  const cl = (port: number) => {
    const c = client(port)
    clients.push(c)
    return c
  }

  after(async () => {
    for (const c of clients) c.disconnect()
    await Promise.all(nodes.map((n) => n.stop()))
    await real.stop()
  })

  test('redis-server as source: its replica follows the pipeline in a few reads too (the behaviour matched)', async () => {
    const [src, rep] = await real.start(2, {cluster: false, extra: ['--repl-diskless-sync-delay', '0']})
    const target = await embedded()
    nodes.push(target)
    const s = cl(src.port)
    const r = cl(rep.port)
    await r.replicaof('127.0.0.1', src.port)
    await waitSynced(s, r)
    const used = await pipelineOfMigrates(s, r, cl(target.port), target.port, 'real-src')
    assert.ok(used < N / 2, `redis-server replica reads for ${N} MIGRATEs: ${used}`)
  })

  test('embedded source, redis-server replica and target: the batched stream applies on a real replica', async () => {
    const [rep, dst] = await real.start(2, {cluster: false, extra: ['--repl-diskless-sync-delay', '0']})
    const source = await embedded()
    nodes.push(source)
    const s = cl(source.port)
    const r = cl(rep.port)
    await r.replicaof('127.0.0.1', source.port)
    await waitSynced(s, r)
    const used = await pipelineOfMigrates(s, r, cl(dst.port), dst.port, 'emb-src')
    assert.ok(used < N / 2, `redis-server replica reads for ${N} MIGRATEs from the embedded node: ${used}`)
  })
})

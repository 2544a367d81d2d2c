// Real libraries that depend on Lua, run unchanged against an embedded 3+3 cluster through
// ioredis's Cluster client: redlock (EVALSHA with NOSCRIPT fallback, compare-and-delete
// release, extend), rate-limiter-flexible (a defineCommand script with SET NX EX / INCRBY /
// PTTL), and a hand-written job queue whose "claim" script must be atomic under concurrent
// workers. Script effects must also reach the replicas.
import {after, before, describe, test} from 'node:test'
import assert from 'node:assert/strict'
import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {createHash} from 'node:crypto'
import {Cluster, Redis} from 'ioredis'
import Redlock, {ExecutionError} from 'redlock'
import {RateLimiterRedis, RateLimiterRes} from 'rate-limiter-flexible'
import {startLocalCluster, type LocalCluster} from '../../src/local/cluster.js'
import {keySlot} from '../../src/node/keyspace/slot.js'
import {waitFor} from '../helpers/repl.js'

const CLAIM = `local id = redis.call('RPOP', KEYS[1])
if not id then return false end
redis.call('HSET', KEYS[2], id, ARGV[1])
redis.call('HINCRBY', KEYS[3], id, 1)
return id`

describe('Lua-based libraries on an embedded cluster', () => {
  let cluster: LocalCluster
  let root: string
  let client: Cluster
  const extra: Array<Cluster | Redis> = []

  const replicaOf = async (key: string): Promise<Redis> => {
    // the node serving the key's slot, then one of its replicas, from CLUSTER SLOTS. As in Redis
    // 7.0, a replica is listed only once the node asked has heard (by gossip) a non-zero
    // replication offset for it, which on a fresh cluster can lag the first write to its shard.
    const slot = keySlot(key)
    let replica: [string, number, string] | undefined
    await waitFor(async () => {
      const slots = (await client.cluster('SLOTS')) as unknown as Array<[number, number, ...Array<[string, number, string]>]>
      replica = slots.find(([lo, hi]) => slot >= lo && slot <= hi)?.[3]
      return replica !== undefined
    }, 15000, `a replica of slot ${slot} in CLUSTER SLOTS`)
    if (!replica) throw new Error('unreachable')
    const r = new Redis({host: replica[0], port: replica[1], lazyConnect: true})
    extra.push(r)
    await r.connect()
    return r
  }

  before(async () => {
    root = mkdtempSync(join(tmpdir(), 'redis-ts-script-apps-'))
    cluster = await startLocalCluster({dir: join(root, 'c'), masters: 3, replicas: 1, server: 'embedded', timeoutMs: 60000})
    client = new Cluster([{host: '127.0.0.1', port: cluster.nodes[0].port}], {redisOptions: {maxRetriesPerRequest: 3}})
    await client.ping()
  })
  after(async () => {
    client?.disconnect()
    for (const c of extra) c.disconnect()
    await cluster?.stop({clean: true})
    rmSync(root, {recursive: true, force: true})
  })

  test('redlock: one holder at a time, extend, release by token only', async () => {
    const a = new Redlock([client], {retryCount: 0})
    const other = new Cluster([{host: '127.0.0.1', port: cluster.nodes[1].port}])
    extra.push(other)
    const b = new Redlock([other], {retryCount: 0})
    const lock = await a.acquire(['locks:{orders}:42'], 5000)
    const token = await client.get('locks:{orders}:42')
    assert.equal(token, lock.value)
    await assert.rejects(b.acquire(['locks:{orders}:42'], 5000), ExecutionError)
    const extended = await lock.extend(20000)
    const pttl = await client.pttl('locks:{orders}:42')
    assert.ok(pttl > 5000 && pttl <= 20000, `pttl after extend: ${pttl}`)
    // A release with a stale token must not delete the current holder's lock.
    const foreign = await client.eval(
      "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end",
      1, 'locks:{orders}:42', 'not-the-token',
    )
    assert.equal(foreign, 0)
    await extended.release()
    assert.equal(await client.exists('locks:{orders}:42'), 0)
    const again = await b.acquire(['locks:{orders}:42', 'locks:{orders}:43'], 5000)
    await again.release()
  })

  test('rate-limiter-flexible: points consumed atomically under concurrency; the counter reaches the replica', async () => {
    const limiter = new RateLimiterRedis({storeClient: client, keyPrefix: 'rl', points: 50, duration: 30})
    const results = await Promise.allSettled(Array.from({length: 80}, () => limiter.consume('user-7')))
    const ok = results.filter((r) => r.status === 'fulfilled').length
    const rejected = results.filter((r) => r.status === 'rejected')
    assert.equal(ok, 50)
    assert.equal(rejected.length, 30)
    for (const r of rejected) {
      const reason = (r as PromiseRejectedResult).reason
      assert.ok(reason instanceof RateLimiterRes, `rejected with ${reason}`)
      assert.equal(reason.remainingPoints, 0)
      assert.ok(reason.msBeforeNext > 0 && reason.msBeforeNext <= 30000)
    }
    assert.equal(await client.get('rl:user-7'), '80')
    const replica = await replicaOf('rl:user-7')
    // replicas refuse reads without READONLY in cluster mode
    await replica.call('READONLY')
    await waitFor(async () => (await replica.get('rl:user-7')) === '80', 10000, 'the counter on the replica')
    const ttl = await replica.ttl('rl:user-7')
    assert.ok(ttl > 0 && ttl <= 30, `replica ttl ${ttl}`)
  })

  test('a defineCommand job queue: concurrent workers claim every job exactly once', async () => {
    const jobs = 400
    const workers = 12
    const defineOn = (c: Cluster) => c.defineCommand('claim', {numberOfKeys: 3, lua: CLAIM})
    const conns = Array.from({length: workers}, (_, i) => new Cluster([{host: '127.0.0.1', port: cluster.nodes[i % 3].port}]))
    extra.push(...conns)
    for (const c of conns) defineOn(c)
    for (let i = 0; i < jobs; i += 100) {
      await client.lpush('q:{jobs}:wait', ...Array.from({length: 100}, (_, j) => `job-${i + j}`))
    }
    const claimed: string[] = []
    await Promise.all(conns.map(async (c, w) => {
      for (;;) {
        const id = await (c as unknown as {claim: (...a: string[]) => Promise<string | null>}).claim('q:{jobs}:wait', 'q:{jobs}:active', 'q:{jobs}:claims', `w${w}`)
        if (id === null) return
        claimed.push(id)
      }
    }))
    assert.equal(claimed.length, jobs)
    assert.equal(new Set(claimed).size, jobs)
    assert.equal(await client.hlen('q:{jobs}:active'), jobs)
    const counts = await client.hvals('q:{jobs}:claims')
    assert.ok(counts.every((n) => n === '1'), 'a job was claimed twice')
    // ioredis sent EVALSHA, got NOSCRIPT once, then EVAL: the node serving the queue caches the script
    const master = client.nodes('master').find((n) => n.options.port === (client.slots[keySlot('q:{jobs}:wait')] ? Number(client.slots[keySlot('q:{jobs}:wait')][0].split(':')[1]) : -1))!
    assert.deepEqual(await master.script('EXISTS', createHash('sha1').update(CLAIM).digest('hex')), [1])
  })
})

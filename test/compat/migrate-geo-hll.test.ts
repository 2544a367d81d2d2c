// A HyperLogLog (sparse and dense) and a geo set MIGRATE both ways between an embedded node and a
// real redis-server 7.0, and keep answering the same: GET bytes, PFCOUNT, PFDEBUG ENCODING,
// GEOPOS/GEOSEARCH replies and scores are compared on the receiving side with the original's.
import {after, before, describe, test} from 'node:test'
import assert from 'node:assert/strict'
import {Redis} from 'ioredis'
import {RedisNodes, redisSkip, type TestNode} from '../helpers/redis-server.js'
import {startNode, type RunningNode} from '../../src/node/index.js'

const skip = redisSkip()
const seq = <T>(n: number, f: (i: number) => T): T[] => Array.from({length: n}, (_, i) => f(i))

async function snapshot(c: Redis, key: string): Promise<unknown[]> {
  if ((await c.type(key)) === 'zset') {
    return [
      await c.call('ZRANGE', key, '0', '-1', 'WITHSCORES'),
      await c.call('GEOPOS', key, 'p0', 'p17', 'nope'),
      await c.call('GEOSEARCH', key, 'FROMLONLAT', '13', '40', 'BYRADIUS', '800', 'km', 'WITHDIST', 'WITHCOORD'),
      await c.call('GEODIST', key, 'p0', 'p1', 'km'),
    ]
  }
  // PFCOUNT first: it refreshes the cached cardinality stored in the value's header.
  const count = await c.call('PFCOUNT', key)
  return [count, (await c.getBuffer(key))!.toString('hex'), await c.call('PFDEBUG', 'ENCODING', key)]
}

describe('MIGRATE of HLLs and geo sets: embedded node <-> redis-server 7.0', {skip}, () => {
  let rn: RedisNodes
  let real: TestNode
  let emb: RunningNode
  let cr: Redis
  let ce: Redis

  before(async () => {
    rn = new RedisNodes()
    ;[real] = await rn.start(1, {cluster: false})
    emb = await startNode({overrides: {port: '0', bind: '127.0.0.1', save: ''}, silent: true})
    cr = new Redis(real.port, '127.0.0.1')
    ce = new Redis(emb.port, '127.0.0.1')
  })

  after(async () => {
    for (const c of [cr, ce]) c?.disconnect()
    await emb?.stop()
    await rn?.stop()
  })

  const fill = async (c: Redis): Promise<void> => {
    await c.call('PFADD', 'hll:sparse', ...seq(400, (i) => `u${i}`))
    await c.call('PFADD', 'hll:dense', ...seq(6000, (i) => `v${i}`))
    await c.call('PFCOUNT', 'hll:dense')
    await c.call('GEOADD', 'geo', ...seq(60, (i) => [(8 + ((i * 37) % 100) / 10).toFixed(6), (36 + ((i * 53) % 90) / 10).toFixed(6), `p${i}`]).flat())
  }
  const keys = ['hll:sparse', 'hll:dense', 'geo']

  for (const dir of ['redis -> embedded', 'embedded -> redis'] as const) {
    test(dir, async () => {
      await cr.flushall()
      await ce.flushall()
      const [src, dst, dstPort] = dir === 'redis -> embedded' ? [cr, ce, emb.port] : [ce, cr, real.port]
      await fill(src)
      const before = await Promise.all(keys.map((k) => snapshot(src, k)))
      assert.equal(await src.call('MIGRATE', '127.0.0.1', String(dstPort), '', '0', '5000', 'KEYS', ...keys), 'OK')
      assert.equal(await src.exists(...keys), 0)
      const after = await Promise.all(keys.map((k) => snapshot(dst, k)))
      assert.deepEqual(after, before)
      // The migrated values keep working on the receiving side exactly as on the other.
      await fill(src)
      for (const c of [src, dst]) {
        await c.call('PFADD', 'hll:sparse', 'extra1', 'extra2')
        await c.call('GEOADD', 'geo', '10.5', '41.5', 'added')
      }
      assert.deepEqual(await Promise.all(keys.map((k) => snapshot(dst, k))), await Promise.all(keys.map((k) => snapshot(src, k))))
    })
  }
})

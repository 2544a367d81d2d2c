// SPOP, SRANDMEMBER and HRANDFIELD on a set and a hash of 3,000 members, side by side with
// redis-server. Picks come from an array of the members now (random-pick.ts) instead of walking
// the Set/Map to a random index (O(size) per pick: SPOP on 1M members cost half a million steps,
// bench/big-values.ts TYPES=rand). The members drawn are random on both sides, so each reply is
// checked for its shape (length, distinct where redis makes them distinct, live members, values
// that belong to their fields), and what ours popped is removed from redis-server too, after
// which the two must hold the same members; members added and removed between the picks keep
// the pick array's bookkeeping busy.
import {test} from 'node:test'
import assert from 'node:assert/strict'
import {redisSkip} from '../helpers/redis-server.js'
import {pairHooks, withBoth, type RawClient, type Reply} from './harness.js'
import {lcg} from '../helpers/lcg.js'

const skip = redisSkip()
const p = pairHooks()

const sorted = (r: Reply) => (r as string[]).slice().sort()

async function both(real: RawClient, ours: RawClient, argv: string[]): Promise<Reply> {
  const a = await real.call(argv)
  const b = await ours.call(argv)
  assert.deepEqual(b, a, argv.join(' '))
  return b
}

test('big set: SPOP and SRANDMEMBER draw live members, distinct where redis makes them so', {skip, timeout: 120_000}, async () => {
  await withBoth(p, async (real, ours) => {
    const rnd = lcg(5)
    for (let b = 0; b < 3; b++) {
      const ms: string[] = []
      for (let i = 0; i < 1000; i++) ms.push(`m${b * 1000 + i}`)
      await both(real, ours, ['SADD', 's', ...ms])
    }
    for (let step = 0; step < 600; step++) {
      const size = (await both(real, ours, ['SCARD', 's'])) as number
      const r = rnd(10)
      if (r < 2) {
        const m = (await ours.call(['SPOP', 's'])) as string
        assert.equal(await real.call(['SREM', 's', m]), 1, `SPOP gave ${m}`)
      } else if (r < 4) {
        const n = 1 + rnd(30)
        const got = (await ours.call(['SPOP', 's', String(n)])) as string[]
        assert.equal(got.length, Math.min(n, size))
        assert.equal(new Set(got).size, got.length, 'SPOP count: distinct')
        assert.equal(await real.call(['SREM', 's', ...got]), got.length, 'SPOP count: live members')
      } else if (r < 6) {
        const n = 1 + rnd(50)
        const got = (await ours.call(['SRANDMEMBER', 's', String(n)])) as string[]
        assert.equal(got.length, Math.min(n, size))
        assert.equal(new Set(got).size, got.length, 'SRANDMEMBER count: distinct')
        assert.deepEqual(await real.call(['SMISMEMBER', 's', ...got]), got.map(() => 1))
      } else if (r < 7) {
        const got = (await ours.call(['SRANDMEMBER', 's', String(-1 - rnd(50))])) as string[]
        assert.deepEqual(await real.call(['SMISMEMBER', 's', ...got]), got.map(() => 1))
      } else if (r < 8) {
        const m = (await ours.call(['SRANDMEMBER', 's'])) as string
        assert.equal(await real.call(['SISMEMBER', 's', m]), 1)
      } else if (r < 9) {
        await both(real, ours, ['SADD', 's', `m${rnd(4000)}`, `n${step}`])
      } else await both(real, ours, ['SREM', 's', `m${rnd(4000)}`, `m${rnd(4000)}`])
      if (step % 100 === 0) assert.deepEqual(sorted(await ours.call(['SMEMBERS', 's'])), sorted(await real.call(['SMEMBERS', 's'])))
    }
    assert.deepEqual(sorted(await ours.call(['SMEMBERS', 's'])), sorted(await real.call(['SMEMBERS', 's'])))
    // the rest in one SPOP larger than a fifth of what remains (redis's CASE 3), then all of it
    const size = (await both(real, ours, ['SCARD', 's'])) as number
    const most = (await ours.call(['SPOP', 's', String(size - 10)])) as string[]
    assert.equal(new Set(most).size, size - 10)
    assert.equal(await real.call(['SREM', 's', ...most]), size - 10)
    assert.deepEqual(sorted(await ours.call(['SPOP', 's', '100'])), sorted(await real.call(['SPOP', 's', '100'])))
    await both(real, ours, ['EXISTS', 's'])
  })
})

test('big hash: HRANDFIELD draws live fields with their values', {skip, timeout: 120_000}, async () => {
  await withBoth(p, async (real, ours) => {
    const rnd = lcg(9)
    const pairs: string[] = []
    for (let i = 0; i < 3000; i++) pairs.push(`f${i}`, `v${i}`)
    await both(real, ours, ['HSET', 'h', ...pairs])
    for (let step = 0; step < 400; step++) {
      const size = (await both(real, ours, ['HLEN', 'h'])) as number
      const r = rnd(8)
      if (r < 1) {
        const f = (await ours.call(['HRANDFIELD', 'h'])) as string
        assert.equal(await real.call(['HEXISTS', 'h', f]), 1)
      } else if (r < 3) {
        const n = 1 + rnd(50)
        const got = (await ours.call(['HRANDFIELD', 'h', String(n)])) as string[]
        assert.equal(got.length, Math.min(n, size))
        assert.equal(new Set(got).size, got.length, 'HRANDFIELD count: distinct')
        assert.deepEqual(await real.call(['HMGET', 'h', ...got]), await ours.call(['HMGET', 'h', ...got]))
        assert.ok(!(await real.call(['HMGET', 'h', ...got]) as Reply[]).includes(null))
      } else if (r < 5) {
        const n = rnd(2) ? -1 - rnd(40) : 1 + rnd(40)
        const got = (await ours.call(['HRANDFIELD', 'h', String(n), 'WITHVALUES'])) as string[]
        assert.equal(got.length, 2 * (n < 0 ? -n : Math.min(n, size)))
        for (let i = 0; i < got.length; i += 2) assert.equal(await real.call(['HGET', 'h', got[i]]), got[i + 1], got[i])
      } else if (r < 6) await both(real, ours, ['HSET', 'h', `f${rnd(4000)}`, `w${step}`, `g${step}`, 'x'])
      else await both(real, ours, ['HDEL', 'h', `f${rnd(4000)}`, `f${rnd(4000)}`, `g${rnd(step + 1)}`])
    }
    const all = async (c: RawClient) => sorted(await c.call(['HGETALL', 'h']))
    assert.deepEqual(await all(ours), await all(real))
  })
})

test('RANDOMKEY over 5,000 keys sharing a hash tag draws live keys', {skip, timeout: 120_000}, async () => {
  // one slot holds them all: the keyspace picks within the slot's bucket in O(1) (random-pick.ts)
  // instead of walking it to a random index
  await withBoth(p, async (real, ours) => {
    const rnd = lcg(3)
    for (let b = 0; b < 5; b++) {
      const args: string[] = []
      for (let i = 0; i < 1000; i++) args.push(`{t}k${b * 1000 + i}`, 'v')
      await both(real, ours, ['MSET', ...args])
    }
    for (let step = 0; step < 600; step++) {
      const r = rnd(4)
      if (r === 0) await both(real, ours, ['DEL', `{t}k${rnd(6000)}`, `{t}k${rnd(6000)}`])
      else if (r === 1) await both(real, ours, ['SET', `{t}k${rnd(6000)}`, 'w'])
      else {
        const k = (await ours.call(['RANDOMKEY'])) as string
        assert.equal(await real.call(['EXISTS', k]), 1, k)
      }
    }
    await both(real, ours, ['DBSIZE'])
  })
})

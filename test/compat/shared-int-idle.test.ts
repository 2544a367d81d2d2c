// OBJECT IDLETIME of keys holding a shared integer (0-9999): redis gives every such key the one
// shared object, and the object carries the LRU clock, so reading any key that holds 5 makes every
// key holding 5 look just used. Without sharing (maxmemory with an LRU policy) each key has its
// own. Before, the node kept a clock per key in both cases. Side by side with redis-server; the
// clock counts seconds, so each server is checked against the rule rather than the two compared.
import {test} from 'node:test'
import assert from 'node:assert/strict'
import {redisSkip} from '../helpers/redis-server.js'
import {pairHooks, RawClient} from './harness.js'

const skip = redisSkip()
const p = pairHooks()
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))

async function idleAfterReadingAnother(port: number, config: string[][]): Promise<Record<string, number>> {
  const c = await RawClient.connect(port)
  try {
    await c.call(['FLUSHALL'])
    for (const argv of config) await c.call(argv)
    for (const [k, v] of [['a', '5'], ['b', '5'], ['c', '6'], ['d', '10000'], ['e', '5']]) await c.call(['SET', k, v])
    await c.call(['APPEND', 'e', '']) // APPEND unshares: a raw string of its own
    await sleep(2200)
    await c.call(['GET', 'b'])
    const out: Record<string, number> = {}
    for (const k of ['a', 'b', 'c', 'd', 'e']) out[k] = Number(await c.call(['OBJECT', 'IDLETIME', k]))
    return out
  } finally {
    await c.call(['CONFIG', 'SET', 'maxmemory', '0'])
    await c.call(['CONFIG', 'SET', 'maxmemory-policy', 'noeviction'])
    c.close()
  }
}

test('keys holding one shared integer share its idle time, as in redis-server', {skip}, async () => {
  for (const port of [p.redisPort, p.ourPort]) {
    const got = await idleAfterReadingAnother(port, [])
    const who = port === p.redisPort ? 'redis-server' : 'embedded'
    assert.ok(got.a <= 1 && got.b <= 1, `${who}: a and b share 5's object, read just now: ${JSON.stringify(got)}`)
    assert.ok(got.c >= 2 && got.d >= 2 && got.e >= 2, `${who}: 6, 10000 and an unshared 5 were not read: ${JSON.stringify(got)}`)
  }
})

test('with maxmemory and an LRU policy every key has its own idle time, as in redis-server', {skip}, async () => {
  for (const port of [p.redisPort, p.ourPort]) {
    const got = await idleAfterReadingAnother(port, [['CONFIG', 'SET', 'maxmemory', '1gb'], ['CONFIG', 'SET', 'maxmemory-policy', 'allkeys-lru']])
    const who = port === p.redisPort ? 'redis-server' : 'embedded'
    assert.ok(got.b <= 1, `${who}: b was read just now: ${JSON.stringify(got)}`)
    assert.ok(got.a >= 2 && got.c >= 2 && got.e >= 2, `${who}: no sharing, a was not read: ${JSON.stringify(got)}`)
  }
})

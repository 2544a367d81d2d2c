// DEBUG HTSTATS / HTSTATS-KEY side by side with redis-server 7.0: the same errors, the same report
// layout (sections, field names and order, the distribution lines) — and on the embedded node the
// figures of its own structures (debug-htstats.ts): the keyspace's 16384 per-slot maps are the
// table's slots, any other table (expires, a value) is one Map, and nothing is ever "rehashing".
import {describe, test} from 'node:test'
import assert from 'node:assert/strict'
import {Redis} from 'ioredis'
import {pairHooks} from './harness.js'
import {redisSkip} from '../helpers/redis-server.js'
import {keySlot} from '../../src/node/keyspace/slot.js'

const debugOn = {redisArgs: ['--enable-debug-command', 'yes'], nodeOverrides: {'enable-debug-command': 'yes'}}

/** The report with every figure replaced: what must be the same on both servers. */
const layout = (s: string) => s.replace(/\d+(\.\d+)?/g, 'N').replace(/( {3}N: N \(N%\)\n)+/g, '   <distribution>\n')

async function errorOf(p: Promise<unknown>): Promise<string> {
  try {
    await p
    return 'no error'
  } catch (e) {
    return (e as Error).message
  }
}

async function script(c: Redis): Promise<unknown[]> {
  const out: unknown[] = []
  await c.flushall()
  out.push(await c.call('DEBUG', 'HTSTATS', '0'))
  await c.mset('a', '1', 'b', '2', 'c', '3')
  await c.expire('a', 100)
  out.push(layout(String(await c.call('DEBUG', 'HTSTATS', '0'))))
  await c.sadd('s', 'x', 'y', 'z', 'not-an-int')
  await c.hset('h', 'f', 'v')
  await c.call('OBJECT', 'ENCODING', 'h')
  out.push(layout(String(await c.call('DEBUG', 'HTSTATS-KEY', 's'))))
  for (const args of [['HTSTATS', '16'], ['HTSTATS', '-1'], ['HTSTATS', 'x'], ['HTSTATS'], ['HTSTATS', '0', 'full'], ['HTSTATS-KEY', 'nokey'], ['HTSTATS-KEY', 'h'], ['HTSTATS-KEY', 'a'], ['HTSTATS-KEY']])
    out.push(await errorOf(c.call('DEBUG', ...args)))
  return out
}

describe('DEBUG HTSTATS and HTSTATS-KEY', {skip: redisSkip()}, () => {
  const pair = pairHooks(debugOn)
  test('errors and report layout match redis-server', {timeout: 120_000}, async () => {
    const real = new Redis(pair.redisPort, '127.0.0.1')
    const ours = new Redis(pair.ourPort, '127.0.0.1')
    try {
      assert.deepEqual(await script(ours), await script(real))
    } finally {
      real.disconnect()
      ours.disconnect()
    }
  })

  test('the embedded figures are those of its per-slot tables', {timeout: 120_000}, async () => {
    const c = new Redis(pair.ourPort, '127.0.0.1')
    try {
      await c.flushall()
      // {t} keys share one slot (a chain of 5); the others land in slots of their own
      const keys = ['{t}1', '{t}2', '{t}3', '{t}4', '{t}5', 'foo', 'bar', 'baz']
      const slots = new Set(keys.map(keySlot))
      await c.mset(...keys.flatMap((k) => [k, 'v']))
      await c.expire('foo', 100)
      const stats = String(await c.call('DEBUG', 'HTSTATS', '0'))
      assert.match(stats, new RegExp(`^\\[Dictionary HT\\]\\nHash table 0 stats \\(main hash table\\):\\n table size: 16384\\n number of elements: 8\\n different slots: ${slots.size}\\n max chain length: 5\\n`))
      assert.match(stats, new RegExp(`\\n   0: ${16384 - slots.size} \\(`))
      assert.match(stats, /\n {3}5: 1 \(0\.01%\)\n/)
      assert.match(stats, /\[Expires HT\]\nHash table 0 stats \(main hash table\):\n table size: 1\n number of elements: 1\n/)
      assert.doesNotMatch(stats, /rehashing target/)
      await c.sadd('s', ...Array.from({length: 300}, (_, i) => `m${i}`))
      const key = String(await c.call('DEBUG', 'HTSTATS-KEY', 's'))
      assert.match(key, /^Hash table 0 stats \(main hash table\):\n table size: 1\n number of elements: 300\n different slots: 1\n max chain length: 300\n/)
    } finally {
      c.disconnect()
    }
  })
})

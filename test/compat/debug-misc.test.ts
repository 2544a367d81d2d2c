// DEBUG subcommands of redis 7.0.15 that the node answered "unknown subcommand" to, or answered
// differently: SDSLEN (the key's and value's sds and allocations, embstr / raw / grown by APPEND /
// int-encoded), STRUCTSIZE, LEAK, QUICKLIST's reply, CLIENT-EVICTION (disabled until
// maxmemory-clients is first set, then the buckets), CONFIG-REWRITE-FORCE-ALL without a config file,
// DROP-CLUSTER-PACKET-FILTER outside cluster mode, DEBUG OBJECT's `lru:` and `lru_seconds_idle:` (the
// key's LRU clock or LFU data, and the idle time redis estimates from it; the node printed the
// current clock and 0), DEBUG POPULATE's refusal of a non-integer argument. Side by side, byte for byte.
import {test} from 'node:test'
import assert from 'node:assert/strict'
import {redisSkip} from '../helpers/redis-server.js'
import {pairHooks, RawClient, sameReplies, withBoth} from './harness.js'

const skip = redisSkip()
const p = pairHooks({redisArgs: ['--enable-debug-command', 'yes'], nodeOverrides: {'enable-debug-command': 'yes'}})

const steps: string[][] = [
  ['SET', 'k', 'v'],
  ['SET', 'a-key-of-forty-bytes-and-more-0123456789', 'x'.repeat(40)],
  ['SET', 'int', '12345'],
  ['SET', 'long', 'y'.repeat(300)],
  ['SET', 'grown', 'abc'],
  ['APPEND', 'grown', 'z'.repeat(50)],
  ['SETRANGE', 'grown', '200', 'q'],
  ['RPUSH', 'list', 'a', 'b'],
  ['DEBUG', 'SDSLEN', 'k'],
  ['DEBUG', 'SDSLEN', 'a-key-of-forty-bytes-and-more-0123456789'],
  ['DEBUG', 'SDSLEN', 'int'],
  ['DEBUG', 'SDSLEN', 'long'],
  ['DEBUG', 'SDSLEN', 'grown'],
  ['DEBUG', 'SDSLEN', 'list'],
  ['DEBUG', 'SDSLEN', 'missing'],
  ['DEBUG', 'SDSLEN'],
  ['DEBUG', 'STRUCTSIZE'],
  ['DEBUG', 'LEAK', 'some bytes'],
  ['DEBUG', 'LEAK'],
  ['DEBUG', 'QUICKLIST', 'list'],
  ['DEBUG', 'QUICKLIST', 'list', '1'],
  ['DEBUG', 'QUICKLIST', 'k'],
  ['DEBUG', 'CONFIG-REWRITE-FORCE-ALL'],
  ['DEBUG', 'DROP-CLUSTER-PACKET-FILTER', '5'],
  ['DEBUG', 'DROP-CLUSTER-PACKET-FILTER', 'x'],
  ['DEBUG', 'CLIENT-EVICTION'],
  ['CONFIG', 'SET', 'maxmemory-clients', '0'],
  ['DEBUG', 'CLIENT-EVICTION'],
]

test('DEBUG SDSLEN, STRUCTSIZE, LEAK, QUICKLIST, CLIENT-EVICTION ... as redis-server', {skip}, async () => {
  await withBoth(p, async (real, ours) => {
    await sameReplies(real, ours, steps)
    // enabled: the layout and which bucket holds this client; the byte figures are each engine's own
    const buckets = async (c: RawClient) => {
      const t = (await c.call(['DEBUG', 'CLIENT-EVICTION'])) as string
      return t.split('\n').map((l) => l.replace(/tot-mem: +\d+, clients: (\d+)/, (_, n) => `clients: ${n}`))
    }
    for (const v of ['1gb', '5%']) {
      for (const c of [real, ours]) await c.call(['CONFIG', 'SET', 'maxmemory-clients', v])
      const [r, o] = [await buckets(real), await buckets(ours)]
      assert.deepEqual(o, r)
      assert.equal(r.length, 20)
      assert.equal(r[0], 'bucket          0 -      32767: clients: 0')
      assert.equal(r.filter((l) => l.endsWith('clients: 1')).length, 1) // this connection, ~37 KB
    }
    for (const c of [real, ours]) await c.call(['CONFIG', 'SET', 'maxmemory-clients', '0'])
    assert.deepEqual(await ours.call(['DEBUG', 'CLIENT-EVICTION']), await real.call(['DEBUG', 'CLIENT-EVICTION']))
  })
})

test('DEBUG OBJECT lru and lru_seconds_idle are the key\'s, under LRU and LFU', {skip, timeout: 30_000}, async () => {
  const fields = async (c: RawClient, key: string) => {
    const r = (await c.call(['DEBUG', 'OBJECT', key])) as string
    return / (lru:\d+ lru_seconds_idle:\d+)/.exec(r)?.[1]
  }
  await withBoth(p, async (real, ours) => {
    try {
      for (const c of [real, ours]) {
        await c.call(['CONFIG', 'SET', 'maxmemory-policy', 'allkeys-lru'])
        await c.call(['SET', 'idle-lru', 'v'])
      }
      await new Promise((r) => setTimeout(r, 2200))
      const [r1, o1] = [await fields(real, 'idle-lru'), await fields(ours, 'idle-lru')]
      assert.match(r1 ?? '', /lru_seconds_idle:[23]$/)
      assert.equal(o1, r1)
      for (const c of [real, ours]) {
        await c.call(['CONFIG', 'SET', 'maxmemory-policy', 'allkeys-lfu'])
        await c.call(['SET', 'idle-lfu', 'v'])
      }
      assert.equal(await fields(ours, 'idle-lfu'), await fields(real, 'idle-lfu'))
    } finally {
      for (const c of [real, ours]) await c.call(['CONFIG', 'SET', 'maxmemory-policy', 'noeviction'])
    }
  })
})

test('DEBUG POPULATE refuses a non-integer count or size as it does a negative one; argument counts', {skip}, async () => {
  await withBoth(p, (real, ours) =>
    sameReplies(real, ours, [
      ['DEBUG', 'POPULATE', 'x'],
      ['DEBUG', 'POPULATE', '1.5'],
      ['DEBUG', 'POPULATE', '-1'],
      ['DEBUG', 'POPULATE', '9223372036854775808'],
      ['DEBUG', 'POPULATE', '2', 'pp', 'x'],
      ['DEBUG', 'POPULATE', '2', 'pp', '-3'],
      ['DEBUG', 'POPULATE', '2', 'pp', '3'],
      ['GET', 'pp:1'],
      // a wrong argument count names the subcommand as typed
      ['DEBUG', 'SET-DISABLE-DENY-SCRIPTS'],
      ['DEBUG', 'Set-Disable-Deny-Scripts', '0', '1'],
    ]),
  )
})

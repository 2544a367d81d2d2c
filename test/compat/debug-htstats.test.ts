// DEBUG HTSTATS / HTSTATS-KEY side by side with redis-server 7.0: the same errors, the same report
// layout (sections, field names and order, the distribution lines), the same table sizes and
// rehashing state after the same operations (dict.ts models redis's dict: growth, shrink, the
// resize policy while a BGSAVE child exists); chain figures are the model's own (its hash is not
// redis's), checked as invariants.
import {describe, test} from 'node:test'
import assert from 'node:assert/strict'
import {Redis} from 'ioredis'
import {pairHooks} from './harness.js'
import {allSlotsPair} from './all-slots-pair.js'
import {redisSkip} from '../helpers/redis-server.js'

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

  test('table sizes and rehashing state after the same operations equal redis-server\'s', {timeout: 240_000}, async () => {
    const [a, b] = await sideBySide(pair, geometryScript)
    assert.deepEqual(a, b)
  })

  test('hashes: conversion presizing, growth and shrink equal redis-server\'s', {timeout: 120_000}, async () => {
    const [a, b] = await sideBySide(pair, hashScript)
    assert.deepEqual(a, b)
  })

  test('a database\'s keys dict does not grow at 1:1 while a child exists, and grows after (unit/other)', {timeout: 240_000}, async () => {
    const [a, b] = await sideBySide(pair, keyspaceScript)
    assert.deepEqual(a, b)
    assert.deepEqual(a, [[64, 0], [64, 0], [64, 128]].map(([x, y]) => `${x}/${y}`))
  })

  test('MEMORY STATS db.N overheads come from the same table sizes as redis-server\'s', {timeout: 120_000}, async () => {
    const [a, b] = await sideBySide(pair, async (c) => {
      await c.flushall()
      await c.mset(...Array.from({length: 10}, (_, i) => [`k${i}`, 'v']).flat())
      for (const k of ['k1', 'k2']) await c.expire(k, 1000)
      // the 9th key started a rehash 8 -> 16: wait for serverCron to finish it
      const deadline = Date.now() + 60_000
      while (String(await c.call('DEBUG', 'HTSTATS', '0')).includes('rehashing target')) {
        if (Date.now() > deadline) throw new Error('rehash did not finish')
        await new Promise((r) => setTimeout(r, 50))
      }
      const db0 = async () => {
        const stats = (await c.call('MEMORY', 'STATS')) as unknown[]
        return stats[stats.indexOf('db.0') + 1]
      }
      const before = await db0()
      // a load presizes both dicts to the file's RESIZEDB figures (10 keys: 16, 2 expires: 4)
      await c.call('DEBUG', 'RELOAD')
      return [before, await db0()]
    })
    assert.deepEqual(a, b)
    const figures = ['overhead.hashtable.main', 10 * 40 + 16 * 8, 'overhead.hashtable.expires', 2 * 24 + 4 * 8, 'overhead.hashtable.slot-to-keys', 0]
    assert.deepEqual(a, [figures, figures])
  })

  test('the embedded chain figures add up (model invariants)', {timeout: 120_000}, async () => {
    const c = new Redis(pair.ourPort, '127.0.0.1')
    try {
      await c.flushall()
      await c.mset(...Array.from({length: 300}, (_, i) => [`k${i}`, 'v']).flat())
      await c.sadd('s', ...Array.from({length: 300}, (_, i) => `m${i}`))
      for (const report of [String(await c.call('DEBUG', 'HTSTATS', '0')), String(await c.call('DEBUG', 'HTSTATS-KEY', 's'))]) {
        const tables = report.split(/Hash table \d stats/).slice(1).filter((t) => t.includes('table size'))
        assert.ok(tables.length >= 1)
        for (const t of tables) {
          const num = (re: RegExp) => Number(re.exec(t)![1])
          const size = num(/table size: (\d+)/)
          const used = num(/number of elements: (\d+)/)
          const slots = num(/different slots: (\d+)/)
          const maxchain = num(/max chain length: (\d+)/)
          const dist = [...t.matchAll(/\n {3}(\d+): (\d+) \(/g)].map((m) => [Number(m[1]), Number(m[2])])
          assert.equal(size & (size - 1), 0, 'a power of two')
          assert.equal(dist.reduce((n, [, k]) => n + k, 0), size)
          assert.equal(dist.reduce((n, [len, k]) => n + len * k, 0), used)
          assert.equal(dist.filter(([len]) => len > 0).reduce((n, [, k]) => n + k, 0), slots)
          assert.equal(Math.max(...dist.map(([len]) => len)), maxchain)
        }
      }
    } finally {
      c.disconnect()
    }
  })
})

// 7.0 keeps one keys dict per database in cluster mode too (per-slot dicts came later): DEBUG HTSTATS
// reports it there the same way, so the node's model runs in cluster mode as well.
describe('DEBUG HTSTATS in cluster mode', {skip: redisSkip()}, () => {
  const pair = allSlotsPair(debugOn)
  test('db 0\'s keys dict: the same report layout and table sizes as redis-server', {timeout: 120_000}, async () => {
    const {real, emb} = pair.ports()
    const [a, b] = await sideBySide({ourPort: emb, redisPort: real}, clusterKeyspaceScript)
    assert.deepEqual(a, b)
  })
})

async function clusterKeyspaceScript(c: Redis): Promise<string[]> {
  // one hash tag: MSET in cluster mode takes keys of one slot
  const out: string[] = []
  const snap = async () => void out.push(await geometry(c, 'HTSTATS', '0'))
  const gets = async (n: number) => {
    const p = c.pipeline()
    for (let i = 0; i < n; i++) p.get('{t}a')
    await p.exec()
  }
  // serverCron's 1 ms rehash would race the snapshots: the steps here are the commands' own
  await c.config('SET', 'activerehashing', 'no')
  try {
    await c.flushall()
    await snap() // no table
    await c.mset('{t}a', '1', '{t}b', '2', '{t}c', '3', '{t}d', '4')
    await snap() // 4/0
    await c.set('{t}e', '5')
    await snap() // 4/8: the add that reached 1:1 started a rehash
    await gets(50)
    await snap() // 8/0
    await c.mset(...Array.from({length: 300}, (_, i) => [`{t}k${i}`, 'v']).flat())
    await snap()
    await gets(600)
    await snap()
    out.push(layout(String(await c.call('DEBUG', 'HTSTATS', '0'))))
  } finally {
    await c.config('SET', 'activerehashing', 'yes')
  }
  return out
}

/** The same script on the embedded node and on redis-server, at once: [ours, real]. */
async function sideBySide<T>(pair: {ourPort: number; redisPort: number}, script: (c: Redis) => Promise<T>): Promise<[T, T]> {
  const ours = new Redis(pair.ourPort, '127.0.0.1')
  const real = new Redis(pair.redisPort, '127.0.0.1')
  try {
    return await Promise.all([script(ours), script(real)])
  } finally {
    ours.disconnect()
    real.disconnect()
  }
}

/** [main table size, rehashing target size or 0] of a key's dict or a database's keys dict. */
async function geometry(c: Redis, ...args: string[]): Promise<string> {
  const r = String(await c.call('DEBUG', ...args))
  const main = /Hash table 0 stats[^]*? table size: (\d+)/.exec(r)
  const target = /Hash table 1 stats[^]*? table size: (\d+)/.exec(r)
  const cut = r.indexOf('[Expires HT]')
  const t = target !== null && (cut < 0 || target.index < cut) ? target[1] : '0'
  return `${main?.[1] ?? 0}/${t}`
}

async function untilBgsave(c: Redis, running: boolean): Promise<void> {
  const deadline = Date.now() + 120_000
  while (!String(await c.info('persistence')).includes(`rdb_bgsave_in_progress:${running ? 1 : 0}`)) {
    if (Date.now() > deadline) throw new Error(`bgsave ${running ? 'start' : 'end'} not seen`)
    await new Promise((r) => setTimeout(r, 50))
  }
}

async function touches(c: Redis, n: number): Promise<void> {
  const p = c.pipeline()
  for (let i = 0; i < n; i++) p.sismember('s', 'a')
  await p.exec()
}

async function geometryScript(c: Redis): Promise<string[]> {
  const out: string[] = []
  const snap = async () => void out.push(await geometry(c, 'HTSTATS-KEY', 's'))
  await c.flushall()
  await c.sadd('s', 'a', 'b', 'c', 'd')
  await snap() // 4/0
  await c.sadd('s', 'e')
  await snap() // 4/8: the add that reached 1:1 started a rehash
  await touches(c, 50)
  await snap() // 8/0
  await c.sadd('s', ...Array.from({length: 100}, (_, i) => `m${i}`))
  await touches(c, 300)
  await snap() // 128/0
  await c.srem('s', ...Array.from({length: 96}, (_, i) => `m${i}`))
  await touches(c, 300)
  await snap() // shrunk under 10%: 16/0
  // with a child: 79 members stay in 16 buckets (ratio <= 5); the 97th forces 128 (ratio > 5)
  await c.config('SET', 'rdb-key-save-delay', '2000000')
  await c.bgsave()
  await untilBgsave(c, true)
  await c.sadd('s', ...Array.from({length: 70}, (_, i) => `n${i}`))
  await snap()
  await c.sadd('s', ...Array.from({length: 20}, (_, i) => `o${i}`))
  await touches(c, 300)
  await snap()
  out.push(String(await c.info('persistence')).match(/rdb_bgsave_in_progress:\d/)![0])
  await untilBgsave(c, false)
  await c.config('SET', 'rdb-key-save-delay', '0')
  return out
}

async function hashScript(c: Redis): Promise<string[]> {
  const out: string[] = []
  const snap = async (key: string) => void out.push(await geometry(c, 'HTSTATS-KEY', key))
  const settle = async (key: string) => {
    const p = c.pipeline()
    for (let i = 0; i < 300; i++) p.hget(key, 'f0')
    await p.exec()
  }
  await c.flushall()
  await c.hset('h', ...Array.from({length: 513}, (_, i) => [`f${i}`, 'v']).flat()) // past 512: a dict presized to 513
  await snap('h')
  await c.hset('h', ...Array.from({length: 600}, (_, i) => [`g${i}`, 'v']).flat())
  await settle('h')
  await snap('h')
  await c.hdel('h', ...Array.from({length: 600}, (_, i) => `g${i}`), ...Array.from({length: 400}, (_, i) => `f${i}`))
  await settle('h')
  await snap('h') // 113 left: shrunk under 10% fill once, at 204
  await c.hdel('h', ...Array.from({length: 100}, (_, i) => `f${i + 400}`))
  await settle('h')
  await snap('h') // 13 left: shrunk again at 25
  await c.hset('h2', 'f', 'x'.repeat(65)) // a long value converts the new hash first
  await snap('h2')
  await c.hincrbyfloat('h3', 'y'.repeat(70), 1.5) // HINCRBYFLOAT: hashTypeSet converts for the long field
  await snap('h3')
  return out
}

async function keyspaceScript(c: Redis): Promise<string[]> {
  const out: string[] = []
  await c.flushall()
  await c.select(9)
  await c.call('DEBUG', 'POPULATE', '64')
  out.push(await geometry(c, 'HTSTATS', '9'))
  await c.config('SET', 'rdb-key-save-delay', '50000')
  await c.bgsave()
  await untilBgsave(c, true)
  await c.mset('k1', 'v1', 'k2', 'v2')
  out.push(await geometry(c, 'HTSTATS', '9'))
  await untilBgsave(c, false)
  await c.config('SET', 'rdb-key-save-delay', '0')
  // serverCron's 1 ms of rehashing would finish a 64 -> 128 rehash between the SET and the read
  // (on either server, whenever its cron fires in between): without it the rehash stays in progress
  await c.config('SET', 'activerehashing', 'no')
  await c.set('k3', 'v3')
  out.push(await geometry(c, 'HTSTATS', '9'))
  await c.config('SET', 'activerehashing', 'yes')
  await c.flushall()
  await c.select(0)
  return out
}

// Data-type groups over ioredis against an in-process node: what the compat scripts cannot
// compare with redis byte for byte (cursor scans over large collections, random sampling).
import {test, describe, before, after} from 'node:test'
import assert from 'node:assert/strict'
import {Redis} from 'ioredis'
import {startNode, type RunningNode} from '../../src/node/index.js'

let node: RunningNode
let r: Redis
before(async () => {
  node = await startNode({overrides: {port: '0', bind: '127.0.0.1', save: ''}, silent: true})
  r = new Redis({host: '127.0.0.1', port: node.port, maxRetriesPerRequest: 0})
})
after(async () => {
  r.disconnect()
  await node.stop()
})

async function scanAll(cmd: 'hscan' | 'sscan' | 'zscan', key: string, onPage?: () => Promise<void>): Promise<{items: string[]; calls: number}> {
  let cursor = '0'
  const items: string[] = []
  let calls = 0
  do {
    const [next, page] = (await r.call(cmd.toUpperCase(), key, cursor, 'COUNT', '50')) as [string, string[]]
    items.push(...page)
    cursor = next
    calls++
    await onPage?.()
  } while (cursor !== '0' && calls < 10000)
  return {items, calls}
}

describe('cursor scans over large (hashtable/skiplist) collections', () => {
  test('HSCAN returns every field that stays, even while others are deleted', async () => {
    const args: string[] = []
    for (let i = 0; i < 1000; i++) args.push(`f${i}`, `v${i}`)
    await r.hset('bigh', ...args)
    let del = 0
    const {items, calls} = await scanAll('hscan', 'bigh', async () => {
      // delete fields from the low end (already returned or not) as we go
      await r.hdel('bigh', `f${del++}`, `f${del++}`)
    })
    assert.ok(calls > 5, 'a large hash is scanned in several calls')
    const fields = new Set(items.filter((_, i) => i % 2 === 0))
    for (let i = del; i < 1000; i++) assert.ok(fields.has(`f${i}`), `f${i} missing`)
  })

  test('SSCAN and ZSCAN (with MATCH) cover the whole collection', async () => {
    const members = Array.from({length: 700}, (_, i) => `m${i}`)
    await r.sadd('bigs', ...members)
    const s = await scanAll('sscan', 'bigs')
    assert.deepEqual(new Set(s.items), new Set(members))
    await r.zadd('bigz', ...members.flatMap((m, i) => [String(i / 2), m]))
    const z = await scanAll('zscan', 'bigz')
    assert.equal(z.items.length, 1400)
    assert.equal(z.items[z.items.indexOf('m3') + 1], '1.5')
    const [cursor, page] = (await r.zscan('bigz', 0, 'MATCH', 'm1?', 'COUNT', 1000)) as [string, string[]]
    assert.equal(cursor, '0')
    assert.equal(page.length, 20)
  })
})

describe('random sampling', () => {
  test('HRANDFIELD / SRANDMEMBER / ZRANDMEMBER counts and uniqueness', async () => {
    await r.hset('rh', 'a', '1', 'b', '2', 'c', '3', 'd', '4')
    const distinct = (await r.call('HRANDFIELD', 'rh', '3')) as string[]
    assert.equal(new Set(distinct).size, 3)
    const rep = (await r.call('HRANDFIELD', 'rh', '-10', 'WITHVALUES')) as string[]
    assert.equal(rep.length, 20)
    for (let i = 0; i < rep.length; i += 2) assert.equal(rep[i + 1], String(' abcd'.indexOf(rep[i])))
    await r.sadd('rs', 'a', 'b', 'c', 'x', 'y')
    assert.equal(new Set(await r.srandmember('rs', 4)).size, 4)
    assert.equal((await r.srandmember('rs', -9)).length, 9)
    await r.zadd('rz', 1, 'a', 2, 'b', 3, 'c')
    assert.equal(new Set((await r.zrandmember('rz', 2)) as string[]).size, 2)
  })

  test('SPOP with count removes exactly what it returns', async () => {
    await r.sadd('sp', 'a', 'b', 'c', 'd', 'e', 'f')
    const popped = await r.spop('sp', 4)
    assert.equal(popped.length, 4)
    const left = await r.smembers('sp')
    assert.equal(left.length, 2)
    for (const m of popped) assert.ok(!left.includes(m))
  })
})

test('replies through ioredis: HGETALL map, ZRANGE WITHSCORES, empty aggregates deleted', async () => {
  await r.hset('hh', {x: '1', y: '2'})
  assert.deepEqual(await r.hgetall('hh'), {x: '1', y: '2'})
  await r.zadd('zz', 0.1, 'a', 2, 'b')
  assert.deepEqual(await r.zrange('zz', 0, -1, 'WITHSCORES'), ['a', '0.10000000000000001', 'b', '2'])
  await r.zrem('zz', 'a', 'b')
  await r.rpush('ll', 'v')
  await r.lpop('ll')
  await r.hdel('hh', 'x', 'y')
  assert.equal(await r.exists('zz', 'll', 'hh'), 0)
})

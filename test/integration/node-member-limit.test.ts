// One set, hash or sorted set holds at most V8's 2^24 members on the embedded node (one JS Set or
// Map each). A write that would go past it must be refused whole, before it changes anything:
// member by member, a SADD that met the limit half way kept the members before it and failed
// unpropagated (the replicas and the AOF never saw them), and SMOVE lost its member. The node is
// started in-process with a limit of 8 so the refusals can be met without 16.7M members.
import {after, before, test} from 'node:test'
import assert from 'node:assert/strict'
import {Redis} from 'ioredis'
import {startNode, type RunningNode} from '../../src/node/index.js'
import {memberLimitError} from '../../src/node/keyspace/member-limit.js'

const LIMIT = 8
const TEXT = memberLimitError(LIMIT).reply
let node: RunningNode
let other: RunningNode // V8's own limit: the source of a RESTORE payload
let c: Redis
let o: Redis
const opts = {overrides: {port: '0', save: '', appendonly: 'no'}, silent: true}

before(async () => {
  node = await startNode({...opts, memberLimit: LIMIT})
  other = await startNode(opts)
  c = new Redis({port: node.port, maxRetriesPerRequest: 0})
  o = new Redis({port: other.port, maxRetriesPerRequest: 0})
})
after(async () => {
  c?.disconnect()
  o?.disconnect()
  await node?.stop()
  await other?.stop()
})

/** The node's dirty counter and replication offset: both still after a refused write. */
const marks = () => [node.server.dirty, node.server.replOffset]

async function refused(p: Promise<unknown>): Promise<void> {
  await assert.rejects(p, (e: Error) => {
    assert.equal(e.message, TEXT)
    return true
  })
}

const ms = (n: number, from = 0) => Array.from({length: n}, (_, i) => `m${from + i}`)

test('the error names the limit, as one line', () => {
  assert.equal(memberLimitError(LIMIT).reply, 'ERR the value would hold more than 8 members, the most one set, hash or sorted set holds on this node')
})

test('SADD and SMOVE: refused whole at the limit, nothing added, nothing moved, nothing propagated', async () => {
  await refused(c.sadd('new', ...ms(9)))
  assert.equal(await c.exists('new'), 0) // not created empty either
  assert.equal(await c.sadd('s', ...ms(6)), 6)
  const m0 = marks()
  await refused(c.sadd('s', 'x1', 'x2', 'x3')) // 6 + 3 > 8
  assert.deepEqual(marks(), m0)
  assert.equal(await c.scard('s'), 6)
  // members already there do not count: 2 new of 5 given fits
  assert.equal(await c.sadd('s', 'm0', 'm1', 'm2', 'x1', 'x2'), 2)
  assert.equal(await c.sadd('s', 'm3', 'x1'), 0) // full, nothing new: fine
  await refused(c.sadd('s', 'x3'))
  // intsets too
  await refused(c.sadd('ints', ...Array.from({length: 9}, (_, i) => String(i))))
  // SMOVE into a full set keeps the member in its source
  await c.sadd('src', 'x9')
  const m1 = marks()
  await refused(c.smove('src', 's', 'x9'))
  assert.deepEqual(marks(), m1)
  assert.equal(await c.sismember('src', 'x9'), 1)
  assert.equal(await c.scard('s'), 8)
  assert.equal(await c.smove('src', 's', 'absent'), 0) // a member it does not have: no error
  assert.equal(await c.smove('s', 'src', 'x1'), 1) // and out of a full set
})

test('SUNIONSTORE past the limit leaves its destination as it was', async () => {
  await c.sadd('u1', ...ms(5))
  await c.sadd('u2', ...ms(5, 5))
  await c.set('udst', 'before')
  await refused(c.sunionstore('udst', 'u1', 'u2'))
  assert.equal(await c.get('udst'), 'before')
  assert.equal(await c.sunionstore('udst', 'u1', 'u1'), 5)
})

test('HSET / HMSET / HSETNX / HINCRBY / HINCRBYFLOAT: a new field past the limit is refused, updates are not', async () => {
  await refused(c.hset('hnew', Object.fromEntries(ms(9).map((f) => [f, 'v']))))
  assert.equal(await c.exists('hnew'), 0)
  assert.equal(await c.hset('h', Object.fromEntries(ms(7).map((f) => [f, 'v']))), 7)
  const m0 = marks()
  await refused(c.hset('h', 'a', '1', 'b', '2'))
  await refused(c.hmset('h', 'a', '1', 'b', '2'))
  assert.deepEqual(marks(), m0)
  assert.equal(await c.hlen('h'), 7)
  assert.equal(await c.hset('h', 'm0', 'w', 'a', '1'), 1) // one new: 8
  assert.equal(await c.hset('h', 'm1', 'w'), 0)
  await refused(c.hsetnx('h', 'b', '2'))
  assert.equal(await c.hsetnx('h', 'm1', 'x'), 0)
  await refused(c.hincrby('h', 'b', 1))
  await refused(c.hincrbyfloat('h', 'b', 1.5))
  assert.equal(await c.hincrby('h', 'a', 1), 2)
  assert.equal(await c.hincrbyfloat('h', 'a', 0.5), '2.5')
  assert.deepEqual(marks()[0] > m0[0], true)
  assert.equal(await c.hlen('h'), 8)
})

test('ZADD / ZINCRBY / GEOADD: refused for new members past the limit; XX updates, ZUNIONSTORE keeps its destination', async () => {
  const pairs = (names: string[]) => names.flatMap((m, i) => [i, m])
  await refused(c.zadd('znew', ...pairs(ms(9))))
  assert.equal(await c.exists('znew'), 0)
  assert.equal(await c.zadd('z', ...pairs(ms(8))), 8)
  const m0 = marks()
  await refused(c.zadd('z', 1, 'x'))
  await refused(c.zadd('z', 'NX', 1, 'x'))
  await refused(c.zincrby('z', 1, 'x'))
  await refused(c.geoadd('z', 13.361389, 38.115556, 'Palermo'))
  assert.deepEqual(marks(), m0)
  assert.equal(await c.zcard('z'), 8)
  // XX only updates: never refused; existing members update
  assert.equal(await c.zadd('z', 'XX', 'CH', 5, 'm0', 5, 'x'), 1)
  assert.equal(await c.zincrby('z', 1, 'm1'), '2')
  assert.deepEqual(await c.zrange('z', 0, -1, 'WITHSCORES'), ['m1', '2', 'm2', '2', 'm3', '3', 'm4', '4', 'm0', '5', 'm5', '5', 'm6', '6', 'm7', '7'])
  await c.zadd('z2', ...pairs(ms(2, 20)))
  await c.set('zdst', 'before')
  await refused(c.zunionstore('zdst', 2, 'z', 'z2'))
  assert.equal(await c.get('zdst'), 'before')
  assert.equal(await c.zunionstore('zdst', 1, 'z2'), 2)
})

test('RESTORE of a value with more members than the limit is refused; the key is left alone', async () => {
  await o.sadd('big', ...ms(9))
  await o.hset('bigh', Object.fromEntries(ms(9).map((f) => [f, 'v'])))
  await o.zadd('bigz', ...ms(9).flatMap((m, i) => [i, m]))
  for (const k of ['big', 'bigh', 'bigz']) {
    const payload = await o.dumpBuffer(k)
    await c.set(k, 'kept')
    await refused(c.restore(k, 0, payload!, 'REPLACE'))
    assert.equal(await c.get(k), 'kept')
  }
  await o.srem('big', 'm0')
  assert.equal(await c.restore('big', 0, (await o.dumpBuffer('big'))!, 'REPLACE'), 'OK')
  assert.equal(await c.scard('big'), 8)
})

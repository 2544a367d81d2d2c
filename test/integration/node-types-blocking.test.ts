// Blocking list/zset commands against an in-process node over ioredis: wake-ups by pushes
// from another client, timeouts, FIFO order, MULTI, disconnect cleanup, propagation.
import {test, describe} from 'node:test'
import assert from 'node:assert/strict'
import {blockedCount} from '../../src/node/blocking.js'
import {blockingNodeFixture, sleep} from '../helpers/blocking-node.js'

const fx = blockingNodeFixture()
const client = fx.client
const waitBlocked = fx.waitBlocked

describe('blocking pops', () => {
  test('BLPOP is woken by a push from another client; the pusher sees its own length first', async () => {
    const a = client()
    const b = client()
    const p = a.blpop('bl1', 0)
    await waitBlocked(1)
    assert.equal(await b.rpush('bl1', 'x', 'y'), 2)
    assert.deepEqual(await p, ['bl1', 'x'])
    assert.deepEqual(await b.lrange('bl1', 0, -1), ['y'])
    assert.equal(blockedCount(fx.node().server), 0)
  })

  test('timeout returns a null reply after about the timeout', async () => {
    const a = client()
    const t0 = Date.now()
    assert.equal(await a.blpop('never', 0.1), null)
    const dt = Date.now() - t0
    assert.ok(dt >= 90 && dt < 1000, `took ${dt}ms`)
    assert.equal(await a.brpoplpush('never', 'dst', 0.05), null)
    assert.equal(blockedCount(fx.node().server), 0)
  })

  test('two blocked clients are served FIFO', async () => {
    const a = client()
    const b = client()
    const c = client()
    const pa = a.brpop('fifo', 0)
    await waitBlocked(1)
    const pb = b.brpop('fifo', 0)
    await waitBlocked(2)
    await c.rpush('fifo', '1')
    assert.deepEqual(await pa, ['fifo', '1'])
    await waitBlocked(1)
    await c.rpush('fifo', '2')
    assert.deepEqual(await pb, ['fifo', '2'])
  })

  test('one push of two elements serves both waiters, oldest first', async () => {
    const a = client()
    const b = client()
    const pa = a.blpop('two', 0)
    await waitBlocked(1)
    const pb = b.blpop('two', 'other', 0)
    await waitBlocked(2)
    await client().rpush('two', 'first', 'second')
    assert.deepEqual(await pa, ['two', 'first'])
    assert.deepEqual(await pb, ['two', 'second'])
    assert.equal(await client().exists('two'), 0)
  })

  test('a transaction is applied whole before blocked clients are served', async () => {
    const a = client()
    const p = a.blpop('tx', 0)
    await waitBlocked(1)
    const res = await client().multi().rpush('tx', 'a').rpush('tx', 'b').lpop('tx').exec()
    assert.deepEqual(res, [[null, 1], [null, 2], [null, 'a']])
    assert.deepEqual(await p, ['tx', 'b'])
  })

  test('inside MULTI a blocking command does not block', async () => {
    const res = await client().multi().blpop('empty', 0).blmove('empty', 'x', 'LEFT', 'RIGHT', 0).exec()
    assert.deepEqual(res, [[null, null], [null, null]])
  })

  test('a disconnected blocked client is cleaned up and consumes nothing', async () => {
    const a = client()
    a.blpop('gone', 0).catch(() => undefined)
    await waitBlocked(1)
    a.disconnect()
    await waitBlocked(0)
    const b = client()
    await b.rpush('gone', 'v')
    await sleep(20)
    assert.deepEqual(await b.lrange('gone', 0, -1), ['v'])
  })

  test('BLMOVE chains: an element moved into a watched key wakes its waiter', async () => {
    const a = client()
    const b = client()
    const pa = a.blmove('chain1', 'chain2', 'LEFT', 'RIGHT', 0)
    await waitBlocked(1)
    const pb = b.blpop('chain2', 0)
    await waitBlocked(2)
    await client().lpush('chain1', 'm')
    assert.equal(await pa, 'm')
    assert.deepEqual(await pb, ['chain2', 'm'])
  })

  test('BZPOPMIN / BZMPOP / BLMPOP are woken by writes', async () => {
    const a = client()
    const pz = a.bzpopmin('zb', 0)
    await waitBlocked(1)
    await client().zadd('zb', 2, 'two', 1, 'one')
    assert.deepEqual(await pz, ['zb', 'one', '1'])
    const pm = a.call('BZMPOP', '0', '2', 'zz1', 'zz2', 'MAX', 'COUNT', '5')
    await waitBlocked(1)
    await client().zadd('zz2', 5, 'e', 6, 'f')
    assert.deepEqual(await pm, ['zz2', [['f', '6'], ['e', '5']]])
    const pl = a.call('BLMPOP', '0', '1', 'lm', 'RIGHT', 'COUNT', '2')
    await waitBlocked(1)
    await client().rpush('lm', 'a', 'b', 'c')
    assert.deepEqual(await pl, ['lm', ['c', 'b']])
  })

  test('a key of another type does not wake a list waiter', async () => {
    const a = client()
    const p = a.blpop('typed', 0.3)
    await waitBlocked(1)
    await client().set('typed', 'str')
    await sleep(30)
    assert.equal(blockedCount(fx.node().server), 1)
    assert.equal(await p, null)
  })

  test('timeout argument errors', async () => {
    const a = client()
    await assert.rejects(a.blpop('k', -1), /ERR timeout is negative/)
    await assert.rejects(a.call('BLPOP', 'k', 'abc'), /ERR timeout is not a float or out of range/)
  })

  test('served blocked pops propagate as LPOP; a timed-out one propagates nothing', async () => {
    const seen: string[][] = []
    const hook = (_db: number, argv: string[]) => void seen.push(argv)
    fx.node().server.propagateHooks.push(hook)
    try {
      const a = client()
      const p = a.blpop('prop', 0)
      await waitBlocked(1)
      await client().rpush('prop', 'v')
      await p
      const q = a.blpop('prop-none', 0.05)
      await client().set('unrelated', '1')
      assert.equal(await q, null)
    } finally {
      fx.node().server.propagateHooks.splice(fx.node().server.propagateHooks.indexOf(hook), 1)
    }
    assert.deepEqual(seen, [['rpush', 'prop', 'v'], ['LPOP', 'prop'], ['set', 'unrelated', '1']])
  })
})

// Blocking XREAD / XREADGROUP against an in-process node over ioredis: each reader woken for its
// own ID (a reader that cannot be served does not hold back the next one), timeouts and CLIENT
// UNBLOCK, XREADGROUP told when its key is deleted, retyped or flushed (-UNBLOCKED) or its group
// destroyed (-NOGROUP), no blocking inside MULTI or scripts, and what a served read propagates.
import {test, describe} from 'node:test'
import assert from 'node:assert/strict'
import {blockedCount} from '../../src/node/blocking.js'
import {blockingNodeFixture, sleep} from '../helpers/blocking-node.js'

const fx = blockingNodeFixture()
const client = fx.client
const waitBlocked = fx.waitBlocked
const errOf = (p: Promise<unknown>) => p.then(() => 'no error', (e: Error) => e.message)

describe('blocking stream reads', () => {
  test('readers blocked on different IDs of one key are each served when their ID is passed', async () => {
    const w = client()
    await w.xadd('s1', '10-0', 'f', 'old')
    const far = client().call('XREAD', 'BLOCK', '0', 'STREAMS', 's1', '100-0')
    const near = client().call('XREAD', 'BLOCK', '0', 'STREAMS', 's1', '$')
    await waitBlocked(2)
    await w.xadd('s1', '20-0', 'f', 'new')
    assert.deepEqual(await near, [['s1', [['20-0', ['f', 'new']]]]])
    await waitBlocked(1) // the reader waiting past 100-0 stays blocked
    await w.xadd('s1', '101-0', 'f', 'later')
    assert.deepEqual(await far, [['s1', [['101-0', ['f', 'later']]]]])
  })

  test('timeout and CLIENT UNBLOCK answer a null array; BLOCK in MULTI does not block', async () => {
    const a = client()
    const t0 = Date.now()
    assert.equal(await a.call('XREAD', 'BLOCK', '50', 'STREAMS', 'none', '$'), null)
    assert.ok(Date.now() - t0 >= 45)
    const b = client()
    const id = await b.client('ID')
    const p = b.call('XREAD', 'BLOCK', '0', 'STREAMS', 'none', '$')
    await waitBlocked(1)
    assert.equal(await a.client('UNBLOCK', id), 1)
    assert.equal(await p, null)
    const [[, r]] = (await a.multi().call('XREAD', 'BLOCK', '0', 'STREAMS', 'none', '$').exec()) as [[null, unknown]]
    assert.equal(r, null)
    assert.match(await errOf(a.eval("return redis.call('XREAD', 'BLOCK', 0, 'STREAMS', KEYS[1], '$')", 1, 'none')), /xread command is not allowed with BLOCK option from scripts/i)
  })

  test('XREADGROUP: key deleted, retyped or flushed -> UNBLOCKED; group destroyed -> NOGROUP', async () => {
    const w = client()
    for (const [i, action] of [
      (k: string) => w.del(k),
      (k: string) => w.set(k, 'x'),
      () => w.flushall(),
      (k: string) => w.xgroup('DESTROY', k, 'g'),
    ].entries()) {
      const key = `g${i}`
      await w.xgroup('CREATE', key, 'g', '$', 'MKSTREAM')
      const p = errOf(client().call('XREADGROUP', 'GROUP', 'g', 'c', 'BLOCK', '0', 'STREAMS', key, '>'))
      await waitBlocked(1)
      await action(key)
      assert.match(await p, i === 3 ? /^NOGROUP the consumer group this client was blocked on no longer exists/ : /^UNBLOCKED the stream key no longer exists/)
    }
    await waitBlocked(0)
  })

  test('a plain XREAD survives its key being deleted and is served by the next XADD', async () => {
    const w = client()
    await w.xadd('s2', '5-0', 'f', 'v')
    const p = client().call('XREAD', 'BLOCK', '0', 'STREAMS', 's2', '$')
    await waitBlocked(1)
    await w.del('s2')
    await sleep(20)
    assert.equal(blockedCount(fx.node().server), 1)
    await w.xadd('s2', '3-0', 'f', 'too-low') // not past the ID it blocked for (5-0)
    await sleep(20)
    assert.equal(blockedCount(fx.node().server), 1)
    await w.xadd('s2', '6-0', 'f', 'again')
    assert.deepEqual(await p, [['s2', [['6-0', ['f', 'again']]]]])
  })

  test('a served XREADGROUP propagates XCLAIM ... LASTID, not itself', async () => {
    const seen: string[][] = []
    fx.node().server.propagateHooks.push((_db: number, argv: string[]) => void seen.push(argv))
    try {
      const w = client()
      await w.xgroup('CREATE', 's3', 'g', '$', 'MKSTREAM')
      const p = client().call('XREADGROUP', 'GROUP', 'g', 'alice', 'BLOCK', '0', 'COUNT', '5', 'STREAMS', 's3', '>')
      await waitBlocked(1)
      await w.xadd('s3', '7-0', 'f', 'v')
      assert.deepEqual(await p, [['s3', [['7-0', ['f', 'v']]]]])
      await sleep(20)
      const claims = seen.filter((a) => a[0] === 'XCLAIM')
      assert.equal(claims.length, 1)
      assert.deepEqual(claims[0].filter((_, i) => i !== 7), ['XCLAIM', 's3', 'g', 'alice', '0', '7-0', 'TIME', 'RETRYCOUNT', '1', 'FORCE', 'JUSTID', 'LASTID', '7-0'])
      assert.equal(seen.some((a) => a[0].toUpperCase() === 'XREADGROUP'), false)
    } finally {
      fx.node().server.propagateHooks.pop()
    }
  })
})

// EXPIRE family: a relative TTL is computed from, and checked against, one reading of the clock
// (redis checkAlreadyExpired). Read twice, a clock tick in between (a GC step on a busy heap) made
// PEXPIRE k 1 delete the key at once instead of giving it a TTL, so the active cycle never saw it.
import {after, test} from 'node:test'
import assert from 'node:assert/strict'
import {Redis} from 'ioredis'
import {startNode, type RunningNode} from '../../src/node/index.js'
import type {Clock} from '../../src/node/clock.js'

let t = 1_700_000_000_000
let ticking = false
// every reading moves the time on by 1 ms while `ticking`: the worst case for two readings
const clock: Clock = {now: () => (ticking ? t++ : t)}
let node: RunningNode | undefined
after(async () => node?.stop())

test('PEXPIRE k 1, GETEX PX 1 and EXPIRE k 0 under a clock that ticks between readings', async () => {
  node = await startNode({overrides: {port: '0', save: '', appendonly: 'no'}, clock, silent: true})
  const c = new Redis({port: node.port, maxRetriesPerRequest: 0, lazyConnect: true})
  await c.connect()
  try {
    await c.set('k', 'v')
    const before = t
    ticking = true
    assert.equal(await c.pexpire('k', 1), 1)
    ticking = false
    const [, db] = [...node.server.databases()][0]
    // the key holds a TTL 1 ms after one of the command's readings, not deleted as already past
    const at = db.getExpire('k')
    assert.equal(typeof at, 'number')
    assert.ok(at! > before && at! <= t, `TTL ${at} within the command's readings ${before}..${t}`)
    // GETEX PX 1 the same way
    await c.set('g', 'v')
    const g0 = t
    ticking = true
    assert.equal(await c.getex('g', 'PX', 1), 'v')
    ticking = false
    assert.ok((db.getExpire('g') ?? 0) > g0, 'GETEX PX 1 left a TTL')
    // a TTL of 0 is past on the same reading: deleted at once, as in Redis
    await c.set('k2', 'v')
    assert.equal(await c.expire('k2', 0), 1)
    assert.equal(db.getExpire('k2'), undefined)
    assert.equal(await c.exists('k2'), 0)
  } finally {
    c.disconnect()
  }
})

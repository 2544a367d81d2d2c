// The active expire cycle's synchronous free (src/node/memory/reclaim.ts): the rule that decides
// on a full collection, and the cycle handing each expired value to it.
import {test} from 'node:test'
import assert from 'node:assert/strict'
import {Keyspace} from '../../src/node/keyspace/keyspace.js'
import {freedAggregateBytes, worthCollecting} from '../../src/node/memory/reclaim.js'
import type {Clock} from '../../src/node/clock.js'

test('a collection runs only when the freed bytes cover what the node holds and the runtime floor', () => {
  assert.equal(worthCollecting(0, 0, 0), false)
  assert.equal(worthCollecting(10, 11, 5), false)
  assert.equal(worthCollecting(10, 10, 5), true)
  assert.equal(worthCollecting(10, 5, 11), false)
  assert.equal(worthCollecting(50e6, 1e6, 20e6), true)
  assert.equal(worthCollecting(100_000, 1e6, 20e6), false)
})

test('the active expire cycle hands each expired value to the freed callback; strings weigh nothing', () => {
  let now = 1000
  const clock: Clock = {now: () => now}
  const db = new Keyspace(clock)
  db.set('s', 'x'.repeat(1000))
  const big = new Set(Array.from({length: 1000}, (_, i) => String(i)))
  db.set('big', big)
  db.set('live', 'y')
  db.setExpire('s', 1500)
  db.setExpire('big', 1500)
  const seen: unknown[] = []
  assert.equal(db.activeExpire(200, (v) => seen.push(v)), 0)
  now = 2000
  assert.equal(db.activeExpire(200, (v) => seen.push(v)), 2)
  assert.deepEqual(new Set(seen), new Set(['x'.repeat(1000), big]))
  assert.equal(freedAggregateBytes('x'.repeat(1000)), 0)
  assert.ok(freedAggregateBytes(big) >= 1000 * 48)
})

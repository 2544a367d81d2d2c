// The used-memory estimate (src/node/memory) over every value type: INFO memory, eviction and
// MEMORY USAGE all go through aggregateBytes, so one type it cannot walk breaks INFO for everyone.
import {test} from 'node:test'
import assert from 'node:assert/strict'
import {aggregateBytes} from '../../src/node/memory/index.js'
import {Deque, Stream, ZSet} from '../../src/node/keyspace/keyspace.js'

test('aggregateBytes walks hashes, sets, lists, sorted sets and streams and grows with the content', () => {
  const z = new ZSet()
  const small = new ZSet()
  for (let i = 0; i < 100; i++) z.add(`member-${i}`, i)
  small.add('m', 1)
  const d = new Deque()
  for (let i = 0; i < 100; i++) d.pushBack(`element-${i}`)
  const h = new Map(Array.from({length: 100}, (_, i) => [`f${i}`, `value-${i}`] as [string, string]))
  const s = new Set(Array.from({length: 100}, (_, i) => `m${i}`))
  for (const v of [z, d, h, s]) assert.ok(aggregateBytes(v) > 100 * 48, `${v.constructor.name}: ${aggregateBytes(v)}`)
  assert.ok(aggregateBytes(small) < aggregateBytes(z))
  assert.ok(aggregateBytes(new Stream()) >= 0)
})

// Object encodings (src/node/keyspace/encoding.ts): thresholds, one-way conversion, re-evaluation of
// objects never written, what the RDB writer is told, and the lazy-free effort built on them.
import {describe, test, afterEach} from 'node:test'
import assert from 'node:assert/strict'
import {Deque, ZSet} from '../../src/node/keyspace/keyspace.js'
import {encodingOf, isCompact, isInt64String, noteWrite} from '../../src/node/keyspace/encoding.js'
import {freeEffort} from '../../src/node/keyspace/lazyfree.js'
import {toRdbValue} from '../../src/node/keyspace/rdb-convert.js'
import {encodeValue, quicklistNodes, RDB_TYPE} from '../../src/node/persistence/rdb-codec.js'
import {LIMITS} from '../../src/node/persistence/rdb-primitives.js'

const saved = {...LIMITS}
afterEach(() => Object.assign(LIMITS, saved))

describe('object encodings', () => {
  test('strings: int inside the signed 64-bit range, embstr up to 44 bytes, raw after an in-place edit', () => {
    assert.equal(encodingOf('9223372036854775807'), 'int')
    assert.equal(encodingOf('-9223372036854775808'), 'int')
    assert.equal(encodingOf('9223372036854775808'), 'embstr')
    assert.equal(encodingOf('007'), 'embstr')
    assert.equal(encodingOf('x'.repeat(44)), 'embstr')
    assert.equal(encodingOf('x'.repeat(45)), 'raw')
    assert.equal(encodingOf('12', 'raw'), 'raw')
    // INCRBYFLOAT's result is never int-encoded: embstr up to 44 bytes, raw beyond
    assert.equal(encodingOf('12', 'embstr'), 'embstr')
    assert.equal(encodingOf('1'.repeat(45), 'embstr'), 'raw')
    assert.equal(isInt64String('-0'), false)
  })

  test('a hash converts once it outgrows the thresholds and never converts back', () => {
    LIMITS.hashMaxListpackEntries = 2
    const h = new Map([['a', '1']])
    noteWrite(h)
    assert.equal(encodingOf(h), 'listpack')
    h.set('b', '2').set('c', '3')
    noteWrite(h)
    assert.equal(encodingOf(h), 'hashtable')
    h.delete('a')
    h.delete('b')
    noteWrite(h)
    assert.equal(encodingOf(h), 'hashtable')
    assert.equal(encodeValue(toRdbValue(h))[0], RDB_TYPE.HASH)
    // A copy that was never written (a load) is judged by its contents.
    assert.equal(encodingOf(new Map(h)), 'listpack')
    assert.equal(encodeValue(toRdbValue(new Map(h)))[0], RDB_TYPE.HASH_LISTPACK)
  })

  test('long values convert hashes and zsets; a non-integer member converts a set', () => {
    LIMITS.hashMaxListpackValue = 3
    LIMITS.zsetMaxListpackValue = 3
    const h = new Map([['f', 'abcd']])
    noteWrite(h)
    assert.equal(encodingOf(h), 'hashtable')
    const z = new ZSet()
    z.add('abc', 1)
    noteWrite(z)
    assert.equal(encodingOf(z), 'listpack')
    z.add('abcd', 2)
    noteWrite(z)
    assert.equal(encodingOf(z), 'skiplist')
    z.remove('abcd')
    noteWrite(z)
    assert.equal(encodingOf(z), 'skiplist')
    const s = new Set(['1', '2'])
    noteWrite(s)
    assert.equal(encodingOf(s), 'intset')
    s.add('x')
    noteWrite(s)
    s.delete('x')
    noteWrite(s)
    assert.equal(encodingOf(s), 'hashtable')
    assert.equal(isCompact(new Set(s)), true)
  })

  test('a threshold lowered later leaves an untouched compact object compact until its next write', () => {
    const h = new Map([['a', '1'], ['b', '2']])
    noteWrite(h)
    LIMITS.hashMaxListpackEntries = 1
    assert.equal(encodingOf(h), 'listpack')
    noteWrite(h)
    assert.equal(encodingOf(h), 'hashtable')
  })

  test('quicklist nodes follow list-max-listpack-size and the packed threshold', () => {
    LIMITS.listMaxListpackSize = 2
    assert.equal(quicklistNodes(['a', 'b', 'c', 'd', 'e']).length, 3)
    LIMITS.listMaxListpackSize = -1 // 4 KiB per node
    assert.equal(quicklistNodes(Array.from({length: 12}, () => 'v'.repeat(500))).length, 2)
    LIMITS.listMaxListpackSize = -2
    LIMITS.quicklistPackedThreshold = 100
    const nodes = quicklistNodes(['a', 'v'.repeat(500), 'b'])
    assert.deepEqual(
      nodes.map(([container]) => container),
      [2, 1, 2],
    )
  })

  test('lazy-free effort: compact values cost 1, converted ones their element count', () => {
    LIMITS.setMaxIntsetEntries = 10
    const big = new Set(Array.from({length: 100}, (_, i) => String(i)))
    noteWrite(big)
    assert.equal(freeEffort(big), 100)
    assert.equal(freeEffort(new Set(['1'])), 1)
    assert.equal(freeEffort('x'), 1)
    assert.equal(freeEffort(Deque.from(['a', 'b'])), 1)
  })
})

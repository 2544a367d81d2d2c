// BigMap: a Map past V8's 2^24 entries per Map, checked against a plain Map with a small per-Map
// limit, through random sets, deletes, clears and iteration (order: the first Map's entries, then
// the next's).
import {test} from 'node:test'
import assert from 'node:assert/strict'
import {BigMap, MAP_LIMIT} from '../../src/node/keyspace/big-map.js'

test('BigMap behaves as a Map across its per-Map limit', () => {
  let seed = 7
  const rnd = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) % n)
  for (const limit of [1, 3, 8]) {
    const big = new BigMap<string, number>(limit)
    const ref = new Map<string, number>()
    for (let step = 0; step < 4000; step++) {
      const k = 'k' + rnd(40)
      const op = rnd(20)
      if (op < 11) {
        big.set(k, step)
        ref.set(k, step)
      } else if (op < 18) assert.equal(big.delete(k), ref.delete(k))
      else if (op === 18 && rnd(10) === 0) {
        big.clear()
        ref.clear()
      } else assert.equal(big.get(k), ref.get(k))
      assert.equal(big.size, ref.size)
      assert.equal(big.has(k), ref.has(k))
    }
    assert.deepEqual(new Map(big).size, ref.size)
    assert.deepEqual(new Map([...big]), ref)
    assert.deepEqual(new Set(big.keys()), new Set(ref.keys()))
  }
})

test('BigMap: a key set again stays where it is; an iterator sees Maps added while it runs', () => {
  const big = new BigMap<string, number>(2)
  big.set('a', 1).set('b', 2).set('c', 3)
  big.set('a', 10)
  assert.deepEqual([...big.keys()], ['a', 'b', 'c'])
  const it = big.keys()
  assert.equal(it.next().value, 'a')
  big.set('d', 4).set('e', 5)
  assert.deepEqual([...it], ['b', 'c', 'd', 'e'])
  big.delete('a')
  big.set('f', 6) // the first Map has room again
  assert.deepEqual([...big.entries()], [['b', 2], ['f', 6], ['c', 3], ['d', 4], ['e', 5]])
  assert.equal(MAP_LIMIT, 2 ** 24)
})

test('BigMap holds more entries than one V8 Map can', {skip: process.env.REDIS_TS_BIG_TESTS !== '1' && 'set REDIS_TS_BIG_TESTS=1 (17M entries, ~2 GB)'}, () => {
  const big = new BigMap<number, number>()
  const n = MAP_LIMIT + 1000
  for (let i = 0; i < n; i++) big.set(i, i)
  assert.equal(big.size, n)
  assert.equal(big.get(n - 1), n - 1)
  assert.throws(() => {
    const m = new Map<number, number>()
    for (let i = 0; i < n; i++) m.set(i, i)
  }, /Map maximum size exceeded/)
})

// Value-level pieces of the bitmap/HLL/GEO/SORT groups, without sockets: the HLL hash and sparse
// layout, the 52-bit geohash, and SORT's partial quicksort. Expected values come from redis-server
// 7.0.15 (GEOADD/ZSCORE, PFADD/PFDEBUG DECODE) where they are redis facts.
import {test} from 'node:test'
import assert from 'node:assert/strict'
import {DENSE_SIZE, Hll, countFromHistogram} from '../../src/node/keyspace/hll.js'
import {decodeScore, distance, geohashString, scoreOf, searchRanges} from '../../src/node/keyspace/geohash.js'
import {pqsort} from '../../src/node/commands/sort.js'

test('HLL: sparse opcodes after PFADD a b c equal redis-server PFDEBUG DECODE', () => {
  const h = Hll.empty()
  for (const e of ['a', 'b', 'c']) assert.equal(h.add(e), 1)
  assert.equal(h.add('a'), 0)
  assert.equal(h.decode(), 'Z:8436 v:1,1 Z:4274 v:2,1 Z:3068 v:1,1 Z:603')
  const hist = h.histogram()!
  assert.equal(countFromHistogram(hist), 3)
})

test('HLL: sparse -> dense keeps every register; estimates stay within 2% for 100k elements', () => {
  const h = Hll.empty()
  for (let i = 0; i < 2000; i++) h.add(`k${i}`)
  const regs = Array.from({length: 16384}, (_, i) => i)
  const before = h.histogram()!
  assert.ok(h.toDense())
  assert.equal(h.len, DENSE_SIZE)
  assert.deepEqual(h.histogram(), before)
  assert.ok(regs.every((i) => h.register(i) <= 51))
  for (let i = 2000; i < 100000; i++) h.add(`k${i}`)
  const est = countFromHistogram(h.histogram()!)
  assert.ok(Math.abs(est - 100000) < 2000, `estimate ${est}`)
  assert.ok(Hll.valid(h.toString()))
  assert.ok(!Hll.valid(h.toString().slice(0, -1)))
})

test('geohash: the score of Palermo equals redis-server ZSCORE; decode and GEOHASH round trip', () => {
  const s = scoreOf(13.361389, 38.115556)
  assert.equal(s, 3479099956230698)
  const [lon, lat] = decodeScore(s)
  assert.ok(Math.abs(lon - 13.361389) < 1e-5 && Math.abs(lat - 38.115556) < 1e-5)
  assert.equal(geohashString(s), 'sqc8b49rny0')
  assert.equal(distance(13.361389, 38.115556, 13.361389, 38.115556), 0)
  // Search cells cover the centre point's own cell.
  const ranges = searchRanges({lon: 13.36, lat: 38.11, conversion: 1000, radius: 10})
  assert.ok(ranges.some(([min, max]) => s >= min && s < max))
})

test('pqsort: the requested range is in sorted order and the array keeps its elements', () => {
  let seed = 7
  const rnd = (): number => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648)
  for (let round = 0; round < 50; round++) {
    const n = 1 + Math.floor(rnd() * 300)
    const a = Array.from({length: n}, () => Math.floor(rnd() * 50))
    const lo = Math.floor(rnd() * n)
    const hi = Math.min(n - 1, lo + Math.floor(rnd() * 20))
    const b = [...a]
    pqsort(b, (x, y) => x - y, lo, hi)
    const sorted = [...a].sort((x, y) => x - y)
    assert.deepEqual(b.slice(lo, hi + 1), sorted.slice(lo, hi + 1))
    assert.deepEqual([...b].sort((x, y) => x - y), sorted)
  }
})

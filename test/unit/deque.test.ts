// The list value's ring buffer (deque.ts) against a plain array through random pushes, pops and
// in-list edits (LINSERT's insertAt, LREM's removeIndexes, LTRIM's trim): the same elements after
// every step, and each edit moving no more than the shorter side of the list (it rebuilt the whole
// list before: LPUSH + LTRIM 0 N-1 on a 1M-element list cost a million moves per call).
import {test} from 'node:test'
import assert from 'node:assert/strict'
import {Deque} from '../../src/node/keyspace/deque.js'
import {lcg} from '../helpers/lcg.js'

test('Deque edits match an array and move only the shorter side', () => {
  const rnd = lcg(7)
  const d = new Deque()
  const ref: string[] = []
  let next = 0
  for (let step = 0; step < 20_000; step++) {
    const r = rnd(100)
    const before = d.moved
    const len = ref.length
    let bound = 0
    if (r < 30 || len === 0) {
      const v = `v${next++ % 500}`
      if (rnd(2)) (d.pushFront(v), ref.unshift(v))
      else (d.pushBack(v), ref.push(v))
    } else if (r < 40) {
      if (rnd(2)) assert.equal(d.popFront(), ref.shift())
      else assert.equal(d.popBack(), ref.pop())
    } else if (r < 60) {
      const i = rnd(len + 1)
      const v = `ins${step}`
      d.insertAt(i, v)
      ref.splice(i, 0, v)
      bound = Math.min(i, len - i)
    } else if (r < 80) {
      // a few distinct ascending indexes, clustered like LREM's matches
      const first = rnd(len)
      const span = Math.min(len - first, 1 + rnd(40))
      const idx: number[] = []
      for (let i = first; i < first + span; i++) if (i === first || rnd(3) === 0) idx.push(i)
      d.removeIndexes(idx)
      for (let k = idx.length - 1; k >= 0; k--) ref.splice(idx[k], 1)
      bound = Math.min(len - idx[0], idx[idx.length - 1] + 1)
    } else if (r < 90) {
      const start = rnd(Math.min(len, 5))
      const stop = Math.max(start, len - 1 - rnd(5))
      d.trim(start, stop)
      ref.splice(stop + 1)
      ref.splice(0, start)
      bound = len - ref.length
    } else {
      const v = `v${rnd(500)}`
      assert.equal(d.indexOf(v), ref.indexOf(v))
    }
    assert.ok(d.moved - before <= bound, `step ${step}: ${d.moved - before} moved, bound ${bound}`)
    assert.equal(d.length, ref.length)
    if (step % 97 === 0 || ref.length < 20) assert.deepEqual(d.toArray(), ref, `step ${step}`)
  }
  assert.deepEqual(d.toArray(), ref)
})

test('LTRIM of one element off a long list moves one element', () => {
  const d = new Deque()
  for (let i = 0; i < 100_000; i++) d.pushBack(String(i))
  d.pushFront('new')
  d.trim(0, 99_999)
  assert.equal(d.moved, 1)
  assert.equal(d.length, 100_000)
  assert.equal(d.get(0), 'new')
  assert.equal(d.get(99_999), '99998')
})

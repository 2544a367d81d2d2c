// create's MEET pattern (src/admin/exec/create.ts meetTargets): every pair once in a small cluster,
// the first node plus a replica's own master in a large one.
import {test} from 'node:test'
import assert from 'node:assert/strict'
import {meetTargets} from '../../src/admin/exec/create.js'

test('small cluster: each node MEETs every node before it, so every pair meets exactly once', () => {
  const order = ['m1', 'm2', 'm3', 'r1', 'r2', 'r3']
  const masterOf = new Map([['r1', 'm1'], ['r2', 'm2'], ['r3', 'm3']])
  const pairs = new Set<string>()
  for (let k = 1; k < order.length; k++) {
    for (const t of meetTargets(order, k, masterOf)) {
      const key = [order[k], t].sort().join('-')
      assert.ok(!pairs.has(key), `${key} met twice`)
      pairs.add(key)
    }
  }
  assert.equal(pairs.size, (order.length * (order.length - 1)) / 2)
  assert.deepEqual(meetTargets(order, 4, masterOf), ['m1', 'm2', 'm3', 'r1'])
})

test('large cluster: the first node, and a replica also its own master', () => {
  const masters = Array.from({length: 10}, (_, i) => `m${i}`)
  const replicas = Array.from({length: 10}, (_, i) => `r${i}`)
  const order = [...masters, ...replicas]
  const masterOf = new Map(replicas.map((r, i) => [r, masters[i]]))
  assert.deepEqual(meetTargets(order, 3, masterOf), ['m0'])
  assert.deepEqual(meetTargets(order, 10, masterOf), ['m0'])
  assert.deepEqual(meetTargets(order, 15, masterOf), ['m0', 'm5'])
})

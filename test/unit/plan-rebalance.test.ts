// Rebalance planner: redis-cli's §3.6 algorithm on fixture topologies.
import {describe, test} from 'node:test'
import assert from 'node:assert/strict'
import {fixture, viewFrom} from '../helpers/view.js'
import {planRebalance} from '../../src/admin/plan/rebalance.js'

const A = 'e7d1eecce10fd6bb5eb35b9f99a514335d9ba9ca'
const B = '67ed2db8d677e59ec4a4cefb06858cf2a1a89fa1'
const C = '292f8b365bb7edb5e285caf0b7e6ddc7265d2f4f'
const D = 'a1b2c3d4e5f60718293a4b5c6d7e8f9012345678' // empty master

function summary(p: ReturnType<typeof planRebalance>): string[] {
  return p.steps.map((s) => `${s.sourceId.slice(0, 4)}->${s.targetId.slice(0, 4)}:${s.count}:${s.ranges.map(([a, b]) => `${a}-${b}`).join(',')}`)
}

describe('planRebalance', () => {
  const table: {name: string; file: string; req: Parameters<typeof planRebalance>[1]; needed: boolean; steps: string[]}[] = [
    {name: 'fresh 3-master cluster needs nothing', file: 'healthy-3x1.txt', req: {}, needed: false, steps: []},
    {name: 'within the 2% threshold', file: 'balanced-within-threshold.txt', req: {}, needed: false, steps: []},
    {name: 'same, threshold 0.5% → moves', file: 'balanced-within-threshold.txt', req: {threshold: 0.5}, needed: true, steps: ['e7d1->67ed:40:0-39']},
    {
      name: 'after a 4096-slot reshard: 2048 + 2048 back, lowest slots first, no slot twice',
      file: 'resharded-uneven.txt',
      req: {},
      needed: true,
      steps: ['e7d1->67ed:2048:0-2047', 'e7d1->292f:2048:2048-4095'],
    },
    {name: 'empty master ignored without --use-empty-masters', file: 'rebalance-empty-master.txt', req: {}, needed: false, steps: []},
    {
      name: '--use-empty-masters fills the new master with 4096 slots',
      file: 'rebalance-empty-master.txt',
      req: {useEmptyMasters: true},
      needed: true,
      steps: ['67ed->a1b2:1366:5461-6826', '292f->a1b2:1365:10923-12287', 'e7d1->a1b2:1365:0-1364'],
    },
    {
      name: 'drain with weight 0 (prefix)',
      file: 'healthy-3x1.txt',
      req: {weights: ['292f8b=0']},
      needed: true,
      steps: ['292f->e7d1:2731:10923-13653', '292f->67ed:2730:13654-16383'],
    },
    {name: 'weights 2:1:1', file: 'healthy-3x1.txt', req: {weights: [`${A}=2`]}, needed: true, steps: ['67ed->e7d1:1366:5461-6826', '292f->e7d1:1365:10923-12287']},
  ]
  for (const c of table) {
    test(c.name, () => {
      const p = planRebalance(viewFrom(fixture(c.file)), c.req)
      assert.equal(p.needed, c.needed)
      assert.deepEqual(summary(p), c.steps)
      assert.equal(new Set(p.moves.map((m) => m.slot)).size, p.moves.length)
      assert.equal(p.moves.length, p.steps.reduce((a, s) => a + s.count, 0))
    })
  }

  test('expected slots use float32 like redis-cli: 16384/3 → 5461', () => {
    const p = planRebalance(viewFrom(fixture('resharded-uneven.txt')))
    assert.deepEqual(
      p.nodes.map((n) => [n.id, n.expected]),
      [
        [A, 5461],
        [B, 5461],
        [C, 5461],
      ],
    )
    assert.equal(p.totalWeight, 3)
  })

  test('after applying the plan every master is within the threshold', () => {
    const v = viewFrom(fixture('rebalance-empty-master.txt'))
    const p = planRebalance(v, {useEmptyMasters: true})
    const counts = new Map(v.nodes.filter((n) => n.role === 'master').map((n) => [n.id, n.slotCount]))
    for (const m of p.moves) {
      counts.set(m.sourceId, counts.get(m.sourceId)! - 1)
      counts.set(m.targetId, counts.get(m.targetId)! + 1)
    }
    assert.deepEqual([...counts.values()].sort(), [4096, 4096, 4096, 4096])
    assert.ok(counts.get(D) === 4096)
  })

  test('bad weights: invalid input and unknown node, like redis-cli', () => {
    const v = viewFrom(fixture('healthy-3x1.txt'))
    assert.throws(() => planRebalance(v, {weights: ['abc']}), /invalid input abc/)
    assert.throws(() => planRebalance(v, {weights: [`${A}=x`]}), /invalid input/)
    assert.throws(() => planRebalance(v, {weights: ['ffff=1']}), /No such master node ffff/)
  })
})

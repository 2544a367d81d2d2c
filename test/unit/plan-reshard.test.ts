// Reshard planner: redis-cli's table with an exact total, explicit slot lists, node-id prefixes.
import {describe, test} from 'node:test'
import assert from 'node:assert/strict'
import {fixture, viewFrom} from '../helpers/view.js'
import {apportion, planReshard, planReshardSlots, resolveNodeId} from '../../src/admin/plan/reshard.js'
import {RedisTsError} from '../../src/errors.js'

const healthy = viewFrom(fixture('healthy-3x1.txt'))
const A = 'e7d1eecce10fd6bb5eb35b9f99a514335d9ba9ca' // 0-5460
const B = '67ed2db8d677e59ec4a4cefb06858cf2a1a89fa1' // 5461-10922
const C = '292f8b365bb7edb5e285caf0b7e6ddc7265d2f4f' // 10923-16383

describe('apportion', () => {
  const cases: {sizes: number[]; total: number; want: number[]}[] = [
    {sizes: [5462, 5461], total: 4096, want: [2048, 2048]},
    {sizes: [5462, 5461], total: 1, want: [1, 0]},
    {sizes: [5462, 5461], total: 3, want: [2, 1]},
    {sizes: [10, 10, 10], total: 10, want: [4, 3, 3]},
    // redis-cli would give ceil(100*1/3)=34 + 33 + 33 = 100, but for 101: 34+33+33 = 100 (one short); we give 101
    {sizes: [100, 100, 100], total: 101, want: [34, 34, 33]},
    {sizes: [1, 1000], total: 1001, want: [1, 1000]},
    {sizes: [5, 0], total: 5, want: [5, 0]},
  ]
  for (const c of cases) {
    test(`${c.sizes.join('/')} → ${c.total}`, () => {
      const got = apportion(c.sizes, c.total)
      assert.deepEqual(got, c.want)
      assert.equal(got.reduce((a, b) => a + b, 0), c.total)
    })
  }
  test('more slots than the sources own', () => assert.throws(() => apportion([3, 4], 8), /own only 7/))
})

describe('planReshard', () => {
  test('all → A, 4096 slots: both sources give their lowest slots, exact total', () => {
    const p = planReshard(healthy, {target: A, from: 'all', slots: 4096})
    assert.equal(p.slots, 4096)
    assert.equal(p.moves.length, 4096)
    assert.deepEqual(
      p.sources.map((s) => [s.id, s.count, s.ranges]),
      [
        [B, 2048, [[5461, 7508]]],
        [C, 2048, [[10923, 12970]]],
      ],
    )
    assert.ok(p.moves.every((m) => m.targetId === A))
    assert.equal(new Set(p.moves.map((m) => m.slot)).size, 4096)
  })

  const table: {name: string; req: {target: string; from: string[] | 'all'; slots: number}; want: [string, number][]}[] = [
    {name: 'one source by prefix', req: {target: 'e7d1', from: ['292f'], slots: 100}, want: [[C, 100]]},
    {name: 'odd count over two sources', req: {target: A, from: [B, C], slots: 101}, want: [[B, 51], [C, 50]]},
    {name: 'case-insensitive ids', req: {target: A.toUpperCase(), from: [C.toUpperCase()], slots: 1}, want: [[C, 1]]},
    {name: 'every slot of a source', req: {target: B, from: [A], slots: 5461}, want: [[A, 5461]]},
  ]
  for (const c of table) {
    test(c.name, () => {
      const p = planReshard(healthy, c.req)
      assert.deepEqual(p.sources.map((s) => [s.id, s.count]), c.want)
      assert.equal(p.slots, c.req.slots)
    })
  }

  test('errors: bad count, target as source, unknown node, replica as target, too many slots', () => {
    assert.throws(() => planReshard(healthy, {target: A, from: 'all', slots: 0}), /between 1 and 16384/)
    assert.throws(() => planReshard(healthy, {target: A, from: [A], slots: 10}), /cannot also be a source/)
    assert.throws(() => planReshard(healthy, {target: 'ffff', from: 'all', slots: 10}), /not known or not a master/)
    assert.throws(() => planReshard(healthy, {target: '07c37dfe', from: 'all', slots: 10}), /not known or not a master/)
    assert.throws(() => planReshard(healthy, {target: A, from: [B], slots: 6000}), /own only 5462/)
    try {
      planReshard(healthy, {target: A, from: 'all', slots: 17000})
      assert.fail('should throw')
    } catch (err) {
      assert.ok(err instanceof RedisTsError)
      assert.equal(err.exitCode, 2)
    }
  })

  test('ambiguous prefix is a usage error naming the candidates', () => {
    const v = viewFrom(fixture('prefix-clash.txt'))
    assert.throws(() => resolveNodeId(v.nodes, 'abc'), /Ambiguous .*abc1eecce10f.*abc2db8d677e/)
    assert.equal(resolveNodeId(v.nodes, 'abc2').port, 30002)
  })
})

describe('planReshardSlots', () => {
  test('slots come from whichever master owns them; the target own slots are skipped', () => {
    const p = planReshardSlots(healthy, B, [
      [0, 99],
      [200, 200],
      [5461, 5470],
      [16383, 16383],
    ])
    assert.deepEqual(
      p.sources.map((s) => [s.id, s.count, s.ranges]),
      [
        [A, 101, [[0, 99], [200, 200]]],
        [C, 1, [[16383, 16383]]],
      ],
    )
    assert.equal(p.skipped.length, 10)
    assert.equal(p.slots, 102)
  })
  test('an uncovered slot is refused', () => {
    const v = viewFrom(fixture('uncovered.txt'))
    const m = v.nodes.find((n) => n.role === 'master')!
    assert.throws(() => planReshardSlots(v, m.id, [[0, 16383]]), /not owned by any master/)
  })
})

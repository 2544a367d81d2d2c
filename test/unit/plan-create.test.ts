import {describe, test} from 'node:test'
import assert from 'node:assert/strict'
import {allocateSlots, interleaveByHost, planCreate, CreatePlanError, type CreateCandidate} from '../../src/admin/plan/create.js'

const nodes = (spec: [string, number][]): CreateCandidate[] => spec.map(([host, port]) => ({host, port, address: `${host}:${port}`}))
const hostsLayout = (hosts: string[], perHost: number) => nodes(hosts.flatMap((h) => Array.from({length: perHost}, (_, i) => [h, 7000 + i] as [string, number])))

describe('slot allocation', () => {
  test('matches redis-cli for 3 masters', () => {
    assert.deepEqual(allocateSlots(3), [[0, 5460], [5461, 10922], [10923, 16383]])
  })
  for (const m of [3, 4, 5, 7, 10, 16, 100]) {
    test(`${m} masters: contiguous, complete, balanced`, () => {
      const r = allocateSlots(m)
      assert.equal(r[0][0], 0)
      assert.equal(r[r.length - 1][1], 16383)
      for (let i = 1; i < r.length; i++) assert.equal(r[i][0], r[i - 1][1] + 1)
      const sizes = r.map(([a, b]) => b - a + 1)
      assert.ok(Math.max(...sizes) - Math.min(...sizes) <= 1, `sizes ${sizes}`)
    })
  }
})

describe('create planner', () => {
  test('refuses fewer than 3 masters', () => {
    assert.throws(() => planCreate(hostsLayout(['a'], 5), 1), CreatePlanError)
    assert.throws(() => planCreate(hostsLayout(['a'], 2), 0), /at least 3 master/)
  })

  test('interleaves hosts for masters', () => {
    const order = interleaveByHost(hostsLayout(['a', 'b', 'c'], 2))
    assert.deepEqual(order.slice(0, 3).map((n) => n.host), ['a', 'b', 'c'])
  })

  const layouts: {name: string; hosts: string[]; perHost: number; replicas: number; perfect: boolean}[] = [
    {name: '3 hosts x 2 nodes, 1 replica', hosts: ['a', 'b', 'c'], perHost: 2, replicas: 1, perfect: true},
    {name: '3 hosts x 3 nodes, 2 replicas', hosts: ['a', 'b', 'c'], perHost: 3, replicas: 2, perfect: true},
    {name: '6 hosts x 1 node, 1 replica', hosts: ['a', 'b', 'c', 'd', 'e', 'f'], perHost: 1, replicas: 1, perfect: true},
    {name: '2 hosts x 3 nodes, 1 replica (replica always off its master host)', hosts: ['a', 'b'], perHost: 3, replicas: 1, perfect: true},
    {name: '4 hosts x 3 nodes, 2 replicas', hosts: ['a', 'b', 'c', 'd'], perHost: 3, replicas: 2, perfect: true},
    {name: '1 host x 6 nodes, 1 replica (nothing better possible)', hosts: ['a'], perHost: 6, replicas: 1, perfect: false},
  ]
  for (const l of layouts) {
    test(l.name, () => {
      const input = hostsLayout(l.hosts, l.perHost)
      const plan = planCreate(input, l.replicas)
      const masterCount = Math.floor(input.length / (l.replicas + 1))
      assert.equal(plan.masters.length, masterCount)
      assert.equal(plan.masters.length + plan.replicas.length, input.length)
      assert.equal(new Set([...plan.masters, ...plan.replicas].map((n) => n.address)).size, input.length)
      for (const m of plan.masters) assert.equal(plan.replicas.filter((r) => r.masterAddress === m.address).length >= l.replicas, true)
      assert.equal(plan.antiAffinity.perfect, l.perfect)
      if (l.hosts.length > 1) {
        const hostOf = new Map(input.map((n) => [n.address, n.host]))
        for (const r of plan.replicas) assert.notEqual(r.host, hostOf.get(r.masterAddress), `${r.address} shares host with ${r.masterAddress}`)
      }
    })
  }

  test('extra nodes become extra replicas, spread over masters', () => {
    const plan = planCreate(hostsLayout(['a', 'b', 'c', 'd'], 2), 1)
    assert.equal(plan.masters.length, 4)
    assert.equal(plan.replicas.length, 4)
    const plan2 = planCreate(hostsLayout(['a', 'b', 'c', 'd', 'e', 'f', 'g'], 1), 1)
    assert.equal(plan2.masters.length, 3)
    const counts = plan2.masters.map((m) => plan2.replicas.filter((r) => r.masterAddress === m.address).length).sort()
    assert.deepEqual(counts, [1, 1, 2])
  })

  test('no replicas: every node is a master', () => {
    const plan = planCreate(hostsLayout(['a'], 3), 0)
    assert.equal(plan.masters.length, 3)
    assert.equal(plan.replicas.length, 0)
    assert.equal(plan.antiAffinity.perfect, true)
  })
})

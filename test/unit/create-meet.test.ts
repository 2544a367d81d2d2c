// create's MEET pattern (src/admin/exec/create.ts meetTargets): every pair once in a small cluster,
// the first node plus a replica's own master in a large one.
import {test} from 'node:test'
import assert from 'node:assert/strict'
import {fastJoinSettings, meetTargets, relaxer, type ValidNode} from '../../src/admin/exec/create.js'
import type {CreatePlan} from '../../src/admin/plan/create.js'

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

test('fast join: a node seen failing doubles the lowered cluster-node-timeout (rate-limited, capped at the node own value)', async () => {
  const sets: string[] = []
  const pool = {get: async (a: {host: string; port: number}) => ({call: async (...args: string[]) => void sets.push(`${a.port} ${args.join(' ')}`)})}
  const node = (port: number, original: number) =>
    ({node: {host: '127.0.0.1', port} as never, param: 'cluster-node-timeout', original: String(original), fast: '500'})
  const lowered = [node(1, 15000), node(2, 1500), {node: {host: '127.0.0.1', port: 3} as never, param: 'repl-diskless-sync-delay', original: '5', fast: '0'}]
  let t = 0
  const onFailing = relaxer(lowered, pool as never, () => t)
  const settle = () => new Promise((r) => setImmediate(r))
  onFailing()
  await settle()
  assert.deepEqual(sets, [], 'not before 2 × timeout since lowering')
  t = 1000
  onFailing()
  await settle()
  assert.deepEqual(sets.sort(), ['1 CONFIG SET cluster-node-timeout 1000', '2 CONFIG SET cluster-node-timeout 1000'])
  sets.length = 0
  t = 1500
  onFailing()
  await settle()
  assert.deepEqual(sets, [], 'rate-limited to once per 2 × the new timeout')
  t = 3000
  onFailing()
  await settle()
  assert.deepEqual(sets.sort(), ['1 CONFIG SET cluster-node-timeout 2000', '2 CONFIG SET cluster-node-timeout 1500'], 'capped at the node own timeout')
  sets.length = 0
  t = 7000
  onFailing()
  await settle()
  assert.deepEqual(sets, ['1 CONFIG SET cluster-node-timeout 4000'], 'a node back at its own timeout is left alone')
  assert.equal(lowered[2].fast, '0', 'other lowered settings untouched')
})

test('fast join: replicas neither fail over nor migrate while the cluster forms (restored with the rest)', () => {
  const node = (port: number, extra: Partial<ValidNode> = {}): ValidNode => ({address: `127.0.0.1:${port}`, host: '127.0.0.1', port, id: String(port).repeat(8).slice(0, 40), busPort: port + 10000, nodeTimeoutMs: 2000, replSyncDelay: 5, noFailover: 'no', replicaMigration: 'yes', ...extra})
  const nodes = [node(1), node(2), node(3, {noFailover: 'yes'}), node(4, {replicaMigration: 'no'})]
  const plan = {
    masters: [{address: nodes[0].address, host: '127.0.0.1', port: 1, slots: [[0, 16383]], slotCount: 16384}],
    replicas: [2, 3, 4].map((port) => ({address: `127.0.0.1:${port}`, host: '127.0.0.1', port, masterAddress: nodes[0].address})),
    antiAffinity: {replicasWithMasterHost: 3, replicasSharingHost: 3, perfect: false},
  } as unknown as CreatePlan
  const lowered = fastJoinSettings(plan, nodes, 1000).map((l) => `${l.node.port} ${l.param} ${l.original}->${l.fast}`)
  assert.deepEqual(lowered.filter((l) => !/cluster-node-timeout|repl-diskless-sync-delay/.test(l)), [
    '2 cluster-replica-no-failover no->yes',
    '4 cluster-replica-no-failover no->yes',
    '2 cluster-allow-replica-migration yes->no',
    '3 cluster-allow-replica-migration yes->no',
  ])
  // the master (port 1) keeps both: it has no master to fail over from
  assert.ok(!lowered.some((l) => l.startsWith('1 cluster-replica') || l.startsWith('1 cluster-allow')))
})

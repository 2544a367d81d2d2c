// End to end against real redis-server: add-node as master (twice in a row), as replica (explicit and
// automatic master choice), and the refusal of a non-empty node.
import {after, before, describe, test} from 'node:test'
import assert from 'node:assert/strict'
import {RedisNodes, redisSkip, type TestNode} from '../helpers/redis-server.js'
import {runCli} from '../helpers/cli.js'
import {makeCluster, viewOf} from '../integration/admin-move-helpers.js'

const skip = redisSkip()

describe('add-node against redis-server', {skip}, () => {
  const rn = new RedisNodes()
  let cluster: TestNode[] = []
  let spares: TestNode[] = []
  const myid = async (n: TestNode) => String(await rn.call(n, 'CLUSTER', 'MYID'))
  const knownBy = async (n: TestNode) => String(await rn.call(n, 'CLUSTER', 'NODES')).trim().split('\n').length

  before(async () => {
    cluster = await makeCluster(rn, 3, {nodeTimeout: 2000})
    spares = await rn.start(6, {nodeTimeout: 2000})
  })
  after(() => rn.stop())

  test('a node that already knows another node is refused with one error line, nothing changed', async () => {
    await rn.call(spares[4], 'CLUSTER', 'MEET', spares[5].host, String(spares[5].busPort - 10000), String(spares[5].busPort))
    const r = await runCli(['add-node', spares[4].address, cluster[0].address])
    assert.equal(r.code, 2, r.stderr)
    assert.match(r.stderr, new RegExp(`Node ${spares[4].address} is not empty`))
    assert.equal(r.stderr.split('\n').filter((l) => l.startsWith('Error')).length, 1)
    for (const n of cluster) assert.equal(await knownBy(n), 3)
  })

  test('two master adds in a row both succeed, and check passes right after', async () => {
    const first = await runCli(['add-node', spares[0].address, cluster[0].address])
    assert.equal(first.code, 0, first.stdout + first.stderr)
    assert.match(first.stdout, /New node added correctly/)
    const second = await runCli(['add-node', spares[1].address, cluster[1].address, '--json'])
    assert.equal(second.code, 0, second.stdout + second.stderr)
    const doc = JSON.parse(second.stdout)
    assert.equal(doc.result.role, 'master')
    assert.equal(doc.result.id, await myid(spares[1]))
    for (const n of [...cluster, spares[0], spares[1]]) assert.equal(await knownBy(n), 5, n.address)
    // Returned only on real agreement: the new masters already report ok (their rejoin delay was cut
    // by the fast join), and their own cluster-node-timeout is back to what it was.
    for (const n of [spares[0], spares[1]]) {
      assert.match(String(await rn.call(n, 'CLUSTER', 'INFO')), /cluster_state:ok/, n.address)
      assert.deepEqual(await rn.call(n, 'CONFIG', 'GET', 'cluster-node-timeout'), ['cluster-node-timeout', '2000'])
    }
    const chk = await runCli(['check', cluster[2].address])
    assert.equal(chk.code, 0, chk.stdout)
  })

  test('--replica with --master-id (prefix), then automatic choice picks a master with slots and fewest replicas', async () => {
    const x = await myid(cluster[0])
    const r1 = await runCli(['add-node', spares[2].address, cluster[0].address, '--cluster-slave', '--cluster-master-id', x.slice(0, 10), '--json'])
    assert.equal(r1.code, 0, r1.stdout + r1.stderr)
    assert.equal(JSON.parse(r1.stdout).result.master.id, x)
    const r2 = await runCli(['add-node', spares[3].address, cluster[0].address, '--replica', '--json'])
    assert.equal(r2.code, 0, r2.stdout + r2.stderr)
    const picked = JSON.parse(r2.stdout).result.master.id
    // add-node returned only once the new replica finished its initial sync.
    assert.match(String(await rn.call(spares[3], 'INFO', 'replication')), /master_link_status:up/)
    assert.notEqual(picked, x, 'the master that already has a replica was picked')
    const v = await viewOf(cluster[0])
    assert.ok(v.nodes.find((n) => n.id === picked)!.slotCount > 0, 'picked a slotless master')
    assert.equal(v.nodes.find((n) => n.port === spares[3].port)!.masterId, picked)
    const chk = await runCli(['check', cluster[0].address])
    assert.equal(chk.code, 0, chk.stdout)
  })
})

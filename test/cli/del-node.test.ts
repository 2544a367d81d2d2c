// End to end against real redis-server: del-node refuses a node with slots, removes a replica, and
// removes a DEAD node (redis-cli cannot: it only looks among reachable nodes, #11018).
import {after, before, describe, test} from 'node:test'
import assert from 'node:assert/strict'
import {RedisNodes, redisSkip, type TestNode} from '../helpers/redis-server.js'
import {runCli} from '../helpers/cli.js'
import {makeCluster} from '../integration/admin-move-helpers.js'
import {NodePool, addNode} from '../../src/index.js'

const skip = redisSkip()

describe('del-node against redis-server', {skip}, () => {
  const rn = new RedisNodes()
  let cluster: TestNode[] = []
  let replica: TestNode
  let empty: TestNode
  const myid = async (n: TestNode) => String(await rn.call(n, 'CLUSTER', 'MYID'))
  const knows = async (n: TestNode, id: string) => String(await rn.call(n, 'CLUSTER', 'NODES')).includes(id)

  before(async () => {
    cluster = await makeCluster(rn, 3, {nodeTimeout: 2000})
    ;[replica, empty] = await rn.start(2, {nodeTimeout: 2000})
    const pool = new NodePool({})
    try {
      await addNode(replica, cluster[0], pool, {replica: true, timeoutMs: 30000})
      await addNode(empty, cluster[0], pool, {timeoutMs: 30000})
    } finally {
      await pool.close()
    }
  })
  after(() => rn.stop())

  test('a node that owns slots is refused', async () => {
    const r = await runCli(['del-node', cluster[0].address, await myid(cluster[1])])
    assert.equal(r.code, 2, r.stderr)
    assert.match(r.stderr, new RegExp(`Node ${cluster[1].address} is not empty! Reshard data away and try again.`))
    assert.ok(await knows(cluster[0], await myid(cluster[1])))
  })

  test('a replica is removed (id prefix) and reset; no node knows it afterwards', async () => {
    const id = await myid(replica)
    const r = await runCli(['del-node', cluster[0].address, id.slice(0, 12)])
    assert.equal(r.code, 0, r.stdout + r.stderr)
    for (const n of [...cluster, empty]) assert.equal(await knows(n, id), false, n.address)
    assert.match(String(await rn.call(replica, 'CLUSTER', 'INFO')), /cluster_known_nodes:1\r?\n/)
  })

  test('a DEAD node is removed from every node', async () => {
    const id = await myid(empty)
    // until it has exited (its port closed), not a fixed 200 ms: a loaded machine may not have run it yet
    const exited = empty.proc.exitCode !== null || empty.proc.signalCode !== null ? Promise.resolve() : new Promise((r) => empty.proc.once('exit', r))
    rn.kill(empty)
    await exited
    const r = await runCli(['del-node', cluster[1].address, id, '--json'])
    assert.equal(r.code, 0, r.stdout + r.stderr)
    assert.equal(JSON.parse(r.stdout).result.reachable, false)
    for (const n of cluster) assert.equal(await knows(n, id), false, n.address)
    const chk = await runCli(['check', cluster[0].address])
    assert.equal(chk.code, 0, chk.stdout)
  })
})

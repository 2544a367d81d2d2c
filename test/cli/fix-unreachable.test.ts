// fix with an unreachable master: refuses (exit 3) and changes nothing, unless --force.
import {after, before, describe, test} from 'node:test'
import assert from 'node:assert/strict'
import {RedisNodes, redisSkip, type TestNode} from '../helpers/redis-server.js'
import {runCli} from '../helpers/cli.js'
import {makeCluster, viewOf} from '../integration/admin-move-helpers.js'

describe('fix with an unreachable master', {skip: redisSkip()}, () => {
  const rn = new RedisNodes()
  let nodes: TestNode[] = []
  before(async () => {
    nodes = await makeCluster(rn, 3, {nodeTimeout: 2000})
  })
  after(() => rn.stop())

  test('refuses without --force, repairs the open slot with it', async () => {
    const view = await viewOf(nodes[0])
    const masters = view.nodes.filter((n) => n.role === 'master')
    const byPort = (p: number) => nodes.find((n) => n.port === p)!
    const [a, b, c] = masters
    const slot = a.slots[0][0]
    await rn.call(byPort(a.port), 'CLUSTER', 'SETSLOT', String(slot), 'MIGRATING', b.id)
    rn.kill(byPort(c.port))
    const seed = byPort(a.port).address
    const refused = await runCli(['fix', seed, '--yes'])
    assert.equal(refused.code, 3, refused.stdout + refused.stderr)
    assert.match(refused.stdout + refused.stderr, /unreachable/i)
    const still = (await viewOf(byPort(a.port))).nodes.find((n) => n.id === a.id)!
    assert.deepEqual(Object.keys(still.migrating), [String(slot)], 'nothing may change without --force')

    const forced = await runCli(['fix', seed, '--yes', '--force'])
    const after = await viewOf(byPort(a.port))
    assert.deepEqual(after.nodes.find((n) => n.id === a.id)!.migrating, {}, forced.stdout + forced.stderr)
    assert.deepEqual(after.nodes.find((n) => n.id === b.id)!.importing, {})
  })
})

describe('fix --forget-failed', {skip: redisSkip()}, () => {
  const rn = new RedisNodes()
  let nodes: TestNode[] = []
  before(async () => {
    nodes = await makeCluster(rn, 3, {nodeTimeout: 1000, replicas: 1})
  })
  after(() => rn.stop())

  test('a dead replica flagged fail everywhere is forgotten by every node', async () => {
    const view = await viewOf(nodes[0])
    const replica = view.nodes.find((n) => n.role === 'replica')!
    const victim = nodes.find((n) => n.port === replica.port)!
    rn.kill(victim)
    const alive = nodes.filter((n) => n !== victim)
    // Wait until every surviving node flags it as failed (PFAIL → FAIL by majority).
    for (let i = 0; ; i++) {
      const texts = await Promise.all(alive.map((n) => rn.call(n, 'CLUSTER', 'NODES')))
      if (texts.every((t) => String(t).split('\n').some((l) => l.startsWith(replica.id) && l.split(' ')[2].split(',').includes('fail')))) break
      if (i > 300) throw new Error('the dead replica was never flagged fail')
      await new Promise((r) => setTimeout(r, 50))
    }
    const r = await runCli(['fix', alive[0].address, '--yes', '--forget-failed'])
    assert.equal(r.code, 0, r.stdout + r.stderr)
    for (const n of alive) assert.doesNotMatch(String(await rn.call(n, 'CLUSTER', 'NODES')), new RegExp(replica.id))
  })
})

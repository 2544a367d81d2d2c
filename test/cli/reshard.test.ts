// `reshard` and `rebalance` end to end through the CLI against real redis-server nodes.
import {after, before, describe, test} from 'node:test'
import assert from 'node:assert/strict'
import {Redis} from 'ioredis'
import {RedisNodes, redisSkip, type TestNode} from '../helpers/redis-server.js'
import {runCli} from '../helpers/cli.js'
import {keyEntries, loadKeys, makeCluster, tagForSlot, verifyKeys, viewOf, waitStable} from '../integration/admin-move-helpers.js'

const skip = redisSkip()

describe('reshard / rebalance CLI (real redis-server)', {skip}, () => {
  const rn = new RedisNodes()
  let nodes: TestNode[]
  let seed: string
  const data = keyEntries(10000)

  before(async () => {
    nodes = await makeCluster(rn, 3)
    seed = nodes[0].address
    await waitStable(nodes[0])
    await loadKeys(await viewOf(nodes[0]), data)
  })
  after(() => rn.stop())

  test('missing flags without a TTY: exit 2 naming them', async () => {
    const r = await runCli(['reshard', seed, '--to', 'abc'])
    assert.equal(r.code, 2)
    assert.match(r.stderr, /Missing --from, --slots/)
  })

  test('--dry-run prints the plan with key counts and changes nothing', async () => {
    const before = await viewOf(nodes[0])
    const target = before.nodes.find((n) => n.role === 'master')!
    const r = await runCli(['reshard', seed, '--from', 'all', '--to', target.id.slice(0, 10), '--slots', '300', '--dry-run', '--json'])
    assert.equal(r.code, 0, r.stderr)
    const doc = JSON.parse(r.stdout)
    assert.equal(doc.result.dryRun, true)
    assert.equal(doc.result.plan.slots, 300)
    assert.equal(doc.result.plan.sources.reduce((a: number, s: {count: number}) => a + s.count, 0), 300)
    assert.ok(doc.result.plan.keys > 0)
    const after = await viewOf(nodes[0])
    assert.equal(after.nodes.find((n) => n.id === target.id)!.slotCount, target.slotCount)
  })

  test('scripted reshard moves slots and keys; check exits 0; every key readable', async () => {
    const v = await viewOf(nodes[0])
    const target = v.nodes.filter((n) => n.role === 'master')[1]
    const r = await runCli(['reshard', seed, '--cluster-from', 'all', '--cluster-to', target.id, '--cluster-slots', '2000', '--yes', '--json'])
    assert.equal(r.code, 0, r.stdout + r.stderr)
    const doc = JSON.parse(r.stdout)
    assert.equal(doc.result.result.slotsMoved, 2000)
    assert.ok(doc.result.result.keysMoved > 0)
    const after = await waitStable(nodes[0])
    assert.equal(after.nodes.find((n) => n.id === target.id)!.slotCount, target.slotCount + 2000)
    assert.deepEqual(await verifyKeys(after, data), [])
    const c = await runCli(['check', seed])
    assert.equal(c.code, 0, c.stdout)
  })

  test('--slot-range takes slots from their owners', async () => {
    const v = await viewOf(nodes[0])
    const owns = (n: (typeof v.nodes)[number], s: number) => n.slots.some(([a, b]) => a <= s && b >= s)
    const target = v.nodes.find((n) => n.role === 'master' && !owns(n, 0) && !owns(n, 16383))!
    const r = await runCli(['reshard', seed, '--to', target.id.slice(0, 12), '--slot-range', '0-9,16383', '--yes'])
    assert.equal(r.code, 0, r.stderr)
    assert.match(r.stdout, /Moved 11 slots/)
    const after = await waitStable(nodes[0])
    const t = after.nodes.find((n) => n.id === target.id)!
    assert.ok(t.slots.some(([a, b]) => a <= 0 && b >= 9))
    assert.ok(t.slots.some(([a, b]) => a <= 16383 && b >= 16383))
  })

  test('rebalance after reshard evens the slots; a second run needs nothing', async () => {
    const r = await runCli(['rebalance', seed, '--yes'])
    assert.equal(r.code, 0, r.stdout + r.stderr)
    assert.match(r.stdout, /Moving \d+ slots from/)
    const after = await waitStable(nodes[0])
    for (const m of after.nodes.filter((n) => n.role === 'master')) assert.ok(Math.abs(m.slotCount - 5461) <= 2, `${m.address} has ${m.slotCount}`)
    assert.deepEqual(await verifyKeys(after, data), [])
    const again = await runCli(['rebalance', seed])
    assert.equal(again.code, 0)
    assert.match(again.stdout, /\*\*\* No rebalancing needed! All nodes are within the 2\.00% threshold\./)
  })

  test('rebalance plan equals redis-cli --cluster-simulate (drain by weight 0)', async () => {
    const v = await viewOf(nodes[0])
    const drained = v.nodes.filter((n) => n.role === 'master')[0]
    const ours = await runCli(['rebalance', seed, '--weight', `${drained.id.slice(0, 8)}=0`, '--simulate', '--json'])
    assert.equal(ours.code, 0, ours.stderr)
    const steps = JSON.parse(ours.stdout).result.plan.steps.map((s: {count: number; sourceAddress: string; targetAddress: string}) => `${s.count} ${s.sourceAddress} ${s.targetAddress}`)
    const cli = await import('node:child_process').then((cp) => cp.spawnSync('redis-cli', ['--cluster', 'rebalance', seed, '--cluster-weight', `${drained.id}=0`, '--cluster-simulate'], {encoding: 'utf8'}))
    const theirs = [...cli.stdout.matchAll(/Moving (\d+) slots from (\S+) to (\S+)/g)].map((m) => `${m[1]} ${m[2]} ${m[3]}`)
    assert.ok(theirs.length > 0, cli.stdout)
    // same steps; the order of equal balances is unspecified (redis-cli uses qsort)
    assert.deepEqual([...steps].sort(), [...theirs].sort())
  })

  test('unstable cluster (open slot) refused with exit 3 pointing to fix', async () => {
    const v = await viewOf(nodes[0])
    const [a, b] = v.nodes.filter((n) => n.role === 'master')
    const slot = b.slots[0][0]
    await rn.call(nodes.find((n) => n.port === a.port)!, 'CLUSTER', 'SETSLOT', String(slot), 'IMPORTING', b.id)
    try {
      const r = await runCli(['reshard', seed, '--from', 'all', '--to', a.id, '--slots', '10', '--yes'])
      assert.equal(r.code, 3)
      assert.match(r.stderr, /Please fix your cluster problems before resharding/)
      assert.match(r.stderr, /redis-ts fix/)
      const rb = await runCli(['rebalance', seed, '--yes'])
      assert.equal(rb.code, 3)
    } finally {
      await rn.call(nodes.find((n) => n.port === a.port)!, 'CLUSTER', 'SETSLOT', String(slot), 'STABLE')
    }
  })

  test('BUSYKEY: equal copy resolved; different copy → exit 8, both copies kept, key listed', async () => {
    const v = await waitStable(nodes[0])
    assert.deepEqual(v.nodes.map((n) => [n.migrating, n.importing]), v.nodes.map(() => [{}, {}]))
    const [dst, src] = v.nodes.filter((n) => n.role === 'master')
    const slot = src.slots[0][0]
    const tag = tagForSlot(slot)
    const s = new Redis({host: src.host, port: src.port})
    const d = new Redis({host: dst.host, port: dst.port})
    try {
      await s.set(`{${tag}}eq`, 'same')
      await s.set(`{${tag}}ne`, 'from-source')
      await d.call('CLUSTER', 'SETSLOT', String(slot), 'IMPORTING', src.id)
      await d.pipeline().call('ASKING').set(`{${tag}}eq`, 'same').call('ASKING').set(`{${tag}}ne`, 'from-target').exec()
      await d.call('CLUSTER', 'SETSLOT', String(slot), 'STABLE')
      const r = await runCli(['reshard', seed, '--to', dst.id, '--slot-range', String(slot), '--yes'])
      assert.equal(r.code, 8, r.stdout + r.stderr)
      assert.match(r.stderr, new RegExp(`\\{${tag}\\}ne`))
      assert.doesNotMatch(r.stderr, new RegExp(`\\{${tag}\\}eq`))
      assert.equal(await s.get(`{${tag}}ne`), 'from-source')
      assert.equal((await d.pipeline().call('ASKING').get(`{${tag}}ne`).exec())?.[1][1], 'from-target')
      await assert.rejects(s.exists(`{${tag}}eq`), /ASK/) // the equal one left the (migrating) source
      // --replace finishes the open slot explicitly
      const r2 = await runCli(['reshard', seed, '--to', dst.id, '--slot-range', String(slot), '--yes', '--replace'])
      assert.equal(r2.code, 3, 'still open: reshard refuses, fix is the way') // open slot → refuse
      await d.call('CLUSTER', 'SETSLOT', String(slot), 'STABLE')
      await s.call('CLUSTER', 'SETSLOT', String(slot), 'STABLE')
      const r3 = await runCli(['reshard', seed, '--to', dst.id, '--slot-range', String(slot), '--yes', '--replace'])
      assert.equal(r3.code, 0, r3.stderr)
      assert.equal(await d.get(`{${tag}}ne`), 'from-source')
    } finally {
      s.disconnect()
      d.disconnect()
    }
  })
})

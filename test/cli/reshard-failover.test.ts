// reshard survives a failover of the source master in the middle of a slot move (issue 8), against
// real redis-server 3+3 clusters: a manual failover (CLUSTER FAILOVER on the source's replica) and
// kill -9 of the source (its replica is promoted by the cluster). The mover re-reads the topology,
// re-opens IMPORTING/MIGRATING on the new master and continues: every key readable, check clean.
import {after, before, describe, test} from 'node:test'
import assert from 'node:assert/strict'
import {Redis} from 'ioredis'
import {RedisNodes, redisSkip, type TestNode} from '../helpers/redis-server.js'
import {spawn} from 'node:child_process'
import {BIN, ROOT, runCli} from '../helpers/cli.js'
import {loadKeys, makeCluster, tagForSlot, verifyKeys, viewOf} from '../integration/admin-move-helpers.js'
import type {ClusterView} from '../../src/admin/topology/types.js'

const skip = redisSkip()
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** Like waitStable, over the reachable nodes only (a killed node stays in the views). */
async function waitStable(node: TestNode, timeoutMs = 20000): Promise<ClusterView> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const v = await viewOf(node)
    const up = v.nodes.filter((n) => n.reachable)
    const sigs = new Set(up.map((n) => JSON.stringify((n.view ?? []).filter((e) => e.role === 'master' && e.slots.length).map((e) => [e.id, e.slots]).sort())))
    if (sigs.size === 1 && up.every((n) => n.clusterInfo?.cluster_state === 'ok')) return v
    if (Date.now() > deadline) throw new Error('cluster did not stabilise')
    await sleep(50)
  }
}

/** Resolves once `node` reports an open (migrating) slot of its own. */
async function whenMigrating(node: {host: string; port: number}, timeoutMs = 20000): Promise<void> {
  const c = new Redis({host: node.host, port: node.port})
  try {
    const deadline = Date.now() + timeoutMs
    while (Date.now() < deadline) {
      const mine = String(await c.call('CLUSTER', 'NODES')).split('\n').find((l) => l.includes('myself')) ?? ''
      if (/->-/.test(mine)) return
      await sleep(5)
    }
    throw new Error('no slot was migrating')
  } finally {
    c.disconnect()
  }
}

async function scenario(rn: RedisNodes, nodes: TestNode[], iter: number, act: (src: TestNode, replica: TestNode) => Promise<void>) {
  const v = await waitStable(nodes.find((n) => n.proc.exitCode === null && n.proc.signalCode === null)!, 20000)
  const ms = v.nodes.filter((n) => n.role === 'master' && n.reachable)
  const src = ms[0]
  const dst = ms[1]
  const rep = v.nodes.find((n) => n.role === 'replica' && n.masterId === src.id)!
  const byPort = (p: number) => nodes.find((n) => n.port === p)!
  const big = src.slots[0]
  const slots = [big[0] + 10 + iter * 4, big[0] + 11 + iter * 4, big[0] + 12 + iter * 4]
  const data = new Map<string, string>()
  for (const slot of slots) {
    const tag = tagForSlot(slot)
    for (let i = 0; i < 15000; i++) data.set(`{${tag}}:${iter}:${i}`, `val-${iter}-${i}`)
  }
  await loadKeys(v, data)
  // The replica holds everything before the move starts.
  assert.equal(await rn.call(byPort(src.port), 'WAIT', '1', '5000'), 1)
  const seed = byPort(dst.port)
  const run = runCli(['reshard', seed.address, '--to', dst.id, '--slot-range', slots.join(','), '--yes', '--pipeline', '20', '--parallel', '1', '--json'], {timeoutMs: 180000})
  await whenMigrating(src)
  await act(byPort(src.port), byPort(rep.port))
  const r = await run
  assert.equal(r.code, 0, r.stdout + r.stderr)
  const doc = JSON.parse(r.stdout)
  assert.ok(doc.result.result.warnings.some((w: string) => /Failover during the move/.test(w)), r.stdout)
  const done: ClusterView = await waitStable(seed, 20000)
  const owner = done.nodes.find((n) => n.id === dst.id)!
  for (const s of slots) assert.ok(owner.slots.some(([a, b]) => a <= s && s <= b), `slot ${s} not on the target`)
  assert.deepEqual(await verifyKeys(done, data), [])
  const c = await runCli(['check', seed.address])
  return {check: c, promoted: done.nodes.find((n) => n.id === rep.id)!}
}

describe('reshard through a failover of the source (redis-server 3+3)', {skip}, () => {
  const rn = new RedisNodes()
  let nodes: TestNode[]

  before(async () => {
    nodes = await makeCluster(rn, 3, {replicas: 1, nodeTimeout: 2000})
  })
  after(() => rn.stop())

  test('manual failover of the source mid-move: continues from the promoted replica', async () => {
    const {check, promoted} = await scenario(rn, nodes, 0, async (_src, replica) => {
      await rn.call(replica, 'CLUSTER', 'FAILOVER')
    })
    assert.equal(promoted.role, 'master')
    assert.equal(check.code, 0, check.stdout)
  })

  test('kill -9 of the source mid-move: waits for the promotion and continues', async () => {
    const {check, promoted} = await scenario(rn, nodes, 1, async (src) => {
      rn.kill(src)
    })
    assert.equal(promoted.role, 'master')
    // Only the dead old master is reported.
    const problems = [...check.stdout.matchAll(/\[(ERR|WARNING)\] (.*)/g)].map((m) => m[2])
    assert.ok(problems.length > 0 && problems.every((l) => /unreachable|failed/.test(l)), check.stdout)
  })

  test('reshard killed mid-move, then a manual failover of the source: fix rolls the slot forward from the new master', async () => {
    let v = await waitStable(nodes.find((n) => n.proc.exitCode === null && n.proc.signalCode === null)!, 20000)
    // The node killed by the previous test blocks reshard (unreachable master): remove it.
    for (const dead of v.nodes.filter((n) => !n.reachable)) {
      const d = await runCli(['del-node', v.seed, dead.id, '--yes'])
      assert.equal(d.code, 0, d.stdout + d.stderr)
    }
    v = await viewOf(nodes.find((n) => n.address === v.seed)!)
    const ms = v.nodes.filter((n) => n.role === 'master' && n.reachable && n.slotCount > 0)
    const src = ms.find((m) => v.nodes.some((r) => r.role === 'replica' && r.masterId === m.id && r.reachable))!
    const dst = ms.find((m) => m.id !== src.id)!
    const rep = v.nodes.find((n) => n.role === 'replica' && n.masterId === src.id && n.reachable)!
    const byPort = (p: number) => nodes.find((n) => n.port === p)!
    const widest = [...src.slots].sort((a, b) => b[1] - b[0] - (a[1] - a[0]))[0]
    const slot = widest[0] + 30
    const tag = tagForSlot(slot)
    const data = new Map<string, string>()
    for (let i = 0; i < 20000; i++) data.set(`{${tag}}:k:${i}`, `v-${i}`)
    await loadKeys(v, data)
    assert.equal(await rn.call(byPort(src.port), 'WAIT', '1', '5000'), 1)
    const seed = byPort(dst.port)
    const child = spawn(process.execPath, [BIN, 'reshard', seed.address, '--to', dst.id, '--slot-range', String(slot), '--yes', '--pipeline', '20'], {cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe']})
    let out = ''
    child.stdout!.on('data', (d) => (out += d))
    child.stderr!.on('data', (d) => (out += d))
    const exited = new Promise((r) => child.on('exit', r))
    await whenMigrating(src).catch((e) => {
      throw new Error(`${e.message}: ${out}`)
    })
    await sleep(150)
    child.kill('SIGKILL')
    await exited
    await rn.call(byPort(rep.port), 'CLUSTER', 'FAILOVER')
    const deadline = Date.now() + 20000
    while (!/myself,master/.test(String(await rn.call(byPort(rep.port), 'CLUSTER', 'NODES')))) {
      assert.ok(Date.now() < deadline, 'replica not promoted')
      await sleep(50)
    }
    await sleep(500)
    const f = await runCli(['fix', seed.address, '--yes'])
    assert.equal(f.code, 0, f.stdout + f.stderr)
    const done = await waitStable(seed, 20000)
    const bad = await verifyKeys(done, data)
    assert.equal(bad.length, 0, `${bad.length} keys unreadable after fix:\n${f.stdout}\n${f.stderr}`)
    const c = await runCli(['check', seed.address])
    assert.equal(c.code, 0, c.stdout)
  })
})

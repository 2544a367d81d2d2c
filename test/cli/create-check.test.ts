// End to end against real redis-server: create, check, info, call, set-timeout and every bad-input refusal.
import {after, before, describe, test} from 'node:test'
import assert from 'node:assert/strict'
import {spawn, spawnSync} from 'node:child_process'
import {RedisNodes, redisSkip, type TestNode} from '../helpers/redis-server.js'
import {BIN, runCli} from '../helpers/cli.js'

const skip = redisSkip()

async function untouched(nodes: RedisNodes, list: TestNode[]): Promise<void> {
  for (const n of list) {
    const info = String(await nodes.call(n, 'CLUSTER', 'INFO'))
    assert.match(info, /cluster_known_nodes:1\r?\n/, `${n.address} learned about other nodes`)
    assert.match(info, /cluster_slots_assigned:0\r?\n/, `${n.address} got slots`)
    assert.match(info, /cluster_current_epoch:0\r?\n/, `${n.address} epoch changed`)
  }
}

describe('create / check / info / call / set-timeout against redis-server', {skip}, () => {
  const nodes = new RedisNodes()
  let fresh: TestNode[] = []
  let cluster: TestNode[] = []
  let standalone: TestNode

  before(async () => {
    // 5000 ms: create lowers it to 1000 while the cluster forms (fast join) and must restore it.
    cluster = await nodes.start(6, {nodeTimeout: 5000})
    fresh = await nodes.start(3, {nodeTimeout: 1000})
    ;[standalone] = await nodes.start(1, {cluster: false})
  })
  after(() => nodes.stop())

  test('refuses fewer than 3 masters and changes nothing', async () => {
    const r = await runCli(['create', ...fresh.map((n) => n.address), '--replicas', '1', '--yes'])
    assert.equal(r.code, 2, r.stderr)
    assert.match(r.stderr, /at least 3 master/)
    assert.equal(r.stderr.trim().split('\n').filter((l) => l.startsWith('Error')).length, 1)
    await untouched(nodes, fresh)
  })

  test('refuses duplicate addresses', async () => {
    const r = await runCli(['create', fresh[0].address, fresh[1].address, fresh[0].address.replace('127.0.0.1', 'localhost'), '--yes'])
    assert.equal(r.code, 2)
    assert.match(r.stderr, /Duplicate node/)
    await untouched(nodes, fresh)
  })

  test('refuses an unreachable node, naming it', async () => {
    const r = await runCli(['create', ...fresh.map((n) => n.address), '127.0.0.1:1', '--yes'])
    assert.equal(r.code, 4)
    assert.match(r.stderr, /127\.0\.0\.1:1 is not reachable/)
    await untouched(nodes, fresh)
  })

  test('refuses a node without cluster support', async () => {
    const r = await runCli(['create', ...fresh.map((n) => n.address), standalone.address, '--yes'])
    assert.equal(r.code, 2)
    assert.match(r.stderr, new RegExp(`${standalone.address} is not configured as a cluster node`))
    await untouched(nodes, fresh)
  })

  test('refuses a node holding keys', async () => {
    // A cluster node only accepts keys for slots it serves: give a spare node one slot (without
    // full coverage), write a key, then drop the slot again so only the key makes it non-empty.
    const [spare] = await nodes.start(1, {nodeTimeout: 500, extra: ['--cluster-require-full-coverage', 'no']})
    const slot = String(await nodes.call(spare, 'CLUSTER', 'KEYSLOT', 'somekey'))
    await nodes.call(spare, 'CLUSTER', 'ADDSLOTS', slot)
    for (let i = 0; ; i++) {
      try {
        await nodes.call(spare, 'SET', 'somekey', 'v')
        break
      } catch (err) {
        if (i > 200) throw err
        await new Promise((r) => setTimeout(r, 25))
      }
    }
    await nodes.call(spare, 'CLUSTER', 'DELSLOTS', slot)
    const r = await runCli(['create', fresh[0].address, fresh[1].address, spare.address, '--yes'])
    assert.equal(r.code, 2)
    assert.match(r.stderr, new RegExp(`${spare.address} is not empty: it holds 1 key`))
    await untouched(nodes, fresh.slice(0, 2))
    assert.equal(await nodes.call(spare, 'DBSIZE'), 1)
  })

  test('refuses a malformed address', async () => {
    const r = await runCli(['create', 'localhost', fresh[0].address, fresh[1].address, '--yes'])
    assert.equal(r.code, 2)
    assert.match(r.stderr, /Invalid node address "localhost"/)
    await untouched(nodes, fresh)
  })

  test('without a TTY and without --yes it exits with a hint instead of hanging', async () => {
    const r = await runCli(['create', ...fresh.map((n) => n.address)])
    assert.equal(r.code, 5)
    assert.match(r.stderr, /--yes/)
    await untouched(nodes, fresh)
  })

  test('--dry-run prints the plan and changes nothing', async () => {
    const r = await runCli(['create', ...fresh.map((n) => n.address), '--dry-run', '--json'])
    assert.equal(r.code, 0, r.stderr)
    const doc = JSON.parse(r.stdout)
    assert.equal(doc.result.dryRun, true)
    assert.equal(doc.result.plan.masters.length, 3)
    await untouched(nodes, fresh)
  })

  test('create 3+3 converges, check is healthy, redis-cli agrees', async () => {
    const r = await runCli(['create', ...cluster.map((n) => n.address), '--replicas', '1', '--yes', '--json', '--timeout', '30'])
    assert.equal(r.code, 0, r.stdout + r.stderr)
    const doc = JSON.parse(r.stdout)
    assert.equal(doc.ok, true)
    assert.equal(doc.result.nodes.filter((n: {role: string}) => n.role === 'master').length, 3)
    for (const n of cluster) assert.match(String(await nodes.call(n, 'CLUSTER', 'INFO')), /cluster_state:ok/)
    for (const n of cluster) assert.deepEqual(await nodes.call(n, 'CONFIG', 'GET', 'cluster-node-timeout'), ['cluster-node-timeout', '5000'])

    const c = await runCli(['check', cluster[0].address])
    assert.equal(c.code, 0, c.stdout + c.stderr)
    assert.match(c.stdout, /\[OK\] All 16384 slots covered\./)
    assert.match(c.stdout, /\[OK\] All nodes agree about slots configuration\./)

    const cj = await runCli(['check', cluster[3].address, '--json'])
    assert.equal(cj.code, 0)
    const cdoc = JSON.parse(cj.stdout)
    assert.equal(cdoc.result.healthy, true)
    assert.equal(cdoc.result.nodes.length, 6)

    const rc = spawnSync('redis-cli', ['--cluster', 'check', cluster[0].address], {encoding: 'utf8'})
    assert.equal(rc.status, 0, rc.stdout)
    assert.match(rc.stdout, /All 16384 slots covered/)
  })

  test('a node whose bus port is unreachable: create times out naming it, never hangs', async () => {
    const good = await nodes.start(2, {nodeTimeout: 1000})
    // Announce a bus port nobody listens on: peers cannot complete the handshake with this node.
    const [bad] = await nodes.start(1, {nodeTimeout: 1000, extra: ['--cluster-announce-bus-port', '9']})
    const t0 = Date.now()
    const r = await runCli(['create', ...good.map((n) => n.address), bad.address, '--yes', '--timeout', '3'])
    assert.equal(r.code, 7, r.stdout + r.stderr)
    assert.ok(Date.now() - t0 < 20000)
    assert.match(r.stderr, /Timed out/)
    assert.match(r.stderr, new RegExp(`Bus port 127\\.0\\.0\\.1:9 of node ${bad.address.replace(/\./g, '\\.')}`))
  })

  test('Ctrl-C while the cluster forms restores each node timeout (fast join) and exits 130', async () => {
    const good = await nodes.start(2, {nodeTimeout: 5000})
    const [bad] = await nodes.start(1, {nodeTimeout: 5000, extra: ['--cluster-announce-bus-port', '9']})
    const all = [...good, bad]
    const child = spawn(process.execPath, [BIN, 'create', ...all.map((n) => n.address), '--yes', '--timeout', '60'], {stdio: ['ignore', 'pipe', 'pipe'], env: {...process.env, NO_COLOR: '1'}})
    let stderr = ''
    child.stderr.on('data', (d) => (stderr += d))
    // Wait until the join has started (timeouts lowered), then interrupt.
    for (let i = 0; i < 200; i++) {
      const v = (await nodes.call(good[0], 'CONFIG', 'GET', 'cluster-node-timeout')) as string[]
      if (v[1] === '1000') break
      await new Promise((r) => setTimeout(r, 50))
    }
    child.kill('SIGINT')
    const code = await new Promise<number | null>((r) => child.on('close', r))
    assert.equal(code, 130, stderr)
    for (const n of all) assert.deepEqual(await nodes.call(n, 'CONFIG', 'GET', 'cluster-node-timeout'), ['cluster-node-timeout', '5000'])
  })

  test('check reports open slots with exit code 3', async () => {
    const nodesText = String(await nodes.call(cluster[0], 'CLUSTER', 'NODES'))
    const other = nodesText.split('\n').find((l) => l.includes(' master') && !l.includes('myself'))!.split(' ')[0]
    const mine = nodesText.split('\n').find((l) => l.includes('myself'))!
    const slot = mine.split(' ')[8].split('-')[0]
    await nodes.call(cluster[0], 'CLUSTER', 'SETSLOT', slot, 'MIGRATING', other)
    try {
      const r = await runCli(['check', cluster[0].address, '--json'])
      assert.equal(r.code, 3)
      const doc = JSON.parse(r.stdout)
      assert.equal(doc.ok, false)
      assert.ok(doc.result.findings.some((f: {code: string}) => f.code === 'open-slot'))
    } finally {
      await nodes.call(cluster[0], 'CLUSTER', 'SETSLOT', slot, 'STABLE')
    }
  })

  test('check on an unreachable seed exits 4', async () => {
    const r = await runCli(['check', '127.0.0.1:1'])
    assert.equal(r.code, 4)
    assert.equal(r.stderr.split('\n').filter((l) => l.startsWith('Error')).length, 1)
  })

  test('check on a non-cluster node is refused', async () => {
    const r = await runCli(['check', standalone.address])
    assert.equal(r.code, 2)
    assert.match(r.stderr, /not configured as a cluster node/)
  })

  test('info shows keys per master and totals', async () => {
    const c = nodes.client(cluster[0])
    await c.set('{a}x', '1').catch(() => undefined)
    c.disconnect()
    const r = await runCli(['info', cluster[0].address, '--json'])
    assert.equal(r.code, 0, r.stderr)
    const doc = JSON.parse(r.stdout)
    assert.equal(doc.result.masters.length, 3)
    assert.equal(doc.result.totals.slots, 16384)
  })

  test('call runs on every node; errors give exit 6', async () => {
    const ok = await runCli(['call', cluster[0].address, 'PING', '--json'])
    assert.equal(ok.code, 0, ok.stderr)
    const doc = JSON.parse(ok.stdout)
    assert.equal(doc.result.results.length, 6)
    assert.ok(doc.result.results.every((x: {reply: string}) => x.reply === 'PONG'))
    const masters = await runCli(['call', cluster[0].address, 'ROLE', '--only-masters', '--json'])
    assert.equal(JSON.parse(masters.stdout).result.results.length, 3)
    const bad = await runCli(['call', cluster[0].address, 'NOSUCHCOMMAND'])
    assert.equal(bad.code, 6)
  })

  test('set-timeout sets and rewrites config on every node; refuses < 100', async () => {
    const low = await runCli(['set-timeout', cluster[0].address, '50'])
    assert.equal(low.code, 2)
    assert.match(low.stderr, /less than 100 milliseconds/)
    const r = await runCli(['set-timeout', cluster[0].address, '1500', '--json'])
    // CONFIG REWRITE fails without a config file: the per-node failure must be reported with exit 6.
    const doc = JSON.parse(r.stdout)
    assert.equal(doc.result.results.length, 6)
    assert.equal(r.code, doc.result.results.every((x: {ok: boolean}) => x.ok) ? 0 : 6)
    for (const n of cluster) {
      const v = (await nodes.call(n, 'CONFIG', 'GET', 'cluster-node-timeout')) as string[]
      assert.equal(v[1], '1500')
    }
  })
})

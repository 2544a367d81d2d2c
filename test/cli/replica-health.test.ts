// Replica health end to end against a real redis-server 3+3 cluster: check/info report each replica's
// master link, lag and full sync (human and --json); a link broken on purpose (wrong masterauth +
// CLIENT KILL TYPE master on the replica) and a full sync kept running (rdb-key-save-delay on the new
// master) give their warnings; reshard is not blocked by them; create waits for the initial syncs.
import {after, before, describe, test} from 'node:test'
import assert from 'node:assert/strict'
import {RedisNodes, redisSkip, type TestNode} from '../helpers/redis-server.js'
import {waitFor} from '../helpers/repl.js'
import {runCli} from '../helpers/cli.js'

const skip = redisSkip()

interface JsonNode {
  id: string
  address: string
  role: string
  masterId?: string
  replication?: Record<string, unknown>
}

const until = (what: string, fn: () => Promise<boolean>, ms = 20000): Promise<void> => waitFor(fn, ms, what)

describe('replica health in check / info, and create waiting for replica sync (redis-server)', {skip}, () => {
  const nodes = new RedisNodes()
  let cluster: TestNode[] = []
  const byAddr = (a: string) => cluster.find((n) => n.address === a)!
  const replInfo = async (n: TestNode) => String(await nodes.call(n, 'INFO', 'replication'))
  let layout: JsonNode[] = []

  before(async () => {
    cluster = await nodes.start(6, {nodeTimeout: 1000})
    const r = await runCli(['create', ...cluster.map((n) => n.address), '--replicas', '1', '--yes', '--json', '--timeout', '30'])
    assert.equal(r.code, 0, r.stdout + r.stderr)
    // create returned: every replica already finished its initial sync, nothing to wait for.
    const doc = JSON.parse(r.stdout)
    for (const rep of doc.result.nodes.filter((n: {role: string}) => n.role === 'replica')) {
      const info = await replInfo(byAddr(rep.address))
      assert.match(info, /master_link_status:up/, `${rep.address} not synced when create returned`)
      assert.match(info, /master_sync_in_progress:0/)
    }
    const c = await runCli(['check', cluster[0].address, '--json'])
    layout = JSON.parse(c.stdout).result.nodes
  })
  after(() => nodes.stop())

  const replicas = () => layout.filter((n) => n.role === 'replica')
  const masterOf = (rep: JsonNode) => layout.find((n) => n.id === rep.masterId)!

  test('healthy: check shows every link up with lag and last I/O; JSON fields', async () => {
    const c = await runCli(['check', cluster[0].address])
    assert.equal(c.code, 0, c.stdout + c.stderr)
    assert.match(c.stdout, />>> Check replication links\.\.\./)
    assert.match(c.stdout, /\[OK\] All replicas have their master link up \(no full sync running\)\./)
    for (const rep of replicas()) assert.match(c.stdout, new RegExp(`${rep.address}\\s*│\\s*${masterOf(rep).address}\\s*│\\s*up\\s*│\\s*\\d+\\s*│\\s*\\d+s`))
    const j = await runCli(['check', cluster[0].address, '--json'])
    const doc = JSON.parse(j.stdout)
    assert.equal(doc.exitCode, 0)
    for (const n of doc.result.nodes as JsonNode[]) {
      const r = n.replication!
      if (n.role === 'master') {
        assert.equal(r.role, 'master')
        assert.equal(typeof r.offset, 'number')
        continue
      }
      assert.equal(r.role, 'slave')
      assert.equal(r.masterLinkStatus, 'up')
      assert.equal(r.masterSyncInProgress, false)
      assert.equal(typeof r.masterLastIoSecondsAgo, 'number')
      assert.equal(typeof r.replicaOffset, 'number')
      assert.equal(typeof r.replicaReadOffset, 'number')
      assert.equal(typeof r.masterOffset, 'number')
      assert.equal(typeof r.lagBytes, 'number')
      assert.ok((r.lagBytes as number) >= 0)
    }
  })

  test('a replica whose master link is down: replica-link-down warning (exit 3), info shows it, reshard not blocked', async () => {
    const rep = replicas()[0]
    const node = byAddr(rep.address)
    await nodes.call(node, 'CONFIG', 'SET', 'masterauth', 'wrong-password')
    await nodes.call(node, 'CLIENT', 'KILL', 'TYPE', 'master')
    try {
      await until('the link to go down', async () => /master_link_status:down/.test(await replInfo(node)))
      const c = await runCli(['check', cluster[0].address, '--json'])
      assert.equal(c.code, 3, c.stdout + c.stderr)
      const doc = JSON.parse(c.stdout)
      assert.equal(doc.result.healthy, false)
      const f = doc.result.findings.filter((x: {code: string}) => x.code === 'replica-link-down')
      assert.equal(f.length, 1, c.stdout)
      assert.equal(f[0].severity, 'warning')
      assert.deepEqual(f[0].nodes, [rep.address])
      assert.match(f[0].message, new RegExp(`Replica ${rep.address} .* link to ${masterOf(rep).address} down`))
      assert.equal(doc.result.findings.filter((x: {severity: string}) => x.severity !== 'info').length, 1, 'nothing else is wrong')
      const r = (doc.result.nodes as JsonNode[]).find((n) => n.id === rep.id)!.replication!
      assert.equal(r.masterLinkStatus, 'down')
      assert.equal(r.masterSyncInProgress, false)
      assert.equal(r.masterLastIoSecondsAgo, -1)
      assert.equal(typeof r.masterLinkDownSinceSeconds, 'number')

      const human = await runCli(['check', cluster[0].address])
      assert.equal(human.code, 3)
      assert.match(human.stdout, new RegExp(`\\[WARNING\\] Replica ${rep.address} \\(${rep.id}\\) has its link to ${masterOf(rep).address} down`))
      assert.match(human.stdout, new RegExp(`${rep.address}\\s*│\\s*${masterOf(rep).address}\\s*│\\s*down`))

      const info = await runCli(['info', cluster[0].address, '--json'])
      assert.equal(info.code, 0, info.stderr)
      const ri = JSON.parse(info.stdout).result.replicas
      assert.equal(ri.length, 3)
      const mine = ri.find((x: {id: string}) => x.id === rep.id)
      assert.equal(mine.masterLinkStatus, 'down')
      assert.equal(mine.masterAddress, masterOf(rep).address)
      for (const other of ri.filter((x: {id: string}) => x.id !== rep.id)) assert.equal(other.masterLinkStatus, 'up')
      const infoHuman = await runCli(['info', cluster[0].address])
      assert.match(infoHuman.stdout, new RegExp(`${rep.address}\\s*│\\s*${masterOf(rep).address}\\s*│\\s*down`))

      // Moving slots is not refused because of a replica's link (only a warning in check).
      const target = layout.filter((n) => n.role === 'master').find((m) => m.id !== rep.masterId)!
      const rs = await runCli(['reshard', cluster[0].address, '--from', rep.masterId!, '--to', target.id, '--slots', '5', '--yes', '--json'])
      assert.equal(rs.code, 0, rs.stdout + rs.stderr)
    } finally {
      await nodes.call(node, 'CONFIG', 'SET', 'masterauth', '')
    }
    await until('the link to come back', async () => /master_link_status:up/.test(await replInfo(node)))
    const ok = await runCli(['check', cluster[0].address])
    assert.equal(ok.code, 0, ok.stdout)
  })

  test('a replica in a full sync: replica-syncing warning', async () => {
    // Re-point a replica to another master that holds keys and saves them slowly (diskless, no delay):
    // a different replid means a full sync, kept in progress by rdb-key-save-delay (40 keys x 100 ms).
    const rep = replicas()[1]
    const other = layout.filter((n) => n.role === 'master').find((m) => m.id !== rep.masterId)!
    const om = byAddr(other.address)
    let written = 0
    for (let i = 0; written < 40; i++) {
      // Keys of other masters' slots answer MOVED: skip them.
      if (await nodes.call(om, 'SET', `sync-key-${i}`, 'v').then(() => true, () => false)) written++
    }
    await nodes.call(om, 'CONFIG', 'SET', 'repl-diskless-sync-delay', '0')
    await nodes.call(om, 'CONFIG', 'SET', 'rdb-key-save-delay', '100000')
    const node = byAddr(rep.address)
    try {
      await nodes.call(node, 'CLUSTER', 'REPLICATE', other.id)
      await until('the full sync to start', async () => /master_sync_in_progress:1/.test(await replInfo(node)), 10000)
      const c = await runCli(['check', cluster[0].address, '--json'])
      assert.equal(c.code, 3, c.stdout + c.stderr)
      const doc = JSON.parse(c.stdout)
      const f = doc.result.findings.filter((x: {code: string}) => x.code === 'replica-syncing')
      assert.equal(f.length, 1, c.stdout)
      assert.equal(f[0].severity, 'warning')
      assert.deepEqual(f[0].nodes, [rep.address])
      const r = (doc.result.nodes as JsonNode[]).find((n) => n.id === rep.id)!.replication!
      assert.equal(r.masterSyncInProgress, true)
      assert.equal(r.lagBytes, null)
    } finally {
      await nodes.call(om, 'CONFIG', 'SET', 'rdb-key-save-delay', '0')
    }
    await until('the full sync to finish', async () => /master_link_status:up/.test(await replInfo(node)), 30000)
    await until('check to be healthy again', async () => (await runCli(['check', cluster[0].address])).code === 0, 20000)
  })
})

describe('create waits for the replicas initial sync (redis-server)', {skip}, () => {
  const nodes = new RedisNodes()
  after(() => nodes.stop())

  test('with a 3 s repl-diskless-sync-delay and --no-fast-join, create returns only after every replica synced', async () => {
    const six = await nodes.start(6, {nodeTimeout: 1000, extra: ['--repl-diskless-sync-delay', '3']})
    const started = Date.now()
    const r = await runCli(['create', ...six.map((n) => n.address), '--replicas', '1', '--yes', '--json', '--no-fast-join', '--timeout', '30'])
    const took = Date.now() - started
    assert.equal(r.code, 0, r.stdout + r.stderr)
    assert.ok(took >= 3000, `create returned after ${took} ms, before the masters could start a full sync`)
    for (const n of JSON.parse(r.stdout).result.nodes.filter((x: {role: string}) => x.role === 'replica')) {
      const info = String(await nodes.call(six.find((s) => s.address === n.address)!, 'INFO', 'replication'))
      assert.match(info, /master_link_status:up/)
    }
  })

  test('fast join lowers repl-diskless-sync-delay while the cluster forms and restores it', async () => {
    const six = await nodes.start(6, {nodeTimeout: 1000, extra: ['--repl-diskless-sync-delay', '5']})
    const started = Date.now()
    const r = await runCli(['create', ...six.map((n) => n.address), '--replicas', '1', '--yes', '--json', '--timeout', '30'])
    assert.equal(r.code, 0, r.stdout + r.stderr)
    assert.ok(Date.now() - started < 5000 + 2000, 'the masters did not wait their 5 s diskless delay')
    for (const n of six) assert.deepEqual(await nodes.call(n, 'CONFIG', 'GET', 'repl-diskless-sync-delay'), ['repl-diskless-sync-delay', '5'])
  })

  test('on --timeout, exit 7 naming the replicas not yet synced', async () => {
    const six = await nodes.start(6, {nodeTimeout: 1000, extra: ['--repl-diskless-sync-delay', '60']})
    const r = await runCli(['create', ...six.map((n) => n.address), '--replicas', '1', '--yes', '--no-fast-join', '--timeout', '4'])
    assert.equal(r.code, 7, r.stdout + r.stderr)
    assert.match(r.stderr, /Timed out waiting for 3 replica\(s\) to finish their initial sync/)
    const named = six.filter((n) => new RegExp(`${n.address.replace(/\./g, '\\.')} \\(replica of 127\\.0\\.0\\.1:\\d+: master link down\\)`).test(r.stderr))
    assert.equal(named.length, 3, r.stderr)
  })
})

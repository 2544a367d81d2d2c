// `redis-ts failover` end to end against a real redis-server 3+3 cluster: refusals (a master named,
// --force on a healthy master without --yes, a replica with its link down, a plain failover of a
// dead master), the plain manual failover under a probe writer (no acknowledged write lost, the
// old master follows), --takeover, and --force after kill -9 of a master whose replica may not
// fail over by itself (cluster-replica-no-failover yes).
import {after, before, describe, test} from 'node:test'
import assert from 'node:assert/strict'
import {RedisNodes, redisSkip, type TestNode} from '../helpers/redis-server.js'
import {runCli} from '../helpers/cli.js'
import {mkdtempSync, readFileSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {waitFor} from '../helpers/repl.js'
import {join} from 'node:path'

const skip = redisSkip()

interface JsonNode {
  id: string
  address: string
  role: string
  masterId?: string
}

const until = (what: string, fn: () => Promise<boolean>, ms = 20000): Promise<void> => waitFor(fn, ms, what)

describe('failover (redis-server 3+3)', {skip}, () => {
  const nodes = new RedisNodes()
  let cluster: TestNode[] = []
  const byAddr = (a: string) => cluster.find((n) => n.address === a)!
  const layout = async (): Promise<JsonNode[]> => {
    const seed = cluster.find((n) => n.proc.exitCode === null && n.proc.signalCode === null)!
    const c = await runCli(['check', seed.address, '--json'])
    return JSON.parse(c.stdout).result.nodes
  }
  const pairs = async () => {
    const l = await layout()
    return l.filter((n) => n.role === 'replica').map((r) => ({replica: r, master: l.find((m) => m.id === r.masterId)!}))
  }

  before(async () => {
    cluster = await nodes.start(6, {nodeTimeout: 2000})
    const r = await runCli(['create', ...cluster.map((n) => n.address), '--replicas', '1', '--yes', '--json', '--timeout', '30'])
    assert.equal(r.code, 0, r.stdout + r.stderr)
  })
  after(() => nodes.stop())

  test('refusals: a master named, --force on a healthy master without --yes, a replica whose link is down', async () => {
    const [p] = await pairs()
    const m = await runCli(['failover', p.master.address])
    assert.equal(m.code, 2, m.stdout + m.stderr)
    assert.match(m.stderr, new RegExp(`Node ${p.master.address} is a master: name one of its replicas to promote \\(${p.replica.address}\\)`))

    const f = await runCli(['failover', p.replica.address, '--force'])
    assert.equal(f.code, 5, f.stdout + f.stderr)
    assert.match(f.stderr, new RegExp(`Master ${p.master.address} is reachable and healthy: --force skips the hand-over`))

    const id = await runCli(['failover', p.master.address, p.replica.id.slice(0, 10), '--dry-run', '--json'])
    assert.equal(id.code, 0, id.stdout + id.stderr)
    const plan = JSON.parse(id.stdout).result.plan
    assert.equal(plan.replica.address, p.replica.address)
    assert.deepEqual(plan.command, ['CLUSTER', 'FAILOVER'])

    // Break the replica's link (wrong masterauth, then drop the link): plain failover refuses.
    const rep = byAddr(p.replica.address)
    await nodes.call(rep, 'CONFIG', 'SET', 'masterauth', 'wrong-password')
    await nodes.call(rep, 'CLIENT', 'KILL', 'TYPE', 'master')
    await until('link down', async () => /master_link_status:down/.test(String(await nodes.call(rep, 'INFO', 'replication'))))
    const lag = await runCli(['failover', p.replica.address, '--json'])
    assert.equal(lag.code, 3, lag.stdout + lag.stderr)
    const doc = JSON.parse(lag.stdout)
    assert.equal(doc.ok, false)
    assert.equal(doc.error.kind, 'cluster-problems')
    assert.match(doc.error.message, new RegExp(`Replica ${p.replica.address} has its link to ${p.master.address} down`))
    await nodes.call(rep, 'CONFIG', 'SET', 'masterauth', '')
    await until('link up', async () => /master_link_status:up/.test(String(await nodes.call(rep, 'INFO', 'replication'))))
  })

  test('plain failover under a probe writer: promoted, every node agrees, old master follows, nothing lost', async (t) => {
    const [p] = await pairs()
    const r = await runCli(['failover', p.replica.address, '--json', '--timeout', '30'])
    assert.equal(r.code, 0, r.stdout + r.stderr)
    const {result} = JSON.parse(r.stdout).result
    assert.equal(result.mode, 'default')
    t.diagnostic(`plain: promoted ${result.promotedMs} ms, agreed ${result.agreedMs} ms, write pause ${result.writePause.maxGapMs} ms`)
    assert.equal(result.replica.address, p.replica.address)
    assert.equal(result.agreedBy.length, 6)
    assert.equal(result.writePause.lost, false)
    assert.ok(result.writePause.writes > 3, JSON.stringify(result.writePause))
    assert.ok(result.writePause.maxGapMs < 5000, `write pause ${result.writePause.maxGapMs} ms`)
    assert.ok(result.writePause.readBack >= result.writePause.lastAcked)
    const l = await layout()
    assert.equal(l.find((n) => n.id === p.replica.id)!.role, 'master')
    const old = l.find((n) => n.id === p.master.id)!
    assert.equal(old.role, 'replica')
    assert.equal(old.masterId, p.replica.id)
    // The probe key is gone, the cluster is clean.
    const c = await runCli(['check', p.replica.address])
    assert.equal(c.code, 0, c.stdout + c.stderr)
    assert.equal(await nodes.call(byAddr(p.replica.address), 'DBSIZE'), 0)

    // Human output names the write pause.
    const back = await runCli(['failover', p.master.address])
    assert.equal(back.code, 0, back.stdout + back.stderr)
    assert.match(back.stdout, /Write pause: \d+ ms \(longest gap between acknowledged writes; \d+ writes, \d+ errors, no acknowledged write lost\)/)
  })

  test('--takeover on a healthy master with --yes', async () => {
    const [, p] = await pairs()
    const r = await runCli(['failover', p.replica.address, '--takeover', '--yes', '--json'])
    assert.equal(r.code, 0, r.stdout + r.stderr)
    const {plan, result} = JSON.parse(r.stdout).result
    assert.deepEqual(plan.command, ['CLUSTER', 'FAILOVER', 'TAKEOVER'])
    assert.equal(result.agreedBy.length, 6)
    const l = await layout()
    assert.equal(l.find((n) => n.id === p.replica.id)!.role, 'master')
    assert.equal(l.find((n) => n.id === p.master.id)!.masterId, p.replica.id)
  })

  test('master killed: plain failover refused, --force promotes the replica', async (t) => {
    const [, , p] = await pairs()
    const rep = byAddr(p.replica.address)
    // Only our command may promote it.
    await nodes.call(rep, 'CONFIG', 'SET', 'cluster-replica-no-failover', 'yes')
    nodes.kill(byAddr(p.master.address))
    await until('master unreachable', async () => {
      const r = await runCli(['failover', p.replica.address, '--json'])
      return r.code === 3 && /is (unreachable|flagged failed): a plain failover needs it/.test(JSON.parse(r.stdout).error.message)
    })
    // check names the waiting replica once the master is FAIL (node timeout 2 s + FAIL broadcast).
    let last = ''
    await until('check reports the waiting replica', async () => {
      const c = await runCli(['check', p.replica.address, '--json'])
      last = c.stdout
      const f = JSON.parse(c.stdout).result.findings.find((x: {code: string}) => x.code === 'master-failed-replica-waiting')
      return c.code === 3 && f !== undefined && f.nodes[0] === p.replica.address
    }).catch((e) => {
      throw new Error(`${e.message}: ${JSON.stringify(JSON.parse(last).result.findings)}`)
    })
    const r = await runCli(['failover', p.replica.address, '--force', '--json', '--timeout', '30'])
    assert.equal(r.code, 0, r.stdout + r.stderr)
    const {result} = JSON.parse(r.stdout).result
    assert.equal(result.mode, 'force')
    t.diagnostic(`force: promoted ${result.promotedMs} ms, agreed ${result.agreedMs} ms, write pause ${result.writePause.maxGapMs} ms`)
    assert.equal(result.oldMaster.reachable, false)
    assert.equal(result.agreedBy.length, 5)
    assert.ok(result.writePause.writes > 0)
    const l = await layout()
    assert.equal(l.find((n) => n.id === p.replica.id)!.role, 'master')
  })
})

describe('failover (embedded 3+3 local cluster)', () => {
  let dir = ''
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'redis-ts-failover-'))
    const r = await runCli(['create', '--replicas', '1', '--dir', dir, '--node-timeout', '2000', '--json'])
    assert.equal(r.code, 0, r.stdout + r.stderr)
  })
  after(async () => {
    await runCli(['local', 'stop', '--dir', dir])
    rmSync(dir, {recursive: true, force: true})
  })

  test('plain failover of an embedded master: promoted, every node agrees, nothing lost', async (t) => {
    const state = JSON.parse(readFileSync(join(dir, 'cluster.json'), 'utf8')) as {nodes?: {port: number}[]; ports?: number[]}
    const ports = state.ports ?? state.nodes!.map((n) => n.port)
    const c = await runCli(['check', `127.0.0.1:${ports[0]}`, '--json'])
    const l: JsonNode[] = JSON.parse(c.stdout).result.nodes
    const rep = l.find((n) => n.role === 'replica')!
    const r = await runCli(['failover', rep.address, '--json'])
    assert.equal(r.code, 0, r.stdout + r.stderr)
    const {result} = JSON.parse(r.stdout).result
    t.diagnostic(`embedded plain: promoted ${result.promotedMs} ms, agreed ${result.agreedMs} ms, write pause ${result.writePause.maxGapMs} ms`)
    assert.equal(result.agreedBy.length, 6)
    assert.equal(result.writePause.lost, false)
    const after = JSON.parse((await runCli(['check', rep.address, '--json'])).stdout).result.nodes as JsonNode[]
    assert.equal(after.find((n) => n.id === rep.id)!.role, 'master')
    assert.equal(after.find((n) => n.id === rep.masterId)!.masterId, rep.id)
  })
})


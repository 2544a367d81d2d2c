// `redis-ts local …` end to end on embedded and redis-server clusters: create, status, kill-node,
// restart-node, stop (data kept), start (same ports, same ids, data back), add-node, set-timeout,
// logs, destroy (no process, no file); two named clusters side by side; busy ports.
import {after, describe, test} from 'node:test'
import assert from 'node:assert/strict'
import {existsSync, readFileSync} from 'node:fs'
import {createServer, type Server} from 'node:net'
import {Cluster, Redis} from 'ioredis'
import {isolatedCli} from '../helpers/cli.js'
import {redisSkip} from '../helpers/redis-server.js'
import {isAlive} from '../../src/local/launcher.js'
import {freePortPair} from '../helpers/ports.js'

const {env, cli, json, cleanup} = isolatedCli('redis-ts-lifecycle-')

async function withCluster(nodes: {host: string; port: number}[], fn: (c: Cluster) => Promise<void>): Promise<void> {
  const c = new Cluster(nodes, {clusterRetryStrategy: () => 100})
  try {
    await fn(c)
  } finally {
    c.disconnect()
  }
}

/** The parent of a process (a hosted node's stub: its host process). */
function parentOf(pid: number): number {
  return Number(readFileSync(`/proc/${pid}/stat`, 'latin1').split(') ')[1].split(' ')[1])
}

async function lifecycle(name: string, server: string, extra: string[] = []): Promise<void> {
  // embedded nodes share one host process unless --no-single-process
  const single = server === 'embedded' && !extra.includes('--no-single-process')
  const created = await json(['create', '--name', name, '--replicas', '1', '--yes', '--server', server, ...extra])
  const nodes: {host: string; port: number; id: string; role: string; pid: number}[] = created.result.nodes
  assert.equal(nodes.length, 6)
  assert.match(created.result.env.REDIS_CLUSTER_NODES, /^127\.0\.0\.1:\d+(,127\.0\.0\.1:\d+){5}$/)
  const pids = nodes.map((n) => n.pid)
  // --single-process: one host process (the stubs' parent) runs the six nodes
  const hosts = new Set(single ? pids.map(parentOf) : [])
  if (single) assert.equal(hosts.size, 1, 'one host process')
  const dir = created.result.dir
  assert.ok(dir.startsWith(env.XDG_STATE_HOME), dir)
  try {
    await withCluster(nodes, async (c) => {
      for (let i = 0; i < 100; i++) await c.set(`k${i}`, `v${i}`)
    })
    // set-timeout works on local nodes: they have a config file, so CONFIG REWRITE succeeds.
    const st = await cli(['set-timeout', nodes[0].host + ':' + nodes[0].port, '3000'])
    assert.equal(st.code, 0, st.stdout + st.stderr)
    assert.match(st.stdout, /6 OK, 0 ERR/)

    const status = await json(['local', 'status', '--name', name])
    assert.equal(status.result.running, 6)
    assert.equal(status.result.singleProcess, single ? true : undefined)
    assert.equal(created.result.singleProcess, single ? true : undefined)
    assert.deepEqual(status.result.nodes.map((n: {id: string}) => n.id).sort(), nodes.map((n) => n.id).sort())
    assert.equal(status.result.nodes.reduce((a: number, n: {role: string; keys: number}) => a + (n.role === 'master' ? n.keys : 0), 0), 100)

    const replica = nodes.find((n) => n.role === 'replica')!
    if (single) {
      // SIGSTOP / SIGCONT stop and continue the node alone (its host sees the stub stopped)
      await json(['local', 'kill-node', String(replica.port), '--name', name, '--signal', 'SIGSTOP'])
      const frozen = await json(['local', 'status', '--name', name], 3)
      assert.equal(frozen.result.nodes.find((n: {port: number}) => n.port === replica.port).health, 'unreachable')
      assert.equal(frozen.result.running, 6)
      await json(['local', 'kill-node', String(replica.port), '--name', name, '--signal', 'SIGCONT'])
      assert.equal((await json(['local', 'status', '--name', name])).result.healthy, true)
    }
    await json(['local', 'kill-node', String(replica.port), '--name', name])
    assert.equal(isAlive(replica.pid), false)
    const list = await json(['local', 'list'])
    const mine = list.result.clusters.find((c: {name: string}) => c.name === name)
    assert.deepEqual(mine.down, [replica.port])
    const degraded = await json(['local', 'status', '--name', name], 3)
    assert.equal(degraded.result.nodes.find((n: {port: number}) => n.port === replica.port).health, 'down')
    await json(['local', 'restart-node', replica.id.slice(0, 10), '--name', name])

    const stop = await json(['local', 'stop', '--name', name])
    assert.equal(stop.result.stopped, 6)
    assert.ok(existsSync(dir))
    const again = await json(['local', 'stop', '--name', name])
    assert.equal(again.result.stopped, 0, 'a stopped cluster has nothing left to stop')
    const start = await json(['local', 'start', '--name', name])
    assert.equal(start.result.started, 6)
    assert.deepEqual(start.result.nodes.map((n: {port: number}) => n.port), nodes.map((n) => n.port))
    assert.deepEqual(start.result.nodes.map((n: {id: string}) => n.id), nodes.map((n) => n.id))
    await withCluster(nodes, async (c) => {
      for (let i = 0; i < 100; i += 7) assert.equal(await c.get(`k${i}`), `v${i}`)
    })
    // `local stop` stops the masters before the replicas, so every replica saved its master's whole
    // stream and continues with a partial resync: no master needed a full sync after `local start`.
    const masters = nodes.filter((n) => n.role === 'master')
    const stats = async (): Promise<{full: number; partial: number}[]> =>
      Promise.all(masters.map(async (m) => {
        const r = new Redis({host: m.host, port: m.port, lazyConnect: true, maxRetriesPerRequest: 1})
        const text = await r.info('stats').finally(() => r.disconnect())
        return {full: Number(/sync_full:(\d+)/.exec(text)?.[1] ?? NaN), partial: Number(/sync_partial_ok:(\d+)/.exec(text)?.[1] ?? NaN)}
      }))
    let seen = await stats()
    for (const deadline = Date.now() + 30000; seen.some((x) => x.partial < 1) && Date.now() < deadline; ) {
      await new Promise((r) => setTimeout(r, 250))
      seen = await stats()
    }
    assert.deepEqual(seen, masters.map(() => ({full: 0, partial: 1})), 'each replica continued with PSYNC after local start')

    const added = await json(['local', 'add-node', '--replica', '--name', name])
    assert.equal(added.result.role, 'replica')
    const grown = await json(['local', 'status', '--name', name])
    assert.equal(grown.result.total, 7)
    assert.equal(grown.result.healthy, true)
    const member = await cli(['add-node', added.result.address, `${nodes[0].host}:${nodes[0].port}`])
    assert.equal(member.code, 2)
    assert.match(member.stderr, /already belongs to this cluster/)

    const logs = await cli(['local', 'logs', String(nodes[0].port), '--name', name, '-n', '5'])
    assert.equal(logs.code, 0)
    assert.ok(logs.stdout.trim().split('\n').length >= 1 && logs.stdout.trim().split('\n').length <= 5, logs.stdout)
    pids.push(added.result.pid, ...start.result.nodes.map((n: {pid: number}) => n.pid))
    if (single) for (const p of [added.result.pid, ...start.result.nodes.map((n: {pid: number}) => n.pid)]) hosts.add(parentOf(p))
  } finally {
    const d = await cli(['local', 'destroy', '--name', name])
    assert.equal(d.code, 0, d.stderr)
  }
  assert.ok([...pids, ...hosts].every((p) => !isAlive(p)), 'destroy leaves no process')
  assert.equal(existsSync(dir), false, 'destroy leaves no file')
}

describe('local cluster lifecycle', () => {
  after(cleanup)

  test('embedded (one host process): create, status, kill-node, restart-node, stop, start (same ids, data back), add-node, logs, destroy', {timeout: 110000}, async () => {
    await lifecycle('emb', 'embedded')
  })

  test('embedded --no-single-process: the same lifecycle, a process per node', {timeout: 110000}, async () => {
    await lifecycle('per-node', 'embedded', ['--no-single-process'])
  })

  test('one host process: a SIGKILLed master is replaced by its replica, and comes back as a replica', {timeout: 90000}, async () => {
    const created = await json(['create', '--name', 'sp-fo', '--replicas', '1', '--yes', '--persistence', 'none'])
    try {
      const nodes: {port: number; id: string; role: string; masterId?: string}[] = created.result.nodes
      const master = nodes.find((n) => n.role === 'master')!
      const replica = nodes.find((n) => n.masterId === master.id)!
      await json(['local', 'kill-node', String(master.port), '--name', 'sp-fo'])
      let roles: Record<number, string> = {}
      for (const deadline = Date.now() + 30000; roles[replica.port] !== 'master' && Date.now() < deadline; ) {
        await new Promise((r) => setTimeout(r, 250))
        const st = await json(['local', 'status', '--name', 'sp-fo'], 3)
        roles = Object.fromEntries(st.result.nodes.map((n: {port: number; role: string}) => [n.port, n.role]))
      }
      assert.equal(roles[replica.port], 'master', 'the replica took over')
      await json(['local', 'restart-node', String(master.port), '--name', 'sp-fo'])
      const back = await json(['local', 'status', '--name', 'sp-fo'])
      assert.equal(back.result.healthy, true)
      assert.equal(back.result.nodes.find((n: {port: number}) => n.port === master.port).role, 'replica')
    } finally {
      await cli(['local', 'destroy', '--name', 'sp-fo'])
    }
  })

  test('redis-server: the same lifecycle', {timeout: 110000, skip: redisSkip()}, async () => {
    await lifecycle('real', 'redis-server')
  })

  test('two named clusters side by side; busy ports are skipped with a message; start refuses a taken port', {timeout: 90000}, async () => {
    const {port: base} = await freePortPair()
    const blocker: Server = createServer()
    await new Promise<void>((r) => blocker.listen({port: base + 1, host: '127.0.0.1'}, r))
    try {
      const a = await cli(['create', '--name', 'a', '--port', String(base), '--persistence', 'none', '--yes', '--env'])
      assert.equal(a.code, 0, a.stderr)
      assert.match(a.stderr, new RegExp(`Port\\(s\\) ${base + 1} .*in use: using ${base + 3}-${base + 5}`))
      assert.match(a.stdout, new RegExp(`^REDIS_CLUSTER_NODES=127\\.0\\.0\\.1:${base + 3},127\\.0\\.0\\.1:${base + 4},127\\.0\\.0\\.1:${base + 5}\\nREDIS_CLUSTER_SEED=redis://127\\.0\\.0\\.1:${base + 3},`))
      const b = await json(['create', '--name', 'b', '--port', '0', '--yes'])
      const list = await json(['local', 'list'])
      assert.deepEqual(list.result.clusters.map((c: {name: string; running: number}) => [c.name, c.running]).sort(), [['a', 3], ['b', 3]])
      const dup = await cli(['create', '--name', 'b', '--yes'])
      assert.equal(dup.code, 2)
      assert.match(dup.stderr, /already running/)
      await json(['local', 'stop', '--name', 'b'])
      const stopped = await cli(['create', '--name', 'b', '--yes'])
      assert.equal(stopped.code, 2)
      assert.match(stopped.stderr, /exists .*stopped/)
      // A port of b taken while it is stopped: start says which one.
      const taken: Server = createServer()
      await new Promise<void>((r) => taken.listen({port: b.result.nodes[0].port, host: '127.0.0.1'}, r))
      try {
        const s = await cli(['local', 'start', '--name', 'b'])
        assert.equal(s.code, 8, s.stderr)
        assert.match(s.stderr, new RegExp(`Port ${b.result.nodes[0].port} .*in use`))
      } finally {
        taken.close()
      }
      await json(['local', 'destroy', '--name', 'a'])
      await json(['local', 'destroy', '--name', 'b'])
      assert.deepEqual((await json(['local', 'list'])).result.clusters, [])
    } finally {
      blocker.close()
    }
  })
})

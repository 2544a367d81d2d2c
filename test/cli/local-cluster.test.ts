// Local clusters: `create` with no addresses (detached embedded nodes) and the programmatic API.
import {after, describe, test} from 'node:test'
import assert from 'node:assert/strict'
import {mkdtempSync, readFileSync, readdirSync, readlinkSync, realpathSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {spawnSync} from 'node:child_process'
import {Cluster} from 'ioredis'
import {BIN, runCli} from '../helpers/cli.js'
import {waitFor} from '../helpers/repl.js'
import {haveRedisServer, redisSkip} from '../helpers/redis-server.js'
import {isAlive} from '../../src/local/launcher.js'
import {startLocalCluster} from '../../src/local/cluster.js'

const root = mkdtempSync(join(tmpdir(), 'redis-ts-local-'))

/** Warm embedded node processes or hosts (src/local/warm.ts) running in `cwd`. */
function warmIn(cwd: string): number[] {
  const want = realpathSync(cwd)
  return readdirSync('/proc')
    .filter((p) => /^\d+$/.test(p))
    .filter((p) => {
      try {
        const cmdline = readFileSync(`/proc/${p}/cmdline`, 'latin1')
        return (cmdline.includes('\0--warm\0') || cmdline.includes('\0--host\0')) && readlinkSync(`/proc/${p}/cwd`) === want
      } catch {
        return false
      }
    })
    .map(Number)
}

describe('local clusters', () => {
  after(() => rmSync(root, {recursive: true, force: true}))

  for (const perNode of [false, true]) test(`create with no addresses starts a 3+3 embedded cluster${perNode ? ', a process per node' : ', one host process'}; local stop tears it down`, async () => {
    const dir = join(root, perNode ? 'cli-per-node' : 'cli')
    const r = await runCli(['create', '--replicas', '1', '--yes', '--json', '--dir', dir, ...(perNode ? ['--no-single-process'] : [])], {env: {REDIS_TS_TIMING: '1'}})
    assert.equal(r.code, 0, r.stdout + r.stderr)
    const doc = JSON.parse(r.stdout)
    // REDIS_TS_TIMING: the create flow's timeline on stderr, phases and node log events in time order.
    const timeline = r.stderr.split('\n').filter((l) => l.startsWith('[timing] ') && /\ds /.test(l))
    const at = (re: RegExp) => {
      const line = timeline.find((l) => re.test(l))
      assert.ok(line, `${re} not in the timeline:\n${r.stderr}`)
      return Number(/(\d+\.\d+)s /.exec(line)![1])
    }
    const phases = [/create command running/, /6 node processes spawned/, /masters: fast join, slots, epochs, MEET each other/, /every node answers PING/, /CLUSTER MEET sent/, /converged/, /replicas synced/, /create finished/].map(at)
    assert.deepEqual(phases, [...phases].sort((a, b) => a - b))
    assert.equal(timeline.filter((l) => /node \d+: accepts connections/.test(l)).length, 6)
    assert.equal(doc.result.singleProcess, perNode ? undefined : true)
    assert.equal(timeline.filter((l) => /node \d+: replica: full sync received/.test(l)).length, 3)
    assert.equal(doc.result.addresses.length, 6)
    const pids: number[] = doc.result.nodes.map((n: {pid: number}) => n.pid)
    assert.ok(pids.every(isAlive))
    try {
      const check = await runCli(['check', doc.result.addresses[0], '--json'])
      assert.equal(check.code, 0, check.stdout)
      const reps = JSON.parse(check.stdout).result.nodes.filter((n: {role: string}) => n.role === 'replica')
      assert.equal(reps.length, 3)
      // create returned only after the initial syncs (a runtime that does not report the link: null).
      for (const rep of reps) {
        assert.notEqual(rep.replication.masterLinkStatus, 'down', JSON.stringify(rep.replication))
        assert.notEqual(rep.replication.masterSyncInProgress, true)
      }
      if (BIN.endsWith('run.js') && perNode) {
        // bin/run.js started every node's process before oclif loaded (warm nodes), whatever the
        // load average: each now runs in its directory.
        const warm = (doc.result.nodes as {pid: number; port: number}[]).filter((n) => /\0--warm\0$/.test(readFileSync(`/proc/${n.pid}/cmdline`, 'latin1')))
        assert.equal(warm.length, 6, JSON.stringify(doc.result.nodes))
        for (const n of warm) assert.equal(readlinkSync(`/proc/${n.pid}/cwd`), realpathSync(join(dir, String(n.port))))
        // `local status` (another process) counts them as running.
        const status = await runCli(['local', 'status', '--dir', dir, '--json'])
        assert.equal(status.code, 0, status.stderr)
        assert.match(status.stdout, /"running": 6|"running":6/)
      }
      if (BIN.endsWith('run.js') && !perNode) {
        // bin/run.js started the host before oclif loaded (a warm host, detached): the six nodes'
        // stubs are its children
        const parents = new Set((doc.result.nodes as {pid: number}[]).map((n) => {
          const stat = readFileSync(`/proc/${n.pid}/stat`, 'latin1')
          return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1])
        }))
        assert.equal(parents.size, 1)
        const [host] = parents
        assert.match(readFileSync(`/proc/${host}/cmdline`, 'latin1'), /\0--host$|\0--host\0$/)
        const status = await runCli(['local', 'status', '--dir', dir, '--json'])
        assert.equal(status.code, 0, status.stderr)
        assert.match(status.stdout, /"running": 6|"running":6/)
      }
      // A create that fails (the cluster runs) leaves none of the warm processes it started.
      const againCwd = mkdtempSync(join(root, 'again-'))
      const again = await runCli(['create', '--yes', '--dir', dir], {cwd: againCwd})
      assert.equal(again.code, 2)
      assert.match(again.stderr, /already running/)
      await waitFor(() => warmIn(againCwd).length === 0, 20000, 'the failed create\'s warm nodes to exit')
      const [host, port] = doc.result.addresses[0].split(':')
      const c = new Cluster([{host, port: Number(port)}])
      try {
        for (let i = 0; i < 200; i++) await c.set(`k${i}`, `v${i}`)
        for (let i = 0; i < 200; i++) assert.equal(await c.get(`k${i}`), `v${i}`)
      } finally {
        c.disconnect()
      }
    } finally {
      const stop = await runCli(['local', 'stop', '--dir', dir])
      assert.equal(stop.code, 0, stop.stderr)
    }
    assert.ok(pids.every((p) => !isAlive(p)))
  })

  test('programmatic API: attached cluster for a test suite', async () => {
    const cluster = await startLocalCluster({dir: join(root, 'api'), masters: 3, replicas: 0})
    try {
      assert.equal(cluster.addresses.length, 3)
      assert.equal(cluster.create.nodes.filter((n) => n.role === 'master').length, 3)
    } finally {
      await cluster.stop()
    }
    assert.ok(cluster.nodes.every((n) => !isAlive(n.pid)))
  })

  test('local cluster of real redis-server nodes (--server)', {skip: redisSkip()}, async () => {
    if (!haveRedisServer()) throw new Error('redis-server required')
    const bin = spawnSync('sh', ['-c', 'command -v redis-server'], {encoding: 'utf8'}).stdout.trim()
    const cluster = await startLocalCluster({dir: join(root, 'real'), masters: 3, replicas: 1, server: bin})
    try {
      const rc = spawnSync('redis-cli', ['--cluster', 'check', cluster.addresses[0]], {encoding: 'utf8'})
      assert.equal(rc.status, 0, rc.stdout)
      // startLocalCluster resolved only once every replica finished its initial sync.
      for (const n of cluster.create.nodes.filter((x) => x.role === 'replica')) {
        const info = spawnSync('redis-cli', ['-p', n.address.split(':')[1], 'INFO', 'replication'], {encoding: 'utf8'}).stdout
        assert.match(info, /master_link_status:up/, `${n.address}: ${info}`)
        assert.match(info, /master_sync_in_progress:0/)
      }
    } finally {
      await cluster.stop()
    }
  })
})

// The rough edges a new user hit, end to end through the built CLI: parse errors and typos, a bad
// --server, a node that accepts and never answers, info with a master down, set-timeout on nodes
// without a config file, --json keeping stderr to progress and warnings, reshard figures.
import {after, describe, test} from 'node:test'
import assert from 'node:assert/strict'
import {existsSync} from 'node:fs'
import {createServer, type Socket} from 'node:net'
import {join} from 'node:path'
import {isolatedCli, runCli} from '../helpers/cli.js'
import {RedisNodes, redisSkip} from '../helpers/redis-server.js'
import {startLocalCluster} from '../../src/local/cluster.js'
import {isAlive} from '../../src/local/launcher.js'
import {freePortPair} from '../helpers/ports.js'

const {root, env, cleanup} = isolatedCli('redis-ts-edges-')

describe('CLI rough edges', () => {
  after(cleanup)

  test('flag and argument errors: one line that says why, the same in --json, exit 2', async () => {
    for (const [args, text] of [
      [['create', '--masters', '2'], '--masters 2: must be at least 3 (a cluster needs at least 3 masters)'],
      [['create', '--replicas', '-1'], '--replicas -1: must be a non-negative integer'],
      [['create', '--masters', 'abc'], '--masters abc: not a number (expected an integer)'],
      [['check'], 'Missing required argument: NODE (a node of the cluster, or a Sentinel with --sentinel (host:port))'],
    ] as const) {
      const r = await runCli([...args], {env})
      assert.equal(r.code, 2)
      assert.equal(r.stderr.split('\n')[0], `Error: ${text}`)
      assert.match(r.stderr, /\nHint: Usage: redis-ts (create|check)/)
      const j = await runCli([...args, '--json'], {env})
      assert.equal(j.code, 2)
      assert.equal(JSON.parse(j.stdout).error.message, text)
    }
  })

  test('a typo suggests the closest command without gluing the argument to it', async () => {
    const r = await runCli(['chek', '127.0.0.1:7000'], {env})
    assert.equal(r.code, 2)
    assert.match(r.stderr, /"chek" is not a redis-ts command\. Did you mean "check"\?/)
    assert.match(r.stderr, /redis-ts check 127\.0\.0\.1:7000/)
    assert.doesNotMatch(r.stderr, /chek:127/)
  })

  test('a bad --server path: one error line, exit 2, nothing left running or on disk', async () => {
    const dir = join(root, 'bad-server')
    const r = await runCli(['create', '--dir', dir, '--server', '/nonexistent/redis-server', '--yes'], {env})
    assert.equal(r.code, 2)
    assert.deepEqual(r.stderr.split('\n').filter((l) => l.startsWith('Error')), ['Error: --server /nonexistent/redis-server: no executable file found'])
    assert.doesNotMatch(r.stderr, /at .*\.js:\d+/)
    assert.equal(existsSync(dir), false)
  })

  test('a node that accepts and never answers: one --command-timeout, the right words', async () => {
    const {port} = await freePortPair()
    const sockets: Socket[] = []
    const silent = createServer((s) => sockets.push(s))
    await new Promise<void>((r) => silent.listen({port, host: '127.0.0.1'}, r))
    try {
      const t0 = Date.now()
      const r = await runCli(['check', `127.0.0.1:${port}`, '--command-timeout', '1500'], {env})
      const elapsed = Date.now() - t0
      assert.equal(r.code, 4)
      assert.match(r.stderr, new RegExp(`Node 127\\.0\\.0\\.1:${port} accepted the connection but did not answer PING within 1500 ms \\(--command-timeout\\)`))
      assert.doesNotMatch(r.stderr, /Could not connect/)
      // One timeout, not two (CLI start-up on a loaded machine counted generously).
      assert.ok(elapsed < 1500 * 2 + 6000, `took ${elapsed} ms`)
    } finally {
      for (const s of sockets) s.destroy()
      silent.close()
    }
  })

  test('info with a master down: no [OK], exit 3; --json keeps stderr to progress and warnings; reshard reports slots/s', {timeout: 90000}, async () => {
    const cluster = await startLocalCluster({masters: 3, nodeTimeoutMs: 1000})
    try {
      const seed = cluster.addresses[0]
      const created = await runCli(['create', '--dir', join(root, 'json'), '--port', '0', '--persistence', 'none', '--yes', '--json'], {env})
      assert.equal(created.code, 0, created.stderr)
      const doc = JSON.parse(created.stdout)
      for (const line of created.stderr.split('\n').filter(Boolean)) assert.match(line, /^(>>>|\*\*\*|\[WARNING\])/, `not progress or a warning: ${line}`)
      assert.ok(doc.result.nodes.every((n: {host: string; port: number; role: string; id: string; slots: unknown[]}) => n.host && n.port && n.role && n.id && Array.isArray(n.slots)))
      await runCli(['local', 'destroy', '--dir', join(root, 'json')], {env})

      const target = cluster.create.nodes.find((n) => n.role === 'master' && n.address !== seed)!
      const rs = await runCli(['reshard', seed, '--from', 'all', '--to', target.id, '--slots', '50', '--yes'], {env})
      assert.equal(rs.code, 0, rs.stderr)
      assert.match(rs.stdout, /\[OK\] Moved 50 slots and \d+ keys in [\d.]+s \(\d+ slots\/s, \d+ keys\/s\)\./)

      const victim = cluster.nodes.find((n) => `127.0.0.1:${n.port}` === target.address)!
      process.kill(victim.pid, 'SIGKILL')
      while (isAlive(victim.pid)) await new Promise((r) => setTimeout(r, 20))
      const info = await runCli(['info', seed], {env})
      assert.equal(info.code, 3, info.stdout + info.stderr)
      assert.doesNotMatch(info.stdout, /\[OK\]/)
      assert.match(info.stdout, /\[WARNING\] .*1 master\(s\) unreachable: 127\.0\.0\.1:\d+/)
    } finally {
      await cluster.stop()
    }
  })

  test('set-timeout on nodes without a config file: "applied, not persisted", exit 0', {timeout: 60000, skip: redisSkip()}, async () => {
    const nodes = new RedisNodes()
    try {
      const started = await nodes.start(3)
      const c = await runCli(['create', ...started.map((n) => n.address), '--yes'], {env})
      assert.equal(c.code, 0, c.stderr)
      const r = await runCli(['set-timeout', started[0].address, '4000', '--json'], {env})
      assert.equal(r.code, 0, r.stdout)
      const doc = JSON.parse(r.stdout)
      assert.ok(doc.result.results.every((x: {ok: boolean; persisted: boolean}) => x.ok && x.persisted === false))
      assert.equal(doc.warnings.length, 3)
      assert.match(doc.warnings[0], /applied, not persisted/)
      const h = await runCli(['set-timeout', started[0].address, '4000'], {env})
      assert.match(h.stdout, /3 OK \(3 applied, not persisted\), 0 ERR/)
      assert.equal(String(await nodes.call(started[1], 'CONFIG', 'GET', 'cluster-node-timeout')), 'cluster-node-timeout,4000')
    } finally {
      await nodes.stop()
    }
  })
})

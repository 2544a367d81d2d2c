// `create` flags for local clusters: --foreground (Ctrl-C stops everything), --bind ::1,
// --password-env (requirepass + masterauth, never printed, lifecycle commands still work).
import {after, describe, test} from 'node:test'
import assert from 'node:assert/strict'
import {spawn} from 'node:child_process'
import {existsSync, readFileSync} from 'node:fs'
import {join} from 'node:path'
import {Redis} from 'ioredis'
import {BIN, isolatedCli, ROOT, runCli} from '../helpers/cli.js'
import {isAlive} from '../../src/local/launcher.js'
import {portFree} from '../helpers/ports.js'

const {root, env, cleanup} = isolatedCli('redis-ts-create-flags-')

describe('local create flags', () => {
  after(cleanup)

  for (const single of [false, true]) test(`--foreground${single ? '' : ' --no-single-process'}: SIGINT stops every node${single ? ' and the host' : ''} and removes the files`, {timeout: 90000}, async () => {
    const dir = join(root, single ? 'fg-single' : 'fg')
    const child = spawn(process.execPath, [BIN, 'create', '--dir', dir, '--port', '0', '--persistence', 'none', '--foreground', '--yes', ...(single ? [] : ['--no-single-process'])], {cwd: ROOT, env: {...process.env, ...env, NO_COLOR: '1'}, stdio: ['ignore', 'pipe', 'pipe']})
    let out = ''
    child.stdout.on('data', (d) => (out += d))
    child.stderr.on('data', (d) => (out += d))
    const exited = new Promise<number | null>((r) => child.on('close', (code) => r(code)))
    while (!out.includes('Running in the foreground')) {
      assert.equal(child.exitCode, null, out)
      await new Promise((r) => setTimeout(r, 100))
    }
    const pids: number[] = JSON.parse(readFileSync(join(dir, 'cluster.json'), 'utf8')).nodes.map((n: {pid: number}) => n.pid)
    assert.ok(pids.every(isAlive))
    // --single-process: the stubs' parent is the one host process
    const hosts = single ? [...new Set(pids.map((p) => Number(readFileSync(`/proc/${p}/stat`, 'latin1').split(') ')[1].split(' ')[1])))] : []
    if (single) assert.equal(hosts.length, 1)
    pids.push(...hosts)
    child.kill('SIGINT')
    await exited
    assert.match(out, /Stopping the local cluster/)
    assert.ok(pids.every((p) => !isAlive(p)), 'no node left')
    assert.equal(existsSync(dir), false, 'no file left')
  })

  test('--single-process is refused where it does not apply, with one line and nothing started', {timeout: 60000}, async () => {
    for (const args of [['--server', 'redis-server'], ['--sentinel'], ['127.0.0.1:1', '127.0.0.1:2', '127.0.0.1:3']]) {
      const r = await runCli(['create', '--single-process', '--yes', '--name', 'sp-refused', ...args], {env})
      assert.equal(r.code, 2, r.stderr)
      assert.match(r.stderr, /^Error: --single-process .*(embedded|does not apply)/m)
    }
    assert.equal(existsSync(join(env.XDG_STATE_HOME!, 'redis-ts', 'sp-refused')), false)
  })

  test('--bind ::1 and --password-env: reachable over IPv6 with the password, which is never printed', {timeout: 90000}, async (t) => {
    if (!(await portFree(0, '::1').catch(() => false))) return t.skip('no IPv6 loopback')
    const secret = 'pw-' + Math.random().toString(36).slice(2)
    const e = {...env, LOCAL_TEST_SECRET: secret}
    const r = await runCli(['create', '--name', 'v6', '--bind', '::1', '--port', '0', '--persistence', 'none', '--password-env', 'LOCAL_TEST_SECRET', '--yes', '--json'], {env: e})
    try {
      assert.equal(r.code, 0, r.stdout + r.stderr)
      assert.ok(!r.stdout.includes(secret) && !r.stderr.includes(secret), 'the password is never printed')
      const doc = JSON.parse(r.stdout)
      assert.equal(doc.result.nodes[0].host, '::1')
      assert.match(doc.result.env.REDIS_CLUSTER_SEED, /^redis:\/\/\[::1\]:\d+/)
      const port = doc.result.nodes[0].port
      const anon = new Redis({host: '::1', port, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, disableClientInfo: true, enableReadyCheck: false})
      anon.on('error', () => {})
      await anon.connect()
      await assert.rejects(anon.ping(), /NOAUTH/)
      anon.disconnect()
      const c = new Redis({host: '::1', port, password: secret, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null})
      c.on('error', () => {})
      await c.connect()
      assert.match(String(await c.call('CLUSTER', 'INFO')), /cluster_state:ok/)
      c.disconnect()
      const s = await runCli(['local', 'status', '--name', 'v6'], {env: e})
      assert.equal(s.code, 0, s.stdout + s.stderr)
      assert.ok(!s.stdout.includes(secret))
      assert.match(s.stdout, /\[::1\]:\d+ .*master/)
    } finally {
      await runCli(['local', 'destroy', '--name', 'v6'], {env: e})
    }
  })
})

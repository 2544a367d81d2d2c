// `redis-ts create --sentinel` and the `local …` lifecycle on a Sentinel setup, end to end through
// the CLI (embedded, and redis-server / redis-server --sentinel): status (roles, Sentinels' view,
// --env), list (kind, down nodes), the README failover drill (kill-node the master, the promoted
// replica in status, restart-node: the old master back as a replica), a Sentinel restart keeping its
// id, stop / start (same ports, the current master still master, data back), add-node --replica
// (listed by every Sentinel), logs, destroy (no process, no file). And startLocalSentinel.
import {after, describe, test} from 'node:test'
import assert from 'node:assert/strict'
import {existsSync} from 'node:fs'
import {Redis} from 'ioredis'
import {isolatedCli, runCli} from '../helpers/cli.js'
import {redisSkip} from '../helpers/redis-server.js'
import {waitFor} from '../helpers/sentinel.js'
import {isAlive} from '../../src/local/launcher.js'
import {startLocalSentinel} from '../../src/local/sentinel-local.js'

const {env, cli, json, cleanup} = isolatedCli('redis-ts-local-sentinel-')

interface StatusNode {
  port: number
  role: string
  id: string | null
  master: string | null
  pid: number | null
  health: string
}

async function sentinelClient<T>(sentinels: {host: string; port: number}[], name: string, f: (c: Redis) => Promise<T>): Promise<T> {
  const c = new Redis({sentinels, name, sentinelRetryStrategy: () => 100, maxRetriesPerRequest: 5})
  c.on('error', () => {})
  try {
    return await f(c)
  } finally {
    c.disconnect()
  }
}

async function lifecycle(name: string, server: string, replicas: number, full: boolean): Promise<void> {
  const created = await json(['create', '--sentinel', '--name', name, '--replicas', String(replicas), '--down-after', '1000', '--server', server])
  const r = created.result
  assert.equal(r.kind, 'sentinel')
  assert.equal(r.masterName, name)
  assert.equal(r.replicas.length, replicas)
  assert.equal(r.sentinels.length, 3)
  assert.equal(r.env.REDIS_SENTINEL_MASTER, name)
  assert.equal(r.env.REDIS_SENTINELS, r.sentinels.map((s: {address: string}) => s.address).join(','))
  const dir: string = r.dir
  assert.ok(dir.startsWith(env.XDG_STATE_HOME), dir)
  const sentinels: {host: string; port: number}[] = r.sentinels.map((s: {host: string; port: number}) => ({host: s.host, port: s.port}))
  const oldMaster: number = r.master.port
  const allPids: number[] = r.nodes.map((n: {pid: number}) => n.pid)
  try {
    await sentinelClient(sentinels, name, async (c) => {
      for (let i = 0; i < 50; i++) await c.set(`k${i}`, `v${i}`)
    })

    const status = await json(['local', 'status', '--name', name])
    assert.equal(status.result.kind, 'sentinel')
    assert.equal(status.result.master, `127.0.0.1:${oldMaster}`)
    assert.equal(status.result.sentinelsAgree, true)
    assert.equal(status.result.healthy, true)
    const roles = status.result.nodes.map((n: StatusNode) => n.role).sort()
    assert.deepEqual(roles, ['master', ...Array(replicas).fill('replica'), 'sentinel', 'sentinel', 'sentinel'].sort())
    const sentinelIds = new Map<number, string>(status.result.nodes.filter((n: StatusNode) => n.role === 'sentinel').map((n: StatusNode) => [n.port, n.id]))
    for (const id of sentinelIds.values()) assert.match(id, /^[0-9a-f]{40}$/)
    const envOut = await cli(['local', 'status', '--name', name, '--env'])
    assert.equal(envOut.code, 0, envOut.stderr)
    assert.deepEqual(envOut.stdout.trim().split('\n'), [`REDIS_SENTINELS=${r.env.REDIS_SENTINELS}`, `REDIS_SENTINEL_MASTER=${name}`])

    // The failover drill: kill the master, a replica is promoted, the old master comes back as a replica.
    await json(['local', 'kill-node', String(oldMaster), '--name', name])
    const list = await json(['local', 'list'])
    const mine = list.result.clusters.find((c: {name: string}) => c.name === name)
    assert.equal(mine.kind, 'sentinel')
    assert.deepEqual(mine.down, [oldMaster])
    const promoted = await waitFor('the Sentinels to promote a replica', async () => {
      const s = await json(['local', 'status', '--name', name], 3)
      return s.result.master !== `127.0.0.1:${oldMaster}` && s.result.sentinelsAgree ? s.result : undefined
    }, 40000, 300)
    let newMaster = Number(promoted.master.split(':')[1])
    assert.equal(promoted.nodes.find((n: StatusNode) => n.port === newMaster).role, 'master')
    assert.equal(promoted.nodes.find((n: StatusNode) => n.port === oldMaster).health, 'down')
    await json(['local', 'restart-node', String(oldMaster), '--name', name])
    const back = await json(['local', 'status', '--name', name])
    assert.equal(back.result.healthy, true)
    const old = back.result.nodes.find((n: StatusNode) => n.port === oldMaster)
    assert.equal(old.role, 'replica')
    // With down-after 1000 on a loaded machine the Sentinels may legitimately fail over once more
    // (a new master's failover may start again at once, as redis's sentinelResetMaster allows):
    // the old master must follow whichever master the Sentinels agree on now.
    assert.equal(back.result.sentinelsAgree, true)
    assert.notEqual(back.result.master, `127.0.0.1:${oldMaster}`)
    assert.equal(old.master, back.result.master)
    newMaster = Number(back.result.master.split(':')[1])

    // A restarted Sentinel keeps its id.
    if (full) {
        const sPort = sentinels[1].port
      await json(['local', 'restart-node', String(sPort), '--name', name])
      const afterS = await json(['local', 'status', '--name', name])
      assert.equal(afterS.result.nodes.find((n: StatusNode) => n.port === sPort).id, sentinelIds.get(sPort))
    }

    // stop / start: same ports, the current master comes back as master, data back, Sentinel ids kept.
    const stop = await json(['local', 'stop', '--name', name])
    assert.equal(stop.result.stopped, replicas + 4)
    assert.ok(existsSync(dir))
    const start = await json(['local', 'start', '--name', name])
    assert.equal(start.result.started, replicas + 4)
    const again = await json(['local', 'status', '--name', name])
    assert.equal(again.result.healthy, true)
    assert.equal(again.result.master, `127.0.0.1:${newMaster}`)
    assert.equal(again.result.nodes.find((n: StatusNode) => n.port === newMaster).role, 'master')
    for (const [port, id] of sentinelIds) assert.equal(again.result.nodes.find((n: StatusNode) => n.port === port).id, id)
    await sentinelClient(sentinels, name, async (c) => {
      for (let i = 0; i < 50; i += 7) assert.equal(await c.get(`k${i}`), `v${i}`)
    })

    if (full) {
      // add-node --replica: a replica of the current master that every Sentinel lists.
      const added = await json(['local', 'add-node', '--replica', '--name', name])
      assert.equal(added.result.role, 'replica')
      assert.equal(added.result.master.address, `127.0.0.1:${newMaster}`)
      allPids.push(added.result.pid)
      for (const s of sentinels) {
        const c = new Redis({port: s.port, lazyConnect: true})
        await c.connect()
        const reps = (await c.call('SENTINEL', 'REPLICAS', name)) as string[][]
        c.disconnect()
        assert.ok(reps.some((x) => x[x.indexOf('port') + 1] === String(added.result.port)), `Sentinel ${s.port} lists the new replica`)
      }
      const bad = await cli(['local', 'add-node', '--name', name])
      assert.equal(bad.code, 2)
      assert.match(bad.stderr, /--replica/)

      const logs = await cli(['local', 'logs', String(sentinels[0].port), '--name', name, '-n', '5'])
      assert.equal(logs.code, 0)
      assert.match(logs.stdout, /\+monitor|\+slave|\+sentinel|Sentinel ID/)
    }
    for (const p of (await json(['local', 'status', '--name', name])).result.nodes) allPids.push(p.pid)
  } finally {
    const d = await json(['local', 'destroy', '--name', name])
    assert.ok(d.result.stopped >= replicas + 4)
  }
  assert.equal(existsSync(dir), false)
  assert.deepEqual(allPids.filter(isAlive), [])
}

describe('local Sentinel setup lifecycle', () => {
  after(cleanup)

  test('embedded: create --sentinel, status, list, failover drill, Sentinel restart, stop/start, add-node --replica, logs, destroy', {timeout: 180000}, async () => {
    await lifecycle('ha', 'embedded', 2, true)
  })

  test('redis-server and redis-server --sentinel: create, status, failover drill, stop/start, destroy', {timeout: 180000, skip: redisSkip()}, async () => {
    await lifecycle('ha-real', 'redis-server', 1, false)
  })

  test('startLocalSentinel: an attached setup an ioredis Sentinel client writes through; stop() leaves no process or file', {timeout: 90000}, async () => {
    const s = await startLocalSentinel({replicas: 1, sentinels: 3})
    const pids = s.nodes.map((n) => n.pid)
    try {
      assert.equal(s.masterName, 'mymaster')
      assert.equal(s.sentinels.length, 3)
      await sentinelClient(s.sentinels, s.masterName, async (c) => {
        await c.set('api', 'ok')
        assert.equal(await c.get('api'), 'ok')
        assert.equal(((await c.call('ROLE')) as string[])[0], 'master')
      })
    } finally {
      await s.stop()
    }
    assert.deepEqual(pids.filter(isAlive), [])
    assert.equal(existsSync(s.dir), false)
  })

  test('create --sentinel --password-env --bind --announce-ip: every instance asks for the password, the Sentinels use it, local status sees it healthy', {timeout: 120000}, async () => {
    const r = await runCli(['create', '--sentinel', '--name', 'auth', '--replicas', '1', '--password-env', 'SETUP_PW', '--bind', '127.0.0.1', '--announce-ip', '127.0.0.1', '--json'], {env: {...env, SETUP_PW: 'pw-123'}})
    assert.equal(r.code, 0, r.stderr)
    assert.doesNotMatch(r.stdout + r.stderr, /pw-123/)
    const created = JSON.parse(r.stdout).result
    try {
      for (const n of created.nodes as {port: number}[]) {
        const c = new Redis({port: n.port, lazyConnect: true, maxRetriesPerRequest: 0, enableReadyCheck: false})
        c.on('error', () => {})
        await assert.rejects(c.call('PING'), /NOAUTH/)
        c.disconnect()
      }
      const sentinels = created.sentinels.map((x: {host: string; port: number}) => ({host: x.host, port: x.port}))
      const c = new Redis({sentinels, name: 'auth', password: 'pw-123', sentinelPassword: 'pw-123', maxRetriesPerRequest: 5})
      c.on('error', () => {})
      try {
        await c.set('k', 'v')
        assert.equal(await c.get('k'), 'v')
      } finally {
        c.disconnect()
      }
      const st = await json(['local', 'status', '--name', 'auth'])
      assert.equal(st.result.healthy, true, JSON.stringify(st.result))
      const conf = (await cli(['local', 'logs', '--name', 'auth'])).code
      assert.equal(conf, 0)
    } finally {
      await json(['local', 'destroy', '--name', 'auth'])
    }
  })
})

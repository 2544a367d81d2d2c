// Scripting in running nodes: busy scripts (-BUSY for other clients, SCRIPT KILL / FUNCTION KILL,
// UNKILLABLE once a script wrote), atomicity, function libraries surviving restarts (RDB and
// AOF) and travelling to replicas (full sync and the stream, embedded and redis-server both
// ways), and scripts in cluster mode (slot checks before and during the script).
import {after, before, describe, test} from 'node:test'
import assert from 'node:assert/strict'
import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {Redis} from 'ioredis'
import {startNode} from '../../src/node/index.js'
import {startLocalCluster, type LocalCluster} from '../../src/local/cluster.js'
import {Fleet, info, waitFor, waitSynced} from '../helpers/repl.js'
import {redisSkip, RedisNodes} from '../helpers/redis-server.js'
import {keySlot} from '../../src/node/keyspace/slot.js'

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
const errorOf = async (p: Promise<unknown>): Promise<string> => {
  try {
    await p
  } catch (e) {
    return (e as Error).message
  }
  throw new Error('expected an error reply')
}

const LIB = `#!lua name=lib
redis.register_function('bump', function(keys, args) return redis.call('INCRBY', keys[1], args[1]) end)
redis.register_function{function_name='peek', callback=function(keys) return redis.call('GET', keys[1]) end, flags={'no-writes'}}
redis.register_function('spin', function() while true do end end)
`

describe('busy scripts', () => {
  const fleet = new Fleet()
  let port: number
  before(async () => {
    const {n, c} = await fleet.node({'lua-time-limit': '100'})
    port = n.port
    await c.function('LOAD', LIB)
  })
  after(() => fleet.stopAll())

  test('a script past busy-reply-threshold gets -BUSY for others until SCRIPT KILL; the caller gets the kill error', async () => {
    const a = fleet.client(port)
    const b = fleet.client(port)
    const running = errorOf(a.eval('while true do end', 0))
    await sleep(300)
    assert.match(await errorOf(b.ping()), /^BUSY Redis is busy running a script\. You can only call SCRIPT KILL or SHUTDOWN NOSAVE\.$/)
    assert.match(await errorOf(b.set('x', '1')), /^BUSY /)
    assert.match(await errorOf(b.function('STATS')), /^BUSY .*SCRIPT KILL/)
    assert.match(await errorOf(b.function('KILL')), /^BUSY .*SCRIPT KILL/)
    assert.equal(await b.script('KILL'), 'OK')
    assert.match(await running, /^ERR Script killed by user with SCRIPT KILL\.\.\. script: [0-9a-f]{40}, on @user_script:1\.$/)
    assert.equal(await b.ping(), 'PONG')
    assert.equal(await b.get('x'), null, 'the refused SET did not run')
    assert.match(await errorOf(b.script('KILL')), /^NOTBUSY No scripts in execution right now\.$/)
  })

  test('a script that wrote cannot be killed, and nothing runs in between until it ends', async () => {
    const a = fleet.client(port)
    const b = fleet.client(port)
    const done = a.eval("redis.call('SET', 'w', 'script') local i = 0 while i < 30000000 do i = i + 1 end return redis.call('GET', 'w')", 0)
    await sleep(300)
    assert.match(await errorOf(b.script('KILL')), /^UNKILLABLE Sorry the script already executed write commands against the dataset\./)
    assert.match(await errorOf(b.set('w', 'other')), /^BUSY /)
    assert.equal(await done, 'script')
    assert.equal(await b.get('w'), 'script')
  })

  test('a busy function is stopped by FUNCTION KILL (not SCRIPT KILL); FUNCTION STATS shows it', async () => {
    const a = fleet.client(port)
    const b = fleet.client(port)
    const running = errorOf(a.fcall('spin', 0))
    await sleep(300)
    const stats = (await b.function('STATS')) as unknown[]
    const runningScript = stats[1] as unknown[]
    assert.equal(runningScript[1], 'spin')
    assert.deepEqual(runningScript[3], ['fcall', 'spin', '0'])
    assert.ok(Number(runningScript[5]) >= 200)
    assert.match(await errorOf(b.ping()), /You can only call FUNCTION KILL or SHUTDOWN NOSAVE\.$/)
    assert.match(await errorOf(b.script('KILL')), /^BUSY .*FUNCTION KILL/)
    assert.equal(await b.function('KILL'), 'OK')
    assert.match(await running, /^ERR Script killed by user with SCRIPT KILL\.\.\. script: spin, on @user_function:4\.$/)
    assert.deepEqual(((await b.function('STATS')) as unknown[])[1], null)
  })

  test('a client in MULTI still queues after a busy script ends (MULTI/EXEC are allowed while busy)', async () => {
    const a = fleet.client(port)
    const b = fleet.client(port)
    const killer = fleet.client(port)
    await Promise.all([a.ping(), b.ping(), killer.ping()])
    const running = errorOf(a.eval('while true do end', 0))
    await sleep(250)
    const tx = b.multi().set('m', '1').get('m')
    await sleep(50)
    await killer.script('KILL')
    await running
    const r = await tx.exec().catch((e: Error) => e)
    // The SET queued while busy was refused: EXEC aborts, as Redis does.
    assert.ok(r instanceof Error ? /EXECABORT/.test(r.message) : Array.isArray(r), String(r))
  })
})

describe('function libraries persist and replicate', () => {
  const fleet = new Fleet()
  let root: string
  before(() => {
    root = mkdtempSync(join(tmpdir(), 'redis-ts-fn-'))
  })
  after(async () => {
    await fleet.stopAll()
    rmSync(root, {recursive: true, force: true})
  })

  for (const mode of ['rdb', 'aof'] as const) {
    test(`libraries survive a restart (${mode})`, async () => {
      const dir = mkdtempSync(join(root, `${mode}-`))
      const overrides = {dir, save: '', appendonly: mode === 'aof' ? 'yes' : 'no'}
      const n1 = await startNode({overrides: {port: '0', bind: '127.0.0.1', ...overrides}, silent: true})
      const c1 = new Redis({port: n1.port, lazyConnect: false})
      await c1.function('LOAD', LIB)
      await c1.fcall('bump', 1, 'counter', 5)
      if (mode === 'rdb') await c1.save()
      c1.disconnect()
      await n1.stop()
      const n2 = fleet.adopt(await startNode({overrides: {port: '0', bind: '127.0.0.1', ...overrides}, silent: true}))
      const c2 = fleet.client(n2.port)
      const list = (await c2.function('LIST')) as unknown[][]
      assert.equal(list.length, 1)
      assert.equal(list[0][1], 'lib')
      assert.equal(await c2.fcall('bump', 1, 'counter', 1), 6)
    })
  }

  test('DEBUG RELOAD keeps libraries; NOFLUSH without MERGE refuses the duplicate; MERGE replaces it', async () => {
    const dir = mkdtempSync(join(root, 'reload-'))
    const {c} = await fleet.node({dir, 'enable-debug-command': 'yes'})
    await c.function('LOAD', LIB)
    assert.equal(await c.call('DEBUG', 'RELOAD'), 'OK')
    assert.equal(((await c.function('LIST')) as unknown[]).length, 1)
    assert.match(await errorOf(c.call('DEBUG', 'RELOAD', 'NOFLUSH')), /Error trying to load the RDB dump/)
    assert.equal(await c.call('DEBUG', 'RELOAD', 'NOFLUSH', 'MERGE'), 'OK')
    assert.equal(await c.fcall('bump', 1, 'k', 2), 2)
  })

  test('an embedded replica gets the libraries by full sync, then FUNCTION LOAD and script effects by the stream', async () => {
    const m = await fleet.node()
    await m.c.function('LOAD', LIB)
    await m.c.eval("redis.call('SET', 'e1', 'a') redis.call('RPUSH', 'e2', 'x', 'y')", 0)
    const r = await fleet.node()
    await r.c.replicaof('127.0.0.1', String(m.n.port))
    await waitSynced(m.c, r.c)
    assert.equal(((await r.c.function('LIST')) as unknown[]).length, 1)
    await m.c.function('LOAD', "#!lua name=second\nredis.register_function{function_name='two', callback=function() return 2 end, flags={'no-writes'}}")
    await m.c.fcall('bump', 1, 'n', 7)
    await m.c.eval("for i = 1, 3 do redis.call('INCR', 'loop') end", 0)
    await waitSynced(m.c, r.c)
    assert.equal(await r.c.fcall('two', 0), 2)
    assert.equal(await r.c.get('n'), '7')
    assert.equal(await r.c.get('loop'), '3')
    assert.deepEqual(await r.c.lrange('e2', 0, -1), ['x', 'y'])
    assert.equal(await r.c.fcall_ro('peek', 1, 'n'), '7')
    // a function without no-writes is a write command (getCommandFlags): processCommand's READONLY
    assert.equal(await errorOf(r.c.fcall('bump', 1, 'n', 1)), "READONLY You can't write against a read only replica.")
    assert.match(await errorOf(r.c.eval("return redis.call('SET', 'x', 1)", 0)), /^READONLY You can't write against a read only replica\. script:/)
    await m.c.function('DELETE', 'second')
    await m.c.function('FLUSH')
    await waitSynced(m.c, r.c)
    assert.deepEqual(await r.c.function('LIST'), [])
  })

  test('FUNCTION DUMP / RESTORE with FLUSH, APPEND and REPLACE', async () => {
    const {c} = await fleet.node()
    await c.function('LOAD', LIB)
    const payload = (await c.callBuffer('FUNCTION', 'DUMP')) as Buffer
    await c.function('FLUSH')
    assert.equal(await c.callBuffer('FUNCTION', 'RESTORE', payload).then(String), 'OK')
    assert.match(await errorOf(c.callBuffer('FUNCTION', 'RESTORE', payload)), /^ERR Library lib already exists$/)
    assert.equal(String(await c.callBuffer('FUNCTION', 'RESTORE', payload, 'REPLACE')), 'OK')
    await c.function('LOAD', '#!lua name=other\nredis.register_function("o", function() return 1 end)')
    assert.equal(String(await c.callBuffer('FUNCTION', 'RESTORE', payload, 'FLUSH')), 'OK')
    const names = ((await c.function('LIST')) as unknown[][]).map((l) => l[1])
    assert.deepEqual(names, ['lib'])
    const bad = Buffer.from(payload)
    bad[3] ^= 0xff
    assert.match(await errorOf(c.callBuffer('FUNCTION', 'RESTORE', bad)), /^ERR DUMP payload version or checksum are wrong$/)
  })
})

describe('functions between redis-server and embedded nodes', {skip: redisSkip()}, () => {
  const fleet = new Fleet()
  const reals = new RedisNodes()
  after(async () => {
    await fleet.stopAll()
    await reals.stop()
  })

  test('a redis-server replica of an embedded master and an embedded replica of a redis-server master both get the libraries', async () => {
    const em = await fleet.node()
    await em.c.function('LOAD', LIB)
    const [real] = await reals.start(1, {cluster: false, extra: ['--replicaof', '127.0.0.1', String(em.n.port)]})
    const rc = fleet.client(real.port)
    await waitFor(async () => (await info(rc)).master_link_status === 'up', 15000, 'redis-server replica linked')
    await waitFor(async () => ((await rc.function('LIST')) as unknown[]).length === 1, 10000, 'library on the redis-server replica')
    await em.c.fcall('bump', 1, 'x', 3)
    await waitFor(async () => (await rc.get('x')) === '3', 10000, 'FCALL effect on the redis-server replica')

    const [rm] = await reals.start(1, {cluster: false, extra: ['--repl-diskless-sync-delay', '0']})
    const rmc = fleet.client(rm.port)
    await rmc.function('LOAD', LIB)
    const er = await fleet.node()
    await er.c.replicaof('127.0.0.1', String(rm.port))
    await waitSynced(rmc, er.c)
    assert.equal(await er.c.fcall_ro('peek', 1, 'nokey'), null)
    // FUNCTION DUMP / RESTORE payloads are interchangeable both ways.
    const fromEmbedded = (await em.c.callBuffer('FUNCTION', 'DUMP')) as Buffer
    assert.equal(String(await rc.callBuffer('FUNCTION', 'RESTORE', fromEmbedded, 'FLUSH').catch((e: Error) => e.message)), 'READONLY You can\'t write against a read only replica.')
    assert.equal(String(await rmc.callBuffer('FUNCTION', 'RESTORE', fromEmbedded, 'REPLACE')), 'OK')
    const fromReal = (await rmc.callBuffer('FUNCTION', 'DUMP')) as Buffer
    const scratch = await fleet.node()
    assert.equal(String(await scratch.c.callBuffer('FUNCTION', 'RESTORE', fromReal)), 'OK')
    assert.equal(await scratch.c.fcall('bump', 1, 'z', 4), 4)
    await rmc.function('LOAD', "#!lua name=later\nredis.register_function{function_name='later', callback=function() return 'late' end, flags={'no-writes'}}")
    await waitSynced(rmc, er.c)
    assert.equal(await er.c.fcall('later', 0), 'late')
  })
})

describe('scripts in an embedded cluster', () => {
  let cluster: LocalCluster
  let root: string
  const clients: Redis[] = []
  before(async () => {
    root = mkdtempSync(join(tmpdir(), 'redis-ts-script-cluster-'))
    cluster = await startLocalCluster({dir: join(root, 'c'), masters: 3, replicas: 0, server: 'embedded', timeoutMs: 60000})
  })
  after(async () => {
    for (const c of clients) c.disconnect()
    await cluster?.stop({clean: true})
    rmSync(root, {recursive: true, force: true})
  })

  test('declared keys are checked before the script, undeclared ones by redis.call; no-cluster scripts refused', async () => {
    const node = cluster.nodes[0]
    const c = new Redis({port: node.port, host: '127.0.0.1'})
    clients.push(c)
    const nodes = String(await c.cluster('NODES'))
    const mine = nodes.split('\n').find((l) => l.includes('myself'))!
    const [lo, hi] = mine.split(' ').slice(8)[0].split('-').map(Number)
    let local = ''
    let remote = ''
    for (let i = 0; (local === '' || remote === '') && i < 100000; i++) {
      const s = keySlot(`k${i}`)
      if (s >= lo && s <= hi) local ||= `k${i}`
      else remote ||= `k${i}`
    }
    assert.equal(await c.eval("return redis.call('SET', KEYS[1], 'v')", 1, local), 'OK')
    assert.match(await errorOf(c.eval("return redis.call('GET', KEYS[1])", 1, remote)), /^MOVED \d+ /)
    assert.match(await errorOf(c.eval('return 1', 2, local, remote)), /^CROSSSLOT /)
    assert.match(await errorOf(c.eval(`return redis.call('GET', '${remote}')`, 0)), /^ERR Script attempted to access a non local key in a cluster node script:/)
    assert.match(await errorOf(c.eval("#!lua flags=no-cluster\nreturn 1", 0)), /^ERR Can not run script on cluster, 'no-cluster' flag is set\.$/)
    // Without a shebang (compatibility mode) the keys a script touches need not share a slot.
    let sibling = ''
    for (let i = 0; sibling === '' && i < 100000; i++) {
      const s = keySlot(`s${i}`)
      if (s >= lo && s <= hi && s !== keySlot(local)) sibling = `s${i}`
    }
    assert.equal(await c.eval(`redis.call('SET', '${sibling}', 1) return redis.call('GET', KEYS[1])`, 1, local), 'v')
    assert.match(await errorOf(c.eval(`#!lua\nredis.call('SET', '${sibling}', 1) return redis.call('GET', KEYS[1])`, 1, local)), /Script attempted to access keys that do not hash to the same slot/)
    assert.equal(await c.eval(`#!lua flags=allow-cross-slot-keys\nredis.call('SET', '${sibling}', 1) return redis.call('GET', KEYS[1])`, 1, local), 'v')
  })
})

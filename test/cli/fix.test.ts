// End to end against real redis-server: break a 3-master cluster on purpose with raw commands, then
// `fix --yes` must repair it (interrupted migrations rolled FORWARD), `check` must exit 0 afterwards
// and every key must be readable with its value.
import {after, before, describe, test} from 'node:test'
import assert from 'node:assert/strict'
import {Redis} from 'ioredis'
import {RedisNodes, redisSkip, type TestNode} from '../helpers/redis-server.js'
import {runCli} from '../helpers/cli.js'
import {makeCluster, tagForSlot, verifyKeys, viewOf} from '../integration/admin-move-helpers.js'

const skip = redisSkip()

describe('fix against redis-server', {skip}, () => {
  const rn = new RedisNodes()
  let nodes: TestNode[] = []
  let A: TestNode // owns slot 0
  let B: TestNode // owns slot 5461
  let C: TestNode // owns slot 10923
  const id = new Map<TestNode, string>()
  const expected = new Map<string, string>()

  const call = (n: TestNode, ...args: string[]) => rn.call(n, ...args)
  // The myself line without its ping/pong timestamps.
  const myselfLine = (t: unknown) => String(t).split('\n').find((l) => l.includes('myself'))!.split(' ').filter((_, i) => i !== 4 && i !== 5).join(' ')
  async function asking(n: TestNode, key: string, value: string): Promise<void> {
    const c = new Redis({host: n.host, port: n.port, maxRetriesPerRequest: 0})
    try {
      const res = await c.pipeline().call('ASKING').set(key, value).exec()
      assert.equal(res?.[1][0], null, `ASKING SET ${key} on ${n.address}: ${res?.[1][0]}`)
    } finally {
      c.disconnect()
    }
  }
  /** Write `count` keys of `slot` on `n` (its owner), remember their values. */
  async function fill(n: TestNode, slot: number, count: number): Promise<string[]> {
    const tag = tagForSlot(slot)
    const keys: string[] = []
    for (let i = 0; i < count; i++) {
      const k = `{${tag}}:${i}`
      await call(n, 'SET', k, `v${slot}-${i}`)
      expected.set(k, `v${slot}-${i}`)
      keys.push(k)
    }
    return keys
  }
  const migrate = (from: TestNode, to: TestNode, keys: string[]) => call(from, 'MIGRATE', to.host, String(to.port), '', '0', '5000', 'KEYS', ...keys)
  const ownerOf = async (slot: number) => {
    const v = await viewOf(A)
    return v.nodes.find((n) => n.role === 'master' && n.slots.some(([a, b]) => slot >= a && slot <= b))?.id
  }
  async function assertClean(extra: string[] = []): Promise<void> {
    const chk = await runCli(['check', A.address, ...extra])
    assert.equal(chk.code, 0, chk.stdout + chk.stderr)
    assert.deepEqual(await verifyKeys(await viewOf(A), expected), [])
  }
  async function fix(...args: string[]) {
    return runCli(['fix', A.address, '--yes', ...args])
  }

  before(async () => {
    nodes = await makeCluster(rn, 3, {nodeTimeout: 2000})
    const v = await viewOf(nodes[0])
    const at = (slot: number) => nodes.find((n) => n.port === v.nodes.find((x) => x.slots.some(([a, b]) => slot >= a && slot <= b))!.port)!
    ;[A, B, C] = [at(0), at(5461), at(10923)]
    for (const n of nodes) id.set(n, String(await call(n, 'CLUSTER', 'MYID')))
  })
  after(() => rn.stop())

  test('--dry-run changes nothing; without --yes and without a TTY it refuses (exit 5)', async () => {
    const keys = await fill(A, 100, 6)
    await call(B, 'CLUSTER', 'SETSLOT', '100', 'IMPORTING', id.get(A)!)
    await call(A, 'CLUSTER', 'SETSLOT', '100', 'MIGRATING', id.get(B)!)
    await migrate(A, B, keys.slice(0, 2))
    const before = await Promise.all(nodes.map((n) => call(n, 'CLUSTER', 'NODES').then(myselfLine)))
    const dry = await runCli(['fix', A.address, '--dry-run'])
    assert.equal(dry.code, 0, dry.stderr)
    assert.match(dry.stdout, /roll-forward/)
    assert.match(dry.stdout, /Dry run: nothing was changed/)
    const noYes = await runCli(['fix', A.address])
    assert.equal(noYes.code, 5, noYes.stderr)
    const afterDry = await Promise.all(nodes.map((n) => call(n, 'CLUSTER', 'NODES').then(myselfLine)))
    assert.deepEqual(afterDry, before)
    assert.equal(Number(await call(A, 'CLUSTER', 'COUNTKEYSINSLOT', '100')), 4)
    const r = await fix()
    assert.equal(r.code, 0, r.stdout + r.stderr)
    assert.equal(await ownerOf(100), id.get(B))
    await assertClean()
  })

  test('the five half-migrated states are all rolled forward to the target', async () => {
    const [a, b] = [id.get(A)!, id.get(B)!]
    // 200: MIGRATING on the source only
    await fill(A, 200, 5)
    await call(A, 'CLUSTER', 'SETSLOT', '200', 'MIGRATING', b)
    // 201: IMPORTING on the target only, one key already written there (ASKING)
    await fill(A, 201, 5)
    await call(B, 'CLUSTER', 'SETSLOT', '201', 'IMPORTING', a)
    await asking(B, `{${tagForSlot(201)}}:new`, 'onB')
    expected.set(`{${tagForSlot(201)}}:new`, 'onB')
    // 202: both states, 3 of 10 keys moved
    const k202 = await fill(A, 202, 10)
    await call(B, 'CLUSTER', 'SETSLOT', '202', 'IMPORTING', a)
    await call(A, 'CLUSTER', 'SETSLOT', '202', 'MIGRATING', b)
    await migrate(A, B, k202.slice(0, 3))
    // 203: all keys moved, SETSLOT NODE done on the source only
    const k203 = await fill(A, 203, 5)
    await call(B, 'CLUSTER', 'SETSLOT', '203', 'IMPORTING', a)
    await call(A, 'CLUSTER', 'SETSLOT', '203', 'MIGRATING', b)
    await migrate(A, B, k203)
    await call(A, 'CLUSTER', 'SETSLOT', '203', 'NODE', b)
    // 204: all keys moved, SETSLOT NODE done on the target only
    const k204 = await fill(A, 204, 5)
    await call(B, 'CLUSTER', 'SETSLOT', '204', 'IMPORTING', a)
    await call(A, 'CLUSTER', 'SETSLOT', '204', 'MIGRATING', b)
    await migrate(A, B, k204)
    await call(B, 'CLUSTER', 'SETSLOT', '204', 'NODE', b)
    const bad = await runCli(['check', A.address])
    assert.equal(bad.code, 3)
    const r = await fix()
    assert.equal(r.code, 0, r.stdout + r.stderr)
    for (const s of [200, 201, 202, 203, 204]) assert.equal(await ownerOf(s), b, `slot ${s}`)
    await assertClean()
  })

  test('50 open slots at once', async () => {
    const [a, b] = [id.get(A)!, id.get(B)!]
    for (let s = 300; s < 350; s++) {
      const keys = await fill(A, s, 3)
      await call(B, 'CLUSTER', 'SETSLOT', String(s), 'IMPORTING', a)
      await call(A, 'CLUSTER', 'SETSLOT', String(s), 'MIGRATING', b)
      await migrate(A, B, keys.slice(0, 1))
    }
    const r = await fix()
    assert.equal(r.code, 0, r.stdout + r.stderr)
    for (const s of [300, 325, 349]) assert.equal(await ownerOf(s), b)
    await assertClean()
  })

  test('uncovered slots, without keys and with keys on one or two nodes', async () => {
    const b = id.get(B)!
    await fill(B, 5700, 3)
    // two keys of slot 5700 on C, which does not own it
    await call(C, 'CLUSTER', 'SETSLOT', '5700', 'IMPORTING', b)
    for (const k of ['x', 'y']) {
      const key = `{${tagForSlot(5700)}}:${k}`
      await asking(C, key, `c-${k}`)
      expected.set(key, `c-${k}`)
    }
    await call(C, 'CLUSTER', 'SETSLOT', '5700', 'STABLE')
    await fill(B, 5701, 2)
    for (const n of [A, B, C]) {
      await call(n, 'CLUSTER', 'DELSLOTSRANGE', '5600', '5609')
      await call(n, 'CLUSTER', 'DELSLOTS', '5700', '5701')
    }
    const r = await fix()
    assert.equal(r.code, 0, r.stdout + r.stderr)
    assert.equal(await ownerOf(5700), b)
    assert.equal(await ownerOf(5701), b)
    assert.equal(Number(await call(C, 'CLUSTER', 'COUNTKEYSINSLOT', '5700')), 0)
    await assertClean()
  })

  test('keys of one slot on two masters (--search-multiple-owners)', async () => {
    await fill(C, 11000, 4)
    await call(A, 'CLUSTER', 'SETSLOT', '11000', 'IMPORTING', id.get(C)!)
    const key = `{${tagForSlot(11000)}}:onA`
    await asking(A, key, 'a')
    expected.set(key, 'a')
    await call(A, 'CLUSTER', 'SETSLOT', '11000', 'STABLE')
    const chk = await runCli(['check', A.address, '--search-multiple-owners'])
    assert.equal(chk.code, 3, chk.stdout)
    const r = await fix('--search-multiple-owners')
    assert.equal(r.code, 0, r.stdout + r.stderr)
    assert.equal(await ownerOf(11000), id.get(C))
    await assertClean(['--search-multiple-owners'])
  })

  test('BUSYKEY: equal values are resolved, different values stop the slot with both copies (exit 8)', async () => {
    const [a, b] = [id.get(A)!, id.get(B)!]
    const k400 = await fill(A, 400, 3)
    const k401 = await fill(A, 401, 3)
    for (const s of ['400', '401']) {
      await call(B, 'CLUSTER', 'SETSLOT', s, 'IMPORTING', a)
      await call(A, 'CLUSTER', 'SETSLOT', s, 'MIGRATING', b)
    }
    await asking(B, k400[0], expected.get(k400[0])!) // same value on both sides
    await asking(B, k401[0], 'different') // a real conflict
    const r = await fix()
    assert.equal(r.code, 8, r.stdout + r.stderr)
    assert.match(r.stdout + r.stderr, new RegExp(k401[0].replace(/[{}]/g, '\\$&')))
    assert.equal(await ownerOf(400), b)
    assert.equal(await call(A, 'GET', k401[0]), expected.get(k401[0]))
    const c = new Redis({host: B.host, port: B.port, maxRetriesPerRequest: 0})
    try {
      const res = await c.pipeline().call('ASKING').get(k401[0]).exec()
      assert.equal(res?.[1][1], 'different')
      // The operator decides: drop the target's copy, then fix finishes the slot.
      await c.pipeline().call('ASKING').del(k401[0]).exec()
    } finally {
      c.disconnect()
    }
    const again = await fix()
    assert.equal(again.code, 0, again.stdout + again.stderr)
    assert.equal(await ownerOf(401), b)
    await assertClean()
  })
})

// MIGRATE in cluster mode between two embedded nodes: a slot opened by hand (SETSLOT IMPORTING /
// MIGRATING, MIGRATE ... KEYS, SETSLOT NODE), then `redis-cli --cluster reshard` and the
// library's moveSlots (what `redis-ts reshard` runs) moving slots with keys.
import {after, before, describe, test} from 'node:test'
import assert from 'node:assert/strict'
import * as fs from 'node:fs'
import {spawn, spawnSync} from 'node:child_process'
import {Redis} from 'ioredis'
import calculateSlot from 'cluster-key-slot'
import {startEmbedded, tmpDir, waitFor, type EmbeddedNode} from '../fixtures/bus/embedded.js'
import {NodePool, loadCluster, moveSlots} from '../../src/index.js'
import {installScripting} from '../../src/node/scripting/index.js'
import {blockedClients, gatedProxy, waitBlocked, waitMigrateInFlight} from '../helpers/gated-proxy.js'

const haveRedisCli = spawnSync('redis-cli', ['--version'], {stdio: 'ignore'}).status === 0

function tagForSlot(slot: number): string {
  for (let i = 0; ; i++) if (calculateSlot(`t${i}`) === slot) return `t${i}`
}

async function err(p: Promise<unknown>): Promise<string> {
  try {
    return `reply: ${JSON.stringify(await p)}`
  } catch (e) {
    return (e as Error).message
  }
}

describe('MIGRATE between embedded cluster nodes', () => {
  let dir: string
  const nodes: EmbeddedNode[] = []
  let c: Redis[] = []
  const ids: string[] = []
  const call = (i: number, ...args: (string | number)[]) => c[i].call(String(args[0]), ...args.slice(1).map(String))

  before(async () => {
    dir = tmpDir('node-migrate-cluster')
    for (let i = 0; i < 2; i++) nodes.push(await startEmbedded(dir, {nodeTimeout: 2000}))
    c = nodes.map((n) => new Redis(n.port, '127.0.0.1', {maxRetriesPerRequest: 1}))
    for (let i = 0; i < 2; i++) ids.push((await call(i, 'cluster', 'myid')) as string)
    await call(0, 'cluster', 'set-config-epoch', 1)
    await call(1, 'cluster', 'set-config-epoch', 2)
    await call(0, 'cluster', 'addslotsrange', 0, 8191)
    await call(1, 'cluster', 'addslotsrange', 8192, 16383)
    await call(0, 'cluster', 'meet', '127.0.0.1', nodes[1].port, nodes[1].busPort)
    await waitFor(async () => {
      const infos = await Promise.all([0, 1].map((i) => call(i, 'cluster', 'info') as Promise<string>))
      return infos.every((s) => s.includes('cluster_state:ok') && s.includes('cluster_known_nodes:2'))
    }, 10000, 'cluster_state:ok')
  })

  after(async () => {
    for (const x of c) x.disconnect()
    for (const n of nodes) await n.stop()
    fs.rmSync(dir, {recursive: true, force: true})
  })

  test('RESTORE-ASKING is served for an importing slot without ASKING (CMD_ASKING)', async () => {
    const slot = 100
    const key = `{${tagForSlot(slot)}}probe`
    await c[0].set(key, 'v')
    const payload = await c[0].dumpBuffer(key)
    await call(1, 'cluster', 'setslot', slot, 'importing', ids[0])
    try {
      // Plain RESTORE without ASKING is redirected, as in redis.
      assert.equal(await err(c[1].call('restore', key, '0', payload)), `MOVED ${slot} 127.0.0.1:${nodes[0].port}`)
      // RESTORE-ASKING carries CMD_ASKING: served for an importing slot without a prior ASKING.
      assert.equal(await c[1].call('restore-asking', key, '0', payload), 'OK')
      await c[1].call('asking')
      assert.equal(await c[1].get(key), 'v')
      await c[1].call('asking')
      assert.equal(await c[1].del(key), 1)
    } finally {
      await call(1, 'cluster', 'setslot', slot, 'stable')
      await c[0].del(key)
    }
  })

  test('manual slot migration: IMPORTING/MIGRATING, MIGRATE KEYS, SETSLOT NODE, read via the new owner', async () => {
    const slot = 200
    const tag = tagForSlot(slot)
    const keys = Array.from({length: 60}, (_, i) => `{${tag}}:${i}`)
    for (const [i, k] of keys.entries()) {
      if (i % 3 === 0) await c[0].set(k, `v${i}`, 'PX', 100000)
      else if (i % 3 === 1) await c[0].rpush(k, 'a', String(i))
      else await c[0].zadd(k, i, 'm', '-inf', 'low')
    }
    assert.equal(await call(1, 'cluster', 'setslot', slot, 'importing', ids[0]), 'OK')
    assert.equal(await call(0, 'cluster', 'setslot', slot, 'migrating', ids[1]), 'OK')
    const first = keys.slice(0, 30)
    assert.equal(await call(0, 'migrate', '127.0.0.1', nodes[1].port, '', 0, 5000, 'KEYS', ...first), 'OK')
    // Moved keys are ASK-redirected by the source; the rest are still served there.
    assert.equal(await err(c[0].get(keys[0])), `ASK ${slot} 127.0.0.1:${nodes[1].port}`)
    assert.deepEqual(await c[0].lrange(keys[31], 0, -1), ['a', '31'])
    await c[1].call('asking')
    assert.equal(await c[1].get(keys[0]), 'v0')
    // Single-key form, then the rest as a batch.
    assert.equal(await call(0, 'migrate', '127.0.0.1', nodes[1].port, keys[30], 0, 5000), 'OK')
    assert.equal(await call(0, 'migrate', '127.0.0.1', nodes[1].port, '', 0, 5000, 'KEYS', ...keys.slice(31)), 'OK')
    assert.equal(await call(0, 'cluster', 'countkeysinslot', slot), 0)
    assert.equal(await call(1, 'cluster', 'countkeysinslot', slot), keys.length)
    for (const i of [1, 0]) assert.equal(await call(i, 'cluster', 'setslot', slot, 'node', ids[1]), 'OK')
    assert.equal(await c[1].get(keys[3]), 'v3')
    const pttl = await c[1].pttl(keys[3])
    assert.ok(pttl > 90000 && pttl <= 100000, String(pttl))
    assert.deepEqual(await c[1].zrange(keys[2], 0, -1, 'WITHSCORES'), ['low', '-inf', 'm', '2'])
    assert.equal(await err(c[0].get(keys[3])), `MOVED ${slot} 127.0.0.1:${nodes[1].port}`)
  })

  test('a MIGRATE in flight holds writes to its keys and scripts in their slot; held writes are ASK-redirected after it', async () => {
    const slot = 300
    const tag = tagForSlot(slot)
    const [key, sameSlot] = [`{${tag}}:moving`, `{${tag}}:other`]
    const elsewhere = `{${tagForSlot(301)}}:x`
    await c[0].rpush(key, 'a')
    await c[0].set(sameSlot, 'v')
    await c[0].set(elsewhere, '0')
    // (the bus fixture's nodes carry no scripting layer; the source gets it here)
    if (nodes[0].server.scripting === undefined) installScripting(nodes[0].server)
    const gate = await gatedProxy(nodes[1].port)
    const clients = Array.from({length: 4}, () => new Redis(nodes[0].port, '127.0.0.1', {maxRetriesPerRequest: 1}))
    const [m, pusher, scripter, free] = clients
    try {
      assert.equal(await call(1, 'cluster', 'setslot', slot, 'importing', ids[0]), 'OK')
      assert.equal(await call(0, 'cluster', 'setslot', slot, 'migrating', ids[1]), 'OK')
      const moved = m.call('migrate', '127.0.0.1', String(gate.port), key, '0', '60000')
      await waitMigrateInFlight(c[0])
      const pushed = err(pusher.rpush(key, 'b'))
      // A script declaring another key of the same slot (still here) could write the key being
      // moved (7.0 lets a script touch undeclared keys of its slot): held.
      const script = err(scripter.eval("return redis.call('append', KEYS[1], 'x')", 1, sameSlot))
      await waitBlocked(c[0], 2, 'the RPUSH and the script held')
      // Another slot: neither a write nor a script declaring its keys waits.
      assert.equal(await free.incr(elsewhere), 1)
      assert.equal(await free.eval("return redis.call('incr', KEYS[1])", 1, elsewhere), 2)
      assert.equal(await blockedClients(c[0]), 2)
      gate.open()
      assert.equal(await moved, 'OK')
      // Run again from scratch once the key has moved: the slot is migrating and the key gone.
      assert.equal(await pushed, `ASK ${slot} 127.0.0.1:${nodes[1].port}`)
      assert.equal(await script, 'reply: 2')
      assert.equal(await c[0].get(sameSlot), 'vx')
      await c[1].call('asking')
      assert.deepEqual(await c[1].lrange(key, 0, -1), ['a'])
    } finally {
      gate.open()
      gate.close()
      for (const x of clients) x.disconnect()
      await c[1].call('asking')
      await c[1].del(key)
      for (const i of [0, 1]) await call(i, 'cluster', 'setslot', slot, 'stable')
      await c[0].del(elsewhere)
      await c[0].del(key, sameSlot)
    }
  })

  test('redis-cli --cluster reshard moves slots with keys between embedded nodes', {skip: haveRedisCli ? false : 'redis-cli not on PATH'}, async () => {
    // redis-cli takes the lowest-numbered slots of the source: 0..9 here.
    const keys = new Map<string, string>()
    for (let s = 0; s < 10; s++) for (let i = 0; i < 20; i++) keys.set(`{${tagForSlot(s)}}k${i}`, `s${s}i${i}`)
    for (const [k, v] of keys) await c[0].set(k, v)
    const out = await new Promise<{code: number | null; text: string}>((resolve) => {
      const p = spawn('redis-cli', ['--cluster', 'reshard', `127.0.0.1:${nodes[0].port}`, '--cluster-from', ids[0], '--cluster-to', ids[1], '--cluster-slots', '10', '--cluster-yes'])
      let text = ''
      p.stdout.on('data', (d) => (text += d))
      p.stderr.on('data', (d) => (text += d))
      const timer = setTimeout(() => p.kill('SIGKILL'), 60000)
      p.on('close', (code) => {
        clearTimeout(timer)
        resolve({code, text})
      })
    })
    assert.equal(out.code, 0, out.text)
    for (let s = 0; s < 10; s++) assert.equal(await call(0, 'cluster', 'countkeysinslot', s), 0, `slot ${s} emptied`)
    await waitFor(async () => ((await call(0, 'cluster', 'nodes')) as string).includes(`0-9`), 5000, 'slots 0-9 reassigned')
    for (const [k, v] of keys) assert.equal(await c[1].get(k), v, k)
  })

  test('moveSlots (redis-ts reshard) moves slots back with their keys', async () => {
    const keys = new Map<string, string>()
    for (const s of [0, 1, 9000]) for (let i = 0; i < 15; i++) keys.set(`{${tagForSlot(s)}}m${i}`, `${s}:${i}`)
    const owner = (k: string) => (calculateSlot(k) < 10 || calculateSlot(k) >= 8192 ? 1 : 0)
    for (const [k, v] of keys) await c[owner(k)].set(k, v)
    let before = 0
    for (const s of [0, 1, 9000]) before += (await call(1, 'cluster', 'countkeysinslot', s)) as number
    assert.ok(before >= keys.size)
    const pool = new NodePool({})
    try {
      const view = await loadCluster({host: '127.0.0.1', port: nodes[0].port}, pool)
      const r = await moveSlots(pool, view, [0, 1, 9000].map((slot) => ({slot, sourceId: ids[1], targetId: ids[0]})), {pipeline: 7})
      assert.deepEqual(r.failed, [])
      assert.equal(r.keysMoved, before, 'every key of the slots, including the earlier reshard\'s')
    } finally {
      await pool.close()
    }
    for (const [k, v] of keys) assert.equal(await c[0].get(k), v, k)
    for (const s of [0, 1, 9000]) assert.equal(await call(1, 'cluster', 'countkeysinslot', s), 0)
  })
})

// Slot migration across kinds of node: one embedded node and one real redis-server 7.0 in one
// cluster. Keys move embedded -> real (our MIGRATE sends SELECT 0 + RESTORE-ASKING to redis) and
// real -> embedded (redis's MIGRATE into our RESTORE-ASKING), by hand and with redis-cli reshard.
import {after, before, describe, test} from 'node:test'
import assert from 'node:assert/strict'
import * as fs from 'node:fs'
import {spawn} from 'node:child_process'
import {Redis} from 'ioredis'
import calculateSlot from 'cluster-key-slot'
import {haveRedisServer, startEmbedded, startRealRedis, tmpDir, waitFor, type EmbeddedNode, type RealNode} from '../fixtures/bus/embedded.js'

const skip = !haveRedisServer()

function tagForSlot(slot: number): string {
  for (let i = 0; ; i++) if (calculateSlot(`t${i}`) === slot) return `t${i}`
}


async function readAll(c: Redis, key: string): Promise<unknown> {
  const type = await c.type(key)
  if (type === 'string') return [type, await c.get(key)]
  if (type === 'list') return [type, await c.lrange(key, 0, -1)]
  if (type === 'hash') return [type, await c.hgetall(key)]
  if (type === 'set') return [type, (await c.smembers(key)).sort()]
  return [type, await c.zrange(key, 0, -1, 'WITHSCORES')]
}

describe('MIGRATE in a mixed cluster (embedded + redis-server 7.0)', {skip: skip && 'redis-server 7 not on PATH'}, () => {
  let dir: string
  let emb: EmbeddedNode
  let real: RealNode
  let c: Redis[] = []
  const ids: string[] = []
  const port = () => [emb.port, real.port]
  const call = (i: number, ...args: (string | number)[]) => c[i].call(String(args[0]), ...args.slice(1).map(String))

  before(async () => {
    dir = tmpDir('migrate-mixed')
    emb = await startEmbedded(dir, {nodeTimeout: 2000})
    real = await startRealRedis(dir, 2000)
    c = [emb.port, real.port].map((p) => new Redis(p, '127.0.0.1', {maxRetriesPerRequest: 2}))
    for (let i = 0; i < 2; i++) ids.push((await call(i, 'cluster', 'myid')) as string)
    await call(0, 'cluster', 'set-config-epoch', 1)
    await call(1, 'cluster', 'set-config-epoch', 2)
    await call(0, 'cluster', 'addslotsrange', 0, 8191)
    await call(1, 'cluster', 'addslotsrange', 8192, 16383)
    await call(1, 'cluster', 'meet', '127.0.0.1', emb.port, emb.busPort)
    await waitFor(async () => {
      const infos = await Promise.all([0, 1].map((i) => call(i, 'cluster', 'info') as Promise<string>))
      return infos.every((s) => s.includes('cluster_state:ok') && s.includes('cluster_known_nodes:2'))
    }, 20000, 'cluster_state:ok')
  })

  after(async () => {
    for (const x of c) x.disconnect()
    await emb?.stop()
    real?.stop()
    fs.rmSync(dir, {recursive: true, force: true})
  })

  async function fillSlot(i: number, slot: number, n: number): Promise<Map<string, unknown>> {
    const tag = tagForSlot(slot)
    const out = new Map<string, unknown>()
    for (let j = 0; j < n; j++) {
      const k = `{${tag}}:${j}`
      if (j % 4 === 0) await c[i].set(k, `v${j}`, 'PX', 120000)
      else if (j % 4 === 1) await c[i].rpush(k, 'x', String(j))
      else if (j % 4 === 2) await c[i].hset(k, 'f', String(j))
      else await c[i].zadd(k, j, 'm', '-inf', 'low')
      out.set(k, await readAll(c[i], k))
    }
    return out
  }

  /** The whole slot-move protocol driven by hand (what redis-cli does), src -> dst. */
  async function moveSlot(src: number, dst: number, slot: number, keys: string[]): Promise<unknown> {
    assert.equal(await call(dst, 'cluster', 'setslot', slot, 'importing', ids[src]), 'OK')
    assert.equal(await call(src, 'cluster', 'setslot', slot, 'migrating', ids[dst]), 'OK')
    const r = await c[src].call('migrate', '127.0.0.1', String(port()[dst]), '', '0', '5000', 'KEYS', ...keys).catch((e: Error) => e.message)
    if (r !== 'OK') return r
    for (const i of [dst, src]) assert.equal(await call(i, 'cluster', 'setslot', slot, 'node', ids[dst]), 'OK')
    return r
  }

  test('embedded -> redis: MIGRATE (SELECT 0 + RESTORE-ASKING) moves a slot; values and TTLs kept', async () => {
    const slot = 300
    const data = await fillSlot(0, slot, 40)
    assert.equal(await moveSlot(0, 1, slot, [...data.keys()]), 'OK')
    assert.equal(await call(0, 'cluster', 'countkeysinslot', slot), 0)
    for (const [k, v] of data) assert.deepEqual(await readAll(c[1], k), v, k)
    const ttl = await c[1].pttl([...data.keys()][0])
    assert.ok(ttl > 100000 && ttl <= 120000, String(ttl))
  })

  test('redis -> embedded: redis MIGRATE into our RESTORE-ASKING', async () => {
    const slot = 9000
    const data = await fillSlot(1, slot, 40)
    const keys = [...data.keys()]
    assert.equal(await moveSlot(1, 0, slot, keys), 'OK')
    assert.equal(await call(1, 'cluster', 'countkeysinslot', slot), 0)
    for (const [k, v] of data) assert.deepEqual(await readAll(c[0], k), v, k)
    const ttl = await c[0].pttl(keys[0])
    assert.ok(ttl > 100000 && ttl <= 120000, String(ttl))
  })

  test('redis-cli --cluster reshard both ways across the two kinds of node', async () => {
    const reshard = (from: string, to: string, n: number) =>
      new Promise<{code: number | null; text: string}>((resolve) => {
        const p = spawn('redis-cli', ['--cluster', 'reshard', `127.0.0.1:${real.port}`, '--cluster-from', from, '--cluster-to', to, '--cluster-slots', String(n), '--cluster-yes'])
        let text = ''
        p.stdout.on('data', (d) => (text += d))
        p.stderr.on('data', (d) => (text += d))
        const timer = setTimeout(() => p.kill('SIGKILL'), 60000)
        p.on('close', (code) => {
          clearTimeout(timer)
          resolve({code, text})
        })
      })
    // embedded (lowest slots 0..4) -> redis
    const down = new Map<string, unknown>()
    for (let s = 0; s < 5; s++) for (const [k, v] of await fillSlot(0, s, 8)) down.set(k, v)
    let r = await reshard(ids[0], ids[1], 5)
    assert.equal(r.code, 0, r.text)
    for (const [k, v] of down) assert.deepEqual(await readAll(c[1], k), v, k)
    // and back: redis's lowest slots are now 0..4
    r = await reshard(ids[1], ids[0], 5)
    assert.equal(r.code, 0, r.text)
    for (let s = 0; s < 5; s++) assert.equal(await call(1, 'cluster', 'countkeysinslot', s), 0)
    for (const [k, v] of down) assert.deepEqual(await readAll(c[0], k), v, k)
  })
})

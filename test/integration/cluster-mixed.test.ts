// The compatibility proof: one embedded node and two real redis-server 7.0.15 nodes form one
// cluster over the binary bus. Real nodes must see the embedded node connected and agree on
// slots; cluster_state:ok everywhere; data served across both kinds of node.
// Skipped without redis-server unless REDIS_TS_REQUIRE_REDIS=1.
import {test, describe, before, after} from 'node:test'
import assert from 'node:assert/strict'
import * as fs from 'node:fs'
import {Redis, Cluster} from 'ioredis'
import {haveRedisServer, startEmbedded, startRealRedis, tmpDir, waitFor, type EmbeddedNode, type RealNode} from '../fixtures/bus/embedded.js'

const skip = !haveRedisServer()

describe('mixed cluster: embedded node + real redis-server', {skip: skip && 'redis-server 7 not on PATH'}, () => {
  let dir: string
  let emb: EmbeddedNode
  let reals: RealNode[] = []
  let clients: Redis[] = []
  const ids: string[] = []
  const call = (i: number, ...args: (string | number)[]) => clients[i].call(args[0] as string, ...args.slice(1).map(String))

  before(async () => {
    dir = tmpDir('cluster-mixed')
    emb = await startEmbedded(dir, {nodeTimeout: 2000, hostname: 'emb.test'})
    reals = [await startRealRedis(dir, 2000), await startRealRedis(dir, 2000)]
    const ports = [emb.port, ...reals.map((r) => r.port)]
    clients = ports.map((p) => new Redis(p, '127.0.0.1', {maxRetriesPerRequest: 2, retryStrategy: (n) => (n > 20 ? null : 100)}))
    for (const c of clients) c.on('error', () => {}) // the embedded node is killed in the last test
    for (let i = 0; i < 3; i++) ids.push((await call(i, 'cluster', 'myid')) as string)
    for (let i = 0; i < 3; i++) await call(i, 'cluster', 'set-config-epoch', i + 1)
    await call(0, 'cluster', 'addslotsrange', 0, 5460)
    await call(1, 'cluster', 'addslotsrange', 5461, 10922)
    await call(2, 'cluster', 'addslotsrange', 10923, 16383)
    // The real node MEETs the embedded one, the embedded one MEETs the other real node:
    // both directions of the handshake are exercised.
    await call(1, 'cluster', 'meet', '127.0.0.1', emb.port, emb.busPort)
    await call(0, 'cluster', 'meet', '127.0.0.1', reals[1].port, reals[1].busPort)
    await waitFor(async () => {
      const infos = await Promise.all([0, 1, 2].map((i) => call(i, 'cluster', 'info') as Promise<string>))
      const texts = await Promise.all([0, 1, 2].map((i) => call(i, 'cluster', 'nodes') as Promise<string>))
      return infos.every((s) => s.includes('cluster_state:ok') && s.includes('cluster_known_nodes:3')) &&
        texts.every((t) => !t.includes('disconnected'))
    }, 20000, 'cluster_state:ok on embedded and real nodes')
  })

  after(async () => {
    for (const c of clients) c.disconnect()
    await emb?.stop()
    for (const r of reals) r.stop()
    fs.rmSync(dir, {recursive: true, force: true})
  })

  test('real nodes list the embedded node as a connected master with its slots and hostname', async () => {
    for (const i of [1, 2]) {
      const text = (await call(i, 'cluster', 'nodes')) as string
      const line = text.split('\n').find((l) => l.startsWith(ids[0]))
      assert.ok(line, `embedded node unknown to real node ${i}:\n${text}`)
      assert.match(line!, new RegExp(`^${ids[0]} 127\\.0\\.0\\.1:${emb.port}@${emb.busPort},emb\\.test master - \\d+ \\d+ 1 connected 0-5460$`))
    }
  })

  test('all three nodes agree on the slot map (redis-cli --cluster check signature)', async () => {
    const sigs = await Promise.all([0, 1, 2].map(async (i) => {
      const text = (await call(i, 'cluster', 'nodes')) as string
      return text.trimEnd().split('\n').map((l) => l.split(' ')).map((f) => `${f[0]}:${f.slice(8).join(',')}`).sort().join('|')
    }))
    assert.equal(sigs[0], sigs[1])
    assert.equal(sigs[1], sigs[2])
    const embText = (await call(0, 'cluster', 'nodes')) as string
    for (const l of embText.trimEnd().split('\n')) assert.match(l, / connected/)
  })

  test('real node redirects to the embedded node and back', async () => {
    // "a" hashes to 15495 (real node 2); "b" to 3300 (embedded node).
    await assert.rejects(call(1, 'set', 'b', '1'), new RegExp(`MOVED 3300 127\\.0\\.0\\.1:${emb.port}`))
    await assert.rejects(call(0, 'set', 'a', '1'), new RegExp(`MOVED 15495 127\\.0\\.0\\.1:${reals[1].port}`))
    const cluster = new Cluster([{host: '127.0.0.1', port: reals[0].port}])
    try {
      for (let i = 0; i < 30; i++) await cluster.set(`key:${i}`, String(i))
      for (let i = 0; i < 30; i++) assert.equal(await cluster.get(`key:${i}`), String(i))
      assert.ok(Number(await call(0, 'dbsize')) > 0, 'embedded node received some keys')
    } finally {
      cluster.disconnect()
    }
  })

  test('PUBLISH on a real node reaches a subscriber on the embedded node', async () => {
    const sub = new Redis(emb.port, '127.0.0.1')
    try {
      const got = new Promise<string>((resolve) => sub.on('message', (_c, m) => resolve(m)))
      await sub.subscribe('news')
      await call(1, 'publish', 'news', 'hello-bus')
      assert.equal(await Promise.race([got, new Promise((r) => setTimeout(() => r('timeout'), 3000))]), 'hello-bus')
    } finally {
      sub.disconnect()
    }
  })

  test('killing the embedded node: real nodes mark it fail; the cluster goes down', async () => {
    await emb.stop()
    await waitFor(async () => {
      const text = (await call(1, 'cluster', 'nodes')) as string
      return new RegExp(`^${ids[0]} .* master,fail `, 'm').test(text)
    }, 15000, 'real node to mark the embedded node as fail')
    await waitFor(async () => ((await call(2, 'cluster', 'info')) as string).includes('cluster_state:fail'), 5000, 'cluster_state:fail')
  })
})

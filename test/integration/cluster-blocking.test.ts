// A client blocked on a key whose slot moves to another node gets -MOVED (Redis clientsCron:
// clusterRedirectBlockedClientIfNeeded), like redis-server does.
import {after, before, describe, test} from 'node:test'
import assert from 'node:assert/strict'
import * as fs from 'node:fs'
import {Redis} from 'ioredis'
import {startEmbedded, tmpDir, waitFor, type EmbeddedNode} from '../fixtures/bus/embedded.js'
import {keySlot} from '../../src/node/keyspace/slot.js'

describe('blocked clients and slot moves', () => {
  let dir: string
  const nodes: EmbeddedNode[] = []
  let clients: Redis[] = []
  const ids: string[] = []
  const call = (i: number, ...args: (string | number)[]) => clients[i].call(String(args[0]), ...args.slice(1).map(String))

  before(async () => {
    dir = tmpDir('cluster-blocking')
    for (let i = 0; i < 2; i++) nodes.push(await startEmbedded(dir, {nodeTimeout: 2000}))
    clients = nodes.map((n) => new Redis(n.port, '127.0.0.1', {maxRetriesPerRequest: 1}))
    for (let i = 0; i < 2; i++) ids.push(String(await call(i, 'cluster', 'myid')))
    await call(0, 'cluster', 'set-config-epoch', 1)
    await call(1, 'cluster', 'set-config-epoch', 2)
    await call(0, 'cluster', 'addslotsrange', 0, 8191)
    await call(1, 'cluster', 'addslotsrange', 8192, 16383)
    await call(0, 'cluster', 'meet', '127.0.0.1', nodes[1].port, nodes[1].busPort)
    await waitFor(async () => (await Promise.all([0, 1].map((i) => call(i, 'cluster', 'info')))).every((t) => String(t).includes('cluster_state:ok')), 15000, 'cluster ok')
  })

  after(async () => {
    clients.forEach((c) => c.disconnect())
    for (const n of nodes) await n.stop()
    fs.rmSync(dir, {recursive: true, force: true})
  })

  test('BLPOP on a slot that moves away is answered with MOVED', async () => {
    let key = 'blocked0'
    for (let i = 0; keySlot(key) > 8191; i++) key = `blocked${i}`
    const slot = keySlot(key)
    const blocker = new Redis(nodes[0].port, '127.0.0.1', {maxRetriesPerRequest: 1})
    try {
      const pending = blocker.blpop(key, 0).then(
        () => 'served',
        (e: Error) => e.message,
      )
      await new Promise((r) => setTimeout(r, 100))
      await call(1, 'cluster', 'setslot', slot, 'node', ids[1])
      await call(0, 'cluster', 'setslot', slot, 'node', ids[1])
      const t0 = Date.now()
      assert.equal(await pending, `MOVED ${slot} 127.0.0.1:${nodes[1].port}`)
      assert.ok(Date.now() - t0 < 2000)
    } finally {
      blocker.disconnect()
    }
  })
})

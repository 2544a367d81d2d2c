// A restarted embedded node rejoins with its id, epochs and slots from nodes.conf (clean stop and kill -9);
// after a clean stop its keys are back too (final RDB save on SIGTERM, loaded at start-up).
import {after, before, describe, test} from 'node:test'
import assert from 'node:assert/strict'
import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {Redis} from 'ioredis'
import {startLocalCluster, type LocalCluster} from '../../src/local/cluster.js'
import {spawnNode, stopPids, type SpawnedNode} from '../../src/local/launcher.js'
import {parseClusterNodes} from '../../src/admin/topology/parse.js'
import {keySlot} from '../../src/node/keyspace/slot.js'

async function call(port: number, ...args: string[]): Promise<string> {
  const c = new Redis({port, host: '127.0.0.1', maxRetriesPerRequest: 0, retryStrategy: () => null, lazyConnect: true})
  c.on('error', () => {})
  try {
    await c.connect()
    return String(await c.call(args[0], ...args.slice(1)))
  } finally {
    c.disconnect()
  }
}

async function waitFor(pred: () => Promise<boolean>, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms
  for (;;) {
    if (await pred().catch(() => false)) return
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`)
    await new Promise((r) => setTimeout(r, 50))
  }
}

describe('embedded node restart', () => {
  const root = mkdtempSync(join(tmpdir(), 'redis-ts-restart-'))
  let cluster: LocalCluster
  const extra: SpawnedNode[] = []
  before(async () => {
    cluster = await startLocalCluster({dir: join(root, 'c'), masters: 3, replicas: 0, nodeTimeoutMs: 1000})
  })
  after(async () => {
    await stopPids(extra.map((n) => n.pid))
    await cluster.stop()
    rmSync(root, {recursive: true, force: true})
  })

  for (const signal of ['SIGTERM', 'SIGKILL'] as const) {
    test(`after ${signal} the node comes back with the same id, epoch and slots`, async () => {
      const n = cluster.nodes[signal === 'SIGTERM' ? 0 : 1]
      const self = () => call(n.port, 'CLUSTER', 'NODES').then((t) => parseClusterNodes(t).find((e) => e.myself)!)
      const before = await self()
      const [from] = before.slots[0]
      let i = 0
      while (keySlot(`restart-${i}`) !== from) i++
      const key = `restart-${i}`
      await call(n.port, 'SET', key, 'kept', 'EX', '1000')
      const current = [...cluster.nodes, ...extra].find((x) => x.port === n.port)!
      process.kill(current.pid, signal)
      await stopPids([current.pid], 5000)
      const again = spawnNode({port: n.port, busPort: n.busPort, dir: n.dir, nodeTimeoutMs: 1000, server: 'embedded', detached: false})
      extra.push(again)
      await waitFor(async () => (await call(n.port, 'PING')) === 'PONG', 15000, 'restarted node answers')
      const after = await self()
      assert.equal(after.id, before.id)
      assert.equal(after.configEpoch, before.configEpoch)
      assert.deepEqual(after.slots, before.slots)
      await waitFor(
        async () => (await Promise.all(cluster.nodes.map((x) => call(x.port, 'CLUSTER', 'INFO')))).every((t) => t.includes('cluster_state:ok')),
        20000,
        'cluster ok again',
      )
      if (signal === 'SIGTERM') {
        assert.equal(await call(n.port, 'GET', key), 'kept')
        assert.ok(Number(await call(n.port, 'TTL', key)) > 990)
      }
      const seen = parseClusterNodes(await call(cluster.nodes[2].port, 'CLUSTER', 'NODES')).find((e) => e.id === before.id)!
      assert.equal(seen.linkState, 'connected')
      assert.ok(!seen.flags.includes('fail'), seen.flags.join(','))
    })
  }
})

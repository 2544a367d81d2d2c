// Restart every node of an embedded 3+3 local cluster (SIGTERM, then start again in place):
// topology, data and replication come back, and replicas continue with a partial resync.
import {after, before, describe, test} from 'node:test'
import assert from 'node:assert/strict'
import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {Cluster, Redis} from 'ioredis'
import {startLocalCluster, type LocalCluster} from '../../src/local/cluster.js'
import {spawnNode, stopPids, type SpawnedNode} from '../../src/local/launcher.js'
import {parseClusterNodes} from '../../src/admin/topology/parse.js'
import {info, waitFor} from '../helpers/repl.js'

describe('restarting every node of an embedded local cluster', () => {
  const root = mkdtempSync(join(tmpdir(), 'redis-ts-clrestart-'))
  let cluster: LocalCluster
  const again: SpawnedNode[] = []
  const conns: Redis[] = []
  const conn = (port: number) => {
    const c = new Redis({port, host: '127.0.0.1', maxRetriesPerRequest: 1, retryStrategy: () => null})
    c.on('error', () => {})
    conns.push(c)
    return c
  }
  // node timeout 5 s: all six restart at once, and on a loaded machine one master may come up
  // seconds after its replica, which must not count as a failure (it would, legitimately, fail over)
  before(async () => {
    cluster = await startLocalCluster({dir: join(root, 'c'), masters: 3, replicas: 1, nodeTimeoutMs: 5000})
  })
  after(async () => {
    for (const c of conns) c.disconnect()
    await stopPids(again.map((n) => n.pid))
    await cluster.stop()
    rmSync(root, {recursive: true, force: true})
  })

  test('topology, data and replication come back', async () => {
    const seeds = cluster.nodes.slice(0, 3).map((n) => ({host: '127.0.0.1', port: n.port}))
    const c = new Cluster(seeds, {redisOptions: {maxRetriesPerRequest: 5}})
    const written = new Map<string, string>()
    for (let i = 0; i < 2000; i++) written.set(`r${i}`, `v${i}`)
    await Promise.all([...written].map(([k, v]) => c.set(k, v)))
    c.disconnect()
    const before = parseClusterNodes(String(await conn(cluster.nodes[0].port).call('CLUSTER', 'NODES')))
    // let every replica catch up, then stop everything gracefully
    for (const n of before.filter((e) => e.masterId)) {
      const m = before.find((e) => e.id === n.masterId)!
      await waitFor(async () => (await info(conn(n.port))).slave_repl_offset === (await info(conn(m.port))).master_repl_offset, 10000, 'synced')
    }
    for (const x of conns.splice(0)) x.disconnect()
    // Masters first, then replicas: a master's SHUTDOWN waits for its replicas to acknowledge the
    // whole stream (its final GETACK included) and saves that offset. Stopped all at once, a replica
    // exiting before the GETACK reached it saves an offset behind the master's, and the restarted
    // master's backlog (which starts at its saved offset) cannot serve it: a full sync, in Redis too.
    const masterPids = new Set(before.filter((e) => !e.masterId).map((e) => cluster.nodes.find((n) => n.port === e.port)!.pid))
    for (const group of [cluster.nodes.filter((n) => masterPids.has(n.pid)), cluster.nodes.filter((n) => !masterPids.has(n.pid))]) {
      for (const n of group) process.kill(n.pid, 'SIGTERM')
      await stopPids(group.map((n) => n.pid), 15000)
    }
    for (const n of cluster.nodes) again.push(spawnNode({port: n.port, busPort: n.busPort, dir: n.dir, nodeTimeoutMs: 5000, server: 'embedded', detached: false}))
    await waitFor(async () => {
      for (const n of cluster.nodes) if (!String(await conn(n.port).call('CLUSTER', 'INFO')).includes('cluster_state:ok')) return false
      return true
    }, 30000, 'cluster ok after restart')
    const after = parseClusterNodes(String(await conn(cluster.nodes[0].port).call('CLUSTER', 'NODES')))
    const shape = (es: typeof before) => es.map((e) => `${e.id} ${e.masterId ?? '-'} ${e.slots.map((r) => r.join('-')).join(',')}`).sort()
    assert.deepEqual(shape(after), shape(before))
    for (const n of after.filter((e) => e.masterId)) {
      const m = after.find((e) => e.id === n.masterId)!
      await waitFor(async () => {
        const ri = await info(conn(n.port))
        return ri.master_link_status === 'up' && ri.slave_repl_offset === (await info(conn(m.port))).master_repl_offset
      }, 20000, `replica ${n.port} linked again`)
      const ms = await info(conn(m.port), 'stats')
      assert.equal(ms.sync_full, '0', `master ${m.port} needed a full sync after the restart`)
      assert.equal(await conn(n.port).dbsize(), await conn(m.port).dbsize())
    }
    const c2 = new Cluster(seeds, {redisOptions: {maxRetriesPerRequest: 5}})
    try {
      for (const [k, v] of written) assert.equal(await c2.get(k), v, k)
    } finally {
      c2.disconnect()
    }
  })
})

// A 3+3 embedded local cluster: every replica holds its master's data after a write load and
// through a reshard; replicas answer READONLY reads in cluster mode; offsets reach CLUSTER SHARDS.
import {after, before, describe, test} from 'node:test'
import assert from 'node:assert/strict'
import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {Cluster, Redis} from 'ioredis'
import {startLocalCluster, type LocalCluster} from '../../src/local/cluster.js'
import {parseClusterNodes} from '../../src/admin/topology/parse.js'
import {runCli} from '../helpers/cli.js'
import {canonical, info, waitFor} from '../helpers/repl.js'

describe('replication in an embedded 3+3 cluster', () => {
  const root = mkdtempSync(join(tmpdir(), 'redis-ts-clrepl-'))
  let cluster: LocalCluster
  const conns: Redis[] = []
  const conn = (port: number) => {
    const c = new Redis({port, host: '127.0.0.1', maxRetriesPerRequest: 1, retryStrategy: () => null})
    c.on('error', () => {})
    conns.push(c)
    return c
  }
  before(async () => {
    cluster = await startLocalCluster({dir: join(root, 'c'), masters: 3, replicas: 1, nodeTimeoutMs: 2000})
  })
  after(async () => {
    for (const c of conns) c.disconnect()
    await cluster.stop()
    rmSync(root, {recursive: true, force: true})
  })

  async function pairs(): Promise<{master: number; replica: number}[]> {
    const seed = conn(cluster.nodes[0].port)
    const entries = parseClusterNodes(String(await seed.call('CLUSTER', 'NODES')))
    const byId = new Map(entries.map((e) => [e.id, e]))
    return entries.filter((e) => e.masterId).map((e) => ({master: byId.get(e.masterId!)!.port, replica: e.port}))
  }

  async function assertReplicasEqual(): Promise<void> {
    for (const {master, replica} of await pairs()) {
      const m = conn(master)
      const r = conn(replica)
      await waitFor(async () => {
        const mi = await info(m)
        const ri = await info(r)
        return ri.master_link_status === 'up' && ri.slave_repl_offset === mi.master_repl_offset
      }, 20000, `replica ${replica} of ${master} in sync`)
      assert.equal(await r.dbsize(), await m.dbsize(), `key count of ${replica} vs ${master}`)
      const keys = await m.call('RANDOMKEY').then(async () => {
        const out: string[] = []
        let cursor = '0'
        do {
          const [next, batch] = (await m.scan(cursor, 'COUNT', 1000)) as [string, string[]]
          cursor = next
          out.push(...batch)
        } while (cursor !== '0' && out.length < 300)
        return out.slice(0, 300)
      })
      await r.call('READONLY')
      for (const k of keys) {
        const a = await m.dumpBuffer(k)
        const b = await r.dumpBuffer(k)
        assert.ok(a && b, `${k} on both`)
        assert.equal(canonical(b!), canonical(a!), `value of ${k}`)
      }
    }
  }

  test('replicas equal their masters after a write load and through a reshard', async () => {
    const c = new Cluster(cluster.nodes.slice(0, 3).map((n) => ({host: '127.0.0.1', port: n.port})), {redisOptions: {maxRetriesPerRequest: 5}})
    try {
      for (let round = 0; round < 10; round++) {
        await Promise.all(Array.from({length: 500}, (_, i) => c.set(`k${round}-${i}`, `v${i}`, 'EX', 3600)))
        await Promise.all(Array.from({length: 100}, (_, i) => c.incr(`ctr{${i % 10}}`)))
        await Promise.all(Array.from({length: 50}, (_, i) => c.rpush(`list{${i % 5}}`, `e${round}-${i}`)))
      }
      await assertReplicasEqual()
      const seed = cluster.nodes[0]
      const target = (await pairs())[0].master
      const ids = parseClusterNodes(String(await conn(seed.port).call('CLUSTER', 'NODES')))
      const to = ids.find((e) => e.port === target)!.id
      const r = await runCli(['reshard', `127.0.0.1:${seed.port}`, '--from', 'all', '--to', to, '--slots', '500', '--yes'])
      assert.equal(r.code, 0, r.stderr)
      await Promise.all(Array.from({length: 200}, (_, i) => c.set(`after${i}`, String(i))))
      await assertReplicasEqual()
    } finally {
      c.disconnect()
    }
  })

  test('a replica serves READONLY reads, refuses writes with MOVED, and reports real offsets', async () => {
    const [{master, replica}] = await pairs()
    const m = conn(master)
    const r = conn(replica)
    // a key the master owns
    let key = ''
    for (let i = 0; ; i++) {
      try {
        await m.set(`probe${i}`, 'x')
        key = `probe${i}`
        break
      } catch {
        /* MOVED: try another */
      }
    }
    await waitFor(async () => (await info(r)).slave_repl_offset === (await info(m)).master_repl_offset, 10000, 'synced')
    await assert.rejects(r.get(key), /MOVED/)
    await r.call('READONLY')
    assert.equal(await r.get(key), 'x')
    await assert.rejects(r.set(key, 'y'), /MOVED/)
    // offsets travel in the bus header: the master sees its replica's offset in CLUSTER SHARDS
    await waitFor(async () => {
      const text = JSON.stringify(await m.call('CLUSTER', 'SHARDS'))
      const offs = [...text.matchAll(/"role","replica","replication-offset",(\d+)/g)].map((x) => Number(x[1]))
      return offs.length === 3 && offs.every((o) => o > 0)
    }, 10000, 'replica offsets in CLUSTER SHARDS')
  })
})

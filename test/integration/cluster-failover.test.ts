// Automatic and manual failover of embedded clusters, and with redis-server nodes as replicas or
// voters: kill -9 a master under a writer, the replica is promoted, every survivor reports ok, no
// acknowledged write is lost; the victim comes back as a replica of the winner. CLUSTER FAILOVER
// (default, FORCE, TAKEOVER) moves mastership; replica migration gives an orphaned master a spare.
import {after, afterEach, describe, test} from 'node:test'
import assert from 'node:assert/strict'
import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {Cluster, Redis} from 'ioredis'
import {isAlive, spawnNode, stopPids, type SpawnedNode} from '../../src/local/launcher.js'
import {parseClusterNodes} from '../../src/admin/topology/parse.js'
import {freePortPair} from '../helpers/ports.js'
import {haveRedisServer} from '../helpers/redis-server.js'
import {runCli} from '../helpers/cli.js'
import {waitFor} from '../helpers/repl.js'

const NT = 2000
const root = mkdtempSync(join(tmpdir(), 'redis-ts-failover-'))
const spawned: SpawnedNode[] = []
const conns = new Map<number, Redis>()
// Each test's nodes (and connections) go when it ends: a finished test's cluster would otherwise keep
// gossiping, and taking CPU, while the next tests start theirs (on a loaded machine a new node then
// missed its start-up deadline).
afterEach(async () => {
  for (const c of conns.values()) c.disconnect()
  conns.clear()
  await stopPids(spawned.splice(0).map((n) => n.pid), 10000)
})
after(() => rmSync(root, {recursive: true, force: true}))

/** One connection per port, replaced once closed (a killed or restarted node). */
function conn(port: number): Redis {
  const old = conns.get(port)
  if (old && old.status !== 'end' && old.status !== 'close') return old
  const c = new Redis({port, host: '127.0.0.1', maxRetriesPerRequest: 1, retryStrategy: () => null, lazyConnect: false})
  c.on('error', () => {})
  conns.set(port, c)
  return c
}

async function start(kind: 'embedded' | 'redis'): Promise<SpawnedNode> {
  const {port, busPort} = await freePortPair()
  const n = spawnNode({port, busPort, dir: join(root, String(port)), nodeTimeoutMs: NT, server: kind === 'embedded' ? 'embedded' : 'redis-server', detached: false})
  spawned.push(n)
  await waitFor(async () => (await conn(port).ping()) === 'PONG', 15000, `node ${port} up`).catch((err: Error) => {
    // Its output goes nowhere: say at least whether it died or is still starting (CPU-starved).
    const c = n.child
    const how = c && (c.exitCode !== null || c.signalCode !== null) ? `exited (code ${c.exitCode}, signal ${c.signalCode})` : isAlive(n.pid) ? 'still running' : 'gone'
    throw new Error(`${err.message}: the ${kind} process ${n.pid} is ${how}`)
  })
  return n
}

function restart(n: SpawnedNode, kind: 'embedded' | 'redis'): SpawnedNode {
  const again = spawnNode({port: n.port, busPort: n.busPort, dir: n.dir, nodeTimeoutMs: NT, server: kind === 'embedded' ? 'embedded' : 'redis-server', detached: false})
  spawned.push(again)
  return again
}

async function nodes(port: number) {
  return parseClusterNodes(String(await conn(port).call('CLUSTER', 'NODES')))
}

async function allOk(ports: number[]): Promise<boolean> {
  for (const p of ports) if (!String(await conn(p).call('CLUSTER', 'INFO')).includes('cluster_state:ok')) return false
  return true
}

/** masters = first three, replicas = the rest, in the order create pairs them. */
async function cluster(kinds: ('embedded' | 'redis')[]): Promise<SpawnedNode[]> {
  const ns: SpawnedNode[] = []
  for (const k of kinds) ns.push(await start(k))
  const r = await runCli(['create', ...ns.map((n) => `127.0.0.1:${n.port}`), '--replicas', '1', '--yes'], {timeoutMs: 90000})
  assert.equal(r.code, 0, r.stderr)
  return ns
}

/** A writer doing read-before-write increments on keys of one master's slots. */
function writer(seeds: number[], keys: string[]) {
  const c = new Cluster(seeds.map((port) => ({host: '127.0.0.1', port})), {redisOptions: {maxRetriesPerRequest: 1}, clusterRetryStrategy: () => 50, retryDelayOnClusterDown: 50, retryDelayOnFailover: 50})
  c.on('error', () => {})
  const acked = new Map<string, number>()
  let stop = false
  let errors = 0
  let longestGap = 0
  let last = Date.now()
  const loop = (async () => {
    for (let i = 0; !stop; i++) {
      const k = keys[i % keys.length]
      try {
        const cur = Number((await c.get(k)) ?? 0)
        await c.set(k, String(cur + 1))
        acked.set(k, cur + 1)
        const now = Date.now()
        longestGap = Math.max(longestGap, now - last)
        last = now
      } catch {
        errors++
        await new Promise((r) => setTimeout(r, 20))
      }
    }
  })()
  return {
    acked,
    /** Stops writing (the last write completes); stop() still reads everything back. */
    async hold() {
      stop = true
      await loop
    },
    get errors() {
      return errors
    },
    get longestGap() {
      return longestGap
    },
    async stop() {
      stop = true
      await loop
      // acknowledged writes lost: a key whose value is below the last acknowledged one
      const lost: string[] = []
      for (const [k, v] of acked) {
        const got = Number((await c.get(k)) ?? 0)
        if (got < v) lost.push(`${k}: ${got} < ${v}`)
      }
      c.disconnect()
      return lost
    },
  }
}

/** Keys whose slots belong to the master on `port`. */
async function keysOf(port: number, n: number): Promise<string[]> {
  const me = (await nodes(port)).find((e) => e.myself)!
  const out: string[] = []
  for (let i = 0; out.length < n; i++) {
    const k = `fo:${i}`
    const slot = Number(await conn(port).call('CLUSTER', 'KEYSLOT', k))
    if (me.slots.some(([a, b]) => slot >= a && slot <= b)) out.push(k)
  }
  return out
}

async function killAndCheck(ns: SpawnedNode[], kinds: ('embedded' | 'redis')[], victimIndex: number) {
  const victim = ns[victimIndex]
  const before = await nodes(victim.port)
  const me = before.find((e) => e.myself)!
  const replica = before.find((e) => e.masterId === me.id)!
  const w = writer(ns.filter((n) => n !== victim).map((n) => n.port), await keysOf(victim.port, 20))
  await new Promise((r) => setTimeout(r, 500))
  process.kill(victim.pid, 'SIGKILL')
  await stopPids([victim.pid], 5000)
  const survivors = ns.filter((n) => n !== victim).map((n) => n.port)
  const t0 = Date.now()
  await waitFor(async () => {
    const view = await nodes(replica.port)
    return view.find((e) => e.myself)!.role === 'master' && (await allOk(survivors))
  }, 20000, 'replica promoted and every survivor ok')
  const recovery = Date.now() - t0
  await new Promise((r) => setTimeout(r, 500))
  const lost = await w.stop()
  assert.deepEqual(lost, [], 'acknowledged writes lost')
  assert.ok(w.acked.size > 0)
  // the victim returns as a replica of the winner
  const again = restart(victim, kinds[victimIndex])
  ns[victimIndex] = again
  await waitFor(async () => {
    const self = (await nodes(again.port)).find((e) => e.myself)
    return self?.role === 'replica' && self.masterId === replica.id && (await allOk([...survivors, again.port]))
  }, 30000, 'old master rejoined as a replica of the winner')
  return {recovery, winner: replica}
}

describe('failover in embedded clusters', () => {
  test('kill -9 of a master: its replica takes over, nothing acknowledged is lost, the victim rejoins as a replica', async () => {
    const kinds = Array(6).fill('embedded') as 'embedded'[]
    const ns = await cluster(kinds)
    const {recovery} = await killAndCheck(ns, kinds, 0)
    assert.ok(recovery < 15000, `recovery took ${recovery} ms`)
  })

  test('manual failover (default, FORCE, TAKEOVER) moves mastership without losing writes', async () => {
    const kinds = Array(6).fill('embedded') as 'embedded'[]
    const ns = await cluster(kinds)
    for (const mode of [[], ['FORCE'], ['TAKEOVER']] as string[][]) {
      type Entry = Awaited<ReturnType<typeof nodes>>[number]
      let master: Entry | undefined
      let replica: Entry | undefined
      // Every node must already see the previous failover's outcome: a voter that still takes the
      // replica for a master denies it the vote ("it is a master node", as redis-server does), and a
      // FORCE or TAKEOVER attempt is not retried.
      await waitFor(async () => {
        const view = await nodes(ns[0].port)
        master = view.find((e) => e.role === 'master' && e.slots.some(([a]) => a === 0))
        replica = master && view.find((e) => e.masterId === master!.id)
        if (master === undefined || replica === undefined) return false
        for (const n of ns) {
          const v = await nodes(n.port)
          const m = v.find((e) => e.id === master!.id)
          const r = v.find((e) => e.id === replica!.id)
          if (m?.role !== 'master' || !m.slots.some(([a]) => a === 0) || r?.role !== 'replica' || r.masterId !== master.id) return false
        }
        return (await conn(replica.port).info('replication')).includes('master_link_status:up')
      }, 30000, 'every node sees the master of slot 0 and its replica, the replica linked')
      const mPort = master!.port
      const rPort = replica!.port
      const w = writer(ns.map((n) => n.port), await keysOf(mPort, 10))
      await new Promise((r) => setTimeout(r, 300))
      if (mode.length) {
        // FORCE and TAKEOVER skip the handshake that pauses the master until the replica has its
        // offset (Redis: "the replica will not wait for the master to be in sync"): a write the
        // replica has not received, or one the old master takes before it learns the new
        // configuration, is lost, as with redis-server. What must survive is every write the
        // replica had: the writer stops and the replica acknowledges everything first.
        await w.hold()
        assert.equal(await conn(mPort).call('WAIT', '1', '10000'), 1, 'the replica acknowledged every write')
      }
      assert.equal(await conn(rPort).call('CLUSTER', 'FAILOVER', ...mode), 'OK')
      await waitFor(async () => (await nodes(rPort)).find((e) => e.myself)!.role === 'master' && (await nodes(mPort)).find((e) => e.myself)!.role === 'replica', 15000, `CLUSTER FAILOVER ${mode.join(' ')}`)
      await new Promise((r) => setTimeout(r, 300))
      assert.deepEqual(await w.stop(), [], `writes lost with ${mode.join(' ') || 'default'}`)
    }
    await assert.rejects(conn(ns[0].port).call('CLUSTER', 'FAILOVER', 'bogus'), /ERR syntax error/)
  })
})

describe('replica migration in an embedded cluster', () => {
  test('a master left without replicas receives the spare replica of a master that has two', async () => {
    const kinds = Array(7).fill('embedded') as 'embedded'[]
    const ns = await cluster(kinds)
    const view = await nodes(ns[0].port)
    const masters = view.filter((e) => e.role === 'master' && e.slots.length > 0)
    const count = (m: {id: string}) => view.filter((e) => e.masterId === m.id).length
    const rich = masters.find((m) => count(m) === 2)!
    const poor = masters.find((m) => count(m) === 1)!
    assert.ok(rich && poor, 'create placed the extra replica on one master')
    const victim = view.find((e) => e.masterId === poor.id)!
    const vp = ns.find((n) => n.port === victim.port)!
    process.kill(vp.pid, 'SIGKILL')
    await stopPids([vp.pid], 5000)
    const alive = ns.filter((n) => n !== vp).map((n) => n.port)
    // orphaned for more than 5 s, then the spare with the smallest id moves over
    await waitFor(async () => {
      const v = await nodes(rich.port)
      return v.some((e) => e.masterId === poor.id && e.id !== victim.id && !e.flags.includes('fail')) && v.filter((e) => e.masterId === rich.id).length === 1
    }, 30000, 'a spare replica migrated to the orphaned master')
    const migrated = (await nodes(rich.port)).find((e) => e.masterId === poor.id && e.id !== victim.id)!
    await waitFor(async () => (await conn(migrated.port).info('replication')).includes('master_link_status:up'), 15000, 'migrated replica synced')
    assert.ok(await allOk(alive))
  })
})

describe('failover with redis-server nodes in the cluster', {skip: !haveRedisServer() && process.env.REDIS_TS_REQUIRE_REDIS !== '1' ? 'redis-server not on PATH' : false}, () => {
  test('a redis-server replica of an embedded master wins among embedded voters', async () => {
    const kinds: ('embedded' | 'redis')[] = ['embedded', 'embedded', 'embedded', 'redis', 'redis', 'redis']
    const ns = await cluster(kinds)
    await killAndCheck(ns, kinds, 0)
  })

  test('an embedded replica of a redis-server master wins among redis-server voters', async () => {
    const kinds: ('embedded' | 'redis')[] = ['redis', 'redis', 'redis', 'embedded', 'embedded', 'embedded']
    const ns = await cluster(kinds)
    await killAndCheck(ns, kinds, 1)
  })
})

// A master restarted from its RDB continues its replication history (redis 7.0 loadDataFromDisk):
// a new replid, the saved one served as replid2 up to the saved offset, keys that expired while it
// was down deleted through the backlog, and its replica continues with a partial resync. The same
// steps run against redis-server and the embedded node, and must give the same figures.
import {after, describe, test} from 'node:test'
import assert from 'node:assert/strict'
import {mkdtempSync, readFileSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {nodeDirectives, spawnInstance, stopPids, writeConfigFile, type NodeProcessSpec} from '../../src/local/launcher.js'
import {freePortPair} from '../helpers/ports.js'
import {waitReady, haveRedisServer} from '../helpers/redis-server.js'
import {client, info, waitFor} from '../helpers/repl.js'

const servers = haveRedisServer() ? ['redis-server', 'embedded'] : process.env.REDIS_TS_REQUIRE_REDIS === '1' ? ['redis-server', 'embedded'] : ['embedded']

describe('master restart: PSYNC continues from the RDB aux fields', () => {
  const root = mkdtempSync(join(tmpdir(), 'redis-ts-master-restart-'))
  const pids: number[] = []
  after(async () => {
    await stopPids(pids)
    rmSync(root, {recursive: true, force: true})
  })
  const spawn = async (server: string, name: string, port: number, busPort: number, replicaOf?: number): Promise<number> => {
    const dir = join(root, `${server}-${name}`)
    const spec: NodeProcessSpec = {port, busPort, dir, nodeTimeoutMs: 1000, server, detached: false, cluster: false, ...(replicaOf ? {replicaOf: {host: '127.0.0.1', port: replicaOf}} : {})}
    const conf = writeConfigFile(dir, 'redis.conf', 'master restart test', [...nodeDirectives(spec), ['enable-debug-command', 'yes']])
    const {pid} = spawnInstance(server, conf, dir, false)
    pids.push(pid)
    await waitReady(port, undefined, undefined, 60000)
    return pid
  }

  for (const server of servers) {
    test(`${server}: replid2, offsets, expired keys and a partial resync after the restart`, {timeout: 180000}, async () => {
      const mp = await freePortPair()
      const rp = await freePortPair()
      let master = await spawn(server, 'm', mp.port, mp.busPort)
      await spawn(server, 'r', rp.port, rp.busPort, mp.port)
      let m = client(mp.port)
      const r = client(rp.port)
      try {
        // no PINGs in the stream: the offsets compared below are the writes' only
        await m.config('SET', 'repl-ping-replica-period', '3600')
        await m.config('REWRITE')
        for (let i = 0; i < 50; i++) await m.set(`keep:${i}`, String(i))
        // volatile keys that pass their TTL at once but stay stored (no active expiry, never read):
        // the shutdown saves them, the load finds them expired
        await m.call('DEBUG', 'SET-ACTIVE-EXPIRE', '0')
        for (let i = 0; i < 20; i++) await m.set(`gone:${i}`, 'v', 'PX', '1')
        const synced = async () => {
          const mi = await info(m)
          const ri = await info(r)
          return ri.master_link_status === 'up' && ri.slave_repl_offset === mi.master_repl_offset && (mi.slave0 ?? '').includes(`offset=${mi.master_repl_offset},`)
        }
        await waitFor(synced, 60000, 'replica acknowledged everything')
        const before = await info(m)
        const offset = Number(before.master_repl_offset)
        m.disconnect()
        await stopPids([master], 60000)
        master = await spawn(server, 'm', mp.port, mp.busPort)
        m = client(mp.port)
        await waitFor(async () => Number((await info(m, 'stats')).sync_partial_ok) === 1 && (await info(r)).master_link_status === 'up', 60000, 'replica reconnected')
        const after = await info(m)
        assert.notEqual(after.master_replid, before.master_replid)
        assert.equal(after.master_replid2, before.master_replid)
        assert.equal(Number(after.second_repl_offset), offset + 1)
        assert.equal(after.repl_backlog_active, '1')
        // the 20 DELs of the load are the backlog's whole history, on top of the saved offset
        const histlen = Number(after.repl_backlog_histlen)
        assert.ok(histlen > 0)
        assert.equal(Number(after.repl_backlog_first_byte_offset), offset + 1)
        assert.equal(Number(after.master_repl_offset), offset + histlen)
        assert.equal((await info(m, 'persistence')).rdb_last_load_keys_expired, '20')
        assert.equal((await info(m, 'stats')).sync_full, '0')
        await waitFor(synced, 60000, 'replica caught up after the restart')
        assert.equal(await r.dbsize(), 50)
        assert.equal(await m.dbsize(), 50)
      } finally {
        m.disconnect()
        r.disconnect()
      }
    })
  }

  for (const server of servers) {
    test(`${server}: a restarted replica continues with a partial resync in the database the stream had selected (repl-stream-db)`, {timeout: 180000}, async () => {
      const mp = await freePortPair()
      const rp = await freePortPair()
      await spawn(server, 'm2', mp.port, mp.busPort)
      let replica = await spawn(server, 'r2', rp.port, rp.busPort, mp.port)
      const m = client(mp.port)
      let r = client(rp.port)
      try {
        await m.select(9)
        await r.select(9)
        for (let i = 0; i < 20; i++) await m.set(`db9:${i}`, String(i))
        const synced = async () => {
          const mi = await info(m)
          const ri = await info(r)
          return ri.master_link_status === 'up' && ri.slave_repl_offset === mi.master_repl_offset
        }
        await waitFor(synced, 60000, 'replica in sync')
        const fullBefore = Number((await info(m, 'stats')).sync_full)
        const partialBefore = Number((await info(m, 'stats')).sync_partial_ok)
        r.disconnect()
        await stopPids([replica], 60000)
        // written while the replica is down: the stream goes on in db 9 without a new SELECT
        for (let i = 20; i < 30; i++) await m.set(`db9:${i}`, String(i))
        replica = await spawn(server, 'r2', rp.port, rp.busPort, mp.port)
        r = client(rp.port)
        await r.select(9)
        await waitFor(async () => Number((await info(m, 'stats')).sync_partial_ok) === partialBefore + 1, 60000, 'partial resync of the restarted replica')
        await waitFor(synced, 60000, 'replica caught up')
        assert.equal(Number((await info(m, 'stats')).sync_full), fullBefore, 'no full sync')
        assert.equal(await r.dbsize(), 30)
        assert.equal(await r.get('db9:29'), '29')
        assert.equal(await r.select(0), 'OK')
        assert.equal(await r.dbsize(), 0, 'nothing applied in db 0')
      } finally {
        m.disconnect()
        r.disconnect()
      }
    })
  }

  for (const server of servers) {
    test(`${server}: REPLICAOF at run time, CONFIG REWRITE, restart: the replica comes back as a replica and continues with a partial resync`, {timeout: 180000}, async () => {
      const mp = await freePortPair()
      const rp = await freePortPair()
      await spawn(server, 'm3', mp.port, mp.busPort)
      let replica = await spawn(server, 'r3', rp.port, rp.busPort)
      const m = client(mp.port)
      let r = client(rp.port)
      try {
        assert.equal(await r.call('REPLICAOF', '127.0.0.1', String(mp.port)), 'OK')
        assert.deepEqual(await r.config('GET', 'replicaof'), ['replicaof', `127.0.0.1 ${mp.port}`])
        await m.select(5)
        for (let i = 0; i < 10; i++) await m.set(`k${i}`, String(i))
        const synced = async () => {
          const mi = await info(m)
          const ri = await info(r)
          return ri.master_link_status === 'up' && ri.slave_repl_offset === mi.master_repl_offset
        }
        await waitFor(synced, 60000, 'replica in sync')
        assert.equal(await r.config('REWRITE'), 'OK')
        const conf = join(root, `${server}-r3`, 'redis.conf')
        assert.match(readFileSync(conf, 'utf8'), new RegExp(`^replicaof 127\\.0\\.0\\.1 ${mp.port}$`, 'm'))
        const fullBefore = Number((await info(m, 'stats')).sync_full)
        const partialBefore = Number((await info(m, 'stats')).sync_partial_ok)
        r.disconnect()
        await stopPids([replica], 60000)
        for (let i = 10; i < 15; i++) await m.set(`k${i}`, String(i))
        // the same file, as the rewrite left it
        replica = spawnInstance(server, conf, join(root, `${server}-r3`), false).pid
        pids.push(replica)
        await waitReady(rp.port, undefined, undefined, 60000)
        r = client(rp.port)
        await waitFor(async () => Number((await info(m, 'stats')).sync_partial_ok) === partialBefore + 1, 60000, 'partial resync of the restarted replica')
        await waitFor(synced, 60000, 'replica caught up')
        assert.equal(Number((await info(m, 'stats')).sync_full), fullBefore, 'no full sync')
        await r.select(5)
        assert.equal(await r.dbsize(), 15)
        assert.equal(await r.call('REPLICAOF', 'NO', 'ONE'), 'OK')
        assert.deepEqual(await r.config('GET', 'replicaof'), ['replicaof', ''])
      } finally {
        m.disconnect()
        r.disconnect()
      }
    })
  }
})

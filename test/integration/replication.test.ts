// Embedded master -> embedded replica: full and partial resync, PSYNC2 after a promotion, chains,
// WAIT, min-replicas-to-write, read-only replicas, replica expiry semantics, disk-based sync.
import {after, describe, test} from 'node:test'
import assert from 'node:assert/strict'
import {Redis} from 'ioredis'
import type {RunningNode} from '../../src/node/index.js'
import {Fleet, client, digest, embedded, fillAllTypes, info, sameDigest, waitFor, waitSynced} from '../helpers/repl.js'

const fleet = new Fleet()
const node = (overrides: Record<string, string> = {}, log?: string[]) => fleet.node(overrides, log)
after(async () => {
  await fleet.stopAll()
})

async function writeMix(c: Redis, n: number): Promise<void> {
  const p = c.pipeline()
  for (let i = 0; i < n; i++) {
    p.incr(`cnt:${i % 13}`)
    p.incrbyfloat(`flt:${i % 7}`, 0.1)
    p.lpush(`list:${i % 11}`, `x${i}`)
    if (i % 5 === 0) p.rpop(`list:${i % 11}`)
    p.hincrby(`hash:${i % 5}`, `f${i % 17}`, 1)
    p.sadd(`set:${i % 9}`, `m${i % 100}`)
    if (i % 3 === 0) p.srem(`set:${i % 9}`, `m${(i * 7) % 100}`)
    p.zincrby(`zs:${i % 4}`, 1, `m${i % 30}`)
    p.set(`ex:${i % 50}`, `v${i}`, 'EX', 1000)
    if (i % 10 === 0) p.expire(`cnt:${i % 13}`, 5000)
    if (i % 97 === 0) p.del(`list:${i % 11}`)
    if (i % 50 === 0) p.spop(`set:${i % 9}`)
  }
  await p.exec()
}

describe('replication between embedded nodes', () => {
  test('full sync of every type, then the stream keeps the replica equal', async () => {
    const {c: m} = await node()
    await fillAllTypes(m, 500)
    const {c: r} = await node()
    assert.equal(await r.replicaof('127.0.0.1', String(fleet.nodes[0].port)), 'OK')
    await waitSynced(m, r)
    assert.equal(sameDigest(await digest(m), await digest(r)), null)
    await writeMix(m, 3000)
    await m.set('multi:a', '1')
    await m.multi().incr('multi:a').lpush('multi:l', 'a', 'b').exec()
    await waitSynced(m, r)
    assert.equal(sameDigest(await digest(m), await digest(r)), null)
    const mi = await info(m)
    assert.equal(mi.connected_slaves, '1')
    assert.match(mi.slave0, /^ip=127\.0\.0\.1,port=\d+,state=online,offset=\d+,lag=\d+$/)
    const role = (await r.call('ROLE')) as unknown[]
    assert.deepEqual(role.slice(0, 4), ['slave', '127.0.0.1', fleet.nodes[0].port, 'connected'])
    assert.equal((await info(m, 'stats')).sync_full, '1')

    // read-only replica
    await assert.rejects(r.set('x', '1'), /READONLY You can't write against a read only replica\./)

    // link killed from the master side: partial resync, no second full sync
    const before = await info(m, 'stats')
    await m.client('KILL', 'TYPE', 'replica')
    await writeMix(m, 200)
    await waitFor(async () => (await info(m, 'stats')).sync_partial_ok === String(Number(before.sync_partial_ok) + 1), 10000, 'partial resync')
    await waitSynced(m, r)
    assert.equal((await info(m, 'stats')).sync_full, before.sync_full)
    assert.equal(sameDigest(await digest(m), await digest(r)), null)

    // link killed from the replica side (CLIENT KILL TYPE master): partial resync again
    await r.client('KILL', 'TYPE', 'master')
    await m.set('after-master-kill', '1')
    await waitFor(async () => (await info(m, 'stats')).sync_partial_ok === String(Number(before.sync_partial_ok) + 2), 10000, 'partial resync 2')
    await waitSynced(m, r)
    assert.equal(await r.get('after-master-kill'), '1')

    // the master client's addr is the master's address, as in redis (old form CLIENT KILL ip:port)
    const masterLine = String(await r.call('CLIENT', 'LIST', 'TYPE', 'master'))
    assert.match(masterLine, new RegExp(`addr=127\\.0\\.0\\.1:${fleet.nodes[0].port} `))
    assert.equal(await r.client('KILL', `127.0.0.1:${fleet.nodes[0].port}`), 'OK')
    await m.set('after-addr-kill', '1')
    await waitFor(async () => (await info(m, 'stats')).sync_partial_ok === String(Number(before.sync_partial_ok) + 3), 10000, 'partial resync 3')
    await waitSynced(m, r)
    assert.equal(await r.get('after-addr-kill'), '1')
  })

  test('writes during a full sync reach the replica through the stream, none lost or doubled', async () => {
    const {n: mn, c: m} = await node()
    await fillAllTypes(m, 3000)
    const {c: r} = await node()
    let stop = false
    let ops = 0
    const writer = (async () => {
      while (!stop) {
        await m.pipeline().incr(`during:${ops % 97}`).lpush(`dlist:${ops % 13}`, String(ops)).set(`k:s:${ops % 3000}`, `new${ops}`).exec()
        ops++
      }
    })()
    await r.replicaof('127.0.0.1', String(mn.port))
    await waitFor(async () => (await info(r)).master_link_status === 'up', 15000, 'link up')
    stop = true
    await writer
    await waitSynced(m, r)
    assert.ok(ops > 0)
    assert.equal(sameDigest(await digest(m), await digest(r)), null)
  })

  test('PSYNC2: after REPLICAOF NO ONE on one replica its sibling continues with +CONTINUE', async () => {
    const {n: mn, c: m} = await node()
    const {n: an, c: a} = await node()
    const {c: b} = await node()
    await fillAllTypes(m, 100)
    await a.replicaof('127.0.0.1', String(mn.port))
    await b.replicaof('127.0.0.1', String(mn.port))
    await waitSynced(m, a)
    await waitSynced(m, b)
    await writeMix(m, 300)
    await waitSynced(m, a)
    await waitSynced(m, b)
    const oldId = (await info(m)).master_replid
    await a.replicaof('NO', 'ONE')
    const ai = await info(a)
    assert.equal(ai.role, 'master')
    assert.equal(ai.master_replid2, oldId)
    assert.equal(Number(ai.second_repl_offset), Number(ai.master_repl_offset) + 1)
    await b.replicaof('127.0.0.1', String(an.port))
    await waitSynced(a, b)
    const st = await info(a, 'stats')
    assert.equal(st.sync_full, '0')
    assert.equal(st.sync_partial_ok, '1')
    await a.set('new-master-write', 'yes')
    await waitSynced(a, b)
    assert.equal(await b.get('new-master-write'), 'yes')
    assert.equal((await info(b)).master_replid, (await info(a)).master_replid)
    assert.equal(sameDigest(await digest(a), await digest(b)), null)
  })

  test('chained replicas see the same stream and offsets', async () => {
    const {n: mn, c: m} = await node()
    const {n: an, c: a} = await node()
    const {c: b} = await node()
    await a.replicaof('127.0.0.1', String(mn.port))
    await waitSynced(m, a)
    await b.replicaof('127.0.0.1', String(an.port))
    await waitSynced(a, b)
    await writeMix(m, 500)
    await waitSynced(m, a)
    await waitSynced(a, b)
    assert.equal((await info(b)).master_repl_offset, (await info(m)).master_repl_offset)
    assert.equal(sameDigest(await digest(m), await digest(b)), null)
  })

  test('WAIT counts acknowledged replicas; min-replicas-to-write refuses writes', async () => {
    const {n: mn, c: m} = await node()
    const {c: r} = await node()
    await r.replicaof('127.0.0.1', String(mn.port))
    await waitSynced(m, r)
    await m.set('w', '1')
    assert.equal(await m.call('WAIT', '1', '2000'), 1)
    const t0 = Date.now()
    assert.equal(await m.call('WAIT', '2', '300'), 1)
    assert.ok(Date.now() - t0 >= 250)
    await assert.rejects(r.call('WAIT', '1', '10'), /ERR WAIT cannot be used with replica instances/)
    await assert.rejects(m.call('WAIT', '1', '-1'), /ERR timeout is negative/)
    await m.config('SET', 'min-replicas-to-write', '2')
    await assert.rejects(m.set('w', '2'), /NOREPLICAS Not enough good replicas to write\./)
    assert.equal(await m.get('w'), '1')
    await m.config('SET', 'min-replicas-to-write', '1')
    assert.equal(await m.set('w', '3'), 'OK')
    await m.config('SET', 'min-replicas-to-write', '0')
  })

  test('a replica hides logically expired keys but keeps them until the master deletes them', async () => {
    const {n: mn, c: m} = await node({hz: '1'})
    const {c: r} = await node()
    await r.replicaof('127.0.0.1', String(mn.port))
    await waitSynced(m, r)
    // 2 s: still live at the replica after the sync wait on a loaded machine; then polled for hidden
    // (the master's hz 1 cycle may also reap it meanwhile: the replica then has no key either way)
    await m.set('soon', 'v', 'PX', 2000)
    await waitSynced(m, r)
    assert.equal(await r.get('soon'), 'v')
    await waitFor(async () => (await r.get('soon')) === null, 20000, 'the replica hides the expired key')
    assert.equal(await r.exists('soon'), 0)
    // the master deletes it on access and the DEL reaches the replica
    assert.equal(await m.get('soon'), null)
    await waitSynced(m, r)
    assert.equal(Number((await info(r, 'keyspace')).db0?.match(/keys=(\d+)/)?.[1] ?? 0), 0)
  })

  test('repl-backlog-ttl frees the backlog of a master left without replicas', async () => {
    const {n: mn, c: m} = await node({'repl-backlog-ttl': '1'})
    const {c: r} = await node()
    await r.replicaof('127.0.0.1', String(mn.port))
    await waitSynced(m, r)
    const id = (await info(m)).master_replid
    await r.replicaof('NO', 'ONE')
    await waitFor(async () => (await info(m)).repl_backlog_active === '0', 5000, 'backlog freed')
    assert.notEqual((await info(m)).master_replid, id, 'a new history once the old one cannot be served')
  })

  test('SHUTDOWN of a master waits until its replica acknowledged everything', async () => {
    const mn = await embedded() // stopped by the test itself
    const m = fleet.client(mn.port)
    const {c: r} = await node()
    await r.replicaof('127.0.0.1', String(mn.port))
    await waitSynced(m, r)
    const p = m.pipeline()
    for (let i = 0; i < 20000; i++) p.set(`last${i}`, 'x'.repeat(100))
    await p.exec()
    await mn.stop()
    assert.equal(await r.exists('last19999'), 1)
    assert.equal(await r.dbsize(), 20000)
  })

  test('disk-based full sync ($<len> framing) and several replicas at once', async () => {
    const {n: mn, c: m} = await node({'repl-diskless-sync': 'no'})
    await fillAllTypes(m, 300)
    const rs = await Promise.all([node(), node()])
    await Promise.all(rs.map(({c}) => c.replicaof('127.0.0.1', String(mn.port))))
    for (const {c} of rs) await waitSynced(m, c)
    const md = await digest(m)
    for (const {c} of rs) assert.equal(sameDigest(md, await digest(c)), null)
  })

  test('diskless sync with a delay shares one snapshot between replicas that ask together', async () => {
    const log: string[] = []
    const {n: mn, c: m} = await node({'repl-diskless-sync-delay': '1'}, log)
    await fillAllTypes(m, 50)
    const rs = await Promise.all([node(), node(), node()])
    await Promise.all(rs.map(({c}) => c.replicaof('127.0.0.1', String(mn.port))))
    for (const {c} of rs) await waitSynced(m, c)
    assert.equal((await info(m, 'stats')).sync_full, '3')
    assert.equal(log.filter((l) => l.includes('Starting BGSAVE for SYNC')).length, 1)
    const md = await digest(m)
    for (const {c} of rs) assert.equal(sameDigest(md, await digest(c)), null)
  })

  test('key-load-delay: the replica reports loading while the payload loads and is ranked at offset 0; swapdb with the same history is async_loading', async () => {
    const {n: mn, c: m} = await node({'repl-diskless-sync-delay': '0'})
    const p = m.pipeline()
    for (let i = 0; i < 400; i++) p.set(`k${i}`, 'x'.repeat(1000))
    await p.exec()
    const {n: rn, c: r} = await node({'key-load-delay': '2500'})
    await r.replicaof('127.0.0.1', String(mn.port))
    await waitFor(async () => (await info(r, 'persistence')).loading === '1', 10000, 'loading:1 during the full sync')
    assert.equal((await info(r, 'persistence')).async_loading, '0')
    assert.equal(rn.server.replication!.view().offset, 0)
    await waitSynced(m, r)
    assert.equal((await info(r, 'persistence')).loading, '0')
    assert.equal(await r.dbsize(), 400)
    // Same replication history + swapdb: the old data stays readable, INFO says async_loading.
    await r.config('SET', 'repl-diskless-load', 'swapdb')
    await m.config('SET', 'repl-backlog-size', '16384')
    await m.set('marker', 'old')
    await waitSynced(m, r)
    await m.client('KILL', 'TYPE', 'replica')
    for (let i = 0; i < 40; i++) await m.set(`pad${i}`, 'y'.repeat(1000)) // past the backlog: a full sync follows
    await waitFor(async () => (await info(r, 'persistence')).async_loading === '1', 10000, 'async_loading:1')
    assert.equal((await info(r, 'persistence')).loading, '0')
    assert.equal(await r.get('marker'), 'old')
    await waitSynced(m, r)
    assert.equal(await r.dbsize(), await m.dbsize())
  })

  test('rdb-key-save-delay paces BGSAVE and the full-sync snapshot', async () => {
    const {c: m} = await node({'rdb-key-save-delay': '20000'})
    for (let i = 0; i < 60; i++) await m.set(`k${i}`, 'v')
    const t0 = Date.now()
    assert.equal(await m.bgsave(), 'Background saving started')
    assert.equal((await info(m, 'persistence')).rdb_bgsave_in_progress, '1')
    await waitFor(async () => (await info(m, 'persistence')).rdb_bgsave_in_progress === '0', 20000, 'bgsave end')
    assert.ok(Date.now() - t0 >= 1000, `60 keys x 20 ms took ${Date.now() - t0} ms`)
    await m.config('SET', 'rdb-key-save-delay', '0')
  })

  test('a busy read-only script on a replica holds the replication stream: nothing lost, nothing interleaved', async () => {
    const {n: mn, c: m} = await node()
    const {c: r} = await node({'busy-reply-threshold': '100'})
    await r.replicaof('127.0.0.1', String(mn.port))
    await m.set('k', 'before')
    await waitSynced(m, r)
    const spin = r.call('EVAL_RO', `local a = redis.call('GET', KEYS[1])
local t0 = redis.call('TIME')
local t = t0
while (t[1] - t0[1]) * 1000000 + (t[2] - t0[2]) < 3000000 do t = redis.call('TIME') end
return {a, redis.call('GET', KEYS[1])}`, 1, 'k') as Promise<string[]>
    // the script is past the threshold now, and (3 s of spinning) still running when the GET below
    // arrives on a loaded machine
    await new Promise((res) => setTimeout(res, 250))
    const other = new Redis({port: r.options.port!, host: '127.0.0.1', enableReadyCheck: false, maxRetriesPerRequest: 1})
    await assert.rejects(other.get('k'), /BUSY Redis is busy running a script/)
    other.disconnect()
    for (let i = 0; i < 20; i++) await m.incr('n')
    await m.set('k', 'after')
    await new Promise((res) => setTimeout(res, 100)) // the stream reached the replica during the script
    assert.deepEqual(await spin, ['before', 'before'])
    await waitSynced(m, r)
    assert.equal(await r.get('n'), '20', 'every write of the stream applied once')
    assert.equal(await r.get('k'), 'after')
  })
})

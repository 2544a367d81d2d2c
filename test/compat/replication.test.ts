// Replication between redis-server 7.0 and the embedded node, both directions: full sync (diskless
// and disk-based), thousands of writes of every propagated form, partial resync after the link is
// killed, PSYNC2 continuation across engines after a promotion.
import {after, before, describe, test} from 'node:test'
import assert from 'node:assert/strict'
import type {Redis} from 'ioredis'
import type {RunningNode} from '../../src/node/index.js'
import {RedisNodes, redisSkip, type TestNode} from '../helpers/redis-server.js'
import {client, digest, embedded, fillAllTypes, info, sameDigest, waitFor, waitSynced} from '../helpers/repl.js'

/** Writes of the forms whose propagation differs from the command as sent (relative TTLs, floats, randomness, blocking, MULTI, multiple dbs). */
async function writeEveryForm(c: Redis, rounds: number, tag: string): Promise<void> {
  for (let r = 0; r < rounds; r++) {
    const p = c.pipeline()
    for (let i = 0; i < 100; i++) {
      const k = `${tag}:${i % 40}`
      p.set(`${k}:s`, `v${r}-${i}`, 'EX', 500 + i)
      p.set(`${k}:px`, 'v', 'PX', 900000)
      p.setex(`${k}:sx`, 800, 'v')
      p.incr(`${k}:n`)
      p.incrbyfloat(`${k}:f`, '1.5')
      p.append(`${k}:a`, 'x')
      p.expire(`${k}:n`, 1000)
      p.pexpireat(`${k}:a`, Date.now() + 700000)
      p.getex(`${k}:s`, 'EX', 600)
      p.rpush(`${k}:l`, `a${i}`, `b${i}`)
      p.lmove(`${k}:l`, `${k}:l2`, 'LEFT', 'RIGHT')
      p.hset(`${k}:h`, `f${i % 9}`, `v${i}`)
      p.hincrbyfloat(`${k}:h`, 'flt', '0.25')
      p.sadd(`${k}:set`, `m${i}`, `m${i + 1}`, `m${i + 2}`)
      if (i % 3 === 0) p.spop(`${k}:set`)
      if (i % 7 === 0) p.spop(`${k}:set`, 2)
      p.zadd(`${k}:z`, i, `m${i}`, i + 0.5, `n${i}`)
      if (i % 4 === 0) p.zpopmin(`${k}:z`)
      p.zincrby(`${k}:z`, 2, `m${i}`)
      if (i % 11 === 0) p.getdel(`${k}:px`)
      if (i % 13 === 0) p.del(`${k}:l2`)
      if (i % 17 === 0) p.rename(`${k}:a`, `${k}:a2`)
      if (i % 19 === 0) p.persist(`${k}:s`)
    }
    p.call('MULTI')
    p.incr(`${tag}:tx`)
    p.lpush(`${tag}:txl`, String(r))
    p.call('EXEC')
    await p.exec()
  }
  // blocking pops served later are propagated as their non-blocking form
  const pop = c.duplicate()
  pop.on('error', () => {})
  const waiting = pop.blpop(`${tag}:blk`, 5)
  await new Promise((r) => setTimeout(r, 50))
  await c.rpush(`${tag}:blk`, 'one', 'two')
  await waiting
  pop.disconnect()
  // another database
  await c.select(3)
  await c.set(`${tag}:db3`, 'x', 'EX', 1000)
  await c.incrbyfloat(`${tag}:db3f`, '2.5')
  await c.select(0)
}

async function sameAllDbs(a: Redis, b: Redis): Promise<void> {
  for (const db of [0, 3]) {
    const diff = sameDigest(await digest(a, db), await digest(b, db))
    assert.equal(diff, null, `db${db}: ${diff}`)
  }
  await a.select(0)
  await b.select(0)
}

describe('replication with redis-server 7.0', {skip: redisSkip()}, () => {
  const real = new RedisNodes()
  const embeddedNodes: RunningNode[] = []
  const clients: Redis[] = []
  const cl = (port: number) => {
    const c = client(port)
    clients.push(c)
    return c
  }
  const emb = async (o: Record<string, string> = {}) => {
    const n = await embedded(o)
    embeddedNodes.push(n)
    return n
  }
  let rs: TestNode[] = []
  before(async () => {
    rs = await real.start(3, {cluster: false, extra: ['--repl-diskless-sync-delay', '0']})
  })
  after(async () => {
    for (const c of clients) c.disconnect()
    for (const n of embeddedNodes) await n.stop()
    await real.stop()
  })

  test('redis-server master -> embedded replica: full sync, every propagated form, partial resync', async () => {
    const m = cl(rs[0].port)
    await fillAllTypes(m, 400, 'pre')
    const e = await emb()
    const r = cl(e.port)
    await r.replicaof('127.0.0.1', String(rs[0].port))
    await waitSynced(m, r)
    await sameAllDbs(m, r)
    await writeEveryForm(m, 40, 'w')
    await waitSynced(m, r)
    await sameAllDbs(m, r)
    const before = await info(m, 'stats')
    await m.client('KILL', 'TYPE', 'replica')
    await writeEveryForm(m, 3, 'after')
    await waitFor(async () => Number((await info(m, 'stats')).sync_partial_ok) === Number(before.sync_partial_ok) + 1, 10000, 'partial resync')
    await waitSynced(m, r)
    assert.equal((await info(m, 'stats')).sync_full, before.sync_full)
    await sameAllDbs(m, r)
  })

  test('embedded master -> redis-server replica: full sync, every propagated form, partial resync', async () => {
    const e = await emb()
    const m = cl(e.port)
    await fillAllTypes(m, 400, 'pre')
    const r = cl(rs[1].port)
    await r.replicaof('127.0.0.1', String(e.port))
    await waitSynced(m, r)
    await sameAllDbs(m, r)
    await writeEveryForm(m, 40, 'w')
    await waitSynced(m, r)
    await sameAllDbs(m, r)
    const before = await info(m, 'stats')
    await m.client('KILL', 'TYPE', 'replica')
    await writeEveryForm(m, 3, 'after')
    await waitFor(async () => Number((await info(m, 'stats')).sync_partial_ok) === Number(before.sync_partial_ok) + 1, 10000, 'partial resync')
    await waitSynced(m, r)
    assert.equal((await info(m, 'stats')).sync_full, before.sync_full)
    await sameAllDbs(m, r)
    assert.equal(await m.call('WAIT', '1', '2000'), 1)
    await r.replicaof('NO', 'ONE')
  })

  test('disk-based sync from redis-server ($<len> framing) into an embedded replica', async () => {
    const m = cl(rs[2].port)
    await m.config('SET', 'repl-diskless-sync', 'no')
    await fillAllTypes(m, 200, 'disk')
    const e = await emb()
    const r = cl(e.port)
    await r.replicaof('127.0.0.1', String(rs[2].port))
    await waitSynced(m, r)
    await sameAllDbs(m, r)
    await r.replicaof('NO', 'ONE')
    await m.config('SET', 'repl-diskless-sync', 'yes')
  })

  test('PSYNC2 across engines: an embedded replica promoted, a redis-server sibling continues', async () => {
    const m = cl(rs[0].port)
    const e = await emb()
    const ec = cl(e.port)
    const sib = cl(rs[2].port)
    await ec.replicaof('127.0.0.1', String(rs[0].port))
    await sib.replicaof('127.0.0.1', String(rs[0].port))
    await waitSynced(m, ec)
    await waitSynced(m, sib)
    await writeEveryForm(m, 2, 'p2')
    await waitSynced(m, ec)
    await waitSynced(m, sib)
    await ec.replicaof('NO', 'ONE')
    await sib.replicaof('127.0.0.1', String(e.port))
    await waitSynced(ec, sib)
    const st = await info(ec, 'stats')
    assert.equal(st.sync_partial_ok, '1')
    assert.equal(st.sync_full, '0')
    await ec.set('promoted', 'yes')
    await waitSynced(ec, sib)
    assert.equal(await sib.get('promoted'), 'yes')
    await sameAllDbs(ec, sib)
  })
})

describe('INFO replication and ROLE field for field like redis-server', {skip: redisSkip()}, () => {
  const real = new RedisNodes()
  const emb: RunningNode[] = []
  const clients: Redis[] = []
  after(async () => {
    for (const c of clients) c.disconnect()
    for (const n of emb) await n.stop()
    await real.stop()
  })
  const names = async (c: Redis) => Object.keys(await info(c))
  const cl = (port: number) => {
    const c = client(port)
    clients.push(c)
    return c
  }

  test('master with one online replica, replica linked, replica with its link down', async () => {
    const [rm, rr] = await real.start(2, {cluster: false, extra: ['--repl-diskless-sync-delay', '0']})
    const em = await embedded()
    const er = await embedded()
    emb.push(em, er)
    const [RM, RR, EM, ER] = [cl(rm.port), cl(rr.port), cl(em.port), cl(er.port)]
    await RR.replicaof('127.0.0.1', String(rm.port))
    await ER.replicaof('127.0.0.1', String(em.port))
    await waitSynced(RM, RR)
    await waitSynced(EM, ER)
    await RM.set('k', 'v')
    await EM.set('k', 'v')
    await waitSynced(RM, RR)
    await waitSynced(EM, ER)
    assert.deepEqual(await names(EM), await names(RM))
    assert.deepEqual(await names(ER), await names(RR))
    assert.match((await info(EM)).slave0, /^ip=127\.0\.0\.1,port=\d+,state=online,offset=\d+,lag=\d+$/)
    const roleM = (await EM.call('ROLE')) as unknown[]
    const roleR = (await RM.call('ROLE')) as unknown[]
    assert.equal(roleM.length, roleR.length)
    assert.equal(roleM[0], 'master')
    assert.deepEqual((roleM[2] as unknown[][]).map((x) => x.map((y) => typeof y)), (roleR[2] as unknown[][]).map((x) => x.map((y) => typeof y)))
    const sr = (await ER.call('ROLE')) as unknown[]
    const rr2 = (await RR.call('ROLE')) as unknown[]
    assert.deepEqual(sr.map((x) => typeof x), rr2.map((x) => typeof x))
    assert.equal(sr[3], rr2[3])
    // link down: both point at a port where nobody listens
    await RR.replicaof('127.0.0.1', '1')
    await ER.replicaof('127.0.0.1', '1')
    await waitFor(async () => (await info(ER)).master_link_status === 'down' && (await info(RR)).master_link_status === 'down', 5000, 'links down')
    assert.deepEqual(await names(ER), await names(RR))
    await RR.replicaof('NO', 'ONE')
    await ER.replicaof('NO', 'ONE')
  })
})

// Embedded Sentinels watching embedded nodes: discovery, kill -9 of the master under an ioredis
// Sentinel client, every Sentinel agreeing on the promoted replica, no acknowledged write lost,
// the old master rejoining as a replica, SENTINEL FAILOVER with replica-priority 0, and a
// Sentinel restart keeping its id, epoch and the replicas/Sentinels it knew.
import {after, before, describe, test} from 'node:test'
import assert from 'node:assert/strict'
import {mkdtempSync, readFileSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {Redis} from 'ioredis'
import {startSentinelSetup, waitSentinelsDiscovered, type SentinelSetup} from '../../src/local/sentinel.js'
import {AckedWriter, allAgree, call, client, infoField, masterAddr, waitFor} from '../helpers/sentinel.js'

const NAME = 'mymaster'
const root = mkdtempSync(join(tmpdir(), 'redis-ts-sentinel-'))
let setup: SentinelSetup
const sPorts = () => setup.sentinels.map((s) => s.port)

before(async () => {
  setup = await startSentinelSetup({root, name: NAME, replicas: 2, sentinels: 3, downAfterMs: 1000, failoverTimeoutMs: 10000})
})
after(async () => {
  await setup?.stop()
  rmSync(root, {recursive: true, force: true})
})

describe('embedded Sentinel', {timeout: 110000}, () => {
  test('discovers the replicas and the other Sentinels; INFO, ROLE and replies as redis', async () => {
    assert.ok(await waitSentinelsDiscovered(sPorts(), NAME, 2, 30000), 'every Sentinel knows 2 replicas and 2 other Sentinels')
    const p = sPorts()[0]
    assert.deepEqual(await call(p, 'ROLE'), ['sentinel', [NAME]])
    const info = (await call(p, 'INFO')) as string
    assert.equal(infoField(info, 'redis_mode'), 'sentinel')
    assert.match(info, new RegExp(`master0:name=${NAME},status=ok,address=127\\.0\\.0\\.1:${setup.master.port},slaves=2,sentinels=3`))
    assert.equal(await call(p, 'SENTINEL', 'CKQUORUM', NAME), 'OK 3 usable Sentinels. Quorum and failover authorization can be reached')
    assert.equal(await call(p, 'SENTINEL', 'GET-MASTER-ADDR-BY-NAME', 'nope'), null)
    await assert.rejects(call(p, 'SENTINEL', 'MASTER', 'nope'), /^ReplyError: ERR No such master with that name$/)
    await assert.rejects(call(p, 'PUBLISH', 'x', 'y'), /Only HELLO messages are accepted by Sentinel instances/)
    await assert.rejects(call(p, 'GET', 'x'), /unknown command/)
    const down = (await call(p, 'SENTINEL', 'IS-MASTER-DOWN-BY-ADDR', '127.0.0.1', setup.master.port, 0, '*')) as unknown[]
    assert.deepEqual(down, [0, '*', 0])
    const myid = (await call(p, 'SENTINEL', 'MYID')) as string
    assert.match(myid, /^[0-9a-f]{40}$/)
    // The other Sentinels list this one under its run id, with the port it listens on.
    const peers = (await call(sPorts()[1], 'SENTINEL', 'SENTINELS', NAME)) as string[][]
    assert.ok(peers.some((f) => f[f.indexOf('runid') + 1] === myid && f[f.indexOf('port') + 1] === String(p)))
  })

  test('kill -9 of the master: a replica is promoted, all agree, ioredis follows, no acknowledged write lost, old master rejoins', async () => {
    const old = setup.master
    const events: string[] = []
    const sub = new Redis({port: sPorts()[0], host: '127.0.0.1'})
    await sub.psubscribe('*')
    sub.on('pmessage', (_p: string, ch: string, msg: string) => events.push(`${ch} ${msg}`))
    const writer = new AckedWriter(sPorts(), NAME)
    writer.start()
    // A failed assertion must not leave the writer and subscriber holding the test process open.
    after(async () => {
      await writer.stop()
      sub.disconnect()
    })
    await waitFor('some acknowledged writes', async () => writer.acked.length > 20)
    setup.kill(old)
    await setup.waitGone(old)
    const newAddr = await waitFor(
      'a new master on every Sentinel',
      async () => {
        const a = await masterAddr(sPorts()[0], NAME)
        return a && a !== `127.0.0.1:${old.port}` && (await allAgree(sPorts(), NAME, a)) ? a : null
      },
      60000,
    )
    const newPort = Number(newAddr.split(':')[1])
    assert.ok(setup.dataNodes.some((n) => n.port === newPort && n.role === 'replica'))
    const before = writer.acked.length
    await waitFor('writes through the new master', async () => writer.acked.length > before + 20, 30000)
    await writer.stop()
    // Every acknowledged write is on the new master.
    const c = client(newPort)
    const last = writer.acked[writer.acked.length - 1]
    const vals = await c.mget(...writer.acked.map((i) => `k${i}`))
    c.disconnect()
    assert.equal(vals.filter((v, j) => v !== String(writer.acked[j])).length, 0, `all ${writer.acked.length} acknowledged writes (up to k${last}) survive`)
    // The leader answers with the new address as soon as the replica is promoted and publishes
    // +switch-master only when the other replicas are reconfigured: wait for it.
    const switched = `+switch-master ${NAME} 127.0.0.1 ${old.port} 127.0.0.1 ${newPort}`
    await waitFor('+switch-master on the Sentinel', async () => events.includes(switched), 30000)
    for (const e of ['+sdown master', '+odown master', '+slave ']) assert.ok(events.some((x) => x.startsWith(e)), `event ${e}`)
    sub.disconnect()
    // The old master comes back (empty, as a master) and is turned into a replica of the new one.
    const back = await setup.restart(old)
    await waitFor(
      'the old master to replicate from the new one',
      async () => {
        const info = (await call(back.port, 'INFO', 'replication')) as string
        return infoField(info, 'role') === 'slave' && infoField(info, 'master_port') === String(newPort) && infoField(info, 'master_link_status') === 'up'
      },
      40000,
    )
    setup.procs.forEach((p) => p.role !== 'sentinel' && (p.role = p.port === newPort ? 'master' : 'replica'))
  })

  test('SENTINEL FAILOVER promotes the replica that may be promoted, never one with replica-priority 0', async () => {
    const master = setup.master
    const [a, b] = setup.dataNodes.filter((n) => n.role === 'replica')
    await call(a.port, 'CONFIG', 'SET', 'replica-priority', '0')
    const p = sPorts()[1]
    // Wait until the Sentinel has seen the new priority in INFO (and both replicas are healthy).
    await waitFor(
      'slave-priority 0 seen',
      async () => {
        const reps = (await call(p, 'SENTINEL', 'REPLICAS', NAME)) as string[][]
        const byPort = (port: number) => reps.find((f) => f[f.indexOf('port') + 1] === String(port))
        const ra = byPort(a.port)
        const rb = byPort(b.port)
        return ra && rb && ra[ra.indexOf('slave-priority') + 1] === '0' && rb[rb.indexOf('flags') + 1] === 'slave' && rb[rb.indexOf('master-link-status') + 1] === 'ok'
      },
      30000,
    )
    assert.equal(await call(p, 'SENTINEL', 'FAILOVER', NAME), 'OK')
    await assert.rejects(call(p, 'SENTINEL', 'FAILOVER', NAME), /^ReplyError: INPROG Failover already in progress$/)
    await waitFor('every Sentinel on the replica with priority 100', () => allAgree(sPorts(), NAME, `127.0.0.1:${b.port}`), 40000)
    assert.notEqual(await masterAddr(p, NAME), `127.0.0.1:${a.port}`)
    await waitFor(
      'the others to follow the new master',
      async () => {
        for (const n of [a, master]) {
          const info = (await call(n.port, 'INFO', 'replication')) as string
          if (infoField(info, 'master_port') !== String(b.port)) return false
        }
        return true
      },
      40000,
    )
  })

  test('a restarted Sentinel keeps its id, epoch, replicas and Sentinels', async () => {
    const s = setup.sentinels[2]
    const id = await call(s.port, 'SENTINEL', 'MYID')
    const before = await (async () => {
      const m = (await call(s.port, 'SENTINEL', 'MASTER', NAME)) as string[]
      return Object.fromEntries(m.map((v, i) => (i % 2 === 0 ? [v, m[i + 1]] : null)).filter(Boolean) as [string, string][])
    })()
    assert.ok(Number(before['config-epoch']) >= 2, 'two failovers happened')
    setup.kill(s, 'SIGTERM')
    await setup.waitGone(s)
    const conf = readFileSync(s.conf!, 'utf8')
    assert.match(conf, new RegExp(`^sentinel myid ${id}$`, 'm'))
    assert.match(conf, /^sentinel current-epoch \d+$/m)
    assert.equal((conf.match(/^sentinel known-replica /gm) ?? []).length, 2)
    assert.equal((conf.match(/^sentinel known-sentinel /gm) ?? []).length, 2)
    const again = await setup.restart(s)
    assert.equal(await call(again.port, 'SENTINEL', 'MYID'), id)
    const m = (await call(again.port, 'SENTINEL', 'MASTER', NAME)) as string[]
    const o = Object.fromEntries(m.map((v, i) => (i % 2 === 0 ? [v, m[i + 1]] : null)).filter(Boolean) as [string, string][])
    assert.equal(o['config-epoch'], before['config-epoch'])
    assert.equal(`${o.ip}:${o.port}`, `${before.ip}:${before.port}`)
    assert.equal(o['num-slaves'], '2')
    assert.equal(o['num-other-sentinels'], '2')
  })
})

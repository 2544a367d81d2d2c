// Embedded and real Sentinels side by side (hello interop: each lists the others), watching a
// redis-server master with embedded replicas; reply texts compared with redis-server --sentinel;
// kill -9 of the master and every Sentinel, real or embedded, agrees on the promoted replica.
import {after, before, describe, test} from 'node:test'
import assert from 'node:assert/strict'
import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {startSentinelSetup, waitSentinelsDiscovered, type SentinelSetup} from '../../src/local/sentinel.js'
import {redisSkip} from '../helpers/redis-server.js'
import {AckedWriter, allAgree, call, client, infoField, masterAddr, waitFor} from '../helpers/sentinel.js'

const NAME = 'mixed'
const root = mkdtempSync(join(tmpdir(), 'redis-ts-sentinel-mixed-'))
let setup: SentinelSetup
const skip = redisSkip()
const sPorts = () => setup.sentinels.map((s) => s.port)
const real = () => setup.sentinels.find((s) => s.engine !== 'embedded')!
const embedded = () => setup.sentinels.find((s) => s.engine === 'embedded')!

before(async () => {
  if (skip) return
  setup = await startSentinelSetup({
    root,
    name: NAME,
    replicas: 2,
    sentinels: 3,
    dataEngines: ['redis-server', 'embedded', 'embedded'],
    sentinelEngines: ['embedded', 'embedded', 'redis-server'],
    downAfterMs: 1000,
    failoverTimeoutMs: 10000,
  })
})
after(async () => {
  await setup?.stop()
  rmSync(root, {recursive: true, force: true})
})

async function outcome(port: number, args: (string | number)[]): Promise<unknown> {
  try {
    return await call(port, ...args)
  } catch (e) {
    return `error: ${(e as Error).message}`
  }
}

describe('embedded and real Sentinels together', {skip, timeout: 110000}, () => {
  test('hello interop: every Sentinel (real or embedded) knows both replicas and both other Sentinels', async () => {
    assert.ok(await waitSentinelsDiscovered(sPorts(), NAME, 2, 40000))
    for (const p of sPorts()) {
      const peers = (await call(p, 'SENTINEL', 'SENTINELS', NAME)) as string[][]
      const ports = peers.map((f) => Number(f[f.indexOf('port') + 1])).sort()
      assert.deepEqual(ports, sPorts().filter((x) => x !== p).sort())
    }
  })

  test('replies match redis-server --sentinel', async () => {
    const mp = setup.master.port
    const cases: (string | number)[][] = [
      ['SENTINEL', 'MASTER', 'nope'],
      ['SENTINEL', 'REPLICAS', 'nope'],
      ['SENTINEL', 'GET-MASTER-ADDR-BY-NAME', 'nope'],
      ['SENTINEL', 'GET-MASTER-ADDR-BY-NAME', NAME],
      ['SENTINEL', 'CKQUORUM', NAME],
      ['SENTINEL', 'IS-MASTER-DOWN-BY-ADDR', '127.0.0.1', mp, 0, '*'],
      ['SENTINEL', 'IS-MASTER-DOWN-BY-ADDR', '127.0.0.1', 'x', 0, '*'],
      ['SENTINEL', 'MONITOR', 'other', '127.0.0.1', 1, 0],
      ['SENTINEL', 'MONITOR', 'other', '127.0.0.1', 'x', 1],
      ['SENTINEL', 'MONITOR', 'other', 'not-an-ip', 1, 1],
      ['SENTINEL', 'MONITOR', NAME, '127.0.0.1', mp, 1],
      ['SENTINEL', 'SET', NAME, 'nosuch', 1],
      ['SENTINEL', 'SET', NAME, 'quorum', 0],
      ['SENTINEL', 'SET', 'nope', 'quorum', 1],
      ['SENTINEL', 'CONFIG', 'GET', 'resolve-*'],
      ['SENTINEL', 'CONFIG', 'GET', 'announce-port'],
      ['SENTINEL', 'CONFIG', 'SET', 'nosuch', 'x'],
      ['SENTINEL', 'CONFIG', 'SET', 'announce-port', 'x'],
      ['SENTINEL', 'CONFIG', 'XYZ'],
      ['SENTINEL', 'SIMULATE-FAILURE', 'HELP'],
      ['SENTINEL', 'SIMULATE-FAILURE', 'bogus'],
      ['SENTINEL', 'DEBUG', 'bogus', 1],
      ['SENTINEL', 'DEBUG', 'ping-period', 0],
      ['SENTINEL', 'FAILOVER', 'nope'],
      ['SENTINEL', 'RESET', 'no-such-*'],
      ['SENTINEL', 'PENDING-SCRIPTS'],
      ['SENTINEL', 'MASTERS', 'extra'],
      ['SENTINEL', 'NOSUCH'],
      ['PUBLISH', 'chan', 'msg'],
      ['ROLE'],
      ['PING'],
    ]
    for (const args of cases) {
      assert.deepEqual(await outcome(embedded().port, args), await outcome(real().port, args), `reply to ${args.join(' ')}`)
    }
    // Same field names, in the same order, for masters, replicas and Sentinels.
    const keys = (r: unknown) => (r as string[]).filter((_, i) => i % 2 === 0)
    for (const args of [['SENTINEL', 'MASTER', NAME]]) assert.deepEqual(keys(await call(embedded().port, ...args)), keys(await call(real().port, ...args)))
    const first = async (p: number, sub: string) => keys(((await call(p, 'SENTINEL', sub, NAME)) as string[][])[0])
    for (const sub of ['REPLICAS', 'SENTINELS']) assert.deepEqual(await first(embedded().port, sub), await first(real().port, sub), sub)
    const dbg = async (p: number) => keys(await call(p, 'SENTINEL', 'DEBUG'))
    assert.deepEqual(await dbg(embedded().port), await dbg(real().port))
    const sections = async (p: number) => ((await call(p, 'INFO', 'sentinel')) as string).split('\r\n').map((l) => l.split(':')[0])
    assert.deepEqual(await sections(embedded().port), await sections(real().port))
  })

  test('kill -9 of the redis-server master: every Sentinel agrees on an embedded replica, no acknowledged write lost', async () => {
    const old = setup.master
    const writer = new AckedWriter(sPorts(), NAME)
    writer.start()
    await waitFor('acknowledged writes', async () => writer.acked.length > 20)
    setup.kill(old)
    await setup.waitGone(old)
    const addr = await waitFor(
      'a new master on every Sentinel',
      async () => {
        const a = await masterAddr(real().port, NAME)
        return a && a !== `127.0.0.1:${old.port}` && (await allAgree(sPorts(), NAME, a)) ? a : null
      },
      60000,
    )
    const port = Number(addr.split(':')[1])
    const before = writer.acked.length
    await waitFor('writes through the new master', async () => writer.acked.length > before + 10, 30000)
    await writer.stop()
    const c = client(port)
    const vals = await c.mget(...writer.acked.map((i) => `k${i}`))
    c.disconnect()
    assert.equal(vals.filter((v, j) => v !== String(writer.acked[j])).length, 0)
    // The other embedded replica follows the new master.
    const other = setup.dataNodes.find((n) => n.role === 'replica' && n.port !== port)!
    await waitFor(
      'the other replica to follow',
      async () => {
        const info = (await call(other.port, 'INFO', 'replication')) as string
        return infoField(info, 'master_port') === String(port) && infoField(info, 'master_link_status') === 'up'
      },
      40000,
    )
  })
})

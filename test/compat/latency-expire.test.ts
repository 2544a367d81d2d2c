// LATENCY `expire-cycle` when the active expire cycle frees a big value (lazyfree-lazy-expire no):
// redis-server frees a 500k-member set element by element inside the cycle; the embedded node,
// a separate process as in production, reclaims it with a full V8 collection inside the cycle
// (src/node/memory/reclaim.ts). Both must record the event at a 1 ms threshold (Redis's
// unit/latency-monitor "LATENCY of expire events are correctly collected").
import {after, before, describe, test} from 'node:test'
import assert from 'node:assert/strict'
import {spawn, type ChildProcess} from 'node:child_process'
import {mkdtempSync, rmSync} from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {Redis} from 'ioredis'
import {embeddedCommand} from '../../src/local/launcher.js'
import {freePort, redisServerAvailable, startRedisServer, type RealRedis} from './harness.js'
import {waitUntil} from '../helpers/failover.js'

const MEMBERS = 500_000
const BATCH = 50_000

/** Fill a set, let it expire, and return the event names LATENCY LATEST lists afterwards. */
async function eventsAfterBigExpire(port: number): Promise<string[]> {
  const c = new Redis({host: '127.0.0.1', port, maxRetriesPerRequest: 0})
  try {
    await waitUntil(async () => (await c.ping()) === 'PONG', 20_000, `port ${port} answers PING`)
    await c.config('SET', 'latency-monitor-threshold', '1')
    for (let i = 0; i < MEMBERS; i += BATCH) await c.sadd('big', ...Array.from({length: BATCH}, (_, j) => String(i + j)))
    assert.equal(await c.scard('big'), MEMBERS)
    await c.latency('RESET')
    await c.pexpire('big', 1)
    // DBSIZE does not expire lazily: only the active cycle empties the database
    await waitUntil(async () => (await c.dbsize()) === 0, 10_000, 'the active cycle expires the key', 50)
    const latest = (await c.latency('LATEST')) as unknown[][]
    return latest.map((row) => String(row[0]))
  } finally {
    c.disconnect()
  }
}

const available = redisServerAvailable()
describe('compat: LATENCY expire-cycle for a big expired value', {skip: !available && process.env.REDIS_TS_REQUIRE_REDIS !== '1' ? 'redis-server not on PATH' : false}, () => {
  let real: RealRedis
  let node: ChildProcess
  let nodePort: number
  let dir: string
  before(async () => {
    real = await startRedisServer()
    dir = mkdtempSync(path.join(os.tmpdir(), 'redis-ts-latency-'))
    nodePort = await freePort()
    const {cmd, args} = embeddedCommand()
    node = spawn(cmd, [...args, '--port', String(nodePort), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no'], {stdio: 'ignore'})
  })
  after(async () => {
    await real?.stop()
    if (node?.exitCode === null) {
      const exited = new Promise((r) => node.once('exit', r))
      node.kill('SIGKILL')
      await exited
    }
    if (dir) rmSync(dir, {recursive: true, force: true})
  })
  test('both record expire-cycle', async () => {
    assert.ok((await eventsAfterBigExpire(real.port)).includes('expire-cycle'), 'redis-server records expire-cycle')
    assert.ok((await eventsAfterBigExpire(nodePort)).includes('expire-cycle'), 'the embedded node records expire-cycle')
  })
})

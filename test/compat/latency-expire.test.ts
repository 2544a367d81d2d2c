// LATENCY `expire-cycle` when the active expire cycle frees a big value (lazyfree-lazy-expire no):
// redis-server frees a 500k-member set element by element inside the cycle; the embedded node,
// a separate process as in production, reclaims it with a full V8 collection inside the cycle
// (src/node/memory/reclaim.ts). Both must record the event at a 1 ms threshold (Redis's
// unit/latency-monitor "LATENCY of expire events are correctly collected").
import {after, describe, test} from 'node:test'
import assert from 'node:assert/strict'
import {spawn, type ChildProcess} from 'node:child_process'
import {mkdtempSync, rmSync} from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {Redis} from 'ioredis'
import {embeddedCommand} from '../../src/local/launcher.js'
import {freePort} from './harness.js'
import {redisSkip} from '../helpers/redis-server.js'
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

/** Both servers run as processes, started the same way: the node's heap is its own, as in production. */
const SERVERS: Record<string, () => {cmd: string; args: string[]}> = {
  'redis-server': () => ({cmd: 'redis-server', args: []}),
  'the embedded node': embeddedCommand,
}

describe('compat: LATENCY expire-cycle for a big expired value', {skip: redisSkip()}, () => {
  const procs: ChildProcess[] = []
  const dir = mkdtempSync(path.join(os.tmpdir(), 'redis-ts-latency-'))
  after(async () => {
    for (const p of procs) {
      if (p.exitCode !== null || p.signalCode !== null) continue
      const exited = new Promise((r) => p.once('exit', r))
      p.kill('SIGKILL')
      await exited
    }
    rmSync(dir, {recursive: true, force: true})
  })
  for (const [name, command] of Object.entries(SERVERS)) {
    test(`${name} records expire-cycle`, async () => {
      const port = await freePort()
      const {cmd, args} = command()
      procs.push(spawn(cmd, [...args, '--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--dbfilename', `${port}.rdb`, '--save', '', '--appendonly', 'no'], {stdio: 'ignore'}))
      assert.ok((await eventsAfterBigExpire(port)).includes('expire-cycle'))
    })
  }
})

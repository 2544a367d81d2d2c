// INFO total_forks and what a transaction defers, side by side with redis-server 7.0: BGSAVE and
// BGREWRITEAOF count one fork each; BGREWRITEAOF inside MULTI answers "scheduled" and the rewrite
// starts afterwards (server cron); CONFIG SET appendonly yes inside MULTI schedules the rewrite
// that turns the AOF on (redis startAppendOnly with server.in_exec).
import {describe, test} from 'node:test'
import assert from 'node:assert/strict'
import {Redis} from 'ioredis'
import {pairHooks} from './harness.js'
import {redisSkip} from '../helpers/redis-server.js'

const field = async (c: Redis, name: string) => Number(new RegExp(`^${name}:(\\d+)\\r?$`, 'm').exec(await c.info())?.[1])

async function until(what: string, pred: () => Promise<boolean>): Promise<void> {
  const end = Date.now() + 60_000
  while (!(await pred())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 50))
  }
}

async function script(c: Redis): Promise<unknown[]> {
  const out: unknown[] = []
  const idle = async () => (await field(c, 'rdb_bgsave_in_progress')) === 0 && (await field(c, 'aof_rewrite_in_progress')) === 0 && (await field(c, 'aof_rewrite_scheduled')) === 0
  const f0 = await field(c, 'total_forks')
  out.push(await c.call('BGSAVE'))
  await until('BGSAVE done', idle)
  out.push(['forks after BGSAVE', (await field(c, 'total_forks')) - f0])
  out.push(await c.multi().set('foo', 'bar').call('BGREWRITEAOF').exec())
  await until('the scheduled rewrite', async () => (await field(c, 'total_forks')) === f0 + 2)
  await until('rewrite done', idle)
  out.push(await c.multi().set('foo', 'bar').config('SET', 'appendonly', 'yes').exec())
  await until('the AOF rewrite of CONFIG SET appendonly', async () => (await field(c, 'total_forks')) === f0 + 3)
  await until('rewrite done', idle)
  out.push(['aof_enabled', await field(c, 'aof_enabled')])
  return out
}

describe('total_forks and deferred background jobs in MULTI vs redis-server', {skip: redisSkip()}, () => {
  const pair = pairHooks()
  test('BGSAVE, BGREWRITEAOF in MULTI, CONFIG SET appendonly in MULTI', {timeout: 300_000}, async () => {
    const real = new Redis({port: pair.redisPort, host: '127.0.0.1', maxRetriesPerRequest: 1})
    const ours = new Redis({port: pair.ourPort, host: '127.0.0.1', maxRetriesPerRequest: 1})
    try {
      const r = await script(real)
      const o = await script(ours)
      assert.deepEqual(o, r)
      assert.deepEqual(r.at(-1), ['aof_enabled', 1])
    } finally {
      real.disconnect()
      ours.disconnect()
    }
  })
})

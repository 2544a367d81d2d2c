// While a replica loads its master's payload with repl-diskless-load swapdb and the same replid
// (redis 7.0 async loading), the old data stays readable, but no_async_loading commands (REPLICAOF)
// and the DENY_LOADING configs (appendonly) are refused with -LOADING: the same steps on
// redis-server and on the embedded node.
import {describe, test} from 'node:test'
import assert from 'node:assert/strict'
import type {Redis} from 'ioredis'
import {redisSkip} from '../helpers/redis-server.js'
import {client, embedded, info, mixedNodes, waitFor} from '../helpers/repl.js'

async function asyncLoadingReplies(m: Redis, r: Redis, mport: number): Promise<Record<string, string>> {
  await m.config('SET', 'repl-diskless-sync', 'yes')
  await m.config('SET', 'repl-diskless-sync-delay', '0')
  await r.config('SET', 'repl-diskless-load', 'swapdb')
  // a loading replica answers clients once per this many bytes (redis processEventsWhileBlocked)
  await r.config('SET', 'loading-process-events-interval-bytes', '1024')
  await m.config('SET', 'rdbcompression', 'no')
  const p = m.pipeline()
  for (let i = 0; i < 2000; i++) p.set(`k:${i}`, 'v'.repeat(1000))
  await p.exec()
  await r.replicaof('127.0.0.1', String(mport))
  await waitFor(async () => (await info(r)).master_link_status === 'up', 60000, 'first sync')
  // a full sync with the replid the replica already has: the backlog no longer holds its offset
  // (in one transaction: the replica cannot reconnect in between)
  const tx = m.multi()
  tx.call('CLIENT', 'KILL', 'TYPE', 'replica')
  tx.config('SET', 'repl-backlog-size', '16384')
  for (let i = 0; i < 100; i++) tx.set(`big:${i}`, 'A'.repeat(16384))
  tx.config('SET', 'rdb-key-save-delay', '10000') // 10 ms a key: 20 s of loading
  await tx.exec()
  let seen = ''
  await waitFor(async () => {
    const p = await info(r, 'persistence')
    const rl = await info(r)
    seen = `loading ${p.loading} async ${p.async_loading} link ${rl.master_link_status} sync ${rl.master_sync_in_progress}`
    return p.async_loading === '1'
  }, 60000, 'async loading').catch((e: Error) => {
    throw new Error(`${e.message} on ${mport}: ${seen}`)
  })
  const reply = async (f: () => Promise<unknown>) => f().then((x) => String(x), (e: Error) => e.message.split(' ')[0])
  const out = {
    loading: (await info(r, 'persistence')).loading,
    get: await reply(async () => (await r.get('k:1'))?.length),
    appendonly: await reply(() => r.config('SET', 'appendonly', 'no')),
    replicaof: await reply(() => r.replicaof('NO', 'ONE')),
    maxmemory: await reply(() => r.config('SET', 'maxmemory-samples', '5')),
  }
  await m.config('SET', 'rdb-key-save-delay', '0')
  await m.call('CLIENT', 'KILL', 'TYPE', 'replica')
  await waitFor(async () => (await info(r, 'persistence')).async_loading === '0', 60000, 'loading over')
  return out
}

describe('compat: async loading (repl-diskless-load swapdb)', {skip: redisSkip()}, () => {
  const n = mixedNodes()

  test('LOADING for REPLICAOF and CONFIG SET appendonly, the old data readable, on redis-server and the embedded node', {timeout: 300000}, async () => {
    const [rm, rr] = await n.real.start(2, {cluster: false})
    const cl = (port: number) => {
      const c = client(port)
      n.clients.push(c)
      return c
    }
    const want = await asyncLoadingReplies(cl(rm.port), cl(rr.port), rm.port)
    const em = await embedded()
    const er = await embedded()
    n.nodes.push(em, er)
    const got = await asyncLoadingReplies(cl(em.port), cl(er.port), em.port)
    assert.deepEqual(want, {loading: '0', get: '1000', appendonly: 'LOADING', replicaof: 'LOADING', maxmemory: 'OK'})
    assert.deepEqual(got, want)
  })
})

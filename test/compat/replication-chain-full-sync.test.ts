// A replica with a replica of its own that is sent to a new master (REPLICAOF) keeps that
// sub-replica and its cached master until the new master's RDB is loaded (redis 7.0
// replicationSetMaster no longer calls disconnectSlaves; readSyncBulkPayload's
// replicationAttachToNewMaster does, when the load starts). A full sync that dies before that
// changes nothing: the chain keeps one replication id, and going back to the first master is a
// partial resync that the sub-replica does not notice. The same scenario with redis-server and
// with the embedded node in the middle of the chain, outcomes compared.
import {describe, test} from 'node:test'
import assert from 'node:assert/strict'
import type {Redis} from 'ioredis'
import {redisSkip} from '../helpers/redis-server.js'
import {client, embedded, info, mixedNodes, waitFor} from '../helpers/repl.js'

async function linkUp(c: Redis, what: string): Promise<void> {
  await waitFor(async () => (await info(c)).master_link_status === 'up', 120000, what)
}

/** `mid` is the replica in the middle of the chain. */
async function scenario(mid: number, m: ReturnType<typeof mixedNodes>): Promise<Record<string, unknown>> {
  const master1 = await embedded()
  const subLog: string[] = []
  const sub = await embedded({}, subLog)
  // master2 needs seconds to dump its 10 keys: it is stopped while the sync is in progress
  const master2 = await embedded({'rdb-key-save-delay': '1000000', 'repl-diskless-sync': 'no'})
  m.nodes.push(master1, sub, master2)
  const [c1, cs, c2, r] = [client(master1.port), client(sub.port), client(master2.port), client(mid)]
  m.clients.push(c1, cs, c2, r)
  await c1.set('a', 'b')
  for (let i = 0; i < 10; i++) await c2.set(`master2:${i}`, 'x')

  await r.call('REPLICAOF', '127.0.0.1', String(master1.port))
  await linkUp(r, 'mid synced with master1')
  await cs.call('REPLICAOF', '127.0.0.1', String(mid))
  await linkUp(cs, 'sub-replica synced with mid')
  await waitFor(async () => (await cs.get('a')) === 'b', 60000, 'sub-replica has the key')
  const fullBefore = Number((await info(c1, 'stats')).sync_full)
  const partialBefore = Number((await info(c1, 'stats')).sync_partial_ok)

  await r.call('REPLICAOF', '127.0.0.1', String(master2.port))
  await waitFor(async () => {
    const i = await info(c2, 'all')
    return i.rdb_bgsave_in_progress === '1' && /wait_bgsave/.test(i.slave0 ?? '')
  }, 60000, 'full sync with master2 started')
  await master2.stop()

  const ids = async () => [(await info(r)).master_replid, (await info(c1)).master_replid, (await info(cs)).master_replid]
  const afterAbort = {sameIds: new Set(await ids()).size === 1, subLost: subLog.some((l) => l.includes('Connection with master lost'))}

  await r.call('REPLICAOF', '127.0.0.1', String(master1.port))
  await linkUp(r, 'mid back with master1')
  // the partial resync is counted when master1 accepts it; poll for it, then read the rest
  await waitFor(async () => Number((await info(c1, 'stats')).sync_partial_ok) > partialBefore, 60000, 'partial resync counted')
  const st1 = await info(c1, 'stats')
  const stMid = await info(r, 'stats')
  const out = {
    afterAbort,
    master1FullSyncs: Number(st1.sync_full) - fullBefore,
    master1PartialSyncs: Number(st1.sync_partial_ok) - partialBefore,
    sameIdsAfter: new Set(await ids()).size === 1,
    subLostAfter: subLog.some((l) => l.includes('Connection with master lost')),
    midFullSyncs: Number(stMid.sync_full),
    midPartialSyncs: Number(stMid.sync_partial_ok),
  }
  await cs.call('REPLICAOF', 'NO', 'ONE')
  await r.call('REPLICAOF', 'NO', 'ONE')
  return out
}

describe('compat: a replica with sub-replicas that full-syncs from a new master', {skip: redisSkip()}, () => {
  const m = mixedNodes()

  test('keeps its sub-replicas and cached master until the new RDB is loaded, on redis-server and the embedded node alike', {timeout: 400000}, async () => {
    const [real] = await m.real.start(1, {cluster: false, extra: ['--repl-diskless-sync-delay', '0']})
    const want = await scenario(real.port, m)
    const emb = await embedded()
    m.nodes.push(emb)
    const got = await scenario(emb.port, m)
    assert.deepEqual(want, {
      afterAbort: {sameIds: true, subLost: false},
      master1FullSyncs: 0,
      master1PartialSyncs: 1,
      sameIdsAfter: true,
      subLostAfter: false,
      midFullSyncs: 1,
      midPartialSyncs: 0,
    })
    assert.deepEqual(got, want)
  })
})

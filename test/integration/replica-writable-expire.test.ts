// A writable replica (replica-read-only no) expires the keys written on it directly (the master
// never sends a DEL for them), as redis 7.0's expireSlaveKeys; keys the master set a TTL on are
// left to the master's DEL (not tracked).
import {after, before, describe, test} from 'node:test'
import assert from 'node:assert/strict'
import type {Redis} from 'ioredis'
import type {RunningNode} from '../../src/node/index.js'
import {client, embedded, info, waitFor, waitSynced} from '../helpers/repl.js'

describe('writable replica: its own keys with a TTL expire', () => {
  let master: RunningNode
  let replica: RunningNode
  let m: Redis
  let r: Redis
  before(async () => {
    master = await embedded({'enable-debug-command': 'yes'})
    replica = await embedded({'enable-debug-command': 'yes'})
    m = client(master.port)
    r = client(replica.port)
    await r.replicaof('127.0.0.1', String(master.port))
    await m.set('before', '1')
    await waitSynced(m, r)
    await r.config('SET', 'replica-read-only', 'no')
  })
  after(async () => {
    m?.disconnect()
    r?.disconnect()
    await replica?.stop()
    await master?.stop()
  })

  test('SET PX on the replica: tracked, then deleted by the replica cron', async () => {
    const expired0 = Number((await info(r, 'stats')).expired_keys)
    assert.equal(await r.set('mine', 'v', 'PX', 300), 'OK')
    assert.equal((await info(r, 'stats')).slave_expires_tracked_keys, '1')
    await waitFor(async () => Number((await info(r, 'stats')).expired_keys) === expired0 + 1, 60_000, 'the replica expired its key')
    assert.equal(await r.exists('mine'), 0)
    assert.equal((await info(r, 'stats')).slave_expires_tracked_keys, '0')
  })

  test("the master's keys with a TTL are not tracked: the master's DEL removes them", async () => {
    await r.call('DEBUG', 'SET-ACTIVE-EXPIRE', '1')
    await m.call('DEBUG', 'SET-ACTIVE-EXPIRE', '0')
    try {
      await m.set('theirs', 'v', 'PX', 200)
      await waitSynced(m, r)
      assert.equal((await info(r, 'stats')).slave_expires_tracked_keys, '0')
      await new Promise((res) => setTimeout(res, 600))
      // expired, hidden from reads, but still in the replica's keyspace until the master deletes it
      assert.equal(await r.get('theirs'), null)
      assert.equal(await r.dbsize(), 2)
    } finally {
      await m.call('DEBUG', 'SET-ACTIVE-EXPIRE', '1')
    }
    await waitFor(async () => (await r.dbsize()) === 1, 60_000, "the master's DEL reached the replica")
  })
})

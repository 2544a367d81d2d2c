// CLIENT PAUSE on an embedded master with an embedded replica: the replica's connection is never
// held (link stays up, REPLCONF ACKs keep flowing), held writes reach the replica once the pause ends, and the failover-purpose API.
// CLIENT PAUSE WRITE on the replica holds its master link (redis 7.0): the stream is read, not applied.
import {after, before, describe, test} from 'node:test'
import assert from 'node:assert/strict'
import type {Redis} from 'ioredis'
import type {RunningNode} from '../../src/node/index.js'
import {client, embedded, info, waitFor, waitSynced} from '../helpers/repl.js'
import {isPausedFor, pauseWrites, unpause} from '../../src/node/pause.js'

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

describe('client pause with a replica (embedded)', () => {
  let master: RunningNode
  let replica: RunningNode
  let m: Redis
  let r: Redis
  before(async () => {
    master = await embedded()
    replica = await embedded()
    m = client(master.port)
    r = client(replica.port)
    await r.replicaof('127.0.0.1', String(master.port))
    await m.set('before', '1')
    await waitSynced(m, r)
  })
  after(async () => {
    m?.disconnect()
    r?.disconnect()
    await replica?.stop()
    await master?.stop()
  })

  test('WRITE pause: replica link up, held write replicated after the pause', async () => {
    const writer = client(master.port)
    try {
      await m.call('CLIENT', 'PAUSE', '1500', 'WRITE')
      let done = false
      const held = writer.set('during', 'x').then(() => (done = true))
      await sleep(1200)
      assert.equal(done, false)
      const ri = await info(r)
      assert.equal(ri.master_link_status, 'up')
      // The replica stays online (its REPLCONF ACKs are not held; only the periodic PING may move
      // the offset during a CLIENT PAUSE, as in redis 7.0).
      const mi = await info(m)
      assert.match(mi.slave0 ?? '', /state=online/)
      assert.equal(await r.get('during'), null)
      await held
      await waitFor(async () => (await r.get('during')) === 'x', 5000, 'held write replicated')
    } finally {
      writer.disconnect()
    }
  })

  test('failover-purpose pause: isPausedFor, CLIENT UNPAUSE does not lift it, unpause() does', async () => {
    pauseWrites(master.server, Date.now() + 10000)
    assert.equal(isPausedFor(master.server, 'failover'), true)
    assert.equal(isPausedFor(master.server, 'client'), false)
    let done = false
    const w = client(master.port)
    const held = w.incr('n').then(() => (done = true))
    await m.call('CLIENT', 'UNPAUSE')
    await sleep(100)
    assert.equal(done, false)
    assert.equal((await info(m, 'clients')).blocked_clients, '1')
    unpause(master.server)
    await held
    assert.equal(isPausedFor(master.server, 'failover'), false)
    w.disconnect()
  })

  test('WRITE pause on the replica: the stream is read (slave_read_repl_offset) but not applied until unpause', async () => {
    await m.set('foo', 'bar')
    await waitFor(async () => (await info(r)).slave_repl_offset === (await info(m)).master_repl_offset, 60_000, 'replica caught up')
    const applied = (await info(r)).slave_repl_offset
    await r.call('CLIENT', 'PAUSE', '100000', 'WRITE')
    try {
      await m.set('foo2', 'bar2')
      const target = (await info(m)).master_repl_offset
      await waitFor(async () => (await info(r)).slave_read_repl_offset === target, 60_000, 'replica read the write')
      assert.equal((await info(r)).slave_repl_offset, applied, 'the held write is not applied')
      assert.equal(await r.get('foo2'), null)
    } finally {
      await r.call('CLIENT', 'UNPAUSE')
    }
    await waitFor(async () => (await r.get('foo2')) === 'bar2', 60_000, 'applied after CLIENT UNPAUSE')
    assert.equal((await info(r)).slave_repl_offset, (await info(m)).master_repl_offset)
  })
})

// proto-max-bulk-len limits what clients send, not what a replica's master sends (redis
// processMultibulkBuffer, checkStringLength and getBitOffsetFromArgument exempt mustObeyClient): a
// replica set to 1mb still applies a 2 MB value its master propagates, an APPEND past 2 MB and a
// SETBIT past 8 Mbit, without dropping the link. The embedded replica dropped its link with a
// protocol error and resynced in a loop. Side by side: a redis-server master with a redis-server
// replica and with an embedded replica, both replicas at proto-max-bulk-len 1mb.
import {describe, test} from 'node:test'
import assert from 'node:assert/strict'
import {redisSkip} from '../helpers/redis-server.js'
import {client, embedded, info, mixedNodes, waitSynced} from '../helpers/repl.js'
import {freePort} from './harness.js'

const skip = redisSkip()
const BIG = 2 * 1024 * 1024

describe('a value over the replica\'s proto-max-bulk-len, from its master, vs redis-server', {skip}, () => {
  const {real, nodes, clients} = mixedNodes()

  async function run(kind: 'real' | 'embedded'): Promise<{len: number; tail: string; bits: number; after: string | null; link: string; fullSyncs: string}> {
    const [m] = await real.start(1, {cluster: false})
    let replicaPort: number
    if (kind === 'real') replicaPort = (await real.start(1, {cluster: false, extra: ['--proto-max-bulk-len', '1mb']}))[0].port
    else {
      replicaPort = await freePort()
      nodes.push(await embedded({port: String(replicaPort), 'proto-max-bulk-len': '1mb'}))
    }
    const master = client(m.port)
    const replica = client(replicaPort)
    clients.push(master, replica)
    await replica.call('REPLICAOF', '127.0.0.1', String(m.port))
    await master.set('small', 'v')
    await waitSynced(master, replica)
    // after the initial sync: the value travels in the command stream, not in an RDB payload
    await master.set('big', 'x'.repeat(BIG))
    await master.append('big', 'y')
    await master.setbit('bits', 8 * 1024 * 1024 + 7, 1)
    await master.set('after', 'z')
    await waitSynced(master, replica)
    return {
      len: await replica.strlen('big'),
      tail: await replica.getrange('big', BIG - 2, -1),
      bits: await replica.strlen('bits'),
      after: await replica.get('after'),
      link: (await info(replica)).master_link_status,
      fullSyncs: (await info(master, 'stats')).sync_full,
    }
  }

  test('applied, the link kept, no second full sync', async () => {
    const want = await run('real')
    assert.deepEqual(want, {len: BIG + 1, tail: 'xxy', bits: 1024 * 1024 + 1, after: 'z', link: 'up', fullSyncs: '1'})
    const got = await run('embedded')
    assert.deepEqual(got, want)
    assert.equal(got.fullSyncs, '1')
  })
})

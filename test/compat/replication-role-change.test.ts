// A master that becomes a replica unblocks its blocked clients with -UNBLOCKED and closes them
// (redis 7.0 disconnectAllBlockedClients in replicationSetMaster, issue #2473): a BLPOP left
// blocked would pop from the replica's dataset when the new master pushes, and the two would
// diverge. The same scenario on redis-server and on the embedded node, replies compared.
import {describe, test} from 'node:test'
import assert from 'node:assert/strict'
import {RawClient, type Reply} from './harness.js'
import {redisSkip} from '../helpers/redis-server.js'
import {client, embedded, mixedNodes, waitFor} from '../helpers/repl.js'

interface Outcome {
  blpop: Reply
  blpopClosed: boolean
  wait: Reply
  waitClosed: boolean
  list: string[]
}

async function closedAfter(c: RawClient): Promise<boolean> {
  try {
    await c.read()
    return false
  } catch {
    return true
  }
}

/** `subject` is a master with blocked clients; it becomes a replica of `masterPort`. */
async function demoteWithBlockedClients(subject: number, masterPort: number, clients: ReturnType<typeof mixedNodes>['clients']): Promise<Outcome> {
  const admin = client(subject)
  const master = client(masterPort)
  clients.push(admin, master)
  await master.del('foo')
  const pop = await RawClient.connect(subject)
  const wait = await RawClient.connect(subject)
  const popReply = pop.call(['BLPOP', 'foo', '0'])
  const waitReply = wait.call(['WAIT', '1', '0'])
  popReply.catch(() => {})
  waitReply.catch(() => {})
  await waitFor(async () => /blocked_clients:2\r\n/.test((await admin.info('clients')) as string), 30000, 'two blocked clients')
  await admin.call('REPLICAOF', '127.0.0.1', String(masterPort))
  const out: Outcome = {blpop: await popReply, blpopClosed: await closedAfter(pop), wait: await waitReply, waitClosed: await closedAfter(wait), list: []}
  await waitFor(async () => /master_link_status:up/.test((await admin.info('replication')) as string), 60000, 'link up')
  await master.rpush('foo', 'a', 'b', 'c')
  // the popping client is gone: the replica keeps the whole list, as its master does
  await waitFor(async () => (await admin.lrange('foo', 0, -1)).length === 3, 60000, 'list replicated')
  out.list = await admin.lrange('foo', 0, -1)
  assert.deepEqual(await master.lrange('foo', 0, -1), ['a', 'b', 'c'])
  await admin.call('REPLICAOF', 'NO', 'ONE')
  return out
}

describe('compat: blocked clients when a master becomes a replica', {skip: redisSkip()}, () => {
  const m = mixedNodes()

  test('BLPOP and WAIT get -UNBLOCKED and are closed, on redis-server and the embedded node alike', {timeout: 180000}, async () => {
    const master = await embedded()
    m.nodes.push(master)
    const [real] = await m.real.start(1, {cluster: false})
    const emb = await embedded()
    m.nodes.push(emb)
    const want = await demoteWithBlockedClients(real.port, master.port, m.clients)
    const got = await demoteWithBlockedClients(emb.port, master.port, m.clients)
    assert.deepEqual(want, {
      blpop: '-UNBLOCKED force unblock from blocking operation, instance state changed (master -> replica?)',
      blpopClosed: true,
      wait: '-UNBLOCKED force unblock from blocking operation, instance state changed (master -> replica?)',
      waitClosed: true,
      list: ['a', 'b', 'c'],
    })
    assert.deepEqual(got, want)
  })
})

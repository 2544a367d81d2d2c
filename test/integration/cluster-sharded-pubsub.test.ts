// Sharded pub/sub on an embedded cluster (redis 7.0): SSUBSCRIBE / SPUBLISH follow the slot
// of the channel (-MOVED, -CROSSSLOT, replicas of the owner serve them), SPUBLISH travels as
// PUBLISHSHARD only to the nodes of the owner's shard, and losing a slot unsubscribes its
// channels with an `sunsubscribe` push.
import {test, describe, before, after} from 'node:test'
import assert from 'node:assert/strict'
import * as fs from 'node:fs'
import {Redis} from 'ioredis'
import {startEmbedded, tmpDir, waitFor, type EmbeddedNode} from '../fixtures/bus/embedded.js'
import {keySlot} from '../../src/node/keyspace/slot.js'
import {RawClient} from '../compat/harness.js'

/** A channel name whose slot is in [lo, hi]. */
function channelIn(lo: number, hi: number, tag: string): string {
  for (let i = 0; ; i++) {
    const c = `${tag}:${i}`
    const s = keySlot(c)
    if (s >= lo && s <= hi) return c
  }
}

const stat = (info: string, name: string) => Number(new RegExp(`${name}:(\\d+)`).exec(info)?.[1] ?? 0)

describe('sharded pub/sub on an embedded cluster', () => {
  let dir: string
  const nodes: EmbeddedNode[] = []
  let clients: Redis[] = []
  const ids: string[] = []
  const call = (i: number, ...args: (string | number)[]) => clients[i].call(args[0] as string, ...args.slice(1).map(String))

  before(async () => {
    dir = tmpDir('cluster-spubsub')
    for (let i = 0; i < 4; i++) nodes.push(await startEmbedded(dir, {nodeTimeout: 2000, debug: true}))
    clients = nodes.map((n) => new Redis(n.port, '127.0.0.1', {maxRetriesPerRequest: 1}))
    for (let i = 0; i < 4; i++) ids.push((await call(i, 'cluster', 'myid')) as string)
    for (let i = 0; i < 3; i++) await call(i, 'cluster', 'set-config-epoch', i + 1)
    await call(0, 'cluster', 'addslotsrange', 0, 5460)
    await call(1, 'cluster', 'addslotsrange', 5461, 10922)
    await call(2, 'cluster', 'addslotsrange', 10923, 16383)
    for (let i = 1; i < 4; i++) await call(0, 'cluster', 'meet', '127.0.0.1', nodes[i].port, nodes[i].busPort)
    await waitFor(async () => {
      const infos = await Promise.all([0, 1, 2, 3].map((i) => call(i, 'cluster', 'info') as Promise<string>))
      return infos.every((s) => s.includes('cluster_known_nodes:4'))
    }, 10000, 'every node knows 4 nodes')
    await call(3, 'cluster', 'replicate', ids[0])
    await waitFor(async () => {
      const texts = await Promise.all([0, 1, 2, 3].map((i) => call(i, 'cluster', 'nodes') as Promise<string>))
      const infos = await Promise.all([0, 1, 2, 3].map((i) => call(i, 'cluster', 'info') as Promise<string>))
      return texts.every((t) => t.includes(`slave ${ids[0]}`) && !t.includes('disconnected')) && infos.every((s) => s.includes('cluster_state:ok'))
    }, 15000, 'replica known everywhere, cluster ok')
  })

  after(async () => {
    for (const c of clients) c.disconnect()
    for (const n of nodes) await n.stop()
    fs.rmSync(dir, {recursive: true, force: true})
  })

  test('SSUBSCRIBE / SPUBLISH redirect by the channel slot; CROSSSLOT across slots', async () => {
    const ch0 = channelIn(0, 5460, 'a')
    const ch1 = channelIn(5461, 10922, 'b')
    const c = await RawClient.connect(nodes[1].port)
    assert.equal(await c.call(['SPUBLISH', ch0, 'x']), `-MOVED ${keySlot(ch0)} 127.0.0.1:${nodes[0].port}`)
    assert.equal(await c.call(['SSUBSCRIBE', ch0]), `-MOVED ${keySlot(ch0)} 127.0.0.1:${nodes[0].port}`)
    assert.equal(await c.call(['SSUBSCRIBE', ch0, ch1]), "-CROSSSLOT Keys in request don't hash to the same slot")
    assert.deepEqual(await c.call(['SSUBSCRIBE', ch1]), ['ssubscribe', ch1, 1])
    c.close()
  })

  test('SPUBLISH reaches the master and its replica, and no node outside the shard', async () => {
    const ch = channelIn(0, 5460, 'news')
    const got: string[] = []
    const onMaster = new Redis(nodes[0].port, '127.0.0.1')
    const onReplica = new Redis(nodes[3].port, '127.0.0.1')
    onMaster.on('smessage', (c: string, m: string) => got.push(`master ${c} ${m}`))
    onReplica.on('smessage', (c: string, m: string) => got.push(`replica ${c} ${m}`))
    await onMaster.ssubscribe(ch)
    await onReplica.ssubscribe(ch) // a replica of the owner serves shard channels without READONLY
    const before1 = stat((await call(1, 'cluster', 'info')) as string, 'cluster_stats_messages_publishshard_received')
    const before2 = stat((await call(2, 'cluster', 'info')) as string, 'cluster_stats_messages_publishshard_received')
    const sent0 = stat((await call(0, 'cluster', 'info')) as string, 'cluster_stats_messages_publishshard_sent')
    assert.equal(await call(0, 'spublish', ch, 'hello'), 1) // local receivers only, like redis
    await waitFor(async () => got.length === 2, 5000, 'both subscribers got the message')
    assert.deepEqual(got.sort(), [`master ${ch} hello`, `replica ${ch} hello`])
    assert.deepEqual(await call(0, 'pubsub', 'shardchannels'), [ch])
    assert.deepEqual(await call(3, 'pubsub', 'shardnumsub', ch), [ch, 1])
    assert.equal(stat((await call(0, 'cluster', 'info')) as string, 'cluster_stats_messages_publishshard_sent'), sent0 + 1)
    await new Promise((r) => setTimeout(r, 200))
    assert.equal(stat((await call(1, 'cluster', 'info')) as string, 'cluster_stats_messages_publishshard_received'), before1)
    assert.equal(stat((await call(2, 'cluster', 'info')) as string, 'cluster_stats_messages_publishshard_received'), before2)
    onMaster.disconnect()
    onReplica.disconnect()
  })

  test('DEBUG CLUSTERLINK KILL: a message broadcast while the link is down is lost to that peer only', async () => {
    // tests/unit/cluster/links.tcl: the link to the replica is freed inside the MULTI, so the
    // SPUBLISH right after it cannot reach the replica; the cron reconnects it for the next one
    const ch = channelIn(1000, 5000, 'linkkill')
    const got: string[] = []
    const onReplica = new Redis(nodes[3].port, '127.0.0.1')
    onReplica.on('smessage', (c: string, m: string) => got.push(`${c} ${m}`))
    await onReplica.ssubscribe(ch)
    try {
      await linkKillScenario(ch, got)
    } finally {
      onReplica.disconnect()
    }
  })

  /** The body of the CLUSTERLINK test (its subscriber is closed by the caller, pass or fail). */
  async function linkKillScenario(ch: string, got: string[]): Promise<void> {
    const links = async () => ((await call(0, 'cluster', 'links')) as unknown[]).length
    await waitFor(async () => (await links()) === 6, 20000, 'node 0 has both links to its 3 peers')
    const m = clients[0].multi()
    m.call('DEBUG', 'CLUSTERLINK', 'KILL', 'TO', ids[3])
    m.call('SPUBLISH', ch, 'hello')
    assert.deepEqual(await m.exec(), [[null, 'OK'], [null, 0]])
    await waitFor(async () => (await links()) === 6, 20000, 'the freed link reconnected')
    assert.equal(await call(0, 'spublish', ch, 'world'), 0)
    await waitFor(async () => got.length > 0, 10000, 'the message sent after the reconnection')
    assert.deepEqual(got, [`${ch} world`])
    // FROM and ALL free the inbound link / both; the peer and the cron bring them back
    assert.equal(await call(0, 'debug', 'clusterlink', 'kill', 'all', ids[1]), 'OK')
    assert.equal(await call(0, 'debug', 'clusterlink', 'kill', 'from', ids[2]), 'OK')
    await waitFor(async () => (await links()) === 6, 30000, 'every link back')
    await assert.rejects(call(0, 'debug', 'clusterlink', 'kill', 'to', 'f'.repeat(40)), /^ReplyError: ERR Unknown node f{40}$/)
    await assert.rejects(call(0, 'debug', 'clusterlink', 'kill', 'to'), /ERR unknown subcommand or wrong number of arguments for 'clusterlink'/)
    // redis 7.0.15 answers an unknown direction with an error and then +OK
    const raw = await RawClient.connect(nodes[0].port)
    try {
      assert.equal(await raw.call(['DEBUG', 'CLUSTERLINK', 'KILL', 'sideways', ids[1]]), '-ERR Unknown direction sideways')
      assert.equal(await raw.readWithin(5000), '+OK')
    } finally {
      raw.close()
    }
  }

  test('a slot that leaves the shard unsubscribes its channels (sunsubscribe push)', async () => {
    const ch = channelIn(100, 200, 'moving')
    const slot = keySlot(ch)
    // A raw connection: ioredis treats a server-initiated sunsubscribe as a protocol error.
    const sub = await RawClient.connect(nodes[0].port)
    const events: string[] = []
    assert.deepEqual(await sub.call(['SSUBSCRIBE', ch]), ['ssubscribe', ch, 1])
    // Give the slot to node 1: node 1 first, then the owner (like redis-cli --cluster reshard).
    await call(1, 'cluster', 'setslot', slot, 'node', ids[1])
    await call(0, 'cluster', 'setslot', slot, 'node', ids[1])
    assert.deepEqual(await sub.readWithin(5000), ['sunsubscribe', ch, 0])
    assert.deepEqual(await call(0, 'pubsub', 'shardnumsub', ch), [ch, 0])
    assert.deepEqual(await call(0, 'pubsub', 'shardchannels'), [])
    // The new owner now serves the channel.
    const sub1 = new Redis(nodes[1].port, '127.0.0.1')
    sub1.on('smessage', (c: string, m: string) => events.push(`new ${c} ${m}`))
    await sub1.ssubscribe(ch)
    assert.equal(await call(1, 'spublish', ch, 'after'), 1)
    await waitFor(async () => events.includes(`new ${ch} after`), 5000, 'message on the new owner')
    const c = await RawClient.connect(nodes[0].port)
    assert.match(String(await c.call(['SPUBLISH', ch, 'x'])), /^-MOVED /)
    c.close()
    sub.close()
    sub1.disconnect()
  })

  test('the sunsubscribe push itself, byte for byte (RESP2)', async () => {
    const ch = channelIn(300, 400, 'raw')
    const slot = keySlot(ch)
    const net = await import('node:net')
    const sock = net.connect(nodes[0].port, '127.0.0.1')
    let out = ''
    sock.on('data', (d) => (out += d.toString('latin1')))
    await new Promise((r) => sock.once('connect', r))
    sock.write(`*2\r\n$10\r\nssubscribe\r\n$${ch.length}\r\n${ch}\r\n`)
    await waitFor(async () => out.length > 0, 5000, 'ssubscribe confirmation')
    assert.equal(out, `*3\r\n$10\r\nssubscribe\r\n$${ch.length}\r\n${ch}\r\n:1\r\n`)
    out = ''
    await call(1, 'cluster', 'setslot', slot, 'node', ids[1])
    await call(0, 'cluster', 'setslot', slot, 'node', ids[1])
    await waitFor(async () => out.length > 0, 5000, 'sunsubscribe push')
    assert.equal(out, `*3\r\n$12\r\nsunsubscribe\r\n$${ch.length}\r\n${ch}\r\n:0\r\n`)
    sock.destroy()
  })
})

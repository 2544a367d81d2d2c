// Three embedded nodes in one process: MEET over the real TCP bus, ADDSLOTSRANGE,
// cluster_state:ok, MOVED / ASK / ASKING / TRYAGAIN / CROSSSLOT, ioredis Cluster, nodes.conf.
import {test, describe, before, after} from 'node:test'
import assert from 'node:assert/strict'
import * as fs from 'node:fs'
import * as path from 'node:path'
import {Redis, Cluster} from 'ioredis'
import {formThreeMasters, startEmbedded, tmpDir, waitFor, type EmbeddedNode} from '../fixtures/bus/embedded.js'

describe('embedded 3-node cluster', () => {
  let dir: string
  let nodes: EmbeddedNode[] = []
  let clients: Redis[] = []
  const ids: string[] = []

  const call = (i: number, ...args: (string | number)[]) => clients[i].call(args[0] as string, ...args.slice(1).map(String))
  const err = async (p: Promise<unknown>) => {
    try {
      await p
    } catch (e) {
      return (e as Error).message
    }
    return 'no error'
  }

  before(async () => {
    dir = tmpDir('cluster-embedded')
    for (let i = 0; i < 3; i++) nodes.push(await startEmbedded(dir, {nodeTimeout: 2000, hostname: i === 0 ? 'node0.test' : undefined}))
    clients = nodes.map((n) => new Redis(n.port, '127.0.0.1', {maxRetriesPerRequest: 1}))
    ids.push(...(await formThreeMasters(nodes, call)))
  })

  after(async () => {
    for (const c of clients) c.disconnect()
    for (const n of nodes) await n.stop()
    fs.rmSync(dir, {recursive: true, force: true})
  })

  test('CLUSTER NODES agrees everywhere', async () => {
    for (let i = 0; i < 3; i++) {
      const text = (await call(i, 'cluster', 'nodes')) as string
      const lines = text.trimEnd().split('\n')
      assert.equal(lines.length, 3)
      assert.ok(text.endsWith('\n'))
      const sig = lines.map((l) => l.split(' ')).map((f) => `${f[0]}:${f.slice(8).join(',')}`).sort().join('|')
      assert.equal(sig, [`${ids[0]}:0-5460`, `${ids[1]}:5461-10922`, `${ids[2]}:10923-16383`].sort().join('|'))
      for (const l of lines) assert.match(l, / connected /)
    }
    const onOne = (await call(1, 'cluster', 'nodes')) as string
    assert.match(onOne, new RegExp(`^${ids[0]} 127\\.0\\.0\\.1:${nodes[0].port}@${nodes[0].busPort},node0\\.test master - \\d+ \\d+ 1 connected 0-5460$`, 'm'))
  })

  test('MOVED for a key owned elsewhere, served locally otherwise', async () => {
    // foo -> 12182 (node 2)
    assert.equal(await err(call(0, 'set', 'foo', 'bar')), `MOVED 12182 127.0.0.1:${nodes[2].port}`)
    assert.equal(await call(2, 'set', 'foo', 'bar'), 'OK')
    assert.equal(await call(2, 'get', 'foo'), 'bar')
    assert.equal(await err(call(2, 'mset', 'a', '1', 'b', '2')), "CROSSSLOT Keys in request don't hash to the same slot")
  })

  test('CLUSTER SLOTS lists three ranges with hostname metadata', async () => {
    const slots = (await call(2, 'cluster', 'slots')) as unknown[][]
    assert.equal(slots.length, 3)
    const first = slots.find((r) => r[0] === 0)!
    assert.deepEqual(first, [0, 5460, ['127.0.0.1', nodes[0].port, ids[0], ['hostname', 'node0.test']]])
  })

  test('CONFIG SET cluster-announce-hostname reaches the other nodes (and "" removes it)', async () => {
    const hostOf = async (from: number, id: string) => ((await call(from, 'cluster', 'nodes')) as string).split('\n').find((l) => l.startsWith(id))!.split(' ')[1].split(',')[1] ?? ''
    assert.equal(await call(1, 'config', 'set', 'cluster-announce-hostname', 'node1.test'), 'OK')
    await waitFor(async () => (await hostOf(2, ids[1])) === 'node1.test', 5000, 'hostname gossiped')
    assert.equal(await hostOf(1, ids[1]), 'node1.test')
    assert.equal(await call(1, 'config', 'set', 'cluster-announce-hostname', ''), 'OK')
    await waitFor(async () => (await hostOf(2, ids[1])) === '', 5000, 'hostname removed')
  })

  test('ASK / ASKING / TRYAGAIN during a slot migration, then SETSLOT NODE', async () => {
    // Move slot 12182 (foo) from node 2 to node 1.
    assert.equal(await call(1, 'cluster', 'setslot', 12182, 'importing', ids[2]), 'OK')
    assert.equal(await call(2, 'cluster', 'setslot', 12182, 'migrating', ids[1]), 'OK')
    assert.equal(await call(2, 'get', 'foo'), 'bar', 'existing key still served by the source')
    assert.equal(await err(call(2, 'get', '{foo}missing')), `ASK 12182 127.0.0.1:${nodes[1].port}`)
    assert.equal(await err(call(2, 'mget', 'foo', '{foo}missing')), 'TRYAGAIN Multiple keys request during rehashing of slot')
    assert.equal(await err(call(1, 'get', 'foo')), `MOVED 12182 127.0.0.1:${nodes[2].port}`)
    const nodesText = (await call(2, 'cluster', 'nodes')) as string
    assert.match(nodesText, new RegExp(`myself,master .* \\[12182->-${ids[1]}\\]`))
    // ASKING is one-shot.
    const pipe = clients[1].pipeline()
    pipe.call('asking')
    pipe.call('get', '{foo}missing')
    pipe.call('get', '{foo}missing')
    const res = await pipe.exec()
    assert.equal(res![0][1], 'OK')
    assert.equal(res![1][1], null)
    assert.match(String(res![2][0]), /^ReplyError: MOVED 12182/)
    await call(2, 'del', 'foo')
    assert.equal(await call(1, 'cluster', 'setslot', 12182, 'node', ids[1]), 'OK')
    assert.equal(await call(2, 'cluster', 'setslot', 12182, 'node', ids[1]), 'OK')
    await waitFor(async () => {
      const t = (await call(0, 'cluster', 'nodes')) as string
      return t.includes(`12182`) && new RegExp(`^${ids[1]} .* 12182`, 'm').test(t)
    }, 5000, 'slot 12182 ownership to propagate')
    assert.equal(await err(call(0, 'get', 'foo')), `MOVED 12182 127.0.0.1:${nodes[1].port}`)
  })

  test('ioredis Cluster client reads and writes through redirections', async () => {
    const cluster = new Cluster([{host: '127.0.0.1', port: nodes[0].port}], {slotsRefreshTimeout: 2000})
    try {
      for (let i = 0; i < 30; i++) await cluster.set(`k${i}`, `v${i}`)
      for (let i = 0; i < 30; i++) assert.equal(await cluster.get(`k${i}`), `v${i}`)
      let total = 0
      for (let i = 0; i < 3; i++) total += Number((await call(i, 'dbsize')) as number)
      assert.equal(total, 30)
    } finally {
      cluster.disconnect()
    }
  })

  test('CLUSTER SLOTS and SHARDS: a moved slot is a range of its own, in slot order, on every node', async () => {
    // After the ASK test, slot 12182 belongs to node 1 and splits node 2's range.
    const want = [[0, 5460, ids[0]], [5461, 10922, ids[1]], [10923, 12181, ids[2]], [12182, 12182, ids[1]], [12183, 16383, ids[2]]]
    await waitFor(async () => {
      for (let i = 0; i < 3; i++) {
        const slots = (await call(i, 'cluster', 'slots')) as [number, number, [string, number, string]][]
        const got = slots.map((r) => [r[0], r[1], r[2][2]])
        if (JSON.stringify(got) !== JSON.stringify(want)) return false
      }
      return true
    }, 5000, 'every node to list the five ranges in slot order')
    const shards = (await call(0, 'cluster', 'shards')) as unknown[][]
    // RESP2 maps as arrays: ['slots', [a, b, ...], 'nodes', [['id', id, ...], ...]]
    const slotsOf = (id: string) => shards.find((sh) => (sh[3] as unknown[][]).some((n) => n[1] === id))![1] as number[]
    assert.deepEqual(slotsOf(ids[0]), [0, 5460])
    assert.deepEqual(slotsOf(ids[1]), [5461, 10922, 12182, 12182])
    assert.deepEqual(slotsOf(ids[2]), [10923, 12181, 12183, 16383])
  })

  test('COUNTKEYSINSLOT / GETKEYSINSLOT bounded / KEYSLOT', async () => {
    await call(2, 'set', '{x}1', 'a')
    await call(2, 'set', '{x}2', 'b')
    const slot = (await call(2, 'cluster', 'keyslot', '{x}1')) as number
    assert.equal(slot, 16287)
    assert.equal(await call(2, 'cluster', 'countkeysinslot', slot), 2)
    assert.deepEqual(((await call(2, 'cluster', 'getkeysinslot', slot, 2147483647)) as string[]).sort(), ['{x}1', '{x}2'])
    assert.equal(await err(call(2, 'cluster', 'getkeysinslot', slot, -1)), 'ERR Invalid slot or number of keys')
    assert.equal(await err(call(2, 'cluster', 'countkeysinslot', 16384)), 'ERR Invalid slot')
  })

  test('admin errors use Redis wording', async () => {
    assert.equal(await err(call(0, 'cluster', 'addslots', 0)), 'ERR Slot 0 is already busy')
    assert.equal(await err(call(0, 'cluster', 'addslots', 16384)), 'ERR Invalid or out of range slot')
    assert.equal(await err(call(0, 'cluster', 'setslot', 6000, 'migrating', ids[1])), "ERR I'm not the owner of hash slot 6000")
    assert.equal(await err(call(0, 'cluster', 'setslot', 0, 'migrating', 'abc')), "ERR I don't know about node abc")
    assert.equal(await err(call(0, 'cluster', 'forget', ids[0])), "ERR I tried hard but I can't forget myself...")
    assert.equal(await err(call(0, 'cluster', 'set-config-epoch', 9)), 'ERR The user can assign a config epoch only when the node does not know any other node.')
    assert.equal(await err(call(0, 'cluster', 'replicate', ids[1])), 'ERR To set a master the node must be empty and without assigned slots.')
    assert.equal(await err(call(0, 'cluster', 'nope')), "ERR unknown subcommand 'nope'. Try CLUSTER HELP.")
  })

  test('nodes.conf on disk parses and names every node', async () => {
    await call(0, 'cluster', 'saveconfig')
    const file = path.join(nodes[0].server.config.get('dir'), 'nodes.conf')
    const text = fs.readFileSync(file, 'utf8')
    for (const id of ids) assert.ok(text.includes(id))
    assert.match(text, /\nvars currentEpoch \d+ lastVoteEpoch 0\n$/)
  })
})

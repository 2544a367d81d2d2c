// CLUSTER SETSLOT <slot> NODE <myself> on the importing node tells every peer at once with a PONG
// (redis: clusterBroadcastPong after each imported slot). A reshard pipelines hundreds of them; the
// embedded node sends one PONG per peer for the whole batch, carrying every slot it imported, where
// redis queues one per slot (5 peers x 4096 slots = 20,000 PONGs per 4096-slot reshard, each replayed
// by its receiver). The peers must still learn every slot at once, from that PONG alone.
import {after, before, describe, test} from 'node:test'
import assert from 'node:assert/strict'
import * as fs from 'node:fs'
import {Redis} from 'ioredis'
import {formThreeMasters, startEmbedded, tmpDir, waitFor, type EmbeddedNode} from '../fixtures/bus/embedded.js'
import {parseClusterNodes, parseInfo} from '../../src/admin/topology/parse.js'

const SLOTS = 200

describe('a pipeline of SETSLOT NODE: one PONG per peer per batch', () => {
  let dir: string
  const nodes: EmbeddedNode[] = []
  let c: Redis[] = []
  const ids: string[] = []
  const call = (i: number, ...args: (string | number)[]) => c[i].call(String(args[0]), ...args.slice(1).map(String))
  const stat = async (i: number, name: string) => Number(parseInfo(String(await call(i, 'cluster', 'info')))[name] ?? 0)

  before(async () => {
    dir = tmpDir('setslot-pong')
    // a long node timeout: the cron's own PINGs are rare next to what the test counts
    for (let i = 0; i < 3; i++) nodes.push(await startEmbedded(dir, {nodeTimeout: 15000}))
    c = nodes.map((n) => new Redis(n.port, '127.0.0.1', {maxRetriesPerRequest: 1}))
    ids.push(...(await formThreeMasters(nodes, call)))
  })

  after(async () => {
    for (const x of c) x.disconnect()
    for (const n of nodes) await n.stop()
    fs.rmSync(dir, {recursive: true, force: true})
  })

  test(`${SLOTS} slots imported by one pipeline reach the peers in a few PONGs, every slot at once`, async () => {
    const slots = Array.from({length: SLOTS}, (_, i) => 5461 + i)
    const prep0 = c[0].pipeline()
    const prep1 = c[1].pipeline()
    for (const s of slots) prep0.call('cluster', 'setslot', String(s), 'importing', ids[1])
    for (const s of slots) prep1.call('cluster', 'setslot', String(s), 'migrating', ids[0])
    await Promise.all([prep0.exec(), prep1.exec()])
    const epochBefore = await stat(0, 'cluster_my_epoch')
    const pongs1 = await stat(1, 'cluster_stats_messages_pong_received')
    const pongs2 = await stat(2, 'cluster_stats_messages_pong_received')

    // only the importing node is told: the others must learn the owner from its PONG
    const p = c[0].pipeline()
    for (const s of slots) p.call('cluster', 'setslot', String(s), 'node', ids[0])
    const res = await p.exec()
    assert.deepEqual(res!.map(([e, v]) => e?.message ?? v), slots.map(() => 'OK'))
    assert.ok((await stat(0, 'cluster_my_epoch')) > epochBefore, 'the importing node claimed the slots under a new epoch')

    // the owner as seen by node 2 (which was told nothing) and node 1 (the source)
    const ownerOf = async (i: number, slot: number) => {
      const importer = parseClusterNodes(String(await call(i, 'cluster', 'nodes'))).find((n) => n.id === ids[0])!
      return importer.slots.some(([a, b]) => slot >= a && slot <= b)
    }
    await waitFor(async () => (await ownerOf(2, slots[0])) && (await ownerOf(2, slots[SLOTS - 1])) && (await ownerOf(1, slots[SLOTS - 1])), 5000, 'the peers learn every imported slot')
    const range = (await call(2, 'cluster', 'nodes')) as string
    assert.match(range, new RegExp(`^${ids[0]} .* 0-${5460 + SLOTS}$`, 'm'), 'node 2 sees one range 0-5660 for the importing node')

    const got1 = (await stat(1, 'cluster_stats_messages_pong_received')) - pongs1
    const got2 = (await stat(2, 'cluster_stats_messages_pong_received')) - pongs2
    // redis: one PONG per imported slot (>= 200 each); here one per batch of input, plus the cron's
    assert.ok(got1 >= 1 && got1 < SLOTS / 4, `PONGs the source received: ${got1}`)
    assert.ok(got2 >= 1 && got2 < SLOTS / 4, `PONGs the bystander received: ${got2}`)
  })
})

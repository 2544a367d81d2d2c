// The slot mover against real redis-server: many slots with keys, dense slots, BUSYKEY equal/different,
// abort (slot left open and resumable), and the single-slot primitives fix reuses.
import {after, before, describe, test} from 'node:test'
import assert from 'node:assert/strict'
import {Redis} from 'ioredis'
import {RedisNodes, redisSkip, type TestNode} from '../helpers/redis-server.js'
import {NodePool} from '../../src/index.js'
import {migrateKeysInSlot, moveError, moveSlots, openSlot, resumableMoves, setSlotNode, type MoveEvent} from '../../src/admin/exec/move.js'
import {keyEntries, loadKeys, makeCluster, tagForSlot, verifyKeys, viewOf, waitStable} from './admin-move-helpers.js'

const skip = redisSkip()

describe('slot mover (real redis-server)', {skip}, () => {
  const rn = new RedisNodes()
  let nodes: TestNode[]
  let pool: NodePool
  const data = keyEntries(20000)

  before(async () => {
    nodes = await makeCluster(rn, 3)
    await waitStable(nodes[0])
    await loadKeys(await viewOf(nodes[0]), data)
    pool = new NodePool({})
  })
  after(async () => {
    await pool?.close()
    await rn.stop()
  })

  test('moves 1000 slots with their keys; every key readable, slots owned by the target', async () => {
    const view = await viewOf(nodes[0])
    const ms = view.nodes.filter((n) => n.role === 'master')
    const target = ms[0]
    const moves = [...ms[1].slots, ...ms[2].slots].flatMap(([a]) => Array.from({length: 500}, (_, i) => a + i)).map((slot) => ({slot, sourceId: ms.find((m) => m.slots.some(([a, b]) => slot >= a && slot <= b))!.id, targetId: target.id}))
    const events: MoveEvent[] = []
    const r = await moveSlots(pool, view, moves, {parallel: 4, onEvent: (e) => events.push(e)})
    assert.equal(r.failed.length, 0, JSON.stringify(r.failed.slice(0, 3)))
    assert.equal(r.slotsMoved, 1000)
    assert.ok(r.keysMoved > 500, `keys moved ${r.keysMoved}`)
    assert.equal(r.keysMoved, r.keysPlanned)
    assert.equal(events.filter((e) => e.type === 'slot-done').length, 1000)
    assert.equal(moveError(r), undefined)
    const after = await waitStable(nodes[0])
    const t = after.nodes.find((n) => n.id === target.id)!
    assert.equal(t.slotCount, target.slotCount + 1000)
    assert.deepEqual(await verifyKeys(after, data), [])
  })

  test('dense hash-tagged slot: 5000 keys move in adaptive batches', async () => {
    const view = await viewOf(nodes[0])
    const ms = view.nodes.filter((n) => n.role === 'master')
    const src = ms[1]
    const slot = src.slots[src.slots.length - 1][1]
    const tag = tagForSlot(slot)
    const dense = new Map<string, string>()
    for (let i = 0; i < 5000; i++) dense.set(`{${tag}}:${i}`, `d${i}`)
    await loadKeys(view, dense)
    const r = await moveSlots(pool, view, [{slot, sourceId: src.id, targetId: ms[2].id}], {pipeline: 300})
    assert.equal(r.failed.length, 0)
    assert.ok(r.keysMoved >= 5000)
    assert.equal(r.keysMoved, r.keysPlanned)
    assert.deepEqual(await verifyKeys(await waitStable(nodes[0]), dense), [])
  })

  test('BUSYKEY: equal copy resolved with REPLACE, different copy → conflict, both kept, slot open', async () => {
    const view = await viewOf(nodes[0])
    const ms = view.nodes.filter((n) => n.role === 'master')
    const [src, dst] = [ms[2], ms[1]]
    const big = [...src.slots].sort((a, b) => b[1] - b[0] - (a[1] - a[0]))[0]
    const slotA = big[0] + 7
    const slotB = big[0] + 8
    const [tagA, tagB] = [tagForSlot(slotA), tagForSlot(slotB)]
    const s = new Redis({host: src.host, port: src.port})
    const d = new Redis({host: dst.host, port: dst.port})
    try {
      await s.set(`{${tagA}}same`, 'v1')
      await s.set(`{${tagB}}diff`, 'source-value')
      await s.set(`{${tagB}}other`, 'x')
      // Plant copies on the target: it must be importing to accept them.
      await d.call('CLUSTER', 'SETSLOT', String(slotA), 'IMPORTING', src.id)
      await d.call('CLUSTER', 'SETSLOT', String(slotB), 'IMPORTING', src.id)
      await d.pipeline().call('ASKING').set(`{${tagA}}same`, 'v1').exec()
      await d.pipeline().call('ASKING').set(`{${tagB}}diff`, 'target-value').exec()
      const r = await moveSlots(pool, view, [slotA, slotB].map((slot) => ({slot, sourceId: src.id, targetId: dst.id})))
      assert.deepEqual(r.done.map((m) => m.slot), [slotA])
      assert.equal(r.failed.length, 1)
      assert.equal(r.failed[0].slot, slotB)
      assert.deepEqual(r.failed[0].conflicts, [`{${tagB}}diff`])
      const err = moveError(r)
      assert.equal(err?.kind, 'conflict')
      assert.equal(err?.exitCode, 8)
      assert.equal(await s.get(`{${tagB}}diff`), 'source-value')
      assert.equal((await d.pipeline().call('ASKING').get(`{${tagB}}diff`).exec())?.[1][1], 'target-value')
      // the slot stays open on both sides
      const v2 = await viewOf(nodes[0])
      assert.equal(v2.nodes.find((n) => n.id === src.id)!.migrating[slotB], dst.id)
      assert.deepEqual(resumableMoves(v2), [{slot: slotB, sourceId: src.id, targetId: dst.id}])
      // --replace finishes it (explicit override)
      const r2 = await moveSlots(pool, v2, resumableMoves(v2), {replace: true})
      assert.equal(r2.failed.length, 0)
      assert.equal(r2.slotsMoved, 1)
      const v3 = await waitStable(nodes[0])
      assert.equal(resumableMoves(v3).length, 0)
      assert.equal(await d.get(`{${tagB}}diff`), 'source-value')
      assert.equal(await d.get(`{${tagA}}same`), 'v1')
    } finally {
      s.disconnect()
      d.disconnect()
    }
  })

  test('abort: in-flight batch finishes, slot stays open, resumable; primitives finish it', async () => {
    const view = await viewOf(nodes[0])
    const ms = view.nodes.filter((n) => n.role === 'master')
    const [src, dst] = [ms[0], ms[2]]
    const slot = [...src.slots].sort((a, b) => b[1] - b[0] - (a[1] - a[0]))[0][0] + 3
    const tag = tagForSlot(slot)
    const dense = new Map<string, string>()
    for (let i = 0; i < 3000; i++) dense.set(`{${tag}}:${i}`, `x${i}`)
    await loadKeys(view, dense)
    const ac = new AbortController()
    const r = await moveSlots(pool, view, [{slot, sourceId: src.id, targetId: dst.id}], {
      pipeline: 100,
      signal: ac.signal,
      onEvent: (e) => e.type === 'keys-moved' && ac.abort(),
    })
    assert.equal(r.interrupted, true)
    assert.equal(moveError(r)?.exitCode, 130)
    assert.ok(r.keysMoved >= 100 && r.keysMoved < 3000)
    const v2 = await viewOf(nodes[0])
    assert.deepEqual(resumableMoves(v2), [{slot, sourceId: src.id, targetId: dst.id}])
    // finish with the single-slot primitives (what fix reuses)
    await openSlot(pool, slot, src, dst)
    const out = await migrateKeysInSlot(pool, src, dst, slot)
    assert.equal(out.empty, true)
    assert.equal(out.keys + r.keysMoved, 3000)
    await setSlotNode(pool, slot, dst, src, ms.filter((m) => m !== src && m !== dst))
    assert.deepEqual(await verifyKeys(await waitStable(nodes[0]), dense), [])
  })

  test('moves in opposite directions at once never deadlock the servers (A→B next to B→A)', async () => {
    const view = await viewOf(nodes[0])
    const [a, b, c] = view.nodes.filter((n) => n.role === 'master')
    const big = (n: typeof a) => [...n.slots].sort((x, y) => y[1] - y[0] - (x[1] - x[0]))[0]
    const from = (n: typeof a, to: typeof a) => Array.from({length: 200}, (_, i) => ({slot: big(n)[0] + 20 + i, sourceId: n.id, targetId: to.id}))
    const moves = [...from(a, b), ...from(b, c), ...from(c, a)]
    const extra = new Map<string, string>()
    for (const m of moves) {
      const tag = tagForSlot(m.slot)
      for (let i = 0; i < 40; i++) extra.set(`{${tag}}:x${i}`, `x${i}`)
    }
    await loadKeys(view, extra)
    const t0 = Date.now()
    // A short MIGRATE timeout turns a deadlock into failures instead of a 60 s hang.
    const r = await moveSlots(pool, view, moves, {parallel: 8, migrateTimeoutMs: 2000})
    assert.equal(r.failed.length, 0, JSON.stringify(r.failed.slice(0, 2)))
    assert.equal(r.slotsMoved, 600)
    assert.ok(Date.now() - t0 < 15000, `took ${Date.now() - t0} ms`)
    const after = await waitStable(nodes[0])
    assert.deepEqual(await verifyKeys(after, data), [])
    assert.deepEqual(await verifyKeys(after, extra), [])
  })
})

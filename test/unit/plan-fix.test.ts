// Table-driven tests of the pure fix planner over fixture topologies (every node's own CLUSTER NODES).
import {describe, test} from 'node:test'
import assert from 'node:assert/strict'
import {readFileSync} from 'node:fs'
import {resolve} from 'node:path'
import {countSlots, parseClusterNodes} from '../../src/admin/topology/parse.js'
import type {ClusterNode, ClusterView} from '../../src/admin/topology/types.js'
import {planFix, spreadSlots, type FixPlan, type KeyCounts, type SlotRepair} from '../../src/admin/plan/fix.js'
import {assertFixAllowed} from '../../src/admin/exec/fix.js'
import {RedisTsError} from '../../src/errors.js'

const A = 'a'.repeat(40)
const B = 'b'.repeat(40)
const C = 'c'.repeat(40)
const D = 'd'.repeat(40)

/** Fixture: `keys <slot> <port>=<n>...` lines, then `### host:port` sections of CLUSTER NODES (first = seed). */
function load(name: string): {view: ClusterView; counts: KeyCounts} {
  const text = readFileSync(resolve(import.meta.dirname, '..', 'fixtures', 'topologies', name), 'utf8')
  const sections = new Map<string, string>()
  let cur: string | undefined
  const keyLines: string[] = []
  for (const line of text.split('\n')) {
    if (line.startsWith('### ')) sections.set((cur = line.slice(4).trim()), '')
    else if (line.startsWith('keys ')) keyLines.push(line)
    else if (cur && line.trim() && !line.startsWith('#')) sections.set(cur, sections.get(cur)! + line + '\n')
  }
  const views = new Map([...sections].map(([addr, t]) => [addr, parseClusterNodes(t)]))
  const [seedAddr, seedView] = [...views][0]
  const nodes: ClusterNode[] = seedView.map((e) => {
    const address = `${e.host}:${e.port}`
    const own = views.get(address)
    const self = own?.find((x) => x.myself) ?? e
    return {
      id: e.id, address, host: e.host, port: e.port, busPort: e.busPort, flags: self.flags.filter((f) => f !== 'myself'), role: self.role, masterId: self.masterId,
      configEpoch: self.configEpoch, linkState: e.linkState, slots: self.slots, slotCount: countSlots(self.slots), migrating: self.migrating, importing: self.importing,
      failed: e.flags.some((f) => ['fail', 'fail?'].includes(f)), reachable: own !== undefined, ...(own ? {view: own} : {}),
    }
  })
  const byPort = new Map(nodes.map((n) => [String(n.port), n.id]))
  const counts: KeyCounts = new Map()
  for (const l of keyLines) {
    const [, slot, ...pairs] = l.trim().split(/\s+/)
    counts.set(Number(slot), new Map(pairs.map((p) => [byPort.get(p.split('=')[0])!, Number(p.split('=')[1])])))
  }
  return {view: {seed: seedAddr, seedId: seedView.find((e) => e.myself)!.id, nodes, loadedAt: 0}, counts}
}

const bySlot = (plan: FixPlan, slot: number): SlotRepair => {
  const r = plan.repairs.find((x) => x.slot === slot)
  assert.ok(r, `no repair for slot ${slot}`)
  return r
}

describe('planFix: the five half-migrated states roll forward to the target', () => {
  const {view, counts} = load('fix-half-migrated.txt')
  const plan = planFix(view, counts)
  const table: [number, string, Partial<SlotRepair>][] = [
    [100, 'migrating only', {action: 'roll-forward', targetId: B, primaryId: A, primaryKeys: 5}],
    [101, 'importing only (key on importer)', {action: 'roll-forward', targetId: B, primaryId: A, primaryKeys: 5}],
    [102, 'both states', {action: 'roll-forward', targetId: B, primaryId: A, primaryKeys: 7}],
    [103, 'SETSLOT NODE on the source only', {action: 'roll-forward', targetId: B, primaryId: A, primaryKeys: 0, problem: 'open'}],
    [104, 'SETSLOT NODE on the target only', {action: 'roll-forward', targetId: B, primaryId: A, primaryKeys: 0}],
  ]
  for (const [slot, name, want] of table) {
    test(`${slot}: ${name}`, () => {
      const r = bySlot(plan, slot)
      for (const [k, v] of Object.entries(want)) assert.deepEqual(r[k as keyof SlotRepair], v, `${k} of slot ${slot}`)
      assert.deepEqual(r.secondaries, [])
    })
  }
  test('only those five slots, nothing unfixable, no unreachable masters', () => {
    assert.deepEqual(plan.repairs.map((r) => r.slot), [100, 101, 102, 103, 104])
    assert.deepEqual(plan.unfixable, [])
    assert.deepEqual(plan.unreachableMasters, [])
  })
  test('the source with a stray importing/migrating state is closed (STABLE)', () => {
    assert.ok(bySlot(plan, 100).stable.includes(A))
    assert.ok(!bySlot(plan, 102).stable.includes(B), 'the target is closed by SETSLOT NODE, not STABLE')
  })
})

describe('planFix: uncovered slots', () => {
  const {view, counts} = load('fix-uncovered.txt')
  const plan = planFix(view, counts)
  test('a slot with keys goes to the node with most keys; the other holder is cold-moved', () => {
    const r = bySlot(plan, 5005)
    assert.equal(r.action, 'assign')
    assert.equal(r.targetId, A)
    assert.equal(r.addSlot, true)
    assert.deepEqual(r.secondaries, [{id: C, keys: 1, claims: false, needsNode: true}])
    assert.ok(r.stable.includes(C), 'IMPORTING set on the holder is closed afterwards')
  })
  test('empty slots are spread, fewest slots first, ADDSLOTS on the new owner', () => {
    const empty = plan.repairs.filter((r) => r.slot !== 5005)
    assert.deepEqual(empty.map((r) => r.slot), [5000, 5001, 5002, 5003, 5004, 5006, 5007, 5008, 5009])
    // A has the fewest slots (5451 + 5005): all nine go to it, which evens it out with C.
    assert.ok(empty.every((r) => r.targetId === A && r.addSlot && r.action === 'assign'))
  })
})

describe('planFix: multiple owners, stray keys, dead migration target', () => {
  const {view, counts} = load('fix-multi-owner.txt')
  const plan = planFix(view, counts, {holders: new Map([[9000, [A]]])})
  test('two claimants: the one with most keys keeps the slot, the other is the mover source', () => {
    const r = bySlot(plan, 7000)
    assert.equal(r.problem, 'multiple-owners')
    assert.equal(r.action, 'merge')
    assert.equal(r.targetId, C)
    assert.equal(r.primaryId, B)
    assert.equal(r.primaryKeys, 3)
  })
  test('stray keys on a non-owner are moved to the owner with IMPORTING on the holder', () => {
    const r = bySlot(plan, 9000)
    assert.equal(r.problem, 'stray-keys')
    assert.equal(r.targetId, B)
    assert.deepEqual(r.secondaries, [{id: A, keys: 2, claims: false, needsNode: false}])
  })
  test('migration towards an unknown node: closed at the owner, keys stay', () => {
    const r = bySlot(plan, 50)
    assert.equal(r.action, 'close')
    assert.equal(r.targetId, A)
    assert.deepEqual(r.stable, [A])
    assert.equal(r.primaryId, undefined)
    assert.deepEqual(r.secondaries, [])
  })
})

describe('planFix: unreachable masters and failed nodes', () => {
  const {view, counts} = load('fix-unreachable.txt')
  test('unreachable masters are listed and fix refuses without --force (exit 3)', () => {
    const plan = planFix(view, counts)
    assert.deepEqual(plan.unreachableMasters.map((m) => m.id), [C])
    assert.equal(bySlot(plan, 100).targetId, B)
    assert.throws(() => assertFixAllowed(plan, false), (e: unknown) => e instanceof RedisTsError && e.exitCode === 3 && /Fixing open slots with 1 unreachable master is dangerous/.test(e.message))
    assert.doesNotThrow(() => assertFixAllowed(plan, true))
  })
  test('--forget-failed forgets slotless nodes flagged fail everywhere', () => {
    assert.deepEqual(planFix(view, counts).forget, [])
    assert.deepEqual(planFix(view, counts, {forgetFailed: true}).forget.map((f) => f.id), [D])
  })
})

describe('spreadSlots', () => {
  const m = (id: string, address: string, slotCount: number) => ({id, address, slotCount}) as ClusterNode
  test('fills the emptiest masters first, in contiguous runs, deterministically', () => {
    const out = spreadSlots([10, 11, 12, 13, 14, 15], [m(A, 'h:1', 100), m(B, 'h:2', 98), m(C, 'h:3', 100)], new Map())
    // B catches up first (98 -> 100), then one each in address order, then A again.
    assert.deepEqual([...out.entries()], [
      [A, [10, 11]],
      [B, [12, 13, 14]],
      [C, [15]],
    ])
  })
  test('ignores slotless masters while others own slots', () => {
    const out = spreadSlots([1, 2], [m(A, 'h:1', 0), m(B, 'h:2', 10)], new Map())
    assert.deepEqual([...out.keys()], [B])
  })
})

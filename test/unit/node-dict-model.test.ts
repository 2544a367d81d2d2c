// The dict model (src/node/keyspace/dict.ts) against redis 7.0.15's dict.c rules: growth points,
// rehash steps, shrinks, the resize policy while a child exists, chain figures that add up, and
// SCAN's reverse-binary bucket order (every element exactly once over a full cursor loop; the order
// kept across changes walks as a full sort by bucket would, scan-order.ts); and the
// bucket counts behind the rehash steps (dict-counts.ts): exact under any mix of operations, and
// built a bounded number of elements per operation (issue 12: no recount of the dict in one op).
import {afterEach, describe, test} from 'node:test'
import assert from 'node:assert/strict'
import {DictModel, ResizePolicy, setDictResizePolicy, strHash, type ElementPartitions} from '../../src/node/keyspace/dict.js'
import {BucketCounts, CountingPass, PASS_BUDGET} from '../../src/node/keyspace/dict-counts.js'
import {keySlot} from '../../src/node/keyspace/slot.js'
import {setAdd, setDict, setRemove} from '../../src/node/keyspace/set-dict.js'
import {lcg} from '../helpers/lcg.js'

/** Elements kept in `n` partitions by hash slot (the keyspace keeps its keys per slot). */
function partitioned(n: number): {parts: Set<string>[]; partitions: ElementPartitions} {
  const parts = Array.from({length: n}, () => new Set<string>())
  const of = (e: string) => keySlot(e) % n
  return {parts, partitions: {count: n, of, each: (p, visit) => parts[p].forEach((e) => visit(e))}}
}

function modelled(partitions = 0): {s: Set<string>; d: DictModel; add(m: string): void; del(m: string): void} {
  const s = new Set<string>()
  const p = partitions === 0 ? null : partitioned(partitions)
  const d = new DictModel(() => s.values(), p?.partitions ?? null)
  // partitioned: the caller's structure is the partitions, `s` mirrors them for the checks
  const part = (m: string) => p?.parts[p.partitions.of(m)]
  return {
    s,
    d,
    add(m) {
      d.add(m)
      s.add(m)
      part(m)?.add(m)
    },
    del(m) {
      s.delete(m)
      part(m)?.delete(m)
      d.delete(m)
      d.shrinkIfNeeded()
    },
  }
}

/** The model's figures must describe its elements exactly. */
function checkInvariants(d: DictModel, n: number): void {
  assert.equal(d.size, n)
  const [t0, t1] = d.stats()
  let total = 0
  for (const t of t1 === null ? [t0] : [t0, t1]) {
    let inTable = 0
    for (const [b, c] of t.chains) {
      assert.ok(b >= 0 && b < t.size, `bucket ${b} inside a table of ${t.size}`)
      inTable += c
    }
    assert.equal(inTable, t.used)
    total += inTable
  }
  assert.equal(total, n)
}

/** Bucket counts at granularity g, from scratch. */
function recount(elements: Iterable<string>, g: number): Int32Array {
  const c = new Int32Array(g)
  for (const e of elements) c[strHash(e) & (g - 1)]++
  return c
}

function assertCounts(counts: BucketCounts, elements: Iterable<string>, what: string): void {
  const want = recount(elements, counts.g)
  for (let i = 0; i < counts.g; i++) if (counts.get(i) !== want[i]) assert.fail(`${what}: bucket ${i} of ${counts.g} counted ${counts.get(i)}, holds ${want[i]}`)
}

function finishRehash(d: DictModel): void {
  for (let i = 0; i < 1_000_000 && d.rehashing; i++) d.touch()
  assert.equal(d.rehashing, false)
}

describe('dict model', () => {
  afterEach(() => setDictResizePolicy(ResizePolicy.ENABLE))

  test('grows at used >= size to the next power of two, rehashing one bucket per operation', () => {
    const m = modelled()
    assert.equal(m.d.size0, 0)
    m.add('a')
    assert.deepEqual([m.d.size0, m.d.rehashing], [4, false])
    for (const e of ['b', 'c', 'd']) m.add(e)
    assert.deepEqual([m.d.size0, m.d.rehashing], [4, false])
    m.add('e') // used 4 >= size 4: a new table of 8, this add lands in it
    assert.deepEqual([m.d.size0, m.d.size1, m.d.used0, m.d.used1, m.d.rehashing], [4, 8, 4, 1, true])
    checkInvariants(m.d, 5)
    finishRehash(m.d)
    assert.deepEqual([m.d.size0, m.d.used0], [8, 5])
    for (let i = 0; i < 1000; i++) {
      m.add(`k${i}`)
      if (i % 97 === 0) checkInvariants(m.d, m.s.size)
    }
    finishRehash(m.d)
    assert.equal(m.d.size0, 1024)
    checkInvariants(m.d, 1005)
  })

  test('shrinks under 10% fill to next_power(used), and not while a child exists', () => {
    const m = modelled()
    for (let i = 0; i < 200; i++) m.add(`m${i}`)
    finishRehash(m.d)
    assert.equal(m.d.size0, 256)
    setDictResizePolicy(ResizePolicy.AVOID)
    for (let i = 0; i < 190; i++) m.del(`m${i}`)
    assert.deepEqual([m.d.size0, m.d.rehashing], [256, false]) // dictResize refused
    setDictResizePolicy(ResizePolicy.ENABLE)
    m.del('m190') // 9 left in 256: next_power(9) = 16
    assert.deepEqual([m.d.size1, m.d.rehashing], [16, true])
    checkInvariants(m.d, 9)
    finishRehash(m.d)
    assert.deepEqual([m.d.size0, m.d.used0], [16, 9])
  })

  test('with a child: no growth at 1:1, forced growth past ratio 5, rehash only for extreme ratios', () => {
    const m = modelled()
    for (let i = 0; i < 4; i++) m.add(`x${i}`)
    setDictResizePolicy(ResizePolicy.AVOID)
    for (let i = 4; i < 24; i++) m.add(`x${i}`)
    assert.deepEqual([m.d.size0, m.d.rehashing], [4, false]) // 24/4 = 6 is not > 5 before this add
    m.add('x24') // used 24, 24/4 = 6 > 5: next_power(25) = 32, ratio 8 >= 5 so it rehashes
    assert.deepEqual([m.d.size1, m.d.rehashing], [32, true])
    finishRehash(m.d)
    assert.equal(m.d.size0, 32)
    // a 2x growth started without a child does not move while one exists
    setDictResizePolicy(ResizePolicy.ENABLE)
    for (let i = 25; i < 33; i++) m.add(`x${i}`)
    assert.deepEqual([m.d.size1, m.d.rehashing], [64, true])
    setDictResizePolicy(ResizePolicy.AVOID)
    const idx = m.d.rehashidx
    for (let i = 0; i < 50; i++) m.d.touch()
    assert.equal(m.d.rehashidx, idx)
    setDictResizePolicy(ResizePolicy.ENABLE)
    finishRehash(m.d)
    checkInvariants(m.d, 33)
  })

  test('SCAN visits buckets in reverse-binary order and returns every element once', () => {
    const m = modelled()
    for (let i = 0; i < 3000; i++) m.add(`m:${i}`)
    for (const rehashing of [true, false]) {
      if (!rehashing) finishRehash(m.d)
      else assert.equal(m.d.rehashing, true) // 3000 > 2048: growing to 4096
      const seen = new Map<string, number>()
      let cursor = 0
      let calls = 0
      do {
        cursor = m.d.scan(cursor, 10, (e) => seen.set(e, (seen.get(e) ?? 0) + 1))
        calls++
      } while (cursor !== 0)
      assert.equal(seen.size, 3000)
      assert.ok([...seen.values()].every((n) => n === 1))
      assert.ok(calls > 100)
    }
    // the first buckets in scan order are 0, size/2, size/4, 3*size/4...
    const order: number[] = []
    m.d.scan(0, 40, (e) => order.push(strHash(e) & 4095))
    const rev = (x: number) => parseInt(x.toString(2).padStart(12, '0').split('').reverse().join(''), 2)
    for (let i = 1; i < order.length; i++) assert.ok(rev(order[i - 1]) <= rev(order[i]))
  })

  test('SCAN kept across changes walks exactly like sorting every element by bucket (adds, deletes, growth, shrinks, rehashes)', () => {
    // the reference: every element sorted by the bit-reversed bucket index in the smaller table
    const reference = (d: DictModel, elements: Iterable<string>, cursor: number, count: number): [number, string[]] => {
      const small = d.rehashing ? Math.min(d.size0, d.size1) : d.size0
      const bits = Math.log2(small)
      const rev = (x: number) => {
        let r = 0
        for (let i = 0; i < bits; i++, x >>>= 1) r = (r << 1) | (x & 1)
        return r
      }
      const byBucket = new Map<number, string[]>()
      for (const e of elements) {
        const k = rev(strHash(e) & (small - 1))
        byBucket.set(k, [...(byBucket.get(k) ?? []), e])
      }
      const out: string[] = []
      let pos = rev(cursor % small)
      let maxIterations = count * 10
      for (;;) {
        out.push(...(byBucket.get(pos) ?? []))
        pos++
        if (pos >= small) return [0, out.sort()]
        if (!(maxIterations-- && out.length < count)) return [rev(pos), out.sort()]
      }
    }
    const m = modelled()
    let seed = 777
    const rnd = (n: number) => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0
      return (seed >>> 8) % n
    }
    const removed: string[] = []
    let next = 0
    let cursor = 0
    let scans = 0
    let rehashingScans = 0
    let fullLoops = 0
    // grow to thousands, shrink to a few, grow again: tables of 4 to 8192, each doubling and shrink rehashed
    const rounds: [number, number][] = [[4000, 0.05], [3000, 0.5], [5000, 0.95], [6000, 0.2], [4000, 0.9], [3000, 0.4]]
    for (const [ops, delShare] of rounds) {
      for (let i = 0; i < ops; i++) {
        if (i % 700 === 350) setDictResizePolicy(rnd(4) === 0 ? ResizePolicy.AVOID : ResizePolicy.ENABLE)
        const r = rnd(1000)
        if (m.s.size > 0 && r < delShare * 1000) {
          // a random member: walk a few from a random start of the Set's order
          let victim = ''
          let skip = rnd(Math.min(m.s.size, 50))
          for (const e of m.s) if (skip-- === 0) victim = e
          if (victim === '') victim = m.s.values().next().value!
          m.del(victim)
          removed.push(victim)
        } else if (r % 7 === 0 && removed.length > 0) {
          const back = removed.splice(rnd(removed.length), 1)[0] // deleted, then added again
          if (!m.s.has(back)) m.add(back)
        } else if (r % 11 === 0) m.d.touch()
        else m.add(`r:${next++}`)
        if (rnd(4) === 0 && m.s.size > 0) {
          const count = 1 + rnd(rnd(3) === 0 ? 200 : 12)
          if (rnd(20) === 0) cursor = rnd(1 << 14)
          const [want, wantElements] = reference(m.d, m.s, cursor, count)
          const got: string[] = []
          const c = m.d.scan(cursor, count, (e) => got.push(e))
          assert.deepEqual([c, got.sort()], [want, wantElements], `scan ${scans} from ${cursor} count ${count} (size ${m.s.size}, tables ${m.d.size0}/${m.d.size1})`)
          if (c === 0) fullLoops++
          cursor = c
          scans++
          if (m.d.rehashing) rehashingScans++
        }
      }
    }
    assert.ok(scans > 5000 && rehashingScans > 100 && fullLoops > 20, `${scans} scans, ${rehashingScans} while rehashing, ${fullLoops} full loops`)
  })

  test('a scan call after a change sorts only what changed, not the whole dict (amortized per change)', () => {
    const m = modelled()
    const n = 50_000
    for (let i = 0; i < n; i++) m.add(`big:${i}`)
    assert.equal(m.d.scanSorted, 0) // never scanned: no order built
    let cursor = m.d.scan(0, 10, () => {})
    assert.equal(m.d.scanSorted, n) // the first scan sorts once
    const changes = 20_000
    let emitted = 0
    for (let i = 0; i < changes; i++) {
      if (i % 3 === 2) m.del(`big:${i}`)
      else m.add(`new:${i}`)
      cursor = m.d.scan(cursor, 10, () => emitted++)
    }
    assert.ok(emitted > 10 * changes * 0.9)
    // before: every call after a change sorted all ~50,000-60,000 elements again (over 10^9 here);
    // now a few rebuilds after n/8 changes each, and the additions merged O(log n) times each
    const perChange = (m.d.scanSorted - n) / changes
    assert.ok(perChange < 64, `${perChange.toFixed(1)} elements sorted per change`)
  })

  test('removing a set in scan order leaves its last buckets: one long chain after a shrink (SRANDMEMBER long chain)', () => {
    const s = new Set<string>()
    setAdd(s, 'not-an-int')
    for (let i = 0; i < 20000; i++) setAdd(s, `m:${i}`)
    const d = setDict(s)!
    finishRehash(d)
    assert.equal(d.size0, 32768)
    setDictResizePolicy(ResizePolicy.AVOID)
    const order: string[] = []
    let cursor = 0
    do cursor = d.scan(cursor, 100, (e) => order.push(e))
    while (cursor !== 0)
    for (const e of order.slice(0, order.length - 100)) setRemove(s, e)
    assert.deepEqual([s.size, d.size0, d.rehashing], [100, 32768, false])
    setDictResizePolicy(ResizePolicy.ENABLE)
    setRemove(s, order[order.length - 100]) // 99 left: shrink to 128, the survivors share their low bits
    assert.deepEqual([d.size1, d.rehashing], [128, true])
    finishRehash(d)
    const [t0] = d.stats()
    assert.deepEqual([t0.chains.size, Math.max(...t0.chains.values())], [1, 99])
    checkInvariants(d, 99)
  })

  for (const [name, partitions] of [['a Set (unpartitioned)', 0], ['partitioned elements', 61]] as const) {
    test(`bucket counts stay exact through growth, shrinks and deletes during counting passes: ${name}`, () => {
      const m = modelled(partitions)
      let seed = 12345
      const rnd = (n: number) => {
        seed = (Math.imul(seed, 1103515245) + 12345) >>> 0
        return seed % n
      }
      const rounds: [number, number][] = [[6000, 0.1], [3000, 0.9], [9000, 0.3], [8000, 0.97], [4000, 0.5]]
      let next = 0
      let checks = 0
      for (const [ops, delShare] of rounds) {
        for (let i = 0; i < ops; i++) {
          if (i % 500 === 250) setDictResizePolicy(rnd(3) === 0 ? ResizePolicy.AVOID : ResizePolicy.ENABLE)
          if (m.s.size > 0 && rnd(1000) < delShare * 1000) {
            const victim = m.s.values().next().value!
            m.del(victim)
          } else if (rnd(10) === 0) m.d.touch()
          else m.add(`e:${next++}`)
          if (i % 113 === 0) {
            checkInvariants(m.d, m.s.size)
            checks++
          }
        }
      }
      setDictResizePolicy(ResizePolicy.ENABLE)
      finishRehash(m.d)
      checkInvariants(m.d, m.s.size)
      assert.ok(checks > 200)
    })
  }

  test('a Set\'s counting pass remembers nothing while only adds meet it; the first delete after a count starts it over, remembering', () => {
    const internals = (p: CountingPass) => p as unknown as {seen: unknown[] | null; iterated: number}
    const s = new Set<string>()
    for (let i = 0; i < 3000; i++) s.add(`g:${i}`)
    const grow = CountingPass.fromElements(4096, null, () => s.values())
    let next = 3000
    let done = false
    while (!done) {
      const e = `g:${next++}`
      grow.change(e, strHash(e), 1)
      s.add(e)
      done = grow.step(16, strHash)
      if (!done) assert.equal(internals(grow).seen, null)
    }
    assertCounts(grow.counts, s, 'adds only')
    // a delete half-way: the walk restarts from the first element, then remembers what it counts
    const churn = CountingPass.fromElements(4096, null, () => s.values())
    for (let i = 0; i < 100; i++) churn.step(16, strHash)
    const walkedBefore = churn.walked
    const victim = [...s][10] // counted already
    s.delete(victim)
    churn.change(victim, strHash(victim), -1)
    assert.equal(internals(churn).iterated, 0)
    assert.notEqual(internals(churn).seen, null)
    let ops = 0
    while (!churn.step(16, strHash)) {
      const e = [...s][ops * 7] // some counted, some not
      s.delete(e)
      churn.change(e, strHash(e), -1)
      ops++
    }
    assertCounts(churn.counts, s, 'a delete half-way, then more')
    assert.ok(churn.walked > walkedBefore)
  })

  test('a Set\'s counting pass remembers what it walked once a delete met it: exact under any interleaving, at most one restart', () => {
    // deletes of members walked already (oldest: first in the snapshot), not walked yet (newest),
    // added during the pass, at random; re-adds of deleted members; adds:deletes at several ratios
    for (const [adds, dels] of [[2, 1], [1, 1], [1, 2], [5, 1]]) {
      for (const victim of ['oldest', 'newest', 'random'] as const) {
        const rnd = lcg(adds * 100 + dels)
        const s = new Set<string>()
        for (let i = 0; i < 5000; i++) s.add(`p:${i}`)
        const gone: string[] = []
        let next = 5000
        const pass = CountingPass.fromElements(8192, null, () => s.values())
        const budget = 7
        let done = false
        let ops = 0
        while (!done && ops < 100_000) {
          if (rnd(adds + dels) < adds || s.size === 0) {
            const e = gone.length > 0 && rnd(3) === 0 ? gone.splice(rnd(gone.length), 1)[0] : `p:${next++}`
            pass.change(e, strHash(e), 1) // dictAdd: before the member joins the set
            s.add(e)
          } else {
            const members = [...s]
            const e = victim === 'oldest' ? members[0] : victim === 'newest' ? members[members.length - 1] : members[rnd(members.length)]
            s.delete(e)
            pass.change(e, strHash(e), -1) // dictDelete: after it left
            gone.push(e)
          }
          const before = pass.walked
          done = pass.step(budget, strHash)
          assert.ok(pass.walked - before <= budget)
          ops++
        }
        // the walk also visits the adds meanwhile (at most one per operation), and starts over once
        // at most, at the first delete (an early one here)
        assert.ok(done && ops <= 5000 / (budget - 1) + 1, `${ops} operations`)
        assertCounts(pass.counts, s, `${adds}:${dels} deleting the ${victim}`)
      }
    }
  })

  test('a growth before a Set\'s pass is done finishes it exactly (a dict presized by a load)', () => {
    const s = new Set<string>()
    for (let i = 0; i < 1024; i++) s.add(`l:${i}`)
    const d = new DictModel(() => s.values()).presize(1024) // counts from a pass: 64 per operation
    const internals = d as unknown as {counts: BucketCounts | null; pass: CountingPass | null}
    for (const i of [0, 1, 1000, 5]) {
      s.delete(`l:${i}`) // walked already, and not yet
      d.delete(`l:${i}`)
    }
    d.add('l:0') // re-added
    s.add('l:0')
    for (let i = 1024; i < 1027; i++) {
      d.add(`l:${i}`)
      s.add(`l:${i}`)
    }
    assert.ok(internals.pass !== null && !d.rehashing)
    d.add('l:grow') // used 1024 >= 1024: the growth finishes the pass in this operation
    s.add('l:grow')
    assert.deepEqual([d.size1, d.rehashing], [2048, true])
    assert.equal(internals.counts!.g, 1024) // the finished pass's, which the rehash steps read
    assertCounts(internals.counts!, s, 'the growth\'s counts')
    checkInvariants(d, s.size)
    finishRehash(d)
    checkInvariants(d, s.size)
    for (let i = 0; i < 200 && internals.pass !== null; i++) d.touch()
    assertCounts(internals.counts!, s, 'after the growth')
  })

  test('adds and deletes at 2:1 through several doublings: exact counts, no operation counts more than the budget', () => {
    for (const victim of ['oldest', 'random'] as const) {
      const m = modelled()
      const rnd = lcg(victim === 'oldest' ? 1 : 2)
      const internals = m.d as unknown as {counts: BucketCounts | null; pass: CountingPass | null}
      const live: string[] = [] // members in insertion order, deletes leave holes ('')
      let first = 0
      let worst = 0
      let checks = 0
      for (let i = 0; m.s.size < 150_000; i++) {
        const before = m.d.counted
        if (i % 3 === 2) {
          let j = victim === 'oldest' ? first : first + rnd(live.length - first)
          while (live[j] === '') j++
          if (j >= live.length) j = first
          while (live[j] === '') j++
          m.del(live[j])
          live[j] = ''
          while (live[first] === '') first++
        } else {
          const e = `c:${i}`
          m.add(e)
          live.push(e)
        }
        worst = Math.max(worst, m.d.counted - before)
        if (i % 20011 === 0 && internals.pass === null && internals.counts !== null) {
          assert.ok(internals.counts.g >= Math.max(m.d.size0, m.d.size1))
          assertCounts(internals.counts, m.s, `operation ${i}, deleting the ${victim}`)
          checks++
        }
      }
      assert.ok(m.d.slots >= 131072 && checks >= 10, `${m.d.slots} slots, ${checks} checks`)
      // before: a delete restarted the pass, and the next growth finished it in one operation
      assert.ok(worst <= PASS_BUDGET, `${worst} elements counted in one operation (budget ${PASS_BUDGET})`)
      finishRehash(m.d)
      checkInvariants(m.d, m.s.size)
    }
  })

  test('a table doubling counts a bounded number of elements per operation, not the whole dict', () => {
    for (const partitions of [0, 1024]) {
      const m = modelled(partitions)
      let worst = 0
      let before = 0
      for (let i = 0; i < 300_000; i++) {
        m.add(`key:${String(i).padStart(12, '0')}`)
        worst = Math.max(worst, m.d.counted - before)
        before = m.d.counted
      }
      assert.equal(m.d.size0 + m.d.size1 >= 262144, true)
      // a partition is walked whole: its ~300 elements at most on top of the budget
      const bound = PASS_BUDGET + (partitions === 0 ? 0 : 2 * (300_000 / partitions) + 1)
      assert.ok(worst <= bound, `${worst} elements counted in one add (bound ${bound}), partitions ${partitions}`)
      // every element is counted once per granularity it needs, not once per operation
      assert.ok(m.d.counted < 3 * 300_000, `${m.d.counted} elements counted in all`)
      finishRehash(m.d)
      checkInvariants(m.d, 300_000)
    }
  })
})

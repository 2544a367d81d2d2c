// ZSet and IdMap (a stream PEL) keep their order in chunks (chunks.ts: split past 1024 rows, emptied ones dropped, small
// neighbours merged): every query and change checked against a flat sorted array (the structure it
// replaced) through random operations on sets large enough for many chunks.
import {test} from 'node:test'
import assert from 'node:assert/strict'
import {ZSet, type LexBound, type ScoreBound} from '../../src/node/keyspace/zset.js'
import {IdMap} from '../../src/node/keyspace/stream.js'
import {lcg} from '../helpers/lcg.js'

/** The reference: one sorted array of pairs. */
class Flat {
  pairs: [number, string][] = []
  dict = new Map<string, number>()
  private idx(score: number, member: string): number {
    let lo = 0
    let hi = this.pairs.length
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      const [s, m] = this.pairs[mid]
      if (s < score || (s === score && m < member)) lo = mid + 1
      else hi = mid
    }
    return lo
  }
  add(member: string, score: number): boolean {
    const old = this.dict.get(member)
    if (old !== undefined) {
      if (old === score) return false
      this.pairs.splice(this.idx(old, member), 1)
    }
    this.pairs.splice(this.idx(score, member), 0, [score, member])
    this.dict.set(member, score)
    return old === undefined
  }
  remove(member: string): boolean {
    const old = this.dict.get(member)
    if (old === undefined) return false
    this.pairs.splice(this.idx(old, member), 1)
    this.dict.delete(member)
    return true
  }
  removeRange(a: number, b: number): string[] {
    if (b < a) return []
    const gone = this.pairs.splice(a, b - a + 1).map((p) => p[1])
    for (const m of gone) this.dict.delete(m)
    return gone
  }
  firstWhere(pred: (p: [number, string]) => boolean): number {
    const i = this.pairs.findIndex(pred)
    return i === -1 ? this.pairs.length : i
  }
}

function check(z: ZSet, f: Flat, rnd: (n: number) => number, lex: boolean, what: string): void {
  assert.equal(z.size, f.pairs.length, what)
  const n = f.pairs.length
  for (let k = 0; k < 20 && n > 0; k++) {
    const i = rnd(n)
    assert.equal(z.memberAt(i), f.pairs[i][1], `${what}: memberAt(${i})`)
    assert.equal(z.scoreAt(i), f.pairs[i][0], `${what}: scoreAt(${i})`)
    assert.equal(z.rank(f.pairs[i][1]), i, `${what}: rank`)
  }
  assert.equal(z.rank('absent'), -1)
  for (let k = 0; k < 10; k++) {
    const b: ScoreBound = {value: rnd(120) - 10 + (rnd(2) ? 0.5 : 0), exclusive: rnd(2) === 1}
    const first = f.firstWhere(([s]) => (b.exclusive ? s > b.value : s >= b.value))
    const last = f.firstWhere(([s]) => (b.exclusive ? s >= b.value : s > b.value)) - 1
    assert.equal(z.firstInScore(b), first, `${what}: firstInScore ${JSON.stringify(b)}`)
    assert.equal(z.lastInScore(b), last, `${what}: lastInScore ${JSON.stringify(b)}`)
    if (lex) {
      const l: LexBound = rnd(10) === 0 ? {kind: rnd(2) ? 'min' : 'max'} : {kind: 'value', value: `m${rnd(20_000)}`, exclusive: rnd(2) === 1}
      const lf = l.kind === 'min' ? 0 : l.kind === 'max' ? n : f.firstWhere(([, m]) => (l.exclusive ? m > l.value : m >= l.value))
      const ll = l.kind === 'max' ? n - 1 : l.kind === 'min' ? -1 : f.firstWhere(([, m]) => (l.exclusive ? m >= l.value : m > l.value)) - 1
      assert.equal(z.firstInLex(l), lf, `${what}: firstInLex ${JSON.stringify(l)}`)
      assert.equal(z.lastInLex(l), ll, `${what}: lastInLex ${JSON.stringify(l)}`)
    }
  }
}

for (const lex of [false, true]) {
  test(`ZSet matches a flat sorted array through random adds, updates, removes and range removals${lex ? ' (equal scores: lex ranges)' : ''}`, () => {
    const rnd = lcg(lex ? 11 : 5)
    const z = new ZSet()
    const f = new Flat()
    const score = () => (lex ? 0 : rnd(100) + (rnd(4) === 0 ? 0.25 : 0))
    let chunksSeen = 0
    for (let step = 0; step < 120_000; step++) {
      const op = rnd(100)
      const member = `m${rnd(20_000)}`
      // grow to a few thousand members (several chunks), then shrink through range removals
      const growing = step < 60_000
      if (op < (growing ? 80 : 40)) {
        const s = score()
        assert.equal(z.add(member, s), f.add(member, s))
      } else if (op < (growing ? 95 : 85)) assert.equal(z.remove(member), f.remove(member))
      else {
        const n = f.pairs.length
        const a = rnd(n + 1)
        const b = a + rnd(growing ? 10 : 400) - 2
        assert.deepEqual(z.removeRange(a, Math.min(b, n - 1)), f.removeRange(a, Math.min(b, n - 1)))
      }
      if (step % 2000 === 0) {
        check(z, f, rnd, lex, `step ${step}`)
        chunksSeen = Math.max(chunksSeen, (z as unknown as {chunks: unknown[]}).chunks.length)
      }
    }
    check(z, f, rnd, lex, 'end')
    assert.ok(chunksSeen >= 5, `${chunksSeen} chunks at most`)
    assert.deepEqual([...z.entries()], f.pairs.map(([s, m]) => [m, s]))
    assert.deepEqual(new Map(z.dict), f.dict)
  })
}

test('ZSet: members inserted in descending order, then everything popped from both ends', () => {
  const z = new ZSet()
  for (let i = 5000; i > 0; i--) z.add(`x${i}`, i)
  assert.equal(z.memberAt(0), 'x1')
  assert.equal(z.rank('x5000'), 4999)
  assert.deepEqual(z.removeRange(0, 2), ['x1', 'x2', 'x3'])
  assert.deepEqual(z.removeRange(z.size - 2, z.size - 1), ['x4999', 'x5000'])
  while (z.size > 0) z.removeRange(0, 99)
  assert.deepEqual([...z.entries()], [])
  assert.equal(z.firstInScore({value: 0, exclusive: false}), 0)
  assert.equal(z.lastInScore({value: 10, exclusive: false}), -1)
  z.add('again', 1)
  assert.equal(z.rank('again'), 0)
})

test('IdMap (a stream PEL) matches a sorted array through random inserts, deletes and lookups, oldest-first deletes too', () => {
  const rnd = lcg(23)
  const pel = new IdMap<number>()
  const ref: [bigint, number][] = []
  const lower = (id: bigint) => {
    const i = ref.findIndex(([k]) => k >= id)
    return i === -1 ? ref.length : i
  }
  let chunks = 0
  for (let step = 0; step < 60_000; step++) {
    const id = BigInt(rnd(30_000)) << 64n | BigInt(rnd(3))
    const op = rnd(10)
    if (op < 6) {
      const i = lower(id)
      const fresh = !(i < ref.length && ref[i][0] === id)
      assert.equal(pel.tryInsert(id, step), fresh)
      if (fresh) ref.splice(i, 0, [id, step])
    } else if (op < 8) {
      const i = lower(id)
      const there = i < ref.length && ref[i][0] === id
      assert.equal(pel.delete(id), there)
      if (there) ref.splice(i, 1)
    } else if (ref.length > 0) {
      // XACK of the oldest entry, the common pattern
      assert.equal(pel.delete(ref[0][0]), true)
      ref.shift()
    }
    if (step % 1000 === 0) {
      assert.equal(pel.size, ref.length)
      for (let k = 0; k < 10 && ref.length > 0; k++) {
        const i = rnd(ref.length)
        assert.equal(pel.keyAt(i), ref[i][0])
        assert.equal(pel.valueAt(i), ref[i][1])
        assert.equal(pel.get(ref[i][0]), ref[i][1])
        assert.equal(pel.lowerBound(ref[i][0]), i)
        assert.equal(pel.lowerBound(ref[i][0] + 1n), lower(ref[i][0] + 1n))
        // a walk from rank i crosses chunk ends as the array does
        const walked: [bigint, number][] = []
        for (const row of pel.entries(i)) if (walked.push(row) === 1500) break
        assert.deepEqual(walked, ref.slice(i, i + 1500))
      }
      assert.deepEqual([...pel.entries(ref.length)], [])
      assert.equal(pel.get(-1n), undefined)
      chunks = Math.max(chunks, (pel as unknown as {chunks: unknown[]}).chunks.length)
    }
  }
  assert.deepEqual([...pel.keys()], ref.map(([k]) => k))
  assert.deepEqual([...pel.values()], ref.map(([, v]) => v))
  assert.deepEqual([...pel.entries()], ref)
  assert.ok(chunks >= 5, `${chunks} chunks at most`)
})

test('ZSet and IdMap read outside their ranks as flat arrays do: undefined, nothing removed', () => {
  const z = new ZSet()
  assert.equal(z.memberAt(0), undefined)
  assert.equal(z.scoreAt(-1), undefined)
  assert.deepEqual(z.removeRange(0, 5), [])
  z.add('a', 1)
  assert.equal(z.memberAt(1), undefined)
  assert.equal(z.memberAt(-1), undefined)
  assert.deepEqual(z.removeRange(-1, 0), [])
  assert.equal(z.size, 1)
  const pel = new IdMap<number>()
  assert.equal(pel.keyAt(0), undefined)
  assert.equal(pel.lowerBound(5n), 0)
  assert.equal(pel.delete(5n), false)
})

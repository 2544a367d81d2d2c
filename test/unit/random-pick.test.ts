// Random members of big sets and hashes (random-pick.ts): uniform over the live members through
// adds and removes (a removed member is never drawn, an added one is, a member removed and added
// back is not drawn twice as often), and O(1) amortised: SPOP-like pick-and-remove of half a
// 100,000-member set copies members into the pick array a bounded number of times (walking the
// Set to a random index made each pick cost half the set).
import {test} from 'node:test'
import assert from 'node:assert/strict'
import {pickAdded, pickerWalked, pickRemoved, randomMember} from '../../src/node/keyspace/random-pick.js'

function add(s: Set<string>, m: string): void {
  if (s.has(m)) return
  s.add(m)
  pickAdded(s, m)
}
function remove(s: Set<string>, m: string): void {
  if (s.delete(m)) pickRemoved(s, m)
}

test('picks are live members, about uniformly, through adds and removes', () => {
  const s = new Set<string>()
  for (let i = 0; i < 1000; i++) add(s, `m${i}`)
  randomMember(s) // the pick array exists from here
  for (let i = 0; i < 500; i++) remove(s, `m${i}`)
  for (let i = 0; i < 200; i++) add(s, `m${i}`) // removed and added back
  for (let i = 1000; i < 1100; i++) add(s, `m${i}`) // new
  assert.equal(s.size, 800)
  const counts = new Map<string, number>()
  const draws = 400_000
  for (let i = 0; i < draws; i++) {
    const m = randomMember(s)
    assert.ok(s.has(m), m)
    counts.set(m, (counts.get(m) ?? 0) + 1)
  }
  assert.equal(counts.size, 800)
  const expect = draws / 800 // 500: a member drawn twice as often would be near 1000
  for (const [m, n] of counts) assert.ok(n > expect * 0.6 && n < expect * 1.4, `${m}: ${n} draws`)
})

test('picking and removing half of a big set walks it a bounded number of times', () => {
  const s = new Set<string>()
  for (let i = 0; i < 100_000; i++) add(s, `m${i}`)
  const before = pickerWalked()
  const seen = new Set<string>()
  for (let i = 0; i < 90_000; i++) {
    const m = randomMember(s)
    assert.ok(!seen.has(m))
    seen.add(m)
    remove(s, m)
  }
  assert.equal(s.size, 10_000)
  // one array of 100,000, then one at each halving: under 200,000 in all
  assert.ok(pickerWalked() - before < 200_000, `${pickerWalked() - before} members walked`)
})

test('a small map is walked, a big one picked from', () => {
  const m = new Map<string, string>([['a', '1']])
  assert.equal(randomMember(m), 'a')
  for (let i = 0; i < 1000; i++) m.set(`f${i}`, 'v')
  const f = randomMember(m)
  assert.ok(m.has(f))
})

// ensureRoom / ensureSize (src/node/keyspace/member-limit.ts): a write is refused only when the
// members it would add, counted once each and without those already there, take a value past the
// limit; and V8's own error for a full Set or Map is recognised as the limit.
import {test} from 'node:test'
import assert from 'node:assert/strict'
import {ensureRoom, ensureSize, isCollectionLimit, memberLimitError} from '../../src/node/keyspace/member-limit.js'
import {MAP_LIMIT} from '../../src/node/keyspace/big-map.js'

const refuses = (f: () => void) => assert.throws(f, (e: {reply?: string}) => e.reply === memberLimitError(4).reply)

test('ensureRoom counts new distinct members only, from `from` in steps of `step`', () => {
  const v = new Set(['a', 'b', 'c'])
  ensureRoom(4, v, ['SADD', 'k', 'd'], 2)
  refuses(() => ensureRoom(4, v, ['SADD', 'k', 'd', 'e'], 2))
  ensureRoom(4, v, ['SADD', 'k', 'a', 'b', 'c', 'd', 'd', 'd'], 2) // repeats and members there: one new
  refuses(() => ensureRoom(4, undefined, ['SADD', 'k', 'a', 'b', 'c', 'd', 'e'], 2))
  ensureRoom(4, undefined, ['SADD', 'k', 'a', 'a', 'a', 'a', 'a'], 2)
  // field/value pairs: only the fields count (values equal to new names do not)
  const h = new Map([['f1', 'x'], ['f2', 'x'], ['f3', 'x']])
  ensureRoom(4, h, ['HSET', 'k', 'f4', 'f5', 'f1', 'f6'], 2, 2)
  refuses(() => ensureRoom(4, h, ['HSET', 'k', 'f4', 'v', 'f5', 'v'], 2, 2))
  // at the limit, a write of members that are all there passes
  const full = new Set(['a', 'b', 'c', 'd'])
  ensureRoom(4, full, ['SADD', 'k', 'a', 'd'], 2)
  refuses(() => ensureRoom(4, full, ['SADD', 'k', 'a', 'z'], 2))
})

test('ensureSize refuses a built value past the limit only', () => {
  ensureSize(4, 4)
  refuses(() => ensureSize(4, 5))
  assert.match(memberLimitError().reply, /^ERR the value would hold more than 16777216 members/)
})

test('V8 stops one Set and one Map at MAP_LIMIT entries with the error isCollectionLimit knows', {skip: process.env.REDIS_TS_BIG_TESTS !== '1' && 'set REDIS_TS_BIG_TESTS=1 (2 x 16.7M entries, ~12 s)'}, () => {
  const s = new Set<number>()
  let caught: unknown
  try {
    for (let i = 0; ; i++) s.add(i)
  } catch (e) {
    caught = e
  }
  assert.equal(s.size, MAP_LIMIT)
  assert.ok(isCollectionLimit(caught), String(caught))
  s.clear()
  const m = new Map<number, number>()
  try {
    for (let i = 0; ; i++) m.set(i, i)
  } catch (e) {
    caught = e
  }
  assert.equal(m.size, MAP_LIMIT)
  assert.ok(isCollectionLimit(caught), String(caught))
  assert.ok(!isCollectionLimit(new RangeError('Invalid array length')))
})

// Keyspace values <-> RdbValue (src/node/keyspace/rdb-convert.ts), and through a DUMP payload.
import {describe, test} from 'node:test'
import assert from 'node:assert/strict'
import {Deque, ZSet, typeOf, type RedisValue} from '../../src/node/keyspace/keyspace.js'
import {fromRdbValue, toRdbValue} from '../../src/node/keyspace/rdb-convert.js'
import {createDumpPayload, parseDumpPayload} from '../../src/node/persistence/dump.js'

const allBytes = Array.from({length: 256}, (_, i) => String.fromCharCode(i)).join('')

function zset(entries: [string, number][]): ZSet {
  const z = new ZSet()
  for (const [m, s] of entries) z.add(m, s)
  return z
}

/** Plain comparable form; zsets keep their (score, member) order and -0. */
function plain(v: RedisValue): unknown {
  if (typeof v === 'string') return v
  if (v instanceof Deque) return ['list', v.toArray()]
  if (v instanceof Map) return ['hash', [...v].sort()]
  if (v instanceof Set) return ['set', [...v].sort()]
  if (!('memberAt' in v)) return ['stream', v.length]
  const out: unknown[] = []
  for (let i = 0; i < v.size; i++) out.push([v.memberAt(i), Object.is(v.scoreAt(i), -0) ? '-0' : v.scoreAt(i)])
  return ['zset', out]
}

const values: [string, RedisValue][] = [
  ['empty string', ''],
  ['binary string', allBytes],
  ['int string', '-9223372036854775808'],
  ['list order', Deque.from(['c', 'a', 'b', 'a', '', allBytes])],
  ['large list', Deque.from(Array.from({length: 3000}, (_, i) => `v${i % 17}-${i}`))],
  ['hash', new Map([['f', 'v'], ['\x00', '\xff'], [allBytes, '']])],
  ['int set', new Set(['1', '-2', '300000'])],
  ['mixed set', new Set(['a', '1', allBytes])],
  ['zset specials', zset([['a', 1.5], ['b', -Infinity], ['c', Infinity], ['d', -0], ['e', 0], ['f', 2 ** 60], ['g', 1e-300]])],
  ['zset ties', zset([['b', 1], ['a', 1], ['c', 1], ['\xff', 1], ['\x00', 1]])],
  ['large zset', zset(Array.from({length: 2000}, (_, i) => [`m${i}`, (i * 7919) % 1000 - 500.25] as [string, number]))],
]

describe('rdb-convert', () => {
  for (const [name, v] of values) {
    test(`${name}: toRdbValue/fromRdbValue round trip`, () => {
      const r = toRdbValue(v)
      assert.equal(r.type, typeOf(v))
      const back = fromRdbValue(r)
      assert.equal(typeOf(back), typeOf(v))
      assert.notEqual(back, typeof v === 'string' ? undefined : v, 'a new object, not the same one')
      assert.deepEqual(plain(back), plain(v))
    })
    test(`${name}: through a DUMP payload`, () => {
      const back = fromRdbValue(parseDumpPayload(createDumpPayload(toRdbValue(v))))
      assert.deepEqual(plain(back), plain(v))
    })
  }

  test('toRdbValue snapshots: later writes do not change it', () => {
    const d = Deque.from(['a'])
    const r = toRdbValue(d)
    d.pushBack('b')
    assert.deepEqual(r, {type: 'list', items: ['a']})
    const z = zset([['m', 1]])
    const rz = toRdbValue(z)
    z.add('n', 2)
    assert.deepEqual(rz, {type: 'zset', entries: [['m', 1]]})
  })

  test('fromRdbValue sorts zset entries given in any order', () => {
    const z = fromRdbValue({type: 'zset', entries: [['x', 3], ['a', -Infinity], ['m', 3], ['k', 0]]}) as ZSet
    assert.deepEqual(plain(z), ['zset', [['a', -Infinity], ['k', 0], ['m', 3], ['x', 3]]])
    assert.equal(z.score('x'), 3)
    assert.equal(z.rank('m'), 2)
  })
})

// Argument parsing of the data-type groups that is easy to get subtly wrong: ZADD options,
// score and lex range items, redis's strtod/getDouble rules, blocking timeouts, rank clamping.
import {test, describe} from 'node:test'
import assert from 'node:assert/strict'
import {parseZaddFlags} from '../../src/node/commands/zsets.js'
import {lexSpan, parseLexBound, parseScoreBound, scoreSpan} from '../../src/node/commands/zsets-range.js'
import {getDouble, strtodWhole} from '../../src/node/strtod.js'
import {rankSpan} from '../../src/node/commands/util.js'
import {parseTimeout} from '../../src/node/blocking.js'
import {parseMpop, side} from '../../src/node/commands/lists.js'
import {numkeysKeys, parseCursor, parseScanOptions} from '../../src/node/commands/type-util.js'
import {ZSet} from '../../src/node/keyspace/zset.js'
import {ReplyError} from '../../src/node/errors.js'

const err = (text: string) => (e: unknown) => e instanceof ReplyError && e.reply === text

describe('ZADD options', () => {
  const argv = (s: string) => ['zadd', 'k', ...s.split(' ')]
  test('flags are collected until the first non-option', () => {
    const f = parseZaddFlags(argv('nx ch 1 a'))
    assert.deepEqual({nx: f.nx, ch: f.ch, xx: f.xx, incr: f.incr, scoreAt: f.scoreAt}, {nx: true, ch: true, xx: false, incr: false, scoreAt: 4})
    assert.equal(parseZaddFlags(argv('GT CH INCR 1 a')).gt, true)
  })
  test('conflicts use redis wording, checked after the pair count', () => {
    assert.throws(() => parseZaddFlags(argv('nx xx 1 a')), err('ERR XX and NX options at the same time are not compatible'))
    assert.throws(() => parseZaddFlags(argv('gt lt 1 a')), err('ERR GT, LT, and/or NX options at the same time are not compatible'))
    assert.throws(() => parseZaddFlags(argv('nx lt 1 a')), err('ERR GT, LT, and/or NX options at the same time are not compatible'))
    assert.throws(() => parseZaddFlags(argv('incr 1 a 2 b')), err('ERR INCR option supports a single increment-element pair'))
    assert.throws(() => parseZaddFlags(argv('nx xx 1')), err('ERR syntax error'))
    assert.throws(() => parseZaddFlags(['zadd', 'k', 'nx']), err('ERR syntax error'))
  })
})

describe('score ranges', () => {
  test('items', () => {
    assert.deepEqual(parseScoreBound('(1'), {value: 1, exclusive: true})
    assert.deepEqual(parseScoreBound('-inf'), {value: -Infinity, exclusive: false})
    assert.deepEqual(parseScoreBound('(+inf'), {value: Infinity, exclusive: true})
    assert.deepEqual(parseScoreBound('1.5e2'), {value: 150, exclusive: false})
    // strtod: "" is 0, leading blanks are skipped, overflow is inf; trailing junk and nan fail.
    assert.deepEqual(parseScoreBound(''), {value: 0, exclusive: false})
    assert.deepEqual(parseScoreBound('('), {value: 0, exclusive: true})
    assert.equal(parseScoreBound(' 2')?.value, 2)
    assert.equal(parseScoreBound('1e400')?.value, Infinity)
    assert.equal(parseScoreBound('1x'), null)
    assert.equal(parseScoreBound('nan'), null)
    assert.equal(parseScoreBound('[1'), null)
  })
  test('spans on a zset', () => {
    const z = new ZSet()
    for (const [m, s] of [['a', 1], ['b', 2], ['c', 2], ['d', 3]] as const) z.add(m, s)
    const b = (s: string) => parseScoreBound(s)!
    assert.deepEqual(scoreSpan(z, [b('2'), b('2')]), [1, 2])
    assert.deepEqual(scoreSpan(z, [b('(1'), b('(3')]), [1, 2])
    assert.deepEqual(scoreSpan(z, [b('-inf'), b('+inf')]), [0, 3])
    const [f, l] = scoreSpan(z, [b('(2'), b('2')])
    assert.ok(l < f)
  })
})

describe('lex ranges', () => {
  test('items', () => {
    assert.deepEqual(parseLexBound('-'), {kind: 'min'})
    assert.deepEqual(parseLexBound('+'), {kind: 'max'})
    assert.deepEqual(parseLexBound('[a'), {kind: 'value', value: 'a', exclusive: false})
    assert.deepEqual(parseLexBound('(b'), {kind: 'value', value: 'b', exclusive: true})
    assert.deepEqual(parseLexBound('['), {kind: 'value', value: '', exclusive: false})
    assert.equal(parseLexBound('a'), null)
    assert.equal(parseLexBound('+a'), null)
    assert.equal(parseLexBound(''), null)
  })
  test('spans on a zset', () => {
    const z = new ZSet()
    for (const m of ['a', 'b', 'c', 'd']) z.add(m, 0)
    const b = (s: string) => parseLexBound(s)!
    assert.deepEqual(lexSpan(z, [b('[b'), b('(d')]), [1, 2])
    assert.deepEqual(lexSpan(z, [b('-'), b('+')]), [0, 3])
    const [f, l] = lexSpan(z, [b('+'), b('-')])
    assert.ok(l < f)
  })
})

describe('doubles', () => {
  test('getDouble (ZADD scores, weights) rejects what redis rejects', () => {
    assert.equal(getDouble('1.5'), 1.5)
    assert.equal(getDouble('-inf'), -Infinity)
    assert.equal(getDouble('0x10'), 16)
    assert.equal(getDouble('1e400'), null)
    assert.equal(getDouble('1e-400'), null)
    assert.equal(getDouble(' 1'), null)
    assert.equal(getDouble(''), null)
    assert.equal(getDouble('nan'), null)
    assert.equal(getDouble('0'), 0)
    assert.equal(getDouble('0e5'), 0)
  })
  test('strtodWhole', () => {
    assert.equal(strtodWhole('.5'), 0.5)
    assert.equal(strtodWhole('5.'), 5)
    assert.equal(strtodWhole('Infinity'), Infinity)
    assert.equal(strtodWhole('1 '), null)
  })
})

describe('blocking timeouts', () => {
  test('seconds as float, 0 = forever, rounded up to milliseconds (ceill(x * 1000.0) in long double)', () => {
    assert.equal(parseTimeout('0'), 0)
    assert.equal(parseTimeout('0.1'), 100)
    assert.equal(parseTimeout('2'), 2000)
    assert.equal(parseTimeout('0.0001'), 1)
    assert.equal(parseTimeout('5e-324'), 1)
    assert.equal(parseTimeout('1.0005'), 1001)
    // a negative above -1 ms rounds up to -0: forever, not an error
    assert.equal(parseTimeout('-0.0001'), 0)
  })
  test('errors', () => {
    assert.throws(() => parseTimeout('-1'), err('ERR timeout is negative'))
    assert.throws(() => parseTimeout('inf'), err('ERR timeout is negative'))
    assert.throws(() => parseTimeout('1e300'), err('ERR timeout is negative'))
    assert.throws(() => parseTimeout('abc'), err('ERR timeout is not a float or out of range'))
    assert.throws(() => parseTimeout('nan'), err('ERR timeout is not a float or out of range'))
    assert.throws(() => parseTimeout(' 1'), err('ERR timeout is not a float or out of range'))
    assert.throws(() => parseTimeout('1s'), err('ERR timeout is not a float or out of range'))
  })
  test('strtold quirks: "" is 0 (forever), huge values block (7.0 has no out-of-range check)', () => {
    assert.equal(parseTimeout(''), 0)
    assert.equal(parseTimeout('0x10'), 16000)
    assert.equal(parseTimeout('9200000000000000'), 9200000000000000000)
  })
})

describe('misc parsing', () => {
  test('rank clamping', () => {
    assert.deepEqual(rankSpan(0, -1, 5), [0, 4])
    assert.deepEqual(rankSpan(-100, 100, 5), [0, 4])
    assert.equal(rankSpan(3, 1, 5), null)
    assert.equal(rankSpan(5, 10, 5), null)
  })
  test('LMPOP parsing', () => {
    assert.deepEqual(parseMpop(['lmpop', '2', 'a', 'b', 'left', 'count', '3'], 1, side), {keys: ['a', 'b'], head: true, count: 3})
    assert.throws(() => parseMpop(['lmpop', '0', 'a', 'left'], 1, side), err('ERR numkeys should be greater than 0'))
    assert.throws(() => parseMpop(['lmpop', '3', 'a', 'left'], 1, side), err('ERR syntax error'))
    assert.throws(() => parseMpop(['lmpop', '1', 'a', 'left', 'count', '0'], 1, side), err('ERR count should be greater than 0'))
  })
  test('numkeys key positions for the slot check', () => {
    assert.deepEqual(numkeysKeys(2, [1])(['zunionstore', 'dst', '2', 'a', 'b', 'WEIGHTS', '1', '2']), [1, 3, 4])
    // redis genericGetKeys: numkeys (atoi) out of range means no keys at all, not even the destination
    assert.deepEqual(numkeysKeys(1)(['sintercard', '5', 'a']), [])
    assert.deepEqual(numkeysKeys(2, [1])(['zunionstore', 'dst', '3', 'a', 'b']), [])
    assert.deepEqual(numkeysKeys(1)(['sintercard', '2abc', 'a', 'b']), [2, 3])
    assert.deepEqual(numkeysKeys(1)(['zunion', 'x', 'a']), [])
  })
  test('scan cursor and options', () => {
    assert.equal(parseCursor('0'), 0)
    assert.equal(parseCursor('+7'), 7)
    assert.throws(() => parseCursor('x'), err('ERR invalid cursor'))
    assert.deepEqual(parseScanOptions(['hscan', 'k', '0', 'COUNT', '5', 'MATCH', 'a*'], 0), {cursor: 0, count: 5, match: 'a*'})
    assert.throws(() => parseScanOptions(['hscan', 'k', '0', 'COUNT', '0'], 0), err('ERR syntax error'))
    assert.throws(() => parseScanOptions(['hscan', 'k', '0', 'TYPE', 'hash'], 0), err('ERR syntax error'))
  })
})

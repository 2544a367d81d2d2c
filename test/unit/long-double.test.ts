// The long double arithmetic of INCRBYFLOAT/HINCRBYFLOAT (src/node/long-double.ts): results as
// redis-server 7.0.15 on x86-64 prints them (each pair below was run there: SET k a, INCRBYFLOAT k b).
import {test} from 'node:test'
import assert from 'node:assert/strict'
import {addLongDouble, formatLongDoubleHuman, parseLongDouble} from '../../src/node/long-double.js'

function incr(a: string, b: string): string {
  const x = parseLongDouble(a)
  const y = parseLongDouble(b)
  if (x === null || y === null) return 'not a float'
  const s = addLongDouble(x, y)
  return s === null || s.inf ? 'NaN or Infinity' : formatLongDoubleHuman(s)
}

test('sums as redis-server prints them', () => {
  const cases: [string, string, string][] = [
    ['10', '9223372036854775807', '9223372036854775817'], // 64 significand bits, not 53
    ['12345678901234567890', '-3', '12345678901234567887'],
    ['0.1', '0.2', '0.3'],
    ['0.1', '0.7', '0.8'],
    ['1.1', '2.2', '3.3'],
    ['100', '-0.001', '99.999'],
    ['1', '-0.99999999999999999', '0.00000000000000001'],
    ['1e20', '1', '100000000000000000000'], // below half an ulp: rounded away
    ['3.0e3', '1.0e2', '3100'],
    ['0x1p-2', '0', '0.25'], // strtold reads hex floats
    ['17179869184', '1.5', '17179869185.5'],
    ['5', '1e-18', '5'],
    ['0', '-1e-18', '0'], // "-0.00000000000000000" trimmed to "-0", printed 0
    ['0', '1e-4940', '0'], // subnormal, accepted
    ['-1', '1', '0'],
    ['1.5', '-2.5', '-1'],
  ]
  for (const [a, b, want] of cases) assert.equal(incr(a, b), want, `${a} + ${b}`)
})

test('what string2ld refuses, and overflow', () => {
  for (const bad of ['', ' 1', '1 ', 'abc', 'nan', '1e', '0x', '.', '1e-5000', '1e5000', '1.2.3', 'x'.repeat(5120)]) assert.equal(parseLongDouble(bad), null, JSON.stringify(bad))
  for (const ok of ['inf', '-Infinity', '+1', '-0', '.5', '5.', '1E3', '0X1P3']) assert.notEqual(parseLongDouble(ok), null, ok)
  assert.equal(incr('1e4932', '1e4932'), 'NaN or Infinity')
  assert.equal(incr('inf', '1'), 'NaN or Infinity')
  assert.equal(incr('inf', '-inf'), 'NaN or Infinity')
})

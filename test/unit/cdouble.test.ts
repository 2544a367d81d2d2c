// C's printf of doubles (src/resp/cdouble.ts) against what glibc prints for the same conversions
// (the expected texts are gcc + glibc's output for these printf calls).
import {test} from 'node:test'
import assert from 'node:assert/strict'
import {cFormatDouble, formatG} from '../../src/resp/cdouble.js'

const f = (x: number, fmt: string): string => {
  const m = /^%([-+ #0]*)(\d*)(?:\.(\d+))?([eEfFgG])$/.exec(fmt)!
  return cFormatDouble(x, {flags: m[1], width: m[2] ? Number(m[2]) : undefined, precision: m[3] !== undefined ? Number(m[3]) : undefined, conv: m[4]})
}

test('conversions, flags, widths and precisions print as glibc', () => {
  const cases: [number, string, string][] = [
    [0.125, '%.2f', '0.12'], [0.25, '%.1f', '0.2'], [0.5, '%.0f', '0'], [1.5, '%.0f', '2'], [2.5, '%.0f', '2'],
    [1.0625, '%.3e', '1.062e+00'], [123456789012345, '%.14g', '1.2345678901234e+14'], [1000000000000000.25, '%.17g', '1000000000000000.2'],
    [-0, '%5.2f', '-0.00'], [1e21, '%.2f', '1000000000000000000000.00'], [1e-310, '%g', '1e-310'], [5e-324, '%.17g', '4.9406564584124654e-324'],
    [1.7976931348623157e308, '%.17g', '1.7976931348623157e+308'], [0.1, '%.20f', '0.10000000000000000555'], [100, '%g', '100'],
    [1e-5, '%g', '1e-05'], [123456, '%g', '123456'], [1234567, '%g', '1.23457e+06'], [0.0001, '%g', '0.0001'], [9.9999999, '%.3g', '10'],
    [-1.5, '%+08.2f', '-0001.50'], [3, '%#g', '3.00000'], [3, '%#.0f', '3.'], [3, '%#.0e', '3.e+00'], [42, '%-8g', '42      '],
    [Infinity, '%08.2f', '     inf'], [1e100, '%e', '1.000000e+100'], [0.1 + 0.2, '%.17g', '0.30000000000000004'],
    [2 / 3, '%.30g', '0.666666666666666629659232512495'], [-2.5e-7, '%.17g', '-2.4999999999999999e-07'], [1e22, '%.17g', '1e+22'],
  ]
  for (const [x, fmt, want] of cases) assert.equal(f(x, fmt), want, `${fmt} of ${x}`)
})

test('a NaN prints with its sign bit, in upper case for %E/%G', () => {
  const bits = new DataView(new ArrayBuffer(8))
  bits.setUint32(0, 0xfff80000) // x86's default NaN (0/0): sign bit set
  const negNaN = bits.getFloat64(0)
  bits.setUint32(0, 0x7ff80000)
  const posNaN = bits.getFloat64(0)
  assert.equal(f(negNaN, '%g'), '-nan')
  assert.equal(f(posNaN, '%g'), 'nan')
  assert.equal(f(negNaN, '%E'), '-NAN')
  assert.equal(f(posNaN, '%5G'), '  NAN')
})

test('formatG takes the exact path exactly when JavaScript could round differently', () => {
  let seed = 12345
  const random = (): number => {
    seed ^= seed << 13
    seed ^= seed >>> 17
    seed ^= seed << 5
    return (seed >>> 0) / 2 ** 32
  }
  for (let i = 0; i < 20000; i++) {
    const x = (random() - 0.5) * 10 ** Math.floor(random() * 40 - 20)
    const r = Math.round(x * 1000) / 8 // many exact binary fractions: ties in decimal
    for (const v of [x, r]) for (const p of [6, 14, 17]) assert.equal(formatG(v, p), cFormatDouble(v, {conv: 'g', precision: p}), `${v} %.${p}g`)
  }
})

// The x87 80-bit `long double` arithmetic INCRBYFLOAT and HINCRBYFLOAT do in Redis (x86-64 Linux),
// exactly: strtold's correctly rounded parse as Redis's string2ld accepts it, one rounded addition,
// and ld2string's LD_STR_HUMAN output (`%.17Lf`, trailing zeros trimmed). A double cannot stand in:
// 64 significand bits against 53 make `10 + 9223372036854775807` print 9223372036854775817 in Redis
// (9223372036854775808 in doubles), and the extra bits are why `0.1 + 0.2` prints 0.3 there.
// Values are m × 2^e with m < 2^64 (≥ 2^63 unless subnormal), as the hardware holds them.

/** A finite long double (m × 2^e, sign apart), or an infinity. */
export interface LongDouble {
  neg: boolean
  m: bigint
  e: number
  inf?: boolean
}

/** +0, what a missing key or field counts as. */
export const LD_ZERO: LongDouble = {neg: false, m: 0n, e: 0}

/** 64 significand bits; the exponent of the last significand bit of subnormals and of the largest finite value. */
const BITS = 64
const E_MIN = -16445
const E_MAX = 16320
const TEN17 = 10n ** 17n

const bitLength = (x: bigint): number => (x === 0n ? 0 : x.toString(2).length)

/** num / den × 2^exp2 rounded to nearest-even into a long double (den > 0); infinity on overflow. */
function round(neg: boolean, num: bigint, den: bigint, exp2: number): LongDouble {
  if (num === 0n) return {neg, m: 0n, e: 0}
  // shift s such that num × 2^s / den has BITS bits: the result is q × 2^(exp2 − s)
  let s = BITS - (bitLength(num) - bitLength(den))
  if (s > 0 ? (num << BigInt(s)) / den >= 1n << BigInt(BITS) : num / (den << BigInt(-s)) >= 1n << BigInt(BITS)) s--
  if (exp2 - s < E_MIN) s = exp2 - E_MIN // subnormal: fewer bits
  const n = s >= 0 ? num << BigInt(s) : num
  const d = s >= 0 ? den : den << BigInt(-s)
  let q = n / d
  const r2 = (n - q * d) * 2n
  if (r2 > d || (r2 === d && (q & 1n) === 1n)) q++
  let e = exp2 - s
  if (q === 1n << BigInt(BITS)) {
    q >>= 1n
    e++
  }
  if (e > E_MAX) return {neg, m: 0n, e: 0, inf: true}
  return {neg, m: q, e}
}

const DEC = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/
const HEX = /^([+-]?)0[xX]([0-9a-fA-F]*)(?:\.([0-9a-fA-F]*))?(?:[pP]([+-]?\d+))?$/

/**
 * Redis's string2ld: the whole string must be what strtold reads (no leading space, nothing after),
 * at most 5119 characters; NaN, an overflow and an underflow to zero are refused (null).
 */
export function parseLongDouble(s: string): LongDouble | null {
  if (s.length === 0 || s.length >= 5120) return null
  const c = s.charCodeAt(0)
  if (c === 32 || (c >= 9 && c <= 13)) return null
  const lower = s.toLowerCase()
  const unsigned = lower[0] === '+' || lower[0] === '-' ? lower.slice(1) : lower
  if (unsigned === 'inf' || unsigned === 'infinity') return {neg: lower[0] === '-', m: 0n, e: 0, inf: true}
  let x: LongDouble
  const h = HEX.exec(s)
  if (h) {
    const [, sign, int, frac = '', exp = '0'] = h
    if (int.length + frac.length === 0) return null
    const e = clampExp(exp) - 4 * frac.length
    x = round(sign === '-', BigInt(`0x${int}${frac}`), 1n, e)
  } else {
    const d = DEC.exec(s)
    if (!d) return null
    const [, sign, int, frac = '', exp = '0'] = d
    if (int.length + frac.length === 0) return null
    const digits = (int + frac).replace(/^0+/, '')
    if (digits === '') return {neg: sign === '-', m: 0n, e: 0}
    const e10 = clampExp(exp) - frac.length
    const magnitude = digits.length + e10 // the value is below 10^magnitude and at least 10^(magnitude−1)
    if (magnitude > 4933) return null // above the largest long double (1.19e4932): ERANGE
    if (magnitude < -4951) return null // below half the smallest subnormal (3.6e-4951): ERANGE, 0
    const n = BigInt(digits)
    x = e10 >= 0 ? round(sign === '-', n * 10n ** BigInt(e10), 1n, 0) : round(sign === '-', n, 10n ** BigInt(-e10), 0)
  }
  if (x.inf) return null // overflow
  if (x.m === 0n) return null // underflow to zero
  return x
}

/** Exponent digits as a number, clamped where any value over- or underflows anyway. */
function clampExp(exp: string): number {
  const v = Number(exp)
  return Math.max(-1e6, Math.min(1e6, v))
}

/** a + b as one long double addition (infinities as the FPU: inf − inf is NaN, returned as null). */
export function addLongDouble(a: LongDouble, b: LongDouble): LongDouble | null {
  if (a.inf || b.inf) {
    if (a.inf && b.inf && a.neg !== b.neg) return null
    return a.inf ? a : b
  }
  if (a.m === 0n) return b.m === 0n ? {neg: a.neg && b.neg, m: 0n, e: 0} : b
  if (b.m === 0n) return a
  const e = Math.min(a.e, b.e)
  const x = (a.neg ? -1n : 1n) * (a.m << BigInt(a.e - e))
  const y = (b.neg ? -1n : 1n) * (b.m << BigInt(b.e - e))
  const sum = x + y
  if (sum === 0n) return {neg: false, m: 0n, e: 0} // x + (−x) is +0 when rounding to nearest
  return round(sum < 0n, sum < 0n ? -sum : sum, 1n, e)
}

/** ld2string(…, LD_STR_HUMAN): `%.17Lf` (exact, ties to even), trailing zeros and a lone '.' trimmed, "-0" as "0". */
export function formatLongDoubleHuman(x: LongDouble): string {
  if (x.inf) return x.neg ? '-inf' : 'inf'
  let fixed: bigint // the value × 10^17, rounded
  if (x.e >= 0) fixed = (x.m << BigInt(x.e)) * TEN17
  else {
    const k = BigInt(-x.e)
    const scaled = x.m * TEN17
    fixed = scaled >> k
    const rem = scaled - (fixed << k)
    const half = 1n << (k - 1n)
    if (rem > half || (rem === half && (fixed & 1n) === 1n)) fixed++
  }
  const int = (fixed / TEN17).toString()
  const frac = (fixed % TEN17).toString().padStart(17, '0').replace(/0+$/, '')
  const out = `${x.neg ? '-' : ''}${int}${frac ? `.${frac}` : ''}`
  return out === '-0' ? '0' : out
}

/**
 * `(long long) ceill(x * 1000.0)` for a finite x (getTimeoutFromObjectOrReply: seconds to
 * milliseconds, rounded up, so 5e-324 s is 1 ms), as a number: the product rounded to a long double,
 * then its ceiling.
 */
export function ceilThousandths(x: LongDouble): number {
  const p = round(x.neg, x.m * 1000n, 1n, x.e)
  if (p.inf) return x.neg ? -Infinity : Infinity
  if (p.e >= 0) return (p.neg ? -1 : 1) * Number(p.m << BigInt(p.e))
  const sh = BigInt(-p.e)
  let q = p.m >> sh // the magnitude's floor
  if (!p.neg && q << sh !== p.m) q++
  return q === 0n ? 0 : (p.neg ? -1 : 1) * Number(q)
}

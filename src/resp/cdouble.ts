// C's printf conversions of a double — %e %f %g and %E %F %G, with flags, width and precision — as
// glibc prints them: the exact binary value rounded to nearest with ties to even (JavaScript's
// toFixed/toExponential break exact ties upwards: "%.2f" of 0.125 is "0.12" in C, "0.13" in JS),
// exponents of at least two digits, "inf"/"nan" for the non-finite (a NaN with its sign bit set is
// "-nan", as x86 makes 0/0). Redis prints doubles this way in replies ("%.17g"), Lua 5.1 in
// tostring ("%.14g") and string.format, lua-cjson in its encoder ("%.14g").

export interface CDoubleSpec {
  /** e, f, g, or upper case */
  conv: string
  /** digits after the point (e, f) or significant digits (g); default 6 */
  precision?: number
  /** minimum field width */
  width?: number
  /** flags: '-' left-justify, '+' sign, ' ' space for sign, '#' keep the point, '0' pad with zeros */
  flags?: string
}

const view = new DataView(new ArrayBuffer(8))

/** The sign bit of a double (-0 and negative NaNs included). */
function signBit(x: number): boolean {
  view.setFloat64(0, x)
  return (view.getUint8(0) & 0x80) !== 0
}

/** |x| (finite, non-zero) as num / den exactly. */
function exactRatio(x: number): [bigint, bigint] {
  view.setFloat64(0, x)
  const hi = view.getUint32(0)
  const lo = view.getUint32(4)
  const exp = (hi >>> 20) & 0x7ff
  let m = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo)
  if (exp !== 0) m |= 1n << 52n
  const e = (exp === 0 ? 1 : exp) - 1075
  return e >= 0 ? [m << BigInt(e), 1n] : [m, 1n << BigInt(-e)]
}

const pow10cache: bigint[] = []
function pow10(k: number): bigint {
  return (pow10cache[k] ??= 10n ** BigInt(k))
}

/** n / d rounded to nearest, ties to even. */
function roundHalfEven(n: bigint, d: bigint): bigint {
  const q = n / d
  const twice = (n % d) * 2n
  return twice > d || (twice === d && (q & 1n) === 1n) ? q + 1n : q
}

/** |x| rounded to `p` decimals, as the digits of |x| * 10^p (at least p + 1 of them). */
function fixedDigits(x: number, p: number): string {
  if (x === 0) return '0'.repeat(p + 1)
  const [num, den] = exactRatio(x)
  return roundHalfEven(num * pow10(p), den).toString().padStart(p + 1, '0')
}

/** |x| rounded to p + 1 significant digits: [the digits, the decimal exponent of the first]. */
function expDigits(x: number, p: number): [string, number] {
  if (x === 0) return ['0'.repeat(p + 1), 0]
  const [num, den] = exactRatio(x)
  // k = floor(log10|x|): an estimate from the double, then made exact
  let k = Math.floor(Math.log10(Math.abs(x)))
  const atLeast = (k: number): boolean => (k >= 0 ? num >= pow10(k) * den : num * pow10(-k) >= den)
  while (!atLeast(k)) k--
  while (atLeast(k + 1)) k++
  const shift = p - k
  let q = shift >= 0 ? roundHalfEven(num * pow10(shift), den) : roundHalfEven(num, den * pow10(-shift))
  if (q === pow10(p + 1)) {
    q = pow10(p)
    k++
  }
  return [q.toString(), k]
}

function expForm(digits: string, k: number, alt: boolean): string {
  const mant = digits.length > 1 || alt ? digits[0] + '.' + digits.slice(1) : digits
  return mant + 'e' + (k < 0 ? '-' : '+') + String(Math.abs(k)).padStart(2, '0')
}

function fixedForm(digits: string, p: number, alt: boolean): string {
  if (p === 0) return alt ? digits + '.' : digits
  return digits.slice(0, digits.length - p) + '.' + digits.slice(digits.length - p)
}

/** The digits part of a conversion of |x| (finite), lower case. */
function body(x: number, conv: string, precision: number, alt: boolean): string {
  if (conv === 'f') return fixedForm(fixedDigits(x, precision), precision, alt)
  if (conv === 'e') {
    const [d, k] = expDigits(x, precision)
    return expForm(d, k, alt)
  }
  // g: P significant digits; %e's exponent after rounding decides between the two forms
  const P = precision === 0 ? 1 : precision
  const [d, X] = expDigits(x, P - 1)
  let s = P > X && X >= -4 ? fixedForm(fixedDigits(x, P - 1 - X), P - 1 - X, alt) : expForm(d, X, alt)
  if (!alt) {
    const e = s.indexOf('e')
    s = e < 0 ? stripZeros(s) : stripZeros(s.slice(0, e)) + s.slice(e)
  }
  return s
}

/** printf of one double with one conversion. */
export function cFormatDouble(x: number, spec: CDoubleSpec): string {
  const upper = spec.conv === spec.conv.toUpperCase()
  const conv = spec.conv.toLowerCase()
  const flags = spec.flags ?? ''
  const neg = signBit(x)
  const sign = neg ? '-' : flags.includes('+') ? '+' : flags.includes(' ') ? ' ' : ''
  const finite = Number.isFinite(x)
  let s = finite ? body(Math.abs(x), conv, spec.precision ?? 6, flags.includes('#')) : Number.isNaN(x) ? 'nan' : 'inf'
  if (upper) s = s.toUpperCase()
  const width = spec.width ?? 0
  if (sign.length + s.length >= width) return sign + s
  if (flags.includes('-')) return (sign + s).padEnd(width)
  if (flags.includes('0') && finite) return sign + s.padStart(width - sign.length, '0')
  return (sign + s).padStart(width)
}

/**
 * printf("%.<precision>g", x). Hot (every double in a reply): JavaScript's own rounding is used
 * unless the digit after the last kept one is a 5, the only case where it can differ from C's.
 */
export function formatG(x: number, precision: number): string {
  const P = precision === 0 ? 1 : precision
  if (!Number.isFinite(x) || x === 0 || P > 17) return cFormatDouble(x, {conv: 'g', precision})
  const probe = x.toExponential(P)
  if (probe.charCodeAt(probe.indexOf('e') - 1) === 53) return cFormatDouble(x, {conv: 'g', precision})
  const e = x.toExponential(P - 1)
  const xe = Number(e.slice(e.indexOf('e') + 1))
  if (xe < -4 || xe >= P) {
    const mant = stripZeros(e.slice(0, e.indexOf('e')))
    const ax = Math.abs(xe)
    return mant + 'e' + (xe < 0 ? '-' : '+') + (ax < 10 ? '0' + ax : String(ax))
  }
  return stripZeros(x.toFixed(P - 1 - xe))
}

function stripZeros(s: string): string {
  if (!s.includes('.')) return s
  let end = s.length
  while (s.charCodeAt(end - 1) === 48) end--
  if (s.charCodeAt(end - 1) === 46) end--
  return s.slice(0, end)
}

/** redis trimDoubleString of "%f": 50 -> "50", 99.9 -> "99.9" (latency percentiles' names). */
export function trimDoubleString(x: number): string {
  return stripZeros(cFixed(x, 6))
}

/** printf("%.<p>f", x). */
export function cFixed(x: number, p: number): string {
  return cFormatDouble(x, {conv: 'f', precision: p})
}

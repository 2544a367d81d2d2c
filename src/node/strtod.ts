// C's strtod as redis reads doubles with it: the whole string, hex floats and inf included.

const FLOAT_BODY = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$|^[+-]?0x[0-9a-f]*\.?[0-9a-f]*(p[+-]?\d+)?$|^[+-]?(inf|infinity)$/i

/** C strtod consuming the whole string (leading blanks allowed, "" is 0), NaN rejected. */
export function strtodWhole(s: string): number | null {
  if (s.length === 0) return 0
  const t = s.replace(/^[ \t\n\v\f\r]+/, '')
  if (!FLOAT_BODY.test(t)) return null
  const l = t.toLowerCase().replace(/^\+/, '')
  if (l === 'inf' || l === 'infinity') return Infinity
  if (l === '-inf' || l === '-infinity') return -Infinity
  if (/^[+-]?0x/i.test(t)) {
    const neg = t.startsWith('-')
    const v = parseInt(t.replace(/^[+-]?0x/i, '') || '0', 16)
    return Number.isNaN(v) ? 0 : neg ? -v : v
  }
  return Number(t)
}

/**
 * redis getDoubleFromObject (ZADD scores, WEIGHTS) and string2d (latency-tracking-info-percentiles):
 * whole-string strtod, no leading blank, overflow to +-inf or underflow to 0 (ERANGE) rejected,
 * "inf" literals accepted.
 */
export function getDouble(s: string): number | null {
  if (s.length === 0) return null
  const c = s.charCodeAt(0)
  if (c === 32 || (c >= 9 && c <= 13)) return null
  const v = strtodWhole(s)
  if (v === null) return null
  if (!Number.isFinite(v) && !/inf/i.test(s)) return null
  if (v === 0 && /^[^e]*[1-9]/i.test(s.replace(/^[+-]?0x/i, ''))) return null
  return v
}

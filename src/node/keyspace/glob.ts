// Glob matching with redis util.c stringmatchlen semantics (KEYS, SCAN MATCH, PSUBSCRIBE,
// CONFIG GET). Ported with the skipLongerMatches short-circuit from the CVE-2022-36021 fix,
// which keeps "*a*a*a...b" patterns polynomial, plus a nesting cap (CVE-2024-31228 class) so
// a pattern of thousands of stars cannot exhaust the stack.

const MAX_NESTING = 1000

function lower(c: number): number {
  return c >= 65 && c <= 90 ? c + 32 : c
}

export function globMatch(pattern: string, str: string, nocase = false): boolean {
  const skip = {v: false}
  return matchImpl(pattern, 0, str, 0, nocase, skip, 0)
}

function matchImpl(p: string, pi: number, s: string, si: number, nocase: boolean, skip: {v: boolean}, nesting: number): boolean {
  if (nesting > MAX_NESTING) return false
  const plen = p.length
  const slen = s.length
  while (pi < plen && si < slen) {
    const pc = p.charCodeAt(pi)
    switch (pc) {
      case 42: {
        // '*'
        while (pi + 1 < plen && p.charCodeAt(pi + 1) === 42) pi++
        if (pi + 1 === plen) return true
        while (si < slen) {
          if (matchImpl(p, pi + 1, s, si, nocase, skip, nesting + 1)) return true
          if (skip.v) return false
          si++
        }
        skip.v = true
        return false
      }
      case 63: // '?'
        si++
        break
      case 91: {
        // '['
        pi++
        const not = p.charCodeAt(pi) === 94
        if (not) pi++
        let match = false
        const c = s.charCodeAt(si)
        for (;;) {
          if (pi < plen && p.charCodeAt(pi) === 92 && plen - pi >= 2) {
            pi++
            if (p.charCodeAt(pi) === c) match = true
          } else if (pi < plen && p.charCodeAt(pi) === 93) {
            break
          } else if (pi >= plen) {
            pi--
            break
          } else if (plen - pi >= 3 && p.charCodeAt(pi + 1) === 45) {
            let start = p.charCodeAt(pi)
            let end = p.charCodeAt(pi + 2)
            let cc = c
            if (start > end) [start, end] = [end, start]
            if (nocase) {
              start = lower(start)
              end = lower(end)
              cc = lower(cc)
            }
            pi += 2
            if (cc >= start && cc <= end) match = true
          } else if (nocase ? lower(p.charCodeAt(pi)) === lower(c) : p.charCodeAt(pi) === c) {
            match = true
          }
          pi++
        }
        if (not) match = !match
        if (!match) return false
        si++
        break
      }
      default: {
        if (pc === 92 && plen - pi >= 2) pi++ // '\\' escapes the next pattern char
        const a = p.charCodeAt(pi)
        const b = s.charCodeAt(si)
        if (nocase ? lower(a) !== lower(b) : a !== b) return false
        si++
      }
    }
    pi++
    if (si === slen) {
      while (pi < plen && p.charCodeAt(pi) === 42) pi++
      break
    }
  }
  return pi >= plen && si === slen
}

// oclif's parse errors are several lines ("Parsing --masters \n\tExpected an integer …\nSee more help
// with --help") that a one-line printer cuts to nothing useful: turn them into one line that names
// the flag or argument and says why, plus a usage hint. The same text goes into --json.

export interface CommandShape {
  id?: string
  args?: Record<string, {required?: boolean; description?: string}>
}

export function usageLine(bin: string, cmd: CommandShape): string {
  const args = Object.entries(cmd.args ?? {}).map(([name, a]) => (a.required ? name.toUpperCase() : `[${name.toUpperCase()}]`))
  return `${bin} ${(cmd.id ?? '').replace(/:/g, ' ')}${args.length ? ' ' + args.join(' ') : ''} [FLAGS]`
}

function flagReason(flag: string, inner: string): string {
  let m = /^Expected an integer greater than or equal to (-?\d+) but received: (.*)$/.exec(inner)
  if (m) {
    if (m[1] === '0') return `${flag} ${m[2]}: must be a non-negative integer`
    return `${flag} ${m[2]}: must be at least ${m[1]}${flag === '--masters' ? ' (a cluster needs at least 3 masters)' : ''}`
  }
  m = /^Expected an integer less than or equal to (-?\d+) but received: (.*)$/.exec(inner)
  if (m) return `${flag} ${m[2]}: must be at most ${m[1]}`
  m = /^Expected an integer but received: (.*)$/.exec(inner)
  if (m) return `${flag} ${m[1]}: not a number (expected an integer)`
  return `${flag}: ${inner}`
}

/** One line for an oclif parse error, and a usage hint; other errors pass through unchanged. */
export function describeParseError(message: string, cmd: CommandShape, bin: string): {message: string; hint?: string} {
  const lines = message.split('\n').map((l) => l.trim()).filter((l) => l && !/^See more help with/.test(l))
  const usage = `Usage: ${usageLine(bin, cmd)} (see --help)`
  let m = /^Parsing (--?[\w-]+)\s*$/.exec(lines[0] ?? '')
  if (m) return {message: flagReason(m[1], lines.slice(1).join(' ')), hint: usage}
  m = /^Missing (\d+) required args?:$/.exec(lines[0] ?? '')
  if (m) {
    const missing = lines.slice(1).map((l) => {
      const [name, ...desc] = l.split(/\s{2,}/)
      return `${name.toUpperCase()}${desc.length ? ` (${desc.join(' ')})` : ''}`
    })
    return {message: `Missing required argument${missing.length > 1 ? 's' : ''}: ${missing.join(', ')}`, hint: usage}
  }
  if (lines.length > 1 || /^(Nonexistent flag|Unexpected argument)/.test(lines[0] ?? '')) return {message: lines.join('; '), hint: usage}
  return {message: lines[0] ?? message}
}

export function levenshtein(a: string, b: string): number {
  const d = Array.from({length: b.length + 1}, (_, i) => i)
  for (let i = 1; i <= a.length; i++) {
    let prev = d[0]
    d[0] = i
    for (let j = 1; j <= b.length; j++) {
      const cur = d[j]
      d[j] = Math.min(d[j] + 1, d[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1))
      prev = cur
    }
  }
  return d[b.length]
}

/** The closest command id to the words typed (`chek 127.0.0.1:7000` → check), if close enough. */
export function suggestCommand(words: string[], ids: string[]): {id: string; typed: string; rest: string[]} | undefined {
  let best: {id: string; typed: string; rest: string[]; dist: number} | undefined
  for (let k = 1; k <= Math.min(2, words.length); k++) {
    const typed = words.slice(0, k).join(':')
    for (const id of ids) {
      const dist = levenshtein(typed, id)
      if (dist <= Math.max(1, Math.floor(id.length / 3)) && (!best || dist < best.dist)) best = {id, typed, rest: words.slice(k), dist}
    }
  }
  return best && {id: best.id, typed: best.typed, rest: best.rest}
}

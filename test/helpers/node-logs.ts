// Node logs in a failing test's report, so a CI log alone shows what the nodes did (a test's after()
// hook deletes its directories before anyone can look at them). test/run.mjs preloads this module
// into every test file's process (--import): it points TMPDIR at a directory of that file's own, so
// every temp dir the file makes (os.tmpdir()) and every node it starts lands under it, and when a test
// fails it reports, as diagnostics of that test, the tail of each *.log written there meanwhile.
import {existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join, relative} from 'node:path'
import {afterEach, beforeEach} from 'node:test'

/** Log files under `dir` (recursively) last written at or after `since` (ms since the epoch). */
function logFiles(dir: string, since: number): string[] {
  if (!existsSync(dir)) return []
  const out: string[] = []
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name)
    try {
      const st = statSync(p)
      if (st.isDirectory()) out.push(...logFiles(p, since))
      else if (name.endsWith('.log') && st.mtimeMs >= since) out.push(p)
    } catch {
      // removed meanwhile
    }
  }
  return out
}

/** The last `lines` lines of each log under `root` written since `since`, one block per file. */
function logTails(root: string, lines = 40, since = 0): string[] {
  return logFiles(root, since).map((f) => {
    const all = readFileSync(f, 'latin1').trimEnd().split('\n')
    return `--- ${relative(root, f)} (last ${Math.min(lines, all.length)} of ${all.length} lines)\n${all.slice(-lines).join('\n')}`
  })
}

{
  const root = mkdtempSync(join(tmpdir(), 'redis-ts-file-'))
  process.env.TMPDIR = root
  const lines = Number(process.env.REDIS_TS_TEST_LOG_LINES ?? 40)
  let started = 0
  beforeEach(() => {
    started = Date.now()
  })
  afterEach((t) => {
    if (!('diagnostic' in t) || (t as unknown as {passed: boolean}).passed) return
    // mtime has a coarse granularity on some filesystems: a second of slack.
    for (const block of logTails(root, lines, started - 1000)) t.diagnostic(block)
  })
  process.on('exit', () => rmSync(root, {recursive: true, force: true}))
}

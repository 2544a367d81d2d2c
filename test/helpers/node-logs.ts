// Node logs in a failing test's report: the tail of every *.log file under a test's temp root,
// printed as diagnostics of the failing test, so a CI log alone shows what the nodes did (the
// test's after() hook deletes the directories before anyone can look at them).
import {existsSync, readdirSync, readFileSync, statSync} from 'node:fs'
import {join, relative} from 'node:path'
import type {TestContext} from 'node:test'

function logFiles(dir: string): string[] {
  if (!existsSync(dir)) return []
  const out: string[] = []
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name)
    let st
    try {
      st = statSync(p)
    } catch {
      continue // removed meanwhile
    }
    if (st.isDirectory()) out.push(...logFiles(p))
    else if (name.endsWith('.log')) out.push(p)
  }
  return out
}

/** The last `lines` lines of each log file under `root`, one block per file, headed by its path. */
export function logTails(root: string, lines = 40): string[] {
  return logFiles(root).map((f) => {
    const all = readFileSync(f, 'latin1').trimEnd().split('\n')
    return `--- ${relative(root, f)} (last ${Math.min(lines, all.length)} of ${all.length} lines)\n${all.slice(-lines).join('\n')}`
  })
}

/** Runs `fn`; when it throws, reports the log tails under `root` as diagnostics of `t`, then rethrows. */
export async function withLogTails<T>(t: TestContext, root: string, fn: () => Promise<T>, lines = 40): Promise<T> {
  try {
    return await fn()
  } catch (err) {
    for (const block of logTails(root, lines)) t.diagnostic(block)
    throw err
  }
}

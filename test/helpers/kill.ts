// Stopping test servers by PID, their fork children included.
import {execFileSync, type ChildProcess} from 'node:child_process'

/** Direct children of pid (a fork child), from pgrep as Redis's own tests read them. */
export function childrenOf(pid: number): number[] {
  try {
    return execFileSync('pgrep', ['-P', String(pid)], {encoding: 'utf8'}).split('\n').filter(Boolean).map(Number)
  } catch {
    return [] // pgrep exits 1 when there is none
  }
}

/**
 * SIGKILL a server process and its fork children, all by PID: a BGSAVE or diskless-sync child
 * (redis-rdb-to-slaves) outlives a redis-server killed alone. The server is stopped first, so it
 * cannot fork between the listing and the kill.
 */
export function killWithChildren(proc: ChildProcess): void {
  const pid = proc.pid
  if (pid === undefined || proc.exitCode !== null || proc.signalCode !== null) return
  try {
    process.kill(pid, 'SIGSTOP')
  } catch {
    return // already gone
  }
  for (const child of childrenOf(pid)) {
    try {
      process.kill(child, 'SIGKILL')
    } catch {
      // exited meanwhile
    }
  }
  proc.kill('SIGKILL')
}

// Attached local clusters (the programmatic API) must not outlive the process that started them:
// on exit (normal, process.exit, uncaught error) and on SIGINT/SIGTERM/SIGHUP their nodes are
// killed and ephemeral directories removed, synchronously, since nothing async runs in 'exit'.
import {rmSync} from 'node:fs'

interface Tracked {
  pids: () => number[]
  /** directory to remove at exit (ephemeral clusters only) */
  removeDir?: string
}

const tracked = new Set<Tracked>()
let installed = false
const SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP']

function killAll(): void {
  for (const t of tracked) {
    for (const pid of t.pids()) {
      try {
        process.kill(pid, 'SIGKILL')
      } catch {
        // already gone
      }
    }
    if (t.removeDir) rmSync(t.removeDir, {recursive: true, force: true})
  }
  tracked.clear()
}

function onSignal(sig: NodeJS.Signals): void {
  killAll()
  // Alone on this signal: keep the default behaviour (terminate with the signal) after cleaning up.
  if (process.listenerCount(sig) === 1) {
    process.removeListener(sig, onSignal)
    process.kill(process.pid, sig)
  }
}

function install(): void {
  if (installed) return
  installed = true
  process.on('exit', killAll)
  for (const s of SIGNALS) process.on(s, onSignal)
}

function uninstall(): void {
  if (!installed || tracked.size > 0) return
  installed = false
  process.removeListener('exit', killAll)
  for (const s of SIGNALS) process.removeListener(s, onSignal)
}

/** Track a cluster's pids until the returned function is called (by stop()). */
export function trackForExit(t: Tracked): () => void {
  tracked.add(t)
  install()
  return () => {
    tracked.delete(t)
    uninstall()
  }
}

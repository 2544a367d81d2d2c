// Single-process local clusters (`create --single-process`): the embedded nodes one CLI command
// starts run in one Node.js process, `main.cjs --host` (src/node/host.ts), each with a small stub
// process whose pid stands for the node (state file, pidfile, stop, kill-node). One V8 instance
// warms up once for all of them: a first reshard runs ~1.2× redis-server's time instead of ~1.8×
// with a process per node, and six idle nodes take a fraction of the memory (README, bench/).
// What it costs: the nodes share one event loop (DEBUG SLEEP on one stalls all), and a node cannot
// be paused by a signal (kill-node refuses SIGSTOP and the like).
// Light on purpose (node built-ins and warm.ts only): bin/run.js starts a warm host through it.
import type {ChildProcess} from 'node:child_process'
import {createInterface} from 'node:readline'
import {spawnHostProcess, takeWarmHost} from './warm.js'

/** A host process the CLI (or the API) started and can hand nodes to. */
export class NodeHost {
  private readonly waiting: {resolve: (pid: number) => void; reject: (e: Error) => void}[] = []
  private gone: Error | undefined

  constructor(readonly child: ChildProcess & {pid: number}) {
    child.on('error', (e) => this.fail(e))
    child.on('exit', () => this.fail(new Error('the node host process exited')))
    child.stdin?.on('error', () => {})
    createInterface({input: child.stdout!}).on('line', (line) => {
      const w = this.waiting.shift()
      if (!w) return
      try {
        const r = JSON.parse(line) as {pid?: number; error?: string}
        if (typeof r.pid === 'number') w.resolve(r.pid)
        else w.reject(new Error(r.error ?? 'the node host refused the node'))
      } catch {
        w.reject(new Error(`the node host answered: ${line}`))
      }
      this.refWhileWaiting()
    })
    this.refWhileWaiting()
  }

  /** Start a node from its config file; resolves with its stub's pid (the node starts meanwhile). */
  start(conf: string, dir: string): Promise<number> {
    if (this.gone) return Promise.reject(this.gone)
    return new Promise((resolve, reject) => {
      this.waiting.push({resolve, reject})
      this.refWhileWaiting()
      this.child.stdin!.write(JSON.stringify({argv: [conf], cwd: dir}) + '\n')
    })
  }

  /** No more nodes from here (a detached host lives on with the ones it has). */
  close(): void {
    this.child.stdin?.end()
  }

  private fail(e: Error): void {
    this.gone ??= e
    for (const w of this.waiting.splice(0)) w.reject(e)
    this.refWhileWaiting()
  }

  // The host never keeps this process alive by itself, only while an answer is awaited.
  private refWhileWaiting(): void {
    const handles = [this.child, this.child.stdout, this.child.stdin] as unknown as ({ref?: () => void; unref?: () => void} | null)[]
    for (const h of handles) {
      if (this.waiting.length > 0) h?.ref?.()
      else h?.unref?.()
    }
  }
}

/** A host for nodes started now: the warm one bin/run.js started (same detachment), else a new one. */
export function startHost(detached: boolean): NodeHost {
  return new NodeHost(takeWarmHost(detached) ?? spawnHostProcess(detached))
}

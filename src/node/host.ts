// One process hosting several embedded nodes (`redis-ts create --single-process`, src/local/host.ts):
// `main.cjs --host [--attached]` reads one JSON line per node on stdin, `{"argv": [...], "cwd":
// "..."}` (the node's command line, as for `main.cjs --warm`), starts that node in this process and
// answers `{"pid": n}` or `{"error": "..."}` on stdout, in order.
//
// Each node keeps a process of its own to stand for it: a tiny bash (the "stub", a child of this
// process, `redis-ts-node <port> <conf>` in its command line) whose pid is the node's pid for the
// local cluster's tools (state file, pidfile, `local status`, `kill-node`, `stop`). Signals sent
// to the stub act on its node only: SIGTERM / SIGINT are the node's shutdown signals (a clean
// shutdown, the final save); SIGKILL, or any signal that ends the stub, is the node's crash (it
// stops at once, saving nothing, its connections dropped); SIGHUP is ignored, as redis-server
// ignores it. A node that ends (SHUTDOWN, a signal, DEBUG SEGFAULT, a panic) ends its stub with the
// exit status its own process would have had. SIGTSTP (trapped) or SIGSTOP (the host sees the stub
// stopped, in /proc) stops the node alone — it reads nothing, accepts nobody, runs no cron
// (NodeServer.freeze) — until SIGCONT; DEBUG SLEEP freezes its node alone the same way. INFO's
// process_id and the log lines carry the stub's pid.
//
// What nodes in one process share: its CPU and its event loop (a long script or a slow command on
// one node delays all of them) and its V8 heap.
// The process exits once its last node has ended. Detached (the CLI's clusters): closing stdin
// only means no more nodes. `--attached` (the programmatic API's): stdin closing — its parent exiting,
// however it exits — crashes every node and ends the process, so none outlives its test run.
import {spawn, type ChildProcess} from 'node:child_process'
import {existsSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {createInterface} from 'node:readline'
import {HostedNodeDied, setHostedDeath} from './crash.js'
import {startNode} from './index.js'
import {loadNodeConfig, shutdownSignal} from './run.js'
import {Logger, logfilePath} from './log.js'
import {NodeStartError} from './errors.js'
import {LoadAborted} from './persistence/loading.js'
import type {NodeServer} from './server.js'
import type {ClusterModule} from './commands/types.js'
import {createCluster} from './cluster/index.js'

// The stub: trapped TERM / INT are printed for the host (a trapped signal interrupts `read`, which
// then returns > 128 and the loop goes on); "exit <status>" on stdin ends it with that status;
// stdin closed (the host is gone) ends it too.
const STUB = [
  `trap '' HUP`,
  `trap 'echo TERM' TERM`,
  `trap 'echo INT' INT`,
  `trap 'echo TSTP' TSTP`,
  `trap 'echo CONT' CONT`,
  'while :; do',
  '  read -r l; rc=$?',
  '  if [ $rc -gt 128 ]; then continue; fi',
  '  if [ $rc -ne 0 ]; then exit 0; fi',
  '  case "$l" in exit\\ *) exit "${l#exit }";; esac',
  'done',
].join('\n')

class HostedNode {
  readonly stub: ChildProcess & {pid: number}
  server?: NodeServer
  /** its cluster layer, as soon as made (a node killed while starting stops it too) */
  cluster?: ClusterModule
  /** the node has stopped (clean shutdown or crash): the stub is told, or is gone already */
  private ended = false

  constructor(
    argv: string[],
    port: number,
    private readonly onGone: (n: HostedNode) => void,
  ) {
    // The script comes through the environment: `ps` shows "bash -c eval … redis-ts-node <port> <conf>".
    const stub = spawn('bash', ['-c', 'eval "$REDIS_TS_NODE_STUB"', 'redis-ts-node', String(port), ...argv], {stdio: ['pipe', 'pipe', 'ignore'], env: {...process.env, REDIS_TS_NODE_STUB: STUB}})
    if (stub.pid === undefined) throw new Error('could not start the node\'s stub process')
    this.stub = stub as ChildProcess & {pid: number}
    stub.stdin?.on('error', () => {})
    stub.on('error', () => {})
    createInterface({input: stub.stdout!}).on('line', (l) => {
      if (l === 'TERM' || l === 'INT') this.signal(`SIG${l}`)
      // SIGTSTP / SIGCONT: the node stops as a stopped process does, and goes on (the stub itself
      // cannot be stopped that way: SIGSTOP would stop the stub only)
      else if (l === 'TSTP' || l === 'CONT') this.server?.freeze('stop', l === 'TSTP')
    })
    stub.on('exit', () => {
      // Not told to exit: the stub was killed, which is the node being killed.
      if (!this.ended) this.crash(null)
      this.onGone(this)
    })
  }

  /** What run.ts does on SIGTERM / SIGINT: the cron runs the shutdown (a second SIGINT: at once). */
  private signal(sig: 'SIGTERM' | 'SIGINT'): void {
    if (!this.server) return this.finish(0) // not listening yet: nothing to save
    if (shutdownSignal(this.server, sig)) this.crash(1)
  }

  /** Listening: the pidfile (with the stub's pid), how the node dies, what ends it. */
  listening(srv: NodeServer): void {
    this.server = srv
    srv.hosted = true
    const pidfile = srv.config.get('pidfile')
    if (pidfile) writeFileSync(pidfile, `${this.stub.pid}\n`)
    setHostedDeath(srv, (status) => this.crash(status))
    // A failed assertion: exit 1 under use-exit-on-panic, else abort (134), as run.ts.
    srv.once('panic', () => this.crash(srv.config.bool('use-exit-on-panic') ? 1 : 134))
    srv.once('shutdown', () => {
      void (async () => {
        await this.cluster?.stop?.()
        if (pidfile) rmSync(pidfile, {force: true})
        this.finish(0)
      })()
    })
  }

  /**
   * The node's process dying: nothing more is saved or logged, every connection and timer goes.
   * `status` null: the stub is gone already (killed); else the status the stub exits with.
   */
  crash(status: number | null): void {
    if (this.ended) return
    this.ended = true
    const srv = this.server
    if (srv) {
      srv.log.silent = true
      srv.removeAllListeners('shutdown')
      srv.removeAllListeners('panic')
      // Connections and listeners go now (close()'s first, synchronous part), the bus with them
      // (its port is free for a restart at once; nodes.conf is not written again); the rest
      // (replication links, AOF timers) through a shutdown that saves nothing.
      void srv.close()
      this.cluster?.kill?.()
      void srv.shutdown(null, {nosave: true, now: true, force: true}).catch(() => {})
    }
    if (status !== null) this.tellStub(status)
  }

  /** The node has stopped cleanly (or never started): its stub exits with `status`. */
  finish(status: number): void {
    if (this.ended) return
    this.ended = true
    this.tellStub(status)
  }

  private tellStub(status: number): void {
    if (this.stub.exitCode === null && this.stub.signalCode === null) this.stub.stdin?.write(`exit ${status}\n`)
  }

  /** A start that failed: the reason in the node's log (or the host's stderr), status 1. */
  failed(e: unknown): void {
    // A shutdown while loading: the shutdown path ends the node.
    if (e instanceof LoadAborted) return
    const msg = e instanceof NodeStartError ? e.message : e instanceof Error ? (e.stack ?? e.message) : String(e)
    const status = e instanceof NodeStartError ? e.exitCode : 1
    if (this.server) {
      this.server.log.warning(msg)
      this.crash(status)
    } else {
      process.stderr.write(`${msg}\n`)
      this.finish(status)
    }
  }
}

/** The process is stopped (state T: SIGSTOP, SIGTTIN ...; t: traced). */
function stubStopped(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1')
    const state = stat[stat.lastIndexOf(')') + 2]
    return state === 'T' || state === 't'
  } catch {
    return false
  }
}

export async function runHost(attached: boolean): Promise<void> {
  const nodes = new Set<HostedNode>()
  let inputClosed = false
  // Done once the last node has ended (or none is coming): a host never serves an empty cluster.
  let hadNodes = false
  const maybeExit = () => {
    if (nodes.size === 0 && (inputClosed || hadNodes)) process.exit(0)
  }
  const reply = (o: object) => {
    if (process.stdout.writable) process.stdout.write(JSON.stringify(o) + '\n')
  }
  process.stdout.on('error', () => {})
  // The host's own signals (a terminal's Ctrl-C in attached mode, a supervisor): every node shuts down.
  for (const sig of ['SIGTERM', 'SIGINT'] as const) process.on(sig, () => {
    for (const n of nodes) n.stub.kill(sig)
  })
  process.on('SIGHUP', () => {})
  // A bug in one node's code must not leave the others half-alive with nobody to notice: each
  // node logs it and crashes (the stubs exit), then the process ends.
  process.on('uncaughtException', (e) => {
    if (e instanceof HostedNodeDied) return
    for (const n of nodes) {
      n.server?.log.warning(`redis-ts host process: uncaught exception: ${e.stack ?? e.message}`)
      n.crash(1)
    }
    process.stderr.write(`${e.stack ?? e.message}\n`)
    setTimeout(() => process.exit(1), 200)
  })
  // One request line: its node's stub is spawned and its pid answered at once; the node starts in
  // the background (the next line does not wait for it).
  const start = (line: string) => {
    let req: {argv: string[]; cwd: string}
    let config
    try {
      req = JSON.parse(line) as {argv: string[]; cwd: string}
      process.chdir(req.cwd)
      config = loadNodeConfig(req.argv)
    } catch (e) {
      return reply({error: (e as Error).message})
    }
    const node = new HostedNode(req.argv, config.int('port') || config.int('tls-port'), (n) => {
      nodes.delete(n)
      maybeExit()
    })
    nodes.add(node)
    hadNodes = true
    reply({pid: node.stub.pid})
    const clusterFactory = async (srv: NodeServer) => (node.cluster = await createCluster(srv))
    // the node's log lines and INFO's process_id carry its stub's pid (the pid that stands for it)
    const logger = new Logger()
    logger.pid = node.stub.pid
    logger.file = logfilePath(config)
    startNode({config, logger, clusterFactory, onListening: (srv) => node.listening(srv)}).catch((e: unknown) => node.failed(e))
  }
  // A stub stopped by SIGSTOP (which it cannot trap): its node stops as its own process would, and
  // goes on when the stub is continued (Linux: the stub's state in /proc).
  if (existsSync('/proc/self/stat')) {
    setInterval(() => {
      for (const n of nodes) n.server?.freeze('sigstop', stubStopped(n.stub.pid))
    }, 100).unref()
  }
  const input = createInterface({input: process.stdin})
  input.on('line', (l) => {
    if (l.trim() !== '') start(l)
  })
  input.on('close', () => {
    inputClosed = true
    if (attached) for (const n of nodes) n.stub.kill('SIGKILL')
    maybeExit()
  })
  process.stdin.on('error', () => {})
}

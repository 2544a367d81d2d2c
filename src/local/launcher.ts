// Spawning node processes for local clusters: embedded `redis-ts node` (lean entry, no oclif) or a
// real redis-server binary; detached so they outlive the CLI, or attached for test suites. Every
// node gets a redis.conf in its directory (so CONFIG REWRITE works and a restart reads the same
// settings) next to its nodes.conf (so it comes back with the same id).
import {spawn, type ChildProcess} from 'node:child_process'
import {accessSync, constants, existsSync, mkdirSync, readFileSync, statSync, writeFileSync} from 'node:fs'
import {delimiter, dirname, isAbsolute, join, resolve} from 'node:path'
import {fileURLToPath} from 'node:url'
import {RedisTsError} from '../errors.js'
import type {Persistence} from './state.js'

export interface NodeProcessSpec {
  port: number
  busPort: number
  dir: string
  nodeTimeoutMs: number
  password?: string
  /** 'embedded' or the path of a redis-server binary */
  server: string
  detached: boolean
  /** listen address (default 127.0.0.1) */
  bind?: string
  announceIp?: string
  /** default 'rdb' (Redis's default save points; SIGTERM saves) */
  persistence?: Persistence
}

export interface SpawnedNode {
  port: number
  busPort: number
  dir: string
  pid: number
  child?: ChildProcess
}

/** The package root (where package.json of redis-ts lives). */
export function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url))
  for (let i = 0; i < 6; i++) {
    const pj = join(dir, 'package.json')
    if (existsSync(pj) && JSON.parse(readFileSync(pj, 'utf8')).name === 'redis-ts') return dir
    dir = dirname(dir)
  }
  throw new Error('cannot locate the redis-ts package root')
}

/** How to start one embedded node process: the compiled lean entry, else the sources through tsx. */
export function embeddedCommand(): {cmd: string; args: string[]} {
  const root = packageRoot()
  // REDIS_TS_NODE_ARGS: extra Node.js flags for every embedded node (e.g. --cpu-prof --cpu-prof-dir=/tmp/p).
  const extra = (process.env.REDIS_TS_NODE_ARGS ?? '').split(/\s+/).filter(Boolean)
  // main.cjs: the built entry as CommonJS (no ES module loader to start); main.js: the same, as ESM.
  for (const entry of ['main.cjs', 'main.js']) {
    const built = join(root, 'dist', 'src', 'node', entry)
    if (existsSync(built)) return {cmd: process.execPath, args: [...extra, built]}
  }
  return {cmd: process.execPath, args: [...extra, '--import', 'tsx', join(root, 'src', 'node', 'main.ts')]}
}

/** Directives as [name, ...values]; the same list feeds the command line and redis.conf. */
export function nodeDirectives(s: NodeProcessSpec): string[][] {
  const persistence = s.persistence ?? 'rdb'
  const d: string[][] = [
    ['port', String(s.port)],
    ['bind', s.bind ?? '127.0.0.1'],
    ['cluster-enabled', 'yes'],
    ['cluster-port', String(s.busPort)],
    ['cluster-config-file', 'nodes.conf'],
    ['cluster-node-timeout', String(s.nodeTimeoutMs)],
    ['dir', resolve(s.dir)],
    ['logfile', resolve(s.dir, 'node.log')],
    ['pidfile', resolve(s.dir, 'node.pid')],
    // rdb: Redis's default save points, so SIGTERM/SHUTDOWN writes dump.rdb (with the replication
    // id and offset) and the node comes back with its data; none: nothing on disk but nodes.conf.
    ...(persistence === 'none' ? [['save', '']] : []),
    ['appendonly', persistence === 'aof' ? 'yes' : 'no'],
    // A local cluster's replicas sync at once instead of waiting for more replicas to share the snapshot.
    ['repl-diskless-sync-delay', '0'],
  ]
  if (s.announceIp) d.push(['cluster-announce-ip', s.announceIp], ['replica-announce-ip', s.announceIp])
  if (s.password) d.push(['requirepass', s.password], ['masterauth', s.password])
  return d
}

export function nodeArgs(s: NodeProcessSpec): string[] {
  return nodeDirectives(s).flatMap(([k, ...v]) => [`--${k}`, ...v])
}

function confValue(v: string): string {
  return v === '' || /[\s"'\\]/.test(v) ? JSON.stringify(v) : v
}

/** Write <dir>/redis.conf (mode 0600: it may hold the password) and return its path. */
export function writeNodeConfig(s: NodeProcessSpec): string {
  mkdirSync(s.dir, {recursive: true})
  const file = resolve(s.dir, 'redis.conf')
  const lines = ['# Written by redis-ts for a local cluster node; CONFIG REWRITE updates it.', ...nodeDirectives(s).map(([k, ...v]) => `${k} ${v.map(confValue).join(' ')}`)]
  writeFileSync(file, lines.join('\n') + '\n', {mode: 0o600})
  return file
}

/** Resolve and check the server binary before spawning, so a bad --server path is one clear error. */
export function resolveServer(server: string): string {
  if (server === 'embedded') return server
  const candidates = server.includes('/') || isAbsolute(server) ? [resolve(server)] : (process.env.PATH ?? '').split(delimiter).filter(Boolean).map((p) => join(p, server))
  for (const c of candidates) {
    try {
      if (!statSync(c).isFile()) continue
      accessSync(c, constants.X_OK)
      return c
    } catch {
      // next candidate
    }
  }
  throw new RedisTsError('usage', `--server ${server}: no executable file found${server.includes('/') ? '' : ' on PATH'}`, {hint: 'Pass "embedded" or the path of a redis-server binary (e.g. --server /usr/bin/redis-server).'})
}

export function spawnNode(s: NodeProcessSpec): SpawnedNode {
  const conf = writeNodeConfig(s)
  const {cmd, args} = s.server === 'embedded' ? embeddedCommand() : {cmd: resolveServer(s.server), args: []}
  // A node started from inside a `node --test` file must not inherit the test runner's channel.
  const {NODE_TEST_CONTEXT: _t, ...env} = process.env
  const child = spawn(cmd, [...args, conf], {
    detached: s.detached,
    stdio: 'ignore',
    cwd: s.dir,
    env,
  })
  // Spawn failures (ENOENT, EACCES) arrive as an event; without a listener they crash the process.
  child.on('error', () => {})
  // Never keep the parent alive: attached clusters are stopped by stop() or the exit hooks.
  child.unref()
  if (child.pid === undefined) throw new RedisTsError('usage', `could not start ${cmd}`)
  return {port: s.port, busPort: s.busPort, dir: s.dir, pid: child.pid, ...(s.detached ? {} : {child})}
}

/** Running (a zombie — exited, not yet reaped by a parent that never waits — counts as gone). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1')
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z'
  } catch {
    return existsSync('/proc/self/stat') ? false : true
  }
}

/** SIGTERM (clean shutdown), then SIGKILL after `graceMs`. Resolves when every pid is gone. */
export async function stopPids(pids: number[], graceMs = 5000): Promise<void> {
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGTERM')
    } catch {
      // already gone
    }
  }
  const deadline = Date.now() + graceMs
  while (pids.some(isAlive) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25))
  for (const pid of pids.filter(isAlive)) {
    try {
      process.kill(pid, 'SIGKILL')
    } catch {
      // gone
    }
  }
  while (pids.some(isAlive)) await new Promise((r) => setTimeout(r, 10))
}

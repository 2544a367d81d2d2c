// Spawning node processes for local clusters: embedded `redis-ts node` (lean entry, no oclif) or a
// real redis-server binary; detached so they outlive the CLI, or attached for test suites.
import {spawn, type ChildProcess} from 'node:child_process'
import {existsSync, mkdirSync, readFileSync} from 'node:fs'
import {dirname, join, resolve} from 'node:path'
import {fileURLToPath} from 'node:url'

export interface NodeProcessSpec {
  port: number
  busPort: number
  dir: string
  nodeTimeoutMs: number
  password?: string
  /** 'embedded' or the path of a redis-server binary */
  server: string
  detached: boolean
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
  const built = join(root, 'dist', 'src', 'node', 'main.js')
  if (existsSync(built)) return {cmd: process.execPath, args: [built]}
  return {cmd: process.execPath, args: ['--import', 'tsx', join(root, 'src', 'node', 'main.ts')]}
}

export function nodeArgs(s: NodeProcessSpec): string[] {
  const args = [
    '--port', String(s.port),
    '--bind', '127.0.0.1',
    '--cluster-enabled', 'yes',
    '--cluster-port', String(s.busPort),
    '--cluster-config-file', 'nodes.conf',
    '--cluster-node-timeout', String(s.nodeTimeoutMs),
    '--dir', resolve(s.dir),
    '--logfile', resolve(s.dir, 'node.log'),
    '--pidfile', resolve(s.dir, 'node.pid'),
    // Redis's default save points: a clean stop (SIGTERM) saves dump.rdb and a restart loads it.
    '--appendonly', 'no',
  ]
  if (s.password) args.push('--requirepass', s.password, '--masterauth', s.password)
  return args
}

export function spawnNode(s: NodeProcessSpec): SpawnedNode {
  mkdirSync(s.dir, {recursive: true})
  const {cmd, args} = s.server === 'embedded' ? embeddedCommand() : {cmd: s.server, args: []}
  const child = spawn(cmd, [...args, ...nodeArgs(s)], {
    detached: s.detached,
    stdio: 'ignore',
    cwd: s.dir,
  })
  if (s.detached) child.unref()
  if (child.pid === undefined) throw new Error(`could not start ${cmd}`)
  return {port: s.port, busPort: s.busPort, dir: s.dir, pid: child.pid, ...(s.detached ? {} : {child})}
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

/** SIGTERM (clean shutdown), then SIGKILL after `graceMs`. Resolves when every pid is gone. */
export async function stopPids(pids: number[], graceMs = 3000): Promise<void> {
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

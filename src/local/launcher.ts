// Spawning node processes for local clusters: embedded `redis-ts node` (lean entry, no oclif) or a
// real redis-server binary; detached so they outlive the CLI, or attached for test suites. Every
// node gets a redis.conf in its directory (so CONFIG REWRITE works and a restart reads the same
// settings) next to its nodes.conf (so it comes back with the same id).
import {spawn, type ChildProcess} from 'node:child_process'
import {accessSync, constants, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync} from 'node:fs'
import {delimiter, isAbsolute, join, resolve} from 'node:path'
import {RedisTsError} from '../errors.js'
import type {Persistence} from './state.js'
import {embeddedCommand, startWarmNode} from './warm.js'
import {startHost, type NodeHost} from './host.js'
import {tlsDirectives, type TlsPaths} from './tls.js'

export {embeddedCommand, packageRoot} from './warm.js'

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
  /** false: a standalone node (local Sentinel setups), no cluster directives; default true */
  cluster?: boolean
  /** standalone nodes: the master to replicate (`replicaof`) */
  replicaOf?: {host: string; port: number}
  /** TLS only: plain port 0, `port` as tls-port, tls-cluster and tls-replication (src/local/tls.ts) */
  tls?: TlsPaths
}

export interface SpawnedNode {
  port: number
  busPort: number
  dir: string
  pid: number
  child?: ChildProcess
  /** a warm process the CLI had started (warm.ts), given its configuration */
  warm?: boolean
}

/** Directives as [name, ...values]; the same list feeds the command line and redis.conf. */
export function nodeDirectives(s: NodeProcessSpec): string[][] {
  const persistence = s.persistence ?? 'rdb'
  const cluster = s.cluster ?? true
  const d: string[][] = [
    ...(s.tls ? tlsDirectives(s.port, s.tls) : [['port', String(s.port)]]),
    ['bind', s.bind ?? '127.0.0.1'],
    ...(cluster
      ? [
          ['cluster-enabled', 'yes'],
          ['cluster-port', String(s.busPort)],
          ['cluster-config-file', 'nodes.conf'],
          ['cluster-node-timeout', String(s.nodeTimeoutMs)],
        ]
      : []),
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
  if (s.announceIp) d.push(...(cluster ? [['cluster-announce-ip', s.announceIp]] : []), ['replica-announce-ip', s.announceIp])
  if (s.password) d.push(['requirepass', s.password], ['masterauth', s.password])
  if (s.replicaOf) d.push(['replicaof', s.replicaOf.host, String(s.replicaOf.port)])
  return d
}

export function nodeArgs(s: NodeProcessSpec): string[] {
  return nodeDirectives(s).flatMap(([k, ...v]) => [`--${k}`, ...v])
}

function confValue(v: string): string {
  return v === '' || /[\s"'\\]/.test(v) ? JSON.stringify(v) : v
}

/** Write <dir>/<name> (mode 0600: it may hold the password) from directives; returns its path. */
export function writeConfigFile(dir: string, name: string, header: string, directives: string[][]): string {
  mkdirSync(dir, {recursive: true})
  const file = resolve(dir, name)
  const lines = [`# ${header}`, ...directives.map(([k, ...v]) => `${k} ${v.map(confValue).join(' ')}`)]
  writeFileSync(file, lines.join('\n') + '\n', {mode: 0o600})
  return file
}

/** Write <dir>/redis.conf and return its path. */
export function writeNodeConfig(s: NodeProcessSpec): string {
  const what = (s.cluster ?? true) ? 'a local cluster node' : 'a local Sentinel setup'
  return writeConfigFile(s.dir, 'redis.conf', `Written by redis-ts for ${what}; CONFIG REWRITE updates it.`, nodeDirectives(s))
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

/**
 * Start one process of a local setup (cluster node, Sentinel setup node or Sentinel) from its
 * config file, in its directory; `extra` follows the file (e.g. --sentinel). The old pidfile goes
 * first, so a stale one is never read as the new process's.
 */
export function spawnInstance(server: string, conf: string, dir: string, detached: boolean, extra: string[] = []): ChildProcess & {pid: number} {
  rmSync(join(dir, 'node.pid'), {force: true})
  // An embedded data node: a warm process the CLI started early (src/local/warm.ts), if any is left.
  const warm = server === 'embedded' && extra.length === 0 ? startWarmNode([conf], dir, detached) : undefined
  if (warm) return warm
  const {cmd, args} = server === 'embedded' ? embeddedCommand() : {cmd: resolveServer(server), args: []}
  // A node started from inside a `node --test` file must not inherit the test runner's channel.
  const {NODE_TEST_CONTEXT: _t, ...env} = process.env
  const child = spawn(cmd, [...args, conf, ...extra], {detached, stdio: 'ignore', cwd: dir, env})
  // Spawn failures (ENOENT, EACCES) arrive as an event; without a listener they crash the process.
  child.on('error', () => {})
  // Never keep the parent alive: attached setups are stopped by stop() or the exit hooks.
  child.unref()
  if (child.pid === undefined) throw new RedisTsError('usage', `could not start ${cmd}`)
  return child as ChildProcess & {pid: number}
}

export function spawnNode(s: NodeProcessSpec): SpawnedNode {
  const child = spawnInstance(s.server, writeNodeConfig(s), s.dir, s.detached)
  return {port: s.port, busPort: s.busPort, dir: s.dir, pid: child.pid, ...(s.detached ? {} : {child}), ...(child.spawnargs.at(-1) === '--warm' ? {warm: true} : {})}
}

// Attached hosts stay referenced here for the life of this process (their stdin closing ends them).
const attachedHosts = new Set<NodeHost>()

/**
 * Start nodes: a process each (spawnNode); or with `singleProcess` (embedded nodes), all of them in
 * one host process (src/local/host.ts), each with the pid of its stub process.
 */
export async function spawnNodes(specs: NodeProcessSpec[], singleProcess = false): Promise<SpawnedNode[]> {
  if (!singleProcess || specs.length === 0 || specs[0].server !== 'embedded') return specs.map(spawnNode)
  const detached = specs[0].detached
  const host = startHost(detached)
  if (!detached) attachedHosts.add(host)
  try {
    const pids = await Promise.all(
      specs.map((s) => {
        const conf = writeNodeConfig(s)
        rmSync(join(s.dir, 'node.pid'), {force: true})
        return host.start(conf, s.dir)
      }),
    )
    return specs.map((s, i) => ({port: s.port, busPort: s.busPort, dir: s.dir, pid: pids[i]}))
  } catch (e) {
    throw new RedisTsError('internal', `could not start the nodes' host process: ${(e as Error).message}`)
  } finally {
    if (detached) host.close()
  }
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

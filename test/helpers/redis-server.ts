// Starts real redis-server processes for tests (cluster-enabled, free ports, own temp dir) and stops them by PID.
import {spawn, spawnSync, type ChildProcess} from 'node:child_process'
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {Redis} from 'ioredis'
import {freePortPair} from './ports.js'
import {killWithChildren} from './kill.js'
import {waitAnswers} from '../../src/local/wait.js'
import {BIN, ROOT} from './cli.js'

/** tsx for the dev entry (REDIS_TS_TEST_DEV=1), as runCli runs it */
const devArgs = () => (BIN.endsWith('dev.js') ? ['--require', 'tsx/preflight', '--import', 'tsx', '--no-warnings'] : [])

export interface TestNode {
  host: string
  port: number
  busPort: number
  address: string
  dir: string
  proc: ChildProcess
}

export function haveRedisServer(): boolean {
  const r = spawnSync('redis-server', ['--version'], {stdio: 'ignore'})
  return r.status === 0
}

/** node:test `skip` option: skip without redis-server, unless REDIS_TS_REQUIRE_REDIS=1 (then the test fails). */
export function redisSkip(): string | false {
  if (haveRedisServer()) return false
  if (process.env.REDIS_TS_REQUIRE_REDIS === '1') return false
  return 'redis-server not on PATH'
}

export class RedisNodes {
  readonly nodes: TestNode[] = []
  readonly root: string
  constructor() {
    this.root = mkdtempSync(join(tmpdir(), 'redis-ts-test-'))
  }

  /** `engine: 'embedded'`: `redis-ts node` processes with the same arguments (default redis-server) */
  async start(count: number, opts: {cluster?: boolean; nodeTimeout?: number; extra?: string[]; tls?: TlsFiles; password?: string; engine?: 'redis-server' | 'embedded'} = {}): Promise<TestNode[]> {
    const embedded = opts.engine === 'embedded'
    if (!embedded && !haveRedisServer()) throw new Error('redis-server is required for this test but is not on PATH')
    const started: TestNode[] = []
    for (let i = 0; i < count; i++) {
      const {port, busPort} = await freePortPair()
      const dir = join(this.root, String(port))
      const portArgs = opts.tls
        ? ['--port', '0', '--tls-port', String(port), '--tls-cert-file', opts.tls.cert, '--tls-key-file', opts.tls.key, '--tls-ca-cert-file', opts.tls.ca, '--tls-cluster', 'yes', '--tls-replication', 'yes', '--tls-auth-clients', 'no']
        : ['--port', String(port)]
      const authArgs = opts.password ? ['--requirepass', opts.password, '--masterauth', opts.password] : []
      const args = [...portArgs, ...authArgs, '--bind', '127.0.0.1', '--dir', this.root, '--save', '', '--appendonly', 'no', '--dbfilename', `dump-${port}.rdb`]
      if (opts.cluster !== false) {
        args.push('--cluster-enabled', 'yes', '--cluster-port', String(busPort), '--cluster-config-file', `nodes-${port}.conf`, '--cluster-node-timeout', String(opts.nodeTimeout ?? 5000))
      }
      args.push(...(opts.extra ?? []))
      const proc = embedded ? spawn(process.execPath, [...devArgs(), BIN, 'node', ...args], {cwd: ROOT, stdio: 'ignore'}) : spawn('redis-server', args, {stdio: 'ignore'})
      const node: TestNode = {host: '127.0.0.1', port, busPort, address: `127.0.0.1:${port}`, dir, proc}
      this.nodes.push(node)
      started.push(node)
    }
    await Promise.all(started.map((n) => waitReady(n.port, opts.tls, opts.password, embedded ? 20000 : 10000)))
    return started
  }

  client(n: TestNode): Redis {
    return new Redis({host: n.host, port: n.port, lazyConnect: false, maxRetriesPerRequest: 1})
  }

  async call(n: TestNode, ...args: string[]): Promise<unknown> {
    const c = new Redis({host: n.host, port: n.port, maxRetriesPerRequest: 1})
    try {
      return await c.call(args[0], ...args.slice(1))
    } finally {
      c.disconnect()
    }
  }

  /** Kill one node (SIGKILL: with its fork children, which would outlive it) by PID. */
  kill(n: TestNode, signal: NodeJS.Signals = 'SIGKILL'): void {
    if (signal === 'SIGKILL') killWithChildren(n.proc)
    else if (n.proc.exitCode === null && n.proc.pid) n.proc.kill(signal)
  }

  async stop(): Promise<void> {
    await Promise.all(
      this.nodes.map(
        (n) =>
          new Promise<void>((resolve) => {
            if (n.proc.exitCode !== null || n.proc.signalCode !== null) return resolve()
            n.proc.once('exit', () => resolve())
            killWithChildren(n.proc)
          }),
      ),
    )
    rmSync(this.root, {recursive: true, force: true})
  }
}

export interface TlsFiles {
  cert: string
  key: string
  ca: string
}

/** Resolves once something on `port` answers PING (redis-server or an embedded node). */
export async function waitReady(port: number, tls?: TlsFiles, password?: string, timeoutMs = 10000): Promise<void> {
  await waitAnswers(port, {tls, password, timeoutMs, intervalMs: 20})
}

/** A throwaway CA and server certificate for 127.0.0.1 (openssl), written to `dir`. */
export function makeCerts(dir: string): TlsFiles {
  const f = (n: string) => join(dir, n)
  const run = (args: string[]) => {
    const r = spawnSync('openssl', args, {stdio: 'pipe'})
    if (r.status !== 0) throw new Error(`openssl ${args[0]} failed: ${r.stderr}`)
  }
  run(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=redis-ts-test-ca', '-keyout', f('ca.key'), '-out', f('ca.crt')])
  run(['req', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=127.0.0.1', '-keyout', f('server.key'), '-out', f('server.csr')])
  writeFileSync(f('ext.cnf'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n')
  run(['x509', '-req', '-in', f('server.csr'), '-CA', f('ca.crt'), '-CAkey', f('ca.key'), '-CAcreateserial', '-days', '2', '-extfile', f('ext.cnf'), '-out', f('server.crt')])
  return {cert: f('server.crt'), key: f('server.key'), ca: f('ca.crt')}
}

// A redis-server or an embedded node as its own OS process (kill -9, pgrep -P, /proc), started the
// same way for side-by-side tests of what happens around fork children: BGSAVE, replication syncs.
import {spawn, type ChildProcess} from 'node:child_process'
import {existsSync, mkdtempSync, readFileSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {Redis} from 'ioredis'
import {BIN, ROOT} from './cli.js'
import {freePortPair} from './ports.js'
import {waitReady} from './redis-server.js'
import {childrenOf, killWithChildren} from './kill.js'

export {childrenOf}

export type Kind = 'redis-server' | 'embedded'
export const KINDS: Kind[] = ['redis-server', 'embedded']
const dev = BIN.endsWith('dev.js') ? ['--require', 'tsx/preflight', '--import', 'tsx', '--no-warnings'] : []

export interface ServerProcess {
  proc: ChildProcess
  c: Redis
  dir: string
  port: number
  pid: number
  log: () => string
  exited: Promise<unknown>
}

/** One field of INFO <section> (undefined when absent). */
export async function infoField(c: Redis, section: string, name: string): Promise<string | undefined> {
  return new RegExp(`^${name}:(.*)$`, 'm').exec(await c.info(section))?.[1]
}

/** Running, and not a zombie (redis' process_is_alive). */
export function alive(pid: number): boolean {
  try {
    return !/^\S+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'latin1'))
  } catch {
    return false
  }
}

/** Servers a test file launches under one temp dir; stop() kills what is left and removes the dir. */
export class ServerProcesses {
  private root: string | null = null
  private readonly servers: ServerProcess[] = []

  async launch(kind: Kind, extra: string[] = []): Promise<ServerProcess> {
    this.root ??= mkdtempSync(join(tmpdir(), 'redis-ts-proc-'))
    const dir = mkdtempSync(join(this.root, `${kind}-`))
    const {port} = await freePortPair()
    const logfile = join(dir, 'server.log')
    const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no', '--logfile', logfile, '--enable-debug-command', 'yes', ...extra]
    const proc = kind === 'redis-server' ? spawn('redis-server', args, {stdio: 'ignore'}) : spawn(process.execPath, [...dev, BIN, 'node', ...args], {cwd: ROOT, stdio: 'ignore'})
    const exited = new Promise((r) => proc.once('exit', r))
    await waitReady(port, undefined, undefined, 20_000)
    const c = new Redis({port, host: '127.0.0.1', maxRetriesPerRequest: 1, retryStrategy: () => null})
    c.on('error', () => undefined)
    const pid = Number(/process_id:(\d+)/.exec(await c.info('server'))![1])
    const s = {proc, c, dir, port, pid, exited, log: () => (existsSync(logfile) ? readFileSync(logfile, 'latin1') : '')}
    this.servers.push(s)
    return s
  }

  stop(): void {
    for (const s of this.servers) {
      s.c.disconnect()
      killWithChildren(s.proc)
    }
    if (this.root !== null) rmSync(this.root, {recursive: true, force: true})
  }
}

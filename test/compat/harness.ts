// Differential harness: run the same command script against a real redis-server and an
// embedded node and compare replies exactly (after per-line normalisation of ids/times).
//
// Usage from a test file (one suite per group):
//   import {compatSuite} from './harness.js'
//   compatSuite('strings', [
//     'SET a 1',                                   // redis-cli style line (quotes/escapes like inline)
//     ['SET', 'bin\x00', '\xff'],                  // or an argv array (latin1 strings)
//     {cmd: 'CLIENT ID', normalize: () => 'ID'},   // or with a reply normaliser
//     {cmd: 'DEBUG SLEEP 0', skip: true},          // documented divergence: not compared
//   ])
// Each suite starts one redis-server (--save '' --appendonly no) and one embedded node,
// FLUSHALLs both, then replays the script on one connection per side. Without redis-server on
// PATH the suite is skipped, unless REDIS_TS_REQUIRE_REDIS=1 (then it fails).
import {describe, test, before, after} from 'node:test'
import assert from 'node:assert/strict'
import net from 'node:net'
import {spawn, type ChildProcess} from 'node:child_process'
import {mkdtempSync, rmSync} from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {splitArgs} from '../../src/resp/parser.js'
import {encode} from '../../src/resp/writer.js'
import {startNode, type RunningNode} from '../../src/node/index.js'
import {waitAnswers} from '../../src/local/wait.js'
import {haveRedisServer, redisSkip} from '../helpers/redis-server.js'
import {freePortPair} from '../helpers/ports.js'
import {killWithChildren} from '../helpers/kill.js'

export type Reply = string | number | null | Reply[] | {map: Reply[]} | {set: Reply[]} | {push: Reply[]}
export type Step =
  | string
  | string[]
  | {cmd: string | string[]; normalize?: (r: Reply) => Reply; skip?: boolean; note?: string; replies?: number}
// `replies`: how many replies the command produces (default 1; (P)SUBSCRIBE/(P)UNSUBSCRIBE with
// channel arguments are counted automatically; give it explicitly for a bare UNSUBSCRIBE).

export {haveRedisServer as redisServerAvailable}

/**
 * A free port from the tests' range (10000-29999, or REDIS_TS_TEST_PORT_BASE), never the kernel's
 * ephemeral range: a port taken from there with listen(0) and closed can be handed to any outgoing
 * connection before the node binds it (a cluster bus port failed with EADDRINUSE in CI that way).
 */
export async function freePort(): Promise<number> {
  return (await freePortPair()).port
}

export interface RealRedis {
  port: number
  proc: ChildProcess
  dir: string
  stop(): Promise<void>
}

export async function startRedisServer(extra: string[] = []): Promise<RealRedis> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'redis-ts-compat-'))
  const port = await freePort()
  const proc = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no', ...extra], {stdio: 'ignore'})
  const stop = () =>
    new Promise<void>((res) => {
      if (proc.exitCode !== null) return res(rmSync(dir, {recursive: true, force: true}))
      proc.once('exit', () => res(rmSync(dir, {recursive: true, force: true})))
      killWithChildren(proc)
    })
  try {
    await waitAnswers(port, {timeoutMs: 10000})
  } catch (err) {
    await stop()
    throw err
  }
  return {port, proc, dir, stop}
}

export interface PairOptions {
  /** extra redis-server arguments */
  redisArgs?: string[]
  /** extra embedded-node directives */
  nodeOverrides?: Record<string, string>
}

/** A real redis-server and an embedded node, alike (loopback, no persistence, own temp dirs), for
 *  one compat suite or test file. */
export interface Pair {
  redisPort: number
  ourPort: number
  real: RealRedis
  node: RunningNode
  stop(): Promise<void>
}

export async function startPair(opts: PairOptions = {}): Promise<Pair> {
  if (!haveRedisServer()) throw new Error('redis-server is required for this test but is not on PATH')
  const real = await startRedisServer(opts.redisArgs)
  const dir = mkdtempSync(path.join(os.tmpdir(), 'redis-ts-compat-'))
  let node: RunningNode
  try {
    node = await startNode({overrides: {port: '0', bind: '127.0.0.1', save: '', dir, ...opts.nodeOverrides}, silent: true})
  } catch (err) {
    await real.stop()
    rmSync(dir, {recursive: true, force: true})
    throw err
  }
  return {
    redisPort: real.port,
    ourPort: node.port,
    real,
    node,
    async stop() {
      await real.stop()
      await node.stop()
      rmSync(dir, {recursive: true, force: true})
    },
  }
}

/** Registers before/after hooks (in the calling file or describe()) that start a Pair and stop it;
 *  the Pair returned is usable inside the tests. Nothing starts when redis-server is missing and
 *  not required (the tests skip with redisSkip()). */
export function pairHooks(opts: PairOptions = {}): Pair {
  let p: Pair | undefined
  before(async () => {
    if (!redisSkip()) p = await startPair(opts)
  })
  after(async () => {
    await p?.stop()
  })
  const started = (): Pair => {
    if (!p) throw new Error('the redis-server / embedded node pair has not started')
    return p
  }
  return {
    get redisPort() {
      return started().redisPort
    },
    get ourPort() {
      return started().ourPort
    },
    get real() {
      return started().real
    },
    get node() {
      return started().node
    },
    stop: () => started().stop(),
  }
}

/** A describe() (skipped without redis-server, unless REDIS_TS_REQUIRE_REDIS=1) whose tests get a
 *  started Pair. */
export function pairSuite(name: string, opts: PairOptions, body: (p: Pair) => void): void {
  describe(`compat: ${name}`, {skip: redisSkip()}, () => body(pairHooks(opts)))
}

/**
 * Until the server holds at least `n` blocked clients (INFO clients blocked_clients), polling through
 * `call`; a deadline in time, not in polls (each poll is a round trip a loaded machine slows).
 */
export async function untilBlocked(call: (argv: string[]) => Promise<unknown>, n = 1, what = 'server', timeoutMs = 20_000): Promise<void> {
  for (const deadline = Date.now() + timeoutMs; Date.now() < deadline; ) {
    const m = /blocked_clients:(\d+)/.exec(String(await call(['INFO', 'clients'])))
    if (m && Number(m[1]) >= n) return
    await new Promise((r) => setTimeout(r, 5))
  }
  throw new Error(`${what}: no client blocked within ${timeoutMs} ms`)
}

/** Minimal RESP2/RESP3 reply reader that keeps types visible: '+OK', '-ERR..', ':1', bulk as plain string. */
export class RawClient {
  private buf = Buffer.alloc(0)
  private waiters: (() => void)[] = []
  private closed = false
  private constructor(private sock: net.Socket) {
    sock.on('data', (d) => {
      this.buf = Buffer.concat([this.buf, d])
      this.waiters.splice(0).forEach((w) => w())
    })
    sock.on('close', () => {
      this.closed = true
      this.waiters.splice(0).forEach((w) => w())
    })
    sock.on('error', () => undefined)
  }

  /** localAddress: the client's own address (any 127.x.y.z is a loopback address on Linux) */
  static connect(port: number, localAddress?: string): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const s = net.connect({port, host: '127.0.0.1', localAddress}, () => resolve(new RawClient(s)))
      s.once('error', reject)
    })
  }

  private async need(): Promise<void> {
    if (this.closed) throw new Error('connection closed')
    await new Promise<void>((r) => this.waiters.push(r))
  }

  private async line(): Promise<string> {
    for (;;) {
      const i = this.buf.indexOf('\r\n')
      if (i >= 0) {
        const l = this.buf.toString('latin1', 0, i)
        this.buf = this.buf.subarray(i + 2)
        return l
      }
      await this.need()
    }
  }

  private async bytes(n: number): Promise<string> {
    while (this.buf.length < n + 2) await this.need()
    const s = this.buf.toString('latin1', 0, n)
    this.buf = this.buf.subarray(n + 2)
    return s
  }

  async read(): Promise<Reply> {
    const l = await this.line()
    const t = l[0]
    const rest = l.slice(1)
    const many = async (n: number) => {
      const out: Reply[] = []
      for (let i = 0; i < n; i++) out.push(await this.read())
      return out
    }
    switch (t) {
      case '+':
      case '-':
      case ',':
      case '#':
      case '(':
        return l
      case ':':
        return Number(rest)
      case '_':
        return null
      case '$':
      case '=':
        return Number(rest) < 0 ? null : (t === '=' ? '=' : '') + (await this.bytes(Number(rest)))
      case '*':
        return Number(rest) < 0 ? null : many(Number(rest))
      case '%':
        return {map: await many(Number(rest) * 2)}
      case '~':
        return {set: await many(Number(rest))}
      case '>':
        return {push: await many(Number(rest))}
      default:
        throw new Error(`bad reply line ${JSON.stringify(l)}`)
    }
  }

  /** A reply if one starts arriving within `ms`, else undefined (nothing is consumed). */
  async readWithin(ms: number): Promise<Reply | undefined> {
    if (this.buf.length === 0 && !this.closed) {
      await new Promise<void>((r) => {
        const t = setTimeout(r, ms)
        this.waiters.push(() => (clearTimeout(t), r()))
      })
      if (this.buf.length === 0) return undefined
    }
    return this.read()
  }

  /** Sends a command without waiting for its reply. */
  send(argv: string[]): void {
    this.sock.write(Buffer.from(encode.command(argv), 'latin1'))
  }

  /** Sends request bytes as they are (latin1). */
  sendRaw(bytes: string): void {
    this.sock.write(Buffer.from(bytes, 'latin1'))
  }

  async call(argv: string[]): Promise<Reply> {
    this.send(argv)
    return this.read()
  }

  close(): void {
    this.sock.destroy()
  }
}

/** A connection to each server of a pair (redis-server's first) for `body`, both closed after it. */
export async function withBoth(p: Pair, body: (real: RawClient, ours: RawClient) => Promise<void>): Promise<void> {
  const [real, ours] = await Promise.all([RawClient.connect(p.redisPort), RawClient.connect(p.ourPort)])
  try {
    await body(real, ours)
  } finally {
    real.close()
    ours.close()
  }
}

/** Sends each command to both servers in turn and asserts the same reply (the message names it). */
export async function sameReplies(real: RawClient, ours: RawClient, steps: string[][]): Promise<void> {
  for (const argv of steps) assert.deepEqual(await ours.call(argv), await real.call(argv), argv.join(' ').slice(0, 60))
}

function toArgv(cmd: string | string[]): string[] {
  if (Array.isArray(cmd)) return cmd
  const a = splitArgs(cmd)
  if (!a) throw new Error(`bad script line ${cmd}`)
  return a
}

export async function runScript(port: number, steps: Step[]): Promise<{argv: string[]; reply: Reply}[]> {
  const c = await RawClient.connect(port)
  try {
    await c.call(['FLUSHALL'])
    const out: {argv: string[]; reply: Reply}[] = []
    for (const step of steps) {
      const s = typeof step === 'object' && !Array.isArray(step) ? step : {cmd: step}
      const argv = toArgv(s.cmd)
      let reply = await c.call(argv)
      // (P)SUBSCRIBE/(P)UNSUBSCRIBE answer once per channel: read them all as one array.
      const name = argv[0].toLowerCase()
      const n = s.replies ?? (/^p?(un)?subscribe$/.test(name) && argv.length > 2 ? argv.length - 1 : 1)
      if (n > 1) {
        const all = [reply]
        for (let i = 1; i < n; i++) all.push(await c.read())
        reply = all
      }
      if (s.normalize) reply = s.normalize(reply)
      out.push({argv, reply: s.skip ? '<skipped>' : reply})
    }
    return out
  } finally {
    c.close()
  }
}

/** Declare a describe() that compares a script on redis-server and on an embedded node. */
export function compatSuite(name: string, steps: Step[], opts: PairOptions = {}): void {
  pairSuite(name, opts, (p) => {
    test(`${name}: replies match redis-server`, async () => {
      const expected = await runScript(p.redisPort, steps)
      const actual = await runScript(p.ourPort, steps)
      for (let i = 0; i < steps.length; i++) {
        assert.deepEqual(actual[i].reply, expected[i].reply, `step ${i}: ${actual[i].argv.join(' ')}`)
      }
    })
  })
}

// Benchmark (issue 7): how long clients wait while the AOF is rewritten. A node (embedded, or
// redis-server 7.0 side by side) with appendonly yes is filled with KEYS small string keys
// (MSET batches; automatic rewrite off), then a raw-socket client sends PING every 1 ms and
// times every reply while BGREWRITEAOF runs; the longest PING round trip during the rewrite is
// the longest stall a client saw (redis-server's is its fork). Both BASE formats.
// Run: npm run build && node --import tsx bench/aof-rewrite.ts
// Options (env): KEYS=1000000 ONLY=embedded|redis-server MAIN=<path to main.js>
import {spawn, type ChildProcess} from 'node:child_process'
import {mkdtempSync, rmSync} from 'node:fs'
import {connect} from 'node:net'
import {tmpdir} from 'node:os'
import {join, resolve} from 'node:path'
import {Redis} from 'ioredis'
import {freePortPair} from '../test/helpers/ports.js'
import {waitReady} from '../test/helpers/redis-server.js'

const KEYS = Number(process.env.KEYS ?? 1_000_000)
const MAIN = process.env.MAIN ?? resolve(import.meta.dirname, '..', 'dist', 'src', 'node', 'main.js')
type Kind = 'embedded' | 'redis-server'
const KINDS = (['embedded', 'redis-server'] as Kind[]).filter((k) => !process.env.ONLY || process.env.ONLY === k)

async function start(kind: Kind, dir: string, preamble: string): Promise<{port: number; proc: ChildProcess}> {
  const {port} = await freePortPair()
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'yes', '--appendfsync', 'everysec', '--aof-use-rdb-preamble', preamble, '--auto-aof-rewrite-percentage', '0']
  const proc = kind === 'embedded' ? spawn(process.execPath, [MAIN, ...args], {stdio: 'ignore'}) : spawn('redis-server', args, {stdio: 'ignore'})
  await waitReady(port)
  return {port, proc}
}

async function stop(p: {proc: ChildProcess}): Promise<void> {
  if (p.proc.exitCode !== null) return
  const done = new Promise((r) => p.proc.once('exit', r))
  p.proc.kill('SIGKILL')
  await done
}

async function fill(c: Redis): Promise<void> {
  const BATCH = 1000
  for (let i = 0; i < KEYS; ) {
    const p = c.pipeline()
    for (let j = 0; j < 50 && i < KEYS; j++) {
      const args: string[] = []
      for (let k = 0; k < BATCH && i < KEYS; k++, i++) args.push(`key:${String(i).padStart(7, '0')}`, `value:${i}`)
      p.mset(...args)
    }
    await p.exec()
  }
}

/** PING every 1 ms on a raw socket; each reply's round trip goes to `onRtt`. */
function pinger(port: number, onRtt: (ms: number) => void): Promise<() => void> {
  return new Promise((res) => {
    const sock = connect(port, '127.0.0.1')
    const sent: number[] = []
    let head = 0
    let pending = ''
    sock.setNoDelay(true)
    sock.setEncoding('latin1')
    sock.on('data', (d: string) => {
      pending += d
      let i: number
      while ((i = pending.indexOf('+PONG\r\n')) >= 0) {
        pending = pending.slice(i + 7)
        onRtt(performance.now() - sent[head++])
      }
    })
    sock.on('connect', () => {
      const timer = setInterval(() => {
        sent.push(performance.now())
        sock.write('PING\r\n')
      }, 1)
      res(() => {
        clearInterval(timer)
        sock.destroy()
      })
    })
  })
}

async function info(c: Redis, field: string): Promise<string> {
  const text = (await c.info('persistence')) as string
  return new RegExp(`^${field}:(.*)\\r?$`, 'm').exec(text)?.[1]?.trim() ?? ''
}

async function measure(kind: Kind, preamble: string): Promise<string[]> {
  const dir = mkdtempSync(join(root, 'n-'))
  const srv = await start(kind, dir, preamble)
  const c = new Redis({port: srv.port, host: '127.0.0.1', maxRetriesPerRequest: 0})
  try {
    await fill(c)
    const before = Number(await info(c, 'aof_rewrites'))
    await new Promise((r) => setTimeout(r, 500))
    let max = 0
    const rtts: number[] = []
    let recording = false
    const stopPing = await pinger(srv.port, (ms) => {
      if (!recording) return
      rtts.push(ms)
      max = Math.max(max, ms)
    })
    await new Promise((r) => setTimeout(r, 200))
    recording = true
    const t0 = performance.now()
    await c.bgrewriteaof()
    const replyMs = performance.now() - t0
    while ((await info(c, 'aof_rewrite_in_progress')) !== '0' || Number(await info(c, 'aof_rewrites')) === before) await new Promise((r) => setTimeout(r, 10))
    const totalMs = performance.now() - t0
    await new Promise((r) => setTimeout(r, 50))
    recording = false
    stopPing()
    rtts.sort((a, b) => a - b)
    const p99 = rtts[Math.floor(rtts.length * 0.99)] ?? 0
    const f = (x: number) => x.toFixed(1)
    return [kind, preamble, String(await c.dbsize()), f(replyMs), f(totalMs), f(max), f(p99), String(rtts.length)]
  } finally {
    c.disconnect()
    await stop(srv)
    rmSync(dir, {recursive: true, force: true})
  }
}

const root = mkdtempSync(join(tmpdir(), 'redis-ts-bench-aofrw-'))
const rows: string[][] = []
try {
  for (const preamble of ['yes', 'no']) for (const kind of KINDS) rows.push(await measure(kind, preamble))
} finally {
  rmSync(root, {recursive: true, force: true})
}
console.log(`BGREWRITEAOF of ${KEYS} small keys, PING every 1 ms on another connection (ms)`)
console.log('| server | aof-use-rdb-preamble | keys | BGREWRITEAOF reply | rewrite done | longest PING | p99 PING | PINGs |')
console.log('|---|---|---:|---:|---:|---:|---:|---:|')
for (const r of rows) console.log(`| ${r.join(' | ')} |`)

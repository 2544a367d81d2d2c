// Benchmark: filling one big set, hash and sorted set, and working off a stream consumer group's
// backlog, embedded node vs redis-server side by side. Each server is a fresh process (standalone,
// no persistence); one client pipelines SADD / HSET / ZADD commands of BATCH members each (10
// commands in flight) until the value holds N members; `pel`: XADD of N entries, one XREADGROUP
// that delivers them all (N pending), then XACK of BATCH IDs per command, oldest first; `trim`: a
// stream of N entries (XADD pipelined, not measured), then one XTRIM MAXLEN 0 (measured).
// `rand`: a set and a hash of N members each (filled, not measured), then OPS rounds of random
// picks (measured): SRANDMEMBER and HRANDFIELD without a count, with 10 and with -10, SPOP without
// a count and with 10. `ltrim`: a list of N elements (not measured), then OPS rounds of the capped
// list idiom LPUSH + LTRIM 0 N-1. `linsert`: the same list, then OPS rounds of LINSERT before an
// element near the head, LREM 1 of what was inserted, and LREM -1 of an element near the tail.
// `xinfo`: a stream of N entries (as for trim; not measured), then OPS XINFO STREAM.
// `randomkey`: N keys sharing one hash tag (one slot; not measured), then OPS RANDOMKEY.
// `bits`: a string of N bytes (one SETBIT at its last bit; not measured), then OPS rounds of SETBIT at
// a bit spread over it, GETBIT of that bit, SETRANGE of 4 bytes and APPEND of 2 (in-place edits).
// `memusage`: a list of N elements (as for ltrim; not measured), then OPS MEMORY USAGE of it.
// `expire`: N keys set with a 3 s TTL (not measured), then the wait until active expiry has removed
// them all (DBSIZE polled every 100 ms; the wall time is the figure to read, CPU is what it took).
// Reported per type and server: the server's own CPU (utime + stime from /proc, so the client's
// cost and other load on the machine stay out), wall time, and the peak RSS; then the ratios.
// The servers take turns per type (ROUNDS times: the best of each is kept).
// Run: npm run build && node --import tsx bench/big-values.ts
// Options (env): N=4000000 BATCH=20000 TYPES=set,hash,zset (on their own: N=200000 TYPES=pel,
//   N=10000000 TYPES=trim,bits, N=1000000 TYPES=rand,ltrim,linsert,expire,randomkey,xinfo,memusage) ROUNDS=1 OPS=2000 (rand/ltrim/linsert)
//   NODE_BIN=dist/src/node/main.cjs (the embedded node's entry; another checkout's to compare builds)
import {spawn, type ChildProcess} from 'node:child_process'
import {readFileSync} from 'node:fs'
import {resolve} from 'node:path'
import {Redis} from 'ioredis'
import {freePortPair} from '../test/helpers/ports.js'
import {connect, processCpuMs, sleep} from './lib.js'

const N = Number(process.env.N ?? 4_000_000)
const BATCH = Number(process.env.BATCH ?? 20_000)
const TYPES = (process.env.TYPES ?? 'set,hash,zset').split(',').filter(Boolean) as Type[]
const ROUNDS = Number(process.env.ROUNDS ?? 1)
const OPS = Number(process.env.OPS ?? 2000)
/** commands in flight */
const IN_FLIGHT = 10
const ROOT = resolve(import.meta.dirname, '..')
const NODE_BIN = resolve(ROOT, process.env.NODE_BIN ?? 'dist/src/node/main.cjs')

type Type = 'set' | 'hash' | 'zset' | 'pel' | 'trim' | 'rand' | 'ltrim' | 'linsert' | 'expire' | 'randomkey' | 'xinfo' | 'bits' | 'memusage'
type Kind = 'embedded' | 'redis-server'

interface Run {
  cpuMs: number
  wallMs: number
  rssMiB: number
}

async function start(kind: Kind): Promise<{proc: ChildProcess; port: number}> {
  const {port} = await freePortPair()
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no']
  const proc = kind === 'embedded' ? spawn(process.execPath, [NODE_BIN, ...args], {stdio: 'ignore'}) : spawn('redis-server', args, {stdio: 'ignore'})
  return {proc, port}
}

function peakRssMiB(pid: number): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
  return m ? Number(m[1]) / 1024 : NaN
}

/** `rand` fills a set and a hash side by side */
let hashKey = 'big'

function command(type: Type, from: number, to: number): string[] {
  const args: string[] = []
  for (let i = from; i < to; i++) {
    if (type === 'set') args.push(`member:${i}`)
    else if (type === 'hash') args.push(`field:${i}`, `v${i}`)
    else args.push(String(i % 100_000), `member:${i}`)
  }
  return [type === 'set' ? 'SADD' : type === 'hash' ? 'HSET' : 'ZADD', type === 'hash' ? hashKey : 'big', ...args]
}

/** A stream of N entries, IDs 1-0 to N-0. */
async function streamOf(c: Redis): Promise<void> {
  for (let i = 0; i < N; i += BATCH * IN_FLIGHT) {
    const p = c.pipeline()
    for (let j = i; j < Math.min(N, i + BATCH * IN_FLIGHT); j++) p.xadd('big', `${j + 1}-0`, 'f', 'v')
    for (const [err] of (await p.exec()) ?? []) if (err) throw err
  }
}

/** A consumer group's backlog of N entries, delivered, then acknowledged oldest first. */
async function backlog(c: Redis): Promise<void> {
  await streamOf(c)
  await c.xgroup('CREATE', 'big', 'g', '0')
  const delivered = (await c.call('XREADGROUP', 'GROUP', 'g', 'c', 'COUNT', String(N), 'STREAMS', 'big', '>')) as [string, unknown[]][]
  if (delivered[0][1].length !== N) throw new Error(`pel: ${delivered[0][1].length} delivered, expected ${N}`)
  for (let i = 0; i < N; i += BATCH * IN_FLIGHT) {
    const p = c.pipeline()
    for (let j = i; j < Math.min(N, i + BATCH * IN_FLIGHT); j += BATCH) {
      const ids: string[] = []
      for (let k = j; k < Math.min(N, j + BATCH); k++) ids.push(`${k + 1}-0`)
      p.call('XACK', 'big', 'g', ...ids)
    }
    for (const [err] of (await p.exec()) ?? []) if (err) throw err
  }
  const pending = (await c.call('XPENDING', 'big', 'g')) as unknown[]
  if (pending[0] !== 0) throw new Error(`pel: ${String(pending[0])} still pending`)
}

/** Pipelined commands, IN_FLIGHT * 10 at a time, every reply checked for an error. */
async function pipelined(c: Redis, cmds: string[][]): Promise<unknown[]> {
  const out: unknown[] = []
  for (let i = 0; i < cmds.length; i += IN_FLIGHT * 10) {
    const p = c.pipeline()
    for (const [cmd, ...args] of cmds.slice(i, i + IN_FLIGHT * 10)) p.call(cmd, ...args)
    for (const [err, r] of (await p.exec()) ?? []) {
      if (err) throw err
      out.push(r)
    }
  }
  return out
}

/** What a type needs in place before its measured part. */
async function setup(c: Redis, type: Type): Promise<void> {
  if (type === 'trim' || type === 'xinfo') return streamOf(c)
  if (type === 'bits') {
    await c.setbit('big', N * 8 - 1, 1)
    return
  }
  if (type === 'rand') {
    await fill(c, 'set')
    await fill(c, 'hash')
    return
  }
  if (type === 'randomkey') {
    const script = "for i = tonumber(ARGV[1]), tonumber(ARGV[2]) do redis.call('SET', '{tag}key:' .. i, 'v') end"
    for (let i = 0; i < N; i += 100_000) await c.eval(script, 0, String(i), String(Math.min(N, i + 100_000) - 1))
    return
  }
  if (type === 'expire') {
    // a script sets them (a pipeline of N SETs took longer than the TTL)
    const script = "for i = tonumber(ARGV[1]), tonumber(ARGV[2]) do redis.call('SET', 'key:' .. i, 'v', 'PX', 3000) end"
    for (let i = 0; i < N; i += 100_000) await c.eval(script, 0, String(i), String(Math.min(N, i + 100_000) - 1))
    if ((await c.dbsize()) < N * 0.9) throw new Error('expire: keys gone before the measure')
    return
  }
  if (type === 'ltrim' || type === 'linsert' || type === 'memusage') {
    const cmds: string[][] = []
    for (let j = 0; j < N; j += BATCH) {
      const els: string[] = []
      for (let i = j; i < Math.min(N, j + BATCH); i++) els.push(`e:${i}`)
      cmds.push(['RPUSH', 'list', ...els])
    }
    await pipelined(c, cmds)
  }
}

async function work(c: Redis, type: Type): Promise<void> {
  const cmds: string[][] = []
  for (let i = 0; i < OPS; i++) {
    if (type === 'rand') {
      cmds.push(['SRANDMEMBER', 'big'], ['SRANDMEMBER', 'big', '10'], ['SRANDMEMBER', 'big', '-10'], ['SPOP', 'big'], ['SPOP', 'big', '10'])
      cmds.push(['HRANDFIELD', 'big-hash'], ['HRANDFIELD', 'big-hash', '10'], ['HRANDFIELD', 'big-hash', '-10', 'WITHVALUES'])
    } else if (type === 'randomkey') cmds.push(['RANDOMKEY'])
    else if (type === 'bits') {
      const bit = String((i * 7_919_993) % (N * 8))
      cmds.push(['SETBIT', 'big', bit, '1'], ['GETBIT', 'big', bit], ['SETRANGE', 'big', String((i * 104_729) % N), 'abcd'], ['APPEND', 'big', 'xy'])
    }
    else if (type === 'xinfo') cmds.push(['XINFO', 'STREAM', 'big'])
    else if (type === 'memusage') cmds.push(['MEMORY', 'USAGE', 'list'])
    else if (type === 'ltrim') cmds.push(['LPUSH', 'list', `new:${i}`], ['LTRIM', 'list', '0', String(N - 1)])
    else cmds.push(['LINSERT', 'list', 'BEFORE', 'e:5', `new:${i}`], ['LREM', 'list', '1', `new:${i}`], ['LREM', 'list', '-1', `e:${N - 5 - i}`])
  }
  const replies = await pipelined(c, cmds)
  if (type === 'rand' && Number(await c.scard('big')) !== N - OPS * 11) throw new Error(`rand: ${await c.scard('big')} members left`)
  if (type === 'ltrim' && ((await c.llen('list')) !== N || (await c.lindex('list', 0)) !== `new:${OPS - 1}`)) throw new Error('ltrim: wrong list')
  if (type === 'linsert' && (await c.llen('list')) !== N - OPS) throw new Error(`linsert: ${await c.llen('list')} elements`)
  if (type === 'bits' && ((await c.strlen('big')) !== N + 2 * OPS || replies.some((r, i) => i % 4 === 1 && r !== 1))) throw new Error(`bits: ${await c.strlen('big')} bytes`)
  void replies
}

async function fill(c: Redis, type: Type): Promise<void> {
  if (type === 'expire') {
    while ((await c.dbsize()) > 0) await sleep(100)
    return
  }
  if (type === 'rand' || type === 'ltrim' || type === 'linsert' || type === 'randomkey' || type === 'xinfo' || type === 'bits' || type === 'memusage') return work(c, type)
  if (type === 'pel') return backlog(c)
  if (type === 'trim') {
    const removed = Number(await c.call('XTRIM', 'big', 'MAXLEN', '0'))
    if (removed !== N || (await c.xlen('big')) !== 0) throw new Error(`trim: ${removed} removed, expected ${N}`)
    return
  }
  for (let i = 0; i < N; i += BATCH * IN_FLIGHT) {
    const p = c.pipeline()
    for (let j = i; j < Math.min(N, i + BATCH * IN_FLIGHT); j += BATCH) {
      const [cmd, ...args] = command(type, j, Math.min(N, j + BATCH))
      p.call(cmd, ...args)
    }
    for (const [err] of (await p.exec()) ?? []) if (err) throw err
  }
  const size = Number(await c.call(type === 'set' ? 'SCARD' : type === 'hash' ? 'HLEN' : 'ZCARD', type === 'hash' ? hashKey : 'big'))
  if (size !== N) throw new Error(`${type}: ${size} members, expected ${N}`)
}

async function measure(kind: Kind, type: Type): Promise<Run> {
  const {proc, port} = await start(kind)
  const c = await connect(port)
  try {
    hashKey = type === 'rand' ? 'big-hash' : 'big'
    await setup(c, type)
    await sleep(300)
    const cpu0 = processCpuMs(proc.pid!)
    const t0 = performance.now()
    await fill(c, type)
    const wallMs = performance.now() - t0
    return {cpuMs: processCpuMs(proc.pid!) - cpu0, wallMs, rssMiB: peakRssMiB(proc.pid!)}
  } finally {
    c.disconnect()
    await new Promise<void>((r) => {
      proc.once('exit', () => r())
      proc.kill('SIGKILL')
    })
  }
}

const best = (a: Run | undefined, b: Run): Run => (a === undefined || b.cpuMs < a.cpuMs ? b : a)

const rows: string[] = []
for (const type of TYPES) {
  const res: Partial<Record<Kind, Run>> = {}
  for (let r = 0; r < ROUNDS; r++) {
    for (const kind of ['redis-server', 'embedded'] as Kind[]) res[kind] = best(res[kind], await measure(kind, type))
  }
  const e = res.embedded!
  const s = res['redis-server']!
  const f = (x: number) => (x / 1000).toFixed(3)
  rows.push(`| ${type} | ${f(e.cpuMs)} / ${f(s.cpuMs)} s | **${(e.cpuMs / s.cpuMs).toFixed(2)}×** | ${f(e.wallMs)} / ${f(s.wallMs)} s | ${e.rssMiB.toFixed(0)} / ${s.rssMiB.toFixed(0)} MiB |`)
}
console.log(`${N.toLocaleString('en-US')} members per value, ${BATCH.toLocaleString('en-US')} per command, best of ${ROUNDS}`)
console.log('| value | server CPU, embedded / redis-server | ratio | wall | peak RSS |')
console.log('|---|---:|---:|---:|---:|')
for (const r of rows) console.log(r)

// Benchmark: the embedded node (`redis-ts node`) vs redis-server, side by side in one run.
// Both are separate processes started the same way (cluster-enabled, owning all 16384 slots):
//   1. memory per key: RSS delta (/proc/PID/status VmRSS) after loading KEYS small keys
//      (redis-benchmark -t set -r 100000000 -P 16) divided by DBSIZE;
//   2. throughput: redis-benchmark -t set / -t get, -n N -c 50, without and with -P 16, and
//      -t sadd / -t hset -r 100000 (members and fields into one set and one hash, which grow to
//      ~100000: their dicts double and rehash); the two servers take turns per test so load from
//      elsewhere on the machine hits both alike.
// Run: npm run build && node --import tsx bench/node.ts
// Options (env): N=1000000 KEYS=1000000 CLIENTS=50 PIPELINE=16
//   NODE_BIN=bin/run.js (default; or bin/dev.js, or a runner script taking redis-server style
//   args: src/node/main.ts (the sources through tsx) or dist/src/node/main.js, no oclif)
//   NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" (extra node flags for the embedded node)
//   ONLY=embedded|redis (run one side only; ratios then print as '-')
//   ROUNDS=1 (throughput rounds; the best of each side is reported)
import {spawn, type ChildProcess} from 'node:child_process'
import {mkdtempSync, readFileSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join, resolve} from 'node:path'
import {Redis} from 'ioredis'
import {freePortPair} from '../test/helpers/ports.js'
import {run, sleep, connect, ownAllSlots} from './lib.js'

const N = Number(process.env.N ?? 1_000_000)
const KEYS = Number(process.env.KEYS ?? 1_000_000)
const CLIENTS = Number(process.env.CLIENTS ?? 50)
const PIPELINE = Number(process.env.PIPELINE ?? 16)
const ROOT = resolve(import.meta.dirname, '..')
const NODE_BIN = resolve(ROOT, process.env.NODE_BIN ?? 'bin/run.js')
const NODE_ARGS = (process.env.NODE_ARGS ?? '').split(/\s+/).filter(Boolean)
const ONLY = process.env.ONLY ?? ''
const ROUNDS = Number(process.env.ROUNDS ?? 1)

type Kind = 'embedded' | 'redis-server'

interface Target {
  kind: Kind
  port: number
  proc: ChildProcess
}

interface Result {
  set: number
  get: number
  setP: number
  getP: number
  sadd: number
  hset: number
  bytesPerKey: number
  keys: number
}

/** bin/dev.js and bench/node-runner.ts run the TypeScript sources through tsx. */
function nodeLoader(): string[] {
  if (NODE_BIN.endsWith('dev.js')) return ['--require', 'tsx/preflight', '--import', 'tsx', '--no-warnings']
  return NODE_BIN.endsWith('.ts') ? ['--import', 'tsx', '--no-warnings'] : []
}

async function start(kind: Kind, dir: string): Promise<Target> {
  const {port, busPort} = await freePortPair()
  const common = ['--port', String(port), '--bind', '127.0.0.1', '--cluster-enabled', 'yes', '--cluster-port', String(busPort),
    '--cluster-config-file', `nodes-${port}.conf`, '--dir', dir, '--logfile', join(dir, `${port}.log`), '--save', '', '--appendonly', 'no']
  const proc =
    kind === 'embedded'
      ? spawn(process.execPath, [...nodeLoader(), ...NODE_ARGS, NODE_BIN, ...(/(run|dev)\.js$/.test(NODE_BIN) ? ['node'] : []), ...common], {stdio: 'ignore', cwd: ROOT})
      : spawn('redis-server', common, {stdio: 'ignore', cwd: ROOT})
  const t: Target = {kind, port, proc}
  await ownAllSlots(port, kind)
  return t
}

function rssBytes(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
  if (!m) throw new Error(`no VmRSS for ${pid}`)
  return Number(m[1]) * 1024
}

/** redis-benchmark --csv: one line per test, "TEST","rps",...; returns test -> ops/s. */
async function bench(port: number, args: string[]): Promise<Map<string, number>> {
  const r = await run('redis-benchmark', ['-h', '127.0.0.1', '-p', String(port), '-c', String(CLIENTS), '--csv', ...args])
  if (r.code !== 0) throw new Error(`redis-benchmark failed: ${r.stdout}\n${r.stderr}`)
  const out = new Map<string, number>()
  for (const line of r.stdout.split('\n')) {
    const m = /^"([A-Z]+)","([\d.]+)"/.exec(line.trim())
    if (m) out.set(m[1], Number(m[2]))
  }
  if (r.stdout.includes('ERR') || r.stderr.includes('ERR')) throw new Error(`redis-benchmark saw errors: ${r.stdout}${r.stderr}`)
  return out
}

/** Memory on a fresh process: idle RSS, load KEYS small keys, settle, RSS again; then FLUSHALL. */
async function memory(t: Target): Promise<{bytesPerKey: number; keys: number}> {
  const pid = t.proc.pid!
  const c = await connect(t.port)
  try {
    await sleep(1000)
    const before = rssBytes(pid)
    await bench(t.port, ['-t', 'set', '-r', '100000000', '-n', String(KEYS), '-P', '16'])
    await sleep(1500)
    const after = rssBytes(pid)
    const keys = Number(await c.dbsize())
    await c.flushall()
    return {bytesPerKey: (after - before) / keys, keys}
  } finally {
    c.disconnect()
  }
}

function stop(t: Target): Promise<void> {
  return new Promise((r) => {
    if (t.proc.exitCode !== null || t.proc.signalCode !== null) return r()
    t.proc.once('exit', () => r())
    t.proc.kill('SIGKILL')
  })
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'redis-ts-bench-node-'))
  const targets: Target[] = []
  const results = new Map<Kind, Result>()
  const kinds = (['embedded', 'redis-server'] as Kind[]).filter((k) => !ONLY || k.startsWith(ONLY))
  try {
    for (const kind of kinds) {
      const t = await start(kind, dir)
      targets.push(t)
      process.stderr.write(`${kind} on port ${t.port} (pid ${t.proc.pid})\n`)
    }
    for (const t of targets) results.set(t.kind, {set: 0, get: 0, setP: 0, getP: 0, sadd: 0, hset: 0, ...(await memory(t))})
    // Throughput: the two servers take turns per test (and swap who goes first each round), so
    // a burst of load from elsewhere on the machine does not hit only one of them; best of ROUNDS.
    const tests: [keyof Result, string[]][] = [
      ['set', ['-t', 'set']],
      ['get', ['-t', 'get']],
      ['setP', ['-t', 'set', '-P', String(PIPELINE)]],
      ['getP', ['-t', 'get', '-P', String(PIPELINE)]],
      ['sadd', ['-t', 'sadd', '-r', '100000']],
      ['hset', ['-t', 'hset', '-r', '100000']],
    ]
    for (let round = 0; round < ROUNDS; round++) {
      for (const [field, args] of tests) {
        const order = round % 2 === 0 ? targets : [...targets].reverse()
        for (const t of order) {
          const rps = (await bench(t.port, [...args, '-n', String(N)])).get(args[1].toUpperCase())!
          const r = results.get(t.kind)!
          r[field] = Math.max(r[field], rps)
          process.stderr.write(`  round ${round + 1} ${t.kind} ${args.join(' ')}: ${Math.round(rps)} ops/s\n`)
        }
      }
    }
    // SIGINT lets a --cpu-prof run write its profile; SIGKILL (stop) after a grace period.
    for (const t of targets) {
      if (t.kind !== 'embedded' || !NODE_ARGS.length) continue
      t.proc.kill('SIGINT')
      await Promise.race([new Promise((r) => t.proc.once('exit', r)), sleep(5000)])
    }
  } finally {
    await Promise.all(targets.map(stop))
    rmSync(dir, {recursive: true, force: true})
  }
  const e = results.get('embedded')
  const r = results.get('redis-server')
  const ops = (x?: number) => (x === undefined ? '-' : Math.round(x).toLocaleString('en-US'))
  const ratio = (a?: number, b?: number) => (a === undefined || b === undefined ? '-' : (a / b).toFixed(2) + 'x')
  const lines = [
    `redis-benchmark -c ${CLIENTS} -n ${N} (best of ${ROUNDS}); memory after ${KEYS} SETs (-r 100000000, 3-byte values)`,
    '',
    '| metric | embedded | redis-server | embedded/redis-server | goal |',
    '| --- | ---: | ---: | ---: | --- |',
    `| SET ops/s | ${ops(e?.set)} | ${ops(r?.set)} | ${ratio(e?.set, r?.set)} | >= 0.8x |`,
    `| GET ops/s | ${ops(e?.get)} | ${ops(r?.get)} | ${ratio(e?.get, r?.get)} | >= 0.8x |`,
    `| SET ops/s -P ${PIPELINE} | ${ops(e?.setP)} | ${ops(r?.setP)} | ${ratio(e?.setP, r?.setP)} | >= 0.5x |`,
    `| GET ops/s -P ${PIPELINE} | ${ops(e?.getP)} | ${ops(r?.getP)} | ${ratio(e?.getP, r?.getP)} | >= 0.5x |`,
    `| SADD ops/s (-r 100000) | ${ops(e?.sadd)} | ${ops(r?.sadd)} | ${ratio(e?.sadd, r?.sadd)} | >= 0.8x |`,
    `| HSET ops/s (-r 100000) | ${ops(e?.hset)} | ${ops(r?.hset)} | ${ratio(e?.hset, r?.hset)} | >= 0.8x |`,
    `| bytes/key (RSS delta / DBSIZE) | ${e ? e.bytesPerKey.toFixed(0) : '-'} (${e?.keys ?? '-'} keys) | ${r ? r.bytesPerKey.toFixed(0) : '-'} (${r?.keys ?? '-'} keys) | ${ratio(e?.bytesPerKey, r?.bytesPerKey)} | <= 2x |`,
  ]
  console.log(lines.join('\n'))
}

await main()

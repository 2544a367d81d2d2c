// Benchmark: Lua scripting on the embedded node vs redis-server, side by side in one run.
//   1. redis-benchmark -n N -c 50 EVAL "return redis.call('incr', KEYS[1])" 1 k
//   2. EVALSHA of a 10-command script (5 INCR + 5 GET on one key)
//   3. SET and GET throughput of a node that never ran a script, and its start-up time (so the
//      scripting module costs nothing until it is used)
// The two servers take turns per test so load from elsewhere hits both alike; ratios are
// embedded / redis-server. Run: npm run build && node --import tsx bench/scripting.ts
// Options (env): N=200000 CLIENTS=50 ROUNDS=2
import {spawn, type ChildProcess} from 'node:child_process'
import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join, resolve} from 'node:path'
import {freePortPair} from '../test/helpers/ports.js'
import {connect, run, sleep} from './lib.js'

const N = Number(process.env.N ?? 200_000)
const CLIENTS = Number(process.env.CLIENTS ?? 50)
const ROUNDS = Number(process.env.ROUNDS ?? 2)
const ROOT = resolve(import.meta.dirname, '..')
const MAIN = resolve(ROOT, 'dist/src/node/main.js')

type Kind = 'embedded' | 'redis-server'
interface Target {
  kind: Kind
  port: number
  proc: ChildProcess
  startMs: number
}

async function start(kind: Kind, dir: string): Promise<Target> {
  const {port} = await freePortPair()
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir]
  const t0 = performance.now()
  const proc = kind === 'embedded' ? spawn(process.execPath, [MAIN, ...args], {stdio: 'ignore'}) : spawn('redis-server', args, {stdio: 'ignore'})
  for (;;) {
    try {
      const c = await connect(port)
      await c.ping()
      c.disconnect()
      break
    } catch {
      await sleep(10)
    }
  }
  return {kind, port, proc, startMs: performance.now() - t0}
}

function stop(t: Target): Promise<void> {
  return new Promise((res) => {
    if (t.proc.exitCode !== null) return res()
    t.proc.once('exit', () => res())
    t.proc.kill('SIGKILL')
  })
}

async function bench(port: number, args: string[]): Promise<number> {
  const r = await run('redis-benchmark', ['-h', '127.0.0.1', '-p', String(port), '-c', String(CLIENTS), '-n', String(N), '--csv', ...args])
  if (r.code !== 0) throw new Error(`redis-benchmark failed: ${r.stdout}\n${r.stderr}`)
  // "test name","rps",...: the name may hold commas (a script), so match the quoted fields.
  const line = r.stdout.trim().split('\n').pop() ?? ''
  return Number(/^"(?:[^"]|"")*","([\d.]+)"/.exec(line)?.[1])
}

const SCRIPT10 = "for i = 1, 5 do redis.call('INCR', KEYS[1]) redis.call('GET', KEYS[1]) end return 1"

async function main(): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), 'redis-ts-bench-script-'))
  const kinds: Kind[] = ['embedded', 'redis-server']
  const results: Record<string, Record<Kind, number>> = {}
  const record = (name: string, kind: Kind, v: number) => {
    results[name] ??= {embedded: 0, 'redis-server': 0}
    results[name][kind] = Math.max(results[name][kind], v)
  }
  const startup: Record<Kind, number[]> = {embedded: [], 'redis-server': []}
  try {
    for (let round = 0; round < ROUNDS; round++) {
      for (const kind of kinds) {
        // A node that never ran a script: start-up, SET, GET.
        const fresh = await start(kind, mkdtempSync(join(root, 'f-')))
        startup[kind].push(fresh.startMs)
        record('SET (no script ever run)', kind, await bench(fresh.port, ['-t', 'set', '-r', '100000']))
        record('GET (no script ever run)', kind, await bench(fresh.port, ['-t', 'get', '-r', '100000']))
        await stop(fresh)
        const t = await start(kind, mkdtempSync(join(root, 's-')))
        record(`EVAL incr (1 command)`, kind, await bench(t.port, ['eval', "return redis.call('incr', KEYS[1])", '1', 'k']))
        const c = await connect(t.port)
        const sha = (await c.script('LOAD', SCRIPT10)) as string
        c.disconnect()
        record('EVALSHA (10 commands)', kind, await bench(t.port, ['evalsha', sha, '1', 'k']))
        await stop(t)
      }
    }
  } finally {
    rmSync(root, {recursive: true, force: true})
  }
  const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]
  console.log(`N=${N} clients=${CLIENTS} rounds=${ROUNDS} (best of rounds, ops/s)`)
  console.log('| test | embedded | redis-server | ratio |')
  console.log('|---|---:|---:|---:|')
  for (const [name, r] of Object.entries(results)) {
    console.log(`| ${name} | ${Math.round(r.embedded)} | ${Math.round(r['redis-server'])} | ${(r.embedded / r['redis-server']).toFixed(2)}× |`)
  }
  console.log(`| start-up to first PONG (median ms) | ${med(startup.embedded).toFixed(0)} | ${med(startup['redis-server']).toFixed(0)} | ${(med(startup.embedded) / med(startup['redis-server'])).toFixed(2)}× |`)
}

await main()

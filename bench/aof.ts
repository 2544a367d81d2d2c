// Benchmark (issue 7): the cost of the AOF fsync policy, embedded node vs redis-server side by
// side. For appendonly no / appendfsync no / everysec / always: redis-benchmark -t set -n N
// -c 50, without and with -P 16; both servers take turns per cell so load from elsewhere on
// the machine hits both alike; the best of ROUNDS is reported. (strace -f -c -e fdatasync
// shows the batching: both servers fsync once per event-loop turn, not once per client.)
// Run: npm run build && node --import tsx bench/aof.ts      Options (env): N=100000 ROUNDS=2
import {spawn, type ChildProcess} from 'node:child_process'
import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join, resolve} from 'node:path'
import {freePortPair} from '../test/helpers/ports.js'
import {waitReady} from '../test/helpers/redis-server.js'
import {run} from './lib.js'

const N = Number(process.env.N ?? 100_000)
const ROUNDS = Number(process.env.ROUNDS ?? 2)
const MAIN = resolve(import.meta.dirname, '..', 'dist', 'src', 'node', 'main.js')
const MODES = [
  ['appendonly no', ['--appendonly', 'no']],
  ['appendfsync no', ['--appendonly', 'yes', '--appendfsync', 'no']],
  ['appendfsync everysec', ['--appendonly', 'yes', '--appendfsync', 'everysec']],
  ['appendfsync always', ['--appendonly', 'yes', '--appendfsync', 'always']],
] as const
type Kind = 'embedded' | 'redis-server'

async function start(kind: Kind, dir: string, extra: readonly string[]): Promise<{port: number; proc: ChildProcess}> {
  const {port} = await freePortPair()
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', ...extra]
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

async function setRate(port: number, pipeline: number): Promise<number> {
  const r = await run('redis-benchmark', ['-p', String(port), '-t', 'set', '-n', String(N), '-c', '50', '-P', String(pipeline), '-q', '-r', '1000000'])
  const m = /SET: ([\d.]+) requests per second/.exec(r.stdout)
  if (!m) throw new Error(`redis-benchmark: ${r.stdout}${r.stderr}`)
  return Number(m[1])
}

const root = mkdtempSync(join(tmpdir(), 'redis-ts-bench-aof-'))
const rows: string[][] = []
try {
  for (const [name, extra] of MODES) {
    const best: Record<string, number> = {}
    for (let round = 0; round < ROUNDS; round++) {
      for (const kind of ['embedded', 'redis-server'] as Kind[]) {
        const dir = mkdtempSync(join(root, 'n-'))
        const srv = await start(kind, dir, extra)
        try {
          for (const p of [1, 16]) {
            const k = `${kind}/${p}`
            best[k] = Math.max(best[k] ?? 0, await setRate(srv.port, p))
          }
        } finally {
          await stop(srv)
          rmSync(dir, {recursive: true, force: true})
        }
      }
    }
    const f = (x: number) => Math.round(x).toLocaleString('en-US')
    rows.push([name, f(best['embedded/1']), f(best['redis-server/1']), f(best['embedded/16']), f(best['redis-server/16'])])
  }
} finally {
  rmSync(root, {recursive: true, force: true})
}
console.log(`SET ops/s, redis-benchmark -n ${N} -c 50 (best of ${ROUNDS})`)
console.log('| mode | embedded -P 1 | redis-server -P 1 | embedded -P 16 | redis-server -P 16 |')
console.log('|---|---:|---:|---:|---:|')
for (const r of rows) console.log(`| ${r.join(' | ')} |`)

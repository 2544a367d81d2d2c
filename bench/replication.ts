// Benchmark: replication of the embedded node vs redis-server, side by side in one run.
//   1. full sync of KEYS small keys master -> replica (embedded -> embedded, redis -> redis):
//      time from REPLICAOF until the replica reports master_link_status:up with every key, and the
//      peak memory overhead on the master side during the sync (PSS of the master and, for
//      redis-server, its fork child, sampled every 20 ms, minus the master's PSS before the sync);
//   2. write throughput of a master alone vs with one attached replica (redis-benchmark SET -c 50,
//      with and without -P 16) and the ratio (goal: embedded keeps >= 0.8x; redis-server ~0.9x);
//   3. replication lag during that load: max(master_repl_offset - replica slave_repl_offset),
//      sampled every 100 ms.
// Run: npm run build && node --import tsx bench/replication.ts
// Options (env): KEYS=1000000 N=500000 CLIENTS=50 PIPELINE=16 ROUNDS=3 ONLY=embedded|redis
import {spawn, type ChildProcess} from 'node:child_process'
import {mkdtempSync, readFileSync, readdirSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join, resolve} from 'node:path'
import {Redis} from 'ioredis'
import {freePortPair} from '../test/helpers/ports.js'
import {fmt, run, sleep, connect} from './lib.js'

const KEYS = Number(process.env.KEYS ?? 1_000_000)
const N = Number(process.env.N ?? 500_000)
const CLIENTS = Number(process.env.CLIENTS ?? 50)
const PIPELINE = Number(process.env.PIPELINE ?? 16)
const ONLY = process.env.ONLY ?? ''
const ROUNDS = Number(process.env.ROUNDS ?? 3)
const ROOT = resolve(import.meta.dirname, '..')
const NODE_MAIN = resolve(ROOT, 'dist/src/node/main.js')

type Kind = 'embedded' | 'redis-server'
interface Proc {
  kind: Kind
  port: number
  proc: ChildProcess
}

async function start(kind: Kind, dir: string): Promise<Proc> {
  const {port} = await freePortPair()
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--logfile', join(dir, `${port}.log`),
    '--save', '', '--appendonly', 'no', '--repl-diskless-sync-delay', '0', '--dbfilename', `dump-${port}.rdb`]
  const proc = kind === 'embedded' ? spawn(process.execPath, [NODE_MAIN, ...args], {stdio: 'ignore'}) : spawn('redis-server', args, {stdio: 'ignore'})
  const p = {kind, port, proc}
  ;(await connect(port)).disconnect()
  return p
}

function stop(p: Proc): Promise<void> {
  return new Promise((r) => {
    if (p.proc.exitCode !== null || p.proc.signalCode !== null) return r()
    p.proc.once('exit', () => r())
    p.proc.kill('SIGKILL')
  })
}

/** Proportional set size of a process and its children (a fork shares pages with its parent). */
function pssTree(pid: number): number {
  let total = 0
  const pids = [pid]
  try {
    for (const t of readdirSync(`/proc/${pid}/task`)) {
      const kids = readFileSync(`/proc/${pid}/task/${t}/children`, 'utf8').trim()
      if (kids) pids.push(...kids.split(/\s+/).map(Number))
    }
  } catch {
    // process gone
  }
  for (const p of pids) {
    try {
      const m = /^Pss:\s+(\d+) kB/m.exec(readFileSync(`/proc/${p}/smaps_rollup`, 'utf8'))
      if (m) total += Number(m[1]) * 1024
    } catch {
      // child exited between the two reads
    }
  }
  return total
}

function field(info: string, name: string): string {
  return new RegExp(`^${name}:(.*)\\r?$`, 'm').exec(info)?.[1] ?? ''
}

async function load(port: number, keys: number): Promise<void> {
  const c = await connect(port)
  try {
    for (let i = 0; i < keys; i += 10000) {
      const p = c.pipeline()
      for (let j = i; j < Math.min(keys, i + 10000); j++) p.set(`key:${j}`, `v${j}`)
      await p.exec()
    }
  } finally {
    c.disconnect()
  }
}

async function fullSync(kind: Kind, dir: string): Promise<{ms: number; overhead: number; keys: number}> {
  const m = await start(kind, dir)
  const r = await start(kind, dir)
  try {
    await load(m.port, KEYS)
    const mc = await connect(m.port)
    const rc = await connect(r.port)
    const keys = Number(await mc.dbsize())
    await sleep(1000)
    const base = pssTree(m.proc.pid!)
    let peak = base
    const sampler = setInterval(() => (peak = Math.max(peak, pssTree(m.proc.pid!))), 20)
    const t0 = performance.now()
    await rc.call('REPLICAOF', '127.0.0.1', String(m.port))
    for (;;) {
      const info = String(await rc.info('replication'))
      if (field(info, 'master_link_status') === 'up' && Number(await rc.dbsize()) === keys) break
      if (performance.now() - t0 > 300000) throw new Error(`${kind}: full sync did not finish`)
      await sleep(10)
    }
    const ms = performance.now() - t0
    clearInterval(sampler)
    mc.disconnect()
    rc.disconnect()
    return {ms, overhead: peak - base, keys}
  } finally {
    await stop(m)
    await stop(r)
  }
}

async function bench(port: number, args: string[]): Promise<number> {
  const r = await run('redis-benchmark', ['-h', '127.0.0.1', '-p', String(port), '-c', String(CLIENTS), '-n', String(N), '-r', '1000000', '--csv', '-t', 'set', ...args])
  const m = /^"SET","([\d.]+)"/m.exec(r.stdout)
  if (r.code !== 0 || !m) throw new Error(`redis-benchmark failed: ${r.stdout}\n${r.stderr}`)
  return Number(m[1])
}

interface Throughput {
  alone: number
  aloneP: number
  withReplica: number
  withReplicaP: number
  maxLag: number
  /** master process CPU per SET (µs), -P runs, without and with the replica attached */
  cpuAlone: number
  cpuWith: number
}

/** utime + stime of a process in µs (/proc/PID/stat fields 14 and 15, clock ticks of 10 ms). */
function cpuMicros(pid: number): number {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ')
  return (Number(f[11]) + Number(f[12])) * 10000
}

async function throughput(kind: Kind, dir: string): Promise<Throughput> {
  const m = await start(kind, dir)
  const r = await start(kind, dir)
  const mc = await connect(m.port)
  const rc = await connect(r.port)
  const best: Throughput = {alone: 0, aloneP: 0, withReplica: 0, withReplicaP: 0, maxLag: 0, cpuAlone: Infinity, cpuWith: Infinity}
  const pid = m.proc.pid!
  try {
    // Rounds alternate a detached and an attached replica (the same two processes), so load from
    // elsewhere on the machine hits both alike; the best of each is reported.
    for (let round = 0; round < ROUNDS; round++) {
      await rc.call('REPLICAOF', 'NO', 'ONE')
      await mc.flushall()
      best.alone = Math.max(best.alone, await bench(m.port, []))
      let c0 = cpuMicros(pid)
      best.aloneP = Math.max(best.aloneP, await bench(m.port, ['-P', String(PIPELINE)]))
      best.cpuAlone = Math.min(best.cpuAlone, (cpuMicros(pid) - c0) / N)
      await mc.flushall()
      await rc.call('REPLICAOF', '127.0.0.1', String(m.port))
      while (field(String(await rc.info('replication')), 'master_link_status') !== 'up') await sleep(20)
      let sampling = true
      const sampler = (async () => {
        while (sampling) {
          const [mi, ri] = await Promise.all([mc.info('replication'), rc.info('replication')])
          best.maxLag = Math.max(best.maxLag, Number(field(String(mi), 'master_repl_offset')) - Number(field(String(ri), 'slave_repl_offset')))
          await sleep(100)
        }
      })()
      best.withReplica = Math.max(best.withReplica, await bench(m.port, []))
      c0 = cpuMicros(pid)
      best.withReplicaP = Math.max(best.withReplicaP, await bench(m.port, ['-P', String(PIPELINE)]))
      best.cpuWith = Math.min(best.cpuWith, (cpuMicros(pid) - c0) / N)
      sampling = false
      await sampler
    }
    return best
  } finally {
    mc.disconnect()
    rc.disconnect()
    await stop(r)
    await stop(m)
  }
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'redis-ts-bench-repl-'))
  const kinds = (['embedded', 'redis-server'] as Kind[]).filter((k) => !ONLY || k.startsWith(ONLY))
  const sync = new Map<Kind, Awaited<ReturnType<typeof fullSync>>>()
  const tput = new Map<Kind, Throughput>()
  try {
    for (const k of kinds) {
      sync.set(k, await fullSync(k, dir))
      process.stderr.write(`${k}: full sync ${fmt(sync.get(k)!.ms)}, overhead ${(sync.get(k)!.overhead / 1048576).toFixed(1)} MiB\n`)
    }
    for (const k of kinds) {
      tput.set(k, await throughput(k, dir))
      process.stderr.write(`${k}: ${JSON.stringify(tput.get(k))}\n`)
    }
  } finally {
    rmSync(dir, {recursive: true, force: true})
  }
  const e = sync.get('embedded')
  const r = sync.get('redis-server')
  const te = tput.get('embedded')
  const tr = tput.get('redis-server')
  const ops = (x?: number) => (x === undefined ? '-' : Math.round(x).toLocaleString('en-US'))
  const ratio = (a?: number, b?: number) => (a === undefined || b === undefined ? '-' : (a / b).toFixed(2) + 'x')
  const mib = (x?: number) => (x === undefined ? '-' : `${(x / 1048576).toFixed(1)} MiB`)
  console.log([
    `full sync of ${KEYS} small keys; redis-benchmark SET -c ${CLIENTS} -n ${N} -r 1000000, best of ${ROUNDS} alternating rounds`,
    '',
    '| metric | embedded | redis-server | embedded/redis-server | goal |',
    '| --- | ---: | ---: | ---: | --- |',
    `| full sync, REPLICAOF -> link up with all keys | ${e ? fmt(e.ms) : '-'} | ${r ? fmt(r.ms) : '-'} | ${ratio(e?.ms, r?.ms)} | <= 2x |`,
    `| master-side peak memory overhead during the sync (PSS) | ${mib(e?.overhead)} | ${mib(r?.overhead)} | ${ratio(e?.overhead, r?.overhead)} | <= 2x |`,
    `| SET ops/s, no replica | ${ops(te?.alone)} | ${ops(tr?.alone)} | ${ratio(te?.alone, tr?.alone)} | |`,
    `| SET ops/s, one replica | ${ops(te?.withReplica)} | ${ops(tr?.withReplica)} | ${ratio(te?.withReplica, tr?.withReplica)} | |`,
    `| with replica / without | ${ratio(te?.withReplica, te?.alone)} | ${ratio(tr?.withReplica, tr?.alone)} | | embedded >= 0.8x |`,
    `| SET ops/s -P ${PIPELINE}, no replica | ${ops(te?.aloneP)} | ${ops(tr?.aloneP)} | ${ratio(te?.aloneP, tr?.aloneP)} | |`,
    `| SET ops/s -P ${PIPELINE}, one replica | ${ops(te?.withReplicaP)} | ${ops(tr?.withReplicaP)} | ${ratio(te?.withReplicaP, tr?.withReplicaP)} | |`,
    `| with replica / without (-P ${PIPELINE}) | ${ratio(te?.withReplicaP, te?.aloneP)} | ${ratio(tr?.withReplicaP, tr?.aloneP)} | | embedded >= 0.8x |`,
    `| master CPU per SET, -P ${PIPELINE}: no replica / one replica (µs) | ${te ? `${te.cpuAlone.toFixed(2)} / ${te.cpuWith.toFixed(2)}` : '-'} | ${tr ? `${tr.cpuAlone.toFixed(2)} / ${tr.cpuWith.toFixed(2)}` : '-'} | | |`,
    `| max replication lag under load (bytes, sampled every 100 ms) | ${te ? te.maxLag : '-'} | ${tr ? tr.maxLag : '-'} | | |`,
  ].join('\n'))
}

await main()

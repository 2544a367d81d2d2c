// Benchmark: latency spikes while a keyspace grows (the keys dict's table doubling), embedded node
// vs redis-server side by side, standalone and --cluster-enabled yes (owning all slots).
// 1. Both servers, over sockets: one client fills N keys with pipelined SETs (one batch of BATCH in
//    flight at a time) while a probe client sends PING one at a time. Reported: the slowest single
//    SET as the server itself timed it (SLOWLOG, threshold 1 ms: the measure least disturbed by a
//    loaded machine), how many SETs took over 1 ms / 10 ms, the probe's max and p99.9 round trip,
//    and each server's CPU time for the fill (/proc/PID/stat utime+stime).
// 2. The embedded node in this process (no sockets, as bench/node-hotpath.ts): the event-loop
//    thread's CPU time for each batch of BATCH SETs (not wall clock: the machine is shared), median,
//    p99.9 and max, and for the batches where the keys dict doubles, at INPROC sizes.
// A table doubling that did work proportional to the keyspace in one command shows as one SET far
// slower than the rest (redis-server rehashes incrementally: no such outlier).
// Run: npm run build && node --import tsx bench/dict-stall.ts
// Options (env): SIZES=1000000 (socket runs) INPROC=1000000,4000000 MODES=standalone,cluster
//   BATCH=500 ONLY=embedded|redis NODE_MAIN=dist/src/node/main.cjs (the embedded node's entry)
import {spawn, type ChildProcess} from 'node:child_process'
import {mkdtempSync, readFileSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join, resolve} from 'node:path'
import {Redis} from 'ioredis'
import type {Socket} from 'node:net'
import {startNode} from '../src/node/index.js'
import {Session} from '../src/node/session.js'
import {freePortPair} from '../test/helpers/ports.js'
import {connect, ownAllSlots, sleep} from './lib.js'

const SIZES = (process.env.SIZES ?? '1000000').split(',').filter(Boolean).map(Number)
const INPROC = (process.env.INPROC ?? '1000000,4000000').split(',').filter(Boolean).map(Number)
const MODES = (process.env.MODES ?? 'standalone,cluster').split(',')
const BATCH = Number(process.env.BATCH ?? 500)
const ONLY = process.env.ONLY ?? ''
const ROOT = resolve(import.meta.dirname, '..')
const NODE_MAIN = resolve(ROOT, process.env.NODE_MAIN ?? 'dist/src/node/main.cjs')

type Kind = 'embedded' | 'redis-server'

interface Row {
  kind: Kind
  mode: string
  keys: number
  fillMs: number
  cpuMs: number
  pingMax: number
  ping999: number
  setMax: number
  over1: number
  over10: number
  table: string
}

async function start(kind: Kind, mode: string, dir: string): Promise<{port: number; proc: ChildProcess}> {
  const {port, busPort} = await freePortPair()
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no', '--enable-debug-command', 'yes', '--logfile', join(dir, `${port}.log`)]
  if (mode === 'cluster') args.push('--cluster-enabled', 'yes', '--cluster-port', String(busPort), '--cluster-config-file', `nodes-${port}.conf`)
  const proc = kind === 'embedded' ? spawn(process.execPath, [NODE_MAIN, ...args], {stdio: 'ignore'}) : spawn('redis-server', args, {stdio: 'ignore'})
  if (mode === 'cluster') await ownAllSlots(port, kind)
  else (await connect(port)).disconnect() // answering
  return {port, proc}
}

/** utime + stime of a process in ms (/proc/PID/stat fields 14 and 15, clock ticks of 10 ms). */
function cpuMs(pid: number): number {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ')
  return (Number(f[11]) + Number(f[12])) * 10
}

async function fill(kind: Kind, mode: string, keys: number, dir: string): Promise<Row> {
  const {port, proc} = await start(kind, mode, dir)
  const filler = new Redis({port, host: '127.0.0.1', enableAutoPipelining: false})
  const probe = new Redis({port, host: '127.0.0.1'})
  try {
    await Promise.all([filler.ping(), probe.ping()])
    await filler.call('CONFIG', 'SET', 'slowlog-log-slower-than', '1000')
    await filler.call('CONFIG', 'SET', 'slowlog-max-len', '100000')
    await filler.call('SLOWLOG', 'RESET')
    const pings: number[] = []
    let done = false
    const probing = (async () => {
      while (!done) {
        const t = performance.now()
        await probe.ping()
        pings.push(performance.now() - t)
        await new Promise((r) => setImmediate(r))
      }
    })()
    const cpu0 = cpuMs(proc.pid!)
    const t0 = performance.now()
    for (let i = 0; i < keys; i += BATCH) {
      const p = filler.pipeline()
      for (let j = i; j < Math.min(keys, i + BATCH); j++) p.set(key(j), 'xxx')
      await p.exec()
    }
    const fillMs = performance.now() - t0
    const cpu = cpuMs(proc.pid!) - cpu0
    done = true
    await probing
    const size = Number(await filler.dbsize())
    if (size !== keys) throw new Error(`${kind}: DBSIZE ${size}, expected ${keys}`)
    const stats = String(await filler.call('DEBUG', 'HTSTATS', '0'))
    const table = /table size: (\d+)/.exec(stats)?.[1] ?? '?'
    // SLOWLOG entries: [id, time, duration us, argv, ...]
    const sets = ((await filler.call('SLOWLOG', 'GET', '100000')) as [number, number, number, string[]][]).filter((e) => String(e[3][0]).toUpperCase() === 'SET').map((e) => e[2] / 1000)
    pings.sort((a, b) => a - b)
    return {kind, mode, keys, fillMs, cpuMs: cpu, pingMax: pings[pings.length - 1], ping999: pings[Math.floor(pings.length * 0.999)],
      setMax: Math.max(0, ...sets), over1: sets.length, over10: sets.filter((d) => d > 10).length, table}
  } finally {
    filler.disconnect()
    probe.disconnect()
    await new Promise<void>((r) => {
      if (proc.exitCode !== null || proc.signalCode !== null) return r()
      proc.once('exit', () => r())
      proc.kill('SIGKILL')
    })
  }
}

const key = (i: number) => `key:${String(i).padStart(12, '0')}`
const cmd = (...a: string[]) => `*${a.length}\r\n` + a.map((x) => `$${x.length}\r\n${x}\r\n`).join('')

/**
 * This thread's CPU time (/proc/self/task/PID/stat, 10 ms ticks): unlike process.cpuUsage it leaves
 * out V8's concurrent GC threads, which do not stop the event loop.
 */
function mainThreadCpuMs(): number {
  const f = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8').split(') ')[1].split(' ')
  return (Number(f[11]) + Number(f[12])) * 10
}

/** The embedded node in this process: CPU time of each batch of BATCH SETs while filling `keys`. */
async function inProcess(mode: string, keys: number, dir: string): Promise<string> {
  const {busPort} = await freePortPair()
  const cluster: Record<string, string> = mode === 'cluster' ? {'cluster-enabled': 'yes', 'cluster-port': String(busPort), 'cluster-config-file': `nodes-inproc-${busPort}.conf`} : {}
  const node = await startNode({silent: true, overrides: {port: '0', bind: '127.0.0.1', dir, save: '', ...cluster}})
  const sock = {write: () => true, writableLength: 0, remoteAddress: '127.0.0.1', remotePort: 1, localAddress: '127.0.0.1', localPort: 2, end() {}, destroy() {}} as unknown as Socket
  const s = new Session(node.server, sock)
  try {
    if (mode === 'cluster') {
      s.onData(Buffer.from(cmd('CLUSTER', 'ADDSLOTSRANGE', '0', '16383')))
      for (let i = 0; i < 1000 && !s.reply.out.includes('cluster_state:ok'); i++) {
        s.reply.out = ''
        s.onData(Buffer.from(cmd('CLUSTER', 'INFO')))
        await sleep(20)
      }
    }
    const cpu: number[] = []
    const doubling: number[] = []
    for (let i = 0; i < keys; i += BATCH) {
      let out = ''
      for (let j = i; j < Math.min(keys, i + BATCH); j++) out += cmd('SET', key(j), 'xxx')
      const buf = Buffer.from(out, 'latin1')
      s.reply.out = ''
      const c0 = mainThreadCpuMs()
      s.onData(buf)
      cpu.push(mainThreadCpuMs() - c0)
      // the batch whose SETs take the keys dict past a power of two (>= 65536): where it doubles
      const p2 = 2 ** Math.ceil(Math.log2(i + 1))
      if (p2 >= 65536 && p2 < i + BATCH) doubling.push(cpu[cpu.length - 1])
    }
    const total = cpu.reduce((a, b) => a + b, 0)
    cpu.sort((a, b) => a - b)
    const f = (x: number) => x.toFixed(1)
    return `| ${mode} | ${keys.toLocaleString('en-US')} | ${(total / 1000).toFixed(2)} | ${(total / cpu.length).toFixed(2)} | ${f(cpu[cpu.length >> 1])} | ${f(cpu[Math.floor(cpu.length * 0.999)])} | ${f(cpu[cpu.length - 1])} | ${doubling.map(f).join(', ')} |`
  } finally {
    await node.stop()
  }
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'redis-ts-dict-stall-'))
  const kinds = (['embedded', 'redis-server'] as Kind[]).filter((k) => !ONLY || k.startsWith(ONLY))
  const rows: Row[] = []
  const inproc: string[] = []
  try {
    if (!ONLY || ONLY.startsWith('embedded')) {
      for (const keys of INPROC) {
        for (const mode of MODES) {
          inproc.push(await inProcess(mode, keys, dir))
          process.stderr.write(`in-process ${inproc[inproc.length - 1]}\n`)
        }
      }
    }
    for (const keys of SIZES) {
      for (const mode of MODES) {
        for (const kind of kinds) {
          const r = await fill(kind, mode, keys, dir)
          rows.push(r)
          process.stderr.write(`${kind} ${mode} ${keys}: slowest SET ${r.setMax.toFixed(1)} ms, probe max ${r.pingMax.toFixed(1)} ms, cpu ${r.cpuMs} ms\n`)
        }
      }
    }
  } finally {
    rmSync(dir, {recursive: true, force: true})
  }
  const ms = (x: number) => x.toFixed(1)
  if (inproc.length) {
    console.log(`Embedded node in process: event-loop thread CPU ms per batch of ${BATCH} SETs while filling (10 ms ticks)\n`)
    console.log('| mode | keys | CPU s | mean ms/batch | median | p99.9 | max | the batches where the table doubles (65536 up) |')
    console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |')
    console.log(inproc.join('\n') + '\n')
  }
  if (!rows.length) return
  console.log(`Over sockets: SET fill, pipelined batches of ${BATCH}, one PING probe in flight meanwhile\n`)
  console.log('| server | mode | keys | table size | fill s | server CPU s | slowest SET ms (SLOWLOG) | SETs > 1 ms | SETs > 10 ms | PING max ms | PING p99.9 ms |')
  console.log('| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |')
  for (const r of rows) {
    console.log(`| ${r.kind} | ${r.mode} | ${r.keys.toLocaleString('en-US')} | ${r.table} | ${(r.fillMs / 1000).toFixed(1)} | ${(r.cpuMs / 1000).toFixed(1)} | ${ms(r.setMax)} | ${r.over1} | ${r.over10} | ${ms(r.pingMax)} | ${ms(r.ping999)} |`)
  }
}

await main()

// Benchmark (issue 10): how fast a 3 masters + 3 replicas cluster is ready for use, four ways, one run:
//  - `redis-ts create --replicas 1 --yes` (no addresses: embedded local cluster, one host process),
//    returns healthy;
//  - the same with `--no-single-process` (a process per embedded node);
//  - the same with `--server /usr/bin/redis-server`;
//  - 6 plain redis-server processes + `redis-cli --cluster create --cluster-replicas 1 --cluster-yes`,
//    timed until every node reports cluster_state:ok and every replica is synced.
// Clocks start before any process is spawned. Also: CPU seconds the six nodes used to get there
// (robust on a shared machine) and the peak RSS (VmHWM) of six idle embedded nodes (a process each,
// and in one process: the host's, plus the six stub processes that stand for the nodes).
// Run: npm run build && node --import tsx bench/local-ready.ts    Env: ROUNDS (default 5)
import {mkdtempSync, readFileSync, rmSync} from 'node:fs'
import {loadavg, tmpdir} from 'node:os'
import {join} from 'node:path'
import {BIN, RedisNodes, fmt, median, nodeProcesses, processCpuMs, run, sleep, timeUntilAllOk, timeUntilReplicasSynced} from './lib.js'

const ROUNDS = Number(process.env.ROUNDS ?? 5)

interface Sample {
  ms: number
  cpuMs: number
}

function hwmKb(pid: number): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
  return m ? Number(m[1]) : 0
}

interface LocalState {
  singleProcess?: boolean
  nodes: {pid: number}[]
}

async function localCreate(server: string | undefined, measureRss: boolean, extra: string[] = []): Promise<Sample & {rssKb?: number[]}> {
  const dir = mkdtempSync(join(tmpdir(), 'rt-bench-ready-'))
  try {
    const args = [BIN, 'create', '--replicas', '1', '--yes', '--port', '0', '--dir', dir, ...(server ? ['--server', server] : []), ...extra]
    const r = await run(process.execPath, args)
    if (r.code !== 0) throw new Error(`create ${server ?? 'embedded'} failed: ${r.stdout}\n${r.stderr}`)
    const state = JSON.parse(readFileSync(join(dir, 'cluster.json'), 'utf8')) as LocalState
    // the processes that run the nodes (--single-process: the host; its stubs use no CPU)
    const procs = nodeProcesses(state)
    const cpu = procs.reduce((a, pid) => a + processCpuMs(pid), 0)
    let rssKb: number[] | undefined
    if (measureRss) {
      await sleep(3000) // idle: a few cron ticks and gossip rounds
      rssKb = [...new Set([...procs, ...state.nodes.map((n) => n.pid)])].map(hwmKb)
    }
    return {ms: r.ms, cpuMs: cpu, ...(rssKb ? {rssKb} : {})}
  } finally {
    await run(process.execPath, [BIN, 'local', 'destroy', '--dir', dir])
    rmSync(dir, {recursive: true, force: true})
  }
}

async function redisCliCreate(): Promise<Sample> {
  const rn = new RedisNodes()
  try {
    const t0 = performance.now()
    // The same node timeout as a local cluster (2 s); redis-cli does not lower it while joining.
    const nodes = await rn.start(6, {nodeTimeout: 2000})
    const r = await run('redis-cli', ['--cluster', 'create', ...nodes.map((n) => n.address), '--cluster-replicas', '1', '--cluster-yes'])
    if (r.code !== 0) throw new Error(`redis-cli --cluster create failed: ${r.stdout}`)
    const ok = await timeUntilAllOk(nodes, t0)
    const synced = await timeUntilReplicasSynced(nodes, 3, t0)
    const cpu = nodes.reduce((a, n) => a + (n.proc.pid ? processCpuMs(n.proc.pid) : 0), 0)
    return {ms: Math.max(ok, synced), cpuMs: cpu}
  } finally {
    await rn.stop()
  }
}

async function main(): Promise<void> {
  const ways: {name: string; run: (i: number) => Promise<Sample & {rssKb?: number[]}>}[] = [
    {name: '`redis-ts create --replicas 1` (embedded, one host process)', run: (i) => localCreate(undefined, i === 0)},
    {name: '`redis-ts create --replicas 1 --no-single-process` (embedded, a process per node)', run: (i) => localCreate(undefined, i === 0, ['--no-single-process'])},
    {name: '`redis-ts create --replicas 1 --server redis-server`', run: () => localCreate('/usr/bin/redis-server', false)},
    {name: 'redis-server ×6 + `redis-cli --cluster create --cluster-replicas 1`', run: () => redisCliCreate()},
  ]
  const samples = ways.map(() => [] as Sample[])
  const rss: number[][] = ways.map(() => [])
  const loads: number[] = []
  for (let round = 0; round < ROUNDS; round++) {
    // Rotate the order so no way always gets the quietest moment of a shared machine.
    for (let k = 0; k < ways.length; k++) {
      const w = (round + k) % ways.length
      const load = loadavg()[0]
      loads.push(load)
      const s = await ways[w].run(round)
      if (s.rssKb) rss[w] = s.rssKb
      samples[w].push(s)
      process.stderr.write(`round ${round + 1} ${ways[w].name}: ${fmt(s.ms)} (node CPU ${fmt(s.cpuMs)}; load average ${load.toFixed(2)} before)\n`)
    }
  }
  // Every round, not only the median: a bimodal distribution shows (rounds in the order they ran).
  const all = (xs: number[]) => xs.map((x) => (x / 1000).toFixed(2)).join(', ')
  console.log('| 3 masters + 3 replicas, ready (all agree, cluster_state:ok, replicas synced) | median wall | rounds (s) | node CPU (sum of 6) | rounds (s) |')
  console.log('|---|---:|---|---:|---|')
  ways.forEach((w, i) => console.log(`| ${w.name} | ${fmt(median(samples[i].map((s) => s.ms)))} | ${all(samples[i].map((s) => s.ms))} | ${fmt(median(samples[i].map((s) => s.cpuMs)))} | ${all(samples[i].map((s) => s.cpuMs))} |`))
  const mb = (kb: number) => `${(kb / 1024).toFixed(1)} MB`
  ways.forEach((w, i) => {
    if (rss[i].length) console.log(`\nPeak RSS (VmHWM) of six idle embedded nodes, ${w.name}: ${mb(rss[i].reduce((a, b) => a + b, 0))} in all (${rss[i].length} processes), ${mb(Math.max(...rss[i]))} the largest.`)
  })
  console.log(`\nMedian of ${ROUNDS}; wall time from before any process starts, CLI start-up included; load average (1 min) before each run ${Math.min(...loads).toFixed(2)}-${Math.max(...loads).toFixed(2)}.`)
}

await main()

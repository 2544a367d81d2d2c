// What each node does during one `redis-ts reshard` (issue 10, README "local clusters: embedded vs
// redis-server reshard", fifth pass): per node, the deltas of INFO stats (commands, client reads and
// writes, bytes) and CLUSTER INFO (bus messages) over the reshard, and its CPU time, on an embedded
// and a redis-server local cluster. Counts do not depend on the machine's load; CPU does.
// Run: npm run build && node --import tsx bench/reshard-events.ts
// Env: BENCH_KEYS (default 50000), BENCH_SLOTS (default 4096), BENCH_REPLICAS (default 1),
// BENCH_ONLY=embedded|redis-server, PERF=<file>: `perf record -g` of the nodes during the reshard
// (with REDIS_TS_NODE_ARGS=--perf-basic-prof for JavaScript frames; PERF_FREQ samples per second, default 297).
import {spawn} from 'node:child_process'
import {Redis} from 'ioredis'
import {BIN, processCpuMs, run, withLoadedCluster} from './lib.js'

const KEYS = Number(process.env.BENCH_KEYS ?? 50000)
const SLOTS = Number(process.env.BENCH_SLOTS ?? 4096)
const REPLICAS = Number(process.env.BENCH_REPLICAS ?? 1)
const ONLY = process.env.BENCH_ONLY
const FIELDS = ['cmds', 'reads', 'writes', 'busSent', 'busRecv', 'inBytes', 'outBytes'] as const
type Counts = Record<(typeof FIELDS)[number], number> & {role: string}

async function counts(address: string): Promise<Counts> {
  const [host, port] = address.split(':')
  const c = new Redis({host, port: Number(port), maxRetriesPerRequest: 0})
  try {
    const info = String(await c.call('INFO', 'everything'))
    const cluster = String(await c.call('CLUSTER', 'INFO'))
    const n = (text: string, name: string) => Number(new RegExp(`^${name}:(\\d+)`, 'm').exec(text)?.[1] ?? NaN)
    return {
      role: /^role:(\w+)/m.exec(info)?.[1] ?? '?',
      cmds: n(info, 'total_commands_processed'),
      reads: n(info, 'total_reads_processed'),
      writes: n(info, 'total_writes_processed'),
      busSent: n(cluster, 'cluster_stats_messages_sent'),
      busRecv: n(cluster, 'cluster_stats_messages_received'),
      inBytes: n(info, 'total_net_input_bytes'),
      outBytes: n(info, 'total_net_output_bytes'),
    }
  } finally {
    c.disconnect()
  }
}

async function one(server: string): Promise<void> {
  await withLoadedCluster(server, REPLICAS, KEYS, async ({cluster, seed, target}) => {
    const before = await Promise.all(cluster.addresses.map(counts))
    const cpu0 = cluster.nodes.map((n) => processCpuMs(n.pid))
    const perf = process.env.PERF ? spawn('perf', ['record', '-F', process.env.PERF_FREQ ?? '297', '-g', '-o', process.env.PERF, '-p', cluster.nodes.map((n) => n.pid).join(',')], {stdio: 'ignore'}) : null
    if (perf) await new Promise((r) => setTimeout(r, 1500))
    const r = await run(process.execPath, [BIN, 'reshard', seed, '--from', 'all', '--to', target.id, '--slots', String(SLOTS), '--yes'])
    if (perf) {
      perf.kill('SIGINT')
      await new Promise((r) => perf.on('exit', r))
    }
    if (r.code !== 0) throw new Error(`reshard failed (${r.code}): ${r.stderr.slice(-800)}`)
    const cpu1 = cluster.nodes.map((n) => processCpuMs(n.pid))
    const after = await Promise.all(cluster.addresses.map(counts))
    console.log(`\n${server === 'embedded' ? 'embedded' : '--server redis-server'}: reshard of ${SLOTS} slots in ${(r.ms / 1000).toFixed(2)} s`)
    console.log(`| node | role | CPU (s) | ${FIELDS.join(' | ')} |`)
    console.log(`|---|---|---:|${FIELDS.map(() => '---:').join('|')}|`)
    const total = Object.fromEntries(FIELDS.map((f) => [f, 0])) as Record<(typeof FIELDS)[number], number>
    cluster.addresses.forEach((a, i) => {
      const d = FIELDS.map((f) => after[i][f] - before[i][f])
      FIELDS.forEach((f, k) => (total[f] += d[k]))
      const role = a === `${target.host}:${target.port}` ? 'master (target)' : after[i].role
      console.log(`| ${a} | ${role} | ${((cpu1[i] - cpu0[i]) / 1000).toFixed(2)} | ${d.join(' | ')} |`)
    })
    const cpu = cpu1.reduce((s, c, i) => s + c - cpu0[i], 0) / 1000
    console.log(`| all | | ${cpu.toFixed(2)} | ${FIELDS.map((f) => total[f]).join(' | ')} |`)
  })
}

for (const s of ['embedded', '/usr/bin/redis-server'].filter((x) => !ONLY || x.endsWith(ONLY))) await one(s)

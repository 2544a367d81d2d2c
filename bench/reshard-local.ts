// Side-by-side benchmark (issue 10): `redis-ts reshard` and `redis-ts rebalance` on an embedded local
// cluster vs a local cluster of real redis-server nodes (`create --server redis-server`), same tool,
// same keys, one run. Run: npm run build && node --import tsx bench/reshard-local.ts
// BENCH_FRESH=N: the first reshard only, on N fresh cluster pairs (what a CI job that reshards once
// meets), engines alternating which goes first; per-pair ratios and medians.
// Env: BENCH_KEYS (default 50000), BENCH_SLOTS (default 4096), BENCH_REPLICAS (default 1),
// BENCH_ROUNDS (default 1; best of the rounds is kept, the machine is shared),
// Three clusters per run: embedded nodes in one host process (the default of local clusters),
// embedded nodes a process each (`--no-single-process`), redis-server nodes; BENCH_SINGLE_PROCESS=0
// leaves out the first, BENCH_ONLY=embedded|single|redis-server keeps one (e.g. while profiling), BENCH_ARGS (extra flags for
// reshard and rebalance, e.g. "--parallel 8"), BENCH_CLIENTS=N (N client loops — an ioredis Cluster
// client in this process, SET and GET of the loaded keys, every GET checked — run through each move;
// the tables then give their ops/s during the move and their errors), BENCH_RATE=R (the loops together
// send R commands per second, paced, instead of each as fast as it can: the same work for both engines),
// BENCH_LEAD=S (the loops run S seconds before each move starts; only the move's commands count).
// Every run checks that no key was lost (DBSIZE over the masters equals BENCH_KEYS).
// With BENCH_ROUNDS > 1 the table also gives the first round's ratios (a fresh cluster: the nodes' JIT
// is still compiling the move's code then, README: reshard seventh pass), and each round's line the
// CPU of the nodes' non-main threads (mostly TurboFan).
import {Cluster, Redis} from 'ioredis'
import {existsSync} from 'node:fs'
import {BIN, median, nodeProcesses, processCpuMs, processThreadCpuMs, run, withLoadedCluster} from './lib.js'

const KEYS = Number(process.env.BENCH_KEYS ?? 50000)
const SLOTS = Number(process.env.BENCH_SLOTS ?? 4096)
const REPLICAS = Number(process.env.BENCH_REPLICAS ?? 1)
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 1)
const ONLY = process.env.BENCH_ONLY
/** BENCH_FRESH=N: the first reshard (and rebalance) only, on N fresh cluster pairs, the engines alternating who goes first */
const FRESH = Number(process.env.BENCH_FRESH ?? 0)
const REDIS = '/usr/bin/redis-server'
/** the embedded nodes in one host process (the local clusters' default); 'embedded': a process per node */
const SINGLE = 'single'
const ENGINES = ['embedded', ...(process.env.BENCH_SINGLE_PROCESS === '0' ? [] : [SINGLE]), REDIS].filter((s) => !ONLY || s.endsWith(ONLY))
const LABEL: Record<string, string> = {embedded: 'embedded, a process per node', [SINGLE]: 'embedded, one process', [REDIS]: '--server redis-server'}
/** BENCH_ARGS: extra flags for both commands (e.g. "--parallel 8"), to compare the mover's settings */
const EXTRA = (process.env.BENCH_ARGS ?? '').split(/\s+/).filter(Boolean)
/** BENCH_CLIENTS: client loops running through every move (0: none) */
const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 0)
/** BENCH_RATE: commands per second of all loops together (0: closed loops, each as fast as it can) */
const RATE = Number(process.env.BENCH_RATE ?? 0)
/** BENCH_LEAD: seconds the client loops run before each move starts (0: they start with it) */
const LEAD = Number(process.env.BENCH_LEAD ?? 0)

interface Result {
  server: string
  reshardS: number
  rebalanceS: number
  /** CPU seconds the cluster's node processes spent on the reshard / the rebalance */
  reshardCpuS: number
  rebalanceCpuS: number
  /** the same figures for the first round alone (a fresh cluster, right after the load) */
  first?: Result
  /** BENCH_CLIENTS: the clients' commands per second during the reshard / the rebalance, and their errors */
  reshardOps?: number
  rebalanceOps?: number
  clientErrors?: number
}

interface LoadResult {
  ops: number
  errors: number
  firstError?: string
}

/**
 * BENCH_CLIENTS loops of SET and GET on the loaded keys (key:<i> = v<i>, so the values and the key
 * count stay what the load wrote) through an ioredis Cluster client, which follows MOVED and ASK.
 * A GET that returns anything else is a lost or wrong value: the run fails.
 */
async function clientLoad(seed: string): Promise<{reset(): void; stop(): Promise<LoadResult>}> {
  const [host, port] = seed.split(':')
  const c = new Cluster([{host, port: Number(port)}], {redisOptions: {maxRetriesPerRequest: 2}})
  await c.ping()
  let running = true
  let wrong = ''
  const r: LoadResult = {ops: 0, errors: 0}
  const t0 = performance.now()
  const gapMs = RATE > 0 ? (1000 * CLIENTS) / RATE : 0
  const loop = async (): Promise<void> => {
    for (let n = 0; running; n++) {
      // paced (BENCH_RATE): command n of a loop is due at t0 + n × gap; a late loop catches up
      const wait = t0 + n * gapMs - performance.now()
      if (wait > 1) await new Promise((r) => setTimeout(r, wait))
      if (!running) break
      const i = Math.floor(Math.random() * KEYS)
      try {
        if (n % 2) await c.set(`key:${i}`, `v${i}`)
        else {
          const v = await c.get(`key:${i}`)
          if (v !== `v${i}`) wrong ||= `GET key:${i} returned ${JSON.stringify(v)}`
        }
        r.ops++
      } catch (e) {
        r.errors++
        r.firstError ??= String(e)
      }
    }
  }
  const loops = Array.from({length: CLIENTS}, loop)
  return {
    /** count commands from now on (BENCH_LEAD: those sent before the move are not its figures; errors all count) */
    reset() {
      r.ops = 0
    },
    async stop() {
      running = false
      await Promise.all(loops)
      c.disconnect()
      if (wrong) throw new Error(`a client read a wrong value during the move: ${wrong}`)
      return r
    },
  }
}

/** Time one CLI move, with the client loops running through it when BENCH_CLIENTS is set. */
async function timedUnderLoad(seed: string, args: string[]): Promise<{s: number; load?: LoadResult}> {
  const load = CLIENTS > 0 ? await clientLoad(seed) : undefined
  if (load && LEAD > 0) {
    await new Promise((r) => setTimeout(r, LEAD * 1000))
    load.reset()
  }
  let s: number
  try {
    s = await timed(args)
  } catch (e) {
    await load?.stop().catch(() => {})
    throw e
  }
  const r = await load?.stop()
  if (r) process.stderr.write(`  clients: ${r.ops} commands (${Math.round(r.ops / s)}/s), ${r.errors} errors${r.firstError ? ` (first: ${r.firstError.slice(0, 120)})` : ''}\n`)
  return {s, load: r}
}

async function masterKeys(addresses: string[]): Promise<number> {
  let n = 0
  for (const a of addresses) {
    const [host, port] = a.split(':')
    const c = new Redis({host, port: Number(port), maxRetriesPerRequest: 0})
    try {
      if (String(await c.call('ROLE').then((r) => (r as string[])[0])) === 'master') n += Number(await c.dbsize())
    } finally {
      c.disconnect()
    }
  }
  return n
}

// GNU time, when there, gives the CLI's own CPU per move (stderr): the same for every engine.
const TIME = existsSync('/usr/bin/time') ? ['/usr/bin/time', '-f', 'CLI-CPU %U %S'] : []

async function timed(args: string[]): Promise<number> {
  const cmd = [...TIME, process.execPath, BIN, ...args]
  const r = await run(cmd[0], cmd.slice(1))
  if (r.code !== 0) throw new Error(`redis-ts ${args.join(' ')} failed (${r.code}): ${r.stderr.slice(-800)} ${r.stdout.slice(-800)}`)
  const m = /CLI-CPU ([\d.]+) ([\d.]+)/.exec(r.stderr)
  if (m) process.stderr.write(`  CLI ${args[0]}: ${(r.ms / 1000).toFixed(2)} s, CPU user ${m[1]} sys ${m[2]}\n`)
  return r.ms / 1000
}

async function one(server: string, rounds = ROUNDS): Promise<Result> {
  return withLoadedCluster(server === SINGLE ? 'embedded' : server, REPLICAS, KEYS, async ({cluster, seed, target}) => {
    const procs = nodeProcesses(cluster)
    const cpu = () => procs.reduce((a, pid) => a + processCpuMs(pid), 0) / 1000
    // the nodes' other threads: on a fresh embedded node mostly TurboFan compiling the move's code
    const others = () => procs.reduce((a, pid) => a + processThreadCpuMs(pid).others, 0) / 1000
    let best: Result = {server, reshardS: Infinity, rebalanceS: Infinity, reshardCpuS: Infinity, rebalanceCpuS: Infinity}
    for (let round = 0; round < rounds; round++) {
      process.stderr.write(`${server} round ${round + 1}: reshard ${SLOTS} slots + rebalance...\n`)
      const o0 = others()
      const c0 = cpu()
      const {s: reshardS, load: l1} = await timedUnderLoad(seed, ['reshard', seed, '--from', 'all', '--to', target.id, '--slots', String(SLOTS), '--yes', ...EXTRA])
      const c1 = cpu()
      const afterReshard = await masterKeys(cluster.addresses)
      const c2 = cpu()
      const {s: rebalanceS, load: l2} = await timedUnderLoad(seed, ['rebalance', seed, '--yes', ...EXTRA])
      const c3 = cpu()
      const o3 = others()
      const afterRebalance = await masterKeys(cluster.addresses)
      if (afterReshard !== KEYS || afterRebalance !== KEYS) throw new Error(`${server}: keys lost (${afterReshard}, ${afterRebalance} of ${KEYS})`)
      process.stderr.write(`  reshard ${reshardS.toFixed(2)} s (nodes CPU ${(c1 - c0).toFixed(2)} s), rebalance ${rebalanceS.toFixed(2)} s (nodes CPU ${(c3 - c2).toFixed(2)} s); of both, nodes' non-main threads ${(o3 - o0).toFixed(2)} s\n`)
      const loadFigures = l1 && l2 ? {reshardOps: l1.ops / reshardS, rebalanceOps: l2.ops / rebalanceS, clientErrors: l1.errors + l2.errors} : {}
      const now: Result = {server, reshardS, rebalanceS, reshardCpuS: c1 - c0, rebalanceCpuS: c3 - c2, ...loadFigures}
      best = {
        first: best.first ?? now,
        server,
        reshardS: Math.min(best.reshardS, reshardS),
        rebalanceS: Math.min(best.rebalanceS, rebalanceS),
        reshardCpuS: Math.min(best.reshardCpuS, c1 - c0),
        rebalanceCpuS: Math.min(best.rebalanceCpuS, c3 - c2),
        // the clients' figures: the first round's ops/s (as the fresh-pair tables), errors of every round
        ...(CLIENTS > 0 ? {reshardOps: (best.first ?? now).reshardOps, rebalanceOps: (best.first ?? now).rebalanceOps, clientErrors: (best.clientErrors ?? 0) + (now.clientErrors ?? 0)} : {}),
      }
    }
    return best
  }, {singleProcess: server === SINGLE})
}

/** The figure a CI job meets: one reshard on a cluster just created and loaded, N times, medians. */
async function freshPairs(): Promise<void> {
  const rows: Record<string, Result>[] = []
  for (let i = 0; i < FRESH; i++) {
    const got: Record<string, Result> = {}
    // the engines take turns going first
    for (const srv of i % 2 === 0 ? ENGINES : [...ENGINES].reverse()) got[srv] = await one(srv, 1)
    rows.push(got)
  }
  const mine = ENGINES.filter((e) => e !== REDIS)
  const vs = ENGINES.includes(REDIS) ? mine : []
  const names = ENGINES.map((e) => LABEL[e]).join(' / ')
  const ratios = `${mine.map((e) => LABEL[e]).join(' / ')} ÷ redis-server`
  const out = [`| fresh run | reshard ${names} (s) | ${ratios} | nodes CPU (s) | rebalance (s) | ratio | nodes CPU (s) |`, '|---|---:|---:|---:|---:|---:|---:|']
  const all = (f: (r: Result) => number, row: Record<string, Result>, d = 2) => ENGINES.map((e) => f(row[e]).toFixed(d)).join(' / ')
  const rat = (f: (r: Result) => number, row: Record<string, Result>) => vs.map((e) => `${(f(row[e]) / f(row[REDIS])).toFixed(2)}x`).join(' / ')
  // BENCH_CLIENTS: the clients' commands per second during each move, per engine, and their errors
  if (CLIENTS > 0) {
    out[0] += ' clients ops/s, reshard | clients ops/s, rebalance | client errors |'
    out[1] += '---:|---:|---:|'
  }
  const ops = (row: Record<string, Result>) => (CLIENTS > 0 ? ` ${all((r) => r.reshardOps ?? 0, row, 0)} | ${all((r) => r.rebalanceOps ?? 0, row, 0)} | ${all((r) => r.clientErrors ?? 0, row, 0)} |` : '')
  rows.forEach((row, i) => {
    out.push(`| ${i + 1}${i % 2 ? ' (order reversed)' : ''} | ${all((r) => r.reshardS, row)} | ${rat((r) => r.reshardS, row)} | ${all((r) => r.reshardCpuS, row)} | ${all((r) => r.rebalanceS, row)} | ${rat((r) => r.rebalanceS, row)} | ${all((r) => r.rebalanceCpuS, row)} |${ops(row)}`)
  })
  const m = (f: (r: Result) => number) => ENGINES.map((e) => median(rows.map((r) => f(r[e]))).toFixed(2)).join(' / ')
  const mr = (f: (r: Result) => number) => vs.map((e) => `**${median(rows.map((r) => f(r[e]) / f(r[REDIS]))).toFixed(2)}x**`).join(' / ')
  const mo = (f: (r: Result) => number) => ENGINES.map((e) => Math.round(median(rows.map((r) => f(r[e]))))).join(' / ')
  out.push(`| median | ${m((r) => r.reshardS)} | ${mr((r) => r.reshardS)} | ${m((r) => r.reshardCpuS)} | ${m((r) => r.rebalanceS)} | ${mr((r) => r.rebalanceS)} | ${m((r) => r.rebalanceCpuS)} |`)
  if (CLIENTS > 0) out[out.length - 1] += ` ${mo((r) => r.reshardOps ?? 0)} | ${mo((r) => r.rebalanceOps ?? 0)} | ${ENGINES.map((e) => rows.reduce((a, r) => a + (r[e].clientErrors ?? 0), 0)).join(' / ')} (all) |`
  console.log(out.join('\n'))
  console.log(`\n3 masters + ${REPLICAS} replica(s) each, ${KEYS} keys; the first reshard of ${SLOTS} slots --from all, then rebalance, on ${FRESH} fresh sets of clusters (${names}) created and loaded for it; ratios per run, medians.${CLIENTS > 0 ? ` ${CLIENTS} client loops (SET/GET, every GET checked)${RATE > 0 ? `, ${RATE} commands/s together,` : ''}${LEAD > 0 ? ` started ${LEAD} s before each move,` : ''} through every move.` : ''}`)
}

async function main(): Promise<void> {
  if (FRESH > 0) return freshPairs()
  const results: Result[] = []
  for (const s of ENGINES) results.push(await one(s))
  const out = ['| cluster | reshard (s) | keys/s | nodes CPU (s) | rebalance (s) | keys/s | nodes CPU (s) |', '|---|---:|---:|---:|---:|---:|---:|']
  const moved = (KEYS * SLOTS) / 16384
  for (const r of results) {
    const name = LABEL[r.server]
    out.push(`| ${name} | ${r.reshardS.toFixed(2)} | ${Math.round(moved / r.reshardS)} | ${r.reshardCpuS.toFixed(2)} | ${r.rebalanceS.toFixed(2)} | ${Math.round(moved / r.rebalanceS)} | ${r.rebalanceCpuS.toFixed(2)} |`)
    if (CLIENTS > 0) process.stdout.write(`${name}: clients' commands/s during the first round's reshard ${Math.round(r.reshardOps ?? 0)}, rebalance ${Math.round(r.rebalanceOps ?? 0)}; client errors over all rounds ${r.clientErrors ?? 0}\n`)
  }
  const s = results.find((r) => r.server === REDIS)
  const x = (a: number, b: number) => `${(a / b).toFixed(2)}x`
  for (const e of s ? results.filter((r) => r !== s) : []) {
    out.push(`| ${LABEL[e.server]} / redis-server | ${x(e.reshardS, s!.reshardS)} | | ${x(e.reshardCpuS, s!.reshardCpuS)} | ${x(e.rebalanceS, s!.rebalanceS)} | | ${x(e.rebalanceCpuS, s!.rebalanceCpuS)} |`)
    const [e1, s1] = [e.first!, s!.first!]
    if (ROUNDS > 1) out.push(`| first round: ${LABEL[e.server]} / redis-server | ${x(e1.reshardS, s1.reshardS)} | | ${x(e1.reshardCpuS, s1.reshardCpuS)} | ${x(e1.rebalanceS, s1.rebalanceS)} | | ${x(e1.rebalanceCpuS, s1.rebalanceCpuS)} |`)
  }
  console.log(out.join('\n'))
  console.log(`\n3 masters + ${REPLICAS} replica(s) each, ${KEYS} keys; reshard of ${SLOTS} slots (about ${Math.round((KEYS * SLOTS) / 16384)} keys) --from all, then rebalance; wall time of each redis-ts command, process start included; best of ${ROUNDS}.`)
}

await main()

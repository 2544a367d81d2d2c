// Benchmark (issue 2): `redis-ts create` vs `redis-cli --cluster create` on identical fresh nodes, and
// `check` on 6 and 30 nodes, side by side in one run. Run: npm run build && node --import tsx bench/create-check.ts
// Options (env): ROUNDS=3 CHECK_RUNS=10 IDLE_MS=3000 NODE_TIMEOUT=5000
import {BIN, RedisNodes, fmt, median, run, sleep, timeUntilAllOk, timeUntilReplicasSynced, type TestNode} from './lib.js'

const ROUNDS = Number(process.env.ROUNDS ?? 3)
const CHECK_RUNS = Number(process.env.CHECK_RUNS ?? 10)
const IDLE_MS = Number(process.env.IDLE_MS ?? 3000)
const NODE_TIMEOUT = Number(process.env.NODE_TIMEOUT ?? 5000)

interface CreateTiming {
  returnMs: number
  allOkMs: number
  syncedMs: number
}

async function timeCreate(tool: 'redis-ts' | 'redis-cli', nodes: TestNode[]): Promise<CreateTiming> {
  const addrs = nodes.map((n) => n.address)
  const t0 = performance.now()
  const cmd =
    tool === 'redis-cli'
      ? run('redis-cli', ['--cluster', 'create', ...addrs, '--cluster-replicas', '1', '--cluster-yes'])
      : run(process.execPath, [BIN, 'create', ...addrs, '--replicas', '1', '--yes'])
  const okP = timeUntilAllOk(nodes, t0)
  const syncP = timeUntilReplicasSynced(nodes, 3, t0)
  const r = await cmd
  if (r.code !== 0) throw new Error(`${tool} create failed: ${r.stdout}\n${r.stderr}`)
  const allOkMs = await okP
  return {returnMs: r.ms, allOkMs, syncedMs: await syncP}
}

async function timeChecks(seed: string): Promise<{ts: number; cli: number}> {
  const ts: number[] = []
  const cli: number[] = []
  for (let i = 0; i < CHECK_RUNS; i++) {
    const a = await run(process.execPath, [BIN, 'check', seed])
    if (a.code !== 0) throw new Error(`redis-ts check failed: ${a.stdout}${a.stderr}`)
    ts.push(a.ms)
    const b = await run('redis-cli', ['--cluster', 'check', seed])
    if (b.code !== 0) throw new Error(`redis-cli check failed: ${b.stdout}`)
    cli.push(b.ms)
  }
  return {ts: median(ts), cli: median(cli)}
}

async function main(): Promise<void> {
  const rows: string[][] = []
  const tsRuns: CreateTiming[] = []
  const cliRuns: CreateTiming[] = []
  let lastCluster: TestNode[] = []
  const all = new RedisNodes()
  try {
    for (let round = 0; round < ROUNDS; round++) {
      const a = await all.start(6, {nodeTimeout: NODE_TIMEOUT})
      const b = await all.start(6, {nodeTimeout: NODE_TIMEOUT})
      await sleep(IDLE_MS)
      // Alternate which tool goes first so neither always gets the quieter machine.
      if (round % 2 === 0) {
        cliRuns.push(await timeCreate('redis-cli', a))
        tsRuns.push(await timeCreate('redis-ts', b))
      } else {
        tsRuns.push(await timeCreate('redis-ts', b))
        cliRuns.push(await timeCreate('redis-cli', a))
      }
      lastCluster = b
      const show = (t: CreateTiming) => `${fmt(t.returnMs)}/${fmt(t.allOkMs)}/${fmt(t.syncedMs)}`
      process.stderr.write(`round ${round + 1} (return/all ok/replicas synced): redis-ts ${show(tsRuns.at(-1)!)}  redis-cli ${show(cliRuns.at(-1)!)}\n`)
    }
    const m = (xs: CreateTiming[], k: keyof CreateTiming) => median(xs.map((x) => x[k]))
    const tsRet = m(tsRuns, 'returnMs')
    const tsOk = m(tsRuns, 'allOkMs')
    const cliRet = m(cliRuns, 'returnMs')
    const cliOk = m(cliRuns, 'allOkMs')
    rows.push(['create 3+3: command returns', fmt(tsRet), fmt(cliRet), (tsRet / cliRet).toFixed(2)])
    rows.push(['create 3+3: all nodes cluster_state:ok', fmt(tsOk), fmt(cliOk), (tsOk / cliOk).toFixed(2)])
    rows.push(['create 3+3: return minus all-ok (redis-ts)', fmt(tsRet - tsOk), fmt(cliRet - cliOk), '-'])
    const tsSync = m(tsRuns, 'syncedMs')
    const cliSync = m(cliRuns, 'syncedMs')
    rows.push(['create 3+3: all replicas master_link_status:up', fmt(tsSync), fmt(cliSync), (tsSync / cliSync).toFixed(2)])
    rows.push(['create 3+3: return minus replicas synced', fmt(tsRet - tsSync), fmt(cliRet - cliSync), '-'])

    const c6 = await timeChecks(lastCluster[0].address)
    rows.push(['check, 6 nodes (median)', fmt(c6.ts), fmt(c6.cli), (c6.ts / c6.cli).toFixed(2)])

    const big = await all.start(30, {nodeTimeout: NODE_TIMEOUT})
    const r = await run(process.execPath, [BIN, 'create', ...big.map((n) => n.address), '--replicas', '1', '--yes'])
    if (r.code !== 0) throw new Error(`30-node create failed: ${r.stderr}`)
    const c30 = await timeChecks(big[0].address)
    rows.push(['check, 30 nodes (median)', fmt(c30.ts), fmt(c30.cli), (c30.ts / c30.cli).toFixed(2)])
  } finally {
    await all.stop()
  }
  console.log(`\nredis-ts vs redis-cli (${ROUNDS} create rounds on fresh nodes idle ${IDLE_MS} ms, node-timeout ${NODE_TIMEOUT}; ${CHECK_RUNS} check runs)\n`)
  console.log('| measure | redis-ts | redis-cli | ratio ts/cli |')
  console.log('|---|---|---|---|')
  for (const row of rows) console.log(`| ${row.join(' | ')} |`)
}

await main()

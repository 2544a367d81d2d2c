// Benchmark (issue 8): automatic failover after kill -9 of a master, embedded 3+3 cluster vs redis-server
// 3+3 cluster (cluster-node-timeout 2000), side by side in one run, trials alternating between the two.
// Per trial (reliability.md §7.1 #1, §8.2–8.3): a read-before-write writer on the victim's slots, kill -9
// of the master by PID, seconds until every survivor reports cluster_state:ok with the replica promoted
// (polled every 20 ms), the longest write outage on the victim's slots, acknowledged writes lost (reads
// during the run and a final read-back); then the victim is restarted in place and rejoins as a replica
// of the winner, so the next trial starts from a healthy 3+3. Also WAIT-confirmed writes (WAIT 1 1000
// after each write; none may be lost) and manual CLUSTER FAILOVER (time to ROLE master, write pause).
// Markdown table on stdout, progress on stderr.
// Run: npm run build && node --import tsx bench/failover.ts
// Options (env): TRIALS=10 WAIT_TRIALS=3 MANUAL_TRIALS=5 KEYS=100 NODE_TIMEOUT=2000 ONLY=embedded|redis
import {FailoverCluster, killTrial, manualFailoverTrial, type Engine, type KillTrial, type ManualTrial} from '../test/helpers/failover.js'
import {median} from './lib.js'

const TRIALS = Number(process.env.TRIALS ?? 10)
const WAIT_TRIALS = Number(process.env.WAIT_TRIALS ?? 3)
const MANUAL_TRIALS = Number(process.env.MANUAL_TRIALS ?? 5)
const KEYS = Number(process.env.KEYS ?? 100)
const NODE_TIMEOUT = Number(process.env.NODE_TIMEOUT ?? 2000)
const ONLY = process.env.ONLY ?? ''

interface Results {
  kills: KillTrial[]
  waits: KillTrial[]
  manuals: ManualTrial[]
  error?: string
}

const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`
const log = (engine: Engine, msg: string) => process.stderr.write(`[${new Date().toISOString().slice(11, 19)}] ${engine}: ${msg}\n`)

/** Runs `step` for every engine still healthy, alternating; an engine that fails stops, the other goes on. */
async function each(clusters: Map<Engine, FailoverCluster>, results: Map<Engine, Results>, step: (fc: FailoverCluster, r: Results) => Promise<void>): Promise<void> {
  for (const [engine, fc] of clusters) {
    const r = results.get(engine)!
    if (r.error) continue
    try {
      await step(fc, r)
    } catch (err) {
      r.error = (err as Error).message
      log(engine, `FAILED: ${r.error}`)
    }
  }
}

async function main(): Promise<void> {
  const engines = (['embedded', 'redis-server'] as Engine[]).filter((e) => !ONLY || e.startsWith(ONLY))
  const clusters = new Map<Engine, FailoverCluster>()
  const results = new Map<Engine, Results>(engines.map((e) => [e, {kills: [], waits: [], manuals: []}]))
  try {
    for (const e of engines) {
      const t0 = performance.now()
      clusters.set(e, await FailoverCluster.start(e, {nodeTimeoutMs: NODE_TIMEOUT}))
      log(e, `3+3 cluster healthy after ${s(performance.now() - t0)}`)
    }
    for (let i = 0; i < TRIALS; i++) {
      await each(clusters, results, async (fc, r) => {
        const victimPort = (await fc.shards())[i % 3].master.port
        const t = await killTrial(fc, {victimPort, keys: KEYS, prefix: `kill${i}`, onProgress: (m) => log(fc.engine, `trial ${i + 1}: ${m}`)})
        r.kills.push(t)
        log(fc.engine, `trial ${i + 1}: outage ${s(t.writer.maxGapMs)}, ${t.writer.acked} acked, ${t.writer.lost} lost, ${t.writer.unacked} applied-unacked`)
      })
    }
    for (let i = 0; i < WAIT_TRIALS; i++) {
      await each(clusters, results, async (fc, r) => {
        const victimPort = (await fc.shards())[i % 3].master.port
        // after the kill each WAIT blocks 1 s (the new master has no replica yet): stop after 2 writes there
        const t = await killTrial(fc, {victimPort, keys: KEYS, prefix: `wait${i}`, wait: {replicas: 1, timeoutMs: 1000}, afterAcks: 2, afterPromotedMs: 0, onProgress: (m) => log(fc.engine, `WAIT trial ${i + 1}: ${m}`)})
        r.waits.push(t)
        log(fc.engine, `WAIT trial ${i + 1}: ${t.writer.waitConfirmed} WAIT-confirmed, ${t.writer.waitLost} of them lost; ${t.writer.lost} acked lost`)
      })
    }
    for (let i = 0; i < MANUAL_TRIALS; i++) {
      await each(clusters, results, async (fc, r) => {
        const masterPort = (await fc.shards())[i % 3].master.port
        r.manuals.push(await manualFailoverTrial(fc, {masterPort, keys: KEYS, prefix: `manual${i}`, onProgress: (m) => log(fc.engine, `manual ${i + 1}: ${m}`)}))
      })
    }
  } finally {
    for (const fc of clusters.values()) await fc.stop()
  }
  console.log(table(engines, results))
}

function table(engines: Engine[], results: Map<Engine, Results>): string {
  const col = (f: (r: Results) => string) => engines.map((e) => f(results.get(e)!))
  const stats = (xs: number[]) => (xs.length ? `${s(Math.min(...xs))} / ${s(median(xs))} / ${s(Math.max(...xs))}` : '-')
  const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0)
  const rows: [string, string[]][] = [
    ['kill -9 → every survivor `cluster_state:ok`, replica promoted (min / median / max)', col((r) => stats(r.kills.map((t) => t.promotion.allOkMs)))],
    ['kill -9 → replica `ROLE` master (min / median / max)', col((r) => stats(r.kills.map((t) => t.promotion.roleMs)))],
    ['kill -9 → first survivor reports `cluster_state:fail` (median)', col((r) => {
      const xs = r.kills.flatMap((t) => (t.promotion.firstFailMs === undefined ? [] : [t.promotion.firstFailMs]))
      return xs.length ? s(median(xs)) : '-'
    })],
    ['longest write outage on the victim’s slots (median / max)', col((r) => (r.kills.length ? `${s(median(r.kills.map((t) => t.writer.maxGapMs)))} / ${s(Math.max(...r.kills.map((t) => t.writer.maxGapMs)))}` : '-'))],
    ['acknowledged writes / **lost** (read-before-write + final read-back)', col((r) => `${sum(r.kills.map((t) => t.writer.acked))} / **${sum(r.kills.map((t) => t.writer.lost))}**`)],
    ['writes applied without an acknowledgement', col((r) => String(sum(r.kills.map((t) => t.writer.unacked))))],
    ['restart of the victim → synced replica of the winner (median)', col((r) => (r.kills.length ? s(median(r.kills.map((t) => t.rejoinMs))) : '-'))],
    [`\`WAIT 1 1000\` after each write (${WAIT_TRIALS} trials): WAIT-confirmed / **lost**`, col((r) => `${sum(r.waits.map((t) => t.writer.waitConfirmed))} / **${sum(r.waits.map((t) => t.writer.waitLost))}**`)],
    [`manual \`CLUSTER FAILOVER\` → \`ROLE\` master (min / median / max, ${MANUAL_TRIALS} runs)`, col((r) => (r.manuals.length ? `${Math.min(...r.manuals.map((m) => m.roleMs)).toFixed(0)} / ${median(r.manuals.map((m) => m.roleMs)).toFixed(0)} / ${Math.max(...r.manuals.map((m) => m.roleMs)).toFixed(0)} ms` : '-'))],
    ['manual failover: write pause (median / max)', col((r) => (r.manuals.length ? `${median(r.manuals.map((m) => m.writer.maxGapMs)).toFixed(0)} / ${Math.max(...r.manuals.map((m) => m.writer.maxGapMs)).toFixed(0)} ms` : '-'))],
    ['manual failover: acknowledged writes / lost', col((r) => `${sum(r.manuals.map((m) => m.writer.acked))} / ${sum(r.manuals.map((m) => m.writer.lost))}`)],
  ]
  const trials = engines.map((e) => `${e} ${results.get(e)!.kills.length}`).join(', ')
  const out = [
    `3 masters + 3 replicas, cluster-node-timeout ${NODE_TIMEOUT}, kill -9 trials completed: ${trials}; writer: GET then SET value+1 on ${KEYS} keys of the victim's slots`,
    '',
    `| measure | ${engines.join(' | ')} |`,
    `| --- | ${engines.map(() => '---:').join(' | ')} |`,
    ...rows.map(([name, vals]) => `| ${name} | ${vals.join(' | ')} |`),
  ]
  for (const e of engines) if (results.get(e)!.error) out.push('', `${e} stopped early: ${results.get(e)!.error}`)
  return out.join('\n')
}

await main()

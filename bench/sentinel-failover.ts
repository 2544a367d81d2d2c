// Benchmark (issue 11): Sentinel failover after kill -9 of the master, embedded Sentinels +
// embedded nodes vs redis-server --sentinel + redis-server, one run, trials alternating.
// Setup per engine: 1 master + 2 replicas + 3 Sentinels (quorum 2), down-after-milliseconds 1000,
// failover-timeout 10000. Per trial: a writer counts writes a replica acknowledged (WAIT 1 200),
// kill -9 of the master by PID, seconds until GET-MASTER-ADDR-BY-NAME returns the new master on
// every Sentinel AND that master accepts a write (polled every 20 ms, over one connection per
// Sentinel opened before the kill; connections without ioredis's INFO ready check); acknowledged writes lost
// (read back from the new master); then the old master is restarted and must rejoin as a replica
// before the next trial. Markdown table on stdout, progress on stderr.
// Run: npm run build && node --import tsx bench/sentinel-failover.ts   (env: TRIALS=10 ONLY=embedded|redis)
// TRACE=1: per trial, on stderr, every event the Sentinels published (ms since the kill, Sentinel
// index, channel, message) and when every Sentinel agreed / the probe write was accepted.
import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {Redis} from 'ioredis'
import {startSentinelSetup, waitSentinelsDiscovered, type SentinelSetup} from '../src/local/sentinel.js'
import {median} from './lib.js'

const TRIALS = Number(process.env.TRIALS ?? 10)
const ONLY = process.env.ONLY ?? ''
const TRACE = process.env.TRACE === '1'
const NAME = 'bench'
type Engine = 'embedded' | 'redis'
const log = (e: Engine, m: string) => process.stderr.write(`[${new Date().toISOString().slice(11, 19)}] ${e}: ${m}\n`)
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

// No ready check: ioredis would send INFO on every connection, and the clock must not depend
// on how fast the instances under test answer the harness's own INFOs.
function conn(port: number): Redis {
  const c = new Redis({port, host: '127.0.0.1', maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 500, enableReadyCheck: false})
  c.on('error', () => {})
  return c
}

async function askAddr(c: Redis): Promise<string | null> {
  try {
    const r = (await c.call('SENTINEL', 'GET-MASTER-ADDR-BY-NAME', NAME)) as string[] | null
    return r ? `${r[0]}:${r[1]}` : null
  } catch {
    return null
  }
}

async function addr(port: number): Promise<string | null> {
  const c = conn(port)
  try {
    return await askAddr(c)
  } finally {
    c.disconnect()
  }
}

async function role(port: number): Promise<string | null> {
  const c = conn(port)
  try {
    return ((await c.call('ROLE')) as unknown[])[0] as string
  } catch {
    return null
  } finally {
    c.disconnect()
  }
}

/** Pattern-subscribe to every Sentinel's events (all but the hello channel). */
async function traceEvents(setup: SentinelSetup, note: (m: string) => void): Promise<Redis[]> {
  return Promise.all(
    setup.sentinels.map(async (s, i) => {
      const c = conn(s.port)
      c.on('pmessage', (_p: string, ch: string, msg: string) => {
        if (ch !== '__sentinel__:hello') note(`S${i} ${ch} ${msg}`)
      })
      await c.psubscribe('*')
      return c
    }),
  )
}

interface Trial {
  seconds: number
  acked: number
  lost: number
}

async function trial(setup: SentinelSetup, e: Engine): Promise<Trial> {
  const masterPort = (await addr(setup.sentinels[0].port))!.split(':')[1]
  const master = setup.dataNodes.find((n) => String(n.port) === masterPort)!
  const acked: number[] = []
  let stop = false
  const w = conn(master.port)
  const writer = (async () => {
    for (let i = 0; !stop; i++) {
      try {
        await w.set(`t${i}`, String(i))
        if (((await w.call('WAIT', '1', '200')) as number) >= 1) acked.push(i)
      } catch {
        break // the master died: acknowledged writes so far are the ones that count
      }
    }
  })()
  await sleep(500)
  const t0 = Date.now()
  const events: string[] = []
  const note = (m: string) => events.push(`${String(Date.now() - t0).padStart(6)} ${m}`)
  const subs = TRACE ? await traceEvents(setup, note) : []
  // One connection per Sentinel, opened before the kill, polled every 20 ms: a new connection per
  // poll (three every 20 ms) loaded the Sentinels under test during the very failover measured.
  const watchers = setup.sentinels.map((s) => conn(s.port))
  await Promise.all(watchers.map((c) => c.ping()))
  setup.kill(master)
  stop = true
  await setup.waitGone(master)
  let winner = ''
  for (;;) {
    const views = await Promise.all(watchers.map((c) => askAddr(c)))
    const a = views[0]
    if (a && a !== `127.0.0.1:${master.port}` && views.every((v) => v === a)) {
      const c = conn(Number(a.split(':')[1]))
      try {
        await c.set('bench:probe', String(Date.now()))
        winner = a
        break
      } catch {
        // not writable yet
      } finally {
        c.disconnect()
      }
    }
    if (Date.now() - t0 > 120000) throw new Error('no failover within 120 s')
    await sleep(20)
  }
  const seconds = (Date.now() - t0) / 1000
  for (const c of watchers) c.disconnect()
  note(`every Sentinel returns ${winner} and it accepted a write`)
  if (TRACE) {
    await sleep(2000) // the end of the failover (+failover-end, the leader's +switch-master)
    for (const c of subs) c.disconnect()
    process.stderr.write(`${e}: events since the kill (ms)\n${events.join('\n')}\n`)
  }
  await writer
  w.disconnect()
  const c = conn(Number(winner.split(':')[1]))
  const vals = acked.length ? await c.mget(...acked.map((i) => `t${i}`)) : []
  c.disconnect()
  const lost = vals.filter((v, j) => v !== String(acked[j])).length
  for (const n of setup.dataNodes) n.role = `127.0.0.1:${n.port}` === winner ? 'master' : 'replica'
  // The old master comes back and must be turned into a replica before the next trial.
  const back = await setup.restart(master)
  const deadline = Date.now() + 60000
  while ((await role(back.port)) !== 'slave' && Date.now() < deadline) await sleep(100)
  // ...and every Sentinel must list it as a healthy replica again (failover needs fresh INFO).
  await waitSentinelsDiscovered(setup.sentinels.map((s) => s.port), NAME, 2, 30000)
  log(e, `trial: ${seconds.toFixed(2)} s, ${acked.length} acknowledged writes, ${lost} lost`)
  return {seconds, acked: acked.length, lost}
}

async function main(): Promise<void> {
  const engines: Engine[] = ONLY ? [ONLY as Engine] : ['embedded', 'redis']
  const setups = new Map<Engine, SentinelSetup>()
  const roots: string[] = []
  const results = new Map<Engine, Trial[]>(engines.map((e) => [e, []]))
  try {
    for (const e of engines) {
      const root = mkdtempSync(join(tmpdir(), `redis-ts-bench-sentinel-${e}-`))
      roots.push(root)
      const setup = await startSentinelSetup({root, name: NAME, replicas: 2, sentinels: 3, engine: e === 'embedded' ? 'embedded' : 'redis-server', downAfterMs: 1000, failoverTimeoutMs: 10000})
      setups.set(e, setup)
      if (!(await waitSentinelsDiscovered(setup.sentinels.map((s) => s.port), NAME, 2, 60000))) throw new Error(`${e}: discovery did not complete`)
      log(e, 'ready')
    }
    for (let t = 0; t < TRIALS; t++) {
      for (const e of engines) {
        results.get(e)!.push(await trial(setups.get(e)!, e))
        // failover-timeout*2 must pass before the same master may be failed over again; the
        // promoted replica is a different master each time, so no wait is needed here.
      }
    }
  } finally {
    for (const s of setups.values()) await s.stop()
    for (const r of roots) rmSync(r, {recursive: true, force: true})
  }
  console.log(`| Sentinel failover after kill -9 (${TRIALS} trials, down-after 1000 ms, failover-timeout 10000 ms) | median | max | min | acknowledged writes lost |`)
  console.log('|---|---|---|---|---|')
  for (const [e, rs] of results) {
    const xs = rs.map((r) => r.seconds)
    const label = e === 'embedded' ? 'embedded Sentinels + embedded nodes' : 'redis-sentinel + redis-server 7.0.15'
    console.log(`| ${label} | ${median(xs).toFixed(2)} s | ${Math.max(...xs).toFixed(2)} s | ${Math.min(...xs).toFixed(2)} s | ${rs.reduce((a, r) => a + r.lost, 0)} of ${rs.reduce((a, r) => a + r.acked, 0)} |`)
  }
}

main().catch((e) => {
  console.error(e)
  process.exit(1)
})

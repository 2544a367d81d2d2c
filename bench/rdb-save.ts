// Benchmark: RDB persistence of the embedded node, in-process (no sockets), against
// redis-server's SAVE of the same number of keys (DEBUG POPULATE).
//   1. SAVE of KEYS small string keys: wall time, file size, RSS before/peak;
//   2. BGSAVE-style background write (Snapshot + chunked async writes) while a timer measures
//      the longest event-loop stall clients would see, and with a write load hitting unwritten
//      slots (pre-images);
//   3. start-up load of that file (RdbStreamParser + loadEntry): time and peak RSS;
//   4. redis-server 7.0: DEBUG POPULATE KEYS, SAVE time (INFO rdb_last_save... via wall clock).
// Run: node --import tsx bench/rdb-save.ts   (env KEYS=1000000; BG_FIRST=1 runs the background
// save before SAVE, so its peak RSS is not hidden by SAVE's: getrusage's max only grows)
import {spawn, spawnSync} from 'node:child_process'
import {mkdtempSync, rmSync, statSync} from 'node:fs'
import {open} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {Redis} from 'ioredis'
import {NodeServer} from '../src/node/server.js'
import {NodeConfig} from '../src/node/config.js'
import {Snapshot} from '../src/node/persistence/snapshot.js'
import {saveSync} from '../src/node/persistence/rdb-save.js'
import {loadRdbFile} from '../src/node/persistence/startup.js'
import {freePortPair} from '../test/helpers/ports.js'

const KEYS = Number(process.env.KEYS ?? 1_000_000)
const mb = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MiB`

// SAVE and load block the event loop, so a sampling timer never sees their peak: use the
// kernel's max RSS (getrusage), which only grows, right after each step.
let peakRss = 0
const maxRss = () => process.resourceUsage().maxRSS * 1024
const resetPeak = () => (peakRss = maxRss())
const peakAbove = (base: number) => {
  peakRss = Math.max(peakRss, maxRss(), process.memoryUsage().rss)
  return peakRss - base
}

function server(dir: string): NodeServer {
  const config = new NodeConfig()
  config.set('dir', dir)
  const s = new NodeServer({config})
  s.log.silent = true
  return s
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'redis-ts-bench-rdb-'))
  try {
    const s = server(dir)
    const db = s.db(0)
    for (let i = 0; i < KEYS; i++) db.set(`key:${String(i).padStart(7, '0')}`, `value:${i}`)
    global.gc?.()
    const base = process.memoryUsage().rss
    console.log(`keys: ${KEYS}, RSS with keys: ${mb(base)}`)

    const save = () => {
      resetPeak()
      const t0 = performance.now()
      saveSync(s)
      const saveMs = performance.now() - t0
      const size = statSync(join(dir, 'dump.rdb')).size
      console.log(`SAVE: ${saveMs.toFixed(0)} ms, file ${mb(size)}, peak RSS +${mb(peakAbove(base))}`)
    }
    if (!process.env.BG_FIRST) save()
    let t: number

    // Background: chunked writes with a concurrent write load; measure event-loop stalls.
    resetPeak()
    let maxGap = 0
    let last = performance.now()
    const probe = setInterval(() => {
      const now = performance.now()
      peakRss = Math.max(peakRss, process.memoryUsage().rss)
      maxGap = Math.max(maxGap, now - last)
      last = now
    }, 1)
    let writes = 0
    const load = setInterval(() => {
      for (let j = 0; j < 200; j++) {
        const k = `key:${String(Math.floor(Math.random() * KEYS)).padStart(7, '0')}`
        s.beforeWrite(0, [k])
        db.set(k, 'overwritten')
        writes++
      }
    }, 1)
    t = performance.now()
    const snap = new Snapshot(s, {chunkSize: 64 * 1024})
    const fh = await open(join(dir, 'bg.rdb'), 'w')
    for (let c = snap.next(); c !== null; c = snap.next()) await fh.write(c)
    await fh.sync()
    await fh.close()
    const bgMs = performance.now() - t
    clearInterval(probe)
    clearInterval(load)
    console.log(`BGSAVE-style: ${bgMs.toFixed(0)} ms with ${writes} concurrent writes, longest event-loop stall ${maxGap.toFixed(1)} ms, peak RSS +${mb(peakAbove(base))}`)
    if (process.env.BG_FIRST) save()

    // Start-up load of the SAVE file into a fresh server.
    const s2 = server(dir)
    global.gc?.()
    const base2 = process.memoryUsage().rss
    resetPeak()
    t = performance.now()
    const r = loadRdbFile(s2, join(dir, 'dump.rdb'))
    console.log(`load: ${(performance.now() - t).toFixed(0)} ms, ${r.keysLoaded} keys, peak RSS +${mb(peakAbove(base2))}`)

    if (spawnSync('redis-server', ['--version']).status === 0) {
      const {port} = await freePortPair()
      const rdir = mkdtempSync(join(dir, 'redis-'))
      const proc = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--dir', rdir, '--save', '', '--appendonly', 'no', '--enable-debug-command', 'yes'], {stdio: 'ignore'})
      const c = new Redis({port, host: '127.0.0.1', lazyConnect: true, retryStrategy: () => 50})
      c.on('error', () => undefined)
      for (let i = 0; ; i++) {
        try {
          await c.connect()
          await c.ping()
          break
        } catch (e) {
          if (i > 100) throw e
          c.disconnect()
          await new Promise((r) => setTimeout(r, 50))
        }
      }
      await c.call('DEBUG', 'POPULATE', String(KEYS), 'key')
      t = performance.now()
      await c.call('SAVE')
      const redisMs = performance.now() - t
      console.log(`redis-server SAVE: ${redisMs.toFixed(0)} ms, file ${mb(statSync(join(rdir, 'dump.rdb')).size)}`)
      c.disconnect()
      proc.kill('SIGTERM')
    }
  } finally {
    rmSync(dir, {recursive: true, force: true})
  }
}

await main()

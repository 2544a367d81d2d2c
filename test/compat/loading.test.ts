// Start-up loading side by side with redis-server 7.0: both listen while they load dump.rdb
// (slowed by key-load-delay, breaks every loading-process-events-interval-bytes), answer
// -LOADING to commands without the `loading` flag and the others normally, show INFO's
// loading_* fields, and a SHUTDOWN while loading saves nothing over the file.
import {after, before, describe, test} from 'node:test'
import assert from 'node:assert/strict'
import {spawn, type ChildProcess} from 'node:child_process'
import {mkdtempSync, readFileSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {startNode, type RunningNode} from '../../src/node/index.js'
import {LoadAborted} from '../../src/node/persistence/loading.js'
import {freePort, RawClient, type Reply} from './harness.js'
import {redisSkip} from '../helpers/redis-server.js'

const skip = redisSkip()
const KEYS = 3000
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** Commands polled while loading: PING/GET/DBSIZE/REPLICAOF lack the `loading` flag, the rest have it. */
const PROBES = [['PING'], ['GET', 'key:1'], ['DBSIZE'], ['REPLICAOF', 'NO', 'ONE'], ['SELECT', '0'], ['CONFIG', 'GET', 'port'], ['LASTSAVE'], ['ROLE'], ['CLIENT', 'SETNAME', 'x'], ['MULTI'], ['SET', 'k', 'v'], ['EXEC'],
  // CONFIG SET while loading: most configs are allowed, DENY_LOADING_CONFIG ones get -LOADING (a
  // protected one, dir, still gets its protected-config error first)
  ['CONFIG', 'SET', 'loglevel', 'notice'], ['CONFIG', 'SET', 'repl-diskless-load', 'disabled'], ['CONFIG', 'SET', 'dir', '/nonexistent/redis-ts-probe']]

interface Engine {
  name: string
  /** starts the server on `port` with its data in `dir`; resolves once it listens */
  start(port: number, dir: string, extra: string[]): Promise<{stopped: Promise<unknown>; kill(): Promise<void>}>
}

async function listening(port: number): Promise<void> {
  for (let i = 0; i < 400; i++) {
    try {
      ;(await RawClient.connect(port)).close()
      return
    } catch {
      await sleep(25)
    }
  }
  throw new Error(`nothing listens on ${port}`)
}

const real: Engine = {
  name: 'redis-server',
  async start(port, dir, extra) {
    const proc: ChildProcess = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--enable-debug-command', 'yes', ...extra], {stdio: 'ignore'})
    const stopped = new Promise((r) => proc.once('exit', r))
    await listening(port)
    return {stopped, kill: async () => void (proc.exitCode === null && proc.kill('SIGKILL'), await stopped)}
  },
}

const embedded: Engine = {
  name: 'embedded',
  async start(port, dir, extra) {
    const starting = startNode({args: ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--enable-debug-command', 'yes', ...extra], silent: true})
    let node: RunningNode | undefined
    const stopped = starting.then(
      (n) => new Promise((r) => (node = n).server.once('shutdown', r)),
      (e: unknown) => e,
    )
    await listening(port)
    return {stopped, kill: async () => void (await starting.catch(() => undefined), await node?.stop())}
  },
}

function shape(r: Reply): string {
  return typeof r === 'string' && r.startsWith('-') ? r : Array.isArray(r) ? 'array' : typeof r
}

interface Seen {
  /** command -> the distinct reply shapes seen while loading */
  replies: Map<string, Set<string>>
  infoFields: string[]
  loadingSeen: boolean
  keysAfter: Reply
}

/** Writes KEYS keys to dir/dump.rdb with `engine`, restarts it slowed down, and polls until loaded. */
async function observeLoad(engine: Engine, dir: string): Promise<Seen> {
  const port = await freePort()
  let srv = await engine.start(port, dir, [])
  const c0 = await RawClient.connect(port)
  assert.equal(await c0.call(['DEBUG', 'POPULATE', String(KEYS)]), '+OK')
  assert.equal(await c0.call(['SAVE']), '+OK')
  c0.close()
  await srv.kill()
  srv = await engine.start(port, dir, ['--key-load-delay', '500', '--loading-process-events-interval-bytes', '1024'])
  const seen: Seen = {replies: new Map(), infoFields: [], loadingSeen: false, keysAfter: null}
  try {
    for (;;) {
      const c = await RawClient.connect(port)
      const ping = await c.call(['PING'])
      if (ping === '+PONG') {
        // the loaded keys (a probe's SET may have landed if the load ended during the last round)
        seen.keysAfter = Number(await c.call(['DBSIZE'])) - Number(await c.call(['EXISTS', 'k']))
        c.close()
        break
      }
      seen.loadingSeen = true
      const round: [string, string][] = []
      for (const argv of PROBES) round.push([argv.join(' '), shape(await c.call(argv))])
      const info = String(await c.call(['INFO', 'persistence']))
      const fields = info.split('\r\n').filter((l) => /^(async_)?loading/.test(l))
      // A round counts only if the load was still running after its last probe (it may end at any
      // moment in between: then the server rightly served them).
      if (fields.includes('loading:1')) {
        seen.infoFields = fields.map((l) => l.split(':')[0])
        for (const [key, reply] of round) {
          const set = seen.replies.get(key) ?? new Set<string>()
          set.add(reply)
          seen.replies.set(key, set)
        }
      }
      c.close()
      await sleep(100)
    }
  } finally {
    await srv.kill()
  }
  return seen
}

/** SHUTDOWN while loading: the server exits and dump.rdb is the file it started from. */
async function shutdownWhileLoading(engine: Engine, dir: string): Promise<void> {
  const port = await freePort()
  const before = readFileSync(join(dir, 'dump.rdb'))
  const srv = await engine.start(port, dir, ['--key-load-delay', '2000', '--loading-process-events-interval-bytes', '1024', '--save', '1 1'])
  const c = await RawClient.connect(port)
  assert.equal(await c.call(['PING']), '-LOADING Redis is loading the dataset in memory')
  c.call(['SHUTDOWN']).catch(() => undefined)
  const outcome = await srv.stopped
  c.close()
  if (engine === embedded) assert.ok(outcome instanceof LoadAborted, `startNode ends with LoadAborted, got ${String(outcome)}`)
  assert.deepEqual(readFileSync(join(dir, 'dump.rdb')), before, `${engine.name}: dump.rdb unchanged`)
}

describe('start-up loading (side by side with redis-server 7.0)', {skip}, () => {
  const dirs: string[] = []
  const results = new Map<string, Seen>()
  before(async () => {
    for (const e of [real, embedded]) {
      const dir = mkdtempSync(join(tmpdir(), `redis-ts-loading-${e === real ? 'real' : 'emb'}-`))
      dirs.push(dir)
      results.set(e.name, await observeLoad(e, dir))
    }
  })
  after(() => {
    for (const d of dirs) rmSync(d, {recursive: true, force: true})
  })

  test('both answer while loading, then have every key', () => {
    for (const e of [real, embedded]) {
      const s = results.get(e.name)!
      assert.ok(s.loadingSeen, `${e.name}: a client saw the load`)
      assert.equal(s.keysAfter, KEYS)
    }
  })

  test('the same commands are refused with -LOADING, the same ones served', () => {
    const r = results.get('redis-server')!
    const e = results.get('embedded')!
    for (const argv of PROBES) {
      const key = argv.join(' ')
      assert.deepEqual([...(e.replies.get(key) ?? [])].sort(), [...(r.replies.get(key) ?? [])].sort(), key)
    }
    assert.deepEqual([...r.replies.get('PING')!], ['-LOADING Redis is loading the dataset in memory'])
    assert.deepEqual([...r.replies.get('CONFIG SET repl-diskless-load disabled')!], ['-LOADING Redis is loading the dataset in memory'])
  })

  test('INFO persistence has the same loading fields', () => {
    assert.ok(results.get('redis-server')!.infoFields.includes('loading_eta_seconds'))
    assert.deepEqual(results.get('embedded')!.infoFields, results.get('redis-server')!.infoFields)
  })

  test('SHUTDOWN while loading exits without saving', async () => {
    await shutdownWhileLoading(real, dirs[0])
    await shutdownWhileLoading(embedded, dirs[1])
  })
})

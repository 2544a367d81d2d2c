// RDB persistence of embedded nodes: SAVE/BGSAVE/LASTSAVE/INFO, BGSAVE while clients keep
// writing (the file is the point in time of the BGSAVE), save rules firing from the cron,
// MISCONF after a failed background save, SHUTDOWN refusing to exit when the final save fails,
// DEBUG RELOAD, and real processes: SIGTERM saves and the restart has the data back, SHUTDOWN
// NOSAVE does not save, a corrupt or truncated dump.rdb refuses the start.
import {after, before, describe, test} from 'node:test'
import assert from 'node:assert/strict'
import {spawn} from 'node:child_process'
import {existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {Redis} from 'ioredis'
import {startNode, type RunningNode} from '../../src/node/index.js'
import {readRdb} from '../../src/node/persistence/rdb-file.js'
import {BIN, ROOT} from '../helpers/cli.js'
import {freePortPair} from '../helpers/ports.js'
import {waitFor} from '../helpers/repl.js'
import {haveRedisServer, waitReady} from '../helpers/redis-server.js'

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

const until = (what: string, fn: () => Promise<boolean>, ms = 10_000): Promise<void> => waitFor(fn, ms, what)

/** No reconnects: these nodes are shut down under the client's feet on purpose. */
function client(port: number): Redis {
  const c = new Redis({port, host: '127.0.0.1', maxRetriesPerRequest: 1, retryStrategy: () => null})
  c.on('error', () => undefined)
  return c
}

const infoField = async (c: Redis, name: string) => new RegExp(`^${name}:(.*)\r?$`, 'm').exec(await c.info('persistence'))?.[1]

describe('RDB persistence (embedded node)', () => {
  let root: string
  const nodes: RunningNode[] = []
  const clients: Redis[] = []

  before(() => {
    root = mkdtempSync(join(tmpdir(), 'redis-ts-persist-'))
  })
  after(async () => {
    for (const c of clients) c.disconnect()
    for (const n of nodes) await n.stop()
    rmSync(root, {recursive: true, force: true})
  })

  const start = async (overrides: Record<string, string>) => {
    const dir = overrides.dir ?? mkdtempSync(join(root, 'n-'))
    const n = await startNode({overrides: {port: '0', bind: '127.0.0.1', dir, 'enable-debug-command': 'yes', ...overrides}, silent: true})
    nodes.push(n)
    const c = new Redis({port: n.port, host: '127.0.0.1', maxRetriesPerRequest: 1})
    clients.push(c)
    return {n, c, dir}
  }

  test('SAVE, LASTSAVE, INFO persistence, DEBUG RELOAD', async () => {
    const {c, dir} = await start({save: ''})
    await c.set('a', '1')
    await c.rpush('l', 'x', 'y')
    await c.set('t', 'v', 'PX', 100_000)
    // (redis counts each element an RPUSH adds: 1 + 2 + 1)
    assert.equal(await infoField(c, 'rdb_changes_since_last_save'), '4')
    assert.equal(await c.call('SAVE'), 'OK')
    assert.equal(await infoField(c, 'rdb_changes_since_last_save'), '0')
    assert.equal(await infoField(c, 'rdb_saves'), '1')
    assert.equal(await infoField(c, 'rdb_last_bgsave_status'), 'ok')
    assert.ok(Math.abs(Number(await c.call('LASTSAVE')) - Date.now() / 1000) < 5)
    const file = readRdb(readFileSync(join(dir, 'dump.rdb')))
    assert.deepEqual(file.dbs.get(0)!.map((e) => e.key).sort(), ['a', 'l', 't'])
    const info = await c.info('persistence')
    for (const f of ['loading:0', 'async_loading:0', 'rdb_bgsave_in_progress:0', 'rdb_last_bgsave_time_sec:-1', 'aof_enabled:0']) assert.match(info, new RegExp(`^${f}\r?$`, 'm'))
    await c.set('a', '2')
    assert.equal(await c.call('DEBUG', 'RELOAD'), 'OK')
    assert.equal(await c.get('a'), '2')
    assert.deepEqual(await c.lrange('l', 0, -1), ['x', 'y'])
    assert.ok((await c.pttl('t')) > 90_000)
    assert.equal(await infoField(c, 'rdb_last_load_keys_loaded'), '3')
    await assert.rejects(c.call('BGSAVE', 'NOW'), /syntax error/)
    await assert.rejects(c.config('SET', 'save', '10'), /argument 'save'\) - Invalid save parameters/)
    await assert.rejects(c.config('SET', 'save', '0 1'), /Invalid save parameters/)
    assert.equal(await c.config('SET', 'save', '900 1 300 10'), 'OK')
    assert.deepEqual(await c.config('GET', 'save'), ['save', '900 1 300 10'])
  })

  test('DEBUG POPULATE: key:<j> = value:<j> (cut or zero-padded to size), existing keys kept, not counted as changes', async () => {
    const {c} = await start({save: ''})
    await c.set('key:1', 'mine')
    const dirty = await infoField(c, 'rdb_changes_since_last_save')
    assert.equal(await c.call('DEBUG', 'POPULATE', '3'), 'OK')
    assert.deepEqual(await c.mget('key:0', 'key:1', 'key:2', 'key:3'), ['value:0', 'mine', 'value:2', null])
    assert.equal(await c.call('DEBUG', 'POPULATE', '2', 'p', '3'), 'OK')
    assert.equal(await c.get('p:1'), 'val')
    assert.equal(await c.call('DEBUG', 'POPULATE', '1', 'z', '10'), 'OK')
    assert.equal(await c.get('z:0'), 'value:0\0\0\0')
    assert.equal(await infoField(c, 'rdb_changes_since_last_save'), dirty)
    await assert.rejects(c.call('DEBUG', 'POPULATE', '-1'), /ERR value is out of range, must be positive/)

    // DEBUG DIGEST: a function of the contents only; 40 zeros for an empty dataset, as Redis
    const d1 = await c.call('DEBUG', 'DIGEST')
    await c.set('extra', '1')
    assert.notEqual(await c.call('DEBUG', 'DIGEST'), d1)
    await c.del('extra')
    assert.equal(await c.call('DEBUG', 'DIGEST'), d1)
    await c.flushall()
    assert.equal(await c.call('DEBUG', 'DIGEST'), '0'.repeat(40))
  })

  test('BGSAVE while clients keep writing saves the point in time', async () => {
    const {n, c, dir} = await start({save: ''})
    const N = 100_000
    for (let i = 0; i < N; i += 10_000) {
      const p = c.pipeline()
      for (let j = i; j < i + 10_000; j++) p.set(`key:${j}`, `value-${j}`)
      await p.exec()
    }
    await c.rpush('counter-list', 'start')
    // 10 µs a key (redis rdbSaveRio's debugDelay): the save lasts ~1 s however fast the child is
    await c.config('SET', 'rdb-key-save-delay', '10')
    assert.equal(await c.call('BGSAVE'), 'Background saving started')
    await assert.rejects(c.call('BGSAVE'), /Background save already in progress/)
    await assert.rejects(c.call('SAVE'), /Background save already in progress/)
    // Writes are served while the save runs: new keys, overwrites, deletes, FLUSHALL-free.
    let served = 0
    while (/rdb_bgsave_in_progress:1/.test(await c.info('persistence'))) {
      const p = c.pipeline()
      p.set(`late:${served}`, 'x')
      p.del(`key:${(served * 7919) % N}`)
      p.set(`key:${(served * 104729) % N}`, 'overwritten')
      p.lpush('counter-list', String(served))
      await p.exec()
      served++
    }
    assert.ok(served > 0, 'no write was served during the BGSAVE')
    assert.equal(await infoField(c, 'rdb_last_bgsave_status'), 'ok')
    const keys = new Map<string, string>()
    readRdb(readFileSync(join(dir, 'dump.rdb')), {
      onEntry: (_db, e) => keys.set(e.key, e.value.type === 'string' ? e.value.value : JSON.stringify(e.value)),
    })
    assert.equal(keys.size, N + 1)
    for (let j = 0; j < N; j += 997) assert.equal(keys.get(`key:${j}`), `value-${j}`)
    assert.equal(keys.get('counter-list'), JSON.stringify({type: 'list', items: ['start']}))
    assert.ok(![...keys.keys()].some((k) => k.startsWith('late:')))
    // Dirty counter: only the writes made during the BGSAVE remain counted.
    assert.ok(n.server.dirty >= served * 3, `dirty ${n.server.dirty} served ${served}`)
  })

  test('FLUSHALL kills a BGSAVE and saves the empty dataset when save points exist', async () => {
    const {c, dir} = await start({save: '3600 1'})
    const p = c.pipeline()
    for (let j = 0; j < 50_000; j++) p.set(`key:${j}`, `value-${j}`)
    await p.exec()
    assert.equal(await c.call('BGSAVE'), 'Background saving started')
    assert.equal(await c.flushall(), 'OK')
    assert.equal(await infoField(c, 'rdb_bgsave_in_progress'), '0')
    await sleep(300) // the killed writer must not rename its file over the new one
    assert.equal(readRdb(readFileSync(join(dir, 'dump.rdb'))).dbs.size, 0)
    assert.deepEqual(readdirSync(dir).filter((f) => f.startsWith('temp-')), [])
  })

  test('save rules fire from the cron', async () => {
    const {c, dir} = await start({save: '1 2', hz: '50'})
    await c.set('x', '1')
    await sleep(1300)
    assert.equal(existsSync(join(dir, 'dump.rdb')), false, 'one change is below the rule')
    await c.set('y', '1')
    // rdb_saves counts a BGSAVE when its child starts (redis rdbSaveBackground), the dirty count
    // falls when the child is done.
    await until('save rule', async () => (await infoField(c, 'rdb_saves')) === '1' && (await infoField(c, 'rdb_bgsave_in_progress')) === '0')
    assert.equal(await infoField(c, 'rdb_changes_since_last_save'), '0')
    assert.ok(existsSync(join(dir, 'dump.rdb')))
  })

  test('the cron applies the save rules as CONFIG SET last changed them', async () => {
    const {c} = await start({save: '3600 1', hz: '50'})
    await c.set('x', '1')
    await sleep(300) // the cron has read '3600 1' many times: nothing fires
    assert.equal(await infoField(c, 'rdb_saves'), '0')
    assert.equal(await c.config('SET', 'save', '1 1'), 'OK')
    await until('new save rule', async () => (await infoField(c, 'rdb_saves')) === '1' && (await infoField(c, 'rdb_bgsave_in_progress')) === '0')
    assert.equal(await c.config('SET', 'save', ''), 'OK')
    await c.set('y', '1')
    await sleep(1500)
    assert.equal(await infoField(c, 'rdb_saves'), '1', 'no save rule left')
  })

  test('a failed BGSAVE: MISCONF for writes and PING, reads still served; SAVE recovers', async () => {
    const dir = mkdtempSync(join(root, 'misconf-'))
    const {c} = await start({dir, save: '3600 1'})
    await c.set('k', 'v')
    rmSync(dir, {recursive: true, force: true})
    assert.equal(await c.call('BGSAVE'), 'Background saving started')
    await until('bgsave failure', async () => (await infoField(c, 'rdb_last_bgsave_status')) === 'err')
    const misconf = "MISCONF Redis is configured to save RDB snapshots, but it's currently unable to persist to disk. Commands that may modify the data set are disabled, because this instance is configured to report errors during writes if RDB snapshotting fails (stop-writes-on-bgsave-error option). Please check the Redis logs for details about the RDB error."
    await assert.rejects(c.set('k', 'w'), (e: Error) => e.message === misconf)
    await assert.rejects(c.ping(), (e: Error) => e.message === misconf)
    assert.equal(await c.get('k'), 'v')
    // SHUTDOWN cannot save either: refused, the node keeps serving.
    await assert.rejects(c.call('SHUTDOWN'), /ERR Errors trying to SHUTDOWN. Check logs./)
    assert.equal(await c.get('k'), 'v')
    await c.config('SET', 'stop-writes-on-bgsave-error', 'no')
    assert.equal(await c.set('k', 'w'), 'OK')
    await c.config('SET', 'stop-writes-on-bgsave-error', 'yes')
    mkdirSync(dir)
    assert.equal(await c.call('SAVE'), 'OK')
    assert.equal(await c.set('k', 'x'), 'OK')
  })

  test('keys that expired while the node was down: dropped by a master, kept by a replica (its master sends the DELs)', async () => {
    const dir = mkdtempSync(join(root, 'expired-'))
    const first = await start({dir})
    // 2 s: the active cycle cannot reap 'gone' before SAVE on a loaded machine; the restart below
    // waits until its TTL has passed
    await first.c.set('gone', 'v', 'PX', 2000)
    const goneAt = Date.now() + 2000 // no sooner than its TTL: the node set it before replying
    await first.c.set('stays', 'v')
    assert.equal(await first.c.call('SAVE'), 'OK')
    await first.n.stop()
    await new Promise((r) => setTimeout(r, Math.max(0, goneAt + 100 - Date.now())))
    const asMaster = await start({dir, save: ''})
    assert.equal(await asMaster.c.dbsize(), 1)
    await asMaster.n.stop()
    // no save points: the master above did not rewrite the RDB on stop, so 'gone' is still in it
    const asReplica = await start({dir, save: '', replicaof: `127.0.0.1 ${(await freePortPair()).port}`})
    assert.equal(await asReplica.c.dbsize(), 2)
    assert.equal(await asReplica.c.exists('gone'), 0, 'expired keys still read as missing on a replica')
  })
})

describe('RDB persistence across restarts (node processes)', () => {
  let root: string
  const procs: ReturnType<typeof spawn>[] = []
  const dev = BIN.endsWith('dev.js') ? ['--require', 'tsx/preflight', '--import', 'tsx', '--no-warnings'] : []

  before(() => {
    root = mkdtempSync(join(tmpdir(), 'redis-ts-restart-'))
  })
  after(() => {
    for (const p of procs) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL')
    rmSync(root, {recursive: true, force: true})
  })

  const launch = (port: number, dir: string, extra: string[] = [], logfile = join(dir, 'node.log')) => {
    const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '3600 1', '--appendonly', 'no', '--logfile', logfile, ...extra]
    const proc = spawn(process.execPath, [...dev, BIN, 'node', ...args], {cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe']})
    procs.push(proc)
    let stderr = ''
    proc.stderr!.on('data', (d) => (stderr += d))
    const exited = new Promise<number | null>((r) => proc.once('exit', (code) => r(code)))
    return {proc, exited, stderr: () => stderr}
  }

  test('SIGTERM saves and the restarted node has the data; SHUTDOWN NOSAVE does not save', async () => {
    const dir = mkdtempSync(join(root, 'n-'))
    const {port} = await freePortPair()
    let node = launch(port, dir)
    await waitReady(port, undefined, undefined, 20_000)
    let c = client(port)
    await c.set('s', 'value')
    await c.hset('h', 'f', 'v')
    await c.zadd('z', '1.5', 'm')
    await c.set('ttl', 'x', 'EX', 1000)
    c.disconnect()
    node.proc.kill('SIGTERM')
    assert.equal(await node.exited, 0)
    assert.match(readFileSync(join(dir, 'node.log'), 'utf8'), /Saving the final RDB snapshot before exiting\.[\s\S]*DB saved on disk/)

    node = launch(port, dir)
    await waitReady(port, undefined, undefined, 20_000)
    c = client(port)
    assert.equal(await c.get('s'), 'value')
    assert.deepEqual(await c.hgetall('h'), {f: 'v'})
    assert.equal(await c.zscore('z', 'm'), '1.5')
    const ttl = await c.ttl('ttl')
    assert.ok(ttl > 990 && ttl <= 1000, `ttl ${ttl}`)
    assert.match(readFileSync(join(dir, 'node.log'), 'utf8'), /DB loaded from disk: \d+\.\d{3} seconds/)
    await c.set('unsaved', '1')
    await c.call('SHUTDOWN', 'NOSAVE').catch(() => undefined)
    c.disconnect()
    assert.equal(await node.exited, 0)

    node = launch(port, dir)
    await waitReady(port, undefined, undefined, 20_000)
    c = client(port)
    assert.equal(await c.get('unsaved'), null)
    assert.equal(await c.get('s'), 'value')
    await c.call('SHUTDOWN', 'NOSAVE').catch(() => undefined)
    c.disconnect()
    await node.exited
  })

  test('SIGTERM when the final save fails: the node keeps running, like redis', async () => {
    const dir = mkdtempSync(join(root, 'gone-'))
    const log = join(root, 'gone.log')
    const {port} = await freePortPair()
    const node = launch(port, dir, [], log)
    await waitReady(port, undefined, undefined, 20_000)
    const c = client(port)
    await c.set('k', 'v')
    rmSync(dir, {recursive: true, force: true})
    node.proc.kill('SIGTERM')
    await until('refusal logged', async () => /SIGTERM received but errors trying to shut down the server/.test(readFileSync(log, 'utf8')))
    assert.equal(await c.get('k'), 'v')
    c.disconnect()
    node.proc.kill('SIGKILL')
    await node.exited
  })

  test('a truncated or corrupt dump.rdb refuses the start', async () => {
    const dir = mkdtempSync(join(root, 'bad-'))
    const {port} = await freePortPair()
    let node = launch(port, dir)
    await waitReady(port, undefined, undefined, 20_000)
    const c = client(port)
    for (let i = 0; i < 100; i++) await c.set(`k${i}`, `v${i}`)
    await c.call('SHUTDOWN', 'SAVE').catch(() => undefined)
    c.disconnect()
    await node.exited
    const good = readFileSync(join(dir, 'dump.rdb'))

    // redis rdbReportError: the reason, then exit(1)
    writeFileSync(join(dir, 'dump.rdb'), good.subarray(0, good.length - 200))
    node = launch(port, dir, [], join(dir, 'short.log'))
    assert.equal(await node.exited, 1)
    assert.match(node.stderr(), /Short read or OOM loading DB\. Unrecoverable error, aborting now\./)
    assert.match(readFileSync(join(dir, 'short.log'), 'utf8'), /Internal error in RDB reading offset 0, function at rdb\.c:\d+ -> Unexpected EOF reading RDB file/)

    const flipped = Buffer.from(good)
    flipped[flipped.length - 2] ^= 0x55
    writeFileSync(join(dir, 'dump.rdb'), flipped)
    node = launch(port, dir, [], join(dir, 'crc.log'))
    assert.equal(await node.exited, 1)
    const log = readFileSync(join(dir, 'crc.log'), 'utf8')
    // the PID banner comes before the load (a harness waiting for it sees the refusal)
    assert.ok(log.indexOf('Running mode=standalone') < log.indexOf('Wrong RDB checksum'), log)
    const crcLine = /# (Wrong RDB checksum expected: \([0-9a-f]+\) but got \([0-9a-f]+\)\. Aborting now\.)$/m.exec(log)?.[1]
    assert.ok(crcLine, log)
    assert.match(log, /# Internal error in RDB reading offset 0, function at rdb\.c:\d+ -> RDB CRC error\n/)
    if (!haveRedisServer()) return
    // redis-server refuses the same file with the same checksum line and exit code
    const real = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--logfile', join(dir, 'real.log')], {stdio: 'ignore'})
    procs.push(real)
    assert.equal(await new Promise<number | null>((r) => real.once('exit', (code) => r(code))), 1)
    const realLog = readFileSync(join(dir, 'real.log'), 'utf8')
    assert.ok(realLog.includes(crcLine), realLog)
    assert.match(realLog, /# Internal error in RDB reading offset 0, function at rdb\.c:\d+ -> RDB CRC error/)
  })
})

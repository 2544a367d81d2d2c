// redis-cli 7.0's special modes run against a redis-server and an embedded node holding the same
// data, outputs compared: --bigkeys / --memkeys / --hotkeys summaries, --scan, --pipe, --eval,
// -x, -r, -n, the reply renderings (--no-raw, --raw, --csv, -3) of every RESP type, --rdb (the
// records, their LFU/LRU usage info, used-mem), --replica's command stream, SUBSCRIBE and MONITOR
// output, MEMORY DOCTOR, and the rehash step a NOTOUCH lookup makes. Things that vary legitimately
// (SCAN order, so the progress lines; ids, addresses, times) are left out or normalised.
import {describe, test} from 'node:test'
import assert from 'node:assert/strict'
import {spawn, spawnSync} from 'node:child_process'
import {mkdtempSync, readFileSync, rmSync, copyFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {Redis} from 'ioredis'
import {pairHooks, startRedisServer} from './harness.js'
import {redisSkip} from '../helpers/redis-server.js'
import {RdbStreamParser, type RdbEntry} from '../../src/node/persistence/rdb-stream.js'
import {startNode} from '../../src/node/index.js'

function cliSkip(): string | false {
  const s = redisSkip()
  if (s !== false) return s
  if (spawnSync('redis-cli', ['--version'], {stdio: 'ignore'}).status === 0) return false
  return process.env.REDIS_TS_REQUIRE_REDIS === '1' ? false : 'redis-cli not on PATH'
}

interface CliResult {
  out: string
  code: number | null
}

/**
 * redis-cli `args` against `port` (async: the embedded node serves from this process), stdout and
 * stderr together; `killAfterMs` stops a mode that runs until interrupted.
 */
function cli(port: number, args: string[], opts: {input?: string; killAfterMs?: number; onStart?: () => void} = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const p = spawn('redis-cli', ['-p', String(port), ...args], {stdio: ['pipe', 'pipe', 'pipe']})
    let out = ''
    p.stdout.on('data', (d: Buffer) => (out += d.toString('latin1')))
    p.stderr.on('data', (d: Buffer) => (out += d.toString('latin1')))
    const timer = setTimeout(() => p.kill('SIGKILL'), opts.killAfterMs ?? 60_000)
    p.on('error', reject)
    p.on('close', (code) => {
      clearTimeout(timer)
      resolve({out, code})
    })
    // a redis-cli that exits before reading its input closes the pipe: not an error here
    p.stdin.on('error', () => undefined)
    if (opts.input === undefined) p.stdin.end()
    else p.stdin.end(opts.input, 'latin1')
  })
}

/** redis-cli `args` running until stop(): a mode that streams (--replica), read as it goes. */
function watchCli(port: number, args: string[]): {out(): string; stop(): Promise<CliResult>} {
  const p = spawn('redis-cli', ['-p', String(port), ...args], {stdio: ['ignore', 'pipe', 'pipe']})
  let out = ''
  p.stdout.on('data', (d: Buffer) => (out += d.toString('latin1')))
  p.stderr.on('data', (d: Buffer) => (out += d.toString('latin1')))
  const closed = new Promise<CliResult>((resolve) => p.on('close', (code) => resolve({out, code})))
  const safety = setTimeout(() => p.kill('SIGKILL'), 60_000)
  return {
    out: () => out,
    stop: () => {
      clearTimeout(safety)
      p.kill('SIGKILL')
      return closed
    },
  }
}

async function until(what: string, f: () => boolean | Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  for (const deadline = Date.now() + timeoutMs; !(await f()); ) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 50))
  }
}

const SUMMARY = /\n-------- summary -------\n[\s\S]*$/

/** The part of --bigkeys / --memkeys / --hotkeys output that does not depend on SCAN order. */
function summary(out: string): string {
  const m = SUMMARY.exec(out)
  assert.ok(m, out)
  // hot keys of one counter are listed in SCAN order
  return m[0].split('\n').sort().join('\n')
}

async function both(pair: {redisPort: number; ourPort: number}, f: (c: Redis) => Promise<unknown>): Promise<void> {
  for (const port of [pair.redisPort, pair.ourPort]) {
    const c = new Redis(port, '127.0.0.1')
    try {
      await f(c)
    } finally {
      c.disconnect()
    }
  }
}

async function fill(c: Redis): Promise<void> {
  await c.flushall()
  await c.set('str1', 'hello')
  await c.set('int1', '12345')
  await c.set('big1', 'x'.repeat(300))
  await c.set('key with space', 'val\nue')
  await c.set('ttlkey', 'v', 'EX', 1000)
  await c.rpush('list1', 'a', 'b', 'c', 'd', 'e', 'f')
  await c.rpush('list2', '1', '2', '3')
  await c.sadd('set1', 'a', 'b', 'c')
  await c.sadd('iset', '1', '2', '3', '4', '5')
  await c.hset('hash1', 'f1', 'v1', 'f2', 'v2', 'f3', 'v3')
  await c.zadd('zset1', '1', 'a', '2', 'b', '3.5', 'c')
  await c.call('XADD', 'stream1', '1-1', 'f', 'v')
  await c.call('XADD', 'stream1', '2-1', 'f', 'v2')
  await c.pfadd('hll1', 'a', 'b', 'c')
  await c.select(3)
  await c.set('indb3', 'x')
}

/** Every record of an RDB file, by db and key. */
function rdbRecords(file: string): Map<string, RdbEntry> {
  const out = new Map<string, RdbEntry>()
  const p = new RdbStreamParser({onEntry: (db, e) => void out.set(`${db} ${e.key}`, e)})
  p.feed(readFileSync(file))
  p.end()
  return out
}

/** A record's value, orders that vary (hashtable sets and hashes) sorted; a stream by its entries. */
function valueView(v: RdbEntry['value']): unknown {
  switch (v.type) {
    case 'string':
      return v.value
    case 'list':
      return v.items
    case 'set':
      return [...v.members].sort()
    case 'hash':
    case 'zset':
      return [...v.entries].map((e) => e.join('=')).sort()
    case 'stream':
    {
      const out: string[] = []
      v.stream.range(0n, (1n << 128n) - 1n, false, 0, (id, fv) => void out.push(`${id >> 64n}-${id & ((1n << 64n) - 1n)} ${fv.join(' ')}`))
      return out
    }
  }
}

function rdbAux(file: string): Map<string, string> {
  const aux = new Map<string, string>()
  const p = new RdbStreamParser({onEntry: () => undefined, onAux: (k, v) => void aux.set(k, v)})
  p.feed(readFileSync(file))
  p.end()
  return aux
}

describe('redis-cli special modes vs redis-server', {skip: cliSkip()}, () => {
  const dbg = {redisArgs: ['--enable-debug-command', 'yes'], nodeOverrides: {'enable-debug-command': 'yes'}}
  const pair = pairHooks(dbg)

  test('reply renderings (--no-raw, --raw, --csv, -3) of every RESP type match', {timeout: 120_000}, async () => {
    await both(pair, fill)
    const types = ['string', 'integer', 'double', 'bignum', 'null', 'array', 'set', 'map', 'attrib', 'push', 'verbatim', 'true', 'false']
    const cmds = [...types.map((t) => ['DEBUG', 'PROTOCOL', t]), ['HGETALL', 'hash1'], ['ZRANGE', 'zset1', '0', '-1', 'WITHSCORES'], ['XRANGE', 'stream1', '-', '+'], ['GET', 'nokey'], ['GET', 'list1'], ['NOSUCH']]
    for (const mode of [['--no-raw'], ['--raw'], ['--csv'], ['-3', '--no-raw'], ['-3', '--csv']]) {
      const runs = cmds.map(async (c) => [await cli(pair.redisPort, [...mode, ...c]), await cli(pair.ourPort, [...mode, ...c])])
      for (const [i, [real, ours]] of (await Promise.all(runs)).entries()) assert.deepEqual(ours, real, `${mode.join(' ')} ${cmds[i].join(' ')}`)
    }
  })

  test('--bigkeys, --memkeys, --scan, --pipe, --eval, -x, -r, -n, --latency', {timeout: 120_000}, async () => {
    await both(pair, fill)
    const run = async (args: string[], input?: string) => [await cli(pair.redisPort, args, {input}), await cli(pair.ourPort, args, {input})]
    for (const args of [['--bigkeys'], ['--memkeys'], ['--memkeys-samples', '0'], ['--bigkeys', '--pattern', '*1'], ['-n', '3', '--bigkeys']]) {
      const [real, ours] = await run(args)
      assert.equal(ours.code, real.code)
      assert.equal(summary(ours.out), summary(real.out), args.join(' '))
    }
    for (const args of [['--scan'], ['--scan', '--pattern', 'l*'], ['--scan', '--quoted-pattern', '"key with*"'], ['--scan', '--no-raw', '--pattern', '*space']]) {
      const [real, ours] = await run(args)
      assert.deepEqual(ours.out.split('\n').sort(), real.out.split('\n').sort(), args.join(' '))
    }
    const pipe = 'SET p1 a\r\nINCR p1\r\nLPUSH p1 x\r\n*3\r\n$3\r\nSET\r\n$2\r\np3\r\n$1\r\nz\r\nNOSUCH\r\nGET p3\r\n' + 'SET k v\r\n'.repeat(2000)
    const dir = mkdtempSync(join(tmpdir(), 'cli-modes-'))
    try {
      const lua = join(dir, 's.lua')
      const {writeFileSync} = await import('node:fs')
      writeFileSync(lua, "redis.call('set', KEYS[1], ARGV[1])\nreturn {KEYS[1], ARGV[1], 3.7, {1, {2}}, true, false, redis.status_reply('FINE'), redis.error_reply('ERR boom')}\n")
      for (const [args, input] of [
        [['--pipe'], pipe],
        [['--eval', lua, 'ek', ',', 'ev'], undefined],
        [['--no-raw', '--eval', lua, 'ek', ',', 'ev'], undefined],
        [['-3', '--no-raw', '--eval', lua, 'ek', ',', 'ev'], undefined],
        [['-x', 'set', 'xk'], 'from stdin\n'],
        [['--no-raw', 'get', 'xk'], undefined],
        [['-r', '3', '-i', '0.01', 'incr', 'rc'], undefined],
        [['-n', '3', '--no-raw', 'get', 'indb3'], undefined],
        [['-n', '99', 'get', 'x'], undefined],
        [['-e', 'get', 'list1'], undefined],
        [['--no-raw', 'memory', 'doctor'], undefined],
      ] as [string[], string | undefined][]) {
        const [real, ours] = await run(args, input)
        assert.deepEqual(ours, real, args.join(' '))
      }
      const [real, ours] = await run(['--latency', '-i', '0.2', '--raw'])
      assert.equal(real.code, 0)
      assert.equal(ours.code, 0)
      assert.match(real.out, /^\d+ \d+ [\d.]+ \d+\n$/)
      assert.match(ours.out, /^\d+ \d+ [\d.]+ \d+\n$/)
    } finally {
      rmSync(dir, {recursive: true, force: true})
    }
  })

  test('--hotkeys after a SCAN of the keyspace (SCAN does not touch the LFU counters)', {timeout: 120_000}, async () => {
    await both(pair, async (c) => {
      // every access counts one (log factor 0), nothing decays: the counters are exact on both sides
      await c.config('SET', 'maxmemory-policy', 'allkeys-lfu')
      await c.config('SET', 'lfu-log-factor', '0')
      await c.config('SET', 'lfu-decay-time', '0')
      await fill(c)
      await c.select(0)
      for (let i = 0; i < 7; i++) await c.get('str1')
      for (let i = 0; i < 3; i++) await c.llen('list1')
    })
    try {
      for (const args of [['--scan'], ['--hotkeys'], ['--bigkeys'], ['--hotkeys']]) {
        const real = await cli(pair.redisPort, args)
        const ours = await cli(pair.ourPort, args)
        if (args[0] === '--scan') continue
        assert.equal(summary(ours.out), summary(real.out), args.join(' '))
      }
      const real = await cli(pair.redisPort, ['--hotkeys'])
      assert.match(real.out, /counter: 13\tkeyname: "str1"/) // 5 at creation, 7 GETs, STRLEN of --bigkeys
    } finally {
      await both(pair, (c) => c.config('SET', 'maxmemory-policy', 'noeviction'))
    }
  })

  test('--rdb: the same records, with the LFU counters / LRU idle times, and used-mem', {timeout: 120_000}, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cli-modes-rdb-'))
    try {
      await both(pair, async (c) => {
        await c.config('SET', 'repl-diskless-sync-delay', '0')
        await c.config('SET', 'maxmemory-policy', 'allkeys-lfu')
        await c.config('SET', 'lfu-log-factor', '0')
        await c.config('SET', 'lfu-decay-time', '0')
        await fill(c)
        await c.select(0)
        for (let i = 0; i < 4; i++) await c.get('str1')
      })
      const files: string[] = []
      for (const port of [pair.redisPort, pair.ourPort]) {
        const file = join(dir, `${port}.rdb`)
        const r = await cli(port, ['--rdb', file])
        assert.equal(r.code, 0, r.out)
        assert.match(r.out, /Transfer finished with success/)
        files.push(file)
      }
      const [real, ours] = files.map(rdbRecords)
      const view = (m: Map<string, RdbEntry>) => [...m].sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, e]) => [k, e.expireAt !== undefined, e.idle, e.freq, valueView(e.value)])
      assert.deepEqual(view(ours), view(real))
      assert.equal(real.get('0 str1')?.freq, 9)
      // used-mem is INFO's used_memory (redis zmalloc_used_memory)
      const c = new Redis(pair.ourPort, '127.0.0.1')
      const used = Number(/used_memory:(\d+)/.exec(await c.info('memory'))![1])
      c.disconnect()
      const saved = Number(rdbAux(files[1]).get('used-mem'))
      assert.ok(saved > used / 2 && saved < used * 2, `used-mem ${saved}, used_memory ${used}`)

      // a file with FREQ records loads the same counters into either server
      const loadDir = mkdtempSync(join(dir, 'load-'))
      copyFileSync(files[0], join(loadDir, 'real.rdb'))
      const lfu = ['maxmemory-policy', 'allkeys-lfu', 'lfu-decay-time', '0']
      const loadedReal = await startRedisServer(['--dir', loadDir, '--dbfilename', 'real.rdb', ...lfu.map((x, i) => (i % 2 ? x : `--${x}`))])
      const loadedOurs = await startNode({overrides: {port: '0', bind: '127.0.0.1', save: '', dir: loadDir, dbfilename: 'real.rdb', ...Object.fromEntries([[lfu[0], lfu[1]], [lfu[2], lfu[3]]])}, silent: true})
      try {
        const freqs = async (port: number) => {
          const r = new Redis(port, '127.0.0.1')
          try {
            return await Promise.all(['str1', 'list1', 'big1'].map((k) => r.call('OBJECT', 'FREQ', k)))
          } finally {
            r.disconnect()
          }
        }
        const want = await freqs(loadedReal.port)
        assert.deepEqual(want, [9, 5, 5])
        assert.deepEqual(await freqs(loadedOurs.port), want)
      } finally {
        await loadedReal.stop()
        await loadedOurs.stop()
      }

      // under an LRU policy each record carries its idle seconds
      await both(pair, async (c) => {
        await c.config('SET', 'maxmemory-policy', 'allkeys-lru')
        await fill(c)
      })
      for (const port of [pair.redisPort, pair.ourPort]) {
        const file = join(dir, `${port}-lru.rdb`)
        assert.equal((await cli(port, ['--rdb', file])).code, 0)
        const recs = rdbRecords(file)
        assert.equal(recs.size, 14)
        for (const [k, e] of recs) assert.ok(e.idle !== undefined && e.idle < 30 && e.freq === undefined, `${port} ${k} idle ${e.idle}`)
      }
    } finally {
      await both(pair, (c) => c.config('SET', 'maxmemory-policy', 'noeviction'))
      rmSync(dir, {recursive: true, force: true})
    }
  })

  test('a maxmemory-policy switch between LRU and LFU reads each key\'s bits the other way', {timeout: 120_000}, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cli-modes-switch-'))
    try {
      const got: {freq: unknown; idle: unknown; rdbIdle: number | undefined}[] = []
      for (const port of [pair.redisPort, pair.ourPort]) {
        const c = new Redis(port, '127.0.0.1')
        try {
          // redis does not touch keys while a child exists (the previous --rdb's until its cron reaps it)
          await until(`no child at ${port}`, async () => /rdb_bgsave_in_progress:0/.test(await c.info('persistence')))
          await c.config('SET', 'maxmemory-policy', 'noeviction')
          await c.config('SET', 'lfu-log-factor', '0')
          await c.config('SET', 'lfu-decay-time', '1')
          await c.config('SET', 'repl-diskless-sync-delay', '0')
          await c.flushall()
          await c.set('a1', 'hello')
          await c.config('SET', 'maxmemory-policy', 'allkeys-lfu')
          // an LRU clock read as minutes<<8 | counter: minutes long past, the counter decayed to 0
          const freq = await c.call('OBJECT', 'FREQ', 'a1')
          for (let i = 0; i < 3; i++) await c.get('a1')
          await c.config('SET', 'maxmemory-policy', 'allkeys-lru')
          // minutes<<8 | 3 read as an LRU clock in seconds: weeks of idle time
          const idle = await c.call('OBJECT', 'IDLETIME', 'a1')
          const file = join(dir, `${port}.rdb`)
          assert.equal((await cli(port, ['--rdb', file])).code, 0)
          got.push({freq, idle, rdbIdle: rdbRecords(file).get('0 a1')?.idle})
        } finally {
          await c.config('SET', 'maxmemory-policy', 'noeviction')
          c.disconnect()
        }
      }
      const [real, ours] = got
      assert.equal(real.freq, 0)
      assert.equal(ours.freq, real.freq)
      assert.ok(Number(real.idle) > 100_000, JSON.stringify(got))
      // the two servers ran a moment apart: seconds of difference, or 256 s more when a minute
      // began in between (the minute is the high bits of the value read as seconds)
      const near = (a: unknown, b: unknown) => [0, 256].some((d) => Math.abs(Math.abs(Number(a) - Number(b)) - d) <= 3)
      assert.ok(near(ours.idle, real.idle), `${ours.idle} vs ${real.idle}`)
      assert.ok(near(ours.rdbIdle, real.rdbIdle), `${ours.rdbIdle} vs ${real.rdbIdle}`)
    } finally {
      rmSync(dir, {recursive: true, force: true})
    }
  })

  test('--replica prints the same command stream (the periodic "ping" without a SELECT)', {timeout: 120_000}, async () => {
    await both(pair, async (c) => {
      await c.flushall()
      await c.config('SET', 'repl-diskless-sync-delay', '0')
      await c.config('SET', 'repl-ping-replica-period', '1')
    })
    try {
      const watchers = [watchCli(pair.redisPort, ['--replica']), watchCli(pair.ourPort, ['--replica'])]
      // the writes once each redis-cli has read the RDB and acknowledged (bytes that reach it with the
      // RDB's tail are dropped by redis-cli itself, against either server)
      for (const w of watchers) await until('redis-cli --replica online', () => w.out().includes('sending REPLCONF ACK 0'))
      await both(pair, async (c) => {
        await c.select(1)
        await c.set('a', '1')
        await c.incrbyfloat('f', '1.5')
      })
      for (const w of watchers) await until('the writes and a ping', () => w.out().includes('"SET","f","1.5","KEEPTTL"') && w.out().includes('"ping"'))
      const runs = watchers.map((w) => w.stop())
      const [real, ours] = (await Promise.all(runs)).map((r) => [...new Set(r.out.split('\n').filter((l) => l.startsWith('"')))].sort())
      assert.deepEqual(real, ['"SELECT","1"', '"SET","f","1.5","KEEPTTL"', '"ping"', '"set","a","1"'])
      assert.deepEqual(ours, real)
    } finally {
      await both(pair, (c) => c.config('SET', 'repl-ping-replica-period', '10'))
    }
  })

  test('SUBSCRIBE / PSUBSCRIBE / SSUBSCRIBE and MONITOR output', {timeout: 120_000}, async () => {
    const modes = [['subscribe', 'ch1', 'ch2'], ['--no-raw', 'psubscribe', 'c*'], ['-3', '--no-raw', 'subscribe', 'ch1'], ['--csv', 'ssubscribe', 'sch'], ['monitor']]
    // what each output ends with once everything published reached it
    const last = ['x\ny', '"x\\ny"', 'hello', '"sh"', '"set" "k"']
    const outs: CliResult[][] = []
    for (const port of [pair.redisPort, pair.ourPort]) {
      const watchers = modes.map((m) => watchCli(port, m))
      const c = new Redis(port, '127.0.0.1')
      try {
        await until('the subscribers and the monitor', async () => {
          const [, n1, , n2] = (await c.call('PUBSUB', 'NUMSUB', 'ch1', 'ch2')) as unknown[]
          const shard = ((await c.call('PUBSUB', 'SHARDNUMSUB', 'sch')) as unknown[])[1]
          const monitors = String(await c.call('CLIENT', 'LIST')).split('\n').filter((l: string) => / flags=O /.test(l)).length
          return n1 === 2 && n2 === 1 && (await c.call('PUBSUB', 'NUMPAT')) === 1 && shard === 1 && monitors === 1
        })
        await c.publish('ch1', 'hello')
        await c.publish('ch2', 'x\ny')
        await c.call('SPUBLISH', 'sch', 'sh')
        await c.set('a b', 'q"uote')
        await c.eval("redis.call('set', 'k', ARGV[1])", 0, 'bin\x01\xff')
      } finally {
        c.disconnect()
      }
      for (const [i, w] of watchers.entries()) await until(`${modes[i].join(' ')} output`, () => w.out().includes(last[i]))
      outs.push(await Promise.all(watchers.map((w) => w.stop())))
    }
    // MONITOR lines: time and client address vary; what came before the first PUBLISH (the
    // subscribers' commands, the polling above) races with the monitor's start
    const norm = (s: string) => {
      const lines = s.replace(/^\d+\.\d+ \[(\d+) [^\]]+\]/gm, 'T [$1 addr]').split('\n')
      const first = lines.findIndex((l) => l.startsWith('T [0 addr] "publish"'))
      return first < 0 ? lines.join('\n') : [lines[0], ...lines.slice(first)].join('\n')
    }
    for (const [i, m] of modes.entries()) assert.equal(norm(outs[1][i].out), norm(outs[0][i].out), m.join(' '))
    assert.match(outs[0][4].out, /\[0 lua\] "set" "k" "bin\\x01\\xc3\\xbf"/) // ioredis sends the string as UTF-8
  })

  test('redis-cli info: the same fields, in the same order, section by section', {timeout: 60_000}, async () => {
    await both(pair, fill)
    const names = async (port: number, section: string) =>
      (await cli(port, ['info', section])).out
        .split(/\r?\n/)
        .map((l) => l.replace(/:.*$/, ''))
        .filter((l) => l !== '')
    for (const section of ['server', 'clients', 'memory', 'persistence', 'stats', 'replication', 'cpu', 'modules', 'cluster', 'keyspace']) {
      assert.deepEqual(await names(pair.ourPort, section), await names(pair.redisPort, section), section)
    }
  })

  test('INFO keyspace avg_ttl: the active expire cycle\'s estimate', {timeout: 60_000}, async () => {
    await both(pair, async (c) => {
      await c.flushall()
      // one TTL for both: the estimate is the same whenever a cycle runs between the two writes
      await c.set('v1', 'x', 'EX', 1000)
      await c.set('v2', 'x', 'EX', 1000)
      await c.set('p', 'x')
    })
    for (const port of [pair.redisPort, pair.ourPort]) {
      let out = ''
      // the first serverCron run after the writes sets it (it is 0 until then, on both)
      await until(`avg_ttl at ${port}`, async () => !/avg_ttl=0\b/.test((out = (await cli(port, ['info', 'keyspace'])).out)))
      const m = /db0:keys=3,expires=2,avg_ttl=(\d+)/.exec(out)
      assert.ok(m && Number(m[1]) > 990_000 && Number(m[1]) <= 1_000_000, `${port}: ${out}`)
    }
  })

  test('TYPE / EXISTS step a rehashing keyspace (DEBUG HTSTATS)', {timeout: 60_000}, async () => {
    const rehashing: boolean[] = []
    await both(pair, async (c) => {
      await c.config('SET', 'activerehashing', 'no')
      await c.flushall()
      for (let i = 1; i <= 5; i++) await c.set(`k${i}`, 'v') // the fifth doubles the table: rehashing
      rehashing.push(/rehashing target/.test(String(await c.call('DEBUG', 'HTSTATS', '0'))))
    })
    assert.deepEqual(rehashing, [true, true])
    for (const port of [pair.redisPort, pair.ourPort]) {
      // one step each: four buckets move the 4-slot table over
      assert.equal((await cli(port, ['-r', '2', 'type', 'k1'])).code, 0)
      assert.equal((await cli(port, ['-r', '2', 'exists', 'k2'])).code, 0)
    }
    const after: string[] = []
    await both(pair, async (c) => {
      const s = String(await c.call('DEBUG', 'HTSTATS', '0'))
      after.push(/rehashing target/.test(s) ? 'rehashing' : (/table size: (\d+)/.exec(s)?.[1] ?? s))
      await c.config('SET', 'activerehashing', 'yes')
    })
    assert.deepEqual(after, ['8', '8'])
  })
})

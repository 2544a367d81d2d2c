// LATENCY events besides command / fast-command / expire-cycle, side by side with redis-server 7.0
// where the timing allows: the AOF write of a big value (`aof-write`, and `aof-write-alone` when no
// fsync or child runs beside it), an eviction pass of many keys (`eviction-cycle`, on the embedded
// node with maxmemory-eviction-tenacity 100; at the default both servers split a big eviction into
// sub-millisecond passes, which the last test compares). Durations are machine-dependent: only the
// event names are asserted.
import {test} from 'node:test'
import assert from 'node:assert/strict'
import {redisSkip} from '../helpers/redis-server.js'
import {pairHooks, RawClient} from './types-harness.js'

const skip = redisSkip()
const p = pairHooks({redisArgs: ['--appendonly', 'yes', '--appendfsync', 'always'], nodeOverrides: {appendonly: 'yes', appendfsync: 'always'}})

/** The event names LATENCY LATEST lists (RESP2 raw reply: each entry starts with the name). */
function eventNames(raw: string): string[] {
  return [...raw.matchAll(/\*4\r\n\$\d+\r\n([a-z-]+)\r\n/g)].map((m) => m[1]).sort()
}

async function afterBigWrite(port: number): Promise<string[]> {
  const c = await RawClient.connect(port)
  // appendonly at start: wait until no rewrite is running, so the write below runs alone
  for (let i = 0; i < 200 && /aof_rewrite_in_progress:1/.test(await c.call(['INFO', 'persistence'])); i++) await new Promise((r) => setTimeout(r, 50))
  await c.call(['CONFIG', 'SET', 'latency-monitor-threshold', '1'])
  await c.call(['LATENCY', 'RESET'])
  // 64 MB through the AOF: the write to the file takes milliseconds on any disk
  assert.equal(await c.call(['SET', 'big', 'x'.repeat(64 * 1024 * 1024)]), '+OK\r\n')
  const names = eventNames(await c.call(['LATENCY', 'LATEST']))
  await c.call(['DEL', 'big'])
  await c.call(['CONFIG', 'SET', 'latency-monitor-threshold', '0'])
  c.close()
  return names
}

test('an AOF write of a big value is sampled as aof-write and aof-write-alone, as by redis-server', {skip}, async () => {
  const theirs = await afterBigWrite(p.redisPort)
  const ours = await afterBigWrite(p.ourPort)
  for (const name of ['aof-write', 'aof-write-alone']) {
    assert.ok(theirs.includes(name), `redis-server: ${theirs.join(' ')}`)
    assert.ok(ours.includes(name), `embedded: ${ours.join(' ')}`)
  }
  // nothing redis-server would not name (aof-fsync-always depends on the disk, expire-cycle on the
  // machine's load over a 1 ms threshold: either side may have them)
  for (const name of ours) assert.ok(['aof-fsync-always', 'aof-write', 'aof-write-alone', 'command', 'expire-cycle'].includes(name), name)
})

/** 200,000 keys of 100 bytes (~30 MB) written through MSET, AOF off. */
async function loadKeys(c: RawClient): Promise<void> {
  await c.call(['FLUSHALL'])
  await c.call(['CONFIG', 'SET', 'appendonly', 'no'])
  const value = 'v'.repeat(100)
  for (let i = 0; i < 200; i++) {
    const args = ['MSET']
    for (let j = 0; j < 1000; j++) args.push(`k:${i}:${j}`, value)
    await c.call(args)
  }
}

const dbsize = async (c: RawClient): Promise<number> => Number(/^:(\d+)/.exec(await c.call(['DBSIZE']))?.[1])

test('an eviction pass of many keys is sampled as eviction-cycle on the embedded node (tenacity 100: one pass)', {skip}, async () => {
  const c = await RawClient.connect(p.ourPort)
  await loadKeys(c)
  await c.call(['CONFIG', 'SET', 'latency-monitor-threshold', '1'])
  await c.call(['LATENCY', 'RESET'])
  await c.call(['CONFIG', 'SET', 'maxmemory-policy', 'allkeys-random'])
  await c.call(['CONFIG', 'SET', 'maxmemory-eviction-tenacity', '100'])
  await c.call(['CONFIG', 'SET', 'maxmemory', '2mb'])
  let names: string[] = []
  for (let i = 0; i < 100 && !names.includes('eviction-cycle'); i++) {
    await new Promise((r) => setTimeout(r, 20))
    names = eventNames(await c.call(['LATENCY', 'LATEST']))
  }
  const evicted = Number(/evicted_keys:(\d+)/.exec(await c.call(['INFO', 'stats']))?.[1])
  for (const [k, v] of [['maxmemory', '0'], ['maxmemory-eviction-tenacity', '10'], ['latency-monitor-threshold', '0']]) await c.call(['CONFIG', 'SET', k, v])
  c.close()
  assert.ok(evicted > 100000, `evicted ${evicted}`)
  assert.ok(names.includes('eviction-cycle'), names.join(' '))
})

/** DBSIZE right after CONFIG SET maxmemory, once the eviction is over, and INFO's time over maxmemory then. */
async function spreadEviction(port: number): Promise<[number, number, string]> {
  const c = await RawClient.connect(port)
  await loadKeys(c)
  await c.call(['CONFIG', 'SET', 'maxmemory-policy', 'allkeys-random'])
  await c.call(['CONFIG', 'SET', 'maxmemory', '2mb'])
  const right = await dbsize(c)
  let last = right
  for (let i = 0; i < 200; i++) {
    await new Promise((r) => setTimeout(r, 50))
    const n = await dbsize(c)
    if (n === last && n < 100000) break
    last = n
  }
  const info = await c.call(['INFO', 'stats'])
  const exceeded = ['total', 'current'].map((k) => `${k}=${new RegExp(`${k}_eviction_exceeded_time:(\\d+)`).exec(info)?.[1]}`).join(' ')
  await c.call(['CONFIG', 'SET', 'maxmemory', '0'])
  await c.call(['FLUSHALL'])
  c.close()
  return [right, last, exceeded]
}

test('a big eviction is spread over event-loop turns (maxmemory-eviction-tenacity 10), as by redis-server', {skip}, async () => {
  for (const port of [p.redisPort, p.ourPort]) {
    const [right, after, exceeded] = await spreadEviction(port)
    const who = port === p.redisPort ? 'redis-server' : 'embedded'
    // the command after CONFIG SET runs after one bounded pass, not after the whole eviction
    assert.ok(right > 100000, `${who}: DBSIZE ${right} right after CONFIG SET maxmemory`)
    assert.ok(after < 100000, `${who}: DBSIZE ${after} once the eviction is over`)
    // INFO: the period over maxmemory is over, and it lasted (ms; the passes spanned event-loop turns)
    assert.match(exceeded, /^total=[1-9]\d* current=0$/, `${who}: ${exceeded}`)
  }
})

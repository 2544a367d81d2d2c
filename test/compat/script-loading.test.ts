// A script past lua-time-limit while the AOF loads (Redis's integration/aof "EVAL timeout with slow
// verbatim Lua script from AOF"), side by side with redis-server 7.0: the script's timeout hook
// lets other clients in (processEventsWhileBlocked), who get -LOADING for commands without the
// `loading` flag and -BUSY for the others; the load then completes with the script's write.
// Also: a script that timed out may still write (only other clients are refused).
import {test} from 'node:test'
import assert from 'node:assert/strict'
import {appendFileSync, existsSync, readdirSync} from 'node:fs'
import {join} from 'node:path'
import {pairSuite, RawClient, type Reply} from './harness.js'

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
const LOADING = '-LOADING Redis is loading the dataset in memory'

/** Runs for `ms` of wall-clock time (redis.call('time'): loaded machines run fewer instructions). */
const slowScript = (ms: number, tail: string) =>
  `local t = redis.call('time'); local s = t[1] * 1000000 + t[2]; repeat t = redis.call('time') until t[1] * 1000000 + t[2] - s > ${ms * 1000}; ${tail}`

/** Probes sent by another client while the script from the AOF is busy. */
const PROBES = [['INFO', 'persistence'], ['SCRIPT', 'KILL'], ['FUNCTION', 'STATS'], ['GET', 'x'], ['CLIENT', 'SETNAME', 'x']]

function resp(argv: string[]): string {
  return `*${argv.length}\r\n` + argv.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')
}

function shape(r: Reply): string {
  return typeof r === 'string' && (r.startsWith('-') || r.startsWith('+')) ? r : Array.isArray(r) ? 'array' : typeof r
}

async function incrFile(c: RawClient): Promise<string> {
  const dir = String(((await c.call(['CONFIG', 'GET', 'dir'])) as Reply[])[1])
  const aofDir = join(dir, 'appendonlydir')
  for (const deadline = Date.now() + 30000; Date.now() < deadline; await sleep(50)) {
    const f = existsSync(aofDir) ? readdirSync(aofDir).find((n) => n.endsWith('.incr.aof')) : undefined
    if (f !== undefined) return join(aofDir, f)
  }
  throw new Error(`no INCR file in ${aofDir}`)
}

interface Seen {
  probes: Map<string, Set<string>>
  loadReply: Reply
  x: Reply
}

/** Appends SELECT 9 + a 3 s EVAL to the INCR file, DEBUG LOADAOF, probes while the script runs. */
async function observe(port: number): Promise<Seen> {
  const a = await RawClient.connect(port)
  const b = await RawClient.connect(port)
  try {
    appendFileSync(await incrFile(a), resp(['select', '9']) + resp(['eval', `redis.call('set',KEYS[1],'y'); ${slowScript(3000, "return 'ok'")}`, '1', 'x']))
    const loaded = a.call(['DEBUG', 'LOADAOF'])
    const deadline = Date.now() + 30000
    while ((await b.call(['PING'])) !== LOADING) {
      assert.ok(Date.now() < deadline, 'the load never answered -LOADING')
      await sleep(5)
    }
    const probes = new Map<string, Set<string>>()
    // A round counts when the script already ran before its first probe (a loading-ok command gets
    // -BUSY: redis-server also serves clients once as the load starts, before the script, when INFO
    // still answers) and still ran after its last probe (PING still -LOADING).
    for (;;) {
      const busyBefore = shape(await b.call(['INFO', 'persistence'])).startsWith('-BUSY')
      const round: [string, string][] = []
      for (const argv of PROBES) round.push([argv.join(' '), shape(await b.call(argv))])
      if ((await b.call(['PING'])) !== LOADING) break
      if (!busyBefore) continue
      for (const [k, r] of round) probes.set(k, (probes.get(k) ?? new Set()).add(r))
    }
    const loadReply = await loaded
    await a.call(['SELECT', '9'])
    return {probes, loadReply, x: await a.call(['GET', 'x'])}
  } finally {
    a.close()
    b.close()
  }
}

const aofArgs = {appendonly: 'yes', 'lua-time-limit': '1', 'aof-use-rdb-preamble': 'no', 'enable-debug-command': 'yes'}

pairSuite('a timed-out script while loading the AOF', {redisArgs: Object.entries(aofArgs).flatMap(([k, v]) => [`--${k}`, v]), nodeOverrides: aofArgs}, (p) => {
  test('other clients get -LOADING or -BUSY as from redis-server, then the load completes', {timeout: 120000}, async () => {
    const real = await observe(p.redisPort)
    const ours = await observe(p.ourPort)
    assert.ok(real.probes.size > 0 && ours.probes.size > 0, 'a round of probes landed while the script ran')
    for (const [k, r] of real.probes) assert.deepEqual([...(ours.probes.get(k) ?? [])].sort(), [...r].sort(), k)
    assert.deepEqual([real.probes.get('INFO persistence'), ours.probes.get('INFO persistence')].map((s) => [...s!]), [
      ['-BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.'],
      ['-BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.'],
    ])
    assert.deepEqual([ours.loadReply, ours.x], [real.loadReply, real.x])
    assert.deepEqual(ours.x, 'y')
  })

  test('a script that timed out may still write', {timeout: 60000}, async () => {
    for (const port of [p.redisPort, p.ourPort]) {
      const c = await RawClient.connect(port)
      try {
        assert.equal(await c.call(['EVAL', slowScript(300, "return redis.call('set', 'w', 'v')"), '0']), '+OK', `port ${port}`)
        assert.equal(await c.call(['GET', 'w']), 'v')
      } finally {
        c.close()
      }
    }
  })
})

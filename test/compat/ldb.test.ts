// The Lua debugger (SCRIPT DEBUG YES|SYNC) side by side: real redis-server and an embedded node
// run as its own process (a debugging session blocks the node on the client's socket, so it
// cannot share the test's event loop). The same LDB conversation is held with both and every
// reply is compared, then the dataset after the session: SYNC keeps the script's writes, YES
// rolls them back. redis-cli --ldb transcripts are compared byte for byte. Also: a BLPOP client
// is served only after a busy script ends (Redis 7.0 "Timedout scripts and unblocked command").
import {describe, test, before, after} from 'node:test'
import assert from 'node:assert/strict'
import {spawn, spawnSync, type ChildProcess} from 'node:child_process'
import {existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import net from 'node:net'
import os from 'node:os'
import {join} from 'node:path'
import {Redis} from 'ioredis'
import {BIN, ROOT} from '../helpers/cli.js'
import {freePortPair} from '../helpers/ports.js'
import {redisSkip, waitReady} from '../helpers/redis-server.js'
import {RawClient, untilBlocked, type Reply} from './harness.js'

const dev = BIN.endsWith('dev.js') ? ['--require', 'tsx/preflight', '--import', 'tsx', '--no-warnings'] : []
type Kind = 'redis-server' | 'embedded'
interface Server {
  kind: Kind
  port: number
  proc: ChildProcess
  dir: string
  log: () => string
}

const SCRIPT = [
  'local a = {1,2,3}',
  "local foo = 'hello'",
  'redis.debug(a, foo, KEYS[1])',
  "redis.call('set', KEYS[1], ARGV[1])",
  "local x = redis.call('get', KEYS[1])",
  'redis.breakpoint()',
  "redis.pcall('nosuchcommand')",
  'return {x, 5}',
].join('\n')

/** The debugger commands of one session (each answered by one array of status lines). */
const CONVERSATION = [
  ['s'],
  ['p'],
  ['print', 'foo'],
  ['p', 'KEYS'],
  ['p', 'nosuch'],
  ['w'],
  ['l'],
  ['l', '2', '1'],
  ['list', '40'],
  ['b', '5'],
  ['b', '7', '99', 'x1', '01'],
  ['b'],
  ['b', '-7'],
  ['b', '-7'],
  ['break'],
  ['c'],
  ['e', '1+2'],
  ['eval', 'local z = 4'],
  ['e', "{1,'two',{3}}"],
  ['r'],
  ['r', 'ping'],
  ['redis', 'set', 'dbgkey', 'dbgval'],
  ['r', 'incr', 'dbgkey'],
  ['t'],
  ['m'],
  ['m', '10'],
  ['r', 'set', 'long', 'x'.repeat(200)],
  ['r', 'get', 'long'],
  ['m', '0'],
  ['r', 'get', 'long'],
  ['h'],
  ['nosuchdebuggercommand'],
  ["'hello\x00world'"],
  ['c'],
  ['s'],
  ['s'],
]

async function launch(kind: Kind, root: string): Promise<Server> {
  const dir = mkdtempSync(join(root, `${kind}-`))
  const {port} = await freePortPair()
  const logfile = join(dir, 'server.log')
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no', '--logfile', logfile, '--enable-debug-command', 'yes']
  const proc = kind === 'redis-server' ? spawn('redis-server', args, {stdio: 'ignore'}) : spawn(process.execPath, [...dev, BIN, 'node', ...args], {cwd: ROOT, stdio: 'ignore'})
  await waitReady(port, undefined, undefined, 30_000)
  return {kind, port, proc, dir, log: () => (existsSync(logfile) ? readFileSync(logfile, 'latin1') : '')}
}

/** One debugging session: every reply until the server closes the connection. */
async function session(port: number, mode: 'yes' | 'sync', script: string, evalArgs: string[], commands: string[][]): Promise<Reply[]> {
  const c = await RawClient.connect(port)
  const out: Reply[] = []
  try {
    out.push(await c.call(['SCRIPT', 'DEBUG', mode]))
    out.push(await c.call(['EVAL', script, ...evalArgs]))
    for (const cmd of commands) {
      const r = await c.call(cmd)
      out.push(r)
      if (Array.isArray(r) && r.includes('+<endsession>')) break
    }
    // after <endsession>: the EVAL reply, then the server closes the connection
    for (;;) {
      try {
        out.push(await c.read())
      } catch {
        break
      }
    }
  } finally {
    c.close()
  }
  return out
}

/** A redis-server and an embedded node for the tests of the calling describe() (stopped after them). */
function serverPair(root: string): Server[] {
  const servers: Server[] = []
  before(async () => {
    servers.push(await launch('redis-server', root))
    servers.push(await launch('embedded', root))
  })
  after(() => {
    for (const s of servers) if (s.proc.exitCode === null && s.proc.signalCode === null) s.proc.kill('SIGKILL')
    rmSync(root, {recursive: true, force: true})
  })
  return servers
}

function client(port: number): Redis {
  const c = new Redis({port, host: '127.0.0.1', maxRetriesPerRequest: 1, retryStrategy: () => null})
  c.on('error', () => undefined)
  return c
}

describe('Lua debugger (SCRIPT DEBUG) vs redis-server', {skip: redisSkip(), timeout: 240_000}, () => {
  const root = mkdtempSync(join(os.tmpdir(), 'redis-ts-ldb-'))
  const servers = serverPair(root)
  const both = async <T>(fn: (s: Server) => Promise<T>): Promise<[T, T]> => [await fn(servers[0]), await fn(servers[1])]

  test('SYNC session: the whole conversation matches, and the writes are kept', async () => {
    const [real, ours] = await both(async (s) => {
      const c = client(s.port)
      await c.flushall()
      await c.set('long', 'before')
      const replies = await session(s.port, 'sync', SCRIPT, ['1', 'mykey', 'myval'], CONVERSATION)
      const after = await c.mget('mykey', 'dbgkey', 'long')
      c.disconnect()
      return {replies, after}
    })
    assert.deepEqual(ours.replies, real.replies)
    assert.deepEqual(real.after, ['myval', 'dbgval', 'x'.repeat(200)])
    assert.deepEqual(ours.after, real.after)
    assert.match(servers[1].log(), /Redis synchronous debugging eval session started/)
    assert.match(servers[1].log(), /Redis synchronous debugging eval session ended/)
  })

  test('YES session: same conversation, and none of its writes are kept', async () => {
    const [real, ours] = await both(async (s) => {
      const c = client(s.port)
      await c.flushall()
      await c.set('long', 'before')
      await c.rpush('mykey', 'a', 'b')
      await c.pexpire('mykey', 1_000_000)
      // the writes below replace a list by a string, create keys and overwrite one
      const replies = await session(s.port, 'yes', SCRIPT.replace("redis.call('set'", "redis.call('del', KEYS[1]) redis.call('set'"), ['1', 'mykey', 'myval'], CONVERSATION)
      const after = [await c.lrange('mykey', 0, -1), (await c.pttl('mykey')) > 0, await c.exists('dbgkey'), await c.get('long'), await c.ping()]
      c.disconnect()
      return {replies, after}
    })
    assert.deepEqual(ours.replies, real.replies)
    assert.deepEqual(real.after, [['a', 'b'], true, 0, 'before', 'PONG'])
    assert.deepEqual(ours.after, real.after)
  })

  test('abort, errors before the script runs, EVALSHA, and the protocol checks', async () => {
    const [real, ours] = await both(async (s) => {
      const c = client(s.port)
      await c.flushall()
      const r: Reply[][] = []
      r.push(await session(s.port, 'sync', "redis.call('set','k','v')\nreturn 1", ['0'], [['s'], ['a']]))
      r.push(await session(s.port, 'sync', 'return 1', ['5'], []))
      r.push(await session(s.port, 'sync', 'return +', ['0'], []))
      r.push(await session(s.port, 'yes', 'local t = {}\nfor i=1,3 do t[i]=i end\nreturn t', ['0'], [['n'], ['n'], ['p'], ['n'], ['n'], ['n'], ['p', 't'], ['c']]))
      const raw = await RawClient.connect(s.port)
      r.push([await raw.call(['SCRIPT', 'DEBUG', 'sync']), await raw.call(['EVALSHA', 'x'.repeat(40), '0']), await raw.call(['EVALSHA', 'x', '0']), await raw.call(['SCRIPT', 'DEBUG', 'maybe']), await raw.call(['SCRIPT', 'DEBUG', 'no'])])
      raw.close()
      const after = await c.get('k')
      c.disconnect()
      return {r, after}
    })
    assert.deepEqual(ours.r, real.r)
    assert.equal(real.after, 'v')
    assert.equal(ours.after, 'v')
  })

  test('SCRIPT DEBUG must be called outside a pipeline', async () => {
    const replies = await both(
      (s) =>
        new Promise<string>((resolve) => {
          const sock = net.connect(s.port, '127.0.0.1', () => sock.write('PING\r\nSCRIPT DEBUG YES\r\nSCRIPT DEBUG NO\r\nPING\r\n'))
          let out = ''
          sock.on('data', (d) => {
            out += d.toString('latin1')
            if (out.split('\r\n').length > 4) {
              sock.destroy()
              resolve(out)
            }
          })
        }),
    )
    assert.equal(replies[0], '+PONG\r\n-ERR SCRIPT DEBUG must be called outside a pipeline\r\n-ERR SCRIPT DEBUG must be called outside a pipeline\r\n+PONG\r\n')
    assert.equal(replies[1], replies[0])
  })

  test('a script that runs past lua-time-limit stops with the timeout reason', async () => {
    for (const s of servers) {
      const c = client(s.port)
      await c.config('SET', 'lua-time-limit', '200')
      const r = await session(s.port, 'sync', 'local i = 0\nwhile true do\n  i = i + 1\nend', ['0'], [['c'], ['a']])
      await c.config('SET', 'lua-time-limit', '5000')
      c.disconnect()
      const stop = r[2] as string[]
      assert.match(stop[0], /^\+\* Stopped at [23], stop reason = timeout reached, infinite loop\?$/, `${s.kind}: ${JSON.stringify(r)}`)
      assert.deepEqual(r[3], ['+<endsession>'])
      assert.match(String(r[4]), /^-ERR script aborted for user request script: \w{40}, on @user_script:[23]\.$/)
    }
  })

  test('the node serves other clients once a session ends, and a client that leaves mid-session', async () => {
    for (const s of servers) {
      const c = await RawClient.connect(s.port)
      await c.call(['SCRIPT', 'DEBUG', 'sync'])
      const first = await c.call(['EVAL', "redis.call('set','left','1')\nreturn 1", '0'])
      assert.ok(Array.isArray(first) && String(first[0]).includes('Stopped at 1'), `${s.kind}: ${JSON.stringify(first)}`)
      c.close()
      // the script runs to its end without stopping: its write is there and the server answers
      const other = client(s.port)
      const deadline = Date.now() + 30_000
      while ((await other.get('left')) !== '1') {
        assert.ok(Date.now() < deadline, `${s.kind}: the abandoned session never finished`)
        await new Promise((r) => setTimeout(r, 50))
      }
      assert.equal(await other.ping(), 'PONG')
      other.disconnect()
    }
  })

  test('redis-cli --ldb transcripts match byte for byte', {skip: spawnSync('redis-cli', ['--version']).status === 0 ? false : 'redis-cli not on PATH'}, async () => {
    const file = join(root, 'script.lua')
    writeFileSync(file, SCRIPT + '\n')
    const input = ['s', 'p', 'w', 'b 5', 'b', 'c', 'e 1+2', 'r ping', 't', 'l 2 1', 'm 70', 'r hset h 1 ' + 'a'.repeat(90), 'p KEYS', 'c', 'c', ''].join('\n')
    const transcripts: string[] = []
    for (const s of servers) {
      for (const mode of ['--ldb', '--ldb-sync-mode']) {
        const r = spawnSync('redis-cli', ['-p', String(s.port), mode, '--eval', file, 'clikey', ',', 'cli'], {input, encoding: 'latin1', timeout: 60_000})
        transcripts.push(r.stdout)
      }
    }
    assert.match(transcripts[0], /<debug> line 3: \{1; 2; 3\}, "hello", "clikey"/)
    assert.equal(transcripts[2], transcripts[0])
    assert.equal(transcripts[3], transcripts[1])
  })
})

describe('a busy script and clients blocked on its keys vs redis-server', {skip: redisSkip(), timeout: 120_000}, () => {
  const servers = serverPair(mkdtempSync(join(os.tmpdir(), 'redis-ts-ldb-busy-')))

  test('BLPOP is served only after the timed-out script that pushed ends (eval and fcall)', async () => {
    const body = `
      redis.call('lpush', KEYS[1], 'y')
      local clients
      while true do
        clients = redis.call('client', 'list')
        if string.find(clients, 'abortscript') ~= nil then break end
      end
      redis.call('lpush', KEYS[1], 'z')
      return 'done'`
    for (const s of servers) {
      for (const variant of ['eval', 'fcall']) {
        const r = client(s.port)
        const [blocked, runner, r3] = [client(s.port), client(s.port), client(s.port)]
        await r.flushall()
        await r.config('SET', 'lua-time-limit', '10')
        await r.call('FUNCTION', 'FLUSH')
        if (variant === 'fcall') await r.call('FUNCTION', 'LOAD', `#!lua name=busy\nredis.register_function('busy', function(KEYS, ARGV) ${body} end)`)
        const popped = blocked.blpop('x', 0)
        await untilBlocked((argv) => r.call(argv[0], ...argv.slice(1)), 1, 'BLPOP', 30_000)
        const deadline = Date.now() + 30_000
        // CLIENT LIST is denied to scripts unless this debugging knob is on (as in Redis's test)
        await r.call('DEBUG', 'set-disable-deny-scripts', '1')
        const done = variant === 'eval' ? runner.eval(body, 1, 'x') : runner.call('FCALL', 'busy', '1', 'x')
        while (!String(await r.ping().catch((e: Error) => e.message)).startsWith('BUSY')) {
          assert.ok(Date.now() < deadline, 'the script never became busy')
          await new Promise((res) => setTimeout(res, 20))
        }
        await r3.call('HELLO', '2', 'SETNAME', 'abortscript')
        assert.deepEqual(await popped, ['x', 'z'], `${s.kind} ${variant}`)
        assert.equal(await done, 'done')
        await r.call('DEBUG', 'set-disable-deny-scripts', '0')
        for (const c of [r, blocked, runner, r3]) c.disconnect()
      }
    }
  })
})

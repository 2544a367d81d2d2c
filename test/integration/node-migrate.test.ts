// DUMP / RESTORE / MIGRATE between embedded nodes in one process (standalone mode).
import {after, before, describe, test} from 'node:test'
import assert from 'node:assert/strict'
import * as net from 'node:net'
import {Redis} from 'ioredis'
import {startNode, type RunningNode} from '../../src/node/index.js'
import {blockedClients, gatedProxy, waitBlocked, waitMigrateInFlight} from '../helpers/gated-proxy.js'

const allBytes = Array.from({length: 256}, (_, i) => String.fromCharCode(i)).join('')

async function err(p: Promise<unknown>): Promise<string> {
  try {
    return `no error: ${String(await p)}`
  } catch (e) {
    return (e as Error).message
  }
}

/** Type + content of a key, read with binary-safe commands. */
async function readBack(c: Redis, key: string): Promise<unknown> {
  const type = await c.type(key)
  const s = (b: Buffer[]) => b.map((x) => x.toString('latin1'))
  switch (type) {
    case 'string':
      return [type, (await c.getBuffer(key))!.toString('latin1')]
    case 'list':
      return [type, s(await c.lrangeBuffer(key, 0, -1))]
    case 'set':
      return [type, s(await c.smembersBuffer(key)).sort()]
    case 'hash':
      return [type, s(await c.hgetallBuffer(key).then((h) => Object.entries(h).flat() as unknown as Buffer[]))]
    case 'zset':
      return [type, await c.zrange(key, 0, -1, 'WITHSCORES')]
    default:
      return [type]
  }
}

async function fill(c: Redis): Promise<string[]> {
  const bin = Buffer.from(allBytes, 'latin1')
  await c.set('str', bin)
  await c.set('int', '12345')
  await c.set('big', 'x'.repeat(100_000))
  await c.rpush('list', 'a', 'b', bin, 'a', '')
  await c.rpush('biglist', ...Array.from({length: 2000}, (_, i) => `item${i}`))
  await c.hset('hash', 'f', 'v', 'bin', bin)
  await c.hset('bighash', ...Array.from({length: 1200}, (_, i) => [`f${i}`, `v${i}`]).flat())
  await c.sadd('intset', '1', '2', '-3')
  await c.sadd('set', 'a', bin, '1')
  await c.zadd('zset', '1.5', 'a', '-inf', 'b', 'inf', 'c', '0', bin)
  await c.zadd('bigzset', ...Array.from({length: 500}, (_, i) => [String(i / 7), `m${i}`]).flat())
  return ['str', 'int', 'big', 'list', 'biglist', 'hash', 'bighash', 'intset', 'set', 'zset', 'bigzset']
}

describe('DUMP / RESTORE / MIGRATE between embedded nodes', () => {
  let a: RunningNode, b: RunningNode, p: RunningNode
  let ca: Redis, cb: Redis, cp: Redis
  let hang: net.Server, hangPort: number
  const hangSockets: net.Socket[] = []
  const start = (extra: Record<string, string> = {}) => startNode({overrides: {port: '0', bind: '127.0.0.1', save: '', ...extra}, silent: true})

  before(async () => {
    ;[a, b, p] = await Promise.all([start(), start(), start({requirepass: 's3cret'})])
    ca = new Redis(a.port, '127.0.0.1')
    cb = new Redis(b.port, '127.0.0.1')
    cp = new Redis(p.port, '127.0.0.1', {password: 's3cret'})
    hang = net.createServer((s) => {
      hangSockets.push(s)
      s.on('data', () => undefined) // read, never answer
    })
    await new Promise<void>((r) => hang.listen(0, '127.0.0.1', r))
    hangPort = (hang.address() as net.AddressInfo).port
  })

  after(async () => {
    for (const c of [ca, cb, cp, watcher]) c?.disconnect()
    for (const s of hangSockets) s.destroy()
    hang?.close()
    await Promise.all([a, b, p].map((n) => n?.stop()))
  })

  const migrate = (...args: (string | number)[]) => ca.call('migrate', '127.0.0.1', ...args.map(String))

  test('DUMP on A, RESTORE on B: every type, binary, large', async () => {
    await ca.flushall()
    await cb.flushall()
    for (const key of await fill(ca)) {
      const payload = await ca.dumpBuffer(key)
      assert.ok(payload && payload.length > 10, key)
      assert.equal(await cb.call('restore', key, '0', payload), 'OK')
      assert.deepEqual(await readBack(cb, key), await readBack(ca, key), key)
      assert.equal(await cb.pttl(key), -1)
      // Our payloads are canonical: dumping the restored value gives the same bytes.
      assert.ok((await cb.dumpBuffer(key)).equals(payload), `${key} dump is stable`)
    }
    assert.equal(await ca.call('dump', 'missing'), null)
  })

  test('RESTORE options and errors', async () => {
    await cb.flushall()
    await ca.set('k', 'v')
    const d = await ca.dumpBuffer('k')
    assert.equal(await cb.call('restore', 'k', '0', d), 'OK')
    assert.equal(await err(cb.call('restore', 'k', '0', d)), 'BUSYKEY Target key name already exists.')
    assert.equal(await err(cb.call('restore', 'k', '-1', d)), 'BUSYKEY Target key name already exists.')
    assert.equal(await err(cb.call('restore', 'n', '-1', d)), 'ERR Invalid TTL value, must be >= 0')
    assert.equal(await err(cb.call('restore', 'n', 'x', d)), 'ERR value is not an integer or out of range')
    assert.equal(await err(cb.call('restore', 'n', '0', 'garbage')), 'ERR DUMP payload version or checksum are wrong')
    const bad = Buffer.from(d)
    bad[1] ^= 0x40
    assert.equal(await err(cb.call('restore', 'n', '0', bad)), 'ERR DUMP payload version or checksum are wrong')
    assert.equal(await err(cb.call('restore', 'n', '0', d, 'foo')), 'ERR syntax error')
    assert.equal(await err(cb.call('restore', 'n', '0', d, 'idletime', '-1')), 'ERR Invalid IDLETIME value, must be >= 0')
    assert.equal(await err(cb.call('restore', 'n', '0', d, 'freq', '256')), 'ERR Invalid FREQ value, must be >= 0 and <= 255')
    assert.equal(await err(cb.call('restore', 'n', '0', d, 'idletime', '1', 'freq', '1')), 'ERR syntax error')
    assert.equal(await err(cb.call('restore', 'n', '0', d, 'idletime')), 'ERR syntax error')
    assert.equal(await cb.call('restore', 'n', '0', d, 'IDLETIME', '10'), 'OK')
    assert.equal(await cb.call('restore', 'f', '0', d, 'FREQ', '10'), 'OK')

    await ca.set('k', 'new')
    assert.equal(await cb.call('restore', 'k', '5000', await ca.dumpBuffer('k'), 'REPLACE'), 'OK')
    assert.equal(await cb.get('k'), 'new')
    const pttl = await cb.pttl('k')
    assert.ok(pttl > 4000 && pttl <= 5000, String(pttl))
    const at = Date.now() + 60_000
    assert.equal(await cb.call('restore', 'abs', String(at), d, 'ABSTTL'), 'OK')
    assert.equal(await cb.call('pexpiretime', 'abs'), at)
    // An absolute TTL in the past: OK, and the key is not created (REPLACE deletes the old one).
    assert.equal(await cb.call('restore', 'gone', '1', d, 'ABSTTL'), 'OK')
    assert.equal(await cb.exists('gone'), 0)
    assert.equal(await cb.call('restore', 'abs', '1', d, 'ABSTTL', 'REPLACE'), 'OK')
    assert.equal(await cb.exists('abs'), 0)
    // A relative TTL that overflows int64 counts as already expired (as in redis).
    assert.equal(await cb.call('restore', 'huge', '9223372036854775807', d), 'OK')
    assert.equal(await cb.exists('huge'), 0)
    // RESTORE-ASKING behaves as RESTORE outside cluster mode.
    assert.equal(await cb.call('restore-asking', 'ra', '0', d), 'OK')
    assert.equal(await cb.get('ra'), 'v')
  })

  test('RESTORE of an empty collection is refused', async () => {
    // A list payload with zero quicklist nodes (type 18, len 0), valid footer built by our codec.
    const {createDumpPayload} = await import('../../src/node/persistence/dump.js')
    const empty = createDumpPayload({type: 'list', items: []})
    assert.equal(await err(cb.call('restore', 'e', '0', empty)), 'ERR Bad data format')
  })

  test('RESTORE propagates an absolute TTL (ABSTTL), MIGRATE propagates DEL', async () => {
    const seenB: string[][] = []
    const seenA: string[][] = []
    const hb = (_db: number, argv: string[]) => void seenB.push(argv)
    const ha = (_db: number, argv: string[]) => void seenA.push(argv)
    b.server.propagateHooks.push(hb)
    a.server.propagateHooks.push(ha)
    try {
      await cb.flushall()
      await ca.set('pk', 'v')
      const d = await ca.dumpBuffer('pk')
      const before = Date.now()
      await cb.call('restore', 'pk', '10000', d)
      const r = seenB.find((x) => x[0].toLowerCase() === 'restore')!
      assert.equal(r[1], 'pk')
      assert.ok(Number(r[2]) >= before + 10000 && Number(r[2]) <= Date.now() + 10000)
      assert.equal(r[r.length - 1], 'ABSTTL')
      await ca.set('m1', '1')
      await ca.set('m2', '2')
      seenA.length = 0
      assert.equal(await migrate(b.port, '', 0, 1000, 'KEYS', 'm1', 'nope', 'm2'), 'OK')
      assert.deepEqual(seenA, [['DEL', 'm1', 'm2']])
      await ca.set('m3', '3')
      seenA.length = 0
      assert.equal(await migrate(b.port, 'm3', 0, 1000, 'COPY'), 'OK')
      assert.deepEqual(seenA, [], 'MIGRATE COPY propagates nothing')
    } finally {
      b.server.propagateHooks.splice(b.server.propagateHooks.indexOf(hb), 1)
      a.server.propagateHooks.splice(a.server.propagateHooks.indexOf(ha), 1)
    }
  })

  test('MIGRATE one key keeps value and TTL, source key deleted', async () => {
    await ca.flushall()
    await cb.flushall()
    await ca.set('one', Buffer.from(allBytes, 'latin1'), 'PX', 30000)
    assert.equal(await migrate(b.port, 'one', 0, 1000), 'OK')
    assert.equal(await ca.exists('one'), 0)
    assert.equal((await cb.getBuffer('one'))!.toString('latin1'), allBytes)
    const pttl = await cb.pttl('one')
    assert.ok(pttl > 28000 && pttl <= 30000, String(pttl))
    assert.equal(await migrate(b.port, 'one', 0, 1000), 'NOKEY')
  })

  test('MIGRATE KEYS batch of every type, into another db', async () => {
    await ca.flushall()
    await cb.flushall()
    const keys = await fill(ca)
    await ca.pexpire('list', 50000)
    const expected = new Map<string, unknown>()
    for (const k of keys) expected.set(k, await readBack(ca, k))
    assert.equal(await migrate(b.port, '', 3, 2000, 'KEYS', ...keys, 'absent'), 'OK')
    assert.equal(await ca.dbsize(), 0)
    assert.equal(await cb.dbsize(), 0, 'db 0 of the target untouched')
    await cb.select(3)
    try {
      for (const k of keys) assert.deepEqual(await readBack(cb, k), expected.get(k), k)
      const pttl = await cb.pttl('list')
      assert.ok(pttl > 45000 && pttl <= 50000, String(pttl))
      assert.equal(await cb.pttl('zset'), -1)
    } finally {
      await cb.select(0)
    }
  })

  test('MIGRATE COPY keeps the source; REPLACE overwrites; BUSYKEY is forwarded', async () => {
    await ca.flushall()
    await cb.flushall()
    await ca.set('c', 'source')
    assert.equal(await migrate(b.port, 'c', 0, 1000, 'COPY'), 'OK')
    assert.equal(await ca.get('c'), 'source')
    assert.equal(await cb.get('c'), 'source')
    await ca.set('c', 'changed')
    assert.equal(await err(migrate(b.port, 'c', 0, 1000)), 'ERR Target instance replied with error: BUSYKEY Target key name already exists.')
    assert.equal(await ca.get('c'), 'changed', 'a refused key stays on the source')
    assert.equal(await migrate(b.port, 'c', 0, 1000, 'REPLACE'), 'OK')
    assert.equal(await cb.get('c'), 'changed')
    assert.equal(await ca.exists('c'), 0)
    // In a batch, keys the target accepted are deleted even when another one failed.
    await ca.mset('x', '1', 'y', '2', 'z', '3')
    await cb.set('y', 'taken')
    assert.equal(await err(migrate(b.port, '', 0, 1000, 'KEYS', 'x', 'y', 'z')), 'ERR Target instance replied with error: BUSYKEY Target key name already exists.')
    assert.deepEqual((await ca.keys('*')).sort(), ['y'])
    assert.deepEqual(await cb.mget('x', 'y', 'z'), ['1', 'taken', '3'])
  })

  test('MIGRATE AUTH / AUTH2 to a password-protected target', async () => {
    await ca.flushall()
    await cp.flushall()
    await ca.set('secret', 'v')
    assert.equal(await err(migrate(p.port, 'secret', 0, 1000)), 'ERR Target instance replied with error: NOAUTH Authentication required.')
    assert.equal(
      await err(migrate(p.port, 'secret', 0, 1000, 'AUTH', 'wrong')),
      'ERR Target instance replied with error: WRONGPASS invalid username-password pair or user is disabled.',
    )
    assert.equal(await ca.get('secret'), 'v')
    assert.equal(await migrate(p.port, 'secret', 0, 1000, 'AUTH', 's3cret', 'COPY'), 'OK')
    assert.equal(await cp.get('secret'), 'v')
    assert.equal(await migrate(p.port, 'secret', 0, 1000, 'AUTH2', 'default', 's3cret', 'REPLACE'), 'OK')
    assert.equal(await ca.exists('secret'), 0)
  })

  test('MIGRATE argument errors match redis', async () => {
    await ca.set('k', 'v')
    assert.equal(await migrate(b.port, 'nokey', 0, 1000), 'NOKEY')
    assert.equal(await migrate(b.port, '', 0, 1000, 'KEYS'), 'NOKEY')
    assert.equal(await err(migrate(b.port, 'k', 0, 1000, 'KEYS', 'a')), 'ERR When using MIGRATE KEYS option, the key argument must be set to the empty string')
    assert.equal(await err(migrate(b.port, 'k', 0, 1000, 'AUTH')), 'ERR syntax error')
    assert.equal(await err(migrate(b.port, 'k', 0, 1000, 'AUTH2', 'u')), 'ERR syntax error')
    assert.equal(await err(migrate(b.port, 'k', 0, 1000, 'bogus')), 'ERR syntax error')
    assert.equal(await err(migrate(b.port, 'k', 'x', 1000)), 'ERR value is not an integer or out of range')
    assert.equal(await err(migrate(b.port, 'k', 0, 'x')), 'ERR value is not an integer or out of range')
    assert.equal(await err(ca.call('migrate', '127.0.0.1', String(b.port), 'k', '0')), "ERR wrong number of arguments for 'migrate' command")
    assert.equal(await ca.get('k'), 'v')
  })

  test('MIGRATE to a dead port fails fast with IOERR; to a silent server after the timeout', async () => {
    await ca.set('k', 'v')
    const dead = await new Promise<number>((r) => {
      const s = net.createServer().listen(0, '127.0.0.1', () => {
        const port = (s.address() as net.AddressInfo).port
        s.close(() => r(port))
      })
    })
    let t = Date.now()
    assert.equal(await err(migrate(dead, 'k', 0, 5000)), 'IOERR error or timeout writing to target instance')
    assert.ok(Date.now() - t < 1000, 'refused connection is immediate')
    t = Date.now()
    assert.equal(await err(migrate(hangPort, 'k', 0, 300)), 'IOERR error or timeout reading to target instance')
    const took = Date.now() - t
    assert.ok(took >= 280 && took < 2000, `timeout honoured (${took} ms)`)
    assert.equal(await ca.get('k'), 'v', 'nothing deleted on failure')
    // The node kept serving while MIGRATE waited, and the session works afterwards.
    assert.equal(await ca.ping(), 'PONG')
  })

  let watcher: Redis | undefined
  const onA = () => (watcher ??= new Redis(a.port, '127.0.0.1'))
  const migrateInFlight = () => waitMigrateInFlight(onA())
  const blockedOnA = () => blockedClients(onA())

  test('while a MIGRATE waits: reads and writes of other keys are served, writes of its keys wait for it', async () => {
    await ca.flushall()
    await ca.set('w', 'v')
    await ca.set('free', '0')
    const clients = Array.from({length: 6}, () => new Redis(a.port, '127.0.0.1'))
    const [rw, rx, rs, rs0, rf, rfree] = clients
    try {
      let done = false
      // The silent server never answers: the MIGRATE ends when its connection is cut below.
      const pending = err(migrate(hangPort, 'w', 0, 60_000)).then((r) => ((done = true), r))
      await migrateInFlight()
      assert.equal(await rfree.get('w'), 'v', 'a read of a key being migrated is served')
      assert.equal(await rfree.set('free', '1'), 'OK', 'a write to another key is served')
      assert.deepEqual(await rfree.multi().set('free', '2').incr('other').exec(), [[null, 'OK'], [null, 1]])
      assert.equal(await rfree.publish('ch', 'm'), 0)
      // Scripts declaring other keys: outside cluster mode a script may touch any key, so it waits too (below).
      const held: Promise<unknown>[] = []
      const order: string[] = []
      const track = (name: string, p: Promise<unknown>) => held.push(p.then((r) => (order.push(name), r)))
      track('set', rw.set('w', 'new'))
      track('exec', rx.multi().incr('free').append('w', '!').exec())
      track('eval', rs.eval("return redis.call('append', KEYS[1], '?')", 1, 'w'))
      track('eval0', rs0.eval("return redis.call('get', 'free')", 0))
      track('flushdb', rf.call('flushdb'))
      await waitBlocked(onA(), 5, 'five writes held')
      assert.equal(done, false, 'the MIGRATE is still in flight')
      assert.deepEqual(order, [], 'nothing that may write its key ran')
      assert.equal(await rfree.get('w'), 'v')
      assert.equal(await rfree.set('free', '3'), 'OK', 'other writes still go through')
      for (const s of hangSockets.splice(0)) s.destroy()
      assert.match(await pending, /^IOERR/)
      const res = await Promise.all(held)
      assert.deepEqual(res.slice(0, 3), ['OK', [[null, 4], [null, 4]], 5])
      assert.deepEqual(order.slice(0, 3), ['set', 'exec', 'eval'], 'held commands run in arrival order')
      assert.equal(res[4], 'OK')
      assert.equal(await blockedOnA(), 0)
    } finally {
      for (const c of clients) c.disconnect()
    }
  })

  test('a write to a key that is being migrated is not lost (slow target)', async () => {
    await ca.flushall()
    await cb.flushall()
    await ca.rpush('moving', 'a', 'b')
    const gate = await gatedProxy(b.port)
    const other = new Redis(a.port, '127.0.0.1')
    try {
      const moved = migrate(gate.port, 'moving', 0, 60_000)
      await migrateInFlight()
      const pushed = other.rpush('moving', 'c')
      await waitBlocked(onA(), 1, 'the RPUSH held')
      gate.open()
      // Acknowledged only once the key has moved: ASK-less here (no cluster), so it creates the
      // key anew on A; what matters is that it is not acknowledged into a copy then deleted.
      assert.equal(await moved, 'OK')
      assert.equal(await pushed, 1)
      assert.deepEqual(await cb.lrange('moving', 0, -1), ['a', 'b'])
      assert.deepEqual(await ca.lrange('moving', 0, -1), ['c'])
    } finally {
      other.disconnect()
      gate.close()
    }
  })

  test('concurrent MIGRATEs: one ending does not release writes to the keys of another', async () => {
    await ca.flushall()
    await cb.flushall()
    await ca.rpush('slow', 'a')
    await ca.set('fast', 'f')
    const gate = await gatedProxy(b.port)
    const [m2, other] = [new Redis(a.port, '127.0.0.1'), new Redis(a.port, '127.0.0.1')]
    try {
      const slow = migrate(gate.port, 'slow', 0, 60_000)
      await migrateInFlight()
      const pushed = other.rpush('slow', 'b')
      await waitBlocked(onA(), 1, 'the RPUSH held')
      assert.equal(await m2.call('migrate', '127.0.0.1', String(b.port), 'fast', '0', '60000'), 'OK')
      assert.equal(await cb.get('fast'), 'f')
      assert.equal(await blockedOnA(), 1, 'the RPUSH to the key still in flight is still held')
      gate.open()
      assert.equal(await slow, 'OK')
      assert.equal(await pushed, 1)
      assert.deepEqual(await cb.lrange('slow', 0, -1), ['a'])
      assert.deepEqual(await ca.lrange('slow', 0, -1), ['b'])
    } finally {
      for (const c of [m2, other]) c.disconnect()
      gate.close()
    }
  })

  test('the outbound connection is cached and reused; concurrent MIGRATEs keep their db', async () => {
    await ca.flushall()
    await cb.flushall()
    const clientsOn = async () => ((await cb.client('LIST')) as string).trim().split('\n').length
    await ca.set('r0', '0')
    assert.equal(await migrate(b.port, 'r0', 0, 1000), 'OK')
    const n = await clientsOn()
    for (let i = 1; i < 4; i++) {
      await ca.set(`r${i}`, String(i))
      assert.equal(await migrate(b.port, `r${i}`, 0, 1000), 'OK')
    }
    assert.equal(await clientsOn(), n, 'no new connection per MIGRATE')

    const other = new Redis(a.port, '127.0.0.1')
    try {
      const keys = Array.from({length: 200}, (_, i) => `k${i}`)
      await ca.mset(...keys.flatMap((k) => [k, k]))
      const half = keys.length / 2
      const [r1, r2] = await Promise.all([
        ca.call('migrate', '127.0.0.1', String(b.port), '', '1', '10000', 'KEYS', ...keys.slice(0, half)),
        other.call('migrate', '127.0.0.1', String(b.port), '', '2', '10000', 'KEYS', ...keys.slice(half)),
      ])
      assert.deepEqual([r1, r2], ['OK', 'OK'])
      await cb.select(1)
      assert.equal(await cb.dbsize(), half)
      await cb.select(2)
      assert.equal(await cb.dbsize(), half)
      assert.equal(await cb.get(keys[half]), keys[half])
    } finally {
      await cb.select(0)
      other.disconnect()
    }
  })

  test('pipelined MIGRATEs: each reply leaves with the replies of the commands read after it', async () => {
    await ca.flushall()
    await cb.flushall()
    const n = 20
    await ca.mset(...Array.from({length: n}, (_, i) => [`p${i}`, String(i)]).flat())
    const writes = async () => Number(/total_writes_processed:(\d+)/.exec((await ca.info('stats')) as string)![1])
    const before = await writes()
    const p = ca.pipeline()
    for (let i = 0; i < n; i++) p.call('migrate', '127.0.0.1', String(b.port), `p${i}`, '0', '5000').ping()
    const res = (await p.exec())!
    assert.deepEqual(res.map(([e, r]) => e ?? r), Array.from({length: n}, () => ['OK', 'PONG']).flat())
    assert.equal(await cb.dbsize(), n)
    // One write per MIGRATE (its reply plus the PING after it), not one per reply; the INFO
    // reply itself is the last write counted.
    const used = (await writes()) - before
    assert.ok(used <= n + 1, `${used} socket writes for ${n} MIGRATE+PING pairs`)
  })

  test('after a MIGRATE, a blocking command still sends the replies before it while it waits', async () => {
    // MIGRATE holds the earlier replies of its batch until it ends (Redis runs it to completion);
    // that must not leak to the connection's next wait: a BLPOP blocks, the PING before it answers.
    await ca.flushall()
    await cb.flushall()
    await ca.set('mb', 'v')
    const sock = net.connect(a.port, '127.0.0.1')
    sock.setEncoding('latin1')
    let got = ''
    sock.on('data', (d: string) => (got += d))
    const until = async (text: string) => {
      const deadline = Date.now() + 30_000
      while (!got.includes(text)) {
        if (Date.now() > deadline) throw new Error(`no ${JSON.stringify(text)} in ${JSON.stringify(got)}`)
        await new Promise((r) => setTimeout(r, 20))
      }
    }
    try {
      sock.write(`MIGRATE 127.0.0.1 ${b.port} mb 0 10000\r\n`)
      await until('+OK\r\n')
      sock.write('PING\r\nBLPOP mb-list 0\r\n')
      await until('+PONG\r\n')
      assert.equal(got, '+OK\r\n+PONG\r\n')
      await ca.rpush('mb-list', 'x')
      await until('x\r\n')
      assert.equal(got, '+OK\r\n+PONG\r\n*2\r\n$7\r\nmb-list\r\n$1\r\nx\r\n')
    } finally {
      sock.destroy()
    }
  })

  test('MIGRATE inside MULTI', async () => {
    await ca.flushall()
    await cb.flushall()
    await ca.set('tx', 'v')
    const r = await ca.multi().call('migrate', '127.0.0.1', String(b.port), 'tx', '0', '1000').get('tx').exec()
    assert.deepEqual(r, [[null, 'OK'], [null, null]])
    assert.equal(await cb.get('tx'), 'v')
  })
})

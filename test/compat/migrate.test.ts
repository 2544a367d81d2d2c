// DUMP / RESTORE / MIGRATE between an embedded node and a real redis-server 7.0: payloads
// cross both ways for every type and encoding, MIGRATE batches go both ways with TTLs, and
// the error replies (bad payloads, arguments, target errors) are identical to redis's.
import {after, before, describe, test} from 'node:test'
import assert from 'node:assert/strict'
import * as net from 'node:net'
import {Redis} from 'ioredis'
import {RedisNodes, redisSkip, type TestNode} from '../helpers/redis-server.js'
import {startNode, type RunningNode} from '../../src/node/index.js'
import {createDumpPayload} from '../../src/node/persistence/dump.js'
import {Crc64} from '../../src/node/persistence/crc64.js'

const skip = redisSkip()
const allBytes = Array.from({length: 256}, (_, i) => String.fromCharCode(i)).join('')
const bin = Buffer.from(allBytes, 'latin1')
const seq = <T>(n: number, f: (i: number) => T) => Array.from({length: n}, (_, i) => f(i))

async function err(p: Promise<unknown>): Promise<string> {
  try {
    return `reply: ${JSON.stringify(await p)}`
  } catch (e) {
    return (e as Error).message
  }
}

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
    case 'hash': {
      const flat = s((await c.callBuffer('HGETALL', key)) as Buffer[])
      const pairs: string[] = []
      for (let i = 0; i < flat.length; i += 2) pairs.push(flat[i] + '\u0100' + flat[i + 1])
      return [type, pairs.sort()]
    }
    case 'zset':
      return [type, s((await c.callBuffer('ZRANGE', key, '0', '-1', 'WITHSCORES')) as Buffer[])]
    default:
      return [type]
  }
}

/** Body + RDB version + a correct CRC: payloads that pass verifyDumpPayload. */
function withFooter(body: number[] | Buffer, version = 10): Buffer {
  const b = Buffer.concat([Buffer.from(body), Buffer.alloc(10)])
  b.writeUInt16LE(version, b.length - 10)
  new Crc64().update(b, 0, b.length - 8).writeLE(b, b.length - 8)
  return b
}

// [key, writer on a real redis] covering every type and its small/large encodings.
const CASES: [string, (c: Redis) => Promise<unknown>][] = [
  ['s_int', (c) => c.set('s_int', '-123456789')],
  ['s_embstr', (c) => c.set('s_embstr', 'hello')],
  ['s_raw_bin', (c) => c.set('s_raw_bin', bin)],
  ['s_lzf', (c) => c.set('s_lzf', 'compress me '.repeat(500))],
  ['s_big', (c) => c.set('s_big', Buffer.from(seq(200_000, (i) => (i * 7919) & 0xff)))],
  ['l_small', (c) => c.rpush('l_small', 'a', '1', '-70000', bin, '')],
  ['l_large', (c) => c.rpush('l_large', ...seq(5000, (i) => (i % 3 ? `item-${i}` : String(i * 31))))],
  ['l_bignode', (c) => c.rpush('l_bignode', 'x', 'Y'.repeat(20000), 'z')],
  ['set_intset', (c) => c.sadd('set_intset', '1', '-5', '9223372036854775807')],
  ['set_bigintset', (c) => c.sadd('set_bigintset', ...seq(600, String))],
  ['set_ht', (c) => c.sadd('set_ht', 'a', bin, '7')],
  ['h_listpack', (c) => c.hset('h_listpack', 'f', 'v', 'n', '42', 'b', bin)],
  ['h_longval', (c) => c.hset('h_longval', 'f', 'v'.repeat(100))],
  ['h_ht', (c) => c.hset('h_ht', ...seq(700, (i) => [`f${i}`, `v${i}`]).flat())],
  ['z_listpack', (c) => c.zadd('z_listpack', '1.5', 'a', '-inf', 'b', 'inf', 'c', '0', bin, '3.141592653589793', 'pi')],
  ['z_skiplist', (c) => c.zadd('z_skiplist', ...seq(300, (i) => [String(i / 3 - 50), `m${i}`]).flat())],
  ['z_longmember', (c) => c.zadd('z_longmember', '1', 'm'.repeat(100), '2', 'n')],
]

describe('DUMP/RESTORE/MIGRATE: embedded node <-> redis-server 7.0', {skip}, () => {
  let rn: RedisNodes
  let real: TestNode, realPw: TestNode
  let emb: RunningNode
  let cr: Redis, crp: Redis, ce: Redis

  before(async () => {
    rn = new RedisNodes()
    ;[real] = await rn.start(1, {cluster: false})
    ;[realPw] = await rn.start(1, {cluster: false, password: 'pw'})
    emb = await startNode({overrides: {port: '0', bind: '127.0.0.1', save: ''}, silent: true})
    cr = new Redis(real.port, '127.0.0.1')
    crp = new Redis(realPw.port, '127.0.0.1', {password: 'pw'})
    ce = new Redis(emb.port, '127.0.0.1')
  })

  after(async () => {
    for (const c of [cr, crp, ce]) c?.disconnect()
    await emb?.stop()
    await rn?.stop()
  })

  test('every type and encoding: redis DUMP -> embedded RESTORE -> DUMP -> redis RESTORE', async () => {
    await cr.flushall()
    await ce.flushall()
    for (const [key, write] of CASES) {
      await write(cr)
      const original = await readBack(cr, key)
      const encoding = await cr.call('OBJECT', 'ENCODING', key)
      assert.equal(await ce.call('RESTORE', key, '0', await cr.dumpBuffer(key)), 'OK', key)
      assert.deepEqual(await readBack(ce, key), original, `${key} in the embedded node`)
      const ours = await ce.dumpBuffer(key)
      assert.equal(await cr.call('RESTORE', `${key}:back`, '0', ours), 'OK', key)
      assert.deepEqual(await readBack(cr, `${key}:back`), original, `${key} back in redis`)
      assert.equal(await cr.call('OBJECT', 'ENCODING', `${key}:back`), encoding, `${key} keeps its redis encoding`)
    }
  })

  test('RESTORE error replies for bad payloads are identical', async () => {
    await cr.set('k', 'v')
    const good = await cr.dumpBuffer('k')
    const flipped = Buffer.from(good)
    flipped[2] ^= 1
    const bad: [string, Buffer | string][] = [
      ['empty', ''],
      ['short', 'garbage'],
      ['bad crc', flipped],
      ['newer rdb version', withFooter(good.subarray(0, good.length - 10), 11)],
      ['older rdb version', withFooter(good.subarray(0, good.length - 10), 9)],
      ['quicklist junk', withFooter([0x12, 0x05])],
      ['unknown type', withFooter([0x63, 0x00])],
      ['module type', withFooter([0x07, 0x01, 0x02])],
      ['stream junk', withFooter([0x15, 0x01, 0x00])],
      // Long enough to run past the footer too (redis reads the body from the whole buffer).
      ['truncated string', withFooter([0x00, 0x20, 0x61, 0x62])],
      ['trailing bytes', withFooter([0x00, 0x01, 0x61, 0xff, 0xff])],
      ['empty list', createDumpPayload({type: 'list', items: []})],
      ['empty set', createDumpPayload({type: 'set', members: []})],
      ['empty hash', createDumpPayload({type: 'hash', entries: []})],
      ['empty zset', createDumpPayload({type: 'zset', entries: []})],
      ['duplicate set members', withFooter([0x02, 0x02, 0x01, 0x61, 0x01, 0x61])],
      ['nan zset score', withFooter([0x03, 0x01, 0x01, 0x61, 253])],
    ]
    for (const [name, payload] of bad) {
      const theirs = await err(cr.call('RESTORE', `bad:${name}`, '0', payload))
      const mine = await err(ce.call('RESTORE', `bad:${name}`, '0', payload))
      assert.equal(mine, theirs, name)
      assert.equal(await ce.exists(`bad:${name}`), await cr.exists(`bad:${name}`), name)
    }
  })

  test('RESTORE argument errors and option handling are identical', async () => {
    await cr.flushall()
    await ce.flushall()
    await cr.set('exists', 'v')
    await ce.set('exists', 'v')
    const d = await cr.dumpBuffer('exists')
    const future = String(Date.now() + 100_000)
    const scripts: (string | Buffer)[][] = [
      ['RESTORE', 'exists', '0', d],
      ['RESTORE', 'exists', '-1', d],
      ['RESTORE', 'exists', '0', d, 'bogus'],
      ['RESTORE', 'n1', '-1', d],
      ['RESTORE', 'n1', '1.5', d],
      ['RESTORE', 'n1', '0', d, 'IDLETIME'],
      ['RESTORE', 'n1', '0', d, 'IDLETIME', '-1'],
      ['RESTORE', 'n1', '0', d, 'IDLETIME', 'x'],
      ['RESTORE', 'n1', '0', d, 'FREQ', '256'],
      ['RESTORE', 'n1', '0', d, 'FREQ', '1', 'IDLETIME', '1'],
      ['RESTORE', 'n1', '0', d, 'REPLACE', 'ABSTTL', 'IDLETIME', '5'],
      ['RESTORE', 'n2', '1', d, 'ABSTTL'],
      ['RESTORE', 'exists', '1', d, 'ABSTTL', 'REPLACE'],
      ['RESTORE', 'n3', future, d, 'ABSTTL'],
      ['RESTORE', 'n4', '9223372036854775807', d],
      ['RESTORE', 'n5'],
      ['RESTORE-ASKING', 'n6', '0', d],
      ['DUMP', 'nokey'],
      ['DUMP'],
    ]
    for (const argv of scripts) {
      const label = argv.map((a) => (Buffer.isBuffer(a) ? '<payload>' : a)).join(' ')
      const [name, ...rest] = argv as [string, ...(string | Buffer)[]]
      assert.equal(await err(ce.call(name, ...rest)), await err(cr.call(name, ...rest)), label)
    }
    for (const k of ['exists', 'n1', 'n2', 'n3', 'n4', 'n6']) assert.equal(await ce.exists(k), await cr.exists(k), k)
    assert.equal(await ce.call('PEXPIRETIME', 'n3'), Number(future))
  })

  async function fillMixed(c: Redis, n: number): Promise<string[]> {
    const p = c.pipeline()
    const keys: string[] = []
    for (let i = 0; i < n; i++) {
      const k = `mix:${i}:${i % 6}`
      keys.push(k)
      switch (i % 6) {
        case 0:
          p.set(k, `value-${i}`)
          break
        case 1:
          p.set(k, String(i * 1000))
          break
        case 2:
          p.rpush(k, ...seq(1 + (i % 40), (j) => `${j}:${i}`))
          break
        case 3:
          p.hset(k, ...seq(1 + (i % 30), (j) => [`f${j}`, j % 2 ? bin : `v${j}`]).flat())
          break
        case 4:
          p.sadd(k, ...seq(1 + (i % 25), (j) => (i % 2 ? String(j) : `m${j}`)))
          break
        case 5:
          p.zadd(k, ...seq(1 + (i % 20), (j) => [j === 0 ? '-inf' : String(j / 4), `z${j}`]).flat())
          break
      }
      if (i % 3 === 0) p.pexpire(k, 200_000 + i * 10)
    }
    await p.exec()
    return keys
  }

  async function snapshot(c: Redis, keys: string[]): Promise<Map<string, [unknown, number]>> {
    const out = new Map<string, [unknown, number]>()
    for (const k of keys) out.set(k, [await readBack(c, k), Number(await c.call('PEXPIRETIME', k))])
    return out
  }

  async function assertSame(c: Redis, expected: Map<string, [unknown, number]>): Promise<void> {
    for (const [k, [value, at]] of expected) {
      assert.deepEqual(await readBack(c, k), value, k)
      const got = Number(await c.call('PEXPIRETIME', k))
      if (at === -1) assert.equal(got, -1, k)
      else assert.ok(Math.abs(got - at) < 2000, `${k}: expire ${got} vs ${at}`)
    }
  }

  test('MIGRATE KEYS batch of 1000 mixed keys with TTLs: embedded -> redis -> embedded', async () => {
    await cr.flushall()
    await ce.flushall()
    const keys = await fillMixed(ce, 1000)
    const expected = await snapshot(ce, keys)
    assert.equal(await ce.call('MIGRATE', '127.0.0.1', String(real.port), '', '0', '10000', 'KEYS', ...keys), 'OK')
    assert.equal(await ce.dbsize(), 0)
    assert.equal(await cr.dbsize(), 1000)
    await assertSame(cr, expected)
    assert.equal(await cr.call('MIGRATE', '127.0.0.1', String(emb.port), '', '0', '10000', 'KEYS', ...keys), 'OK')
    assert.equal(await cr.dbsize(), 0)
    assert.equal(await ce.dbsize(), 1000)
    await assertSame(ce, expected)
  })

  test('MIGRATE single keys, COPY, REPLACE, db selection both ways', async () => {
    await cr.flushall()
    await ce.flushall()
    await ce.set('one', bin, 'PX', 60000)
    assert.equal(await ce.call('MIGRATE', '127.0.0.1', String(real.port), 'one', '4', '1000', 'COPY'), 'OK')
    assert.equal(await ce.exists('one'), 1)
    await cr.select(4)
    try {
      assert.equal((await cr.getBuffer('one'))!.toString('latin1'), allBytes)
      const ttl = await cr.pttl('one')
      assert.ok(ttl > 55000 && ttl <= 60000, String(ttl))
    } finally {
      await cr.select(0)
    }
    await cr.rpush('rl', 'a', 'b')
    assert.equal(await cr.call('MIGRATE', '127.0.0.1', String(emb.port), 'rl', '2', '1000'), 'OK')
    await ce.select(2)
    try {
      assert.deepEqual(await ce.lrange('rl', 0, -1), ['a', 'b'])
    } finally {
      await ce.select(0)
    }
  })

  test('a pipeline of MIGRATEs is answered in one write per read, as redis-server (one write per batch)', async () => {
    // Redis runs MIGRATE to completion inside the event loop, so the replies of a pipelined batch
    // leave together; the embedded node waits on the target but must not write once per MIGRATE.
    const stat = (info: string, name: string) => Number(new RegExp(`^${name}:(\\d+)`, 'm').exec(info)![1])
    const run = async (src: Redis, srcPort: number, targetPort: number) => {
      await src.flushall()
      for (let i = 0; i < 20; i++) await src.set(`pk${i}`, `v${i}`)
      const before = String(await src.info('stats'))
      const cmds = [['PING'], ...seq(20, (i) => ['MIGRATE', '127.0.0.1', String(targetPort), `pk${i}`, '0', '5000', 'REPLACE']), ['PING']]
      const wire = cmds.map((a) => `*${a.length}\r\n${a.map((x) => `$${Buffer.byteLength(x)}\r\n${x}\r\n`).join('')}`).join('')
      const replies = await new Promise<string>((resolve, reject) => {
        let got = ''
        const sock = net.connect(srcPort, '127.0.0.1', () => sock.write(wire))
        sock.setEncoding('latin1')
        sock.on('data', (d: string) => {
          got += d
          if (got.split('\r\n').length - 1 === cmds.length) {
            sock.destroy()
            resolve(got)
          }
        })
        sock.on('error', reject)
      })
      const after = String(await src.info('stats'))
      const reads = stat(after, 'total_reads_processed') - stat(before, 'total_reads_processed')
      const writes = stat(after, 'total_writes_processed') - stat(before, 'total_writes_processed')
      return {replies, reads, writes}
    }
    await cr.flushall()
    await ce.flushall()
    const theirs = await run(cr, real.port, emb.port)
    const mine = await run(ce, emb.port, real.port)
    assert.equal(mine.replies, theirs.replies)
    assert.equal(mine.replies, `+PONG\r\n${'+OK\r\n'.repeat(20)}+PONG\r\n`)
    // One write per read on both (the pipeline may arrive in more than one read on a loaded machine).
    assert.ok(theirs.writes <= theirs.reads, `redis-server: ${JSON.stringify(theirs)}`)
    assert.ok(mine.writes <= mine.reads, `embedded: ${JSON.stringify(mine)}`)
  })

  test('MIGRATE error replies are identical from both sources', async () => {
    await cr.flushall()
    await ce.flushall()
    await crp.flushall()
    const dead = await new Promise<number>((r) => {
      const s = net.createServer().listen(0, '127.0.0.1', () => {
        const port = (s.address() as net.AddressInfo).port
        s.close(() => r(port))
      })
    })
    const pw = String(realPw.port)
    const scripts: string[][] = [
      ['127.0.0.1', pw, 'k', '0', '1000'],
      ['127.0.0.1', pw, 'k', '0', '1000', 'AUTH', 'wrong'],
      ['127.0.0.1', pw, 'k', '0', '1000', 'AUTH2', 'nobody', 'pw'],
      ['127.0.0.1', pw, 'k', '0', '1000', 'AUTH', 'pw', 'COPY'],
      ['127.0.0.1', pw, 'k', '0', '1000', 'AUTH', 'pw'],
      ['127.0.0.1', pw, 'k', '99', '1000', 'AUTH', 'pw', 'REPLACE'],
      ['127.0.0.1', pw, 'missing', '0', '1000'],
      ['127.0.0.1', pw, '', '0', '1000', 'KEYS'],
      ['127.0.0.1', pw, 'k', '0', '1000', 'KEYS', 'k'],
      ['127.0.0.1', pw, 'k', '0', '1000', 'AUTH'],
      ['127.0.0.1', pw, 'k', '0', '1000', 'AUTH2', 'x'],
      ['127.0.0.1', pw, 'k', '0', '1000', 'NOPE'],
      ['127.0.0.1', pw, 'k', 'x', '1000'],
      ['127.0.0.1', pw, 'k', '0', '1e3'],
      ['127.0.0.1', String(dead), 'k', '0', '1000'],
      ['127.0.0.1', pw, 'k', '0'],
    ]
    for (const argv of scripts) {
      // Same state on both sources before each step; the target is shared, so reset it too.
      await crp.flushall()
      await cr.set('k', 'v')
      await ce.set('k', 'v')
      const theirs = await err(cr.call('MIGRATE', ...argv))
      const afterTheirs = await cr.exists('k')
      await crp.flushall()
      const mine = await err(ce.call('MIGRATE', ...argv))
      assert.equal(mine, theirs, argv.join(' '))
      assert.equal(await ce.exists('k'), afterTheirs, `source key after: ${argv.join(' ')}`)
    }
    // BUSYKEY from the target is forwarded the same way.
    await crp.set('k', 'taken')
    await cr.set('k', 'v')
    await ce.set('k', 'v')
    const theirs = await err(cr.call('MIGRATE', '127.0.0.1', pw, 'k', '0', '1000', 'AUTH', 'pw'))
    const mine = await err(ce.call('MIGRATE', '127.0.0.1', pw, 'k', '0', '1000', 'AUTH', 'pw'))
    assert.equal(mine, theirs)
    assert.equal(mine, 'ERR Target instance replied with error: BUSYKEY Target key name already exists.')
  })
})

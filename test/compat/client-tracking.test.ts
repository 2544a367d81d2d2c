// Client-side caching, CLIENT REPLY, keyspace notifications, sharded pub/sub, MONITOR, SLOWLOG
// and LATENCY against redis-server 7.0: argument errors reply for reply, then multi-connection
// scenarios (RESP2 and RESP3, push messages included) whose full transcripts must match.
import {test} from 'node:test'
import assert from 'node:assert/strict'
import net from 'node:net'
import {encode} from '../../src/resp/writer.js'
import {compatSuite, pairSuite, RawClient, type Reply} from './harness.js'

compatSuite('client tracking and reply arguments', [
  'CLIENT TRACKING',
  'CLIENT TRACKING maybe',
  'CLIENT TRACKING on foo',
  'CLIENT TRACKING on REDIRECT',
  'CLIENT TRACKING on REDIRECT abc',
  'CLIENT TRACKING on REDIRECT 999999',
  'CLIENT TRACKING on PREFIX a',
  'CLIENT TRACKING on BCAST OPTIN',
  'CLIENT TRACKING on OPTIN OPTOUT',
  'CLIENT TRACKING on BCAST PREFIX a PREFIX ab',
  'CLIENT TRACKINGINFO',
  'CLIENT GETREDIR',
  'CLIENT CACHING yes',
  'CLIENT TRACKING on OPTIN',
  'CLIENT TRACKING on OPTOUT',
  'CLIENT TRACKING on BCAST',
  'CLIENT CACHING no',
  'CLIENT CACHING maybe',
  'CLIENT CACHING yes',
  'CLIENT TRACKINGINFO',
  'CLIENT GETREDIR',
  'CLIENT TRACKING off',
  'CLIENT TRACKING on BCAST PREFIX foo PREFIX bar NOLOOP',
  'CLIENT TRACKING on BCAST PREFIX fo',
  'CLIENT TRACKINGINFO',
  'CLIENT TRACKING on',
  'CLIENT TRACKING off',
  'CLIENT REPLY',
  'CLIENT REPLY maybe',
  'CLIENT REPLY on',
  {cmd: 'HELLO 3', normalize: () => 'hello'},
  'CLIENT TRACKINGINFO',
  'CLIENT TRACKING on OPTOUT NOLOOP',
  'CLIENT TRACKINGINFO',
])

compatSuite('pubsub, slowlog and latency arguments', [
  'PUBSUB NUMSUB a b',
  'PUBSUB SHARDNUMSUB a b',
  'PUBSUB NUMPAT',
  'PUBSUB CHANNELS',
  'PUBSUB SHARDCHANNELS',
  'PUBSUB CHANNELS a b',
  'PUBSUB SHARDCHANNELS a b',
  'SPUBLISH ch hello',
  'PUBSUB HELP',
  'SLOWLOG GET -2',
  'SLOWLOG GET abc',
  'SLOWLOG LEN x',
  'SLOWLOG HELP',
  'LATENCY HISTORY nosuchevent',
  'LATENCY RESET nosuchevent',
  'LATENCY GRAPH nosuchevent',
  'LATENCY LATEST',
  'LATENCY HELP extra',
  'LATENCY HELP',
  'CONFIG SET notify-keyspace-events Q',
  'CONFIG SET notify-keyspace-events KEA',
  'CONFIG GET notify-keyspace-events',
  'CONFIG SET notify-keyspace-events g$lshzxetdKEm',
  'CONFIG GET notify-keyspace-events',
  'CONFIG SET notify-keyspace-events nE',
  'CONFIG GET notify-keyspace-events',
  'CONFIG SET notify-keyspace-events ""',
  {cmd: 'HELLO 3', normalize: () => 'hello'},
  'PUBSUB NUMSUB a b',
  'PUBSUB SHARDNUMSUB a',
])

const BARRIER = 'pushes-barrier'
const isBarrierPong = (r: Reply) => r === BARRIER || (Array.isArray(r) && r[0] === 'pong' && r[1] === BARRIER)

/**
 * Every push `c` got before a PING sent on it now. The server answers that PING after whatever it
 * queued for `c` earlier (the writes on other connections that cause pushes have been answered), so
 * no "nothing more within N ms" wait: a test process stalled past N ms took a push on its way for none.
 */
async function pushesBefore(c: RawClient): Promise<Reply[]> {
  const out: Reply[] = []
  for (let r = await c.call(['PING', BARRIER]); !isBarrierPong(r); r = await c.read()) out.push(r)
  return out
}

/** The bytes a pipeline gets back, up to the reply that ends with `last` (10 s at most). */
function rawExchange(port: number, cmds: string[][], last: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1', () => s.write(cmds.map((c) => encode.command(c)).join(''), 'latin1'))
    let out = ''
    const done = () => (clearTimeout(t), s.destroy(), resolve(out))
    const t = setTimeout(done, 10_000)
    s.on('data', (d) => (out += d.toString('latin1')).endsWith(last) && done())
    s.on('error', reject)
  })
}

/** One scenario per engine; every reply and push in order, with ids made comparable. */
async function scenario(port: number): Promise<Reply[]> {
  const log: Reply[] = []
  const a = await RawClient.connect(port)
  const b = await RawClient.connect(port)
  const w = await RawClient.connect(port)
  const step = async (c: RawClient, ...argv: string[]) => log.push(await c.call(argv))
  const push = async (c: RawClient) => log.push(await pushesBefore(c))
  try {
    await step(w, 'FLUSHALL')
    // RESP3 default tracking: a read is remembered, a write by another client invalidates once.
    await step(a, 'HELLO', '3').then(() => (log[log.length - 1] = 'hello'))
    await step(a, 'CLIENT', 'TRACKING', 'on')
    await step(w, 'SET', 'k1', 'v')
    await step(a, 'GET', 'k1')
    await step(w, 'SET', 'k1', 'v2')
    await push(a)
    await step(w, 'SET', 'k1', 'v3')
    await push(a) // not tracked any more: nothing
    // Own write without NOLOOP: the invalidation follows the reply.
    await step(a, 'GET', 'k1')
    await step(a, 'SET', 'k1', 'mine')
    await push(a)
    // MGET tracks each key; DEL of both sends two invalidations.
    await step(a, 'MGET', 'k1', 'k2')
    await step(w, 'DEL', 'k1', 'k2')
    await push(a)
    // FLUSHDB: a null invalidation.
    await step(a, 'GET', 'k3')
    await step(w, 'FLUSHDB')
    await push(a)
    await step(a, 'CLIENT', 'TRACKING', 'off')
    // BCAST with prefixes and NOLOOP.
    await step(a, 'CLIENT', 'TRACKING', 'on', 'BCAST', 'PREFIX', 'user:', 'NOLOOP')
    await step(w, 'SET', 'user:1', 'x')
    await push(a)
    await step(a, 'SET', 'user:2', 'x')
    await push(a)
    await step(w, 'SET', 'other', 'x')
    await push(a)
    await step(a, 'CLIENT', 'TRACKING', 'off')
    // OPTIN: only after CLIENT CACHING yes.
    await step(a, 'CLIENT', 'TRACKING', 'on', 'OPTIN')
    await step(a, 'GET', 'o1')
    await step(w, 'SET', 'o1', '1')
    await push(a)
    await step(a, 'CLIENT', 'CACHING', 'yes')
    await step(a, 'GET', 'o1')
    await step(w, 'SET', 'o1', '2')
    await push(a)
    await step(a, 'CLIENT', 'TRACKING', 'off')
    // RESP2 redirect to a client subscribed to __redis__:invalidate.
    await step(b, 'SUBSCRIBE', '__redis__:invalidate')
    const bid = (await w.call(['CLIENT', 'LIST', 'TYPE', 'pubsub'])) as string
    const id = /id=(\d+)/.exec(bid)![1]
    await step(a, 'HELLO', '2').then(() => (log[log.length - 1] = 'hello'))
    log.push(await a.call(['CLIENT', 'TRACKING', 'on', 'REDIRECT', id]))
    await step(a, 'GET', 'r1')
    await step(w, 'SET', 'r1', '1')
    await push(b)
    await push(a)
    log.push(await a.call(['CLIENT', 'TRACKING', 'off']))
    // CLIENT REPLY SKIP / OFF / ON on a pipelined raw connection: the exact bytes that come back.
    log.push(await rawExchange(port, [['CLIENT', 'REPLY', 'SKIP'], ['PING', 'a'], ['PING', 'b'], ['CLIENT', 'REPLY', 'OFF'], ['PING', 'c'], ['CLIENT', 'REPLY', 'SKIP'], ['PING', 'd'], ['CLIENT', 'REPLY', 'ON'], ['PING', 'e']], '$1\r\ne\r\n'))
    return log
  } finally {
    a.close()
    b.close()
    w.close()
  }
}

/** Keyspace notifications and sharded pub/sub, seen by a pattern subscriber (RESP2) and a RESP3 one. */
async function notifications(port: number): Promise<Reply[]> {
  const log: Reply[] = []
  const sub = await RawClient.connect(port)
  const s3 = await RawClient.connect(port)
  const w = await RawClient.connect(port)
  try {
    await w.call(['FLUSHALL'])
    log.push(await w.call(['CONFIG', 'SET', 'notify-keyspace-events', 'KEA']))
    log.push(await sub.call(['PSUBSCRIBE', '__key*__:*']))
    await s3.call(['HELLO', '3'])
    log.push(await s3.call(['SSUBSCRIBE', 'news']))
    const cmds = [
      ['SET', 'a', '1', 'EX', '100'], ['INCR', 'n'], ['INCRBYFLOAT', 'f', '1.5'], ['APPEND', 'a', 'x'], ['SETRANGE', 'a', '0', 'y'],
      ['GETDEL', 'a'], ['MSET', 'm1', '1', 'm2', '2'], ['RENAME', 'm1', 'm3'], ['EXPIRE', 'm3', '100'], ['PERSIST', 'm3'],
      ['EXPIRE', 'm3', '-1'], ['LPUSH', 'l', 'a', 'b'], ['RPUSH', 'l', 'c'], ['LSET', 'l', '0', 'z'], ['LINSERT', 'l', 'BEFORE', 'z', 'y'],
      ['LREM', 'l', '1', 'y'], ['LTRIM', 'l', '0', '1'], ['LMOVE', 'l', 'l2', 'LEFT', 'RIGHT'], ['RPOP', 'l'], ['LPOP', 'l2'],
      ['HSET', 'h', 'f', '1'], ['HINCRBY', 'h', 'f', '2'], ['HINCRBYFLOAT', 'h', 'f', '0.5'], ['HDEL', 'h', 'f'],
      ['SADD', 's', 'a', 'b'], ['SREM', 's', 'a'], ['SMOVE', 's', 's2', 'b'], ['SADD', 's3', 'x'], ['SUNIONSTORE', 'd', 's2', 's3'],
      ['SINTERSTORE', 'd', 's2', 's3'], ['ZADD', 'z', '1', 'a', '2', 'b'], ['ZINCRBY', 'z', '1', 'a'], ['ZREM', 'z', 'a'],
      ['ZADD', 'z', '3', 'c'], ['ZREMRANGEBYSCORE', 'z', '0', '2'], ['ZPOPMIN', 'z'], ['ZADD', 'z2', '1', 'q'], ['ZUNIONSTORE', 'zu', '1', 'z2'],
      ['COPY', 'zu', 'zc'], ['DEL', 'zu', 'zc', 'nosuch'],
    ]
    for (const c of cmds) {
      log.push(await w.call(c))
      log.push(...(await pushesBefore(sub)))
    }
    log.push(await w.call(['SPUBLISH', 'news', 'hello']))
    log.push(await s3.read())
    log.push(await w.call(['PUBSUB', 'SHARDCHANNELS']))
    log.push(await w.call(['PUBSUB', 'SHARDNUMSUB', 'news', 'none']))
    log.push(await w.call(['PUBSUB', 'NUMPAT']))
    log.push(await s3.call(['SUNSUBSCRIBE']))
    log.push(await w.call(['CONFIG', 'SET', 'notify-keyspace-events', '']))
    return log
  } finally {
    sub.close()
    s3.close()
    w.close()
  }
}

/** MONITOR lines with the timestamp and client port taken out. */
async function monitor(port: number): Promise<Reply[]> {
  const log: Reply[] = []
  const m = await RawClient.connect(port)
  const c = await RawClient.connect(port)
  try {
    log.push(await m.call(['MONITOR']))
    await c.call(['SET', 'k', 'a b\n"\\\x01\xff'])
    await c.call(['AUTH', 'secret']).catch(() => undefined)
    await c.call(['HELLO', '2', 'AUTH', 'u', 'p'])
    await c.call(['MULTI'])
    await c.call(['GET', 'k'])
    await c.call(['EXEC'])
    await c.call(['EVAL', "return redis.call('get', KEYS[1])", '1', 'k'])
    await c.call(['CONFIG', 'GET', 'port']) // admin: not shown
    await c.call(['SELECT', '3'])
    await c.call(['PING'])
    // every line up to this one's (a MONITOR connection takes no commands to sync with)
    await c.call(['ECHO', BARRIER])
    for (;;) {
      const r = await m.read()
      if (String(r).endsWith(`"ECHO" "${BARRIER}"`)) break
      log.push(String(r).replace(/^\+\d+\.\d{6} \[(\d+) [^\]]*:\d+\]/, '+T [$1 addr]').replace(/^\+\d+\.\d{6} \[(\d+) lua\]/, '+T [$1 lua]'))
    }
    return log
  } finally {
    m.close()
    c.close()
  }
}

pairSuite('tracking, notifications, monitor scenarios', {}, (p) => {
  test('tracking, redirect, BCAST, OPTIN and CLIENT REPLY transcripts match', async () => {
    const expected = await scenario(p.redisPort)
    const actual = await scenario(p.ourPort)
    assert.deepEqual(actual, expected)
    // The scenario really saw invalidations (RESP3 pushes and a RESP2 redirect message).
    assert.ok(JSON.stringify(expected).includes('"invalidate"'))
    assert.ok(JSON.stringify(expected).includes('__redis__:invalidate'))
  })
  test('keyspace notifications and sharded pub/sub transcripts match', async () => {
    const expected = await notifications(p.redisPort)
    const actual = await notifications(p.ourPort)
    for (let i = 0; i < Math.max(expected.length, actual.length); i++) assert.deepEqual(actual[i], expected[i], `entry ${i}`)
    assert.ok(expected.length > 100)
  })
  test('MONITOR lines match (quoting, redaction, MULTI/EXEC, scripts)', async () => {
    const expected = await monitor(p.redisPort)
    const actual = await monitor(p.ourPort)
    assert.deepEqual(actual, expected)
    assert.ok(expected.length >= 8)
  })
})

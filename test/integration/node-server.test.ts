import {test, describe, before, after} from 'node:test'
import assert from 'node:assert/strict'
import net from 'node:net'
import {Redis} from 'ioredis'
import {startNode, type RunningNode} from '../../src/node/index.js'

/** Send raw bytes, collect the reply until `until` matches or the socket closes. */
function raw(port: number, data: string | Buffer, until: (s: string) => boolean = () => false, ms = 2000): Promise<{text: string; closed: boolean}> {
  return new Promise((resolve) => {
    const sock = net.connect(port, '127.0.0.1')
    let text = ''
    let closed = false
    const done = () => {
      clearTimeout(timer)
      sock.destroy()
      resolve({text, closed})
    }
    const timer = setTimeout(done, ms)
    sock.on('data', (d) => {
      text += d.toString('latin1')
      if (until(text)) done()
    })
    sock.on('close', () => {
      closed = true
      done()
    })
    sock.on('error', () => undefined)
    sock.write(data)
  })
}

describe('embedded node: standalone', () => {
  let node: RunningNode
  let r: Redis
  before(async () => {
    node = await startNode({overrides: {port: '0', save: ''}, silent: true})
    r = new Redis({port: node.port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0})
    await r.connect()
  })
  after(async () => {
    r.disconnect()
    await node.stop()
  })

  test('strings through ioredis', async () => {
    assert.equal(await r.set('foo', 'bar'), 'OK')
    assert.equal(await r.get('foo'), 'bar')
    assert.equal(await r.incr('n'), 1)
    assert.equal(await r.incrby('n', 41), 42)
    assert.equal(await r.incrbyfloat('f', '1.1'), '1.1')
    assert.equal(await r.incrbyfloat('f', '0.2'), '1.3')
    assert.deepEqual(await r.mget('foo', 'nope', 'n'), ['bar', null, '42'])
    assert.equal(await r.set('foo', 'x', 'NX'), null)
    assert.equal(await r.set('foo', 'baz', 'XX', 'GET'), 'bar')
    assert.equal(await r.append('foo', '123'), 6)
    assert.equal(await r.getrange('foo', -3, -1), '123')
    await assert.rejects(r.incr('foo'), /ERR value is not an integer or out of range/)
  })

  test('binary-safe values', async () => {
    const v = Buffer.from([0, 255, 128, 13, 10, 1])
    await r.set(Buffer.from([0xe9, 0]), v)
    assert.deepEqual(await r.getBuffer(Buffer.from([0xe9, 0])), v)
  })

  test('expiry and keys', async () => {
    // 1.5 s: PTTL is read before the key can expire on a loaded machine; then polled until it has
    await r.set('t', '1', 'PX', 1500)
    const pttl = await r.pttl('t')
    assert.ok(pttl > 0 && pttl <= 1500, `PTTL ${pttl}`)
    assert.equal(await r.ttl('foo'), -1)
    assert.equal(await r.ttl('missing'), -2)
    for (const deadline = Date.now() + 20000; (await r.get('t')) !== null; ) {
      assert.ok(Date.now() < deadline, 't never expired')
      await new Promise((res) => setTimeout(res, 25))
    }
    assert.equal(await r.expire('foo', 100, 'NX'), 1)
    assert.equal(await r.expire('foo', 50, 'GT'), 0)
    assert.equal(await r.persist('foo'), 1)
    assert.equal(await r.type('foo'), 'string')
    assert.equal(await r.exists('foo', 'n', 'missing'), 2)
    await r.rename('foo', 'foo2')
    await assert.rejects(r.rename('foo', 'x'), /ERR no such key/)
    const keys = (await r.keys('foo*')).sort()
    assert.deepEqual(keys, ['foo2'])
    const seen = new Set<string>()
    let cursor = '0'
    do {
      const [c, batch] = await r.scan(cursor, 'MATCH', '*', 'COUNT', 2)
      cursor = c
      batch.forEach((k) => seen.add(k))
    } while (cursor !== '0')
    assert.equal(seen.size, await r.dbsize())
  })

  test('MULTI/EXEC, EXECABORT and WATCH', async () => {
    assert.deepEqual(await r.multi().set('m', '1').incr('m').exec(), [[null, 'OK'], [null, 2]])
    const other = new Redis({port: node.port, host: '127.0.0.1'})
    await r.watch('m')
    await other.set('m', '100')
    assert.equal(await r.multi().incr('m').exec(), null)
    other.disconnect()
    const res = await raw(node.port, 'MULTI\r\nSET a\r\nSET a 1\r\nEXEC\r\n', (t) => t.includes('EXECABORT'))
    assert.equal(res.text, "+OK\r\n-ERR wrong number of arguments for 'set' command\r\n+QUEUED\r\n-EXECABORT Transaction discarded because of previous errors.\r\n")
  })

  test('pub/sub delivery and RESP2 subscribed-mode restriction', async () => {
    const sub = new Redis({port: node.port, host: '127.0.0.1'})
    const got = new Promise<[string, string]>((res) => sub.on('message', (c, m) => res([c, m])))
    await sub.subscribe('news')
    assert.equal(await r.publish('news', 'hello'), 1)
    assert.deepEqual(await got, ['news', 'hello'])
    sub.disconnect()
    const res = await raw(node.port, 'SUBSCRIBE c\r\nGET x\r\nPING\r\n', (t) => t.includes('pong'))
    assert.match(res.text, /-ERR Can't execute 'get': only \(P\|S\)SUBSCRIBE \/ \(P\|S\)UNSUBSCRIBE \/ PING \/ QUIT \/ RESET are allowed in this context/)
    assert.match(res.text, /\*2\r\n\$4\r\npong\r\n\$0\r\n\r\n$/)
  })

  test('raw protocol: pipelining, inline, errors', async () => {
    const p = await raw(node.port, '*1\r\n$4\r\nPING\r\nPING\r\nECHO "a b"\r\n', (t) => t.endsWith('$3\r\na b\r\n'))
    assert.equal(p.text, '+PONG\r\n+PONG\r\n$3\r\na b\r\n')
    const u = await raw(node.port, 'FOO a b\r\n', (t) => t.endsWith('\r\n'))
    assert.equal(u.text, "-ERR unknown command 'FOO', with args beginning with: 'a' 'b' \r\n")
    const e = await raw(node.port, '*1\r\n+PING\r\n')
    assert.equal(e.text, "-ERR Protocol error: expected '$', got '+'\r\n")
    assert.equal(e.closed, true)
    const big = await raw(node.port, '*\x00' + 'payload'.repeat(12000))
    assert.equal(big.text, '-ERR Protocol error: too big mbulk count string\r\n')
  })

  test('HELLO 3 switches to RESP3 maps', async () => {
    const res = await raw(node.port, 'HELLO 3\r\nHGETALL nothing\r\nCONFIG GET port\r\n', (t) => t.includes('port\r\n$'), 1000)
    assert.match(res.text, /^%7\r\n\$6\r\nserver\r\n\$5\r\nredis\r\n\$7\r\nversion\r\n\$6\r\n7\.0\.15\r\n\$5\r\nproto\r\n:3\r\n/)
    assert.match(res.text, /%1\r\n\$4\r\nport\r\n/)
  })

  test('INFO and COMMAND for tools', async () => {
    const info = await r.info()
    assert.match(info, /redis_version:7\.0\.15/)
    assert.match(info, /cluster_enabled:0/)
    assert.match(info, new RegExp(`tcp_port:${node.port}`))
    assert.match(info, /db0:keys=\d+,expires=\d+,avg_ttl=\d+/)
    const [entry] = (await r.call('COMMAND', 'INFO', 'get')) as unknown[][]
    assert.deepEqual(entry.slice(0, 6), ['get', 2, ['readonly', 'fast'], 1, 1, 1])
    assert.deepEqual(await r.call('COMMAND', 'GETKEYS', 'MSET', 'a', '1', 'b', '2'), ['a', 'b'])
    assert.ok(((await r.call('COMMAND', 'COUNT')) as number) > 50)
  })
})

describe('embedded node: requirepass', () => {
  let node: RunningNode
  before(async () => {
    node = await startNode({overrides: {port: '0', requirepass: 's3cret', save: ''}, silent: true})
  })
  after(async () => {
    await node.stop()
  })

  test('NOAUTH, WRONGPASS, AUTH, unauthenticated limits', async () => {
    const a = await raw(node.port, 'GET x\r\nAUTH nope\r\nAUTH s3cret\r\nGET x\r\n', (t) => t.endsWith('$-1\r\n'))
    assert.equal(a.text, '-NOAUTH Authentication required.\r\n-WRONGPASS invalid username-password pair or user is disabled.\r\n+OK\r\n$-1\r\n')
    const b = await raw(node.port, '*100\r\n')
    assert.equal(b.text, '-ERR Protocol error: unauthenticated multibulk length\r\n')
    assert.equal(b.closed, true)
    const c = await raw(node.port, '*1\r\n$100000000\r\n')
    assert.equal(c.text, '-ERR Protocol error: unauthenticated bulk length\r\n')
    const r = new Redis({port: node.port, host: '127.0.0.1', password: 's3cret', lazyConnect: true})
    await r.connect()
    assert.equal(await r.ping(), 'PONG')
    r.disconnect()
  })
})

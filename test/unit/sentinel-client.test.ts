// The Sentinel's own RESP client (src/node/sentinel/client.ts) against a scripted TCP peer:
// pipelined replies split at every byte, error replies, MULTI/EXEC, Pub/Sub messages between
// replies, pending commands failing when the peer closes; and the host-name cache (resolve.ts).
import {test} from 'node:test'
import assert from 'node:assert/strict'
import {createServer, type AddressInfo, type Server, type Socket} from 'node:net'
import {ReplyError, RespClient} from '../../src/node/sentinel/client.js'
import {resolveCached, resolveHost} from '../../src/node/sentinel/resolve.js'

/** A peer that records what it receives and lets the test write raw bytes back. */
async function peer(): Promise<{server: Server; port: number; conn: Promise<Socket>; received: () => string}> {
  let data = ''
  let onConn!: (s: Socket) => void
  const conn = new Promise<Socket>((r) => (onConn = r))
  const server = createServer((s) => {
    s.on('data', (d) => (data += d.toString('latin1')))
    onConn(s)
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  return {server, port: (server.address() as AddressInfo).port, conn, received: () => data}
}

async function until(cond: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !cond(); i++) await new Promise((r) => setTimeout(r, 10))
  assert.ok(cond())
}

test('replies split byte by byte are matched to commands in order; AUTH and SETNAME go first', async () => {
  const p = await peer()
  const c = new RespClient({host: '127.0.0.1', port: p.port, password: 'pw', name: 'sentinel-x-cmd', connectTimeout: 2000})
  const r1 = c.call(['PING'])
  const r2 = c.call(['INFO'])
  const r3 = c.call(['SENTINEL', 'is-master-down-by-addr', '127.0.0.1', 6379, 0, '*'])
  const r4 = c.call(['GET', 'nothing'])
  const r5 = c.call(['CONFIG', 'SET', 'x', 'y'])
  const s = await p.conn
  await until(() => p.received().includes('nothing'))
  assert.ok(p.received().startsWith('*2\r\n$4\r\nAUTH\r\n$2\r\npw\r\n*3\r\n$6\r\nCLIENT\r\n$7\r\nSETNAME\r\n$14\r\nsentinel-x-cmd\r\n*1\r\n$4\r\nPING\r\n'))
  assert.ok(p.received().includes('$4\r\n6379\r\n'))
  const bytes = Buffer.from('+OK\r\n+OK\r\n+PONG\r\n$13\r\nrole:master\r\n\r\n*3\r\n:1\r\n$1\r\n*\r\n:0\r\n$-1\r\n-ERR Unknown option\r\n', 'latin1')
  for (const b of bytes) s.write(Buffer.from([b]))
  assert.equal(await r1, 'PONG')
  assert.equal(await r2, 'role:master\r\n')
  assert.deepEqual(await r3, [1, '*', 0])
  assert.equal(await r4, null)
  await assert.rejects(r5, (e: Error) => e instanceof ReplyError && e.name === 'ReplyError' && e.message === 'ERR Unknown option')
  c.close()
  p.server.close()
})

test('MULTI/EXEC resolves with EXEC; Pub/Sub messages arrive between replies; a close fails what is pending', async () => {
  const p = await peer()
  const c = new RespClient({host: '127.0.0.1', port: p.port, connectTimeout: 2000})
  const messages: [string, string][] = []
  c.onMessage = (ch, m) => messages.push([ch, m])
  let closed = 0
  c.onClose = () => closed++
  const sub = c.subscribe('__sentinel__:hello')
  const s = await p.conn
  s.write('*3\r\n$9\r\nsubscribe\r\n$18\r\n__sentinel__:hello\r\n:1\r\n*3\r\n$7\r\nmessage\r\n$18\r\n__sentinel__:hello\r\n$5\r\nhello\r\n')
  assert.deepEqual(await sub, ['subscribe', '__sentinel__:hello', 1])
  await until(() => messages.length === 1)
  assert.deepEqual(messages, [['__sentinel__:hello', 'hello']])
  const ex = c.multi([['SLAVEOF', 'NO', 'ONE'], ['CONFIG', 'REWRITE']], (n) => (n === 'EXEC' ? 'MYEXEC' : n))
  await until(() => p.received().includes('MYEXEC'))
  s.write('+OK\r\n+QUEUED\r\n+QUEUED\r\n*2\r\n+OK\r\n-ERR no config file\r\n')
  const r = (await ex) as unknown[]
  assert.equal(r[0], 'OK')
  assert.ok(r[1] instanceof ReplyError)
  const pending = c.call(['PING'])
  s.destroy()
  await assert.rejects(pending, (e: Error) => !(e instanceof ReplyError))
  await until(() => closed === 1)
  await assert.rejects(c.call(['PING']))
  p.server.close()
})

test('a refused connection closes the client', async () => {
  const p = await peer()
  const port = p.port
  await new Promise<void>((r) => p.server.close(() => r()))
  const c = new RespClient({host: '127.0.0.1', port, connectTimeout: 2000})
  let closed = false
  c.onClose = () => (closed = true)
  await assert.rejects(c.call(['PING']))
  await until(() => closed)
})

test('host names: IPs pass through, localhost resolves (cached after the first lookup), bad names give ""', async () => {
  assert.equal(resolveCached('10.1.2.3'), '10.1.2.3')
  assert.equal(await resolveHost('::1'), '::1')
  const ip = await resolveHost('localhost')
  assert.ok(ip === '127.0.0.1' || ip === '::1', ip)
  assert.equal(resolveCached('LOCALHOST'), ip)
  assert.equal(await resolveHost('no-such-host.invalid'), '')
})

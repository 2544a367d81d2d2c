// CONFIG SET port / bind re-listen at runtime (redis changeListenPort / changeBindAddr, with the
// rollback when the new address is taken), and the reply buffer sizing CLIENT LIST reports
// (rbs shrinks for an idle client, grows back under big replies), and the per-key access time
// behind OBJECT IDLETIME under the default policy.
import {test, describe, before, after} from 'node:test'
import assert from 'node:assert/strict'
import net from 'node:net'
import {Redis} from 'ioredis'
import {startNode, type RunningNode} from '../../src/node/index.js'
import {freePort} from '../compat/harness.js'

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1')
    s.once('connect', () => (s.destroy(), resolve(true)))
    s.once('error', () => resolve(false))
  })
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

describe('embedded node: listeners and reply buffers', () => {
  let node: RunningNode
  let r: Redis
  before(async () => {
    node = await startNode({overrides: {port: '0', bind: '127.0.0.1', save: '', 'enable-debug-command': 'yes'}, silent: true})
    r = new Redis({port: node.port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null})
    await r.connect()
  })
  after(async () => {
    r.disconnect()
    await node.stop()
  })

  test('CONFIG SET port moves the listener; connected clients stay', async () => {
    const old = node.port
    const next = await freePort()
    assert.equal(await r.config('SET', 'port', String(next)), 'OK')
    assert.equal(await r.ping(), 'PONG', 'the connection that moved it is still served')
    assert.equal(await canConnect(next), true)
    assert.equal(await canConnect(old), false)
    assert.deepEqual(await r.config('GET', 'port'), ['port', String(next)])
    assert.match(await r.info('server'), new RegExp(`tcp_port:${next}\\r\\n`))
  })

  test('CONFIG SET port to a taken port fails and restores every option of the call', async () => {
    const [, cur] = (await r.config('GET', 'port')) as string[]
    const blocker = net.createServer()
    await new Promise<void>((res) => blocker.listen(0, '127.0.0.1', () => res()))
    const taken = (blocker.address() as net.AddressInfo).port
    try {
      await assert.rejects(r.config('SET', 'maxmemory', '10000001', 'port', String(taken)), /ERR CONFIG SET failed \(possibly related to argument 'port'\) - Unable to listen on this port/)
      assert.deepEqual(await r.config('GET', 'port'), ['port', cur])
      assert.deepEqual(await r.config('GET', 'maxmemory'), ['maxmemory', '0'])
      assert.equal(await canConnect(Number(cur)), true, 'still listening on the previous port')
    } finally {
      blocker.close()
    }
  })

  test('CONFIG SET bind "" closes TCP; bind back listens again', async () => {
    const [, port] = (await r.config('GET', 'port')) as string[]
    assert.equal(await r.config('SET', 'bind', ''), 'OK')
    assert.equal(await canConnect(Number(port)), false)
    assert.equal(await r.config('SET', 'bind', '127.0.0.1'), 'OK')
    assert.equal(await canConnect(Number(port)), true)
  })

  test('OBJECT IDLETIME under noeviction: TOUCH and GET refresh it, EXISTS/TYPE/TTL do not', async () => {
    await r.set('foo', 'bar')
    const dump = (await r.dumpBuffer('foo'))!
    await r.call('RESTORE', 'foo', '0', dump, 'REPLACE', 'IDLETIME', '100')
    const idle = async () => Number(await r.object('IDLETIME', 'foo'))
    assert.ok((await idle()) >= 100)
    await r.exists('foo')
    await r.type('foo')
    await r.ttl('foo')
    assert.ok((await idle()) >= 100, 'EXISTS, TYPE and TTL do not touch the key')
    assert.equal(await r.touch('foo', 'nokey'), 1)
    // refreshed: well under the 100 s RESTORE gave it (not < 2: a loaded machine can stall seconds)
    assert.ok((await idle()) < 50, 'TOUCH refreshes the access time')
    await r.call('RESTORE', 'foo', '0', dump, 'REPLACE', 'IDLETIME', '100')
    await r.get('foo')
    assert.ok((await idle()) < 50, 'a read refreshes the access time')
  })

  test('an idle client reply buffer shrinks to 1 KiB, big replies grow it back to 16 KiB', async () => {
    const rbs = async () => Number(/ rbs=(\d+) /.exec((await r.client('LIST')) as string)![1])
    assert.equal(await r.call('DEBUG', 'REPLYBUFFER', 'PEAK-RESET-TIME', '100'), 'OK')
    let size = 0
    for (let i = 0; i < 50 && !(size >= 1024 && size < 2048); i++) {
      await sleep(100)
      size = await rbs()
    }
    assert.ok(size >= 1024 && size < 2048, `idle rbs ${size}`)
    await r.set('big', 'x'.repeat(32768))
    assert.equal(await r.call('DEBUG', 'REPLYBUFFER', 'PEAK-RESET-TIME', 'NEVER'), 'OK')
    for (let i = 0; i < 50 && size < 16384; i++) {
      await r.get('big')
      await sleep(100)
      size = await rbs()
    }
    assert.equal(size, 16384)
    assert.match(await r.info('stats'), /reply_buffer_shrinks:[1-9]/)
    assert.match(await r.info('stats'), /reply_buffer_expands:[1-9]/)
    assert.equal(await r.call('DEBUG', 'REPLYBUFFER', 'PEAK-RESET-TIME', 'RESET'), 'OK')
  })
})

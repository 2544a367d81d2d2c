// CONFIG SET port (redis 7.0 changeListenPort), against redis-server: the node listens on the new port and stops
// listening on the old one (open connections stay); a port that cannot be bound is refused with
// redis-server's error and the old port keeps serving; so is a `bind` that cannot be bound; the same
// config twice is refused. Errors byte for byte against redis-server.
import {test} from 'node:test'
import assert from 'node:assert/strict'
import net from 'node:net'
import {redisSkip} from '../helpers/redis-server.js'
import {compatSuite, freePort, pairHooks, RawClient} from './harness.js'

compatSuite('config set port arguments', [
  'CONFIG SET port abc',
  'CONFIG SET port 70000',
  'CONFIG SET port -1',
  'CONFIG SET port',
  'CONFIG SET bind 1.2.3.4',
  'CONFIG SET maxmemory 10000001 maxmemory 10000002',
  'CONFIG SET maxmemory 10000001 MAXMEMORY 10000002',
  'CONFIG SET hash-max-ziplist-entries 10 hash-max-listpack-entries 20',
  'CONFIG SET maxmemory 1 foo 2',
  'CONFIG GET maxmemory',
  'CONFIG SET maxmemory-clients 101%',
  'CONFIG SET maxmemory-clients x%',
  'CONFIG SET maxmemory-clients abc',
  'CONFIG SET maxmemory-clients 10%',
  'CONFIG GET maxmemory-clients',
  'CONFIG SET maxmemory-clients 0',
  'CONFIG GET maxmemory-clients',
])

const skip = redisSkip()
const p = pairHooks()

const reachable = (port: number) =>
  new Promise<boolean>((res) => {
    const s = net.connect(port, '127.0.0.1')
    s.once('connect', () => (s.destroy(), res(true)))
    s.once('error', () => res(false))
  })

test('CONFIG SET port moves the listener; a busy port is refused as by redis-server', {skip}, async () => {
  const oldPort = p.ourPort
  const c = await RawClient.connect(oldPort)
  try {
    // A port already taken (the real server's): both refuse with the same error, old port kept.
    const r = await RawClient.connect(p.redisPort)
    const busy = await freePort()
    const blocker = net.createServer().listen(busy, '127.0.0.1')
    await new Promise((res) => blocker.once('listening', res))
    const expected = await r.call(['CONFIG', 'SET', 'port', String(busy)])
    r.close()
    assert.equal(await c.call(['CONFIG', 'SET', 'port', String(busy)]), expected)
    blocker.close()
    assert.deepEqual(await c.call(['CONFIG', 'GET', 'port']), ['port', String(oldPort)])
    assert.equal(await reachable(oldPort), true)

    const next = await freePort()
    assert.equal(await c.call(['CONFIG', 'SET', 'port', String(next)]), '+OK')
    assert.deepEqual(await c.call(['CONFIG', 'GET', 'port']), ['port', String(next)])
    assert.equal(await c.call(['PING']), '+PONG') // the open connection stays
    assert.equal(await reachable(oldPort), false)
    const c2 = await RawClient.connect(next)
    assert.equal(await c2.call(['PING']), '+PONG')
    c2.close()
  } finally {
    c.close()
  }
})

// CONFIG SET cluster-announce-port / cluster-announce-bus-port / cluster-announce-tls-port at runtime
// (redis 7.0 updateClusterAnnouncedPort → clusterUpdateMyselfAnnouncedPorts): our own CLUSTER NODES
// line changes at once, peers learn it through gossip, 0 restores our own ports. The single-node part
// runs against redis-server too, with the same assertions (tests/unit/cluster/announced-endpoints).
import {test, after} from 'node:test'
import assert from 'node:assert/strict'
import * as fs from 'node:fs'
import {Redis} from 'ioredis'
import {freePort, haveRedisServer, startEmbedded, startRealRedis, tmpDir, waitFor} from '../fixtures/bus/embedded.js'

const dir = tmpDir('announce-ports')
after(() => fs.rmSync(dir, {recursive: true, force: true}))

const myselfAddr = async (c: Redis): Promise<string> => {
  const line = ((await c.call('CLUSTER', 'NODES')) as string).split('\n').find((l) => l.includes('myself'))!
  return line.split(' ')[1].replace(/^[^:]*/, '') // ":port@cport" (a lone node has no IP yet)
}

async function checkMyselfPorts(port: number, busPort: number): Promise<void> {
  const c = new Redis(port, '127.0.0.1', {maxRetriesPerRequest: 1, lazyConnect: true})
  await c.connect()
  try {
    const [p1, p2] = [await freePort(), await freePort()]
    assert.equal(await myselfAddr(c), `:${port}@${busPort}`)
    assert.equal(await c.call('CONFIG', 'SET', 'cluster-announce-port', String(p1)), 'OK')
    assert.equal(await myselfAddr(c), `:${p1}@${busPort}`)
    assert.equal(await c.call('CONFIG', 'SET', 'cluster-announce-bus-port', String(p2)), 'OK')
    assert.equal(await myselfAddr(c), `:${p1}@${p2}`)
    // Without TLS the tls-port option is stored but announces nothing.
    assert.equal(await c.call('CONFIG', 'SET', 'cluster-announce-tls-port', String(p2)), 'OK')
    assert.equal(await myselfAddr(c), `:${p1}@${p2}`)
    assert.equal(await c.call('CONFIG', 'SET', 'cluster-announce-port', '0', 'cluster-announce-bus-port', '0', 'cluster-announce-tls-port', '0'), 'OK')
    assert.equal(await myselfAddr(c), `:${port}@${busPort}`)
  } finally {
    c.disconnect()
  }
}

test('CONFIG SET cluster-announce-*port changes our own CLUSTER NODES entry at once (embedded)', async () => {
  const n = await startEmbedded(dir)
  try {
    await checkMyselfPorts(n.port, n.busPort)
  } finally {
    await n.stop()
  }
})

test('the same on redis-server', {skip: !haveRedisServer()}, async () => {
  const n = await startRealRedis(dir)
  try {
    await waitFor(async () => {
      const c = new Redis(n.port, '127.0.0.1', {maxRetriesPerRequest: 0, lazyConnect: true, retryStrategy: () => null})
      try {
        await c.connect()
        return (await c.ping()) === 'PONG'
      } catch {
        return false
      } finally {
        c.disconnect()
      }
    }, 30000, 'redis-server up')
    await checkMyselfPorts(n.port, n.busPort)
  } finally {
    n.stop()
  }
})

test('a peer learns the announced ports through gossip', async () => {
  const a = await startEmbedded(dir)
  const b = await startEmbedded(dir)
  const ca = new Redis(a.port, '127.0.0.1', {maxRetriesPerRequest: 1})
  const cb = new Redis(b.port, '127.0.0.1', {maxRetriesPerRequest: 1})
  try {
    const idA = (await ca.call('CLUSTER', 'MYID')) as string
    await ca.call('CLUSTER', 'MEET', '127.0.0.1', String(b.port), String(b.busPort))
    const seenByB = async () => {
      const line = ((await cb.call('CLUSTER', 'NODES')) as string).split('\n').find((l) => l.startsWith(idA + ' '))
      return line?.split(' ')[1] ?? ''
    }
    await waitFor(async () => (await seenByB()) === `127.0.0.1:${a.port}@${a.busPort}`, 30000, 'b knows a')
    const announced = await freePort()
    await ca.call('CONFIG', 'SET', 'cluster-announce-port', String(announced))
    await waitFor(async () => (await seenByB()) === `127.0.0.1:${announced}@${a.busPort}`, 30000, 'b learns the announced port')
    await ca.call('CONFIG', 'SET', 'cluster-announce-port', '0')
    await waitFor(async () => (await seenByB()) === `127.0.0.1:${a.port}@${a.busPort}`, 30000, 'b learns the port back')
    const announcedBus = await freePort()
    await ca.call('CONFIG', 'SET', 'cluster-announce-bus-port', String(announcedBus))
    await waitFor(async () => (await seenByB()) === `127.0.0.1:${a.port}@${announcedBus}`, 30000, 'b learns the announced bus port')
  } finally {
    ca.disconnect()
    cb.disconnect()
    await a.stop()
    await b.stop()
  }
})

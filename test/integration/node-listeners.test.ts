// What Redis's test harness needs from a node it starts itself: the start banner with " PID: <pid>"
// (always-show-logo), a unixsocket listener (clients show addr=<path>:0), and CONFIG SET port /
// bind moving the listeners (a busy port is refused and the old listener stays).
import {after, describe, test} from 'node:test'
import assert from 'node:assert/strict'
import net from 'node:net'
import {mkdirSync, mkdtempSync, rmSync, statSync} from 'node:fs'
import {networkInterfaces, tmpdir} from 'node:os'
import {join} from 'node:path'
import {Redis} from 'ioredis'
import {startNode} from '../../src/node/index.js'
import {Logger} from '../../src/node/log.js'
import {freePortPair} from '../helpers/ports.js'

const root = mkdtempSync(join(tmpdir(), 'redis-ts-listeners-'))
after(() => rmSync(root, {recursive: true, force: true}))

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({host: '127.0.0.1', port})
    s.once('connect', () => {
      s.destroy()
      resolve(true)
    })
    s.once('error', () => resolve(false))
  })
}

describe('node listeners for a harness that starts the node itself', () => {
  test('banner with the PID, unixsocket clients, CONFIG SET port and bind', async () => {
    const lines: string[] = []
    const logger = new Logger()
    logger.sink = (l) => void lines.push(l)
    const sock = join(root, 'redis.sock')
    const node = await startNode({overrides: {port: '0', dir: root, save: '', 'always-show-logo': 'yes', unixsocket: sock, unixsocketperm: '700'}, logger})
    const clients: Redis[] = []
    try {
      assert.ok(lines.some((l) => l.includes(` PID: ${process.pid}`)), lines.join('\n'))
      assert.ok(lines.some((l) => l.includes(`Port: ${node.port}`)))
      assert.equal(statSync(sock).mode & 0o777, 0o700)

      const u = new Redis({path: sock, maxRetriesPerRequest: 0, retryStrategy: () => null})
      clients.push(u)
      assert.equal(await u.ping(), 'PONG')
      assert.match(String(await u.call('client', 'info')), new RegExp(`addr=${sock}:0 laddr=${sock}:0 `))

      const {port: next} = await freePortPair()
      const c = new Redis({port: node.port, host: '127.0.0.1', maxRetriesPerRequest: 0, retryStrategy: () => null})
      clients.push(c)
      const old = node.port
      assert.equal(await c.config('SET', 'port', String(next)), 'OK')
      assert.equal(await c.ping(), 'PONG', 'the connection that moved the port stays')
      assert.equal(await canConnect(next), true)
      assert.equal(await canConnect(old), false)
      // a port in use: refused, the node keeps listening where it was
      const busy = net.createServer()
      await new Promise<void>((r) => busy.listen(old, '127.0.0.1', () => r()))
      try {
        await assert.rejects(c.config('SET', 'port', String(old)), /CONFIG SET failed \(possibly related to argument 'port'\) - Unable to listen on this port/)
        assert.deepEqual(await c.config('GET', 'port'), ['port', String(next)])
        assert.equal(await canConnect(next), true)
      } finally {
        busy.close()
      }
      await assert.rejects(c.config('SET', 'bind', '999.999.999.999'), /Failed to bind to specified addresses/)
      assert.equal(await canConnect(next), true, 'the previous bind is restored')
      assert.equal(await u.ping(), 'PONG')
    } finally {
      for (const c of clients) c.disconnect()
      await node.stop()
    }
  })

  // redis 7.0's built-in bind is `* -::*` (redis-server without a bind line listens everywhere);
  // protected-mode then refuses non-loopback clients while the default user has no password.
  const external = Object.values(networkInterfaces()).flat().find((a) => a && a.family === 'IPv4' && !a.internal)?.address
  test('default bind: every interface, non-loopback clients held off by protected-mode', {skip: external === undefined && 'no non-loopback IPv4 address'}, async () => {
    const node = await startNode({overrides: {port: '0', dir: root, save: ''}, silent: true})
    const clients: Redis[] = []
    try {
      const local = new Redis({port: node.port, host: '127.0.0.1', maxRetriesPerRequest: 0, retryStrategy: () => null})
      clients.push(local)
      assert.deepEqual(await local.config('GET', 'bind'), ['bind', '* -::*'])
      // redis writes the -DENIED error at accept time and closes the connection
      const denied = await new Promise<string>((resolve, reject) => {
        let got = ''
        const s = net.connect({host: external, port: node.port})
        s.on('data', (d) => (got += d.toString('latin1')))
        s.once('error', reject)
        s.once('close', () => resolve(got))
      })
      assert.match(denied, /^-DENIED Redis is running in protected mode because protected mode is enabled and no password is set for the default user\./)
      assert.equal(await local.config('SET', 'protected-mode', 'no'), 'OK')
      const far2 = new Redis({port: node.port, host: external, maxRetriesPerRequest: 0, retryStrategy: () => null})
      clients.push(far2)
      assert.equal(await far2.ping(), 'PONG')
    } finally {
      for (const c of clients) c.disconnect()
      await node.stop()
    }
  })

  // redis prints the banner (" PID: ", what Redis's harness waits for) before loading the dataset,
  // so `INFO` can show loading:1 right after a restart (tests/unit/introspection "config during loading").
  test('the start banner comes before the dataset is loaded', async () => {
    const dir = join(root, 'banner-load')
    mkdirSync(dir)
    const first = await startNode({overrides: {port: '0', bind: '127.0.0.1', dir, save: '', 'enable-debug-command': 'yes'}, silent: true})
    const c = new Redis({port: first.port, host: '127.0.0.1', maxRetriesPerRequest: 0, retryStrategy: () => null})
    try {
      assert.equal(await c.call('DEBUG', 'POPULATE', '1000'), 'OK')
      assert.equal(await c.call('SAVE'), 'OK')
    } finally {
      c.disconnect()
      await first.stop()
    }
    const lines: string[] = []
    const logger = new Logger()
    logger.sink = (l) => void lines.push(l)
    const node = await startNode({overrides: {port: '0', bind: '127.0.0.1', dir, save: '', 'always-show-logo': 'yes'}, logger})
    try {
      const banner = lines.findIndex((l) => l.includes(` PID: ${process.pid}`))
      const loaded = lines.findIndex((l) => l.includes('DB loaded from disk'))
      assert.ok(banner >= 0 && loaded > banner, lines.join('\n'))
    } finally {
      await node.stop()
    }
  })
})

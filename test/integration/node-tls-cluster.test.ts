// TLS replication and clusters as Redis's own cluster suite runs them in its TLS mode (a TLS port and
// a plain one per node, tls-cluster and tls-replication on): what the embedded node tells peers and
// clients about its ports, compared with redis-server where the behaviour is redis-server's.
import {after, before, test} from 'node:test'
import assert from 'node:assert/strict'
import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import net from 'node:net'
import {join} from 'node:path'
import {Redis} from 'ioredis'
import {startNode, type RunningNode} from '../../src/node/index.js'
import {makeCerts, redisSkip, type TlsFiles} from '../helpers/redis-server.js'
import {startRedisServer} from '../compat/harness.js'
import {freePortPair} from '../helpers/ports.js'

const skip = redisSkip()
let dir: string
let certs: TlsFiles
const nodes: RunningNode[] = []
const clients: Redis[] = []

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'redis-ts-tls-cluster-'))
  certs = makeCerts(dir)
})
after(async () => {
  for (const c of clients) c.disconnect()
  for (const n of nodes) await n.stop().catch(() => undefined)
  rmSync(dir, {recursive: true, force: true})
})

const tlsArgs = () => ({'tls-cert-file': certs.cert, 'tls-key-file': certs.key, 'tls-ca-cert-file': certs.ca})
const freePort = async () => (await freePortPair()).port

async function node(overrides: Record<string, string>): Promise<RunningNode> {
  const n = await startNode({overrides: {bind: '127.0.0.1', save: '', appendonly: 'no', dir, ...overrides}, silent: true})
  nodes.push(n)
  return n
}

function plain(port: number): Redis {
  const c = new Redis({port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 1})
  c.on('error', () => undefined)
  clients.push(c)
  return c
}

async function until(ok: () => Promise<boolean>, what: string, ms = 20_000): Promise<void> {
  for (const deadline = Date.now() + ms; Date.now() < deadline; await new Promise((r) => setTimeout(r, 50))) if (await ok().catch(() => false)) return
  assert.fail(`timed out: ${what}`)
}

const replicaPort = async (master: Redis) => /slave0:ip=[^,]*,port=(\d+)/.exec(await master.info('replication'))?.[1]

test('a replica with tls-replication announces its TLS port (REPLCONF listening-port), as redis-server does', {skip}, async () => {
  const masterTls = await freePort()
  const master = await node({port: String(await freePort()), 'tls-port': String(masterTls), 'tls-replication': 'yes', ...tlsArgs()})
  const mc = plain(master.port)
  // the embedded replica: a plain port and a TLS one
  const replicaTls = await freePort()
  const replica = await node({port: String(await freePort()), 'tls-port': String(replicaTls), 'tls-replication': 'yes', ...tlsArgs()})
  await plain(replica.port).replicaof('127.0.0.1', String(masterTls))
  await until(async () => (await replicaPort(mc)) !== undefined, 'the replica is listed')
  assert.equal(await replicaPort(mc), String(replicaTls))
  const role = async () => ((await mc.call('ROLE')) as [string, number, [string, string, string][]])[2]
  await until(async () => (await role()).length === 1, 'ROLE lists the replica')
  assert.equal((await role())[0][1], String(replicaTls))
  await plain(replica.port).replicaof('NO', 'ONE')
  // the oracle: redis-server as the replica of the same master
  const realTls = await freePort()
  const real = await startRedisServer(['--tls-port', String(realTls), ...Object.entries(tlsArgs()).flatMap(([k, v]) => [`--${k}`, v]), '--tls-replication', 'yes'])
  try {
    await plain(real.port).replicaof('127.0.0.1', String(masterTls))
    await until(async () => (await replicaPort(mc)) === String(realTls), 'redis-server announces its TLS port')
  } finally {
    await real.stop()
  }
  // replica-announce-port still wins
  await plain(replica.port).config('SET', 'replica-announce-port', '4242')
  await plain(replica.port).replicaof('127.0.0.1', String(masterTls))
  await until(async () => (await mc.info('replication')).includes('port=4242'), 'replica-announce-port is announced')
})

test('a TLS cluster node stops at once while a handshake on its bus or on its TLS port is still in progress', async () => {
  const tlsPort = (await freePortPair()).port
  const n = await node({port: String(await freePort()), 'tls-port': String(tlsPort), 'cluster-enabled': 'yes', 'cluster-config-file': 'stop-nodes.conf', 'tls-cluster': 'yes', ...tlsArgs()})
  nodes.splice(nodes.indexOf(n), 1)
  assert.equal(n.busPort, tlsPort + 10000)
  // TCP connections that never start their TLS handshake: a busy peer mid-connect on the bus; a
  // client whose TLS library shakes hands at its first I/O (Tcl's tls::socket, as the suite's)
  const raws = [n.busPort!, tlsPort].map((port) => net.connect({host: '127.0.0.1', port}).on('error', () => undefined))
  await Promise.all(raws.map((raw) => new Promise<void>((r) => raw.once('connect', () => r()))))
  await new Promise((r) => setTimeout(r, 100))
  try {
    const stopped = await Promise.race([n.stop().then(() => true), new Promise<false>((r) => setTimeout(() => r(false), 5000).unref())])
    assert.ok(stopped, 'stop() still waiting after 5 s (redis-server exits at once)')
    // and the node dropped them
    await Promise.all(raws.map((raw) => new Promise<void>((r) => (raw.closed ? r() : raw.once('close', () => r())))))
  } finally {
    for (const raw of raws) raw.destroy()
  }
})

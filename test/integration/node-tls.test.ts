// TLS on the embedded node (src/node/tls.ts), as a redis-server built with TLS: the tls-* settings
// and their defaults, a tls-port listener next to (or instead of) the plain one, tls-auth-clients
// yes / optional / no, CONFIG SET of the port and the files with redis's error texts, the start-up
// refusal, replication over TLS both ways with redis-server, MIGRATE over TLS (tls-cluster), and
// client memory as redis counts it (what SSL_write took is written).
import {after, before, test} from 'node:test'
import assert from 'node:assert/strict'
import {mkdtempSync, readFileSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {execFile, spawn, spawnSync} from 'node:child_process'
import {promisify} from 'node:util'
import tlsMod from 'node:tls'
import {Redis} from 'ioredis'
import {startNode, type RunningNode} from '../../src/node/index.js'
import {makeCerts, redisSkip, type TlsFiles} from '../helpers/redis-server.js'
import {startRedisServer} from '../compat/harness.js'
import {freePortPair} from '../helpers/ports.js'
import {stopPids} from '../../src/local/launcher.js'
import {waitFor} from '../helpers/repl.js'

const skip = redisSkip()
const execFileP = promisify(execFile)
let dir: string
let certs: TlsFiles
let stranger: TlsFiles // a certificate from another CA
const nodes: RunningNode[] = []
const clients: Redis[] = []

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'redis-ts-tls-'))
  certs = makeCerts(dir)
  const other = join(dir, 'other')
  spawnSync('mkdir', [other])
  stranger = makeCerts(other)
})
after(async () => {
  for (const c of clients) c.disconnect()
  for (const n of nodes) await n.stop().catch(() => undefined)
  rmSync(dir, {recursive: true, force: true})
})

const tlsArgs = (t: TlsFiles) => ({'tls-cert-file': t.cert, 'tls-key-file': t.key, 'tls-ca-cert-file': t.ca})

async function node(overrides: Record<string, string>): Promise<RunningNode> {
  const n = await startNode({overrides: {bind: '127.0.0.1', save: '', appendonly: 'no', dir, ...overrides}, silent: true})
  nodes.push(n)
  return n
}

/** A TLS client; `as`: the certificate it presents (none: no client certificate). */
function tlsClient(port: number, as: TlsFiles | null = certs): Redis {
  const c = new Redis({
    port,
    host: '127.0.0.1',
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    tls: {ca: readFileSync(certs.ca), ...(as ? {cert: readFileSync(as.cert), key: readFileSync(as.key)} : {}), checkServerIdentity: () => undefined},
  })
  c.on('error', () => undefined)
  clients.push(c)
  return c
}

async function answers(c: Redis): Promise<boolean> {
  try {
    await c.connect()
    return (await c.ping()) === 'PONG'
  } catch {
    return false
  } finally {
    c.disconnect()
  }
}

const freePort = async () => (await freePortPair()).port
const NODE_MAIN = join(import.meta.dirname, '../../dist/src/node/main.cjs')

test('the tls-* settings and their defaults are redis-server 7.0\'s', {skip}, async () => {
  const n = await node({port: '0'})
  const c = new Redis({port: n.port, lazyConnect: true})
  clients.push(c)
  const real = await startRedisServer()
  const r = new Redis({port: real.port, lazyConnect: true})
  try {
    const toMap = (a: string[]) => Object.fromEntries(Array.from({length: a.length / 2}, (_, i) => [a[2 * i], a[2 * i + 1]]))
    assert.deepEqual(toMap((await c.config('GET', 'tls-*')) as string[]), toMap((await r.config('GET', 'tls-*')) as string[]))
  } finally {
    r.disconnect()
    await real.stop()
  }
})

test('a TLS port next to the plain one; tls-auth-clients yes / optional / no', async () => {
  const tlsPort = await freePort()
  // (port 0 with a TLS port would be TLS only, as in redis: a plain port of its own)
  const n = await node({port: String(await freePort()), 'tls-port': String(tlsPort), ...tlsArgs(certs)})
  assert.equal(n.server.tlsPort, tlsPort)
  const c = tlsClient(tlsPort)
  await c.connect()
  assert.equal(await c.set('k', 'over tls'), 'OK')
  const plain = new Redis({port: n.port, lazyConnect: true})
  clients.push(plain)
  assert.equal(await plain.get('k'), 'over tls')
  // the Lua debugger's blocking socket I/O cannot run over TLS: refused, the connection serves on
  await assert.rejects(c.call('SCRIPT', 'DEBUG', 'SYNC'), {message: 'ERR SCRIPT DEBUG is not supported on TLS connections by the embedded node (use the plain port)'})
  assert.equal(await c.call('EVAL', "return 'still'", '0'), 'still')
  assert.equal(await plain.call('SCRIPT', 'DEBUG', 'NO'), 'OK')
  assert.equal(await c.config('GET', 'tls-port').then((a) => (a as string[])[1]), String(tlsPort))
  // yes: a certificate is required, and one from another CA is refused
  assert.equal(await answers(tlsClient(tlsPort, null)), false)
  assert.equal(await answers(tlsClient(tlsPort, stranger)), false)
  await plain.config('SET', 'tls-auth-clients', 'optional')
  assert.equal(await answers(tlsClient(tlsPort, null)), true)
  assert.equal(await answers(tlsClient(tlsPort, stranger)), false)
  await plain.config('SET', 'tls-auth-clients', 'no')
  assert.equal(await answers(tlsClient(tlsPort, null)), true)
  assert.equal(await answers(tlsClient(tlsPort, certs)), true)
  // redis-cli --tls, a real client (not spawnSync: the node runs in this process)
  const cli = await execFileP('redis-cli', ['--tls', '--cacert', certs.ca, '--cert', certs.cert, '--key', certs.key, '-p', String(tlsPort), 'GET', 'k'], {encoding: 'utf8'})
  assert.equal(cli.stdout.trim(), 'over tls', cli.stderr)
})

test('CONFIG SET tls-port moves the listener, 0 closes it; a bad file is refused with redis\'s text and TLS keeps serving', async () => {
  const first = await freePort()
  const n = await node({port: String(await freePort()), 'tls-port': String(first), ...tlsArgs(certs)})
  const plain = new Redis({port: n.port, lazyConnect: true})
  clients.push(plain)
  const next = await freePort()
  assert.equal(await plain.config('SET', 'tls-port', String(next)), 'OK')
  assert.equal(await answers(tlsClient(next)), true)
  assert.equal(await answers(tlsClient(first)), false)
  await assert.rejects(plain.config('SET', 'tls-cert-file', join(dir, 'missing.crt')), {
    message: "ERR CONFIG SET failed (possibly related to argument 'tls-cert-file') - Unable to update TLS configuration. Check server logs.",
  })
  assert.equal(((await plain.config('GET', 'tls-cert-file')) as string[])[1], certs.cert)
  assert.equal(await answers(tlsClient(next)), true)
  // the port of a running listener: refused, the old one kept
  await assert.rejects(plain.config('SET', 'tls-port', String(n.port)), {message: "ERR CONFIG SET failed (possibly related to argument 'tls-port') - Unable to listen on this port. Check server logs."})
  assert.equal(await answers(tlsClient(next)), true)
  // new certificate files: the next handshakes use them (the same ones here: still answers)
  assert.equal(await plain.config('SET', 'tls-cert-file', certs.cert, 'tls-key-file', certs.key), 'OK')
  assert.equal(await answers(tlsClient(next)), true)
  assert.equal(await plain.config('SET', 'tls-port', '0'), 'OK')
  assert.equal(await answers(tlsClient(next)), false)
  // a TLS port on a node that had none, with no certificate configured: redis's refusal
  const bare = await node({port: '0'})
  const b = new Redis({port: bare.port, lazyConnect: true})
  clients.push(b)
  await assert.rejects(b.config('SET', 'tls-port', String(next)), {message: "ERR CONFIG SET failed (possibly related to argument 'tls-port') - Unable to update TLS configuration. Check server logs."})
  assert.equal(((await b.config('GET', 'tls-port')) as string[])[1], '0')
})

test('start-up: TLS without a certificate is refused; --port 0 with a TLS port means TLS only', async () => {
  await assert.rejects(node({port: '0', 'tls-port': String(await freePort())}))
  await assert.rejects(node({port: '0', 'tls-port': String(await freePort()), 'tls-cert-file': certs.cert, 'tls-key-file': certs.key}), 'no CA while tls-auth-clients is yes')
  const tlsPort = await freePort()
  const n = await node({port: '0', 'tls-port': String(tlsPort), ...tlsArgs(certs)})
  assert.equal(n.server.port, 0)
  const c = tlsClient(tlsPort)
  await c.connect()
  assert.match(await c.info('server'), /\r\ntcp_port:0\r\n/)
  // maxclients: a TLS connection past it ends before its handshake (redis cannot write its error
  // on a TLS connection not set up either), and is counted as rejected
  await c.config('SET', 'maxclients', '1')
  assert.equal(await answers(tlsClient(tlsPort)), false)
  assert.match(await c.info('stats'), /\r\nrejected_connections:1\r\n/)
  await c.config('SET', 'maxclients', '10000')
  // a bind address that cannot be bound: refused as a bind change, the TLS listener back where it was
  await assert.rejects(c.config('SET', 'bind', '999.999.999.999'), {message: "ERR CONFIG SET failed (possibly related to argument 'bind') - Failed to bind to specified addresses."})
  assert.equal(await answers(tlsClient(tlsPort)), true)
  assert.equal(((await c.config('GET', 'bind')) as string[])[1], '127.0.0.1')
})

test('replication over TLS: an embedded replica of a redis-server master, a redis-server replica of an embedded master', {skip}, async () => {
  const files = tlsArgs(certs)
  const flags = (o: Record<string, string>) => Object.entries(o).flatMap(([k, v]) => [`--${k}`, v])
  const masterTls = await freePort()
  const real = await startRedisServer(['--tls-port', String(masterTls), ...flags(files), '--tls-replication', 'yes'])
  const r = new Redis({port: real.port, lazyConnect: true})
  clients.push(r)
  try {
    await r.set('from', 'redis-server')
    const replica = await node({port: '0', 'tls-replication': 'yes', ...files})
    const rc = new Redis({port: replica.port, lazyConnect: true})
    clients.push(rc)
    await rc.replicaof('127.0.0.1', String(masterTls))
    await until(async () => (await rc.get('from')) === 'redis-server', 'the embedded replica synced over TLS')
    await r.set('then', 'streamed')
    await until(async () => (await rc.get('then')) === 'streamed', 'the stream reached it')
    assert.match(await rc.info('replication'), /master_link_status:up/)
    // and the other way: redis-server replicates an embedded master's TLS port
    const ourTls = await freePort()
    const master = await node({port: String(await freePort()), 'tls-port': String(ourTls), 'tls-replication': 'yes', ...files})
    const mc = new Redis({port: master.port, lazyConnect: true})
    clients.push(mc)
    await mc.set('from', 'embedded')
    const real2 = await startRedisServer([...flags(files), '--tls-replication', 'yes'])
    const r2 = new Redis({port: real2.port, lazyConnect: true})
    clients.push(r2)
    try {
      await r2.replicaof('127.0.0.1', String(ourTls))
      await until(async () => (await r2.get('from')) === 'embedded', 'redis-server synced from the embedded master over TLS')
      await mc.set('then', 'streamed')
      await until(async () => (await r2.get('then')) === 'streamed', 'the stream reached redis-server')
    } finally {
      await real2.stop()
    }
  } finally {
    await real.stop()
  }
})

test('MIGRATE over TLS with tls-cluster yes, to redis-server', {skip}, async () => {
  const files = tlsArgs(certs)
  const targetTls = await freePort()
  const real = await startRedisServer(['--tls-port', String(targetTls), ...Object.entries(files).flatMap(([k, v]) => [`--${k}`, v])])
  const r = new Redis({port: real.port, lazyConnect: true})
  clients.push(r)
  try {
    const n = await node({port: '0', 'tls-cluster': 'yes', ...files})
    const c = new Redis({port: n.port, lazyConnect: true})
    clients.push(c)
    await c.set('moved', 'by tls')
    assert.equal(await c.migrate('127.0.0.1', String(targetTls), 'moved', 0, 5000), 'OK')
    assert.equal(await r.get('moved'), 'by tls')
    assert.equal(await c.exists('moved'), 0)
    // without tls-cluster a TLS port does not answer plain RESP: the key stays
    const other = await node({port: '0'})
    const o = new Redis({port: other.port, lazyConnect: true})
    clients.push(o)
    await o.set('stays', 'x')
    await assert.rejects(o.migrate('127.0.0.1', String(targetTls), 'stays', 0, 1000))
    assert.equal(await o.get('stays'), 'x')
  } finally {
    await real.stop()
  }
})

async function until(ok: () => Promise<boolean>, what: string, ms = 20_000): Promise<void> {
  for (const deadline = Date.now() + ms; Date.now() < deadline; await new Promise((r) => setTimeout(r, 50))) if (await ok().catch(() => false)) return
  assert.fail(`timed out: ${what}`)
}

test('a TLS cluster of embedded nodes and redis-server: the bus over TLS, plain clients told plain ports, TLS clients TLS ones, a replica over TLS', {skip}, async () => {
  const files = tlsArgs(certs)
  const flags = Object.entries({...files, 'tls-cluster': 'yes', 'tls-replication': 'yes'}).flatMap(([k, v]) => [`--${k}`, v])
  // each node: a plain port, and a TLS port whose +10000 (the bus) is free
  const ports = async () => ({plain: await freePort(), tls: (await freePortPair()).port})
  const [pa, pb, pd] = [await ports(), await ports(), await ports()]
  const clusterOf = (p: {plain: number; tls: number}, conf: string) => ({port: String(p.plain), 'tls-port': String(p.tls), 'cluster-enabled': 'yes', 'cluster-config-file': conf, 'cluster-node-timeout': '3000', 'tls-cluster': 'yes', 'tls-replication': 'yes', ...files})
  await node(clusterOf(pa, 'tls-a.conf'))
  await node(clusterOf(pb, 'tls-b.conf'))
  const rTls = (await freePortPair()).port
  const real = await startRedisServer(['--tls-port', String(rTls), '--cluster-enabled', 'yes', '--cluster-node-timeout', '3000', ...flags])
  try {
    const a = new Redis({port: pa.plain, lazyConnect: true})
    const b = new Redis({port: pb.plain, lazyConnect: true})
    const r = new Redis({port: real.port, lazyConnect: true})
    clients.push(a, b, r)
    await a.cluster('MEET', '127.0.0.1', String(pb.tls))
    await a.cluster('MEET', '127.0.0.1', String(rTls))
    await a.cluster('ADDSLOTSRANGE', '0', '5000')
    await b.cluster('ADDSLOTSRANGE', '5001', '10000')
    await r.cluster('ADDSLOTSRANGE', '10001', '16383')
    for (const c of [a, b, r]) await until(async () => /cluster_state:ok/.test((await c.cluster('INFO')) as string) && /cluster_known_nodes:3/.test((await c.cluster('INFO')) as string), 'the three nodes agree over TLS')
    const ids = await Promise.all([a, b, r].map(async (c) => (await c.cluster('MYID')) as string))
    // CLUSTER NODES: a plain client sees every node's plain port, a TLS client the TLS ones; the
    // same lines from the embedded node and from redis-server
    const addrs = (text: string) => Object.fromEntries(text.trim().split('\n').map((l) => [l.split(' ')[0], l.split(' ')[1].split(',')[0]]))
    const plainView = {[ids[0]]: `127.0.0.1:${pa.plain}@${pa.tls + 10000}`, [ids[1]]: `127.0.0.1:${pb.plain}@${pb.tls + 10000}`, [ids[2]]: `127.0.0.1:${real.port}@${rTls + 10000}`}
    const tlsView = {[ids[0]]: `127.0.0.1:${pa.tls}@${pa.tls + 10000}`, [ids[1]]: `127.0.0.1:${pb.tls}@${pb.tls + 10000}`, [ids[2]]: `127.0.0.1:${rTls}@${rTls + 10000}`}
    for (const c of [a, b, r]) assert.deepEqual(addrs((await c.cluster('NODES')) as string), plainView)
    const at = tlsClient(pa.tls)
    const rt = tlsClient(rTls)
    await at.connect()
    await rt.connect()
    for (const c of [at, rt]) assert.deepEqual(addrs((await c.cluster('NODES')) as string), tlsView)
    // MOVED: the slot of "x" (16287) is redis-server's; of "a" (15495) too; "b" (3300) is the first node's
    await assert.rejects(a.get('b{x}'), {message: `MOVED 16287 127.0.0.1:${real.port}`})
    await assert.rejects(at.get('b{x}'), {message: `MOVED 16287 127.0.0.1:${rTls}`})
    await assert.rejects(r.get('b'), {message: `MOVED 3300 127.0.0.1:${pa.plain}`})
    await assert.rejects(rt.get('b'), {message: `MOVED 3300 127.0.0.1:${pa.tls}`})
    // CLUSTER SLOTS and SHARDS name the same ports from both engines
    for (const [ours, theirs] of [[a, r], [at, rt]] as const) {
      assert.deepEqual(await ours.cluster('SLOTS'), await theirs.cluster('SLOTS'))
      const shards = (c: Redis) => c.call('CLUSTER', 'SHARDS').then((v) => JSON.stringify(v, (_k, x) => (typeof x === 'number' && x > 100000 ? 0 : x)))
      assert.deepEqual(JSON.parse(await shards(ours)).map(String).sort(), JSON.parse(await shards(theirs)).map(String).sort())
    }
    // an embedded replica of redis-server, its link over TLS (tls-replication)
    await node(clusterOf(pd, 'tls-d.conf'))
    const d = new Redis({port: pd.plain, lazyConnect: true})
    clients.push(d)
    await d.cluster('MEET', '127.0.0.1', String(rTls))
    await until(async () => ((await d.cluster('NODES')) as string).includes(ids[2]), 'the replica knows redis-server')
    await d.cluster('REPLICATE', ids[2])
    await r.set('x', 'replicated over TLS')
    await until(async () => (await d.call('READONLY').then(() => d.get('x'))) === 'replicated over TLS', 'the embedded replica synced from redis-server over TLS')
    assert.match(await d.info('replication'), new RegExp(`master_port:${rTls}\r\n[^]*master_link_status:up`))
  } finally {
    await real.stop()
  }
})

test('tls-cluster of a running cluster node does not change by CONFIG SET', async () => {
  const text = 'tls-cluster of a running cluster node cannot change (its bus and announced ports are chosen at start): set it in the config file or on the command line'
  const n = await node({port: '0', 'cluster-enabled': 'yes', 'cluster-config-file': 'tls-nodes-2.conf', ...tlsArgs(certs)})
  const c = new Redis({port: n.port, lazyConnect: true})
  clients.push(c)
  await assert.rejects(c.config('SET', 'tls-cluster', 'yes'), {message: `ERR CONFIG SET failed (possibly related to argument 'tls-cluster') - ${text}`})
  assert.equal(((await c.config('GET', 'tls-cluster')) as string[])[1], 'no')
})

test('invalidations an eviction sends to TLS tracking clients do not count as memory at the next command (no eviction feedback loop)', {skip}, async () => {
  // its own process, as a server is: the eviction check of the next command then runs while the
  // invalidations' TLS writes are still completing (in one process with the client they are done)
  const port = await freePort()
  const args = ['--port', '0', '--tls-port', String(port), '--bind', '127.0.0.1', '--save', '', '--dir', dir]
  for (const [k, v] of Object.entries(tlsArgs(certs))) args.push(`--${k}`, v)
  const proc = spawn(process.execPath, [NODE_MAIN, ...args], {stdio: 'ignore'})
  try {
    await tlsEvictionCase(port)
  } finally {
    await stopPids([proc.pid!])
  }
})

async function tlsEvictionCase(port: number): Promise<void> {
  const c = tlsClient(port)
  // the process is up once a TLS connection is
  await waitFor(async () => {
    try {
      await c.connect()
      return true
    } catch {
      c.disconnect()
      return false
    }
  }, 10_000, 'the node process answers over TLS')
  await c.config('SET', 'maxmemory-policy', 'allkeys-lru')
  await c.config('SET', 'maxmemory-eviction-tenacity', '100')
  // ten RESP3 tracking clients that never read: every key below is cached by each of them
  const trackers = await Promise.all(
    Array.from({length: 10}, () => new Promise<tlsMod.TLSSocket>((resolve, reject) => {
      const s = tlsMod.connect({port, host: '127.0.0.1', ca: readFileSync(certs.ca), cert: readFileSync(certs.cert), key: readFileSync(certs.key), checkServerIdentity: () => undefined}, () => resolve(s))
      s.once('error', reject)
    })),
  )
  const cmd = (...a: string[]) => `*${a.length}\r\n${a.map((x) => `$${Buffer.byteLength(x)}\r\n${x}\r\n`).join('')}`
  for (const s of trackers) {
    s.pause()
    s.write(cmd('HELLO', '3') + cmd('CLIENT', 'TRACKING', 'on'))
  }
  for (let j = 0; j < 300; j++) {
    const key = `${j}${'x'.repeat(1000)}`
    await c.set(key, 'x')
    for (const s of trackers) s.write(cmd('GET', key))
  }
  const tracked = async () => Number(/tracking_total_keys:(\d+)/.exec(await c.info('stats'))?.[1])
  await waitFor(async () => (await tracked()) >= 300, 4000, 'every key tracked')
  assert.equal(await tracked(), 300)
  await new Promise((r) => setTimeout(r, 200))
  const used = Number(/used_memory:(\d+)/.exec(await c.info('memory'))![1])
  await c.config('SET', 'maxmemory', String(used - 40000))
  // the next commands run the eviction check again, with the invalidations just sent in flight
  const evicted = Number(/evicted_keys:(\d+)/.exec(await c.info('stats'))![1])
  const keys = await c.dbsize()
  assert.ok(keys >= 200 && keys <= 300, `${keys} keys left (the keyspace drained), ${evicted} evicted`)
  assert.ok(evicted >= 10 && evicted <= 100, `${evicted} evicted`)
  await c.config('SET', 'maxmemory', '0')
  for (const s of trackers) s.destroy()
  c.disconnect()
}

// Local TLS clusters: `create --tls` with no addresses starts TLS-only nodes (plain port 0, tls-port,
// tls-cluster, tls-replication, client certificates required) with a CA and certificate generated in
// the state directory, or the user's own files; every `local` command and the admin commands work
// over TLS from the state file; bad TLS input is one error line with nothing started or left.
import {after, describe, test} from 'node:test'
import assert from 'node:assert/strict'
import {spawnSync} from 'node:child_process'
import {existsSync, mkdirSync, readFileSync, statSync} from 'node:fs'
import {join} from 'node:path'
import {Cluster, Redis} from 'ioredis'
import {isolatedCli, runCli} from '../helpers/cli.js'
import {makeCerts, redisSkip} from '../helpers/redis-server.js'
import {isAlive} from '../../src/local/launcher.js'
import {startLocalCluster} from '../../src/local/cluster.js'

const {root, env, cli, json, cleanup} = isolatedCli('redis-ts-local-tls-')

type Tls = {ca: string; cert: string; key: string}
type Node = {host: string; port: number; id: string; role: string; pid: number}

function tlsOf(files: Tls) {
  return {ca: readFileSync(files.ca), cert: readFileSync(files.cert), key: readFileSync(files.key)}
}

async function withTlsCluster(nodes: {host: string; port: number}[], files: Tls, fn: (c: Cluster) => Promise<void>): Promise<void> {
  const c = new Cluster(nodes, {redisOptions: {tls: tlsOf(files)}, clusterRetryStrategy: () => 100})
  try {
    await fn(c)
  } finally {
    c.disconnect()
  }
}

/** PING a node without TLS, or over TLS without a client certificate: the node must refuse. */
async function pingFails(port: number, tls?: {ca: Buffer}): Promise<boolean> {
  const r = new Redis({host: '127.0.0.1', port, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 2000, commandTimeout: 2000, ...(tls ? {tls} : {})})
  r.on('error', () => {})
  try {
    await r.connect()
    await r.ping()
    return false
  } catch {
    return true
  } finally {
    r.disconnect()
  }
}

function tlsFlags(files: Tls): string[] {
  return ['--tls', '--cacert', files.ca, '--cert', files.cert, '--key', files.key]
}

async function tlsLifecycle(dir: string, server: string): Promise<void> {
  const created = await json(['create', '--dir', dir, '--port', '0', '--replicas', '1', '--tls', '--yes', '--server', server])
  const nodes: Node[] = created.result.nodes
  const pids = nodes.map((n) => n.pid)
  assert.equal(nodes.length, 6)
  const files: Tls = created.result.tls
  assert.deepEqual({ca: files.ca, cert: files.cert, key: files.key}, {ca: join(dir, 'tls', 'ca.crt'), cert: join(dir, 'tls', 'redis.crt'), key: join(dir, 'tls', 'redis.key')})
  assert.equal(statSync(files.key).mode & 0o777, 0o600, 'the key is private')
  assert.equal(existsSync(join(dir, 'tls', 'ca.key')), false, 'the CA key is not kept')
  assert.deepEqual(JSON.parse(readFileSync(join(dir, 'cluster.json'), 'utf8')).tls, {...files, generated: true})
  assert.match(created.result.env.REDIS_CLUSTER_SEED, /^rediss:\/\/127\.0\.0\.1:\d+(,rediss:\/\/127\.0\.0\.1:\d+){5}$/)
  assert.equal(created.result.env.REDIS_CLUSTER_TLS_CA, files.ca)
  assert.equal(created.result.env.REDIS_CLUSTER_TLS_KEY, files.key)
  const conf = readFileSync(join(dir, String(nodes[0].port), 'redis.conf'), 'utf8')
  assert.match(conf, /^port 0$/m)
  assert.match(conf, new RegExp(`^tls-port ${nodes[0].port}$`, 'm'))
  assert.match(conf, /^tls-cluster yes$/m)
  assert.match(conf, /^tls-replication yes$/m)
  try {
    // TLS only: no plain listener on the port, and a client must present a certificate.
    assert.equal(await pingFails(nodes[0].port), true, 'a plain connection is refused')
    assert.equal(await pingFails(nodes[0].port, {ca: readFileSync(files.ca)}), true, 'a TLS client without a certificate is refused')
    await withTlsCluster(nodes, files, async (c) => {
      for (let i = 0; i < 60; i++) await c.set(`k${i}`, `v${i}`)
      for (let i = 0; i < 60; i += 5) assert.equal(await c.get(`k${i}`), `v${i}`)
    })

    const status = await json(['local', 'status', '--dir', dir])
    assert.equal(status.result.running, 6)
    assert.equal(status.result.healthy, true)
    assert.equal(status.result.tls.ca, files.ca)
    assert.equal(status.result.nodes.reduce((a: number, n: {role: string; keys: number}) => a + (n.role === 'master' ? n.keys : 0), 0), 60)
    const envOut = await cli(['local', 'status', '--dir', dir, '--env'])
    assert.equal(envOut.code, 0, envOut.stderr)
    assert.match(envOut.stdout, new RegExp(`^REDIS_CLUSTER_TLS_CERT=${files.cert}$`, 'm'))

    // The admin commands against the local TLS cluster, with the connection flags.
    const seed = `127.0.0.1:${nodes[0].port}`
    const check = await cli(['check', seed, ...tlsFlags(files)])
    assert.equal(check.code, 0, check.stdout + check.stderr)
    assert.match(check.stdout, /All 16384 slots covered/)
    const target = nodes.find((n) => n.role === 'master' && n.port !== nodes[0].port)!
    const moved = await json(['reshard', seed, '--from', 'all', '--to', target.id, '--slots', '120', '--yes', ...tlsFlags(files)])
    assert.equal(moved.ok, true)
    const plainCheck = await cli(['check', seed, '--connect-timeout', '1000'])
    assert.notEqual(plainCheck.code, 0, 'without --tls the admin commands cannot reach the nodes')

    // A master crashes: its replica takes over (bus over TLS); it comes back as a replica.
    const master = nodes.find((n) => n.role === 'master')!
    await json(['local', 'kill-node', String(master.port), '--dir', dir])
    assert.equal(isAlive(master.pid), false)
    // Its replica is elected over the TLS bus; restarting the (empty: SIGKILL saved nothing) master
    // before that would make it the master again, and its replica would sync the empty data set.
    let promoted = false
    for (const deadline = Date.now() + 30000; !promoted && Date.now() < deadline; ) {
      await new Promise((r) => setTimeout(r, 300))
      const s = await json(['local', 'status', '--dir', dir], 3)
      promoted = s.result.nodes.some((n: {port: number; role: string; slotCount: number}) => n.role === 'master' && n.slotCount > 0 && nodes.find((x) => x.port === n.port)?.role === 'replica')
    }
    assert.ok(promoted, 'a replica took over the killed master')
    const restarted = await json(['local', 'restart-node', String(master.port), '--dir', dir])
    assert.equal(restarted.ok, true)

    const stop = await json(['local', 'stop', '--dir', dir])
    assert.equal(stop.result.stopped, 6)
    const start = await json(['local', 'start', '--dir', dir])
    assert.equal(start.result.started, 6)
    assert.deepEqual(start.result.nodes.map((n: {port: number}) => n.port), nodes.map((n) => n.port))
    assert.deepEqual(start.result.nodes.map((n: {id: string}) => n.id), nodes.map((n) => n.id))
    pids.push(...start.result.nodes.map((n: {pid: number}) => n.pid))
    await withTlsCluster(nodes, files, async (c) => {
      for (let i = 0; i < 60; i += 3) assert.equal(await c.get(`k${i}`), `v${i}`, 'data back after stop + start, over TLS')
    })
    assert.equal(await pingFails(nodes[1].port), true, 'still TLS only after local start')

    const added = await json(['local', 'add-node', '--replica', '--dir', dir])
    assert.equal(added.result.role, 'replica')
    const grown = await json(['local', 'status', '--dir', dir])
    assert.equal(grown.result.total, 7)
    assert.equal(grown.result.healthy, true, JSON.stringify(grown.result.nodes))
    pids.push(added.result.pid, restarted.result.pid)
    const logs = await cli(['local', 'logs', String(nodes[0].port), '--dir', dir, '-n', '3'])
    assert.equal(logs.code, 0, logs.stderr)
    assert.ok(logs.stdout.trim().length > 0)
  } finally {
    const d = await cli(['local', 'destroy', '--dir', dir])
    assert.equal(d.code, 0, d.stderr)
  }
  assert.ok(pids.every((p) => !isAlive(p)), 'destroy leaves no process')
  assert.equal(existsSync(dir), false, 'destroy leaves no file')
}

describe('local TLS clusters', () => {
  after(cleanup)

  test('embedded: create --tls --replicas 1, TLS-only nodes, ioredis over TLS, status, check/reshard, kill/restart, stop/start, add-node, logs, destroy', {timeout: 180000}, async () => {
    await tlsLifecycle(join(root, 'emb'), 'embedded')
  })

  test('redis-server: the same lifecycle', {timeout: 180000, skip: redisSkip()}, async () => {
    await tlsLifecycle(join(root, 'real'), 'redis-server')
  })

  test('own --cacert/--cert/--key: the nodes use them, the connect hints name them, destroy leaves them', {timeout: 90000}, async () => {
    const certDir = join(root, 'own-certs')
    mkdirSync(certDir)
    const own = makeCerts(certDir)
    const dir = join(root, 'own')
    const r = await cli(['create', '--dir', dir, '--port', '0', '--persistence', 'none', '--yes', '--tls', '--cacert', own.ca, '--cert', own.cert, '--key', own.key])
    try {
      assert.equal(r.code, 0, r.stdout + r.stderr)
      const ports = [...r.stdout.matchAll(/redis-cli --tls --cacert (\S+) --cert (\S+) --key (\S+) -c -p (\d+)/g)]
      assert.equal(ports.length, 1, r.stdout)
      assert.deepEqual(ports[0].slice(1, 4), [own.ca, own.cert, own.key])
      assert.match(r.stdout, /seed list: rediss:\/\/127\.0\.0\.1:\d+,/)
      assert.match(r.stdout, /ioredis: +new Redis\.Cluster\(\[.*\], \{redisOptions: \{tls: \{ca: fs\.readFileSync\(/)
      const envOut = await cli(['local', 'status', '--dir', dir, '--env'])
      assert.equal(envOut.code, 0, envOut.stderr)
      assert.match(envOut.stdout, new RegExp(`^REDIS_CLUSTER_TLS_CA=${own.ca}$`, 'm'))
      assert.equal(existsSync(join(dir, 'tls')), false, 'nothing generated')
      const port = Number(ports[0][4])
      assert.match(readFileSync(join(dir, String(port), 'redis.conf'), 'utf8'), new RegExp(`^tls-cert-file ${own.cert}$`, 'm'))
      assert.equal(await pingFails(port), true)
      const status = await json(['local', 'status', '--dir', dir])
      assert.equal(status.result.healthy, true)
    } finally {
      const d = await cli(['local', 'destroy', '--dir', dir])
      assert.equal(d.code, 0, d.stderr)
    }
    assert.equal(existsSync(dir), false)
    assert.ok(existsSync(own.ca) && existsSync(own.cert) && existsSync(own.key), "the user's files stay")
  })

  test('own certificate naming no address (the Redis test-certs way): works, with a warning and the ioredis hint skipping the name check', {timeout: 90000}, async () => {
    const certDir = join(root, 'nosan')
    mkdirSync(certDir)
    const made = spawnSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '2', '-subj', '/CN=Generic-cert', '-keyout', join(certDir, 'k.pem'), '-out', join(certDir, 'c.pem')], {stdio: 'ignore'})
    assert.equal(made.status, 0)
    const files = {ca: join(certDir, 'c.pem'), cert: join(certDir, 'c.pem'), key: join(certDir, 'k.pem')}
    const dir = join(root, 'nosan-cluster')
    const r = await cli(['create', '--dir', dir, '--port', '0', '--persistence', 'none', '--yes', ...tlsFlags(files)])
    try {
      assert.equal(r.code, 0, r.stdout + r.stderr)
      assert.match(r.stdout + r.stderr, /does not name 127\.0\.0\.1/)
      assert.match(r.stdout, /key: fs\.readFileSync\(".*k\.pem"\), checkServerIdentity: \(\) => undefined\}/)
      assert.equal((await json(['local', 'status', '--dir', dir])).result.healthy, true)
    } finally {
      await cli(['local', 'destroy', '--dir', dir])
    }
    assert.equal(existsSync(dir), false)
  })

  test('bad TLS input: one error line, exit 2, nothing created', {timeout: 60000}, async () => {
    const dir = join(root, 'bad')
    const noOpenssl = join(root, 'empty-path')
    mkdirSync(noOpenssl)
    const cases: {args: string[]; env?: NodeJS.ProcessEnv; message: RegExp}[] = [
      {args: ['--tls', '--cert', join(root, 'x.crt')], message: /--tls with --cert also needs --cacert and --key/},
      {args: ['--tls', '--cacert', join(root, 'nope.crt'), '--cert', join(root, 'nope.crt'), '--key', join(root, 'nope.key')], message: /--cacert .*nope\.crt: cannot read it \(ENOENT\)/},
      {args: ['--tls', '--cacert', '/etc/hostname', '--cert', '/etc/hostname', '--key', '/etc/hostname'], message: /not a PEM certificate/},
      {args: ['--cacert', join(root, 'x.crt')], message: /--cacert needs --tls/},
      {args: ['--tls', '--sentinel'], message: /--sentinel does not support --tls/},
      {args: ['--tls'], env: {PATH: noOpenssl}, message: /--tls needs the openssl command/},
    ]
    for (const c of cases) {
      const r = await runCli(['create', '--dir', dir, '--port', '0', '--yes', ...c.args], {env: {...env, ...c.env}})
      assert.equal(r.code, 2, `${c.args.join(' ')}: ${r.stdout}${r.stderr}`)
      assert.match(r.stderr, c.message)
      assert.equal(r.stderr.split('\n').filter((l) => l.startsWith('Error:')).length, 1, r.stderr)
      assert.equal(r.stdout, '', `nothing reported as started: ${r.stdout}`)
      assert.equal(existsSync(dir), false, `${c.args.join(' ')}: no state directory left`)
    }
  })

  test('programmatic API: startLocalCluster({tls: true}) gives TLS options for ioredis; stop removes everything', {timeout: 90000}, async () => {
    const cluster = await startLocalCluster({masters: 3, tls: true, persistence: 'none'})
    const dir = cluster.dir
    try {
      assert.ok(cluster.tls?.generated)
      assert.ok(cluster.tlsOptions?.cert.length)
      const c = new Cluster(cluster.startupNodes, {redisOptions: {tls: cluster.tlsOptions}, clusterRetryStrategy: () => 100})
      try {
        await c.set('api', 'tls')
        assert.equal(await c.get('api'), 'tls')
      } finally {
        c.disconnect()
      }
      assert.equal(await pingFails(cluster.startupNodes[0].port), true)
    } finally {
      await cluster.stop()
    }
    assert.ok(cluster.nodes.every((n) => !isAlive(n.pid)))
    assert.equal(existsSync(dir), false)
  })
})

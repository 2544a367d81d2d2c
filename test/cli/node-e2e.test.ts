// End to end: `redis-ts node` processes (node bin/run.js node ...) managed by the real tools.
// Six embedded nodes -> `redis-ts create --replicas 1` -> redis-cli --cluster check, redis-cli -c,
// an ioredis Cluster, redis-benchmark --cluster, `redis-ts check`, reshard (MIGRATE), fix of an
// open slot, and failure detection after kill -9 of a master. Then a mixed cluster of 3 embedded
// + 3 redis-server nodes. Needs redis-server, redis-cli and redis-benchmark (skipped without them
// unless REDIS_TS_REQUIRE_REDIS=1, which makes it fail instead).
import {after, before, describe, test} from 'node:test'
import assert from 'node:assert/strict'
import {spawn, spawnSync, type ChildProcess} from 'node:child_process'
import {mkdirSync, mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {Cluster, Redis} from 'ioredis'
import {BIN, ROOT, runCli} from '../helpers/cli.js'
import {freePortPair} from '../helpers/ports.js'
import {RedisNodes, waitReady} from '../helpers/redis-server.js'

const NODE_TIMEOUT = 2000
const TOOLS = ['redis-server', 'redis-cli', 'redis-benchmark']
const missing = TOOLS.filter((t) => spawnSync(t, ['--version'], {stdio: 'ignore'}).status !== 0)
const skip = missing.length === 0 || process.env.REDIS_TS_REQUIRE_REDIS === '1' ? false : `${missing.join(', ')} not on PATH`

interface Proc {
  port: number
  address: string
  proc: ChildProcess
  kind: 'embedded' | 'redis-server'
}

/** `redis-ts node` processes on free ports in a temp dir, stopped by PID. */
class EmbeddedNodes {
  readonly root = mkdtempSync(join(tmpdir(), 'redis-ts-e2e-'))
  readonly nodes: Proc[] = []

  async start(count: number): Promise<Proc[]> {
    const dev = BIN.endsWith('dev.js') ? ['--require', 'tsx/preflight', '--import', 'tsx', '--no-warnings'] : []
    const started: Proc[] = []
    for (let i = 0; i < count; i++) {
      const {port, busPort} = await freePortPair()
      const dir = join(this.root, String(port))
      mkdirSync(dir)
      const args = ['--port', String(port), '--bind', '127.0.0.1', '--cluster-enabled', 'yes', '--cluster-port', String(busPort),
        '--cluster-config-file', 'nodes.conf', '--cluster-node-timeout', String(NODE_TIMEOUT), '--dir', dir,
        '--logfile', join(dir, 'node.log'), '--save', '', '--appendonly', 'no']
      const proc = spawn(process.execPath, [...dev, BIN, 'node', ...args], {cwd: ROOT, stdio: 'ignore'})
      const n: Proc = {port, address: `127.0.0.1:${port}`, proc, kind: 'embedded'}
      this.nodes.push(n)
      started.push(n)
    }
    await Promise.all(started.map((n) => waitReady(n.port, undefined, undefined, 20000)))
    return started
  }

  async stop(): Promise<void> {
    await Promise.all(this.nodes.map((n) => killWait(n.proc)))
    rmSync(this.root, {recursive: true, force: true})
  }
}

function killWait(proc: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (proc.exitCode !== null || proc.signalCode !== null) return resolve()
    proc.once('exit', () => resolve())
    proc.kill('SIGKILL')
  })
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))


async function call(port: number, ...args: string[]): Promise<string> {
  const c = new Redis({port, host: '127.0.0.1', maxRetriesPerRequest: 1})
  try {
    return String(await c.call(args[0], ...args.slice(1)))
  } finally {
    c.disconnect()
  }
}

async function waitAllOk(nodes: Proc[], timeoutMs = 20000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const infos = await Promise.all(nodes.filter((n) => n.proc.exitCode === null && n.proc.signalCode === null).map((n) => call(n.port, 'CLUSTER', 'INFO').catch(() => '')))
    if (infos.every((i) => i.includes('cluster_state:ok'))) return
    if (Date.now() > deadline) throw new Error(`cluster_state never ok on all nodes:\n${infos.join('\n')}`)
    await sleep(100)
  }
}

function tool(cmd: string, args: string[], timeoutMs = 60000): Promise<{code: number | null; out: string}> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {stdio: ['ignore', 'pipe', 'pipe']})
    let out = ''
    child.stdout.on('data', (d) => (out += d))
    child.stderr.on('data', (d) => (out += d))
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs)
    child.on('error', reject)
    child.on('close', (code) => {
      clearTimeout(timer)
      resolve({code, out})
    })
  })
}

interface NodeLine {
  id: string
  port: number
  flags: string[]
  master: boolean
  slots: number
  firstSlot: number
}

function parseNodes(text: string): NodeLine[] {
  return text.trim().split('\n').map((l) => {
    const f = l.trim().split(' ')
    let slots = 0
    let firstSlot = -1
    for (const r of f.slice(8)) {
      if (r.startsWith('[')) continue
      const [a, b] = r.split('-').map(Number)
      slots += (b ?? a) - a + 1
      if (firstSlot === -1) firstSlot = a
    }
    const flags = f[2].split(',')
    return {id: f[0], port: Number(f[1].split(':')[1].split('@')[0]), flags, master: flags.includes('master'), slots, firstSlot}
  })
}

function clusterClient(port: number): Cluster {
  return new Cluster([{host: '127.0.0.1', port}], {redisOptions: {maxRetriesPerRequest: 3}, slotsRefreshTimeout: 5000})
}

async function writeKeys(port: number, count: number, prefix: string): Promise<void> {
  const c = clusterClient(port)
  try {
    await Promise.all(Array.from({length: count}, (_, i) => c.set(`${prefix}:${i}`, `v${i}`)))
  } finally {
    c.disconnect()
  }
}

async function readKeys(port: number, count: number, prefix: string): Promise<void> {
  const c = clusterClient(port)
  try {
    const got = await Promise.all(Array.from({length: count}, (_, i) => c.get(`${prefix}:${i}`)))
    got.forEach((v, i) => assert.equal(v, `v${i}`, `${prefix}:${i}`))
  } finally {
    c.disconnect()
  }
}

describe('embedded nodes end to end (6 x redis-ts node)', {skip, timeout: 120000}, () => {
  const en = new EmbeddedNodes()
  let nodes: Proc[] = []
  let seed: Proc

  before(async () => {
    nodes = await en.start(6)
    seed = nodes[0]
    const r = await runCli(['create', ...nodes.map((n) => n.address), '--replicas', '1', '--yes'])
    assert.equal(r.code, 0, r.stdout + r.stderr)
    await waitAllOk(nodes)
  })
  after(() => en.stop())

  test('redis-cli --cluster check passes and redis-ts check exits 0', async () => {
    const r = await tool('redis-cli', ['--cluster', 'check', seed.address])
    assert.equal(r.code, 0, r.out)
    assert.match(r.out, /\[OK\] All 16384 slots covered/)
    const ts = await runCli(['check', seed.address])
    assert.equal(ts.code, 0, ts.stdout + ts.stderr)
  })

  test('redis-cli -c follows redirects across slots', async () => {
    // bar (slot 5061), c (7365), foo (12182): one key in each third of the slot space, so one
    // per master after create; asked at nodes that mostly do not own them.
    for (const [i, key] of ['bar', 'c', 'foo'].entries()) {
      const set = await tool('redis-cli', ['-c', '-p', String(nodes[i].port), 'set', key, `val-${key}`])
      assert.equal(set.out.trim(), 'OK', set.out)
      const get = await tool('redis-cli', ['-c', '-p', String(nodes[(i + 1) % 6].port), 'get', key])
      assert.equal(get.out.trim(), `val-${key}`, get.out)
      // Without -c only the owner answers; the five others redirect.
      const plain = await Promise.all(nodes.map((n) => tool('redis-cli', ['-p', String(n.port), 'get', key]).then((x) => x.out.trim())))
      assert.equal(plain.filter((o) => o === `val-${key}`).length, 1, plain.join('\n'))
      assert.equal(plain.filter((o) => o.startsWith('MOVED')).length, 5, plain.join('\n'))
    }
  })

  test('an ioredis Cluster writes and reads 1000 keys', async () => {
    await writeKeys(seed.port, 1000, 'e2e')
    await readKeys(nodes[3].port, 1000, 'e2e')
    const masters = parseNodes(await call(seed.port, 'CLUSTER', 'NODES')).filter((n) => n.master)
    const sizes = await Promise.all(masters.map((m) => call(m.port, 'DBSIZE').then(Number)))
    assert.ok(sizes.every((s) => s > 200), `keys spread over the masters: ${sizes}`)
  })

  test('redis-benchmark --cluster runs without errors', async () => {
    const r = await tool('redis-benchmark', ['--cluster', '-h', '127.0.0.1', '-p', String(seed.port), '-t', 'set,get', '-n', '20000', '-q'])
    assert.equal(r.code, 0, r.out)
    assert.doesNotMatch(r.out, /error|ERR|MOVED|CLUSTERDOWN/i)
    assert.match(r.out, /SET: [\d.]+ requests per second/)
    assert.match(r.out, /GET: [\d.]+ requests per second/)
  })

  test('reshard --from all --to <id> --slots 100 moves keys; all keys stay readable', async () => {
    const before = parseNodes(await call(seed.port, 'CLUSTER', 'NODES')).filter((n) => n.master)
    const target = before[0]
    const r = await runCli(['reshard', seed.address, '--from', 'all', '--to', target.id, '--slots', '100', '--yes'], {timeoutMs: 60000})
    assert.equal(r.code, 0, r.stdout + r.stderr)
    await waitAllOk(nodes)
    const after = parseNodes(await call(seed.port, 'CLUSTER', 'NODES'))
    assert.equal(after.find((n) => n.id === target.id)!.slots, target.slots + 100)
    await readKeys(seed.port, 1000, 'e2e')
    const check = await tool('redis-cli', ['--cluster', 'check', seed.address])
    assert.equal(check.code, 0, check.out)
  })

  test('fix repairs a slot left MIGRATING/IMPORTING', async () => {
    const masters = parseNodes(await call(seed.port, 'CLUSTER', 'NODES')).filter((n) => n.master)
    const [a, b] = masters
    const slot = a.firstSlot
    await call(b.port, 'CLUSTER', 'SETSLOT', String(slot), 'IMPORTING', a.id)
    await call(a.port, 'CLUSTER', 'SETSLOT', String(slot), 'MIGRATING', b.id)
    const bad = await runCli(['check', seed.address])
    assert.notEqual(bad.code, 0, 'check must report the open slot')
    const r = await runCli(['fix', seed.address, '--yes'], {timeoutMs: 60000})
    assert.equal(r.code, 0, r.stdout + r.stderr)
    const ok = await runCli(['check', seed.address])
    assert.equal(ok.code, 0, ok.stdout + ok.stderr)
    const cli = await tool('redis-cli', ['--cluster', 'check', seed.address])
    assert.equal(cli.code, 0, cli.out)
    await readKeys(seed.port, 1000, 'e2e')
  })

  test('kill -9 of a master is flagged fail by the others within node-timeout + a few seconds', async () => {
    const view = parseNodes(await call(seed.port, 'CLUSTER', 'NODES'))
    const victim = view.find((n) => n.master && n.port !== seed.port)!
    const proc = nodes.find((n) => n.port === victim.port)!
    const t0 = Date.now()
    await killWait(proc.proc)
    const others = nodes.filter((n) => n !== proc)
    for (;;) {
      const lines = await Promise.all(others.map((n) => call(n.port, 'CLUSTER', 'NODES').catch(() => '')))
      const flagged = lines.filter((t) => t && parseNodes(t).find((n) => n.id === victim.id)?.flags.includes('fail'))
      if (flagged.length === others.length) break
      assert.ok(Date.now() - t0 < NODE_TIMEOUT + 6000, `not flagged fail everywhere after ${Date.now() - t0} ms:\n${lines.join('\n')}`)
      await sleep(100)
    }
  })
})

describe('mixed cluster: 3 embedded + 3 redis-server nodes', {skip, timeout: 90000}, () => {
  const en = new EmbeddedNodes()
  const rn = new RedisNodes()
  let all: Proc[] = []

  before(async () => {
    const [emb, real] = await Promise.all([en.start(3), rn.start(3, {nodeTimeout: NODE_TIMEOUT})])
    const reals: Proc[] = real.map((n) => ({port: n.port, address: n.address, proc: n.proc, kind: 'redis-server'}))
    // Interleaved so the first three (the masters) are of both kinds.
    all = [emb[0], reals[0], emb[1], reals[1], emb[2], reals[2]]
  })
  after(async () => {
    await en.stop()
    await rn.stop()
  })

  test('create --replicas 1 reaches cluster_state:ok everywhere; both kinds serve keys', async () => {
    const r = await runCli(['create', ...all.map((n) => n.address), '--replicas', '1', '--yes'])
    assert.equal(r.code, 0, r.stdout + r.stderr)
    await waitAllOk(all)
    await writeKeys(all[0].port, 600, 'mixed')
    await readKeys(all[1].port, 600, 'mixed')
    const masters = parseNodes(await call(all[0].port, 'CLUSTER', 'NODES')).filter((n) => n.master && n.slots > 0)
    const held = {embedded: 0, 'redis-server': 0}
    for (const m of masters) held[all.find((n) => n.port === m.port)!.kind] += Number(await call(m.port, 'DBSIZE'))
    assert.ok(held.embedded > 0 && held['redis-server'] > 0, `keys per kind: ${JSON.stringify(held)}`)
    assert.equal(held.embedded + held['redis-server'], 600)
  })
})

// Several embedded nodes in one host process (src/node/host.ts, `create --single-process`): each
// node's stub process stands for it — a signal to the stub acts on that node alone, a node that ends
// ends its stub with the status its own process would have had, the host ends with its last node;
// DEBUG SLEEP and SIGTSTP stop one node only.
import {after, describe, test} from 'node:test'
import assert from 'node:assert/strict'
import {existsSync, mkdtempSync, readFileSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {Redis} from 'ioredis'
import {NodeHost} from '../../src/local/host.js'
import {isAlive, writeConfigFile} from '../../src/local/launcher.js'
import {spawnHostProcess} from '../../src/local/warm.js'
import {freePortPair} from '../helpers/ports.js'
import {waitFor} from '../helpers/repl.js'

const root = mkdtempSync(join(tmpdir(), 'redis-ts-host-'))

interface Hosted {
  port: number
  dir: string
  pid: number
  client: Redis
}

/** `n` standalone nodes (DEBUG allowed) in one host; the host's pid too. */
async function hostNodes(n: number, name: string): Promise<{host: NodeHost; nodes: Hosted[]}> {
  const host = new NodeHost(spawnHostProcess(false))
  const nodes: Hosted[] = []
  for (let i = 0; i < n; i++) {
    const {port} = await freePortPair()
    const dir = join(root, `${name}-${port}`)
    const conf = writeConfigFile(dir, 'redis.conf', 'test', [
      ['port', String(port)],
      ['bind', '127.0.0.1'],
      ['dir', dir],
      ['logfile', join(dir, 'node.log')],
      ['pidfile', join(dir, 'node.pid')],
      ['enable-debug-command', 'yes'],
    ])
    const pid = await host.start(conf, dir)
    nodes.push({port, dir, pid, client: new Redis({port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null})})
  }
  for (const x of nodes) await waitFor(async () => (await x.client.ping().catch(() => '')) === 'PONG', 10000, `node ${x.port} answers`)
  return {host, nodes}
}

/** The stub's exit status, read from the host's side: the stub is gone, its node stops answering. */
async function gone(x: Hosted): Promise<void> {
  await waitFor(() => !isAlive(x.pid), 10000, `stub ${x.pid} exits`)
  await waitFor(async () => (await x.client.ping().catch(() => 'down')) === 'down', 10000, `node ${x.port} stops answering`)
}

function parentOf(pid: number): number {
  return Number(readFileSync(`/proc/${pid}/stat`, 'latin1').split(') ')[1].split(' ')[1])
}

describe('embedded nodes in one host process', () => {
  after(() => rmSync(root, {recursive: true, force: true}))

  test('a signal to a stub acts on its node only; the host ends with its last node', {timeout: 60000}, async () => {
    const {nodes} = await hostNodes(4, 'sig')
    const [killed, termed, segv, shut] = nodes
    const hostPid = parentOf(killed.pid)
    assert.ok(nodes.every((x) => parentOf(x.pid) === hostPid), 'one host for the four nodes')
    assert.equal(readFileSync(join(killed.dir, 'node.pid'), 'utf8').trim(), String(killed.pid), 'the pidfile holds the stub pid')
    for (const x of nodes) await x.client.set('k', `v${x.port}`)

    // SIGKILL: a crash — nothing saved, the others untouched
    process.kill(killed.pid, 'SIGKILL')
    await gone(killed)
    assert.equal(existsSync(join(killed.dir, 'dump.rdb')), false, 'a killed node saves nothing')
    for (const x of [termed, segv, shut]) assert.equal(await x.client.get('k'), `v${x.port}`)

    // SIGTERM: a clean shutdown — the final save, the pidfile removed
    process.kill(termed.pid, 'SIGTERM')
    await gone(termed)
    assert.ok(existsSync(join(termed.dir, 'dump.rdb')), 'SIGTERM saves')
    assert.equal(existsSync(join(termed.dir, 'node.pid')), false)
    assert.match(readFileSync(join(termed.dir, 'node.log'), 'utf8'), /Received SIGTERM scheduling shutdown/)

    // DEBUG SEGFAULT: the crash report, then that node's death only
    await assert.rejects(segv.client.debug('segfault'))
    await gone(segv)
    assert.match(readFileSync(join(segv.dir, 'node.log'), 'utf8'), /crashed by signal: 11/)
    assert.equal(await shut.client.get('k'), `v${shut.port}`)
    assert.ok(isAlive(hostPid), 'the host runs while it has a node')

    // SHUTDOWN from a client: the last node; then the host exits
    await shut.client.shutdown('NOSAVE').catch(() => {})
    await gone(shut)
    await waitFor(() => !isAlive(hostPid), 10000, 'the host exits after its last node')
    for (const x of nodes) x.client.disconnect()
  })

  test('DEBUG SLEEP, SIGTSTP and SIGSTOP stop one node, the others go on; it answers again after (SIGCONT)', {timeout: 60000}, async () => {
    const {host, nodes} = await hostNodes(2, 'freeze')
    const [a, b] = nodes
    const other = new Redis({port: a.port, host: '127.0.0.1', lazyConnect: true})
    try {
      await a.client.set('k', 'v')
      const t0 = Date.now()
      const slept = a.client.debug('sleep', '1.5')
      await new Promise((r) => setTimeout(r, 100))
      // the other node of the host answers at once; the sleeping one only once it wakes
      const pong = b.client.ping().then(() => Date.now() - t0)
      const late = other.get('k').then((v) => ({v, ms: Date.now() - t0}))
      assert.ok((await pong) < 1000, 'the other node is not stalled')
      assert.equal(await slept, 'OK')
      const got = await late
      assert.equal(got.v, 'v')
      assert.ok(got.ms >= 1400, `the sleeping node answered after ${got.ms} ms`)

      // SIGTSTP (trapped by the stub) and SIGSTOP (stops the stub, which its host sees): the node
      // stops too, the other one goes on, until SIGCONT
      for (const sig of ['SIGTSTP', 'SIGSTOP'] as const) {
        process.kill(a.pid, sig)
        await new Promise((r) => setTimeout(r, 300))
        const stopped = other.ping().then(() => Date.now())
        await new Promise((r) => setTimeout(r, 500))
        assert.equal(await b.client.ping(), 'PONG')
        const contAt = Date.now()
        process.kill(a.pid, 'SIGCONT')
        assert.ok((await stopped) >= contAt, `a node stopped by ${sig} answers only after SIGCONT`)
        assert.ok(isAlive(a.pid))
      }

      // the pid that stands for the node is the one INFO and the log give
      assert.match(await other.info('server'), new RegExp(`process_id:${a.pid}\r\n`))
      assert.match(readFileSync(join(a.dir, 'node.log'), 'utf8'), new RegExp(`^${a.pid}:M `, 'm'))
    } finally {
      other.disconnect()
      for (const x of nodes) x.client.disconnect()
      host.close()
    }
  })

  test('an attached host crashes its nodes when its stdin closes (its parent is gone)', {timeout: 60000}, async () => {
    const {host, nodes} = await hostNodes(2, 'att')
    const hostPid = parentOf(nodes[0].pid)
    host.close()
    for (const x of nodes) await gone(x)
    await waitFor(() => !isAlive(hostPid), 10000, 'the host exits')
    for (const x of nodes) {
      assert.equal(existsSync(join(x.dir, 'dump.rdb')), false, 'a crash, not a shutdown')
      x.client.disconnect()
    }
  })
})

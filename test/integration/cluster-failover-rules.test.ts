// The rules that decide whether and which replica takes over (issue 8; reliability.md §7.1 rows 4, 5
// and 8), on one embedded cluster of node processes (cluster-node-timeout 2000, DEBUG enabled so the
// bus drop switch is reachable): a master cut off in a minority partition (DEBUG CLUSTER-DROP-PEERS)
// stops taking writes, its replica takes over and it returns as a replica; of two replicas the more
// up-to-date one wins; cluster-allow-replica-migration no keeps a spare replica home;
// cluster-replica-no-failover and cluster-replica-validity-factor keep the cluster down. The cases
// share 3 masters and 4 replicas; each starts by restoring what it needs (baseline()), so a case that
// fails half-way (a node killed or stopped, a switch left on) does not fail the ones after it.
import {after, before, describe, test} from 'node:test'
import type {TestContext} from 'node:test'
import assert from 'node:assert/strict'
import {spawn} from 'node:child_process'
import {mkdirSync, mkdtempSync, readFileSync, rmSync, statSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {embeddedCommand, isAlive, nodeArgs} from '../../src/local/launcher.js'
import {parseClusterNodes} from '../../src/admin/topology/parse.js'
import type {NodeEntry} from '../../src/admin/topology/types.js'
import {freePortPair} from '../helpers/ports.js'
import {embedded} from '../helpers/repl.js'
import {Redis} from 'ioredis'
import {runCli} from '../helpers/cli.js'
import {Conns, keysInSlots, parseInfoText, sleep, waitUntil} from '../helpers/failover.js'

const NT = 2000

interface Proc {
  port: number
  busPort: number
  dir: string
  pid: number
  id: string
  alive: boolean
}

const root = mkdtempSync(join(tmpdir(), 'redis-ts-fo-rules-'))
const conns = new Conns(3000)
const procs: Proc[] = []

function launch(p: Omit<Proc, 'pid' | 'alive' | 'id'> & Partial<Proc>): Proc {
  mkdirSync(p.dir, {recursive: true})
  const {cmd, args} = embeddedCommand()
  const spec = {port: p.port, busPort: p.busPort, dir: p.dir, nodeTimeoutMs: NT, server: 'embedded', detached: false}
  const child = spawn(cmd, [...args, ...nodeArgs(spec), '--enable-debug-command', 'yes'], {stdio: 'ignore', cwd: p.dir})
  if (child.pid === undefined) throw new Error('could not start a node')
  conns.drop(p.port)
  return Object.assign(p, {pid: child.pid, alive: true, id: p.id ?? ''}) as Proc
}

async function up(p: Proc): Promise<void> {
  await waitUntil(async () => (await conns.get(p.port).ping()) === 'PONG', 20000, `node ${p.port} answers PING`)
  p.id = String(await call(p, 'CLUSTER', 'MYID'))
}

function call(p: Proc, ...args: string[]): Promise<unknown> {
  return conns.get(p.port).call(args[0], ...args.slice(1))
}

async function kill(p: Proc): Promise<void> {
  process.kill(p.pid, 'SIGKILL')
  p.alive = false
  conns.drop(p.port)
  while (isAlive(p.pid)) await sleep(5)
}

async function restart(p: Proc): Promise<void> {
  launch(p)
  await up(p)
}

const live = () => procs.filter((p) => p.alive)
const byId = (id: string) => procs.find((p) => p.id === id)!
const view = async (p: Proc): Promise<NodeEntry[]> => parseClusterNodes(String(await call(p, 'CLUSTER', 'NODES')))
const state = async (p: Proc) => parseInfoText(String(await call(p, 'CLUSTER', 'INFO'))).cluster_state
const repl = async (p: Proc) => parseInfoText(String(await call(p, 'INFO', 'replication')))
const myself = async (p: Proc) => (await view(p)).find((e) => e.myself)!
/** Bytes appended to a node's log since `from` (its size before the event). */
const logSince = (p: Proc, from: number) => readFileSync(join(p.dir, 'node.log'), 'latin1').slice(from)
const logSize = (p: Proc) => statSync(join(p.dir, 'node.log')).size

/** The slot-owning masters and their replicas, as `from` sees them. */
async function shards(from: Proc = live()[0]): Promise<{master: Proc; slots: [number, number][]; replicas: Proc[]}[]> {
  const v = await view(from)
  return v
    .filter((e) => e.role === 'master' && e.slots.length > 0)
    .map((m) => ({master: byId(m.id), slots: m.slots, replicas: v.filter((e) => e.masterId === m.id).map((e) => byId(e.id))}))
}

/** Every live node ok and flag-free in every view, every live replica linked and caught up. */
async function waitHealthy(timeoutMs = 40000): Promise<void> {
  await waitUntil(async () => {
    for (const p of live()) {
      if ((await state(p)) !== 'ok') return false
      const v = await view(p)
      if (v.some((e) => byId(e.id)?.alive && e.flags.some((f) => f.startsWith('fail') || f === 'handshake'))) return false
    }
    for (const s of await shards()) {
      const offset = (await repl(s.master)).master_repl_offset
      for (const r of s.replicas.filter((x) => x.alive)) {
        const ri = await repl(r)
        if (ri.master_link_status !== 'up' || ri.slave_repl_offset !== offset) return false
      }
    }
    return true
  }, timeoutMs, 'cluster healthy: all ok, no fail flags, replicas caught up', 50)
}

/** Until `node` is a replica of `master` in its own view and its link is up. */
async function waitReplicaOf(node: Proc, master: Proc, timeoutMs = 30000): Promise<void> {
  await waitUntil(async () => {
    const me = await myself(node)
    return me.role === 'replica' && me.masterId === master.id && (await repl(node)).master_link_status === 'up'
  }, timeoutMs, `${node.port} a replica of ${master.port}`, 50)
}

/** Until every live node flags `dead` fail and reports cluster_state:fail. */
async function waitFailedAndDown(dead: Proc): Promise<void> {
  await waitUntil(async () => {
    for (const p of live()) {
      const e = (await view(p)).find((x) => x.id === dead.id)
      if (!e?.flags.includes('fail') || (await state(p)) !== 'fail') return false
    }
    return true
  }, 20000, `every survivor flags ${dead.port} fail and reports cluster_state:fail`, 50)
}

/** The settings cases change, with their values at start (restored by baseline()). */
const SETTINGS = ['cluster-allow-replica-migration', 'cluster-replica-no-failover', 'cluster-replica-validity-factor', 'repl-ping-replica-period']
const initial = new Map<string, string>()

/**
 * What every case starts from, whatever the one before left (it may have failed half-way): all seven
 * nodes running (killed ones restarted in place, stopped ones resumed), no drop switch, packet filter
 * or client pause, the settings as at start, every slot-owning master with a replica (the spare of
 * four replicas on one of them), and the cluster healthy.
 */
async function baseline(): Promise<void> {
  for (const p of procs) {
    if (!p.alive || !isAlive(p.pid)) launch(p)
    else process.kill(p.pid, 'SIGCONT')
  }
  for (const p of procs) {
    await up(p)
    assert.equal(await call(p, 'DEBUG', 'CLUSTER-DROP-PEERS'), 'OK')
    assert.equal(await call(p, 'DEBUG', 'DROP-CLUSTER-PACKET-FILTER', '-1'), 'OK')
    assert.equal(await call(p, 'CLIENT', 'UNPAUSE'), 'OK')
    for (const [k, v] of initial) assert.equal(await call(p, 'CONFIG', 'SET', k, v), 'OK')
  }
  await waitHealthy()
  // A failed case may leave a master without replicas (or a slot-less master): re-home a spare.
  // Each move places one node for good: seven moves without the shape means something else is wrong.
  for (let moves = 0; ; moves++) {
    const s = (await shards()).sort((a, b) => a.replicas.length - b.replicas.length)
    const placed = new Set(s.flatMap((x) => [x.master, ...x.replicas]))
    const idle = procs.filter((p) => !placed.has(p))
    if (idle.length === 0 && s[0].replicas.length > 0) break
    assert.ok(moves < procs.length, `baseline: no master left without a replica after ${moves} moves`)
    const mover = idle[0] ?? s[s.length - 1].replicas[0]
    assert.equal(await call(mover, 'CLUSTER', 'REPLICATE', s[0].master.id), 'OK')
    await waitReplicaOf(mover, s[0].master)
    // The next look reads live()[0]'s view: until it shows the move, it would count the same gap
    // again (right after a failover, seven moves went by in 181 ms on a stale view).
    await waitUntil(async () => (await view(live()[0])).find((e) => e.id === mover.id)?.masterId === s[0].master.id, 30000, `${live()[0].port} sees ${mover.port} replicate ${s[0].master.port}`, 50)
    await waitHealthy()
  }
}

/** A case of the shared cluster, started from baseline(). */
function rule(name: string, timeout: number, fn: (t: TestContext) => Promise<void>): void {
  test(name, {timeout}, async (t) => {
    await baseline()
    await fn(t)
  })
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec']
const LOG_LINE = /^\d+:\w (\d\d) (\w{3}) (\d{4}) (\d\d):(\d\d):(\d\d)\.(\d{3}) . (?:Start of election delayed for (\d+) milliseconds|Replica rank updated to #\d+, added (\d+) milliseconds)/gm

/**
 * Until the retry window of the last election attempt `p` logged is over. A replica starts a new
 * attempt, and logs its rank, only once 2 x max(2 s, 2 x node timeout) have passed since the time its
 * previous attempt was set for (the logged delay, plus any delay a rank update added), as Redis's
 * clusterHandleSlaveFailover (auth_retry_time).
 */
async function waitRetryWindowOver(p: Proc): Promise<void> {
  let authTime = 0
  for (const m of readFileSync(join(p.dir, 'node.log'), 'latin1').matchAll(LOG_LINE)) {
    if (m[8] !== undefined) {
      const at = new Date(Number(m[3]), MONTHS.indexOf(m[2]), Number(m[1]), Number(m[4]), Number(m[5]), Number(m[6]), Number(m[7])).getTime()
      authTime = at + Number(m[8])
    } else authTime += Number(m[9])
  }
  const left = authTime + 2 * Math.max(2000, 2 * NT) + 250 - Date.now()
  if (authTime > 0 && left > 0) await sleep(left)
}

before(async () => {
  for (let i = 0; i < 7; i++) {
    const {port, busPort} = await freePortPair()
    procs.push(launch({port, busPort, dir: join(root, String(port))}))
  }
  for (const p of procs) await up(p)
  for (const k of SETTINGS) initial.set(k, ((await call(procs[0], 'CONFIG', 'GET', k)) as string[])[1])
  const r = await runCli(['create', ...procs.map((p) => `127.0.0.1:${p.port}`), '--replicas', '1', '--yes'], {timeoutMs: 90000})
  assert.equal(r.code, 0, r.stderr)
  await waitHealthy(60000)
})

after(async () => {
  conns.close()
  for (const p of procs) {
    if (!isAlive(p.pid)) continue
    try {
      process.kill(p.pid, 'SIGCONT')
      process.kill(p.pid, 'SIGKILL')
    } catch {
      // gone already
    }
  }
  while (procs.some((p) => isAlive(p.pid))) await sleep(10)
  if (!process.env.KEEP_FO_RULES) rmSync(root, {recursive: true, force: true})
})

describe('failover rules in an embedded cluster (3 masters, 4 replicas)', {timeout: 1200000}, () => {
  rule('DEBUG DROP-CLUSTER-PACKET-FILTER: packets of that type are counted, then ignored; -1 lets them through', 150000, async () => {
    const x = (await shards()).find((s) => s.replicas.length === 1)!.replicas[0]
    const help = ((await call(x, 'DEBUG', 'HELP')) as string[]).join('\n')
    assert.match(help, /DROP-CLUSTER-PACKET-FILTER <packet-type>/)
    // DEBUG HELP is redis 7.0.15's text: the node's own switch is not listed there
    assert.doesNotMatch(help, /CLUSTER-DROP-PEERS/)
    await assert.rejects(call(x, 'DEBUG', 'DROP-CLUSTER-PACKET-FILTER', 'pong'), /value is not an integer or out of range/)
    await assert.rejects(call(x, 'DEBUG', 'CLUSTER-DROP-PEERS', 'f'.repeat(40)), /Unknown node f{40}/)
    // Type 4 = PUBLISH: a message published elsewhere is counted as received by the filtering node but
    // never reaches its subscribers; -1 lets the next one through.
    const other = live().find((p) => p !== x)!
    const received = async () => Number(parseInfoText(String(await call(x, 'CLUSTER', 'INFO'))).cluster_stats_messages_publish_received ?? 0)
    const sub = new Redis({host: '127.0.0.1', port: x.port, maxRetriesPerRequest: 1})
    const got: string[] = []
    try {
      await sub.subscribe('drop-filter')
      sub.on('message', (_ch, m) => got.push(m))
      assert.equal(await call(x, 'DEBUG', 'DROP-CLUSTER-PACKET-FILTER', '4'), 'OK')
      const before = await received()
      await call(other, 'PUBLISH', 'drop-filter', 'dropped')
      await waitUntil(async () => (await received()) > before, 5000, 'the PUBLISH packet counted as received')
      await sleep(300)
      assert.deepEqual(got, [], 'a filtered PUBLISH was delivered')
      assert.equal(await call(x, 'DEBUG', 'DROP-CLUSTER-PACKET-FILTER', '-1'), 'OK')
      await call(other, 'PUBLISH', 'drop-filter', 'delivered')
      await waitUntil(async () => got.length > 0, 5000, 'PUBLISH delivered once the filter is off')
      assert.deepEqual(got, ['delivered'])
    } finally {
      sub.disconnect()
    }
    await waitHealthy()
  })

  rule('a master cut off in a minority stops taking writes, its replica takes over, it returns as a replica', 150000, async (t) => {
    const shard = (await shards()).find((s) => s.replicas.length === 2)!
    assert.ok(shard, 'create gave one master two replicas')
    const victim = shard.master
    const others = live().filter((p) => p !== victim)
    const key = keysInSlots(shard.slots, 1, 'minority')[0]
    assert.equal(await call(victim, 'SET', key, '0'), 'OK')

    // Isolation: the victim drops everything to and from every peer, and every peer drops it.
    assert.equal(await call(victim, 'DEBUG', 'CLUSTER-DROP-PEERS', ...others.map((p) => p.id)), 'OK')
    const t0 = Date.now()
    await Promise.all(others.map((p) => call(p, 'DEBUG', 'CLUSTER-DROP-PEERS', victim.id)))

    let downAt = 0
    let acked = 0
    for (let i = 1; downAt === 0; i++) {
      assert.ok(Date.now() - t0 < 3 * NT, `the isolated master still took writes ${Date.now() - t0} ms after isolation`)
      try {
        await call(victim, 'SET', key, String(i))
        acked++
      } catch (err) {
        assert.match((err as Error).message, /^CLUSTERDOWN/)
        downAt = Date.now()
      }
      await sleep(10)
    }
    // The victim lost the majority once its pings to the other masters stopped being answered: the
    // later of the two pending pings (CLUSTER NODES ping_sent, ms). Redis flags PFAIL node_timeout after
    // a ping goes unanswered, and that ping leaves at most node_timeout/2 after the last PONG.
    const pending = (await view(victim)).filter((e) => e.role === 'master' && e.slots.length > 0 && !e.myself)
    assert.equal(pending.length, 2)
    for (const e of pending) assert.ok(e.pingSent > 0 && e.pingSent >= t0 - NT / 2, `ping to ${e.port} pending since ${e.pingSent}`)
    const lostMajorityAt = Math.max(...pending.map((e) => e.pingSent))
    assert.ok(downAt - lostMajorityAt <= NT + 500, `CLUSTERDOWN ${downAt - lostMajorityAt} ms after losing the majority`)
    assert.ok(downAt - t0 <= 1.5 * NT + 500, `CLUSTERDOWN ${downAt - t0} ms after the isolation`)
    assert.ok(acked > 0, 'writes were accepted before the node timeout')
    t.diagnostic(`CLUSTERDOWN ${downAt - t0} ms after isolation, ${downAt - lostMajorityAt} ms after losing the majority; ${acked} writes acknowledged before`)

    // The majority promotes one of the victim's replicas; the victim takes no write meanwhile.
    let winner: Proc | undefined
    let lateAcks = 0
    await waitUntil(async () => {
      try {
        await call(victim, 'SET', key, 'late')
        lateAcks++
      } catch (err) {
        assert.match((err as Error).message, /^CLUSTERDOWN/)
      }
      for (const r of shard.replicas) if ((await myself(r)).role === 'master') winner = r
      if (!winner) return false
      for (const p of others) if ((await state(p)) !== 'ok') return false
      return true
    }, 20000, 'a replica of the isolated master promoted and the majority ok', 50)
    assert.equal(lateAcks, 0, 'the isolated master acknowledged writes after CLUSTERDOWN')
    assert.equal(await state(victim), 'fail')

    // Heal: the old master learns the new configuration and follows the winner.
    for (const p of live()) assert.equal(await call(p, 'DEBUG', 'CLUSTER-DROP-PEERS'), 'OK')
    await waitReplicaOf(victim, winner!)
    await waitHealthy()
    assert.notEqual(await conns.get(winner!.port).get(key), 'late')
  })

  rule('of two replicas with different offsets, the more up-to-date one wins the election', 150000, async () => {
    const shard = (await shards()).find((s) => s.replicas.length === 2)!
    assert.ok(shard, 'one master has two replicas')
    const master = shard.master
    const [fast, slow] = shard.replicas
    // Either replica may have tried to take over in the previous case; each must be free to start a
    // new attempt now, so that both rank themselves against the other's offset.
    for (const r of shard.replicas) await waitRetryWindowOver(r)
    const logFrom = new Map(live().map((p) => [p, logSize(p)]))
    // The slow replica stops reading its stream while 32 MB go through (far more than socket buffers hold).
    process.kill(slow.pid, 'SIGSTOP')
    const filler = 'x'.repeat(512 * 1024)
    const keys = keysInSlots(shard.slots, 64, 'rank')
    // 2 MB at a time, each caught up by the fast replica before the next: one 32 MB burst keeps a
    // node of a loaded machine (redis-server as well) from answering bus pings for longer than the
    // node timeout, and the master itself gets failed over. Its own connection, without the 3 s
    // command timeout of the probes.
    const bulk = new Conns(60000)
    try {
      for (let i = 0; i < keys.length; i += 4) {
        const p = bulk.get(master.port).pipeline()
        for (const k of keys.slice(i, i + 4)) p.set(k, filler)
        await p.exec()
        const offset = Number(parseInfoText(String(await bulk.get(master.port).info('replication'))).master_repl_offset)
        await waitUntil(async () => Number((await repl(fast)).slave_repl_offset) >= offset, 20000, 'the fast replica caught up')
      }
    } finally {
      bulk.close()
    }
    assert.equal((await myself(master)).role, 'master', 'the master lost its slots while the load went in')
    await kill(master)
    process.kill(slow.pid, 'SIGCONT')

    await waitUntil(async () => (await myself(fast)).role === 'master', 20000, 'the up-to-date replica promoted', 50)
    await waitReplicaOf(slow, fast)
    assert.equal((await myself(slow)).role, 'replica')
    assert.match(logSince(fast, logFrom.get(fast)!), /Start of election delayed for \d+ milliseconds \(rank #0, offset \d+\)/)
    // The lagging replica saw the other's offset in its bus headers and ranked itself behind it (out
    // of the retry window of any earlier attempt, it schedules one as soon as it sees the master FAIL).
    const slowLog = logSince(slow, logFrom.get(slow)!)
    assert.doesNotMatch(slowLog, /Failover election won/)
    const attempt = /Start of election delayed for \d+ milliseconds \(rank #(\d+)/.exec(slowLog)
    assert.ok(attempt, 'the lagging replica scheduled no election')
    assert.ok(attempt[1] === '1' || /Replica rank updated to #1/.test(slowLog), `the lagging replica ranked itself #${attempt[1]}`)
    assert.equal(await conns.get(fast.port).strlen(keys[keys.length - 1]), filler.length)

    await restart(master)
    await waitReplicaOf(master, fast)
    await waitHealthy()
  })

  rule('cluster-allow-replica-migration no keeps the spare home; yes lets it move to the orphaned master', 150000, async () => {
    const all = await shards()
    const rich = all.find((s) => s.replicas.length === 2)!
    const poor = all.find((s) => s.replicas.length === 1)!
    for (const p of live()) assert.equal(await call(p, 'CONFIG', 'SET', 'cluster-allow-replica-migration', 'no'), 'OK')
    const lost = poor.replicas[0]
    await kill(lost)
    await waitUntil(async () => {
      for (const p of live()) if (!(await view(p)).find((e) => e.id === lost.id)?.flags.includes('fail')) return false
      return true
    }, 20000, 'the orphan-making replica flagged fail everywhere', 50)
    // Redis migrates a spare after the master has been orphaned for 5 s; give it well over that.
    await sleep(8000)
    const stillHome = await shards()
    assert.equal(stillHome.find((s) => s.master === rich.master)!.replicas.length, 2, 'a spare left although migration is off')
    assert.deepEqual(stillHome.find((s) => s.master === poor.master)!.replicas.map((r) => r.id), [lost.id])

    for (const p of live()) assert.equal(await call(p, 'CONFIG', 'SET', 'cluster-allow-replica-migration', 'yes'), 'OK')
    await waitUntil(async () => (await shards()).find((s) => s.master === poor.master)!.replicas.some((r) => r.alive), 30000, 'a spare migrated once allowed', 100)
    assert.equal((await shards()).find((s) => s.master === rich.master)!.replicas.length, 1)

    await restart(lost)
    await waitReplicaOf(lost, poor.master)
    await waitHealthy()
  })

  rule('cluster-replica-no-failover yes: the only replica never takes over by itself; CLUSTER FAILOVER FORCE still works', 150000, async () => {
    const shard = (await shards()).find((s) => s.replicas.length === 1)!
    const [replica] = shard.replicas
    assert.equal(await call(replica, 'CONFIG', 'SET', 'cluster-replica-no-failover', 'yes'), 'OK')
    await waitUntil(async () => (await view(shard.master)).find((e) => e.id === replica.id)!.flags.includes('nofailover'), 10000, 'nofailover flag gossiped')
    const from = logSize(replica)
    await kill(shard.master)
    await waitFailedAndDown(shard.master)
    // An election would have been won ~1 s after FAIL; stay down for four node timeouts.
    await sleep(4 * NT)
    assert.equal((await myself(replica)).role, 'replica')
    for (const p of live()) assert.equal(await state(p), 'fail')
    assert.doesNotMatch(logSince(replica, from), /Starting a failover election/)

    // Redis lets a manual failover through cluster-replica-no-failover (clusterHandleSlaveFailover).
    assert.equal(await call(replica, 'CLUSTER', 'FAILOVER', 'FORCE'), 'OK')
    await waitUntil(async () => (await myself(replica)).role === 'master', 15000, 'promoted by CLUSTER FAILOVER FORCE', 50)
    assert.equal(await call(replica, 'CONFIG', 'SET', 'cluster-replica-no-failover', 'no'), 'OK')
    await restart(shard.master)
    await waitReplicaOf(shard.master, replica)
    await waitHealthy()
  })

  rule('cluster-replica-validity-factor: a replica disconnected too long stays a replica; factor 0 lets it take over', 150000, async () => {
    const shard = (await shards()).find((s) => s.replicas.length === 1 && s.replicas[0].alive)!
    const master = shard.master
    const [replica] = shard.replicas
    // Allowed data age: node_timeout × 1 + repl-ping-replica-period 1 s = 3 s (plus node_timeout for detection).
    assert.equal(await call(replica, 'CONFIG', 'SET', 'cluster-replica-validity-factor', '1'), 'OK')
    assert.equal(await call(replica, 'CONFIG', 'SET', 'repl-ping-replica-period', '1'), 'OK')
    // As Redis's 06-slave-stop-cond: the master holds every client (a reconnecting replica included),
    // then the replica's link is cut and cannot come back.
    assert.equal(await call(master, 'CLIENT', 'PAUSE', '60000', 'ALL'), 'OK')
    await call(replica, 'CLIENT', 'KILL', 'TYPE', 'master')
    await waitUntil(async () => (await repl(replica)).master_link_status === 'down', 5000, 'replica link down')
    await sleep(4000)
    const from = logSize(replica)
    await kill(master)
    await waitFailedAndDown(master)
    // Redis logs why a replica cannot fail over once its master has been FAIL for node_timeout + 5 s
    // (clusterLogCantFailover); by then an election would long have been won.
    const failAt = Date.now()
    await waitUntil(async () => /Disconnected from master for longer than allowed/.test(logSince(replica, from)), 15000, 'the replica logs that its data is too old', 100)
    assert.ok(Date.now() - failAt >= NT + 4000, 'reason logged early')
    assert.equal((await myself(replica)).role, 'replica')
    for (const p of live()) assert.equal(await state(p), 'fail')
    assert.doesNotMatch(logSince(replica, from), /Starting a failover election/)

    assert.equal(await call(replica, 'CONFIG', 'SET', 'cluster-replica-validity-factor', '0'), 'OK')
    await waitUntil(async () => {
      if ((await myself(replica)).role !== 'master') return false
      for (const p of live()) if ((await state(p)) !== 'ok') return false
      return true
    }, 20000, 'promoted with validity factor 0 and every node ok', 50)
    await restart(master)
    await waitReplicaOf(master, replica)
    await waitHealthy()
  })
})

describe('bus drop switches are test-only', () => {
  test('without enable-debug-command neither switch is reachable', async () => {
    const {port, busPort} = await freePortPair()
    const n = await embedded({'cluster-enabled': 'yes', port: String(port), 'cluster-port': String(busPort), 'cluster-config-file': 'nodes.conf'})
    const c = new Conns()
    try {
      for (const args of [['CLUSTER-DROP-PEERS'], ['DROP-CLUSTER-PACKET-FILTER', '1']]) {
        await assert.rejects(c.get(port).call('DEBUG', ...args), /DEBUG command not allowed/)
      }
    } finally {
      c.close()
      await n.stop()
    }
  })
})

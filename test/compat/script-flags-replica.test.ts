// A script's declared flags are the command's flags (redis 7.0 getCommandFlags): on a replica, an
// EVAL/EVALSHA/FCALL whose script may write (a shebang without `no-writes`, a function without
// it) is a write command for processCommand's checks. In a cluster a READONLY client gets -MOVED
// to the master (tests/cluster 16-transactions-on-replica), a script without keys gets -READONLY,
// and inside MULTI the refusal aborts the transaction; on a standalone replica it is -READONLY
// before the script is prepared. Replies compared with redis-server 7.0 replicas side by side.
import {describe, test} from 'node:test'
import assert from 'node:assert/strict'
import type {Redis} from 'ioredis'
import {redisSkip} from '../helpers/redis-server.js'
import {client, embedded, mixedNodes, waitFor, waitSynced} from '../helpers/repl.js'
import {freePort, runScript, type Reply, type Step} from './harness.js'

const WRITE = "#!lua\nreturn redis.call('del','a')"
const NO_WRITES = "#!lua flags=no-writes\nreturn redis.call('get','a')"
const PLAIN = "return redis.call('get','a')"
const LIB = [
  '#!lua name=flagslib',
  "redis.register_function('wfn', function(keys) return redis.call('del', keys[1]) end)",
  "redis.register_function{function_name='rfn', callback=function(keys) return redis.call('get', keys[1]) end, flags={'no-writes'}}",
].join('\n')

/** Steps on the replica common to both set-ups (a, the library and the write script exist). */
const scriptSteps = (sha: string): Step[] => [
  ['EVAL', NO_WRITES, '0'],
  ['EVAL', WRITE, '0'],
  ['EVAL', '#!lua\nreturn 1', '0'],
  ['EVAL', '#!lua flags=allow-oom\nreturn 1', '0'],
  ['EVAL', PLAIN, '0'],
  ['EVAL', WRITE, '1', 'a'],
  ['EVAL', NO_WRITES, '1', 'a'],
  ['EVAL', PLAIN, '1', 'a'],
  ['EVAL_RO', WRITE, '1', 'a'],
  ['EVALSHA', sha, '1', 'a'],
  ['EVALSHA', sha, '0'],
  ['FCALL', 'wfn', '1', 'a'],
  ['FCALL', 'rfn', '1', 'a'],
  ['FCALL_RO', 'rfn', '1', 'a'],
  ['FCALL', 'nosuchfn', '1', 'a'],
  'MULTI',
  ['EVAL', WRITE, '1', 'a'],
  'EXEC',
  'MULTI',
  ['EVAL', WRITE, '0'],
  'EXEC',
  'MULTI',
  ['EVAL', NO_WRITES, '1', 'a'],
  ['FCALL', 'rfn', '1', 'a'],
  'EXEC',
  'GET a',
]

interface Pair {
  masterPort: number
  replicaPort: number
}

/** MOVED/ASK name the master's address, which differs between the two set-ups. */
function normalize(r: Reply, masterPort: number): Reply {
  if (typeof r === 'string') return r.replace(`127.0.0.1:${masterPort}`, '<master>')
  if (Array.isArray(r)) return r.map((x) => normalize(x, masterPort))
  return r
}

async function replicaReplies(p: Pair, steps: Step[]): Promise<Reply[]> {
  return (await runScript(p.replicaPort, steps)).map((x) => normalize(x.reply, p.masterPort))
}

/** Data and a library on the master, the write script in the replica's cache; returns its sha. */
async function seed(m: Redis, r: Redis): Promise<string> {
  await m.set('a', '1')
  await m.call('FUNCTION', 'LOAD', LIB)
  await waitSynced(m, r)
  return (await r.call('SCRIPT', 'LOAD', WRITE)) as string
}

const skip = redisSkip()

describe('script flags on a replica, vs redis-server', {skip}, () => {
  const {real, nodes, clients} = mixedNodes()

  /** Two nodes of one kind: [port, bus port] each. */
  async function startTwo(kind: 'real' | 'embedded', cluster: boolean): Promise<[number, number][]> {
    if (kind === 'real') return (await real.start(2, {cluster})).map((n) => [n.port, n.busPort])
    const out: [number, number][] = []
    for (let i = 0; i < 2; i++) {
      const over: Record<string, string> = {port: String(await freePort())}
      const bus = await freePort()
      if (cluster) Object.assign(over, {'cluster-enabled': 'yes', 'cluster-port': String(bus), 'cluster-config-file': 'nodes.conf'})
      const n = await embedded(over)
      nodes.push(n)
      out.push([n.port, bus])
    }
    return out
  }

  function clientOf(port: number): Redis {
    const c = client(port)
    clients.push(c)
    return c
  }

  /** A master owning every slot and its replica, in one cluster. */
  async function clusterPair(kind: 'real' | 'embedded'): Promise<Pair & {sha: string}> {
    const [[mp], [rp, rbus]] = await startTwo(kind, true)
    const m = clientOf(mp)
    const r = clientOf(rp)
    await m.call('CLUSTER', 'ADDSLOTSRANGE', '0', '16383')
    await m.call('CLUSTER', 'MEET', '127.0.0.1', String(rp), String(rbus))
    const masterId = (await m.call('CLUSTER', 'MYID')) as string
    await waitFor(async () => ((await r.call('CLUSTER', 'NODES')) as string).includes(masterId), 15000, 'replica knows the master')
    await r.call('CLUSTER', 'REPLICATE', masterId)
    for (const c of [m, r]) await waitFor(async () => ((await c.call('CLUSTER', 'INFO')) as string).includes('cluster_state:ok'), 15000, 'cluster ok')
    const sha = await seed(m, r)
    return {masterPort: mp, replicaPort: rp, sha}
  }

  async function standalonePair(kind: 'real' | 'embedded'): Promise<Pair & {sha: string}> {
    const [[mp], [rp]] = await startTwo(kind, false)
    const m = clientOf(mp)
    const r = clientOf(rp)
    await r.call('REPLICAOF', '127.0.0.1', String(mp))
    const sha = await seed(m, r)
    return {masterPort: mp, replicaPort: rp, sha}
  }

  test('cluster replica: write scripts are redirected (READONLY client) or refused (no keys)', async () => {
    const realPair = await clusterPair('real')
    const embPair = await clusterPair('embedded')
    assert.equal(embPair.sha, realPair.sha)
    // without READONLY every keyed script is redirected; after it, only those that may write
    const steps: Step[] = [['EVAL', NO_WRITES, '1', 'a'], 'READONLY', ...scriptSteps(realPair.sha)]
    const expected = await replicaReplies(realPair, steps)
    const actual = await replicaReplies(embPair, steps)
    // the point of the file: a write script from a READONLY client goes to the master
    assert.match(String(expected[2 + 5]), /^-MOVED \d+ <master>$/)
    for (let i = 0; i < steps.length; i++) assert.deepEqual(actual[i], expected[i], `step ${i}: ${JSON.stringify(steps[i])}`)
  })

  test('standalone replica: write scripts get the READONLY of processCommand', async () => {
    const realPair = await standalonePair('real')
    const embPair = await standalonePair('embedded')
    const steps = scriptSteps(realPair.sha)
    const expected = await replicaReplies(realPair, steps)
    const actual = await replicaReplies(embPair, steps)
    assert.equal(expected[1], "-READONLY You can't write against a read only replica.")
    for (let i = 0; i < steps.length; i++) assert.deepEqual(actual[i], expected[i], `step ${i}: ${JSON.stringify(steps[i])}`)
  })
})

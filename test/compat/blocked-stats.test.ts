// A blocked command's wait is not its duration: INFO commandstats, SLOWLOG and the latency
// monitor count what the command itself ran (redis 7.0 updateStatsOnUnblock), whether it timed
// out, was served by another client's push, or was a WAIT without replicas — side by side with
// redis-server. (Before, a BLPOP that waited 0.3 s counted 300,000 usec and filled the SLOWLOG.)
import {test} from 'node:test'
import assert from 'node:assert/strict'
import {redisSkip} from '../helpers/redis-server.js'
import {pairHooks, RawClient} from './types-harness.js'
import {untilBlocked} from './harness.js'

const skip = redisSkip()
const p = pairHooks()

interface Seen {
  calls: Record<string, number>
  usec: Record<string, number>
  slowlog: number
  latencyEvents: string
}

async function run(port: number): Promise<Seen> {
  const c = await RawClient.connect(port)
  const pusher = await RawClient.connect(port)
  await c.call(['FLUSHALL'])
  await c.call(['CONFIG', 'SET', 'slowlog-log-slower-than', '100000'])
  await c.call(['CONFIG', 'SET', 'latency-monitor-threshold', '100'])
  await c.call(['SLOWLOG', 'RESET'])
  await c.call(['LATENCY', 'RESET'])
  await c.call(['CONFIG', 'RESETSTAT'])
  // times out after 0.3 s
  await c.call(['BLPOP', 'q', '0.3'])
  // served by a push 0.3 s later
  const served = c.call(['BLPOP', 'q', '5'])
  await new Promise((r) => setTimeout(r, 300))
  await pusher.call(['RPUSH', 'q', 'x'])
  assert.equal(await served, '*2\r\n$1\r\nq\r\n$1\r\nx\r\n')
  // XREAD BLOCK timing out, and WAIT for a replica that does not exist
  await c.call(['XREAD', 'BLOCK', '300', 'STREAMS', 's', '$'])
  await c.call(['WAIT', '1', '300'])
  const info = await c.call(['INFO', 'commandstats'])
  const calls: Record<string, number> = {}
  const usec: Record<string, number> = {}
  for (const m of info.matchAll(/cmdstat_(blpop|xread|wait):calls=(\d+),usec=(\d+)/g)) {
    calls[m[1]] = Number(m[2])
    usec[m[1]] = Number(m[3])
  }
  const slowlog = Number(/^:(\d+)/.exec(await c.call(['SLOWLOG', 'LEN']))?.[1])
  const latencyEvents = await c.call(['LATENCY', 'LATEST'])
  await c.call(['CONFIG', 'SET', 'slowlog-log-slower-than', '10000'])
  await c.call(['CONFIG', 'SET', 'latency-monitor-threshold', '0'])
  c.close()
  pusher.close()
  return {calls, usec, slowlog, latencyEvents}
}

test('blocked commands count their execution, not their wait (commandstats, SLOWLOG, LATENCY) as redis-server', {skip}, async () => {
  const theirs = await run(p.redisPort)
  const ours = await run(p.ourPort)
  // each waited 0.3 s; what either server counts is its own work (well under 0.1 s per call)
  for (const [name, us] of Object.entries(ours.usec)) assert.ok(us < 100_000 * ours.calls[name], `${name}: ${us} usec counted`)
  for (const [name, us] of Object.entries(theirs.usec)) assert.ok(us < 100_000 * theirs.calls[name], `redis-server ${name}: ${us} usec`)
  assert.deepEqual(theirs.calls, {blpop: 2, xread: 1, wait: 1})
  assert.deepEqual(ours.calls, theirs.calls)
  assert.equal(theirs.slowlog, 0)
  assert.equal(ours.slowlog, theirs.slowlog)
  assert.equal(theirs.latencyEvents, '*0\r\n')
  assert.equal(ours.latencyEvents, theirs.latencyEvents)
})

// When a blocked command is counted (redis 7.0 call(): as it blocks; updateStatsOnUnblock adds only
// its time and failure), what its serving adds to the dirty counter (a BLPOP/BLMOVE served after
// blocking counts nothing, BLMPOP and BZPOPMIN count their elements, XREADGROUP only a consumer it
// creates), and CLIENT UNBLOCK failing it.
async function counted(port: number): Promise<string[]> {
  const c = await RawClient.connect(port)
  const b = await RawClient.connect(port)
  const id = /^:(\d+)/.exec(await b.call(['CLIENT', 'ID']))![1]
  const out: string[] = []
  const look = async (what: string) => {
    const info = await c.call(['INFO', 'all'])
    const cmd = [...info.matchAll(/^cmdstat_(blpop|blmove|blmpop|bzpopmin|xreadgroup|rpush|zadd|xadd):calls=(\d+),usec=\d+,usec_per_call=[\d.]+,rejected_calls=(\d+),failed_calls=(\d+)/gm)].map((m) => `${m[1]} ${m[2]}/${m[3]}/${m[4]}`)
    out.push(`${what}: dirty ${/rdb_changes_since_last_save:(\d+)/.exec(info)![1]} blocked ${/blocked_clients:(\d+)/.exec(info)![1]} ${cmd.sort().join(', ')}`)
  }
  const blocked = () => untilBlocked((argv) => c.call(argv))
  try {
    await c.call(['FLUSHALL'])
    await c.call(['CONFIG', 'SET', 'save', ''])
    await c.call(['XGROUP', 'CREATE', 's', 'g', '$', 'MKSTREAM'])
    await c.call(['CONFIG', 'RESETSTAT'])
    for (const [block, feed] of [
      [['BLPOP', 'l', '0'], ['RPUSH', 'l', 'a', 'b']],
      [['BLMOVE', 'm', 'd', 'LEFT', 'RIGHT', '0'], ['RPUSH', 'm', 'a']],
      [['BLMPOP', '0', '1', 'n', 'LEFT', 'COUNT', '2'], ['RPUSH', 'n', 'a', 'b', 'c']],
      [['BZPOPMIN', 'z', '0'], ['ZADD', 'z', '1', 'a', '2', 'b']],
      // the first creates its consumer as it is served, the second finds it
      [['XREADGROUP', 'GROUP', 'g', 'c1', 'BLOCK', '0', 'STREAMS', 's', '>'], ['XADD', 's', '1-1', 'f', 'v']],
      [['XREADGROUP', 'GROUP', 'g', 'c1', 'BLOCK', '0', 'STREAMS', 's', '>'], ['XADD', 's', '2-1', 'f', 'v']],
    ]) {
      const reply = b.call(block)
      await blocked()
      await look(`${block[0]} blocked`)
      await c.call(feed)
      out.push(`${block[0]} got ${await reply}`)
      await look(`${block[0]} served by ${feed[0]}`)
    }
    const reply = b.call(['BLPOP', 'none', '0'])
    await blocked()
    out.push(`CLIENT UNBLOCK ${await c.call(['CLIENT', 'UNBLOCK', id])} ${await reply}`)
    await look('BLPOP released')
    return out
  } finally {
    c.close()
    b.close()
  }
}

test('a blocked command is counted as it blocks, its serving as redis counts it; CLIENT UNBLOCK fails it', {skip}, async () => {
  const theirs = await counted(p.redisPort)
  assert.match(theirs.join('\n'), /BLPOP blocked: .*blpop 1\/0\/0/)
  assert.deepEqual(await counted(p.ourPort), theirs)
})

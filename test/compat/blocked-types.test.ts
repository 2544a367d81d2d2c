// Clients blocked on one key with commands of different types (redis 7.0 handleClientsBlockedOnKeys):
// when the key becomes ready, its type picks who is served — the clients blocked on that type, in
// the order they blocked — and the others stay blocked; XREADGROUP clients of a key that is gone or
// of another type get -UNBLOCKED. Before, a waiter of another type that could not be served stopped
// every later waiter of the key (an XREAD behind a BRPOPLPUSH was never served by XADD). Side by side
// with redis-server: each waiter's reply, or "blocked" for one still waiting (then released).
import {test} from 'node:test'
import assert from 'node:assert/strict'
import {redisSkip} from '../helpers/redis-server.js'
import {pairHooks, RawClient} from './types-harness.js'
import {untilBlocked} from './harness.js'

const skip = redisSkip()
const p = pairHooks()

interface Scenario {
  name: string
  setup: string[][]
  /** blocking commands, sent in this order (each one blocked before the next) */
  waiters: string[][]
  /** run once the first waiter blocked */
  between?: string[][]
  /** what makes the key ready */
  writes: string[][]
}

const SCENARIOS: Scenario[] = [
  {name: 'XREAD behind a BRPOPLPUSH, XADD', setup: [], waiters: [['BRPOPLPUSH', 'k', 'd', '0'], ['XREAD', 'BLOCK', '0', 'STREAMS', 'k', '$']], writes: [['XADD', 'k', '5-1', 'f', 'v']]},
  {name: 'BLPOP behind a BZPOPMIN, RPUSH', setup: [], waiters: [['BZPOPMIN', 'k', '0'], ['BLPOP', 'k', '0'], ['BZPOPMAX', 'k', '0'], ['BRPOP', 'k', '0']], writes: [['RPUSH', 'k', 'a', 'b', 'c']]},
  {name: 'BZMPOP behind a BLMPOP and an XREAD, ZADD', setup: [], waiters: [['BLMPOP', '0', '1', 'k', 'LEFT'], ['XREAD', 'BLOCK', '0', 'STREAMS', 'k', '0-0'], ['BZMPOP', '0', '1', 'k', 'MIN', 'COUNT', '5'], ['BZPOPMAX', 'k', '0']], writes: [['ZADD', 'k', '1', 'a', '2', 'b']]},
  {
    name: 'XREADGROUP and BLPOP, the stream replaced by a list',
    setup: [],
    waiters: [['BLPOP', 'l', 's', '0'], ['XREADGROUP', 'GROUP', 'g', 'c', 'BLOCK', '0', 'STREAMS', 's', '>'], ['XREAD', 'BLOCK', '0', 'STREAMS', 's', '$']],
    between: [['XGROUP', 'CREATE', 's', 'g', '$', 'MKSTREAM']],
    writes: [['MULTI'], ['DEL', 's'], ['RPUSH', 's', 'x'], ['EXEC']],
  },
  {name: 'BLMOVE into a key an XREAD and a BLPOP wait on', setup: [], waiters: [['XREAD', 'BLOCK', '0', 'STREAMS', 'd', '$'], ['BLMOVE', 'k', 'd', 'LEFT', 'RIGHT', '0'], ['BLPOP', 'd', '0']], writes: [['RPUSH', 'k', 'a']]},
]

async function run(port: number, sc: Scenario): Promise<string[]> {
  const c = await RawClient.connect(port)
  const ws = await Promise.all(sc.waiters.map(() => RawClient.connect(port)))
  try {
    await c.call(['FLUSHALL'])
    for (const argv of sc.setup) await c.call(argv)
    const ids = await Promise.all(ws.map(async (w) => /^:(\d+)/.exec(await w.call(['CLIENT', 'ID']))![1]))
    const got: (string | null)[] = ws.map(() => null)
    const replies: Promise<unknown>[] = []
    for (let i = 0; i < ws.length; i++) {
      // one after the other: the order they block in is the order they are served in
      replies.push(ws[i].call(sc.waiters[i]).then((x) => (got[i] = x)))
      await untilBlocked((argv) => c.call(argv), i + 1)
      if (i === 0) for (const argv of sc.between ?? []) await c.call(argv)
    }
    for (const argv of sc.writes) await c.call(argv)
    const out: string[] = []
    for (let i = 0; i < ws.length; i++) {
      // served, or still blocked (CLIENT LIST ID's b flag), waiting for one or the other
      for (;;) {
        if (got[i] !== null) break
        const flags = /flags=(\w+)/.exec(await c.call(['CLIENT', 'LIST', 'ID', ids[i]]))?.[1] ?? ''
        if (flags.includes('b') && got[i] === null) break
        await new Promise((r) => setTimeout(r, 5))
      }
      out.push(`${sc.waiters[i].join(' ')}: ${got[i] === null ? 'blocked' : JSON.stringify(got[i])}`)
    }
    for (let i = 0; i < ws.length; i++) if (got[i] === null) await c.call(['CLIENT', 'UNBLOCK', ids[i]])
    await Promise.all(replies)
    return out
  } finally {
    c.close()
    ws.forEach((w) => w.close())
  }
}

for (const sc of SCENARIOS) {
  test(`waiters of different types on one key: ${sc.name}, as redis-server`, {skip}, async () => {
    const theirs = await run(p.redisPort, sc)
    assert.ok(theirs.some((l) => l.endsWith(': blocked')) && theirs.some((l) => !l.endsWith(': blocked')), `redis-server served some, not all:\n${theirs.join('\n')}`)
    assert.deepEqual(await run(p.ourPort, sc), theirs)
  })
}

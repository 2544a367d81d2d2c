// MEMORY STATS carries redis 7.0's 27 fields (plus a map per non-empty database) in redis's order
// and with its reply types (integers, doubles: bulk strings in RESP2), as node-redis's own
// MEMORY STATS test reads them; the node answered only peak.allocated, total.allocated, the db maps
// and keys.count. The figures are the node's estimates (README, "Memory figures"): only names,
// order and types are compared, side by side with redis-server.
import {test} from 'node:test'
import assert from 'node:assert/strict'
import {redisSkip} from '../helpers/redis-server.js'
import {pairHooks, RawClient, type Reply} from './harness.js'

const skip = redisSkip()
const p = pairHooks()

function shape(r: Reply): Reply {
  if (typeof r === 'number') return 'integer'
  if (typeof r === 'string') return r.startsWith(',') ? 'double' : /^-?\d+(\.\d+)?(e[+-]?\d+)?$/.test(r) ? 'number-bulk' : r
  if (Array.isArray(r)) return r.map(shape)
  if (r !== null && 'map' in r) return {map: r.map.map(shape)}
  return r
}

async function stats(port: number, resp: 2 | 3): Promise<Reply> {
  const c = await RawClient.connect(port)
  try {
    await c.call(['HELLO', String(resp)])
    await c.call(['FLUSHALL'])
    await c.call(['SET', 'k', 'v'])
    await c.call(['SET', 'e', 'v', 'EX', '100'])
    await c.call(['SELECT', '3'])
    await c.call(['SET', 'k3', 'v'])
    return shape(await c.call(['MEMORY', 'STATS']))
  } finally {
    c.close()
  }
}

for (const resp of [2, 3] as const) {
  test(`MEMORY STATS fields, order and reply types as redis-server (RESP${resp})`, {skip}, async () => {
    const theirs = await stats(p.redisPort, resp)
    assert.deepEqual(await stats(p.ourPort, resp), theirs)
  })
}

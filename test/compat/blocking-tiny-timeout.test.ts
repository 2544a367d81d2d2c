// A blocking command's timeout in seconds becomes milliseconds rounded up (redis 7.0
// getTimeoutFromObjectOrReply: ceill(timeout * 1000.0) in long double), so any positive timeout,
// however small, waits at least 1 ms and then times out; node-redis sends 5e-324 for its "no wait"
// blocking calls. Before, the node truncated it to 0, which means wait forever. Side by side: every
// blocking command with a tiny timeout answers its timeout reply, byte for byte, as redis-server.
import {test} from 'node:test'
import assert from 'node:assert/strict'
import {redisSkip} from '../helpers/redis-server.js'
import {pairHooks, RawClient} from './harness.js'

const skip = redisSkip()
const p = pairHooks()

const COMMANDS: string[][] = [
  ['BLPOP', 'nokey', '5e-324'],
  ['BRPOP', 'nokey', '0.0001'],
  ['BRPOPLPUSH', 'nokey', 'dst', '5e-324'],
  ['BLMOVE', 'nokey', 'dst', 'LEFT', 'RIGHT', '5e-324'],
  ['BLMPOP', '5e-324', '1', 'nokey', 'LEFT'],
  ['BZPOPMIN', 'nokey', '5e-324'],
  ['BZPOPMAX', 'nokey', '1e-10'],
  ['BZMPOP', '5e-324', '1', 'nokey', 'MIN'],
  ['BLPOP', 'nokey', '0.0004'],
]

async function replies(port: number): Promise<string[]> {
  const c = await RawClient.connect(port)
  try {
    const out: string[] = []
    for (const argv of COMMANDS) out.push(`${argv.join(' ')} -> ${JSON.stringify(await c.call(argv))}`)
    return out
  } finally {
    c.close()
  }
}

test('a positive timeout below a millisecond times out (at least 1 ms), as in redis-server', {skip, timeout: 30_000}, async () => {
  assert.deepEqual(await replies(p.ourPort), await replies(p.redisPort))
})

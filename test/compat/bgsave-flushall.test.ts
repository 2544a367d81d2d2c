// FLUSHALL right after BGSAVE (node-redis's own suite: its BGSAVE test is followed by the harness's
// FLUSHALL). redis's flushAllDataAndResetRDB kills the RDB child (killRDBChild, SIGUSR1) without
// waiting; a child that had already written its file and exited is reaped later as a success
// ("Background saving terminated with success"), one killed midway by SIGUSR1 is no error either.
// The embedded node's kill forgot that its child's file was complete and took the exit status 0 of
// such a child for "Background save stream ended before the end of the RDB": rdb_last_bgsave_status
// became err and, with save points, every write got -MISCONF (379 of node-redis's tests failed after
// its BGSAVE test). Side by side with redis-server, save points on both.
import {test} from 'node:test'
import assert from 'node:assert/strict'
import {redisSkip} from '../helpers/redis-server.js'
import {pairHooks, RawClient} from './harness.js'

const skip = redisSkip()
const p = pairHooks({redisArgs: ['--save', '3600 1'], nodeOverrides: {save: '3600 1'}})

async function rounds(port: number): Promise<string[]> {
  const c = await RawClient.connect(port)
  try {
    const seen = new Set<string>()
    // The delay between BGSAVE and FLUSHALL spans "child still writing" to "child exited, not
    // reaped yet"; between rounds, more than serverCron's 100 ms so that redis reaped the child.
    for (const delay of [0, 1, 2, 5, 10, 15, 20, 30, 0, 5, 10, 20]) {
      await c.call(['SET', 'a', '1'])
      await c.call(['BGSAVE'])
      if (delay) await new Promise((r) => setTimeout(r, delay))
      seen.add(`FLUSHALL ${String(await c.call(['FLUSHALL']))}`)
      seen.add(`SET ${String(await c.call(['SET', 'x', '1']))}`)
      await new Promise((r) => setTimeout(r, 150))
    }
    const info = String(await c.call(['INFO', 'persistence']))
    seen.add(/rdb_last_bgsave_status:\w+/.exec(info)![0])
    return [...seen].sort()
  } finally {
    c.close()
  }
}

test('FLUSHALL right after BGSAVE leaves writes allowed and the last bgsave ok, as redis-server', {skip}, async () => {
  const theirs = await rounds(p.redisPort)
  assert.deepEqual(theirs, ['FLUSHALL +OK', 'SET +OK', 'rdb_last_bgsave_status:ok'])
  assert.deepEqual(await rounds(p.ourPort), theirs)
})

// FLUSHDB / FLUSHALL and the dirty counter (INFO rdb_changes_since_last_save), side by side with
// redis-server 7.0: a flush adds the keys it removed, FLUSHALL with save points saves at once and
// leaves 0 (redis flushAllDataAndResetRDB), and a flush of nothing is still propagated
// (forceCommandPropagation; the stream itself is compared in propagation.test.ts).
import {describe, test} from 'node:test'
import assert from 'node:assert/strict'
import {Redis} from 'ioredis'
import {pairHooks} from './harness.js'
import {redisSkip} from '../helpers/redis-server.js'

const dirty = async (c: Redis) => /^rdb_changes_since_last_save:(\d+)\r?$/m.exec(await c.info('persistence'))?.[1]

const STEPS: string[][][] = [
  [['SET', 'a', '1'], ['SET', 'b', '2'], ['SET', 'c', '3']],
  [['SELECT', '1'], ['FLUSHDB'], ['SELECT', '0']],
  [['FLUSHDB']],
  [['FLUSHALL']],
  [['SET', 'k', 'v'], ['FLUSHALL']],
  [['SET', 'k', 'v'], ['FLUSHDB', 'ASYNC']],
  [['CONFIG', 'SET', 'save', '3600 1 300 100 60 10000'], ['SET', 'k', 'v'], ['SELECT', '3'], ['SET', 'k', 'v'], ['SELECT', '0']],
  [['FLUSHALL']],
  [['SET', 'k', 'v'], ['FLUSHALL', 'SYNC']],
  [['FLUSHALL']],
]

describe('FLUSHDB/FLUSHALL dirty counter vs redis-server', {skip: redisSkip()}, () => {
  const pair = pairHooks()
  test('rdb_changes_since_last_save after every step', async () => {
    const real = new Redis({port: pair.redisPort, host: '127.0.0.1', maxRetriesPerRequest: 1})
    const ours = new Redis({port: pair.ourPort, host: '127.0.0.1', maxRetriesPerRequest: 1})
    try {
      const seen: string[] = []
      for (const [i, step] of STEPS.entries()) {
        for (const c of [real, ours]) for (const argv of step) await c.call(argv[0], ...argv.slice(1))
        const [r, o] = [await dirty(real), await dirty(ours)]
        seen.push(`${i}:${r}`)
        assert.equal(o, r, `step ${i} ${JSON.stringify(step)} (redis-server so far: ${seen.join(' ')})`)
      }
      assert.equal(seen.at(-1), `${STEPS.length - 1}:0`, 'the last FLUSHALL saved (save points set)')
    } finally {
      real.disconnect()
      ours.disconnect()
    }
  })
})

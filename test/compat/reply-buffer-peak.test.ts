// CLIENT LIST / CLIENT INFO rbs and rbp of a new client: redis's createClient starts the reply
// buffer's peak at the buffer's size (16384) and stamps the last peak reset in seconds where the
// cron compares milliseconds, so the first cron visit resets the peak and the buffer shrinks from
// the second one on. With the peak never reset (DEBUG REPLYBUFFER PEAK-RESET-TIME NEVER) a new
// client therefore keeps rbs=16384 rbp=16384; the node started the peak at 0 and shrank the buffer
// to 1 KiB at the first visit (found by the ACL fuzzer's CLIENT LIST).
import {test} from 'node:test'
import assert from 'node:assert/strict'
import {pairHooks, RawClient} from './harness.js'
import {redisSkip} from '../helpers/redis-server.js'

const skip = redisSkip()
const p = pairHooks({redisArgs: ['--enable-debug-command', 'local'], nodeOverrides: {'enable-debug-command': 'local'}})

const buffers = (info: unknown): string => String(info).match(/rbs=\d+ rbp=\d+/)?.[0] ?? String(info)

test('a new client keeps rbs=16384 rbp=16384 while the peak is never reset, as redis-server', {skip}, async () => {
  const seen: string[] = []
  for (const port of [p.redisPort, p.ourPort]) {
    const admin = await RawClient.connect(port)
    try {
      assert.equal(await admin.call(['DEBUG', 'REPLYBUFFER', 'PEAK-RESET-TIME', 'NEVER']), '+OK')
      const c = await RawClient.connect(port)
      await new Promise((r) => setTimeout(r, 400)) // a few cron visits (each client every 100 ms)
      seen.push(buffers(await c.call(['CLIENT', 'INFO'])))
      c.close()
    } finally {
      await admin.call(['DEBUG', 'REPLYBUFFER', 'PEAK-RESET-TIME', 'RESET'])
      admin.close()
    }
  }
  assert.equal(seen[0], 'rbs=16384 rbp=16384', 'redis-server')
  assert.equal(seen[1], seen[0])
})

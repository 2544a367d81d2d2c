// LINSERT, LREM and LTRIM on lists of thousands of elements, side by side with redis-server: the
// list edits in place now (deque.ts: the shorter side of the ring moves; LTRIM pops what it
// removes) instead of rebuilding the whole list per command, which made the capped-list idiom
// LPUSH + LTRIM 0 N-1 cost O(N) per call (bench/big-values.ts TYPES=ltrim,linsert). Random edits
// near either end and in the middle, with every reply and the whole list compared.
import {test} from 'node:test'
import assert from 'node:assert/strict'
import {redisSkip} from '../helpers/redis-server.js'
import {pairHooks, withBoth} from './harness.js'
import {lcg} from '../helpers/lcg.js'

const skip = redisSkip()
const p = pairHooks()

function script(seed: number, steps: number): string[][] {
  const rnd = lcg(seed)
  const out: string[][] = []
  // values repeat (LREM and LINSERT find the first / last of several matches)
  const value = () => `v${rnd(300)}`
  for (let b = 0; b < 5; b++) {
    const els: string[] = []
    for (let i = 0; i < 1000; i++) els.push(value())
    out.push(['RPUSH', 'l', ...els])
  }
  for (let s = 0; s < steps; s++) {
    const r = rnd(100)
    const count = String(rnd(7) - 3)
    if (r < 20) out.push(['LINSERT', 'l', rnd(2) ? 'BEFORE' : 'AFTER', value(), `i${s}`])
    else if (r < 25) out.push(['LINSERT', 'l', 'BEFORE', `i${rnd(s + 1)}`, value()])
    else if (r < 45) out.push(['LREM', 'l', count, value()])
    else if (r < 50) out.push(['LREM', 'l', count, `i${rnd(s + 1)}`])
    else if (r < 60) out.push([rnd(2) ? 'LPUSH' : 'RPUSH', 'l', value(), value()])
    else if (r < 68) out.push(['LTRIM', 'l', String(rnd(3)), String(-1 - rnd(3))])
    else if (r < 70) out.push(['LTRIM', 'l', String(-4000 - rnd(2000)), String(4000 + rnd(2000))])
    else if (r < 72) out.push(['LPUSH', 'l', `p${s}`], ['LTRIM', 'l', '0', String(3000 + rnd(3000))])
    else if (r < 80) out.push(['LRANGE', 'l', String(rnd(5000)), String(rnd(5000))])
    else if (r < 85) out.push(['LINDEX', 'l', String(rnd(8000) - 4000)])
    else if (r < 90) out.push(['LPOS', 'l', value(), 'RANK', String(rnd(2) ? 1 + rnd(3) : -1 - rnd(3)), 'COUNT', String(rnd(4))])
    else if (r < 95) out.push(['LSET', 'l', String(rnd(6000) - 3000), `s${s}`])
    else out.push([rnd(2) ? 'LPOP' : 'RPOP', 'l', String(rnd(3) + 1)])
    if (s % 400 === 0) out.push(['LLEN', 'l'], ['LRANGE', 'l', '0', '-1'])
  }
  out.push(['LRANGE', 'l', '0', '-1'], ['LREM', 'l', '0', 'v1'], ['LTRIM', 'l', '5', '4'], ['EXISTS', 'l'])
  return out
}

test('big lists: LINSERT, LREM and LTRIM give the same replies and lists as redis-server', {skip, timeout: 120_000}, async () => {
  await withBoth(p, async (real, ours) => {
    for (const seed of [1, 2, 3]) {
      for (const c of [real, ours]) await c.call(['DEL', 'l'])
      const steps = script(seed, 3000)
      for (let i = 0; i < steps.length; i++) {
        const argv = steps[i]
        assert.deepEqual(await ours.call(argv), await real.call(argv), `seed ${seed} step ${i}: ${argv.slice(0, 6).join(' ')}`)
      }
    }
  })
})

test('LREM of every element and LTRIM to nothing delete the key', {skip}, async () => {
  await withBoth(p, async (real, ours) => {
    for (const argv of [
      ['RPUSH', 'a', 'x', 'x', 'x'], ['LREM', 'a', '-5', 'x'], ['EXISTS', 'a'],
      ['RPUSH', 'b', 'x', 'y'], ['LTRIM', 'b', '1', '0'], ['EXISTS', 'b'],
      ['RPUSH', 'c', 'x', 'y', 'x'], ['LREM', 'c', '-1', 'x'], ['LRANGE', 'c', '0', '-1'], ['LINSERT', 'c', 'AFTER', 'y', 'z'], ['LRANGE', 'c', '0', '-1'],
    ]) assert.deepEqual(await ours.call(argv), await real.call(argv), argv.join(' '))
  })
})

// Sorted sets big enough for many of the node's chunks (zset.ts: 1,024 pairs each), side by side with
// redis-server: random ZADD / ZINCRBY / ZREM / range removals and pops, with every read of the order
// compared — ranks, ranges by index, score and lex (reversed, with LIMIT), counts, scores — so chunk
// splits, merges and stale start indexes would show as a different reply.
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
  const member = () => `m${rnd(12_000)}`
  const score = () => String(rnd(2000) - 1000 + (rnd(3) === 0 ? 0.5 : 0))
  // seed: 8,000 members in ten commands (several chunks from the start)
  for (let b = 0; b < 10; b++) {
    const args: string[] = []
    for (let i = 0; i < 800; i++) args.push(score(), member())
    out.push(['ZADD', 'z', ...args])
    const lex: string[] = []
    for (let i = 0; i < 800; i++) lex.push('0', member())
    out.push(['ZADD', 'lex', ...lex])
  }
  for (let s = 0; s < steps; s++) {
    const r = rnd(100)
    const a = String(rnd(9000) - 500)
    const b = String(rnd(9000) - 500)
    const lo = String(rnd(2000) - 1000)
    const hi = String(rnd(2000) - 1000)
    if (r < 25) out.push(['ZADD', 'z', score(), member(), score(), member()])
    else if (r < 35) out.push(['ZINCRBY', 'z', String(rnd(400) - 200), member()])
    else if (r < 45) out.push(['ZREM', 'z', member(), member()])
    else if (r < 48) out.push(['ZREMRANGEBYRANK', 'z', a, String(Number(a) + rnd(300))])
    else if (r < 50) out.push(['ZREMRANGEBYSCORE', 'z', lo, `(${Number(lo) + rnd(30)}`])
    else if (r < 52) out.push([rnd(2) ? 'ZPOPMIN' : 'ZPOPMAX', 'z', String(rnd(5) + 1)])
    else if (r < 60) out.push(['ZRANK', 'z', member()])
    else if (r < 64) out.push(['ZREVRANK', 'z', member()])
    else if (r < 70) out.push(['ZRANGE', 'z', a, String(Number(a) + rnd(20)), 'WITHSCORES'])
    else if (r < 74) out.push(['ZRANGE', 'z', String(-rnd(9000) - 1), String(-rnd(50) - 1)])
    else if (r < 80) out.push(['ZRANGE', 'z', lo, hi, 'BYSCORE', 'LIMIT', String(rnd(50)), String(rnd(20))])
    else if (r < 83) out.push(['ZRANGE', 'z', hi, `(${lo}`, 'BYSCORE', 'REV', 'LIMIT', '0', '10', 'WITHSCORES'])
    else if (r < 86) out.push(['ZCOUNT', 'z', lo, hi])
    else if (r < 88) out.push(['ZSCORE', 'z', member()])
    else if (r < 91) out.push(['ZADD', 'lex', '0', member()])
    else if (r < 93) out.push(['ZREM', 'lex', member()])
    else if (r < 96) out.push(['ZRANGE', 'lex', `[${member()}`, `(${member()}`, 'BYLEX', 'LIMIT', '0', '15'])
    else if (r < 98) out.push(['ZLEXCOUNT', 'lex', rnd(5) ? `[${member()}` : '-', rnd(5) ? `(${member()}` : '+'])
    else out.push(['ZREMRANGEBYLEX', 'lex', `[${member()}`, `[${member()}`])
    if (s % 500 === 0) out.push(['ZCARD', 'z'], ['ZCARD', 'lex'])
  }
  out.push(['ZRANGE', 'z', '0', '-1', 'WITHSCORES'], ['ZRANGE', 'lex', '0', '-1'])
  return out
}

test('big sorted sets: the same replies as redis-server through random changes and reads', {skip, timeout: 120_000}, async () => {
  await withBoth(p, async (real, ours) => {
    for (const seed of [1, 2, 3]) {
      for (const c of [real, ours]) await c.call(['DEL', 'z', 'lex'])
      const steps = script(seed, 2500)
      for (let i = 0; i < steps.length; i++) {
        const argv = steps[i]
        assert.deepEqual(await ours.call(argv), await real.call(argv), `seed ${seed} step ${i}: ${argv.slice(0, 6).join(' ')}`)
      }
    }
  })
})

// DEBUG DIGEST and DEBUG DIGEST-VALUE give redis-server's own digests (debug.c's SHA1 mix/xor
// scheme), so a dataset copied between engines (a replica, MIGRATE, RESTORE, an RDB file) can be
// compared by digest across them. The node had a digest of its own: stable, but not redis's, and
// DIGEST-VALUE answered bulk strings where redis answers status replies. Side by side: every
// type and encoding, binary and multi-block strings, keys with a TTL, keys whose TTL has passed
// (still digested: redis reads the dict, not lookupKey), several databases, missing keys.
import {test} from 'node:test'
import assert from 'node:assert/strict'
import {redisSkip} from '../helpers/redis-server.js'
import {pairHooks, sameReplies, withBoth} from './harness.js'

const skip = redisSkip()
const p = pairHooks({redisArgs: ['--enable-debug-command', 'yes'], nodeOverrides: {'enable-debug-command': 'yes'}})

const many = (n: number, f: (i: number) => string[]) => Array.from({length: n}, (_, i) => f(i)).flat()
const binary = Array.from({length: 200}, (_, i) => String.fromCharCode((i * 91) & 0xff)).join('')

const steps: string[][] = [
  ['DEBUG', 'DIGEST'],
  ['DEBUG', 'DIGEST-VALUE'],
  ['DEBUG', 'DIGEST-VALUE', 'nothing'],
  ['SET', 'str', 'v'],
  ['SET', 'int', '-12345'],
  ['SET', 'bin', binary],
  ['SET', 'long', 'x'.repeat(1000)],
  ['RPUSH', 'list', 'a', 'b', '3', '-7'],
  ['RPUSH', 'biglist', ...many(300, (i) => ['e' + i])],
  ['SADD', 'intset', '1', '2', '300000'],
  ['SADD', 'set', 'x', 'y', '1'],
  ['SADD', 'bigset', ...many(300, (i) => ['s' + i])],
  ['HSET', 'hash', 'f', 'v', 'g', '1'],
  ['HSET', 'bighash', ...many(300, (i) => ['f' + i, 'v'.repeat(i % 90)])],
  ['ZADD', 'zset', '1.5', 'a', '2', 'b', '-inf', 'c', '1e300', 'd', '0.1', 'e', '-0', 'f'],
  ['ZADD', 'bigzset', ...many(300, (i) => [String(i / 7), 'm' + i])],
  ['XADD', 'stream', '1-1', 'f', 'v', 'g', 'w'],
  ['XADD', 'stream', '2-5', 'a', 'b'],
  ['XADD', 'stream', '18446744073709551615-3', 'a', 'b'],
  ['XDEL', 'stream', '2-5'],
  ['SET', 'ttl', 'v', 'PX', '100000000'],
  ['HSET', 'ttlhash', 'a', 'b'],
  ['EXPIRE', 'ttlhash', '100000'],
  ['DEBUG', 'DIGEST-VALUE', 'str', 'int', 'bin', 'long', 'list', 'biglist', 'intset', 'set', 'bigset', 'hash', 'bighash', 'zset', 'bigzset', 'stream', 'ttl', 'ttlhash', 'nothing'],
  ['DEBUG', 'DIGEST'],
  ['SELECT', '5'],
  ['SET', 'str', 'v'],
  ['DEBUG', 'DIGEST'],
  ['SELECT', '0'],
  ['MOVE', 'str', '5'],
  ['DEBUG', 'DIGEST'],
  ['PERSIST', 'ttl'],
  ['DEBUG', 'DIGEST-VALUE', 'ttl'],
  ['DEBUG', 'DIGEST'],
  ['DEBUG', 'SET-ACTIVE-EXPIRE', '0'],
  ['SET', 'gone', 'v', 'PX', '1'],
]

test('DEBUG DIGEST / DIGEST-VALUE are redis-server\'s, byte for byte', {skip}, async () => {
  await withBoth(p, async (real, ours) => {
    await sameReplies(real, ours, steps)
    await new Promise((r) => setTimeout(r, 20))
    // the key's TTL has passed but nothing removed it yet: still digested, with its TTL mark
    await sameReplies(real, ours, [['DEBUG', 'DIGEST-VALUE', 'gone'], ['DEBUG', 'DIGEST'], ['DEBUG', 'SET-ACTIVE-EXPIRE', '1'], ['FLUSHALL'], ['DEBUG', 'DIGEST']])
    const d = (await real.call(['DEBUG', 'DIGEST-VALUE', 'nothing'])) as string[]
    assert.equal(d[0], '+' + '0'.repeat(40))
  })
})

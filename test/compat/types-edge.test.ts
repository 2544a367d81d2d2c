// Edge cases across the data-type groups (int64 limits, encodings, cursors): replies (RESP2 and RESP3, byte for byte) vs a real redis-server 7.0.
// Lines starting with "~" compare as unordered (redis replies those in hash-table order).
import {test} from 'node:test'
import assert from 'node:assert/strict'
import {redisSkip} from '../helpers/redis-server.js'
import {compareBoth, pairHooks} from './types-harness.js'

const skip = redisSkip()
const p = pairHooks()

const SCRIPT = `
HSET h a 1 b 2
HRANDFIELD h -9223372036854775808
HRANDFIELD h 9223372036854775807 withvalues
HRANDFIELD h 4611686018427387904 withvalues
SRANDMEMBER h -9223372036854775808
SADD s a
SRANDMEMBER s -9223372036854775808
SPOP s 9223372036854775808
ZADD z 1 a
ZRANDMEMBER z -9223372036854775808
ZRANDMEMBER z -4611686018427387904 withscores
LPUSH l a
LPOS l a RANK 9223372036854775808
LPOP l 9223372036854775808
OBJECT ENCODING h
HSET h long 01234567890123456789012345678901234567890123456789012345678901234567890123456789
OBJECT ENCODING h
ZADD z 1 01234567890123456789012345678901234567890123456789012345678901234567890123456789
OBJECT ENCODING z
SADD s 1
OBJECT ENCODING s
ZRANGE z 0 -1 LIMIT 1
ZRANGE z 0 -1 BYSCORE LIMIT 1
ZRANGEBYSCORE z 0 5 LIMIT a 1
SSCAN s 18446744073709551616
HSCAN h 0 COUNT 9223372036854775808
`

test('edge cases match redis-server', {skip}, async () => {
  assert.equal(await compareBoth(p, SCRIPT), '')
})

// Hash commands: replies (RESP2 and RESP3, byte for byte) vs a real redis-server 7.0.
import {test} from 'node:test'
import assert from 'node:assert/strict'
import {redisSkip} from '../helpers/redis-server.js'
import {compareBoth, pairHooks} from './types-harness.js'

const skip = redisSkip()
const p = pairHooks()

const SCRIPT = `
HSET h f1 v1 f2 v2
HSET h f1 x f3 v3
HSET h f1
HMSET h a 1 b
HMSET h a 1 b 2
HSETNX h a 9
HSETNX h new 9
HGET h f1
HGET h nope
HGET nokey f
HMGET h f1 nope a
HMGET nokey a b
HLEN h
HLEN nokey
HSTRLEN h f1
HSTRLEN h nope
HEXISTS h a
HEXISTS h zz
HGETALL h
HGETALL nokey
HKEYS h
HVALS h
HKEYS nokey
HDEL h a b nope
HDEL nokey a
HINCRBY h n 5
HINCRBY h n -7
HINCRBY h n abc
HINCRBY h f1 1
HINCRBY h n 9223372036854775807
HINCRBY h n 1.5
HSET h big 9223372036854775807
HINCRBY h big 1
HINCRBYFLOAT h fl 0.1
HINCRBYFLOAT h fl 0.2
HINCRBYFLOAT h fl 1e20
HINCRBYFLOAT h fl abc
HINCRBYFLOAT h fl inf
HINCRBYFLOAT h f1 1
HINCRBYFLOAT h fi 10.50
HINCRBYFLOAT h fi -0.5
HINCRBYFLOAT h fi 5.0e3
HINCRBYFLOAT newh x 1.5
HGET h fl
SET s str
HSET s a b
HGET s a
HMGET s a
HGETALL s
HINCRBY s a 1
HLEN s
HRANDFIELD nokey
HRANDFIELD nokey 5
HRANDFIELD nokey 5 withvalues
HRANDFIELD h 0
HRANDFIELD h 1 foo
HRANDFIELD h 1 withvalues extra
HRANDFIELD h abc
HRANDFIELD s 1
HSET one only 1
HRANDFIELD one
HRANDFIELD one 1
HRANDFIELD one 1 withvalues
HRANDFIELD one -3
HRANDFIELD one -3 WITHVALUES
HRANDFIELD one 10 withvalues
HSCAN h 0
HSCAN h 0 match f*
HSCAN h 0 count 0
HSCAN h 0 count abc
HSCAN h 0 type string
HSCAN h 0 match
HSCAN h abc
HSCAN nokey 0
HSCAN nokey abc
HSCAN s 0
HDEL one only
EXISTS one
HSET one only 1
DEL h
HGETALL h
`

test('hash commands match redis-server', {skip}, async () => {
  assert.equal(await compareBoth(p, SCRIPT), '')
})

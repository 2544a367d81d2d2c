// Set commands: replies (RESP2 and RESP3, byte for byte) vs a real redis-server 7.0.
// Lines starting with "~" compare as unordered (redis replies those in hash-table order).
import {test} from 'node:test'
import assert from 'node:assert/strict'
import {redisSkip} from '../helpers/redis-server.js'
import {compareBoth, pairHooks} from './types-harness.js'

const skip = redisSkip()
const p = pairHooks()

const SCRIPT = `
SADD s 3 1 2 10 -5
SADD s 1 4
SADD t a b c 1 2
SADD u 2 3 4 x
SREM s 4 99
SREM nokey a
SMEMBERS s
~SMEMBERS t
SMEMBERS nokey
SISMEMBER s 1
SISMEMBER s 99
SISMEMBER nokey a
SMISMEMBER s 1 99 2
SMISMEMBER nokey a b
SCARD s
SCARD nokey
~SINTER s u
~SINTER t u
SINTER s nokey
SINTER s
SINTERSTORE dst s u
SMEMBERS dst
SINTERSTORE dst s nokey
EXISTS dst
SUNION s nokey
~SUNION s t u
SUNIONSTORE dst s u
~SMEMBERS dst
SDIFF s u
SDIFF nokey s
~SDIFF t u
SDIFFSTORE dst s u
SMEMBERS dst
SDIFFSTORE dst nokey s
EXISTS dst
SINTERCARD 2 s u
SINTERCARD 2 s u LIMIT 1
SINTERCARD 2 s u LIMIT 0
SINTERCARD 1 nokey
SINTERCARD 0 s
SINTERCARD -1 s
SINTERCARD abc s
SINTERCARD 3 s u
SINTERCARD 2 s u LIMIT -1
SINTERCARD 2 s u LIMIT abc
SINTERCARD 2 s u FOO 1
SINTERCARD 2 s u LIMIT
SMOVE s u 1
SMOVE s u 99
SMOVE nokey u 1
SMOVE s s 2
SMOVE s s 99
SMOVE s newset 3
SMEMBERS newset
SET str x
SADD str a
SREM str a
SMEMBERS str
SISMEMBER str a
SMISMEMBER str a
SCARD str
SINTER s str
SINTER nokey str
SUNION s str
SDIFF s str
SDIFF nokey str
SMOVE str s a
SMOVE s str 10
SMOVE nokey str a
SINTERSTORE str s
TYPE str
DEL str
SET str x
SPOP nokey
SPOP nokey 3
SPOP s 0
SPOP s -1
SPOP s abc
SPOP s 1 2
SPOP str
SADD one a
SPOP one
EXISTS one
SADD one a
SPOP one 5
EXISTS one
SADD ints 5 3 1
SPOP ints 10
SRANDMEMBER nokey
SRANDMEMBER nokey 3
SRANDMEMBER nokey -3
SRANDMEMBER s 0
SRANDMEMBER s abc
SRANDMEMBER s 1 2
SRANDMEMBER s 100
SRANDMEMBER str
SRANDMEMBER str 1
SADD one a
SRANDMEMBER one
SRANDMEMBER one -3
SRANDMEMBER one 3
SSCAN s 0
SSCAN s 0 MATCH 1*
SSCAN s 0 COUNT 1
SSCAN t 0 MATCH a
SSCAN nokey 0
SSCAN s abc
SSCAN s 0 COUNT 0
SSCAN s 0 TYPE set
SSCAN str 0
SADD big 18446744073709551616 9223372036854775807 -9223372036854775808 007
~SMEMBERS big
OBJECT ENCODING s
OBJECT ENCODING t
OBJECT ENCODING big
`

test('set commands match redis-server', {skip}, async () => {
  assert.equal(await compareBoth(p, SCRIPT), '')
})

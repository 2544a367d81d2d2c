// List commands (incl. blocking timeouts and MULTI): replies (RESP2 and RESP3, byte for byte) vs a real redis-server 7.0.
// Lines starting with "~" compare as unordered (redis replies those in hash-table order).
import {test} from 'node:test'
import assert from 'node:assert/strict'
import {redisSkip} from '../helpers/redis-server.js'
import {compareBoth, pairHooks} from './types-harness.js'

const skip = redisSkip()
const p = pairHooks()

const SCRIPT = `
RPUSH l a b c d e
LPUSH l z y
LPUSHX nokey a
RPUSHX nokey a
LPUSHX l x
RPUSHX l w
LLEN l
LLEN nokey
LRANGE l 0 -1
LRANGE l -3 -2
LRANGE l 5 2
LRANGE l -100 100
LRANGE l a 1
LRANGE nokey 0 -1
LRANGE nokey a b
LINDEX l 0
LINDEX l -1
LINDEX l 100
LINDEX l abc
LINDEX nokey abc
LSET l 0 first
LSET l 100 x
LSET l abc x
LSET nokey 0 x
LSET nokey abc x
LINSERT l BEFORE c cc
LINSERT l AFTER c c2
LINSERT l middle c x
LINSERT l before nope x
LINSERT nokey before a b
LINSERT nokey sideways a b
LRANGE l 0 -1
LPOP l
RPOP l
LPOP l 2
RPOP l 0
LPOP l -1
LPOP l abc
LPOP l 1 2
LPOP nokey
LPOP nokey 2
RPOP nokey 0
RPUSH r a b a c a d a
LREM r 2 a
LRANGE r 0 -1
LREM r -1 a
LRANGE r 0 -1
LREM r 0 a
LREM r 0 zzz
LREM r abc a
LREM nokey 1 a
LTRIM r 1 -1
LRANGE r 0 -1
LTRIM r 5 10
EXISTS r
LTRIM nokey 0 1
LTRIM nokey a 1
RPUSH p a b c a b c a
LPOS p a
LPOS p a RANK 2
LPOS p a RANK -1
LPOS p a RANK -2 COUNT 2
LPOS p a COUNT 0
LPOS p a COUNT 2 MAXLEN 3
LPOS p a MAXLEN 1 RANK 2
LPOS p z
LPOS p z COUNT 1
LPOS p a RANK 0
LPOS p a COUNT -1
LPOS p a MAXLEN -1
LPOS p a COUNT abc
LPOS p a RANK abc
LPOS p a foo
LPOS p a RANK
LPOS nokey a
LPOS nokey a COUNT 1
LMOVE p q LEFT RIGHT
LMOVE p q right left
LMOVE p p left right
LMOVE p q up down
LMOVE nokey q left left
LRANGE q 0 -1
RPOPLPUSH p q
RPOPLPUSH nokey q
SET str x
LPUSH str a
LRANGE str 0 1
LLEN str
LMOVE p str left left
LMOVE str p left left
LMOVE nokey str left left
RPOPLPUSH p str
LPOS str a
LINDEX str 0
RPUSH m1 a b c
RPUSH m2 x
LMPOP 2 nokey m1 LEFT
LMPOP 2 nokey m1 RIGHT COUNT 5
LMPOP 2 nokey m2 LEFT COUNT 5
LMPOP 1 nokey LEFT
LMPOP 0 a LEFT
LMPOP -1 a LEFT
LMPOP abc a LEFT
LMPOP 3 a b LEFT
LMPOP 1 a MIDDLE
LMPOP 1 a LEFT COUNT 0
LMPOP 1 a LEFT COUNT abc
LMPOP 1 a LEFT COUNT 1 COUNT 2
LMPOP 1 a LEFT foo
LMPOP 2 str m1 LEFT
RPUSH m1 a
LMPOP 2 m1 str LEFT
BLPOP l 0.01
BLPOP nokey -1
BLPOP nokey abc
BLPOP str 0
RPUSH bl a b
BLPOP nokey bl 0
BRPOP nokey bl 0
BLPOP nokey 0.05
BRPOPLPUSH nokey q 0.05
BLMOVE nokey q left left 0.05
BLMOVE nokey q left up 0.05
BLMPOP 0.05 1 nokey LEFT
BLMPOP 0.05 0 nokey LEFT
BLMPOP -1 1 nokey LEFT
BLMPOP abc 1 nokey LEFT
RPUSH bl a
BLMPOP 0 2 nokey bl RIGHT COUNT 3
MULTI
BLPOP nokey 0
BRPOP nokey 0
BRPOPLPUSH nokey q 0
BLMOVE nokey q left right 0
BLMPOP 0 1 nokey left
RPUSH nokey v
BLPOP nokey 0
EXEC
LPUSH many 1 2 3 4 5 6 7 8 9 10
LRANGE many 0 -1
OBJECT ENCODING many
`

test('list commands match redis-server', {skip}, async () => {
  assert.equal(await compareBoth(p, SCRIPT), '')
})

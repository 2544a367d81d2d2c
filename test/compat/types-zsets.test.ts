// Sorted-set commands: replies (RESP2 and RESP3, byte for byte) vs a real redis-server 7.0.
// Lines starting with "~" compare as unordered (redis replies those in hash-table order).
import {test} from 'node:test'
import assert from 'node:assert/strict'
import {redisSkip} from '../helpers/redis-server.js'
import {compareBoth, pairHooks} from './types-harness.js'

const skip = redisSkip()
const p = pairHooks()

const SCRIPT = `
ZADD z 1 a 2 b 3 c
ZADD z 0.1 d 1e20 e 3.0000000000000004 f -inf g +inf h 1.5 i
ZADD z 0 -0 1e-300 tiny
ZRANGE z 0 -1 WITHSCORES
ZADD z
ZADD z 1
ZADD z nx
ZADD z 1 a 2
ZADD z nx xx 1 a
ZADD z gt lt 1 a
ZADD z nx gt 1 a
ZADD z nx lt 1 a
ZADD z incr 1 a 2 b
ZADD z abc a
ZADD z nan a
ZADD z 1e400 a
ZADD z " 1" a
ZADD z 1e-400 a
ZADD z 0x10 hex
ZADD z inf a
ZADD z -INF a
ZADD z ch 5 a 6 b 2 c 1 new
ZADD z xx 9 a 9 nope
ZADD z xx ch 9 a 9 nope
ZADD z nx 100 a 100 nx1
ZADD z gt ch 1 a 100 b
ZADD z lt ch 1 a 100 b
ZADD z incr 1 a
ZADD z incr nx 1 a
ZADD z incr xx 1 nope
ZADD z incr gt -1 a
ZADD z incr lt -1 a
ZADD nokey xx 1 a
ZADD nokey xx incr 1 a
EXISTS nokey
ZADD infz 0 x
ZADD infz inf x
ZADD infz incr -inf x
ZINCRBY infz -inf x
ZINCRBY z 0.1 a
ZINCRBY z abc a
ZINCRBY newz 2.5 m
ZINCRBY z 1 nx
ZRANGE z 0 -1 WITHSCORES
ZCARD z
ZCARD nokey
ZSCORE z a
ZSCORE z nope
ZSCORE nokey a
ZMSCORE z a nope b
ZMSCORE nokey a b
ZRANK z a
ZRANK z nope
ZREVRANK z a
ZREVRANK nokey a
ZCOUNT z -inf +inf
ZCOUNT z (1 3
ZCOUNT z 1 (3
ZCOUNT z (1 (1
ZCOUNT z 5 1
ZCOUNT z abc 1
ZCOUNT z "" 1
ZCOUNT z ( 1
ZCOUNT z 1e400 1e500
ZCOUNT nokey abc 1
ZCOUNT nokey 0 1
ZRANGE z 0 2
ZRANGE z -2 -1 WITHSCORES
ZRANGE z 5 2
ZRANGE z 0 -1 REV WITHSCORES
ZRANGE z 0 1 REV
ZRANGE z (1 3 BYSCORE WITHSCORES
ZRANGE z 3 (1 BYSCORE REV WITHSCORES
ZRANGE z -inf +inf BYSCORE LIMIT 1 2
ZRANGE z -inf +inf BYSCORE LIMIT 1 -1
ZRANGE z -inf +inf BYSCORE LIMIT -1 2
ZRANGE z -inf +inf BYSCORE LIMIT 0 0
ZRANGE z -inf +inf BYSCORE LIMIT 100 2
ZRANGE z +inf -inf BYSCORE REV LIMIT 1 2
ZRANGE z 0 -1 LIMIT 0 1
ZRANGE z - + BYLEX WITHSCORES
ZRANGE z 0 -1 BYSCORE BYLEX
ZRANGE z 0 -1 REV REV
ZRANGE z 0 -1 FOO
ZRANGE z a b
ZRANGE z a b BYSCORE
ZRANGE z a b BYLEX
ZRANGE z 0 1 LIMIT 0
ZRANGE nokey 0 -1
ZRANGE nokey a b
ZREVRANGE z 0 2 WITHSCORES
ZREVRANGE z 0 2 REV
ZRANGEBYSCORE z 1 3 WITHSCORES
ZRANGEBYSCORE z 1 3 BYSCORE
ZRANGEBYSCORE z -inf +inf LIMIT 2 3 WITHSCORES
ZREVRANGEBYSCORE z 3 1 WITHSCORES
ZREVRANGEBYSCORE z 1 3
ZREVRANGEBYSCORE z +inf -inf LIMIT 0 2
ZADD lex 0 a 0 b 0 c 0 d 0 e 0 f
ZRANGEBYLEX lex - +
ZRANGEBYLEX lex [b (e
ZRANGEBYLEX lex (b [e
ZRANGEBYLEX lex + -
ZRANGEBYLEX lex - + LIMIT 1 2
ZRANGEBYLEX lex b e
ZRANGEBYLEX lex - +x
ZRANGEBYLEX lex - + WITHSCORES
ZREVRANGEBYLEX lex + -
ZREVRANGEBYLEX lex (e [b
ZREVRANGEBYLEX lex + - LIMIT 1 2
ZLEXCOUNT lex - +
ZLEXCOUNT lex [b [d
ZLEXCOUNT lex (a (a
ZLEXCOUNT lex a b
ZLEXCOUNT nokey - +
ZRANGESTORE dst z 0 2
ZRANGE dst 0 -1 WITHSCORES
ZRANGESTORE dst z 1 3 BYSCORE LIMIT 0 1
ZRANGESTORE dst z 0 1 WITHSCORES
ZRANGESTORE dst nokey 0 -1
EXISTS dst
ZRANGESTORE dst lex [b [c BYLEX REV
ZRANGESTORE dst lex [c [b BYLEX REV
ZRANGE dst 0 -1
ZREMRANGEBYRANK lex 0 0
ZREMRANGEBYRANK lex -1 -1
ZREMRANGEBYRANK lex 5 1
ZREMRANGEBYRANK lex a 1
ZREMRANGEBYLEX lex [c [d
ZREMRANGEBYLEX lex a b
ZREMRANGEBYSCORE z -inf (1
ZREMRANGEBYSCORE z abc 1
ZREMRANGEBYSCORE nokey 0 1
ZREMRANGEBYRANK nokey a 1
ZRANGE lex 0 -1
ZREM lex b e nope
EXISTS lex
ZREM nokey a
ZRANGE z 0 -1 WITHSCORES
ZPOPMIN z
ZPOPMAX z
ZPOPMIN z 2
ZPOPMAX z 0
ZPOPMIN z -1
ZPOPMIN z abc
ZPOPMIN z 1 2
ZPOPMIN nokey
ZPOPMIN nokey 2
ZADD p 1 a 2 b 3 c 4 d
ZMPOP 2 nokey p MIN
ZMPOP 2 nokey p MAX COUNT 2
ZMPOP 1 nokey MIN
ZMPOP 0 p MIN
ZMPOP abc p MIN
ZMPOP 1 p MIDDLE
ZMPOP 2 p MIN
ZMPOP 1 p MIN COUNT 0
ZMPOP 1 p MIN COUNT 1 COUNT 1
ZMPOP 1 p MIN FOO
BZPOPMIN p 0
ZADD p 7 q
BZPOPMAX nokey p 0
BZPOPMIN nokey 0.05
BZPOPMIN nokey -1
BZPOPMIN nokey abc
BZMPOP 0.05 1 nokey MIN
ZADD p 1 a 2 b
BZMPOP 0 2 nokey p MAX COUNT 5
BZMPOP abc 1 nokey MIN
BZMPOP 0 0 nokey MIN
MULTI
BZPOPMIN nokey 0
BZMPOP 0 1 nokey MIN
EXEC
SET str x
ZADD str 1 a
ZINCRBY str 1 a
ZRANGE str 0 -1
ZRANGE str 0 1 FOO
ZSCORE str a
ZCARD str
ZPOPMIN str
ZMPOP 1 str MIN
BZPOPMIN str 0
ZRANGESTORE dst str 0 -1
ZCOUNT str 0 1
ZRANDMEMBER str
ZSCAN str 0
ZADD zs 1 a 2 b 3 c
SADD plain a b x
ZUNION 2 zs plain WITHSCORES
ZUNION 2 zs plain WEIGHTS 2 3 WITHSCORES
ZUNION 2 zs plain AGGREGATE MIN WITHSCORES
ZUNION 2 zs plain AGGREGATE MAX WITHSCORES
ZUNION 2 zs plain AGGREGATE FOO
ZUNION 2 zs plain WEIGHTS 1
ZUNION 2 zs plain WEIGHTS 1 abc
ZUNION 0 zs
ZUNION 3 zs plain
ZUNION abc zs
ZUNION 1 nokey
ZUNION 1 str
ZUNION 2 zs nokey WITHSCORES
ZINTER 2 zs plain WITHSCORES
ZINTER 2 zs plain WEIGHTS 0.5 inf WITHSCORES
ZINTER 2 zs nokey
ZDIFF 2 zs plain WITHSCORES
ZDIFF 2 zs plain WEIGHTS 1 1
ZDIFF 1 nokey
ZUNIONSTORE out 2 zs plain
ZRANGE out 0 -1 WITHSCORES
ZUNIONSTORE out 2 zs plain WITHSCORES
ZINTERSTORE out 2 zs plain AGGREGATE MAX
ZRANGE out 0 -1 WITHSCORES
ZINTERSTORE out 2 zs nokey
EXISTS out
ZDIFFSTORE out 2 zs plain
ZRANGE out 0 -1 WITHSCORES
ZDIFFSTORE zs 2 zs plain
ZRANGE zs 0 -1
ZADD zs 1 a 2 b 3 c
ZINTERCARD 2 zs plain
ZINTERCARD 2 zs plain LIMIT 1
ZINTERCARD 0 zs
ZINTERCARD 2 zs plain LIMIT -1
ZINTERCARD 2 zs plain WITHSCORES
ZADD w 1 x
ZUNION 2 w w WEIGHTS inf -inf WITHSCORES
ZUNION 2 w w WEIGHTS 0 inf WITHSCORES
ZADD d 0.1 a
ZUNION 3 d d d WITHSCORES
ZRANDMEMBER nokey
ZRANDMEMBER nokey 2
ZRANDMEMBER zs 0
ZRANDMEMBER zs abc
ZRANDMEMBER zs 1 foo
ZRANDMEMBER zs 5 WITHSCORES
ZRANDMEMBER zs 5
ZADD one 2.5 only
ZRANDMEMBER one
ZRANDMEMBER one -2 WITHSCORES
ZRANDMEMBER one 1 WITHSCORES
ZSCAN zs 0
ZSCAN zs 0 MATCH a
ZSCAN zs 0 COUNT 0
ZSCAN zs abc
ZSCAN nokey 0
ZADD sc 0.1 a 1e20 b 3.0000000000000004 c 1.5 d 1e-5 e 123456789.123 f -0.0 g
ZSCAN sc 0
ZRANGE sc 0 -1 WITHSCORES
ZSCORE sc b
ZSCORE sc e
OBJECT ENCODING zs
ZADD negz -0.0 a
ZINCRBY negz -0.0 a
ZSCORE negz a
ZADD negz incr -0 a
HSET multi a 1 b 2 c 3
HRANDFIELD multi 10 withvalues
HRANDFIELD multi 3
`

test('sorted-set commands match redis-server', {skip}, async () => {
  assert.equal(await compareBoth(p, SCRIPT), '')
})

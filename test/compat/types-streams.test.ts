// Stream commands: replies (RESP2 and RESP3, byte for byte) vs a real redis-server 7.0. Scripts
// use explicit IDs (and TIME for PEL delivery times) so every reply is deterministic; replies
// that carry idle times or seen-times are left to the integration tests.
import {test} from 'node:test'
import assert from 'node:assert/strict'
import {redisSkip} from '../helpers/redis-server.js'
import {compareBoth, pairHooks} from './types-harness.js'

const skip = redisSkip()
const p = pairHooks()

const BASIC = `
XADD s 1-1 a 1 b 2
XADD s 1-2 a 3 b 4
XADD s 1-* a 5
XADD s 5 c 6
XADD s 5-* d 7
XADD s 3-0 x y
XADD s 0-0 x y
XADD s abc x y
XADD s 9-1 a
XADD s 9-1
XADD s NOMKSTREAM 9-1 a b
XADD nokey NOMKSTREAM * a b
EXISTS nokey
XADD s MAXLEN abc 10-1 a b
XADD s MAXLEN -1 10-1 a b
XADD s MAXLEN 1 MINID 1 10-1 a b
XADD s LIMIT 10 10-1 a b
XADD s MAXLEN 10 LIMIT 10 10-1 a b
XADD s MAXLEN = 10 LIMIT -1 10-1 a b
XADD s 18446744073709551616-0 a b
XADD s 1-18446744073709551616 a b
XADD s -1 a b
XADD s + a b
XADD s 0123-5 a b
XADD s " 7-1" a b
XLEN s
XLEN nokey
XRANGE s - +
XRANGE s - + COUNT 2
XRANGE s - + COUNT 0
XRANGE s - + COUNT -1
XRANGE s - + COUNT
XRANGE s - + LIMIT 1
XRANGE s 1 1
XRANGE s (1-1 +
XRANGE s - (5-0
XRANGE s (- +
XRANGE s - (+
XRANGE s (18446744073709551615-18446744073709551615 +
XRANGE s - (0-0
XRANGE s ( +
XRANGE s 5 1
XRANGE nokey - +
XREVRANGE s + -
XREVRANGE s + - COUNT 1
XREVRANGE s (5-1 -
XREVRANGE s 5 1-2
XDEL s 1-2 9-9
XDEL s 1-2
XDEL s bad
XDEL nokey bad
XRANGE s - +
XINFO STREAM s
XINFO STREAM nokey
XINFO STREAM s FULL COUNT
XINFO STREAM s FOO
XINFO HELP
XINFO HELP x
XINFO FOO s
XINFO GROUPS s
SET str x
XADD str * a b
XRANGE str - +
XLEN str
XINFO STREAM str
TYPE s
OBJECT ENCODING s
XSETID s 4-0
XSETID s 5-1
XSETID s 7-0 ENTRIESADDED 3
XSETID s 7-0 ENTRIESADDED 10 MAXDELETEDID 8-0
XSETID s 7-0 ENTRIESADDED 10 MAXDELETEDID 6-0
XSETID s 7-0 ENTRIESADDED -1
XSETID s 7-0 FOO
XSETID nokey 1-1
XSETID s bad
XINFO STREAM s
XADD s * only-check-length
XTRIM s
XTRIM s MAXLEN
XTRIM s FOO 1
XTRIM nokey MAXLEN 1
XTRIM s MAXLEN 1 LIMIT 1
XTRIM s MAXLEN ~ 1 LIMIT 1
XTRIM s MINID 1-2
XTRIM s MINID ~ 1-2
XTRIM s MAXLEN = 2
XLEN s
XINFO STREAM s
DEL s
XADD big MAXLEN 0 1-1 a b
XINFO STREAM big
XADD e 18446744073709551615-18446744073709551615 a b
XADD e * c d
XADD e 18446744073709551615-* c d
XADD f 1-18446744073709551615 a b
XADD f 1-* c d
XADD g 0-* a b
`

const TRIM = `
CONFIG SET stream-node-max-entries 10
XADD t 1 f v
XADD t 2 f v
XADD t 3 f v
XADD t 4 f v
XADD t 5 f v
XADD t 6 f v
XADD t 7 f v
XADD t 8 f v
XADD t 9 f v
XADD t 10 f v
XADD t 11 g v
XADD t 12 f v
XADD t 13 f v h w
XADD t 14 f v
XADD t 15 f v
XADD t 16 f v
XADD t 17 f v
XADD t 18 f v
XADD t 19 f v
XADD t 20 f v
XADD t 21 f v
XADD t 22 f v
XADD t 23 f v
XADD t 24 f v
XADD t 25 f v
XINFO STREAM t
XDEL t 3 4 12
XTRIM t MAXLEN ~ 18
XLEN t
XTRIM t MAXLEN ~ 11
XLEN t
XADD t MAXLEN ~ 3 LIMIT 2 26 f v
XLEN t
XTRIM t MINID ~ 24
XINFO STREAM t
XTRIM t MINID 24
XRANGE t - +
XINFO STREAM t
CONFIG SET stream-node-max-entries 100
`

const GROUPS = `
XADD s 1-0 a 1
XADD s 2-0 b 2
XADD s 3-0 c 3
XADD s 4-0 d 4
XGROUP CREATE s g1 0
XGROUP CREATE s g1 0
XGROUP CREATE s g2 $
XGROUP CREATE s g3 2-0 ENTRIESREAD 2
XGROUP CREATE s g4 0 ENTRIESREAD -2
XGROUP CREATE s g4 0 FOO
XGROUP CREATE nokey g 0
XGROUP CREATE nokey g $ MKSTREAM
XINFO STREAM nokey
XGROUP CREATE s g5 bad
XGROUP SETID s nog 0
XGROUP SETID s g2 1-0 ENTRIESREAD 1
XGROUP CREATECONSUMER s nog c
XGROUP CREATECONSUMER s g1 alice
XGROUP CREATECONSUMER s g1 alice
XGROUP HELP
XGROUP HELP x
XGROUP FOO s g
XGROUP DESTROY s g1 x
XINFO GROUPS s
XREADGROUP GROUP g1 bob COUNT 2 STREAMS s >
XREADGROUP GROUP g1 carol STREAMS s >
XREADGROUP GROUP g1 carol STREAMS s >
XREADGROUP GROUP g1 bob STREAMS s 0
XREADGROUP GROUP g1 bob STREAMS s 1-0
XREADGROUP GROUP g1 nobody STREAMS s 0
XREADGROUP GROUP nog bob STREAMS s >
XREADGROUP GROUP g1 bob STREAMS nokey2 >
XREADGROUP GROUP g1 bob STREAMS s $
XREADGROUP GROUP g1 bob STREAMS s
XREADGROUP GROUP g1 bob s >
XREADGROUP STREAMS s >
XREAD GROUP g1 bob STREAMS s >
XREAD NOACK STREAMS s 0
XREAD STREAMS s >
XREAD STREAMS s 0
XREAD COUNT 2 STREAMS s 0
XREAD COUNT 2 STREAMS s nokey 0 0
XREAD STREAMS s $
XREAD STREAMS nokey 0
XREAD BLOCK -1 STREAMS s 0
XREAD BLOCK abc STREAMS s 0
XREAD STREAMS s bad
XREAD COUNT 1
XPENDING s g1
XPENDING s g2
XPENDING s nog
XPENDING s g1 - + 10 nobody
XPENDING s g1 - +
XPENDING s g1 - + abc
XPENDING s g1 IDLE abc - + 10
XPENDING s g1 IDLE 10 - +
XPENDING s g1 IDLE 99999999 - + 10
XPENDING s g1 (5 + 10
XPENDING s g1 bad + 10
XACK s g1 1-0 9-0
XACK s g1 1-0
XACK s nog 1-0
XACK s g1 bad
XACK nokey3 g1 bad
XPENDING s g1
XDEL s 3-0
XCLAIM s g1 dave 0 2-0 3-0 TIME 1000 RETRYCOUNT 5
XCLAIM s g1 dave 0 2-0 JUSTID TIME 2000
XCLAIM s g1 dave 0 1-0 FORCE JUSTID TIME 3000
XCLAIM s g1 dave 0 4-0 FOO
XCLAIM s g1 dave abc 4-0
XCLAIM s g1 dave 0 4-0 IDLE abc
XCLAIM s nog dave 0 4-0
XCLAIM s g1 dave 0 4-0 LASTID bad
XPENDING s g1
XAUTOCLAIM s g1 erin 0 0 COUNT 0
XAUTOCLAIM s g1 erin 0 0 COUNT 8070450532247928833
XAUTOCLAIM s g1 erin 0 0 FOO
XAUTOCLAIM s g1 erin abc 0
XAUTOCLAIM s g1 erin 0 bad
XAUTOCLAIM s nog erin 0 0
XINFO CONSUMERS s nog
XINFO GROUPS s
XREADGROUP GROUP g2 frank NOACK STREAMS s >
XINFO GROUPS s
XGROUP DELCONSUMER s g1 bob
XGROUP DELCONSUMER s g1 nobody
XGROUP DESTROY s g1
XGROUP DESTROY s g1
XINFO GROUPS s
XINFO STREAM s
`

test('stream commands match redis-server (entries, ranges, trimming, errors)', {skip}, async () => {
  assert.equal(await compareBoth(p, BASIC), '')
})

test('approximate trimming removes the same whole nodes as redis-server', {skip}, async () => {
  assert.equal(await compareBoth(p, TRIM), '')
})

test('consumer groups match redis-server (XGROUP XREADGROUP XPENDING XACK XCLAIM XAUTOCLAIM XINFO)', {skip}, async () => {
  assert.equal(await compareBoth(p, GROUPS), '')
})

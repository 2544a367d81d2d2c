// Object encodings vs a real redis-server 7.0: CONFIG SET/GET of the thresholds (and their ziplist
// aliases), OBJECT ENCODING as values grow past them and shrink again (no conversion back), what a
// reload re-evaluates, and DUMP payloads byte for byte for the compact encodings and skiplists
// (hash tables dump in dict order, which only redis-server knows). Plus the DEBUG subcommands that
// reply deterministically (PROTOCOL in RESP2 and RESP3, QUICKLIST-PACKED-THRESHOLD, LISTPACK).
import {test} from 'node:test'
import assert from 'node:assert/strict'
import {redisSkip} from '../helpers/redis-server.js'
import {compareBoth, pairHooks, RawClient} from './types-harness.js'

const skip = redisSkip()
const p = pairHooks({redisArgs: ['--enable-debug-command', 'yes'], nodeOverrides: {'enable-debug-command': 'yes'}})

const DEFAULTS = `
CONFIG SET hash-max-listpack-entries 512 hash-max-listpack-value 64 set-max-intset-entries 512
CONFIG SET zset-max-listpack-entries 128 zset-max-listpack-value 64 list-max-listpack-size -2 list-compress-depth 0
`

test('encoding thresholds: CONFIG SET/GET, aliases and errors match redis-server', {skip}, async () => {
  const script = `${DEFAULTS}
CONFIG GET hash-max-listpack-entries
CONFIG GET hash-max-ziplist-entries
CONFIG SET hash-max-ziplist-entries 4
CONFIG GET hash-max-listpack-entries
CONFIG SET hash-max-ziplist-value 1kb
CONFIG GET hash-max-listpack-value
CONFIG SET zset-max-ziplist-entries 3
~CONFIG GET zset-max-*
CONFIG SET list-max-ziplist-size 5
CONFIG GET list-max-listpack-size
CONFIG SET list-compress-depth -1
CONFIG SET set-max-intset-entries abc
CONFIG SET set-max-intset-entries 7
CONFIG GET set-max-intset-entries
CONFIG SET stream-node-max-bytes 8kb stream-node-max-entries 50
~CONFIG GET stream-node-max-*
CONFIG SET stream-node-max-bytes 4096 stream-node-max-entries 100
${DEFAULTS}`
  assert.equal(await compareBoth(p, script), '')
})

test('OBJECT ENCODING follows the thresholds one way, like redis-server', {skip}, async () => {
  const script = `${DEFAULTS}
CONFIG SET hash-max-listpack-entries 4 hash-max-listpack-value 8
HSET h a 1 b 2
OBJECT ENCODING h
DUMP h
HSET h c 3 d 4
OBJECT ENCODING h
HSET h e 5
OBJECT ENCODING h
HDEL h a b c d
OBJECT ENCODING h
HSET h2 f 123456789
OBJECT ENCODING h2
HSET h3 f 12345678
OBJECT ENCODING h3
DUMP h3
CONFIG SET set-max-intset-entries 3
SADD s 1 2 3
OBJECT ENCODING s
DUMP s
SADD s 4
OBJECT ENCODING s
SREM s 4 3
OBJECT ENCODING s
SADD s2 1 x
OBJECT ENCODING s2
SADD s3 -9223372036854775808 9223372036854775807
OBJECT ENCODING s3
CONFIG SET rdbcompression no
DUMP s3
CONFIG SET rdbcompression yes
SADD s4 9223372036854775808
OBJECT ENCODING s4
SADD s5 01
OBJECT ENCODING s5
CONFIG SET zset-max-listpack-entries 3 zset-max-listpack-value 5
ZADD z 1 a 2 b 3 c
OBJECT ENCODING z
DUMP z
ZADD z 4 d
OBJECT ENCODING z
DUMP z
ZREM z a b
OBJECT ENCODING z
ZADD z2 1 abcdef
OBJECT ENCODING z2
ZADD z3 1 abcde -inf m +inf n
OBJECT ENCODING z3
DUMP z3
ZUNIONSTORE z4 1 z
OBJECT ENCODING z4
ZRANGESTORE z5 z 0 0
OBJECT ENCODING z5
SET str 12345
OBJECT ENCODING str
SET str -9223372036854775808
OBJECT ENCODING str
SET str 9223372036854775808
OBJECT ENCODING str
SET str 0123
OBJECT ENCODING str
SET str ${'x'.repeat(44)}
OBJECT ENCODING str
SET str ${'x'.repeat(45)}
OBJECT ENCODING str
SET str 1234
SETRANGE str 0 ""
OBJECT ENCODING str
SETRANGE str 1 5
OBJECT ENCODING str
SET str abc
APPEND str d
OBJECT ENCODING str
APPEND newstr 10
OBJECT ENCODING newstr
INCR newstr
OBJECT ENCODING newstr
RPUSH l a b c
OBJECT ENCODING l
${DEFAULTS}`
  assert.equal(await compareBoth(p, script), '')
})

// A hash converts in hashTypeSet only: with its threshold lowered below its size, a TTL, PERSIST,
// RENAME, COPY or MOVE leaves it a listpack; a field written (even an update) converts it.
test('a key renamed, moved, copied or given a TTL keeps its encoding, like redis-server', {skip}, async () => {
  const script = `${DEFAULTS}
FLUSHALL
HSET h a 1 b 2 c 3
ZADD z 1 a 2 b 3 c
SADD s 1 2 3
CONFIG SET hash-max-listpack-entries 1 zset-max-listpack-entries 1 set-max-intset-entries 1
EXPIRE h 100
OBJECT ENCODING h
PERSIST h
OBJECT ENCODING h
PEXPIREAT h 99999999999999
RENAME h h2
OBJECT ENCODING h2
COPY h2 h3
OBJECT ENCODING h3
MOVE h3 1
SELECT 1
OBJECT ENCODING h3
SELECT 0
RENAMENX h2 h4
OBJECT ENCODING h4
HSETNX h4 a x
OBJECT ENCODING h4
EXPIRE z 100
RENAME z z2
OBJECT ENCODING z2
EXPIRE s 100
OBJECT ENCODING s
HSET h4 a 9
OBJECT ENCODING h4
${DEFAULTS}`
  assert.equal(await compareBoth(p, script), '')
})

test('DEBUG RELOAD re-evaluates encodings from contents, like redis-server', {skip}, async () => {
  const script = `${DEFAULTS}
CONFIG SET hash-max-listpack-entries 2 zset-max-listpack-entries 2 set-max-intset-entries 2
HSET h a 1 b 2 c 3
ZADD z 1 a 2 b 3 c
SADD s 1 2 3
HDEL h a
ZREM z a
SREM s 1
OBJECT ENCODING h
OBJECT ENCODING z
OBJECT ENCODING s
DEBUG RELOAD
OBJECT ENCODING h
OBJECT ENCODING z
OBJECT ENCODING s
DUMP z
DUMP s
${DEFAULTS}`
  assert.equal(await compareBoth(p, script), '')
})

test('list DUMP payloads split quicklist nodes like redis-server', {skip}, async () => {
  const big = 'v'.repeat(500)
  const script = `${DEFAULTS}
RPUSH l1 a b c 1 2 3 -5 100000 ${big}
DUMP l1
CONFIG SET list-max-listpack-size 2
RPUSH l2 a b c d e
DUMP l2
DEBUG OBJECT nokey
CONFIG SET list-max-listpack-size -1
RPUSH l3 ${Array.from({length: 12}, () => big).join(' ')}
DUMP l3
LPUSH l3 x
DUMP l3
CONFIG SET rdbcompression no
DUMP l3
CONFIG SET rdbcompression yes
CONFIG SET list-max-listpack-size -2
DEBUG QUICKLIST-PACKED-THRESHOLD 100
RPUSH l4 a ${big} b
CONFIG SET rdbcompression no
DUMP l4
CONFIG SET rdbcompression yes
DEBUG QUICKLIST-PACKED-THRESHOLD 0
DEBUG QUICKLIST-PACKED-THRESHOLD 5gb
DEBUG QUICKLIST-PACKED-THRESHOLD abc
${DEFAULTS}`
  assert.equal(await compareBoth(p, script), '')
})

test('DEBUG PROTOCOL, LISTPACK and friends reply like redis-server (RESP2 and RESP3)', {skip}, async () => {
  const script = `
DEBUG PROTOCOL string
DEBUG PROTOCOL integer
DEBUG PROTOCOL double
DEBUG PROTOCOL bignum
DEBUG PROTOCOL null
DEBUG PROTOCOL array
DEBUG PROTOCOL set
DEBUG PROTOCOL map
DEBUG PROTOCOL true
DEBUG PROTOCOL false
DEBUG PROTOCOL verbatim
DEBUG PROTOCOL nope
HSET h a 1
DEBUG LISTPACK h
DEBUG LISTPACK nokey
SET s x
DEBUG LISTPACK s
DEBUG QUICKLIST s
DEBUG REPLYBUFFER resizing 0
DEBUG REPLYBUFFER peak-reset-time never
DEBUG REPLYBUFFER peak-reset-time abc
DEBUG REPLYBUFFER nope 1
DEBUG REPLYBUFFER resizing 1
SWAPDB 0 1
SWAPDB 0 abc
SWAPDB x 1
SWAPDB 0 99
SWAPDB 0 1
EXPIRE s -9223372036854776
EXPIRE s 9223372036854776
PEXPIRE s 9223372036854770000
MSET key1 ohmytext key2 mynewtext
LCS key1 key2
LCS key1 key2 LEN
LCS key1 key2 IDX
LCS key1 key2 IDX MINMATCHLEN 4
LCS key1 key2 IDX MINMATCHLEN 4 WITHMATCHLEN
LCS key1 key2 IDX WITHMATCHLEN
LCS key1 key2 LEN IDX
LCS key1 key2 MINMATCHLEN
LCS key1 key2 MINMATCHLEN x
LCS key1 nokey
LCS key1 key2 nope
HSET hh a b
LCS key1 hh
COMMAND INFO get|key
COMMAND INFO config|get|key
COMMAND GETKEYS lcs key1 key2
MODULE LIST
MODULE LOAD /nonexistent.so
MODULE UNLOAD foo
MODULE HELP
MODULE nope
`
  assert.equal(await compareBoth(p, script), '')
})

test("DEBUG OBJECT's refcount agrees with OBJECT REFCOUNT: a shared integer, COPY's unshared duplicate, a raw string", {skip}, async () => {
  const refcounts = async (port: number): Promise<string[]> => {
    const c = await RawClient.connect(port)
    try {
      for (const argv of [['FLUSHALL'], ['SET', 'rc:a', '5'], ['COPY', 'rc:a', 'rc:b'], ['SET', 'rc:c', '7'], ['APPEND', 'rc:c', '1']]) await c.call(argv)
      const out: string[] = []
      for (const k of ['rc:a', 'rc:b', 'rc:c']) out.push(String(/refcount:\d+/.exec(String(await c.call(['DEBUG', 'OBJECT', k])))?.[0]), String(await c.call(['OBJECT', 'REFCOUNT', k])).replace(/^:|\r\n$/g, ''))
      return out
    } finally {
      c.close()
    }
  }
  const real = await refcounts(p.redisPort)
  assert.deepEqual(real, ['refcount:2147483647', '2147483647', 'refcount:1', '1', 'refcount:1', '1'])
  assert.deepEqual(await refcounts(p.ourPort), real)
})

// keyspace_hits / keyspace_misses (INFO stats) and the keymiss keyspace event: which commands
// count a read lookup, and how many, against a real redis-server 7.0 — the counters' change after
// every command of one script, and the bytes a `PSUBSCRIBE *` client receives with
// notify-keyspace-events KEm. Writes (lookupKeyWrite), blocked clients and MEMORY USAGE count nothing.
import {test} from 'node:test'
import assert from 'node:assert/strict'
import {redisSkip} from '../helpers/redis-server.js'
import {keyspaceEvents, pairHooks, RawClient, words} from './types-harness.js'

const skip = redisSkip()
const p = pairHooks()

const SETUP = `
SET s hello
SET w_b 2
RPUSH l b a
SADD st a b
ZADD z 1 a 2 b
HSET h f v
XADD x 1-1 f v
PFADD hll a b
GEOADD g 13.361389 38.115556 Palermo
`

const SCRIPT = `
GET s
GET nokey
GET l
MGET s nokey l
STRLEN nokey
GETRANGE s 0 1
GETRANGE nokey 0 1
SET s2 v GET
SET s hello GET
SET s3 v NX
GETSET nokey2 v
GETDEL nokey3
GETEX s PERSIST
GETEX nokey
LCS s nokey
LCS l s
GETBIT s 1
GETBIT nokey 1
BITCOUNT s
BITPOS nokey 1
BITOP OR dst s nokey
BITFIELD s GET u8 0
BITFIELD_RO nokey GET u8 0
BITFIELD bf SET u8 0 1
SETBIT nokey4 1 1
APPEND nokey5 x
INCR nokey6
EXISTS s nokey s
TOUCH s nokey
TYPE s
TYPE nokey
TTL s
PTTL nokey
EXPIRETIME s
EXPIRE nokey 10
PERSIST nokey
COPY s s4
COPY nokey s5
RENAME nokey s6
DUMP s
DUMP nokey
OBJECT ENCODING s
OBJECT ENCODING nokey
MEMORY USAGE s
MEMORY USAGE nokey
SORT l ALPHA
SORT nokey
SORT_RO l ALPHA
SORT l BY w_* GET w_* ALPHA
SORT l BY nosort GET # ALPHA
HGET h f
HGET nokey f
HMGET h f g
HLEN h
HSTRLEN h f
HEXISTS nokey f
HKEYS h
HVALS nokey
HGETALL h
HRANDFIELD h
HRANDFIELD nokey 2
HSCAN h 0
HDEL nokey f
HSET h f2 v
HINCRBY nokey7 f 1
LLEN l
LINDEX l 0
LINDEX nokey 0
LRANGE l 0 -1
LPOS l a
LPOP nokey
RPOPLPUSH nokey l
LINSERT nokey BEFORE a b
SMEMBERS st
SISMEMBER st a
SMISMEMBER nokey a
SCARD st
SRANDMEMBER st
SRANDMEMBER nokey 2
SINTER st nokey
SINTERCARD 2 st nokey
SUNION st nokey
SDIFF st nokey
SINTERSTORE d1 st nokey
SUNIONSTORE d2 st
SDIFFSTORE d3 st nokey
SSCAN st 0
SMOVE nokey st a
SPOP nokey
SREM nokey a
ZCARD z
ZCOUNT z 0 1
ZLEXCOUNT nokey - +
ZSCORE z a
ZMSCORE nokey a
ZRANK z a
ZREVRANK nokey a
ZRANGE z 0 -1
ZRANGESTORE d4 z 0 -1
ZRANGEBYSCORE nokey 0 1
ZREVRANGEBYLEX z + -
ZRANDMEMBER z
ZSCAN z 0
ZUNION 2 z nokey
ZINTERSTORE d5 2 z nokey
ZDIFF 2 z nokey
ZINTERCARD 2 z nokey
ZPOPMIN nokey
ZREM nokey a
ZINCRBY nokey8 1 a
GEOPOS g Palermo
GEOHASH nokey Palermo
GEODIST g Palermo Palermo
GEORADIUS g 13 38 200 km
GEOSEARCH nokey FROMLONLAT 13 38 BYRADIUS 1 km
GEOSEARCHSTORE d6 g FROMLONLAT 13 38 BYRADIUS 200 km
XLEN x
XRANGE x - +
XREVRANGE nokey + -
XREAD STREAMS x nokey 0 0
XGROUP CREATE x gr 0
XREADGROUP GROUP gr c STREAMS x >
XACK x gr 1-1
XACK nokey gr 1-1
XPENDING x gr
XCLAIM x gr c2 0 1-1
XAUTOCLAIM x gr c 0 0
XINFO STREAM x
XINFO STREAM nokey
XDEL nokey 1-1
XTRIM nokey MAXLEN 0
PFCOUNT hll
PFCOUNT hll nokey
PFMERGE hll2 hll nokey
EVAL "return redis.call('GET', KEYS[1])" 1 nokey
MULTI
GET s
GET nokey
EXEC
SCAN 0 TYPE string COUNT 1000
SCAN 0 COUNT 1000
KEYS *
RANDOMKEY
DBSIZE
`

async function stats(c: RawClient): Promise<[number, number]> {
  const info = await c.call(['INFO', 'stats'])
  const num = (name: string) => Number(new RegExp(`${name}:(\\d+)`).exec(info)?.[1])
  return [num('keyspace_hits'), num('keyspace_misses')]
}

/** Per command of SCRIPT: the change of keyspace_hits and keyspace_misses it caused. */
async function deltas(port: number): Promise<string[]> {
  const c = await RawClient.connect(port)
  await c.call(['FLUSHALL'])
  for (const line of SETUP.trim().split('\n')) await c.call(words(line))
  await c.call(['CONFIG', 'RESETSTAT'])
  const out: string[] = []
  let [h0, m0] = await stats(c)
  let inMulti = false
  for (const line of SCRIPT.trim().split('\n')) {
    await c.call(words(line))
    // inside MULTI, INFO would be queued: the counters move at EXEC
    if (line === 'MULTI') inMulti = true
    else if (line === 'EXEC') inMulti = false
    if (inMulti) {
      out.push(line)
      continue
    }
    const [h1, m1] = await stats(c)
    out.push(`${line} -> hits +${h1 - h0}, misses +${m1 - m0}`)
    ;[h0, m0] = [h1, m1]
  }
  c.close()
  return out
}

test('keyspace_hits and keyspace_misses move as redis-server counts read lookups, command by command', {skip}, async () => {
  const theirs = await deltas(p.redisPort)
  const ours = await deltas(p.ourPort)
  // the script reads: a real server counts some hits and misses (the comparison is not vacuous)
  assert.ok(theirs.some((l) => /^GET nokey -> hits \+0, misses \+1$/.test(l)))
  assert.ok(theirs.some((l) => /^HGET h f -> hits \+1, misses \+0$/.test(l)))
  assert.deepEqual(ours, theirs)
})

test('keymiss events (notify-keyspace-events m) match redis-server', {skip}, async () => {
  const [setup, lines] = [SETUP.trim().split('\n'), SCRIPT.trim().split('\n')]
  const theirs = await keyspaceEvents(p.redisPort, 'KEm', lines, setup)
  const ours = await keyspaceEvents(p.ourPort, 'KEm', lines, setup)
  assert.match(theirs, /__keyevent@0__:keymiss/)
  assert.equal(ours.replace(/\r\n/g, ' '), theirs.replace(/\r\n/g, ' '))
})

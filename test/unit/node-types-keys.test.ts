// Key positions of the data-type commands, as the dispatcher hands them to the cluster slot
// check (CROSSSLOT relies on every key being listed, and on non-keys not being listed).
import {test} from 'node:test'
import assert from 'node:assert/strict'
import {CommandTable} from '../../src/node/commands/index.js'
import {keysOf} from '../../src/node/dispatcher.js'

const table = new CommandTable()
const keys = (line: string) => {
  const argv = line.split(' ')
  const spec = table.lookup(argv[0])
  assert.ok(spec, `${argv[0]} is registered`)
  return keysOf(spec, argv)
}

test('key positions', () => {
  const cases: [string, string[]][] = [
    ['HSET h f v', ['h']],
    ['LMOVE a b LEFT RIGHT', ['a', 'b']],
    ['RPOPLPUSH a b', ['a', 'b']],
    ['BLPOP a b c 0', ['a', 'b', 'c']],
    ['BRPOPLPUSH a b 0', ['a', 'b']],
    ['BLMOVE a b LEFT LEFT 0', ['a', 'b']],
    ['LMPOP 2 a b LEFT COUNT 2', ['a', 'b']],
    ['BLMPOP 0 2 a b LEFT', ['a', 'b']],
    ['SMOVE a b m', ['a', 'b']],
    ['SINTERSTORE d a b', ['d', 'a', 'b']],
    ['SINTERCARD 2 a b LIMIT 1', ['a', 'b']],
    ['SDIFF a b', ['a', 'b']],
    ['ZUNIONSTORE d 2 a b WEIGHTS 1 2', ['d', 'a', 'b']],
    ['ZINTER 2 a b WITHSCORES', ['a', 'b']],
    ['ZDIFFSTORE d 1 a', ['d', 'a']],
    ['ZINTERCARD 2 a b', ['a', 'b']],
    ['ZRANGESTORE d s 0 -1', ['d', 's']],
    ['ZMPOP 1 a MIN', ['a']],
    ['BZMPOP 0 2 a b MIN', ['a', 'b']],
    ['BZPOPMIN a b 0', ['a', 'b']],
    ['ZADD z 1 m', ['z']],
  ]
  for (const [line, want] of cases) assert.deepEqual(keys(line), want, line)
})

test('every data-type command is registered with a group and sane flags', () => {
  const names = 'hset hsetnx hget hmget hmset hdel hlen hstrlen hexists hkeys hvals hgetall hincrby hincrbyfloat hrandfield hscan lpush rpush lpushx rpushx lpop rpop llen lrange lindex lset linsert lrem ltrim lpos lmove rpoplpush lmpop blpop brpop blmove brpoplpush blmpop sadd srem smembers sismember smismember scard spop srandmember smove sinter sintercard sinterstore sunion sunionstore sdiff sdiffstore sscan zadd zincrby zrem zcard zcount zlexcount zscore zmscore zrank zrevrank zrange zrangestore zrevrange zrangebyscore zrevrangebyscore zrangebylex zrevrangebylex zremrangebyrank zremrangebyscore zremrangebylex zpopmin zpopmax bzpopmin bzpopmax zmpop bzmpop zrandmember zunionstore zinterstore zdiffstore zunion zinter zdiff zintercard zscan'.split(' ')
  for (const n of names) {
    const spec = table.lookup(n)
    assert.ok(spec, n)
    assert.ok(spec.flags.includes('write') !== spec.flags.includes('readonly'), `${n}: exactly one of write/readonly`)
    assert.ok(spec.firstKey > 0 || spec.keys, `${n} has keys`)
  }
})

// Differential command fuzzer: seeded random command sequences over a handful of keys, every core
// type, valid and invalid arguments (wrong types, wrong arity, bad numbers, unknown options, edge
// values), sent to a real redis-server and an embedded node at the same time; the replies must be
// the same bytes — error texts included — after normalising only what Redis itself leaves unordered
// (set and hash member order, KEYS) or time-dependent (remaining TTLs). Expiry times are long (no
// key may expire between two commands: the servers would race).
//
// Used by test/compat/fuzz-commands.test.ts (fixed seeds, in `npm test`) and as a tool to look for
// differences with more seeds and longer runs:
//   node --import tsx test/compat/fuzz-commands.ts [--seeds 1-20] [--commands 3000] [--resp 2|3] [--cluster]
//     [--minimize] [--watch <key>] [--notify] [--repl] [--stats] [--track] [--track-reads] [--block | --blockers N]
//     [--clients N] [--track-modes]
import {createHash} from 'node:crypto'
import type {Reply} from './harness.js'
import {Observer, observedDiffer, type ObserveOptions, type Observed} from './fuzz-observe.js'
import {BlockPair} from './fuzz-block.js'
import {ClientSide, READER_TOKENS, trackingCommand} from './fuzz-clients.js'

export type Rng = () => number

export function prng(seed: number): Rng {
  let x = (seed * 2654435761) >>> 0 || 1
  return () => {
    x ^= x << 13
    x ^= x >>> 17
    x ^= x << 5
    return (x >>> 0) / 0x100000000
  }
}

const KEYS = ['s1', 's2', 'l1', 'l2', 'h1', 'h2', 'z1', 'z2', 'S1', 'S2', 'b1', 'x1', 'p1', 'nokey']
const NUMS = ['0', '1', '-1', '2', '3', '5', '10', '-10', '100', '1000', '9223372036854775807', '-9223372036854775808', '9223372036854775808', '18446744073709551616', '1.5', '-2.5', '3e2', '0x10', ' 1', '1 ', '', 'abc', 'inf', '-inf', '+inf', 'nan', '00', '-0', '4294967296', '2147483648']
const VALS = ['a', 'b', 'c', 'abc', '', '1', '2', '10', '-5', '3.14', 'hello world', 'x'.repeat(70), '\x00\xff', 'zz', 'foo', 'bar', '12345678901234567890', '1e5']
const FIELDS = ['f1', 'f2', 'f3', 'a', 'b', 'c', '1', '2', '']
const LEX = ['-', '+', '[a', '(a', '[b', '(c', '[zz', 'a', '[', '(', '[1']
const SCORES = ['0', '1', '2', '-1', '-0', '1.5', '(1', '(2', '-inf', '+inf', 'inf', '(-inf', 'nan', 'x', '10', '(10', '3e1']

/** In cluster mode the keys carry one hash tag, all but `nokey` (another slot: CROSSSLOT with it). */
const TAG = '{t}'
const isKey = (a: string): boolean => KEYS.includes(a.startsWith(TAG) ? a.slice(TAG.length) : a)
const tagged = (argv: string[]): string[] => argv.map((a) => (a !== 'nokey' && KEYS.includes(a) ? TAG + a : a))

const pick = <T>(r: Rng, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]
const int = (r: Rng, lo: number, hi: number): number => lo + Math.floor(r() * (hi - lo + 1))
const some = <T>(r: Rng, xs: readonly T[], lo: number, hi: number): T[] => Array.from({length: int(r, lo, hi)}, () => pick(r, xs))

type Gen = (r: Rng) => string[]

const key = (r: Rng): string => pick(r, KEYS)
const num = (r: Rng): string => (r() < 0.7 ? String(int(r, -5, 12)) : pick(r, NUMS))
const val = (r: Rng): string => (r() < 0.3 ? String(int(r, -3, 300)) : pick(r, VALS))
const maybe = (r: Rng, p: number, xs: () => string[]): string[] => (r() < p ? xs() : [])

const strings: Gen[] = [
  (r) => ['SET', key(r), val(r), ...maybe(r, 0.3, () => [pick(r, ['NX', 'XX', 'GET', 'KEEPTTL', 'EX', 'PX', 'EXAT', 'nx', 'BAD'])]), ...maybe(r, 0.2, () => [pick(r, ['EX', 'PX']), pick(r, ['100000', '0', '-1', 'abc', '1000000'])])],
  (r) => ['GET', key(r)],
  (r) => ['GETRANGE', key(r), num(r), num(r)],
  (r) => ['SETRANGE', key(r), pick(r, ['0', '1', '5', '-1', 'x']), val(r)],
  (r) => ['APPEND', key(r), val(r)],
  (r) => [pick(r, ['INCR', 'DECR']), key(r)],
  (r) => [pick(r, ['INCRBY', 'DECRBY']), key(r), num(r)],
  (r) => ['INCRBYFLOAT', key(r), num(r)],
  (r) => ['STRLEN', key(r)],
  (r) => ['GETDEL', key(r)],
  (r) => ['GETEX', key(r), ...maybe(r, 0.5, () => [pick(r, ['PERSIST', 'EX', 'PX', 'BAD']), ...maybe(r, 0.7, () => [pick(r, ['100000', '0', 'x'])])])],
  (r) => ['MSET', ...some(r, KEYS, 0, 3).flatMap((k) => [k, val(r)]), ...maybe(r, 0.1, () => [key(r)])],
  (r) => ['MGET', ...some(r, KEYS, 1, 4)],
  (r) => ['MSETNX', ...some(r, KEYS, 1, 2).flatMap((k) => [k, val(r)])],
  (r) => ['SETNX', key(r), val(r)],
  (r) => ['GETSET', key(r), val(r)],
  (r) => ['SETEX', key(r), pick(r, ['100', '0', '-5', 'x']), val(r)],
  (r) => ['LCS', key(r), key(r), ...maybe(r, 0.5, () => [pick(r, ['LEN', 'IDX', 'MINMATCHLEN', 'WITHMATCHLEN', 'BAD']), ...maybe(r, 0.4, () => [num(r)])])],
]

const keyspace: Gen[] = [
  (r) => ['DEL', ...some(r, KEYS, 1, 3)],
  (r) => ['UNLINK', ...some(r, KEYS, 1, 2)],
  (r) => ['EXISTS', ...some(r, KEYS, 1, 3)],
  (r) => ['TYPE', key(r)],
  (r) => [pick(r, ['RENAME', 'RENAMENX']), key(r), key(r)],
  (r) => ['COPY', key(r), key(r), ...maybe(r, 0.4, () => [pick(r, ['REPLACE', 'DB', 'BAD'])])],
  (r) => [pick(r, ['EXPIRE', 'PEXPIRE']), key(r), pick(r, ['100000', '200000', '0', '-1', 'x', '9223372036854775807']), ...maybe(r, 0.4, () => [pick(r, ['NX', 'XX', 'GT', 'LT', 'BAD'])])],
  (r) => ['PERSIST', key(r)],
  (r) => [pick(r, ['TTL', 'PTTL', 'EXPIRETIME', 'PEXPIRETIME']), key(r)],
  (r) => ['OBJECT', pick(r, ['ENCODING', 'REFCOUNT', 'BAD']), key(r)],
  (r) => ['TOUCH', ...some(r, KEYS, 1, 3)],
  (r) => ['DBSIZE'],
  (r) => ['KEYS', pick(r, ['*', 's*', '?1', '[sl]*', 'x'])],
  (r) => ['SORT', key(r), ...maybe(r, 0.5, () => [pick(r, ['ALPHA', 'DESC', 'LIMIT', 'BY', 'GET'])]), ...maybe(r, 0.3, () => [pick(r, ['0', '1', 'nosort', '#'])])],
]

const lists: Gen[] = [
  (r) => [pick(r, ['LPUSH', 'RPUSH', 'LPUSHX', 'RPUSHX']), key(r), ...some(r, VALS, 0, 4)],
  (r) => [pick(r, ['LPOP', 'RPOP']), key(r), ...maybe(r, 0.4, () => [num(r)])],
  (r) => ['LRANGE', key(r), num(r), num(r)],
  (r) => ['LINDEX', key(r), num(r)],
  (r) => ['LSET', key(r), num(r), val(r)],
  (r) => ['LINSERT', key(r), pick(r, ['BEFORE', 'AFTER', 'MIDDLE']), val(r), val(r)],
  (r) => ['LREM', key(r), num(r), val(r)],
  (r) => ['LTRIM', key(r), num(r), num(r)],
  (r) => ['LLEN', key(r)],
  (r) => ['LPOS', key(r), val(r), ...maybe(r, 0.6, () => [pick(r, ['RANK', 'COUNT', 'MAXLEN', 'BAD']), num(r)])],
  (r) => ['LMOVE', key(r), key(r), pick(r, ['LEFT', 'RIGHT', 'UP']), pick(r, ['LEFT', 'RIGHT'])],
  (r) => ['RPOPLPUSH', key(r), key(r)],
  (r) => ['LMPOP', pick(r, ['1', '2', '0', 'x']), key(r), key(r), pick(r, ['LEFT', 'RIGHT', 'X']), ...maybe(r, 0.4, () => ['COUNT', num(r)])],
]

const hashes: Gen[] = [
  (r) => ['HSET', key(r), ...some(r, FIELDS, 1, 3).flatMap((f) => [f, val(r)]), ...maybe(r, 0.05, () => ['odd'])],
  (r) => ['HSETNX', key(r), pick(r, FIELDS), val(r)],
  (r) => ['HGET', key(r), pick(r, FIELDS)],
  (r) => ['HMGET', key(r), ...some(r, FIELDS, 1, 3)],
  (r) => ['HDEL', key(r), ...some(r, FIELDS, 1, 3)],
  (r) => ['HINCRBY', key(r), pick(r, FIELDS), num(r)],
  (r) => ['HINCRBYFLOAT', key(r), pick(r, FIELDS), num(r)],
  (r) => [pick(r, ['HGETALL', 'HKEYS', 'HVALS', 'HLEN']), key(r)],
  (r) => ['HSTRLEN', key(r), pick(r, FIELDS)],
  (r) => ['HEXISTS', key(r), pick(r, FIELDS)],
]

const sets: Gen[] = [
  (r) => ['SADD', key(r), ...some(r, VALS, 1, 4)],
  (r) => ['SREM', key(r), ...some(r, VALS, 1, 3)],
  (r) => ['SISMEMBER', key(r), val(r)],
  (r) => ['SMISMEMBER', key(r), ...some(r, VALS, 1, 3)],
  (r) => [pick(r, ['SCARD', 'SMEMBERS']), key(r)],
  (r) => [pick(r, ['SINTER', 'SUNION', 'SDIFF']), ...some(r, KEYS, 1, 3)],
  (r) => [pick(r, ['SINTERSTORE', 'SUNIONSTORE', 'SDIFFSTORE']), key(r), ...some(r, KEYS, 1, 3)],
  (r) => ['SINTERCARD', pick(r, ['1', '2', '3', '0', 'x']), ...some(r, KEYS, 1, 2), ...maybe(r, 0.4, () => ['LIMIT', num(r)])],
  (r) => ['SMOVE', key(r), key(r), val(r)],
]

const zsets: Gen[] = [
  (r) => ['ZADD', key(r), ...maybe(r, 0.4, () => some(r, ['NX', 'XX', 'GT', 'LT', 'CH', 'INCR'], 1, 2)), ...Array.from({length: int(r, 1, 3)}, () => [r() < 0.8 ? String(int(r, -3, 9)) : pick(r, SCORES), val(r)]).flat()],
  (r) => ['ZSCORE', key(r), val(r)],
  (r) => ['ZMSCORE', key(r), ...some(r, VALS, 1, 3)],
  (r) => ['ZINCRBY', key(r), num(r), val(r)],
  (r) => ['ZCARD', key(r)],
  (r) => ['ZRANGE', key(r), pick(r, [...SCORES, ...LEX]), pick(r, [...SCORES, ...LEX]), ...maybe(r, 0.5, () => some(r, ['BYSCORE', 'BYLEX', 'REV', 'WITHSCORES'], 1, 2)), ...maybe(r, 0.3, () => ['LIMIT', num(r), num(r)])],
  (r) => [pick(r, ['ZRANGEBYSCORE', 'ZREVRANGEBYSCORE', 'ZCOUNT']), key(r), pick(r, SCORES), pick(r, SCORES), ...maybe(r, 0.4, () => [pick(r, ['WITHSCORES', 'LIMIT'])]), ...maybe(r, 0.3, () => [num(r), num(r)])],
  (r) => [pick(r, ['ZRANGEBYLEX', 'ZREVRANGEBYLEX', 'ZLEXCOUNT', 'ZREMRANGEBYLEX']), key(r), pick(r, LEX), pick(r, LEX)],
  (r) => [pick(r, ['ZRANK', 'ZREVRANK']), key(r), val(r)],
  (r) => ['ZREM', key(r), ...some(r, VALS, 1, 3)],
  (r) => [pick(r, ['ZREMRANGEBYRANK']), key(r), num(r), num(r)],
  (r) => [pick(r, ['ZREMRANGEBYSCORE']), key(r), pick(r, SCORES), pick(r, SCORES)],
  (r) => [pick(r, ['ZPOPMIN', 'ZPOPMAX']), key(r), ...maybe(r, 0.5, () => [num(r)])],
  (r) => [pick(r, ['ZUNIONSTORE', 'ZINTERSTORE', 'ZDIFFSTORE']), key(r), pick(r, ['1', '2', '0', 'x', '3']), ...some(r, KEYS, 1, 2), ...maybe(r, 0.4, () => [pick(r, ['WEIGHTS', 'AGGREGATE']), pick(r, ['2', 'MAX', 'min', 'SUM', 'x', '1.5'])])],
  (r) => [pick(r, ['ZUNION', 'ZINTER', 'ZDIFF']), pick(r, ['1', '2', '0', 'x']), ...some(r, KEYS, 1, 2), ...maybe(r, 0.5, () => [pick(r, ['WITHSCORES', 'AGGREGATE', 'WEIGHTS'])]), ...maybe(r, 0.3, () => [pick(r, ['MAX', '2', 'x'])])],
  (r) => ['ZRANGESTORE', key(r), key(r), num(r), num(r), ...maybe(r, 0.4, () => [pick(r, ['BYSCORE', 'REV', 'WITHSCORES'])])],
  (r) => ['ZMPOP', pick(r, ['1', '2', '0']), key(r), key(r), pick(r, ['MIN', 'MAX', 'X']), ...maybe(r, 0.4, () => ['COUNT', num(r)])],
]

const bits: Gen[] = [
  (r) => ['SETBIT', key(r), pick(r, ['0', '1', '7', '8', '100', '-1', 'x', '4294967296']), pick(r, ['0', '1', '2'])],
  (r) => ['GETBIT', key(r), pick(r, ['0', '1', '7', '100', '-1'])],
  (r) => ['BITCOUNT', key(r), ...maybe(r, 0.6, () => [num(r), num(r), ...maybe(r, 0.4, () => [pick(r, ['BYTE', 'BIT', 'bad'])])])],
  (r) => ['BITPOS', key(r), pick(r, ['0', '1', '2']), ...maybe(r, 0.6, () => [num(r), ...maybe(r, 0.6, () => [num(r), ...maybe(r, 0.4, () => [pick(r, ['BYTE', 'BIT'])])])])],
  (r) => ['BITOP', pick(r, ['AND', 'OR', 'XOR', 'NOT', 'NAND']), key(r), ...some(r, KEYS, 1, 2)],
  (r) => ['BITFIELD', key(r), ...Array.from({length: int(r, 1, 2)}, () => [pick(r, ['GET', 'SET', 'INCRBY', 'OVERFLOW']), pick(r, ['u8', 'i8', 'u1', 'i64', 'u63', 'u64', 'x', 'WRAP', 'SAT', 'FAIL']), pick(r, ['0', '#1', '8', '-1']), num(r)]).flat()],
  (r) => ['PFADD', key(r), ...some(r, VALS, 0, 3)],
  (r) => ['PFCOUNT', ...some(r, KEYS, 1, 2)],
]

const streams: Gen[] = [
  (r) => ['XADD', key(r), ...maybe(r, 0.2, () => [pick(r, ['NOMKSTREAM', 'MAXLEN', 'MINID'])]), pick(r, ['1-1', '2-0', '5', '0-0', '3-*', '7-*', '8', 'x', '18446744073709551615-0']), ...some(r, FIELDS, 1, 2).flatMap((f) => [f, val(r)])],
  (r) => [pick(r, ['XRANGE', 'XREVRANGE']), key(r), pick(r, ['-', '+', '0', '1-1', '(1-1', '2', 'x']), pick(r, ['-', '+', '5', '2-0', '(5']), ...maybe(r, 0.3, () => ['COUNT', num(r)])],
  (r) => ['XLEN', key(r)],
  (r) => ['XDEL', key(r), pick(r, ['1-1', '2-0', '5-0', 'x'])],
  (r) => ['XTRIM', key(r), pick(r, ['MAXLEN', 'MINID', 'BAD']), ...maybe(r, 0.3, () => [pick(r, ['=', '~'])]), pick(r, ['0', '1', '2-0', 'x'])],
]

/** Encoding thresholds the sequences change (CONFIG SET), reset to these defaults at each seed's start. */
export const ENCODING_LIMITS: Record<string, string> = {
  'hash-max-listpack-entries': '512',
  'hash-max-listpack-value': '64',
  'zset-max-listpack-entries': '128',
  'zset-max-listpack-value': '64',
  'set-max-intset-entries': '512',
  'list-max-listpack-size': '-2',
}

const ID = ['0', '0-0', '$', '1-1', '2-0', '5', '>', 'x']
const groups: Gen[] = [
  (r) => ['XGROUP', 'CREATE', key(r), pick(r, ['g1', 'g2']), pick(r, ['0', '$', '1-1', 'x']), ...maybe(r, 0.5, () => ['MKSTREAM']), ...maybe(r, 0.2, () => ['ENTRIESREAD', num(r)])],
  (r) => ['XGROUP', pick(r, ['DESTROY', 'CREATECONSUMER', 'DELCONSUMER', 'SETID']), key(r), pick(r, ['g1', 'g2']), ...maybe(r, 0.8, () => [pick(r, ['c1', 'c2', '0', '$'])])],
  (r) => ['XREADGROUP', 'GROUP', pick(r, ['g1', 'g2']), pick(r, ['c1', 'c2']), ...maybe(r, 0.5, () => ['COUNT', num(r)]), ...maybe(r, 0.2, () => ['NOACK']), 'STREAMS', key(r), pick(r, ID)],
  (r) => ['XREAD', ...maybe(r, 0.5, () => ['COUNT', num(r)]), 'STREAMS', ...some(r, KEYS, 1, 2).flatMap((k, _, ks) => (ks.length ? [k] : [])), pick(r, ID)],
  (r) => ['XACK', key(r), pick(r, ['g1', 'g2']), ...some(r, ['1-1', '2-0', '5-0', '3-1', 'x'], 1, 2)],
  (r) => ['XPENDING', key(r), pick(r, ['g1', 'g2'])],
  (r) => ['XCLAIM', key(r), pick(r, ['g1', 'g2']), pick(r, ['c1', 'c2']), '0', ...some(r, ['1-1', '2-0', '5-0', '3-1'], 1, 2), ...maybe(r, 0.3, () => [pick(r, ['JUSTID', 'FORCE', 'RETRYCOUNT', 'LASTID'])])],
  (r) => ['XAUTOCLAIM', key(r), pick(r, ['g1', 'g2']), pick(r, ['c1', 'c2']), '0', pick(r, ['0-0', '0', '2-0', 'x']), ...maybe(r, 0.4, () => ['COUNT', num(r)]), ...maybe(r, 0.2, () => ['JUSTID'])],
  (r) => ['XINFO', pick(r, ['GROUPS', 'STREAM']), key(r)],
  (r) => ['XSETID', key(r), pick(r, ['0-0', '5-0', '10-1', 'x']), ...maybe(r, 0.3, () => [pick(r, ['ENTRIESADDED', 'MAXDELETEDID']), pick(r, ['1', '5-0', 'x'])])],
]

const geo: Gen[] = [
  (r) => ['GEOADD', key(r), ...maybe(r, 0.2, () => [pick(r, ['NX', 'XX', 'CH'])]), ...Array.from({length: int(r, 1, 2)}, () => [pick(r, ['13.361389', '15.087269', '-122.27', '0', '180', '181', 'x']), pick(r, ['38.115556', '37.502669', '37.8', '85.06', '86', '-90']), pick(r, ['Palermo', 'Catania', 'a', 'b'])]).flat()],
  (r) => ['GEODIST', key(r), pick(r, ['Palermo', 'a', 'b']), pick(r, ['Catania', 'a', 'zz']), ...maybe(r, 0.5, () => [pick(r, ['km', 'm', 'mi', 'ft', 'x'])])],
  (r) => [pick(r, ['GEOPOS', 'GEOHASH']), key(r), ...some(r, ['Palermo', 'Catania', 'a', 'b', 'zz'], 1, 3)],
  (r) => ['GEOSEARCH', key(r), ...pick(r, [['FROMMEMBER', pick(r, ['Palermo', 'a', 'zz'])], ['FROMLONLAT', '15', '37']]), ...pick(r, [['BYRADIUS', pick(r, ['200', '10', '0', '-1']), pick(r, ['km', 'm'])], ['BYBOX', '400', '400', 'km']]), ...maybe(r, 0.5, () => [pick(r, ['ASC', 'DESC', 'WITHDIST', 'WITHCOORD', 'WITHHASH'])]), ...maybe(r, 0.3, () => ['COUNT', num(r)])],
  (r) => ['GEORADIUS', key(r), '15', '37', pick(r, ['200', '10']), 'km', ...maybe(r, 0.6, () => some(r, ['WITHDIST', 'WITHCOORD', 'ASC', 'DESC', 'WITHHASH'], 1, 3))],
]

const server: Gen[] = [
  (r) => ['SELECT', pick(r, ['0', '0', '1', '16', 'x'])],
  (r) => ['MOVE', key(r), pick(r, ['0', '1', '16'])],
  (r) => ['SWAPDB', pick(r, ['0', '1']), pick(r, ['0', '1', '99'])],
  (r) => ['DUMP', key(r)],
  (r) => ['OBJECT', pick(r, ['ENCODING', 'FREQ', 'IDLETIME']), key(r)],
  (r) => ['PFMERGE', key(r), ...some(r, KEYS, 0, 2)],
  (r) => [pick(r, ['BLPOP', 'BRPOP', 'BZPOPMIN', 'BZPOPMAX']), ...some(r, KEYS, 1, 2), '0.01'],
  // (not list-max-listpack-size: a list keeps the nodes it was built with, which the node does not
  // model — it lays them out by the current setting, README: differences; set per seed instead)
  (r) => ['CONFIG', 'SET', pick(r, Object.keys(ENCODING_LIMITS).filter((k) => k !== 'list-max-listpack-size')), pick(r, ['1', '2', '4', '16', '128', '-2', '0', '007', ' 5', '', '1kb', '-0', '+3'])],
  (r) => [pick(r, ['EXPIREAT', 'PEXPIREAT']), key(r), pick(r, ['1', '0', '9999999999', '99999999999999', 'x']), ...maybe(r, 0.3, () => [pick(r, ['NX', 'XX', 'GT', 'LT'])])],
  (r) => ['PSETEX', key(r), pick(r, ['100000', '0', 'x']), val(r)],
  (r) => ['SORT_RO', key(r), ...maybe(r, 0.5, () => [pick(r, ['ALPHA', 'DESC', 'STORE'])])],
  (r) => ['BITFIELD_RO', key(r), 'GET', pick(r, ['u8', 'i5', 'x']), pick(r, ['0', '#1', '3'])],
  (r) => ['ZINTERCARD', pick(r, ['1', '2', '0']), ...some(r, KEYS, 1, 2), ...maybe(r, 0.3, () => ['LIMIT', num(r)])],
  (r) => [pick(r, ['ZREVRANGE', 'SUBSTR']), key(r), num(r), num(r), ...maybe(r, 0.3, () => ['WITHSCORES'])],
  (r) => [pick(r, ['SRANDMEMBER', 'HRANDFIELD', 'ZRANDMEMBER', 'SPOP']), key(r), '0'],
  // random pickers with a count (compared by shape, or whole when the count covers the value):
  // counts past ±LONG_MAX/2 only with WITHSCORES/WITHVALUES, which refuses them (without, redis
  // would build that many elements)
  (r) => {
    const name = pick(r, ['SRANDMEMBER', 'HRANDFIELD', 'ZRANDMEMBER'])
    const withx = name === 'HRANDFIELD' ? 'WITHVALUES' : name === 'ZRANDMEMBER' ? 'WITHSCORES' : null
    if (withx && r() < 0.15) return [name, key(r), pick(r, ['-4611686018427387904', '4611686018427387904', '-9223372036854775807', '9223372036854775807']), withx]
    const count = pick(r, ['1', '2', '3', '5', '20', '-1', '-2', '-5', '-20', '9223372036854775807', '-9223372036854775808', 'x', '1.5', ' 1', '+2', '-0', '0x3'])
    return [name, key(r), count, ...(withx ? maybe(r, 0.5, () => [pick(r, [withx, withx.toLowerCase(), 'WITHX'])]) : [])]
  },
  (r) => ['BLMOVE', key(r), key(r), 'LEFT', 'RIGHT', '0.01'],
]

// Lua values a script returns (the Lua -> RESP2/RESP3 conversions), and library calls of 7.0's
// scripting environment (no tables with string keys but error/status ones, and no RESP3 maps or sets
// read into Lua: their order is the table layout's, README: differences)
const LUA_ATOMS = ['1', '0', '-1', '1.5', '-2.7', '1e300', '2^53', '2^63', '-0', '0/0', '1/0', '-1/0', "'abc'", "''", 'true', 'false', 'nil', "{err='boom'}", "{err='ERR custom'}", "{ok='fine'}", "redis.error_reply('bad')", "redis.status_reply('good')", "redis.error_reply('-WRONGTYPE x')", "tonumber('0x10')", "tonumber(' 12 ')", "tonumber('1e2')", "string.format('%.3f', 1/3)", "string.format('%d', 3.99)", "string.rep('ab', 3)", 'math.floor(-2.5)', 'math.fmod(7, 3)', "cjson.encode({1, 2, 'a', true})", "cjson.encode({})", "cjson.decode('[1,2.5,\"x\",null]')", "cjson.decode('{\"a\":[1,2]}').a", "cmsgpack.unpack(cmsgpack.pack({1, 'two', 3.5}))", "#cmsgpack.pack(12345678901)", 'bit.band(0xff, 0x0f)', 'bit.tohex(255)', "bit.lshift(1, 40)", "redis.sha1hex('')", "select('#', 1, nil, 3)", "type(redis)", "tostring(1e15)", "tostring(2^63)", "redis.call('ECHO', 'x')", "redis.pcall('INCR', 'hello')", "redis.pcall('NOSUCH')", "redis.pcall('SET')", "{1, nil, 3}", "{nil, 2}", "{1, {2, {3, {4}}}}", "{1, 2, x = 3}", "string.byte('A')", "('x'):upper()", "struct and 1 or 0", "unpack({1, 2, 3})"]
function luaExpr(r: Rng, depth = 0): string {
  if (depth < 2 && r() < 0.25) return `{${Array.from({length: int(r, 0, 3)}, () => luaExpr(r, depth + 1)).join(', ')}}`
  return pick(r, LUA_ATOMS)
}
const lua: Gen[] = [
  (r) => ['EVAL', `return ${luaExpr(r)}`, '0'],
  (r) => ['EVAL', `redis.setresp(3); return ${pick(r, ["redis.call('ZSCORE', KEYS[1], 'a')", "redis.call('ZRANGE', KEYS[1], 0, -1, 'WITHSCORES')", "redis.call('ZRANDMEMBER', KEYS[1], 0)", "redis.call('GET', KEYS[1])", "redis.call('EXISTS', KEYS[1]) == 1", luaExpr(r)])}`, '1', key(r)],
  (r) => ['EVAL', `return redis.pcall(${pick(r, ["'GET'", "'INCR'", "'LPUSH'", "'HGET'", "'ZADD'"])}, KEYS[1]${pick(r, ['', ", ARGV[1]", ", ARGV[1], ARGV[2]"])})`, '1', key(r), val(r), val(r)],
  (r) => ['EVAL', pick(r, ['return ARGV[1] + 0', "return tonumber(ARGV[1])", 'return #ARGV', "return redis.call('SET', KEYS[1], ARGV[1])", 'return KEYS', "error('oops')", "error({err='ERR mine'})", 'return redis.call(ARGV[1])', 'x = 1', "return redis.call('SET', KEYS[1], 1.5)", "return redis.call('SET', KEYS[1], true)"]), pick(r, ['0', '1', '-1', 'x']), key(r), val(r)],
]

// The script the EVAL-family wrappers run (EVALSHA names it by its SHA1) and a function library
// with the same body, as a writing function and a no-writes one (FCALL / FCALL_RO).
export const SCRIPT_BODY = 'return redis.call(unpack(ARGV))'
const SCRIPT_SHA = createHash('sha1').update(SCRIPT_BODY).digest('hex')
const LIBRARY = "#!lua name=fz\nredis.register_function('f', function(keys, args) return redis.call(unpack(args)) end)\nredis.register_function{function_name='ro', callback=function(keys, args) return redis.call(unpack(args)) end, flags={'no-writes'}}"
const CURSORS = ['0', '0', '0', '+0', '-0', '', ' 0', '0 ', 'x', '18446744073709551616']
const more: Gen[] = [
  // blocking pops that time out (or answer at once: a key with elements, MULTI, a script)
  (r) => ['BLMPOP', pick(r, ['0.01', '0.01', '-1', 'x']), pick(r, ['1', '2', '0', 'x']), ...some(r, KEYS, 1, 2), pick(r, ['LEFT', 'RIGHT', 'UP']), ...maybe(r, 0.4, () => ['COUNT', num(r)])],
  (r) => ['BZMPOP', pick(r, ['0.01', '0.01', '-1']), pick(r, ['1', '2', '0']), ...some(r, KEYS, 1, 2), pick(r, ['MIN', 'MAX', 'UP']), ...maybe(r, 0.4, () => ['COUNT', num(r)])],
  (r) => ['BRPOPLPUSH', key(r), key(r), pick(r, ['0.01', 'x', '-1'])],
  (r) => ['HMSET', key(r), ...some(r, FIELDS, 0, 3).flatMap((f) => [f, val(r)])],
  // whole scans (COUNT 1000 covers these small collections in one call; compared sorted), cursor edge forms
  (r) => [pick(r, ['SSCAN', 'HSCAN', 'ZSCAN']), key(r), pick(r, CURSORS), ...maybe(r, 0.4, () => ['MATCH', pick(r, ['*', 'a*', '?', '[ab]*', '*1*', 'f*', '[^a]*'])]), 'COUNT', pick(r, ['1000', '1000', '1000', '0', '-1', 'x'])],
  (r) => ['SCAN', pick(r, CURSORS), 'COUNT', pick(r, ['1000', '1000', '0']), ...maybe(r, 0.4, () => ['MATCH', pick(r, ['*', 's*', '?1', '[hz]*', '*{t}*'])]), ...maybe(r, 0.4, () => ['TYPE', pick(r, ['string', 'list', 'hash', 'set', 'zset', 'stream', 'nosuch'])])],
  // a key's DUMP restored into another key (every type and encoding through the RDB payload), or damaged
  (r) => ['EVAL', `local d = redis.call('DUMP', KEYS[1]) if not d then return 'none' end return redis.pcall('RESTORE', KEYS[2], ARGV[1], ${pick(r, ['d', 'd', 'd', 'string.sub(d, 1, -2)', "d .. 'x'", 'string.sub(d, 1, 10)'])}, unpack(ARGV, 2))`, '2', key(r), key(r), pick(r, ['0', '0', '100000', '-1', 'x']), ...some(r, ['REPLACE', 'REPLACE', 'ABSTTL', 'IDLETIME', '10', 'FREQ', '5', 'x'], 0, 2)],
  (r) => ['WATCH', ...some(r, KEYS, 1, 2)],
  (r) => ['UNWATCH'],
  (r) => (r() < 0.7 ? ['FUNCTION', 'LOAD', ...maybe(r, 0.8, () => ['REPLACE']), LIBRARY] : pick(r, [['FUNCTION', 'DELETE', 'fz'], ['FUNCTION', 'STATS'], ['SCRIPT', 'EXISTS', SCRIPT_SHA, 'x']])),
  (r) => [pick(r, ['GEORADIUSBYMEMBER', 'GEORADIUSBYMEMBER_RO', 'GEORADIUS_RO']), key(r), ...pick(r, [[pick(r, ['Palermo', 'a', 'zz'])], ['15', '37']]), pick(r, ['200', '10', '0', '-1', 'x']), pick(r, ['km', 'm', 'mi', 'x']), ...maybe(r, 0.6, () => some(r, ['WITHDIST', 'WITHCOORD', 'ASC', 'DESC', 'WITHHASH', 'ANY'], 1, 2)), ...maybe(r, 0.3, () => ['COUNT', num(r)]), ...maybe(r, 0.2, () => [pick(r, ['STORE', 'STOREDIST']), key(r)])],
  (r) => ['GEOSEARCHSTORE', key(r), key(r), ...pick(r, [['FROMMEMBER', pick(r, ['Palermo', 'a', 'zz'])], ['FROMLONLAT', '15', '37']]), ...pick(r, [['BYRADIUS', pick(r, ['200', '10', '0'])], ['BYBOX', '400', '400']]), pick(r, ['km', 'm']), ...maybe(r, 0.5, () => [pick(r, ['ASC', 'DESC', 'STOREDIST', 'WITHDIST'])]), ...maybe(r, 0.3, () => ['COUNT', num(r)])],
  (r) => pick(r, [['ECHO', val(r)], ['PING'], ['PING', val(r)], ['PUBLISH', 'ch', val(r)], ['FLUSHDB', ...maybe(r, 0.5, () => [pick(r, ['ASYNC', 'SYNC', 'x'])])], ['OBJECT', pick(r, ['FREQ', 'HELP', 'NOSUCH'])]]),
  (r) => ['XINFO', pick(r, ['CONSUMERS', 'STREAM', 'GROUPS']), key(r), ...maybe(r, 0.5, () => [pick(r, ['g1', 'g2', 'FULL'])])],
]

const GROUPS = [strings, keyspace, lists, hashes, sets, zsets, bits, streams, groups, geo, server, lua, more]

/** A write that may serve `blocked` (a push, ZADD or XADD onto one of its keys). */
export function feeding(r: Rng, blocked: string[], step: number): string[] {
  const name = blocked[0]
  const keys = blocked.filter(isKey)
  const k = pick(r, keys.length ? keys : [blocked[1]])
  if (/^B?ZM?POP|^BZ/.test(name)) return ['ZADD', k, ...some(r, SCORES.filter((x) => !x.startsWith('(')), 1, 2).flatMap((sc) => [sc, val(r)])]
  if (name.startsWith('XREAD')) return ['XADD', k, `${100 + step}-*`, pick(r, FIELDS), val(r)]
  return [pick(r, ['RPUSH', 'LPUSH', 'LPUSHX', 'RPUSHX']), k, ...some(r, VALS, 1, 3)]
}

/** A blocking command with no timeout, for a blocking connection of --block (fuzz-block.ts). */
export function blockingCommand(r: Rng): string[] {
  const keys = (): string[] => some(r, KEYS, 1, 2)
  return pick(r, [
    () => [pick(r, ['BLPOP', 'BRPOP', 'BZPOPMIN', 'BZPOPMAX']), ...keys(), '0'],
    () => ['BLMOVE', key(r), key(r), pick(r, ['LEFT', 'RIGHT']), pick(r, ['LEFT', 'RIGHT']), '0'],
    () => ['BRPOPLPUSH', key(r), key(r), '0'],
    () => {
      const ks = keys()
      return [pick(r, ['BLMPOP', 'BZMPOP']), '0', String(ks.length), ...ks, pick(r, ['LEFT', 'RIGHT', 'MIN', 'MAX']), ...maybe(r, 0.4, () => ['COUNT', String(int(r, 1, 3))])]
    },
    () => ['XREAD', ...maybe(r, 0.3, () => ['COUNT', '2']), 'BLOCK', '0', 'STREAMS', key(r), pick(r, ['$', '0-0', '2-0'])],
    () => ['XREADGROUP', 'GROUP', pick(r, ['g1', 'g2']), 'c3', ...maybe(r, 0.3, () => ['NOACK']), 'BLOCK', '0', 'STREAMS', key(r), pick(r, ['>', '0'])],
  ])()
}

/** The commands that run a script or function over a random command's arguments (normalised as that command). */
const WRAPPERS = new Set(['EVAL', 'EVALSHA', 'EVAL_RO', 'EVALSHA_RO', 'FCALL', 'FCALL_RO'])

const RANDOM = new Set(['SRANDMEMBER', 'HRANDFIELD', 'ZRANDMEMBER', 'SPOP'])

/** One random command: now and then MULTI/EXEC/DISCARD around them, or one run by a script. */
export function randomCommand(r: Rng): string[] {
  const y = r()
  if (y < 0.01) return ['MULTI']
  if (y < 0.02) return [pick(r, ['EXEC', 'EXEC', 'DISCARD'])]
  const argv = pick(r, pick(r, GROUPS))(r)
  if (y < 0.05) return ['EVAL', pick(r, [SCRIPT_BODY, 'return redis.pcall(unpack(ARGV))']), '0', ...argv]
  if (y < 0.07) return [...pick(r, [['EVALSHA', SCRIPT_SHA], ['EVALSHA_RO', SCRIPT_SHA], ['EVAL_RO', SCRIPT_BODY], ['FCALL', 'f'], ['FCALL_RO', 'ro'], ['FCALL', 'ro']]), '0', ...argv]
  // now and then a command with an argument missing or one too many (arity and syntax errors)
  const x = r()
  // (not for the random pickers: without their count of 0 they pick at random)
  if (x < 0.02 && argv.length > 1 && !RANDOM.has(argv[0])) argv.pop()
  else if (x < 0.04) argv.push(pick(r, ['extra', '1', 'WITHSCORES']))
  return argv
}

// Replies Redis leaves unordered (dict iteration order, random per process): compared as sorted.
const UNORDERED = new Set(['smembers', 'sinter', 'sunion', 'sdiff', 'hkeys', 'hvals', 'keys'])

const cmp = (a: Reply, b: Reply): number => {
  const x = JSON.stringify(a)
  const y = JSON.stringify(b)
  return x < y ? -1 : x > y ? 1 : 0
}

const PICKERS = new Set(['srandmember', 'hrandfield', 'zrandmember'])

/**
 * A random pick with a count as compared: the whole value (sorted) when a positive count was not
 * reached; otherwise only its shape — the container, how many picks, each pick's element and score
 * or value as a type (bulk, RESP3 double…), paired flat (RESP2) or nested (RESP3).
 */
function pickedShape(argv: string[], reply: Reply, xs: Reply[]): Reply {
  const container = Array.isArray(reply) ? 'array' : 'set'
  const paired = argv.length > 3
  const nested = xs.length > 0 && Array.isArray(xs[0])
  const units: Reply[][] = paired && !nested ? Array.from({length: Math.floor(xs.length / 2)}, (_, i) => [xs[2 * i], xs[2 * i + 1]]) : xs.map((x) => (Array.isArray(x) ? x : [x]))
  const count = Number(argv[2])
  if (count > 0 && units.length < count) return [container, String(nested), 'whole', [...units].sort(cmp)]
  const kind = (x: Reply): string => (typeof x === 'string' ? (/^[,+#(]/.test(x) ? x[0] : '$') : typeof x === 'number' ? ':' : String(x))
  return [container, String(nested), units.length, [...new Set(units.map((u) => u.map(kind).join(' ')))].sort()]
}

/** A reply with the clock taken out: an `idle` count, and any millisecond time within a day of now. */
function clockFree(reply: Reply, prev?: Reply): Reply {
  if (typeof reply === 'number') return prev === 'idle' || Math.abs(reply - Date.now()) < 86400_000 ? 'ms' : reply
  if (Array.isArray(reply)) return reply.map((x, i) => clockFree(x, reply[i - 1]))
  if (reply && typeof reply === 'object' && 'map' in reply) return {map: reply.map.map((x, i) => clockFree(x, reply.map[i - 1]))}
  return reply
}

/** The reply as compared: unordered collections sorted, remaining TTLs reduced to their sign. */
export function normalize(argv: string[], reply: Reply): Reply {
  if (WRAPPERS.has(argv[0]) && argv.length > 3) return normalize(argv.slice(3), reply) // the command the script ran
  const name = argv[0].toLowerCase()
  const inner = (r: Reply): Reply[] | undefined => (Array.isArray(r) ? r : r && typeof r === 'object' && 'set' in r ? r.set : undefined)
  if (PICKERS.has(name) && argv.length >= 3 && argv[2] !== '0') {
    const xs = inner(reply)
    if (xs) return pickedShape(argv, reply, xs)
  }
  // a whole scan (cursor 0 back): its elements in hash table order, random per process
  if (/^[shz]?scan$/.test(name) && Array.isArray(reply) && reply[0] === '0' && Array.isArray(reply[1])) {
    const xs = reply[1]
    if (name === 'scan' || name === 'sscan') return ['0', [...xs].sort(cmp)]
    const pairs: Reply[] = []
    for (let i = 0; i < xs.length; i += 2) pairs.push([xs[i], xs[i + 1]])
    return ['0', pairs.sort(cmp)]
  }
  // SORT … ALPHA compares C strings: values equal up to a NUL byte tie, and a set's ties come in its
  // hash table's order (random per process): each run of such ties compared sorted
  if ((name === 'sort' || name === 'sort_ro') && argv.some((x) => x.toLowerCase() === 'alpha') && Array.isArray(reply) && reply.every((x) => typeof x === 'string')) {
    const c = (x: string): string => (x.includes('\0') ? x.slice(0, x.indexOf('\0')) : x)
    const xs = [...(reply as string[])]
    for (let i = 0; i < xs.length; ) {
      let j = i + 1
      while (j < xs.length && c(xs[j]) === c(xs[i])) j++
      xs.splice(i, j - i, ...xs.slice(i, j).sort())
      i = j
    }
    return xs
  }
  // a consumer's idle and inactive times are the clock's
  // (XINFO: a consumer's idle time, and in STREAM FULL its seen-time and each pending entry's delivery time)
  if (name === 'xinfo') return clockFree(reply)
  if (UNORDERED.has(name)) {
    const xs = inner(reply)
    if (xs) return [...xs].sort(cmp)
  }
  if (name === 'hgetall') {
    if (Array.isArray(reply)) {
      const pairs: Reply[] = []
      for (let i = 0; i < reply.length; i += 2) pairs.push([reply[i], reply[i + 1]])
      return pairs.sort(cmp)
    }
    if (reply && typeof reply === 'object' && 'map' in reply) {
      const pairs: Reply[] = []
      for (let i = 0; i < reply.map.length; i += 2) pairs.push([reply.map[i], reply.map[i + 1]])
      return {map: pairs.sort(cmp)}
    }
  }
  // a hash table's DUMP (RDB set or hash type, 2 or 4) lists it in its iteration order, random per process
  if (name === 'dump' && typeof reply === 'string' && (reply.charCodeAt(0) === 2 || reply.charCodeAt(0) === 4)) return `hash table dump of ${reply.length} bytes`
  // a list's DUMP holds its quicklist nodes, which redis lays out by the list's history (a LINSERT into
  // a full node splits it) and the node by its current contents (README: differences)
  if (name === 'dump' && typeof reply === 'string' && reply.charCodeAt(0) === 18) return 'quicklist dump'
  // a stream's DUMP carries its consumers' seen-time (milliseconds of the clock): only its size compares
  if (name === 'dump' && typeof reply === 'string' && [15, 19].includes(reply.charCodeAt(0))) return `stream dump of ${reply.length} bytes`
  if (/^p?(ttl|expiretime)$/.test(name) && typeof reply === 'number' && reply > 0) return 'positive'
  // seconds since the last access: a clock of its own, and for the shared integers 0-9999 redis
  // reports the last access of any key holding the same one (README: differences): a count is a count
  if (name === 'object' && argv[1]?.toLowerCase() === 'idletime' && typeof reply === 'number' && reply >= 0) return 'seconds'
  return reply
}

export interface Mismatch {
  seed: number
  step: number
  argv: string[]
  real: Reply
  ours: Reply
  /** the commands before it since the last FLUSHALL, for a reproduction; a blocker's command is
   *  ['(blocked)', index, db, ...argv], its release by CLIENT UNBLOCK ['(released)', index] */
  before: string[][]
  /** its keys right after it on both servers (type, encoding, contents), to see where they parted */
  state?: {real: Reply[]; ours: Reply[]}
  /** EXEC: the queued commands whose replies differ */
  queued?: string[]
  /** the connections' protocol */
  resp: 2 | 3
  /** --block: the blocked command this one served (or left waiting) differently, on blocker `index` */
  blocked?: {argv: string[]; real: Reply; ours: Reply; index: number}
  /** --block: `argv` is a blocking command a blocker sent, answered differently (or blocked on one only) */
  blocking?: boolean
  /** --block: the database that blocker had selected */
  blockingDb?: string
  /** set when the replies agree but what the command published or propagated differs (--notify, --repl, --stats, --track) */
  channel?: 'notifications' | 'replication' | 'stats' | 'tracking' | 'reads' | 'pushes'
  observed?: {real: Observed; ours: Observed}
  /** --track-modes: the connection whose pushes (or __redis__:invalidate messages) differ, and what each got */
  pushed?: {conn: string; real: Reply[]; ours: Reply[]}
  /** --clients N / --track-modes: the run's clients, whether it mixed tracking commands in, and
   *  the client (0-based) that sent `argv`; a command of another client than the first is
   *  ['(client)', index, ...argv] in `before` */
  clients?: number
  trackModes?: boolean
  client?: number
}

const show = (argv: string[]): string => argv.map((a) => (/^[\x21-\x7e]+$/.test(a) ? a : JSON.stringify(a))).join(' ')

export function describeMismatch(m: Mismatch): string {
  // the commands before it that named one of its keys (the ones that built the state it met)
  const keys = new Set(m.argv.slice(1).filter(isKey))
  const related = m.before.filter((b) => b.slice(1).some((a) => keys.has(a)))
  const queued = m.queued?.length ? `\n  queued commands answered differently: ${m.queued.join(' ; ')}` : ''
  const state = m.state ? `\n  keys on redis-server: ${JSON.stringify(m.state.real)}\n  keys on embedded:     ${JSON.stringify(m.state.ours)}` : ''
  const seen = (o: Observed): string => JSON.stringify(m.channel === 'notifications' ? o.notes : m.channel === 'stats' ? o.stats : m.channel === 'tracking' ? o.track : m.channel === 'reads' ? o.reads : o.repl)
  const pushed = m.pushed ? `\n  what reached ${m.pushed.conn} differs (replies agree):\n  redis-server: ${JSON.stringify(m.pushed.real)}\n  embedded:     ${JSON.stringify(m.pushed.ours)}` : ''
  const channel = m.channel && m.observed ? `\n  ${m.channel} differ (replies agree):\n  redis-server: ${seen(m.observed.real)}\n  embedded:     ${seen(m.observed.ours)}` : ''
  const blocked = m.blocked ? `\n  the blocked ${show(m.blocked.argv)} got:\n  redis-server: ${JSON.stringify(m.blocked.real)}\n  embedded:     ${JSON.stringify(m.blocked.ours)}` : ''
  const by = m.client ? `(client ${m.client + 1}) ` : ''
  return `seed ${m.seed} step ${m.step}: ${by}${show(m.argv)}\n  redis-server: ${JSON.stringify(m.real)}\n  embedded:     ${JSON.stringify(m.ours)}${channel}${pushed}${blocked}${queued}\n  after: ${related.slice(process.env.FUZZ_FULL ? 0 : -15).map(show).join(' ; ')}${state}`
}

/**
 * `commands` random commands of `seed` on both servers (RESP `resp`), compared one by one. After a
 * difference both are flushed (the states may differ from there on) and the run goes on.
 */
export async function fuzzSeed(ports: {real: number; ours: number}, seed: number, commands: number, resp: 2 | 3 = 2, watch?: string, cluster = false, observe: ObserveOptions = {}): Promise<Mismatch[]> {
  const nClients = Math.max(1, Number(observe.clients ?? 1))
  const modes = !!observe.trackModes
  const sides = await Promise.all([ClientSide.start(ports.real, nClients, modes), ClientSide.start(ports.ours, nClients, modes)])
  const [real, ours] = [sides[0].mains[0], sides[1].mains[0]]
  const out: Mismatch[] = []
  const observing = !!(observe.notify || observe.repl || observe.stats || observe.track || observe.trackReads)
  let obs: [Observer, Observer] | undefined
  let blockers: BlockPair[] = []
  try {
    // a reply that never comes is a difference too (a hang): after 5 s the run stops and names the command
    const within = <T>(p: Promise<T>, argv: string[], who: string): Promise<T> =>
      new Promise<T>((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`seed ${seed}: no reply from ${who} to ${show(argv)} in 5 s`)), 5000)
        p.then((v) => (clearTimeout(t), resolve(v)), (e) => (clearTimeout(t), reject(e)))
      })
    // a command of client `ci` on both servers (client ids named by their tokens: fuzz-clients.ts)
    const on = (ci: number, argv: string[]) => Promise.all([within(sides[0].mains[ci].call(sides[0].map(argv)), argv, 'redis-server'), within(sides[1].mains[ci].call(sides[1].map(argv)), argv, 'the embedded node')])
    const both = (argv: string[]) => on(0, argv)
    await both(['FLUSHALL'])
    const r = prng(seed)
    await both(['CONFIG', 'SET', ...Object.entries({...ENCODING_LIMITS, 'list-max-listpack-size': pick(r, ['-2', '-1', '1', '2', '4'])}).flat()])
    await both(['SCRIPT', 'FLUSH'])
    await both(['FUNCTION', 'FLUSH'])
    for (let ci = 0; ci < nClients; ci++) if (resp === 3) await on(ci, ['HELLO', '3'])
    if (observing) obs = await Promise.all([Observer.start(ports.real, observe), Observer.start(ports.ours, observe)])
    if (obs && observe.trackReads) await trackReads([real, ours], obs)
    if (obs && observe.trackReads) obs.forEach((o, k) => sides[k].name('@reads', o.readerId!))
    let before: string[][] = []
    // each client's database, open transaction (the commands queued, to normalise EXEC's replies) and protocol
    const st = Array.from({length: nClients}, () => ({db: '0', queued: null as string[][] | null, resp: resp as number}))
    blockers = await Promise.all(Array.from({length: Number(observe.block ?? 0)}, () => BlockPair.start(ports, resp)))
    const waiting = () => blockers.filter((b) => b.argv !== null)
    // a blocker's state after a command: both waiting, or both answered (the replies, to compare)
    const blockState = async (b: BlockPair): Promise<[Reply, Reply] | undefined> => {
      const argv = b.argv
      const st = await b.state()
      if (!st || !argv) return undefined
      const [sa, sb] = st
      return [sa === 'blocked' ? 'still blocked' : normalize(argv, sa), sb === 'blocked' ? 'still blocked' : normalize(argv, sb)]
    }
    // --track-modes: what reached each connection since the last step, on both servers (a client
    // inside MULTI is read once it has left it: its pushes wait in its PushConn meanwhile)
    const pushes = async (): Promise<[string, Reply[], Reply[]][]> => (modes ? syncPushes(sides, st.map((c) => c.queued !== null)) : [])
    // after a difference: a fresh start (the blockers released, no WATCH, no tracking, db 0, the
    // run's protocol, no keys), so that what the next difference needs to reproduce is only what ran since
    const restart = async (): Promise<void> => {
      await Promise.all(blockers.map((b) => b.release()))
      for (let ci = 0; ci < nClients; ci++) {
        if (st[ci].queued) await on(ci, ['DISCARD'])
        await on(ci, ['UNWATCH'])
        if (modes) await on(ci, ['CLIENT', 'TRACKING', 'OFF'])
        if (st[ci].resp !== resp) await on(ci, ['HELLO', String(resp)])
        if (!cluster) await on(ci, ['SELECT', '0'])
        st[ci] = {db: '0', queued: null, resp}
      }
      await both(['FLUSHALL'])
      if (modes && obs && observe.trackReads) await trackReads([real, ours], obs)
      await drain()
      await pushes()
      before = []
    }
    // what the commands since the last call published and propagated, on both servers
    const drain = async (): Promise<[Observed, Observed] | undefined> => (obs ? Promise.all([obs[0].drain(), obs[1].drain()]) : undefined)
    for (let step = 0; step < commands; step++) {
      // (--block: while a blocker waits, now and then a write onto one of its keys, in its database:
      // a SELECT of it first when the main connection is in another)
      const w = waiting()
      const fed = w.length && r() < 0.15 ? (w.length > 1 ? pick(r, w) : w[0]) : null
      const feed = fed?.argv ?? null
      // --clients N: which client sends it (the first one for a feed)
      const ci = fed || nClients === 1 || r() < 0.65 ? 0 : 1 + Math.floor(r() * (nClients - 1))
      const c = st[ci]
      let argv = fed && fed.db !== c.db ? ['SELECT', fed.db] : feed ? feeding(r, feed.map((a) => (a.startsWith(TAG) ? a.slice(TAG.length) : a)), step) : modes && r() < 0.06 ? trackingCommand(r, nClients) : ci > 0 && r() < 0.03 ? pick(r, [['HELLO', '2'], ['HELLO', '3'], ['RESET']]) : randomCommand(r)
      if (cluster) argv = tagged(argv)
      // SWAPDB serves the blocked clients of a database key by key in the order of its blocking_keys
      // dict (scanDatabaseForReadyKeys), a hash order random per process: with clients waiting on
      // more than one key, the serving order (and what each gets) is redis's chance, not compared
      const swaps = (x: string[]): boolean => x.some((a) => a.toUpperCase() === 'SWAPDB')
      if ((swaps(argv) || (argv[0] === 'EXEC' && c.queued?.some(swaps))) && new Set(w.flatMap((b) => b.argv!.filter(isKey).map((k) => `${b.db}/${k}`))).size > 1) argv = argv[0] === 'EXEC' ? ['DISCARD'] : ['PING']
      // SORT BY a pattern without '*' does not sort: a set comes in its hash table's order, random per process
      if (argv[0] === 'SORT') for (let i = 2; i + 1 < argv.length; i++) if (argv[i].toLowerCase() === 'by' && !argv[i + 1].includes('*')) argv.splice(i, 2, 'ALPHA')
      const [a, b] = await on(ci, argv)
      const tx = c.queued
      // the client's database (a SELECT run at once, or by EXEC), protocol (HELLO, RESET) and transaction
      const isReply = (x: Reply): boolean => Array.isArray(x) || (!!x && typeof x === 'object' && 'map' in x)
      if (argv[0] === 'SELECT' && a === '+OK') c.db = argv[1]
      if (argv[0] === 'HELLO' && isReply(a)) c.resp = Number(argv[1])
      if (argv[0] === 'EXEC' && tx && Array.isArray(a)) tx.forEach((q, i) => (q[0] === 'SELECT' && a[i] === '+OK' && (c.db = q[1]), q[0] === 'HELLO' && isReply(a[i]) && (c.resp = Number(q[1]))))
      if (argv[0] === 'RESET' && a === '+RESET') Object.assign(c, {db: '0', queued: null, resp: 2})
      else if (argv[0] === 'MULTI' && a === '+OK') c.queued = []
      else if (argv[0] === 'EXEC' || argv[0] === 'DISCARD') c.queued = null
      else if (c.queued && a === '+QUEUED') c.queued.push(argv)
      // (inside EXEC, OBJECT REFCOUNT of a value a queued SET stored counts the queued argument too: 2)
      const inExec = (q: string[], e: Reply): Reply => (q[0] === 'OBJECT' && q[1] === 'REFCOUNT' && typeof e === 'number' ? 'refcount' : normalize(q, e))
      const each = (x: Reply, side: ClientSide): Reply => (argv[0] === 'EXEC' && tx && Array.isArray(x) && x.length === tx.length ? x.map((e, i) => inExec(tx[i], side.unmap(tx[i], e))) : normalize(argv, side.unmap(argv, x)))
      const x = each(a, sides[0])
      const y = each(b, sides[1])
      const seen = await drain()
      const pushed = (await pushes()).find(([, p, q]) => JSON.stringify(p) !== JSON.stringify(q))
      const channel = (seen && observedDiffer(seen[0], seen[1])) || (pushed ? 'pushes' : undefined)
      // each waiting blocker: served alike or still waiting on both; one waiting 150 commands is
      // released by CLIENT UNBLOCK on both (the timeout's reply compared)
      let blockDiff: Mismatch['blocked']
      for (const b of blockers) {
        const blocked = b.argv
        if (!blocked) continue
        let served = await blockState(b)
        if (!served && step - b.at >= 150) {
          served = await b.release()
          before.push(['(released)', String(blockers.indexOf(b))])
        }
        if (!blockDiff && served && JSON.stringify(served[0]) !== JSON.stringify(served[1])) blockDiff = {argv: blocked, real: served[0], ours: served[1], index: blockers.indexOf(b)}
      }
      const multi = nClients > 1 || modes ? {clients: nClients, trackModes: modes, client: ci} : {}
      if (JSON.stringify(x) !== JSON.stringify(y) || channel || blockDiff) {
        const keys = [...new Set(argv.slice(1).filter(isKey))]
        const state = st[0].queued ? undefined : {real: await keyStates(real, keys), ours: await keyStates(ours, keys)}
        const diffQueued = tx && Array.isArray(x) && Array.isArray(y) ? tx.flatMap((q, i) => (JSON.stringify(x[i]) !== JSON.stringify(y[i]) ? [`#${i} ${show(q)}: ${JSON.stringify(x[i])} vs ${JSON.stringify(y[i])}`] : [])) : undefined
        const sameReply = JSON.stringify(x) === JSON.stringify(y)
        out.push({seed, step, argv, resp, real: x, ours: y, before, state, queued: diffQueued, ...multi, ...(sameReply && channel && seen && channel !== 'pushes' ? {channel, observed: {real: seen[0], ours: seen[1]}} : {}), ...(sameReply && channel === 'pushes' && pushed ? {channel, pushed: {conn: pushed[0], real: pushed[1], ours: pushed[2]}} : {}), ...(blockDiff ? {blocked: blockDiff} : {})})
        await restart()
      } else before.push(ci ? ['(client)', String(ci), ...argv] : argv)
      // --block: now and then a blocking command with no timeout on a free blocker
      const free = blockers.find((b) => b.argv === null)
      if (free && r() < 0.05) {
        let bargv = blockingCommand(r)
        if (cluster) bargv = tagged(bargv)
        // (now and then in database 1: SWAPDB, MOVE and COPY … DB reach it too)
        await free.select(!cluster && r() < 0.3 ? '1' : '0')
        free.send(bargv, step)
        const first = await blockState(free)
        if (first && JSON.stringify(first[0]) !== JSON.stringify(first[1])) {
          out.push({seed, step, argv: bargv, resp, blocking: true, blockingDb: free.db, real: first[0], ours: first[1], before, ...multi})
          await restart()
        } else if (!first) before.push(['(blocked)', String(blockers.indexOf(free)), free.db, ...bargv])
        await drain()
        await pushes()
      }
      // --watch <key>: the first command after which the key's type or encoding differs (a state
      // that parts silently, before a reply shows it)
      if (watch && !st[0].queued) {
        const [ea, eb] = await both(['EVAL', "return {redis.call('TYPE', KEYS[1])['ok'], redis.pcall('OBJECT', 'ENCODING', KEYS[1])}", '1', watch])
        if (JSON.stringify(ea) !== JSON.stringify(eb)) {
          console.log(`seed ${seed} step ${step}: after ${show(argv)} ${watch} is ${JSON.stringify(ea)} on redis-server, ${JSON.stringify(eb)} on the embedded node`)
          watch = undefined
        }
        await drain()
      }
    }
  } finally {
    sides.forEach((s) => s.close())
    await Promise.all(blockers.map((b) => b.release())).catch(() => undefined)
    blockers.forEach((b) => b.close())
    obs?.forEach((o) => o.close())
  }
  return out
}

/** --track-modes: each connection's pushes (a main connection's own, a redirect target's) since the last call, per connection. */
async function syncPushes(sides: ClientSide[], inMulti: boolean[]): Promise<[string, Reply[], Reply[]][]> {
  const out: [string, Reply[], Reply[]][] = []
  for (let ci = 0; ci < inMulti.length; ci++) {
    if (inMulti[ci]) continue
    const [p, q] = await Promise.all(sides.map((s) => s.mains[ci].sync()))
    out.push([`client ${ci + 1}`, p, q])
  }
  for (let i = 0; i < sides[0].readers.length; i++) {
    const [p, q] = await Promise.all(sides.map((s) => s.readers[i].sync()))
    out.push([READER_TOKENS[i], p, q])
  }
  return out
}

/** --track-reads: the main connections' invalidations go to their observers' reader connections. */
async function trackReads(mains: [{call(argv: string[]): Promise<Reply>}, {call(argv: string[]): Promise<Reply>}], obs: [Observer, Observer]): Promise<void> {
  for (let i = 0; i < 2; i++) {
    const r = await mains[i].call(['CLIENT', 'TRACKING', 'ON', 'REDIRECT', obs[i].readerId!])
    if (r !== '+OK') throw new Error(`CLIENT TRACKING ON REDIRECT: ${JSON.stringify(r)}`)
  }
}

/** Each key's type, encoding and contents (sorted where redis leaves the order open). */
async function keyStates(c: {call(argv: string[]): Promise<Reply>}, keys: string[]): Promise<Reply[]> {
  const out: Reply[] = []
  for (const k of keys) {
    const type = await c.call(['TYPE', k])
    const enc = await c.call(['OBJECT', 'ENCODING', k])
    const read: Record<string, string[]> = {'+string': ['GET', k], '+list': ['LRANGE', k, '0', '-1'], '+hash': ['HGETALL', k], '+set': ['SMEMBERS', k], '+zset': ['ZRANGE', k, '0', '-1', 'WITHSCORES'], '+stream': ['XRANGE', k, '-', '+']}
    const argv = read[String(type)]
    out.push([k, type, enc, argv ? normalize(argv, await c.call(argv)) : null])
  }
  return out
}

/**
 * The shortest command list (greedy delta debugging over `m.before`) after which `m.argv` still
 * answers differently: a reproduction to read, not 2,000 commands.
 */
export async function minimize(ports: {real: number; ours: number}, m: Mismatch): Promise<string[][]> {
  const nClients = m.clients ?? 1
  const modes = !!m.trackModes
  const sides = await Promise.all([ClientSide.start(ports.real, nClients, modes), ClientSide.start(ports.ours, nClients, modes)])
  const [real, ours] = [sides[0].mains[0], sides[1].mains[0]]
  const on = (ci: number, argv: string[]) => Promise.all([sides[0].mains[ci].call(sides[0].map(argv)), sides[1].mains[ci].call(sides[1].map(argv))])
  // a difference in what the command published or propagated: observed again on each attempt
  const observe: ObserveOptions = {notify: m.channel === 'notifications', repl: m.channel === 'replication', stats: m.channel === 'stats', track: m.channel === 'tracking', trackReads: m.channel === 'reads'}
  const obs = m.channel && m.channel !== 'pushes' ? await Promise.all([Observer.start(ports.real, observe), Observer.start(ports.ours, observe)]) : undefined
  if (obs && observe.trackReads) await trackReads([real, ours], obs)
  if (obs && observe.trackReads) obs.forEach((o, k) => sides[k].name('@reads', o.readerId!))
  const differs = async (cmds: string[][]): Promise<boolean> => {
    // each trial from the same start: no transaction left open by the last, no WATCH, no tracking,
    // the run's protocol, db 0 (an error in cluster mode, harmless), no keys, no pushes pending
    const inMulti = Array.from({length: nClients}, () => false)
    for (let ci = 0; ci < nClients; ci++) {
      for (const argv of [['DISCARD'], ['UNWATCH'], ...(modes ? [['CLIENT', 'TRACKING', 'OFF']] : []), ['HELLO', String(m.resp)], ['SELECT', '0']]) await on(ci, argv)
    }
    await on(0, ['FLUSHALL'])
    if (modes && obs && observe.trackReads) await trackReads([real, ours], obs)
    if (modes) await syncPushes(sides, inMulti)
    // --block: each blocked command on connections of its own, released as in the run
    const blockers = new Map<string, BlockPair>()
    const block = async (index: string, db: string, argv: string[]): Promise<[Reply, Reply] | undefined> => {
      await blockers.get(index)?.release()
      blockers.get(index)?.close()
      const b = await BlockPair.start(ports, m.resp)
      await b.select(db)
      blockers.set(index, b)
      b.send(argv, 0)
      return b.state()
    }
    const differ = (argv: string[], st: [Reply, Reply] | undefined): boolean => st !== undefined && JSON.stringify(normalize(argv, st[0])) !== JSON.stringify(normalize(argv, st[1]))
    // a client's command, its transaction state followed (the pushes of a client inside MULTI are read once it leaves it, as in the run)
    const send = async (ci: number, argv: string[]): Promise<[Reply, Reply]> => {
      const [a, b] = await on(ci, argv)
      if (argv[0] === 'MULTI' && a === '+OK') inMulti[ci] = true
      else if (['EXEC', 'DISCARD', 'RESET'].includes(argv[0])) inMulti[ci] = false
      return [a, b]
    }
    try {
      for (const argv of cmds) {
        if (argv[0] === '(blocked)') await block(argv[1], argv[2], argv.slice(3))
        else if (argv[0] === '(released)') await blockers.get(argv[1])?.release()
        else if (argv[0] === '(client)') await send(Number(argv[1]), argv.slice(2))
        else await send(0, argv)
      }
      if (m.blocking) return differ(m.argv, await block('new', m.blockingDb ?? '0', m.argv))
      if (obs) await Promise.all(obs.map((o) => o.drain()))
      if (modes) await syncPushes(sides, inMulti)
      const ci = m.client ?? 0
      const [a, b] = await send(ci, m.argv)
      if (obs) {
        const [x, y] = await Promise.all(obs.map((o) => o.drain()))
        return observedDiffer(x, y) === m.channel
      }
      if (m.channel === 'pushes') return (await syncPushes(sides, inMulti)).some(([conn, p, q]) => conn === m.pushed?.conn && JSON.stringify(p) !== JSON.stringify(q))
      if (m.blocked) return differ(m.blocked.argv, await blockers.get(String(m.blocked.index))?.state())
      return JSON.stringify(normalize(m.argv, sides[0].unmap(m.argv, a))) !== JSON.stringify(normalize(m.argv, sides[1].unmap(m.argv, b)))
    } finally {
      for (const b of blockers.values()) {
        await b.release()
        b.close()
      }
    }
  }
  let cmds = m.before
  try {
    if (!(await differs(cmds))) return cmds // depends on timing (or the reset before): as it was
    // first try keeping only the commands that name one of its keys, or no key at all (SWAPDB, MULTI…)
    const keys = new Set(m.argv.slice(1).filter(isKey))
    const related = cmds.filter((c) => c.some((a) => keys.has(a)) || !c.slice(1).some(isKey))
    if (related.length < cmds.length && (await differs(related))) cmds = related
    for (let chunk = Math.ceil(cmds.length / 2); chunk >= 1; chunk = chunk === 1 ? 0 : Math.ceil(chunk / 2)) {
      for (let i = 0; i < cmds.length; ) {
        const fewer = [...cmds.slice(0, i), ...cmds.slice(i + chunk)]
        if (await differs(fewer)) cmds = fewer
        else i += chunk
      }
    }
  } finally {
    sides.forEach((s) => s.close())
    obs?.forEach((o) => o.close())
  }
  return cmds
}

/** --cluster: both servers cluster-enabled, owning all 16384 slots (keys hash-tagged, CROSSSLOT with nokey). */
async function startClusterPair(): Promise<{redisPort: number; ourPort: number; stop(): Promise<void>}> {
  const {startPair, freePort, RawClient} = await import('./harness.js')
  const pair = await startPair({redisArgs: ['--cluster-enabled', 'yes', '--enable-debug-command', 'local'], nodeOverrides: {port: String(await freePort()), 'cluster-enabled': 'yes', 'cluster-port': String(await freePort()), 'cluster-config-file': 'nodes.conf', 'enable-debug-command': 'local'}})
  for (const port of [pair.redisPort, pair.ourPort]) {
    const c = await RawClient.connect(port)
    try {
      await c.call(['CLUSTER', 'ADDSLOTSRANGE', '0', '16383'])
      for (let i = 0; !String(await c.call(['CLUSTER', 'INFO'])).includes('cluster_state:ok'); i++) {
        if (i > 200) throw new Error(`the cluster on port ${port} never became ok`)
        await new Promise((res) => setTimeout(res, 50))
      }
    } finally {
      c.close()
    }
  }
  return pair
}

async function main(): Promise<void> {
  const arg = (name: string, dflt: string): string => {
    const i = process.argv.indexOf(`--${name}`)
    return i > 0 ? process.argv[i + 1] : dflt
  }
  const [lo, hi] = arg('seeds', '1-10').split('-').map(Number)
  const commands = Number(arg('commands', '3000'))
  const resp = Number(arg('resp', '2')) as 2 | 3
  const cluster = process.argv.includes('--cluster')
  const observe: ObserveOptions = {notify: process.argv.includes('--notify'), repl: process.argv.includes('--repl'), stats: process.argv.includes('--stats'), track: process.argv.includes('--track'), trackReads: process.argv.includes('--track-reads'), clients: Number(arg('clients', '1')), trackModes: process.argv.includes('--track-modes'), block: process.argv.includes('--blockers') ? Number(arg('blockers', '1')) : process.argv.includes('--block')}
  // (--notify/--repl switch the active expire cycle off: DEBUG)
  const debug = {redisArgs: ['--enable-debug-command', 'local'], nodeOverrides: {'enable-debug-command': 'local'}}
  const pair = cluster ? await startClusterPair() : await (await import('./harness.js')).startPair(debug)
  let total = 0
  try {
    for (let seed = lo; seed <= (hi ?? lo); seed++) {
      const w = process.argv.indexOf('--watch')
      const ms = await fuzzSeed({real: pair.redisPort, ours: pair.ourPort}, seed, commands, resp, w > 0 ? process.argv[w + 1] : undefined, cluster, observe)
      total += ms.length
      for (const m of ms) {
        console.log(describeMismatch(m))
        if (process.argv.includes('--minimize')) {
          const cmds = await minimize({real: pair.redisPort, ours: pair.ourPort}, m)
          console.log(`  reproduction (${cmds.length} commands, then the one above): ${cmds.map(show).join(' ; ')}`)
        }
      }
    }
  } finally {
    await pair.stop()
  }
  console.log(`${total} difference(s)`)
  process.exit(total ? 1 : 0)
}

if (process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href) void main()

// The write script of test/compat/propagation.test.ts: every write command form the embedded
// node implements, in the variants that propagate differently in redis 7.0 (rewritten, split,
// replaced by their effect, or not propagated at all because nothing changed or they failed).
// A step is one command, a list of commands run in order on one connection, or an object:
//   blocked: a command sent first on a second connection, which must block until `cmds` serve it
//   sleep:   ms to wait before `cmds` (lets TTLs pass)
//   random:  the step draws at random (SPOP ...): compare commands and keys, not the members
//   expiry:  a volatile key that the active expire cycle or the step's own lookup may reap first,
//            depending on timing: a lookup in a write propagates its DEL with the command inside
//            MULTI/EXEC, the active cycle propagates the DEL alone; both are compared without that
//            MULTI/EXEC pair (the DEL and the command must still match)
// `$TARGET` is replaced by the port of a third redis-server (the MIGRATE target).

//   known:   a documented divergence: run on both sides, reported, not failed
export type Step = string | (string | string[])[] | {cmds: (string | string[])[]; blocked?: string; sleep?: number; random?: boolean; expiry?: boolean; known?: string}

// Absolute times a few hours ahead, the same for both sides.
const S = Math.floor(Date.now() / 1000) + 7200
const MS = S * 1000 + 123

const strings: Step[] = [
  'SET s1 v', 'SET s1 v', 'SET s1 w NX', 'SET s2 v XX', 'SET s2 v NX', 'SET s2 v2 XX', 'SET s1 x GET', 'SET s3 x NX GET',
  'SET s4 v EX 100', 'SET s4 v PX 100000', `SET s4 v EXAT ${S}`, `SET s4 v PXAT ${MS}`, 'SET s4 v2 KEEPTTL', 'SET s4 v3 EX 100 GET',
  'SET s4 v4 XX PX 5000', 'SET s5 v NX EX 100', 'SET s5 v NX EX 100', 'SET s4 v EX 0', 'SET s4 v EX -1', 'SET s4 v EX abc', 'SET s4 v NX XX',
  // An absolute expiry in the past: the key is set, then expires at its next lookup (EXISTS), so
  // the DEL lands in this step on both sides whether the active cycle or the lookup finds it.
  ['SET p1 v PXAT 1', 'EXISTS p1'], ['SET p2 v EXAT 1', 'EXISTS p2'], ['SET p3 v PXAT 1 GET', 'EXISTS p3'], `SET p4 v PXAT ${MS} NX`, `SET p4 v pxat ${MS} xx get`, 'set p5 v get', 'SET p5 w GET get', 'SET p5 w gEt NX',
  'SET s4 v PX 9223372036854775807', 'SET s4 v EX 9223372036854775', 'SET s6 v KEEPTTL GET',
  'SETNX n1 a', 'SETNX n1 b', 'SETEX e1 100 v', 'SETEX e1 0 v', 'SETEX e1 -5 v', 'PSETEX e2 100000 v', 'PSETEX e2 0 v',
  'GETSET s1 new', 'GETSET nosuch new', 'GETDEL s1', 'GETDEL s1', 'GETDEL nosuch',
  'SET g1 v', 'GETEX g1', 'GETEX g1 EX 100', 'GETEX g1 PX 100000', `GETEX g1 EXAT ${S}`, `GETEX g1 PXAT ${MS}`, 'GETEX g1 PERSIST', 'GETEX g1 PERSIST',
  'GETEX nosuch EX 10', 'GETEX g1 EX 0', 'GETEX g1 EX -1', 'GETEX g1 FOO', `GETEX g1 EXAT ${S - 100000}`, 'GETEX g1', 'SET g2 v', 'GETEX g2 PXAT 1', 'SET g3 v', 'GETEX g3 EXAT 1',
  'MSET m1 a m2 b m3 c', 'MSET m1 a', 'MSETNX m4 a m5 b', 'MSETNX m4 x m6 y',
  'INCR i1', 'INCR i1', 'INCRBY i1 10', 'INCRBY i1 -3', 'DECR i1', 'DECRBY i1 4', 'INCR m1', 'INCRBY i1 abc', 'SET i2 9223372036854775807', 'INCR i2',
  'INCRBYFLOAT f1 1.5', 'INCRBYFLOAT f1 0.1', 'INCRBYFLOAT f1 -10', 'INCRBYFLOAT f1 1e3', 'INCRBYFLOAT f1 abc', 'INCRBYFLOAT m1 1', 'SET f2 5 EX 100', 'INCRBYFLOAT f2 2.25',
  'SET f3 3.0', 'INCRBYFLOAT f3 0', 'INCRBYFLOAT f1 inf', 'SET f4 1.10', 'INCRBYFLOAT f4 0.2',
  'APPEND a1 hello', 'APPEND a1 " world"', 'APPEND a1 ""', 'SETRANGE r1 5 x', 'SETRANGE r1 0 ab', 'SETRANGE r2 0 ""', 'SETRANGE r1 2 ""', 'SETRANGE r1 -1 x',
  [['SET', 'bin\x00\xff', '\x00\x01\r\n\xfe']], [['APPEND', 'bin\x00\xff', '\xff\r\n']],
  'SET', 'GET s2', 'MGET s2 s3', 'STRLEN s2', 'GETRANGE s2 0 1',
]

const keys: Step[] = [
  'MSET k1 a k2 b k3 c k4 d', 'DEL k1', 'DEL k1', 'DEL k2 nosuch k3', 'DEL nosuch1 nosuch2', 'UNLINK k4', 'UNLINK k4',
  'SET x1 v', 'EXPIRE x1 100', 'EXPIRE x1 100 NX', 'EXPIRE x1 200 XX', 'EXPIRE x1 300 GT', 'EXPIRE x1 50 GT', 'EXPIRE x1 10 LT', 'EXPIRE x1 20 LT',
  'EXPIRE nosuch 100', 'EXPIRE x1 abc', 'EXPIRE x1 10 NX XX', 'PEXPIRE x1 100000', 'PEXPIRE x1 100000 XX', `EXPIREAT x1 ${S}`, `PEXPIREAT x1 ${MS}`,
  `PEXPIREAT x1 ${MS} NX`, `EXPIREAT x1 ${S + 10} GT`, 'PERSIST x1', 'PERSIST x1', 'PERSIST nosuch', 'EXPIRE x1 10 XX', 'EXPIRE x1 10 GT', 'EXPIRE x1 10 LT',
  'EXPIRE x1 -1', 'EXISTS x1', 'SET x2 v', 'PEXPIRE x2 0', 'SET x3 v', 'EXPIREAT x3 1', 'SET x4 v', 'PEXPIREAT x4 1', 'EXPIREAT nosuch 1',
  'SET x5 v', 'EXPIRE x5 9223372036854775807', 'PEXPIRE x5 9223372036854775807', 'EXPIRE x5 -9223372036854775808',
  'SET rn1 v EX 100', 'RENAME rn1 rn2', 'RENAME rn2 rn2', 'RENAME nosuch rn3', 'SET rn3 v', 'RENAMENX rn2 rn3', 'RENAMENX rn2 rn4', 'RENAMENX rn4 rn4',
  'SET c1 v EX 100', 'COPY c1 c2', 'COPY c1 c2', 'COPY c1 c2 REPLACE', 'COPY nosuch c3', 'COPY c1 c1', 'COPY c1 c3 DB 2', 'COPY c1 c3 DB 2 REPLACE', 'COPY c1 c4 DB 99',
  'RPUSH cl1 a b c', 'COPY cl1 cl2', 'HSET ch1 f v', 'COPY ch1 ch2', 'SADD cs1 a b', 'COPY cs1 cs2', 'ZADD cz1 1 a', 'COPY cz1 cz2',
  'SET mv1 v', 'MOVE mv1 3', 'MOVE mv1 3', 'SET mv1 v2', 'MOVE mv1 3', 'MOVE mv1 0', 'MOVE nosuch 3',
  'SET rt1 v EX 100', 'RENAME rt1 rt2', 'SET rt3 v', 'RENAME rt2 rt3', 'SET mt1 v EX 100', 'MOVE mt1 6', 'SET cp1 v', ['SELECT 6', 'SET cp2 x', 'SELECT 0'], 'COPY cp1 cp2 DB 6', 'COPY cp1 cp2 DB 6 REPLACE',
  'HSET ht1 a 1', 'EXPIRE ht1 100', 'HSET ht1 b 2', 'ZADD zt1 INCR 5 m', 'ZADD zt1 XX INCR 5 nope', 'ZADD zt1 GT CH 1 m', 'ZADD zt1 LT CH 1 m',
  'SADD si1 a', 'SINTERSTORE si1 si1', 'SINTERSTORE si1 si1 nosuch', 'SUNIONSTORE si2 nosuch1 nosuch2', 'SDIFFSTORE si3 nosuch',
  'TOUCH k1 c1', 'TYPE c1', 'EXISTS c1 c2', 'DBSIZE', 'KEYS c*', 'SCAN 0', 'TTL c1', 'RANDOMKEY',
]

const dbs: Step[] = [
  ['SELECT 1', 'SET d1 one', 'INCR d1n', 'SELECT 0'],
  ['SELECT 2', 'SET d2 two', 'SELECT 1', 'SET d1 uno', 'SELECT 0', 'SET d0 zero'],
  ['SELECT 5', 'FLUSHDB', 'SELECT 0'],
  ['SELECT 2', 'FLUSHDB', 'SELECT 0'],
  ['SELECT 1', 'FLUSHDB ASYNC', 'SELECT 0'],
  ['SELECT 3', 'SET d3 v', 'FLUSHDB SYNC', 'SELECT 0'],
  'FLUSHDB FOO',
]

const lists: Step[] = [
  'LPUSH l1 a b c', 'RPUSH l1 d e', 'LPUSHX l1 x', 'RPUSHX l1 y', 'LPUSHX nosuch x', 'RPUSHX nosuch x', 'LPUSH s2 x',
  'LINSERT l1 BEFORE a z', 'LINSERT l1 AFTER nope z', 'LINSERT nosuch BEFORE a z', 'LINSERT l1 MIDDLE a z',
  'LPOP l1', 'RPOP l1', 'LPOP l1 2', 'RPOP l1 2', 'LPOP l1 0', 'LPOP nosuch', 'LPOP nosuch 2', 'RPOP l1 -1',
  'LSET l1 0 q', 'LSET l1 99 q', 'LSET nosuch 0 q',
  'RPUSH l2 1 2 3 4 5 6', 'LTRIM l2 1 -2', 'LTRIM l2 0 -1', 'LTRIM l2 5 1', 'LTRIM nosuch 0 1', 'RPUSH l3 a b a c a', 'LREM l3 2 a', 'LREM l3 0 zz', 'LREM l3 0 a', 'LREM nosuch 0 a',
  'RPUSH l4 a b c', 'LMOVE l4 l5 LEFT RIGHT', 'LMOVE l4 l5 RIGHT LEFT', 'LMOVE l4 l4 LEFT RIGHT', 'LMOVE nosuch l5 LEFT LEFT', 'RPOPLPUSH l4 l5', 'RPOPLPUSH l5 l5', 'RPOPLPUSH nosuch l5', 'RPOPLPUSH l5 s2', 'RPUSH l4 a b', 'lmove l4 l5 left right', 'BLMOVE l4 l5 right left 0', 'brpoplpush l5 l4 0',
  'RPUSH l6 a b c d', 'LMPOP 1 l6 LEFT', 'LMPOP 2 nosuch l6 RIGHT COUNT 2', 'LMPOP 1 nosuch LEFT', 'LMPOP 1 l6 LEFT COUNT 10', 'LMPOP 1 l6 FOO',
  'RPUSH l7 a b c', 'BLPOP l7 0', 'BRPOP nosuch l7 0', 'BLMOVE l7 l8 RIGHT LEFT 0', 'BRPOPLPUSH l8 l7 0', 'BLMPOP 0 1 l7 RIGHT COUNT 5', 'BLPOP nosuch 0.01', 'BLMOVE nosuch l8 LEFT LEFT 0.01',
  {blocked: 'BLPOP bl1 0', cmds: ['RPUSH bl1 a b']},
  {blocked: 'BRPOP bl2 bl3 0', cmds: ['RPUSH bl3 a b c']},
  {blocked: 'BLMOVE bl4 bl5 LEFT RIGHT 0', cmds: ['RPUSH bl4 x y']},
  {blocked: 'BRPOPLPUSH bl6 bl7 0', cmds: ['LPUSH bl6 x y']},
  {blocked: 'BLMPOP 0 2 bl8 bl9 LEFT COUNT 3', cmds: ['RPUSH bl9 1 2 3 4']},
  {blocked: 'BLPOP bl10 0', cmds: [['MULTI'], ['RPUSH', 'bl10', 'a'], ['RPUSH', 'bl10', 'b'], ['EXEC']]},
  {blocked: 'BLPOP bl11 0', cmds: ['RPUSH bl11 a']},
  {blocked: 'BLMOVE bl12 bl12 LEFT RIGHT 0', cmds: ['RPUSH bl12 a b']},
  {blocked: 'blmove bl13 bl14 right left 0', cmds: ['RPUSH bl13 a b']},
  {blocked: 'BLPOP bl15 0', cmds: [['MULTI'], ['RPUSH', 'bl15', 'a'], ['DEL', 'bl15'], ['EXEC'], ['RPUSH', 'bl15', 'z']]},
  {blocked: 'BLMPOP 0 1 bl16 RIGHT', cmds: ['RPUSH bl16 a b c']},
  'LRANGE l1 0 -1', 'LLEN l1', 'LINDEX l1 0', 'LPOS l1 a',
]

const hashes: Step[] = [
  'HSET h1 a 1 b 2', 'HSET h1 a 1', 'HSET h1 a 2', 'HMSET h1 c 3 d 4', 'HSETNX h1 a 9', 'HSETNX h1 e 5', 'HDEL h1 a nosuch', 'HDEL h1 nosuch', 'HDEL nosuch a',
  'HINCRBY h1 n 5', 'HINCRBY h1 n -2', 'HINCRBY h1 b abc', 'HINCRBYFLOAT h1 fl 1.5', 'HINCRBYFLOAT h1 fl 0.25', 'HINCRBYFLOAT h1 fl 1e2', 'HINCRBYFLOAT h1 c abc', 'HINCRBYFLOAT h2 x 3',
  'HSET h1', 'HDEL h1 b c d e n fl', 'HGET h2 x', 'HGETALL h2', 'HRANDFIELD h2', 'HSET s2 a 1',
]

const sets: Step[] = [
  'SADD st1 a b c d e', 'SADD st1 a', 'SADD st1 a f', 'SREM st1 a', 'SREM st1 nosuch', 'SREM nosuch a', 'SREM st1 b z',
  {cmds: ['SPOP st1'], random: true}, {cmds: ['SPOP st1 2'], random: true}, 'SPOP st1 0', 'SPOP nosuch', 'SPOP nosuch 3', 'SPOP st1 -1',
  'SADD st2 a b c', 'SPOP st2 3', 'SADD st2 a b c', 'SPOP st2 10', 'SADD st3 x', 'SPOP st3', 'SADD st4 1 2 3 4 5 6 7 8 9 10', {cmds: ['SPOP st4 8'], random: true},
  'SADD st5 a b c d e f g h i j', {cmds: ['SPOP st5 2'], random: true}, 'SADD st6 1 2 3', {cmds: ['SPOP st6 2'], random: true},
  'SRANDMEMBER st4', 'SRANDMEMBER st4 -5', 'SMEMBERS st2', 'SCARD st4', 'SISMEMBER st4 1',
  'SADD sm1 a b', 'SMOVE sm1 sm2 a', 'SMOVE sm1 sm2 a', 'SMOVE sm1 sm1 b', 'SMOVE sm1 sm1 zz', 'SMOVE sm1 sm2 b', 'SMOVE nosuch sm2 a', 'SMOVE sm2 s2 a',
  'SADD ss1 a b c', 'SADD ss2 b c d', 'SINTERSTORE ss3 ss1 ss2', 'SUNIONSTORE ss4 ss1 ss2', 'SDIFFSTORE ss5 ss1 ss2', 'SINTERSTORE ss3 ss1 nosuch', 'SINTERSTORE ss3 ss1 nosuch',
  'SDIFFSTORE ss6 nosuch ss1', 'SUNIONSTORE ss4 nosuch', 'SINTERSTORE ss7 ss1 s2', 'SUNIONSTORE ss1 ss1', 'SDIFFSTORE ss1 ss1 ss1',
  'SET sstr v', 'SINTERSTORE sstr ss2', 'SET sstr v', 'SDIFFSTORE sstr nosuch',
]

const zsets: Step[] = [
  'ZADD z1 1 a 2 b 3 c', 'ZADD z1 1 a', 'ZADD z1 5 a', 'ZADD z1 NX 9 a 4 d', 'ZADD z1 XX 7 a 8 nope', 'ZADD z1 GT 1 a', 'ZADD z1 GT 10 a', 'ZADD z1 LT 20 a',
  'ZADD z1 CH 1 a', 'ZADD z1 INCR 2 b', 'ZADD z1 NX INCR 2 b', 'ZADD z1 1.5 e', 'ZADD z1 nan f', 'ZADD z1 XX NX 1 a', 'ZADD z1 inf g', 'ZADD z1 -inf h', 'ZADD z1 0.1 i',
  'ZINCRBY z1 1 a', 'ZINCRBY z1 0.5 new', 'ZINCRBY z1 abc a', 'ZINCRBY z1 1.5 i', 'ZREM z1 a nosuch', 'ZREM z1 nosuch', 'ZREM nosuch a',
  'ZADD z2 1 a 2 b 3 c 4 d 5 e 6 f', 'ZREMRANGEBYRANK z2 0 0', 'ZREMRANGEBYRANK z2 10 20', 'ZREMRANGEBYSCORE z2 2 3', 'ZREMRANGEBYSCORE z2 100 200', 'ZREMRANGEBYLEX z2 [d [e', 'ZREMRANGEBYLEX z2 [x [z', 'ZREMRANGEBYRANK z2 0 -1',
  'ZADD z3 1 a 2 b 3 c 4 d 5 e', 'ZPOPMIN z3', 'ZPOPMAX z3', 'ZPOPMIN z3 2', 'ZPOPMAX z3 0', 'ZPOPMIN nosuch', 'ZPOPMAX z3 5', 'ZPOPMIN z3 -1',
  'ZADD z4 1 a 2 b 3 c 4 d', 'ZMPOP 1 z4 MIN', 'ZMPOP 2 nosuch z4 MAX COUNT 2', 'ZMPOP 1 nosuch MIN', 'ZMPOP 1 z4 MIN COUNT 9',
  'ZADD z5 1 a 2 b 3 c', 'BZPOPMIN z5 0', 'BZPOPMAX nosuch z5 0', 'BZMPOP 0 1 z5 MIN COUNT 3', 'BZPOPMIN nosuch 0.01',
  {blocked: 'BZPOPMIN bz1 0', cmds: ['ZADD bz1 1 a 2 b']},
  {blocked: 'BZPOPMAX bz2 bz3 0', cmds: ['ZADD bz3 1 a 2 b']},
  {blocked: 'BZMPOP 0 1 bz4 MAX COUNT 5', cmds: ['ZADD bz4 1 a 2 b 3 c']},
  'ZADD zs1 1 a 2 b 3 c', 'ZADD zs2 2 b 3 c 4 d', 'ZUNIONSTORE zs3 2 zs1 zs2', 'ZINTERSTORE zs4 2 zs1 zs2 WEIGHTS 2 3', 'ZDIFFSTORE zs5 2 zs1 zs2',
  'ZINTERSTORE zs4 2 zs1 nosuch', 'ZINTERSTORE zs4 2 zs1 nosuch', 'ZUNIONSTORE zs6 1 nosuch', 'ZDIFFSTORE zs7 2 nosuch zs1', 'ZUNIONSTORE zs8 2 zs1 zs2 AGGREGATE MAX',
  'ZRANGESTORE zr1 zs1 0 -1', 'ZRANGESTORE zr1 zs1 0 0', 'ZRANGESTORE zr1 zs1 5 10', 'ZRANGESTORE zr2 zs1 5 10', 'ZRANGESTORE zr3 zs2 (2 +inf BYSCORE LIMIT 0 1', 'ZRANGESTORE zr4 zs2 [a [c BYLEX REV',
  'ZUNIONSTORE s2 1 zs1', 'ZRANGESTORE zr5 s2 0 -1',
  'ZRANGE zs1 0 -1', 'ZSCORE zs1 a', 'ZCARD zs1', 'ZRANDMEMBER zs1',
]

const transactions: Step[] = [
  ['MULTI', 'SET t1 a', 'INCR t2', 'EXEC'],
  ['MULTI', 'SET t1 b', 'EXEC'],
  ['MULTI', 'GET t1', 'EXEC'],
  ['MULTI', 'EXEC'],
  ['MULTI', 'DEL nosuch', 'GET t1', 'EXEC'],
  ['MULTI', 'GET t1', 'SET t1 c', 'GET t1', 'EXEC'],
  ['MULTI', 'SET t1 d EX 100', 'INCRBYFLOAT t3 1.5', 'EXPIRE t1 200', 'EXEC'],
  ['MULTI', 'INCR t1', 'SET t1 e', 'EXEC'],
  ['MULTI', 'SET t1', 'SET t1 f', 'EXEC'],
  ['MULTI', 'SET t1 g', 'DISCARD'],
  ['WATCH t1', 'SET t1 h', 'MULTI', 'SET t1 i', 'EXEC'],
  ['MULTI', 'SELECT 1', 'SET t9 one', 'SELECT 0', 'SET t9 zero', 'EXEC'],
  ['MULTI', 'SPOP nosuch', 'LPOP nosuch', 'EXEC'],
  ['MULTI', 'RPUSH tl a b', 'BLPOP tl 0', 'BLPOP nosuch 0', 'EXEC'],
  ['MULTI', 'SADD tset a', 'SPOP tset', 'EXEC'],
  ['MULTI', 'SET tf 1', 'FLUSHDB', 'SET tf 2', 'EXEC'],
  ['MULTI', 'FLUSHALL', 'EXEC'],
  ['MULTI', 'SET tx 1', 'FLUSHALL', 'EXEC'],
  ['MULTI', 'SET tx 1 EX 100', 'GETEX tx PERSIST', 'GETDEL tx', 'GETDEL tx', 'EXEC'],
  {cmds: ['MULTI', 'SADD ty a b c', 'SPOP ty 2', 'EXEC'], random: true},
  ['MULTI', 'RPUSH tz a', 'EXPIRE tz -1', 'EXEC'],
  ['MULTI', 'SELECT 4', 'SET t4 v', 'EXEC', 'SET t4 w', 'SELECT 0'],
]

const expiry: Step[] = [
  // Lazy expiry only (both sides honour DEBUG SET-ACTIVE-EXPIRE), so where the DEL lands is deterministic.
  'DEBUG SET-ACTIVE-EXPIRE 0',
  'SET lz1 v PX 30', {cmds: ['GET lz1'], sleep: 60},
  'SET lz2 v PX 30', {cmds: ['SET lz2 w'], sleep: 60},
  'SET lz3 v PX 30', {cmds: ['DEL lz3'], sleep: 60},
  'SET lz4 v PX 30', {cmds: ['INCR lz4'], sleep: 60},
  'SET lz5 v PX 30', 'SET lz6 v PX 30', {cmds: ['MGET lz5 lz6 lz1'], sleep: 60},
  'SET lz7 v PX 30', 'SET lz8 v PX 30', {cmds: [['MULTI'], ['GET', 'lz7'], ['SET', 'lz8', 'x'], ['SET', 'lz9', 'y'], ['EXEC']], sleep: 60},
  'RPUSH lz10 a', 'PEXPIRE lz10 30', {cmds: ['LPUSH lz10 b'], sleep: 60},
  'SADD lz11 a b', 'PEXPIRE lz11 30', {cmds: ['SPOP lz11 2'], sleep: 60},
  'SET lz12 v PX 30', {cmds: ['RENAME lz12 lz13'], sleep: 60},
  'SET lz14 v PX 30', {cmds: ['EXPIRE lz14 100'], sleep: 60},
  'RPUSH lz15 a', 'PEXPIRE lz15 30', {cmds: ['BLPOP lz15 0.05'], sleep: 60},
  'SET lz16 1 PX 30', {cmds: ['INCRBYFLOAT lz16 1.5'], sleep: 60},
  'SET lz17 v PX 30', {cmds: ['EXISTS lz17'], sleep: 60},
  'SET lz18 v PX 30', {cmds: ['SET lz18 w NX'], sleep: 60},
  // INFO measures memory (an aggregate's contents are sampled): that is no lookup, nothing expires
  'HSET lzh f v', 'SET lz19 v PX 30', {cmds: ['INFO', 'INFO memory', 'MEMORY STATS'], sleep: 60}, 'DEL lz19',
  'DEBUG SET-ACTIVE-EXPIRE 1',
  // With the active cycle on, the TTL must outlast the step's own marker write on a loaded machine
  // (at 60 ms a stall between the two could let the cycle's DEL fall in the SET's step on one side only).
  'SET ex1 v PX 500', {cmds: ['GET ex1'], sleep: 700, expiry: true},
  'SET ex2 v PX 500', {cmds: ['SET ex2 w'], sleep: 700, expiry: true},
  'SET ex3 v PX 500', {cmds: ['EXISTS ex3'], sleep: 700, expiry: true},
  'RPUSH ex4 a', 'PEXPIRE ex4 500', {cmds: ['RPUSH ex4 b'], sleep: 700, expiry: true},
  'SET ex5 v PX 500', {cmds: [['MULTI'], ['INCR', 'ex5'], ['EXEC']], sleep: 700, expiry: true},
  'SET ex6 1 PX 500', {cmds: ['INCRBYFLOAT ex6 1.5'], sleep: 700, expiry: true},
]

const HELLO = '\\x00\\x05hello\\n\\x00cr\\xdfve4 \\n'
const restore: Step[] = [
  // DUMP payload of the string "hello" (RDB 10, 7.0 format).
  [`RESTORE rs1 0 "${HELLO}"`],
  [`RESTORE rs1 0 "${HELLO}"`],
  [`RESTORE rs1 100000 "${HELLO}" REPLACE`],
  [`RESTORE rs2 ${MS} "${HELLO}" ABSTTL`],
  [`RESTORE rs3 1 "${HELLO}" ABSTTL`],
  [`RESTORE rs4 0 "${HELLO}" IDLETIME 100`],
  [`RESTORE rs5 0 "${HELLO}" FREQ 5 REPLACE`],
  ['RESTORE rs6 0 "garbage"'],
  [`RESTORE rs7 -1 "${HELLO}"`],
]

const migrate: Step[] = [
  'SET mg1 v', 'MIGRATE 127.0.0.1 $TARGET mg1 0 5000 REPLACE', 'MIGRATE 127.0.0.1 $TARGET mg1 0 5000 REPLACE',
  'MSET mg2 a mg3 b', 'MIGRATE 127.0.0.1 $TARGET "" 0 5000 REPLACE KEYS mg2 nosuch mg3',
  'SET mg4 v EX 100', 'MIGRATE 127.0.0.1 $TARGET mg4 0 5000 COPY REPLACE',
  'MIGRATE 127.0.0.1 $TARGET mg4 1 5000 REPLACE',
  ['MULTI', 'SET mg5 v', 'MIGRATE 127.0.0.1 $TARGET mg5 0 5000 REPLACE', 'SET mg6 w', 'EXEC'],
  ['MULTI', 'MIGRATE 127.0.0.1 $TARGET mg6 0 5000 REPLACE', 'EXEC'],
  ['MULTI', 'MIGRATE 127.0.0.1 $TARGET nosuch 0 5000 REPLACE', 'GET mg6', 'EXEC'],
]

const misc: Step[] = [
  'PUBLISH chan msg', ['MULTI', 'PUBLISH chan msg', 'SET pb v', 'EXEC'],
  // GEOADD becomes ZADD with each 52-bit hash as an exact integer: at longitude 180 it takes 53 bits
  'GEOADD gp 180 37.502669 edge 13.361389 38.115556 Palermo', 'GEOADD gp CH 180 0 edge',
  {cmds: ['SPUBLISH chan msg'], known: 'standalone redis replicates SPUBLISH; the node has no SPUBLISH outside cluster mode'}, 'PING', 'ECHO x', 'TIME', 'INFO keyspace', 'CONFIG GET maxmemory', 'CLIENT SETNAME a', 'WAIT 0 0', 'NOSUCHCOMMAND x',
  'FLUSHALL', 'FLUSHALL', 'SET fa v', 'FLUSHALL ASYNC', 'FLUSHALL SYNC', 'FLUSHALL FOO',
]

// Streams: XADD carries the ID it generated, "~" trimming becomes "= <result>", consumer-group
// reads and claims become idempotent XCLAIM ... FORCE JUSTID LASTID (XGROUP SETID for NOACK).
const streams: Step[] = [
  'XADD ps 1-1 a 1', 'XADD ps 1-* a 2', 'XADD ps 5-* a 3', 'XADD ps 1-1 a 1', 'XADD ps NOMKSTREAM 6-0 a 1', 'XADD nops NOMKSTREAM 6-0 a 1',
  'XADD ps MAXLEN ~ 1 7-0 a 4', 'XADD ps MAXLEN = 3 8-0 a 5', 'XADD ps MINID ~ 2 9-0 a 6', 'XTRIM ps MAXLEN ~ 0', 'XTRIM ps MAXLEN 2', 'XTRIM ps MAXLEN 2',
  'XTRIM ps MINID 8-0', 'XDEL ps 1-1', 'XDEL ps 9-0', 'XSETID ps 20-0', 'XSETID ps 20-0 ENTRIESADDED 30 MAXDELETEDID 10-0',
  'XADD ps 21-0 b 1', 'XADD ps 22-0 b 2', 'XADD ps 23-0 b 3',
  'XGROUP CREATE ps g 0', 'XGROUP CREATE ps g 0', 'XGROUP CREATE ps g2 $ ENTRIESREAD 3', 'XGROUP CREATE nops g $ MKSTREAM',
  'XREADGROUP GROUP g alice COUNT 2 STREAMS ps >', 'XREADGROUP GROUP g alice STREAMS ps 0', 'XREADGROUP GROUP g bob NOACK STREAMS ps >', 'XREADGROUP GROUP g bob STREAMS ps >',
  'XREADGROUP GROUP g2 carol NOACK STREAMS ps >',
  'XACK ps g 8-0 99-0', 'XACK ps g 8-0', 'XCLAIM ps g dave 0 21-0 TIME 1000 RETRYCOUNT 3', 'XCLAIM ps g dave 0 21-0 JUSTID LASTID 30-0', 'XCLAIM ps g dave 0 99-0',
  'XDEL ps 22-0', 'XGROUP SETID ps g 0', 'XREADGROUP GROUP g erin STREAMS ps >', 'XAUTOCLAIM ps g frank 0 0 COUNT 10 JUSTID',
  'XGROUP CREATECONSUMER ps g gina', 'XGROUP CREATECONSUMER ps g gina', 'XGROUP DELCONSUMER ps g gina', 'XGROUP SETID ps g2 21-0 ENTRIESREAD 1', 'XGROUP DESTROY ps g2', 'XGROUP DESTROY ps g2',
  {cmds: ['XADD ps 40-0 c 1'], blocked: 'XREADGROUP GROUP g hal BLOCK 0 STREAMS ps >'},
  {cmds: ['XADD ps 41-0 c 2'], blocked: 'XREADGROUP GROUP g ida BLOCK 0 NOACK STREAMS ps >'},
  {cmds: ['XADD ps 42-0 c 3'], blocked: 'XREAD BLOCK 0 STREAMS ps $'},
  ['MULTI', 'XADD ps 43-0 d 1', 'XREADGROUP GROUP g jo STREAMS ps >', 'EXEC'],
  'XRANGE ps - +', 'XLEN ps', 'XINFO STREAM ps',
]

// Scripts replicate as their effects, wrapped in MULTI/EXEC when there are several; functions
// replicate as the FUNCTION commands themselves.
const scripting: Step[] = [
  `EVAL "redis.call('SET', KEYS[1], ARGV[1]) return 1" 1 sc1 v`,
  `EVAL "redis.call('SET', 'sc2', 'a') redis.call('INCR', 'sc3') return 1" 0`,
  `EVAL "return redis.call('GET', 'sc1')" 0`,
  `EVAL "redis.call('SET', 'sc4', 'a') redis.call('LPUSH', 'sc4', 'x')" 0`,
  `EVAL "redis.call('EXPIRE', 'sc1', 100) redis.call('INCRBYFLOAT', 'sc3', 1.5) return 1" 0`,
  `EVAL "redis.set_repl(redis.REPL_NONE) redis.call('SET', 'sc5', 'x') redis.set_repl(redis.REPL_ALL) redis.call('SET', 'sc6', 'y')" 0`,
  `EVAL "redis.set_repl(redis.REPL_AOF) redis.call('SET', 'sc7', 'x') redis.set_repl(redis.REPL_REPLICA) redis.call('SET', 'sc7b', 'x')" 0`,
  `EVAL "redis.call('SELECT', 1) redis.call('SET', 'sc8', 'x') return 1" 0`,
  'SET sc8b after',
  ['MULTI', `EVAL "redis.call('SET', 'sc9', 'a')" 0`, 'SET sc10 b', 'EXEC'],
  `SCRIPT LOAD "redis.call('INCR', 'sc11')"`,
  'EVALSHA 5c3a1a4ab5d4e4ecc1f2ef3e3a5bb1b7c56e4ff9 0',
  `EVAL "#!lua flags=no-writes\nreturn redis.call('GET', 'sc1')" 0`,
  `EVAL "redis.call('DEL', 'nosuchkey') return 1" 0`,
  'FUNCTION LOAD "#!lua name=plib\nredis.register_function(\'pf\', function(k) return redis.call(\'INCR\', k[1]) end)"',
  'FCALL pf 1 sc12', 'FCALL pf 1 sc12',
  'FUNCTION LOAD "#!lua name=plib\nbad code"',
  'FUNCTION DELETE plib', 'FUNCTION DELETE plib', 'FUNCTION FLUSH',
]

export const SCRIPT: Step[] = [...strings, ...keys, ...dbs, ...lists, ...hashes, ...sets, ...zsets, ...transactions, ...expiry, ...restore, ...migrate, ...streams, ...scripting, ...misc]

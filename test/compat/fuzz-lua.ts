// Differential script-value fuzzer: seeded random Lua values built from a small grammar — numbers
// (integers, fractions, huge, negative zero, inf/nan arithmetic), strings (binary, numeric-looking),
// booleans, nil, nested tables with holes, {ok=}, {err=}, and the RESP3 forms ({map=}, {set=},
// {double=}, {big_number=}, {verbatim_string=}) — returned by EVAL after redis.setresp(2|3), and the
// replies of redis.call / redis.pcall (RESP2 and RESP3 replies converted to Lua and back, errors
// included) returned or inspected with type(), # and tostring(); on connections speaking RESP2 and
// RESP3. Sent to a real redis-server and an embedded node; the replies must be the same bytes.
//
// Used by test/compat/fuzz-lua.test.ts (fixed seeds, in `npm test`) and as a tool:
//   node --import tsx test/compat/fuzz-lua.ts [--seeds 1-20] [--commands 300] [--resp 2|3]
import {fuzzMain, int, pick, runSeed, type PairDiff, type Rng} from './fuzz-pair.js'

const NUMBERS = ['0', '1', '-1', '3.7', '-3.7', '0.5', '1e20', '-1e20', '2^53', '2^63', '-2^63', '1/0', '-1/0', '0/0', '-0.0', '1e-300', '9007199254740993', '123456789012', '0.1+0.2', '7 % 3', 'math.huge']
const STRINGS = ["'a'", "''", "'123'", "'-5'", "'3.0'", "'1e3'", "'\\0bin\\255'", "'hello world'", "'OK'", "'ERR x'", "string.rep('x', 70)", "tostring(12)", "'inf'"]
const CALLS = [
  "redis.call('SET','k','v')", "redis.call('GET','k')", "redis.call('GET','nokey')", "redis.call('INCR','n')", "redis.call('DEL','nokey')",
  "redis.call('HSET','h','a','1')", "redis.call('HGETALL','h')", "redis.call('SMEMBERS','s')", "redis.call('SADD','s','x')",
  "redis.call('ZADD','z','1.5','m','2','n')", "redis.call('ZRANGE','z','0','-1','WITHSCORES')", "redis.call('ZSCORE','z','m')",
  "redis.call('LPUSH','l','a','b')", "redis.call('LRANGE','l','0','-1')", "redis.call('PING')", "redis.call('ECHO','e')",
  "redis.call('EXISTS','k','h','nokey')", "redis.call('HRANDFIELD','nokey','2')", "redis.call('TYPE','h')", "redis.call('OBJECT','ENCODING','z')",
  "redis.pcall('INCR','h')", "redis.pcall('NOSUCH')", "redis.pcall('GET')", "redis.call('XADD','x','1-1','f','v')", "redis.call('XRANGE','x','-','+')",
  "redis.call('ZINCRBY','z','0.1','m')", "redis.call('INCRBYFLOAT','f','1.5')", "redis.call('HELLO')", "redis.call('CONFIG','GET','maxmemory')",
  "redis.call('LPOS','l','a')", "redis.call('SCARD','s')", "redis.call('SMISMEMBER','s','x','q')",
]

/** A Lua expression of some depth. */
function expr(r: Rng, depth: number): string {
  const x = r()
  if (depth <= 0 || x < 0.3) {
    const y = r()
    if (y < 0.35) return pick(r, NUMBERS)
    if (y < 0.65) return pick(r, STRINGS)
    if (y < 0.75) return pick(r, ['true', 'false', 'nil'])
    return pick(r, CALLS)
  }
  if (x < 0.55) return '{' + Array.from({length: int(r, 0, 4)}, () => expr(r, depth - 1)).join(', ') + '}'
  if (x < 0.62) return `{ok=${pick(r, STRINGS)}}`
  if (x < 0.68) return `{err=${pick(r, STRINGS)}}`
  if (x < 0.73) return `{double=${pick(r, NUMBERS)}}`
  if (x < 0.77) return `{big_number=${pick(r, STRINGS)}}`
  if (x < 0.81) return `{verbatim_string={format=${pick(r, ["'txt'", "'mkd'", "'x'"])}, string=${pick(r, STRINGS)}}}`
  // one field at most: the order pairs() visits several in is Lua 5.1's hash layout, which the
  // node does not reproduce (README "What still differs")
  if (x < 0.87) return `{map={${Array.from({length: int(r, 0, 1)}, () => `[${pick(r, STRINGS)}]=${expr(r, depth - 1)}`).join(', ')}}}`
  if (x < 0.92) return `{set={${Array.from({length: int(r, 0, 1)}, () => `[${pick(r, STRINGS)}]=true`).join(', ')}}}`
  if (x < 0.96) return `(function() local t = ${expr(r, depth - 1)} if type(t) == 'table' then return next(t) == nil else return type(t) end end)()`
  // a hole: the reply stops at it (# of such a table is Lua 5.1's array-part border, not reproduced)
  return `{${expr(r, depth - 1)}, nil, ${expr(r, depth - 1)}}`
}

function script(r: Rng): string[] {
  const resp = r() < 0.5 ? 'redis.setresp(3) ' : r() < 0.2 ? 'redis.setresp(2) ' : ''
  const body = r() < 0.85 ? `return ${expr(r, 3)}` : `local v = ${expr(r, 2)} return {type(v), tostring(v ~= nil and type(v) ~= 'table' and v or type(v))}`
  return ['EVAL', resp + body, '0']
}

/** One seed: `count` scripts against both; the first difference, or null. */
export function fuzzLua(redisPort: number, ourPort: number, seed: number, count: number, resp: 2 | 3 = 2): Promise<PairDiff | null> {
  return runSeed(redisPort, ourPort, seed, count, resp, {
    setup: async (c) => void (await c.call(['FLUSHALL'])),
    step: script,
  })
}

if (process.argv[1]?.endsWith('fuzz-lua.ts')) await fuzzMain(300, async () => fuzzLua)

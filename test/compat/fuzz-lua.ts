// Differential script-value fuzzer: seeded random Lua values built from a small grammar — numbers
// (integers, fractions, huge, negative zero, inf/nan arithmetic), strings (binary, numeric-looking),
// booleans, nil, nested tables with holes, {ok=}, {err=}, and the RESP3 forms ({map=}, {set=},
// {double=}, {big_number=}, {verbatim_string=}) — returned by EVAL after redis.setresp(2|3), tables
// built step by step (keys set, cleared, inserted, removed) seen through pairs() order, #, cjson,
// cmsgpack and next(), library functions (string, math, table, base, bit, cjson, cmsgpack,
// struct) called with random arguments, and the replies of redis.call / redis.pcall (RESP2 and RESP3 replies converted to Lua and back, errors
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
  // several fields: the reply lists them in pairs() order, Lua 5.1's hash layout
  if (x < 0.87) return `{map={${Array.from({length: int(r, 0, 4)}, () => `[${pick(r, STRINGS)}]=${expr(r, depth - 1)}`).join(', ')}}}`
  if (x < 0.92) return `{set={${Array.from({length: int(r, 0, 4)}, () => `[${pick(r, STRINGS)}]=true`).join(', ')}}}`
  if (x < 0.96) return `(function() local t = ${expr(r, depth - 1)} if type(t) == 'table' then return next(t) == nil else return type(t) end end)()`
  // a hole: the reply stops at it
  return `{${expr(r, depth - 1)}, nil, ${expr(r, depth - 1)}}`
}

// Tables built step by step, then looked at through pairs() order, #, cjson / cmsgpack and next():
// Lua 5.1's layout (array part, hash nodes, collisions, rehash, nil-valued nodes) must match.
const WORDS = ['a', 'b', 'c', 'd', 'e', 'foo', 'bar', 'hello', 'x1', 'x2', 'key', 'name', 'id', 'value', 'zz', 'q', 'user:1', 'user:2', '', 'long_field_name_here']
const NUMKEYS = ['1', '2', '3', '4', '5', '6', '7', '8', '9', '10', '12', '16', '17', '33', '0', '-1', '-0.0', '0.5', '-2.25', '100', '1000', '2^31', '1e10', '2^53', '3.0']

function tkey(r: Rng): string {
  const x = r()
  if (x < 0.5) return `'${pick(r, WORDS)}'`
  if (x < 0.6) return `'k'..${int(r, 1, 60)}`
  if (x < 0.95) return pick(r, NUMKEYS)
  return pick(r, ['true', 'false'])
}

const tval = (r: Rng): string => (r() < 0.6 ? String(int(r, 0, 99)) : `'${pick(r, WORDS)}'`)

function tableOp(r: Rng): string {
  const x = r()
  if (x < 0.35) return `t[${tkey(r)}]=${tval(r)}`
  if (x < 0.5) return `t[${tkey(r)}]=nil`
  if (x < 0.58) return `for i=${int(r, 1, 3)},${int(r, 1, 120)} do t[${pick(r, ["'p'..i", 'i', 'i*2', '-i', 'i+0.5', "'k'..(i*7 % 50)"])}]=i end`
  if (x < 0.63) return `for i=${int(r, 1, 40)},1,-1 do t[${pick(r, ["'r'..i", 'i'])}]=nil end`
  if (x < 0.73) return r() < 0.5 ? `table.insert(t, ${tval(r)})` : `table.insert(t, ${int(r, 1, 10)}, ${tval(r)})`
  if (x < 0.8) return r() < 0.5 ? 'table.remove(t)' : `table.remove(t, ${int(r, 0, 10)})`
  if (x < 0.88) return `for k in pairs(t) do if ${pick(r, ["type(k) == 'number'", "type(k) == 'string'", 'math.random() < 0.5', 'true'])} then t[k]=nil end end`
  return `t[#t+1]=${tval(r)}`
}

function tableInit(r: Rng): string {
  if (r() < 0.4) return '{}'
  const items = Array.from({length: int(r, 0, 6)}, () => (r() < 0.5 ? tval(r) : r() < 0.15 ? 'nil' : `[${tkey(r)}]=${tval(r)}`))
  if (r() < 0.3) items.push(`${pick(r, WORDS.filter((w) => /^[a-z]\w*$/.test(w)))}=${tval(r)}`)
  return `{${items.join(', ')}}`
}

function tableScript(r: Rng): string {
  const ops = Array.from({length: int(r, 0, 12)}, () => tableOp(r)).join(' ')
  const look = pick(r, [
    "local r={} for k,v in pairs(t) do r[#r+1]=type(k)..':'..tostring(k)..'='..tostring(v) end return r",
    'return {#t, table.getn(t), select(\'#\', unpack(t))}',
    'local ok, s = pcall(cjson.encode, t) return {tostring(ok), s}',
    'local ok, s = pcall(cmsgpack.pack, t) return {tostring(ok), s}',
    "local r={} for k in pairs(t) do t[k]=nil r[#r+1]=tostring(k) end t.after=1 for k in pairs(t) do r[#r+1]=tostring(k) end return r",
    "local r={} local k=next(t) while k ~= nil do r[#r+1]=tostring(k) k=next(t, k) end r[#r+1]=#t return r",
  ])
  return `local t=${tableInit(r)} ${ops} ${look}`
}

// Library calls with random arguments, through pcall: the results (tables and functions by type
// only: their tostring is an address, so tostring itself is left out) or the error text must be
// Lua 5.1's, as Redis embeds it.
const LIB = [
  'string.byte', 'string.char', 'string.find', 'string.format', 'string.gsub', 'string.len', 'string.lower', 'string.match',
  'string.rep', 'string.reverse', 'string.sub', 'string.upper', 'string.gfind', 'string.gmatch',
  'math.abs', 'math.acos', 'math.asin', 'math.atan', 'math.atan2', 'math.ceil', 'math.cos', 'math.cosh', 'math.deg', 'math.exp',
  'math.floor', 'math.fmod', 'math.frexp', 'math.ldexp', 'math.log', 'math.log10', 'math.max', 'math.min', 'math.mod', 'math.modf',
  'math.pow', 'math.rad', 'math.random', 'math.sin', 'math.sinh', 'math.sqrt', 'math.tan', 'math.tanh',
  'table.concat', 'table.insert', 'table.remove', 'table.sort', 'table.getn', 'table.maxn', 'table.foreach', 'table.foreachi', 'table.setn',
  'tonumber', 'select', 'unpack', 'type', 'rawequal', 'rawget', 'rawset', 'next', 'assert', 'error',
  'bit.tobit', 'bit.tohex', 'bit.band', 'bit.bor', 'bit.bxor', 'bit.bnot', 'bit.lshift', 'bit.rshift', 'bit.arshift', 'bit.rol', 'bit.ror', 'bit.bswap',
  'cjson.encode', 'cjson.decode', 'cmsgpack.pack', 'cmsgpack.unpack', 'struct.pack', 'struct.unpack', 'struct.size', 'redis.sha1hex',
]
const LIB_STRINGS = [
  "'%d'", "'%5.2f|%s'", "'%q'", "'%x'", "'%c'", "'%i'", "'%%'", "'%10s'", "'%-3d|'", "'%e'", "'%g'", "'%5.1s'", "'%y'", "'%'", "'%s %s'",
  "'%d+'", "'(a)(b)'", "'[%a_]+'", "'^h'", "'o$'", "'.'", "'[%]'", "'('", "'%b()'", "'%f[%w]%w+'", "'(%w+)=(%w+)'", "'%1'", "'()'",
  "'a=1, b=2'", "'0x1F'", "' 12 '", "'12abc'", "'nan'", "'-inf'", "'1e5'", "'[1,2,{\"a\":null}]'", "'{\"k\":[1.5,true]}'", "'<i'", "'>I2'", "'b'", "'ff'",
]
const LIB_ARGS = [...NUMBERS, ...STRINGS, ...LIB_STRINGS, 'nil', 'true', '{}', "{1, 2, 'x'}", "{3, 1, 2}", "{a=1, 'b'}", 'function(a, b) return a end', '2', '3', '16', '36', '-2', '2.5', '100', '255', '65']

function libScript(r: Rng): string {
  const args = Array.from({length: int(r, 0, 3)}, () => pick(r, LIB_ARGS)).join(', ')
  const show = "local function s(v) local t = type(v) if t == 'table' or t == 'function' or t == 'userdata' or t == 'thread' then return t end return tostring(v) end"
  return `${show} local r = {pcall(${pick(r, LIB)}${args ? ', ' + args : ''})} for i = 1, 5 do r[i] = s(r[i]) end return r`
}

function script(r: Rng): string[] {
  const resp = r() < 0.5 ? 'redis.setresp(3) ' : r() < 0.2 ? 'redis.setresp(2) ' : ''
  const x = r()
  const body = x < 0.25 ? tableScript(r) : x < 0.45 ? libScript(r) : x < 0.9 ? `return ${expr(r, 3)}` : `local v = ${expr(r, 2)} return {type(v), tostring(v ~= nil and type(v) ~= 'table' and v or type(v))}`
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

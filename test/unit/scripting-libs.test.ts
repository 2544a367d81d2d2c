// The Lua libraries Redis 7.0 loads (cjson, cmsgpack, bit, struct, Redis's math.random) running on
// our Fengari VM (src/node/scripting/libs/). Every expected value in CASES was taken from
// redis-server 7.0.15: the same snippet sent as `EVAL <snippet> 0` right after `SCRIPT FLUSH` (so the
// cjson configuration starts from its defaults), its bulk reply recorded here once as a fact about Redis.
import {test} from 'node:test'
import assert from 'node:assert/strict'
import {Redis} from 'ioredis'
import {lua, lauxlib, lualib, to_luastring} from '../../src/node/scripting/fengari/index.cjs'
import type {LuaState} from '../../src/node/scripting/fengari/index.cjs'
import {loadLua} from '../../src/node/scripting/lua.js'
import {openCjson} from '../../src/node/scripting/libs/cjson.js'
import {openCmsgpack} from '../../src/node/scripting/libs/cmsgpack.js'
import {openBit} from '../../src/node/scripting/libs/bit.js'
import {openStruct} from '../../src/node/scripting/libs/struct.js'
import {openRedisMath, Rand48} from '../../src/node/scripting/libs/random.js'
import {formatG} from '../../src/node/scripting/libs/util.js'
import {RedisNodes, redisSkip} from '../helpers/redis-server.js'

// The libraries use the VM through lua.ts, which loads it on first use (as LuaEngine does).
loadLua()

const latin1 = (u: Uint8Array): string => Buffer.from(u).toString('latin1')

function newState(rng = new Rand48(), inScript?: () => boolean): LuaState {
  const L = lauxlib.luaL_newstate()
  for (const [name, open] of [['_G', lualib.luaopen_base], ['table', lualib.luaopen_table], ['string', lualib.luaopen_string], ['math', lualib.luaopen_math]] as const) {
    lauxlib.luaL_requiref(L, to_luastring(name), open, 1)
    lua.lua_pop(L, 1)
  }
  // (Lua 5.1's global unpack comes with the table library: luaopen_table sets it)
  openCjson(L)
  openCmsgpack(L)
  openBit(L)
  openStruct(L)
  openRedisMath(L, {rng, inScript})
  return L
}

/** Runs a snippet as chunk "@user_script" (Redis's name for it); a string result, or "ERR:" + message. */
function runLua(src: string, L: LuaState = newState()): string {
  const code = to_luastring(src)
  if (lauxlib.luaL_loadbuffer(L, code, code.length, to_luastring('@user_script')) !== 0) return 'LOADERR:' + latin1(lua.lua_tolstring(L, -1))
  if (lua.lua_pcall(L, 0, 1, 0) !== 0) return 'ERR:' + latin1(lua.lua_tolstring(L, -1))
  const s = lua.lua_type(L, -1) === lua.LUA_TSTRING ? latin1(lua.lua_tolstring(L, -1)) : `TYPE:${lua.lua_type(L, -1)}`
  lua.lua_pop(L, 1)
  return s
}

// [name, Lua snippet, reply of redis-server 7.0.15]
const CASES: [string, string, string][] = [
  ["cjson enc string", "return cjson.encode('a/b\"c\\\\d\\n\\t\\r\\b\\f\\001\\031\\127\\128\\255')", "\"a\\/b\\\"c\\\\d\\n\\t\\r\\b\\f\\u0001\\u001f\\u007fÿ\""],
  ["cjson enc numbers", "return cjson.encode({1, -1, 0.5, 1/3, 1e20, 1e-5, 123456789012345678, -0.0, 2^53, 0.1+0.2, 1e15, 1e14, 99999999999999.5, 1e-300, 5e-324})", "[1,-1,0.5,0.33333333333333,1e+20,1e-05,1.2345678901235e+17,-0,9.007199254741e+15,0.3,1e+15,1e+14,1e+14,1e-300,4.9406564584125e-324]"],
  ["cjson enc bools nil", "return cjson.encode({true, false, cjson.null})", "[true,false,null]"],
  ["cjson enc holes", "return cjson.encode({1, nil, 3})", "[1,null,3]"],
  ["cjson enc sparse ok", "local t = {} t[10] = 1 return cjson.encode(t)", "[null,null,null,null,null,null,null,null,null,1]"],
  ["cjson enc sparse err", "local ok, e = pcall(function() return cjson.encode({[11]=1}) end) return tostring(ok) .. '|' .. tostring(e)", "false|user_script:1: Cannot serialise table: excessively sparse array"],
  ["cjson enc sparse err2", "local ok, e = pcall(function() return cjson.encode({[1]=1,[2]=2,[30]=3}) end) return tostring(ok) .. '|' .. tostring(e)", "false|user_script:1: Cannot serialise table: excessively sparse array"],
  ["cjson enc sparse convert", "cjson.encode_sparse_array(true) local s = cjson.encode({[11]=1}) return s", "{\"11\":1}"],
  ["cjson enc sparse cfg ret", "local a,b,c = cjson.encode_sparse_array() return tostring(a)..','..tostring(b)..','..tostring(c)", "false,2,10"],
  ["cjson enc sparse cfg set", "local a,b,c = cjson.encode_sparse_array(false, 3, 5) return tostring(a)..','..tostring(b)..','..tostring(c)", "false,3,5"],
  ["cjson enc sparse ratio0", "cjson.encode_sparse_array(false, 0) local t = {} t[1000] = 'x' return #cjson.encode(t) .. ''", "5000"],
  ["cjson enc object 1 key", "return cjson.encode({a=1})", "{\"a\":1}"],
  ["cjson enc object num key", "return cjson.encode({[1.5]='x'})", "{\"1.5\":\"x\"}"],
  ["cjson enc object neg key", "return cjson.encode({[-1]='x'})", "{\"-1\":\"x\"}"],
  ["cjson enc object zero key", "return cjson.encode({[0]='x'})", "{\"0\":\"x\"}"],
  ["cjson enc empty table", "return cjson.encode({})", "{}"],
  ["cjson enc nested", "return cjson.encode({{1,{2,{3}}}, {}})", "[[1,[2,[3]]],{}]"],
  ["cjson enc scalar num", "return cjson.encode(42)", "42"],
  ["cjson enc scalar nil", "return cjson.encode(nil)", "null"],
  ["cjson enc nan err", "local ok, e = pcall(function() return cjson.encode(0/0) end) return tostring(ok) .. '|' .. tostring(e)", "false|user_script:1: Cannot serialise number: must not be NaN or Inf"],
  ["cjson enc inf err", "local ok, e = pcall(function() return cjson.encode({1/0}) end) return tostring(ok) .. '|' .. tostring(e)", "false|user_script:1: Cannot serialise number: must not be NaN or Inf"],
  ["cjson enc inf key err", "local ok, e = pcall(function() return cjson.encode({[1/0]=1}) end) return tostring(ok) .. '|' .. tostring(e)", "false|user_script:1: Cannot serialise number: must not be NaN or Inf"],
  ["cjson enc function err", "local ok, e = pcall(function() return cjson.encode({f=string.len}) end) return tostring(ok) .. '|' .. tostring(e)", "false|user_script:1: Cannot serialise function: type not supported"],
  ["cjson enc bad key err", "local ok, e = pcall(function() return cjson.encode({[true]=1}) end) return tostring(ok) .. '|' .. tostring(e)", "false|user_script:1: Cannot serialise boolean: table key must be a number or string"],
  ["cjson enc args err", "local ok, e = pcall(function() return cjson.encode() end) return tostring(ok) .. '|' .. tostring(e)", "false|user_script:1: bad argument #1 to 'encode' (expected 1 argument)"],
  ["cjson enc args err2", "local ok, e = pcall(function() return cjson.encode(1, 2) end) return tostring(ok) .. '|' .. tostring(e)", "false|user_script:1: bad argument #1 to 'encode' (expected 1 argument)"],
  ["cjson enc invalid on", "cjson.encode_invalid_numbers(true) return cjson.encode({1/0, -1/0, 0/0})", "[inf,-inf,nan]"],
  ["cjson enc invalid null", "local r = cjson.encode_invalid_numbers('null') return tostring(r) .. cjson.encode({1/0, 0/0})", "null[null,null]"],
  ["cjson enc invalid bad opt", "local ok, e = pcall(function() return cjson.encode_invalid_numbers('maybe') end) return tostring(ok) .. '|' .. tostring(e)", "false|user_script:1: bad argument #1 to 'encode_invalid_numbers' (invalid option 'maybe')"],
  ["cjson enc precision", "cjson.encode_number_precision(3) return cjson.encode({1/3, 12345, 0.0001234, 100})", "[0.333,1.23e+04,0.000123,100]"],
  ["cjson enc precision 1", "cjson.encode_number_precision(1) return cjson.encode({2.5, 0.25, 35, 45})", "[2,0.2,4e+01,4e+01]"],
  ["cjson enc precision err", "local ok, e = pcall(function() return cjson.encode_number_precision(15) end) return tostring(ok) .. '|' .. tostring(e)", "false|user_script:1: bad argument #1 to 'encode_number_precision' (expected integer between 1 and 14)"],
  ["cjson enc precision err0", "local ok, e = pcall(function() return cjson.encode_number_precision(0) end) return tostring(ok) .. '|' .. tostring(e)", "false|user_script:1: bad argument #1 to 'encode_number_precision' (expected integer between 1 and 14)"],
  ["cjson enc precision ret", "return tostring(cjson.encode_number_precision())", "14"],
  ["cjson enc max depth", "cjson.encode_max_depth(2) return tostring(pcall(cjson.encode, {{1}})) .. select(2, pcall(cjson.encode, {{{1}}}))", "trueCannot serialise, excessive nesting (3)"],
  ["cjson enc depth default", "local t = {} local c = t for i=1,1001 do c[1] = {} c = c[1] end local ok, e = pcall(cjson.encode, t) return e", "Cannot serialise, excessive nesting (1001)"],
  ["cjson enc depth 1000 ok", "local t = {} local c = t for i=1,999 do c[1] = {} c = c[1] end return #cjson.encode(t) .. ''", "2000"],
  ["cjson enc depth huge", "cjson.encode_max_depth(100000) local t = {} local c = t for i=1,5000 do c[1] = {} c = c[1] end local ok, e = pcall(cjson.encode, t) return #e .. e:sub(1, 3)", "10002[[["],
  ["cjson enc depth huge obj", "cjson.encode_max_depth(100000) local t = {} local c = t for i=1,5000 do c.k = {} c = c.k end local ok, e = pcall(cjson.encode, t) return tostring(e):sub(1, 60)", "Cannot serialise, excessive nesting (4000)"],
  ["cjson dec depth huge ok", "cjson.decode_max_depth(100000) local ok, e = pcall(function() return cjson.decode(string.rep('[', 7000) .. string.rep(']', 7000)) end) return tostring(ok) .. type(e)", "truetable"],
  ["cjson dec depth huge obj", "cjson.decode_max_depth(100000) local ok, e = pcall(function() return cjson.decode(string.rep('{' .. string.char(34) .. 'k' .. string.char(34) .. ':', 5000)) end) return tostring(e)", "user_script:1: Found too many nested data structures (4000) at character 19996"],
  ["cjson enc max depth err", "local ok, e = pcall(function() return cjson.encode_max_depth(0) end) return tostring(ok) .. '|' .. tostring(e)", "false|user_script:1: bad argument #1 to 'encode_max_depth' (expected integer between 1 and 2147483647)"],
  ["cjson enc keep buffer", "return tostring(cjson.encode_keep_buffer()) .. tostring(cjson.encode_keep_buffer(false)) .. tostring(cjson.encode_keep_buffer('on'))", "truefalsetrue"],
  ["cjson cfg too many args", "local ok, e = pcall(function() return cjson.encode_keep_buffer(1, 2) end) return tostring(ok) .. '|' .. tostring(e)", "false|user_script:1: bad argument #2 to 'encode_keep_buffer' (found too many arguments)"],
  ["cjson cfg int type err", "local ok, e = pcall(function() return cjson.encode_max_depth('x') end) return tostring(ok) .. '|' .. tostring(e)", "false|user_script:1: bad argument #1 to 'encode_max_depth' (number expected, got string)"],
  ["cjson cfg int frac", "return tostring(cjson.encode_max_depth(5.9))", "5"],
  ["cjson cfg ratio err", "local ok, e = pcall(function() return cjson.encode_sparse_array(nil, -1) end) return tostring(ok) .. '|' .. tostring(e)", "false|user_script:1: bad argument #1 to 'encode_sparse_array' (expected integer between 0 and 2147483647)"],
  ["cjson meta", "return cjson._NAME .. ' ' .. cjson._VERSION .. ' ' .. type(cjson.null) .. ' ' .. type(cjson.new) .. ' ' .. tostring(cjson.array_mt) .. ' ' .. tostring(cjson.decode_array_with_array_mt)", "cjson 2.1.0 userdata function nil nil"],
  ["cjson new independent", "local c2 = cjson.new() c2.encode_number_precision(2) return cjson.encode(1/3) .. ' ' .. c2.encode(1/3)", "0.33333333333333 0.33"],
  ["cjson dec object", "local t = cjson.decode('{\"a\": [1, 2.5, \"x\", true, false, null], \"b\": {}}') return type(t.a) .. #t.a .. tostring(t.a[2]) .. t.a[3] .. tostring(t.a[4]) .. tostring(t.a[5]) .. tostring(t.a[6] == cjson.null) .. type(t.b)", "table62.5xtruefalsetruetable"],
  ["cjson dec string escapes", "return cjson.decode('\"a\\\\/b\\\\\"\\\\\\\\\\\\b\\\\f\\\\n\\\\r\\\\t\\\\u0041\\\\u00e9\\\\u20ac\\\\ud83d\\\\ude00\"')", "a/b\"\\\b\f\n\r\tAÃ©â¬ð"],
  ["cjson dec numbers", "local t = cjson.decode('[0, -0, 1e3, 1E-2, -12.5e+1, 123456789012345678901234567890, 0.1]') local o = {} for i,v in ipairs(t) do o[i] = tostring(v) end return table.concat(o, ',')", "0,-0,1000,0.01,-125,1.2345678901235e+29,0.1"],
  ["cjson dec invalid numbers", "local t = cjson.decode('[0x10, +5, inf, -Infinity, 01, 1.]') local o = {} for i,v in ipairs(t) do o[i] = tostring(v) end return table.concat(o, ',')", "16,5,inf,-inf,1,1"],
  ["cjson dec nan", "local v = cjson.decode('nan') return tostring(v ~= v)", "true"],
  ["cjson dec invalid off", "cjson.decode_invalid_numbers(false) local ok, e = pcall(function() return cjson.decode('[1, 0x10]') end) return tostring(ok) .. '|' .. tostring(e)", "false|user_script:1: Expected value but found invalid number at character 5"],
  ["cjson dec invalid off2", "cjson.decode_invalid_numbers(false) local ok, e = pcall(function() return cjson.decode('+1') end) return tostring(ok) .. '|' .. tostring(e)", "false|user_script:1: Expected value but found invalid token at character 1"],
  ["cjson dec invalid off3", "cjson.decode_invalid_numbers(false) local ok, e = pcall(function() return cjson.decode('inf') end) return tostring(ok) .. '|' .. tostring(e)", "false|user_script:1: Expected value but found invalid token at character 1"],
  ["cjson dec err trailing", "local ok, e = pcall(function() return cjson.decode('[1] x') end) return tostring(ok) .. '|' .. tostring(e)", "false|user_script:1: Expected the end but found invalid token at character 5"],
  ["cjson dec err trailing num", "local ok, e = pcall(function() return cjson.decode('1abc') end) return tostring(ok) .. '|' .. tostring(e)", "false|user_script:1: Expected the end but found invalid token at character 2"],
  ["cjson dec err empty", "local ok, e = pcall(function() return cjson.decode('') end) return tostring(ok) .. '|' .. tostring(e)", "false|user_script:1: Expected value but found T_END at character 1"],
  ["cjson dec err ws", "local ok, e = pcall(function() return cjson.decode('   ') end) return tostring(ok) .. '|' .. tostring(e)", "false|user_script:1: Expected value but found T_END at character 4"],
  ["cjson dec err comma", "local ok, e = pcall(function() return cjson.decode('[1,]') end) return tostring(ok) .. '|' .. tostring(e)", "false|user_script:1: Expected value but found T_ARR_END at character 4"],
  ["cjson dec err colon", "local ok, e = pcall(function() return cjson.decode('{\"a\" 1}') end) return tostring(ok) .. '|' .. tostring(e)", "false|user_script:1: Expected colon but found T_NUMBER at character 6"],
  ["cjson dec err key", "local ok, e = pcall(function() return cjson.decode('{1:2}') end) return tostring(ok) .. '|' .. tostring(e)", "false|user_script:1: Expected object key string but found T_NUMBER at character 2"],
  ["cjson dec err objend", "local ok, e = pcall(function() return cjson.decode('{\"a\":1 \"b\"}') end) return tostring(ok) .. '|' .. tostring(e)", "false|user_script:1: Expected comma or object end but found T_STRING at character 8"],
  ["cjson dec err arrend", "local ok, e = pcall(function() return cjson.decode('[1 2]') end) return tostring(ok) .. '|' .. tostring(e)", "false|user_script:1: Expected comma or array end but found T_NUMBER at character 4"],
  ["cjson dec err string end", "local ok, e = pcall(function() return cjson.decode('\"abc') end) return tostring(ok) .. '|' .. tostring(e)", "false|user_script:1: Expected value but found unexpected end of string at character 5"],
  ["cjson dec err escape", "local ok, e = pcall(function() return cjson.decode('\"a\\\\x\"') end) return tostring(ok) .. '|' .. tostring(e)", "false|user_script:1: Expected value but found invalid escape code at character 3"],
  ["cjson dec err unicode", "local ok, e = pcall(function() return cjson.decode('\"\\\\u12\"') end) return tostring(ok) .. '|' .. tostring(e)", "false|user_script:1: Expected value but found invalid unicode escape code at character 2"],
  ["cjson dec err surrogate", "local ok, e = pcall(function() return cjson.decode('\"\\\\udc00\"') end) return tostring(ok) .. '|' .. tostring(e)", "false|user_script:1: Expected value but found invalid unicode escape code at character 2"],
  ["cjson dec err surrogate2", "local ok, e = pcall(function() return cjson.decode('\"\\\\ud800x\"') end) return tostring(ok) .. '|' .. tostring(e)", "false|user_script:1: Expected value but found invalid unicode escape code at character 2"],
  ["cjson dec err token", "local ok, e = pcall(function() return cjson.decode('[tru]') end) return tostring(ok) .. '|' .. tostring(e)", "false|user_script:1: Expected value but found invalid token at character 2"],
  ["cjson dec err nul", "local ok, e = pcall(function() return type(cjson.decode('[1]\\0')) end) return tostring(ok) .. '|' .. tostring(e)", "true|table"],
  ["cjson dec err utf16", "local ok, e = pcall(function() return cjson.decode('\\0[') end) return tostring(ok) .. '|' .. tostring(e)", "false|user_script:1: JSON parser does not support UTF-16 or UTF-32"],
  ["cjson dec nul in string", "local ok, e = pcall(function() return cjson.decode('\"a\\0b\"') end) return tostring(ok) .. '|' .. tostring(e)", "false|user_script:1: Expected value but found unexpected end of string at character 3"],
  ["cjson dec err minus", "local ok, e = pcall(function() return cjson.decode('-') end) return tostring(ok) .. '|' .. tostring(e)", "false|user_script:1: Expected value but found invalid number at character 1"],
  ["cjson dec err dot", "local ok, e = pcall(function() return cjson.decode('.5') end) return tostring(ok) .. '|' .. tostring(e)", "false|user_script:1: Expected value but found invalid token at character 1"],
  ["cjson dec err null", "local ok, e = pcall(function() return cjson.decode('nul') end) return tostring(ok) .. '|' .. tostring(e)", "false|user_script:1: Expected value but found invalid token at character 1"],
  ["cjson dec number arg", "return tostring(cjson.decode(123))", "123"],
  ["cjson dec args err", "local ok, e = pcall(function() return cjson.decode() end) return tostring(ok) .. '|' .. tostring(e)", "false|user_script:1: bad argument #1 to 'decode' (expected 1 argument)"],
  ["cjson dec type err", "local ok, e = pcall(function() return cjson.decode({}) end) return tostring(ok) .. '|' .. tostring(e)", "false|user_script:1: bad argument #1 to 'decode' (string expected, got table)"],
  ["cjson dec depth", "local ok, e = pcall(function() return cjson.decode(string.rep('[', 1001) .. string.rep(']', 1001)) end) return tostring(ok) .. '|' .. tostring(e)", "false|user_script:1: Found too many nested data structures (1001) at character 1001"],
  ["cjson dec depth cfg", "cjson.decode_max_depth(2) local ok, e = pcall(function() return cjson.decode('[[[1]]]') end) return tostring(ok) .. '|' .. tostring(e)", "false|user_script:1: Found too many nested data structures (3) at character 3"],
  ["cjson dec depth huge", "cjson.decode_max_depth(100000) local ok, e = pcall(function() return cjson.decode(string.rep('[', 5000)) end) return tostring(ok) .. '|' .. tostring(e)", "false|user_script:1: Expected value but found T_END at character 5001"],
  ["cjson dec ctrl char", "return cjson.decode('\"a\\tb\"')", "a\tb"],
  ["cjson dec ws", "return tostring(cjson.decode(' \\r\\n\\t 5 \\n'))", "5"],
  ["cjson roundtrip", "return cjson.encode(cjson.decode('[1,\"a\",{\"k\":[true,null]},-2.5e-7]'))", "[1,\"a\",{\"k\":[true,null]},-2.5e-07]"],
  ["cjson dec big int str", "return tostring(cjson.decode('9007199254740993'))", "9.007199254741e+15"],
  ["cjson dec hexfloat", "return tostring(cjson.decode('0x1.8p1'))", "3"],
  ["cjson dec -0", "return tostring(cjson.decode('-0'))", "-0"],
  ["cjson enc -0 key", "return cjson.encode({[2]=1, [1]=-0.0})", "[-0,1]"],
  ["cjson enc big keys", "local ok, e = pcall(function() return cjson.encode({[2^40]=1}) end) return tostring(ok) .. '|' .. tostring(e)", "true|{\"1099511627776\":1}"],
  ["cjson enc frac key", "return cjson.encode({[0.5]=1})", "{\"0.5\":1}"],
  ["cmsgpack pack ints", "local function hex(s) return (s:gsub('.', function(c) return string.format('%02x', c:byte()) end)) end return hex(cmsgpack.pack(0, 1, 127, 128, 255, 256, 65535, 65536, 4294967295, 4294967296, 2^53, -1, -32, -33, -128, -129, -32768, -32769, -2147483648, -2147483649, -2^63, 2^63, 2^64))", "00017fcc80ccffcd0100cdffffce00010000ceffffffffcf0000000100000000cf0020000000000000ffe0d0dfd080d1ff7fd18000d2ffff7fffd280000000d3ffffffff7fffffffd38000000000000000ca5f000000ca5f800000"],
  ["cmsgpack pack floats", "local function hex(s) return (s:gsub('.', function(c) return string.format('%02x', c:byte()) end)) end return hex(cmsgpack.pack(0.5, 1.1, -2.25, 1/0, -1/0, 1e300, 3.4028234663852886e38, 1e-45, -0.0))", "ca3f000000cb3ff199999999999acac0100000ca7f800000caff800000cb7e37e43c8800759cca7f7fffffcb3696d601ad376ab900"],
  ["cmsgpack pack nan", "local function hex(s) return (s:gsub('.', function(c) return string.format('%02x', c:byte()) end)) end return hex(cmsgpack.pack(0/0)):sub(1,2)", "cb"],
  ["cmsgpack pack strings", "local function hex(s) return (s:gsub('.', function(c) return string.format('%02x', c:byte()) end)) end return hex(cmsgpack.pack('', 'abc', string.rep('x', 31))) .. ' ' .. hex(cmsgpack.pack(string.rep('y', 32))):sub(1,8) .. ' ' .. hex(cmsgpack.pack(string.rep('y', 256))):sub(1,8) .. ' ' .. hex(cmsgpack.pack(string.rep('y', 65536))):sub(1,12)", "a0a3616263bf78787878787878787878787878787878787878787878787878787878787878 d9207979 da010079 db0001000079"],
  ["cmsgpack pack bool nil", "local function hex(s) return (s:gsub('.', function(c) return string.format('%02x', c:byte()) end)) end return hex(cmsgpack.pack(true, false, nil, cjson.null, string.len))", "c3c2c0c0c0"],
  ["cmsgpack pack array", "local function hex(s) return (s:gsub('.', function(c) return string.format('%02x', c:byte()) end)) end return hex(cmsgpack.pack({1,2,3}, {}, {{}}, {'a', {true}}))", "9301020390919092a16191c3"],
  ["cmsgpack pack array16", "local function hex(s) return (s:gsub('.', function(c) return string.format('%02x', c:byte()) end)) end local t = {} for i=1,16 do t[i]=i end return hex(cmsgpack.pack(t))", "dc00100102030405060708090a0b0c0d0e0f10"],
  ["cmsgpack pack map", "local function hex(s) return (s:gsub('.', function(c) return string.format('%02x', c:byte()) end)) end return hex(cmsgpack.pack({a=1}, {[2]=1}, {[1]=1,[3]=3}, {[1.5]=1}, {[0]=1}, {[-1]=2}))", "81a16101810201820101030381ca3fc000000181000181ff02"],
  ["cmsgpack pack map16", "local function hex(s) return (s:gsub('.', function(c) return string.format('%02x', c:byte()) end)) end local t = {} for i=2,17 do t[i]=1 end return hex(cmsgpack.pack(t)):sub(1,6)", "de0010"],
  ["cmsgpack pack holes", "local function hex(s) return (s:gsub('.', function(c) return string.format('%02x', c:byte()) end)) end return hex(cmsgpack.pack({1, nil, 3}))", "8201010303"],
  ["cmsgpack pack nesting", "local function hex(s) return (s:gsub('.', function(c) return string.format('%02x', c:byte()) end)) end local t = {} local c = t for i=1,20 do c[1] = {} c = c[1] end return hex(cmsgpack.pack(t))", "91919191919191919191919191919191c0"],
  ["cmsgpack pack nesting map", "local function hex(s) return (s:gsub('.', function(c) return string.format('%02x', c:byte()) end)) end local t = {} local c = t for i=1,20 do c.k = {} c = c.k end return hex(cmsgpack.pack(t))", "81a16b81a16b81a16b81a16b81a16b81a16b81a16b81a16b81a16b81a16b81a16b81a16b81a16b81a16b81a16b81a16bc0"],
  ["cmsgpack pack no args", "local ok, e = pcall(cmsgpack.pack) return tostring(ok) .. '|' .. tostring(e)", "false|bad argument #0 to '?' (MessagePack pack needs input.)"],
  ["cmsgpack pack no args2", "local ok, e = pcall(function() return cmsgpack.pack() end) return tostring(ok) .. '|' .. tostring(e)", "false|user_script:1: bad argument #0 to 'pack' (MessagePack pack needs input.)"],
  ["cmsgpack unpack all", "local a, b, c, d = cmsgpack.unpack(cmsgpack.pack(1, 'x', {1,2}, {k='v'})) return tostring(a) .. b .. #c .. d.k", "1x2v"],
  ["cmsgpack unpack types", "local t = {cmsgpack.unpack('\\204\\255\\205\\255\\255\\206\\255\\255\\255\\255\\208\\128\\209\\128\\000\\210\\128\\000\\000\\000\\211\\255\\255\\255\\255\\255\\255\\255\\254\\207\\255\\255\\255\\255\\255\\255\\255\\255\\207\\000\\000\\000\\001\\000\\000\\000\\000\\127\\224\\255')} local o = {} for i,v in ipairs(t) do o[i] = tostring(v) end return table.concat(o, ',')", "255,65535,4294967295,-128,-32768,-2147483648,-2,-1,4294967296,127,-32,-1"],
  ["cmsgpack unpack floats", "local t = {cmsgpack.unpack('\\202\\063\\192\\000\\000\\203\\063\\241\\153\\153\\153\\153\\153\\154')} return tostring(t[1]) .. ',' .. tostring(t[2])", "1.5,1.1"],
  ["cmsgpack unpack nil bool", "local a, b, c = cmsgpack.unpack('\\192\\195\\194') return tostring(a) .. tostring(b) .. tostring(c)", "niltruefalse"],
  ["cmsgpack unpack str8", "return cmsgpack.unpack('\\217\\003abc') .. cmsgpack.unpack('\\218\\000\\002de') .. cmsgpack.unpack('\\219\\000\\000\\000\\001f') .. cmsgpack.unpack('\\162gh')", "abcdefgh"],
  ["cmsgpack unpack containers", "local a, m = cmsgpack.unpack('\\220\\000\\002\\001\\002\\222\\000\\001\\161k\\161v') return #a .. m.k", "2v"],
  ["cmsgpack unpack empty", "return tostring(select('#', cmsgpack.unpack('')))", "0"],
  ["cmsgpack unpack eof", "local ok, e = pcall(function() return cmsgpack.unpack('\\205\\001') end) return tostring(ok) .. '|' .. tostring(e)", "false|user_script:1: Missing bytes in input."],
  ["cmsgpack unpack eof str", "local ok, e = pcall(function() return cmsgpack.unpack('\\165ab') end) return tostring(ok) .. '|' .. tostring(e)", "false|user_script:1: Missing bytes in input."],
  ["cmsgpack unpack eof arr", "local ok, e = pcall(function() return cmsgpack.unpack('\\146\\001') end) return tostring(ok) .. '|' .. tostring(e)", "false|user_script:1: Missing bytes in input."],
  ["cmsgpack unpack badfmt", "local ok, e = pcall(function() return cmsgpack.unpack('\\193') end) return tostring(ok) .. '|' .. tostring(e)", "false|user_script:1: Bad data format in input."],
  ["cmsgpack unpack badfmt bin", "local ok, e = pcall(function() return cmsgpack.unpack('\\196\\001a') end) return tostring(ok) .. '|' .. tostring(e)", "false|user_script:1: Bad data format in input."],
  ["cmsgpack unpack nil key", "local ok, e = pcall(function() return cmsgpack.unpack('\\129\\192\\001') end) return tostring(ok) .. '|' .. tostring(e)", "false|table index is nil"],
  ["cmsgpack unpack type err", "local ok, e = pcall(function() return cmsgpack.unpack({}) end) return tostring(ok) .. '|' .. tostring(e)", "false|user_script:1: bad argument #1 to 'unpack' (string expected, got table)"],
  ["cmsgpack unpack_one", "local off, v = cmsgpack.unpack_one(cmsgpack.pack(1, 2)) local off2, v2 = cmsgpack.unpack_one(cmsgpack.pack(1, 2), off) return off .. ',' .. v .. ',' .. off2 .. ',' .. v2", "1,1,-1,2"],
  ["cmsgpack unpack_one empty", "return tostring(cmsgpack.unpack_one(''))", "-1"],
  ["cmsgpack unpack_limit", "local r = {cmsgpack.unpack_limit(cmsgpack.pack(1, 2, 3), 2)} return table.concat(r, ',')", "2,1,2"],
  ["cmsgpack unpack_limit all", "local r = {cmsgpack.unpack_limit(cmsgpack.pack(1, 2, 3), 5)} return table.concat(r, ',')", "-1,1,2,3"],
  ["cmsgpack unpack_limit 0", "local r = {cmsgpack.unpack_limit(cmsgpack.pack(1, 2, 3), 0)} return table.concat(r, ',')", "1,2,3"],
  ["cmsgpack unpack_limit 0 off", "local r = {cmsgpack.unpack_limit(cmsgpack.pack(1, 2, 3), 0, 1)} return table.concat(r, ',')", "1"],
  ["cmsgpack unpack_limit off", "local r = {cmsgpack.unpack_limit(cmsgpack.pack(1, 2, 3), 1, 2)} return table.concat(r, ',')", "-1,3"],
  ["cmsgpack unpack neg off", "local ok, e = pcall(function() return cmsgpack.unpack_one('abc', -1) end) return tostring(ok) .. '|' .. tostring(e)", "false|user_script:1: Invalid request to unpack with offset of -1 and limit of 3."],
  ["cmsgpack unpack neg limit", "local ok, e = pcall(function() return cmsgpack.unpack_limit('abc', -2, 1) end) return tostring(ok) .. '|' .. tostring(e)", "false|user_script:1: Invalid request to unpack with offset of 1 and limit of 3."],
  ["cmsgpack unpack big off", "local ok, e = pcall(function() return cmsgpack.unpack_one('abc', 10) end) return tostring(ok) .. '|' .. tostring(e)", "false|user_script:1: Start offset 10 greater than input length 3."],
  ["cmsgpack unpack off == len", "return tostring(cmsgpack.unpack_one('\\001', 1))", "-1"],
  ["cmsgpack unpack_limit noarg", "local ok, e = pcall(function() return cmsgpack.unpack_limit('abc') end) return tostring(ok) .. '|' .. tostring(e)", "false|user_script:1: bad argument #2 to 'unpack_limit' (number expected, got no value)"],
  ["cmsgpack unpack_one noarg", "local ok, e = pcall(function() return cmsgpack.unpack_one() end) return tostring(ok) .. '|' .. tostring(e)", "false|user_script:1: bad argument #1 to 'unpack_one' (string expected, got no value)"],
  ["cmsgpack unpack_one frac", "local o, v = cmsgpack.unpack_one('\\001\\002', 1.7) return o .. ',' .. v", "-1,2"],
  ["cmsgpack unpack many", "local t = {} for i=1,7990 do t[i] = 1 end local s = cmsgpack.pack(unpack(t, 1, 3000)) .. cmsgpack.pack(unpack(t, 1, 3000)) .. cmsgpack.pack(unpack(t, 1, 3000)) local ok, e = pcall(function() return select('#', cmsgpack.unpack(s)) end) return tostring(ok) .. '|' .. tostring(e)", "false|user_script:1: stack overflow (too many return values at once; use unpack_one or unpack_limit instead.)"],
  ["cmsgpack pack many args", "local t = {} for i=1,5000 do t[i] = 1 end local ok, e = pcall(function() return #cmsgpack.pack(unpack(t)) end) return tostring(ok) .. '|' .. tostring(e)", "false|user_script:1: bad argument #0 to 'pack' (Too many arguments for MessagePack pack.)"],
  ["cmsgpack pack 4000 args", "local t = {} for i=1,3990 do t[i] = 1 end local ok, e = pcall(function() return #cmsgpack.pack(unpack(t)) end) return tostring(ok) .. '|' .. tostring(e)", "true|3990"],
  ["cmsgpack meta", "return cmsgpack._NAME .. '|' .. cmsgpack._VERSION .. '|' .. cmsgpack._COPYRIGHT .. '|' .. cmsgpack._DESCRIPTION", "cmsgpack|lua-cmsgpack 0.4.0|Copyright (C) 2012, Salvatore Sanfilippo|MessagePack C implementation for Lua"],
  ["cmsgpack roundtrip nested", "local function hex(s) return (s:gsub('.', function(c) return string.format('%02x', c:byte()) end)) end return hex(cmsgpack.pack(cmsgpack.unpack(cmsgpack.pack({1, {2, {3, 'x'}}, true}))))", "930192029203a178c3"],
  ["bit tobit", "return table.concat({bit.tobit(0xffffffff), bit.tobit(2^32+5), bit.tobit(-1), bit.tobit(1.5), bit.tobit(2.5), bit.tobit(-1.5), bit.tobit(2^52), bit.tobit(2^53+3), bit.tobit(1e300), bit.tobit('12'), bit.tobit(0x7fffffff + 1)}, ',')", "-1,5,-1,2,2,-2,0,2,-2013235812,12,-2147483648"],
  ["bit ops", "return table.concat({bit.bnot(0), bit.band(0xff, 0x0f, 0x3), bit.bor(1, 2, 4, 8), bit.bxor(0xf0, 0xff), bit.band(7), bit.lshift(1, 31), bit.lshift(1, 32), bit.lshift(1, 33), bit.rshift(-1, 28), bit.arshift(-256, 4), bit.rol(0x80000001, 1), bit.ror(0x80000001, 1), bit.rol(5, 0), bit.ror(5, 32), bit.bswap(0x12345678), bit.lshift(3, -1)}, ',')", "-1,3,15,15,7,-2147483648,1,2,15,-16,3,-1073741824,5,5,2018915346,-2147483648"],
  ["bit tohex", "return table.concat({bit.tohex(255), bit.tohex(-1), bit.tohex(0x1234abcd, 4), bit.tohex(0xabcd, -6), bit.tohex(1, 0), bit.tohex(1, 12), bit.tohex(1, -2^31)}, ',')", "000000ff,ffffffff,abcd,00ABCD,,00000001,00000001"],
  ["bit type err", "local ok, e = pcall(function() return bit.band(1, 'x') end) return tostring(ok) .. '|' .. tostring(e)", "false|user_script:1: bad argument #2 to 'band' (number expected, got string)"],
  ["bit type err nil", "local ok, e = pcall(function() return bit.tobit() end) return tostring(ok) .. '|' .. tostring(e)", "false|user_script:1: bad argument #1 to 'tobit' (number expected, got no value)"],
  ["bit type err table", "local ok, e = pcall(function() return bit.bor({}) end) return tostring(ok) .. '|' .. tostring(e)", "false|user_script:1: bad argument #1 to 'bor' (number expected, got table)"],
  ["bit zero string", "return tostring(bit.tobit('0'))", "0"],
  ["bit nan inf", "return table.concat({bit.tobit(0/0), bit.tobit(1/0), bit.tobit(-1/0)}, ',')", "0,0,0"],
  ["struct pack ints", "local function hex(s) return (s:gsub('.', function(c) return string.format('%02x', c:byte()) end)) end return hex(struct.pack('bBhHlLTiI', -1, 255, -2, 65535, -3, 4, 5, -6, 7))", "fffffefffffffdffffffffffffff04000000000000000500000000000000faffffff07000000"],
  ["struct pack endian", "local function hex(s) return (s:gsub('.', function(c) return string.format('%02x', c:byte()) end)) end return hex(struct.pack('>i<i>H', 1, 1, 258)) .. ' ' .. hex(struct.pack('>i3<i3', 0x010203, 0x010203))", "00000001010000000102 010203030201"],
  ["struct pack big sizes", "local function hex(s) return (s:gsub('.', function(c) return string.format('%02x', c:byte()) end)) end return hex(struct.pack('>i16<i16', -1, -1)) .. ' ' .. hex(struct.pack('>I9', 2^64 - 2^12))", "0000000000000000ffffffffffffffffffffffffffffffff0000000000000000 00fffffffffffff000"],
  ["struct pack conv", "local function hex(s) return (s:gsub('.', function(c) return string.format('%02x', c:byte()) end)) end return hex(struct.pack('<iIbB', 1.9, -1.9, 300, -1)) .. hex(struct.pack('<L', 2^64)) .. hex(struct.pack('<L', 0/0)) .. hex(struct.pack('<l', -2^63)) .. hex(struct.pack('<l', 2^63))", "01000000ffffffff2cff0000000000000000000000000000008000000000000000800000000000000080"],
  ["struct pack float", "local function hex(s) return (s:gsub('.', function(c) return string.format('%02x', c:byte()) end)) end return hex(struct.pack('<fd>fd', 1.5, 1.5, 0.1, 0.1))", "0000c03f000000000000f83f3dcccccd3fb999999999999a"],
  ["struct pack strings", "local function hex(s) return (s:gsub('.', function(c) return string.format('%02x', c:byte()) end)) end return hex(struct.pack('c3sc0xc', 'abcdef', 'hi', 'xyz', 'q'))", "61626368690078797a0071"],
  ["struct pack align", "local function hex(s) return (s:gsub('.', function(c) return string.format('%02x', c:byte()) end)) end return hex(struct.pack('!<bibhbd', 1, 2, 3, 4, 5, 6)) .. ' ' .. hex(struct.pack('!2<bi', 1, 2)) .. ' ' .. hex(struct.pack('!<bi3', 1, 2))", "010000000200000003000400050000000000000000001840 010002000000 010000020000"],
  ["struct pack str short", "local ok, e = pcall(function() return struct.pack('c5', 'ab') end) return tostring(ok) .. '|' .. tostring(e)", "false|user_script:1: bad argument #3 to 'pack' (string too short)"],
  ["struct pack bad opt", "local ok, e = pcall(function() return struct.pack('z', 1) end) return tostring(ok) .. '|' .. tostring(e)", "false|user_script:1: bad argument #1 to 'pack' (invalid format option 'z')"],
  ["struct pack bad opt2", "local ok, e = pcall(function() return struct.pack('b5', 1) end) return tostring(ok) .. '|' .. tostring(e)", "false|user_script:1: bad argument #1 to 'pack' (invalid format option '5')"],
  ["struct pack bad align", "local ok, e = pcall(function() return struct.pack('!3b', 1) end) return tostring(ok) .. '|' .. tostring(e)", "false|user_script:1: alignment 3 is not a power of 2"],
  ["struct pack align0", "local ok, e = pcall(function() return struct.pack('!0b', 1) end) return tostring(ok) .. '|' .. tostring(e)", "false|user_script:1: alignment 0 is not a power of 2"],
  ["struct pack big int", "local ok, e = pcall(function() return struct.pack('i33', 1) end) return tostring(ok) .. '|' .. tostring(e)", "false|user_script:1: integral size 33 is larger than limit of 32"],
  ["struct pack overflow", "local ok, e = pcall(function() return struct.pack('i99999999999', 1) end) return tostring(ok) .. '|' .. tostring(e)", "false|user_script:1: integral size overflow"],
  ["struct pack num err", "local ok, e = pcall(function() return struct.pack('i', 'x') end) return tostring(ok) .. '|' .. tostring(e)", "false|user_script:1: bad argument #2 to 'pack' (number expected, got string)"],
  ["struct pack missing", "local ok, e = pcall(function() return struct.pack('ii', 1) end) return tostring(ok) .. '|' .. tostring(e)", "false|user_script:1: bad argument #3 to 'pack' (number expected, got nil)"],
  ["struct pack str err", "local ok, e = pcall(function() return struct.pack('s', {}) end) return tostring(ok) .. '|' .. tostring(e)", "false|user_script:1: bad argument #2 to 'pack' (string expected, got table)"],
  ["struct pack nul fmt", "local function hex(s) return (s:gsub('.', function(c) return string.format('%02x', c:byte()) end)) end return hex(struct.pack('b\\0b', 1, 2))", "01"],
  ["struct pack spaces", "local function hex(s) return (s:gsub('.', function(c) return string.format('%02x', c:byte()) end)) end return hex(struct.pack(' b > h ', 1, 2))", "010002"],
  ["struct unpack ints", "return table.concat({struct.unpack('<bBhHlLiI', struct.pack('<bBhHlLiI', -1, 255, -2, 65535, -3, 4, -6, 7))}, ',')", "-1,255,-2,65535,-3,4,-6,7,31"],
  ["struct unpack big", "return table.concat({struct.unpack('>I8<l>l', string.rep('\\255', 24))}, ',')", "1.844674407371e+19,-1,-1,25"],
  ["struct unpack i16", "return table.concat({struct.unpack('<i16>i16<I16<i9>i9<i12', string.rep('\\255', 16) .. string.rep('\\255', 16) .. string.rep('\\128', 16) .. string.rep('\\001', 9) .. '\\255' .. string.rep('\\000', 8) .. string.rep('\\254', 12))}, ',')", "-1,-1,9.2595421232738e+18,-127,0,-16843010,79"],
  ["struct unpack i3", "return table.concat({struct.unpack('<i3>i3<I3', '\\255\\255\\255\\255\\255\\127\\001\\002\\003')}, ',')", "-1,-129,197121,10"],
  ["struct unpack float", "return table.concat({struct.unpack('<f>d', struct.pack('<f>d', 0.1, 0.1))}, ',')", "0.10000000149012,0.1,13"],
  ["struct unpack strings", "local ok, e = pcall(function() return table.concat({struct.unpack('c2sxc0', 'abhello\\0\\0\\0')}, ',') end) return tostring(ok) .. '|' .. tostring(e)", "false|user_script:1: format 'c0' needs a previous size"],
  ["struct unpack strings2", "return table.concat({struct.unpack('c2sxbc0', 'abhello\\0\\0\\2xy')}, ',')", "ab,hello,xy,13"],
  ["struct unpack c0", "return table.concat({struct.unpack('bc0b', '\\003abcd\\005')}, ',')", "abc,100,6"],
  ["struct unpack c0 err", "local ok, e = pcall(function() return struct.unpack('c0', 'abc') end) return tostring(ok) .. '|' .. tostring(e)", "false|user_script:1: format 'c0' needs a previous size"],
  ["struct unpack c0 str", "return table.concat({struct.unpack('c1c0', '3abcd')}, ',')", "abc,5"],
  ["struct unpack s err", "local ok, e = pcall(function() return struct.unpack('s', 'abc') end) return tostring(ok) .. '|' .. tostring(e)", "false|user_script:1: unfinished string in data"],
  ["struct unpack short", "local ok, e = pcall(function() return struct.unpack('i', 'abc') end) return tostring(ok) .. '|' .. tostring(e)", "false|user_script:1: bad argument #2 to 'unpack' (data string too short)"],
  ["struct unpack offset", "return table.concat({struct.unpack('b', '\\001\\002\\003', 2)}, ',')", "2,3"],
  ["struct unpack offset0", "local ok, e = pcall(function() return struct.unpack('b', 'abc', 0) end) return tostring(ok) .. '|' .. tostring(e)", "false|user_script:1: bad argument #3 to 'unpack' (offset must be 1 or greater)"],
  ["struct unpack offset neg", "local ok, e = pcall(function() return struct.unpack('b', 'abc', -1) end) return tostring(ok) .. '|' .. tostring(e)", "false|user_script:1: bad argument #2 to 'unpack' (data string too short)"],
  ["struct unpack offset neg empty", "return tostring(struct.unpack('', 'abc', -5))", "-5"],
  ["struct unpack offset end", "return tostring(struct.unpack('', 'abc', 4))", "4"],
  ["struct unpack offset past", "local ok, e = pcall(function() return struct.unpack('', 'abc', 5) end) return tostring(ok) .. '|' .. tostring(e)", "true|5"],
  ["struct unpack offset past ctl", "local ok, e = pcall(function() return struct.unpack('<', 'abc', 5) end) return tostring(ok) .. '|' .. tostring(e)", "false|user_script:1: bad argument #2 to 'unpack' (data string too short)"],
  ["struct unpack align", "return table.concat({struct.unpack('!<bi', '\\001\\000\\000\\000\\002\\000\\000\\000')}, ',')", "1,2,9"],
  ["struct unpack bad opt", "local ok, e = pcall(function() return struct.unpack('q', 'abc') end) return tostring(ok) .. '|' .. tostring(e)", "false|user_script:1: bad argument #1 to 'unpack' (invalid format option 'q')"],
  ["struct unpack frac offset", "return table.concat({struct.unpack('b', '\\001\\002', 2.9)}, ',')", "2,3"],
  ["struct unpack many", "local ok, e = pcall(struct.unpack, string.rep('b', 8100), string.rep('a', 8100)) return tostring(ok) .. tostring(e)", "falsestack overflow (too many results)"],
  ["struct size", "return table.concat({struct.size('bhilLfdT'), struct.size('!bhilLfd'), struct.size('c10'), struct.size('i7x'), struct.size('!4bd'), struct.size(''), struct.size('zq'), struct.size('b5')}, ',')", "43,40,10,8,12,0,0,1"],
  ["struct size s", "local ok, e = pcall(function() return struct.size('s') end) return tostring(ok) .. '|' .. tostring(e)", "false|user_script:1: bad argument #1 to 'size' (option 's' has no fixed size)"],
  ["struct size c0", "local ok, e = pcall(function() return struct.size('c0') end) return tostring(ok) .. '|' .. tostring(e)", "false|user_script:1: bad argument #1 to 'size' (option 'c0' has no fixed size)"],
  ["struct size bad", "local ok, e = pcall(function() return struct.size('#') end) return tostring(ok) .. '|' .. tostring(e)", "false|user_script:1: bad argument #1 to 'size' (invalid format option '#')"],
  ["struct size type", "local ok, e = pcall(function() return struct.size({}) end) return tostring(ok) .. '|' .. tostring(e)", "false|user_script:1: bad argument #1 to 'size' (string expected, got table)"],
  ["random random seq", "math.randomseed(1) local t = {} for i=1,5 do t[i] = tostring(math.random()) end return table.concat(t, ',')", "0.041630344484761,0.4544924448498,0.83481721851733,0.33598602997884,0.56548940370115"],
  ["random random int", "math.randomseed(7) local t = {} for i=1,8 do t[i] = math.random(10) end for i=9,16 do t[i] = math.random(-5, 5) end return table.concat(t, ',')", "3,7,3,2,5,3,2,8,-5,-4,3,4,0,4,-2,-1"],
  ["random random neg seed", "math.randomseed(-12345) return tostring(math.random()) .. ',' .. math.random(1000000)", "0.11632755916395,580621"],
  ["random random big seed", "math.randomseed(2^32 + 7) local a = math.random() math.randomseed(7) return tostring(a == math.random())", "true"],
  ["random random frac seed", "math.randomseed(7.9) local a = math.random() math.randomseed(7) return tostring(a == math.random())", "true"],
  ["random random empty", "math.randomseed(3) local ok, e = pcall(function() return math.random(0) end) return tostring(ok) .. '|' .. tostring(e)", "false|user_script:1: bad argument #1 to 'random' (interval is empty)"],
  ["random random empty2", "math.randomseed(3) local ok, e = pcall(function() return math.random(5, 4) end) return tostring(ok) .. '|' .. tostring(e)", "false|user_script:1: bad argument #2 to 'random' (interval is empty)"],
  ["random random consumes", "math.randomseed(3) pcall(math.random, 0) local a = math.random() math.randomseed(3) math.random() return tostring(a == math.random())", "true"],
  ["random random args", "local ok, e = pcall(function() return math.random(1, 2, 3) end) return tostring(ok) .. '|' .. tostring(e)", "false|user_script:1: wrong number of arguments"],
  ["random random type", "local ok, e = pcall(function() return math.random('x') end) return tostring(ok) .. '|' .. tostring(e)", "false|user_script:1: bad argument #1 to 'random' (number expected, got string)"],
  ["random random frac", "math.randomseed(9) local a = math.random(3.7) math.randomseed(9) return tostring(a == math.random(3))", "true"],
  ["random random full range", "math.randomseed(5) return tostring(math.random(-2147483648, 2147483647))", "-2147483648"],
  ["random randomseed err", "local ok, e = pcall(function() return math.randomseed() end) return tostring(ok) .. '|' .. tostring(e)", "false|user_script:1: bad argument #1 to 'randomseed' (number expected, got no value)"],
  ["cjson enc utf8 empty", "return cjson.encode({'h\\195\\169llo', ''})", "[\"hÃ©llo\",\"\"]"],
  ["cjson enc nested objects", "return cjson.encode({a={b={c={1,2,{d=false}}}}})", "{\"a\":{\"b\":{\"c\":[1,2,{\"d\":false}]}}}"],
  ["cjson enc long array", "local t = {} for i=1,100 do t[i] = i * 1.5 end return cjson.encode(t)", "[1.5,3,4.5,6,7.5,9,10.5,12,13.5,15,16.5,18,19.5,21,22.5,24,25.5,27,28.5,30,31.5,33,34.5,36,37.5,39,40.5,42,43.5,45,46.5,48,49.5,51,52.5,54,55.5,57,58.5,60,61.5,63,64.5,66,67.5,69,70.5,72,73.5,75,76.5,78,79.5,81,82.5,84,85.5,87,88.5,90,91.5,93,94.5,96,97.5,99,100.5,102,103.5,105,106.5,108,109.5,111,112.5,114,115.5,117,118.5,120,121.5,123,124.5,126,127.5,129,130.5,132,133.5,135,136.5,138,139.5,141,142.5,144,145.5,147,148.5,150]"],
  ["cjson enc sparse safe edge", "return cjson.encode({[10]=1}) .. cjson.encode({[1]=1,[4]=4}) .. select(2, pcall(cjson.encode, {[1]=1,[3]=3,[12]=12}))", "[null,null,null,null,null,null,null,null,null,1][1,null,null,4]Cannot serialise table: excessively sparse array"],
  ["cjson enc mixed keys", "return cjson.encode({[1]=1, x=2}):len() .. ''", "13"],
  ["cjson enc precision ties", "cjson.encode_number_precision(2) return cjson.encode({0.125, 0.375, 2.5, 1.25, 1005, 0.0625})", "[0.12,0.38,2.5,1.2,1e+03,0.062]"],
  ["cjson enc int precision", "return cjson.encode({12345678901234, 123456789012345, 0.1, 1e-5, 123.456e-10, 2^63, -2^31})", "[12345678901234,1.2345678901234e+14,0.1,1e-05,1.23456e-08,9.2233720368548e+18,-2147483648]"],
  ["cjson dec dup keys", "return tostring(cjson.decode('{\"a\":1,\"a\":2}').a)", "2"],
  ["cjson dec empty containers", "return type(cjson.decode('[]')) .. type(cjson.decode('{}')) .. tostring(next(cjson.decode('{}')))", "tabletablenil"],
  ["cjson dec nested", "local t = cjson.decode('{\"a\":{\"b\":[[],[{\"c\":\"d\"}]]}}') return t.a.b[2][1].c .. #t.a.b[1]", "d0"],
  ["cjson dec scalar", "return tostring(cjson.decode('true')) .. tostring(cjson.decode('false')) .. tostring(cjson.decode('null') == cjson.null) .. cjson.decode('\"s\"')", "truefalsetrues"],
  ["cjson dec err after value", "local ok, e = pcall(function() return cjson.decode('{\"a\":1}}') end) return tostring(ok) .. '|' .. tostring(e)", "false|user_script:1: Expected the end but found T_OBJ_END at character 8"],
  ["cjson dec err obj comma", "local ok, e = pcall(function() return cjson.decode('{\"a\":1,}') end) return tostring(ok) .. '|' .. tostring(e)", "false|user_script:1: Expected object key string but found T_OBJ_END at character 8"],
  ["cjson dec err open", "local ok, e = pcall(function() return cjson.decode('[') end) return tostring(ok) .. '|' .. tostring(e)", "false|user_script:1: Expected value but found T_END at character 2"],
  ["cjson dec err ctrl", "local ok, e = pcall(function() return cjson.decode('[\\001]') end) return tostring(ok) .. '|' .. tostring(e)", "false|user_script:1: Expected value but found invalid token at character 2"],
  ["cjson dec surrogate ok", "local s = cjson.decode('\"\\\\ud834\\\\udd1e\"') return s:len() .. ':' .. s:byte(1) .. ',' .. s:byte(4)", "4:240,158"],
  ["cjson dec upper hex", "return cjson.decode('\"\\\\u00C9\\\\u00e9\"')", "ÃÃ©"],
  ["cmsgpack pack misc nums", "local function hex(s) return (s:gsub('.', function(c) return string.format('%02x', c:byte()) end)) end return hex(cmsgpack.pack(-0.5, 2^31, -2^31 - 0.5, 2^62, -2^62, 1e10, 0.1))", "cabf000000ce80000000cbc1e0000000100000cf4000000000000000d3c000000000000000cf00000002540be400cb3fb999999999999a"],
  ["cmsgpack pack str 255 256", "local function hex(s) return (s:gsub('.', function(c) return string.format('%02x', c:byte()) end)) end return hex(cmsgpack.pack(string.rep('z', 255))):sub(1, 6) .. ' ' .. hex(cmsgpack.pack(string.rep('z', 256))):sub(1, 8)", "d9ff7a da01007a"],
  ["cmsgpack unpack fixmap nested", "local t = cmsgpack.unpack('\\130\\161a\\145\\001\\161b\\128') return #t.a .. type(t.b)", "1table"],
  ["cmsgpack roundtrip floats", "local a, b, c = cmsgpack.unpack(cmsgpack.pack(0.1, 1.5, -1e300)) return tostring(a) .. ',' .. tostring(b) .. ',' .. tostring(c)", "0.1,1.5,-1e+300"],
  ["cmsgpack unpack neg fixnum", "return table.concat({cmsgpack.unpack('\\255\\224\\127')}, ',')", "-1,-32,127"],
  ["bit more", "return table.concat({bit.band(-1, 0xffff), bit.bor(0x80000000, 0), bit.bxor(-1, 1), bit.bnot(-1), bit.lshift(0xff, 28), bit.rshift(0x80000000, 31), bit.arshift(0x80000000, 31), bit.rol(0x12345678, 8), bit.ror(0x12345678, 8), bit.bswap(-1), bit.tobit(-2^31), bit.tobit(2^31)}, ',')", "65535,-2147483648,-2,0,-268435456,1,-1,878082066,2014458966,-1,-2147483648,-2147483648"],
  ["struct roundtrip", "local s = struct.pack('>hIsdc2', -5, 4000000000, 'str', 3.25, 'ok') return table.concat({struct.unpack('>hIsdc2', s)}, ',') .. '|' .. #s", "-5,4000000000,str,3.25,ok,21|20"],
  ["struct pack T l", "local function hex(s) return (s:gsub('.', function(c) return string.format('%02x', c:byte()) end)) end return hex(struct.pack('<T>T', 1, 1))", "01000000000000000000000000000001"],
  ["struct size aligned", "return table.concat({struct.size('!bd'), struct.size('!2bd'), struct.size('!16bd'), struct.size('!bc3i'), struct.size('<!4hbi')}, ',')", "16,10,16,8,8"],
  ["struct unpack x pos", "return table.concat({struct.unpack('bxxb', '\\001\\000\\000\\002')}, ',')", "1,2,5"],
]

// Fengari iterates table keys in insertion order (a table constructor inserts 3 before 1), Lua 5.1
// walks the array part first: map output that depends on lua_next order differs until the VM does.
const VM_KEY_ORDER = new Set(['cmsgpack pack holes'])

for (const [name, code, expected] of CASES) {
  test(name, {todo: VM_KEY_ORDER.has(name) ? 'table iteration order of the VM differs from Lua 5.1' : undefined}, () => {
    assert.equal(runLua(code), expected)
  })
}

test('random: the first values after start-up are those of a fresh redis-server 7.0.15 (no per-script reseed)', () => {
  const L = newState()
  // consecutive EVALs on a fresh server: each continues the previous one's sequence
  assert.equal(runLua('return tostring(math.random())', L), '0.39646477363839')
  assert.equal(runLua('return tostring(math.random())', L), '0.84048536971234')
  assert.equal(runLua('return math.random(10) .. "," .. math.random(5, 7)', L), '4,6')
  assert.equal(runLua('math.randomseed(42) return tostring(math.random())', L), '0.74452500033403')
  assert.equal(runLua('return tostring(math.random())', L), '0.34270147855519')
})

test('random: one Rand48 is shared by every Lua state of a node', () => {
  const rng = new Rand48()
  const a = newState(rng)
  const b = newState(rng)
  runLua('math.randomseed(42)', a)
  assert.equal(runLua('return tostring(math.random())', b), '0.74452500033403')
})

test('random: refused outside a script invocation', () => {
  const L = newState(new Rand48(), () => false)
  assert.equal(runLua('return select(2, pcall(math.random))', L), 'math.random can only be called inside a script invocation')
  assert.equal(runLua('return select(2, pcall(math.randomseed, 1))', L), 'math.randomseed can only be called inside a script invocation')
})

test('libraries leave the stack as they found it and set their globals', () => {
  const L = newState()
  assert.equal(lua.lua_gettop(L), 0)
  assert.equal(runLua('return type(cjson) .. type(cmsgpack) .. type(bit) .. type(struct) .. type(math.random)', L), 'tabletabletabletablefunction')
})

test('formatG is C printf %.Ng, ties to even on the exact binary value', () => {
  // values printed by glibc printf
  const vectors: [number, number, string][] = [
    [0.125, 2, '0.12'], [0.375, 2, '0.38'], [2.5, 1, '2'], [3.5, 1, '4'], [1e21, 14, '1e+21'],
    [123456789012345, 14, '1.2345678901234e+14'], [100000000000000.5, 15, '100000000000000'], [1e-5, 14, '1e-05'],
    [0.0001, 14, '0.0001'], [-1.5e-7, 3, '-1.5e-07'], [5e-324, 14, '4.9406564584125e-324'], [1.7976931348623157e308, 14, '1.7976931348623e+308'],
    [-0, 14, '-0'], [Infinity, 14, 'inf'], [-Infinity, 14, '-inf'], [NaN, 14, 'nan'], [99999999999999.9, 14, '1e+14'], [0.5, 14, '0.5'],
  ]
  for (const [x, p, s] of vectors) assert.equal(formatG(x, p), s, `${x} %.${p}g`)
})

test('live: snippets agree with a real redis-server', {skip: redisSkip()}, async () => {
  const nodes = new RedisNodes()
  try {
    const [node] = await nodes.start(1, {cluster: false})
    const client = new Redis({port: node.port, maxRetriesPerRequest: 1})
    try {
      const picks = ['cjson enc string', 'cjson enc numbers', 'cjson dec err token', 'cmsgpack pack ints', 'cmsgpack pack floats', 'bit ops', 'struct pack align', 'struct unpack i16', 'random random seq']
      for (const [name, code] of CASES.filter(([n]) => picks.includes(n))) {
        await client.call('SCRIPT', 'FLUSH')
        const reply = (await client.callBuffer('EVAL', code, '0')) as Buffer
        assert.equal(runLua(code), reply.toString('latin1'), name)
      }
    } finally {
      client.disconnect()
    }
  } finally {
    await nodes.stop()
  }
})

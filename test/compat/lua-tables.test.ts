// Lua tables as Lua 5.1.5 lays them out, side by side with redis-server: pairs/next visit the array
// part then the hash nodes in node order (the node a key lands in follows Lua 5.1's string and
// number hashes, collisions, free-slot scan and rehash), and `#` is Lua 5.1's luaH_getn (a binary
// search that finds some border when the table has holes). Users see both through pairs(),
// cjson.encode / cmsgpack.pack of maps, and `#` in table.insert/remove/concat/unpack/getn.
// Keys hashed by address (tables, functions) are not compared: their order follows C pointers.
// Also the libraries' contents (5.1's table library in its order, no 5.3 additions, the
// __redis__err__handler global).
import {test} from 'node:test'
import assert from 'node:assert/strict'
import {pairSuite, runScript, type Step} from './harness.js'

// a script body's helper: the keys of t in pairs order, as a flat list of "k=v" strings
const KEYS = `local function order(t) local r = {} for k, v in pairs(t) do r[#r+1] = tostring(k) .. '=' .. tostring(v) end return r end `
const words = (n: number, f: (i: number) => string) => Array.from({length: n}, (_, i) => f(i + 1))
const luaList = (xs: string[]) => `{${xs.map((x) => `'${x}'`).join(',')}}`

const cases: [string, string, string[]?][] = [
  // string keys: a few, then counts crossing several rehashes (1, 2, 4, ... 256 nodes)
  ['cjson object', 'return cjson.encode({a=1,b=2,c=3,hello=4})'],
  ['string keys from a list', `local t={} for i,k in ipairs({'a','b','c','d','e','foo','bar','x1','x2'}) do t[k]=i end ${KEYS} return order(t)`],
  ...[3, 7, 17, 40, 100, 200].map((n): [string, string] => [`${n} string keys`, `${KEYS} local t={} for i=1,${n} do t['key:'..i]=i end return order(t)`]),
  ...[5, 33, 150].map((n): [string, string] => [`${n} string keys, reverse`, `${KEYS} local t={} for i=${n},1,-1 do t['f'..(i*7919 % 1000)]=i end return order(t)`]),
  ['long and empty strings', `${KEYS} local t={} t['']=1 t[string.rep('x',100)]=2 t[string.rep('ab',40)..'z']=3 t['\\0']=4 t['\\255\\254']=5 return order(t)`],
  // numbers in and out of the array part
  ['integer keys with gaps', `${KEYS} local t={} for _,k in ipairs({1,2,3,5,8,13,21,34,55,89,144,1000}) do t[k]=k end return order(t)`],
  ['descending integer keys', `${KEYS} local t={} for i=20,1,-1 do t[i]=i end return order(t)`],
  ['negative, zero, float and big keys', `${KEYS} local t={} for _,k in ipairs({-1,0,-0.0,0.5,-2.25,1e10,2^31,2^53,-2^40,1e300,-1e-300,3,7}) do t[k]=1 end return order(t)`],
  ['float keys that are integers', `${KEYS} local t={} t[1.0]='a' t[2]='b' t[4.0]='c' t[2^31+0.0]='d' t[3]='e' return order(t)`],
  ['booleans and mixed keys', `${KEYS} local t={} t[true]=1 t.x=2 t[false]=3 t[1]=4 t[2.5]=5 t.yy=6 t[10]=7 return order(t)`],
  // deletions then inserts: a nil-valued node stays, a new key may take it
  ['delete then insert', `${KEYS} local t={} for i=1,10 do t['k'..i]=i end for i=1,10,2 do t['k'..i]=nil end for i=11,16 do t['k'..i]=i end return order(t)`],
  ['delete and re-set the same key', `${KEYS} local t={a=1,b=2,c=3,d=4} t.a=nil t.c=nil t.e=5 t.a=6 return order(t)`],
  ['assigning nil creates a node', `${KEYS} local t={} t.q=nil t.z=nil t.r=nil t.a=1 t.b=2 t.c=3 return order(t)`],
  ['array emptied then refilled', `${KEYS} local t={1,2,3,4,5,6,7,8} for i=1,8 do t[i]=nil end t.x=1 t[20]=2 t.y=3 t[3]=4 return order(t)`],
  ['a -0 key stays -0', `${KEYS} local t={} t[-0.0]='m' t.a=1 t[0]='z' return order(t)`],
  ['nil assigned to 1 of an empty table', `${KEYS} local t={} t[1]=nil t[12]=73 t.b=66 t.c=3 table.insert(t, 50) return {#t, table.concat(order(t), ',')}`],
  // constructors with size hints
  ['constructor with hints', `${KEYS} return order({a=1,b=2,[10]=3, 1,2,3})`],
  ['constructor, hash only', `${KEYS} return order({one=1,two=2,three=3,four=4,five=5,six=6})`],
  ['constructor then more keys', `${KEYS} local t={x=1,y=2} t.z=3 t.w=4 t.v=5 t[1]=6 return order(t)`],
  ['constructor with a call last', `${KEYS} local function f() return 7,8,9,10,11 end local t={k1=1,k2=2,k3=3, f()} t.k4=4 return order(t)`],
  ['a long constructor (two SETLIST flushes)', `${KEYS} local t={a=1,b=2,c=3,${words(100, String).join(',')},x=4,y=5} t[50]=nil t[104]=1 t.z=6 return {#t, table.concat(order(t), ',')}`],
  ['constructor with nil items', `local t={1,nil,3,nil,5,nil} return {#t, #{nil,nil,3}, #{1,2,nil}, #{n=1,nil,2}}`],
  // `#` with holes
  ['# with holes, set one by one', 'local t={} for i=1,20 do t[i]=i end t[16]=nil local u={} for i=1,10 do u[i]=i end u[8]=nil local w={} w[5]=1 w[1]=1 w[2]=1 w[3]=1 w[6]=1 w[7]=1 return {#t, #u, #w}'],
  ['# of integers first in the hash part', 'local t={} t[2]=1 t[3]=1 t[4]=1 t[1]=1 t[6]=1 t[7]=1 t[8]=1 t[9]=1 t[10]=1 t[12]=1 return #t'],
  // the table library through `#`
  ['table.insert / remove', `${KEYS} local t={} for i=1,5 do table.insert(t, i) end t[7]=7 table.insert(t, 'x') table.remove(t, 1) table.insert(t, 1, 'y') t[4]=nil table.insert(t, 'z') return {#t, table.concat(order(t), ' ')}`],
  ['table.remove of an empty table, insert past the end', `${KEYS} local t={} table.remove(t) t.a=1 t.b=2 t.c=3 local u={} table.insert(u, 5, 'x') table.insert(u, 'y') return {table.concat(order(t), ','), table.concat(order(u), ','), select('#', table.remove({1,2,3}, 7))}`],
  ['getn / concat / unpack with holes', "local t={'a','b','c','d','e','f','g','h'} t[3]=nil t[6]=nil t[8]=nil return {table.getn(t), table.concat(t, ','), select('#', unpack(t))}"],
  ['table.sort up to #', "local t={} for i=1,10 do t[i]=11-i end t[8]=nil table.sort(t) return table.concat(t, ',')"],
  // cjson and cmsgpack
  ['cjson nested objects', "local t={} for i=1,30 do t['field'..i]={v=i, name='n'..i} end return cjson.encode(t)"],
  ['cjson decode then encode', `${KEYS} local d=cjson.decode('{"z":1,"y":2,"x":3,"w":4,"v":5,"u":6,"t":7}') d.s=8 return {cjson.encode(d), table.concat(order(d), ',')}`],
  ['cjson sparse array as object', 'return cjson.encode({[1]=1,[2]=2,[5]=5,x=1})'],
  ['cmsgpack map bytes', "local t={} for i=1,20 do t['m'..i]=i end t[1]=true t[3.5]='x' return cmsgpack.pack(t)"],
  ['cmsgpack unpack then pack', "return cmsgpack.pack(cmsgpack.unpack(cmsgpack.pack({alpha=1,beta=2,gamma=3,delta=4,epsilon=5})))"],
  // tables from Redis: replies, KEYS/ARGV
  ['a redis.call reply', `${KEYS} redis.call('HSET','h','f1','1','f2','2','f3','3') local r=redis.call('HGETALL','h') r[3]=nil r.x=1 r.y=2 return {#r, table.concat(order(r), ',')}`],
  ['KEYS and ARGV', `${KEYS} ARGV.extra=1 ARGV[7]=2 KEYS.z=3 return {#ARGV, table.concat(order(ARGV), ','), table.concat(order(KEYS), ',')}`, ['2', 'k1', 'k2', 'a1', 'a2', 'a3', 'a4', 'a5']],
  // next() after assigning nil during the traversal
  ['next after clearing the current key', "local t={} for i=1,12 do t['c'..i]=i end local r={} for k in pairs(t) do t[k]=nil r[#r+1]=k end return {table.concat(r, ','), next(t)}"],
  ['clear during traversal then set others', "local t={a=1,b=2,c=3,d=4,e=5} local r={} for k in pairs(t) do r[#r+1]=k t[k]=nil end t.f=6 t.a=7 for k,v in pairs(t) do r[#r+1]=k..v end return r"],
  ['next by hand', "local t={p=1,q=2,r=3,s=4,[1]=5,[2]=6} local r={} local k=nil repeat k=next(t,k) if k then r[#r+1]=tostring(k) end until k==nil return r"],
  // the libraries' contents: Lua 5.1's table library (foreach, foreachi, getn, maxn, setn; no 5.3
  // pack/unpack/move) in its registration order, no rawlen, the __redis__err__handler global
  ['the table library in order', 'local r={} for k in pairs(table) do r[#r+1]=k end return r'],
  ['the string, math and redis tables in order', 'local function ks(t) local r={} for k in pairs(t) do r[#r+1]=k end return table.concat(r, " ") end return {ks(string), ks(math), ks(redis)}'],
  // Lua 5.1's math library: one-argument atan and log, atan2, frexp/ldexp at the edges, -0 kept,
  // min/max over numbers, the argument errors of the C functions (the second argument checked first)
  ...[
    'math.log(8,2)', 'math.atan(1,2)', 'math.atan2(1,2)', 'math.fmod(1,0)', 'math.fmod(-7,3)', 'math.mod(7,3)', '{math.modf(-3.7)}', '{math.modf(-2)}',
    '{math.modf(1/0)}', '{math.frexp(0)}', '{math.frexp(-8)}', '{math.frexp(1e-310)}', '{math.frexp(-1/0)}', 'math.ldexp(0.5,1024)',
    'math.ldexp(1,-1074)', 'math.ldexp(3,2.7)', 'math.ldexp(0.75,-1074)', 'math.ceil(-0.5)', 'math.floor(-0.0)', 'math.max(1,"5",3)',
    'math.min(2,-1/0)', 'math.pow(1,0/0)', 'math.pow(-1,1/0)', 'math.pow(2,0.5)', 'math.deg(1)', 'math.rad(180)', 'math.log10(1000)',
    'math.cosh(1)', 'math.tanh(-2)', 'math.abs(-0.0)', 'math.cosh()', 'math.max()', 'math.max(1,"x")', 'math.fmod()', 'math.ldexp(1)',
    'math.frexp()', 'math.pow()', 'math.atan2()',
  ].map((e): [string, string] => [`math: ${e}`, `local r = ${e} if type(r) == 'table' then for i=1,#r do r[i]=tostring(r[i]) end return r end return tostring(r)`]),
  ['table.foreach', "local r={} local x=table.foreach({a=1,b=2,c=3}, function(k,v) r[#r+1]=k..v end) return {x, table.concat(r, ','), table.foreach({a=1}, function(k,v) return k..v end)}"],
  ['table.foreachi', "return {table.foreachi({5,6,7}, function(i,v) if v==6 then return i end end), table.foreachi({}, print)}"],
  ['table.foreach errors', 'return table.foreach(nil, 1)'],
  ['table.foreachi errors', 'return table.foreachi({}, 1)'],
  ['table.setn is obsolete', 'return table.setn({}, 1)'],
  ['table.getn and maxn', 'return {table.getn({1,2,nil,4}), table.maxn({1,2,[10]=3,[2.5]=1,x=9}), table.maxn({})}'],
  ['no 5.3 table functions', 'return {type(table.pack), type(table.unpack), type(table.move), type(unpack)}'],
  ['no rawlen', 'return rawlen({})'],
  ['library keys', "local function keys(t) local r={} for k in pairs(t) do r[#r+1]=k end table.sort(r) return table.concat(r, ' ') end return {keys(_G), keys(string), keys(math), keys(table), keys(redis), keys(coroutine)}"],
  // Lua 5.1's string functions and number reading: integer arguments truncated, string.rep without
  // a separator, find past the end, %s/%q/%c and invalid options of format, gsub's '%' escapes,
  // tonumber with strtod (inf, nan, hex, a NUL ends the string) and strtoul (bases)
  ...[
    "string.rep('ab', 3, ',')", "{string.find('abc', '', 10)}", "{string.find('abc', 'c', -1)}", 'string.char(256)', 'string.char(65.7, 66)', "string.rep('ab', 2.9)",
    "string.sub('hello', 2.7, 4.2)", "string.byte('hello', 1.5)", "string.format('%q', 'a\\0b\\r\\n\"\\1')", "string.format('%q', 12)", "string.format('%s', nil)",
    "string.format('%s|', 'a\\0b')", "string.format('%5s|%-5s|%.2s|%5.1s|', 'abc', 'ab', 'xyz', 'q')", "string.format('%s', string.rep('y', 120) .. '\\0z')", "string.format('%a', 1)",
    "string.format('%', 1)", "string.gsub('abc', '(a)', '%2')", "{string.gsub('abc', 'b', '%')}", "{string.gsub('abc', '%w', '%x')}", "tonumber('inf')", "tonumber('-nan')",
    "tonumber('  0x1F  ')", "tonumber('1e400')", "tonumber('5\\0abc')", "'inf' + 0", "tonumber('12', 2)", "tonumber('-1', 10)", "tonumber('-1', 16)", "tonumber('ffffffffffffffffffff', 16)",
    'tonumber(10, 16)', "tonumber('10', 2.9)", "(function() local t={1,2,3} table.insert(t, 2.7, 'x') return table.concat(t, ',') end)()",
    "string.match('inf', '\\0bin')", "{string.find('a\\0(b', '\\0(', 1)}", "select(2^53, 'a')", "string.rep('x', 2^53)", 'math.ldexp(1, 1e20)', 'unpack(3)', "unpack({1,2,3}, 2)",
    "table.concat(true, {})", "table.concat({1, {}, 3})", "table.sort({}, '.')", "(function() local t={5,1,4,1,5,9,2,6,5,3} table.sort(t, function(a, b) return a % 3 < b % 3 end) return table.concat(t, ',') end)()",
    "{string.find('-inf', '%g')}", "string.match('^h', '%g')", "{string.gsub('gag', '%G', 'x')}",
    'math.acos(2)', 'math.log(-1)', 'math.log10(-1)', 'math.abs(0/0)', 'math.floor(0/0)', 'math.asin(-1/0)', 'math.sqrt(-1)',
  ].map((e): [string, string] => [`5.1 strings: ${e}`, `local r = ${e} if type(r) == 'table' then for i=1,#r do r[i]=tostring(r[i]) end return r end return tostring(r)`]),
  // coroutines: the script's own thread is Lua's main thread (no yield, not a coroutine), the
  // library is 5.1's; a long coroutine of the script's is not cut short by the busy hook
  ['coroutine.yield at the top level', 'return coroutine.yield(1)'],
  ['coroutine.yield through pcall', 'local ok, e = pcall(coroutine.yield, 1) return {tostring(ok), e}'],
  ['coroutine.running', "local co = coroutine.create(function() return type(coroutine.running()), select('#', coroutine.running()) end) return {type(coroutine.running()), select('#', coroutine.running()), coroutine.resume(co)}"],
  ['coroutine.status of the main thread', 'return coroutine.status(coroutine.running())'],
  ['the coroutine library in order', 'local r={} for k in pairs(coroutine) do r[#r+1]=k end return r'],
  ['a long coroutine', "local co = coroutine.create(function() local x=0 for i=1,3e6 do x=x+i end coroutine.yield(x) return 'done' end) local ok1, v1 = coroutine.resume(co) local ok2, v2 = coroutine.resume(co) return {tostring(ok1), v1, tostring(ok2), v2, coroutine.status(co)}"],
  ['coroutine.wrap', 'local f = coroutine.wrap(function(a) local b = coroutine.yield(a + 1) return b * 2 end) return {f(1), f(10)}'],
  ['__redis__err__handler', "local t = __redis__err__handler('boom') local u = __redis__err__handler({x=1}) local ok, e = xpcall(function() error('x') end, __redis__err__handler) return {t.err, t.source, t.line, u.err, u.x, u.line, tostring(ok), e.err, e.line}"],
  ['__redis__err__handler as the reply', "return __redis__err__handler(12.5)"],
  ['words as keys', `${KEYS} local t={} for _,w in ipairs(${luaList(words(60, (i) => `w${(i * 37) % 101}`))}) do t[w]=#w end return order(t)`],
]

pairSuite('Lua table order and # as Lua 5.1', {}, (p) => {
  for (const [name, body, extra] of cases) {
    const steps: Step[] = [['EVAL', body, ...(extra ?? ['0'])]]
    test(name, async () => {
      const expected = await runScript(p.redisPort, steps)
      const actual = await runScript(p.ourPort, steps)
      assert.deepEqual(actual[0].reply, expected[0].reply)
    })
  }
})

// How scripts print and return numbers, side by side with redis-server (found by the script-value
// fuzzer, test/compat/fuzz-lua.ts): C's printf rounds exact ties to even where JavaScript rounds them
// up (tostring of a 15-digit integer ending in 5, string.format("%.2f", 0.125), a %.17g score such as
// 1000000000000000.25), string.format's %e has a two-digit exponent and %E/%G exist, a NaN keeps its
// sign ("-nan" for 0/0, "nan" for -(0/0)), a status or error table's text ends at a NUL byte, a
// verbatim string's format is three characters, and Lua 5.1 folds -0.0 into the constant of 0 (each
// function into its own constants, a nested function's left apart); cjson.decode keeps "-nan"'s sign.
import {compatSuite} from './harness.js'

const evals = [
  'return tostring(123456789012345)',
  "return string.format('%.2f %.1f %.0f %.0f %.3e %5.2f', 0.125, 0.25, 0.5, 1.5, 1.0625, -0.0)",
  "return string.format('%5.1f|%-8g|%E|%G|%+08.2f|%#g|%#.0e', 1/0, -1/0, 0/0, 1/0, -1.5, 3, 3)",
  "return string.format('%.2f %g %g %.30g', 1e21, 1e-310, 1234567, 2/3)",
  'return tostring(0/0)', 'return tostring(-(0/0))', 'return {double=0/0}', 'return {double=-(0/0)}',
  "redis.call('SET', 'x', 0/0) return redis.call('GET', 'x')",
  "return {ok='a\\0b'}", "return {err='a\\0b'}", "return {err='\\0'}", "error({err='x\\0y'})", "error('x\\0y')",
  "return {verbatim_string={format='x', string='abc'}}", "return {verbatim_string={format='markdown', string='abc'}}",
  'return {{double=-0.0}, true, {double=1/0}}', 'return {-0.0, 1/0 > 0}',
  // each function has its own constants: a nested function's -0.0 and 1 leave the enclosing
  // function's 0 folded into its own -0.0
  'return {{double=-1}, {{-0.0, 1}, (function() local t = -0.0 return 1 end)(), 2}, {double=0}, 3}',
  'return {tostring(-0.0), (function() return tostring(0) end)(), tostring(0)}',
  // cjson.decode reads "-nan" with strtod: the sign bit set
  "return {tostring(cjson.decode('-nan')), tostring(cjson.decode('NaN')), tostring(cjson.decode('[-NaN(1)]')[1]), tostring(cjson.decode(0/0)), {double=cjson.decode('-nan')}}",
]
const steps: string[][] = [['ZADD', 'z', '1000000000000000.25', 'm'], ['ZSCORE', 'z', 'm'], ['ZADD', 'z', '2.5e-7', 'n'], ['ZRANGE', 'z', '0', '-1', 'WITHSCORES']]
for (const resp of ['2', '3']) {
  steps.push(['HELLO', resp])
  for (const e of evals) steps.push(['EVAL', e, '0'], ['EVAL', 'redis.setresp(3) ' + e, '0'])
}
compatSuite('script numbers and texts as redis-server prints them', steps.map((argv) => (argv[0] === 'HELLO' ? {cmd: argv, normalize: () => 'HELLO'} : argv)))

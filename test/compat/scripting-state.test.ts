// Scripts against server state: shebang and library metadata split like sdssplitargs, key
// expiry frozen at the script's start, the scripting fields of INFO memory, CLUSTER on a
// standalone node. (Error and command statistics: scripting-stats.test.ts.)
import {compatSuite, type Reply} from './harness.js'

const ev = (body: string, ...rest: string[]): string[] => ['EVAL', body, ...(rest.length ? rest : ['0'])]

/** Only the given `name:value` lines of an INFO reply (the rest are times and sizes). */
const infoFields =
  (...names: string[]) =>
  (r: Reply): Reply =>
    typeof r === 'string' ? r.split('\r\n').filter((l) => names.some((n) => l.startsWith(n + ':'))).join('\n') : r
const DEBUG = {redisArgs: ['--enable-debug-command', 'yes'], nodeOverrides: {'enable-debug-command': 'yes'}}

compatSuite('scripting: shebang and library metadata arguments', [
  ['FUNCTION', 'LOAD', 'REPLACE', "#!lua name=\"foo\"\nredis.register_function('foo', function() return 1 end)"],
  'FCALL foo 0',
  ['FUNCTION', 'LOAD', "#!lua 'name=bar'\nredis.register_function('bar', function() return 2 end)"],
  ['FUNCTION', 'LOAD', "#!lua name=\"baz\nredis.register_function('baz', function() return 2 end)"],
  ['FUNCTION', 'LOAD', '#!lua name="a b"\nreturn 1'],
  'FUNCTION FLUSH',
  ev('#!lua flags=\nreturn 1'),
  ev('#!lua "flags=no-writes"\nreturn 2'),
  ev('#!lua flags="no-writes,allow-oom"\nreturn 3'),
  ev('#!lua flags=no-writes,\nreturn 4'),
  ev('#!lua flags="no-writes\nreturn 5'),
  ev('#!lua flags=bogus\nreturn 6'),
  ev('#!"lua"\nreturn 7'),
  'SCRIPT HELP',
  'SCRIPT HELP x',
  'FUNCTION HELP',
], DEBUG)

compatSuite('scripting: time is frozen while a script runs', [
  'DEBUG SET-DISABLE-DENY-SCRIPTS 1',
  ev("redis.call('SET', 'key', 'value', 'PX', '1')\nredis.call('DEBUG', 'SLEEP', '0.02')\nreturn redis.call('EXISTS', 'key')"),
  'EXISTS key',
  'DEBUG SET-ACTIVE-EXPIRE 0',
  'SET key value PX 1',
  'DEBUG SLEEP 0.02',
  ev("return redis.call('EXISTS', 'key')"),
  'DEBUG SET-ACTIVE-EXPIRE 1',
  'DEBUG SET-DISABLE-DENY-SCRIPTS 0',
], DEBUG)

// redis call() caches the time for the outermost command (fixed_time_expire): EXEC's queued commands
// see keys as of the EXEC, a key that passes its TTL during the transaction still exists inside it
compatSuite('transactions: keys expire against the time EXEC started', [
  'DEBUG SET-ACTIVE-EXPIRE 0',
  'MULTI', 'SET key value PX 5', 'DEBUG SLEEP 0.05', 'EXISTS key', 'GET key', 'EXEC',
  'EXISTS key',
  'SET k2 v PX 5', 'DEBUG SLEEP 0.05', 'MULTI', 'EXISTS k2', 'EXEC',
  'DEBUG SET-ACTIVE-EXPIRE 1',
], DEBUG)

compatSuite('scripting: INFO memory fields, CLUSTER on a standalone node', [
  'SCRIPT FLUSH',
  'SCRIPT LOAD "return 1"',
  'SCRIPT LOAD "return 2"',
  {cmd: 'INFO memory', normalize: infoFields('number_of_cached_scripts', 'number_of_functions', 'number_of_libraries')},
  'SCRIPT FLUSH ASYNC',
  {cmd: 'INFO memory', normalize: infoFields('number_of_cached_scripts')},
  {cmd: 'INFO memory', normalize: (r: Reply) => (typeof r === 'string' ? r.split('\r\n').filter((l) => /^(used_memory_(lua|vm|scripts|functions)|number_of_)/.test(l)).map((l) => l.split(':')[0]).join(',') : r)},
  {cmd: 'INFO scripting', normalize: (r: Reply) => (typeof r === 'string' ? r.trim() : r)},
  'CLUSTER INFO',
  'CLUSTER RESET HARD',
  'CLUSTER KEYSLOT foo',
  'CLUSTER NOSUCH',
  'CLUSTER',
  'CLUSTER INFO extra',
])

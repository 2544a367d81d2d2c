// Differential scripts for ACL (users, rules, NOPERM errors, ACL LOG, DRYRUN, GETUSER in RESP2 and
// RESP3) and maxmemory (OOM errors, eviction, OBJECT FREQ / IDLETIME), against redis-server.
import {compatSuite, type Reply} from './harness.js'

/** ACL LOG entries: age and client-info differ by nature (time, ports, fds); the rest must match. */
function logEntries(r: Reply): Reply {
  const walk = (x: Reply): Reply => {
    if (Array.isArray(x)) {
      const out: Reply[] = []
      for (let i = 0; i < x.length; i++) {
        out.push(walk(x[i]))
        if (x[i] === 'age-seconds' || x[i] === 'client-info') out.push(typeof x[++i])
      }
      return out
    }
    if (x !== null && typeof x === 'object' && 'map' in x) return {map: walk(x.map) as Reply[]}
    return x
  }
  return walk(r)
}
/** Single-command rules follow Redis's dict order (random hash seed per process): sort them. */
function rules(r: Reply): Reply {
  if (typeof r === 'string' && /[+-]@all/.test(r)) {
    return r.replace(/((?:^|\()[^()]*?)(?=\)|$)/g, (seg) => {
      const words = seg.split(' ')
      const head = words.filter((w) => !/^[+-][a-z]/.test(w))
      const single = words.filter((w) => /^[+-][a-z]/.test(w)).sort()
      return [...head, ...single].join(' ')
    })
  }
  if (Array.isArray(r)) return r.map(rules)
  if (r !== null && typeof r === 'object' && 'map' in r) return {map: rules(r.map) as Reply[]}
  return r
}
const small = (r: Reply) => (typeof r === 'number' && r >= 0 && r <= 2 ? 'small' : r)
const sorted = (r: Reply) => (Array.isArray(r) ? [...r].sort() : r)
const length = (r: Reply) => (typeof r === 'string' ? r.length : r)

const aclScript = [
  'ACL WHOAMI', 'ACL USERS', 'ACL LIST', 'ACL CAT', {cmd: 'ACL CAT string', normalize: sorted}, 'ACL CAT nope', 'ACL CAT a b',
  'ACL SETUSER "a b"', 'ACL SETUSER u1 on >pw ~k* &ch +@string -incr', 'ACL GETUSER u1', 'ACL LIST', 'ACL GETUSER nobody',
  'ACL SETUSER u1 +config|get|x', 'ACL SETUSER u1 +nosuch', 'ACL SETUSER u1 +@nosuch', 'ACL SETUSER u1 #abc', 'ACL SETUSER u1 %X~k',
  'ACL SETUSER u1 (+get', 'ACL SETUSER u1 <nopw', 'ACL SETUSER u1 allkeys ~more', 'ACL SETUSER u1 allchannels &more', 'ACL SETUSER u1 foo',
  'ACL SETUSER u1 +select|0', 'ACL GETUSER u1', 'ACL SETUSER u1 reset', 'ACL LIST',
  'ACL SETUSER u2 on nopass %R~r* %W~w* (+set ~s*) +get', 'ACL GETUSER u2', 'ACL LIST',
  'ACL SETUSER u3 on nopass +@all -@dangerous ~* &*', 'ACL GETUSER u3', 'ACL SETUSER u4 -@all +@hash +@set', 'ACL GETUSER u4',
  'ACL DRYRUN u2 get r1', 'ACL DRYRUN u2 get w1', 'ACL DRYRUN u2 set s1 x', 'ACL DRYRUN u2 set w1 x', 'ACL DRYRUN u2 set w1 x GET',
  'ACL DRYRUN u2 incr x', 'ACL DRYRUN u2 foo', 'ACL DRYRUN nobody get x', 'ACL DRYRUN u2 get', 'ACL DRYRUN u3 config get x', 'ACL DRYRUN u3 flushall',
  {cmd: 'ACL GENPASS', normalize: length}, {cmd: 'ACL GENPASS 5', normalize: length}, 'ACL GENPASS 0', 'ACL GENPASS 5000', 'ACL GENPASS abc',
  'ACL DELUSER default', 'ACL DELUSER nope u4', 'ACL LOAD', 'ACL SAVE', 'ACL HELP', 'ACL HELP x', 'ACL FOO',
  'ACL LOG RESET', 'AUTH u2 wrong', 'AUTH u1 pw', {cmd: 'ACL LOG', normalize: logEntries},
  'AUTH u2 anything', 'ACL WHOAMI', 'GET r1', 'GET w1', 'SET s1 x', 'SET r1 x', 'PUBLISH ch m', 'SUBSCRIBE ch', 'INCR x', 'CONFIG GET maxmemory',
  'MULTI', 'GET r1', 'INCR x', 'EXEC', 'AUTH default whatever', {cmd: 'ACL LOG 3', normalize: logEntries}, 'ACL LOG -1', 'ACL LOG x',
  'CLIENT KILL USER nobody', 'CLIENT KILL USER u3',
  'ACL SETUSER u5 on nopass +@all ~* resetchannels &news.*', 'AUTH u5 x', 'PUBLISH news.1 m', 'PUBLISH sport m', 'PSUBSCRIBE news.*',
  'AUTH default x', {cmd: 'ACL LOG 1', normalize: logEntries},
]

const withRules = aclScript.map((s) => (typeof s === 'string' && /^ACL (GETUSER|LIST)/.test(s) ? {cmd: s, normalize: rules} : s))
compatSuite('acl (RESP2)', withRules)
compatSuite('acl (RESP3)', ['HELLO 3', ...withRules].map((s) => (s === 'HELLO 3' ? {cmd: s, normalize: () => 'HELLO'} : s)))

const memScript = [
  'SET a 1', 'SET b 2', {cmd: 'OBJECT IDLETIME a', normalize: small}, 'OBJECT FREQ a', 'OBJECT IDLETIME nope', 'OBJECT FREQ nope',
  'CONFIG SET maxmemory-policy allkeys-lfu', 'OBJECT FREQ a', 'GET a', {cmd: 'OBJECT IDLETIME a', normalize: small},
  'CONFIG SET lfu-log-factor 0', 'GET b', 'GET b', 'OBJECT FREQ b', 'CONFIG GET lfu-log-factor', 'CONFIG GET lfu-decay-time', 'CONFIG GET maxmemory-samples',
  'CONFIG SET maxmemory-policy noeviction', 'CONFIG SET maxmemory 1', 'SET c 3', 'GET a', 'DEL a', 'INCR b', 'MULTI', 'GET a', 'EXEC',
  'EVAL "return redis.call(\'get\',\'b\')" 0', 'EVAL "return redis.call(\'set\',\'b\',\'x\')" 0',
  'EVAL "#!lua\nreturn 1" 0', 'EVAL "#!lua flags=no-writes\nreturn 1" 0', 'EVAL "#!lua flags=allow-oom\nreturn redis.call(\'set\',\'c\',\'x\')" 0',
  'CONFIG SET maxmemory-policy volatile-lru', 'SET d 1', 'DBSIZE',
  'CONFIG SET maxmemory-policy allkeys-random', 'SET e 1', 'DBSIZE', 'CONFIG SET maxmemory 0', 'SET f 1', 'DBSIZE',
  'MEMORY HELP', 'MEMORY HELP x', 'CONFIG HELP', 'CONFIG HELP x',
]
compatSuite('maxmemory (RESP2)', memScript)
compatSuite('maxmemory (RESP3)', ['HELLO 3', ...memScript].map((s) => (s === 'HELLO 3' ? {cmd: s, normalize: () => 'HELLO'} : s)))

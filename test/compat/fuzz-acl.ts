// Differential ACL fuzzer: seeded random ACL SETUSER rule sequences (passwords and hashes, key and
// channel patterns with %R/%W, commands, categories, first-argument rules, selectors, resets, bad
// tokens) for a few users, each followed by what a user sees of them — ACL GETUSER, ACL LIST,
// ACL USERS, ACL DRYRUN of random commands, ACL CAT, AUTH then a command, ACL LOG — sent to a real
// redis-server and an embedded node; the replies must be the same bytes. ACL's descriptions are
// the hard part: redis 7.0 keeps a user's command rules as an ordered string it compacts as rules
// arrive (ACLUpdateCommandRules), and GETUSER/LIST print it and the selectors back.
//
// Used by test/compat/fuzz-acl.test.ts (fixed seeds, in `npm test`) and as a tool:
//   node --import tsx test/compat/fuzz-acl.ts [--seeds 1-20] [--commands 400] [--resp 2|3]
import type {Reply} from './harness.js'
import {fuzzMain, int, pick, runSeed, type PairDiff, type Rng} from './fuzz-pair.js'

const USERS = ['alice', 'bob', 'default', 'nobody']
const COMMANDS = ['get', 'set', 'GET', 'client', 'config', 'acl', 'select', 'debug', 'keys', 'flushall', 'info', 'ping', 'hset', 'eval', 'xadd', 'subscribe', 'publish', 'lpush', 'object', 'cluster', 'nosuchcmd', 'script', 'migrate', 'sort', 'bitfield', 'georadius', 'auth', 'hello', 'memory']
const SUBCOMMANDS = ['client|id', 'client|kill', 'config|get', 'config|set', 'acl|whoami', 'acl|setuser', 'select|0', 'select|1', 'get|x', 'debug|sleep', 'object|encoding', 'memory|usage', 'client|nosuch', 'set|a', 'cluster|info', 'script|flush']
const CATEGORIES = ['all', 'read', 'write', 'keyspace', 'string', 'hash', 'list', 'set', 'sortedset', 'stream', 'pubsub', 'admin', 'fast', 'slow', 'dangerous', 'connection', 'transaction', 'scripting', 'geo', 'bitmap', 'hyperloglog', 'blocking', 'nosuchcat']
const PATTERNS = ['*', 'foo', 'foo:*', 'bar*', '{t}*', 'a?c', 'x[yz]', '']
const PASSWORDS = ['p1', 'p2', 'secret', '']

function rule(r: Rng): string {
  switch (int(r, 0, 21)) {
    case 0: return pick(r, ['on', 'off', 'ON', 'Off'])
    case 1: return pick(r, ['nopass', 'resetpass'])
    case 2: return '>' + pick(r, PASSWORDS)
    case 3: return '<' + pick(r, PASSWORDS)
    case 4: return pick(r, ['#', '!']) + pick(r, ['a'.repeat(64), 'c'.repeat(64), 'x'.repeat(64), 'abc', 'A'.repeat(64)])
    case 5: return '~' + pick(r, PATTERNS)
    case 6: return pick(r, ['%R~', '%W~', '%RW~', '%WR~', '%r~', '%X~', '%~', '%R']) + pick(r, PATTERNS)
    case 7: return pick(r, ['allkeys', 'resetkeys'])
    case 8: return '&' + pick(r, PATTERNS)
    case 9: return pick(r, ['allchannels', 'resetchannels'])
    case 10: case 11: return pick(r, ['+', '-']) + pick(r, COMMANDS)
    case 12: case 13: return pick(r, ['+', '-']) + '@' + pick(r, CATEGORIES)
    case 14: return pick(r, ['+', '-']) + pick(r, SUBCOMMANDS)
    case 15: return pick(r, ['allcommands', 'nocommands', '+@all', '-@all'])
    case 16: return pick(r, ['reset', 'clearselectors'])
    case 17: case 18: {
      const inner = Array.from({length: int(r, 0, 3)}, () => pick(r, ['~' + pick(r, PATTERNS), '%R~' + pick(r, PATTERNS), '&' + pick(r, PATTERNS), '+' + pick(r, COMMANDS), '-' + pick(r, COMMANDS), '+@' + pick(r, CATEGORIES), '-@' + pick(r, CATEGORIES), 'allkeys', 'allcommands', '+' + pick(r, SUBCOMMANDS)]))
      return '(' + inner.join(' ') + ')'
    }
    case 19: return pick(r, ['bogus', '+', '-', '@all', '~', '(', ')', '(~x', 'allkeys)', '+@', '-@', '+get|', '|get', '+get|x|y', '+select|0|1'])
    case 20: return pick(r, ['skip-sanitize-payload', 'sanitize-payload'])
    default: return pick(r, ['+' + pick(r, COMMANDS), '~' + pick(r, PATTERNS)])
  }
}

function dryrunArgs(r: Rng): string[] {
  const k = pick(r, ['foo', 'foo:1', 'bar', 'bark', '{t}x', 'abc', 'xy', 'other'])
  switch (int(r, 0, 13)) {
    case 0: return ['GET', k]
    case 1: return ['SET', k, 'v']
    case 2: return ['CLIENT', pick(r, ['GETNAME', 'KILL', 'NOSUCH', 'NO-EVICT'])]
    case 3: return ['CONFIG', pick(r, ['GET', 'SET']), 'maxmemory']
    case 4: return ['SELECT', pick(r, ['0', '1', '2'])]
    case 5: return ['PUBLISH', pick(r, ['foo', 'bar', 'other']), 'm']
    case 6: return ['SUBSCRIBE', pick(r, ['foo', 'bar', 'other'])]
    case 7: return ['COPY', k, pick(r, ['foo', 'bar', 'other'])]
    case 8: return ['LMOVE', k, pick(r, ['foo', 'bar']), 'LEFT', 'RIGHT']
    case 9: return ['SORT', k, 'BY', 'w*', 'GET', 'x*']
    case 10: return ['EVAL', 'return 1', '1', k]
    case 11: return ['PING']
    case 12: return ['NOSUCHCMD', k]
    default: return ['OBJECT', 'ENCODING', k]
  }
}

function step(r: Rng): string[] {
  const u = pick(r, USERS)
  const x = r()
  if (x < 0.4) return ['ACL', 'SETUSER', u, ...Array.from({length: int(r, 0, 6)}, () => rule(r))]
  if (x < 0.55) return ['ACL', 'GETUSER', u]
  if (x < 0.62) return ['ACL', 'LIST']
  if (x < 0.82) return ['ACL', 'DRYRUN', u, ...dryrunArgs(r)]
  if (x < 0.85) return ['ACL', 'DELUSER', pick(r, ['alice', 'bob', 'nobody'])]
  if (x < 0.87) return ['ACL', 'USERS']
  if (x < 0.89) return ['ACL', 'CAT', ...(r() < 0.7 ? [pick(r, CATEGORIES)] : [])]
  if (x < 0.92) return ['ACL', 'LOG', ...(r() < 0.5 ? [pick(r, ['1', '3', '10', '0', '-1', 'RESET', 'x'])] : [])]
  return ['AUTH', pick(r, ['alice', 'bob', 'nobody', 'default']), pick(r, PASSWORDS)]
}

/** Run as the user an AUTH step authenticated (the DRYRUN set less what would change the connection). */
function asUser(r: Rng): string[] {
  for (;;) {
    const argv = dryrunArgs(r)
    if (argv[0] !== 'SUBSCRIBE') return argv
  }
}

/**
 * What redis-server itself leaves unordered: ACL CAT lists its command table in dict order, and a
 * user's command rules end with single-command rules in that order (ACLDescribeSelectorCommandRules
 * walks server.orig_commands), and the dict's hash seed is random per process. Categories come first
 * in a fixed order; the single-command rules after them are sorted here.
 */
const isMap = (r: Reply): r is {map: Reply[]} => r !== null && typeof r === 'object' && !Array.isArray(r) && 'map' in r

export function normalize(argv: string[], reply: Reply): Reply {
  if (argv[0] !== 'ACL') return reply
  const sub = argv[1].toUpperCase()
  if (sub === 'LOG' && Array.isArray(reply)) {
    // an entry's age and its client's CLIENT LIST line (id, address, fd, age) are the servers' own
    const entry = (e: Reply): Reply => {
      const fields = isMap(e) ? e.map : e
      if (!Array.isArray(fields)) return e
      // of the client's line only what the command made: its name, user and database
      const client = (v: Reply): string => String(v).split(' ').filter((f) => /^(name|db|cmd|user|resp)=/.test(f)).join(' ')
      const out = fields.map((v, i) => (fields[i - 1] === 'age-seconds' ? 0 : fields[i - 1] === 'client-info' ? client(v) : v))
      return fields === e ? out : {map: out}
    }
    return reply.map(entry)
  }
  const rules = (s: Reply): Reply => {
    if (typeof s !== 'string') return s
    const toks = s.split(' ')
    const cats = toks.filter((t) => /^[+-]@/.test(t))
    const cmds = toks.filter((t) => !/^[+-]@/.test(t)).sort()
    return [...cats, ...cmds].join(' ')
  }
  if (sub === 'CAT' && argv.length === 3 && Array.isArray(reply)) return [...reply].sort()
  if (sub === 'LIST' && Array.isArray(reply)) {
    // "user <name> <flags...> [<passwords>] [<keys>] [<channels>] <commands> (<selector>)...": the
    // command rules are the [+-] tokens of each part
    return reply.map((line) => {
      if (typeof line !== 'string') return line
      return line.replace(/(^|\()([^()]*)/g, (_m, open: string, part: string) => {
        const toks = part.split(' ')
        const isRule = (t: string) => /^[+-]/.test(t)
        const first = toks.findIndex(isRule)
        if (first < 0) return open + part
        let last = first
        while (last + 1 < toks.length && isRule(toks[last + 1])) last++
        return open + [...toks.slice(0, first), rules(toks.slice(first, last + 1).join(' ')), ...toks.slice(last + 1)].join(' ')
      })
    })
  }
  if (sub === 'GETUSER') {
    // RESP2: a flat array of fields and values; RESP3: a map (selectors: maps too)
    const fix = (r: Reply): Reply => {
      if (isMap(r)) return {map: fix(r.map) as Reply[]}
      if (!Array.isArray(r)) return r
      return r.map((v, i) => (r[i - 1] === 'commands' ? rules(v) : r[i - 1] === 'selectors' && Array.isArray(v) ? v.map(fix) : v))
    }
    return fix(reply)
  }
  return reply
}

const ADMIN = ['AUTH', 'fuzz-admin', 'fuzz-admin-pw']

/** One seed: `count` steps against both; the first difference, or null. */
export function fuzzAcl(redisPort: number, ourPort: number, seed: number, count: number, resp: 2 | 3 = 2): Promise<PairDiff | null> {
  return runSeed(redisPort, ourPort, seed, count, resp, {
    // connections authenticated as an administrator the steps never touch
    async setup(c) {
      await c.call(['ACL', 'SETUSER', 'fuzz-admin', 'reset', 'on', '>fuzz-admin-pw', '~*', '&*', '+@all'])
      await c.call(ADMIN)
      // users of the last seed go; default back to its initial rules
      for (const u of ['alice', 'bob', 'nobody']) await c.call(['ACL', 'DELUSER', u])
      await c.call(['ACL', 'SETUSER', 'default', 'reset', 'on', 'nopass', '~*', '&*', '+@all'])
    },
    step,
    normalize,
    // authenticated as the user: one command as it, then back to the administrator
    async after(argv, r, both) {
      if (argv[0] !== 'AUTH') return null
      const cmd = asUser(r)
      const [theirs, ours] = await both.call(cmd)
      if (JSON.stringify(theirs) !== JSON.stringify(ours)) return {argv: cmd, theirs, ours}
      await both.call(ADMIN)
      return null
    },
  })
}

if (process.argv[1]?.endsWith('fuzz-acl.ts')) await fuzzMain(400, async () => fuzzAcl)

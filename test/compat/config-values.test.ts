// CONFIG SET's reading of numbers as redis 7.0's numericParseString: integers as string2ll (no '+',
// no leading zeros, no "-0", 64 bits), memory values as memtoull (no sign, no space, "" is 0, units
// b/k/kb/m/mb/g/gb; an overflow saturates and a unit wraps, then the setting's C type reads it), and the
// range error naming the bounds redis declares (LONG_MAX, not 2^53).
import {compatSuite} from './harness.js'

const steps: string[] = []
for (const v of ['-5', '" 5"', '""', '5KB', '1.5mb', '5gb', '7B']) steps.push(`CONFIG SET maxmemory ${v}`, 'CONFIG GET maxmemory')
for (const v of ['007', '-0', '+5', '99999999999999999999', '""', '12', '0']) steps.push(`CONFIG SET hz ${v}`, 'CONFIG GET hz')
for (const v of ['-2', '-1', '0', '1kb']) steps.push(`CONFIG SET hash-max-listpack-entries ${v}`, `CONFIG SET hash-max-listpack-value ${v}`, `CONFIG SET set-max-intset-entries ${v}`, `CONFIG SET zset-max-listpack-value ${v}`)
steps.push('CONFIG GET hash-max-listpack-entries', 'CONFIG GET hash-max-listpack-value', 'CONFIG GET zset-max-listpack-value', 'CONFIG GET set-max-intset-entries')
for (const v of ['-5', '5%', '"5 %"', '0']) steps.push(`CONFIG SET maxmemory-clients ${v}`, 'CONFIG GET maxmemory-clients')
// memtoull saturates an overflow at ULLONG_MAX and a unit wraps it; a signed setting then reads it negative
for (const [k, v] of [['maxmemory', '99999999999999999999999'], ['maxmemory', '99999999999999999999999kb'], ['maxmemory', '18446744073709551616gb'], ['maxmemory-clients', '18446744073709551615'], ['maxmemory-clients', '-5%'], ['maxmemory-clients', '101%'], ['hash-max-listpack-value', '99999999999999999999999'], ['repl-backlog-size', '18446744073709551615'], ['proto-max-bulk-len', '9223372036854775808'], ['cluster-link-sendbuf-limit', '20000000000gb'], ['active-defrag-ignore-bytes', '0']])
  steps.push(`CONFIG SET ${k} ${v}`, `CONFIG GET ${k}`)
steps.push('CONFIG SET maxmemory-clients 0', 'CONFIG SET cluster-link-sendbuf-limit 0', 'CONFIG SET repl-backlog-size 1mb')
steps.push('CONFIG SET maxmemory 0', 'CONFIG SET hz 10', 'CONFIG SET hash-max-listpack-entries 512', 'CONFIG SET hash-max-listpack-value 64', 'CONFIG SET set-max-intset-entries 512', 'CONFIG SET zset-max-listpack-value 64')

compatSuite('CONFIG SET numbers', steps)

// Immutable in redis 7.0.15 (CONFIG SET refuses them: REPLICAOF is the command for replicaof), and
// aof-disable-auto-gc, which CONFIG GET patterns list (it is not a hidden config there).
compatSuite('CONFIG SET of immutable configs, CONFIG GET patterns', [
  'CONFIG SET rdbchecksum no',
  'CONFIG SET rdbchecksum yes',
  'CONFIG SET replicaof "no one"',
  'CONFIG SET slaveof "127.0.0.1 1"',
  'CONFIG SET replicaof ""',
  'CONFIG GET rdbchecksum',
  'CONFIG GET replicaof',
  'CONFIG GET *auto-gc*',
  'CONFIG GET aof-disable-auto-gc',
])

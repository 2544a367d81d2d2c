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

// Found by the CONFIG fuzzer (test/compat/fuzz-config.ts): each integer setting's C type and bounds
// (a size_t reads -1 as 18446744073709551615; an unsigned long is checked as a signed one; a long
// long takes LONG_MAX), an alias's own name in a failure, CONFIG GET answering under the name as
// typed, enum lists in redis's order, rdbchecksum immutable, aof-disable-auto-gc listed by a
// pattern, repl-backlog-size held to 16 KiB by CONFIG SET, and percentiles read with strtod.
const found: string[] = []
for (const [k, v] of [['lua-time-limit', '9223372036854775807'], ['busy-reply-threshold', '9223372036854775808'], ['slowlog-log-slower-than', '-2'], ['tracking-table-max-keys', '-1'], ['set-max-intset-entries', '-1'], ['slowlog-max-len', '-1'], ['acllog-max-len', '9223372036854775807'], ['maxmemory-samples', '0'], ['active-expire-effort', '11'], ['list-max-listpack-size', '-2147483649'], ['maxmemory-eviction-tenacity', '101'], ['repl-backlog-ttl', '-1'], ['cluster-node-timeout', '9223372036854775807'], ['latency-monitor-threshold', '9223372036854775807'], ['stream-node-max-entries', '-1']])
  found.push(`CONFIG SET ${k} ${v}`, `CONFIG GET ${k}`)
found.push('CONFIG SET slave-ignore-maxmemory 1mb', 'CONFIG SET hash-max-ziplist-value no', 'CONFIG SET busy-reply-threshold x', 'CONFIG SET min-slaves-max-lag 1,2')
found.push('CONFIG SET HZ 47', 'CONFIG GET HZ', 'CONFIG GET HZ hz', 'CONFIG GET Maxmemory-Policy', 'CONFIG GET slave-read-only')
found.push('CONFIG SET rdbchecksum no', 'CONFIG SET appendfsync sometimes', 'CONFIG SET supervised x', 'CONFIG GET aof-disable-*')
found.push('CONFIG SET repl-backlog-size 100', 'CONFIG GET repl-backlog-size', 'CONFIG SET repl-backlog-size 16383', 'CONFIG GET repl-backlog-size')
found.push('CONFIG SET latency-tracking-info-percentiles "0.0078125 12.5"', 'CONFIG GET latency-tracking-info-percentiles') // %f of an exact tie: to even
found.push('CONFIG SET latency-tracking-info-percentiles 0x10', 'CONFIG GET latency-tracking-info-percentiles', 'CONFIG SET latency-tracking-info-percentiles "1e1 inf"', 'CONFIG SET latency-tracking-info-percentiles " 5"')
// a multi-word value is split at each single space: two spaces make an empty word (0 for strtoll)
found.push('CONFIG SET latency-tracking-info-percentiles "50  99"', 'CONFIG SET oom-score-adj-values "0  0"', 'CONFIG GET oom-score-adj-values', 'CONFIG SET oom-score-adj-values "0 0 0"')
found.push('CONFIG SET client-output-buffer-limit "0 0  0"', 'CONFIG SET client-output-buffer-limit "pubsub 1mb 1mb "', 'CONFIG GET client-output-buffer-limit', 'CONFIG SET client-output-buffer-limit "pubsub 32mb 8mb 4294967356"', 'CONFIG GET client-output-buffer-limit', 'CONFIG SET client-output-buffer-limit "pubsub 32mb 8mb 60"')
found.push('CONFIG SET shutdown-on-sigint "save "', 'CONFIG SET shutdown-on-sigint ""', 'CONFIG SET shutdown-on-sigint "now force"', 'CONFIG GET shutdown-on-sigint', 'CONFIG SET shutdown-on-sigint default')
found.push('CONFIG SET hz 10', 'CONFIG SET lua-time-limit 5000', 'CONFIG SET slowlog-log-slower-than 10000', 'CONFIG SET acllog-max-len 128', 'CONFIG SET cluster-node-timeout 15000', 'CONFIG SET latency-monitor-threshold 0', 'CONFIG SET repl-backlog-size 1mb', 'CONFIG SET latency-tracking-info-percentiles "50 99 99.9"')

compatSuite('CONFIG SET and GET as the fuzzer found them', found)

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

// Differential CONFIG fuzzer: seeded random CONFIG SET (one parameter or several at once, aliases,
// immutable and protected ones, duplicates, valid and invalid values of every kind: integers with
// and without memory units, percentages, booleans, enums, flag sets, lists) and CONFIG GET (names,
// globs, several patterns) sent to a real redis-server and an embedded node; after each SET, CONFIG
// GET of the parameters it named. The replies must be the same bytes. Parameters whose change would
// make the two servers differ for reasons of their own (ports, paths, passwords, persistence,
// memory limits, client eviction, idle timeouts, privileges) are only read, never set.
//
// Used by test/compat/fuzz-config.test.ts (fixed seeds, in `npm test`) and as a tool:
//   node --import tsx test/compat/fuzz-config.ts [--seeds 1-20] [--commands 300] [--resp 2|3]
import type {RawClient, Reply} from './harness.js'
import {fuzzMain, int, pick, runSeed, type PairDiff, type Rng} from './fuzz-pair.js'

/** Set freely: each takes effect the same way on both servers. */
const SETTABLE = [
  'acl-pubsub-default', 'acllog-max-len', 'active-expire-effort', 'activerehashing', 'aof-disable-auto-gc',
  'aof-load-truncated', 'aof-rewrite-incremental-fsync', 'aof-timestamp-enabled', 'aof-use-rdb-preamble', 'appendfsync',
  'auto-aof-rewrite-min-size', 'auto-aof-rewrite-percentage', 'busy-reply-threshold', 'client-output-buffer-limit',
  'cluster-allow-pubsubshard-when-down', 'cluster-allow-reads-when-down', 'cluster-allow-replica-migration',
  'cluster-migration-barrier', 'cluster-node-timeout', 'cluster-replica-no-failover', 'cluster-replica-validity-factor',
  'cluster-require-full-coverage', 'cluster-slave-no-failover', 'cluster-slave-validity-factor', 'cluster-preferred-endpoint-type',
  'cluster-link-sendbuf-limit', 'crash-log-enabled', 'crash-memcheck-enabled', 'dynamic-hz', 'hash-max-listpack-entries',
  'hash-max-listpack-value', 'hash-max-ziplist-entries', 'hash-max-ziplist-value', 'hll-sparse-max-bytes', 'hz',
  'latency-monitor-threshold', 'latency-tracking', 'latency-tracking-info-percentiles', 'lazyfree-lazy-eviction',
  'lazyfree-lazy-expire', 'lazyfree-lazy-server-del', 'lazyfree-lazy-user-del', 'lazyfree-lazy-user-flush', 'lfu-decay-time',
  'lfu-log-factor', 'list-compress-depth', 'list-max-listpack-size', 'list-max-ziplist-size', 'loglevel', 'lua-time-limit',
  'maxmemory-eviction-tenacity', 'maxmemory-policy', 'maxmemory-samples', 'min-replicas-max-lag', 'min-replicas-to-write',
  'min-slaves-max-lag', 'min-slaves-to-write', 'no-appendfsync-on-rewrite', 'notify-keyspace-events', 'propagation-error-behavior',
  'protected-mode', 'rdb-del-sync-files', 'rdb-save-incremental-fsync', 'rdbchecksum', 'rdbcompression', 'repl-backlog-size',
  'repl-backlog-ttl', 'repl-disable-tcp-nodelay', 'repl-diskless-load', 'repl-diskless-sync', 'repl-diskless-sync-delay',
  'repl-diskless-sync-max-replicas', 'repl-ping-replica-period', 'repl-ping-slave-period', 'repl-timeout', 'replica-announce-ip',
  'replica-announce-port', 'replica-announced', 'replica-ignore-disk-write-errors', 'replica-ignore-maxmemory', 'replica-lazy-flush',
  'replica-priority', 'replica-read-only', 'replica-serve-stale-data', 'sanitize-dump-payload', 'set-max-intset-entries',
  'shutdown-on-sigint', 'shutdown-on-sigterm', 'shutdown-timeout', 'slave-announce-ip', 'slave-announce-port',
  'slave-ignore-maxmemory', 'slave-lazy-flush', 'slave-priority', 'slave-read-only', 'slave-serve-stale-data',
  'slowlog-log-slower-than', 'slowlog-max-len', 'stop-writes-on-bgsave-error', 'stream-node-max-bytes', 'stream-node-max-entries',
  'tcp-keepalive', 'tracking-table-max-keys', 'oom-score-adj-values', 'zset-max-listpack-entries', 'zset-max-listpack-value', 'zset-max-ziplist-entries',
  'zset-max-ziplist-value', 'cluster-announce-hostname', 'cluster-announce-ip', 'proto-max-bulk-len', 'client-query-buffer-limit',
  'active-defrag-cycle-max', 'active-defrag-cycle-min', 'active-defrag-ignore-bytes', 'active-defrag-max-scan-fields',
  'active-defrag-threshold-lower', 'active-defrag-threshold-upper',
]
/** Refused by CONFIG SET whatever the value (immutable or protected) — safe to try. */
const REFUSED = [
  'daemonize', 'databases', 'io-threads', 'io-threads-do-reads', 'logfile', 'pidfile', 'unixsocket', 'unixsocketperm',
  'supervised', 'syslog-enabled', 'syslog-ident', 'syslog-facility', 'cluster-enabled', 'cluster-config-file', 'cluster-port',
  'appendfilename', 'appenddirname', 'aclfile', 'set-proc-title', 'disable-thp', 'enable-debug-command',
  'enable-module-command', 'enable-protected-configs', 'server_cpulist', 'bio_cpulist', 'aof_rewrite_cpulist',
  'bgsave_cpulist', 'always-show-logo', 'tcp-backlog', 'ignore-warnings', 'jemalloc-bg-thread',
]
const UNKNOWN = ['no-such-config', 'maxmemory-policyx', 'HZ', 'Maxmemory-Policy', 'slave-of', '']
const GLOBS = ['*', '*max*', 'hash-*', 'maxmemory*', '*-entries', 'zset-max-*-value', 'repl-*', 'slave*', 'h?', '[hz]*', 'cluster-*', 'NOTIFY*', '*ziplist*', 'lazyfree*']

const VALUES = [
  '0', '1', '-1', '2', '5', '10', '16', '100', '128', '512', '1000', '1000000', '2147483647', '2147483648', '4294967296',
  '9223372036854775807', '-9223372036854775808', '9223372036854775808', '-2147483648', '01', '0x10', '1e3', '1.5', ' 1', '1 ',
  '', 'abc', 'yes', 'no', 'YES', 'No', 'maybe', 'on', 'off', 'true',
  '1kb', '1KB', '1k', '1mb', '1m', '1gb', '1g', '64mb', '10b', '-1mb', '1.5mb', '1tb', '1 mb',
  '50%', '0%', '100%', '150%', '-5%', '%',
  'allkeys-lru', 'volatile-lfu', 'allkeys-random', 'noeviction', 'volatile-ttl', 'lru', 'NOEVICTION',
  'KEA', 'Ex', 'Kgx', '$lshzxetdmn', 'AKE', 'Kq', 'E', 'K', 'A', 'x', 'nm', 'KEAm', 'KEAn',
  'debug', 'verbose', 'notice', 'warning', 'nothing', 'WARNING', 'silly',
  'always', 'everysec', 'EVERYSEC', 'never',
  'disabled', 'on-empty-db', 'swapdb', 'ignore', 'panic', 'ignore-on-replica', 'panic-on-replicas',
  'ip', 'hostname', 'unknown-endpoint', 'resetchannels', 'allchannels', 'nosave', 'save', 'now', 'force', 'default',
  '50 99 99.9', '99.9', '0 100', '101', '-1 50', '50,99', '1e2', 'a b',
  'normal 0 0 0', 'replica 256mb 64mb 60', 'pubsub 32mb 8mb 60', 'slave 1 1 1', 'normal 1mb', 'master 0 0 0', 'normal 0 0 0 pubsub 1mb 1mb 1',
  '127.0.0.1', 'foo.example', '::1',
  // multi-word values split at single spaces: empty words
  '50  99', ' 50', '50 ', 'normal  0 0 0', ' normal 0 0 0', 'now  force', ' default', 'save ', '0 0  0', 'nosave now',
]

function value(r: Rng): string {
  if (r() < 0.3) return String(int(r, -2, 300))
  return pick(r, VALUES)
}

function step(r: Rng): string[] {
  const x = r()
  if (x < 0.45) return ['CONFIG', 'SET', pick(r, SETTABLE), value(r)]
  if (x < 0.55) {
    // several at once: all or nothing; sometimes a name twice, an unknown or a refused one among them
    const argv = ['CONFIG', 'SET']
    for (let i = int(r, 2, 4); i > 0; i--) argv.push(r() < 0.85 ? pick(r, SETTABLE) : pick(r, [...REFUSED, ...UNKNOWN]), value(r))
    if (r() < 0.1) argv.push(argv[2])
    return argv
  }
  if (x < 0.62) return ['CONFIG', 'SET', pick(r, [...REFUSED, ...UNKNOWN]), value(r)]
  if (x < 0.85) return ['CONFIG', 'GET', ...Array.from({length: int(r, 1, 3)}, () => (r() < 0.5 ? pick(r, GLOBS) : pick(r, [...SETTABLE, ...UNKNOWN])))]
  return ['CONFIG', pick(r, ['SET', 'GET', 'set', 'NOSUCH', 'HELP']), ...(r() < 0.5 ? [pick(r, SETTABLE)] : [])]
}

/**
 * CONFIG GET of a glob also lists what the servers differ in on purpose (port, dir, pidfile, ...):
 * the reply keeps only parameters this fuzzer sets or that are fixed alike on both.
 */
const COMPARED = new Set([...SETTABLE, ...REFUSED.filter((p) => !['logfile', 'pidfile', 'unixsocket', 'cluster-port', 'appendfilename', 'appenddirname', 'aclfile'].includes(p))])
function normalize(argv: string[], reply: Reply): Reply {
  if (argv[1]?.toUpperCase() !== 'GET') return reply
  const pairs = Array.isArray(reply) ? reply : reply !== null && typeof reply === 'object' && 'map' in reply ? reply.map : null
  if (pairs === null) return reply
  const kept: Reply[] = []
  const list: [Reply, Reply][] = []
  for (let i = 0; i + 1 < pairs.length; i += 2) if (COMPARED.has(String(pairs[i]))) list.push([pairs[i], pairs[i + 1]])
  // redis lists a glob's matches in its config dict's order (random per process): sorted here
  list.sort((a, b) => (String(a[0]) < String(b[0]) ? -1 : String(a[0]) > String(b[0]) ? 1 : 0))
  for (const [k, v] of list) kept.push(k, v)
  return Array.isArray(reply) ? kept : {map: kept}
}

/** One seed: `count` steps against both; the first difference, or null. Every parameter set is put back. */
export function fuzzConfig(redisPort: number, ourPort: number, seed: number, count: number, resp: 2 | 3 = 2): Promise<PairDiff | null> {
  // each server's own starting values of everything this fuzzer may set
  const initial = new Map<RawClient, Map<string, string>>()
  return runSeed(redisPort, ourPort, seed, count, resp, {
    async setup(c) {
      const all = (await c.call(['CONFIG', 'GET', '*'])) as Reply[]
      const m = new Map<string, string>()
      for (let i = 0; i + 1 < all.length; i += 2) if (SETTABLE.includes(String(all[i]))) m.set(String(all[i]), String(all[i + 1]))
      initial.set(c, m)
    },
    step,
    normalize,
    // CONFIG GET of what a SET named
    async after(argv, _r, both) {
      if (argv[1] !== 'SET' || argv.length < 4) return null
      const get = ['CONFIG', 'GET', ...argv.slice(2).filter((_, j) => j % 2 === 0)]
      const [theirs, ours] = await both.call(get, normalize)
      return JSON.stringify(theirs) === JSON.stringify(ours) ? null : {argv: get, theirs, ours}
    },
    // back to where each started (one parameter at a time: a value one accepts alone)
    async teardown(c) {
      for (const [k, v] of initial.get(c) ?? []) await c.call(['CONFIG', 'SET', k, v])
    },
  })
}

if (process.argv[1]?.endsWith('fuzz-config.ts')) await fuzzMain(300, async () => fuzzConfig)

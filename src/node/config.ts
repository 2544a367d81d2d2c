// Node configuration: redis.conf syntax (quoted args, `include`), redis-server style command
// line (`[redis.conf] --port 7000 --cluster-enabled yes`), and the live table behind
// CONFIG GET/SET/REWRITE. Values are stored in the canonical text CONFIG GET returns.
import {readFileSync, writeFileSync, renameSync} from 'node:fs'
import {dirname, resolve} from 'node:path'
import {splitArgs} from '../resp/parser.js'
import {canonicalNotify, parseNotifyFlags} from './notify.js'
import {REDIS_VERSION} from './version.js'
import {rewriteConfigFile} from './config-rewrite.js'
import {sdsRepr} from './sds-repr.js'
import {strerror} from './errors.js'
import {getDouble} from './strtod.js'
import {trimDoubleString} from '../resp/cdouble.js'

type Kind = 'int' | 'bool' | 'string' | 'memory' | 'enum'
interface OptDef {
  kind: Kind
  def: string
  immutable?: boolean
  values?: string[]
  /** hidden from CONFIG GET * (secrets are still returned by exact name, like redis) */
  alias?: string
  /** redis HIDDEN_CONFIG: CONFIG GET answers it only by its exact name, never for a pattern */
  hidden?: boolean
  /** redis PERCENT_CONFIG (a memory setting): also accepts "N%" (kept as that text) */
  percent?: boolean
}

const MB = 1024 * 1024
// Defaults follow redis 7.0.15's built-in defaults (bind `* -::*`: every interface, protected-mode
// keeps non-loopback clients out until a password is set, as in redis-server).
const DEFS: Record<string, OptDef> = {
  // port and bind are mutable as in 7.0: CONFIG SET re-listens (NodeServer.relisten)
  port: {kind: 'int', def: '6379'},
  bind: {kind: 'string', def: '* -::*'},
  'protected-mode': {kind: 'bool', def: 'yes'},
  dir: {kind: 'string', def: ''},
  dbfilename: {kind: 'string', def: 'dump.rdb'},
  logfile: {kind: 'string', def: '', immutable: true},
  loglevel: {kind: 'enum', def: 'notice', values: ['debug', 'verbose', 'notice', 'warning']},
  daemonize: {kind: 'bool', def: 'no', immutable: true},
  pidfile: {kind: 'string', def: '', immutable: true},
  databases: {kind: 'int', def: '16', immutable: true},
  requirepass: {kind: 'string', def: ''},
  // ACL (src/node/acl): `user` lines are collected in NodeConfig.users
  aclfile: {kind: 'string', def: '', immutable: true},
  'acllog-max-len': {kind: 'int', def: '128'},
  'acl-pubsub-default': {kind: 'enum', def: 'resetchannels', values: ['allchannels', 'resetchannels']},
  // Set by Redis's test-suite default.conf; accepted (no incremental rehashing / panics here).
  activerehashing: {kind: 'bool', def: 'yes'},
  // latency percentiles per command (INFO latencystats, src/node/insight.ts)
  'latency-tracking': {kind: 'bool', def: 'yes'},
  'propagation-error-behavior': {kind: 'enum', def: 'ignore', values: ['ignore', 'panic', 'panic-on-replicas']},
  masterauth: {kind: 'string', def: ''},
  masteruser: {kind: 'string', def: ''},
  replicaof: {kind: 'string', def: '', alias: 'slaveof', immutable: true}, // REPLICAOF changes it; CONFIG SET refuses
  'replica-read-only': {kind: 'bool', def: 'yes', alias: 'slave-read-only'},
  'proto-max-bulk-len': {kind: 'memory', def: String(512 * MB)},
  'client-query-buffer-limit': {kind: 'memory', def: String(1024 * MB)},
  'hll-sparse-max-bytes': {kind: 'memory', def: '3000'},
  maxclients: {kind: 'int', def: '10000'},
  maxmemory: {kind: 'memory', def: '0'},
  // src/node/memory: eviction sampling and LFU tuning; maxmemory-clients is accepted but client
  // eviction is not implemented (only keys are evicted)
  'maxmemory-samples': {kind: 'int', def: '5'},
  'maxmemory-eviction-tenacity': {kind: 'int', def: '10'},
  'maxmemory-clients': {kind: 'memory', def: '0', percent: true},
  'lfu-log-factor': {kind: 'int', def: '10'},
  'lfu-decay-time': {kind: 'int', def: '1'},
  'maxmemory-policy': {kind: 'enum', def: 'noeviction', values: ['volatile-lru', 'volatile-lfu', 'volatile-random', 'volatile-ttl', 'allkeys-lru', 'allkeys-lfu', 'allkeys-random', 'noeviction']},
  timeout: {kind: 'int', def: '0'},
  'tcp-keepalive': {kind: 'int', def: '300'},
  'tcp-backlog': {kind: 'int', def: '511', immutable: true},
  hz: {kind: 'int', def: '10'},
  save: {kind: 'string', def: '3600 1 300 100 60 10000'},
  appendonly: {kind: 'bool', def: 'no'},
  appendfilename: {kind: 'string', def: 'appendonly.aof', immutable: true},
  appenddirname: {kind: 'string', def: 'appendonlydir', immutable: true},
  appendfsync: {kind: 'enum', def: 'everysec', values: ['everysec', 'always', 'no']},
  'aof-use-rdb-preamble': {kind: 'bool', def: 'yes'},
  'aof-load-truncated': {kind: 'bool', def: 'yes'},
  'aof-timestamp-enabled': {kind: 'bool', def: 'no'},
  'aof-rewrite-incremental-fsync': {kind: 'bool', def: 'yes'},
  'no-appendfsync-on-rewrite': {kind: 'bool', def: 'no'},
  'auto-aof-rewrite-percentage': {kind: 'int', def: '100'},
  'auto-aof-rewrite-min-size': {kind: 'memory', def: String(64 * MB)},
  'stream-node-max-bytes': {kind: 'memory', def: '4096'},
  'stream-node-max-entries': {kind: 'int', def: '100'},
  'cluster-enabled': {kind: 'bool', def: 'no', immutable: true},
  'cluster-config-file': {kind: 'string', def: 'nodes.conf', immutable: true},
  'cluster-node-timeout': {kind: 'int', def: '15000'},
  'cluster-port': {kind: 'int', def: '0', immutable: true},
  'cluster-announce-ip': {kind: 'string', def: ''},
  'cluster-announce-port': {kind: 'int', def: '0'},
  'cluster-announce-bus-port': {kind: 'int', def: '0'},
  'cluster-announce-tls-port': {kind: 'int', def: '0'},
  // TLS (src/node/tls.ts), as a redis-server built with TLS has them
  'tls-port': {kind: 'int', def: '0'},
  'tls-cert-file': {kind: 'string', def: ''},
  'tls-key-file': {kind: 'string', def: ''},
  'tls-key-file-pass': {kind: 'string', def: ''},
  'tls-client-cert-file': {kind: 'string', def: ''},
  'tls-client-key-file': {kind: 'string', def: ''},
  'tls-client-key-file-pass': {kind: 'string', def: ''},
  'tls-dh-params-file': {kind: 'string', def: ''},
  'tls-ca-cert-file': {kind: 'string', def: ''},
  'tls-ca-cert-dir': {kind: 'string', def: ''},
  'tls-auth-clients': {kind: 'enum', def: 'yes', values: ['no', 'yes', 'optional']},
  'tls-replication': {kind: 'bool', def: 'no'},
  'tls-cluster': {kind: 'bool', def: 'no'},
  'tls-protocols': {kind: 'string', def: ''},
  'tls-ciphers': {kind: 'string', def: ''},
  'tls-ciphersuites': {kind: 'string', def: ''},
  'tls-prefer-server-ciphers': {kind: 'bool', def: 'no'},
  'tls-session-caching': {kind: 'bool', def: 'yes'},
  'tls-session-cache-size': {kind: 'int', def: '20480'},
  'tls-session-cache-timeout': {kind: 'int', def: '300'},
  'cluster-announce-hostname': {kind: 'string', def: ''},
  'cluster-preferred-endpoint-type': {kind: 'enum', def: 'ip', values: ['ip', 'hostname', 'unknown-endpoint']},
  'cluster-require-full-coverage': {kind: 'bool', def: 'yes'},
  'cluster-allow-reads-when-down': {kind: 'bool', def: 'no'},
  'cluster-allow-pubsubshard-when-down': {kind: 'bool', def: 'yes'},
  'cluster-replica-validity-factor': {kind: 'int', def: '10', alias: 'cluster-slave-validity-factor'},
  'cluster-migration-barrier': {kind: 'int', def: '1'},
  'cluster-allow-replica-migration': {kind: 'bool', def: 'yes'},
  'cluster-replica-no-failover': {kind: 'bool', def: 'no', alias: 'cluster-slave-no-failover'},
  'cluster-link-sendbuf-limit': {kind: 'memory', def: '0'},
  'repl-backlog-size': {kind: 'memory', def: String(MB)},
  'repl-timeout': {kind: 'int', def: '60'},
  'repl-diskless-sync': {kind: 'bool', def: 'yes'},
  'repl-diskless-sync-delay': {kind: 'int', def: '5'},
  'repl-ping-replica-period': {kind: 'int', def: '10', alias: 'repl-ping-slave-period'},
  'min-replicas-to-write': {kind: 'int', def: '0', alias: 'min-slaves-to-write'},
  'min-replicas-max-lag': {kind: 'int', def: '10', alias: 'min-slaves-max-lag'},
  'replica-priority': {kind: 'int', def: '100', alias: 'slave-priority'},
  // replication (src/node/replication)
  'repl-backlog-ttl': {kind: 'int', def: '3600'},
  'repl-diskless-sync-max-replicas': {kind: 'int', def: '0'},
  'repl-diskless-load': {kind: 'enum', def: 'disabled', values: ['disabled', 'on-empty-db', 'swapdb']},
  'repl-disable-tcp-nodelay': {kind: 'bool', def: 'no'},
  'replica-serve-stale-data': {kind: 'bool', def: 'yes', alias: 'slave-serve-stale-data'},
  'replica-announce-ip': {kind: 'string', def: '', alias: 'slave-announce-ip'},
  'replica-announce-port': {kind: 'int', def: '0', alias: 'slave-announce-port'},
  'replica-announced': {kind: 'bool', def: 'yes'},
  'replica-lazy-flush': {kind: 'bool', def: 'no', alias: 'slave-lazy-flush'},
  'shutdown-timeout': {kind: 'int', def: '10'},
  'client-output-buffer-limit': {kind: 'string', def: 'normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60'},
  'enable-debug-command': {kind: 'enum', def: 'no', values: ['no', 'yes', 'local'], immutable: true},
  'enable-protected-configs': {kind: 'enum', def: 'no', values: ['no', 'yes', 'local'], immutable: true},
  'enable-module-command': {kind: 'enum', def: 'no', values: ['no', 'yes', 'local'], immutable: true},
  'notify-keyspace-events': {kind: 'string', def: ''},
  'slowlog-log-slower-than': {kind: 'int', def: '10000'},
  'slowlog-max-len': {kind: 'int', def: '128'},
  'latency-monitor-threshold': {kind: 'int', def: '0'},
  'tracking-table-max-keys': {kind: 'int', def: '1000000'},
  'latency-tracking-info-percentiles': {kind: 'string', def: '50 99 99.9'},
  'lua-time-limit': {kind: 'int', def: '5000', alias: 'busy-reply-threshold'},
  'io-threads': {kind: 'int', def: '1', immutable: true},
  'always-show-logo': {kind: 'bool', def: 'no', immutable: true},
  'lazyfree-lazy-user-del': {kind: 'bool', def: 'no'},
  'lazyfree-lazy-user-flush': {kind: 'bool', def: 'no'},
  'lazyfree-lazy-eviction': {kind: 'bool', def: 'no'},
  'lazyfree-lazy-expire': {kind: 'bool', def: 'no'},
  'lazyfree-lazy-server-del': {kind: 'bool', def: 'no'},
  'stop-writes-on-bgsave-error': {kind: 'bool', def: 'yes'},
  'rdbcompression': {kind: 'bool', def: 'yes'},
  'rdbchecksum': {kind: 'bool', def: 'yes', immutable: true},
  // Redis's test-only knobs for slow loading/saving (its test suites set them). Accepted with
  // Redis's ranges; the embedded node loads and saves at full speed whatever they say.
  'loading-process-events-interval-bytes': {kind: 'int', def: String(2 * MB), hidden: true},
  'key-load-delay': {kind: 'int', def: '0', hidden: true},
  'rdb-key-save-delay': {kind: 'int', def: '0', hidden: true},
  // redis: exit(1) instead of abort() on a panic (its tests, so valgrind can report leaks); the node never aborts
  'use-exit-on-panic': {kind: 'bool', def: 'no', hidden: true},
  // Encoding thresholds (src/node/keyspace/encoding.ts applies them; redis 7.0.15 config.c).
  'hash-max-listpack-entries': {kind: 'int', def: '512', alias: 'hash-max-ziplist-entries'},
  'hash-max-listpack-value': {kind: 'memory', def: '64', alias: 'hash-max-ziplist-value'},
  'set-max-intset-entries': {kind: 'int', def: '512'},
  'zset-max-listpack-entries': {kind: 'int', def: '128', alias: 'zset-max-ziplist-entries'},
  'zset-max-listpack-value': {kind: 'memory', def: '64', alias: 'zset-max-ziplist-value'},
  'list-max-listpack-size': {kind: 'int', def: '-2', alias: 'list-max-ziplist-size'},
  'list-compress-depth': {kind: 'int', def: '0'},
  'unixsocket': {kind: 'string', def: '', immutable: true},
  'unixsocketperm': {kind: 'string', def: '0', immutable: true},
  'supervised': {kind: 'enum', def: 'no', values: ['upstart', 'systemd', 'auto', 'no'], immutable: true},
  // Process-level configs (src/node/process-configs.ts applies them)
  'shutdown-on-sigint': {kind: 'string', def: 'default'},
  'shutdown-on-sigterm': {kind: 'string', def: 'default'},
  'oom-score-adj': {kind: 'enum', def: 'no', values: ['no', 'yes', 'relative', 'absolute']},
  'oom-score-adj-values': {kind: 'string', def: '0 200 800'},
  'proc-title-template': {kind: 'string', def: '{title} {listen-addr} {server-mode}'},
  'set-proc-title': {kind: 'bool', def: 'yes', immutable: true},
  'bind-source-addr': {kind: 'string', def: ''},
  // Accepted with Redis's defaults and ranges so that Redis's config files and tests load; they
  // tune things a V8 process does not have (allocator, defrag, fork, syslog, CPU pinning).
  'activedefrag': {kind: 'bool', def: 'no'},
  'active-defrag-cycle-min': {kind: 'int', def: '1'},
  'active-defrag-cycle-max': {kind: 'int', def: '25'},
  'active-defrag-ignore-bytes': {kind: 'memory', def: String(100 * MB)},
  'active-defrag-max-scan-fields': {kind: 'int', def: '1000'},
  'active-defrag-threshold-lower': {kind: 'int', def: '10'},
  'active-defrag-threshold-upper': {kind: 'int', def: '100'},
  'active-expire-effort': {kind: 'int', def: '1'},
  'aof-disable-auto-gc': {kind: 'bool', def: 'no'}, // listed by CONFIG GET * (not HIDDEN_CONFIG in 7.0.15)
  'crash-log-enabled': {kind: 'bool', def: 'yes'},
  'crash-memcheck-enabled': {kind: 'bool', def: 'yes'},
  'disable-thp': {kind: 'bool', def: 'yes', immutable: true},
  'dynamic-hz': {kind: 'bool', def: 'yes'},
  'ignore-warnings': {kind: 'string', def: ''},
  'io-threads-do-reads': {kind: 'bool', def: 'no', immutable: true},
  'jemalloc-bg-thread': {kind: 'bool', def: 'yes'},
  'rdb-del-sync-files': {kind: 'bool', def: 'no'},
  'rdb-save-incremental-fsync': {kind: 'bool', def: 'yes'},
  'replica-ignore-disk-write-errors': {kind: 'bool', def: 'no'},
  'replica-ignore-maxmemory': {kind: 'bool', def: 'yes', alias: 'slave-ignore-maxmemory'},
  'sanitize-dump-payload': {kind: 'enum', def: 'no', values: ['no', 'yes', 'clients']},
  'socket-mark-id': {kind: 'int', def: '0', immutable: true},
  'syslog-enabled': {kind: 'bool', def: 'no', immutable: true},
  'syslog-facility': {kind: 'enum', def: 'local0', values: ['user', 'local0', 'local1', 'local2', 'local3', 'local4', 'local5', 'local6', 'local7'], immutable: true},
  'syslog-ident': {kind: 'string', def: 'redis', immutable: true},
  'server_cpulist': {kind: 'string', def: '', immutable: true},
  'bio_cpulist': {kind: 'string', def: '', immutable: true},
  'aof_rewrite_cpulist': {kind: 'string', def: '', immutable: true},
  'bgsave_cpulist': {kind: 'string', def: '', immutable: true},
}
/** redis MULTI_ARG_CONFIG: configs whose value is several words on a config line. */
const MULTI_ARG = new Set(['save', 'client-output-buffer-limit', 'oom-score-adj-values', 'bind', 'replicaof', 'latency-tracking-info-percentiles', 'shutdown-on-sigint', 'shutdown-on-sigterm'])
/** Config-file directives of older versions that redis 7.0 still accepts and ignores. */
const DEPRECATED_NOOPS = new Set(['list-max-ziplist-entries', 'list-max-ziplist-value', 'lua-replicate-commands'])
const ALIASES = new Map<string, string>()
for (const [name, d] of Object.entries(DEFS)) if (d.alias) ALIASES.set(d.alias, name)

export class ConfigError extends Error {}
/**
 * A value accepted, then refused by what applies it to the running node (redis: the config's apply
 * function, whose failure CONFIG SET logs before restoring the previous settings).
 */
export class ConfigApplyError extends ConfigError {}

/** "3600 1 300 100": an even number of integers, seconds >= 1, changes >= 0; "" = off. */
function canonicalSave(raw: string): string {
  const words = raw.split(/\s+/).filter(Boolean)
  if (words.length === 1 && words[0] === '""') return ''
  if (words.length % 2 !== 0) throw new ConfigError('Invalid save parameters')
  for (let j = 0; j < words.length; j++) {
    if (!/^[+-]?\d+$/.test(words[j]) || Number(words[j]) < (j % 2 === 0 ? 1 : 0)) throw new ConfigError('Invalid save parameters')
  }
  return words.map((w) => String(Number(w))).join(' ')
}

/** isValidAnnouncedHostname (redis 7.0 config.c): shorter than NET_HOST_STR_LEN, [A-Za-z0-9.-] only. */
function checkAnnouncedHostname(v: string): void {
  if (v.length >= 256) throw new ConfigError('Hostnames must be less than 256 characters')
  if (!/^[A-Za-z0-9.-]*$/.test(v)) throw new ConfigError('Hostnames may only contain alphanumeric characters, hyphens or dots')
}

/** setConfigBindOption (redis 7.0): at most CONFIG_BINDADDR_MAX (16) addresses, space separated. */
function canonicalBind(raw: string): string {
  const words = raw.split(/\s+/).filter(Boolean)
  if (words.length > 16) throw new ConfigError('Too many bind addresses specified.')
  return words.join(' ')
}

/** shutdown-on-sigint/sigterm: flags of default|save|nosave|now|force, shown in that order. */
function canonicalShutdownFlags(raw: string): string {
  const names = ['save', 'nosave', 'now', 'force']
  const words = multiArgWords(raw.toLowerCase())
  if (words.length === 0 || words.some((w) => w !== 'default' && !names.includes(w)))
    throw new ConfigError('argument(s) must be one of the following: default, save, nosave, now, force')
  if (words.includes('save') && words.includes('nosave')) throw new ConfigError("shutdown options SAVE and NOSAVE can't be used simultaneously")
  const set = names.filter((n) => words.includes(n))
  return set.length === 0 ? 'default' : set.join(' ')
}

/** oom-score-adj-values: three integers in [-2000, 2000] (master, replica, background child). */
function canonicalOomValues(raw: string): string {
  const words = multiArgWords(raw)
  if (words.length !== 3) throw new ConfigError('wrong number of arguments')
  return words
    .map((w) => {
      const n = strtollWhole(w)
      if (n === null || n < -2000n || n > 2000n) throw new ConfigError('Invalid oom-score-adj-values, elements must be between -2000 and 2000.')
      return String(n)
    })
    .join(' ')
}

/**
 * The words of a multi-word setting (redis MULTI_ARG_CONFIG) as CONFIG SET splits its value: at each
 * single space (sdssplitlen), so two spaces in a row make an empty word; "" is no word at all.
 */
function multiArgWords(raw: string): string[] {
  return raw === '' ? [] : raw.split(' ')
}

/** C strtoll(s, &end, 10) that must end at the end of s: null where it stops early ("" reads as 0). */
function strtollWhole(s: string): bigint | null {
  if (s === '') return 0n
  const m = /^[\t\n\v\f\r ]*([+-]?)(\d+)$/.exec(s)
  if (!m) return null
  const n = m[1] === '-' ? -BigInt(m[2]) : BigInt(m[2])
  return n > LLONG_MAX ? LLONG_MAX : n < -LLONG_MAX - 1n ? -LLONG_MAX - 1n : n
}

/** latency-tracking-info-percentiles: doubles in [0, 100], shown like "%f" with trailing zeros cut. */
function canonicalPercentiles(raw: string): string {
  const words = multiArgWords(raw)
  return words
    .map((w) => {
      const n = getDouble(w) // redis string2d
      if (n === null) throw new ConfigError('Invalid latency-tracking-info-percentiles parameters')
      if (n > 100 || n < 0) throw new ConfigError('latency-tracking-info-percentiles parameters should sit between [0.0,100.0]')
      return trimDoubleString(n)
    })
    .join(' ')
}

/** redis sdstemplate: `{name}` replaced by lookup(name) (null = unknown: the whole expansion
 * fails), `{{` is a literal brace; null on an unterminated variable. */
export function expandTemplate(template: string, lookup: (name: string) => string | null): string | null {
  let out = ''
  let p = 0
  while (p < template.length) {
    const sv = template.indexOf('{', p)
    if (sv === -1) return out + template.slice(p)
    out += template.slice(p, sv)
    if (sv + 1 >= template.length) return null
    if (template[sv + 1] === '{') {
      out += '{'
      p = sv + 2
      continue
    }
    const ev = template.indexOf('}', sv + 1)
    if (ev === -1) return null
    const value = lookup(template.slice(sv + 1, ev))
    if (value === null) return null
    out += value
    p = ev + 1
  }
  return out
}

/**
 * redis expandProcTitleTemplate: sdstemplate over redisProcTitleGetVariable's variables, spaces
 * trimmed at both ends; null for an unknown variable or a malformed template. `port` is the
 * server's port (the config's, as redis's server.port).
 */
export function expandProcTitle(cfg: NodeConfig, template: string, title: string, port: number): string | null {
  const r = expandTemplate(template, (name) => {
    switch (name) {
      case 'title':
        return title
      case 'listen-addr': {
        const bind = cfg.get('bind').split(/\s+/).filter(Boolean)
        // the plain port, else the TLS one (redis: server.port ? server.port : server.tls_port)
        const p = port !== 0 ? port : cfg.int('tls-port')
        return p !== 0 ? `${bind.length > 0 ? bind[0] : '*'}:${p}` : `unixsocket:${cfg.get('unixsocket')}`
      }
      case 'server-mode':
        return cfg.bool('cluster-enabled') ? '[cluster]' : cfg.sentinelMode ? '[sentinel]' : ''
      case 'config-file':
        return cfg.file !== undefined ? resolve(cfg.file) : '-'
      case 'port':
        return String(port)
      case 'tls-port':
        return cfg.get('tls-port')
      case 'unixsocket':
        return cfg.get('unixsocket')
      default:
        return null
    }
  })
  return r === null ? null : r.replace(/^ +| +$/g, '')
}

/** redis validateProcTitleTemplate: expanded with an empty title, the result must not be empty. */
function validProcTitleTemplate(cfg: NodeConfig, t: string): boolean {
  const r = expandProcTitle(cfg, t, '', Number(cfg.get('port')))
  return r !== null && r.length > 0
}

/** redis updateClientOutputBufferLimit: <class> <hard> <soft> <seconds> groups replace those
 * classes and keep the others; CONFIG GET's form is "normal h s t slave h s t pubsub h s t" in bytes. */
export function mergeObufLimits(current: string, args: string[]): string {
  if (args.length % 4 !== 0) throw new ConfigError('Wrong number of arguments in buffer limit configuration.')
  const classes = new Map<string, string[]>()
  const cur = current.split(/\s+/).filter(Boolean)
  for (let i = 0; i + 3 < cur.length; i += 4) classes.set(cur[i], cur.slice(i + 1, i + 4))
  const updates: [string, string[]][] = []
  for (let i = 0; i < args.length; i += 4) {
    const name = args[i].toLowerCase()
    const cls = name === 'replica' ? 'slave' : name
    if (cls !== 'normal' && cls !== 'slave' && cls !== 'pubsub') throw new ConfigError('Invalid client class specified in buffer limit configuration.')
    const hard = parseMemory(args[i + 1])
    const soft = parseMemory(args[i + 2])
    // strtoll into an int (updateClientOutputBufferLimit's soft_seconds): "" is 0, a long one wraps
    const ll = strtollWhole(args[i + 3])
    const secs = ll === null ? NaN : Number(BigInt.asIntN(32, ll))
    if (!(hard >= 0) || !(soft >= 0) || !(secs >= 0)) throw new ConfigError('Error in hard, soft or soft_seconds setting in buffer limit configuration.')
    updates.push([cls, [String(hard), String(soft), String(secs)]])
  }
  for (const [cls, v] of updates) classes.set(cls, v)
  return ['normal', 'slave', 'pubsub'].map((c) => `${c} ${(classes.get(c) ?? ['0', '0', '0']).join(' ')}`).join(' ')
}

function canonicalNotifyConfig(raw: string): string {
  try {
    return canonicalNotify(raw)
  } catch (e) {
    throw new ConfigError((e as Error).message)
  }
}

/** memtoull as a number (client-output-buffer-limit's sizes); NaN when redis refuses it. */
function parseMemory(v: string): number {
  const u = memtoull(v)
  return u === null ? NaN : Number(u)
}

const ULLONG_MAX = 18446744073709551615n
const LLONG_MAX = 9223372036854775807n
/**
 * The memory settings' C types and bounds (redis 7.0 config.c): [unsigned (unsigned long long,
 * size_t), lower, upper]. A value is read with memtoull (an overflow saturates, a unit wraps it),
 * then taken as that type: past a signed type's range it reads negative.
 */
const MEMORY_NUMERIC: Record<string, [boolean, bigint, bigint]> = {
  'proto-max-bulk-len': [false, 1048576n, LLONG_MAX],
  'client-query-buffer-limit': [true, 1048576n, LLONG_MAX],
  'hll-sparse-max-bytes': [true, 0n, LLONG_MAX],
  maxmemory: [true, 0n, ULLONG_MAX],
  'maxmemory-clients': [false, -100n, LLONG_MAX],
  'auto-aof-rewrite-min-size': [false, 0n, LLONG_MAX],
  'stream-node-max-bytes': [true, 0n, LLONG_MAX],
  'cluster-link-sendbuf-limit': [true, 0n, ULLONG_MAX],
  'repl-backlog-size': [false, 1n, LLONG_MAX],
  'hash-max-listpack-value': [true, 0n, LLONG_MAX],
  'zset-max-listpack-value': [true, 0n, LLONG_MAX],
  'active-defrag-ignore-bytes': [true, 1n, LLONG_MAX],
}

/**
 * redis memtoull exactly: digits, then an optional unit (b, k, kb, m, mb, g, gb, any case); no sign,
 * no space; no digits at all reads as 0 (strtoull of ""). null where it sets err. strtoull saturates
 * at ULLONG_MAX and the unit's product wraps.
 */
function memtoull(v: string): bigint | null {
  const m = /^(\d*)(|b|k|kb|m|mb|g|gb)$/i.exec(v)
  if (!m || m[1].length >= 128) return null
  const mul: Record<string, bigint> = {'': 1n, b: 1n, k: 1000n, kb: 1024n, m: 1000000n, mb: 1048576n, g: 1000000000n, gb: 1073741824n}
  let n = m[1] === '' ? 0n : BigInt(m[1])
  if (n > ULLONG_MAX) n = ULLONG_MAX
  return BigInt.asUintN(64, n * mul[m[2].toLowerCase()])
}

const INT_MAX = 2147483647n
const INT_MIN = -2147483648n
const UINT_MAX = 4294967295n
/**
 * The integer settings' C types and bounds (redis 7.0.15 config.c): [unsigned (unsigned int, size_t:
 * a negative value reads as a huge one and is printed with %llu), lower, upper]. An unsigned long
 * (slowlog-max-len, acllog-max-len, active-defrag-max-scan-fields) is checked as a signed one, as
 * numericBoundaryCheck does.
 */
const INTEGER_NUMERIC: Record<string, [boolean, bigint, bigint]> = {
  port: [false, 0n, 65535n], databases: [false, 1n, INT_MAX], 'io-threads': [false, 1n, 128n],
  'auto-aof-rewrite-percentage': [false, 0n, INT_MAX], 'cluster-replica-validity-factor': [false, 0n, INT_MAX],
  'list-max-listpack-size': [false, INT_MIN, INT_MAX], 'tcp-keepalive': [false, 0n, INT_MAX],
  'cluster-migration-barrier': [false, 0n, INT_MAX], 'active-defrag-cycle-min': [false, 1n, 99n],
  'active-defrag-cycle-max': [false, 1n, 99n], 'active-defrag-threshold-lower': [false, 0n, 1000n],
  'active-defrag-threshold-upper': [false, 0n, 1000n], 'lfu-log-factor': [false, 0n, INT_MAX], 'lfu-decay-time': [false, 0n, INT_MAX],
  'replica-priority': [false, 0n, INT_MAX], 'repl-diskless-sync-delay': [false, 0n, INT_MAX], 'maxmemory-samples': [false, 1n, INT_MAX],
  'maxmemory-eviction-tenacity': [false, 0n, 100n], timeout: [false, 0n, INT_MAX], 'replica-announce-port': [false, 0n, 65535n],
  'tcp-backlog': [false, 0n, INT_MAX], 'cluster-port': [false, 0n, 65535n], 'cluster-announce-bus-port': [false, 0n, 65535n],
  'cluster-announce-port': [false, 0n, 65535n], 'cluster-announce-tls-port': [false, 0n, 65535n], 'tls-port': [false, 0n, 65535n],
  'tls-session-cache-size': [false, 0n, INT_MAX], 'tls-session-cache-timeout': [false, 0n, INT_MAX], 'repl-timeout': [false, 1n, INT_MAX],
  'repl-ping-replica-period': [false, 1n, INT_MAX], 'list-compress-depth': [false, 0n, INT_MAX],
  'rdb-key-save-delay': [false, INT_MIN, INT_MAX], 'key-load-delay': [false, INT_MIN, INT_MAX], 'active-expire-effort': [false, 1n, 10n],
  hz: [false, 0n, INT_MAX], 'min-replicas-to-write': [false, 0n, INT_MAX], 'min-replicas-max-lag': [false, 0n, INT_MAX],
  'shutdown-timeout': [false, 0n, INT_MAX], 'repl-diskless-sync-max-replicas': [false, 0n, INT_MAX],
  maxclients: [true, 1n, UINT_MAX], 'socket-mark-id': [true, 0n, UINT_MAX],
  'active-defrag-max-scan-fields': [false, 1n, LLONG_MAX], 'slowlog-max-len': [false, 0n, LLONG_MAX], 'acllog-max-len': [false, 0n, LLONG_MAX],
  'lua-time-limit': [false, 0n, LLONG_MAX], 'cluster-node-timeout': [false, 0n, LLONG_MAX], 'slowlog-log-slower-than': [false, -1n, LLONG_MAX],
  'latency-monitor-threshold': [false, 0n, LLONG_MAX], 'stream-node-max-entries': [false, 0n, LLONG_MAX],
  'hash-max-listpack-entries': [true, 0n, LLONG_MAX], 'set-max-intset-entries': [true, 0n, LLONG_MAX],
  'zset-max-listpack-entries': [true, 0n, LLONG_MAX], 'tracking-table-max-keys': [true, 0n, LLONG_MAX],
  'repl-backlog-ttl': [false, 0n, LLONG_MAX], 'loading-process-events-interval-bytes': [false, 1024n, INT_MAX],
}

/** redis string2ll as a bigint (null where it fails). */
function string2ll(v: string): bigint | null {
  if (!/^(0|-?[1-9]\d{0,18})$/.test(v)) return null
  const b = BigInt(v)
  return b > LLONG_MAX || b < -LLONG_MAX - 1n ? null : b
}

/** numericConfigSet of an INTEGER_CONFIG setting (string2ll, then numericBoundaryCheck): the value kept, or ConfigError. */
function integerValue(key: string, raw: string): string {
  const ll = string2ll(raw)
  if (ll === null) throw new ConfigError("argument couldn't be parsed into an integer")
  const [unsigned, lo, hi] = INTEGER_NUMERIC[key] ?? [false, -LLONG_MAX - 1n, LLONG_MAX]
  const v = unsigned ? BigInt.asUintN(64, ll) : ll
  if (v < lo || v > hi) throw new ConfigError(`argument must be between ${lo} and ${hi} inclusive`)
  return String(v)
}

/** numericConfigSet of a MEMORY_CONFIG (and PERCENT_CONFIG) setting: the value kept, or ConfigError. */
function memoryValue(key: string, d: OptDef, raw: string): string {
  const [unsigned, lo, hi] = MEMORY_NUMERIC[key] ?? [true, 0n, ULLONG_MAX]
  const u = memtoull(raw)
  let ll: bigint
  if (u !== null) ll = unsigned ? u : BigInt.asIntN(64, u)
  else {
    // numericParseString: "N%" with a string2ll N >= 0, kept negative
    const pct = d.percent && raw.length > 1 && raw.endsWith('%') ? string2ll(raw.slice(0, -1)) : null
    if (pct === null || pct < 0n) throw new ConfigError(d.percent ? 'argument must be a memory or percent value' : 'argument must be a memory value')
    ll = -pct
  }
  if (!unsigned && d.percent && ll < 0n) {
    if (ll < lo) throw new ConfigError(`percentage argument must be less or equal to ${-lo}`)
    return `${-ll}%`
  }
  if (ll < lo || ll > hi) throw new ConfigError(`argument must be between ${lo} and ${hi} inclusive`)
  return String(ll)
}

export class NodeConfig {
  private values = new Map<string, string>()
  /** Where CONFIG REWRITE writes; undefined when started without a file. */
  file?: string
  /** A Sentinel's configuration (redis server.sentinel_mode: `{server-mode}` is `[sentinel]`). */
  sentinelMode = false
  /** Listeners for CONFIG SET (e.g. the server applies loglevel, the cluster node-timeout). */
  onChange: ((name: string, value: string) => void)[] = []
  /**
   * notify-keyspace-events as set, in bits. Not derived from the shown value: redis shows "A" for
   * every class it includes and drops "n" (new key) after it, though the class stays on.
   */
  notifyFlags = 0

  constructor() {
    for (const [name, d] of Object.entries(DEFS)) this.values.set(name, d.def)
    this.values.set('dir', process.cwd())
  }

  static canonicalName(name: string): string {
    const n = name.toLowerCase()
    return ALIASES.get(n) ?? n
  }

  static isKnown(name: string): boolean {
    return NodeConfig.canonicalName(name) in DEFS
  }

  static isImmutable(name: string): boolean {
    return DEFS[NodeConfig.canonicalName(name)]?.immutable === true
  }

  /** Kind and default of a config (canonical name), for CONFIG REWRITE; undefined when unknown. */
  static spec(name: string): {kind: Kind; def: string; hidden: boolean} | undefined {
    const d = DEFS[NodeConfig.canonicalName(name)]
    return d && {kind: d.kind, def: d.def, hidden: d.hidden === true}
  }

  /** Every canonical config name (no aliases). */
  static canonicalNames(): string[] {
    return Object.keys(DEFS)
  }

  get(name: string): string {
    // Exact canonical names hit the map directly (hot path: per-read limits).
    return this.values.get(name) ?? this.values.get(NodeConfig.canonicalName(name)) ?? ''
  }
  int(name: string): number {
    return Number(this.get(name))
  }
  bool(name: string): boolean {
    return this.get(name) === 'yes'
  }

  /** Validate and store; throws ConfigError with redis's reason text. */
  set(name: string, raw: string, fromCommand = false): void {
    const key = NodeConfig.canonicalName(name)
    const d = DEFS[key]
    if (!d) throw new ConfigError(`Bad directive or wrong number of arguments`)
    if (fromCommand && d.immutable) throw new ConfigError("can't set immutable config")
    let v = raw
    switch (d.kind) {
      case 'bool': {
        const l = raw.toLowerCase()
        if (l !== 'yes' && l !== 'no') throw new ConfigError("argument must be 'yes' or 'no'")
        v = l
        break
      }
      case 'memory':
        v = memoryValue(key, d, raw)
        // redis resizeReplicationBacklog (CONFIG SET's apply, not the config file): at least 16 KiB
        if (fromCommand && key === 'repl-backlog-size' && BigInt(v) < 16384n) v = '16384'
        break
      case 'int':
        v = integerValue(key, raw)
        // hz: any int is taken, then held to 1..500 (redis updateHz: CONFIG_MIN_HZ / CONFIG_MAX_HZ)
        if (key === 'hz') v = String(Math.min(500, Math.max(1, Number(v))))
        break
      case 'enum': {
        const l = raw.toLowerCase()
        if (!d.values!.includes(l)) throw new ConfigError(`argument(s) must be one of the following: ${d.values!.join(', ')}`)
        // oom-score-adj: "relative" is the value "yes" names (redis shows the first name)
        v = key === 'oom-score-adj' && l === 'relative' ? 'yes' : l
        break
      }
      default:
        if (key === 'dir' && raw !== '') v = resolve(raw)
        // --- rdb helper: save points, validated like redis setConfigSaveOption ---
        if (key === 'save') v = canonicalSave(raw)
        if (key === 'cluster-announce-hostname') checkAnnouncedHostname(raw)
        if (key === 'bind') v = canonicalBind(raw)
        if (key === 'notify-keyspace-events') {
          v = canonicalNotifyConfig(raw)
          this.notifyFlags = parseNotifyFlags(raw)
        }
        if (key === 'client-output-buffer-limit') v = mergeObufLimits(this.get(key), multiArgWords(raw))
        if (key === 'shutdown-on-sigint' || key === 'shutdown-on-sigterm') v = canonicalShutdownFlags(raw)
        if (key === 'oom-score-adj-values') v = canonicalOomValues(raw)
        if (key === 'latency-tracking-info-percentiles') v = canonicalPercentiles(raw)
        if (key === 'proc-title-template' && !validProcTitleTemplate(this, raw)) throw new ConfigError('template format is invalid or contains unknown variables')
    }
    this.values.set(key, v)
    if (fromCommand) for (const f of this.onChange) f(key, v)
  }

  /** name/value pairs matching a CONFIG GET glob (aliases answer by their own name too). */
  names(): string[] {
    return [...this.values.keys(), ...ALIASES.keys()].filter((n) => !DEFS[NodeConfig.canonicalName(n)]?.hidden)
  }

  /** Apply a list of directives (from a file and/or the command line). */
  applyDirectives(directives: string[][], baseDir = process.cwd()): void {
    for (const argv of directives) this.applyLine(argv, baseDir)
  }

  /**
   * One config-file line, split (redis loadServerConfigFromString): a config takes exactly one
   * argument unless it is one of Redis's multi-argument configs, whose single argument is split on
   * spaces ("--save '100 10'"); `include`, `rename-command`, `user` and the deprecated no-ops are
   * directives of the file only. Throws ConfigError with Redis's reason.
   */
  applyLine(argv: string[], baseDir = process.cwd()): void {
    const name = argv[0].toLowerCase()
    if (NodeConfig.isKnown(name)) {
      const key = NodeConfig.canonicalName(name)
      let args = argv.slice(1)
      if (!MULTI_ARG.has(key)) {
        if (args.length !== 1) throw new ConfigError('wrong number of arguments')
      } else if (args.length === 1 && args[0] !== '') args = splitArgs(args[0]) ?? args
      if (key === 'save') return this.loadSave(args)
      if (key === 'replicaof') {
        if (args.length !== 2) throw new ConfigError('wrong number of arguments')
        if (args[0].toLowerCase() === 'no' && args[1].toLowerCase() === 'one') return this.set(key, '')
        const port = /^-?\d+$/.test(args[1]) ? Number(args[1]) : NaN
        if (!(port >= 0 && port <= 65535)) throw new ConfigError('Invalid master port')
        return this.set(key, `${args[0]} ${port}`)
      }
      return this.set(key, args.join(' '))
    }
    if (DEPRECATED_NOOPS.has(name) && argv.length === 2) return
    if (name === 'include' && argv.length === 2) {
      const path = resolve(baseDir, argv[1])
      let text: string
      try {
        text = readFileSync(path, 'latin1')
      } catch (e) {
        throw new ConfigError(`Fatal error, can't open config file '${path}': ${(e as Error).message}`)
      }
      this.applyDirectives(parseConfigText(text), dirname(path))
      return
    }
    if (name === 'rename-command' && argv.length === 3) {
      this.renamedCommands.push([argv[1].toLowerCase(), argv[2]])
      return
    }
    if (name === 'user' && argv.length >= 2) {
      this.users.push(argv.slice(1))
      return
    }
    if (name === 'sentinel' && argv.length !== 1) throw new ConfigError('sentinel directive while not in sentinel mode')
    throw new ConfigError('Bad directive or wrong number of arguments')
  }

  /** redis setConfigSaveOption while reading the config: the first `save` line replaces the
   * defaults, later ones append; `save ""` clears. */
  private loadSave(args: string[]): void {
    if (args.length === 1 && args[0] === '') args = []
    const v = canonicalSave(args.length === 0 ? '""' : args.join(' '))
    const cur = this.saveSeen ? this.get('save') : ''
    this.saveSeen = true
    this.set('save', v === '' ? '' : cur === '' ? v : `${cur} ${v}`)
  }
  /** `rename-command <name> <new-name>` lines in file order (new-name '' removes the command). */
  readonly renamedCommands: [string, string][] = []
  private saveSeen = false
  /** `user <name> <rules...>` directives, loaded by the ACL at startup (redis UsersToLoad). */
  readonly users: string[][] = []
  /** Extra lines for CONFIG REWRITE (the ACL's `user` lines). */
  readonly rewriteHooks: (() => string[])[] = []

  /** CONFIG REWRITE (src/node/config-rewrite.ts): the file keeps its comments and unknown lines,
   * changed options replace their old lines, new ones go after a "# Generated by CONFIG REWRITE"
   * line. `forceAll` (DEBUG CONFIG-REWRITE-FORCE-ALL) writes every option. */
  rewrite(forceAll = false): void {
    if (!this.file) throw new ConfigError('The server is running without a config file')
    rewriteConfigFile(this, this.file, forceAll)
  }
}

export function parseConfigText(text: string): string[][] {
  const out: string[][] = []
  for (const raw of text.split('\n')) {
    const line = raw.trim()
    if (line === '' || line.startsWith('#')) continue
    const argv = splitArgs(line)
    if (argv === null) throw new ConfigError(`Unbalanced quotes in configuration line: ${line}`)
    if (argv.length > 0) out.push(argv)
  }
  return out
}

/**
 * redis-server's argv (server.c main): an optional config file first (an argument not starting
 * with '-'), then options that Redis turns into config-file text appended after the file: each
 * `--name` starts a line, the arguments after it are appended quoted. An argument right after a
 * bare `--name` is its value even when it starts with `--` (`--port --bla`); `--save` followed by
 * another option or nothing means `save ""`. `directives` are the same lines, split.
 */
export function parseCommandLine(args: string[]): {file?: string; directives: string[][]; options: string} {
  let j = 0
  let file: string | undefined
  if (args.length > 0 && !args[0].startsWith('-')) file = args[j++]
  let options = ''
  let handledLastArg = true
  for (; j < args.length; j++) {
    const a = args[j]
    if (handledLastArg && a.startsWith('--')) {
      if (options.length > 0) options += '\n'
      options += a.slice(2) + ' '
      const words = splitArgs(a)
      if (words !== null && words.length === 1) {
        // only the option name: the next argument is its value, whatever it looks like
        handledLastArg = false
        const last = j === args.length - 1
        const nextIsOption = !last && args[j + 1].startsWith('--')
        const lower = a.toLowerCase()
        if (lower === '--save' && (last || nextIsOption)) {
          options += '""'
          handledLastArg = true
        } else if (lower === '--sentinel' && nextIsOption) handledLastArg = true
      } else handledLastArg = true
    } else {
      options += sdsRepr(a) + ' '
      handledLastArg = true
    }
  }
  const directives: string[][] = []
  for (const line of options.split('\n')) {
    const argv = splitArgs(line.trim())
    if (argv !== null && argv.length > 0) directives.push(argv)
  }
  return {file, directives, options}
}

/** A config the node cannot start with, worded like redis-server's report on stderr. */
export class ConfigFileError extends ConfigError {}

/** redis loadServerConfigFromString's fatal report for one line. */
function fatalConfigError(lineNumber: number | null, line: string, reason: string): ConfigFileError {
  const where = lineNumber === null ? '' : `Reading the configuration file, at line ${lineNumber}\n>>> '${line}'\n`
  return new ConfigFileError(`\n*** FATAL CONFIG FILE ERROR (Redis ${REDIS_VERSION}) ***\n${where}${reason}`)
}

/**
 * Apply config-file text line by line (redis loadServerConfigFromString): comments and blank
 * lines skipped, each line split with Redis's quoting rules; the first bad line stops the load
 * with a ConfigFileError naming its number and text.
 */
export function applyConfigText(cfg: NodeConfig, text: string, baseDir = process.cwd()): void {
  const lines = text.split('\n')
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].replace(/^[ \t\r\n]+|[ \t\r\n]+$/g, '')
    if (line === '' || line.startsWith('#')) continue
    const argv = splitArgs(line)
    if (argv === null) throw fatalConfigError(i + 1, line, 'Unbalanced quotes in configuration line')
    if (argv.length === 0) continue
    try {
      cfg.applyLine(argv, baseDir)
    } catch (e) {
      if (e instanceof ConfigFileError) throw e
      if (e instanceof ConfigError) throw fatalConfigError(i + 1, line, e.message)
      throw e
    }
  }
}

/** Build a config like redis-server: the file's text, then the command-line options as more
 * lines of the same text (so their line numbers follow the file's in error reports). */
export function loadConfig(args: string[] | {file?: string; directives: string[][]; options?: string}): NodeConfig {
  const parsed = Array.isArray(args) ? parseCommandLine(args) : args
  const cfg = new NodeConfig()
  let text = ''
  let baseDir = process.cwd()
  if (parsed.file) {
    const path = resolve(parsed.file)
    cfg.file = path
    baseDir = dirname(path)
    try {
      text = readFileSync(path, 'latin1')
    } catch (e) {
      throw new ConfigFileError(`Fatal error, can't open config file '${path}': ${strerror(e)}`)
    }
  }
  if (parsed.options !== undefined) {
    applyConfigText(cfg, text + '\n' + parsed.options, baseDir)
  } else {
    applyConfigText(cfg, text, baseDir)
    cfg.applyDirectives(parsed.directives)
  }
  return cfg
}

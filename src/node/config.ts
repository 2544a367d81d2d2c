// Node configuration: redis.conf syntax (quoted args, `include`), redis-server style command
// line (`[redis.conf] --port 7000 --cluster-enabled yes`), and the live table behind
// CONFIG GET/SET/REWRITE. Values are stored in the canonical text CONFIG GET returns.
import {readFileSync, writeFileSync, renameSync} from 'node:fs'
import {dirname, resolve} from 'node:path'
import {splitArgs} from '../resp/parser.js'
import {canonicalNotify} from './notify.js'

type Kind = 'int' | 'bool' | 'string' | 'memory' | 'enum'
interface OptDef {
  kind: Kind
  def: string
  immutable?: boolean
  values?: string[]
  min?: number
  max?: number
  /** hidden from CONFIG GET * (secrets are still returned by exact name, like redis) */
  alias?: string
  /** redis HIDDEN_CONFIG: CONFIG GET answers it only by its exact name, never for a pattern */
  hidden?: boolean
}

const MB = 1024 * 1024
// Defaults follow redis 7.0.15's built-in defaults, except bind (loopback, like the shipped redis.conf).
const DEFS: Record<string, OptDef> = {
  port: {kind: 'int', def: '6379', min: 0, max: 65535, immutable: true},
  bind: {kind: 'string', def: '127.0.0.1 -::1', immutable: true},
  'protected-mode': {kind: 'bool', def: 'yes'},
  dir: {kind: 'string', def: ''},
  dbfilename: {kind: 'string', def: 'dump.rdb'},
  logfile: {kind: 'string', def: '', immutable: true},
  loglevel: {kind: 'enum', def: 'notice', values: ['debug', 'verbose', 'notice', 'warning']},
  daemonize: {kind: 'bool', def: 'no', immutable: true},
  pidfile: {kind: 'string', def: '', immutable: true},
  databases: {kind: 'int', def: '16', min: 1, max: 1 << 30, immutable: true},
  requirepass: {kind: 'string', def: ''},
  // ACL (src/node/acl): `user` lines are collected in NodeConfig.users
  aclfile: {kind: 'string', def: '', immutable: true},
  'acllog-max-len': {kind: 'int', def: '128', min: 0, max: 2147483647},
  'acl-pubsub-default': {kind: 'enum', def: 'resetchannels', values: ['allchannels', 'resetchannels']},
  // Set by Redis's test-suite default.conf; accepted (no incremental rehashing / panics here).
  activerehashing: {kind: 'bool', def: 'yes'},
  // latency percentiles per command (INFO latencystats, src/node/insight.ts)
  'latency-tracking': {kind: 'bool', def: 'yes'},
  'propagation-error-behavior': {kind: 'enum', def: 'ignore', values: ['ignore', 'panic', 'panic-on-replicas']},
  masterauth: {kind: 'string', def: ''},
  masteruser: {kind: 'string', def: ''},
  replicaof: {kind: 'string', def: '', alias: 'slaveof'},
  'replica-read-only': {kind: 'bool', def: 'yes', alias: 'slave-read-only'},
  'proto-max-bulk-len': {kind: 'memory', def: String(512 * MB), min: MB},
  'client-query-buffer-limit': {kind: 'memory', def: String(1024 * MB), min: 1024 * 1024},
  'hll-sparse-max-bytes': {kind: 'memory', def: '3000', min: 0},
  maxclients: {kind: 'int', def: '10000', min: 1},
  maxmemory: {kind: 'memory', def: '0'},
  // src/node/memory: eviction sampling and LFU tuning; maxmemory-clients is accepted but client
  // eviction is not implemented (only keys are evicted)
  'maxmemory-samples': {kind: 'int', def: '5', min: 1, max: 64},
  'maxmemory-eviction-tenacity': {kind: 'int', def: '10', min: 0, max: 100},
  'maxmemory-clients': {kind: 'memory', def: '0'},
  'lfu-log-factor': {kind: 'int', def: '10', min: 0, max: 2147483647},
  'lfu-decay-time': {kind: 'int', def: '1', min: 0, max: 2147483647},
  'maxmemory-policy': {kind: 'enum', def: 'noeviction', values: ['volatile-lru', 'volatile-lfu', 'volatile-random', 'volatile-ttl', 'allkeys-lru', 'allkeys-lfu', 'allkeys-random', 'noeviction']},
  timeout: {kind: 'int', def: '0', min: 0},
  'tcp-keepalive': {kind: 'int', def: '300', min: 0},
  'tcp-backlog': {kind: 'int', def: '511', immutable: true},
  hz: {kind: 'int', def: '10', min: 1, max: 500},
  save: {kind: 'string', def: '3600 1 300 100 60 10000'},
  appendonly: {kind: 'bool', def: 'no'},
  appendfilename: {kind: 'string', def: 'appendonly.aof', immutable: true},
  appenddirname: {kind: 'string', def: 'appendonlydir', immutable: true},
  appendfsync: {kind: 'enum', def: 'everysec', values: ['always', 'everysec', 'no']},
  'aof-use-rdb-preamble': {kind: 'bool', def: 'yes'},
  'aof-load-truncated': {kind: 'bool', def: 'yes'},
  'aof-timestamp-enabled': {kind: 'bool', def: 'no'},
  'aof-rewrite-incremental-fsync': {kind: 'bool', def: 'yes'},
  'no-appendfsync-on-rewrite': {kind: 'bool', def: 'no'},
  'auto-aof-rewrite-percentage': {kind: 'int', def: '100', min: 0},
  'auto-aof-rewrite-min-size': {kind: 'memory', def: String(64 * MB)},
  'stream-node-max-bytes': {kind: 'memory', def: '4096', min: 0},
  'stream-node-max-entries': {kind: 'int', def: '100', min: 0},
  'cluster-enabled': {kind: 'bool', def: 'no', immutable: true},
  'cluster-config-file': {kind: 'string', def: 'nodes.conf', immutable: true},
  'cluster-node-timeout': {kind: 'int', def: '15000', min: 1},
  'cluster-port': {kind: 'int', def: '0', min: 0, max: 65535, immutable: true},
  'cluster-announce-ip': {kind: 'string', def: ''},
  'cluster-announce-port': {kind: 'int', def: '0', min: 0, max: 65535},
  'cluster-announce-bus-port': {kind: 'int', def: '0', min: 0, max: 65535},
  'cluster-announce-tls-port': {kind: 'int', def: '0', min: 0, max: 65535},
  'cluster-announce-hostname': {kind: 'string', def: ''},
  'cluster-preferred-endpoint-type': {kind: 'enum', def: 'ip', values: ['ip', 'hostname', 'unknown-endpoint']},
  'cluster-require-full-coverage': {kind: 'bool', def: 'yes'},
  'cluster-allow-reads-when-down': {kind: 'bool', def: 'no'},
  'cluster-allow-pubsubshard-when-down': {kind: 'bool', def: 'yes'},
  'cluster-replica-validity-factor': {kind: 'int', def: '10', min: 0, alias: 'cluster-slave-validity-factor'},
  'cluster-migration-barrier': {kind: 'int', def: '1', min: 0},
  'cluster-allow-replica-migration': {kind: 'bool', def: 'yes'},
  'cluster-replica-no-failover': {kind: 'bool', def: 'no', alias: 'cluster-slave-no-failover'},
  'cluster-link-sendbuf-limit': {kind: 'memory', def: '0'},
  'repl-backlog-size': {kind: 'memory', def: String(MB)},
  'repl-timeout': {kind: 'int', def: '60', min: 1},
  'repl-diskless-sync': {kind: 'bool', def: 'yes'},
  'repl-diskless-sync-delay': {kind: 'int', def: '5', min: 0},
  'repl-ping-replica-period': {kind: 'int', def: '10', min: 1, alias: 'repl-ping-slave-period'},
  'min-replicas-to-write': {kind: 'int', def: '0', min: 0, alias: 'min-slaves-to-write'},
  'min-replicas-max-lag': {kind: 'int', def: '10', min: 0, alias: 'min-slaves-max-lag'},
  'replica-priority': {kind: 'int', def: '100', min: 0, alias: 'slave-priority'},
  // replication (src/node/replication)
  'repl-backlog-ttl': {kind: 'int', def: '3600', min: 0},
  'repl-diskless-sync-max-replicas': {kind: 'int', def: '0', min: 0},
  'repl-diskless-load': {kind: 'enum', def: 'disabled', values: ['disabled', 'on-empty-db', 'swapdb']},
  'repl-disable-tcp-nodelay': {kind: 'bool', def: 'no'},
  'replica-serve-stale-data': {kind: 'bool', def: 'yes', alias: 'slave-serve-stale-data'},
  'replica-announce-ip': {kind: 'string', def: '', alias: 'slave-announce-ip'},
  'replica-announce-port': {kind: 'int', def: '0', min: 0, max: 65535, alias: 'slave-announce-port'},
  'replica-announced': {kind: 'bool', def: 'yes'},
  'replica-lazy-flush': {kind: 'bool', def: 'no', alias: 'slave-lazy-flush'},
  'shutdown-timeout': {kind: 'int', def: '10', min: 0},
  'client-output-buffer-limit': {kind: 'string', def: 'normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60'},
  'enable-debug-command': {kind: 'enum', def: 'no', values: ['no', 'yes', 'local'], immutable: true},
  'enable-protected-configs': {kind: 'enum', def: 'no', values: ['no', 'yes', 'local'], immutable: true},
  'enable-module-command': {kind: 'enum', def: 'no', values: ['no', 'yes', 'local'], immutable: true},
  'notify-keyspace-events': {kind: 'string', def: ''},
  'slowlog-log-slower-than': {kind: 'int', def: '10000'},
  'slowlog-max-len': {kind: 'int', def: '128', min: 0},
  'latency-monitor-threshold': {kind: 'int', def: '0', min: 0},
  'tracking-table-max-keys': {kind: 'int', def: '1000000', min: 0},
  'latency-tracking-info-percentiles': {kind: 'string', def: '50 99 99.9'},
  'lua-time-limit': {kind: 'int', def: '5000', alias: 'busy-reply-threshold'},
  'io-threads': {kind: 'int', def: '1', min: 1, immutable: true},
  'always-show-logo': {kind: 'bool', def: 'no', immutable: true},
  'lazyfree-lazy-user-del': {kind: 'bool', def: 'no'},
  'lazyfree-lazy-user-flush': {kind: 'bool', def: 'no'},
  'lazyfree-lazy-eviction': {kind: 'bool', def: 'no'},
  'lazyfree-lazy-expire': {kind: 'bool', def: 'no'},
  'lazyfree-lazy-server-del': {kind: 'bool', def: 'no'},
  'stop-writes-on-bgsave-error': {kind: 'bool', def: 'yes'},
  'rdbcompression': {kind: 'bool', def: 'yes'},
  'rdbchecksum': {kind: 'bool', def: 'yes'},
  // Redis's test-only knobs for slow loading/saving (its test suites set them). Accepted with
  // Redis's ranges; the embedded node loads and saves at full speed whatever they say.
  'loading-process-events-interval-bytes': {kind: 'int', def: String(2 * MB), min: 1024, max: 2147483647, hidden: true},
  'key-load-delay': {kind: 'int', def: '0', min: -2147483648, max: 2147483647, hidden: true},
  'rdb-key-save-delay': {kind: 'int', def: '0', min: -2147483648, max: 2147483647, hidden: true},
  // Encoding thresholds (src/node/keyspace/encoding.ts applies them; redis 7.0.15 config.c).
  'hash-max-listpack-entries': {kind: 'int', def: '512', min: 0, max: Number.MAX_SAFE_INTEGER, alias: 'hash-max-ziplist-entries'},
  'hash-max-listpack-value': {kind: 'memory', def: '64', min: 0, max: Number.MAX_SAFE_INTEGER, alias: 'hash-max-ziplist-value'},
  'set-max-intset-entries': {kind: 'int', def: '512', min: 0, max: Number.MAX_SAFE_INTEGER},
  'zset-max-listpack-entries': {kind: 'int', def: '128', min: 0, max: Number.MAX_SAFE_INTEGER, alias: 'zset-max-ziplist-entries'},
  'zset-max-listpack-value': {kind: 'memory', def: '64', min: 0, max: Number.MAX_SAFE_INTEGER, alias: 'zset-max-ziplist-value'},
  'list-max-listpack-size': {kind: 'int', def: '-2', min: -2147483648, max: 2147483647, alias: 'list-max-ziplist-size'},
  'list-compress-depth': {kind: 'int', def: '0', min: 0, max: 2147483647},
  'unixsocket': {kind: 'string', def: '', immutable: true},
  'unixsocketperm': {kind: 'string', def: '0', immutable: true},
  'supervised': {kind: 'enum', def: 'no', values: ['no', 'upstart', 'systemd', 'auto'], immutable: true},
}
const ALIASES = new Map<string, string>()
for (const [name, d] of Object.entries(DEFS)) if (d.alias) ALIASES.set(d.alias, name)

export class ConfigError extends Error {}

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

function canonicalNotifyConfig(raw: string): string {
  try {
    return canonicalNotify(raw)
  } catch (e) {
    throw new ConfigError((e as Error).message)
  }
}

function parseMemory(v: string): number {
  const m = /^(-?\d+)(k|kb|m|mb|g|gb|b)?$/i.exec(v.trim())
  if (!m) return NaN
  const mul: Record<string, number> = {'': 1, b: 1, k: 1000, kb: 1024, m: 1e6, mb: MB, g: 1e9, gb: 1024 * MB}
  return Number(m[1]) * mul[(m[2] ?? '').toLowerCase()]
}

export class NodeConfig {
  private values = new Map<string, string>()
  /** Where CONFIG REWRITE writes; undefined when started without a file. */
  file?: string
  /** Listeners for CONFIG SET (e.g. the server applies loglevel, the cluster node-timeout). */
  onChange: ((name: string, value: string) => void)[] = []

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
      case 'int':
      case 'memory': {
        const n = d.kind === 'int' ? (/^-?\d+$/.test(raw) ? Number(raw) : NaN) : parseMemory(raw)
        if (!Number.isSafeInteger(n)) throw new ConfigError(d.kind === 'int' ? 'argument couldn\'t be parsed into an integer' : 'argument must be a memory value')
        if ((d.min !== undefined && n < d.min) || (d.max !== undefined && n > d.max))
          throw new ConfigError(`argument must be between ${d.min ?? '-inf'} and ${d.max ?? 'inf'} inclusive`)
        v = String(n)
        break
      }
      case 'enum': {
        const l = raw.toLowerCase()
        if (!d.values!.includes(l)) throw new ConfigError(`argument(s) must be one of the following: ${d.values!.join(', ')}`)
        v = l
        break
      }
      default:
        if (key === 'dir' && raw !== '') v = resolve(raw)
        // --- rdb helper: save points, validated like redis setConfigSaveOption ---
        if (key === 'save') v = canonicalSave(raw)
        if (key === 'cluster-announce-hostname') checkAnnouncedHostname(raw)
        if (key === 'notify-keyspace-events') v = canonicalNotifyConfig(raw)
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
    for (const argv of directives) {
      const name = argv[0].toLowerCase()
      if (name === 'include') {
        if (argv.length !== 2) throw new ConfigError(`Bad directive or wrong number of arguments`)
        const path = resolve(baseDir, argv[1])
        this.applyDirectives(parseConfigText(readFileSync(path, 'latin1')), dirname(path))
        continue
      }
      if (name === 'user') {
        this.users.push(argv.slice(1))
        continue
      }
      if (!NodeConfig.isKnown(name)) throw new ConfigError(`Bad directive or wrong number of arguments ('${argv[0]}')`)
      // save "" / save 3600 1 300 100, bind a b c: multi-arg values are space-joined.
      const key = NodeConfig.canonicalName(name)
      const value = argv.slice(1).join(' ')
      if (key === 'save') {
        // The first `save` line replaces the default; later ones append; `save ""` clears.
        const cur = this.saveSeen ? this.get('save') : ''
        this.saveSeen = true
        const v = value === '' || value === '""' ? '' : cur === '' ? value : `${cur} ${value}`
        this.set('save', v)
      } else this.set(key, value)
    }
  }
  private saveSeen = false
  /** `user <name> <rules...>` directives, loaded by the ACL at startup (redis UsersToLoad). */
  readonly users: string[][] = []
  /** Extra lines for CONFIG REWRITE (the ACL's `user` lines). */
  readonly rewriteHooks: (() => string[])[] = []

  /** CONFIG REWRITE: write every non-default option back to the config file atomically. */
  rewrite(): void {
    if (!this.file) throw new ConfigError('The server is running without a config file')
    const lines = ['# Generated by redis-ts CONFIG REWRITE']
    for (const [name, d] of Object.entries(DEFS)) {
      const v = this.values.get(name)!
      if (v === d.def) continue
      lines.push(`${name} ${quote(v, name === 'save' || name === 'bind')}`)
    }
    for (const f of this.rewriteHooks) lines.push(...f())
    const tmp = `${this.file}.tmp-${process.pid}`
    writeFileSync(tmp, lines.join('\n') + '\n')
    renameSync(tmp, this.file)
  }
}

function quote(v: string, multi: boolean): string {
  if (v === '') return '""'
  if (multi) return v
  return /[\s"'\\]/.test(v) ? JSON.stringify(v) : v
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
 * redis-server's argv convention: an optional config file first, then `--name value...`
 * groups. `--save ''` and `--save` alone both mean "no snapshots".
 */
export function parseCommandLine(args: string[]): {file?: string; directives: string[][]} {
  let i = 0
  let file: string | undefined
  if (args.length > 0 && !args[0].startsWith('--')) file = args[i++]
  const directives: string[][] = []
  for (; i < args.length; i++) {
    const a = args[i]
    if (a.startsWith('--')) directives.push([a.slice(2)])
    else if (directives.length === 0) throw new ConfigError(`Unexpected argument '${a}'`)
    else directives[directives.length - 1].push(a)
  }
  return {file, directives}
}

/** Build a config from a file (optional) plus command-line directives; file values first. */
export function loadConfig(args: string[] | {file?: string; directives: string[][]}): NodeConfig {
  const parsed = Array.isArray(args) ? parseCommandLine(args) : args
  const cfg = new NodeConfig()
  if (parsed.file) {
    const path = resolve(parsed.file)
    cfg.file = path
    cfg.applyDirectives(parseConfigText(readFileSync(path, 'latin1')), dirname(path))
  }
  cfg.applyDirectives(parsed.directives)
  return cfg
}

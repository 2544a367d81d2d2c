// Server commands: INFO CONFIG TIME WAIT ROLE SHUTDOWN MEMORY DEBUG (SLOWLOG LATENCY MONITOR: observe.ts).
// WAIT/BGREWRITEAOF are placeholders the replication and AOF modules replace by registering
// their own specs under the same names. SAVE/BGSAVE/LASTSAVE are in persistence.ts.
import {ConfigApplyError, ConfigError, NodeConfig} from '../config.js'
import {E, ReplyError, ServerAssertion} from '../errors.js'
import {globMatch} from '../keyspace/glob.js'
import {datasetDigest, valueDigest} from '../keyspace/digest.js'
import {ADMIN_FLAGS as A, cmd, helpSubcommand, replyHelp, type CommandContext, type CommandSpec} from './types.js'
import type {ShutdownOptions} from '../server.js'
import {infoText} from './info.js'
import {debugReload} from '../persistence/startup.js'
import {intArg, is} from './util.js'
import {codeLocation, crashBySignal, serverPanic} from '../crash.js'
import {memoryUsage} from '../keyspace/memory-usage.js'
import {memoryDoctor, memoryStats} from './memory-stats.js'
import {allowProtectedAction} from '../protected.js'
import {DEBUG_HELP} from './debug-help.js'


const MEMORY_HELP = [
  'MEMORY <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
  'DOCTOR',
  '    Return memory problems reports.',
  'MALLOC-STATS',
  '    Return internal statistics report from the memory allocator.',
  'PURGE',
  '    Attempt to purge dirty pages for reclamation by the allocator.',
  'STATS',
  '    Return information about the memory usage of the server.',
  'USAGE <key> [SAMPLES <count>]',
  '    Return memory in bytes used by <key> and its value. Nested values are',
  '    sampled up to <count> times (default: 5, 0 means sample all).',
  'HELP',
  '    Prints this help.',
]

export const commands: CommandSpec[] = [
  cmd('info', -1, ['loading', 'stale'], 0, (ctx, a) => ctx.reply.verbatim(infoText(ctx.server, a.slice(1)))),
  {
    ...cmd('config', -2, [], 0, () => undefined),
    subcommands: [
      cmd('get', -3, ['admin', 'noscript', 'loading', 'stale'], 0, configGet),
      cmd('set', -4, ['admin', 'noscript', 'loading', 'stale'], 0, configSet),
      cmd('rewrite', 2, [...A], 0, configRewrite),
      cmd('resetstat', 2, [...A], 0, (ctx) => {
        for (const k of Object.keys(ctx.server.stats) as (keyof typeof ctx.server.stats)[]) ctx.server.stats[k] = 0
        ctx.server.insight.resetStats()
        // redis resetServerStats: sync_full / sync_partial_ok / sync_partial_err and the keyspace counters too
        const rs = ctx.server.replication?.stats
        if (rs) rs.syncFull = rs.syncPartialOk = rs.syncPartialErr = 0
        for (const [, d] of ctx.server.databases()) d.stats.expiredKeys = 0
        ctx.reply.ok()
      }),
      helpSubcommand([
        'CONFIG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
        'GET <pattern>',
        '    Return parameters matching the glob-like <pattern> and their values.',
        'SET <directive> <value>',
        '    Set the configuration <directive> to <value>.',
        'RESETSTAT',
        '    Reset statistics reported by the INFO command.',
        'REWRITE',
        '    Rewrite the configuration file.',
        'HELP',
        '    Prints this help.',
      ]),
    ],
  },
  cmd('time', 1, ['loading', 'stale', 'fast'], 0, (ctx) => {
    const us = BigInt(Math.floor(performance.timeOrigin * 1000 + performance.now() * 1000))
    ctx.reply.array(2)
    ctx.reply.bulk(String(us / 1000000n))
    ctx.reply.bulk(String(us % 1000000n))
  }),
  cmd('wait', 3, ['noscript'], 0, (ctx, a) => {
    intArg(a[1])
    const t = intArg(a[2])
    if (t < 0) return ctx.reply.error('ERR timeout is negative')
    ctx.reply.integer(0)
  }),
  cmd('role', 1, ['noscript', 'loading', 'stale', 'fast'], 0, (ctx) => {
    ctx.reply.array(3)
    ctx.reply.bulk('master')
    ctx.reply.integer(0)
    ctx.reply.array(0)
  }),
  cmd('shutdown', -1, ['admin', 'noscript', 'loading', 'stale', 'no-multi'], 0, shutdown),
  cmd('bgrewriteaof', 1, ['admin', 'noscript'], 0, (ctx) => ctx.reply.error('ERR persistence is not available in this node build')),
  {
    ...cmd('memory', -2, [], 0, () => undefined),
    subcommands: [
      cmd('usage', -3, ['readonly'], [2, 2, 1], memoryUsageCommand),
      cmd('doctor', 2, [], 0, (ctx) => ctx.reply.verbatim(memoryDoctor(ctx))),
      cmd('stats', 2, [], 0, memoryStats),
      cmd('purge', 2, [], 0, (ctx) => ctx.reply.ok()),
      // What a redis-server built without jemalloc (MALLOC=libc) answers: V8 owns the heap here.
      cmd('malloc-stats', 2, [], 0, (ctx) => ctx.reply.bulk('Stats not supported for the current allocator')),
      helpSubcommand(MEMORY_HELP),
    ],
  },
  cmd('debug', -2, ['admin', 'noscript', 'loading', 'stale', 'protected'], 0, debug),
]

/**
 * redis configGetCommand: a name without glob characters answers under the name as given (any
 * case), a pattern matches the table's names case-insensitively (hidden settings excepted); each
 * entry once, compared case-insensitively (an alias is an entry of its own).
 */
function configGet(ctx: CommandContext, argv: string[]): void {
  const cfg = ctx.server.config
  const found = new Map<string, [string, string]>()
  for (const pat of argv.slice(2)) {
    if (!/[*?[]/.test(pat)) {
      const key = pat.toLowerCase()
      if (!found.has(key) && NodeConfig.isKnown(pat)) found.set(key, [pat, cfg.get(pat)])
      continue
    }
    const p = pat.toLowerCase()
    for (const name of cfg.names()) if (!found.has(name) && globMatch(p, name)) found.set(name, [name, cfg.get(name)])
  }
  ctx.reply.map(found.size)
  for (const [k, v] of found.values()) {
    ctx.reply.bulk(k)
    ctx.reply.bulk(v)
  }
}

function configSet(ctx: CommandContext, argv: string[]): void | Promise<void> {
  if (argv.length % 2 !== 0) return ctx.reply.error('ERR syntax error')
  const cfg = ctx.server.config
  // [canonical name, value, the table entry's name: an alias is an entry of its own in redis,
  // whose name a failure to set it reports]
  const pairs: [string, string, string][] = []
  // redis configSetCommand: the first bad name (unknown, immutable, repeated) fails the command
  // before anything is set; an unknown name has its own error text.
  const seen = new Set<string>()
  for (let i = 2; i < argv.length; i += 2) {
    const name = argv[i]
    if (!NodeConfig.isKnown(name)) return ctx.reply.error(`ERR Unknown option or number of arguments for CONFIG SET - '${name}'`)
    const canonical = NodeConfig.canonicalName(name)
    // an alias is its own table entry in redis: "x-ziplist-y" and "x-listpack-y" are not duplicates
    const fail = (why: string) => ctx.reply.error(`ERR CONFIG SET failed (possibly related to argument '${name}') - ${why}`)
    if (NodeConfig.isImmutable(name)) return fail("can't set immutable config")
    if (PROTECTED_CONFIGS.has(canonical) && !allowProtectedAction(ctx.session, 'enable-protected-configs')) return fail("can't set protected config")
    // redis DENY_LOADING_CONFIG: refused while the dataset loads (after the two checks above)
    // (redis server.loading is also set while a replica loads its master's payload, async or not)
    if ((ctx.server.loading || ctx.server.replication?.master?.loadingState() != null) && DENY_LOADING_CONFIGS.has(canonical)) return ctx.reply.error(E.LOADING)
    if (seen.has(name.toLowerCase())) return fail('duplicate parameter')
    seen.add(name.toLowerCase())
    pairs.push([canonical, argv[i + 1], name.toLowerCase()])
  }
  // All-or-nothing: set in order; the first value refused restores every earlier one.
  const before = pairs.map(([n]) => [n, cfg.get(n)] as const)
  for (const [n, v, entry] of pairs) {
    try {
      cfg.set(n, v, true)
    } catch (e) {
      if (e instanceof ConfigApplyError) ctx.server.log.warning(`Failed applying new configuration. Possibly related to new ${entry} setting. Restoring previous settings.`)
      for (const [bn, bv] of before) cfg.set(bn, bv, true) // listeners see the old values again
      const reason = e instanceof ConfigError ? e.message : String(e)
      return ctx.reply.error(`ERR CONFIG SET failed (possibly related to argument '${entry}') - ${reason}`)
    }
  }
  const moved = listenerChange(before, cfg)
  // the TLS listeners move with tls-port, and with bind while there are any
  const tlsMoved = before.some(([n, v]) => n === 'tls-port' && cfg.get(n) !== v) || (moved === 'bind' && cfg.int('tls-port') !== 0)
  if (moved === null && !tlsMoved) return ctx.reply.ok()
  return relistenOrRestore(ctx, before, moved, tlsMoved)
}

/** The option whose new value moves the TCP listeners (redis applyBind before updatePort), or null. */
function listenerChange(before: readonly (readonly [string, string])[], cfg: NodeConfig): 'bind' | 'port' | null {
  let moved: 'bind' | 'port' | null = null
  for (const [n, v] of before) {
    const key = NodeConfig.canonicalName(n)
    if ((key === 'bind' || key === 'port') && cfg.get(key) !== v && moved !== 'bind') moved = key
  }
  return moved
}

/** redis configSetCommand's apply step: on failure every option goes back and is applied again. */
async function relistenOrRestore(ctx: CommandContext, before: readonly (readonly [string, string])[], moved: 'bind' | 'port' | null, tlsMoved: boolean): Promise<void> {
  // a new port is bound before the old listeners close (redis changeListenPort); new bind
  // addresses after they closed (changeBindAddr), so only then is there something to reopen
  const closeFirst = moved === 'bind'
  try {
    if (moved !== null) await ctx.server.relisten(closeFirst)
  } catch (e) {
    // the TLS listeners were not touched yet; the plain ones are gone only if a bind change closed them
    return restoreListeners(ctx, before, moved!, e as Error, closeFirst ? true : null, false)
  }
  if (tlsMoved) {
    try {
      await ctx.server.relistenTls(closeFirst)
    } catch (e) {
      // the plain listeners moved and go back; the TLS ones are gone if a bind change closed them.
      // A bind change that failed on the TLS listeners fails as a bind change (redis changeBindAddr)
      return restoreListeners(ctx, before, moved === 'bind' ? 'bind' : 'tls-port', e as Error, moved !== null ? closeFirst : null, closeFirst)
    }
  }
  return ctx.reply.ok()
}

/**
 * A listener could not move: every option back, and listened on again where the change left none
 * on the old addresses or ports — the plain listeners when `plain` is not null (true: close before
 * binding, as a bind change), the TLS ones when `tls` (redis changeBindAddr restores both).
 */
async function restoreListeners(ctx: CommandContext, before: readonly (readonly [string, string])[], what: 'bind' | 'port' | 'tls-port', e: Error, plain: boolean | null, tls: boolean): Promise<void> {
  const server = ctx.server
  server.log.warning(`Failed applying new configuration (${e.message}). Possibly related to new ${what} setting. Restoring previous settings.`)
  for (const [n, v] of before) server.config.set(n, v, true)
  const again = (e2: Error) => server.log.warning(`Could not listen again on the previous addresses: ${e2.message}`)
  if (plain !== null) await server.relisten(plain).catch(again)
  if (tls) await server.relistenTls(true).catch(again)
  const reason = what === 'bind' ? 'Failed to bind to specified addresses.' : what === 'port' ? 'Unable to listen on this port. Check server logs.' : e.message
  return ctx.reply.error(`ERR CONFIG SET failed (possibly related to argument '${what}') - ${reason}`)
}

/** redis DENY_LOADING_CONFIG */
const DENY_LOADING_CONFIGS = new Set(['appendonly', 'repl-diskless-load', 'dir'])

/** redis PROTECTED_CONFIG: settable only as `enable-protected-configs` allows. */
const PROTECTED_CONFIGS = new Set(['dir', 'dbfilename'])

function configRewrite(ctx: CommandContext): void {
  try {
    ctx.server.config.rewrite()
    ctx.reply.ok()
  } catch (e) {
    const msg = (e as Error).message
    if (e instanceof ConfigError) ctx.reply.error(`ERR ${msg}`)
    else ctx.reply.error(`ERR Rewriting config file: ${msg}`)
  }
}

function shutdown(ctx: CommandContext, argv: string[]): void | Promise<void> {
  const opts: ShutdownOptions = {}
  for (const a of argv.slice(1)) {
    const f = a.toLowerCase()
    if (f === 'nosave') opts.nosave = true
    else if (f === 'save') opts.save = true
    else if (f === 'now') opts.now = true
    else if (f === 'force') opts.force = true
    else if (f !== 'abort') return ctx.reply.error(E.SYNTAX)
  }
  if (opts.save && opts.nosave) return ctx.reply.error(E.SYNTAX)
  if (argv.some((a) => is(a, 'abort'))) {
    if (argv.length !== 2) return ctx.reply.error(E.SYNTAX)
    if (!ctx.server.abortShutdown()) return ctx.reply.error('ERR No shutdown in progress.')
    return ctx.reply.ok()
  }
  // On success there is no reply: server.close() drops the connection, as with redis-server.
  // While the shutdown waits for lagging replicas the caller is blocked (redis BLOCKED_SHUTDOWN).
  const s = ctx.session
  s.flags.add('blocked')
  return ctx.server.shutdown('User requested shutdown...', opts).then((ok) => {
    s.flags.delete('blocked')
    if (!ok) ctx.reply.error(E.SHUTDOWN_FAILED)
  })
}

function memoryUsageCommand(ctx: CommandContext, argv: string[]): void {
  let samples = 5
  for (let j = 3; j < argv.length; j++) {
    if (is(argv[j], 'samples') && j + 1 < argv.length) {
      samples = intArg(argv[++j])
      if (samples < 0) return ctx.reply.error(E.SYNTAX)
    } else return ctx.reply.error(E.SYNTAX)
  }
  const v = ctx.db.peekRaw(argv[2])
  if (v === undefined) return ctx.reply.nil()
  ctx.reply.integer(memoryUsage(argv[2], v, {samples, clusterEnabled: ctx.server.clusterEnabled, stringEncoding: ctx.db.stringEncoding(argv[2]), sds: ctx.db.stringSds(argv[2])}))
}

// enable-debug-command is checked by the dispatcher (the 'protected' flag, src/node/protected.ts)
function debug(ctx: CommandContext, argv: string[]): void | Promise<void> {
  const sub = argv[1].toLowerCase()
  if (sub === 'sleep' && argv.length === 3) {
    // Redis nanosleeps in the main thread: the whole node stops (no clients, no bus, no replication
    // link), which Redis's tests rely on to hold a replica back. strtod: junk reads as 0.
    const ms = Number.parseFloat(argv[2]) * 1000
    // A node sharing its process with others (src/node/host.ts) stops alone: frozen, not blocking
    // the thread the other nodes run on.
    if (ms > 0 && ctx.server.hosted) {
      const server = ctx.server
      server.freeze('sleep', true)
      return new Promise<void>((done) => {
        setTimeout(() => {
          server.freeze('sleep', false)
          ctx.reply.ok()
          done()
        }, ms)
      })
    }
    if (ms > 0) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms)
    return ctx.reply.ok()
  }
  if (sub === 'error' && argv.length === 3) {
    // redis: "-" + the string (CR/LF as spaces) written as raw protocol, not through
    // addReplyError: no ERR prefix, and not counted in errorstats or as a failed call. Clients'
    // tests fake server errors with it (redis-py: DEBUG ERROR "LOADING fake message").
    return ctx.reply.raw('-' + argv[2].replace(/[\r\n]/g, ' ') + '\r\n')
  }
  if (sub === 'log' && argv.length === 3) {
    ctx.server.log.warning(`DEBUG LOG: ${argv[2]}`)
    return ctx.reply.ok()
  }
  if (sub === 'digest' && argv.length === 2) return ctx.reply.simple(datasetDigest(ctx.server.databases()))
  if (sub === 'digest-value') {
    // status replies; the stored value even when its TTL has passed (redis dictFind, not lookupKey)
    ctx.reply.array(argv.length - 2)
    for (const k of argv.slice(2)) ctx.reply.simple(valueDigest(ctx.db.peekRaw(k), ctx.db.getExpire(k) !== undefined))
    return
  }
  if (sub === 'reload') {
    const err = debugReload(ctx.server, argv.slice(2))
    return err === null ? ctx.reply.ok() : ctx.reply.error(err)
  }
  if (sub === 'set-active-expire' && argv.length === 3) {
    // redis: stops only activeExpireCycle; keys still expire when looked up.
    for (let i = 0; i < ctx.server.databaseCount; i++) ctx.server.db(i).activeExpireEnabled = argv[2] !== '0'
    return ctx.reply.ok()
  }
  // redis faults on purpose / panics: the crash report, then death by SIGSEGV / SIGABRT (crash.ts)
  if (sub === 'segfault') crashBySignal(ctx.server, 'SIGSEGV', new Error().stack, {session: ctx.session, argv})
  if (sub === 'assert') {
    // serverAssertWithInfo(c, c->argv[0], 1 == 2): the client and argv[0] first, then the report; the node stops
    throw new ServerAssertion(codeLocation(new Error().stack), '1 == 2', false, undefined, [
      '=== ASSERTION FAILED CLIENT CONTEXT ===',
      'client->flags = 0',
      `client->conn = fd=${ctx.session.fd}`,
      `client->argc = ${argv.length}`,
      ...argv.map((a, j) => `client->argv[${j}] = "${a}" (refcount: 1)`),
      '=== ASSERTION FAILED OBJECT CONTEXT ===',
      'Object type: 0',
      `Object encoding: ${argv[0].length <= 44 ? 8 : 0}`,
      'Object refcount: 1',
    ])
  }
  if (sub === 'oom') {
    // zmalloc(LONG_MAX): malloc fails, redisOutOfMemoryHandler logs and panics
    const size = '9223372036854775807'
    ctx.server.log.warning(`Out Of Memory allocating ${size} bytes!`)
    serverPanic(ctx.server, `Redis aborting for OUT OF MEMORY. Allocating ${size} bytes!`, new Error().stack, {session: ctx.session, argv})
  }
  if (sub === 'panic') serverPanic(ctx.server, `DEBUG PANIC called at Unix time ${Math.floor(Date.now() / 1000)}`, new Error().stack, {session: ctx.session, argv})
  if (sub === 'populate' && argv.length >= 3 && argv.length <= 5) return debugPopulate(ctx, argv)
  if (sub === 'help' && argv.length === 2) return debugHelp(ctx)
  const ext = ctx.server.debugSubcommands.get(sub)
  if (ext) return ext.handler(ctx, argv)
  ctx.reply.error(`ERR unknown subcommand or wrong number of arguments for '${argv[1]}'. Try DEBUG HELP.`)
}

/**
 * DEBUG DIGEST: one hex signature of every db's keys, values and expiries; equal datasets give equal
 * digests whatever the insertion order (per-key hashes XOR-ed), an empty dataset gives 40 zeros as
 * in Redis. Compares embedded nodes with each other (not with redis-server's digest).
 */
/** getPositiveLongFromObjectOrReply. */
function positiveArg(s: string): number {
  // getPositiveLongFromObjectOrReply: one message for a non-integer and a negative alike.
  const n = intArg(s, 'ERR value is out of range, must be positive')
  if (n < 0) throw new ReplyError('ERR value is out of range, must be positive')
  return n
}

/**
 * DEBUG POPULATE count [prefix] [size]: prefix:0..count-1 = "value:<j>" (cut or zero-padded to size),
 * existing keys skipped. Like Redis's dbAdd here: not propagated, dirty untouched, slots ignored.
 */
function debugPopulate(ctx: CommandContext, argv: string[]): void {
  const count = positiveArg(argv[2])
  const size = argv.length === 5 ? positiveArg(argv[4]) : 0
  const prefix = argv.length === 3 ? 'key' : argv[3]
  const dbIndex = ctx.session.dbIndex
  // signalModifiedKey without server.dirty++: the dispatcher propagates a command that moved dirty.
  const dirty = ctx.server.dirty
  for (let j = 0; j < count; j++) {
    const key = `${prefix}:${j}`
    if (ctx.db.has(key)) continue
    const v = `value:${j}`
    ctx.server.beforeWrite(dbIndex, [key])
    ctx.db.set(key, size === 0 ? v : v.slice(0, size).padEnd(size, '\0'))
    ctx.server.keyModified(dbIndex, key)
  }
  ctx.server.dirty = dirty
  ctx.reply.ok()
}

/** addReplyHelp: redis's list (the subcommands other modules register carry their own help for
 *  reference only; redis's help does not list the node's extras), HELP last. */
function debugHelp(ctx: CommandContext): void {
  replyHelp(ctx, ['DEBUG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:', ...DEBUG_HELP, 'HELP', '    Prints this help.'])
}

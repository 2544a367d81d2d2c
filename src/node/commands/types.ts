// The command-table API every command group is written against.
//
// HOW A GROUP PLUGS IN
//   1. Create src/node/commands/<group>.ts exporting `export const commands: CommandSpec[] = [...]`
//      (the registration table comes first in the file, handlers below it).
//   2. Add it to the GROUPS list in src/node/commands/index.ts.
//   Modules outside this folder (cluster, persistence, replication) register at runtime instead:
//   `server.commands.register(specs)` (e.g. from createCluster(server)); a later registration of
//   the same name replaces the earlier one.
//
// HANDLER CONTRACT
//   - argv includes the command name at argv[0]; strings are latin1 (one char = one byte).
//   - Write exactly one reply through ctx.reply (RESP2/RESP3 is handled by the writer).
//   - Errors: `ctx.reply.error(E.SYNTAX)` or `throw new ReplyError(E.WRONGTYPE)` (src/node/errors.ts).
//     Any other exception becomes "-ERR ..." and is logged.
//   - Every keyspace mutation must be followed by ctx.afterWrite(key) (once per key touched):
//     it bumps the dirty counter, invalidates WATCH, wakes blocked clients and is where
//     replication/AOF learn that this command must be propagated (ctx.afterKeyChange(key) when
//     only the key's TTL, name or database changed, not its value). Delete aggregates that
//     became empty (Redis never keeps empty lists/hashes/sets/zsets).
//   - A handler may return a Promise (blocking commands, MIGRATE); the session processes no
//     further command until it settles, so replies stay in order.
//   - Key positions (firstKey/lastKey/step or keys()) are what the dispatcher hands to the
//     cluster slot verdict; handlers never compute slots for redirection.
import type {RespWriter} from '../../resp/writer.js'
import type {Clock} from '../clock.js'
import type {Keyspace} from '../keyspace/keyspace.js'
import type {NodeServer} from '../server.js'
import type {Session} from '../session.js'
import type {Verdict} from '../verdict.js'

export type CommandFlag =
  | 'write'
  | 'readonly'
  | 'admin'
  | 'noauth'
  | 'loading'
  | 'stale'
  | 'fast'
  | 'pubsub'
  | 'noscript'
  | 'blocking'
  | 'denyoom'
  | 'no-multi'
  /** allowed while a RESP2 connection is in subscribed mode */
  | 'subscribed-ok'
  /** redis CMD_PROTECTED (DEBUG, MODULE LOAD/LOADEX/UNLOAD): gated by enable-debug-command /
   *  enable-module-command in the dispatcher (src/node/protected.ts); not shown by COMMAND INFO */
  | 'protected'

export type HandlerResult = void | Promise<void>
export type Handler = (ctx: CommandContext, argv: string[]) => HandlerResult

export interface CommandSpec {
  /** lower-case; for subcommands just the subcommand word ("get" under "config") */
  name: string
  /** Redis convention: n>0 exactly n args, n<0 at least -n; counts the command name (and subcommand) */
  arity: number
  flags: CommandFlag[]
  /** 1-based positions in argv; 0 = no keys. lastKey -1 = last arg, -2 = second to last. */
  firstKey: number
  lastKey: number
  step: number
  /** For commands whose keys are not a simple range (ZUNIONSTORE, XREAD, MIGRATE, EVAL ...): argv indices of keys. */
  keys?: (argv: string[]) => number[]
  handler: Handler
  /** Container commands (CONFIG, CLIENT, OBJECT ...): dispatch on argv[1]; the container's handler is unused. */
  subcommands?: CommandSpec[]
  /** ACL categories shown by COMMAND INFO/DOCS, e.g. ['@string','@fast'] (optional). */
  categories?: string[]
  /** One-line summary for COMMAND DOCS (optional). */
  summary?: string
  group?: string
  /** Set by the command table for subcommands: "config|get" (used in error texts). */
  fullname?: string
  /**
   * redis getCommandFlags: flags that depend on the arguments (EVAL/EVALSHA/FCALL take the flags
   * their script declares); null when the registered flags apply. The dispatcher's checks
   * (cluster verdict, guards, MULTI queueing) use them; the handler is not affected.
   */
  flagsOf?: (server: NodeServer, argv: string[]) => CommandFlag[] | null
  /** INFO commandstats counters (src/node/insight.ts), created on first call */
  stats?: import('../insight.js').CommandStats
}

export interface CommandContext {
  readonly server: NodeServer
  readonly session: Session
  readonly reply: RespWriter
  /** The session's selected database. */
  readonly db: Keyspace
  readonly clock: Clock
  /**
   * The single write path: call after mutating `key` (see header). `changes` is what redis adds to
   * its dirty counter for it (default 1; e.g. SADD the members added, HSET the pairs given, 0 for the
   * second key of a RENAME), which INFO's rdb_changes_since_last_save and the save points count.
   */
  afterWrite(key: string, changes?: number): void
  /**
   * afterWrite for a key whose value was not written, only its TTL, name or database (EXPIRE,
   * PERSIST, RENAME, MOVE, COPY's copy): signalled and counted alike, but not a write of the value,
   * so a hash is not converted to a hashtable there (redis converts in hashTypeSet only).
   */
  afterKeyChange(key: string, changes?: number): void
  /** Count a write that touches no particular key (FLUSHALL, SWAPDB ...). */
  afterWriteAll(): void
  /**
   * Replace what replication/AOF sees for this command (e.g. EXPIRE -> PEXPIREAT,
   * INCRBYFLOAT -> SET). May be called several times to emit several commands; more than one
   * command reaches replicas wrapped in MULTI/EXEC (src/node/propagate.ts). Nothing is propagated
   * unless the command moved the dirty counter (afterWrite); propagateNothing() in util.ts
   * suppresses it for a write that changed nothing.
   */
  propagateAs(argv: string[]): void
  /** redis forceCommandPropagation: propagate this command even if the dirty counter did not move. */
  forcePropagation(): void
}

/** A DEBUG subcommand contributed by another module (server.debugSubcommands, keyed by lower-case
 *  name). DEBUG HELP answers redis's own list (commands/server.ts DEBUG_HELP), not these. */
export interface DebugSubcommand {
  /** argv as received (argv[1] is the subcommand); replies exactly once. */
  handler: Handler
}

/** Installed by the cluster module (src/node/cluster) when cluster-enabled; absent otherwise. */
export interface ClusterHooks {
  /**
   * Decide whether this node serves the command. `keys` are the key strings from the spec's
   * key positions (empty for keyless commands; EXEC passes the union of the queued keys).
   * Return null or {kind:'ok'} to serve. Sets `session.clusterSlot` to the first key's slot (-1
   * without keys), as getNodeByQuery returns redis's c->slot.
   */
  verdict(session: Session, spec: CommandSpec, argv: string[], keys: string[]): Verdict | null
  /** PUBLISH fan-out over the bus (local delivery is done by the node itself). */
  publish?(channel: string, message: string): void
  /** SPUBLISH: PUBLISHSHARD to the other nodes of this shard only. */
  publishShard?(channel: string, message: string): void
  /** Text of INFO's "# Cluster" section body lines (default "cluster_enabled:1"). */
  infoLines?(): string[]
  /** Called on shutdown (SHUTDOWN, SIGTERM) before the process exits: save nodes.conf etc. */
  shutdown?(): Promise<void> | void
  /** redis_mode in INFO, role etc. may consult this: true when this node is a replica. */
  isReplica?(): boolean
}

/** What src/node/cluster/index.ts must export as `createCluster`. */
export interface ClusterModule {
  hooks: ClusterHooks
  commands: CommandSpec[]
  start?(): Promise<void> | void
  stop?(): Promise<void> | void
  /** The node's process dies (a hosted node killed: src/node/host.ts): stop at once, writing nothing. */
  kill?(): void
  /** the bus port it listens on, once started (RunningNode.busPort) */
  busPort?(): number
}
export type ClusterFactory = (server: NodeServer) => ClusterModule | Promise<ClusterModule>

/** argv indexes of the keys of a command, from its registration table (the node's own key positions). */
export function keyIndexes(spec: CommandSpec, argv: string[]): number[] {
  if (spec.keys) return spec.keys(argv)
  if (spec.firstKey <= 0) return []
  const last = spec.lastKey < 0 ? argv.length + spec.lastKey : spec.lastKey
  const out: number[] = []
  for (let i = spec.firstKey; i <= last && i < argv.length; i += spec.step || 1) out.push(i)
  return out
}

/**
 * Helper for tables: spec with defaults for keyless commands. Every spec has every field, in one
 * order, from the start (the command table fills group/fullname/categories, the first call stats):
 * one object shape for all commands, so the dispatcher's property loads stay monomorphic and a
 * command's first call does not deoptimise it (a fresh node's reshard met MIGRATE, RESTORE-ASKING,
 * SETSLOT ... for the first time in optimised code).
 */
export function cmd(
  name: string,
  arity: number,
  flags: CommandFlag[],
  keys: [first: number, last: number, step: number] | 0,
  handler: Handler,
  extra: Partial<CommandSpec> = {},
): CommandSpec {
  const [firstKey, lastKey, step] = keys === 0 ? [0, 0, 0] : keys
  return canonicalSpec({name, arity, flags, firstKey, lastKey, step, handler, ...extra})
}

/** `spec` as an object of the one shape every command spec has (see cmd). */
function canonicalSpec(spec: CommandSpec): CommandSpec {
  return {
    name: spec.name, arity: spec.arity, flags: spec.flags, firstKey: spec.firstKey, lastKey: spec.lastKey, step: spec.step,
    keys: spec.keys, handler: spec.handler, subcommands: spec.subcommands, categories: spec.categories, summary: spec.summary,
    group: spec.group, fullname: spec.fullname, flagsOf: spec.flagsOf, stats: spec.stats,
  }
}

/** Flags of the administrative subcommands (CONFIG SET, SLOWLOG RESET, ACL SETUSER, ...). */
export const ADMIN_FLAGS: readonly CommandFlag[] = ['admin', 'noscript', 'loading', 'stale']

/** redis addReplyHelp: one status line per entry. */
export function replyHelp(ctx: CommandContext, lines: readonly string[]): void {
  ctx.reply.array(lines.length)
  for (const l of lines) ctx.reply.simple(l)
}

/** The `<COMMAND> HELP` subcommand of a container command, replying `lines` as addReplyHelp. */
export function helpSubcommand(lines: readonly string[], extra: Partial<CommandSpec> = {}): CommandSpec {
  return cmd('help', 2, ['loading', 'stale'], 0, (ctx) => replyHelp(ctx, lines), extra)
}

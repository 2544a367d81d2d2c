// processCommand (redis server.c) for one parsed request: lookup -> arity -> protected -> auth ->
// cluster slot verdict -> guards -> pub/sub context -> MULTI queueing -> call. `call` runs
// the handler, turns exceptions into replies, and propagates writes (dirty counter moved).
import {E, ReplyError, sanitize, ServerAssertion, unknownCommand, unknownSubcommand, wrongArity} from './errors.js'
import {logAssertion} from './crash.js'
import type {CommandSpec, HandlerResult} from './commands/types.js'
import type {Session} from './session.js'
import type {CommandGuard} from './server.js'
import {verdictError} from './verdict.js'
import {activeBatch, closeBatch, openBatch, propagateOps, suspendBatch, type Batch} from './propagate.js'
import {ACL_OK, nopermError} from './acl/acl.js'
import {pausedServers, postponeIfPaused, touchesKeyspace} from './pause.js'
import {blockedCall, feedBeforeRun, finishCall, rejectedCall} from './insight.js'
import {trackAfterCall, trackingClients, trackingLimitBeforeCommand} from './tracking.js'

export {keyIndexes} from './commands/types.js'

export {hasKeys, keysOf} from './command-keys.js'
import {hasKeys, keysOf} from './command-keys.js'
import {referenceInfoTable} from './commands/command-reference-reply.js'
import {protectedCommandError} from './protected.js'
import {isCollectionLimit, memberLimitError} from './keyspace/member-limit.js'

/** Commands that run immediately even inside MULTI. */
const MULTI_CONTROL = new Set(['exec', 'discard', 'multi', 'watch', 'quit', 'reset'])

function reject(s: Session, err: string, spec?: CommandSpec): void {
  s.reply.error(err)
  if (s.multi) s.multi.aborted = true
  s.server.stats.rejectedCalls++
  rejectedCall(s, spec)
}

/** redis discardTransaction: the transaction and its WATCHes are gone. */
function discardTransaction(s: Session): void {
  if (s.multi === null) return
  s.multi = null
  s.server.unwatchAll(s)
}

/**
 * redis rejectCommand: a rejected EXEC aborts the transaction (execCommandAbort), whether or not
 * one is open. `sdsErr`: redis rejectCommandSds/rejectCommandFormat, whose text has no ERR code
 * word in front, which EXECABORT's message then quotes as it is.
 */
function rejectCommand(s: Session, spec: CommandSpec, err: string, sdsErr = false): void {
  if (spec.name === 'exec') {
    discardTransaction(s)
    return reject(s, `EXECABORT Transaction discarded because of: ${sdsErr && err.startsWith('ERR ') ? err.slice(4) : err}`, spec)
  }
  reject(s, err, spec)
}

/** Resolve command + subcommand; writes the error reply and returns null when unknown. */
export function resolveCommand(s: Session, argv: string[]): CommandSpec | null {
  const spec = s.server.commands.lookup(argv[0])
  if (spec === undefined) {
    s.lastCommand = 'NULL' // redis processCommand: c->lastcmd = NULL (CLIENT LIST cmd=NULL)
    reject(s, unknownCommand(argv))
    return null
  }
  if (spec.subcommands === undefined || argv.length < 2) return spec
  const sub = s.server.commands.lookupSub(spec, argv[1])
  if (sub === undefined) {
    s.lastCommand = 'NULL'
    reject(s, unknownSubcommand(argv[1], spec.name))
    return null
  }
  return sub
}

export function dispatch(s: Session, argv: string[]): HandlerResult {
  const server = s.server
  const spec = resolveCommand(s, argv)
  // redis c->cmd, which resetClient reads once the request is done (src/node/session.ts)
  s.cmd = spec
  if (spec === null) return
  const fullname = spec.fullname ?? spec.name
  // redis processCommand sets c->lastcmd at lookup: a rejected command is the one the CRITICAL
  // and replica-reply log lines name
  s.lastCommand = fullname
  const argc = argv.length
  if ((spec.arity > 0 && argc !== spec.arity) || argc < -spec.arity) return rejectCommand(s, spec, wrongArity(fullname), true)
  const flags = spec.flags
  if (flags.includes('protected') && !s.loader) {
    const err = protectedCommandError(s, spec)
    if (err !== null) return reject(s, err, spec)
  }
  if (!s.authenticated && !flags.includes('noauth') && s.authRequired()) return rejectCommand(s, spec, E.NOAUTH)
  if (s.multi !== null && flags.includes('no-multi')) return reject(s, 'ERR Command not allowed inside a transaction', spec)
  if (!s.aclUser.unrestricted && !s.fromMaster) {
    // redis ACLCheckAllPerm (the default all-permissions user skips it entirely)
    const r = server.acl.check(s.aclUser, spec, argv)
    if (r.result !== ACL_OK) {
      server.acl.logDenied(s, r, spec, argv, s.multi !== null ? 'multi' : 'toplevel')
      return rejectCommand(s, spec, nopermError(r.result, fullname))
    }
  }

  // getCommandFlags: the checks below see the flags a script declares (the handler is unchanged)
  const declared = spec.flagsOf === undefined ? null : spec.flagsOf(server, argv)
  const checked = declared === null ? spec : {...spec, flags: declared}
  const cluster = server.cluster
  s.clusterSlot = -1
  if (cluster !== undefined && !s.fromMaster && (hasKeys(spec) || spec.name === 'exec')) {
    let keys: string[]
    if (spec.name === 'exec') {
      keys = []
      if (s.multi) for (const q of s.multi.queue) for (const k of keysOf(q.spec, q.argv)) keys.push(k)
    } else keys = keysOf(spec, argv)
    // sets s.clusterSlot (getNodeByQuery's &c->slot)
    const v = cluster.verdict(s, checked, argv, keys)
    const err = v ? verdictError(v) : null
    if (err !== null) {
      // redis processCommand: a refused EXEC discards the transaction, any other command flags it
      if (spec.name === 'exec') discardTransaction(s)
      return reject(s, err, spec)
    }
  }
  // the AOF's own client is never refused (redis's fake client skips these checks)
  const guards = s.loader ? NO_GUARDS : server.guards
  for (let i = 0; i < guards.length; i++) {
    const err = guards[i](s, checked, argv)
    if (err) return rejectCommand(s, spec, err)
  }
  // processCommand after MASTERDOWN: a command without the `loading` flag (or an EXEC queuing one)
  // waits for the start-up load; the AOF's own client replays through it
  if (server.loading && !s.loader && deniedWhileLoading(s, spec)) return rejectCommand(s, spec, E.LOADING)
  // redis processCommand: during async loading (a replica's swapdb load) no_async_loading commands wait
  if (server.replication?.master?.loadingState() === 'async' && noAsyncLoading(fullname)) return rejectCommand(s, spec, E.LOADING)
  if (trackingClients !== 0) trackingLimitBeforeCommand(server)
  if (s.resp === 2 && s.subscriptionCount() !== 0 && !flags.includes('subscribed-ok'))
    return rejectCommand(s, spec, `ERR Can't execute '${fullname}': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context`, true)

  // redis processCommand: a replica (after SYNC/PSYNC) or a MONITOR (both CLIENT_SLAVE) must not
  // touch the keyspace (it would otherwise slip past CLIENT PAUSE, from which replicas are exempt)
  if ((s.replica !== null || (s.flags.size !== 0 && s.flags.has('monitor'))) && touchesKeyspace(s, checked, argv)) return rejectCommand(s, spec, E.REPLICA_KEYSPACE)
  if (pausedServers !== 0) {
    // CLIENT PAUSE / manual failover: hold (not reject) the command; it re-runs from scratch.
    const held = postponeIfPaused(s, checked, () => dispatch(s, argv), argv)
    if (held !== undefined) return held
  }
  if (s.multi !== null && !MULTI_CONTROL.has(spec.name)) {
    // redis queueMultiCommand: a transaction already aborted (EXECABORT to come) or whose WATCHed
    // key changed queues nothing more: EXEC in cluster mode then checks the slots of what was queued
    if (!s.multi.aborted && !s.dirtyCas) s.multi.queue.push({spec, argv, flags: checked.flags})
    s.reply.simple('QUEUED')
    return
  }
  s.lastCommand = fullname
  return call(s, spec, argv)
}

let noAsyncLoadingNames: Set<string> | null = null

/** The commands redis 7.0 flags no_async_loading (from its COMMAND INFO, command-reference.ts). */
function noAsyncLoading(fullname: string): boolean {
  if (noAsyncLoadingNames === null) {
    noAsyncLoadingNames = new Set()
    for (const [name, entry] of Object.entries(referenceInfoTable())) {
      const flags = entry[2]
      if (flags !== null && typeof flags === 'object' && 'set' in flags && flags.set.includes('+no_async_loading')) noAsyncLoadingNames.add(name)
    }
  }
  return noAsyncLoadingNames.has(fullname)
}

const NO_GUARDS: CommandGuard[] = []

/** processCommand's is_denyloading_command: refused with -LOADING while the dataset loads. */
export function deniedWhileLoading(s: Session, spec: CommandSpec): boolean {
  if (!spec.flags.includes('loading')) return true
  return spec.name === 'exec' && s.multi !== null && s.multi.queue.some((q) => !q.spec.flags.includes('loading'))
}

/** Execute a resolved command (also used by EXEC for queued commands). */
export function call(s: Session, spec: CommandSpec, argv: string[]): HandlerResult {
  const server = s.server
  const dirtyBefore = server.dirty
  s.propagateOverride = null
  s.forcePropagate = false
  server.stats.totalCommands++
  if (server.beforeWriteHooks.length !== 0) beforeWrite(s, spec, argv)
  // A top-level command collects what it propagates in one batch (src/node/propagate.ts); a
  // command run by EXEC adds to EXEC's batch.
  const outer = activeBatch(server)
  const batch = outer ?? (server.propagateHooks.length !== 0 ? openBatch(server, spec.name === 'scan' || spec.name === 'randomkey') : null)
  let res: HandlerResult
  const errors = s.reply.errors
  if (server.insight.monitors.size !== 0) feedBeforeRun(s, spec, argv)
  const t0 = performance.now()
  // redis call(): keys expire against the time the (outermost) command started, not the wall
  // clock, for the synchronous part of the handler (a blocked command's later serving freezes again).
  server.expiryClock.freeze()
  try {
    res = spec.handler(s.ctx, argv)
  } catch (e) {
    replyException(s, spec, argv, e)
    res = undefined
  } finally {
    server.expiryClock.thaw()
  }
  if (res !== undefined && typeof (res as Promise<void>).then === 'function') {
    // A command that waits (blocking pop, MIGRATE) emits what it met so far (expired keys) now and
    // its own effect when it completes; only an EXEC that waits keeps its batch open (deferred).
    const own = outer === null ? batch : null
    const target = outer ?? (own?.deferred ? own : null)
    if (own !== null) own.deferred ? suspendBatch(own) : closeBatch(own)
    // blocked on keys or WAIT: counted as a call now, as redis call() does (MIGRATE, which only
    // awaits its target, is counted when it completes)
    const blocked = s.flags.has('blocked')
    if (blocked) blockedCall(s, spec)
    const settle = () => {
      finishCall(s, spec, argv, t0, errors, true, blocked)
      const wrote = afterCall(s, argv, dirtyBefore, target)
      if (own?.deferred) closeBatch(own)
      if (wrote) s.woff = server.replOffset
    }
    return (res as Promise<void>).then(settle, (e: unknown) => {
      replyException(s, spec, argv, e)
      settle()
    })
  }
  finishCall(s, spec, argv, t0, errors)
  if (trackingClients !== 0) trackAfterCall(s, spec, argv, keysOf)
  const wrote = afterCall(s, argv, dirtyBefore, batch)
  if (outer === null && batch !== null) closeBatch(batch)
  // WAIT: the offset this client's last write reached (redis c->woff).
  if (wrote) s.woff = server.replOffset
}

/**
 * Copy-on-write point for RDB snapshots: the keys a write may touch, before it runs. EXEC
 * announces the union of its queued writes (as the cluster verdict computes it); a write whose
 * keys are unknown announces (-1, null). MOVE and COPY ... DB also write to another database.
 */
function beforeWrite(s: Session, spec: CommandSpec, argv: string[]): void {
  const server = s.server
  if (spec.name === 'exec') {
    if (s.multi === null) return
    const keys: string[] = []
    for (const q of s.multi.queue) {
      if (!q.spec.flags.includes('write')) continue
      const k = writeKeys(q.spec, q.argv)
      if (k === null) return server.beforeWrite(-1, null)
      for (const key of k) keys.push(key)
      crossDbWrite(s, q.spec, q.argv)
    }
    if (keys.length !== 0) server.beforeWrite(s.dbIndex, keys)
    return
  }
  if (!spec.flags.includes('write')) return
  const keys = writeKeys(spec, argv)
  server.beforeWrite(keys === null ? -1 : s.dbIndex, keys)
  crossDbWrite(s, spec, argv)
}

function writeKeys(spec: CommandSpec, argv: string[]): string[] | null {
  if (!hasKeys(spec)) return null
  try {
    return keysOf(spec, argv)
  } catch {
    return null
  }
}

function crossDbWrite(s: Session, spec: CommandSpec, argv: string[]): void {
  let db = NaN
  let key = ''
  if (spec.name === 'move' && argv.length === 3) {
    db = Number(argv[2])
    key = argv[1]
  } else if (spec.name === 'copy') {
    for (let i = 3; i < argv.length - 1; i++) if (argv[i].toLowerCase() === 'db') db = Number(argv[i + 1])
    key = argv[2]
  }
  if (Number.isInteger(db) && db >= 0 && db !== s.dbIndex) s.server.beforeWrite(db, [key])
}

/** Propagate what the command wrote (the dirty counter moved, or the command forced it, as
 * redis forceCommandPropagation); true when it counts as a write (WAIT's offset). */
function afterCall(s: Session, argv: string[], dirtyBefore: number, batch: Batch | null): boolean {
  const server = s.server
  const cmds = s.propagateOverride
  s.propagateOverride = null
  const wrote = server.dirty !== dirtyBefore || s.forcePropagate
  s.forcePropagate = false
  if (!wrote || server.propagateHooks.length === 0) return wrote
  const db = s.dbIndex
  propagateOps(server, batch, (cmds ?? [argv]).map((c) => [db, c] as [number, string[]]))
  return wrote
}

function replyException(s: Session, spec: CommandSpec, argv: string[], e: unknown): void {
  if (e instanceof ReplyError) {
    s.reply.error(e.reply)
    return
  }
  if (e instanceof ServerAssertion) {
    // the node stops (run.ts): no reply, as redis-server dies inside the command
    logAssertion(s.server, e, {session: s, argv})
    s.server.emit('panic', e)
    return
  }
  if (isCollectionLimit(e)) {
    // a value built whole (a *STORE, RESTORE) past V8's limit: nothing was replaced
    s.reply.error(memberLimitError().reply)
    return
  }
  const msg = e instanceof Error ? e.message : String(e)
  s.server.log.warning(`Unexpected error in '${spec.name}': ${e instanceof Error ? e.stack : msg}`)
  s.reply.error(sanitize(`ERR ${msg}`))
}

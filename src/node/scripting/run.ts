// One script invocation (Redis script.c scriptRunCtx): the checks before a script may start
// (scriptPrepareForRun), the checks and the call behind every redis.call (scriptCall), busy
// mode once the script outlives busy-reply-threshold, and SCRIPT KILL / FUNCTION KILL.
import {ACL_OK, aclErrorMessage} from '../acl/acl.js'
import {OOM_ERROR} from '../memory/index.js'
import {call, keysOf} from '../dispatcher.js'
import {rejectedCall} from '../insight.js'
import {activeBatch, PROPAGATE_ALL, PROPAGATE_AOF, PROPAGATE_REPL, type Batch} from '../propagate.js'
import type {CommandSpec} from '../commands/types.js'
import type {NodeServer} from '../server.js'
import {Session} from '../session.js'
import {keySlot} from '../keyspace/slot.js'
import type {ScriptHost} from './engine.js'

export {FLAG_ALLOW_CROSS_SLOT, FLAG_ALLOW_OOM, FLAG_ALLOW_STALE, FLAG_EVAL_COMPAT, FLAG_NO_CLUSTER, FLAG_NO_WRITES, SCRIPT_FLAG_NAMES} from './flags.js'
import {FLAG_ALLOW_CROSS_SLOT, FLAG_ALLOW_OOM, FLAG_ALLOW_STALE, FLAG_EVAL_COMPAT, FLAG_NO_CLUSTER, FLAG_NO_WRITES} from './flags.js'

/** Commands Redis flags may-replicate: a read-only script may not call them either. */
const MAY_REPLICATE = new Set(['publish', 'spublish', 'pfcount', 'eval', 'evalsha', 'fcall', 'script|load', 'script|flush', 'function|load', 'function|delete', 'function|flush', 'function|restore'])
/** Commands whose handler waits on the network: a script cannot wait. */
const CANNOT_WAIT = new Set(['migrate'])

export const BUSY_EVAL = 'BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.'
export const BUSY_FUNCTION = 'BUSY Redis is busy running a script. You can only call FUNCTION KILL or SHUTDOWN NOSAVE.'

const READONLY_REPLICA = "-READONLY You can't write against a read only replica."

/** The session that runs a script's commands (Redis's lua client): no socket, never blocks. */
export function scriptSession(server: NodeServer): Session {
  const s = new Session(server, null)
  s.authenticated = true
  s.flags.add('script')
  return s
}

export interface RunInit {
  caller: Session
  session: Session
  flags: number
  readOnly: boolean
  evalMode: boolean
  funcname: string
  /** the EVAL/FCALL command line */
  argv: string[]
  busyThresholdMs: number
  /** DEBUG SET-DISABLE-DENY-SCRIPTS 1 */
  allowNoscript: boolean
  /** may the script give the event loop turns (false inside EXEC / for the master link) */
  canWait: boolean
}

export class ScriptRun implements ScriptHost {
  resp: 2 | 3 = 2
  replFlags = PROPAGATE_ALL
  killed = false
  timedOut = false
  writeDirty = false
  /** false for a SCRIPT DEBUG YES session: its writes reach neither replicas nor the AOF */
  propagate = true
  readonly startedAt = Date.now()

  constructor(
    readonly server: NodeServer,
    readonly init: RunInit,
    private readonly onTimedOut: (run: ScriptRun) => void,
  ) {
    const s = init.session
    s.dbIndex = init.caller.dbIndex
    s.resp = 2
    // redis scriptCall: the fake client runs as the caller's ACL user
    s.aclUser = init.caller.aclUser
    s.scriptCaller = init.caller
    s.fromMaster = init.caller.fromMaster
    s.asking = init.caller.asking
    s.readonlyMode = init.caller.readonlyMode
    s.multi = null
  }

  get caller(): Session {
    return this.init.caller
  }

  get mustObey(): boolean {
    return this.init.caller.mustObey
  }

  onSlow(elapsedMs: number): void {
    if (this.timedOut || this.init.busyThresholdMs <= 0 || elapsedMs < this.init.busyThresholdMs) return
    this.timedOut = true
    this.server.log.warning(
      `Slow script detected: still in execution after ${elapsedMs} milliseconds. You can try killing the script using the ${this.init.evalMode ? 'SCRIPT KILL' : 'FUNCTION KILL'} command. Script name is: ${this.init.funcname}.`,
    )
    this.onTimedOut(this)
  }

  canYield(): boolean {
    return this.timedOut && this.init.canWait
  }

  aclCheck(argv: string[]): boolean | null {
    const spec = lookup(this.server, argv)
    if (spec === undefined) return null
    const user = this.init.caller.aclUser
    return user.unrestricted || this.server.acl.check(user, spec, argv).result === ACL_OK
  }

  call(argv: string[]): {reply: string} | {error: string} {
    const server = this.server
    const s = this.init.session
    const spec = lookup(server, argv)
    if (spec === undefined) {
      server.insight.countError('ERR Unknown Redis command called from script')
      rejectedCall(s, undefined) // (no command to count, but the error is accounted for)
      return {error: 'Unknown Redis command called from script'}
    }
    // redis scriptCall: a call refused by these checks has its error counted in errorstats here
    // (afterErrorReply), not again in the script's reply, then counts as a rejected call of that
    // command (incrCommandStatsOnError, which also marks the error as accounted for: EVAL is not
    // failed by it unless its reply holds it)
    const reject = (error: string) => {
      server.insight.countError(error.startsWith('-') && error.includes(' ') ? error.slice(1) : `ERR ${error}`)
      rejectedCall(s, spec)
      return {error}
    }
    const argc = argv.length
    if ((spec.arity > 0 && argc !== spec.arity) || argc < -spec.arity) return reject('Wrong number of args calling Redis command from script')
    const name = spec.fullname ?? spec.name
    if ((spec.flags.includes('noscript') && !this.init.allowNoscript) || CANNOT_WAIT.has(name)) return reject('This Redis command is not allowed from script')
    const user = s.aclUser
    if (!user.unrestricted) {
      const r = server.acl.check(user, spec, argv)
      if (r.result !== ACL_OK) {
        server.acl.logDenied(s, r, spec, argv, 'lua')
        return reject(`The user executing the script ${aclErrorMessage(r.result)}`)
      }
    }
    const isWrite = spec.flags.includes('write')
    if (this.init.readOnly && (isWrite || MAY_REPLICATE.has(name))) return reject('Write commands are not allowed from read-only scripts.')
    // Stale replica, read-only replica, disk errors, min-replicas: the node's own guards, except
    // that a script that already wrote cannot be stopped half way by a write check.
    // (none for a script the AOF replays: redis's fake client is never refused)
    if (!(isWrite && this.writeDirty) && !this.init.caller.loader) {
      for (const guard of server.guards) {
        const err = guard(s, spec, argv)
        if (err === null || err === '') continue
        if (err.startsWith('MASTERDOWN')) return reject('Can not execute the command on a stale replica')
        if (!isWrite && !err.startsWith('LOADING')) continue
        return reject(err.startsWith('READONLY') ? READONLY_REPLICA : `-${err}`)
      }
    }
    // scriptVerifyOOM: a deny-oom command is refused when the script started over maxmemory,
    // unless the script has the allow-oom flag or already wrote.
    if (!(this.init.flags & FLAG_ALLOW_OOM) && !this.mustObey && !this.writeDirty && server.preCommandOom && server.config.int('maxmemory') > 0 && spec.flags.includes('denyoom'))
      return reject(`-${OOM_ERROR}`)
    if (isWrite) this.writeDirty = true
    const clusterErr = this.clusterCheck(spec, argv)
    if (clusterErr !== null) return reject(clusterErr)

    const batch = activeBatch(server)
    const opsBefore = batch?.ops.length ?? 0
    s.reply.resp = this.resp
    s.reply.clear()
    const res = call(s, spec, argv)
    if (res !== undefined) {
      void res.then(() => undefined)
      s.reply.clear()
      return {error: 'This Redis command is not allowed from script'}
    }
    if (batch !== null && (this.replFlags !== PROPAGATE_ALL || !this.propagate)) retarget(batch, opsBefore, this.propagate ? this.replFlags & activeTargets(server) : 0)
    return {reply: s.reply.take()}
  }

  /** scriptVerifyClusterState: only keys this node serves, and one slot unless allowed. */
  private clusterCheck(spec: CommandSpec, argv: string[]): string | null {
    const cluster = this.server.cluster
    if (cluster === undefined || this.mustObey) return null
    let keys: string[]
    try {
      keys = keysOf(spec, argv)
    } catch {
      keys = []
    }
    const v = cluster.verdict(this.init.session, spec, argv, keys)
    if (v !== null && v.kind !== 'ok') {
      if (v.kind === 'clusterdown' && v.reason === 'readonly') return 'Script attempted to execute a write command while the cluster is down and readonly'
      if (v.kind === 'clusterdown' && v.reason !== 'unbound') return 'Script attempted to execute a command while the cluster is down'
      return 'Script attempted to access a non local key in a cluster node'
    }
    if (keys.length !== 0 && !(this.init.flags & (FLAG_ALLOW_CROSS_SLOT | FLAG_EVAL_COMPAT))) {
      const slot = keySlot(keys[0])
      // the calling command's slot (redis original_c->slot), shared by the scripts of a transaction
      const caller = this.init.caller
      if (caller.clusterSlot === -1) caller.clusterSlot = slot
      else if (caller.clusterSlot !== slot) return 'Script attempted to access keys that do not hash to the same slot'
    }
    return null
  }
}

function lookup(server: NodeServer, argv: string[]): CommandSpec | undefined {
  const spec = server.commands.lookup(argv[0])
  if (spec === undefined || spec.subcommands === undefined) return spec
  if (argv.length < 2) return spec
  return server.commands.lookupSub(spec, argv[1])
}

/**
 * Where propagation goes right now (redis shouldPropagate): the AOF when it is on, replicas when
 * this node is a master with a backlog or replicas. An op for neither is dropped, so it cannot
 * make a lone write look like a transaction.
 */
function activeTargets(server: NodeServer): number {
  let t = 0
  if (server.config.bool('appendonly')) t |= PROPAGATE_AOF
  const repl = server.replication
  if (repl !== undefined && repl.master === null && (repl.backlog !== null || repl.replicas.length !== 0)) t |= PROPAGATE_REPL
  return t
}

/** redis.set_repl: the commands just propagated go only where the script asked. */
function retarget(batch: Batch, from: number, flags: number): void {
  const kept = batch.ops.slice(0, from)
  for (let i = from; i < batch.ops.length; i++) {
    const op = batch.ops[i]
    const target = (op[2] ?? PROPAGATE_ALL) & flags
    if (target !== 0) kept.push([op[0], op[1], target])
  }
  batch.ops.length = 0
  for (const op of kept) batch.ops.push(op)
}

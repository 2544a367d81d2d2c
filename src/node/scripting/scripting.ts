// The scripting state of one node (Redis eval.c + script.c): the EVAL interpreter and its
// script cache, the script running now, busy mode, and the shared start-up checks of EVAL and
// FCALL (scriptPrepareForRun).
import {createHash} from 'node:crypto'
import {activeBatch, resumeBatch, suspendBatch, type Batch} from '../propagate.js'
import type {NodeServer} from '../server.js'
import type {Session} from '../session.js'
import type {RespWriter} from '../../resp/writer.js'
import {parseShebang} from './shebang.js'
import {LuaEngine, type RunOutcome} from './engine.js'
import {Functions} from './functions.js'
import {Ldb} from './ldb.js'
import {OOM_ERROR} from '../memory/index.js'
import {BUSY_EVAL, BUSY_FUNCTION, FLAG_ALLOW_OOM, FLAG_ALLOW_STALE, FLAG_EVAL_COMPAT, FLAG_NO_CLUSTER, FLAG_NO_WRITES, ScriptRun, scriptSession} from './run.js'

export interface CachedScript {
  body: string
  flags: number
}


export function sha1hex(s: string): string {
  return createHash('sha1').update(s, 'latin1').digest('hex')
}

export class Scripting {
  /** created on first use: a node that never runs a script never builds a Lua state */
  private eng: LuaEngine | null = null
  readonly scripts = new Map<string, CachedScript>()
  readonly functions: Functions
  /** DEBUG SET-DISABLE-DENY-SCRIPTS: noscript commands allowed from scripts */
  allowNoscript = false
  /** the script running now (at most one per node) */
  current: ScriptRun | null = null
  private readonly session: Session
  /** the Lua debugger (one per node, like redis's global ldb) */
  readonly ldb: Ldb

  constructor(readonly server: NodeServer) {
    this.session = scriptSession(server)
    this.functions = new Functions(server)
    this.ldb = new Ldb(() => server.config.int('lua-time-limit'))
  }

  /**
   * The scripting lines of INFO memory (redis 7.0 genRedisInfoString): Lua heaps as the
   * interpreters report them, cached scripts' and libraries' sizes as their source lengths.
   */
  memoryInfoLines(humanBytes: (n: number) => string): string[] {
    const vmEval = this.eng === null ? 0 : this.eng.memory()
    const vmFunctions = this.functions.vmMemory()
    let scripts = 0
    for (const [sha, sc] of this.scripts) scripts += sha.length + sc.body.length
    let functions = 0
    for (const lib of this.functions.current.libraries.values()) functions += lib.name.length + lib.code.length
    return [
      `used_memory_lua:${vmEval}`,
      `used_memory_vm_eval:${vmEval}`,
      `used_memory_lua_human:${humanBytes(vmEval)}`,
      `used_memory_scripts_eval:${scripts}`,
      `number_of_cached_scripts:${this.scripts.size}`,
      `number_of_functions:${this.functions.current.functions.size}`,
      `number_of_libraries:${this.functions.current.libraries.size}`,
      `used_memory_vm_functions:${vmFunctions}`,
      `used_memory_vm_total:${vmEval + vmFunctions}`,
      `used_memory_vm_total_human:${humanBytes(vmEval + vmFunctions)}`,
      `used_memory_functions:${functions}`,
      `used_memory_scripts:${scripts + functions}`,
      `used_memory_scripts_human:${humanBytes(scripts + functions)}`,
    ]
  }

  get engine(): LuaEngine {
    return (this.eng ??= this.newEngine())
  }

  private newEngine(): LuaEngine {
    const e = new LuaEngine(this.server, 'eval')
    e.protectGlobals()
    e.ldb = this.ldb
    return e
  }

  /** SCRIPT FLUSH: a fresh interpreter and an empty cache. */
  flush(): void {
    this.scripts.clear()
    this.eng = null
  }

  /** Compile a script into the cache (luaCreateFunction); returns its SHA or an error reply text. */
  create(body: string): {sha: string} | {error: string} {
    const sha = sha1hex(body)
    if (this.scripts.has(sha)) return {sha}
    const sb = parseShebang(body)
    if ('error' in sb) return {error: `ERR ${sb.error}`}
    const err = this.engine.compile(`f_${sha}`, body.slice(sb.length), '@user_script')
    if (err !== null) return {error: `ERR Error compiling script (new function): ${err}`}
    this.scripts.set(sha, {body, flags: sb.flags})
    return {sha}
  }

  get busy(): boolean {
    return this.current !== null && this.current.timedOut
  }

  /**
   * scriptPrepareForRun: may a script with these flags start for this caller? An error reply
   * text, or null.
   */
  prepareError(caller: Session, flags: number, ro: boolean): string | null {
    const server = this.server
    const repl = server.replication
    const isReplica = repl !== undefined && repl.master !== null
    const stale = isReplica && !repl.master!.connected && !server.config.bool('replica-serve-stale-data')
    const obey = caller.fromMaster || caller.socket === null
    if (!(flags & FLAG_EVAL_COMPAT)) {
      if (flags & FLAG_NO_CLUSTER && server.clusterEnabled) return "ERR Can not run script on cluster, 'no-cluster' flag is set."
      if (stale && !(flags & FLAG_ALLOW_STALE)) return "MASTERDOWN Link with MASTER is down, replica-serve-stale-data is set to 'no' and 'allow-stale' flag is not set on the script."
      if (!(flags & FLAG_NO_WRITES)) {
        if (isReplica && server.config.bool('replica-read-only') && !obey) return 'READONLY Can not run script with write flag on readonly replica'
        const misconf = this.diskError(caller)
        if (misconf !== null && !obey) return misconf
        if (ro) return 'ERR Can not execute a script with write flag using *_ro command.'
        if (!isReplica && repl !== undefined) {
          const min = server.config.int('min-replicas-to-write')
          if (min > 0 && server.config.int('min-replicas-max-lag') > 0) {
            repl.refreshGoodReplicas()
            if (repl.goodReplicas < min) return 'NOREPLICAS Not enough good replicas to write.'
          }
        }
        // Redis derives deny-oom for EVAL/FCALL from the script flags (no-writes implies allow-oom)
        // and processCommand rejects it with the plain OOM error before the script is prepared.
        if (server.preCommandOom && server.config.int('maxmemory') > 0 && !(flags & FLAG_ALLOW_OOM)) return OOM_ERROR
      }
    } else if (stale) return "MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'."
    return null
  }

  /** The MISCONF refusal the node's guards give a write, reworded for scripts. */
  private diskError(caller: Session): string | null {
    const write = {name: 'set', arity: -3, flags: ['write'], firstKey: 1, lastKey: 1, step: 1, handler: () => undefined} as const
    for (const guard of this.server.guards) {
      const err = guard(caller, {...write, flags: ['write']}, ['set', 'k', 'v'])
      if (err?.startsWith('MISCONF')) {
        return err.includes('AOF')
          ? `MISCONF Redis is configured to persist data to AOF, but it's currently unable to persist to disk. Writable scripts are blocked. Use 'no-writes' flag for read only scripts. AOF error: ${err.replace(/^.*AOF error: /, '')}`
          : "MISCONF Redis is configured to save RDB snapshots, but it's currently unable to persist to disk. Writable scripts are blocked. Use 'no-writes' flag for read only scripts."
      }
    }
    return null
  }

  /**
   * Run a compiled function of `engine` for `caller` and answer it. Synchronous unless the
   * script outlives busy-reply-threshold: then it continues in slices between event-loop turns
   * (other clients get -BUSY meanwhile) and the returned promise settles when it ends.
   */
  execute(opts: {
    engine: LuaEngine
    /** registry name (EVAL's f_<sha>) or reference (a function's callback) */
    key: string | number
    keys: string[]
    args: string[]
    caller: Session
    out: RespWriter
    flags: number
    ro: boolean
    evalMode: boolean
    funcname: string
    /** the caller's command (FUNCTION STATS shows it) */
    argv: string[]
    /** run under the Lua debugger (a SCRIPT DEBUG session); such a run never yields */
    debug?: {propagate: boolean}
  }): void | Promise<void> {
    const {caller, flags} = opts
    const readOnly = opts.ro || (!(flags & FLAG_EVAL_COMPAT) && (flags & FLAG_NO_WRITES) !== 0)
    // the AOF's client too: redis processEventsWhileBlocked answers -LOADING meanwhile
    const canWait = !caller.flags.has('exec') && !caller.fromMaster && (caller.socket !== null || caller.loader)
    const run = new ScriptRun(
      this.server,
      {
        caller,
        session: this.session,
        flags,
        readOnly,
        evalMode: opts.evalMode,
        funcname: opts.funcname,
        argv: opts.argv,
        busyThresholdMs: this.server.config.int('lua-time-limit'),
        allowNoscript: this.allowNoscript,
        canWait,
      },
      () => this.server.emit('scriptTimedOut'),
    )
    if (opts.debug !== undefined) run.propagate = opts.debug.propagate
    this.current = run
    const clock = this.server.expiryClock
    clock.freeze()
    const end = () => {
      this.current = null
      clock.thaw()
    }
    let outcome: RunOutcome
    try {
      outcome = opts.engine.run(opts.key, opts.keys, opts.args, run, opts.out, opts.funcname, opts.debug !== undefined)
    } catch (e) {
      end()
      throw e
    }
    // The script's effects reach replicas and the AOF as themselves, never as EVAL/FCALL.
    caller.propagateOverride = []
    if (outcome.done) {
      end()
      return
    }
    const batch: Batch | null = activeBatch(this.server)
    if (batch !== null) batch.deferred = true
    return new Promise<void>((resolve, reject) => {
      const slice = (next: () => RunOutcome) => {
        setImmediate(() => {
          if (batch !== null) resumeBatch(batch)
          let o: RunOutcome
          try {
            o = next()
          } catch (e) {
            if (batch !== null) suspendBatch(batch)
            end()
            this.server.emit('scriptFinished')
            reject(e)
            return
          }
          if (batch !== null) suspendBatch(batch)
          if (o.done) {
            end()
            caller.propagateOverride = []
            this.server.emit('scriptFinished')
            resolve()
          } else slice(o.resume)
        })
      }
      if (batch !== null) suspendBatch(batch)
      slice(outcome.resume)
    })
  }

  /** SCRIPT KILL / FUNCTION KILL (scriptKill). */
  kill(isEval: boolean): string | null {
    const run = this.current
    if (run === null) return 'NOTBUSY No scripts in execution right now.'
    if (run.caller.fromMaster) return 'UNKILLABLE The busy script was sent by a master instance in the context of replication and cannot be killed.'
    if (run.writeDirty)
      return 'UNKILLABLE Sorry the script already executed write commands against the dataset. You can either wait the script termination or kill the server in a hard way using the SHUTDOWN NOSAVE command.'
    if (isEval && !run.init.evalMode) return BUSY_FUNCTION
    if (!isEval && run.init.evalMode) return BUSY_EVAL
    run.killed = true
    return null
  }
}

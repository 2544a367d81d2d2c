// One Lua interpreter as Redis 7.0 sets it up (script_lua.c luaRegisterRedisAPI, eval.c
// scriptingInit): the libraries Redis loads, the redis.* API, Redis's pcall, globals protection
// (reading an undeclared global is an error, every table reachable from _G is read-only), and
// the running of one script body as a coroutine so that a script past busy-reply-threshold can
// let the event loop answer -BUSY and SCRIPT KILL while keeping its own state.
import {createHash} from 'node:crypto'
import type {RespWriter} from '../../resp/writer.js'
import type {NodeServer} from '../server.js'
import {errorTableCounted, errorTableMessage, luaToReply, pushErrorTable, respToLua, ReplyParseError} from './convert.js'
import {formatG17, fromLua, lauxlib, loadLua, lstr, lua, lualib, pushBin, pushText, textFromLua, toLua, type LuaCFunction, type LuaState} from './lua.js'
import {openLibraries} from './libs/index.js'
import type {Ldb} from './ldb.js'

/** What a running script asks of the server (src/node/scripting/run.ts). */
export interface ScriptHost {
  /** Run one command for redis.call/pcall: the RESP reply text, or {error} when refused before running. */
  call(argv: string[]): {reply: string} | {error: string}
  /** redis.setresp */
  resp: 2 | 3
  /** redis.set_repl: PROPAGATE_AOF | PROPAGATE_REPL */
  replFlags: number
  /** SCRIPT KILL / FUNCTION KILL was accepted */
  killed: boolean
  /** The hook saw the script run this long (ms since start). */
  onSlow(elapsedMs: number): void
  /** May the script give the event loop a turn now (busy mode on, caller can wait)? */
  canYield(): boolean
  /** acl_check_cmd: may the caller run argv? */
  aclCheck(argv: string[]): boolean | null
}

export const LL_DEBUG = 0
export const LL_VERBOSE = 1
export const LL_NOTICE = 2
export const LL_WARNING = 3

const HOOK_INSTRUCTIONS = 1_000
const LDB_HOOK_INSTRUCTIONS = 100_000
const LIBRARY_API = '__LIBRARY_API__'
const GLOBALS_API = '__GLOBALS_API__'
/** While timed out, how long a slice of script runs before the event loop gets a turn. */
const BUSY_SLICE_MS = 20

export type RunOutcome = {done: true} | {done: false; resume: () => RunOutcome}

export class LuaEngine {
  readonly L: LuaState
  /** The run in progress (redis.call needs it); null between scripts. */
  host: ScriptHost | null = null
  /** The Lua debugger (EVAL's interpreter only): redis.debug(), redis.breakpoint(), call logging. */
  ldb: Ldb | null = null
  private startedAt = 0
  private lastYield = 0
  /** the thread the current script runs on (run()), the one the busy hook may yield */
  private scriptThread: LuaState | null = null

  constructor(
    readonly server: NodeServer,
    readonly mode: 'eval' | 'function',
  ) {
    loadLua()
    const L = (this.L = lauxlib.luaL_newstate())
    // A JavaScript exception thrown inside the VM (a bug of ours) becomes a Lua error, not a crash.
    lua.lua_atnativeerror(L, (l: LuaState) => {
      const e = lua.lua_touserdata(l, -1) as unknown
      server.log.warning(`Lua engine internal error: ${e instanceof Error ? e.stack : String(e)}`)
      lua.lua_pushstring(l, lstr(`internal error: ${e instanceof Error ? e.message : String(e)}`))
      return 1
    })
    this.loadLibraries()
    this.registerRedisApi()
  }

  private loadLibraries(): void {
    const L = this.L
    const open = (name: string, fn: LuaCFunction) => {
      lauxlib.luaL_requiref(L, lstr(name), fn, 1)
      lua.lua_pop(L, 1)
    }
    open('_G', lualib.luaopen_base)
    open('table', lualib.luaopen_table)
    open('string', lualib.luaopen_string)
    open('math', lualib.luaopen_math)
    open('coroutine', lualib.luaopen_coroutine)
    // Lua 5.3 registers loaded modules in package.loaded; Redis's 5.1 sandbox has no 'package'.
    lua.lua_pushnil(L)
    lua.lua_setfield(L, lua.LUA_REGISTRYINDEX, lstr('_LOADED'))
    openLibraries(L, this)
    // The Lua 5.1 base library as Redis exposes it (5.3 renamed or dropped these).
    const compat = `
      rawlen = nil
      local load = load
      loadstring = function(s, chunkname) return load(s, chunkname, 't') end
      gcinfo = function() return math.floor(collectgarbage('count')) end
      _VERSION = 'Lua 5.1'
      dofile = nil
      loadfile = nil
      print = nil
      require = nil
    `
    if (lauxlib.luaL_loadbuffer(L, toLua(compat), null, lstr('=compat')) !== lua.LUA_OK || lua.lua_pcall(L, 0, 0, 0) !== lua.LUA_OK) {
      throw new Error(`Lua compat setup failed: ${textFromLua(lua.lua_tolstring(L, -1))}`)
    }
  }

  private registerRedisApi(): void {
    const L = this.L
    // Redis's pcall: an error raised as a table ({err=...}) reaches the caller as its message.
    lua.lua_pushcfunction(L, redisPcall)
    lua.lua_setglobal(L, lstr('pcall'))
    lua.lua_pushcfunction(L, redisErrHandler)
    lua.lua_setglobal(L, lstr('__redis__err__handler'))

    // luaRegisterRedisAPI's order (then eval.c's debugger functions): the table's layout, and so
    // pairs(redis), are redis-server's
    lua.lua_newtable(L)
    const fn = (f: LuaCFunction) => () => lua.lua_pushcfunction(L, f)
    const num = (n: number) => () => lua.lua_pushnumber(L, n)
    const entries: [string, () => void][] = [
      ['call', fn((l) => this.redisCall(l, true))],
      ['pcall', fn((l) => this.redisCall(l, false))],
      ['log', fn((l) => this.log(l))],
      ['LOG_DEBUG', num(LL_DEBUG)],
      ['LOG_VERBOSE', num(LL_VERBOSE)],
      ['LOG_NOTICE', num(LL_NOTICE)],
      ['LOG_WARNING', num(LL_WARNING)],
      ['REDIS_VERSION_NUM', num(0x07000f)],
      ['REDIS_VERSION', () => pushText(L, '7.0.15')],
      ['setresp', fn((l) => this.setResp(l))],
      ['sha1hex', fn(sha1hex)],
      ['error_reply', fn(errorReply)],
      ['status_reply', fn(statusReply)],
      ['set_repl', fn((l) => this.setRepl(l))],
      ['REPL_NONE', num(0)],
      ['REPL_AOF', num(1)],
      ['REPL_SLAVE', num(2)],
      ['REPL_REPLICA', num(2)],
      ['REPL_ALL', num(3)],
      ['acl_check_cmd', fn((l) => this.aclCheck(l))],
    ]
    if (this.mode === 'eval') {
      entries.push(
        ['breakpoint', fn((l) => {
          if (this.ldb !== null) return this.ldb.breakpointCommand(l)
          lua.lua_pushboolean(l, false)
          return 1
        })],
        ['debug', fn((l) => (this.ldb === null ? 0 : this.ldb.debugCommand(l)))],
        ['replicate_commands', fn((l) => {
          lua.lua_pushboolean(l, true) // 7.0: always effects replication
          return 1
        })],
      )
    }
    for (const [name, push] of entries) {
      push()
      lua.lua_setfield(L, -2, lstr(name))
    }
    lua.lua_setglobal(L, lstr('redis'))
  }

  /** Lock the globals: undeclared reads fail, every reachable table is read-only (scriptingInit's end). */
  protectGlobals(): void {
    const L = this.L
    lua.lua_rawgeti(L, lua.LUA_REGISTRYINDEX, lua.LUA_RIDX_GLOBALS)
    setErrorMetatable(L)
    protectRecursively(L)
    lua.lua_pop(L, 1)
  }

  /**
   * The function engine's environments (function_lua.c luaEngineInitEngine): library code runs
   * with only redis.register_function / redis.log / the version fields visible; functions run
   * with the full API. Globals are an empty read-only table whose __index is switched between
   * the two.
   */
  setupFunctionEnv(register: LuaCFunction): void {
    const L = this.L
    lua.lua_newtable(L) // the library-loading globals
    lua.lua_newtable(L) // their `redis`
    lua.lua_pushcfunction(L, register)
    lua.lua_setfield(L, -2, lstr('register_function'))
    lua.lua_pushcfunction(L, (l: LuaState) => this.log(l))
    lua.lua_setfield(L, -2, lstr('log'))
    for (const [k, v] of [['LOG_DEBUG', LL_DEBUG], ['LOG_VERBOSE', LL_VERBOSE], ['LOG_NOTICE', LL_NOTICE], ['LOG_WARNING', LL_WARNING], ['REDIS_VERSION_NUM', 0x07000f]] as const) {
      lua.lua_pushnumber(L, v)
      lua.lua_setfield(L, -2, lstr(k))
    }
    pushText(L, '7.0.15')
    lua.lua_setfield(L, -2, lstr('REDIS_VERSION'))
    setErrorMetatable(L)
    lua.lua_setfield(L, -2, lstr('redis'))
    setErrorMetatable(L)
    protectRecursively(L)
    lua.lua_setfield(L, lua.LUA_REGISTRYINDEX, lstr(LIBRARY_API))
    lua.lua_rawgeti(L, lua.LUA_REGISTRYINDEX, lua.LUA_RIDX_GLOBALS)
    setErrorMetatable(L)
    protectRecursively(L)
    lua.lua_setfield(L, lua.LUA_REGISTRYINDEX, lstr(GLOBALS_API))
    lua.lua_newtable(L) // new globals
    lua.lua_newtable(L) // their metatable
    lua.lua_getfield(L, lua.LUA_REGISTRYINDEX, lstr(GLOBALS_API))
    lua.lua_setfield(L, -2, lstr('__index'))
    lua.lua_enablereadonlytable(L, -1, true)
    lua.lua_setmetatable(L, -2)
    lua.lua_enablereadonlytable(L, -1, true)
    lua.lua_rawseti(L, lua.LUA_REGISTRYINDEX, lua.LUA_RIDX_GLOBALS)
  }

  private switchGlobals(api: string): void {
    const L = this.L
    lua.lua_rawgeti(L, lua.LUA_REGISTRYINDEX, lua.LUA_RIDX_GLOBALS)
    lua.lua_getmetatable(L, -1)
    lua.lua_enablereadonlytable(L, -1, false)
    lua.lua_getfield(L, lua.LUA_REGISTRYINDEX, lstr(api))
    lua.lua_setfield(L, -2, lstr('__index'))
    lua.lua_enablereadonlytable(L, -1, true)
    lua.lua_pop(L, 2)
  }

  /**
   * Run a library's top-level code (luaEngineCreate) so it can register its functions. Returns
   * null, or the error text ("Error compiling function: ..." / "Error registering functions: ...").
   */
  loadLibrary(code: string, timeoutMs: number): string | null {
    const L = this.L
    this.compiledBytes += code.length
    this.switchGlobals(LIBRARY_API)
    try {
      if (lauxlib.luaL_loadbuffer(L, toLua(code), null, lstr('@user_function')) !== lua.LUA_OK) {
        const msg = fromLua(lua.lua_tolstring(L, -1) ?? lstr('?'))
        lua.lua_pop(L, 1)
        return `Error compiling function: ${msg}`
      }
      const start = Date.now()
      lua.lua_sethook(
        L,
        (l: LuaState) => {
          if (timeoutMs > 0 && Date.now() - start > timeoutMs) {
            lua.lua_sethook(l, (l2: LuaState) => this.loadTimeout(l2), lua.LUA_MASKLINE, 0)
            this.loadTimeout(l)
          }
        },
        lua.LUA_MASKCOUNT,
        HOOK_INSTRUCTIONS,
      )
      if (lua.lua_pcall(L, 0, 0, 0) !== lua.LUA_OK) {
        let msg: string
        if (lua.lua_type(L, -1) === lua.LUA_TSTRING || lua.lua_type(L, -1) === lua.LUA_TNUMBER) msg = `ERR ${fromLua(lua.lua_tolstring(L, -1))}`
        else msg = errorTableMessage(L) ?? '(null)'
        lua.lua_pop(L, 1)
        return `Error registering functions: ${msg}`
      }
      return null
    } finally {
      lua.lua_sethook(L, null, 0, 0)
      this.switchGlobals(GLOBALS_API)
    }
  }

  private loadTimeout(L: LuaState): void {
    pushErrorTable(L, 'FUNCTION LOAD timeout')
    lua.lua_error(L)
  }

  /** Keep the function on top of the stack; returns its reference (luaL_ref). */
  ref(): number {
    return lauxlib.luaL_ref(this.L, lua.LUA_REGISTRYINDEX)
  }

  unref(ref: number): void {
    lauxlib.luaL_unref(this.L, lua.LUA_REGISTRYINDEX, ref)
  }

  /**
   * Compile a chunk and keep it in the registry under `key`. Returns an error message (as Lua
   * reports it: "user_script:1: ...") or null.
   */
  compile(key: string, code: string, chunkname: string): string | null {
    const L = this.L
    this.compiledBytes += code.length
    if (lauxlib.luaL_loadbuffer(L, toLua(code), null, lstr(chunkname)) !== lua.LUA_OK) {
      const msg = fromLua(lua.lua_tolstring(L, -1) ?? lstr('?'))
      lua.lua_pop(L, 1)
      return msg
    }
    lua.lua_setfield(L, lua.LUA_REGISTRYINDEX, toLua(key))
    return null
  }

  has(key: string): boolean {
    lua.lua_getfield(this.L, lua.LUA_REGISTRYINDEX, toLua(key))
    const ok = lua.lua_type(this.L, -1) === lua.LUA_TFUNCTION
    lua.lua_pop(this.L, 1)
    return ok
  }

  forget(key: string): void {
    lua.lua_pushnil(this.L)
    lua.lua_setfield(this.L, lua.LUA_REGISTRYINDEX, toLua(key))
  }

  /**
   * INFO used_memory_lua / used_memory_vm_*: Fengari keeps no allocator count (its lua_gc is a
   * no-op), so this is an estimate: what a fresh Lua 5.1 VM reports in redis (32 KB) plus the
   * source bytes compiled into this interpreter.
   */
  memory(): number {
    return 32 * 1024 + this.compiledBytes
  }
  private compiledBytes = 0

  /**
   * Run the function registered under `key` with KEYS/ARGV (eval: as globals; function: as
   * its two arguments) and write its reply (or error) to `out`. `funcname` names the script in
   * error texts (the SHA for EVAL, the function name for FCALL). Returns done, or a resume
   * function when the script gave the event loop a turn (busy mode).
   */
  run(key: string | number, keys: string[], args: string[], host: ScriptHost, out: RespWriter, funcname: string, debug = false): RunOutcome {
    const L = this.L
    const co: LuaState = lua.lua_newthread(L)
    lua.lua_pop(L, 1) // the JS reference keeps the thread alive
    // Redis runs a script on Lua's main thread: this one must not yield to the script, nor be
    // seen as a coroutine (lcorolib.cjs), and only it gives the event loop a turn (hook below)
    ;(co as {redisMain?: boolean}).redisMain = true
    this.scriptThread = co
    if (typeof key === 'number') lua.lua_rawgeti(co, lua.LUA_REGISTRYINDEX, key)
    else lua.lua_getfield(co, lua.LUA_REGISTRYINDEX, toLua(key))
    let nargs = 0
    if (this.mode === 'eval') {
      lua.lua_rawgeti(co, lua.LUA_REGISTRYINDEX, lua.LUA_RIDX_GLOBALS)
      lua.lua_enablereadonlytable(co, -1, false)
      pushArray(co, keys)
      lua.lua_setfield(co, -2, lstr('KEYS'))
      pushArray(co, args)
      lua.lua_setfield(co, -2, lstr('ARGV'))
      lua.lua_enablereadonlytable(co, -1, true)
      lua.lua_pop(co, 1)
    } else {
      pushArray(co, keys)
      pushArray(co, args)
      nargs = 2
    }
    this.host = host
    this.startedAt = this.lastYield = Date.now()
    const ldb = this.ldb
    // redis luaCallFunction: a debugged script gets the debugger's line hook instead of the busy one
    if (debug && ldb !== null) lua.lua_sethook(co, (l: LuaState, ar: {event: number}) => ldb.hook(l, ar.event), lua.LUA_MASKLINE | lua.LUA_MASKCOUNT, LDB_HOOK_INSTRUCTIONS)
    else lua.lua_sethook(co, (l: LuaState) => this.hook(l), lua.LUA_MASKCOUNT, HOOK_INSTRUCTIONS)
    const step = (n: number): RunOutcome => {
      this.host = host
      const status = lua.lua_resume(co, L, n)
      if (status === lua.LUA_YIELD) {
        this.host = null
        return {done: false, resume: () => step(0)}
      }
      this.finish(co, status, host, out, funcname)
      this.host = null
      return {done: true}
    }
    return step(nargs)
  }

  private finish(co: LuaState, status: number, host: ScriptHost, out: RespWriter, funcname: string): void {
    const L = this.L
    if (status === lua.LUA_OK) {
      if (lua.lua_gettop(co) === 0) lua.lua_pushnil(L)
      else {
        lua.lua_settop(co, 1)
        lua.lua_xmove(co, L, 1)
      }
      luaToReply(L, out, host.resp)
      return
    }
    // redis's __redis__err__handler: where the error was raised (the Lua caller of a C function).
    // The dead coroutine's stack has no room left: the error object moves to the main thread.
    const where = errorPosition(co)
    lua.lua_xmove(co, L, 1)
    this.reportError(L, where, out, funcname)
  }

  private reportError(co: LuaState, where: {source: string; line: number} | null, out: RespWriter, funcname: string): void {
    if (lua.lua_type(co, -1) !== lua.LUA_TTABLE) {
      const msg = lua.lua_type(co, -1) === lua.LUA_TSTRING || lua.lua_type(co, -1) === lua.LUA_TNUMBER ? fromLua(lua.lua_tolstring(co, -1)) : lua.lua_type(co, -1) === lua.LUA_TNIL ? 'nil' : luaTypeText(co, -1)
      lua.lua_pop(co, 1)
      pushErrorTable(co, `-ERR ${msg}`)
    }
    const msg = errorTableMessage(co) ?? 'ERR execution failure'
    let text = msg
    if (where !== null) text += ` script: ${funcname}, on ${where.source}:${where.line}.`
    // an error a redis.call met was counted then (redis luaCallFunction: no second stats update)
    if (errorTableCounted(co)) out.errorUncounted(text.replace(/\r|\n/g, ' '))
    else out.error(text.replace(/\r|\n/g, ' '))
    lua.lua_pop(co, 1)
  }

  private hook(L: LuaState): void {
    const host = this.host
    if (host === null) return
    if (host.killed) {
      // Every instruction from now on raises again (a count hook of 1: Redis uses a line hook,
      // which Fengari does not fire on every backward jump), so a pcall cannot swallow it.
      lua.lua_sethook(L, (l: LuaState) => this.killAgain(l), lua.LUA_MASKCOUNT, 1)
      this.server.log.warning('Lua script killed by user with SCRIPT KILL.')
      pushErrorTable(L, 'Script killed by user with SCRIPT KILL...')
      lua.lua_error(L)
      return
    }
    const now = Date.now()
    host.onSlow(now - this.startedAt)
    // a coroutine of the script's inherits this hook; only the script's own thread yields to us
    if (now - this.lastYield >= BUSY_SLICE_MS && L === this.scriptThread && host.canYield() && lua.lua_isyieldable(L)) {
      this.lastYield = now
      lua.lua_yield(L, 0)
    }
  }

  private killAgain(L: LuaState): void {
    pushErrorTable(L, 'Script killed by user with SCRIPT KILL...')
    lua.lua_error(L)
  }

  // ---- redis.* -------------------------------------------------------------------------------

  private redisCall(L: LuaState, raise: boolean): number {
    const host = this.host
    if (host === null) {
      pushErrorTable(L, 'redis.call/pcall can only be called inside a script invocation')
      return lua.lua_error(L)
    }
    const argc = lua.lua_gettop(L)
    if (argc === 0) {
      this.pushError(L, 'Please specify at least one argument for this redis lib call')
      return raise ? lua.lua_error(L) : 1
    }
    const argv = luaArgv(L, argc)
    lua.lua_settop(L, 0)
    if (argv === null) {
      this.pushError(L, 'Lua redis lib command arguments must be strings or integers')
      return raise ? lua.lua_error(L) : 1
    }
    const ldb = this.ldb
    if (ldb !== null && ldb.logging) ldb.log(`<redis>${argv.slice(0, 10).map((a) => ' ' + a).join('')}${argv.length > 10 ? ` ... (${argv.length - 11} more)` : ''}`)
    const r = host.call(argv)
    if ('error' in r) {
      this.pushError(L, r.error)
      pushText(L, 'ignore_error_stats_update')
      lua.lua_pushboolean(L, true)
      lua.lua_settable(L, -3)
      return raise ? lua.lua_error(L) : 1
    }
    // redisProtocolToLuaType_Error goes through luaPushErrorBuff, which logs it
    if (ldb !== null && ldb.logging && r.reply.startsWith('-')) ldb.log(`<error> ${r.reply.slice(0, r.reply.indexOf('\r\n'))}`)
    let isError: boolean
    try {
      isError = respToLua(L, r.reply)
    } catch (e) {
      if (!(e instanceof ReplyParseError)) throw e
      lua.lua_settop(L, 0)
      pushErrorTable(L, e.message)
      isError = true
    }
    if (ldb !== null && ldb.logging) ldb.logRedisReply(r.reply)
    return raise && isError ? lua.lua_error(L) : 1
  }

  /** luaPushError: while the debugger steps, the error is logged too. */
  private pushError(L: LuaState, error: string): void {
    if (this.ldb !== null && this.ldb.logging) this.ldb.log(`<error> ${error}`)
    pushErrorTable(L, error)
  }

  private log(L: LuaState): number {
    const argc = lua.lua_gettop(L)
    if (argc < 2) {
      pushErrorTable(L, 'redis.log() requires two arguments or more.')
      return lua.lua_error(L)
    }
    if (!lua.lua_isnumber(L, 1)) {
      pushErrorTable(L, 'First argument must be a number (log level).')
      return lua.lua_error(L)
    }
    const level = Math.trunc(lua.lua_tonumber(L, 1))
    if (level < LL_DEBUG || level > LL_WARNING) {
      pushErrorTable(L, 'Invalid debug level.')
      return lua.lua_error(L)
    }
    const parts: string[] = []
    for (let j = 2; j <= argc; j++) {
      const s = lua.lua_tolstring(L, j) as Uint8Array | null
      if (s) parts.push(textFromLua(s))
    }
    const text = parts.join(' ')
    const logger = this.server.log
    if (level === LL_DEBUG) logger.debug(text)
    else if (level === LL_VERBOSE) logger.verbose(text)
    else if (level === LL_NOTICE) logger.notice(text)
    else logger.warning(text)
    return 0
  }

  private setResp(L: LuaState): number {
    const host = this.host
    if (host === null) {
      pushErrorTable(L, 'redis.setresp can only be called inside a script invocation')
      return lua.lua_error(L)
    }
    if (lua.lua_gettop(L) !== 1) {
      pushErrorTable(L, 'redis.setresp() requires one argument.')
      return lua.lua_error(L)
    }
    const resp = Math.trunc(lua.lua_tonumber(L, 1))
    if (resp !== 2 && resp !== 3) {
      pushErrorTable(L, 'RESP version must be 2 or 3.')
      return lua.lua_error(L)
    }
    host.resp = resp
    return 0
  }

  private setRepl(L: LuaState): number {
    const host = this.host
    if (host === null) {
      pushErrorTable(L, 'redis.set_repl can only be called inside a script invocation')
      return lua.lua_error(L)
    }
    if (lua.lua_gettop(L) !== 1) {
      pushErrorTable(L, 'redis.set_repl() requires two arguments.')
      return lua.lua_error(L)
    }
    const flags = Math.trunc(lua.lua_tonumber(L, -1))
    if ((flags & ~3) !== 0) {
      pushErrorTable(L, 'Invalid replication flags. Use REPL_AOF, REPL_REPLICA, REPL_ALL or REPL_NONE.')
      return lua.lua_error(L)
    }
    host.replFlags = flags
    return 0
  }

  private aclCheck(L: LuaState): number {
    const host = this.host
    if (host === null) {
      pushErrorTable(L, 'redis.acl_check_cmd can only be called inside a script invocation')
      return lua.lua_error(L)
    }
    const argc = lua.lua_gettop(L)
    if (argc === 0) {
      pushErrorTable(L, 'Please specify at least one argument for this redis lib call')
      return lua.lua_error(L)
    }
    const argv = luaArgv(L, argc)
    lua.lua_settop(L, 0)
    if (argv === null) {
      pushErrorTable(L, 'Lua redis lib command arguments must be strings or integers')
      return lua.lua_error(L)
    }
    const ok = host.aclCheck(argv)
    if (ok === null) {
      pushErrorTable(L, 'Invalid command passed to redis.acl_check_cmd()')
      return lua.lua_error(L)
    }
    lua.lua_pushboolean(L, ok)
    return 1
  }
}

/** Arguments of redis.call: strings as they are, numbers as "%.17g"; null if another type. */
function luaArgv(L: LuaState, argc: number): string[] | null {
  const argv: string[] = new Array(argc)
  for (let j = 1; j <= argc; j++) {
    const t = lua.lua_type(L, j)
    if (t === lua.LUA_TNUMBER) argv[j - 1] = formatG17(lua.lua_tonumber(L, j))
    else if (t === lua.LUA_TSTRING) argv[j - 1] = fromLua(lua.lua_tolstring(L, j))
    else return null
  }
  return argv
}

/** KEYS / ARGV as Redis's luaCreateArray builds them (lua_newtable, no size hint: the same table layout). */
function pushArray(L: LuaState, items: string[]): void {
  lua.lua_newtable(L)
  for (let i = 0; i < items.length; i++) {
    pushBin(L, items[i])
    lua.lua_rawseti(L, -2, i + 1)
  }
}

/** Reading a missing field of the table on top of the stack raises Redis's global-variable error. */
function setErrorMetatable(L: LuaState): void {
  lua.lua_newtable(L)
  lua.lua_pushcfunction(L, (l: LuaState) => {
    const name = lua.lua_tolstring(l, -1) as Uint8Array | null
    return lauxlib.luaL_error(l, lstr("Script attempted to access nonexistent global variable '%s'"), name ?? lstr('?'))
  })
  lua.lua_setfield(L, -2, lstr('__index'))
  lua.lua_setmetatable(L, -2)
}

function protectRecursively(L: LuaState): void {
  if (lua.lua_isreadonlytable(L, -1)) return
  lua.lua_enablereadonlytable(L, -1, true)
  lua.lua_checkstack(L, 2)
  lua.lua_pushnil(L)
  while (lua.lua_next(L, -2)) {
    if (lua.lua_type(L, -1) === lua.LUA_TTABLE) protectRecursively(L)
    lua.lua_pop(L, 1)
  }
  if (lua.lua_getmetatable(L, -1)) {
    protectRecursively(L)
    lua.lua_pop(L, 1)
  }
}

function finishPcall(L: LuaState, status: number): number {
  if (status !== lua.LUA_OK && status !== lua.LUA_YIELD) {
    lua.lua_remove(L, 1) // the result placeholder
    if (lua.lua_type(L, -1) === lua.LUA_TTABLE) {
      lua.lua_getfield(L, -1, lstr('err'))
      if (lua.lua_isstring(L, -1)) lua.lua_replace(L, -2)
      else lua.lua_pop(L, 1)
    }
    lua.lua_pushboolean(L, false)
    lua.lua_insert(L, 1)
  }
  return lua.lua_gettop(L)
}

const redisPcall: LuaCFunction = (L) => {
  lauxlib.luaL_checkany(L, 1)
  const argc = lua.lua_gettop(L)
  lua.lua_pushboolean(L, true)
  lua.lua_insert(L, 1)
  return finishPcall(L, lua.lua_pcallk(L, argc - 1, lua.LUA_MULTRET, 0, 0, (l: LuaState, status: number) => finishPcall(l, status)))
}

const sha1hex: LuaCFunction = (L) => {
  if (lua.lua_gettop(L) !== 1) {
    pushErrorTable(L, 'wrong number of arguments')
    return lua.lua_error(L)
  }
  const s = lua.lua_tolstring(L, 1) as Uint8Array | null
  lua.lua_pushstring(L, lstr(createHash('sha1').update(s ?? new Uint8Array(0)).digest('hex')))
  return 1
}

const errorReply: LuaCFunction = (L) => {
  if (lua.lua_gettop(L) !== 1 || lua.lua_type(L, -1) !== lua.LUA_TSTRING) {
    pushErrorTable(L, 'wrong number or type of arguments')
    return 1
  }
  const err = fromLua(lua.lua_tolstring(L, -1))
  pushErrorTable(L, err.startsWith('-') ? err : `-${err}`)
  return 1
}

const statusReply: LuaCFunction = (L) => {
  if (lua.lua_gettop(L) !== 1 || lua.lua_type(L, -1) !== lua.LUA_TSTRING) {
    pushErrorTable(L, 'wrong number or type of arguments')
    return 1
  }
  lua.lua_newtable(L)
  pushText(L, 'ok')
  lua.lua_pushvalue(L, -3)
  lua.lua_settable(L, -3)
  return 1
}

/**
 * scriptingInit's global __redis__err__handler(err): the error as a table, {err = 'ERR ' ..
 * tostring(err)} unless it is one already, with the source and line of its caller (past a C
 * function, that one's caller). Redis defines it in Lua over the debug library.
 */
const redisErrHandler: LuaCFunction = (L) => {
  const ar = new lua.lua_Debug()
  let found = lua.lua_getstack(L, 1, ar) !== 0
  if (found) {
    lua.lua_getinfo(L, lstr('nSl'), ar)
    const what = ar.what ? textFromLua(ar.what) : ''
    if (what === 'C' || what === 'J') {
      found = lua.lua_getstack(L, 2, ar) !== 0
      if (found) lua.lua_getinfo(L, lstr('nSl'), ar)
    }
  }
  lua.lua_settop(L, 1)
  if (lua.lua_type(L, 1) !== lua.LUA_TTABLE) {
    const msg = textFromLua(lauxlib.luaL_tolstring(L, 1))
    lua.lua_newtable(L)
    pushText(L, `ERR ${msg}`)
    lua.lua_setfield(L, -2, lstr('err'))
  } else lua.lua_pushvalue(L, 1)
  if (found) {
    if (ar.source) pushText(L, textFromLua(ar.source))
    else lua.lua_pushnil(L)
    lua.lua_setfield(L, -2, lstr('source'))
    lua.lua_pushnumber(L, ar.currentline)
    lua.lua_setfield(L, -2, lstr('line'))
  }
  return 1
}

/** Where the error of a dead coroutine was raised: the innermost Lua frame (C frames skipped once). */
function errorPosition(co: LuaState): {source: string; line: number} | null {
  const ar = new lua.lua_Debug()
  if (!lua.lua_getstack(co, 0, ar)) return null
  lua.lua_getinfo(co, lstr('nSl'), ar)
  // Fengari marks JavaScript functions (our C functions: redis.call, error ...) with what = "J".
  if (ar.what && (textFromLua(ar.what) === 'C' || textFromLua(ar.what) === 'J')) {
    if (!lua.lua_getstack(co, 1, ar)) return null
    lua.lua_getinfo(co, lstr('nSl'), ar)
  }
  if (!ar.source) return null
  return {source: textFromLua(ar.source), line: ar.currentline}
}

function luaTypeText(L: LuaState, idx: number): string {
  return textFromLua(lua.lua_typename(L, lua.lua_type(L, idx)))
}

// Redis 7.0 functions (functions.c, function_lua.c): libraries of Lua functions loaded with
// FUNCTION LOAD, called with FCALL / FCALL_RO, listed, deleted, flushed, dumped and restored.
// Libraries are data: they are written to RDB files (FUNCTION2 records), replicated (FUNCTION
// LOAD/DELETE/FLUSH/RESTORE propagate like writes) and restored from both.
import {cmd, helpSubcommand, type CommandContext, type CommandSpec} from '../commands/types.js'
import {globMatch} from '../keyspace/glob.js'
import {ByteReader, ByteWriter} from '../persistence/byte-io.js'
import {finishDumpPayload, verifyDumpPayload} from '../persistence/dump.js'
import {RDB_OPCODE} from '../persistence/rdb-file.js'
import {readString, writeString} from '../persistence/rdb-primitives.js'
import type {NodeServer} from '../server.js'
import {splitArgs} from '../../resp/parser.js'
import {scriptCommand} from './eval.js'
import {LuaEngine} from './engine.js'
import {pushErrorTable} from './convert.js'
import {fromLua, lauxlib, lua, type LuaState} from './lua.js'
import {BUSY_EVAL, SCRIPT_FLAG_NAMES} from './run.js'
import type {Scripting} from './scripting.js'
import {parseIntStrict} from '../commands/util.js'

export interface FunctionInfo {
  name: string
  desc: string | null
  flags: number
  ref: number
  lib: LibraryInfo
}

export interface LibraryInfo {
  name: string
  /** the whole FUNCTION LOAD payload, shebang included (what RDB files and DUMP carry) */
  code: string
  functions: Map<string, FunctionInfo>
}

/** A set of libraries (Redis functionsLibCtx): the live one, or one being restored aside. */
export class LibraryCtx {
  readonly libraries = new Map<string, LibraryInfo>()
  /** by lower-cased name: FCALL finds functions case-insensitively (Redis functionDictType) */
  readonly functions = new Map<string, FunctionInfo>()

  link(li: LibraryInfo): void {
    this.libraries.set(li.name, li)
    for (const fi of li.functions.values()) this.functions.set(fi.name.toLowerCase(), fi)
  }

  unlink(li: LibraryInfo): void {
    this.libraries.delete(li.name)
    for (const fi of li.functions.values()) this.functions.delete(fi.name.toLowerCase())
  }

  findFunction(name: string): FunctionInfo | undefined {
    return this.functions.get(name.toLowerCase())
  }
}

const LOAD_TIMEOUT_MS = 500
const NAME_RE = /^[A-Za-z0-9_]+$/
const BAD_NAME = 'Library names can only contain letters, numbers, or underscores(_) and must be at least one character long'

export class Functions {
  /** created on first use (FUNCTION LOAD, an RDB with libraries) */
  private eng: LuaEngine | null = null
  current = new LibraryCtx()
  /** the library FUNCTION LOAD is running now (redis.register_function adds to it) */
  private loading: LibraryInfo | null = null

  constructor(readonly server: NodeServer) {}

  get engine(): LuaEngine {
    if (this.eng === null) {
      this.eng = new LuaEngine(this.server, 'function')
      this.eng.setupFunctionEnv((L) => this.registerFunction(L))
    }
    return this.eng
  }

  /** Bytes of the functions' Lua heap (0 before the engine exists); INFO used_memory_vm_functions. */
  vmMemory(): number {
    return this.eng === null ? 0 : this.eng.memory()
  }

  /** Library codes in load order (RDB FUNCTION2 records, FUNCTION DUMP). */
  codes(): string[] {
    return [...this.current.libraries.values()].map((l) => l.code)
  }

  /** functionsCreateWithLibraryCtx: compile and link one library into `ctx`; its name or an error text. */
  create(code: string, replace: boolean, ctx: LibraryCtx, timeoutMs: number): {name: string} | {error: string} {
    const md = parseMetadata(code)
    if ('error' in md) return md
    if (!NAME_RE.test(md.name)) return {error: BAD_NAME}
    if (md.engine.toUpperCase() !== 'LUA') return {error: `Engine '${md.engine}' not found`}
    const old = ctx.libraries.get(md.name)
    if (old !== undefined && !replace) return {error: `Library '${md.name}' already exists`}
    if (old !== undefined) ctx.unlink(old)
    const li: LibraryInfo = {name: md.name, code, functions: new Map()}
    const fail = (error: string) => {
      this.free(li)
      if (old !== undefined) ctx.link(old)
      return {error}
    }
    this.loading = li
    let err: string | null
    try {
      err = this.engine.loadLibrary(md.body, timeoutMs)
    } finally {
      this.loading = null
    }
    if (err !== null) return fail(err)
    if (li.functions.size === 0) return fail('No functions registered')
    for (const fi of li.functions.values()) if (ctx.findFunction(fi.name)) return fail(`Function ${fi.name} already exists`)
    ctx.link(li)
    if (old !== undefined) this.free(old)
    return {name: md.name}
  }

  free(li: LibraryInfo): void {
    for (const fi of li.functions.values()) this.engine.unref(fi.ref)
  }

  clear(ctx: LibraryCtx): void {
    for (const li of ctx.libraries.values()) this.free(li)
    ctx.libraries.clear()
    ctx.functions.clear()
  }

  /** Replace every library at once (full sync, FUNCTION RESTORE FLUSH). */
  swap(ctx: LibraryCtx): void {
    const old = this.current
    this.current = ctx
    this.clear(old)
  }

  /** libraryJoin: add `src`'s libraries to the live set (replacing same-named ones when asked). */
  join(src: LibraryCtx, replace: boolean): string | null {
    const dst = this.current
    const replaced: LibraryInfo[] = []
    for (const li of src.libraries.values()) {
      const old = dst.libraries.get(li.name)
      if (old === undefined) continue
      if (!replace) {
        for (const r of replaced) dst.link(r)
        return `Library ${li.name} already exists`
      }
      dst.unlink(old)
      replaced.push(old)
    }
    for (const fi of src.functions.values()) {
      if (dst.findFunction(fi.name)) {
        for (const r of replaced) dst.link(r)
        return `Function ${fi.name} already exists`
      }
    }
    for (const li of src.libraries.values()) dst.link(li)
    src.libraries.clear()
    src.functions.clear()
    for (const r of replaced) this.free(r)
    return null
  }

  /** Load libraries into a fresh context (RDB load, RESTORE); the context, or an error text. */
  loadAll(codes: string[], ctx = new LibraryCtx()): LibraryCtx | {error: string} {
    for (const code of codes) {
      const r = this.create(code, false, ctx, 0)
      if ('error' in r) {
        this.clear(ctx)
        return r
      }
    }
    return ctx
  }

  /**
   * Compile the libraries of an RDB (start-up, AOF preamble, a replica's full sync) aside; the
   * returned commit swaps them in, replacing every library. Throws when one does not load.
   */
  prepare(codes: string[]): () => void {
    const ctx = this.loadAll(codes)
    if ('error' in ctx) throw new Error(`Failed loading function library: ${ctx.error}`)
    return () => this.swap(ctx)
  }

  private registerFunction(L: LuaState): number {
    const li = this.loading
    if (li === null) {
      pushErrorTable(L, 'redis.register_function can only be called on FUNCTION LOAD command')
      return lua.lua_error(L)
    }
    const args = readRegisterArgs(L)
    if ('error' in args) {
      pushErrorTable(L, args.error)
      return lua.lua_error(L)
    }
    if (!NAME_RE.test(args.name) || li.functions.has(args.name)) {
      this.engine.unref(args.ref)
      pushErrorTable(L, NAME_RE.test(args.name) ? 'Function already exists in the library' : BAD_NAME)
      return lua.lua_error(L)
    }
    li.functions.set(args.name, {name: args.name, desc: args.desc, flags: args.flags, ref: args.ref, lib: li})
    return 0
  }
}

/** "#!<engine> name=<lib>\n<code>" (functionExtractLibMetaData); the body keeps the newline. */
function parseMetadata(code: string): {engine: string; name: string; body: string} | {error: string} {
  if (!code.startsWith('#!')) return {error: 'Missing library metadata'}
  const end = code.indexOf('\n')
  if (end < 0) return {error: 'Invalid library metadata'}
  const parts = splitArgs(code.slice(0, end)) // sdssplitargs: name="x" is the name x
  if (parts === null || parts.length === 0) return {error: 'Invalid library metadata'}
  const engine = parts[0].slice(2)
  let name: string | null = null
  for (const part of parts.slice(1)) {
    if (part.slice(0, 5).toLowerCase() === 'name=') {
      if (name !== null) return {error: 'Invalid metadata value, name argument was given multiple times'}
      name = part.slice(5)
      continue
    }
    return {error: `Invalid metadata value given: ${part}`}
  }
  if (name === null) return {error: 'Library name was not given'}
  return {engine, name, body: code.slice(end)}
}

/** redis.register_function(name, fn) or redis.register_function{function_name=..., callback=..., flags=..., description=...}. */
function readRegisterArgs(L: LuaState): {name: string; desc: string | null; flags: number; ref: number} | {error: string} {
  const argc = lua.lua_gettop(L)
  if (argc < 1 || argc > 2) return {error: 'wrong number of arguments to redis.register_function'}
  const ref = () => lauxlib_ref(L)
  if (argc === 2) {
    if (!lua.lua_isstring(L, 1)) return {error: 'first argument to redis.register_function must be a string'}
    if (lua.lua_type(L, 2) !== lua.LUA_TFUNCTION) return {error: 'second argument to redis.register_function must be a function'}
    const name = fromLua(lua.lua_tolstring(L, 1))
    lua.lua_settop(L, 2)
    return {name, desc: null, flags: 0, ref: ref()}
  }
  if (lua.lua_type(L, 1) !== lua.LUA_TTABLE) return {error: 'calling redis.register_function with a single argument is only applicable to Lua table (representing named arguments).'}
  let name: string | null = null
  let desc: string | null = null
  let flags = 0
  let fnRef: number | null = null
  const fail = (error: string) => {
    if (fnRef !== null) lauxlib_unref(L, fnRef)
    return {error}
  }
  lua.lua_pushnil(L)
  while (lua.lua_next(L, 1)) {
    if (lua.lua_type(L, -2) !== lua.LUA_TSTRING) return fail('named argument key given to redis.register_function is not a string')
    const key = fromLua(lua.lua_tolstring(L, -2)).toLowerCase()
    if (key === 'function_name') {
      if (!lua.lua_isstring(L, -1)) return fail('function_name argument given to redis.register_function must be a string')
      name = fromLua(lua.lua_tolstring(L, -1))
    } else if (key === 'description') {
      if (!lua.lua_isstring(L, -1)) return fail('description argument given to redis.register_function must be a string')
      desc = fromLua(lua.lua_tolstring(L, -1))
    } else if (key === 'callback') {
      if (lua.lua_type(L, -1) !== lua.LUA_TFUNCTION) return fail('callback argument given to redis.register_function must be a function')
      if (fnRef !== null) lauxlib_unref(L, fnRef)
      fnRef = lauxlib_ref(L) // pops the value
      continue
    } else if (key === 'flags') {
      if (lua.lua_type(L, -1) !== lua.LUA_TTABLE) return fail('flags argument to redis.register_function must be a table representing function flags')
      const f = readFlags(L)
      if (f === null) return fail('unknown flag given')
      flags = f
    } else return fail('unknown argument given to redis.register_function')
    lua.lua_pop(L, 1)
  }
  if (name === null) return fail('redis.register_function must get a function name argument')
  if (fnRef === null) return fail('redis.register_function must get a callback argument')
  return {name, desc, flags, ref: fnRef}
}

function readFlags(L: LuaState): number | null {
  let flags = 0
  for (let j = 1; ; j++) {
    lua.lua_pushnumber(L, j)
    lua.lua_gettable(L, -2)
    const t = lua.lua_type(L, -1)
    if (t === lua.LUA_TNIL) {
      lua.lua_pop(L, 1)
      return flags
    }
    if (!lua.lua_isstring(L, -1)) {
      lua.lua_pop(L, 1)
      return null
    }
    const s = fromLua(lua.lua_tolstring(L, -1)).toLowerCase()
    lua.lua_pop(L, 1)
    const def = SCRIPT_FLAG_NAMES.find(([n]) => n === s)
    if (def === undefined) return null
    flags |= def[1]
  }
}

/** luaL_ref: keep the value on top of the stack (popping it) in the registry. */
function lauxlib_ref(L: LuaState): number {
  return lauxlib.luaL_ref(L, lua.LUA_REGISTRYINDEX) as number
}

function lauxlib_unref(L: LuaState, ref: number): void {
  lauxlib.luaL_unref(L, lua.LUA_REGISTRYINDEX, ref)
}

// ---- payloads --------------------------------------------------------------------------------

/** FUNCTION DUMP: FUNCTION2 records, RDB version, CRC-64 (functionDumpCommand). */
export function dumpFunctions(codes: string[], compress: boolean): Buffer {
  const w = new ByteWriter()
  for (const c of codes) {
    w.u8(RDB_OPCODE.FUNCTION2)
    writeString(w, c, compress)
  }
  return finishDumpPayload(w)
}

/** The library codes of a FUNCTION RESTORE payload, or the error Redis gives. */
export function parseFunctionsPayload(buf: Buffer): string[] | {error: string} {
  try {
    verifyDumpPayload(buf)
  } catch {
    return {error: 'DUMP payload version or checksum are wrong'}
  }
  const r = new ByteReader(buf.subarray(0, buf.length - 10))
  const codes: string[] = []
  try {
    while (r.remaining > 0) {
      const type = r.u8()
      if (type !== RDB_OPCODE.FUNCTION2 && type !== RDB_OPCODE.FUNCTION_PRE_GA) return {error: 'given type is not a function'}
      if (type === RDB_OPCODE.FUNCTION_PRE_GA) return {error: 'Pre-GA function format not supported'}
      codes.push(readString(r))
    }
  } catch {
    return {error: 'failed loading the given functions payload'}
  }
  return codes
}

// ---- commands --------------------------------------------------------------------------------

const FUNCTION_HELP = [
  'FUNCTION <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
  'LOAD [REPLACE] <FUNCTION CODE>',
  '    Create a new library with the given library name and code.',
  'DELETE <LIBRARY NAME>',
  '    Delete the given library.',
  'LIST [LIBRARYNAME PATTERN] [WITHCODE]',
  '    Return general information on all the libraries:',
  '    * Library name',
  '    * The engine used to run the Library',
  '    * Library description',
  '    * Functions list',
  '    * Library code (if WITHCODE is given)',
  '    It also possible to get only function that matches a pattern using LIBRARYNAME argument.',
  'STATS',
  '    Return information about the current function running:',
  '    * Function name',
  '    * Command used to run the function',
  '    * Duration in MS that the function is running',
  '    If no function is running, return nil',
  '    In addition, returns a list of available engines.',
  'KILL',
  '    Kill the current running function.',
  'FLUSH [ASYNC|SYNC]',
  '    Delete all the libraries.',
  '    When called without the optional mode argument, the behavior is determined by the',
  '    lazyfree-lazy-user-flush configuration directive. Valid modes are:',
  '    * ASYNC: Asynchronously flush the libraries.',
  '    * SYNC: Synchronously flush the libraries.',
  'DUMP',
  '    Return a serialized payload representing the current libraries, can be restored using FUNCTION RESTORE command',
  'RESTORE <PAYLOAD> [FLUSH|APPEND|REPLACE]',
  '    Restore the libraries represented by the given payload, it is possible to give a restore policy to',
  '    control how to handle existing libraries (default APPEND):',
  '    * FLUSH: delete all existing libraries.',
  '    * APPEND: appends the restored libraries to the existing libraries. On collision, abort.',
  '    * REPLACE: appends the restored libraries to the existing libraries, On collision, replace the old',
  '      libraries with the new libraries (notice that even on this option there is a chance of failure',
  '      in case of functions name collision with another library).',
  'HELP',
  '    Prints this help.',
]

export function functionCommands(sc: Scripting, fx: Functions): CommandSpec[] {
  const cat = {categories: ['@slow', '@scripting']}
  const sub = (name: string, arity: number, flags: CommandSpec['flags'], handler: CommandSpec['handler']) => cmd(name, arity, flags, 0, handler, cat)
  return [
    scriptCommand('fcall', ['noscript', 'stale'], (ctx, argv) => fcall(sc, fx, ctx, argv, false)),
    scriptCommand('fcall_ro', ['noscript', 'stale', 'readonly'], (ctx, argv) => fcall(sc, fx, ctx, argv, true)),
    cmd('function', -2, [], 0, () => undefined, {
      categories: ['@slow'],
      subcommands: [
        sub('load', -3, ['noscript', 'write', 'denyoom'], (ctx, argv) => functionLoad(fx, ctx, argv)),
        sub('delete', 3, ['noscript', 'write'], (ctx, argv) => {
          const li = fx.current.libraries.get(argv[2])
          if (li === undefined) return ctx.reply.error('ERR Library not found')
          fx.current.unlink(li)
          fx.free(li)
          ctx.afterWriteAll()
          ctx.reply.ok()
        }),
        sub('flush', -2, ['noscript', 'write'], (ctx, argv) => {
          if (argv.length > 3) return ctx.reply.error(`ERR unknown subcommand or wrong number of arguments for '${argv[1]}'. Try FUNCTION HELP.`)
          const mode = argv.length === 3 ? argv[2].toLowerCase() : ''
          if (argv.length === 3 && mode !== 'sync' && mode !== 'async') return ctx.reply.error('ERR FUNCTION FLUSH only supports SYNC|ASYNC option')
          fx.clear(fx.current)
          ctx.afterWriteAll()
          ctx.reply.ok()
        }),
        sub('list', -2, ['noscript'], (ctx, argv) => functionList(fx, ctx, argv)),
        sub('stats', 2, ['noscript'], (ctx) => functionStats(sc, fx, ctx)),
        sub('kill', 2, ['noscript'], (ctx) => {
          const err = sc.kill(false)
          if (err !== null) return ctx.reply.error(err)
          ctx.reply.ok()
        }),
        sub('dump', 2, ['noscript'], (ctx) => {
          ctx.reply.bulk(dumpFunctions(fx.codes(), ctx.server.config.bool('rdbcompression')).toString('latin1'))
        }),
        sub('restore', -3, ['noscript', 'write', 'denyoom'], (ctx, argv) => functionRestore(fx, ctx, argv)),
        helpSubcommand(FUNCTION_HELP, cat),
      ],
    }),
  ]
}

function functionLoad(fx: Functions, ctx: CommandContext, argv: string[]): void {
  let replace = false
  let i = 2
  while (i < argv.length - 1) {
    const a = argv[i++]
    if (a.toLowerCase() === 'replace') {
      replace = true
      continue
    }
    return ctx.reply.error(`ERR Unknown option given: ${a}`)
  }
  if (i >= argv.length) return ctx.reply.error('ERR Function code is missing')
  const s = ctx.session
  const timeout = s.fromMaster || s.socket === null ? 0 : LOAD_TIMEOUT_MS
  const r = fx.create(argv[i], replace, fx.current, timeout)
  if ('error' in r) return ctx.reply.error(r.error.startsWith('ERR ') ? r.error : `ERR ${r.error}`)
  ctx.afterWriteAll()
  ctx.reply.bulk(r.name)
}

function functionList(fx: Functions, ctx: CommandContext, argv: string[]): void {
  let withCode = false
  let pattern: string | null = null
  for (let i = 2; i < argv.length; i++) {
    const a = argv[i].toLowerCase()
    if (!withCode && a === 'withcode') {
      withCode = true
      continue
    }
    if (pattern === null && a === 'libraryname') {
      if (i >= argv.length - 1) return ctx.reply.error('ERR library name argument was not given')
      pattern = argv[++i]
      continue
    }
    return ctx.reply.error(`ERR Unknown argument ${argv[i]}`)
  }
  const libs = [...fx.current.libraries.values()].filter((li) => pattern === null || globMatch(pattern, li.name, true))
  const r = ctx.reply
  r.array(libs.length)
  for (const li of libs) {
    r.map(withCode ? 4 : 3)
    r.bulk('library_name')
    r.bulk(li.name)
    r.bulk('engine')
    r.bulk('LUA')
    r.bulk('functions')
    r.array(li.functions.size)
    for (const fi of li.functions.values()) {
      r.map(3)
      r.bulk('name')
      r.bulk(fi.name)
      r.bulk('description')
      if (fi.desc === null) r.nil()
      else r.bulk(fi.desc)
      r.bulk('flags')
      const names = SCRIPT_FLAG_NAMES.filter(([, f]) => fi.flags & f).map(([n]) => n)
      r.set(names.length)
      for (const n of names) r.simple(n)
    }
    if (withCode) {
      r.bulk('library_code')
      r.bulk(li.code)
    }
  }
}

function functionStats(sc: Scripting, fx: Functions, ctx: CommandContext): void {
  const run = sc.current
  if (run !== null && run.init.evalMode) return ctx.reply.error(BUSY_EVAL)
  const r = ctx.reply
  r.map(2)
  r.bulk('running_script')
  if (run === null) r.nil()
  else {
    r.map(3)
    r.bulk('name')
    r.bulk(run.init.funcname)
    r.bulk('command')
    const argv = run.init.argv
    r.array(argv.length)
    for (const a of argv) r.bulk(a)
    r.bulk('duration_ms')
    r.integer(Date.now() - run.startedAt)
  }
  r.bulk('engines')
  r.map(1)
  r.bulk('LUA')
  r.map(2)
  r.bulk('libraries_count')
  r.integer(fx.current.libraries.size)
  r.bulk('functions_count')
  r.integer(fx.current.functions.size)
}

function functionRestore(fx: Functions, ctx: CommandContext, argv: string[]): void {
  if (argv.length > 4) return ctx.reply.error(`ERR unknown subcommand or wrong number of arguments for '${argv[1]}'. Try FUNCTION HELP.`)
  let policy = 'append'
  if (argv.length === 4) {
    policy = argv[3].toLowerCase()
    if (policy !== 'append' && policy !== 'replace' && policy !== 'flush') return ctx.reply.error('ERR Wrong restore policy given, value should be either FLUSH, APPEND or REPLACE.')
  }
  const codes = parseFunctionsPayload(Buffer.from(argv[2], 'latin1'))
  if ('error' in codes) return ctx.reply.error(`ERR ${codes.error}`)
  const loaded = fx.loadAll(codes)
  if ('error' in loaded) return ctx.reply.error(`ERR ${loaded.error}`)
  if (policy === 'flush') fx.swap(loaded)
  else {
    const err = fx.join(loaded, policy === 'replace')
    if (err !== null) {
      fx.clear(loaded)
      return ctx.reply.error(`ERR ${err}`)
    }
  }
  ctx.afterWriteAll()
  ctx.reply.ok()
}

function fcall(sc: Scripting, fx: Functions, ctx: CommandContext, argv: string[], ro: boolean): void | Promise<void> {
  const fi = fx.current.findFunction(argv[1])
  if (fi === undefined) return ctx.reply.error('ERR Function not found')
  const raw = argv[2]
  if (parseIntStrict(raw) === null) return ctx.reply.error('ERR Bad number of keys provided')
  const numkeys = Number(raw)
  if (numkeys > argv.length - 3) return ctx.reply.error("ERR Number of keys can't be greater than number of args")
  if (numkeys < 0) return ctx.reply.error("ERR Number of keys can't be negative")
  const err = sc.prepareError(ctx.session, fi.flags, ro)
  if (err !== null) return ctx.reply.error(err)
  return sc.execute({
    engine: fx.engine,
    key: fi.ref,
    keys: argv.slice(3, 3 + numkeys),
    args: argv.slice(3 + numkeys),
    caller: ctx.session,
    out: ctx.reply,
    flags: fi.flags,
    ro,
    evalMode: false,
    funcname: fi.name,
    argv,
  })
}


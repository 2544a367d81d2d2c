// The Lua debugger (Redis 7.0 eval.c "LDB"): SCRIPT DEBUG YES|SYNC, the session an EVAL enters
// when its client asked for debugging, the line hook that stops the script, the debugger REPL
// (step, continue, list, print, break, trace, eval, redis, maxlen, abort, help) and its log
// lines. Like Redis, the session does blocking I/O on the client's socket from inside the Lua
// hook: the node serves nobody else until the session ends (Redis SYNC mode). A YES session runs
// the same way on an undo log (ldb-undo.ts) that puts back every key it wrote, standing in for
// Redis's fork(): its writes are never kept and never propagated.
import {readSync, writeSync} from 'node:fs'
import type {Socket} from 'node:net'
import {sdsRepr} from '../sds-repr.js'
import {atoi, cfind, errorText, formatC, protocolToHuman, string2l} from './ldb-text.js'
import {fromLua, lauxlib, lstr, lua, toLua, type LuaState} from './lua.js'
import {pushErrorTable} from './convert.js'

const BREAKPOINTS_MAX = 64
const MAX_LEN_DEFAULT = 256
/** LDB_MAX_VALUES_DEPTH: LUA_MINSTACK/2 */
const MAX_VALUES_DEPTH = 10
/** connSendTimeout(ldb.conn, 5000) */
const SEND_TIMEOUT_MS = 5000
const SLEEPER = new Int32Array(new SharedArrayBuffer(4))

const HELP = [
  'Redis Lua debugger help:',
  '[h]elp               Show this help.',
  '[s]tep               Run current line and stop again.',
  '[n]ext               Alias for step.',
  '[c]ontinue           Run till next breakpoint.',
  '[l]ist               List source code around current line.',
  '[l]ist [line]        List source code around [line].',
  '                     line = 0 means: current position.',
  '[l]ist [line] [ctx]  In this form [ctx] specifies how many lines',
  '                     to show before/after [line].',
  "[w]hole              List all source code. Alias for 'list 1 1000000'.",
  '[p]rint              Show all the local variables.',
  '[p]rint <var>        Show the value of the specified variable.',
  '                     Can also show global vars KEYS and ARGV.',
  '[b]reak              Show all breakpoints.',
  '[b]reak <line>       Add a breakpoint to the specified line.',
  '[b]reak -<line>      Remove breakpoint from the specified line.',
  '[b]reak 0            Remove all breakpoints.',
  '[t]race              Show a backtrace.',
  '[e]val <code>        Execute some Lua code (in a different callframe).',
  '[r]edis <cmd>        Execute a Redis command.',
  '[m]axlen [len]       Trim logged Redis replies and Lua var dumps to len.',
  '                     Specifying zero as <len> means unlimited.',
  '[a]bort              Stop the execution of the script. In sync',
  '                     mode dataset changes will be retained.',
  '',
  'Debugger functions you can call from Lua scripts:',
  'redis.debug()        Produce logs in the debugger console.',
  'redis.breakpoint()   Stop execution like if there was a breakpoint in the',
  '                     next line of code.',
]

export type LdbMode = 'yes' | 'sync'

export class Ldb {
  active = false
  forked = false
  /** stop at the next line */
  step = false
  /** redis.breakpoint() was called */
  luabp = false
  private readonly bp = new Int32Array(BREAKPOINTS_MAX)
  private bpcount = 0
  maxlen = MAX_LEN_DEFAULT
  private maxlenHintSent = false
  private logs: string[] = []
  private src: string[] = []
  currentline = -1
  private cbuf = Buffer.alloc(0)
  private socket: Socket | null = null
  private fd = -1
  private startedAt = 0
  private pointers = new WeakMap<object, number>()
  private nextPointer = 0x7f0000001000

  constructor(private readonly busyThresholdMs: () => number) {}

  /** ldbEnable (SCRIPT DEBUG YES|SYNC): a fresh debugger bound to this client's connection. */
  enable(socket: Socket | null): void {
    this.logs = []
    this.socket = socket
    this.step = true
    this.bpcount = 0
    this.luabp = false
    this.cbuf = Buffer.alloc(0)
    this.maxlen = MAX_LEN_DEFAULT
    this.maxlenHintSent = false
  }

  /** The connection the session talks to (the client that runs the debugged EVAL). */
  enableOn(socket: Socket | null): void {
    this.socket = socket
  }

  /** ldbIsEnabled: log redis.call traffic (only while stepping). */
  get logging(): boolean {
    return this.active && this.step
  }

  /** ldbStartSession (after the fork, or at once in sync mode). */
  start(forked: boolean, script: string): void {
    this.forked = forked
    this.fd = (this.socket as unknown as {_handle?: {fd?: number}} | null)?._handle?.fd ?? -1
    this.active = true
    this.startedAt = Date.now()
    const body = script.replace(/[\r\n]+$/, '')
    this.src = body.length === 0 ? [] : body.split('\n')
  }

  /** ldbEndSession: the last logs and the <endsession> mark. */
  end(): void {
    this.log('<endsession>')
    this.sendLogs()
    this.src = []
    this.active = false
  }

  log(entry: string): void {
    this.logs.push(entry)
  }

  /** ldbLogWithMaxLen */
  private logWithMaxLen(entry: string): void {
    let trimmed = false
    if (this.maxlen && entry.length > this.maxlen) {
      entry = entry.slice(0, this.maxlen) + ' ...'
      trimmed = true
    }
    this.log(entry)
    if (trimmed && !this.maxlenHintSent) {
      this.maxlenHintSent = true
      this.log("<hint> The above reply was trimmed. Use 'maxlen 0' to disable trimming.")
    }
  }

  /** ldbSendLogs: the pending logs as one array of status replies, written straight to the socket. */
  sendLogs(): void {
    let proto = `*${this.logs.length}\r\n`
    for (const l of this.logs) proto += `+${l.replace(/[\r\n]/g, ' ')}\r\n`
    this.logs = []
    this.write(Buffer.from(proto, 'latin1'))
  }

  private write(buf: Buffer): void {
    if (this.fd < 0) return
    let off = 0
    const deadline = Date.now() + SEND_TIMEOUT_MS
    while (off < buf.length) {
      try {
        off += writeSync(this.fd, buf, off, buf.length - off)
      } catch (e) {
        // a closed peer: the next read notices and ends the interaction
        if ((e as NodeJS.ErrnoException).code !== 'EAGAIN' || Date.now() > deadline) return
        Atomics.wait(SLEEPER, 0, 0, 1)
      }
    }
  }

  /** Blocking read of what the client sent next; null once it closed the connection. */
  private read(): Buffer | null {
    if (this.fd < 0) return null
    const buf = Buffer.alloc(1024)
    for (;;) {
      try {
        const n = readSync(this.fd, buf, 0, buf.length, null)
        return n <= 0 ? null : buf.subarray(0, n)
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EAGAIN') return null
        Atomics.wait(SLEEPER, 0, 0, 2)
      }
    }
  }

  // ---- source lines and breakpoints ------------------------------------------------------------

  private sourceLine(line: number): string {
    const i = line - 1
    return i < 0 || i >= this.src.length ? '<out of range source code line>' : this.src[i]
  }

  private isBreakpoint(line: number): boolean {
    for (let j = 0; j < this.bpcount; j++) if (this.bp[j] === line) return true
    return false
  }

  private addBreakpoint(line: number): boolean {
    if (line <= 0 || line > this.src.length) return false
    if (!this.isBreakpoint(line) && this.bpcount !== BREAKPOINTS_MAX) {
      this.bp[this.bpcount++] = line
      return true
    }
    return false
  }

  private delBreakpoint(line: number): boolean {
    for (let j = 0; j < this.bpcount; j++) {
      if (this.bp[j] === line) {
        this.bpcount--
        // redis moves bpcount-j *bytes* of the int array (memmove without sizeof(int))
        new Uint8Array(this.bp.buffer).copyWithin(j * 4, (j + 1) * 4, (j + 1) * 4 + (this.bpcount - j))
        return true
      }
    }
    return false
  }

  private logSourceLine(lnum: number): void {
    const bp = this.isBreakpoint(lnum)
    const current = this.currentline === lnum
    const prefix = current && bp ? '->#' : current ? '-> ' : bp ? '  #' : '   '
    this.log(`${prefix}${String(lnum).padEnd(3)} ${this.sourceLine(lnum)}`)
  }

  private list(around: number, context: number): void {
    for (let j = 1; j <= this.src.length; j++) {
      if (around !== 0 && Math.abs(around - j) > context) continue
      this.logSourceLine(j)
    }
  }

  // ---- values ----------------------------------------------------------------------------------

  /** ldbCatStackValueRec */
  catValue(L: LuaState, idx: number, level = 0): string {
    const t = lua.lua_type(L, idx)
    if (level++ === MAX_VALUES_DEPTH) return '<max recursion level reached! Nested table?>'
    switch (t) {
      case lua.LUA_TSTRING:
        return sdsRepr(fromLua(lua.lua_tolstring(L, idx)))
      case lua.LUA_TBOOLEAN:
        return lua.lua_toboolean(L, idx) ? 'true' : 'false'
      case lua.LUA_TNUMBER:
        return formatC(lua.lua_tonumber(L, idx))
      case lua.LUA_TNIL:
        return 'nil'
      case lua.LUA_TTABLE: {
        let expected = 1
        let isArray = true
        const arr: string[] = []
        const full: string[] = []
        lua.lua_pushnil(L)
        while (lua.lua_next(L, idx - 1)) {
          if (isArray && (lua.lua_type(L, -2) !== lua.LUA_TNUMBER || lua.lua_tonumber(L, -2) !== expected)) isArray = false
          arr.push(this.catValue(L, -1, level))
          full.push(`[${this.catValue(L, -2, level)}]=${this.catValue(L, -1, level)}`)
          lua.lua_pop(L, 1)
          expected++
        }
        return `{${(isArray ? arr : full).join('; ')}}`
      }
      case lua.LUA_TFUNCTION:
      case lua.LUA_TUSERDATA:
      case lua.LUA_TTHREAD:
      case lua.LUA_TLIGHTUSERDATA: {
        const name = t === lua.LUA_TFUNCTION ? 'function' : t === lua.LUA_TUSERDATA ? 'userdata' : t === lua.LUA_TTHREAD ? 'thread' : 'light-userdata'
        return `"${name}@0x${this.pointer(lua.lua_topointer(L, idx)).toString(16)}"`
      }
      default:
        return '"<unknown-lua-type>"'
    }
  }

  /** A stable made-up address per object (%p). */
  private pointer(p: unknown): number {
    if (typeof p !== 'object' || p === null) return 0
    let n = this.pointers.get(p)
    if (n === undefined) {
      n = this.nextPointer += 0x40
      this.pointers.set(p, n)
    }
    return n
  }

  private logStackValue(L: LuaState, prefix: string): void {
    this.logWithMaxLen(prefix + this.catValue(L, -1))
  }

  /** ldbLogRedisReply: a command's RESP reply, the way the debugger shows it. */
  logRedisReply(reply: string): void {
    this.logWithMaxLen('<reply> ' + protocolToHuman(reply, {at: 0}))
  }

  /** redis.debug() */
  debugCommand(L: LuaState): number {
    if (!this.active) return 0
    const argc = lua.lua_gettop(L)
    const parts: string[] = []
    for (let i = 1; i <= argc; i++) parts.push(this.catValue(L, i - argc - 1))
    this.log(`<debug> line ${this.currentline}: ${parts.join(', ')}`)
    return 0
  }

  /** redis.breakpoint() */
  breakpointCommand(L: LuaState): number {
    if (this.active) this.luabp = true
    lua.lua_pushboolean(L, this.active)
    return 1
  }

  // ---- the hook and the REPL -------------------------------------------------------------------

  /** luaLdbLineHook: called before every line (and every 100000 instructions). */
  hook(L: LuaState, event: number): void {
    const ar = new lua.lua_Debug()
    lua.lua_getstack(L, 0, ar)
    lua.lua_getinfo(L, lstr('Sl'), ar)
    this.currentline = ar.currentline
    const bp = this.isBreakpoint(this.currentline) || this.luabp
    let timeout = false
    if (ar.short_src === null || !fromLua(ar.short_src).includes('user_script')) return
    if (event === lua.LUA_HOOKCOUNT && !this.step && !bp) {
      const limit = this.busyThresholdMs() || 5000
      if (Date.now() - this.startedAt < limit) return
      timeout = true
      this.step = true
    }
    if (!this.step && !bp) return
    const reason = bp ? (this.luabp ? 'redis.breakpoint() called' : 'break point') : timeout ? 'timeout reached, infinite loop?' : 'step over'
    this.step = false
    this.luabp = false
    this.log(`* Stopped at ${this.currentline}, stop reason = ${reason}`)
    this.logSourceLine(this.currentline)
    this.sendLogs()
    if (!this.repl(L) && timeout) {
      pushErrorTable(L, 'timeout during Lua debugging with client closing connection')
      lua.lua_error(L)
    }
    this.startedAt = Date.now()
  }

  /** ldbReplParseCommand: null when more input is needed; throws 'protocol error'. */
  private parseCommand(): string[] | null {
    const b = this.cbuf
    if (b.length === 0) return null
    let p = cfind(b, '*', 0)
    if (p < 0) throw new Error('protocol error')
    let eol = cfind(b, '\r\n', p)
    if (eol < 0) return null
    const argc = atoi(b.toString('latin1', p + 1, eol))
    if (argc <= 0 || argc > 1024) throw new Error('protocol error')
    p = eol + 2
    const argv: string[] = []
    while (argv.length < argc) {
      if (p >= b.length || b[p] === 0) return null
      if (b[p] !== 0x24) throw new Error('protocol error')
      eol = cfind(b, '\r\n', p)
      if (eol < 0) return null
      const slen = atoi(b.toString('latin1', p + 1, eol))
      if (slen <= 0 || slen > 1024) throw new Error('protocol error')
      p = eol + 2
      if (p + slen + 2 > b.length) return null
      argv.push(b.toString('latin1', p, p + slen))
      p += slen
      if (b[p] !== 0x0d || b[p + 1] !== 0x0a) throw new Error('protocol error')
      p += 2
    }
    return argv
  }

  /** ldbRepl: serve debugger commands until one resumes the script; false when the client left. */
  private repl(L: LuaState): boolean {
    for (;;) {
      let argv: string[] | null
      for (;;) {
        try {
          argv = this.parseCommand()
        } catch (e) {
          pushErrorTable(L, (e as Error).message)
          return lua.lua_error(L)
        }
        if (argv !== null) break
        const chunk = this.read()
        if (chunk === null) {
          // the client is gone: let the script run to its end without stopping
          this.step = false
          this.bpcount = 0
          return false
        }
        this.cbuf = Buffer.concat([this.cbuf, chunk])
        if (this.cbuf.length > 1 << 20) {
          this.cbuf = Buffer.alloc(0)
          pushErrorTable(L, 'max client buffer reached')
          return lua.lua_error(L)
        }
      }
      this.cbuf = Buffer.alloc(0)
      if (this.command(L, argv)) return true
    }
  }

  /** One debugger command; true when it resumes the script. */
  private command(L: LuaState, argv: string[]): boolean {
    const cmd = argv[0].toLowerCase()
    const argc = argv.length
    if (cmd === 'h' || cmd === 'help') for (const l of HELP) this.log(l)
    else if (cmd === 's' || cmd === 'step' || cmd === 'n' || cmd === 'next') {
      this.step = true
      return true
    } else if (cmd === 'c' || cmd === 'continue') return true
    else if (cmd === 't' || cmd === 'trace') this.trace(L)
    else if (cmd === 'm' || cmd === 'maxlen') this.maxlenCommand(argv)
    else if (cmd === 'b' || cmd === 'break') this.breakCommand(argv)
    else if (cmd === 'e' || cmd === 'eval') this.evalCommand(L, argv)
    else if (cmd === 'a' || cmd === 'abort') {
      pushErrorTable(L, 'script aborted for user request')
      lua.lua_error(L)
    } else if (argc > 1 && (cmd === 'r' || cmd === 'redis')) this.redisCommand(L, argv)
    else if (cmd === 'p' || cmd === 'print') {
      if (argc === 2) this.print(L, argv[1])
      else this.printAll(L)
    } else if (cmd === 'l' || cmd === 'list') {
      let around = this.currentline
      const num = argc > 1 ? atoi(argv[1]) : 0
      if (num > 0) around = num
      this.list(around, argc > 2 ? atoi(argv[2]) : 5)
    } else if (cmd === 'w' || cmd === 'whole') this.list(1, 1000000)
    else this.log('<error> Unknown Redis Lua debugger command or wrong number of arguments.')
    this.sendLogs()
    return false
  }

  private maxlenCommand(argv: string[]): void {
    if (argv.length === 2) {
      let v = atoi(argv[1])
      this.maxlenHintSent = true
      if (v !== 0 && v <= 60) v = 60
      this.maxlen = v
    }
    this.log(this.maxlen ? `<value> replies are truncated at ${this.maxlen} bytes.` : '<value> replies are unlimited.')
  }

  private breakCommand(argv: string[]): void {
    if (argv.length === 1) {
      if (this.bpcount === 0) return this.log("No breakpoints set. Use 'b <line>' to add one.")
      this.log(`${this.bpcount} breakpoints set:`)
      for (let j = 0; j < this.bpcount; j++) this.logSourceLine(this.bp[j])
      return
    }
    for (const arg of argv.slice(1)) {
      const line = string2l(arg)
      if (line === null) this.log(`Invalid argument:'${arg}'`)
      else if (line === 0) {
        this.bpcount = 0
        this.log('All breakpoints removed.')
      } else if (line > 0) {
        if (this.bpcount === BREAKPOINTS_MAX) this.log('Too many breakpoints set.')
        else if (this.addBreakpoint(line)) this.list(line, 1)
        else this.log('Wrong line number.')
      } else this.log(this.delBreakpoint(-line) ? 'Breakpoint removed.' : 'No breakpoint in the specified line.')
    }
  }

  /** ldbEval: the code as an expression ("return ..."), else as a statement. */
  private evalCommand(L: LuaState, argv: string[]): void {
    const code = argv.slice(1).join(' ')
    const name = lstr('@ldb_eval')
    if (lauxlib.luaL_loadbuffer(L, toLua(`return ${code}`), null, name) !== lua.LUA_OK) {
      lua.lua_pop(L, 1)
      if (lauxlib.luaL_loadbuffer(L, toLua(code), null, name) !== lua.LUA_OK) {
        this.log(`<error> ${errorText(L)}`)
        lua.lua_pop(L, 1)
        return
      }
    }
    if (lua.lua_pcall(L, 0, 1, 0) !== lua.LUA_OK) {
      this.log(`<error> ${errorText(L)}`)
      lua.lua_pop(L, 1)
      return
    }
    this.logStackValue(L, '<retval> ')
    lua.lua_pop(L, 1)
  }

  /** ldbRedis: redis.call with logging forced on, so the command and its reply are logged. */
  private redisCommand(L: LuaState, argv: string[]): void {
    if (!lua.lua_checkstack(L, argv.length + 1)) return this.logRedisReply('max lua stack reached')
    lua.lua_getglobal(L, lstr('redis'))
    lua.lua_pushstring(L, lstr('call'))
    lua.lua_gettable(L, -2)
    for (const a of argv.slice(1)) lua.lua_pushstring(L, toLua(a))
    this.step = true
    lua.lua_pcall(L, argv.length - 1, 1, 0)
    this.step = false
    lua.lua_pop(L, 2)
  }

  private trace(L: LuaState): void {
    const ar = new lua.lua_Debug()
    let level = 0
    while (lua.lua_getstack(L, level, ar)) {
      lua.lua_getinfo(L, lstr('Snl'), ar)
      if (ar.short_src !== null && fromLua(ar.short_src).includes('user_script')) {
        this.log(`${level === 0 ? 'In' : 'From'} ${ar.name ? fromLua(ar.name) : 'top level'}:`)
        this.logSourceLine(ar.currentline)
      }
      level++
    }
    if (level === 0) this.log("<error> Can't retrieve Lua stack.")
  }

  private print(L: LuaState, varname: string): void {
    const ar = new lua.lua_Debug()
    for (let l = 0; lua.lua_getstack(L, l, ar); l++) {
      for (let i = 1; ; i++) {
        const name = lua.lua_getlocal(L, ar, i)
        if (name === null || name === undefined) break
        if (fromLua(name) === varname) {
          this.logStackValue(L, '<value> ')
          lua.lua_pop(L, 1)
          return
        }
        lua.lua_pop(L, 1)
      }
    }
    if (varname === 'ARGV' || varname === 'KEYS') {
      lua.lua_getglobal(L, lstr(varname))
      this.logStackValue(L, '<value> ')
      lua.lua_pop(L, 1)
    } else this.log('No such variable.')
  }

  private printAll(L: LuaState): void {
    const ar = new lua.lua_Debug()
    let vars = 0
    if (lua.lua_getstack(L, 0, ar)) {
      for (let i = 1; ; i++) {
        const name = lua.lua_getlocal(L, ar, i)
        if (name === null || name === undefined) break
        const n = fromLua(name)
        if (!n.includes('(*temporary)')) {
          this.logStackValue(L, `<value> ${n} = `)
          vars++
        }
        lua.lua_pop(L, 1)
      }
    }
    if (vars === 0) this.log('No local variables in the current context.')
  }
}

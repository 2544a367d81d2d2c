// The `cjson` library as Redis 7.0.15 ships it (lua-cjson 2.1.0, deps/lua/src/lua_cjson.c): encode,
// decode, the configuration functions, cjson.new and cjson.null. 7.0.15 has no array_mt /
// decode_array_with_array_mt (those came later). Error texts and character positions follow the C code.
import {lua, lauxlib, to_jsstring, to_luastring} from '../lua.js'
import type {LuaState} from '../fengari/index.cjs'
import {argError, ByteBuf, checkInt, formatG, raise, stackRoom, type LuaFn} from './util.js'
import {decodeJson, type CjsonConfig} from './cjson-decode.js'

function defaultConfig(): CjsonConfig {
  return {sparseConvert: 0, sparseRatio: 2, sparseSafe: 10, encodeMaxDepth: 1000, decodeMaxDepth: 1000, encodeInvalidNumbers: 0, decodeInvalidNumbers: 1, encodeKeepBuffer: 1, encodeNumberPrecision: 14}
}

// Escapes of lua-cjson's char2escape table: control characters, '"', '\\', '/' and DEL.
const ESCAPES: (string | null)[] = Array.from({length: 256}, (_, c) => {
  if (c === 8) return '\\b'
  if (c === 9) return '\\t'
  if (c === 10) return '\\n'
  if (c === 12) return '\\f'
  if (c === 13) return '\\r'
  if (c < 32 || c === 127) return '\\u' + c.toString(16).padStart(4, '0')
  if (c === 34) return '\\"'
  if (c === 92) return '\\\\'
  if (c === 47) return '\\/'
  return null
})

function encodeError(L: LuaState, index: number, reason: string): never {
  raise(L, `Cannot serialise ${to_jsstring(lua.lua_typename(L, lua.lua_type(L, index)))}: ${reason}`)
}

function appendString(L: LuaState, out: ByteBuf, index: number): void {
  const s = lua.lua_tolstring(L, index) as Uint8Array
  out.byte(34)
  for (const c of s) {
    const e = ESCAPES[c]
    if (e === null) out.byte(c)
    else out.ascii(e)
  }
  out.byte(34)
}

function appendNumber(L: LuaState, cfg: CjsonConfig, out: ByteBuf, index: number): void {
  const n = lua.lua_tonumber(L, index) as number
  if (cfg.encodeInvalidNumbers === 0) {
    if (!Number.isFinite(n)) encodeError(L, index, 'must not be NaN or Inf')
  } else if (cfg.encodeInvalidNumbers === 1) {
    if (Number.isNaN(n)) return out.ascii('nan')
  } else if (!Number.isFinite(n)) return out.ascii('null')
  out.ascii(formatG(n, cfg.encodeNumberPrecision))
}

// C's (int)k on x86-64 for the array bound (cvttsd2si: out of range gives INT_MIN).
const cInt = (k: number): number => (k >= 2147483648 || k < -2147483648 ? -2147483648 : Math.trunc(k))

/** Array length of the table on top of the stack, or -1 when it must be encoded as an object. */
function arrayLength(L: LuaState, cfg: CjsonConfig): number {
  let max = 0
  let items = 0
  lua.lua_pushnil(L)
  while (lua.lua_next(L, -2) !== 0) {
    if (lua.lua_type(L, -2) === lua.LUA_TNUMBER) {
      const k = lua.lua_tonumber(L, -2) as number
      if (k !== 0 && Math.floor(k) === k && k >= 1) {
        if (k > max) max = cInt(k)
        items++
        lua.lua_pop(L, 1)
        continue
      }
    }
    lua.lua_pop(L, 2)
    return -1
  }
  if (cfg.sparseRatio > 0 && max > items * cfg.sparseRatio && max > cfg.sparseSafe) {
    if (!cfg.sparseConvert) encodeError(L, -1, 'excessively sparse array')
    return -1
  }
  return max
}

function appendScalar(L: LuaState, cfg: CjsonConfig, out: ByteBuf): void {
  switch (lua.lua_type(L, -1)) {
    case lua.LUA_TSTRING:
      return appendString(L, out, -1)
    case lua.LUA_TNUMBER:
      return appendNumber(L, cfg, out, -1)
    case lua.LUA_TBOOLEAN:
      return out.ascii(lua.lua_toboolean(L, -1) ? 'true' : 'false')
    case lua.LUA_TNIL:
      return out.ascii('null')
    case lua.LUA_TLIGHTUSERDATA:
      if (lua.lua_touserdata(L, -1) === null) return out.ascii('null')
  }
  encodeError(L, -1, 'type not supported')
}

interface OpenTable {
  len: number // array length, or -1 for an object
  i: number // elements written
}

/** Serialises the value on top of the stack. Iterative (open tables on a JS array, their iteration
 *  state on the Lua stack) so that nesting as deep as Redis's C stack allows does not overflow JS. */
function appendData(L: LuaState, cfg: CjsonConfig, out: ByteBuf): void {
  const open: OpenTable[] = []
  // writes the value on top of the stack; a table is opened and left on the stack
  const start = (): boolean => {
    if (lua.lua_type(L, -1) !== lua.LUA_TTABLE) {
      appendScalar(L, cfg, out)
      return false
    }
    const depth = open.length + 1
    if (depth > cfg.encodeMaxDepth || !stackRoom(L, 3)) raise(L, `Cannot serialise, excessive nesting (${depth})`)
    const len = arrayLength(L, cfg)
    if (len > 0) out.byte(91)
    else {
      out.byte(123)
      lua.lua_pushnil(L)
    }
    open.push({len: len > 0 ? len : -1, i: 0})
    return true
  }
  if (!start()) return
  while (open.length > 0) {
    const t = open[open.length - 1]
    if (t.len >= 0) {
      if (t.i === t.len) {
        out.byte(93)
        open.pop()
        if (open.length > 0) lua.lua_pop(L, 1)
        continue
      }
      if (t.i++ > 0) out.byte(44)
      lua.lua_rawgeti(L, -1, t.i)
    } else {
      if (lua.lua_next(L, -2) === 0) {
        out.byte(125)
        open.pop()
        if (open.length > 0) lua.lua_pop(L, 1)
        continue
      }
      if (t.i++ > 0) out.byte(44)
      const keyType = lua.lua_type(L, -2)
      if (keyType === lua.LUA_TNUMBER) {
        out.byte(34)
        appendNumber(L, cfg, out, -2)
        out.ascii('":')
      } else if (keyType === lua.LUA_TSTRING) {
        appendString(L, out, -2)
        out.byte(58)
      } else encodeError(L, -2, 'table key must be a number or string')
    }
    if (!start()) lua.lua_pop(L, 1)
  }
}

/** Pads missing arguments with nil after checking there are at most `n` (json_arg_init). */
function argInit(L: LuaState, n: number): void {
  if (lua.lua_gettop(L) > n) argError(L, n + 1, 'found too many arguments')
  while (lua.lua_gettop(L) < n) lua.lua_pushnil(L)
}

function integerOption(L: LuaState, index: number, get: () => number, set: (v: number) => void, min: number, max: number): void {
  if (!lua.lua_isnil(L, index)) {
    const v = checkInt(L, index)
    // lua-cjson always names argument 1 here, whichever argument was wrong
    if (v < min || v > max) argError(L, 1, `expected integer between ${min} and ${max}`)
    set(v)
  }
  lua.lua_pushnumber(L, get())
}

const BOOL_OPTIONS = ['off', 'on']
function enumOption(L: LuaState, index: number, get: () => number, set: (v: number) => void, options = BOOL_OPTIONS): void {
  if (!lua.lua_isnil(L, index)) {
    if (lua.lua_isboolean(L, index)) set(lua.lua_toboolean(L, index) ? 1 : 0)
    else set(lauxlib.luaL_checkoption(L, index, null, options.map((o) => to_luastring(o))) as number)
  }
  const v = get()
  if (v === 0 || v === 1) lua.lua_pushboolean(L, v)
  else lua.lua_pushstring(L, to_luastring(options[v]))
}

function moduleFunctions(cfg: CjsonConfig): Record<string, LuaFn> {
  const intCfg = (key: 'encodeMaxDepth' | 'decodeMaxDepth' | 'encodeNumberPrecision', max: number): LuaFn => (L) => {
    argInit(L, 1)
    integerOption(L, 1, () => cfg[key], (v) => (cfg[key] = v), 1, max)
    return 1
  }
  const boolCfg = (key: 'encodeKeepBuffer' | 'decodeInvalidNumbers' | 'encodeInvalidNumbers', options?: string[]): LuaFn => (L) => {
    argInit(L, 1)
    enumOption(L, 1, () => cfg[key], (v) => (cfg[key] = v), options)
    return 1
  }
  return {
    encode: (L) => {
      if (lua.lua_gettop(L) !== 1) argError(L, 1, 'expected 1 argument')
      const out = new ByteBuf()
      appendData(L, cfg, out)
      lua.lua_pushstring(L, out.result())
      return 1
    },
    decode: (L) => {
      if (lua.lua_gettop(L) !== 1) argError(L, 1, 'expected 1 argument')
      decodeJson(L, lauxlib.luaL_checklstring(L, 1) as Uint8Array, cfg)
      return 1
    },
    encode_sparse_array: (L) => {
      argInit(L, 3)
      enumOption(L, 1, () => cfg.sparseConvert, (v) => (cfg.sparseConvert = v))
      integerOption(L, 2, () => cfg.sparseRatio, (v) => (cfg.sparseRatio = v), 0, 2147483647)
      integerOption(L, 3, () => cfg.sparseSafe, (v) => (cfg.sparseSafe = v), 0, 2147483647)
      return 3
    },
    encode_max_depth: intCfg('encodeMaxDepth', 2147483647),
    decode_max_depth: intCfg('decodeMaxDepth', 2147483647),
    encode_number_precision: intCfg('encodeNumberPrecision', 14),
    encode_keep_buffer: boolCfg('encodeKeepBuffer'),
    encode_invalid_numbers: boolCfg('encodeInvalidNumbers', ['off', 'on', 'null']),
    decode_invalid_numbers: boolCfg('decodeInvalidNumbers'),
    new: (L) => {
      pushModule(L)
      return 1
    },
  }
}

/** Pushes a fresh cjson module table with its own configuration (lua_cjson_new). */
function pushModule(L: LuaState): void {
  lauxlib.luaL_newlib(L, moduleFunctions(defaultConfig()))
  lua.lua_pushlightuserdata(L, null)
  lua.lua_setfield(L, -2, to_luastring('null'))
  lua.lua_pushstring(L, to_luastring('cjson'))
  lua.lua_setfield(L, -2, to_luastring('_NAME'))
  lua.lua_pushstring(L, to_luastring('2.1.0'))
  lua.lua_setfield(L, -2, to_luastring('_VERSION'))
}

/** Sets the global `cjson` (Redis builds lua_cjson.c with ENABLE_CJSON_GLOBAL). */
export function openCjson(L: LuaState): void {
  pushModule(L)
  lua.lua_setglobal(L, to_luastring('cjson'))
}

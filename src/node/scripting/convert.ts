// Conversions between Redis replies and Lua values, as Redis 7.0 documents them
// (https://redis.io/docs/manual/programmability/lua-api/#data-type-conversion).
//
// Redis -> Lua: a command run by redis.call writes its reply, in RESP, to the script's own
// client; respToLua parses that text (integer -> number, bulk -> string, nil bulk / nil array ->
// false, status -> {ok=...}, error -> {err=...}, array -> table; RESP3: map -> {map={...}},
// set -> {set={...}}, null -> nil, bool -> boolean, double -> {double=n}, big number ->
// {big_number="..."}, verbatim -> {verbatim_string={format=..., string=...}}).
// Lua -> Redis: luaToReply writes the value on top of the stack into a client's RespWriter.
import type {RespWriter} from '../../resp/writer.js'
import {fromLua, lstr, lua, pushBin, pushText, type LuaState} from './lua.js'

export class ReplyParseError extends Error {}

/** Push the Lua value of one RESP reply (the whole `text`); returns true when it was an error reply. */
export function respToLua(L: LuaState, text: string): boolean {
  const p = {pos: 0}
  const isError = text.charCodeAt(0) === 45 // '-'
  parseOne(L, text, p, true)
  return isError
}

function line(text: string, p: {pos: number}): string {
  const end = text.indexOf('\r\n', p.pos)
  if (end < 0) throw new ReplyParseError('truncated reply')
  const s = text.slice(p.pos + 1, end)
  p.pos = end + 2
  return s
}

function checkStack(L: LuaState, n: number): void {
  if (!lua.lua_checkstack(L, n)) throw new ReplyParseError('lua stack limit reach when parsing redis.call reply')
}

/** Parse one reply; push it when `push` (attribute bodies are parsed and dropped). */
function parseOne(L: LuaState, text: string, p: {pos: number}, push: boolean): void {
  const t = text[p.pos]
  if (push) checkStack(L, 5)
  switch (t) {
    case ':': {
      const v = line(text, p)
      if (push) lua.lua_pushnumber(L, Number(v))
      return
    }
    case '$': {
      const n = Number(line(text, p))
      if (n < 0) {
        if (push) lua.lua_pushboolean(L, false)
        return
      }
      const s = text.slice(p.pos, p.pos + n)
      p.pos += n + 2
      if (push) pushBin(L, s)
      return
    }
    case '+': {
      const s = line(text, p)
      if (push) {
        lua.lua_newtable(L)
        pushText(L, 'ok')
        pushBin(L, s)
        lua.lua_settable(L, -3)
      }
      return
    }
    case '-': {
      const s = line(text, p)
      if (push) {
        pushErrorTable(L, '-' + s)
        pushText(L, 'ignore_error_stats_update')
        lua.lua_pushboolean(L, true)
        lua.lua_settable(L, -3)
      }
      return
    }
    case '*':
    case '~':
    case '>': {
      const n = Number(line(text, p))
      if (n < 0) {
        if (push) lua.lua_pushboolean(L, false)
        return
      }
      if (t === '~') {
        if (push) {
          lua.lua_newtable(L)
          pushText(L, 'set')
          lua.lua_newtable(L)
        }
        for (let i = 0; i < n; i++) {
          parseOne(L, text, p, push)
          if (push) {
            lua.lua_pushboolean(L, true)
            lua.lua_settable(L, -3)
          }
        }
        if (push) lua.lua_settable(L, -3)
        return
      }
      if (push) lua.lua_newtable(L)
      for (let i = 0; i < n; i++) {
        if (push) lua.lua_pushnumber(L, i + 1)
        parseOne(L, text, p, push)
        if (push) lua.lua_settable(L, -3)
      }
      return
    }
    case '%': {
      const n = Number(line(text, p))
      if (push) {
        lua.lua_newtable(L)
        pushText(L, 'map')
        lua.lua_newtable(L)
      }
      for (let i = 0; i < n; i++) {
        parseOne(L, text, p, push)
        parseOne(L, text, p, push)
        if (push) lua.lua_settable(L, -3)
      }
      if (push) lua.lua_settable(L, -3)
      return
    }
    case '|': {
      const n = Number(line(text, p))
      for (let i = 0; i < 2 * n; i++) parseOne(L, text, p, false)
      parseOne(L, text, p, push)
      return
    }
    case '_': {
      line(text, p)
      if (push) lua.lua_pushnil(L)
      return
    }
    case '#': {
      const v = line(text, p)
      if (push) lua.lua_pushboolean(L, v === 't')
      return
    }
    case ',': {
      const v = line(text, p)
      if (push) {
        lua.lua_newtable(L)
        pushText(L, 'double')
        lua.lua_pushnumber(L, parseRespDouble(v))
        lua.lua_settable(L, -3)
      }
      return
    }
    case '(': {
      const v = line(text, p)
      if (push) {
        lua.lua_newtable(L)
        pushText(L, 'big_number')
        pushBin(L, v)
        lua.lua_settable(L, -3)
      }
      return
    }
    case '=': {
      const n = Number(line(text, p))
      const s = text.slice(p.pos, p.pos + n)
      p.pos += n + 2
      if (push) {
        lua.lua_newtable(L)
        pushText(L, 'verbatim_string')
        lua.lua_newtable(L)
        pushText(L, 'string')
        pushBin(L, s.slice(4))
        lua.lua_settable(L, -3)
        pushText(L, 'format')
        pushBin(L, s.slice(0, 3))
        lua.lua_settable(L, -3)
        lua.lua_settable(L, -3)
      }
      return
    }
    default:
      throw new ReplyParseError(`unexpected reply type byte ${JSON.stringify(t)}`)
  }
}

function parseRespDouble(v: string): number {
  if (v === 'inf') return Infinity
  if (v === '-inf') return -Infinity
  if (v === 'nan') return NaN
  return Number(v)
}

/**
 * Push {err="CODE message"} the way Redis's luaPushError builds it: "-CODE message" keeps its
 * code, a bare message gets "ERR"; trailing CR/LF are trimmed.
 */
export function pushErrorTable(L: LuaState, error: string): void {
  let code = 'ERR'
  let msg = error
  if (error.startsWith('-')) {
    const sp = error.indexOf(' ')
    if (sp < 0) msg = error.slice(1)
    else {
      code = error.slice(1, sp)
      msg = error.slice(sp + 1)
    }
  }
  msg = msg.replace(/^[\r\n]+|[\r\n]+$/g, '')
  lua.lua_newtable(L)
  pushText(L, 'err')
  pushBin(L, `${code} ${msg}`)
  lua.lua_settable(L, -3)
}

/** t[field] of the table at idx, raw, left on the stack; returns its Lua type. */
function rawField(L: LuaState, idx: number, field: string): number {
  lua.lua_pushstring(L, lstr(field))
  lua.lua_rawget(L, idx < 0 ? idx - 1 : idx)
  return lua.lua_type(L, -1)
}

function toStr(L: LuaState, idx: number): string {
  return fromLua(lua.lua_tolstring(L, idx))
}

/** The error text of an error table/string at the top of the stack ("CODE message"), without popping. */
/** The error table on top of the stack says its error was counted already (ignore_error_stats_update). */
export function errorTableCounted(L: LuaState): boolean {
  if (lua.lua_type(L, -1) !== lua.LUA_TTABLE) return false
  rawField(L, -1, 'ignore_error_stats_update')
  const counted = lua.lua_toboolean(L, -1)
  lua.lua_pop(L, 1)
  return counted
}

export function errorTableMessage(L: LuaState): string | null {
  if (lua.lua_type(L, -1) !== lua.LUA_TTABLE) return null
  const t = rawField(L, -1, 'err')
  // the message as C code reads it (luaExtractErrorInformation: sdsnew(lua_tostring)): up to a NUL
  const s = t === lua.LUA_TSTRING || t === lua.LUA_TNUMBER ? cString(toStr(L, -1)) : null
  lua.lua_pop(L, 1)
  return s
}

/**
 * Write the Lua value on top of the stack as a reply and pop it (Redis luaReplyToRedisReply).
 * `scriptResp` is the RESP version the script chose with redis.setresp (booleans differ).
 */
/**
 * How deep nested tables may go in a reply. Redis stops where Lua 5.1's C stack would overflow
 * (a self-referencing table ends in "-ERR reached lua stack limit" deep inside the reply).
 */
const MAX_REPLY_DEPTH = 2000
let replyDepth = 0

export function luaToReply(L: LuaState, out: RespWriter, scriptResp: 2 | 3): void {
  if (replyDepth >= MAX_REPLY_DEPTH || !lua.lua_checkstack(L, 4)) {
    out.error('ERR reached lua stack limit')
    lua.lua_pop(L, 1)
    return
  }
  const t = lua.lua_type(L, -1)
  switch (t) {
    case lua.LUA_TSTRING:
      out.bulk(toStr(L, -1))
      break
    case lua.LUA_TBOOLEAN:
      if (scriptResp === 2) {
        if (lua.lua_toboolean(L, -1)) out.integer(1)
        else out.nil()
      } else out.bool(lua.lua_toboolean(L, -1))
      break
    case lua.LUA_TNUMBER:
      out.integer(truncate(lua.lua_tonumber(L, -1)))
      break
    case lua.LUA_TTABLE:
      replyDepth++
      try {
        tableToReply(L, out, scriptResp)
      } finally {
        replyDepth--
      }
      return // tableToReply pops
    default:
      out.nil()
  }
  lua.lua_pop(L, 1)
}

/** A string as C code sees it through strlen: up to its first NUL byte. */
function cString(s: string): string {
  const nul = s.indexOf('\0')
  return nul < 0 ? s : s.slice(0, nul)
}

/** C's (long long) cast of a double, as Redis converts a Lua number reply. */
function truncate(n: number): bigint | number {
  if (Number.isNaN(n)) return -9223372036854775808n
  if (n >= 9223372036854775807) return -9223372036854775808n
  if (n <= -9223372036854775808) return -9223372036854775808n
  const i = Math.trunc(n)
  return Number.isSafeInteger(i) ? i : BigInt(i)
}

function tableToReply(L: LuaState, out: RespWriter, scriptResp: 2 | 3): void {
  let t = rawField(L, -1, 'err')
  if (t === lua.LUA_TSTRING) {
    // redis takes the message and a status text as C strings (sdsnew(lua_tostring)): cut at a NUL
    const msg = cString(toStr(L, -1)).replace(/\r|\n/g, ' ')
    lua.lua_pop(L, 1)
    const counted = errorTableCounted(L)
    lua.lua_pop(L, 1)
    if (counted) out.errorUncounted(msg)
    else out.error(msg)
    return
  }
  lua.lua_pop(L, 1)
  t = rawField(L, -1, 'ok')
  if (t === lua.LUA_TSTRING) {
    out.simple(cString(toStr(L, -1)).replace(/\r|\n/g, ' '))
    lua.lua_pop(L, 2)
    return
  }
  lua.lua_pop(L, 1)
  t = rawField(L, -1, 'double')
  if (t === lua.LUA_TNUMBER) {
    out.double(lua.lua_tonumber(L, -1))
    lua.lua_pop(L, 2)
    return
  }
  lua.lua_pop(L, 1)
  t = rawField(L, -1, 'big_number')
  if (t === lua.LUA_TSTRING) {
    const s = toStr(L, -1).replace(/\r|\n/g, ' ')
    if (out.resp === 3) out.raw(`(${s}\r\n`)
    else out.bulk(s)
    lua.lua_pop(L, 2)
    return
  }
  lua.lua_pop(L, 1)
  t = rawField(L, -1, 'verbatim_string')
  if (t === lua.LUA_TTABLE) {
    const ft = rawField(L, -1, 'format')
    if (ft === lua.LUA_TSTRING) {
      // addReplyVerbatim takes three characters of the format, up to its NUL, padded with spaces
      const format = cString(toStr(L, -1)).slice(0, 3).padEnd(3, ' ')
      const st = rawField(L, -2, 'string')
      if (st === lua.LUA_TSTRING) {
        out.verbatim(toStr(L, -1), format)
        lua.lua_pop(L, 4)
        return
      }
      lua.lua_pop(L, 1)
    }
    lua.lua_pop(L, 1)
  }
  lua.lua_pop(L, 1)
  t = rawField(L, -1, 'map')
  if (t === lua.LUA_TTABLE) {
    const sub = new SubWriter(out)
    let n = 0
    lua.lua_pushnil(L)
    while (lua.lua_next(L, -2)) {
      lua.lua_pushvalue(L, -2)
      luaToReply(L, sub.w, scriptResp) // key
      luaToReply(L, sub.w, scriptResp) // value
      n++
    }
    out.map(n)
    sub.appendTo()
    lua.lua_pop(L, 2)
    return
  }
  lua.lua_pop(L, 1)
  t = rawField(L, -1, 'set')
  if (t === lua.LUA_TTABLE) {
    const sub = new SubWriter(out)
    let n = 0
    lua.lua_pushnil(L)
    while (lua.lua_next(L, -2)) {
      lua.lua_pop(L, 1)
      lua.lua_pushvalue(L, -1)
      luaToReply(L, sub.w, scriptResp)
      n++
    }
    out.set(n)
    sub.appendTo()
    lua.lua_pop(L, 2)
    return
  }
  lua.lua_pop(L, 1)
  // An array: elements 1..n up to the first nil.
  const sub = new SubWriter(out)
  let n = 0
  for (let j = 1; ; j++) {
    lua.lua_pushnumber(L, j)
    lua.lua_rawget(L, -2)
    if (lua.lua_type(L, -1) === lua.LUA_TNIL) {
      lua.lua_pop(L, 1)
      break
    }
    luaToReply(L, sub.w, scriptResp)
    n++
  }
  out.array(n)
  sub.appendTo()
  lua.lua_pop(L, 1)
}

/**
 * Elements are written after their count is known: collect them in a writer of the same RESP version.
 * Error replies among them still count as the client's (INFO errorstats, total_error_replies, and the
 * command's failed_calls): redis writes them with addReplyErrorFormat wherever they nest.
 */
class SubWriter {
  readonly w: RespWriter
  constructor(private readonly parent: RespWriter) {
    const Ctor = parent.constructor as new (resp: 2 | 3) => RespWriter
    this.w = new Ctor(parent.resp)
    this.w.onError = parent.onError
  }
  /** The elements follow their count in the parent. */
  appendTo(): void {
    this.parent.errors += this.w.errors
    this.parent.uncountedErrors += this.w.uncountedErrors
    this.parent.append(this.w)
  }
}

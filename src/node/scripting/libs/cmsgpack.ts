// The `cmsgpack` library as Redis 7.0.15 ships it (lua-cmsgpack 0.4.0, deps/lua/src/lua_cmsgpack.c):
// pack, unpack, unpack_one, unpack_limit. Integral doubles in the int64 range encode as the smallest
// MessagePack int, other numbers as float32 when that is lossless, else float64; a table is an array
// when its keys are exactly 1..n (int-range numbers), else a map; tables nested 16 deep encode as nil.
import {lua, lauxlib, to_luastring} from '../lua.js'
import type {LuaState} from '../fengari/index.cjs'
import {argError, ByteBuf, checkInteger, checkStack, optInteger, raise, stackRoom, toFloat32} from './util.js'

const MAX_NESTING = 16

function encodeInt(out: ByteBuf, n: bigint): void {
  const be = (v: bigint, bytes: number): void => {
    for (let i = bytes - 1; i >= 0; i--) out.byte(Number((v >> BigInt(8 * i)) & 0xffn))
  }
  if (n >= 0n) {
    if (n <= 127n) out.byte(Number(n))
    else if (n <= 0xffn) out.byte(0xcc), be(n, 1)
    else if (n <= 0xffffn) out.byte(0xcd), be(n, 2)
    else if (n <= 0xffffffffn) out.byte(0xce), be(n, 4)
    else out.byte(0xcf), be(n, 8)
  } else {
    const u = BigInt.asUintN(64, n)
    if (n >= -32n) out.byte(Number(u & 0xffn))
    else if (n >= -128n) out.byte(0xd0), be(u, 1)
    else if (n >= -32768n) out.byte(0xd1), be(u, 2)
    else if (n >= -2147483648n) out.byte(0xd2), be(u, 4)
    else out.byte(0xd3), be(u, 8)
  }
}

function encodeNumber(out: ByteBuf, d: number): void {
  // IS_INT64_EQUIVALENT: (int64_t)d == d
  if (Number.isInteger(d) && d >= -9223372036854775808 && d < 9223372036854775808) return encodeInt(out, BigInt(d))
  const dv = new DataView(new ArrayBuffer(8))
  if (toFloat32(d) === d) {
    dv.setFloat32(0, d)
    out.byte(0xca)
    out.bytes(new Uint8Array(dv.buffer, 0, 4))
  } else {
    dv.setFloat64(0, d)
    out.byte(0xcb)
    out.bytes(new Uint8Array(dv.buffer))
  }
}

function encodeHeader(out: ByteBuf, n: number, fix: number, b16: number, b32: number, fixMax: number): void {
  if (n <= fixMax) out.byte(fix | n)
  else if (n <= 0xffff) out.byte(b16), out.byte(n >> 8), out.byte(n)
  else out.byte(b32), out.byte(n >>> 24), out.byte(n >>> 16), out.byte(n >>> 8), out.byte(n)
}

/** table_is_an_array: every key a positive int-range integer and the largest equals the count. */
function isArray(L: LuaState): boolean {
  let count = 0
  let max = 0
  const top = lua.lua_gettop(L)
  lua.lua_pushnil(L)
  while (lua.lua_next(L, -2)) {
    lua.lua_pop(L, 1)
    const n = lua.lua_type(L, -1) === lua.LUA_TNUMBER ? (lua.lua_tonumber(L, -1) as number) : NaN
    if (!(n > 0) || !Number.isInteger(n) || n > 2147483647) {
      lua.lua_settop(L, top)
      return false
    }
    if (n > max) max = n
    count++
  }
  lua.lua_settop(L, top)
  return max === count
}

/** Encodes the value on top of the stack and pops it (mp_encode_lua_type). */
function encodeValue(L: LuaState, out: ByteBuf, level: number): void {
  let t = lua.lua_type(L, -1)
  if (t === lua.LUA_TTABLE && level === MAX_NESTING) t = lua.LUA_TNIL
  switch (t) {
    case lua.LUA_TSTRING: {
      const s = lua.lua_tolstring(L, -1) as Uint8Array
      const n = s.length
      if (n < 32) out.byte(0xa0 | n)
      else if (n <= 0xff) out.byte(0xd9), out.byte(n)
      else encodeHeader(out, n, 0, 0xda, 0xdb, -1)
      out.bytes(s)
      break
    }
    case lua.LUA_TBOOLEAN:
      out.byte(lua.lua_toboolean(L, -1) ? 0xc3 : 0xc2)
      break
    case lua.LUA_TNUMBER:
      encodeNumber(out, lua.lua_tonumber(L, -1) as number)
      break
    case lua.LUA_TTABLE:
      checkStack(L, 3, 'in function mp_encode_lua_table_as_map')
      if (isArray(L)) {
        const len = lua.lua_rawlen(L, -1) as number
        encodeHeader(out, len, 0x90, 0xdc, 0xdd, 15)
        for (let j = 1; j <= len; j++) {
          lua.lua_rawgeti(L, -1, j)
          encodeValue(L, out, level + 1)
        }
      } else {
        let len = 0
        lua.lua_pushnil(L)
        while (lua.lua_next(L, -2)) lua.lua_pop(L, 1), len++
        encodeHeader(out, len, 0x80, 0xde, 0xdf, 15)
        lua.lua_pushnil(L)
        while (lua.lua_next(L, -2)) {
          lua.lua_pushvalue(L, -2)
          encodeValue(L, out, level + 1)
          encodeValue(L, out, level + 1)
        }
      }
      break
    default:
      out.byte(0xc0)
  }
  lua.lua_pop(L, 1)
}

function pack(L: LuaState): number {
  const nargs = lua.lua_gettop(L)
  if (nargs === 0) argError(L, 0, 'MessagePack pack needs input.')
  if (!stackRoom(L, nargs)) argError(L, 0, 'Too many arguments for MessagePack pack.')
  const out = new ByteBuf()
  for (let i = 1; i <= nargs; i++) {
    lua.lua_pushvalue(L, i)
    encodeValue(L, out, 0)
  }
  lua.lua_pushstring(L, out.result())
  return 1
}

class Eof extends Error {}
class BadFormat extends Error {}

/** Decoding cursor over the input (mp_cur); errors unwind as Eof / BadFormat. */
class Cursor {
  constructor(readonly L: LuaState, readonly s: Uint8Array, public pos: number) {}
  get left(): number {
    return this.s.length - this.pos
  }
  need(n: number): void {
    if (this.left < n) throw new Eof()
  }
  /** Big-endian unsigned integer of `bytes` bytes after the type byte. */
  uint(bytes: number): bigint {
    this.need(1 + bytes)
    let v = 0n
    for (let i = 1; i <= bytes; i++) v = (v << 8n) | BigInt(this.s[this.pos + i])
    this.pos += 1 + bytes
    return v
  }
  str(headerBytes: number, len: number): void {
    this.need(headerBytes + len)
    lua.lua_pushstring(this.L, this.s.slice(this.pos + headerBytes, this.pos + headerBytes + len))
    this.pos += headerBytes + len
  }
  float(bytes: 4 | 8): number {
    this.need(1 + bytes)
    const dv = new DataView(this.s.buffer, this.s.byteOffset + this.pos + 1, bytes)
    this.pos += 1 + bytes
    return bytes === 4 ? dv.getFloat32(0) : dv.getFloat64(0)
  }
  container(len: number, map: boolean): void {
    const L = this.L
    lua.lua_newtable(L)
    for (let i = 1; i <= len; i++) {
      if (map) this.value()
      else lua.lua_pushnumber(L, i)
      this.value()
      lua.lua_settable(L, -3)
    }
  }

  value(): void {
    const L = this.L
    this.need(1)
    checkStack(L, 1, 'too many return values at once; use unpack_one or unpack_limit instead.')
    const b = this.s[this.pos]
    const num = (v: bigint | number): void => lua.lua_pushnumber(L, Number(v))
    switch (b) {
      case 0xcc: return num(this.uint(1))
      case 0xcd: return num(this.uint(2))
      case 0xce: return num(this.uint(4))
      case 0xcf: return num(BigInt.asIntN(64, this.uint(8))) // pushed through a signed lua_Integer
      case 0xd0: return num(BigInt.asIntN(8, this.uint(1)))
      case 0xd1: return num(BigInt.asIntN(16, this.uint(2)))
      case 0xd2: return num(BigInt.asIntN(32, this.uint(4)))
      case 0xd3: return num(BigInt.asIntN(64, this.uint(8)))
      case 0xc0: this.pos++; return lua.lua_pushnil(L)
      case 0xc3: this.pos++; return lua.lua_pushboolean(L, true)
      case 0xc2: this.pos++; return lua.lua_pushboolean(L, false)
      case 0xca: return num(this.float(4))
      case 0xcb: return num(this.float(8))
      case 0xd9: this.need(2); return this.str(2, this.s[this.pos + 1])
      case 0xda: this.need(3); return this.str(3, (this.s[this.pos + 1] << 8) | this.s[this.pos + 2])
      case 0xdb: return this.str(0, Number(this.uint(4)))
      case 0xdc: return this.container(Number(this.uint(2)), false)
      case 0xdd: return this.container(Number(this.uint(4)), false)
      case 0xde: return this.container(Number(this.uint(2)), true)
      case 0xdf: return this.container(Number(this.uint(4)), true)
    }
    if ((b & 0x80) === 0) {
      this.pos++
      return num(b)
    }
    if ((b & 0xe0) === 0xe0) {
      this.pos++
      return num(b - 256)
    }
    if ((b & 0xe0) === 0xa0) return this.str(1, b & 0x1f)
    if ((b & 0xf0) === 0x90) return this.pos++, this.container(b & 0xf, false)
    if ((b & 0xf0) === 0x80) return this.pos++, this.container(b & 0xf, true)
    throw new BadFormat()
  }
}

const cInt = (n: number): number => Number(BigInt.asIntN(32, BigInt(n)))

/** mp_unpack_full: decodes up to `limit` values from `offset` (everything when both are 0). */
function unpackFull(L: LuaState, limit: number, offset: number): number {
  const s = lauxlib.luaL_checklstring(L, 1) as Uint8Array
  if (offset < 0 || limit < 0) raise(L, `Invalid request to unpack with offset of ${cInt(offset)} and limit of ${cInt(s.length)}.`)
  if (offset > s.length) raise(L, `Start offset ${cInt(offset)} greater than input length ${s.length}.`)
  const decodeAll = limit === 0 && offset === 0
  if (decodeAll) limit = 2147483647
  const c = new Cursor(L, s, offset)
  let count = 0
  try {
    for (; c.left > 0 && count < limit; count++) c.value()
  } catch (e) {
    if (e instanceof Eof) raise(L, 'Missing bytes in input.')
    if (e instanceof BadFormat) raise(L, 'Bad data format in input.')
    throw e
  }
  if (decodeAll) return count
  lua.lua_pushnumber(L, c.left === 0 ? -1 : c.pos)
  lua.lua_insert(L, 2)
  return count + 1
}

/** Sets the global `cmsgpack`. */
export function openCmsgpack(L: LuaState): void {
  lauxlib.luaL_newlib(L, {
    pack,
    unpack: (L: LuaState) => unpackFull(L, 0, 0),
    unpack_one: (L: LuaState) => {
      const offset = optInteger(L, 2, 0)
      if (lua.lua_gettop(L) > 1) lua.lua_settop(L, 1)
      return unpackFull(L, 1, offset)
    },
    unpack_limit: (L: LuaState) => {
      const limit = checkInteger(L, 2)
      const offset = optInteger(L, 3, 0)
      if (lua.lua_gettop(L) > 1) lua.lua_settop(L, 1)
      return unpackFull(L, limit, offset)
    },
  })
  for (const [k, v] of [['_NAME', 'cmsgpack'], ['_VERSION', 'lua-cmsgpack 0.4.0'], ['_COPYRIGHT', 'Copyright (C) 2012, Salvatore Sanfilippo'], ['_DESCRIPTION', 'MessagePack C implementation for Lua']]) {
    lua.lua_pushstring(L, to_luastring(v))
    lua.lua_setfield(L, -2, to_luastring(k))
  }
  lua.lua_setglobal(L, to_luastring('cmsgpack'))
}

// Shared helpers for the Lua libraries Redis 7.0 loads (cjson, cmsgpack, bit, struct, math.random):
// C's number conversions as Redis's x86-64 build performs them, C printf "%.<p>g", a growable byte
// buffer, and error raising through the VM (luaL_error / luaL_argerror never return).
import {lua, lauxlib, to_jsstring, to_luastring} from '../lua.js'
import type {LuaState} from '../fengari/index.cjs'

export type LuaFn = (L: LuaState) => number

/** Lua 5.1's C stack limit (LUAI_MAXCSTACK): lua_checkstack fails past it; cjson reports that as nesting errors. */
export const MAX_C_STACK = 8000

/** luaL_error with a message built in JS (no position prefix: level 1 is the library function itself). */
export function raise(L: LuaState, msg: string | Uint8Array): never {
  lauxlib.luaL_error(L, to_luastring('%s'), typeof msg === 'string' ? to_luastring(msg) : msg)
  throw new Error('unreachable: luaL_error returned')
}

/** luaL_argerror: "bad argument #n to 'f' (msg)". */
export function argError(L: LuaState, arg: number, msg: string | Uint8Array): never {
  lauxlib.luaL_argerror(L, arg, typeof msg === 'string' ? to_luastring(msg) : msg)
  throw new Error('unreachable: luaL_argerror returned')
}

/** Lua 5.1's lua_checkstack: fails past the C stack limit (relative to the running C function); grows fengari's stack. */
export function stackRoom(L: LuaState, n: number): boolean {
  return lua.lua_gettop(L) + n <= MAX_C_STACK && (lua.lua_checkstack(L, n) as boolean)
}

/** luaL_checkstack: "stack overflow (msg)". */
export function checkStack(L: LuaState, n: number, msg: string): void {
  if (!stackRoom(L, n)) raise(L, `stack overflow (${msg})`)
}

/** Lua 5.1 luaL_typerror: "bad argument #n to 'f' (number expected, got string)". */
export function typeError(L: LuaState, arg: number, tname: string): never {
  argError(L, arg, `${tname} expected, got ${to_jsstring(lauxlib.luaL_typename(L, arg))}`)
}

/** luaL_checknumber without 5.3's integer checks (Lua 5.1: every number is a double). */
export function checkNumber(L: LuaState, arg: number): number {
  return lauxlib.luaL_checknumber(L, arg) as number
}

/** C's (int64_t)d on x86-64: truncation; NaN and out-of-range give INT64_MIN (cvttsd2si). */
export function int64Of(d: number): bigint {
  if (!Number.isFinite(d) || d >= 9223372036854775808 || d < -9223372036854775808) return -(1n << 63n)
  return BigInt(Math.trunc(d))
}

/** Lua 5.1 luaL_checkint: (int)(lua_Integer)d, i.e. the low 32 bits of the truncated value. */
export function checkInt(L: LuaState, arg: number): number {
  return Number(BigInt.asIntN(32, int64Of(checkNumber(L, arg))))
}

/** Lua 5.1 luaL_checkinteger / luaL_optinteger (64-bit lua_Integer), as a JS number. */
export function checkInteger(L: LuaState, arg: number): number {
  return Number(int64Of(checkNumber(L, arg)))
}
export function optInteger(L: LuaState, arg: number, def: number): number {
  return lua.lua_type(L, arg) <= 0 ? def : checkInteger(L, arg)
}

/** Creates a table of functions (luaL_newlib) and stores it as global `name`; the stack is unchanged. */
export function setGlobalLib(L: LuaState, name: string, funcs: Record<string, LuaFn>): void {
  lauxlib.luaL_newlib(L, funcs)
  lua.lua_setglobal(L, to_luastring(name))
}

/** Growable byte buffer (strbuf / mp_buf / luaL_Buffer). */
export class ByteBuf {
  private buf = new Uint8Array(64)
  len = 0
  private ensure(n: number): void {
    if (this.len + n <= this.buf.length) return
    let size = this.buf.length * 2
    while (size < this.len + n) size *= 2
    const next = new Uint8Array(size)
    next.set(this.buf.subarray(0, this.len))
    this.buf = next
  }
  byte(b: number): void {
    this.ensure(1)
    this.buf[this.len++] = b & 0xff
  }
  bytes(b: ArrayLike<number>): void {
    this.ensure(b.length)
    this.buf.set(b, this.len)
    this.len += b.length
  }
  /** ASCII text only. */
  ascii(s: string): void {
    this.ensure(s.length)
    for (let i = 0; i < s.length; i++) this.buf[this.len++] = s.charCodeAt(i)
  }
  result(): Uint8Array {
    return this.buf.slice(0, this.len)
  }
}

/** C printf("%.<precision>g", x) (lua-cjson's number format): src/resp/cdouble.ts. */
export {formatG} from '../../../resp/cdouble.js'

const float32 = new Float32Array(1)
/** C's (float)d. */
export function toFloat32(d: number): number {
  float32[0] = d
  return float32[0]
}

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

/** Exact value of a finite double as m * 2^e (m an integer). */
function exactBinary(x: number): {m: bigint; e: number} {
  const dv = new DataView(new ArrayBuffer(8))
  dv.setFloat64(0, x)
  const hi = dv.getUint32(0)
  const lo = dv.getUint32(4)
  const exp = (hi >>> 20) & 0x7ff
  let m = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo)
  if (exp !== 0) m |= 1n << 52n
  return {m, e: (exp === 0 ? 1 : exp) - 1075}
}

/** True when |x| equals (2n-1)/2 * 10^k exactly, i.e. JS rounded a decimal tie upwards. */
function isTie(x: number, n: bigint, k: number): boolean {
  const {m, e} = exactBinary(Math.abs(x))
  // compare (2n-1) * 10^k with 2 * m * 2^e, scaling both sides to integers
  let left = 2n * n - 1n
  let right = 2n * m
  if (k >= 0) left *= 10n ** BigInt(k)
  else right *= 10n ** BigInt(-k)
  if (e >= 0) right <<= BigInt(e)
  else left <<= BigInt(-e)
  return left === right
}

/** C printf("%.<precision>g", x) with glibc's round-half-even on the exact binary value. */
export function formatG(x: number, precision: number): string {
  if (Number.isNaN(x)) return 'nan'
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : '-inf'
  if (x === 0) return Object.is(x, -0) ? '-0' : '0'
  const p = precision === 0 ? 1 : precision
  const [mant, expStr] = Math.abs(x).toExponential(p - 1).split('e')
  let digits = mant.replace('.', '')
  const exp = Number(expStr)
  let n = BigInt(digits)
  // JS breaks exact ties upwards; C rounds them to even
  if ((n & 1n) === 1n && isTie(x, n, exp - (p - 1))) {
    n -= 1n
    digits = n.toString().padStart(p, '0')
  }
  const sign = x < 0 ? '-' : ''
  if (exp < -4 || exp >= p) {
    let m = digits.length > 1 ? digits[0] + '.' + digits.slice(1) : digits
    if (m.includes('.')) m = m.replace(/0+$/, '').replace(/\.$/, '')
    return sign + m + 'e' + (exp < 0 ? '-' : '+') + String(Math.abs(exp)).padStart(2, '0')
  }
  let s: string
  if (exp >= 0) s = digits.slice(0, exp + 1) + '.' + digits.slice(exp + 1)
  else s = '0.' + '0'.repeat(-exp - 1) + digits
  if (s.includes('.')) s = s.replace(/0+$/, '').replace(/\.$/, '')
  return sign + s
}

const float32 = new Float32Array(1)
/** C's (float)d. */
export function toFloat32(d: number): number {
  float32[0] = d
  return float32[0]
}

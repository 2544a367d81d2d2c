// The `bit` library as Redis 7.0.15 ships it (LuaBitOp 1.0.2, deps/lua/src/lua_bit.c): 32-bit operations
// on doubles. An argument is normalised the way the C code does it, by adding 2^52+2^51 and keeping
// the low 32 bits of the double's representation (round-half-even modulo 2^32); results are signed.
import {lua, to_luastring} from '../lua.js'
import type {LuaState} from '../fengari/index.cjs'
import {setGlobalLib, typeError, type LuaFn} from './util.js'

const view = new DataView(new ArrayBuffer(8))

/** barg: the argument as an unsigned 32-bit value; a non-number raises "number expected". */
function barg(L: LuaState, idx: number): number {
  const n = lua.lua_tonumber(L, idx) as number
  view.setFloat64(0, n + 6755399441055744.0, true)
  const b = view.getUint32(0, true)
  if (b === 0 && !lua.lua_isnumber(L, idx)) typeError(L, idx, 'number')
  return b
}

function ret(L: LuaState, b: number): number {
  lua.lua_pushnumber(L, b | 0)
  return 1
}

const fold = (op: (a: number, b: number) => number): LuaFn => (L) => {
  let b = barg(L, 1)
  for (let i = lua.lua_gettop(L); i > 1; i--) b = op(b, barg(L, i))
  return ret(L, b)
}

const shift = (op: (b: number, n: number) => number): LuaFn => (L) => {
  const b = barg(L, 1)
  return ret(L, op(b, barg(L, 2) & 31))
}

function tohex(L: LuaState): number {
  let b = barg(L, 1)
  let n = lua.lua_isnone(L, 2) ? 8 : barg(L, 2) | 0
  let digits = '0123456789abcdef'
  if (n < 0) {
    // -INT_MIN overflows in C; Redis's build then prints 8 digits, as for any n below -8
    n = n === -2147483648 ? 8 : -n
    digits = '0123456789ABCDEF'
  }
  if (n > 8) n = 8
  const out: string[] = []
  for (let i = n; --i >= 0; ) {
    out[i] = digits[b & 15]
    b >>>= 4
  }
  lua.lua_pushstring(L, to_luastring(out.join('')))
  return 1
}

/** Sets the global `bit`. */
export function openBit(L: LuaState): void {
  setGlobalLib(L, 'bit', {
    tobit: (L) => ret(L, barg(L, 1)),
    bnot: (L) => ret(L, ~barg(L, 1)),
    band: fold((a, b) => a & b),
    bor: fold((a, b) => a | b),
    bxor: fold((a, b) => a ^ b),
    lshift: shift((b, n) => b << n),
    rshift: shift((b, n) => b >>> n),
    arshift: shift((b, n) => b >> n),
    // C shifts by 32 when n is 0 (undefined; x86 masks it to 0, so b | b); JS masks the same way
    rol: shift((b, n) => (b << n) | (b >>> (32 - n))),
    ror: shift((b, n) => (b << (32 - n)) | (b >>> n)),
    bswap: (L) => {
      const b = barg(L, 1)
      return ret(L, (b >>> 24) | ((b >>> 8) & 0xff00) | ((b & 0xff00) << 8) | (b << 24))
    },
    tohex,
  })
}

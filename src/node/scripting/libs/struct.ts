// The `struct` library as Redis 7.0.15 ships it (deps/lua/src/lua_struct.c, Roberto Ierusalimschy's
// struct 0.2 with Redis's offset check): pack, unpack, size. Sizes and alignment are those of Redis's
// x86-64 Linux build: native little-endian, long and size_t 8 bytes, int 4, maximum alignment 8;
// integers are carried in a 64-bit unsigned long, so sizes above 8 keep only 8 significant bytes.
import {lua, lauxlib, to_luastring} from '../lua.js'
import type {LuaState} from '../fengari/index.cjs'
import {argError, ByteBuf, checkNumber, checkStack, int64Of, optInteger, raise, setGlobalLib, toFloat32} from './util.js'

const BIG = 0
const LITTLE = 1
const MAXINTSIZE = 32
const MAXALIGN = 8
const U64 = (1n << 64n) - 1n

interface Header {
  endian: number
  align: number
}

/** The format string as C sees it: up to the first NUL. */
class Format {
  i = 0
  readonly s: Uint8Array
  constructor(raw: Uint8Array) {
    const nul = raw.indexOf(0)
    this.s = nul < 0 ? raw : raw.subarray(0, nul)
  }
  get done(): boolean {
    return this.i >= this.s.length
  }
  isDigit(): boolean {
    return this.i < this.s.length && this.s[this.i] >= 48 && this.s[this.i] <= 57
  }
  getnum(L: LuaState, def: number): number {
    if (!this.isDigit()) return def
    let a = 0
    do {
      const d = this.s[this.i] - 48
      if (a > Math.floor(2147483647 / 10) || a * 10 > 2147483647 - d) raise(L, 'integral size overflow')
      a = a * 10 + d
      this.i++
    } while (this.isDigit())
    return a
  }
}

const ch = (c: string): number => c.charCodeAt(0)
const isAlnum = (c: number): boolean => (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122)
const isLower = (c: number): boolean => c >= 97 && c <= 122

function optsize(L: LuaState, opt: number, fmt: Format): number {
  switch (String.fromCharCode(opt)) {
    case 'B': case 'b': case 'x': return 1
    case 'H': case 'h': return 2
    case 'L': case 'l': case 'T': case 'd': return 8
    case 'f': return 4
    case 'c': return fmt.getnum(L, 1)
    case 'i': case 'I': {
      const sz = fmt.getnum(L, 4)
      if (sz > MAXINTSIZE) raise(L, `integral size ${sz} is larger than limit of ${MAXINTSIZE}`)
      return sz
    }
    default: return 0
  }
}

function gettoalign(len: number, h: Header, opt: number, size: number): number {
  if (size === 0 || opt === ch('c')) return 0
  if (size > h.align) size = h.align
  return (size - (len & (size - 1))) & (size - 1)
}

function controloptions(L: LuaState, opt: number, fmt: Format, h: Header): void {
  switch (String.fromCharCode(opt)) {
    case ' ': return
    case '>': h.endian = BIG; return
    case '<': h.endian = LITTLE; return
    case '!': {
      const a = fmt.getnum(L, MAXALIGN)
      if (!(a > 0 && (a & (a - 1)) === 0)) raise(L, `alignment ${a} is not a power of 2`)
      h.align = a
      return
    }
    default: {
      const msg = to_luastring("invalid format option '_'")
      msg[msg.length - 2] = opt
      argError(L, 1, msg)
    }
  }
}

/** C's conversion of a double to unsigned long as Redis's putinteger does it (x86-64 codegen for out-of-range values). */
function toUnsignedLong(n: number): bigint {
  if (Number.isNaN(n)) return 1n << 63n
  if (n < 0) return BigInt.asUintN(64, int64Of(n))
  if (n < 18446744073709551616) return BigInt(Math.trunc(n))
  return 0n
}

function putBytes(out: ByteBuf, bytes: Uint8Array, endian: number): void {
  if (endian === BIG) bytes.reverse()
  out.bytes(bytes)
}

function floatBytes(d: number, size: 4 | 8): Uint8Array {
  const dv = new DataView(new ArrayBuffer(size))
  if (size === 4) dv.setFloat32(0, toFloat32(d), true)
  else dv.setFloat64(0, d, true)
  return new Uint8Array(dv.buffer)
}

function pack(L: LuaState): number {
  const fmt = new Format(lauxlib.luaL_checklstring(L, 1) as Uint8Array)
  const h: Header = {endian: LITTLE, align: 1}
  let arg = 2
  let total = 0
  const out = new ByteBuf()
  // the C code pushes a nil to separate its arguments from its buffer: a missing argument reads as nil
  lua.lua_pushnil(L)
  while (!fmt.done) {
    const opt = fmt.s[fmt.i++]
    let size = optsize(L, opt, fmt)
    const toalign = gettoalign(total, h, opt, size)
    total += toalign
    for (let k = 0; k < toalign; k++) out.byte(0)
    switch (String.fromCharCode(opt)) {
      case 'b': case 'B': case 'h': case 'H': case 'l': case 'L': case 'T': case 'i': case 'I': {
        let value = toUnsignedLong(checkNumber(L, arg++))
        const bytes = new Uint8Array(size)
        for (let k = 0; k < size; k++, value >>= 8n) bytes[k] = Number(value & 0xffn)
        putBytes(out, bytes, h.endian)
        break
      }
      case 'x':
        out.byte(0)
        break
      case 'f': case 'd':
        putBytes(out, floatBytes(checkNumber(L, arg++), size as 4 | 8), h.endian)
        break
      case 'c': case 's': {
        const s = lauxlib.luaL_checklstring(L, arg++) as Uint8Array
        if (size === 0) size = s.length
        // the C code checks after advancing, so the error names the next argument
        if (s.length < size) argError(L, arg, 'string too short')
        out.bytes(s.subarray(0, size))
        if (opt === ch('s')) {
          out.byte(0)
          size++
        }
        break
      }
      default:
        controloptions(L, opt, fmt, h)
    }
    total += size
  }
  lua.lua_pushstring(L, out.result())
  return 1
}

function getinteger(data: Uint8Array, pos: number, endian: number, signed: boolean, size: number): number {
  let l = 0n
  for (let k = 0; k < size; k++) {
    const byte = data[endian === BIG ? pos + k : pos + size - 1 - k]
    l = ((l << 8n) | BigInt(byte)) & U64
  }
  if (!signed) return Number(l)
  // x86 masks the shift count to 6 bits, so sizes above 8 use a shifted mask as Redis's build does
  const mask = (U64 << BigInt((size * 8 - 1) & 63)) & U64
  if (l & mask) l |= mask
  return Number(BigInt.asIntN(64, l))
}

function unpack(L: LuaState): number {
  const fmt = new Format(lauxlib.luaL_checklstring(L, 1) as Uint8Array)
  const data = lauxlib.luaL_checklstring(L, 2) as Uint8Array
  const ld = data.length
  const start = optInteger(L, 3, 1)
  if (start === 0) argError(L, 3, 'offset must be 1 or greater')
  // a negative offset is a huge size_t in C: any format item then fails the length check
  if (start < 0 && !fmt.done) argError(L, 2, 'data string too short')
  let pos = start - 1
  let n = 0
  const h: Header = {endian: LITTLE, align: 1}
  while (!fmt.done) {
    const opt = fmt.s[fmt.i++]
    let size = optsize(L, opt, fmt)
    pos += gettoalign(pos, h, opt, size)
    if (!(size <= ld && pos <= ld - size)) argError(L, 2, 'data string too short')
    checkStack(L, 2, 'too many results')
    switch (String.fromCharCode(opt)) {
      case 'b': case 'B': case 'h': case 'H': case 'l': case 'L': case 'T': case 'i': case 'I':
        lua.lua_pushnumber(L, getinteger(data, pos, h.endian, isLower(opt), size))
        n++
        break
      case 'x':
        break
      case 'f': case 'd': {
        const bytes = data.slice(pos, pos + size)
        if (h.endian === BIG) bytes.reverse()
        const dv = new DataView(bytes.buffer)
        lua.lua_pushnumber(L, size === 4 ? dv.getFloat32(0, true) : dv.getFloat64(0, true))
        n++
        break
      }
      case 'c':
        if (size === 0) {
          if (n === 0 || !lua.lua_isnumber(L, -1)) raise(L, "format 'c0' needs a previous size")
          size = Number(BigInt.asUintN(64, int64Of(lua.lua_tonumber(L, -1) as number)))
          lua.lua_pop(L, 1)
          n--
          if (!(size <= ld && pos <= ld - size)) argError(L, 2, 'data string too short')
        }
        lua.lua_pushstring(L, data.slice(pos, pos + size))
        n++
        break
      case 's': {
        const e = data.indexOf(0, pos)
        if (e < 0) raise(L, 'unfinished string in data')
        size = e - pos + 1
        lua.lua_pushstring(L, data.slice(pos, e))
        n++
        break
      }
      default:
        controloptions(L, opt, fmt, h)
    }
    pos += size
  }
  lua.lua_pushnumber(L, pos + 1)
  return n + 1
}

function size(L: LuaState): number {
  const fmt = new Format(lauxlib.luaL_checklstring(L, 1) as Uint8Array)
  const h: Header = {endian: LITTLE, align: 1}
  let pos = 0
  while (!fmt.done) {
    const opt = fmt.s[fmt.i++]
    const sz = optsize(L, opt, fmt)
    pos += gettoalign(pos, h, opt, sz)
    if (opt === ch('s')) argError(L, 1, "option 's' has no fixed size")
    else if (opt === ch('c') && sz === 0) argError(L, 1, "option 'c0' has no fixed size")
    if (!isAlnum(opt)) controloptions(L, opt, fmt, h)
    pos += sz
  }
  lua.lua_pushnumber(L, pos)
  return 1
}

/** Sets the global `struct`. */
export function openStruct(L: LuaState): void {
  setGlobalLib(L, 'struct', {pack, unpack, size})
}

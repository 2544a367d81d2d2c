// cjson.decode: lua-cjson 2.1.0's tokenizer and recursive parser as Redis 7.0.15 builds it. The C code
// reads a NUL-terminated string, so a NUL byte ends the input; numbers go through C's strtod (hex,
// inf, nan and a leading '+' are accepted while decode_invalid_numbers is on, the default).
import {lua} from '../lua.js'
import type {LuaState} from '../fengari/index.cjs'
import {raise, stackRoom} from './util.js'

/** A NaN with its sign bit set, built from its bits: a literal -NaN is folded to NaN when the
 *  TypeScript is compiled. */
const NEGATIVE_NAN = new Float64Array(new BigUint64Array([0xfff8000000000000n]).buffer)[0]

export interface CjsonConfig {
  sparseConvert: number
  sparseRatio: number
  sparseSafe: number
  encodeMaxDepth: number
  decodeMaxDepth: number
  encodeInvalidNumbers: number // 0 off, 1 on, 2 "null"
  decodeInvalidNumbers: number
  encodeKeepBuffer: number
  encodeNumberPrecision: number
}

const enum T {
  ObjBegin, ObjEnd, ArrBegin, ArrEnd, String, Number, Boolean, Null, Colon, Comma, End, Whitespace, Error, Unknown,
}
const TOKEN_NAMES = ['T_OBJ_BEGIN', 'T_OBJ_END', 'T_ARR_BEGIN', 'T_ARR_END', 'T_STRING', 'T_NUMBER', 'T_BOOLEAN', 'T_NULL', 'T_COLON', 'T_COMMA', 'T_END', 'T_WHITESPACE', 'T_ERROR', 'T_UNKNOWN']

const CH2TOKEN: T[] = Array.from({length: 256}, () => T.Error)
for (const [c, t] of [['{', T.ObjBegin], ['}', T.ObjEnd], ['[', T.ArrBegin], [']', T.ArrEnd], [',', T.Comma], [':', T.Colon], ['\0', T.End], [' ', T.Whitespace], ['\t', T.Whitespace], ['\n', T.Whitespace], ['\r', T.Whitespace]] as const) CH2TOKEN[c.charCodeAt(0)] = t
for (const c of 'fiInNt"+-0123456789') CH2TOKEN[c.charCodeAt(0)] = T.Unknown

const ESCAPE2CHAR: number[] = new Array<number>(256).fill(0)
for (const [e, c] of [['"', 34], ['\\', 92], ['/', 47], ['b', 8], ['t', 9], ['n', 10], ['f', 12], ['r', 13], ['u', 117]] as const) ESCAPE2CHAR[e.charCodeAt(0)] = c

interface Token {
  type: T
  index: number
  str?: Uint8Array
  num?: number
  bool?: boolean
  error?: string
}

const lower = (c: number): number => c | 0x20
const isDigit = (c: number): boolean => c >= 48 && c <= 57
const hexVal = (c: number): number => (isDigit(c) ? c - 48 : lower(c) >= 97 && lower(c) <= 102 ? lower(c) - 87 : -1)

class Parser {
  ptr = 0
  depth = 0
  constructor(readonly L: LuaState, readonly data: Uint8Array, readonly cfg: CjsonConfig) {}

  at(i: number): number {
    return i < this.data.length ? this.data[i] : 0
  }

  /** Case-insensitive (or exact) match of ASCII `word` at position i. */
  matches(i: number, word: string, caseless: boolean): boolean {
    for (let k = 0; k < word.length; k++) {
      const c = this.at(i + k)
      if (caseless ? lower(c) !== word.charCodeAt(k) : c !== word.charCodeAt(k)) return false
    }
    return true
  }

  /** C strtod on the bytes at `start`: returns the value and the end position (start when nothing parsed). */
  strtod(start: number): [number, number] {
    let i = start
    let sign = 1
    if (this.at(i) === 43 || this.at(i) === 45) sign = this.at(i++) === 45 ? -1 : 1
    if (this.matches(i, 'inf', true)) return [sign * Infinity, i + (this.matches(i, 'infinity', true) ? 8 : 3)]
    if (this.matches(i, 'nan', true)) {
      let end = i + 3
      if (this.at(end) === 40) {
        let k = end + 1
        while (isDigit(this.at(k)) || (lower(this.at(k)) >= 97 && lower(this.at(k)) <= 122) || this.at(k) === 95) k++
        if (this.at(k) === 41) end = k + 1
      }
      // glibc's strtod gives "-nan" its sign bit (tostring prints it back as -nan)
      return [sign < 0 ? NEGATIVE_NAN : NaN, end]
    }
    if (this.at(i) === 48 && lower(this.at(i + 1)) === 120 && (hexVal(this.at(i + 2)) >= 0 || (this.at(i + 2) === 46 && hexVal(this.at(i + 3)) >= 0))) return this.hexFloat(i + 2, sign)
    const from = i
    let digits = 0
    while (isDigit(this.at(i))) i++, digits++
    if (this.at(i) === 46) {
      i++
      while (isDigit(this.at(i))) i++, digits++
    }
    if (digits === 0) return [0, start]
    if (lower(this.at(i)) === 101) {
      let k = i + 1
      if (this.at(k) === 43 || this.at(k) === 45) k++
      if (isDigit(this.at(k))) {
        while (isDigit(this.at(k))) k++
        i = k
      }
    }
    const text = String.fromCharCode(...this.data.subarray(from, i))
    return [sign * Number(text.endsWith('.') ? text.slice(0, -1) : text.startsWith('.') ? '0' + text : text), i]
  }

  hexFloat(i: number, sign: number): [number, number] {
    let mant = 0
    let scale = 0
    while (hexVal(this.at(i)) >= 0) mant = mant * 16 + hexVal(this.at(i++))
    if (this.at(i) === 46) {
      i++
      while (hexVal(this.at(i)) >= 0) (mant = mant * 16 + hexVal(this.at(i++))), (scale -= 4)
    }
    if (lower(this.at(i)) === 112) {
      let k = i + 1
      let esign = 1
      if (this.at(k) === 43 || this.at(k) === 45) esign = this.at(k++) === 45 ? -1 : 1
      if (isDigit(this.at(k))) {
        let e = 0
        while (isDigit(this.at(k))) e = e * 10 + this.at(k++) - 48
        scale += esign * e
        i = k
      }
    }
    return [sign * mant * 2 ** scale, i]
  }

  isInvalidNumber(): boolean {
    let p = this.ptr
    if (this.at(p) === 43) return true
    if (this.at(p) === 45) p++
    if (this.at(p) === 48) {
      const c2 = this.at(p + 1)
      return lower(c2) === 120 || isDigit(c2)
    }
    if (this.at(p) <= 57) return false
    return this.matches(p, 'inf', true) || this.matches(p, 'nan', true)
  }

  setError(tok: Token, error: string): void {
    tok.type = T.Error
    tok.index = this.ptr
    tok.error = error
  }

  numberToken(tok: Token): void {
    const [value, end] = this.strtod(this.ptr)
    tok.type = T.Number
    tok.num = value
    if (end === this.ptr) this.setError(tok, 'invalid number')
    else this.ptr = end
  }

  unicodeEscape(out: number[]): boolean {
    const hex4 = (at: number): number => {
      let v = 0
      for (let k = 0; k < 4; k++) {
        const d = hexVal(this.at(at + k))
        if (d < 0) return -1
        v = (v << 4) | d
      }
      return v
    }
    let cp = hex4(this.ptr + 2)
    if (cp < 0) return false
    let escapeLen = 6
    if ((cp & 0xf800) === 0xd800) {
      if (cp & 0x400) return false
      if (this.at(this.ptr + 6) !== 92 || this.at(this.ptr + 7) !== 117) return false
      const low = hex4(this.ptr + 8)
      if (low < 0 || (low & 0xfc00) !== 0xdc00) return false
      cp = (((cp & 0x3ff) << 10) | (low & 0x3ff)) + 0x10000
      escapeLen = 12
    }
    if (cp <= 0x7f) out.push(cp)
    else if (cp <= 0x7ff) out.push((cp >> 6) | 0xc0, (cp & 0x3f) | 0x80)
    else if (cp <= 0xffff) out.push((cp >> 12) | 0xe0, ((cp >> 6) & 0x3f) | 0x80, (cp & 0x3f) | 0x80)
    else out.push((cp >> 18) | 0xf0, ((cp >> 12) & 0x3f) | 0x80, ((cp >> 6) & 0x3f) | 0x80, (cp & 0x3f) | 0x80)
    this.ptr += escapeLen
    return true
  }

  stringToken(tok: Token): void {
    this.ptr++
    const out: number[] = []
    let ch: number
    while ((ch = this.at(this.ptr)) !== 34) {
      if (ch === 0) return this.setError(tok, 'unexpected end of string')
      if (ch === 92) {
        ch = ESCAPE2CHAR[this.at(this.ptr + 1)]
        if (ch === 117) {
          if (this.unicodeEscape(out)) continue
          return this.setError(tok, 'invalid unicode escape code')
        }
        if (!ch) return this.setError(tok, 'invalid escape code')
        this.ptr++
      }
      out.push(ch)
      this.ptr++
    }
    this.ptr++
    tok.type = T.String
    tok.str = Uint8Array.from(out)
  }

  next(): Token {
    const tok: Token = {type: T.End, index: 0}
    for (;;) {
      tok.type = CH2TOKEN[this.at(this.ptr)]
      if (tok.type !== T.Whitespace) break
      this.ptr++
    }
    tok.index = this.ptr
    if (tok.type === T.Error) {
      this.setError(tok, 'invalid token')
      return tok
    }
    if (tok.type === T.End) return tok
    if (tok.type !== T.Unknown) {
      this.ptr++
      return tok
    }
    const ch = this.at(this.ptr)
    if (ch === 34) this.stringToken(tok)
    else if (ch === 45 || isDigit(ch)) {
      if (!this.cfg.decodeInvalidNumbers && this.isInvalidNumber()) this.setError(tok, 'invalid number')
      else this.numberToken(tok)
    } else if (this.matches(this.ptr, 'true', false)) (tok.type = T.Boolean), (tok.bool = true), (this.ptr += 4)
    else if (this.matches(this.ptr, 'false', false)) (tok.type = T.Boolean), (tok.bool = false), (this.ptr += 5)
    else if (this.matches(this.ptr, 'null', false)) (tok.type = T.Null), (this.ptr += 4)
    else if (this.cfg.decodeInvalidNumbers && this.isInvalidNumber()) this.numberToken(tok)
    else this.setError(tok, 'invalid token')
    return tok
  }

  fail(expected: string, tok: Token): never {
    const found = tok.type === T.Error ? tok.error : TOKEN_NAMES[tok.type]
    raise(this.L, `Expected ${expected} but found ${found} at character ${tok.index + 1}`)
  }

  descend(slots: number): void {
    this.depth++
    if (this.depth <= this.cfg.decodeMaxDepth && stackRoom(this.L, slots)) return
    raise(this.L, `Found too many nested data structures (${this.depth}) at character ${this.ptr}`)
  }

  /** Object key and colon (the value's first token follows). */
  key(tok: Token): void {
    if (tok.type !== T.String) this.fail('object key string', tok)
    lua.lua_pushstring(this.L, tok.str)
    const colon = this.next()
    if (colon.type !== T.Colon) this.fail('colon', colon)
  }

  scalar(tok: Token): void {
    const L = this.L
    switch (tok.type) {
      case T.String:
        return lua.lua_pushstring(L, tok.str)
      case T.Number:
        return lua.lua_pushnumber(L, tok.num)
      case T.Boolean:
        return lua.lua_pushboolean(L, tok.bool)
      case T.Null:
        return lua.lua_pushlightuserdata(L, null)
      default:
        this.fail('value', tok)
    }
  }

  /** Parses one value and pushes it. Iterative (open containers on a JS array, their tables on the Lua
   *  stack) so that nesting as deep as Redis's C stack allows does not overflow the JS stack. */
  value(first: Token): void {
    const L = this.L
    const open: {array: boolean; i: number}[] = []
    let tok = first
    for (;;) {
      if (tok.type === T.ArrBegin || tok.type === T.ObjBegin) {
        const array = tok.type === T.ArrBegin
        this.descend(array ? 2 : 3)
        lua.lua_newtable(L)
        tok = this.next()
        if (tok.type !== (array ? T.ArrEnd : T.ObjEnd)) {
          if (!array) {
            this.key(tok)
            tok = this.next()
          }
          open.push({array, i: 1})
          continue
        }
        this.depth--
      } else this.scalar(tok)
      // a value is complete: store it in the innermost open container, closing those that end
      for (;;) {
        const c = open[open.length - 1]
        if (!c) return
        if (c.array) lua.lua_rawseti(L, -2, c.i++)
        else lua.lua_rawset(L, -3)
        tok = this.next()
        if (tok.type === (c.array ? T.ArrEnd : T.ObjEnd)) {
          this.depth--
          open.pop()
          continue
        }
        if (tok.type !== T.Comma) this.fail(c.array ? 'comma or array end' : 'comma or object end', tok)
        tok = this.next()
        if (!c.array) {
          this.key(tok)
          tok = this.next()
        }
        break
      }
    }
  }
}

/** Decodes `data` and pushes the value (json_decode). */
export function decodeJson(L: LuaState, data: Uint8Array, cfg: CjsonConfig): void {
  if (data.length >= 2 && (data[0] === 0 || data[1] === 0)) raise(L, 'JSON parser does not support UTF-16 or UTF-32')
  const p = new Parser(L, data, cfg)
  p.value(p.next())
  const tok = p.next()
  if (tok.type !== T.End) p.fail('the end', tok)
}


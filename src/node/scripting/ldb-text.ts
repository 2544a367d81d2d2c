// Text helpers of the Lua debugger (src/node/scripting/ldb.ts): the C library behaviour its
// parser relies on (atoi, string2l, strstr stopping at NUL), "%g" numbers, and the debugger's
// notation for a command's RESP reply (eval.c ldbRedisProtocolToHuman).
import {formatG} from '../../resp/writer.js'
import {sdsRepr} from '../sds-repr.js'
import {fromLua, lua, type LuaState} from './lua.js'

/** C atoi: leading blanks, a sign, digits; anything else stops it (0 when none). */
export function atoi(s: string): number {
  const m = /^[ \t\n\v\f\r]*([+-]?\d+)/.exec(s)
  if (m === null) return 0
  const n = Number(m[1])
  return Number.isFinite(n) ? n | 0 : 0
}

/** redis string2l: a canonical integer (no blanks, no '+', no leading zeros). */
export function string2l(s: string): number | null {
  if (!/^(0|-?[1-9]\d*)$/.test(s)) return null
  const n = Number(s)
  return Number.isSafeInteger(n) ? n : null
}

/** C strchr/strstr on the copy of the buffer: the search stops at the first NUL byte. */
export function cfind(buf: Buffer, needle: string, from: number): number {
  const nul = buf.indexOf(0, from)
  const at = buf.indexOf(needle, from, 'latin1')
  return at < 0 || (nul >= 0 && at + needle.length > nul) ? -1 : at
}

export function errorText(L: LuaState): string {
  const u = lua.lua_tolstring(L, -1) as Uint8Array | null
  return u == null ? '(null)' : fromLua(u)
}

/** printf("%g") */
export function formatC(n: number): string {
  if (Number.isNaN(n)) return 'nan'
  if (!Number.isFinite(n)) return n > 0 ? 'inf' : '-inf'
  return formatG(n, 6)
}

/** ldbRedisProtocolToHuman: one RESP reply (RESP2 or RESP3) in the debugger's notation. */
export function protocolToHuman(r: string, pos: {at: number}): string {
  const start = pos.at
  const eol = r.indexOf('\r', start + 1)
  const head = r.slice(start + 1, eol)
  pos.at = eol + 2
  const items = (n: number, sep: string, pair: boolean) => {
    const parts: string[] = []
    for (let j = 0; j < n; j++) parts.push(pair ? `${protocolToHuman(r, pos)} => ${protocolToHuman(r, pos)}` : protocolToHuman(r, pos))
    return parts.join(sep)
  }
  switch (r[start]) {
    case ':':
      return head
    case '$': {
      const len = Number(head)
      if (len === -1) return 'NULL'
      const s = r.slice(pos.at, pos.at + len)
      pos.at += len + 2
      return sdsRepr(s)
    }
    case '+':
    case '-':
      return sdsRepr(r.slice(start, eol))
    case '*':
      return Number(head) === -1 ? 'NULL' : `[${items(Number(head), ',', false)}]`
    case '~':
      return `~(${items(Number(head), ',', false)})`
    case '%':
      return `{${items(Number(head), ',', true)}}`
    case '_':
      return '(null)'
    case '#':
      return r[start + 1] === 't' ? '#true' : '#false'
    case ',':
      return `(double) ${head}`
    default:
      return ''
  }
}

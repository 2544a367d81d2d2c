/** redis sdscatrepr: double-quoted, C escapes, \xhh for bytes outside printable ASCII. */
export function sdsRepr(s: string): string {
  let out = '"'
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    if (c === 0x5c) out += '\\\\'
    else if (c === 0x22) out += '\\"'
    else if (c === 0x0a) out += '\\n'
    else if (c === 0x0d) out += '\\r'
    else if (c === 0x09) out += '\\t'
    else if (c === 0x07) out += '\\a'
    else if (c === 0x08) out += '\\b'
    else if (c >= 0x20 && c <= 0x7e) out += s[i]
    else out += '\\x' + c.toString(16).padStart(2, '0')
  }
  return out + '"'
}

// Bitmap commands (redis 7.0 bitops.c): SETBIT GETBIT BITCOUNT BITPOS BITOP BITFIELD BITFIELD_RO.
// Strings stay bare latin1 strings in the keyspace (the SET/GET hot path is untouched); a write
// edits the value's bytes (Keyspace.editBytes): a small string is copied and stored back, a big one
// is edited where it is (string-edit.ts), and the readers read its bytes there (readBytes).
import {E, ReplyError} from '../errors.js'
import {cmd, type CommandContext, type CommandSpec} from './types.js'
import {parseIntStrict, setKey} from './util.js'
import {N, notifyKeyspaceEvent as ev} from '../notify.js'
import {StringEdit, type StringBytes} from '../keyspace/string-edit.js'

const W = ['write', 'denyoom'] as const
export const commands: CommandSpec[] = [
  cmd('setbit', 4, [...W], [1, 1, 1], setbit, {categories: ['@write', '@bitmap', '@slow']}),
  cmd('getbit', 3, ['readonly', 'fast'], [1, 1, 1], getbit, {categories: ['@read', '@bitmap', '@fast']}),
  cmd('bitcount', -2, ['readonly'], [1, 1, 1], bitcount, {categories: ['@read', '@bitmap', '@slow']}),
  cmd('bitpos', -3, ['readonly'], [1, 1, 1], bitpos, {categories: ['@read', '@bitmap', '@slow']}),
  cmd('bitop', -4, [...W], [2, -1, 1], bitop, {categories: ['@write', '@bitmap', '@slow']}),
  cmd('bitfield', -2, [...W], [1, 1, 1], (ctx, a) => bitfield(ctx, a, false), {categories: ['@write', '@bitmap', '@slow']}),
  cmd('bitfield_ro', -2, ['readonly', 'fast'], [1, 1, 1], (ctx, a) => bitfield(ctx, a, true), {categories: ['@read', '@bitmap', '@fast']}),
]

const OFFSET_ERR = 'ERR bit offset is not an integer or out of range'
const BIT_ERR = 'ERR bit is not an integer or out of range'
const TYPE_ERR = 'ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is.'

/** redis getBitOffsetFromArgument: "#n" means n * bits (BITFIELD only); limited to proto-max-bulk-len bytes (not for the master's link or the AOF). */
function bitOffset(ctx: CommandContext, raw: string, hashBits = 0): number {
  const hash = hashBits > 0 && raw.charCodeAt(0) === 35
  let n = parseIntStrict(hash ? raw.slice(1) : raw)
  if (n === null) throw new ReplyError(OFFSET_ERR)
  if (hash) n = BigInt.asIntN(64, n * BigInt(hashBits))
  if (n < 0n || (!ctx.session.mustObey && n >> 3n >= BigInt(ctx.server.config.int('proto-max-bulk-len')))) throw new ReplyError(OFFSET_ERR)
  return Number(n)
}

function longArg(raw: string, err: string = E.NOT_INTEGER): bigint {
  const n = parseIntStrict(raw)
  if (n === null) throw new ReplyError(err)
  return n
}

/** redis lookupStringForBitCommand: the string's bytes to edit, grown (zero-padded) to hold bit `maxbit`; its length before (undefined: missing). */
function bytesForWrite(ctx: CommandContext, key: string, maxbit: number): {edit: StringEdit; prevLen: number | undefined} {
  const prevLen = ctx.db.getBytes(key)?.length
  return {edit: ctx.db.editBytes(key, Math.floor(maxbit / 8) + 1), prevLen}
}

function store(ctx: CommandContext, key: string, edit: StringEdit, prevLen: number | undefined, changes = 1): void {
  ctx.db.commitEdit(key, edit, prevLen) // an unshared sds: OBJECT ENCODING says raw
  ctx.afterWrite(key, changes)
  ev(ctx, N.STRING, 'setbit', key) // SETBIT and BITFIELD alike
}

function setbit(ctx: CommandContext, argv: string[]): void {
  const offset = bitOffset(ctx, argv[2])
  const on = longArg(argv[3], BIT_ERR)
  if (on !== 0n && on !== 1n) return ctx.reply.error(BIT_ERR)
  const key = argv[1]
  const cur = ctx.db.getBytes(key)
  const byte = Math.floor(offset / 8)
  const mask = 1 << (7 - (offset & 7))
  const old = cur !== undefined && byte < cur.length ? cur.charCodeAt(byte) : 0
  const was = (old & mask) !== 0
  const grows = cur === undefined || byte >= cur.length
  if (grows || was !== (on === 1n)) {
    const {edit, prevLen} = bytesForWrite(ctx, key, offset)
    edit.buf[byte] = on === 1n ? old | mask : old & ~mask
    store(ctx, key, edit, prevLen)
  } else ctx.db.markRaw(key) // lookupStringForBitCommand unshares the string even when the bit stays
  ctx.reply.integer(was ? 1 : 0)
}

function getbit(ctx: CommandContext, argv: string[]): void {
  const offset = bitOffset(ctx, argv[2])
  const v = ctx.db.readBytes(argv[1])
  const byte = Math.floor(offset / 8)
  if (v === undefined || byte >= v.length) return ctx.reply.integer(0)
  ctx.reply.integer(v.charCodeAt(byte) & (1 << (7 - (offset & 7))) ? 1 : 0)
}

const POP = new Uint8Array(256)
for (let i = 1; i < 256; i++) POP[i] = (i & 1) + POP[i >> 1]

function popcount(s: StringBytes, from: number, to: number): number {
  let n = 0
  if (typeof s === 'string') for (let i = from; i <= to; i++) n += POP[s.charCodeAt(i)]
  else for (let i = from, b = s.buf; i <= to; i++) n += POP[b[i]]
  return n
}

interface Range {
  start: number
  end: number
  firstMask: number
  lastMask: number
}

/** Shared BITCOUNT/BITPOS range arithmetic: indexes into bytes (or bits with BIT), clamped; masks for edge bytes. */
function clampRange(len: number, startRaw: bigint, endRaw: bigint, isBit: boolean): Range {
  let total = BigInt(len)
  if (isBit) total <<= 3n
  let start = startRaw
  let end = endRaw
  if (start < 0n) start = total + start
  if (end < 0n) end = total + end
  if (start < 0n) start = 0n
  if (end < 0n) end = 0n
  if (end >= total) end = total - 1n
  let s = Number(start)
  let e = Number(end)
  let firstMask = 0
  let lastMask = 0
  if (isBit && s <= e) {
    firstMask = ~((1 << (8 - (s & 7))) - 1) & 0xff
    lastMask = (1 << (7 - (e & 7))) - 1
    s = Math.floor(s / 8)
    e = Math.floor(e / 8)
  }
  return {start: s, end: e, firstMask, lastMask}
}

function unitArg(raw: string): boolean {
  const u = raw.toLowerCase()
  if (u === 'bit') return true
  if (u === 'byte') return false
  throw new ReplyError(E.SYNTAX)
}

function bitcount(ctx: CommandContext, argv: string[]): void {
  const v = ctx.db.readBytes(argv[1])
  if (v === undefined) return ctx.reply.integer(0)
  let r: Range
  if (argv.length === 4 || argv.length === 5) {
    const start = longArg(argv[2])
    const end = longArg(argv[3])
    if (start < 0n && end < 0n && start > end) return ctx.reply.integer(0)
    r = clampRange(v.length, start, end, argv.length === 5 && unitArg(argv[4]))
  } else if (argv.length === 2) r = {start: 0, end: v.length - 1, firstMask: 0, lastMask: 0}
  else return ctx.reply.error(E.SYNTAX)
  if (r.start > r.end) return ctx.reply.integer(0)
  let n = popcount(v, r.start, r.end)
  if (r.firstMask) n -= POP[v.charCodeAt(r.start) & r.firstMask]
  if (r.lastMask) n -= POP[v.charCodeAt(r.end) & r.lastMask]
  ctx.reply.integer(n)
}

/** redis redisBitpos over bytes [from, from+count): a clear bit not found means count*8 (zero padding). */
function firstBit(s: StringBytes | number[], from: number, count: number, bit: number): number {
  const skip = bit ? 0 : 0xff
  for (let i = 0; i < count; i++) {
    const c = Array.isArray(s) ? s[from + i] : s.charCodeAt(from + i)
    if (c === skip) continue
    for (let b = 7; b >= 0; b--) if (((c >> b) & 1) === bit) return i * 8 + (7 - b)
  }
  return bit ? -1 : count * 8
}

function bitpos(ctx: CommandContext, argv: string[]): void {
  const bitN = longArg(argv[2])
  if (bitN !== 0n && bitN !== 1n) return ctx.reply.error('ERR The bit argument must be 1 or 0.')
  const bit = Number(bitN)
  const v = ctx.db.readBytes(argv[1])
  if (v === undefined) return ctx.reply.integer(bit ? -1 : 0)
  let r: Range
  let endGiven = false
  if (argv.length >= 4 && argv.length <= 6) {
    const start = longArg(argv[3])
    const isBit = argv.length === 6 && unitArg(argv[5])
    let end: bigint
    if (argv.length >= 5) {
      end = longArg(argv[4])
      endGiven = true
    } else end = isBit ? (BigInt(v.length) << 3n) + 7n : BigInt(v.length) - 1n
    r = clampRange(v.length, start, end, isBit)
  } else if (argv.length === 3) r = {start: 0, end: v.length - 1, firstMask: 0, lastMask: 0}
  else return ctx.reply.error(E.SYNTAX)
  if (r.start > r.end) return ctx.reply.integer(-1)
  let {start, end} = r
  let bytes = end - start + 1
  let pos: number
  done: {
    if (r.firstMask) {
      let c = v.charCodeAt(start)
      c = bit ? c & ~r.firstMask : c | r.firstMask
      if (r.lastMask && bytes === 1) c = bit ? c & ~r.lastMask : c | r.lastMask
      pos = firstBit([c & 0xff], 0, 1, bit)
      if (bytes === 1 || (pos !== -1 && pos !== 8)) break done
      start++
      bytes--
    }
    const cur = bytes - (r.lastMask ? 1 : 0)
    if (cur > 0) {
      pos = firstBit(v, start, cur, bit)
      if (bytes === cur || (pos !== -1 && pos !== cur * 8)) break done
      start += cur
      bytes -= cur
    }
    const c = v.charCodeAt(end)
    pos = firstBit([(bit ? c & ~r.lastMask : c | r.lastMask) & 0xff], 0, 1, bit)
  }
  if (endGiven && bit === 0 && pos === bytes * 8) return ctx.reply.integer(-1)
  if (pos !== -1) pos += start * 8
  ctx.reply.integer(pos)
}

function bitop(ctx: CommandContext, argv: string[]): void {
  const op = argv[1].toLowerCase()
  if (op !== 'and' && op !== 'or' && op !== 'xor' && op !== 'not') return ctx.reply.error(E.SYNTAX)
  if (op === 'not' && argv.length !== 4) return ctx.reply.error('ERR BITOP NOT must be called with a single source key.')
  const bufs: Buffer[] = []
  let maxlen = 0
  for (let i = 3; i < argv.length; i++) {
    const s = ctx.db.readBytes(argv[i]) ?? ''
    bufs.push(typeof s === 'string' ? Buffer.from(s, 'latin1') : s.buf.subarray(0, s.length))
    if (s.length > maxlen) maxlen = s.length
  }
  const dest = argv[2]
  if (maxlen === 0) {
    if (ctx.db.delete(dest)) {
      ctx.afterWrite(dest)
      ev(ctx, N.GENERIC, 'del', dest)
    }
    return ctx.reply.integer(0)
  }
  const out = Buffer.alloc(maxlen)
  const n = bufs.length
  for (let j = 0; j < maxlen; j++) {
    let o = j < bufs[0].length ? bufs[0][j] : 0
    if (op === 'not') o = ~o & 0xff
    else if (op === 'and') for (let i = 1; i < n && o !== 0; i++) o &= j < bufs[i].length ? bufs[i][j] : 0
    else if (op === 'or') for (let i = 1; i < n && o !== 0xff; i++) o |= j < bufs[i].length ? bufs[i][j] : 0
    else for (let i = 1; i < n; i++) o ^= j < bufs[i].length ? bufs[i][j] : 0
    out[j] = o
  }
  setKey(ctx, dest, out.toString('latin1'))
  ctx.db.markRaw(dest)
  ctx.afterWrite(dest)
  ev(ctx, N.STRING, 'set', dest)
  ctx.reply.integer(maxlen)
}

// ---- BITFIELD ------------------------------------------------------------------------------

const WRAP = 0
const SAT = 1
const FAIL = 2

interface FieldOp {
  op: 'get' | 'set' | 'incrby'
  offset: number
  value: bigint
  overflow: number
  bits: number
  signed: boolean
}

function fieldType(raw: string): {signed: boolean; bits: number} {
  const c = raw.charCodeAt(0)
  if (c !== 105 && c !== 117) throw new ReplyError(TYPE_ERR)
  const signed = c === 105
  const n = parseIntStrict(raw.slice(1))
  if (n === null || n < 1n || (signed && n > 64n) || (!signed && n > 63n)) throw new ReplyError(TYPE_ERR)
  return {signed, bits: Number(n)}
}

function getUnsigned(buf: Buffer | StringBytes, offset: number, bits: number): bigint {
  let v = 0n
  for (let j = 0; j < bits; j++, offset++) {
    const byte = Math.floor(offset / 8)
    const b = byte < buf.length ? ((Buffer.isBuffer(buf) ? buf[byte] : buf.charCodeAt(byte)) >> (7 - (offset & 7))) & 1 : 0
    v = (v << 1n) | BigInt(b)
  }
  return v
}

function setUnsigned(buf: Buffer, offset: number, bits: number, value: bigint): void {
  for (let j = 0; j < bits; j++, offset++) {
    const bitval = (value >> BigInt(bits - 1 - j)) & 1n
    const byte = Math.floor(offset / 8)
    const m = 1 << (7 - (offset & 7))
    buf[byte] = bitval ? buf[byte] | m : buf[byte] & ~m
  }
}

const U64 = (x: bigint): bigint => BigInt.asUintN(64, x)
const I64 = (x: bigint): bigint => BigInt.asIntN(64, x)

/** redis checkUnsignedBitfieldOverflow, with its uint64/int64 wrap-around arithmetic. */
function unsignedOverflow(value: bigint, incr: bigint, bits: number, ow: number): {dir: number; limit: bigint} {
  const max = (1n << BigInt(bits)) - 1n
  const maxincr = I64(max - value)
  const minincr = I64(-value)
  const wrap = (): bigint => U64(value + incr) & max
  if (value > max || (incr > 0n && incr > maxincr)) return {dir: 1, limit: ow === WRAP ? wrap() : max}
  if (incr < 0n && incr < minincr) return {dir: -1, limit: ow === WRAP ? wrap() : 0n}
  return {dir: 0, limit: 0n}
}

/** redis checkSignedBitfieldOverflow, including how its maxincr/minincr wrap in int64. */
function signedOverflow(value: bigint, incr: bigint, bits: number, ow: number): {dir: number; limit: bigint} {
  const max = bits === 64 ? (1n << 63n) - 1n : (1n << BigInt(bits - 1)) - 1n
  const min = -max - 1n
  const maxincr = I64(max - value)
  const minincr = I64(min - value)
  const wrap = (): bigint => {
    let c = U64(value + incr)
    if (bits < 64) {
      const mask = U64(-1n << BigInt(bits))
      c = c & (1n << BigInt(bits - 1)) ? c | mask : c & ~mask
    }
    return I64(c)
  }
  if (value > max || (bits !== 64 && incr > maxincr) || (value >= 0n && incr > 0n && incr > maxincr)) return {dir: 1, limit: ow === WRAP ? wrap() : max}
  if (value < min || (bits !== 64 && incr < minincr) || (value < 0n && incr < 0n && incr < minincr)) return {dir: -1, limit: ow === WRAP ? wrap() : min}
  return {dir: 0, limit: 0n}
}

function parseFieldOps(ctx: CommandContext, argv: string[]): {ops: FieldOp[]; highest: number; readonly: boolean} {
  const ops: FieldOp[] = []
  let overflow = WRAP
  let readonly = true
  let highest = 0
  for (let j = 2; j < argv.length; j++) {
    const rem = argv.length - j - 1
    const sub = argv[j].toLowerCase()
    let op: FieldOp['op']
    if (sub === 'get' && rem >= 2) op = 'get'
    else if (sub === 'set' && rem >= 3) op = 'set'
    else if (sub === 'incrby' && rem >= 3) op = 'incrby'
    else if (sub === 'overflow' && rem >= 1) {
      const t = argv[++j].toLowerCase()
      if (t === 'wrap') overflow = WRAP
      else if (t === 'sat') overflow = SAT
      else if (t === 'fail') overflow = FAIL
      else throw new ReplyError('ERR Invalid OVERFLOW type specified')
      continue
    } else throw new ReplyError(E.SYNTAX)
    const {signed, bits} = fieldType(argv[j + 1])
    const offset = bitOffset(ctx, argv[j + 2], bits)
    let value = 0n
    if (op !== 'get') {
      readonly = false
      if (highest < offset + bits - 1) highest = offset + bits - 1
      value = longArg(argv[j + 3])
    }
    ops.push({op, offset, value, overflow, bits, signed})
    j += op === 'get' ? 2 : 3
  }
  return {ops, highest, readonly}
}

function bitfield(ctx: CommandContext, argv: string[], ro: boolean): void {
  const {ops, highest, readonly} = parseFieldOps(ctx, argv)
  const key = argv[1]
  let buf: Buffer | StringBytes | null = null
  let edit: StringEdit | null = null
  let prevLen: number | undefined
  let grown = false
  if (readonly) buf = ctx.db.readBytes(key) ?? null
  else {
    if (ro) return ctx.reply.error('ERR BITFIELD_RO only supports the GET subcommand')
    ;({edit, prevLen} = bytesForWrite(ctx, key, highest))
    buf = edit.buf
    grown = prevLen === undefined || edit.length > prevLen
  }
  const r = ctx.reply
  r.array(ops.length)
  let changes = 0
  for (const o of ops) {
    if (o.op === 'get') {
      const u = buf === null ? 0n : getUnsigned(buf, o.offset, o.bits)
      r.integer(o.signed ? BigInt.asIntN(o.bits, u) : u)
      continue
    }
    const b = buf as Buffer
    const oldU = getUnsigned(b, o.offset, o.bits)
    const old = o.signed ? BigInt.asIntN(o.bits, oldU) : oldU
    let next: bigint
    let ret: bigint
    let ov: {dir: number; limit: bigint}
    if (o.op === 'incrby') {
      ov = o.signed ? signedOverflow(old, o.value, o.bits, o.overflow) : unsignedOverflow(old, o.value, o.bits, o.overflow)
      next = ov.dir ? ov.limit : o.signed ? I64(old + o.value) : U64(old + o.value)
      ret = next
    } else {
      const v = o.signed ? o.value : U64(o.value)
      ov = o.signed ? signedOverflow(v, 0n, o.bits, o.overflow) : unsignedOverflow(v, 0n, o.bits, o.overflow)
      next = ov.dir ? ov.limit : v
      ret = old
    }
    if (ov.dir && o.overflow === FAIL) {
      r.nil()
      continue
    }
    r.integer(ret)
    setUnsigned(b, o.offset, o.bits, U64(next))
    if (grown || old !== next) changes++
  }
  if (edit === null) return
  if (changes > 0) store(ctx, key, edit, prevLen, changes) // redis: one per SET/INCRBY that wrote
  // redis creates/pads the string before running the ops even when every one failed (not dirty).
  else if (grown) ctx.db.commitEdit(key, edit, prevLen)
  else ctx.db.markRaw(key) // lookupStringForBitCommand unshares the string even when nothing changes
}

// String commands (redis t_string.c). Values are latin1 strings stored bare in the keyspace.
import {E, ReplyError} from '../errors.js'
import {MAX_ARG_LENGTH} from '../../resp/parser.js'
import {cmd, type CommandContext, type CommandSpec} from './types.js'
import {expireKeyAt, intArg, storedInt, syntaxError} from './util.js'
import {addLongDouble, formatLongDoubleHuman, LD_ZERO, parseLongDouble} from '../long-double.js'
import {N, notifyKeyspaceEvent as ev} from '../notify.js'
import {EDIT_MIN} from '../keyspace/string-edit.js'

const W = ['write', 'denyoom'] as const
export const commands: CommandSpec[] = [
  cmd('get', 2, ['readonly', 'fast'], [1, 1, 1], get),
  cmd('set', -3, [...W], [1, 1, 1], set),
  cmd('setnx', 3, [...W, 'fast'], [1, 1, 1], (ctx, a) => setnx(ctx, a[1], a[2])),
  cmd('setex', 4, [...W], [1, 1, 1], (ctx, a) => setWithTtl(ctx, a, 1000)),
  cmd('psetex', 4, [...W], [1, 1, 1], (ctx, a) => setWithTtl(ctx, a, 1)),
  cmd('getset', 3, [...W, 'fast'], [1, 1, 1], getset),
  cmd('getdel', 2, ['write', 'fast'], [1, 1, 1], getdel),
  cmd('getex', -2, ['write', 'fast'], [1, 1, 1], getex),
  cmd('mget', -2, ['readonly', 'fast'], [1, -1, 1], mget),
  cmd('mset', -3, [...W], [1, -1, 2], (ctx, a) => mset(ctx, a, false)),
  cmd('msetnx', -3, [...W], [1, -1, 2], (ctx, a) => mset(ctx, a, true)),
  cmd('incr', 2, [...W, 'fast'], [1, 1, 1], (ctx, a) => incrBy(ctx, a[1], 1n)),
  cmd('decr', 2, [...W, 'fast'], [1, 1, 1], (ctx, a) => incrBy(ctx, a[1], -1n)),
  cmd('incrby', 3, [...W, 'fast'], [1, 1, 1], (ctx, a) => incrBy(ctx, a[1], bigArg(a[2]))),
  cmd('decrby', 3, [...W, 'fast'], [1, 1, 1], (ctx, a) => incrBy(ctx, a[1], decrDelta(a[2]))),
  cmd('incrbyfloat', 3, [...W, 'fast'], [1, 1, 1], incrByFloat),
  cmd('append', 3, [...W, 'fast'], [1, 1, 1], append),
  cmd('strlen', 2, ['readonly', 'fast'], [1, 1, 1], (ctx, a) => ctx.reply.integer(ctx.db.readBytes(a[1])?.length ?? 0)),
  cmd('getrange', 4, ['readonly'], [1, 1, 1], getrange),
  cmd('substr', 4, ['readonly'], [1, 1, 1], getrange),
  cmd('setrange', 4, [...W], [1, 1, 1], setrange),
]

function get(ctx: CommandContext, argv: string[]): void {
  const v = ctx.db.read(argv[1])
  if (v === undefined) return ctx.reply.nil()
  if (typeof v !== 'string') return ctx.reply.error(E.WRONGTYPE)
  ctx.reply.bulk(v)
}

const MAX_MS = 9223372036854775807 // compared in Number space: only the magnitude matters

function expireErr(name: string): ReplyError {
  return new ReplyError(`ERR invalid expire time in '${name}' command`)
}

/** EX/PX/EXAT/PXAT argument -> absolute ms (redis getExpireMillisecondsOrReply). */
function absExpire(ctx: CommandContext, raw: string, unitMs: number, absolute: boolean, name: string, now = ctx.clock.now()): number {
  const n = intArg(raw)
  if (n <= 0 || n > MAX_MS / unitMs) throw expireErr(name)
  const ms = n * unitMs
  const at = absolute ? ms : now + ms
  if (at > MAX_MS) throw expireErr(name)
  return at
}

interface StringOptions {
  nx: boolean
  xx: boolean
  get: boolean
  keepTtl: boolean
  persist: boolean
  /** the expiry option given last and its argument, validated later (redis checks it after the key's type) */
  expire: {unit: 'ex' | 'px' | 'exat' | 'pxat'; raw: string} | null
}

/**
 * SET's (from argv[3]) and GETEX's (from argv[2]) options as redis 7.0's
 * parseExtendedStringArgumentsOrReply reads them: each expiry option excludes the others and
 * KEEPTTL/PERSIST but may repeat itself (the last wins), its argument is taken as it is; anything
 * else, or an option of the other command, is a syntax error.
 */
function stringOptions(argv: string[], forSet: boolean): StringOptions {
  const o: StringOptions = {nx: false, xx: false, get: false, keepTtl: false, persist: false, expire: null}
  for (let i = forSet ? 3 : 2; i < argv.length; i++) {
    const a = argv[i].toLowerCase()
    const hasNext = i + 1 < argv.length
    const unit = o.expire?.unit
    if (forSet && a === 'nx' && !o.xx) o.nx = true
    else if (forSet && a === 'xx' && !o.nx) o.xx = true
    else if (forSet && a === 'get') o.get = true
    else if (forSet && a === 'keepttl' && !o.persist && !unit) o.keepTtl = true
    else if (!forSet && a === 'persist' && !o.keepTtl && !unit) o.persist = true
    else if ((a === 'ex' || a === 'px' || a === 'exat' || a === 'pxat') && (unit === undefined || unit === a) && !o.keepTtl && !o.persist && hasNext) o.expire = {unit: a, raw: argv[++i]}
    else syntaxError()
  }
  return o
}

/** The absolute expiry time of parsed options (null: none), or the error redis gives. */
function optionsExpireAt(ctx: CommandContext, o: StringOptions, name: string, now?: number): number | null {
  if (!o.expire) return null
  const {unit, raw} = o.expire
  return absExpire(ctx, raw, unit === 'ex' || unit === 'exat' ? 1000 : 1, unit === 'exat' || unit === 'pxat', name, now)
}

function set(ctx: CommandContext, argv: string[]): void {
  const opts = argv.length === 3 ? undefined : stringOptions(argv, true)
  const key = argv[1]
  const db = ctx.db
  if (argv.length === 3) {
    // Plain SET key value (the hot path): no option needs the old value, but a logically expired
    // key must still expire first, as redis's lookupKeyWrite does (its DEL is propagated).
    if (db.expiresCount !== 0) db.has(key)
    db.set(key, argv[2], false)
    ctx.afterWrite(key)
    ev(ctx, N.STRING, 'set', key)
    return ctx.reply.ok()
  }
  const {nx, xx, get, keepTtl} = opts!
  const expireAt = optionsExpireAt(ctx, opts!, 'set')
  // SET ... GET reads the old value as GET does (redis getGenericCommand: counted, keymiss), first
  const old = get ? db.read(key) : db.get(key)
  if (get && old !== undefined && typeof old !== 'string') return ctx.reply.error(E.WRONGTYPE)
  if ((nx && old !== undefined) || (xx && old === undefined)) {
    if (get) ctx.reply.bulk(old as string | undefined)
    else ctx.reply.nil()
    return
  }
  db.set(key, argv[2], keepTtl)
  if (expireAt !== null) {
    db.setExpire(key, expireAt)
    // Replicas must not depend on when they apply a relative TTL: redis 7.0 setGenericCommand
    // propagates exactly SET key value PXAT ms (NX/XX/GET dropped).
    ctx.propagateAs(['SET', key, argv[2], 'PXAT', String(expireAt)])
  } else if (get) {
    // ... and without an expiry, the command minus its GET arguments.
    ctx.propagateAs(argv.filter((a, i) => i < 3 || a.length !== 3 || a.toLowerCase() !== 'get'))
  }
  ctx.afterWrite(key)
  ev(ctx, N.STRING, 'set', key)
  if (expireAt !== null) ev(ctx, N.GENERIC, 'expire', key)
  if (get) ctx.reply.bulk(old as string | undefined)
  else ctx.reply.ok()
}

function setnx(ctx: CommandContext, key: string, value: string): void {
  if (ctx.db.has(key)) return ctx.reply.integer(0)
  ctx.db.set(key, value)
  ctx.afterWrite(key)
  ev(ctx, N.STRING, 'set', key)
  ctx.reply.integer(1)
}

function setWithTtl(ctx: CommandContext, argv: string[], unitMs: number): void {
  const at = absExpire(ctx, argv[2], unitMs, false, argv[0].toLowerCase())
  ctx.db.set(argv[1], argv[3])
  ctx.db.setExpire(argv[1], at)
  // SETEX/PSETEX run redis's SET code: propagated as SET key value PXAT ms.
  ctx.propagateAs(['SET', argv[1], argv[3], 'PXAT', String(at)])
  ctx.afterWrite(argv[1])
  ev(ctx, N.STRING, 'set', argv[1])
  ev(ctx, N.GENERIC, 'expire', argv[1])
  ctx.reply.ok()
}

function getset(ctx: CommandContext, argv: string[]): void {
  const old = ctx.db.readString(argv[1])
  ctx.db.set(argv[1], argv[2])
  ctx.propagateAs(['SET', argv[1], argv[2]]) // redis getsetCommand rewrites the name to SET
  ctx.afterWrite(argv[1])
  ev(ctx, N.STRING, 'set', argv[1])
  ctx.reply.bulk(old)
}

function getdel(ctx: CommandContext, argv: string[]): void {
  const old = ctx.db.readString(argv[1])
  if (old !== undefined) {
    ctx.db.delete(argv[1])
    ctx.propagateAs([ctx.server.config.bool('lazyfree-lazy-user-del') ? 'UNLINK' : 'DEL', argv[1]])
    ctx.afterWrite(argv[1])
    ev(ctx, N.GENERIC, 'del', argv[1])
  }
  ctx.reply.bulk(old)
}

function getex(ctx: CommandContext, argv: string[]): void {
  const key = argv[1]
  // one reading for computing a relative TTL and deciding it is already past (see expireKeyAt)
  const now = ctx.clock.now()
  const opts = stringOptions(argv, false)
  const v = ctx.db.readString(key)
  if (v === undefined) return ctx.reply.nil()
  const at = optionsExpireAt(ctx, opts, 'getex', now)
  if (at !== null) expireKeyAt(ctx, key, at, undefined, now)
  else if (opts.persist && ctx.db.persist(key)) {
    ctx.propagateAs(['PERSIST', key])
    ctx.afterWrite(key)
    ev(ctx, N.GENERIC, 'persist', key)
  }
  ctx.reply.bulk(v)
}

function mget(ctx: CommandContext, argv: string[]): void {
  ctx.reply.array(argv.length - 1)
  for (let i = 1; i < argv.length; i++) {
    const v = ctx.db.read(argv[i])
    ctx.reply.bulk(typeof v === 'string' ? v : null)
  }
}

function mset(ctx: CommandContext, argv: string[], nx: boolean): void {
  if (argv.length % 2 === 0) return ctx.reply.error(`ERR wrong number of arguments for '${argv[0].toLowerCase()}' command`)
  if (nx) for (let i = 1; i < argv.length; i += 2) if (ctx.db.has(argv[i])) return ctx.reply.integer(0)
  for (let i = 1; i < argv.length; i += 2) {
    ctx.db.set(argv[i], argv[i + 1])
    ctx.afterWrite(argv[i])
    ev(ctx, N.STRING, 'set', argv[i])
  }
  if (nx) ctx.reply.integer(1)
  else ctx.reply.ok()
}

const I64_MAX = 9223372036854775807n
const I64_MIN = -9223372036854775808n

function bigArg(s: string): bigint {
  const n = storedInt(s)
  if (n === null) throw new ReplyError(E.NOT_INTEGER)
  return n
}

function decrDelta(s: string): bigint {
  const n = bigArg(s)
  // redis: "decrement would overflow" when negating LLONG_MIN
  if (n === I64_MIN) throw new ReplyError('ERR decrement would overflow')
  return -n
}

function incrBy(ctx: CommandContext, key: string, delta: bigint): void {
  const cur = ctx.db.getString(key)
  let n = 0n
  if (cur !== undefined) {
    const parsed = storedInt(cur)
    if (parsed === null) return ctx.reply.error(E.NOT_INTEGER)
    n = parsed
  }
  const next = n + delta
  if (next > I64_MAX || next < I64_MIN) return ctx.reply.error(E.OVERFLOW)
  const s = next.toString()
  ctx.db.set(key, s, true)
  ctx.afterWrite(key)
  ev(ctx, N.STRING, 'incrby', key)
  ctx.reply.integer(next)
}

function incrByFloat(ctx: CommandContext, argv: string[]): void {
  const key = argv[1]
  const cur = ctx.db.getString(key)
  // long double arithmetic and output, exactly as Redis's (long-double.ts)
  const base = cur === undefined ? LD_ZERO : parseLongDouble(cur)
  const incr = parseLongDouble(argv[2])
  if (base === null || incr === null) return ctx.reply.error(E.NOT_FLOAT)
  const next = addLongDouble(base, incr)
  if (next === null || next.inf) return ctx.reply.error(E.INCR_NAN)
  const s = formatLongDoubleHuman(next)
  ctx.db.set(key, s, true)
  ctx.db.markNotInt(key) // createStringObjectFromLongDouble: never int-encoded
  ctx.propagateAs(['SET', key, s, 'KEEPTTL'])
  ctx.afterWrite(key)
  ev(ctx, N.STRING, 'incrbyfloat', key)
  ctx.reply.bulk(s)
}

/** redis checkStringLength (not for the master's link or the AOF); the node's strings also end at the longest one V8 makes. */
function checkSize(ctx: CommandContext, len: number): void {
  if ((!ctx.session.mustObey && len > ctx.server.config.int('proto-max-bulk-len')) || len > MAX_ARG_LENGTH) throw new ReplyError(E.STRING_TOO_LONG)
}

function append(ctx: CommandContext, argv: string[]): void {
  const key = argv[1]
  const add = argv[2]
  const cur = ctx.db.getBytes(key)
  const len = (cur?.length ?? 0) + add.length
  checkSize(ctx, len)
  // appendCommand unshares an existing value into a raw sds and grows it: a big one is grown in
  // place (string-edit.ts); a small one is copied, flattened (repeated APPEND would otherwise
  // build deep cons-strings: memory, later copies)
  if (cur === undefined) ctx.db.set(key, add, true)
  else if (typeof cur === 'string' && len < EDIT_MIN) ctx.db.editString(key, flatten(cur + add))
  else {
    const e = ctx.db.editBytes(key, cur.length)
    e.append(add)
    ctx.db.commitEdit(key, e, cur.length)
  }
  ctx.afterWrite(key)
  ev(ctx, N.STRING, 'append', key)
  ctx.reply.integer(len)
}

export function flatten(s: string): string {
  return s.length > 64 ? Buffer.from(s, 'latin1').toString('latin1') : s
}

function getrange(ctx: CommandContext, argv: string[]): void {
  let start = intArg(argv[2])
  let end = intArg(argv[3])
  const v = ctx.db.readBytes(argv[1])
  if (v === undefined) return ctx.reply.bulk('')
  const len = v.length
  // redis getrangeCommand: negative start/end both < 0 and start > end -> empty
  if (start < 0 && end < 0 && start > end) return ctx.reply.bulk('')
  if (start < 0) start = len + start
  if (end < 0) end = len + end
  if (start < 0) start = 0
  if (end < 0) end = 0
  if (end >= len) end = len - 1
  if (start > end || len === 0) return ctx.reply.bulk('')
  ctx.reply.bulk(v.slice(start, end + 1))
}

function setrange(ctx: CommandContext, argv: string[]): void {
  const key = argv[1]
  const offset = intArg(argv[2])
  if (offset < 0) return ctx.reply.error(E.OFFSET_RANGE)
  const val = argv[3]
  const cur = ctx.db.getBytes(key)
  if (cur === undefined) {
    if (val.length === 0) return ctx.reply.integer(0)
    checkSize(ctx, offset + val.length)
    ctx.db.set(key, '\0'.repeat(offset) + val)
    ctx.db.markRaw(key)
    ctx.afterWrite(key)
    ev(ctx, N.STRING, 'setrange', key)
    return ctx.reply.integer(offset + val.length)
  }
  if (val.length === 0) return ctx.reply.integer(cur.length)
  checkSize(ctx, offset + val.length)
  const prevLen = cur.length
  const e = ctx.db.editBytes(key, offset + val.length)
  e.write(offset, val)
  ctx.db.commitEdit(key, e, prevLen)
  ctx.afterWrite(key)
  ev(ctx, N.STRING, 'setrange', key)
  ctx.reply.integer(e.length)
}


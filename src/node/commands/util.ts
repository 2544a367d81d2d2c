// Argument parsing and small write helpers shared by command groups, with redis's exact error replies.
import {E, ReplyError} from '../errors.js'
import type {CommandContext} from './types.js'
import type {RedisValue} from '../keyspace/keyspace.js'
import {N, notifyKeyspaceEvent as ev} from '../notify.js'

const INT_RE = /^-?[1-9][0-9]*$/

/** Start/end indexes as redis sanitises them for LRANGE, LTRIM and the rank ranges of sorted sets
 *  (negative from the end, clamped): [start, end], or null when the range is empty. */
export function rankSpan(start: number, end: number, len: number): [number, number] | null {
  if (start < 0) start = len + start
  if (end < 0) end = len + end
  if (start < 0) start = 0
  if (start > end || start >= len) return null
  if (end >= len) end = len - 1
  return [start, end]
}

/** redis string2ll: strict integer (no '+', no spaces, no leading zeros), int64 range. */
export function parseIntStrict(s: string): bigint | null {
  if (s === '0') return 0n
  if (s.length === 0 || s.length > 20 || !INT_RE.test(s)) return null
  const n = BigInt(s)
  if (n > 9223372036854775807n || n < -9223372036854775808n) return null
  return n
}

/** Integer argument as a JS number (safe range); throws ERR value is not an integer. */
export function intArg(s: string, err: string = E.NOT_INTEGER): number {
  if (s.length < 16 && (s === '0' || INT_RE.test(s))) return Number(s)
  const n = parseIntStrict(s)
  if (n === null) throw new ReplyError(err)
  // Values beyond 2^53 are clamped; every caller range-checks far below that.
  return Number(n)
}

/** redis getLongLongFromObject on a stored string value (INCR): null if not an integer. */
export function storedInt(s: string): bigint | null {
  return parseIntStrict(s)
}

/** redis strtod-based float parsing (ZADD scores, INCRBYFLOAT): accepts inf/-inf, rejects NaN/spaces. */
export function floatArg(s: string, err: string = E.NOT_FLOAT): number {
  const v = parseFloatStrict(s)
  if (v === null) throw new ReplyError(err)
  return v
}

export function parseFloatStrict(s: string): number | null {
  if (s.length === 0 || s.length > 5000) return null
  const c = s.charCodeAt(0)
  if (c === 32 || (c >= 9 && c <= 13)) return null
  const l = s.toLowerCase()
  if (l === 'inf' || l === '+inf' || l === 'infinity' || l === '+infinity') return Infinity
  if (l === '-inf' || l === '-infinity') return -Infinity
  if (!/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(s) && !/^[+-]?0x[0-9a-f]+$/i.test(s)) return null
  const v = Number(s)
  return Number.isNaN(v) ? null : v
}

/** CLIENT SETNAME / HELLO SETNAME (shared by client.ts and connection.ts, which import each other's tables). */
export function validateClientName(name: string): string | null {
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i)
    if (c < 33 || c > 126) return 'ERR Client names cannot contain spaces, newlines or special characters.'
  }
  return null
}

export function syntaxError(): never {
  throw new ReplyError(E.SYNTAX)
}

/** Upper-cased argument compare without allocating for the common lower/upper spellings. */
export function is(arg: string, word: string): boolean {
  return arg.length === word.length && arg.toLowerCase() === word
}

/**
 * Give `key` an absolute expiry (EXPIRE family, GETEX): a time already past deletes the key, as Redis
 * does, and replicas/AOF see DEL or PEXPIREAT rather than the relative form. With `argv` (the
 * EXPIRE family) redis 7.0 expireGenericCommand rewrites only the name and the time and keeps the
 * NX/XX/GT/LT flags as typed; PEXPIREAT goes through unchanged. GETEX sends PEXPIREAT key ms.
 * `now`: the time the command computed a relative TTL from (the same reading decides "already past").
 */
export function expireKeyAt(ctx: CommandContext, key: string, at: number, argv?: string[], now = ctx.clock.now()): void {
  // checkAlreadyExpired: never while loading the AOF (the key expires once loaded)
  const gone = at <= now && !ctx.session.loader
  if (gone) {
    ctx.db.delete(key)
    ctx.propagateAs(['DEL', key])
  } else {
    ctx.db.setExpire(key, at)
    if (argv === undefined) ctx.propagateAs(['PEXPIREAT', key, String(at)])
    else if (argv[0].toLowerCase() !== 'pexpireat') ctx.propagateAs(['PEXPIREAT', key, String(at), ...argv.slice(3)])
  }
  ctx.afterKeyChange(key)
  ev(ctx, N.GENERIC, gone ? 'del' : 'expire', key)
}

/** The command changed nothing worth replicating (redis: dirty unchanged), though it touched the key. */
export function propagateNothing(ctx: CommandContext): void {
  ctx.session.propagateOverride = []
}

/** DEBUG's reply to a subcommand it does not know or got the wrong number of arguments for. */
export function debugSubcommandError(argv: string[]): ReplyError {
  return new ReplyError(`ERR unknown subcommand or wrong number of arguments for '${argv[1]}'. Try DEBUG HELP.`)
}

/**
 * redis setKey of a STORE destination: the write lookup first (an expired destination is reaped
 * and propagated as such), then the value stored over it in place (no "new" event for a key that
 * existed), its TTL cleared. The caller signals the write (afterWrite) and its event.
 */
export function setKey(ctx: CommandContext, key: string, value: RedisValue): void {
  ctx.db.get(key)
  ctx.db.set(key, value)
}

/**
 * A STORE form's result (SINTERSTORE…, ZUNIONSTORE…, ZRANGESTORE, SORT … STORE, GEO… STORE): a
 * value stored over `dst` (setKey) with its event and `changes` for the dirty counter, or, for an
 * empty result (null), `dst` deleted with a "del" event when it existed.
 */
export function storeOrDelete(ctx: CommandContext, dst: string, value: RedisValue | null, type: number, event: string, changes = 1): void {
  if (value !== null) {
    setKey(ctx, dst, value)
    ctx.afterWrite(dst, changes)
    ev(ctx, type, event, dst)
  } else if (ctx.db.delete(dst)) {
    ctx.afterWrite(dst)
    ev(ctx, N.GENERIC, 'del', dst)
  }
}

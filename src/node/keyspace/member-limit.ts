// One set, hash or sorted set is one JS Set or Map here (a sorted set's member index is a Map), and
// V8 holds at most 2^24 (16,777,216) entries in one (MAP_LIMIT), where redis-server takes 2^32. A
// write that would take a value past that is refused before it changes anything: adding member by
// member, the command that met the limit half way kept the members before it and failed unpropagated,
// so its replicas and the AOF never saw them (and SMOVE had already taken the member from its source).
// A value built whole (SUNIONSTORE, ZUNIONSTORE, RESTORE, a load) fails while it is built, before it
// replaces anything; V8's own error for it reads as this one (dispatcher.ts replyException).
import {ReplyError} from '../errors.js'
import {MAP_LIMIT} from './big-map.js'

/** What a limit check reads of a value: a Set, a hash's Map, a sorted set's member index. */
export interface Members {
  readonly size: number
  has(member: string): boolean
}

/** The error a write past the limit gets. */
export function memberLimitError(limit = MAP_LIMIT): ReplyError {
  return new ReplyError(`ERR the value would hold more than ${limit} members, the most one set, hash or sorted set holds on this node`)
}

/** V8's own error for a Set or Map past its limit. */
export function isCollectionLimit(e: unknown): boolean {
  return e instanceof RangeError && /^(Set|Map) maximum size exceeded$/.test(e.message)
}

/**
 * Refuses (throws) when adding the members argv[from], argv[from + step], … to `v` (undefined: a
 * new value) would hold more than `limit` members. Counts the new ones only near the limit.
 */
export function ensureRoom(limit: number, v: Members | undefined, argv: readonly string[], from: number, step = 1): void {
  const size = v === undefined ? 0 : v.size
  if (size + Math.ceil((argv.length - from) / step) <= limit) return
  const fresh = new Set<string>()
  for (let i = from; i < argv.length; i += step) if (v === undefined || !v.has(argv[i])) fresh.add(argv[i])
  if (size + fresh.size > limit) throw memberLimitError(limit)
}

/** Refuses a value built whole with more than `limit` members. */
export function ensureSize(limit: number, size: number): void {
  if (size > limit) throw memberLimitError(limit)
}

// Sorted-set ranges (redis t_zset.c zrangeGenericCommand & co): score/lex bound parsing, the
// ZRANGE family, ZRANGESTORE, ZREMRANGEBY*, ZCOUNT/ZLEXCOUNT, and the reply helpers for
// member/score lists (RESP3: [member, double] pairs; RESP2: flat, scores as %.17g bulks).
import {E, ReplyError} from '../errors.js'
import {ZSet} from '../keyspace/keyspace.js'
import {isCompact} from '../keyspace/encoding.js'
import type {LexBound, ScoreBound} from '../keyspace/zset.js'
import type {RespWriter} from '../../resp/writer.js'
import type {CommandContext} from './types.js'
import {intArg, rankSpan, storeOrDelete} from './util.js'
import {N, notifyKeyspaceEvent as ev} from '../notify.js'
import {getDouble, strtodWhole} from '../strtod.js'

export {getDouble}

export function doubleArg(s: string, err: string = E.NOT_FLOAT): number {
  const v = getDouble(s)
  if (v === null) throw new ReplyError(err)
  return v
}

/** redis zslParseRange item: "(1" exclusive, "1" / "-inf" / "+inf" inclusive. */
export function parseScoreBound(s: string): ScoreBound | null {
  const exclusive = s.charCodeAt(0) === 40 // '('
  const v = strtodWhole(exclusive ? s.slice(1) : s)
  return v === null ? null : {value: v, exclusive}
}

export function scoreRange(min: string, max: string): [ScoreBound, ScoreBound] {
  const a = parseScoreBound(min)
  const b = parseScoreBound(max)
  if (!a || !b) throw new ReplyError('ERR min or max is not a float')
  return [a, b]
}

/** redis zslParseLexRangeItem: "-" / "+" infinities, "[a" inclusive, "(a" exclusive. */
export function parseLexBound(s: string): LexBound | null {
  const c = s[0]
  if (c === '+') return s.length === 1 ? {kind: 'max'} : null
  if (c === '-') return s.length === 1 ? {kind: 'min'} : null
  if (c === '(' || c === '[') return {kind: 'value', value: s.slice(1), exclusive: c === '('}
  return null
}

export function lexRange(min: string, max: string): [LexBound, LexBound] {
  const a = parseLexBound(min)
  const b = parseLexBound(max)
  if (!a || !b) throw new ReplyError('ERR min or max not valid string range item')
  return [a, b]
}

/** [first, last] index span of a score range (last < first when empty). */
export function scoreSpan(z: ZSet, [min, max]: [ScoreBound, ScoreBound]): [number, number] {
  if (min.value > max.value || (min.value === max.value && (min.exclusive || max.exclusive))) return [0, -1]
  return [z.firstInScore(min), z.lastInScore(max)]
}

/**
 * [first, last] index span of a lex range (last < first when empty). Members of different scores
 * are not in lex order, where redis leaves the result to its walk: a listpack's (zzlFirstInLexRange /
 * zzlLastInLexRange and the walk on while in range, `rev` from the end) is deterministic and is
 * followed exactly; a skiplist's depends on its random levels, so the bisection serves there, after
 * the check both encodings make first (the range must reach the last member and the first).
 */
export function lexSpan(z: ZSet, [min, max]: [LexBound, LexBound], rev = false): [number, number] {
  if (lexEmpty(min, max)) return [0, -1]
  const n = z.size
  const gteMin = (i: number) => min.kind === 'min' || (min.kind === 'value' && (min.exclusive ? z.memberAt(i) > min.value : z.memberAt(i) >= min.value))
  const lteMax = (i: number) => max.kind === 'max' || (max.kind === 'value' && (max.exclusive ? z.memberAt(i) < max.value : z.memberAt(i) <= max.value))
  // zzlIsInLexRange / zslIsInLexRange: the last member must reach min, the first must not pass max
  if (n === 0 || !gteMin(n - 1) || !lteMax(0)) return [0, -1]
  if (!isCompact(z)) return [z.firstInLex(min), z.lastInLex(max)]
  if (!rev) {
    let first = 0
    while (first < n && !gteMin(first)) first++
    if (first === n || !lteMax(first)) return [0, -1]
    let last = first
    while (last + 1 < n && lteMax(last + 1)) last++
    return [first, last]
  }
  let last = n - 1
  while (last >= 0 && !lteMax(last)) last--
  if (last < 0 || !gteMin(last)) return [0, -1]
  let first = last
  while (first - 1 >= 0 && gteMin(first - 1)) first--
  return [first, last]
}

function lexEmpty(min: LexBound, max: LexBound): boolean {
  if (min.kind === 'max' || max.kind === 'min') return true
  if (min.kind !== 'value' || max.kind !== 'value') return false
  return min.value > max.value || (min.value === max.value && (min.exclusive || max.exclusive))
}


/** Emit member[/score] list: RESP3 nests [member, score] pairs when withScores. */
export function replyScored(r: RespWriter, items: [string, number][], withScores: boolean): void {
  if (!withScores) {
    r.array(items.length)
    for (const [m] of items) r.bulk(m)
    return
  }
  r.array(r.resp === 3 ? items.length : items.length * 2)
  for (const [m, s] of items) {
    if (r.resp === 3) r.array(2)
    r.bulk(m)
    r.double(s)
  }
}

type RangeType = 'auto' | 'rank' | 'score' | 'lex'

/**
 * zrangeGenericCommand: argStart is the argv index of the source key. The options are parsed
 * before the key is looked up, so syntax errors win over WRONGTYPE, as in redis.
 */
export function zrangeGeneric(ctx: CommandContext, argv: string[], argStart: number, store: string | null, type: RangeType, reverse: boolean | null): void {
  let withScores = false
  let offset = 0
  let limit = -1
  for (let j = argStart + 3; j < argv.length; j++) {
    const o = argv[j].toLowerCase()
    const left = argv.length - j - 1
    if (store === null && o === 'withscores') withScores = true
    else if (o === 'limit' && left >= 2) {
      offset = intArg(argv[j + 1])
      limit = intArg(argv[j + 2])
      j += 2
    } else if (reverse === null && o === 'rev') reverse = true
    else if (type === 'auto' && o === 'bylex') type = 'lex'
    else if (type === 'auto' && o === 'byscore') type = 'score'
    else throw new ReplyError(E.SYNTAX)
  }
  const rev = reverse === true
  if (type === 'auto') type = 'rank'
  if (limit !== -1 && type === 'rank') throw new ReplyError('ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX')
  if (withScores && type === 'lex') throw new ReplyError('ERR syntax error, WITHSCORES not supported in combination with BYLEX')
  let minArg = argv[argStart + 1]
  let maxArg = argv[argStart + 2]
  if (rev && type !== 'rank') [minArg, maxArg] = [maxArg, minArg]
  let ranks: [number, number] | null = null
  let scores: [ScoreBound, ScoreBound] | null = null
  let lex: [LexBound, LexBound] | null = null
  if (type === 'rank') ranks = [intArg(minArg), intArg(maxArg)]
  else if (type === 'score') scores = scoreRange(minArg, maxArg)
  else lex = lexRange(minArg, maxArg)

  const z = ctx.db.readZSet(argv[argStart])
  let items: [string, number][] = []
  if (z) {
    let span: [number, number] | null
    if (ranks) {
      span = rankSpan(ranks[0], ranks[1], z.size)
      // REV by rank counts ranks from the highest score.
      if (span && rev) span = [z.size - 1 - span[1], z.size - 1 - span[0]]
    } else span = scores ? scoreSpan(z, scores) : lexSpan(z, lex!, rev)
    if (span && span[0] <= span[1]) items = collect(z, span, rev, ranks ? 0 : offset, ranks ? -1 : limit)
  }
  if (store !== null) return storeResult(ctx, store, items, 'zrangestore')
  replyScored(ctx.reply, items, withScores)
}

/** Walk [first,last] forwards or backwards applying LIMIT offset count (negative count = all). */
function collect(z: ZSet, [first, last]: [number, number], rev: boolean, offset: number, limit: number): [string, number][] {
  const out: [string, number][] = []
  // redis: a negative offset yields nothing ("while (ln && offset--)" never reaches 0 first).
  if (offset < 0) return out
  const total = last - first + 1
  if (offset >= total) return out
  const n = limit < 0 ? total - offset : Math.min(limit, total - offset)
  for (let k = 0; k < n; k++) {
    const i = rev ? last - offset - k : first + offset + k
    out.push([z.memberAt(i), z.scoreAt(i)])
  }
  return out
}

export function storeResult(ctx: CommandContext, dst: string, items: [string, number][], event: string): void {
  let z: ZSet | null = null
  if (items.length > 0) {
    z = new ZSet()
    for (const [m, s] of items) z.add(m, s)
  }
  storeOrDelete(ctx, dst, z, N.ZSET, event)
  ctx.reply.integer(items.length)
}

export function zcount(ctx: CommandContext, argv: string[], lexical: boolean): void {
  const span = lexical ? lexRange(argv[2], argv[3]) : scoreRange(argv[2], argv[3])
  const z = ctx.db.readZSet(argv[1])
  if (!z) return ctx.reply.integer(0)
  const [a, b] = lexical ? lexSpan(z, span as [LexBound, LexBound]) : scoreSpan(z, span as [ScoreBound, ScoreBound])
  ctx.reply.integer(Math.max(0, b - a + 1))
}

export function zremrange(ctx: CommandContext, argv: string[], type: 'rank' | 'score' | 'lex'): void {
  let ranks: [number, number] | null = null
  let other: [ScoreBound, ScoreBound] | [LexBound, LexBound] | null = null
  if (type === 'rank') ranks = [intArg(argv[2]), intArg(argv[3])]
  else other = type === 'score' ? scoreRange(argv[2], argv[3]) : lexRange(argv[2], argv[3])
  const key = argv[1]
  const z = ctx.db.getZSet(key)
  if (!z) return ctx.reply.integer(0)
  let span: [number, number] | null
  if (ranks) span = rankSpan(ranks[0], ranks[1], z.size)
  else span = type === 'score' ? scoreSpan(z, other as [ScoreBound, ScoreBound]) : lexSpan(z, other as [LexBound, LexBound])
  if (!span || span[1] < span[0]) return ctx.reply.integer(0)
  const removed = z.removeRange(span[0], span[1]).length
  if (z.size === 0) ctx.db.delete(key)
  ctx.afterWrite(key, removed)
  ev(ctx, N.ZSET, 'zremrangeby' + type, key)
  if (z.size === 0) ev(ctx, N.GENERIC, 'del', key)
  ctx.reply.integer(removed)
}

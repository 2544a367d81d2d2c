// ZUNION/ZINTER/ZDIFF, their *STORE forms and ZINTERCARD (redis zunionInterDiffGenericCommand).
// Inputs may be sorted sets or plain sets (members score 1). Aggregation follows redis
// exactly, including the source order (smallest input first) and NaN -> 0 rules, because the
// floating-point result depends on the order of the additions.
import {ensureSize} from '../keyspace/member-limit.js'
import {E, ReplyError} from '../errors.js'
import {ZSet} from '../keyspace/keyspace.js'
import type {CommandContext} from './types.js'
import {intArg} from './util.js'
import {getDouble, replyScored, storeResult} from './zsets-range.js'

type Op = 'union' | 'inter' | 'diff'
type Agg = 'sum' | 'min' | 'max'

interface Src {
  z: ZSet | Set<string> | null
  weight: number
}

function size(s: Src): number {
  return s.z === null ? 0 : s.z.size
}
function scoreIn(s: Src, m: string): number | undefined {
  if (s.z === null) return undefined
  if (s.z instanceof ZSet) return s.z.score(m)
  return s.z.has(m) ? 1 : undefined
}
function* members(s: Src): IterableIterator<[string, number]> {
  if (s.z === null) return
  if (s.z instanceof ZSet) yield* s.z.entries()
  else for (const m of s.z) yield [m, 1]
}

function weighted(score: number, w: number): number {
  const v = score * w
  return Number.isNaN(v) ? 0 : v
}

function aggregate(agg: Agg, a: number, b: number): number {
  if (agg === 'sum') {
    const v = a + b
    return Number.isNaN(v) ? 0 : v
  }
  return agg === 'min' ? Math.min(a, b) : Math.max(a, b)
}

/**
 * numkeysAt: argv index of numkeys; dst: destination key for *STORE (no WITHSCORES then);
 * cardOnly: ZINTERCARD (LIMIT instead of WEIGHTS/AGGREGATE/WITHSCORES).
 */
export function zsetOp(ctx: CommandContext, argv: string[], numkeysAt: number, op: Op, dst: string | null, cardOnly = false): void {
  const name = argv[0].toLowerCase()
  const setnum = intArg(argv[numkeysAt])
  if (setnum < 1) throw new ReplyError(`ERR at least 1 input key is needed for '${name}' command`)
  if (setnum > argv.length - (numkeysAt + 1)) throw new ReplyError(E.SYNTAX)
  const src: Src[] = []
  let j = numkeysAt + 1
  for (let i = 0; i < setnum; i++, j++) {
    const v = ctx.db.read(argv[j])
    if (v !== undefined && !(v instanceof ZSet) && !(v instanceof Set)) throw new ReplyError(E.WRONGTYPE)
    src.push({z: (v as ZSet | Set<string> | undefined) ?? null, weight: 1})
  }
  let agg: Agg = 'sum'
  let withScores = false
  let limit = 0
  while (j < argv.length) {
    const o = argv[j].toLowerCase()
    const remaining = argv.length - j
    if (op !== 'diff' && !cardOnly && remaining >= setnum + 1 && o === 'weights') {
      j++
      for (let i = 0; i < setnum; i++, j++) {
        const w = getDouble(argv[j])
        if (w === null) throw new ReplyError('ERR weight value is not a float')
        src[i].weight = w
      }
    } else if (op !== 'diff' && !cardOnly && remaining >= 2 && o === 'aggregate') {
      const a = argv[j + 1].toLowerCase()
      if (a !== 'sum' && a !== 'min' && a !== 'max') throw new ReplyError(E.SYNTAX)
      agg = a
      j += 2
    } else if (dst === null && !cardOnly && o === 'withscores') {
      withScores = true
      j++
    } else if (cardOnly && remaining >= 2 && o === 'limit') {
      limit = intArg(argv[j + 1], "ERR LIMIT can't be negative")
      if (limit < 0) throw new ReplyError("ERR LIMIT can't be negative")
      j += 2
    } else throw new ReplyError(E.SYNTAX)
  }

  const out = new Map<string, number>()
  if (op === 'diff') {
    const [first, ...rest] = src
    for (const [m, s] of members(first)) if (!rest.some((r) => scoreIn(r, m) !== undefined)) out.set(m, s)
  } else {
    // Stable sort by cardinality, like redis's qsort(zuiCompareByCardinality) before the walk.
    const sorted = src.map((s, i) => [s, i] as const).sort((a, b) => size(a[0]) - size(b[0]) || a[1] - b[1]).map((x) => x[0])
    if (op === 'inter') {
      if (sorted.every((s) => size(s) > 0)) {
        const [first, ...rest] = sorted
        for (const [m, s0] of members(first)) {
          let score = weighted(s0, first.weight)
          let all = true
          for (const r of rest) {
            const s = scoreIn(r, m)
            if (s === undefined) {
              all = false
              break
            }
            score = aggregate(agg, score, weighted(s, r.weight))
          }
          if (!all) continue
          out.set(m, score)
          if (cardOnly && limit > 0 && out.size >= limit) break
        }
      }
    } else {
      for (const s of sorted) {
        for (const [m, sc] of members(s)) {
          const v = weighted(sc, s.weight)
          const cur = out.get(m)
          out.set(m, cur === undefined ? v : aggregate(agg, cur, v))
        }
      }
    }
  }
  if (cardOnly) return ctx.reply.integer(out.size)
  ensureSize(ctx.server.memberLimit, out.size)
  const z = new ZSet()
  for (const [m, s] of out) z.add(m, s)
  const items = [...z.entries()]
  if (dst !== null) return storeResult(ctx, dst, items, argv[0].toLowerCase())
  replyScored(ctx.reply, items, withScores)
}

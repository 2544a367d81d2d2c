// Stream commands without consumer groups (redis t_stream.c): XADD XRANGE XREVRANGE XLEN XDEL
// XTRIM XSETID, plus the ID/argument parsing and reply helpers the other stream groups share
// (streams-read.ts: XREAD/XREADGROUP; streams-groups.ts: XGROUP XACK XPENDING XCLAIM
// XAUTOCLAIM XINFO). The value type is keyspace/stream.ts.
// Propagation follows redis 7.0: XADD carries the ID it generated, and MAXLEN/MINID ~ is
// rewritten to "= <resulting length / first ID>" so replicas and the AOF trim the same entries.
import {E, ReplyError, ServerAssertion, wrongArity} from '../errors.js'
import {Stream, type RedisValue} from '../keyspace/keyspace.js'
import {formatId, ID_MAX, idMs, idSeq, makeId, MASK64, parseStreamId, type StreamId, type TrimArgs} from '../keyspace/stream.js'
import type {RespWriter} from '../../resp/writer.js'
import {cmd, type CommandContext, type CommandSpec} from './types.js'
import {parseIntStrict} from './util.js'
import {N, notifyKeyspaceEvent} from '../notify.js'

export const commands: CommandSpec[] = [
  cmd('xadd', -5, ['write', 'denyoom', 'fast'], [1, 1, 1], xadd, {categories: ['@write', '@stream', '@fast']}),
  cmd('xrange', -4, ['readonly'], [1, 1, 1], (ctx, a) => xrange(ctx, a, false), {categories: ['@read', '@stream', '@slow']}),
  cmd('xrevrange', -4, ['readonly'], [1, 1, 1], (ctx, a) => xrange(ctx, a, true), {categories: ['@read', '@stream', '@slow']}),
  cmd('xlen', 2, ['readonly', 'fast'], [1, 1, 1], xlen, {categories: ['@read', '@stream', '@fast']}),
  cmd('xdel', -3, ['write', 'fast'], [1, 1, 1], xdel, {categories: ['@write', '@stream', '@fast']}),
  cmd('xtrim', -4, ['write'], [1, 1, 1], xtrim, {categories: ['@write', '@stream', '@slow']}),
  cmd('xsetid', -3, ['write', 'denyoom', 'fast'], [1, 1, 1], xsetid, {categories: ['@write', '@stream', '@fast']}),
]

// ---- shared helpers ----------------------------------------------------------------------

export const ERR_INVALID_ID = 'ERR Invalid stream ID specified as stream command argument'

/** streamParseIDOrReply / streamParseStrictIDOrReply. */
export function parseId(raw: string, missingSeq: bigint, strict: boolean): StreamId {
  const r = parseStreamId(raw, missingSeq, strict)
  if (r === null) throw new ReplyError(ERR_INVALID_ID)
  return r.id
}

/** streamParseIntervalIDOrReply: "(" makes the bound exclusive (and strict). */
export function parseInterval(raw: string, missingSeq: bigint): {id: StreamId; exclusive: boolean} {
  const exclusive = raw.length > 1 && raw[0] === '('
  return {id: parseId(exclusive ? raw.slice(1) : raw, missingSeq, exclusive), exclusive}
}

/** Inclusive start of a range whose start argument may be "(id". */
export function rangeStart(raw: string): StreamId {
  const s = parseInterval(raw, 0n)
  if (!s.exclusive) return s.id
  if (s.id === ID_MAX) throw new ReplyError('ERR invalid start ID for the interval')
  return s.id + 1n
}
export function rangeEnd(raw: string): StreamId {
  const e = parseInterval(raw, MASK64)
  if (!e.exclusive) return e.id
  if (e.id === 0n) throw new ReplyError('ERR invalid end ID for the interval')
  return e.id - 1n
}

/** getLongLongFromObjectOrReply, with redis's optional custom message ("ERR " + msg). */
export function llArg(raw: string, msg?: string): number {
  const n = parseIntStrict(raw)
  if (n === null) throw new ReplyError(msg === undefined ? E.NOT_INTEGER : 'ERR ' + msg)
  return Number(n)
}

/** The stream at key for a read (redis lookupKeyRead: counted, keymiss): undefined when missing, WRONGTYPE for another type. */
export function streamAt(ctx: CommandContext, key: string): Stream | undefined {
  return ctx.db.readStream(key)
}

export function writeEntry(r: RespWriter, id: StreamId, fv: string[]): void {
  r.array(2)
  r.bulk(formatId(id))
  r.array(fv.length)
  for (const s of fv) r.bulk(s)
}

/** streamReplyWithRange without a group: collected first, since the array length leads. */
export function collect(s: Stream, start: StreamId, end: StreamId, rev: boolean, count: number): [StreamId, string[]][] {
  const out: [StreamId, string[]][] = []
  s.range(start, end, rev, count, (id, fv) => void out.push([id, fv]))
  return out
}

/** streamLastValidID (the stream is non-empty). */
export function lastValidId(s: Stream): StreamId {
  const id = s.edgeId(false)
  // streamLastValidID: a stream with entries but none readable (a corrupt node kept unparsed)
  if (id === undefined && s.length > 0) throw new ServerAssertion('commands/streams.ts', `Corrupt stream, length is ${s.length}, but no max id`, true)
  return id ?? 0n
}

function nodeLimits(ctx: CommandContext): [number, number] {
  return [ctx.server.config.int('stream-node-max-bytes'), ctx.server.config.int('stream-node-max-entries')]
}

// ---- XADD / XTRIM argument parsing (streamParseAddOrTrimArgsOrReply) ----------------------

interface AddTrim {
  trim: TrimArgs | null
  /** index of the MAXLEN count / MINID id argument */
  trimArgIdx: number
  noMkStream: boolean
  idPos: number
  id: StreamId
  idGiven: boolean
  seqGiven: boolean
}

function parseAddTrim(ctx: CommandContext, argv: string[], xadd: boolean): AddTrim {
  const a: AddTrim = {trim: null, trimArgIdx: 0, noMkStream: false, idPos: argv.length, id: 0n, idGiven: false, seqGiven: true}
  let strategy: 'maxlen' | 'minid' | null = null
  let approx = false
  let limit = 0
  let limitGiven = false
  let maxlen = 0
  let minid = 0n
  let i = 2
  for (; i < argv.length; i++) {
    const more = argv.length - 1 - i
    const opt = argv[i].toLowerCase()
    if (xadd && argv[i] === '*') break
    if ((opt === 'maxlen' || opt === 'minid') && more) {
      if (strategy !== null) throw new ReplyError('ERR syntax error, MAXLEN and MINID options at the same time are not compatible')
      approx = false
      const next = argv[i + 1]
      if (more >= 2 && next === '~') {
        approx = true
        i++
      } else if (more >= 2 && next === '=') i++
      if (opt === 'maxlen') {
        maxlen = llArg(argv[i + 1])
        if (maxlen < 0) throw new ReplyError('ERR The MAXLEN argument must be >= 0.')
      } else minid = parseId(argv[i + 1], 0n, true)
      i++
      strategy = opt
      a.trimArgIdx = i
    } else if (opt === 'limit' && more) {
      limit = llArg(argv[i + 1])
      if (limit < 0) throw new ReplyError('ERR The LIMIT argument must be >= 0.')
      limitGiven = true
      i++
    } else if (xadd && opt === 'nomkstream') {
      a.noMkStream = true
    } else if (xadd) {
      const r = parseStreamId(argv[i], 0n, true, true)
      if (r === null) throw new ReplyError(ERR_INVALID_ID)
      a.id = r.id
      a.seqGiven = r.seqGiven
      a.idGiven = true
      break
    } else throw new ReplyError(E.SYNTAX)
  }
  a.idPos = i
  if (limit && strategy === null) throw new ReplyError('ERR syntax error, LIMIT cannot be used without specifying a trimming strategy')
  if (!xadd && strategy === null) throw new ReplyError('ERR syntax error, XTRIM must be called with a trimming strategy')
  if (ctx.session.mustObey) limit = 0
  else if (limitGiven) {
    if (!approx) throw new ReplyError('ERR syntax error, LIMIT cannot be used without the special ~ option')
  } else if (approx) {
    limit = 100 * ctx.server.config.int('stream-node-max-entries')
    if (limit <= 0) limit = 10000
    if (limit > 1000000) limit = 1000000
  } else limit = 0
  if (strategy !== null) a.trim = {strategy, maxlen, minid, approx, limit}
  return a
}

/** streamRewriteApproxSpecifier + streamRewriteTrimArgument: "~ n" becomes "= <exact result>". */
function rewriteApprox(out: string[], a: AddTrim, s: Stream): void {
  out[a.trimArgIdx - 1] = '='
  if (a.trim!.strategy === 'maxlen') out[a.trimArgIdx] = String(s.length)
  else out[a.trimArgIdx] = formatId(s.nodes.length ? s.nodes[0].ids[0] : ID_MAX) // streamGetEdgeID(s,1,0): tombstones count
}

// ---- XADD ---------------------------------------------------------------------------------

function nextId(s: Stream, nowMs: number, a: AddTrim): StreamId | null {
  const last = s.lastId
  if (a.idGiven) {
    if (a.seqGiven) return a.id
    if (idMs(last) === idMs(a.id)) return idSeq(last) === MASK64 ? null : last + 1n
    return a.id
  }
  const ms = BigInt(nowMs)
  if (ms > idMs(last)) return makeId(ms, 0n)
  return last === ID_MAX ? 0n : last + 1n
}

function xadd(ctx: CommandContext, argv: string[]): void {
  const a = parseAddTrim(ctx, argv, true)
  const fieldPos = a.idPos + 1
  const nf = argv.length - fieldPos
  if (nf < 2 || nf % 2 === 1) throw new ReplyError(wrongArity('xadd'))
  if (a.idGiven && a.seqGiven && a.id === 0n) throw new ReplyError('ERR The ID specified in XADD must be greater than 0-0')
  const key = argv[1]
  let s = ctx.db.getStream(key)
  if (s === undefined) {
    if (a.noMkStream) return ctx.reply.nil()
    s = new Stream()
    ctx.db.set(key, s as RedisValue)
  }
  if (s.lastId === ID_MAX) throw new ReplyError('ERR The stream has exhausted the last possible ID, unable to add more items')
  const id = nextId(s, ctx.clock.now(), a)
  // "<ms>-*" whose sequence would overflow: redis returns before setting errno, so the reply is
  // the one for a stale errno (never EDOM there), "Elements are too large".
  if (id === null) throw new ReplyError('ERR Elements are too large to be stored')
  if (id <= s.lastId) throw new ReplyError('ERR The ID specified in XADD is equal or smaller than the target stream top item')
  const fv = argv.slice(fieldPos)
  let tot = 0
  for (const x of fv) tot += x.length
  if (tot > 1 << 30) throw new ReplyError('ERR Elements are too large to be stored')
  const [maxBytes, maxEntries] = nodeLimits(ctx)
  s.append(id, fv, maxBytes, maxEntries)
  const idText = formatId(id)
  ctx.reply.bulk(idText)
  ctx.afterWrite(key)
  notifyKeyspaceEvent(ctx, N.STREAM, 'xadd', key)
  let out: string[] | null = null
  if (a.trim !== null) {
    if (s.trim(a.trim)) notifyKeyspaceEvent(ctx, N.STREAM, 'xtrim', key)
    if (a.trim.approx) rewriteApprox((out = argv.slice()), a, s)
  }
  if (!a.idGiven || !a.seqGiven) (out ??= argv.slice())[a.idPos] = idText
  if (out !== null) ctx.propagateAs(out)
}

// ---- XRANGE / XREVRANGE / XLEN ----------------------------------------------------------

function xrange(ctx: CommandContext, argv: string[], rev: boolean): void {
  const start = rangeStart(rev ? argv[3] : argv[2])
  const end = rangeEnd(rev ? argv[2] : argv[3])
  let count = -1
  for (let j = 4; j < argv.length; j++) {
    if (argv[j].toLowerCase() === 'count' && argv.length - j - 1 >= 1) {
      count = llArg(argv[++j])
      if (count < 0) count = 0
    } else throw new ReplyError(E.SYNTAX)
  }
  const s = streamAt(ctx, argv[1])
  if (s === undefined) return ctx.reply.array(0)
  if (count === 0) return ctx.reply.nullArray()
  const items = collect(s, start, end, rev, count === -1 ? 0 : count)
  ctx.reply.array(items.length)
  for (const [id, fv] of items) writeEntry(ctx.reply, id, fv)
}

function xlen(ctx: CommandContext, argv: string[]): void {
  ctx.reply.integer(streamAt(ctx, argv[1])?.length ?? 0)
}

// ---- XDEL / XTRIM / XSETID ---------------------------------------------------------------

function xdel(ctx: CommandContext, argv: string[]): void {
  const s = ctx.db.getStream(argv[1])
  if (s === undefined) return ctx.reply.integer(0)
  const ids = argv.slice(2).map((x) => parseId(x, 0n, true))
  let deleted = 0
  let firstGone = false
  for (const id of ids) {
    if (!s.deleteEntry(id)) continue
    if (id === s.firstId) firstGone = true
    if (id > s.maxDeletedId) s.maxDeletedId = id
    deleted++
  }
  if (deleted) {
    if (s.length === 0) s.firstId = 0n
    else if (firstGone) s.firstId = s.edgeId(true)!
    ctx.afterWrite(argv[1], deleted)
    notifyKeyspaceEvent(ctx, N.STREAM, 'xdel', argv[1])
  }
  ctx.reply.integer(deleted)
}

function xtrim(ctx: CommandContext, argv: string[]): void {
  const a = parseAddTrim(ctx, argv, false)
  const s = ctx.db.getStream(argv[1])
  if (s === undefined) return ctx.reply.integer(0)
  const deleted = s.trim(a.trim!)
  if (deleted) {
    if (a.trim!.approx) {
      const out = argv.slice()
      rewriteApprox(out, a, s)
      ctx.propagateAs(out)
    }
    ctx.afterWrite(argv[1], deleted)
    notifyKeyspaceEvent(ctx, N.STREAM, 'xtrim', argv[1])
  }
  ctx.reply.integer(deleted)
}

function xsetid(ctx: CommandContext, argv: string[]): void {
  const id = parseId(argv[2], 0n, true)
  let entriesAdded = -1
  let maxDel = 0n
  for (let i = 3; i < argv.length; i += 2) {
    const more = argv.length - 1 - i
    const opt = argv[i].toLowerCase()
    if (opt === 'entriesadded' && more) {
      entriesAdded = llArg(argv[i + 1])
      if (entriesAdded < 0) throw new ReplyError('ERR entries_added must be positive')
    } else if (opt === 'maxdeletedid' && more) {
      maxDel = parseId(argv[i + 1], 0n, true)
      if (id < maxDel) throw new ReplyError('ERR The ID specified in XSETID is smaller than the provided max_deleted_entry_id')
    } else throw new ReplyError(E.SYNTAX)
  }
  const s = ctx.db.getStream(argv[1])
  if (s === undefined) throw new ReplyError(E.NO_SUCH_KEY)
  if (s.length > 0) {
    if (id < lastValidId(s)) throw new ReplyError('ERR The ID specified in XSETID is smaller than the target stream top item')
    if (entriesAdded !== -1 && s.length > entriesAdded) throw new ReplyError('ERR The entries_added specified in XSETID is smaller than the target stream length')
  }
  s.lastId = id
  if (entriesAdded !== -1) s.entriesAdded = entriesAdded
  if (maxDel !== 0n) s.maxDeletedId = maxDel
  ctx.server.dirty++ // (not signalled as modified: redis xsetidCommand)
  notifyKeyspaceEvent(ctx, N.STREAM, 'xsetid', argv[1])
  ctx.reply.ok()
}

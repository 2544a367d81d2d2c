// XREAD and XREADGROUP (redis t_stream.c xreadCommand, blocked.c serveClientsBlockedOnStreamKey).
// Parking, timeouts and CLIENT UNBLOCK are src/node/blocking.ts; a blocked reader is woken
// when one of its keys is written and served only from that key, each waiter for its own ID.
// XREADGROUP on a key that was deleted or changed type fails with -UNBLOCKED, and with -NOGROUP
// when its group was destroyed. Group reads propagate as redis does: one XCLAIM ... FORCE JUSTID
// LASTID per delivered entry, XGROUP SETID for NOACK reads, XGROUP CREATECONSUMER for a
// consumer NOACK created; the XREADGROUP itself is never propagated.
import {parseTimeout, serveOrBlock} from '../blocking.js'
import {E, ReplyError} from '../errors.js'
import {Stream} from '../keyspace/keyspace.js'
import {formatId, ID_MAX, StreamConsumer, type StreamGroup, type StreamId, type StreamNack} from '../keyspace/stream.js'
import {collect, lastValidId, llArg, parseId, streamAt, writeEntry} from './streams.js'
import {cmd, type CommandContext, type CommandSpec} from './types.js'
import {propagateNothing} from './util.js'
import {N, notifyKeyspaceEvent} from '../notify.js'

export const commands: CommandSpec[] = [
  cmd('xread', -4, ['readonly', 'blocking'], 0, (ctx, a) => xread(ctx, a, false), {keys: xreadKeys, categories: ['@read', '@stream', '@slow', '@blocking']}),
  cmd('xreadgroup', -7, ['write', 'blocking'], 0, (ctx, a) => xread(ctx, a, true), {keys: xreadKeys, categories: ['@write', '@stream', '@slow', '@blocking']}),
]

/** redis xreadGetKeys: the first half of the arguments after STREAMS. */
export function xreadKeys(argv: string[]): number[] {
  let pos = -1
  for (let i = 1; i < argv.length; i++) {
    const a = argv[i].toLowerCase()
    if (a === 'block' || a === 'count') i++
    else if (a === 'group') i += 2
    else if (a === 'noack') continue
    else if (a === 'streams') {
      pos = i
      break
    } else break
  }
  const num = argv.length - pos - 1
  if (pos === -1 || num === 0 || num % 2 !== 0) return []
  const out: number[] = []
  for (let i = 0; i < num / 2; i++) out.push(pos + 1 + i)
  return out
}

interface ReadArgs {
  keys: string[]
  ids: StreamId[]
  groups: (StreamGroup | null)[]
  group: string | null
  consumer: string
  noack: boolean
  count: number
  /** -1: no BLOCK */
  timeoutMs: number
}

function parseRead(ctx: CommandContext, argv: string[], xreadgroup: boolean): ReadArgs {
  let timeoutMs = -1
  let count = 0
  let streamsArg = 0
  let n = 0
  let group: string | null = null
  let consumer = ''
  let noack = false
  for (let i = 1; i < argv.length; i++) {
    const more = argv.length - i - 1
    const o = argv[i].toLowerCase()
    if (o === 'block' && more) {
      if (ctx.session.flags.has('script')) throw new ReplyError(`ERR ${argv[0]} command is not allowed with BLOCK option from scripts`)
      i++
      const t = llArg(argv[i], 'timeout is not an integer or out of range')
      if (t < 0) throw new ReplyError('ERR timeout is negative')
      timeoutMs = t
    } else if (o === 'count' && more) {
      count = llArg(argv[++i])
      if (count < 0) count = 0
    } else if (o === 'streams' && more) {
      streamsArg = i + 1
      n = argv.length - streamsArg
      if (n % 2 !== 0) throw new ReplyError("ERR Unbalanced XREAD list of streams: for each stream key an ID or '$' must be specified.")
      n /= 2
      break
    } else if (o === 'group' && more >= 2) {
      if (!xreadgroup) throw new ReplyError('ERR The GROUP option is only supported by XREADGROUP. You called XREAD instead.')
      group = argv[i + 1]
      consumer = argv[i + 2]
      i += 2
    } else if (o === 'noack') {
      if (!xreadgroup) throw new ReplyError('ERR The NOACK option is only supported by XREADGROUP. You called XREAD instead.')
      noack = true
    } else throw new ReplyError(E.SYNTAX)
  }
  if (streamsArg === 0) throw new ReplyError(E.SYNTAX)
  if (xreadgroup && group === null) throw new ReplyError('ERR Missing GROUP option for XREADGROUP')
  const a: ReadArgs = {keys: argv.slice(streamsArg, streamsArg + n), ids: [], groups: [], group, consumer, noack, count, timeoutMs}
  for (let j = 0; j < n; j++) {
    const key = a.keys[j]
    const raw = argv[streamsArg + n + j]
    const s = streamAt(ctx, key)
    let g: StreamGroup | null = null
    if (group !== null) {
      g = s?.groups.get(group) ?? null
      if (g === null) throw new ReplyError(`NOGROUP No such key '${key}' or consumer group '${group}' in XREADGROUP with GROUP option`)
    }
    a.groups.push(g)
    if (raw === '$') {
      if (xreadgroup)
        throw new ReplyError(
          'ERR The $ ID is meaningless in the context of XREADGROUP: you want to read the history of this consumer by specifying a proper ID, or use the > ID to get new messages. The $ ID would just return an empty result set.',
        )
      a.ids.push(s?.lastId ?? 0n)
    } else if (raw === '>') {
      if (!xreadgroup) throw new ReplyError('ERR The > ID can be specified only when calling XREADGROUP using the GROUP <group> <consumer> option.')
      a.ids.push(ID_MAX)
    } else a.ids.push(parseId(raw, 0n, true))
  }
  return a
}

function xread(ctx: CommandContext, argv: string[], xreadgroup: boolean): void | Promise<void> {
  const a = parseRead(ctx, argv, xreadgroup)
  // The command is propagated only as the effects it has (XCLAIM, XGROUP SETID ...).
  if (xreadgroup) propagateNothing(ctx)
  if (a.timeoutMs === -1) {
    if (!serveNow(ctx, a)) ctx.reply.nullArray()
    return
  }
  // Blocked on the first ID given for a key (redis blockForKeys ignores repeated keys).
  const gtByKey = new Map<string, StreamId>()
  a.keys.forEach((k, i) => gtByKey.has(k) || gtByKey.set(k, a.ids[i]))
  const blockCount = a.count || 1000
  return serveOrBlock(ctx, {
    keys: a.keys,
    timeoutMs: a.timeoutMs,
    of: null,
    serve: (ready) => (ready === undefined ? serveNow(ctx, a) : serveWoken(ctx, a, ready, gtByKey.get(ready)!, blockCount)),
    onTimeout: () => ctx.reply.nullArray(),
  })
}

/** The synchronous part of xreadCommand: reply and true when any stream had something. */
function serveNow(ctx: CommandContext, a: ReadArgs): boolean {
  const served: {key: string; s: Stream; start: StreamId; g: StreamGroup | null; history: boolean}[] = []
  for (let i = 0; i < a.keys.length; i++) {
    const s = ctx.db.read(a.keys[i]) // xreadCommand reads every key again here (counted twice)
    if (!(s instanceof Stream)) continue
    const g = a.groups[i]
    let gt = a.ids[i]
    let history = false
    let serve = false
    if (g !== null) {
      if (gt !== ID_MAX) {
        serve = true
        history = true
      } else if (s.length && lastValidId(s) > g.lastId) {
        serve = true
        gt = g.lastId
      }
    } else if (s.length && lastValidId(s) > gt) serve = true
    if (serve) served.push({key: a.keys[i], s, start: gt === ID_MAX ? 0n : gt + 1n, g, history})
  }
  if (served.length === 0) return false
  const r = ctx.reply
  if (r.resp === 2) r.array(served.length)
  else r.map(served.length)
  for (const x of served) {
    if (r.resp === 2) r.array(2)
    r.bulk(x.key)
    replyRange(ctx, a, x.key, x.s, x.start, x.g, x.history, a.count)
  }
  return true
}

/** serveClientsBlockedOnStreamKey for one waiter: true when it was answered (data or error). */
function serveWoken(ctx: CommandContext, a: ReadArgs, key: string, gt0: StreamId, count: number): boolean {
  const s = ctx.db.get(key)
  if (!(s instanceof Stream)) {
    if (a.group === null) return false
    ctx.reply.error('UNBLOCKED the stream key no longer exists')
    return true
  }
  let gt = gt0
  let g: StreamGroup | null = null
  if (a.group !== null) {
    g = s.groups.get(a.group) ?? null
    if (g === null) {
      ctx.reply.error('NOGROUP the consumer group this client was blocked on no longer exists')
      return true
    }
    gt = g.lastId
  }
  if (!(s.lastId > gt)) return false
  const r = ctx.reply
  if (r.resp === 2) {
    r.array(1)
    r.array(2)
  } else r.map(1)
  r.bulk(key)
  replyRange(ctx, a, key, s, gt + 1n, g, false, count, true)
  return true
}

function lookupConsumer(ctx: CommandContext, a: ReadArgs, key: string, g: StreamGroup): StreamConsumer {
  const now = ctx.clock.now()
  let c = g.consumers.get(a.consumer)
  if (c !== undefined) {
    c.seenTime = now
    return c
  }
  c = new StreamConsumer(a.consumer, now)
  g.consumers.set(a.consumer, c)
  ctx.server.dirty++
  notifyKeyspaceEvent(ctx, N.STREAM, 'xgroup-createconsumer', key)
  if (a.noack) ctx.propagateAs(['XGROUP', 'CREATECONSUMER', key, a.group!, a.consumer])
  return c
}

/**
 * streamReplyWithRange (and its consumer-PEL variant) for one stream of the reply. Served after
 * blocking (serveClientsBlockedOnStreamKey), the read is not counted as a change of the stream:
 * only a consumer it creates is (xreadCommand counts one per group read when answering at once).
 */
function replyRange(ctx: CommandContext, a: ReadArgs, key: string, s: Stream, start: StreamId, g: StreamGroup | null, history: boolean, count: number, afterBlocking = false): void {
  const r = ctx.reply
  if (g === null) {
    const items = collect(s, start, ID_MAX, false, count)
    r.array(items.length)
    for (const [id, fv] of items) writeEntry(r, id, fv)
    return
  }
  const consumer = lookupConsumer(ctx, a, key, g)
  if (!afterBlocking) ctx.server.dirty++
  const now = ctx.clock.now()
  if (history) {
    const pel = consumer.pel
    const out: [StreamId, string[] | undefined, StreamNack][] = []
    for (const [id, nack] of pel.entries(pel.lowerBound(start))) {
      if (count && out.length >= count) break
      out.push([id, s.get(id), nack])
    }
    r.array(out.length)
    for (const [id, fv, nack] of out) {
      if (fv === undefined) {
        r.array(2)
        r.bulk(formatId(id))
        r.nullArray()
        continue
      }
      writeEntry(r, id, fv)
      nack.deliveryTime = now
      nack.deliveryCount++
    }
    return
  }
  const items = collect(s, start, ID_MAX, false, count)
  let propagateLastId = false
  r.array(items.length)
  for (const [id, fv] of items) {
    if (id > g.lastId) {
      if (g.entriesRead !== -1 && !s.rangeHasTombstones(id, ID_MAX)) g.entriesRead++
      else if (s.entriesAdded) g.entriesRead = s.estimateDistance(id)
      g.lastId = id
      if (a.noack) propagateLastId = true
    }
    writeEntry(r, id, fv)
    if (a.noack) continue
    let nack = g.pel.get(id)
    if (nack === undefined) {
      nack = {deliveryTime: now, deliveryCount: 1, consumer}
      g.pel.tryInsert(id, nack)
      consumer.pel.tryInsert(id, nack)
    } else {
      // Already delivered (XGROUP SETID moved the group back): the entry changes hands.
      nack.consumer?.pel.delete(id)
      nack.consumer = consumer
      nack.deliveryTime = now
      nack.deliveryCount = 1
      consumer.pel.tryInsert(id, nack)
    }
    ctx.propagateAs(xclaimFor(key, a.group!, formatId(id), nack, g))
  }
  if (propagateLastId) ctx.propagateAs(['XGROUP', 'SETID', key, a.group!, formatId(g.lastId), 'ENTRIESREAD', String(g.entriesRead)])
}

/** streamPropagateXCLAIM: an idempotent XCLAIM that recreates the NACK on replicas and in the AOF. */
export function xclaimFor(key: string, group: string, id: string, nack: StreamNack, g: StreamGroup): string[] {
  return ['XCLAIM', key, group, nack.consumer!.name, '0', id, 'TIME', String(nack.deliveryTime), 'RETRYCOUNT', String(nack.deliveryCount), 'FORCE', 'JUSTID', 'LASTID', formatId(g.lastId)]
}

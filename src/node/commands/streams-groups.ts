// Consumer groups and introspection (redis t_stream.c): XGROUP (CREATE SETID DESTROY
// CREATECONSUMER DELCONSUMER HELP), XACK, XPENDING, XCLAIM, XAUTOCLAIM, XINFO (STREAM [FULL],
// GROUPS, CONSUMERS, HELP), with redis 7.0's reply shapes (maps in RESP3) and error texts.
// XCLAIM/XAUTOCLAIM propagate one idempotent XCLAIM per NACK they touch (streams-read.ts).
import {E, ReplyError} from '../errors.js'
import {Stream, type RedisValue} from '../keyspace/keyspace.js'
import {formatId, ID_MAX, parseStreamId, StreamConsumer, StreamGroup, type StreamId, type StreamNack} from '../keyspace/stream.js'
import type {RespWriter} from '../../resp/writer.js'
import {xclaimFor} from './streams-read.js'
import {collect, llArg, parseId, rangeEnd, rangeStart, streamAt, writeEntry} from './streams.js'
import {cmd, type CommandContext, type CommandSpec} from './types.js'
import {propagateNothing} from './util.js'
import {signalKeyAsReady} from '../blocking.js'
import {N, notifyKeyspaceEvent} from '../notify.js'

const G = (name: string, arity: number, flags: CommandSpec['flags']) => cmd(name, arity, flags, [2, 2, 1], xgroup, {categories: ['@write', '@stream', '@slow']})
const I = (name: string, arity: number) => cmd(name, arity, ['readonly'], [2, 2, 1], xinfo, {categories: ['@read', '@stream', '@slow']})

export const commands: CommandSpec[] = [
  cmd('xgroup', -2, [], 0, () => {}, {
    categories: ['@slow'],
    subcommands: [
      G('create', -5, ['write', 'denyoom']),
      G('setid', -5, ['write']),
      G('destroy', 4, ['write']),
      G('createconsumer', 5, ['write', 'denyoom']),
      G('delconsumer', 5, ['write']),
      cmd('help', 2, ['loading', 'stale'], 0, xgroup, {categories: ['@stream', '@slow']}),
    ],
  }),
  cmd('xack', -4, ['write', 'fast'], [1, 1, 1], xack, {categories: ['@write', '@stream', '@fast']}),
  cmd('xpending', -3, ['readonly'], [1, 1, 1], xpending, {categories: ['@read', '@stream', '@slow']}),
  cmd('xclaim', -6, ['write', 'fast'], [1, 1, 1], xclaim, {categories: ['@write', '@stream', '@fast']}),
  cmd('xautoclaim', -6, ['write', 'fast'], [1, 1, 1], xautoclaim, {categories: ['@write', '@stream', '@fast']}),
  cmd('xinfo', -2, [], 0, () => {}, {
    categories: ['@slow'],
    subcommands: [I('consumers', 4), I('groups', 3), I('stream', -3), cmd('help', 2, ['loading', 'stale'], 0, xinfo, {categories: ['@stream', '@slow']})],
  }),
]

function subcommandSyntax(argv: string[]): ReplyError {
  return new ReplyError(`ERR unknown subcommand or wrong number of arguments for '${argv[1].slice(0, 128)}'. Try ${argv[0].toUpperCase()} HELP.`)
}

function help(r: RespWriter, argv: string[], lines: string[]): void {
  r.array(lines.length + 3)
  r.simple(`${argv[0].toUpperCase()} <subcommand> [<arg> [value] [opt] ...]. Subcommands are:`)
  for (const l of lines) r.simple(l)
  r.simple('HELP')
  r.simple('    Prints this help.')
}

const XGROUP_HELP = [
  'CREATE <key> <groupname> <id|$> [option]',
  '    Create a new consumer group. Options are:',
  '    * MKSTREAM',
  '      Create the empty stream if it does not exist.',
  '    * ENTRIESREAD entries_read',
  "      Set the group's entries_read counter (internal use).",
  'CREATECONSUMER <key> <groupname> <consumer>',
  '    Create a new consumer in the specified group.',
  'DELCONSUMER <key> <groupname> <consumer>',
  '    Remove the specified consumer.',
  'DESTROY <key> <groupname>',
  '    Remove the specified group.',
  'SETID <key> <groupname> <id|$> [ENTRIESREAD entries_read]',
  '    Set the current group ID and entries_read counter.',
]

function noGroup(group: string, key: string): ReplyError {
  return new ReplyError(`NOGROUP No such consumer group '${group}' for key name '${key}'`)
}

/** xgroupCommand: one flow for every subcommand, as in redis (option parsing first). */
function xgroup(ctx: CommandContext, argv: string[]): void {
  const opt = argv[1].toLowerCase()
  let s: Stream | undefined
  let mkstream = false
  let entriesRead = -1
  let g: StreamGroup | undefined
  const key = argv[2]
  const name = argv[3]
  if (argv.length >= 4) {
    for (let i = 5; i < argv.length; ) {
      const o = argv[i].toLowerCase()
      if (opt === 'create' && o === 'mkstream') {
        mkstream = true
        i++
      } else if ((opt === 'create' || opt === 'setid') && o === 'entriesread' && i + 1 < argv.length) {
        entriesRead = llArg(argv[i + 1])
        if (entriesRead < 0 && entriesRead !== -1) throw new ReplyError('ERR value for ENTRIESREAD must be positive or -1')
        i += 2
      } else throw subcommandSyntax(argv)
    }
    s = ctx.db.getStream(key)
  }
  if (argv.length >= 4 && !mkstream) {
    if (s === undefined)
      throw new ReplyError('ERR The XGROUP subcommand requires the key to exist. Note that for CREATE you may want to use the MKSTREAM option to create an empty stream automatically.')
    g = s.groups.get(name)
    if (g === undefined && (opt === 'setid' || opt === 'createconsumer' || opt === 'delconsumer')) throw noGroup(name, key)
  }
  if (argv.length === 2 && opt === 'help') return help(ctx.reply, argv, XGROUP_HELP)
  if (opt === 'create' && argv.length >= 5 && argv.length <= 8) {
    const id = argv[4] === '$' ? (s?.lastId ?? 0n) : parseId(argv[4], 0n, true)
    if (s === undefined) {
      s = new Stream()
      ctx.db.set(key, s as RedisValue)
      ctx.afterWrite(key, 0) // MKSTREAM: the group's creation is the one change redis counts
    }
    if (s.groups.has(name)) throw new ReplyError('BUSYGROUP Consumer Group name already exists')
    s.groups.set(name, new StreamGroup(id, entriesRead))
    // (redis counts a change to the stream's groups and consumers without signalling the key
    // modified: WATCH and client-side caching see none; XSETID likewise)
    ctx.server.dirty++
    notifyKeyspaceEvent(ctx, N.STREAM, 'xgroup-create', key)
    return ctx.reply.ok()
  }
  if (opt === 'setid' && (argv.length === 5 || argv.length === 7)) {
    const id = argv[4] === '$' ? s!.lastId : parseId(argv[4], 0n, false)
    g!.lastId = id
    g!.entriesRead = entriesRead
    ctx.server.dirty++
    notifyKeyspaceEvent(ctx, N.STREAM, 'xgroup-setid', key)
    return ctx.reply.ok()
  }
  if (opt === 'destroy' && argv.length === 4) {
    if (g === undefined) return ctx.reply.integer(0)
    s!.groups.delete(name)
    ctx.server.dirty++
    signalKeyAsReady(ctx.server, ctx.session.dbIndex, key) // XREADGROUP clients blocked on it get -NOGROUP
    notifyKeyspaceEvent(ctx, N.STREAM, 'xgroup-destroy', key)
    return ctx.reply.integer(1)
  }
  if (opt === 'createconsumer' && argv.length === 5) {
    if (g!.consumers.has(argv[4])) return ctx.reply.integer(0)
    g!.consumers.set(argv[4], new StreamConsumer(argv[4], ctx.clock.now()))
    ctx.server.dirty++
    notifyKeyspaceEvent(ctx, N.STREAM, 'xgroup-createconsumer', key)
    return ctx.reply.integer(1)
  }
  if (opt === 'delconsumer' && argv.length === 5) {
    const c = g!.consumers.get(argv[4])
    if (c === undefined) return ctx.reply.integer(0)
    const pending = c.pel.size
    g!.deleteConsumer(c)
    ctx.server.dirty++
    notifyKeyspaceEvent(ctx, N.STREAM, 'xgroup-delconsumer', key)
    return ctx.reply.integer(pending)
  }
  throw subcommandSyntax(argv)
}

/** The group for XACK/XCLAIM-style commands; null when the key or the group is missing. */
function groupOf(ctx: CommandContext, key: string, group: string): [Stream, StreamGroup] | null {
  const s = streamAt(ctx, key)
  const g = s?.groups.get(group)
  return s !== undefined && g !== undefined ? [s, g] : null
}

function xack(ctx: CommandContext, argv: string[]): void {
  const sg = groupOf(ctx, argv[1], argv[2])
  if (sg === null) return ctx.reply.integer(0)
  const g = sg[1]
  const ids = argv.slice(3).map((x) => parseId(x, 0n, true))
  let acked = 0
  for (const id of ids) {
    const nack = g.pel.get(id)
    if (nack === undefined) continue
    g.pel.delete(id)
    nack.consumer?.pel.delete(id)
    acked++
  }
  if (acked) ctx.server.dirty += acked
  ctx.reply.integer(acked)
}

function xpending(ctx: CommandContext, argv: string[]): void {
  const argc = argv.length
  const justinfo = argc === 3
  if (argc !== 3 && (argc < 6 || argc > 9)) throw new ReplyError(E.SYNTAX)
  let start = 0n
  let end = ID_MAX
  let count = 0
  let minidle = 0
  let consumerName: string | null = null
  if (argc >= 6) {
    let si = 3
    if (argv[3].toLowerCase() === 'idle') {
      minidle = llArg(argv[4])
      if (argc < 8) throw new ReplyError(E.SYNTAX)
      si += 2
    }
    count = llArg(argv[si + 2])
    if (count < 0) count = 0
    start = rangeStart(argv[si])
    end = rangeEnd(argv[si + 1])
    if (si + 3 < argc) consumerName = argv[si + 3]
  }
  const sg = groupOf(ctx, argv[1], argv[2])
  if (sg === null) throw new ReplyError(`NOGROUP No such key '${argv[1]}' or consumer group '${argv[2]}'`)
  const g = sg[1]
  const r = ctx.reply
  if (justinfo) {
    r.array(4)
    r.integer(g.pel.size)
    if (g.pel.size === 0) {
      r.nil()
      r.nil()
      r.nullArray()
      return
    }
    r.bulk(formatId(g.pel.keyAt(0)))
    r.bulk(formatId(g.pel.keyAt(g.pel.size - 1)))
    const withPel = g.sortedConsumers().filter((c) => c.pel.size !== 0)
    r.array(withPel.length)
    for (const c of withPel) {
      r.array(2)
      r.bulk(c.name)
      r.bulk(String(c.pel.size))
    }
    return
  }
  let pel = g.pel
  if (consumerName !== null) {
    const c = g.consumers.get(consumerName)
    if (c === undefined) return r.array(0)
    pel = c.pel
  }
  const now = ctx.clock.now()
  const out: [StreamId, StreamNack][] = []
  for (const row of pel.entries(pel.lowerBound(start))) {
    if (!count || row[0] > end) break
    if (minidle && now - row[1].deliveryTime < minidle) continue
    out.push(row)
    count--
  }
  r.array(out.length)
  for (const [id, nack] of out) {
    r.array(4)
    r.bulk(formatId(id))
    r.bulk(nack.consumer!.name)
    r.integer(Math.max(0, now - nack.deliveryTime))
    r.integer(nack.deliveryCount)
  }
}

function consumerFor(ctx: CommandContext, key: string, g: StreamGroup, name: string): StreamConsumer {
  let c = g.consumers.get(name)
  if (c !== undefined) {
    c.seenTime = ctx.clock.now()
    return c
  }
  c = new StreamConsumer(name, ctx.clock.now())
  g.consumers.set(name, c)
  ctx.server.dirty++
  notifyKeyspaceEvent(ctx, N.STREAM, 'xgroup-createconsumer', key)
  return c
}

function xclaim(ctx: CommandContext, argv: string[]): void {
  const key = argv[1]
  const sg = groupOf(ctx, key, argv[2])
  if (sg === null) throw new ReplyError(`NOGROUP No such key '${key}' or consumer group '${argv[2]}'`)
  const [s, g] = sg
  let minidle = llArg(argv[4], 'Invalid min-idle-time argument for XCLAIM')
  if (minidle < 0) minidle = 0
  const ids: [StreamId, string][] = []
  let j = 5
  for (; j < argv.length; j++) {
    const r = parseStreamId(argv[j], 0n, true)
    if (r === null) break
    ids.push([r.id, argv[j]])
  }
  const now = ctx.clock.now()
  let force = false
  let justid = false
  let retry = -1
  let deliveryTime = -1
  let lastId = 0n
  for (; j < argv.length; j++) {
    const more = argv.length - 1 - j
    const o = argv[j].toLowerCase()
    if (o === 'force') force = true
    else if (o === 'justid') justid = true
    else if (o === 'idle' && more) deliveryTime = now - llArg(argv[++j], 'Invalid IDLE option argument for XCLAIM')
    else if (o === 'time' && more) deliveryTime = llArg(argv[++j], 'Invalid TIME option argument for XCLAIM')
    else if (o === 'retrycount' && more) retry = llArg(argv[++j], 'Invalid RETRYCOUNT option argument for XCLAIM')
    else if (o === 'lastid' && more) lastId = parseId(argv[++j], 0n, true)
    else throw new ReplyError(`ERR Unrecognized XCLAIM option '${argv[j]}'`)
  }
  propagateNothing(ctx)
  let propagateLastId = false
  if (lastId > g.lastId) {
    g.lastId = lastId
    propagateLastId = true
  }
  if (deliveryTime !== -1) {
    if (deliveryTime < 0 || deliveryTime > now) deliveryTime = now
  } else deliveryTime = now
  let consumer: StreamConsumer | null = null
  const r = ctx.reply
  const out: [StreamId, string[] | null][] = []
  for (const [id, raw] of ids) {
    let nack = g.pel.get(id)
    const fv = s.get(id)
    if (fv === undefined) {
      if (nack !== undefined) {
        ctx.propagateAs(xclaimFor(key, argv[2], raw, nack, g))
        propagateLastId = false
        ctx.server.dirty++
        g.pel.delete(id)
        nack.consumer?.pel.delete(id)
      }
      continue
    }
    if (force && nack === undefined) {
      nack = {deliveryTime: now, deliveryCount: 1, consumer: null}
      g.pel.tryInsert(id, nack)
    }
    if (nack === undefined) continue
    if (nack.consumer && minidle && now - nack.deliveryTime < minidle) continue
    consumer ??= consumerFor(ctx, argv[1], g, argv[3])
    if (nack.consumer !== consumer) nack.consumer?.pel.delete(id)
    nack.deliveryTime = deliveryTime
    if (retry >= 0) nack.deliveryCount = retry
    else if (!justid) nack.deliveryCount++
    if (nack.consumer !== consumer) {
      consumer.pel.tryInsert(id, nack)
      nack.consumer = consumer
    }
    out.push([id, justid ? null : fv])
    ctx.propagateAs(xclaimFor(key, argv[2], raw, nack, g))
    propagateLastId = false
    ctx.server.dirty++
  }
  if (propagateLastId) {
    ctx.propagateAs(['XGROUP', 'SETID', key, argv[2], formatId(g.lastId), 'ENTRIESREAD', String(g.entriesRead)])
    ctx.server.dirty++
  }
  r.array(out.length)
  for (const [id, fv] of out) {
    if (fv === null) r.bulk(formatId(id))
    else writeEntry(r, id, fv)
  }
}

function xautoclaim(ctx: CommandContext, argv: string[]): void {
  const key = argv[1]
  // redis looks the key up first (counted, keymiss), and checks its type after the arguments
  const o = ctx.db.read(key)
  let minidle = llArg(argv[4], 'Invalid min-idle-time argument for XAUTOCLAIM')
  if (minidle < 0) minidle = 0
  const start = rangeStart(argv[5])
  let count = 100
  let justid = false
  for (let j = 6; j < argv.length; j++) {
    const more = argv.length - 1 - j
    const o = argv[j].toLowerCase()
    if (o === 'count' && more) {
      const n = parseCount(argv[j + 1])
      if (n === null) throw new ReplyError('ERR COUNT must be > 0')
      count = n
      j++
    } else if (o === 'justid') justid = true
    else throw new ReplyError(E.SYNTAX)
  }
  if (o !== undefined && !(o instanceof Stream)) throw new ReplyError(E.WRONGTYPE)
  const g = o?.groups.get(argv[2])
  if (o === undefined || g === undefined) throw new ReplyError(`NOGROUP No such key '${key}' or consumer group '${argv[2]}'`)
  const s = o
  propagateNothing(ctx)
  let attempts = count * 10
  const now = ctx.clock.now()
  let consumer: StreamConsumer | null = null
  const claimed: [StreamId, string[] | null][] = []
  const deleted: StreamId[] = []
  let i = g.pel.lowerBound(start)
  while (attempts-- && count && i < g.pel.size) {
    const id = g.pel.keyAt(i)
    const nack = g.pel.valueAt(i)
    const fv = s.get(id)
    if (fv === undefined) {
      ctx.propagateAs(xclaimFor(key, argv[2], formatId(id), nack, g))
      ctx.server.dirty++
      g.pel.delete(id)
      nack.consumer?.pel.delete(id)
      deleted.push(id)
      count--
      continue
    }
    i++
    if (minidle && now - nack.deliveryTime < minidle) continue
    consumer ??= consumerFor(ctx, argv[1], g, argv[3])
    if (nack.consumer !== consumer) nack.consumer?.pel.delete(id)
    nack.deliveryTime = now
    if (!justid) nack.deliveryCount++
    if (nack.consumer !== consumer) {
      consumer.pel.tryInsert(id, nack)
      nack.consumer = consumer
    }
    claimed.push([id, justid ? null : fv])
    count--
    ctx.propagateAs(xclaimFor(key, argv[2], formatId(id), nack, g))
    ctx.server.dirty++
  }
  const r = ctx.reply
  r.array(3)
  r.bulk(formatId(i < g.pel.size ? g.pel.keyAt(i) : 0n))
  r.array(claimed.length)
  for (const [id, fv] of claimed) {
    if (fv === null) r.bulk(formatId(id))
    else writeEntry(r, id, fv)
  }
  r.array(deleted.length)
  for (const id of deleted) r.bulk(formatId(id))
}

/** getRangeLongFromObjectOrReply(1, LONG_MAX / 16): null when out of range or not an integer. */
function parseCount(raw: string): number | null {
  const m = /^-?(0|[1-9]\d*)$/.exec(raw)
  if (m === null) return null
  const n = BigInt(raw)
  if (n < 1n || n > 576460752303423487n) return null
  return Number(n)
}

// ---- XINFO ---------------------------------------------------------------------------------

const XINFO_HELP = [
  'CONSUMERS <key> <groupname>',
  '    Show consumers of <groupname>.',
  'GROUPS <key>',
  '    Show the stream consumer groups.',
  'STREAM <key> [FULL [COUNT <count>]',
  '    Show information about the stream.',
]

function xinfo(ctx: CommandContext, argv: string[]): void {
  const opt = argv[1].toLowerCase()
  if (opt === 'help') {
    if (argv.length !== 2) throw subcommandSyntax(argv)
    return help(ctx.reply, argv, XINFO_HELP)
  }
  if (argv.length < 3) throw subcommandSyntax(argv)
  const key = argv[2]
  const s = streamAt(ctx, key)
  if (s === undefined) throw new ReplyError(E.NO_SUCH_KEY)
  const r = ctx.reply
  if (opt === 'consumers' && argv.length === 4) {
    const g = s.groups.get(argv[3])
    if (g === undefined) throw noGroup(argv[3], key)
    const now = ctx.clock.now()
    const cs = g.sortedConsumers()
    r.array(cs.length)
    for (const c of cs) {
      r.map(3)
      r.bulk('name')
      r.bulk(c.name)
      r.bulk('pending')
      r.integer(c.pel.size)
      r.bulk('idle')
      r.integer(Math.max(0, now - c.seenTime))
    }
    return
  }
  if (opt === 'groups' && argv.length === 3) {
    const gs = s.sortedGroups()
    r.array(gs.length)
    for (const [name, g] of gs) {
      r.map(6)
      r.bulk('name')
      r.bulk(name)
      r.bulk('consumers')
      r.integer(g.consumers.size)
      r.bulk('pending')
      r.integer(g.pel.size)
      r.bulk('last-delivered-id')
      r.bulk(formatId(g.lastId))
      entriesReadAndLag(r, s, g)
    }
    return
  }
  if (opt === 'stream') return xinfoStream(ctx, argv, s)
  throw subcommandSyntax(argv)
}

function entriesReadAndLag(r: RespWriter, s: Stream, g: StreamGroup): void {
  r.bulk('entries-read')
  if (g.entriesRead !== -1) r.integer(g.entriesRead)
  else r.nil()
  r.bulk('lag')
  const lag = s.groupLag(g)
  if (lag === null) r.nil()
  else r.integer(lag)
}

function xinfoStream(ctx: CommandContext, argv: string[], s: Stream): void {
  let full = false
  let count = 10
  const optc = argv.length - 3
  if (optc !== 0) {
    if (optc !== 1 && optc !== 3) throw subcommandSyntax(argv)
    if (argv[3].toLowerCase() !== 'full') throw subcommandSyntax(argv)
    if (optc === 3) {
      if (argv[4].toLowerCase() !== 'count') throw subcommandSyntax(argv)
      count = llArg(argv[5])
      if (count < 0) count = 10
    }
    full = true
  }
  const r = ctx.reply
  r.map(full ? 9 : 10)
  r.bulk('length')
  r.integer(s.length)
  r.bulk('radix-tree-keys')
  r.integer(s.nodes.length)
  r.bulk('radix-tree-nodes')
  r.integer(s.raxNodes())
  r.bulk('last-generated-id')
  r.bulk(formatId(s.lastId))
  r.bulk('max-deleted-entry-id')
  r.bulk(formatId(s.maxDeletedId))
  r.bulk('entries-added')
  r.integer(s.entriesAdded)
  r.bulk('recorded-first-entry-id')
  r.bulk(formatId(s.firstId))
  if (!full) {
    r.bulk('groups')
    r.integer(s.groups.size)
    for (const [label, rev] of [['first-entry', false], ['last-entry', true]] as const) {
      r.bulk(label)
      const e = collect(s, 0n, ID_MAX, rev, 1)
      if (e.length === 0) r.nil()
      else writeEntry(r, e[0][0], e[0][1])
    }
    return
  }
  r.bulk('entries')
  const items = collect(s, 0n, ID_MAX, false, count)
  r.array(items.length)
  for (const [id, fv] of items) writeEntry(r, id, fv)
  r.bulk('groups')
  const gs = s.sortedGroups()
  r.array(gs.length)
  for (const [name, g] of gs) {
    r.map(7)
    r.bulk('name')
    r.bulk(name)
    r.bulk('last-delivered-id')
    r.bulk(formatId(g.lastId))
    entriesReadAndLag(r, s, g)
    r.bulk('pel-count')
    r.integer(g.pel.size)
    r.bulk('pending')
    const np = count ? Math.min(count, g.pel.size) : g.pel.size
    r.array(np)
    let left = np
    for (const [id, nack] of g.pel.entries()) {
      if (left-- === 0) break
      r.array(4)
      r.bulk(formatId(id))
      r.bulk(nack.consumer!.name)
      r.integer(nack.deliveryTime)
      r.integer(nack.deliveryCount)
    }
    r.bulk('consumers')
    const cs = g.sortedConsumers()
    r.array(cs.length)
    for (const c of cs) {
      r.map(4)
      r.bulk('name')
      r.bulk(c.name)
      r.bulk('seen-time')
      r.integer(c.seenTime)
      r.bulk('pel-count')
      r.integer(c.pel.size)
      r.bulk('pending')
      const n = count ? Math.min(count, c.pel.size) : c.pel.size
      r.array(n)
      let left = n
      for (const [id, nack] of c.pel.entries()) {
        if (left-- === 0) break
        r.array(3)
        r.bulk(formatId(id))
        r.integer(nack.deliveryTime)
        r.integer(nack.deliveryCount)
      }
    }
  }
}

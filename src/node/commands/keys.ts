// Generic keyspace commands (redis db.c / expire.c): DEL EXISTS TYPE EXPIRE* TTL RENAME KEYS
// SCAN RANDOMKEY TOUCH OBJECT COPY MOVE DBSIZE FLUSHALL FLUSHDB.
import {E} from '../errors.js'
import {globMatch} from '../keyspace/glob.js'
import {encodingOf, inheritEncoding} from '../keyspace/encoding.js'
import {freedLazily} from '../keyspace/lazyfree.js'
import {Deque, isSharedIntValue, READ_NONOTIFY, READ_NOTOUCH, Stream, typeOf, ZSet, type RedisValue} from '../keyspace/keyspace.js'
import {sharedIntegersInUse} from '../memory/index.js'
import {cmd, replyHelp, type CommandContext, type CommandSpec} from './types.js'
import {signalDbReady} from '../blocking.js'
import {flushallSave} from '../persistence/rdb-save.js'
import {expireKeyAt, intArg, is} from './util.js'
import {N, notifyDb, notifyKeyspaceEvent as ev} from '../notify.js'
import {clonePacked} from '../keyspace/packed.js'
import {parseCursor} from './type-util.js'

export const commands: CommandSpec[] = [
  cmd('del', -2, ['write'], [1, -1, 1], del),
  cmd('unlink', -2, ['write', 'fast'], [1, -1, 1], del),
  // EXISTS, TYPE and the TTL family look keys up without touching their access time (LOOKUP_NOTOUCH)
  cmd('exists', -2, ['readonly', 'fast'], [1, -1, 1], (ctx, a) => ctx.reply.integer(a.slice(1).filter((k) => ctx.db.read(k, READ_NOTOUCH) !== undefined).length)),
  cmd('touch', -2, ['readonly', 'fast'], [1, -1, 1], (ctx, a) => ctx.reply.integer(a.slice(1).filter((k) => ctx.db.read(k) !== undefined).length)),
  cmd('type', 2, ['readonly', 'fast'], [1, 1, 1], (ctx, a) => {
    const v = ctx.db.read(a[1], READ_NOTOUCH)
    ctx.reply.simple(v === undefined ? 'none' : typeOf(v))
  }),
  cmd('expire', -3, ['write', 'fast'], [1, 1, 1], (ctx, a) => expire(ctx, a, 1000, false)),
  cmd('pexpire', -3, ['write', 'fast'], [1, 1, 1], (ctx, a) => expire(ctx, a, 1, false)),
  cmd('expireat', -3, ['write', 'fast'], [1, 1, 1], (ctx, a) => expire(ctx, a, 1000, true)),
  cmd('pexpireat', -3, ['write', 'fast'], [1, 1, 1], (ctx, a) => expire(ctx, a, 1, true)),
  cmd('ttl', 2, ['readonly', 'fast'], [1, 1, 1], (ctx, a) => ttl(ctx, a[1], 1000, false)),
  cmd('pttl', 2, ['readonly', 'fast'], [1, 1, 1], (ctx, a) => ttl(ctx, a[1], 1, false)),
  cmd('expiretime', 2, ['readonly', 'fast'], [1, 1, 1], (ctx, a) => ttl(ctx, a[1], 1000, true)),
  cmd('pexpiretime', 2, ['readonly', 'fast'], [1, 1, 1], (ctx, a) => ttl(ctx, a[1], 1, true)),
  cmd('persist', 2, ['write', 'fast'], [1, 1, 1], persist),
  cmd('rename', 3, ['write'], [1, 2, 1], (ctx, a) => rename(ctx, a, false)),
  cmd('renamenx', 3, ['write', 'fast'], [1, 2, 1], (ctx, a) => rename(ctx, a, true)),
  cmd('keys', 2, ['readonly'], 0, keys),
  cmd('scan', -2, ['readonly'], 0, scan),
  cmd('randomkey', 1, ['readonly'], 0, randomkey),
  cmd('dbsize', 1, ['readonly', 'fast'], 0, (ctx) => ctx.reply.integer(ctx.db.size)),
  cmd('copy', -3, ['write', 'denyoom'], [1, 2, 1], copy),
  cmd('move', 3, ['write', 'fast'], [1, 1, 1], move),
  cmd('flushdb', -1, ['write'], 0, (ctx, a) => flush(ctx, a, false)),
  cmd('flushall', -1, ['write'], 0, (ctx, a) => flush(ctx, a, true)),
  {
    ...cmd('object', -2, [], 0, () => undefined),
    subcommands: [
      cmd('encoding', 3, ['readonly'], [2, 2, 1], (ctx, a) => objectInfo(ctx, a[2], (v) => ctx.reply.bulk(encodingOf(v, ctx.db.stringEncoding(a[2]))))),
      cmd('refcount', 3, ['readonly'], [2, 2, 1], (ctx, a) => objectInfo(ctx, a[2], (v) => ctx.reply.integer(refcountOf(ctx, a[2], v)))),
      cmd('idletime', 3, ['readonly'], [2, 2, 1], (ctx, a) => objectInfo(ctx, a[2], () => ctx.reply.integer(0))),
      cmd('freq', 3, ['readonly'], [2, 2, 1], (ctx, a) =>
        objectInfo(ctx, a[2], () =>
          ctx.reply.error(
            'ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.',
          ),
        ),
      ),
      cmd('help', 2, ['loading', 'stale'], 0, (ctx) => replyHelp(ctx, OBJECT_HELP)),
    ],
  },
]

function del(ctx: CommandContext, argv: string[]): void {
  let n = 0
  const lazy = is(argv[0], 'unlink') || ctx.server.config.bool('lazyfree-lazy-user-del')
  for (let i = 1; i < argv.length; i++) {
    const v = lazy ? ctx.db.get(argv[i]) : undefined
    if (v !== undefined && freedLazily(v)) ctx.server.stats.lazyfreedObjects++
    if (ctx.db.delete(argv[i])) {
      ctx.afterWrite(argv[i])
      ev(ctx, N.GENERIC, 'del', argv[i])
      n++
    }
  }
  ctx.reply.integer(n)
}

function expire(ctx: CommandContext, argv: string[], unitMs: number, absolute: boolean): void {
  const key = argv[1]
  let nx = false
  let xx = false
  let gt = false
  let lt = false
  for (let i = 3; i < argv.length; i++) {
    const o = argv[i].toLowerCase()
    if (o === 'nx') nx = true
    else if (o === 'xx') xx = true
    else if (o === 'gt') gt = true
    else if (o === 'lt') lt = true
    else return ctx.reply.error(`ERR Unsupported option ${argv[i]}`)
  }
  if (nx && (xx || gt || lt)) return ctx.reply.error('ERR NX and XX, GT or LT options at the same time are not compatible')
  if (gt && lt) return ctx.reply.error('ERR GT and LT options at the same time are not compatible')
  intArg(argv[2]) // "value is not an integer or out of range" first
  const name = argv[0].toLowerCase()
  const invalid = `ERR invalid expire time in '${name}' command`
  // expireGenericCommand, in exact 64-bit arithmetic: when > LLONG_MAX/1000 || when < LLONG_MIN/1000
  // (seconds), then when > LLONG_MAX - basetime.
  let when = BigInt(argv[2])
  const LLONG_MAX = 9223372036854775807n
  if (unitMs === 1000) {
    if (when > LLONG_MAX / 1000n || when < -LLONG_MAX / 1000n) return ctx.reply.error(invalid)
    when *= 1000n
  }
  // one reading of the clock for the command: a relative TTL of 1 ms cannot count as already past
  // because the clock ticked between computing it and checking it (a GC step in between made a
  // PEXPIRE k 1 delete the key at once about one time in five on a busy heap)
  const now = ctx.clock.now()
  const base = absolute ? 0n : BigInt(now)
  if (when > LLONG_MAX - base) return ctx.reply.error(invalid)
  const at = Number(when + base)
  if (!ctx.db.has(key)) return ctx.reply.integer(0)
  const cur = ctx.db.getExpire(key)
  if (nx && cur !== undefined) return ctx.reply.integer(0)
  if (xx && cur === undefined) return ctx.reply.integer(0)
  // A key without TTL counts as infinite: GT never applies, LT always does.
  if (gt && (cur === undefined || at <= cur)) return ctx.reply.integer(0)
  if (lt && cur !== undefined && at >= cur) return ctx.reply.integer(0)
  expireKeyAt(ctx, key, at, argv, now)
  ctx.reply.integer(1)
}

function ttl(ctx: CommandContext, key: string, unitMs: number, absolute: boolean): void {
  if (ctx.db.read(key, READ_NOTOUCH) === undefined) return ctx.reply.integer(-2)
  const at = ctx.db.getExpire(key)
  if (at === undefined) return ctx.reply.integer(-1)
  if (absolute) return ctx.reply.integer(unitMs === 1 ? at : Math.floor(at / 1000))
  const left = Math.max(0, at - ctx.clock.now())
  // redis ttlGenericCommand rounds seconds: (ttl+500)/1000
  ctx.reply.integer(unitMs === 1 ? left : Math.floor((left + 500) / 1000))
}

function persist(ctx: CommandContext, argv: string[]): void {
  if (!ctx.db.has(argv[1]) || !ctx.db.persist(argv[1])) return ctx.reply.integer(0)
  ctx.afterKeyChange(argv[1])
  ev(ctx, N.GENERIC, 'persist', argv[1])
  ctx.reply.integer(1)
}

function rename(ctx: CommandContext, argv: string[], nx: boolean): void {
  const [, src, dst] = argv
  const v = ctx.db.get(src)
  if (v === undefined) return ctx.reply.error(E.NO_SUCH_KEY)
  if (src === dst) return nx ? ctx.reply.integer(0) : ctx.reply.ok()
  if (nx && ctx.db.has(dst)) return ctx.reply.integer(0)
  const at = ctx.db.getExpire(src)
  const enc = ctx.db.stringMark(src) // the object itself moves: a raw string stays raw, its sds too
  ctx.db.delete(dst)
  ctx.db.delete(src)
  ctx.db.set(dst, v)
  ctx.db.keepStringEncoding(dst, enc)
  if (at !== undefined) ctx.db.setExpire(dst, at)
  ctx.afterWrite(src)
  ctx.afterKeyChange(dst, 0) // redis counts a rename as one change
  ev(ctx, N.GENERIC, 'rename_from', src)
  ev(ctx, N.GENERIC, 'rename_to', dst)
  if (nx) ctx.reply.integer(1)
  else ctx.reply.ok()
}

function keys(ctx: CommandContext, argv: string[]): void {
  const pattern = argv[1]
  const all = pattern === '*'
  const out: string[] = []
  for (const k of ctx.db.keys()) if ((all || globMatch(pattern, k)) && ctx.db.has(k)) out.push(k)
  ctx.reply.bulks(out, out.length)
}

function scan(ctx: CommandContext, argv: string[]): void {
  const cursor = parseCursor(argv[1])
  let count = 10
  let match: string | null = null
  let type: string | null = null
  for (let i = 2; i < argv.length; i++) {
    const o = argv[i].toLowerCase()
    if (i + 1 >= argv.length) return ctx.reply.error(E.SYNTAX)
    if (o === 'count') {
      count = intArg(argv[++i])
      if (count < 1) return ctx.reply.error(E.SYNTAX)
    } else if (o === 'match') match = argv[++i]
    else if (o === 'type') type = argv[++i].toLowerCase()
    else return ctx.reply.error(E.SYNTAX)
  }
  const out: string[] = []
  const db = ctx.db
  const next = cursor >= 16384 ? 0 : db.scan(cursor, count, (k) => {
    if (match !== null && match !== '*' && !globMatch(match, k)) return
    // with TYPE, redis scanGenericCommand reads the key (lookupKeyReadWithFlags NOTOUCH: counted,
    // keymiss, no LRU/LFU update); otherwise only expireIfNeeded: SCAN never touches a key's
    // access time or frequency (redis-cli --hotkeys / --bigkeys scan before they read OBJECT FREQ)
    const v = type !== null ? db.read(k, READ_NOTOUCH) : db.peek(k)
    if (v === undefined) return
    if (type !== null && typeOf(v) !== type) return
    out.push(k)
  })
  ctx.reply.array(2)
  ctx.reply.bulk(String(next))
  ctx.reply.bulks(out, out.length)
}

function randomkey(ctx: CommandContext): void {
  for (let i = 0; i < 100; i++) {
    const k = ctx.db.randomKey()
    if (k === undefined) break
    if (ctx.db.has(k)) return ctx.reply.bulk(k)
  }
  ctx.reply.nil()
}

function cloneValue(v: RedisValue): RedisValue {
  if (typeof v === 'string') return v
  const packed = clonePacked(v)
  if (packed !== null) return packed
  if (v instanceof Deque) return Deque.from(v)
  if (v instanceof Stream) return v.clone()
  let copy: Map<string, string> | Set<string> | ZSet
  if (v instanceof Map) copy = new Map(v)
  else if (v instanceof Set) copy = new Set(v)
  else {
    copy = new ZSet()
    for (const [m, s] of v.entries()) copy.add(m, s)
  }
  // redis's dup functions keep the encoding: a skiplist stays one even when it would fit a listpack now
  inheritEncoding(v, copy)
  return copy
}

function copy(ctx: CommandContext, argv: string[]): void {
  const [, src, dst] = argv
  let dbIndex = ctx.session.dbIndex
  let replace = false
  for (let i = 3; i < argv.length; i++) {
    if (is(argv[i], 'replace')) replace = true
    else if (is(argv[i], 'db') && i + 1 < argv.length) {
      dbIndex = intArg(argv[++i], 'ERR value is not an integer or out of range')
      if (ctx.server.clusterEnabled && dbIndex !== 0) return ctx.reply.error('ERR Copying to another database is not allowed in cluster mode')
      if (dbIndex < 0 || dbIndex >= ctx.server.databaseCount) return ctx.reply.error(E.DB_INDEX)
    } else return ctx.reply.error(E.SYNTAX)
  }
  if (src === dst && dbIndex === ctx.session.dbIndex) return ctx.reply.error('ERR source and destination objects are the same')
  const v = ctx.db.read(src)
  if (v === undefined) return ctx.reply.integer(0)
  const target = ctx.server.db(dbIndex)
  if (target.has(dst)) {
    if (!replace) return ctx.reply.integer(0)
    target.delete(dst)
  }
  target.set(dst, cloneValue(v))
  // dupStringObject keeps raw/embstr/int, and an integer's copy is not a shared integer
  target.keepStringEncoding(dst, ctx.db.stringEncoding(src) ?? (typeof v === 'string' && encodingOf(v) === 'int' ? 'int' : undefined))
  const at = ctx.db.getExpire(src)
  if (at !== undefined) target.setExpire(dst, at)
  ctx.server.keyModified(dbIndex, dst, 1, false) // a dup keeps the source's encoding
  notifyDb(ctx.server, N.GENERIC, 'copy_to', dst, dbIndex)
  ctx.reply.integer(1)
}

function move(ctx: CommandContext, argv: string[]): void {
  if (ctx.server.clusterEnabled) return ctx.reply.error('ERR MOVE is not allowed in cluster mode')
  const dbIndex = intArg(argv[2])
  if (dbIndex < 0 || dbIndex >= ctx.server.databaseCount) return ctx.reply.error(E.DB_INDEX)
  if (dbIndex === ctx.session.dbIndex) return ctx.reply.error('ERR source and destination objects are the same')
  const v = ctx.db.get(argv[1])
  const target = ctx.server.db(dbIndex)
  if (v === undefined || target.has(argv[1])) return ctx.reply.integer(0)
  const at = ctx.db.getExpire(argv[1])
  const enc = ctx.db.stringMark(argv[1])
  ctx.db.delete(argv[1])
  target.set(argv[1], v)
  target.keepStringEncoding(argv[1], enc)
  if (at !== undefined) target.setExpire(argv[1], at)
  ctx.afterWrite(argv[1])
  ctx.server.keyModified(dbIndex, argv[1], 0, false) // one change for the move
  ev(ctx, N.GENERIC, 'move_from', argv[1])
  notifyDb(ctx.server, N.GENERIC, 'move_to', argv[1], dbIndex)
  ctx.reply.integer(1)
}

function flush(ctx: CommandContext, argv: string[], all: boolean): void {
  if (argv.length > 2 || (argv.length === 2 && !is(argv[1], 'async') && !is(argv[1], 'sync'))) return ctx.reply.error(E.SYNTAX)
  const lazy = argv.length === 2 ? is(argv[1], 'async') : ctx.server.config.bool('lazyfree-lazy-user-flush')
  if (lazy) for (const [i, d] of ctx.server.databases()) if (all || i === ctx.session.dbIndex) ctx.server.stats.lazyfreedObjects += d.size
  // redis signalFlushedDb runs before the data is emptied (watchers of existing keys are touched)
  ctx.server.touchAllWatched(all ? -1 : ctx.session.dbIndex)
  // redis: dirty += the keys removed, and the command is propagated even when there were none
  // (forceCommandPropagation); FLUSHALL's save (save points configured) then resets dirty to 0.
  if (all) {
    for (const [i, d] of ctx.server.databases()) {
      ctx.server.dirty += d.flush()
      signalDbReady(ctx.server, i) // redis signalFlushedDb: XREADGROUP waiters learn their key is gone
    }
    flushallSave(ctx.server) // redis 7.0: kill a BGSAVE, save the empty dataset when save points exist
  } else {
    ctx.server.dirty += ctx.db.flush()
    signalDbReady(ctx.server, ctx.session.dbIndex)
  }
  ctx.forcePropagation()
  ctx.reply.ok()
}

function objectInfo(ctx: CommandContext, key: string, f: (v: RedisValue) => void): void {
  // redis objectCommandLookup: a read lookup, counted, without touching the key or the keymiss event
  const v = ctx.db.read(key, READ_NOTOUCH | READ_NONOTIFY)
  if (v === undefined) return ctx.reply.nil()
  f(v)
}

/**
 * OBJECT REFCOUNT and DEBUG OBJECT's refcount: a string holding one of the shared integers 0-9999
 * (not a COPY's duplicate or a string marked otherwise, and only while shared integers are in use)
 * is redis's shared object, OBJ_SHARED_REFCOUNT; everything else is the key's own object.
 */
export function refcountOf(ctx: CommandContext, key: string, v: RedisValue): number {
  return isSharedIntValue(v) && sharedIntegersInUse(ctx.server.config) && ctx.db.stringEncoding(key) === undefined ? 2147483647 : 1
}

/** OBJECT HELP (redis addReplyHelp: one status line each). */
const OBJECT_HELP = [
  'OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
  'ENCODING <key>',
  '    Return the kind of internal representation used in order to store the value',
  '    associated with a <key>.',
  'FREQ <key>',
  '    Return the access frequency index of the <key>. The returned integer is',
  '    proportional to the logarithm of the recent access frequency of the key.',
  'IDLETIME <key>',
  '    Return the idle time of the <key>, that is the approximated number of',
  '    seconds elapsed since the last access to the key.',
  'REFCOUNT <key>',
  '    Return the number of references of the value associated with the specified',
  '    <key>.',
  'HELP',
  '    Prints this help.',
]

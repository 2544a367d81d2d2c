// DEBUG subcommands about objects, encodings and the reply protocol (redis 7.0.15 debug.c), which
// Redis's own test suite uses: OBJECT, PROTOCOL, QUICKLIST-PACKED-THRESHOLD, LISTPACK, QUICKLIST,
// REPLYBUFFER, CHANGE-REPL-ID, HTSTATS(-KEY) (debug-htstats.ts), STRINGMATCH-TEST, PAUSE-CRON, SDSLEN,
// STRUCTSIZE, LEAK, CLIENT-EVICTION and a few switches the embedded node
// accepts without effect. Registered in server.debugSubcommands, so DEBUG's enable-debug-command
// gate applies.
import {Deque, ZSet, type RedisValue} from '../keyspace/keyspace.js'
import {encodingOf} from '../keyspace/encoding.js'
import {toRdbValue} from '../keyspace/rdb-convert.js'
import {encodeValue, quicklistNodes} from '../persistence/rdb-codec.js'
import {LIMITS} from '../persistence/rdb-primitives.js'
import {ReplyError} from '../errors.js'
import type {CommandContext, DebugSubcommand} from './types.js'
import {debugSubcommandError, intArg} from './util.js'
import {replyBufferPolicy} from '../replybuf.js'
import {htstatsDebugSubcommands} from './debug-htstats.js'
import {refcountOf} from './keys.js'
import {cFixed} from '../../resp/cdouble.js'
import {embstrBytes, exactSds, ROBJ, sdsAvail, sdsBytes} from '../keyspace/sds.js'
import {clientEvictionBuckets} from '../clientmem.js'
import {idleSeconds, lruField} from '../memory/index.js'

const NO_KEY = 'ERR no such key'

const wrongArgs = debugSubcommandError

/** Raw dictFind: no lazy expiry, no stats (debug.c looks the key up in the dict directly). */
function lookup(ctx: CommandContext, key: string): RedisValue {
  const v = ctx.db.peekRaw(key)
  if (v === undefined) throw new ReplyError(NO_KEY)
  return v
}

// A stable pseudo address per object (per db/key for strings, which are not objects here): tests
// only compare addresses of the same key before and after an in-place change.
const addresses = new WeakMap<object, number>()
let nextAddress = 0x1000
function addressOf(dbIndex: number, key: string, v: RedisValue): string {
  let n: number
  if (typeof v === 'string') {
    n = 2166136261 ^ dbIndex
    for (let i = 0; i < key.length; i++) n = Math.imul(n ^ key.charCodeAt(i), 16777619)
    n = n >>> 4
  } else {
    n = addresses.get(v) ?? nextAddress++ * 16
    addresses.set(v, n)
  }
  return '0x7f' + (n >>> 0).toString(16).padStart(10, '0')
}

function quicklistFill(): number {
  const f = LIMITS.listMaxListpackSize
  return f > 1 << 15 ? 1 << 15 : f < -5 ? -5 : f
}

/** DEBUG OBJECT key: "Value at:<addr> refcount:<n> encoding:<enc> serializedlength:<n> lru:<n> lru_seconds_idle:<n>". */
function debugObject(ctx: CommandContext, argv: string[]): void {
  if (argv.length !== 3) throw wrongArgs(argv)
  const key = argv[2]
  const v = lookup(ctx, key)
  const enc = encodingOf(v, ctx.db.stringEncoding(key))
  const compress = ctx.server.config.get('rdbcompression') === 'yes'
  // rdbSavedObjectLen: the object body as the RDB writes it, without its type byte.
  const serialized = encodeValue(toRdbValue(v), {compress}).length - 1
  const lru = lruField(ctx.server, ctx.db, key)
  const idle = idleSeconds(ctx.server, ctx.db, key)
  let extra = ''
  if (v instanceof Deque) {
    const nodes = quicklistNodes(v)
    const len = nodes.length
    const size = nodes.reduce((n, [, b]) => n + b.length, 0)
    const avg = len === 0 ? 'nan' : cFixed(v.length / len, 2)
    extra = ` ql_nodes:${len} ql_avg_node:${avg} ql_listpack_max:${quicklistFill()} ql_compressed:${LIMITS.listCompressDepth !== 0 ? 1 : 0} ql_uncompressed_size:${size}`
  }
  ctx.reply.simple(
    `Value at:${addressOf(ctx.session.dbIndex, key, v)} refcount:${refcountOf(ctx, key, v)} encoding:${enc} serializedlength:${serialized} lru:${lru} lru_seconds_idle:${idle}${extra}`,
  )
}

/** DEBUG PROTOCOL <type>: one reply of each RESP type. */
function debugProtocol(ctx: CommandContext, argv: string[]): void {
  if (argv.length !== 3) throw wrongArgs(argv)
  const r = ctx.reply
  const resp3 = r.resp === 3
  switch (argv[2].toLowerCase()) {
    case 'string':
      return r.bulk('Hello World')
    case 'integer':
      return r.integer(12345)
    case 'double':
      return r.double(3.141)
    case 'bignum': {
      const n = '1234567999999999999999999999999999999'
      return resp3 ? r.raw(`(${n}\r\n`) : r.bulk(n)
    }
    case 'null':
      return r.nil()
    case 'array':
    case 'set':
      argv[2].toLowerCase() === 'set' ? r.set(3) : r.array(3)
      for (let j = 0; j < 3; j++) r.integer(j)
      return
    case 'map':
      r.map(3)
      for (let j = 0; j < 3; j++) {
        r.integer(j)
        r.bool(j === 1)
      }
      return
    case 'attrib':
      if (resp3) {
        r.raw('|1\r\n')
        r.bulk('key-popularity')
        r.array(2)
        r.bulk('key:123')
        r.integer(90)
      }
      return r.bulk('Some real reply following the attribute')
    case 'push':
      if (!resp3) return r.error('ERR RESP2 is not supported by this command')
      r.push(2)
      r.bulk('server-cpu-usage')
      r.integer(42)
      return r.bulk('Some real reply following the push reply')
    case 'true':
      return r.bool(true)
    case 'false':
      return r.bool(false)
    case 'verbatim':
      return r.verbatim('This is a verbatim\nstring', 'txt')
  }
  r.error('ERR Wrong protocol type name. Please use one of the following: string|integer|double|bignum|null|array|set|map|attrib|push|verbatim|true|false')
}

/** memtoull: a number with an optional b/k/kb/m/mb/g/gb unit; null on error. */
function memToBytes(s: string): number | null {
  const m = /^(\d+)(b|k|kb|m|mb|g|gb)?$/i.exec(s)
  if (!m) return null
  const mul: Record<string, number> = {'': 1, b: 1, k: 1000, kb: 1024, m: 1e6, mb: 1 << 20, g: 1e9, gb: 1 << 30}
  return Number(m[1]) * mul[(m[2] ?? '').toLowerCase()]
}

function packedThreshold(ctx: CommandContext, argv: string[]): void {
  if (argv.length !== 3) throw wrongArgs(argv)
  const sz = memToBytes(argv[2])
  // quicklistisSetPackedThreshold: 0 restores the 1 GiB default; at most 4 GiB.
  if (sz === null || sz > 2 ** 32) return ctx.reply.error('ERR argument must be a memory value bigger than 1 and smaller than 4gb')
  LIMITS.quicklistPackedThreshold = sz === 0 ? 1 << 30 : sz
  ctx.reply.ok()
}

function debugListpack(ctx: CommandContext, argv: string[]): void {
  if (argv.length !== 3) throw wrongArgs(argv)
  const v = lookup(ctx, argv[2])
  if (encodingOf(v) !== 'listpack') return ctx.reply.error('ERR Not a listpack encoded object.')
  ctx.reply.simple('Listpack structure printed on stdout')
}

function debugQuicklist(ctx: CommandContext, argv: string[]): void {
  if (argv.length !== 3 && argv.length !== 4) throw wrongArgs(argv)
  const v = lookup(ctx, argv[2])
  if (!(v instanceof Deque)) return ctx.reply.error('ERR Not a quicklist encoded object.')
  // redis prints quicklistRepr on its stdout, which the node does not have
  ctx.reply.simple('Quicklist structure printed on stdout')
}

/**
 * DEBUG SDSLEN key: the key's and the string value's sds as redis 7.0 allocates them — the key an
 * sdsdup made to its length, the value an embstr, an sds made to its length, or one APPEND /
 * SETRANGE grew in place (sds.ts), the allocations in jemalloc's size classes.
 */
function debugSdslen(ctx: CommandContext, argv: string[]): void {
  if (argv.length !== 3) throw wrongArgs(argv)
  const key = argv[2]
  const v = lookup(ctx, key)
  const enc = typeof v === 'string' ? encodingOf(v, ctx.db.stringEncoding(key)) : 'int'
  if (typeof v !== 'string' || enc === 'int') return ctx.reply.error('ERR Not an sds encoded string.')
  const keySds = exactSds(key.length)
  const valSds = enc === 'embstr' ? null : ctx.db.stringSds(key) ?? exactSds(v.length)
  const valAvail = valSds === null ? 0 : sdsAvail(valSds, v.length)
  const valMalloc = valSds === null ? embstrBytes(v.length) - ROBJ : sdsBytes(valSds)
  ctx.reply.simple(
    `key_sds_len:${key.length}, key_sds_avail:${sdsAvail(keySds, key.length)}, key_zmalloc: ${sdsBytes(keySds)}, ` +
      `val_sds_len:${v.length}, val_sds_avail:${valAvail}, val_zmalloc: ${valMalloc}`,
  )
}

/** DEBUG STRUCTSIZE: the C struct sizes of a 64-bit redis-server. */
const STRUCTSIZE = 'bits:64 robj:16 dictentry:24 sdshdr5:1 sdshdr8:3 sdshdr16:5 sdshdr32:9 sdshdr64:17 '

/** DEBUG LEAK string: redis sdsdup()s it and never frees it; the node keeps it for good. */
const leaked: string[] = []

function replyBuffer(ctx: CommandContext, argv: string[]): void {
  if (argv.length !== 4) throw wrongArgs(argv)
  const what = argv[2].toLowerCase()
  const policy = replyBufferPolicy(ctx.server)
  if (what === 'peak-reset-time') {
    const t = argv[3].toLowerCase()
    policy.setPeakResetTime(t === 'never' || t === 'reset' ? t : intArg(argv[3]))
  } else if (what === 'resizing') {
    policy.resizing = (parseInt(argv[3], 10) || 0) !== 0 // atoi
  } else {
    return ctx.reply.error(`ERR unknown subcommand or wrong number of arguments for '${argv[1]}'. Try DEBUG HELP.`)
  }
  ctx.reply.ok()
}

function changeReplId(ctx: CommandContext, argv: string[]): void {
  if (argv.length !== 2) throw wrongArgs(argv)
  const repl = ctx.server.replication
  if (repl !== undefined) {
    // changeReplicationId + clearReplicationId2
    repl.shiftReplicationId()
    repl.replid2 = '0'.repeat(40)
    repl.secondOffset = -1
  }
  ctx.server.log.warning('Changing replication IDs after receiving DEBUG change-repl-id')
  ctx.reply.ok()
}

/** A switch the embedded node accepts (argc checked like redis) and has nothing to apply to. */
function accept(argc: number): DebugSubcommand['handler'] {
  return (ctx, argv) => {
    if (argv.length !== argc) throw wrongArgs(argv)
    ctx.reply.ok()
  }
}

export function objectDebugSubcommands(): [string, DebugSubcommand][] {
  return [
    ['object', {handler: debugObject}],
    ['protocol', {handler: debugProtocol}],
    ['quicklist-packed-threshold', {handler: packedThreshold}],
    ['listpack', {handler: debugListpack}],
    ...htstatsDebugSubcommands(),
    ['quicklist', {handler: debugQuicklist}],
    ['replybuffer', {handler: replyBuffer}],
    ['change-repl-id', {handler: changeReplId}],
    ['stringmatch-test', {handler: (ctx, argv) => {
      if (argv.length !== 2) throw wrongArgs(argv)
      ctx.reply.simple('Apparently Redis did not crash: test passed')
    }}],
    ['pause-cron', {handler: (ctx, argv) => {
      if (argv.length !== 3) throw wrongArgs(argv)
      ctx.server.cronPaused = (Number.parseInt(argv[2], 10) || 0) !== 0 // atoi
      ctx.reply.ok()
    }}],
    ['set-skip-checksum-validation', {handler: (ctx, argv) => {
      if (argv.length !== 3) throw wrongArgs(argv)
      ctx.server.skipChecksumValidation = (Number.parseInt(argv[2], 10) || 0) !== 0 // atoi
      ctx.reply.ok()
    }}],
    ['aof-flush-sleep', {handler: accept(3)}],
    ['sdslen', {handler: debugSdslen}],
    ['structsize', {handler: (ctx, argv) => {
      if (argv.length !== 2) throw wrongArgs(argv)
      ctx.reply.bulk(STRUCTSIZE)
    }}],
    ['leak', {handler: (ctx, argv) => {
      if (argv.length !== 3) throw wrongArgs(argv)
      leaked.push(argv[2])
      ctx.reply.ok()
    }}],
    ['client-eviction', {handler: (ctx, argv) => {
      if (argv.length !== 2) throw wrongArgs(argv)
      const text = clientEvictionBuckets(ctx.server)
      if (text === null) return ctx.reply.error('ERR maxmemory-clients is disabled.')
      ctx.reply.verbatim(text)
    }}],
  ]
}

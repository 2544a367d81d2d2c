// HyperLogLog commands (redis 7.0 hyperloglog.c): PFADD PFCOUNT PFMERGE PFDEBUG PFSELFTEST. The
// value is an ordinary string holding redis's exact HLL bytes (keyspace/hll.ts), so GET, DUMP,
// RESTORE, MIGRATE and replication carry it unchanged between an embedded node and redis-server.
import {ReplyError} from '../errors.js'
import {
  DENSE,
  DENSE_SIZE,
  HDR,
  HLL_REGISTERS,
  Hll,
  INVALID_HLL,
  NOT_HLL,
  SPARSE,
  countFromHistogram,
  denseGet,
  denseWriteRegister,
  histogramOfRaw,
  selfTestAdd,
  setSparseMaxBytes,
  sparseMaxBytes,
} from '../keyspace/hll.js'
import {cmd, type CommandContext, type CommandSpec} from './types.js'
import {N, notifyKeyspaceEvent} from '../notify.js'

export const commands: CommandSpec[] = [
  cmd('pfadd', -2, ['write', 'denyoom', 'fast'], [1, 1, 1], pfadd, {categories: ['@write', '@hyperloglog', '@fast']}),
  cmd('pfcount', -2, ['readonly'], [1, -1, 1], pfcount, {categories: ['@read', '@hyperloglog', '@slow']}),
  cmd('pfmerge', -2, ['write', 'denyoom'], [1, -1, 1], pfmerge, {categories: ['@write', '@hyperloglog', '@slow']}),
  cmd('pfdebug', 3, ['write', 'denyoom', 'admin'], [2, 2, 1], pfdebug, {categories: ['@write', '@hyperloglog', '@admin', '@slow', '@dangerous']}),
  cmd('pfselftest', 1, ['admin'], 0, pfselftest, {categories: ['@hyperloglog', '@admin', '@slow', '@dangerous']}),
]

/**
 * The HLL at key (undefined when missing); WRONGTYPE for other types and for strings that are not
 * HLLs. `read`: PFCOUNT's keys and PFMERGE's (redis lookupKeyRead: counted, keymiss).
 */
function lookupHll(ctx: CommandContext, key: string, read = false): Hll | undefined {
  syncConfig(ctx)
  const v = read ? ctx.db.readString(key) : ctx.db.getString(key)
  if (v === undefined) return undefined
  if (!Hll.valid(v)) throw new ReplyError(NOT_HLL)
  const h = Hll.fromString(v)
  h.sds = ctx.db.stringSds(key)
  return h
}

function syncConfig(ctx: CommandContext): void {
  const n = ctx.server.config.int('hll-sparse-max-bytes')
  if (n !== sparseMaxBytes) setSparseMaxBytes(n)
}

function save(ctx: CommandContext, key: string, h: Hll, changes = 1): void {
  ctx.db.setRawString(key, h.toString(), h.sds) // createHLLObject makes a raw sds: OBJECT ENCODING says raw
  ctx.afterWrite(key, changes)
}

function pfadd(ctx: CommandContext, argv: string[]): void {
  const key = argv[1]
  let h = lookupHll(ctx, key)
  let updated = 0
  if (h === undefined) {
    h = Hll.empty()
    updated++
  }
  for (let i = 2; i < argv.length; i++) {
    const r = h.add(argv[i])
    if (r === 1) updated++
    else if (r === -1) return ctx.reply.error(INVALID_HLL)
  }
  if (updated) {
    h.invalidateCache()
    save(ctx, key, h, updated) // redis: one per register changed, one more for a new key
    notifyKeyspaceEvent(ctx, N.STRING, 'pfadd', key)
  }
  ctx.reply.integer(updated ? 1 : 0)
}

function pfcount(ctx: CommandContext, argv: string[]): void {
  if (argv.length > 2) {
    const max = new Uint8Array(HLL_REGISTERS)
    for (let i = 1; i < argv.length; i++) {
      const h = lookupHll(ctx, argv[i], true)
      if (h === undefined) continue
      if (!h.mergeInto(max)) return ctx.reply.error(INVALID_HLL)
    }
    return ctx.reply.integer(countFromHistogram(histogramOfRaw(max)))
  }
  const key = argv[1]
  const h = lookupHll(ctx, key, true)
  if (h === undefined) return ctx.reply.integer(0)
  if (h.cacheValid) return ctx.reply.integer(h.cached)
  const hist = h.histogram()
  if (hist === null) return ctx.reply.error(INVALID_HLL)
  const card = countFromHistogram(hist)
  h.cached = card
  // redis stores the refreshed cache in the value and propagates PFCOUNT (it counts as a write).
  save(ctx, key, h)
  ctx.reply.integer(card)
}

function pfmerge(ctx: CommandContext, argv: string[]): void {
  const max = new Uint8Array(HLL_REGISTERS)
  let useDense = false
  let dest: Hll | undefined
  for (let i = 1; i < argv.length; i++) {
    const h = lookupHll(ctx, argv[i], true)
    if (h === undefined) continue
    if (i === 1) dest = h
    if (h.encoding === DENSE) useDense = true
    if (!h.mergeInto(max)) return ctx.reply.error(INVALID_HLL)
  }
  const o = dest ?? Hll.empty()
  if (useDense && !o.toDense()) return ctx.reply.error(INVALID_HLL)
  for (let j = 0; j < HLL_REGISTERS; j++) if (max[j] !== 0) o.set(j, max[j])
  o.invalidateCache()
  save(ctx, argv[1], o)
  notifyKeyspaceEvent(ctx, N.STRING, 'pfadd', argv[1]) // redis pfmergeCommand's event name
  ctx.reply.ok()
}

function pfdebug(ctx: CommandContext, argv: string[]): void {
  const sub = argv[1]
  const key = argv[2]
  const h = lookupHll(ctx, key)
  if (h === undefined) return ctx.reply.error('ERR The specified key does not exist')
  switch (sub.toLowerCase()) {
    case 'getreg': {
      if (h.encoding === SPARSE) {
        if (!h.toDense()) return ctx.reply.error(INVALID_HLL)
        save(ctx, key, h)
      }
      ctx.reply.array(HLL_REGISTERS)
      for (let j = 0; j < HLL_REGISTERS; j++) ctx.reply.integer(h.register(j))
      return
    }
    case 'decode':
      if (h.encoding !== SPARSE) return ctx.reply.error('ERR HLL encoding is not sparse')
      return ctx.reply.bulk(h.decode())
    case 'encoding':
      return ctx.reply.simple(h.encoding === DENSE ? 'dense' : 'sparse')
    case 'todense': {
      let conv = 0
      if (h.encoding === SPARSE) {
        if (!h.toDense()) return ctx.reply.error(INVALID_HLL)
        conv = 1
        save(ctx, key, h)
      }
      return ctx.reply.integer(conv)
    }
    default:
      ctx.reply.error(`ERR Unknown PFDEBUG subcommand '${sub}'`)
  }
}

const RELERR = 1.04 / Math.sqrt(HLL_REGISTERS)

/** redis PFSELFTEST: register packing round trips, then dense and sparse estimates agree and stay within 6 sigma. */
function pfselftest(ctx: CommandContext): void {
  syncConfig(ctx)
  const dense = new Uint8Array(DENSE_SIZE + 1)
  const bytes = new Uint8Array(HLL_REGISTERS)
  for (let j = 0; j < 1000; j++) {
    for (let i = 0; i < HLL_REGISTERS; i++) {
      const r = Math.floor(Math.random() * 64)
      bytes[i] = r
      denseWriteRegister(dense, i, r)
    }
    for (let i = 0; i < HLL_REGISTERS; i++) {
      const v = denseGet(dense, HDR, i)
      if (v !== bytes[i]) return ctx.reply.error(`TESTFAILED Register ${i} should be ${bytes[i]} but is ${v}`)
    }
  }
  dense.fill(0, HDR)
  const denseHll = new Hll(dense, DENSE_SIZE)
  denseHll.bytes[4] = DENSE
  const o = Hll.empty()
  const seedHi = Math.floor(Math.random() * 2 ** 32) >>> 0
  const seedLo = Math.floor(Math.random() * 2 ** 32) >>> 0
  let checkpoint = 1
  for (let j = 1; j <= 10_000_000; j++) {
    selfTestAdd(dense, o, seedHi, (j ^ seedLo) >>> 0)
    if (j !== checkpoint) continue
    if (j < sparseMaxBytes / 2 && o.encoding !== SPARSE) return ctx.reply.error('TESTFAILED sparse encoding not used')
    const a = countFromHistogram(denseHll.histogram()!)
    const hist = o.histogram()
    if (hist === null || a !== countFromHistogram(hist)) return ctx.reply.error('TESTFAILED dense/sparse disagree')
    let maxerr = Math.ceil(RELERR * 6 * checkpoint)
    if (j === 10) maxerr = 1
    const abserr = Math.abs(checkpoint - a)
    if (abserr > maxerr) return ctx.reply.error(`TESTFAILED Too big error. card:${checkpoint} abserr:${abserr}`)
    checkpoint *= 10
  }
  ctx.reply.ok()
}

// GEO commands (redis 7.0 geo.c): a geo set is a sorted set whose scores are 52-bit geohashes
// (keyspace/geohash.ts). GEOADD writes through ZADD semantics (and is propagated as ZADD, as redis
// does); searches walk the same nine neighbour cells in the same order, so unsorted replies list
// members in redis's order, and distances use redis's haversine and earth radius.
import {ensureRoom} from '../keyspace/member-limit.js'
import {E, ReplyError} from '../errors.js'
import {ZSet} from '../keyspace/keyspace.js'
import {decodeScore, distance, geohashString, LAT_MAX, LAT_MIN, LONG_MAX, LONG_MIN, scoreOf, scoreText, searchRanges, withinShape, type Shape} from '../keyspace/geohash.js'
import {cmd, type CommandContext, type CommandSpec} from './types.js'
import {parseFloatStrict, parseIntStrict, storeOrDelete} from './util.js'
import {N, notifyKeyspaceEvent} from '../notify.js'

const GEO = ['@geo', '@slow']
export const commands: CommandSpec[] = [
  cmd('geoadd', -5, ['write', 'denyoom'], [1, 1, 1], geoadd, {categories: ['@write', ...GEO]}),
  cmd('geodist', -4, ['readonly'], [1, 1, 1], geodist, {categories: ['@read', ...GEO]}),
  cmd('geohash', -2, ['readonly'], [1, 1, 1], (ctx, a) => geoEach(ctx, a, true), {categories: ['@read', ...GEO]}),
  cmd('geopos', -2, ['readonly'], [1, 1, 1], (ctx, a) => geoEach(ctx, a, false), {categories: ['@read', ...GEO]}),
  cmd('georadius', -6, ['write', 'denyoom'], [1, 1, 1], (ctx, a) => search(ctx, a, 1, COORDS), {keys: storeKeys(6), categories: ['@write', ...GEO]}),
  cmd('georadius_ro', -6, ['readonly'], [1, 1, 1], (ctx, a) => search(ctx, a, 1, COORDS | NOSTORE), {categories: ['@read', ...GEO]}),
  cmd('georadiusbymember', -5, ['write', 'denyoom'], [1, 1, 1], (ctx, a) => search(ctx, a, 1, MEMBER), {keys: storeKeys(5), categories: ['@write', ...GEO]}),
  cmd('georadiusbymember_ro', -5, ['readonly'], [1, 1, 1], (ctx, a) => search(ctx, a, 1, MEMBER | NOSTORE), {categories: ['@read', ...GEO]}),
  cmd('geosearch', -7, ['readonly'], [1, 1, 1], (ctx, a) => search(ctx, a, 1, SEARCH), {categories: ['@read', ...GEO]}),
  cmd('geosearchstore', -8, ['write', 'denyoom'], [1, 2, 1], (ctx, a) => search(ctx, a, 2, SEARCH | SEARCHSTORE), {categories: ['@write', ...GEO]}),
]

const COORDS = 1
const MEMBER = 2
const NOSTORE = 4
const SEARCH = 8
const SEARCHSTORE = 16

/** GEORADIUS[BYMEMBER] key positions: the source, plus the STORE/STOREDIST target (cluster slot check). */
function storeKeys(base: number): (argv: string[]) => number[] {
  return (argv) => {
    const out = [1]
    for (let i = base; i < argv.length - 1; i++) {
      const a = argv[i].toLowerCase()
      if (a === 'store' || a === 'storedist') out.push(++i)
      else if (a === 'count') i++
    }
    return out
  }
}

// ---- number formatting (redis's exact texts) -------------------------------------------------

/** C rint/llrint: round half to even. */
function rint(x: number): number {
  const f = Math.floor(x)
  const d = x - f
  if (d < 0.5) return f
  if (d > 0.5) return f + 1
  return f % 2 === 0 ? f : f + 1
}

/** redis addReplyDoubleDistance: fixedpoint_d2string(d, 4). */
function distText(d: number): string {
  if (d === 0) return '0.0000'
  const v = rint(d * 10000)
  const neg = v < 0
  const s = String(Math.abs(v)).padStart(5, '0')
  return (neg ? '-' : '') + s.slice(0, -4) + '.' + s.slice(-4)
}

/** redis ld2string LD_STR_HUMAN: "%.17Lf" without trailing zeros; "-0" becomes "0". */
function humanText(d: number): string {
  if (d === Infinity) return 'inf'
  if (d === -Infinity) return '-inf'
  let s = d.toFixed(17)
  if (s.includes('.')) {
    s = s.replace(/0+$/, '')
    if (s.endsWith('.')) s = s.slice(0, -1)
  }
  return s === '-0' ? '0' : s
}

function human(ctx: CommandContext, d: number): void {
  const t = humanText(d)
  if (ctx.reply.resp === 3) ctx.reply.raw(',' + t + '\r\n')
  else ctx.reply.bulk(t)
}

/** C "%f". */
function fixed6(d: number): string {
  if (d === Infinity) return 'inf'
  if (d === -Infinity) return '-inf'
  return d.toFixed(6)
}

// ---- argument parsing ------------------------------------------------------------------------

function double(raw: string, err: string = E.NOT_FLOAT): number {
  const v = parseFloatStrict(raw)
  if (v === null) throw new ReplyError(err)
  return v
}

/** redis extractLongLatOrReply. */
function lonLat(lonRaw: string, latRaw: string): [number, number] {
  const lon = double(lonRaw)
  const lat = double(latRaw)
  if (lon < LONG_MIN || lon > LONG_MAX || lat < LAT_MIN || lat > LAT_MAX) {
    throw new ReplyError(`ERR invalid longitude,latitude pair ${fixed6(lon)},${fixed6(lat)}`)
  }
  return [lon, lat]
}

function unit(raw: string): number {
  switch (raw.toLowerCase()) {
    case 'm':
      return 1
    case 'km':
      return 1000
    case 'ft':
      return 0.3048
    case 'mi':
      return 1609.34
  }
  throw new ReplyError('ERR unsupported unit provided. please use M, KM, FT, MI')
}

function zsetOrNull(ctx: CommandContext, key: string): ZSet | undefined {
  return ctx.db.readZSet(key)
}

// ---- GEOADD / GEODIST / GEOHASH / GEOPOS -----------------------------------------------------

function geoadd(ctx: CommandContext, argv: string[]): void {
  let nx = false
  let xx = false
  let ch = false
  let i = 2
  for (; i < argv.length; i++) {
    const o = argv[i].toLowerCase()
    if (o === 'nx') nx = true
    else if (o === 'xx') xx = true
    else if (o === 'ch') ch = true
    else break
  }
  if ((argv.length - i) % 3 !== 0 || (xx && nx)) return ctx.reply.error(E.SYNTAX)
  if (argv.length === i) return ctx.reply.error(E.SYNTAX)
  const pairs: [number, string][] = []
  const texts: string[] = [] // each score as the ZADD argument redis propagates
  for (let j = i; j < argv.length; j += 3) {
    const [lon, lat] = lonLat(argv[j], argv[j + 1])
    pairs.push([scoreOf(lon, lat), argv[j + 2]])
    texts.push(scoreText(lon, lat))
  }
  const key = argv[1]
  let z = ctx.db.getZSet(key)
  if (!xx) ensureRoom(ctx.server.memberLimit, z?.dict, argv, i + 2, 3)
  let added = 0
  let changed = 0
  for (const [score, member] of pairs) {
    const old = z?.score(member)
    if (old === undefined) {
      if (xx) continue
      if (z === undefined) {
        z = new ZSet()
        ctx.db.set(key, z)
      }
      z.add(member, score)
      added++
    } else if (!nx && old !== score) {
      z!.add(member, score)
      changed++
    }
  }
  if (added + changed > 0) {
    // redis rewrites GEOADD into ZADD before running it, so that is what replicas and the AOF see.
    ctx.propagateAs(['zadd', ...argv.slice(1, i), ...pairs.flatMap(([, m], k) => [texts[k], m])])
    ctx.afterWrite(key, added + changed) // as the ZADD it became
    notifyKeyspaceEvent(ctx, N.ZSET, 'zadd', key) // the ZADD it became
  }
  ctx.reply.integer(ch ? added + changed : added)
}

function geodist(ctx: CommandContext, argv: string[]): void {
  let toMeter = 1
  if (argv.length === 5) toMeter = unit(argv[4])
  else if (argv.length > 5) return ctx.reply.error(E.SYNTAX)
  const z = zsetOrNull(ctx, argv[1])
  if (z === undefined) return ctx.reply.nil()
  const s1 = z.score(argv[2])
  const s2 = z.score(argv[3])
  if (s1 === undefined || s2 === undefined) return ctx.reply.nil()
  const [x1, y1] = decodeScore(s1)
  const [x2, y2] = decodeScore(s2)
  ctx.reply.bulk(distText(distance(x1, y1, x2, y2) / toMeter))
}

function geoEach(ctx: CommandContext, argv: string[], hash: boolean): void {
  const z = zsetOrNull(ctx, argv[1])
  ctx.reply.array(argv.length - 2)
  for (let j = 2; j < argv.length; j++) {
    const s = z?.score(argv[j])
    if (s === undefined) {
      if (hash) ctx.reply.nil()
      else ctx.reply.nullArray()
    } else if (hash) ctx.reply.bulk(geohashString(s))
    else {
      const [x, y] = decodeScore(s)
      ctx.reply.array(2)
      human(ctx, x)
      human(ctx, y)
    }
  }
}

// ---- GEORADIUS* / GEOSEARCH* -----------------------------------------------------------------

interface Point {
  member: string
  score: number
  lon: number
  lat: number
  dist: number
}

interface SearchOpts {
  withDist: boolean
  withHash: boolean
  withCoord: boolean
  any: boolean
  sort: 0 | 1 | 2
  count: number
  storeKey: string | null
  storeDist: boolean
  fromMember: boolean
  fromLoc: boolean
  byRadius: boolean
  byBox: boolean
}

function search(ctx: CommandContext, argv: string[], srcIdx: number, flags: number): void {
  const z = zsetOrNull(ctx, argv[srcIdx])
  const shape: Shape = {lon: 0, lat: 0, conversion: 1}
  let base: number
  const memberXY = (member: string): [number, number] => {
    const s = z!.score(member)
    if (s === undefined) throw new ReplyError('ERR could not decode requested zset member')
    return decodeScore(s)
  }
  const radiusArgs = (at: number): void => {
    const r = double(argv[at], 'ERR need numeric radius')
    if (r < 0) throw new ReplyError('ERR radius cannot be negative')
    shape.radius = r
    shape.conversion = unit(argv[at + 1])
  }
  if (flags & COORDS) {
    base = 6
    ;[shape.lon, shape.lat] = lonLat(argv[2], argv[3])
    radiusArgs(4)
  } else if (flags & MEMBER) {
    base = 5
    if (z !== undefined) {
      ;[shape.lon, shape.lat] = memberXY(argv[2])
      radiusArgs(3)
    }
  } else base = flags & SEARCHSTORE ? 3 : 2
  const o: SearchOpts = {withDist: false, withHash: false, withCoord: false, any: false, sort: 0, count: 0, storeKey: flags & SEARCHSTORE ? argv[1] : null, storeDist: false, fromMember: false, fromLoc: false, byRadius: false, byBox: false}
  const rem = argv.length - base
  for (let i = 0; i < rem; i++) {
    const at = base + i
    const a = argv[at].toLowerCase()
    const storeOk = !(flags & NOSTORE) && !(flags & SEARCH)
    if (a === 'withdist') o.withDist = true
    else if (a === 'withhash') o.withHash = true
    else if (a === 'withcoord') o.withCoord = true
    else if (a === 'any') o.any = true
    else if (a === 'asc') o.sort = 1
    else if (a === 'desc') o.sort = 2
    else if (a === 'count' && i + 1 < rem) {
      const n = parseIntStrict(argv[at + 1])
      if (n === null) throw new ReplyError(E.NOT_INTEGER)
      if (n <= 0n) throw new ReplyError('ERR COUNT must be > 0')
      o.count = Number(n)
      i++
    } else if ((a === 'store' || a === 'storedist') && i + 1 < rem && storeOk) {
      o.storeKey = argv[at + 1]
      o.storeDist = a === 'storedist'
      i++
    } else if (a === 'storedist' && flags & SEARCH && flags & SEARCHSTORE) o.storeDist = true
    else if (a === 'frommember' && i + 1 < rem && flags & SEARCH && !o.fromLoc) {
      if (z !== undefined) [shape.lon, shape.lat] = memberXY(argv[at + 1])
      o.fromMember = true
      i++
    } else if (a === 'fromlonlat' && i + 2 < rem && flags & SEARCH && !o.fromMember) {
      ;[shape.lon, shape.lat] = lonLat(argv[at + 1], argv[at + 2])
      o.fromLoc = true
      i += 2
    } else if (a === 'byradius' && i + 2 < rem && flags & SEARCH && !o.byBox) {
      radiusArgs(at + 1)
      o.byRadius = true
      i += 2
    } else if (a === 'bybox' && i + 3 < rem && flags & SEARCH && !o.byRadius) {
      const w = double(argv[at + 1], 'ERR need numeric width')
      const h = double(argv[at + 2], 'ERR need numeric height')
      if (h < 0 || w < 0) throw new ReplyError('ERR height or width cannot be negative')
      shape.width = w
      shape.height = h
      shape.radius = undefined
      shape.conversion = unit(argv[at + 3])
      o.byBox = true
      i += 3
    } else throw new ReplyError(E.SYNTAX)
  }
  if (o.storeKey !== null && (o.withDist || o.withHash || o.withCoord))
    throw new ReplyError(`ERR ${flags & SEARCHSTORE ? 'GEOSEARCHSTORE' : 'STORE option in GEORADIUS'} is not compatible with WITHDIST, WITHHASH and WITHCOORD options`)
  if (flags & SEARCH && !(o.fromMember || o.fromLoc)) throw new ReplyError(`ERR exactly one of FROMMEMBER or FROMLONLAT can be specified for ${argv[0]}`)
  if (flags & SEARCH && !(o.byRadius || o.byBox)) throw new ReplyError(`ERR exactly one of BYRADIUS and BYBOX can be specified for ${argv[0]}`)
  if (o.any && !o.count) throw new ReplyError('ERR the ANY argument requires COUNT argument')
  if (z === undefined) {
    if (o.storeKey === null) return ctx.reply.array(0)
    storeOrDelete(ctx, o.storeKey, null, N.ZSET, '')
    return ctx.reply.integer(0)
  }
  if (o.count !== 0 && o.sort === 0 && !o.any) o.sort = 1
  const points = collect(z, shape, o.any ? o.count : 0)
  if (points.length === 0 && o.storeKey === null) return ctx.reply.array(0)
  const n = o.count === 0 || points.length < o.count ? points.length : o.count
  if (o.sort === 1) points.sort((a, b) => (a.dist > b.dist ? 1 : a.dist === b.dist ? 0 : -1))
  else if (o.sort === 2) points.sort((a, b) => (a.dist > b.dist ? -1 : a.dist === b.dist ? 0 : 1))
  if (o.storeKey === null) return replyPoints(ctx, points, n, shape.conversion, o)
  let out: ZSet | null = null
  if (n > 0) {
    out = new ZSet()
    for (let i = 0; i < n; i++) {
      const p = points[i]
      out.add(p.member, o.storeDist ? p.dist / shape.conversion : p.score)
    }
  }
  storeOrDelete(ctx, o.storeKey, out, N.ZSET, flags & SEARCH ? 'geosearchstore' : 'georadiusstore', n) // (one change per member)
  ctx.reply.integer(n)
}

/** redis membersOfAllNeighbors: each cell's [min, max) score range in order, stopping at `limit` (ANY). */
function collect(z: ZSet, shape: Shape, limit: number): Point[] {
  const out: Point[] = []
  for (const [min, max] of searchRanges(shape)) {
    if (out.length && limit && out.length >= limit) break
    for (let i = z.firstInScore({value: min, exclusive: false}); i < z.size; i++) {
      const score = z.scoreAt(i)
      if (score >= max) break
      const [lon, lat] = decodeScore(score)
      const dist = withinShape(shape, lon, lat)
      if (dist !== null) out.push({member: z.memberAt(i), score, lon, lat, dist})
      if (out.length && limit && out.length >= limit) break
    }
  }
  return out
}

function replyPoints(ctx: CommandContext, points: Point[], n: number, conversion: number, o: SearchOpts): void {
  const extra = (o.withDist ? 1 : 0) + (o.withCoord ? 1 : 0) + (o.withHash ? 1 : 0)
  const r = ctx.reply
  r.array(n)
  for (let i = 0; i < n; i++) {
    const p = points[i]
    if (extra) r.array(extra + 1)
    r.bulk(p.member)
    if (o.withDist) r.bulk(distText(p.dist / conversion))
    if (o.withHash) r.integer(p.score)
    if (o.withCoord) {
      r.array(2)
      human(ctx, p.lon)
      human(ctx, p.lat)
    }
  }
}

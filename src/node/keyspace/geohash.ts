// Redis's geohash (7.0 geohash.c / geohash_helper.c behaviour): coordinates become a 52-bit
// interleaved integer (latitude in the even bits, longitude in the odd ones, 26 steps over
// [-180,180] x [-85.05112878,85.05112878]) used as the sorted-set score, so scores equal
// redis-server's exactly. A hash is kept de-interleaved here ({lat, lon} cell indexes at a step):
// neighbour moves are then ±1 on one index, modulo 2^step, as redis's bit tricks compute.
// Floating-point steps keep redis's operation order so decoded coordinates match to the bit.

export const STEP_MAX = 26
export const LAT_MIN = -85.05112878
export const LAT_MAX = 85.05112878
export const LONG_MIN = -180
export const LONG_MAX = 180
const EARTH_RADIUS = 6372797.560856
const D_R = Math.PI / 180.0
const MERCATOR_MAX = 20037726.37

export interface Cell {
  lat: number
  lon: number
  step: number
}

interface Range {
  min: number
  max: number
}

const LONG_RANGE: Range = {min: LONG_MIN, max: LONG_MAX}
const LAT_RANGE: Range = {min: LAT_MIN, max: LAT_MAX}

/** Spread the low 16 bits of v to the even bits of a 32-bit word. */
function spread16(v: number): number {
  v &= 0xffff
  v = (v | (v << 8)) & 0x00ff00ff
  v = (v | (v << 4)) & 0x0f0f0f0f
  v = (v | (v << 2)) & 0x33333333
  v = (v | (v << 1)) & 0x55555555
  return v >>> 0
}

/** Gather the even bits of a 32-bit word into 16 bits. */
function compact16(v: number): number {
  v &= 0x55555555
  v = (v | (v >>> 1)) & 0x33333333
  v = (v | (v >>> 2)) & 0x0f0f0f0f
  v = (v | (v >>> 4)) & 0x00ff00ff
  v = (v | (v >>> 8)) & 0x0000ffff
  return v
}

/** redis interleave64(lat, lon) for uint32 inputs, as a Number (exact below 2^53). */
export function interleave(lat: number, lon: number): number {
  const lo = (spread16(lat) | (spread16(lon) << 1)) >>> 0
  const hi = (spread16(lat >>> 16) | (spread16(lon >>> 16) << 1)) >>> 0
  return hi * 4294967296 + lo
}

/** interleave64(lat, lon) exactly, in decimal (a longitude of 180 sets bit 53, past a double's precision). */
export function interleaveText(lat: number, lon: number): string {
  const lo = (spread16(lat) | (spread16(lon) << 1)) >>> 0
  const hi = (spread16(lat >>> 16) | (spread16(lon >>> 16) << 1)) >>> 0
  return hi < 0x200000 ? String(hi * 4294967296 + lo) : ((BigInt(hi) << 32n) | BigInt(lo)).toString()
}

/** redis (uint64_t) cast of a score, then deinterleave64: {lat, lon} 32-bit halves. */
function deinterleave(score: number): {lat: number; lon: number} {
  let lo: number
  let hi: number
  if (score >= 0 && score < 2 ** 64) {
    const t = Math.trunc(score)
    if (t < 2 ** 53) {
      lo = t % 4294967296
      hi = Math.floor(t / 4294967296)
    } else {
      const b = BigInt(t)
      lo = Number(b & 0xffffffffn)
      hi = Number(b >> 32n)
    }
  } else {
    // x86-64 (gcc) converts a double to uint64 through int64: below 2^63 directly (0x8000000000000000
    // when unrepresentable: under -2^63, -inf), from 2^63 up as (x - 2^63) with the top bit flipped,
    // so 2^64 and beyond (+inf) give 0x8000000000000000 ^ 0x8000000000000000 = 0
    const b = score >= 2 ** 64 ? 0n : score < 0 && score >= -(2 ** 63) ? BigInt.asUintN(64, BigInt(Math.trunc(score))) : 1n << 63n
    lo = Number(b & 0xffffffffn)
    hi = Number(b >> 32n)
  }
  return {lat: (compact16(lo) | (compact16(hi) << 16)) >>> 0, lon: (compact16(lo >>> 1) | (compact16(hi >>> 1) << 16)) >>> 0}
}

/** redis geohashEncode; null when outside the ranges. */
function encodeIn(lonR: Range, latR: Range, lon: number, lat: number, step: number): Cell | null {
  if (lon > LONG_MAX || lon < LONG_MIN || lat > LAT_MAX || lat < LAT_MIN) return null
  if (lat < latR.min || lat > latR.max || lon < lonR.min || lon > lonR.max) return null
  let latOff = (lat - latR.min) / (latR.max - latR.min)
  let lonOff = (lon - lonR.min) / (lonR.max - lonR.min)
  latOff *= 2 ** step
  lonOff *= 2 ** step
  return {lat: Math.trunc(latOff) >>> 0, lon: Math.trunc(lonOff) >>> 0, step}
}

export function encode(lon: number, lat: number, step = STEP_MAX): Cell | null {
  return encodeIn(LONG_RANGE, LAT_RANGE, lon, lat, step)
}

/** The 52-bit score of a coordinate pair (GEOADD). */
export function scoreOf(lon: number, lat: number): number {
  const c = encode(lon, lat)!
  return align52(c)
}

/** GEOADD's score argument as redis writes it into the ZADD it becomes: the 52-bit hash as an exact integer (the stored score is that, read as a double). */
export function scoreText(lon: number, lat: number): string {
  const c = encode(lon, lat)!
  return interleaveText(c.lat, c.lon)
}

export function align52(c: Cell): number {
  return interleave(c.lat, c.lon) * 2 ** (52 - c.step * 2)
}

export interface Area {
  latMin: number
  latMax: number
  lonMin: number
  lonMax: number
}

function decodeIn(lonR: Range, latR: Range, c: Cell): Area {
  const latScale = latR.max - latR.min
  const lonScale = lonR.max - lonR.min
  const div = 2 ** c.step
  return {
    latMin: latR.min + (c.lat / div) * latScale,
    latMax: latR.min + ((c.lat + 1) / div) * latScale,
    lonMin: lonR.min + (c.lon / div) * lonScale,
    lonMax: lonR.min + ((c.lon + 1) / div) * lonScale,
  }
}

/** Score -> [longitude, latitude] (redis decodeGeohash: the centre of the 52-bit cell, clamped). */
export function decodeScore(score: number): [number, number] {
  const {lat, lon} = deinterleave(score)
  const a = decodeIn(LONG_RANGE, LAT_RANGE, {lat, lon, step: STEP_MAX})
  let x = (a.lonMin + a.lonMax) / 2
  if (x > LONG_MAX) x = LONG_MAX
  if (x < LONG_MIN) x = LONG_MIN
  let y = (a.latMin + a.latMax) / 2
  if (y > LAT_MAX) y = LAT_MAX
  if (y < LAT_MIN) y = LAT_MIN
  return [x, y]
}

const ALPHABET = '0123456789bcdefghjkmnpqrstuvwxyz'

/** GEOHASH: the standard 11-character geohash (re-encoded over [-90,90] latitudes, last char '0'). */
export function geohashString(score: number): string {
  const [x, y] = decodeScore(score)
  const c = encodeIn({min: -180, max: 180}, {min: -90, max: 90}, x, y, 26)
  const bits = c === null ? 0 : interleave(c.lat, c.lon)
  let out = ''
  for (let i = 0; i < 10; i++) out += ALPHABET[Math.floor(bits / 2 ** (52 - (i + 1) * 5)) % 32]
  return out + '0'
}

// ---- distances ------------------------------------------------------------------------------

const degRad = (a: number): number => a * D_R
const radDeg = (a: number): number => a / D_R

export function latDistance(lat1: number, lat2: number): number {
  return EARTH_RADIUS * Math.abs(degRad(lat2) - degRad(lat1))
}

/** Haversine with redis's earth radius (geohashGetDistance). */
export function distance(lon1: number, lat1: number, lon2: number, lat2: number): number {
  const lon1r = degRad(lon1)
  const lon2r = degRad(lon2)
  const v = Math.sin((lon2r - lon1r) / 2)
  if (v === 0.0) return latDistance(lat1, lat2)
  const lat1r = degRad(lat1)
  const lat2r = degRad(lat2)
  const u = Math.sin((lat2r - lat1r) / 2)
  const a = u * u + Math.cos(lat1r) * Math.cos(lat2r) * v * v
  return 2.0 * EARTH_RADIUS * Math.asin(Math.sqrt(a))
}

// ---- search areas ---------------------------------------------------------------------------

export interface Shape {
  lon: number
  lat: number
  /** metres per unit */
  conversion: number
  /** BYRADIUS radius, or undefined for a box */
  radius?: number
  width?: number
  height?: number
}

/** Distance from the centre when the point is inside the shape, else null (geoWithinShape). */
export function withinShape(s: Shape, lon: number, lat: number): number | null {
  if (s.radius !== undefined) {
    const d = distance(s.lon, s.lat, lon, lat)
    return d > s.radius * s.conversion ? null : d
  }
  const w = s.width! * s.conversion
  const h = s.height! * s.conversion
  if (latDistance(lat, s.lat) > h / 2) return null
  if (distance(lon, lat, s.lon, lat) > w / 2) return null
  return distance(s.lon, s.lat, lon, lat)
}

function estimateSteps(rangeMeters: number, lat: number): number {
  if (rangeMeters === 0) return 26
  let step = 1
  while (rangeMeters < MERCATOR_MAX) {
    rangeMeters *= 2
    step++
  }
  step -= 2
  if (lat > 66 || lat < -66) {
    step--
    if (lat > 80 || lat < -80) step--
  }
  if (step < 1) step = 1
  if (step > 26) step = 26
  return step
}

function boundingBox(s: Shape): [number, number, number, number] {
  const height = s.conversion * (s.radius !== undefined ? s.radius : s.height! / 2)
  const width = s.conversion * (s.radius !== undefined ? s.radius : s.width! / 2)
  const latDelta = radDeg(height / EARTH_RADIUS)
  const lonDeltaTop = radDeg(width / EARTH_RADIUS / Math.cos(degRad(s.lat + latDelta)))
  const lonDeltaBottom = radDeg(width / EARTH_RADIUS / Math.cos(degRad(s.lat - latDelta)))
  const south = s.lat < 0
  return [south ? s.lon - lonDeltaBottom : s.lon - lonDeltaTop, s.lat - latDelta, south ? s.lon + lonDeltaBottom : s.lon + lonDeltaTop, s.lat + latDelta]
}

/**
 * redis geohash_move_x / geohash_move_y: only the coordinate moved is wrapped to the step's bits; the
 * other keeps what it had, so a centre encoded at longitude 180 or latitude 85.05112878 (an index one
 * past the last cell, an extra bit in the hash, as GEOADD stores it) keeps that bit in the north and
 * south (or east and west) cells, and the centre itself is not wrapped at all.
 */
function move(c: Cell, dLon: number, dLat: number): Cell {
  const mask = 2 ** c.step - 1
  return {lat: dLat === 0 ? c.lat : (c.lat + dLat) & mask, lon: dLon === 0 ? c.lon : (c.lon + dLon) & mask, step: c.step}
}

/**
 * redis geohashCalculateAreasByShapeWGS84 + membersOfAllNeighbors' order: the centre cell then
 * N S E W NE NW SE SW, with useless ones dropped (null), as [min, max) score ranges.
 */
export function searchRanges(s: Shape): [number, number][] {
  const [minLon, minLat, maxLon, maxLat] = boundingBox(s)
  const radiusMeters = (s.radius !== undefined ? s.radius : Math.sqrt((s.width! / 2) * (s.width! / 2) + (s.height! / 2) * (s.height! / 2))) * s.conversion
  let steps = estimateSteps(radiusMeters, s.lat)
  let hash = encode(s.lon, s.lat, steps)!
  let decrease = false
  {
    const n = decodeIn(LONG_RANGE, LAT_RANGE, move(hash, 0, 1))
    const so = decodeIn(LONG_RANGE, LAT_RANGE, move(hash, 0, -1))
    const e = decodeIn(LONG_RANGE, LAT_RANGE, move(hash, 1, 0))
    const w = decodeIn(LONG_RANGE, LAT_RANGE, move(hash, -1, 0))
    if (n.latMax < maxLat) decrease = true
    if (so.latMin > minLat) decrease = true
    if (e.lonMax < maxLon) decrease = true
    if (w.lonMin > minLon) decrease = true
  }
  if (steps > 1 && decrease) {
    steps--
    hash = encode(s.lon, s.lat, steps)!
  }
  const area = decodeIn(LONG_RANGE, LAT_RANGE, hash)
  // [dLon, dLat] in redis's order: centre, north, south, east, west, NE, NW, SE, SW
  const dirs: [number, number][] = [[0, 0], [0, 1], [0, -1], [1, 0], [-1, 0], [1, 1], [-1, 1], [1, -1], [-1, -1]]
  const cells: (Cell | null)[] = dirs.map(([x, y]) => move(hash, x, y))
  if (steps >= 2) {
    const drop = (...idx: number[]): void => idx.forEach((i) => (cells[i] = null))
    if (area.latMin < minLat) drop(2, 8, 7)
    if (area.latMax > maxLat) drop(1, 5, 6)
    if (area.lonMin < minLon) drop(4, 8, 6)
    if (area.lonMax > maxLon) drop(3, 7, 5)
  }
  const out: [number, number][] = []
  let last = 0
  for (let i = 0; i < cells.length; i++) {
    const c = cells[i]
    if (c === null) continue
    // Huge radii make neighbours coincide; redis skips a cell equal to the last one processed
    // (its index 0, the centre, reads as "none processed yet", so the centre is never compared).
    const l = cells[last]
    if (last !== 0 && l !== null && c.lat === l.lat && c.lon === l.lon) continue
    const shift = 2 ** (52 - c.step * 2)
    const bits = interleave(c.lat, c.lon)
    out.push([bits * shift, (bits + 1) * shift])
    last = i
  }
  return out
}

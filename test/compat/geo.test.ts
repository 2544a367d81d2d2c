// GEO commands vs a real redis-server 7.0 (RESP2 and RESP3, byte for byte): scores (the 52-bit
// geohash), GEOPOS/GEODIST/GEOHASH texts, search results in redis's own order (unsorted replies
// follow its neighbour-cell walk), STORE/STOREDIST results, DUMP of a geo set, and errors.
import {test} from 'node:test'
import assert from 'node:assert/strict'
import {redisSkip} from '../helpers/redis-server.js'
import {compareBoth, pairHooks} from './types-harness.js'

const skip = redisSkip()
const p = pairHooks()

const BASICS = `
CONFIG SET rdbcompression no
GEOADD Sicily 13.361389 38.115556 Palermo 15.087269 37.502669 Catania
GEOADD Sicily 13.361389 38.115556 Palermo
GEOADD Sicily CH 13.361389 38.115557 Palermo 12.758489 38.788135 edge1
GEOADD Sicily NX CH 1 1 Palermo 2 2 new
GEOADD Sicily XX CH 3 3 new 4 4 absent
GEOADD Sicily XX NX 1 1 a
GEOADD Sicily 1 1
GEOADD Sicily CH 1 1
GEOADD Sicily 200 1 a
GEOADD Sicily 1 86 a
GEOADD Sicily 1 -86 a
GEOADD Sicily abc 1 a
GEOADD Sicily 1 nan a
GEOADD Sicily 1 inf a
GEOADD Sicily NX XX CH
GEOADD Sicily -180 -85.05112878 sw 180 85.05112878 ne 0 0 zero
ZRANGE Sicily 0 -1 WITHSCORES
ZSCORE Sicily Palermo
GEOPOS Sicily Palermo Catania nomember sw ne zero
GEOPOS nokey a b
GEOHASH Sicily Palermo Catania nomember sw ne zero
GEOHASH nokey a
GEODIST Sicily Palermo Catania
GEODIST Sicily Palermo Catania km
GEODIST Sicily Palermo Catania MI
GEODIST Sicily Palermo Catania ft
GEODIST Sicily Palermo Catania yd
GEODIST Sicily Palermo Catania km extra
GEODIST Sicily Palermo nomember
GEODIST nokey a b
GEODIST Sicily Palermo Palermo
GEODIST Sicily sw ne
OBJECT ENCODING Sicily
DUMP Sicily
LPUSH l a
GEOADD l 1 1 a
GEOPOS l a
GEOHASH l a
GEODIST l a b
GEORADIUS l 15 37 200 km
GEOSEARCH l FROMLONLAT 15 37 BYRADIUS 200 km
GEORADIUSBYMEMBER l a 1 km
ZADD odd 1.5 half -5 neg 9007199254740993 huge
GEOPOS odd half neg huge
GEOHASH odd half neg huge
`

const SEARCH = `
GEOADD Sicily 13.361389 38.115556 Palermo 15.087269 37.502669 Catania 12.758489 38.788135 edge1 17.241510 38.788135 edge2
GEORADIUS Sicily 15 37 200 km
GEORADIUS Sicily 15 37 200 km ASC
GEORADIUS Sicily 15 37 200 km DESC
GEORADIUS Sicily 15 37 200 km WITHDIST WITHCOORD WITHHASH
GEORADIUS Sicily 15 37 200 km WITHDIST ASC COUNT 1
GEORADIUS Sicily 15 37 200 km COUNT 1 ANY
GEORADIUS Sicily 15 37 200 km COUNT 0
GEORADIUS Sicily 15 37 200 km COUNT -1
GEORADIUS Sicily 15 37 200 km COUNT x
GEORADIUS Sicily 15 37 200 km ANY
GEORADIUS Sicily 15 37 200 km COUNT
GEORADIUS Sicily 15 37 200 km FOO
GEORADIUS Sicily 15 37 -1 km
GEORADIUS Sicily 15 37 x km
GEORADIUS Sicily 15 37 200 parsec
GEORADIUS Sicily 15 37 200 km STORE dst
ZRANGE dst 0 -1 WITHSCORES
GEORADIUS Sicily 15 37 200 km STOREDIST dst
ZRANGE dst 0 -1 WITHSCORES
GEORADIUS Sicily 15 37 200 km STORE dst WITHDIST
GEORADIUS Sicily 15 37 1 m STORE dst
EXISTS dst
GEORADIUS nokey 15 37 200 km STORE Sicily2
GEORADIUS nokey 15 37 200 km
GEORADIUS_RO Sicily 15 37 200 km WITHDIST
GEORADIUS_RO Sicily 15 37 200 km STORE dst
GEORADIUSBYMEMBER Sicily Palermo 200 km WITHDIST WITHCOORD
GEORADIUSBYMEMBER Sicily nomember 200 km
GEORADIUSBYMEMBER nokey nomember 200 km
GEORADIUSBYMEMBER nokey nomember 200 km STORE dst
GEORADIUSBYMEMBER Sicily Palermo 200 km STOREDIST dst COUNT 2 DESC
ZRANGE dst 0 -1 WITHSCORES
GEORADIUSBYMEMBER_RO Sicily Palermo 100 mi
GEOSEARCH Sicily FROMLONLAT 15 37 BYRADIUS 200 km ASC
GEOSEARCH Sicily FROMLONLAT 15 37 BYBOX 400 400 km ASC WITHCOORD WITHDIST WITHHASH
GEOSEARCH Sicily FROMMEMBER Palermo BYBOX 400 400 km
GEOSEARCH Sicily FROMMEMBER Palermo BYRADIUS 0 km
GEOSEARCH Sicily FROMMEMBER nomember BYRADIUS 1 km
GEOSEARCH nokey FROMMEMBER nomember BYRADIUS 1 km
GEOSEARCH Sicily FROMLONLAT 15 37 BYRADIUS 200 km BYBOX 1 1 km
GEOSEARCH Sicily FROMLONLAT 15 37 FROMMEMBER Palermo BYRADIUS 200 km
GEOSEARCH Sicily BYRADIUS 200 km
GEOSEARCH Sicily FROMLONLAT 15 37
geosearch Sicily FROMLONLAT 15 37
GEOSEARCH Sicily FROMLONLAT 15 37 BYBOX -1 1 km
GEOSEARCH Sicily FROMLONLAT 15 37 BYBOX a 1 km
GEOSEARCH Sicily FROMLONLAT 15 37 BYBOX 1 b km
GEOSEARCH Sicily FROMLONLAT 15 37 BYRADIUS 200 km STORE dst
GEOSEARCH Sicily FROMLONLAT 200 37 BYRADIUS 200 km
GEOSEARCHSTORE dst Sicily FROMLONLAT 15 37 BYBOX 400 400 km ASC COUNT 3
ZRANGE dst 0 -1 WITHSCORES
GEOSEARCHSTORE dst Sicily FROMLONLAT 15 37 BYBOX 400 400 km DESC COUNT 2 STOREDIST
ZRANGE dst 0 -1 WITHSCORES
GEOSEARCHSTORE dst Sicily FROMLONLAT 15 37 BYBOX 400 400 km WITHDIST
GEOSEARCHSTORE dst nokey FROMLONLAT 15 37 BYBOX 400 400 km
EXISTS dst
GEORADIUS Sicily 0 0 20000 km
GEORADIUS Sicily 0 0 20000 km WITHDIST
GEOSEARCH Sicily FROMLONLAT 179 80 BYBOX 40000 40000 km
`

// Deterministic pseudo-random points: the unsorted replies must list members in redis's order.
function lcg(seed: number): () => number {
  let s = seed >>> 0
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0
    return s / 2 ** 32
  }
}

function fuzzScript(): string {
  const rnd = lcg(12345)
  const lines: string[] = []
  for (const [name, cx, cy, spread] of [['eu', 10, 45, 10], ['pole', 0, 84, 20], ['date', 179.5, -10, 3], ['eq', 0, 0, 0.01]] as const) {
    const args: string[] = []
    for (let i = 0; i < 150; i++) {
      const lon = Math.max(-180, Math.min(180, cx + (rnd() - 0.5) * spread * 2))
      const lat = Math.max(-85, Math.min(85, cy + (rnd() - 0.5) * spread))
      args.push(lon.toFixed(6), lat.toFixed(6), `${name}${i}`)
    }
    lines.push(`GEOADD ${name} ${args.join(' ')}`)
    for (const r of [1, 50, 300, 1000, 5000]) {
      lines.push(`GEORADIUS ${name} ${cx} ${cy} ${r} km`)
      lines.push(`GEORADIUS ${name} ${cx} ${cy} ${r} km WITHDIST ASC`)
      lines.push(`GEOSEARCH ${name} FROMLONLAT ${cx} ${cy} BYBOX ${r} ${r / 2} km WITHCOORD`)
      lines.push(`GEOSEARCH ${name} FROMMEMBER ${name}7 BYRADIUS ${r / 10} mi DESC WITHDIST`)
    }
    lines.push(`GEOPOS ${name} ${name}0 ${name}1 ${name}2`)
    lines.push(`GEOHASH ${name} ${name}0 ${name}1 ${name}2`)
    lines.push(`GEODIST ${name} ${name}0 ${name}149 km`)
  }
  return lines.join('\n')
}

// Points on the range's far edges (longitude 180, latitude 85.05112878) encode one past the last
// cell (an extra hash bit, kept in the score); a search centred there finds them because redis moves
// to a neighbour cell wrapping only the coordinate it moves (geohash_move_x / _y).
// Scores no GEOADD makes (inf, beyond 2^64, negative) decode as x86-64 casts them to uint64 (through
// int64: 2^64 and up, +inf included, give 0; below 0 two's complement, or 2^63 when unrepresentable).
const EDGES = `
GEOADD e 180 38.115556 a -180 -85.05112878 b 180 85.05112878 c 0 85.05112878 d 179.99 38 f
ZRANGE e 0 -1 WITHSCORES
GEOSEARCH e FROMMEMBER a BYBOX 400 400 km ASC
GEOSEARCH e FROMMEMBER a BYRADIUS 10 km
GEOSEARCH e FROMLONLAT 180 38.115556 BYBOX 400 400 km ASC
GEOSEARCH e FROMMEMBER c BYRADIUS 10 km
GEOSEARCH e FROMMEMBER d BYRADIUS 10 km
GEOSEARCH e FROMLONLAT 180 0 BYRADIUS 10000 km ASC
GEOSEARCH e FROMLONLAT -180 85.05112878 BYBOX 20000 20000 km ASC
GEORADIUS e 180 38 500 km ASC WITHDIST
GEORADIUSBYMEMBER e c 3000 km ASC
ZADD odd inf a -inf b 18446744073709551616 c 1e30 d -1e30 e -5 f 9223372036854775808 h -9223372036854775808 i
GEOPOS odd a b c d e f h i
GEOHASH odd a b c d e f h i
GEODIST odd a b
`

for (const [name, script] of Object.entries({BASICS, SEARCH, EDGES, FUZZ: fuzzScript()})) {
  test(`${name} matches redis-server`, {skip}, async () => {
    assert.equal(await compareBoth(p, script), '')
  })
}

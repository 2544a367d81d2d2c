// Keyspace notifications of streams, GEO, HyperLogLog and bitmaps: the bytes a `PSUBSCRIBE *`
// client receives (RESP2) vs a real redis-server 7.0, for the same command script.
import {test} from 'node:test'
import assert from 'node:assert/strict'
import {redisSkip} from '../helpers/redis-server.js'
import {keyspaceEvents, pairHooks} from './types-harness.js'

const skip = redisSkip()
const p = pairHooks()

const SCRIPT = `
XGROUP CREATE mystream mygroup $ MKSTREAM
XGROUP CREATECONSUMER mystream mygroup Bob
XADD mystream 1 field1 A
XADD mystream MAXLEN 1 2 f B
XREADGROUP GROUP mygroup Alice STREAMS mystream >
XCLAIM mystream mygroup Mike 0 2 FORCE
XGROUP DELCONSUMER mystream mygroup Lee
XAUTOCLAIM mystream mygroup Bob 0 2
XGROUP DELCONSUMER mystream mygroup Bob
XGROUP SETID mystream mygroup 0
XDEL mystream 2
XDEL mystream 2
XADD mystream 3 f C
XTRIM mystream MAXLEN 0
XTRIM mystream MAXLEN 0
XSETID mystream 5
XGROUP DESTROY mystream mygroup
XGROUP DESTROY mystream mygroup
GEOADD g 13.361389 38.115556 Palermo 15.087269 37.502669 Catania
GEOADD g 13.361389 38.115556 Palermo
GEORADIUS g 15 37 200 km STORE g2
GEORADIUS g 15 37 1 km STORE g2
GEOSEARCHSTORE g3 g FROMMEMBER Palermo BYRADIUS 300 km
GEOSEARCHSTORE g3 g FROMMEMBER Palermo BYRADIUS 1 m
GEORADIUS nokey 15 37 1 km STORE g
PFADD h a b c
PFADD h a
PFCOUNT h
PFMERGE h2 h
SETBIT b 1 1
BITOP OR d b
BITFIELD bf SET u8 0 1
`

test('stream, geo, hyperloglog and bitmap keyspace events match redis-server', {skip}, async () => {
  const lines = SCRIPT.trim().split('\n')
  const theirs = await keyspaceEvents(p.redisPort, 'KEA', lines)
  const ours = await keyspaceEvents(p.ourPort, 'KEA', lines)
  assert.match(theirs, /xgroup-createconsumer/)
  assert.equal(ours.replace(/\r\n/g, ' '), theirs.replace(/\r\n/g, ' '))
})

// Cluster mode (a node owning every slot, real redis-server vs embedded): SORT refuses BY/GET
// patterns with redis 7.0's errors while BY <constant> still works, and the STORE targets of
// SORT / GEORADIUS / GEOSEARCHSTORE take part in the CROSSSLOT check like redis's key specs.
import {test} from 'node:test'
import assert from 'node:assert/strict'
import {redisSkip} from '../helpers/redis-server.js'
import {allSlotsPair} from './all-slots-pair.js'

const skip = redisSkip()
const pair = allSlotsPair()

const SCRIPT = `
RPUSH {t}l 3 1 2
SORT {t}l
SORT {t}l BY nosort
SORT {t}l BY w_*
SORT {t}l GET #
SORT {t}l BY nosort GET #
SORT {t}l LIMIT 0 1 BY w_* GET #
SORT_RO {t}l BY {t}w_*
SORT {t}l STORE {t}dst
SORT {t}l STORE other
GEOADD {t}g 13.361389 38.115556 Palermo 15.087269 37.502669 Catania
GEORADIUS {t}g 15 37 200 km STORE {t}d2
GEORADIUS {t}g 15 37 200 km STORE other
GEORADIUSBYMEMBER {t}g Palermo 200 km STOREDIST other
GEOSEARCHSTORE other {t}g FROMLONLAT 15 37 BYRADIUS 200 km
`

test('SORT and GEO store targets in cluster mode match redis-server', {skip}, async () => {
  // Then on each node: the script really ran against served slots (not CLUSTERDOWN on both sides).
  await pair.compareThenCheck(SCRIPT, async (c) => {
    assert.equal(await c.call(['SORT', '{t}l', 'BY', 'w_*']), '-ERR BY option of SORT denied in Cluster mode.\r\n')
    assert.equal(await c.call(['LRANGE', '{t}dst', '0', '-1']), '*3\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n')
  })
})

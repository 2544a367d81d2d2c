// Cluster mode (a node owning every slot, real redis-server vs embedded): SORT refuses BY/GET
// patterns with redis 7.0's errors while BY <constant> still works, and the STORE targets of
// SORT / GEORADIUS / GEOSEARCHSTORE take part in the CROSSSLOT check like redis's key specs.
import {after, before, test} from 'node:test'
import assert from 'node:assert/strict'
import {RedisNodes, redisSkip} from '../helpers/redis-server.js'
import {embedded} from '../helpers/repl.js'
import {freePort} from './harness.js'
import {compareScript, RawClient, showMismatches} from './types-harness.js'
import type {RunningNode} from '../../src/node/index.js'

const skip = redisSkip()
let rn: RedisNodes
let emb: RunningNode
let realPort = 0

before(async () => {
  if (skip) return
  rn = new RedisNodes()
  const [n] = await rn.start(1, {cluster: true})
  realPort = n.port
  const port = await freePort()
  emb = await embedded({'cluster-enabled': 'yes', port: String(port), 'cluster-port': String(await freePort()), 'cluster-config-file': 'nodes.conf'})
  for (const p of [realPort, emb.port]) {
    const c = await RawClient.connect(p)
    try {
      assert.equal(await c.call(['CLUSTER', 'ADDSLOTSRANGE', '0', '16383']), '+OK\r\n')
      for (let i = 0; !(await c.call(['CLUSTER', 'INFO'])).includes('cluster_state:ok'); i++) {
        if (i > 200) throw new Error(`cluster on port ${p} never became ok`)
        await new Promise((r) => setTimeout(r, 50))
      }
    } finally {
      c.close()
    }
  }
})
after(async () => {
  await emb?.stop()
  await rn?.stop()
})

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
  const lines = SCRIPT.split('\n')
  const ms = [...(await compareScript(realPort, emb.port, lines, 2)), ...(await compareScript(realPort, emb.port, lines, 3))]
  assert.equal(showMismatches(ms), '')
  // The script really ran against served slots (not CLUSTERDOWN on both sides).
  for (const port of [realPort, emb.port]) {
    const c = await RawClient.connect(port)
    try {
      assert.equal(await c.call(['SORT', '{t}l', 'BY', 'w_*']), '-ERR BY option of SORT denied in Cluster mode.\r\n')
      assert.equal(await c.call(['LRANGE', '{t}dst', '0', '-1']), '*3\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n')
    } finally {
      c.close()
    }
  }
})

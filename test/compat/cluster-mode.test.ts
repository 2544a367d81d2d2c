// Cluster mode (a node owning every slot, real redis-server vs embedded), what Redis's unit suite
// run with --cluster-mode relies on: commands refused in cluster mode (SELECT, MOVE, SWAPDB,
// COPY ... DB), CLUSTER RESET refused from a script (noscript), CROSSSLOT, sharded pub/sub and the
// keyspace commands on one db.
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
SET {t}a 1
EVAL "return redis.call('cluster','reset')" 0
EVAL "return redis.pcall('cluster','reset')" 0
EVAL "return redis.call('cluster','info') ~= nil" 0
SELECT 0
SELECT 1
MOVE {t}a 1
SWAPDB 0 1
COPY {t}a {t}b DB 1
COPY {t}a {t}b DB 0
MSET {t}a 1 {t}b 2
MSET a 1 b 2
DBSIZE
SPUBLISH ch hello
PUBSUB SHARDNUMSUB ch
DEL {t}a {t}b
DBSIZE
RANDOMKEY
SCAN 0
KEYS *
`

test('cluster-mode refusals and keyspace commands match redis-server', {skip}, async () => {
  const lines = SCRIPT.split('\n')
  const ms = [...(await compareScript(realPort, emb.port, lines, 2)), ...(await compareScript(realPort, emb.port, lines, 3))]
  assert.equal(showMismatches(ms), '')
  // The script ran against served slots, and CLUSTER RESET from a script was refused (not run).
  for (const port of [realPort, emb.port]) {
    const c = await RawClient.connect(port)
    try {
      assert.match(await c.call(['EVAL', "return redis.call('cluster','reset')", '0']), /^-ERR This Redis command is not allowed from script/)
      assert.match(await c.call(['CLUSTER', 'INFO']), /cluster_state:ok/)
      assert.equal(await c.call(['SET', '{t}x', '1']), '+OK\r\n')
    } finally {
      c.close()
    }
  }
})

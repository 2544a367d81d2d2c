// A redis-server and an embedded node, each cluster-enabled and owning all 16384 slots, for compat
// tests of cluster-mode behaviour. Registers before/after hooks in the calling file.
import {after, before} from 'node:test'
import assert from 'node:assert/strict'
import {RedisNodes, redisSkip} from '../helpers/redis-server.js'
import {embedded} from '../helpers/repl.js'
import {freePort} from './harness.js'
import {compareBoth, RawClient} from './types-harness.js'
import type {RunningNode} from '../../src/node/index.js'

export interface AllSlotsPair {
  /** redis-server's port and the embedded node's, once `before` has run */
  ports: () => {real: number; emb: number}
  /** Compares `script` on both nodes in RESP2 and RESP3 (asserts no mismatch), then runs `check` on
   *  a connection to each node: proof the script ran against served slots, not CLUSTERDOWN on both. */
  compareThenCheck: (script: string, check: (c: RawClient) => Promise<void>) => Promise<void>
}

/** `extra`: more redis-server arguments and the same settings as embedded node overrides. */
export function allSlotsPair(extra: {redisArgs?: string[]; nodeOverrides?: Record<string, string>} = {}): AllSlotsPair {
  let rn: RedisNodes | undefined
  let emb: RunningNode | undefined
  let realPort = 0
  before(async () => {
    if (redisSkip()) return
    rn = new RedisNodes()
    const [n] = await rn.start(1, {cluster: true, extra: extra.redisArgs})
    realPort = n.port
    const port = await freePort()
    emb = await embedded({'cluster-enabled': 'yes', port: String(port), 'cluster-port': String(await freePort()), 'cluster-config-file': 'nodes.conf', ...extra.nodeOverrides})
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
  const ports = () => ({real: realPort, emb: emb?.port ?? 0})
  return {
    ports,
    async compareThenCheck(script, check) {
      const {real, emb} = ports()
      assert.equal(await compareBoth({redisPort: real, ourPort: emb}, script), '')
      for (const port of [real, emb]) {
        const c = await RawClient.connect(port)
        try {
          await check(c)
        } finally {
          c.close()
        }
      }
    },
  }
}

// reshard and rebalance while an ioredis Cluster client keeps writing and reading: every acknowledged
// write must be readable afterwards with its value, and reads during the move see the last write.
import {after, before, describe, test} from 'node:test'
import assert from 'node:assert/strict'
import {Cluster} from 'ioredis'
import {RedisNodes, redisSkip, type TestNode} from '../helpers/redis-server.js'
import {runCli} from '../helpers/cli.js'
import {keyEntries, loadKeys, makeCluster, verifyKeys, viewOf, waitStable} from '../integration/admin-move-helpers.js'

const skip = redisSkip()

describe('reshard + rebalance under live traffic (real redis-server)', {skip}, () => {
  const rn = new RedisNodes()
  let nodes: TestNode[]
  let client: Cluster
  const data = keyEntries(20000, 'bg:')

  before(async () => {
    nodes = await makeCluster(rn, 3)
    await waitStable(nodes[0])
    await loadKeys(await viewOf(nodes[0]), data)
    client = new Cluster([{host: nodes[0].host, port: nodes[0].port}], {redisOptions: {maxRetriesPerRequest: 5}, retryDelayOnMoved: 0, retryDelayOnTryAgain: 20})
  })
  after(async () => {
    client?.disconnect()
    await rn.stop()
  })

  test('no acknowledged write lost, no stale read', async () => {
    const acked = new Map<string, string>()
    let stop = false
    let ops = 0
    let errors = 0
    const stale: string[] = []
    const worker = async (w: number) => {
      for (let i = 0; !stop; i++) {
        const k = `live:${w}:${i % 500}`
        const v = `${w}-${i}`
        try {
          await client.set(k, v)
          acked.set(k, v)
          const got = await client.get(k)
          if (got !== v) stale.push(`${k}=${got} want ${v}`)
          ops++
        } catch {
          errors++ // not acknowledged: allowed, but the old acked value must survive
        }
      }
    }
    const workers = [0, 1, 2, 3].map(worker)
    const v = await viewOf(nodes[0])
    const target = v.nodes.filter((n) => n.role === 'master')[0]
    const r1 = await runCli(['reshard', nodes[0].address, '--from', 'all', '--to', target.id, '--slots', '4000', '--yes', '--pipeline', '50'])
    const r2 = await runCli(['rebalance', nodes[0].address, '--yes', '--pipeline', '50'])
    stop = true
    await Promise.all(workers)
    assert.equal(r1.code, 0, r1.stderr)
    assert.equal(r2.code, 0, r2.stderr)
    assert.ok(ops > 200, `only ${ops} ops`)
    assert.deepEqual(stale, [])
    const after = await waitStable(nodes[0])
    assert.deepEqual(await verifyKeys(after, acked), [])
    assert.deepEqual(await verifyKeys(after, data), [])
    assert.ok(errors < ops / 10, `${errors} errors for ${ops} ops`)
  })
})

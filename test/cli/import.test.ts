// `import` end to end: standalone redis-server → cluster, batched MIGRATE per target.
import {after, before, describe, test} from 'node:test'
import assert from 'node:assert/strict'
import {Redis} from 'ioredis'
import {RedisNodes, redisSkip, type TestNode} from '../helpers/redis-server.js'
import {runCli} from '../helpers/cli.js'
import {keyEntries, makeCluster, verifyKeys, waitStable} from '../integration/admin-move-helpers.js'

const skip = redisSkip()

describe('import CLI (real redis-server)', {skip}, () => {
  const rn = new RedisNodes()
  let nodes: TestNode[]
  let standalone: TestNode
  let src: Redis

  before(async () => {
    nodes = await makeCluster(rn, 3)
    ;[standalone] = await rn.start(1, {cluster: false})
    src = new Redis({host: standalone.host, port: standalone.port})
    await waitStable(nodes[0])
  })
  after(async () => {
    src?.disconnect()
    await rn.stop()
  })

  test('a cluster node as source is refused', async () => {
    const r = await runCli(['import', nodes[0].address, '--from', nodes[1].address])
    assert.equal(r.code, 2)
    assert.match(r.stderr, /The source node should not be a cluster node\./)
  })

  test('--copy imports every key and keeps them on the source; a plain import then moves them', async () => {
    const data = keyEntries(5000, 'imp:')
    const p = src.pipeline()
    for (const [k, v] of data) p.set(k, v)
    p.rpush('imp:list', 'a', 'b', 'c')
    await p.exec()
    data.set('imp:list', '')
    const r = await runCli(['import', nodes[0].address, '--cluster-from', standalone.address, '--cluster-copy', '--json'])
    assert.equal(r.code, 0, r.stdout + r.stderr)
    assert.equal(JSON.parse(r.stdout).result.migrated, 5001)
    assert.equal(await src.dbsize(), 5001)
    const view = await waitStable(nodes[0])
    data.delete('imp:list')
    assert.deepEqual(await verifyKeys(view, data), [])
    // Without --copy the keys leave the source; equal copies already in the cluster are accepted.
    const r2 = await runCli(['import', nodes[0].address, '--from', standalone.address])
    assert.equal(r2.code, 0, r2.stderr)
    assert.equal(await src.dbsize(), 0)
    assert.deepEqual(await verifyKeys(view, data), [])
  })

  test('a key with a different value in the cluster: exit 8, listed, not overwritten; --replace overwrites', async () => {
    await src.set('imp:1', 'changed')
    await src.set('imp:new', 'n')
    const r = await runCli(['import', nodes[0].address, '--from', standalone.address])
    assert.equal(r.code, 8, r.stderr)
    assert.match(r.stderr, /imp:1/)
    const view = await waitStable(nodes[0])
    assert.deepEqual(await verifyKeys(view, new Map([['imp:1', 'v1'], ['imp:new', 'n']])), [])
    assert.equal(await src.get('imp:1'), 'changed')
    const r2 = await runCli(['import', nodes[0].address, '--from', standalone.address, '--replace'])
    assert.equal(r2.code, 0, r2.stderr)
    assert.deepEqual(await verifyKeys(view, new Map([['imp:1', 'changed']])), [])
  })
})

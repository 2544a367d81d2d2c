// CLUSTER SETSLOT <slot> NODE <other> on a master's last slot: redis 7.0 turns the emptied master
// into a replica of the slot's new owner (unless cluster-allow-replica-migration is no), which
// Redis's tests/unit/cluster.tcl checks after `redis-cli --cluster reshard` empties a node.
import {after, before, describe, test} from 'node:test'
import assert from 'node:assert/strict'
import * as fs from 'node:fs'
import {Redis} from 'ioredis'
import {startEmbedded, tmpDir, waitFor, type EmbeddedNode} from '../fixtures/bus/embedded.js'

describe('SETSLOT NODE of the last slot', () => {
  let dir: string
  const nodes: EmbeddedNode[] = []
  let c: Redis[] = []
  const ids: string[] = []
  const call = (i: number, ...args: (string | number)[]) => c[i].call(String(args[0]), ...args.slice(1).map(String))
  const myselfLine = async (i: number) => String(await call(i, 'cluster', 'nodes')).split('\n').find((l) => l.includes('myself'))!

  before(async () => {
    dir = tmpDir('cluster-last-slot')
    for (let i = 0; i < 2; i++) nodes.push(await startEmbedded(dir, {nodeTimeout: 5000}))
    c = nodes.map((n) => new Redis(n.port, '127.0.0.1', {maxRetriesPerRequest: 1}))
    for (let i = 0; i < 2; i++) ids.push((await call(i, 'cluster', 'myid')) as string)
    await call(0, 'cluster', 'set-config-epoch', 1)
    await call(1, 'cluster', 'set-config-epoch', 2)
    await call(0, 'cluster', 'addslotsrange', 0, 16382)
    await call(1, 'cluster', 'addslots', 16383)
    await call(0, 'cluster', 'meet', '127.0.0.1', nodes[1].port, nodes[1].busPort)
    await waitFor(async () => {
      const infos = await Promise.all([0, 1].map((i) => call(i, 'cluster', 'info') as Promise<string>))
      return infos.every((s) => s.includes('cluster_state:ok') && s.includes('cluster_known_nodes:2'))
    }, 60_000, 'cluster_state:ok on both nodes')
  })

  after(async () => {
    for (const x of c) x.disconnect()
    for (const n of nodes) await n.stop()
    fs.rmSync(dir, {recursive: true, force: true})
  })

  test('cluster-allow-replica-migration no: the emptied master stays a master', async () => {
    await call(1, 'config', 'set', 'cluster-allow-replica-migration', 'no')
    assert.equal(await call(1, 'cluster', 'setslot', 16383, 'node', ids[0]), 'OK')
    assert.match(await myselfLine(1), /^\S+ \S+ myself,master - /)
    assert.equal(await call(1, 'cluster', 'countkeysinslot', 16383), 0)
    // take it back (no keys, no importing state: a plain rebinding on both sides)
    assert.equal(await call(1, 'cluster', 'setslot', 16383, 'node', ids[1]), 'OK')
    assert.equal(await call(0, 'cluster', 'setslot', 16383, 'node', ids[1]), 'OK')
    await call(1, 'config', 'set', 'cluster-allow-replica-migration', 'yes')
  })

  test('the emptied master becomes a replica of the new owner, and the owner learns it', async () => {
    assert.equal(await call(0, 'cluster', 'setslot', 16383, 'node', ids[0]), 'OK')
    assert.equal(await call(1, 'cluster', 'setslot', 16383, 'node', ids[0]), 'OK')
    assert.match(await myselfLine(1), new RegExp(`^${ids[1]} \\S+ myself,slave ${ids[0]} `))
    await waitFor(async () => String(await call(0, 'cluster', 'replicas', ids[0])).includes(ids[1]), 60_000, 'the owner lists the new replica')
  })
})

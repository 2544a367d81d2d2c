// A replica whose master fails while the replica itself is shutting down starts no election:
// redis shuts down synchronously, while an embedded node awaits its final saves with its cron
// still running (tests/cluster showed a SIGTERMed replica starting elections before it exited).
import {test} from 'node:test'
import assert from 'node:assert/strict'
import {FakeNet} from '../fixtures/bus/fake-net.js'
import {installFailoverHooks} from '../../src/node/cluster/failover.js'
import type {ClusterHooks, ClusterState} from '../../src/node/cluster/state.js'

const ID = (c: string) => c.repeat(40)

function cluster(): {net: FakeNet; masters: ClusterState[]; replica: ClusterState} {
  const net = new FakeNet()
  const masters = [7001, 7002, 7003].map((port, i) => net.add(port, ID('abc'[i])))
  const replica = net.add(7004, ID('d'))
  const all = [...masters, replica]
  all.forEach((s, i) => {
    installFailoverHooks(s)
    s.myself.configEpoch = i + 1
    s.currentEpoch = 4
  })
  const ranges = [[0, 5460], [5461, 10922], [10923, 16383]]
  masters.forEach((m, i) => {
    for (let j = ranges[i][0]; j <= ranges[i][1]; j++) m.addSlot(m.myself, j)
    m.mark(2)
  })
  for (const port of [7002, 7003, 7004]) masters[0].startHandshake('127.0.0.1', port, port + 10000)
  const known = () => all.every((s) => s.nodes.size === 4 && [...s.nodes.values()].every((n) => !n.inHandshake))
  assert.ok(net.until(known, 10_000) >= 0, 'mesh')
  replica.setMyMaster(replica.lookup(ID('c'))!)
  assert.ok(net.until(() => all.every((s) => s.ok && s.lookup(ID('d'))!.masterId === ID('c')), 10_000) >= 0, 'replica known')
  return {net, masters, replica}
}

for (const shuttingDown of [false, true]) {
  test(`the master of a replica fails; the replica ${shuttingDown ? 'is shutting down: no election' : 'takes over'}`, () => {
    const {net, masters, replica} = cluster()
    ;(replica.hooks as ClusterHooks).shuttingDown = () => shuttingDown
    const logs: string[] = []
    ;(replica.hooks as ClusterHooks).log = (m) => logs.push(m)
    net.kill(masters[2])
    assert.ok(net.until(() => replica.lookup(ID('c'))!.failed, 20_000) >= 0, 'master marked FAIL')
    net.run(15_000)
    if (shuttingDown) {
      assert.equal(replica.myself.isMaster, false)
      assert.ok(!logs.some((m) => /election/.test(m)), logs.join('\n'))
    } else assert.equal(replica.myself.isMaster, true, logs.join('\n'))
  })
}

// Cluster state machine on an in-memory bus with a manual clock: MEET/handshake, gossip
// discovery, cluster_state ok, PFAIL -> FAIL by majority, epoch collisions, UPDATE.
import {test, describe} from 'node:test'
import assert from 'node:assert/strict'
import {FakeNet} from '../fixtures/bus/fake-net.js'
import {NodeFlag, MsgType, decode} from '../../src/node/cluster/bus/codec.js'
import {clusterNodesText, clusterInfoText} from '../../src/node/cluster/format.js'
import {parseNodesConf} from '../../src/node/cluster/nodes-conf.js'
import {failureReportsCount} from '../../src/node/cluster/failure.js'
import {ClusterNode, bytesClaimedBeyond} from '../../src/node/cluster/node.js'
import type {ClusterState} from '../../src/node/cluster/state.js'

const ID = (c: string) => c.repeat(40)

function knowsAll(sts: ClusterState[]): boolean {
  return sts.every((s) => s.nodes.size === sts.length && [...s.nodes.values()].every((n) => !n.inHandshake && (n.isMyself || n.link)))
}

function assign(st: ClusterState, from: number, to: number): void {
  for (let j = from; j <= to; j++) st.addSlot(st.myself, j)
  st.mark(2)
}

function threeNodes(epochs = [1, 2, 3]): {net: FakeNet; a: ClusterState; b: ClusterState; c: ClusterState} {
  const net = new FakeNet()
  const a = net.add(7001, ID('a'))
  const b = net.add(7002, ID('b'))
  const c = net.add(7003, ID('c'))
  ;[a, b, c].forEach((s, i) => {
    s.myself.configEpoch = epochs[i]
    s.currentEpoch = epochs[i]
  })
  assign(a, 0, 5460)
  assign(b, 5461, 10922)
  assign(c, 10923, 16383)
  a.startHandshake('127.0.0.1', 7002, 17002)
  a.startHandshake('127.0.0.1', 7003, 17003)
  return {net, a, b, c}
}

describe('handshake and discovery', () => {
  test('MEET: three nodes learn each other with their real ids and reach ok', () => {
    const {net, a, b, c} = threeNodes()
    const t = net.until(() => knowsAll([a, b, c]), 5000)
    assert.ok(t >= 0, 'nodes did not converge')
    for (const s of [a, b, c]) {
      assert.deepEqual([...s.nodes.keys()].sort(), [ID('a'), ID('b'), ID('c')])
      assert.equal(s.myself.ip, '127.0.0.1', 'learned own ip from the bus')
    }
    assert.ok(net.until(() => [a, b, c].every((s) => s.ok), 5000) >= 0, 'cluster_state never ok')
    // Slot ownership converged: b knows c owns 16383.
    assert.equal(b.slots[16383]?.id, ID('c'))
    assert.equal(a.slots[0], a.myself)
    assert.match(clusterInfoText(b), /^cluster_state:ok\r\ncluster_slots_assigned:16384\r\n.*cluster_known_nodes:3\r\ncluster_size:3\r\ncluster_current_epoch:3\r\ncluster_my_epoch:2\r\n/s)
    const line = clusterNodesText(a).split('\n').find((l) => l.startsWith(ID('c')))!
    assert.match(line, new RegExp(`^${ID('c')} 127\\.0\\.0\\.1:7003@17003 master - \\d+ \\d+ 3 connected 10923-16383$`))
  })

  test('first MEET carries MEET type and the node starts in handshake', () => {
    const {net, a} = threeNodes()
    const hs = [...a.nodes.values()].filter((n) => n.inHandshake)
    assert.equal(hs.length, 2)
    assert.ok(hs.every((n) => n.has(NodeFlag.MEET)))
    net.run(100)
    const types = net.sentFrames.filter((f) => f.from === a).map((f) => decode(f.frame).header.type)
    assert.ok(types.includes(MsgType.MEET))
  })

  test('handshake with an unreachable address times out', () => {
    const {net, a} = threeNodes()
    a.startHandshake('127.0.0.1', 9999, 19999)
    net.run(2500)
    assert.ok(![...a.nodes.values()].some((n) => n.port === 9999))
  })

  test('nodes.conf written by the state parses back', () => {
    const {net, a, b, c} = threeNodes()
    net.until(() => knowsAll([a, b, c]), 5000)
    a.saveNow(true)
    const conf = parseNodesConf(net.saved.get(a)!)
    assert.equal(conf.nodes.length, 3)
    assert.equal(conf.currentEpoch, 3)
    assert.deepEqual(conf.nodes.find((n) => n.id === ID('a'))!.slots, [[0, 5460]])
  })
})

describe('failure detection', () => {
  test('PFAIL after node_timeout, FAIL by majority, FAIL broadcast, cluster fails', () => {
    const {net, a, b, c} = threeNodes()
    net.until(() => knowsAll([a, b, c]) && [a, b, c].every((s) => s.ok), 8000)
    net.kill(c)
    const pfailAt = net.until(() => a.lookup(ID('c'))!.timedOut || a.lookup(ID('c'))!.failed, 10000)
    assert.ok(pfailAt >= 0)
    const failAt = net.until(() => a.lookup(ID('c'))!.failed && b.lookup(ID('c'))!.failed, 10000)
    assert.ok(failAt >= 0, 'FAIL never reached')
    assert.ok(net.sentFrames.some((f) => decode(f.frame).header.type === MsgType.FAIL))
    net.run(200)
    assert.equal(a.ok, false, 'slots of a FAIL master: cluster down (full coverage)')
    assert.match(clusterInfoText(a), /cluster_slots_fail:5461/)
  })

  test('one reporter is not a majority: PFAIL stays PFAIL', () => {
    const {net, a, b, c} = threeNodes()
    net.until(() => knowsAll([a, b, c]), 5000)
    net.partition(a, c)
    const cNode = a.lookup(ID('c'))!
    assert.ok(net.until(() => cNode.timedOut, 10000) >= 0, 'a never saw c as PFAIL')
    net.run(5000)
    assert.equal(cNode.failed, false)
    assert.equal(b.lookup(ID('c'))!.failed, false)
    assert.equal(b.lookup(ID('c'))!.timedOut, false)
  })

  test('failure reports expire after 2 x node_timeout', () => {
    const {net, a, b, c} = threeNodes()
    net.until(() => knowsAll([a, b, c]), 5000)
    const cOnA = a.lookup(ID('c'))!
    cOnA.failReports.push({reporter: ID('b'), time: a.now()})
    assert.equal(failureReportsCount(a, cOnA), 1)
    net.clock.advance(4001)
    assert.equal(failureReportsCount(a, cOnA), 0)
  })

  test('a FAIL replica-less master is cleared after it comes back and FAIL_UNDO time passes', () => {
    const {net, a, b, c} = threeNodes()
    net.until(() => knowsAll([a, b, c]) && [a, b, c].every((s) => s.ok), 8000)
    net.kill(c)
    net.until(() => a.lookup(ID('c'))!.failed, 10000)
    net.restart(c)
    const t = net.until(() => !a.lookup(ID('c'))!.failed && a.ok, 15000)
    assert.ok(t >= 0, 'FAIL never cleared')
  })
})

describe('epochs and slot ownership', () => {
  test('configEpoch collision: the smaller id bumps', () => {
    const {net, a, b, c} = threeNodes([0, 0, 0])
    net.until(() => knowsAll([a, b, c]), 5000)
    net.run(3000)
    const epochs = [a, b, c].map((s) => s.myself.configEpoch)
    assert.equal(new Set(epochs).size, 3, `epochs still collide: ${epochs}`)
    // 'c' has the greatest id and never needs to bump.
    assert.equal(c.myself.configEpoch, 0)
  })

  test('stale slot claim gets an UPDATE and the claimer gives the slot back', () => {
    const {net, a, b, c} = threeNodes([3, 1, 2])
    net.until(() => knowsAll([a, b, c]), 5000)
    // b claims slot 0 (owned by a, epoch 3) with epoch 1, as SETSLOT NODE would.
    b.delSlot(0)
    b.addSlot(b.myself, 0)
    net.run(3000)
    assert.ok(net.sentFrames.some((f) => f.from === a && decode(f.frame).header.type === MsgType.UPDATE))
    assert.equal(b.slots[0]?.id, ID('a'))
    assert.equal(a.slots[0], a.myself)
  })

  test('higher configEpoch claim rebinds the slot everywhere', () => {
    const {net, a, b, c} = threeNodes([1, 2, 3])
    net.until(() => knowsAll([a, b, c]), 5000)
    c.delSlot(0)
    c.addSlot(c.myself, 0)
    c.myself.configEpoch = 10
    c.currentEpoch = 10
    net.run(3000)
    assert.equal(a.slots[0]?.id, ID('c'))
    assert.equal(b.slots[0]?.id, ID('c'))
    assert.equal(a.currentEpoch, 10)
  })

  test('a master that loses its last slot becomes a replica of the new owner', () => {
    const net = new FakeNet()
    const a = net.add(7001, ID('a'))
    const b = net.add(7002, ID('b'))
    a.myself.configEpoch = 1
    b.myself.configEpoch = 2
    a.addSlot(a.myself, 0)
    a.startHandshake('127.0.0.1', 7002, 17002)
    net.until(() => knowsAll([a, b]), 5000)
    // b knows a owns slot 0 (its handshake's PONG said so): b takes it over with the higher epoch
    b.delSlot(0)
    b.addSlot(b.myself, 0)
    net.run(2000)
    assert.equal(a.myself.isReplica, true)
    assert.equal(a.myself.masterId, ID('b'))
  })

  test('claims beyond a node\'s own slots are found a word at a time, at any offset of the frame', () => {
    const node = new ClusterNode(ID('a'), NodeFlag.MASTER, 0)
    for (const j of [0, 9, 100, 16383]) node.slots[j >> 3] |= 1 << (j & 7)
    // the claim sits at an odd offset of a larger buffer, as in a received frame
    const frame = Buffer.alloc(2048 + 3)
    const claimed = frame.subarray(3)
    for (const j of [0, 9, 100, 16383, 101, 8000, 8001, 8008, 16376]) claimed[j >> 3] |= 1 << (j & 7)
    assert.deepEqual(bytesClaimedBeyond(claimed, node), [100 >> 3, 1000, 1001, 2047])
    assert.deepEqual(bytesClaimedBeyond(node.slots, node), [])
    // slots the node owns but no longer claims are not new claims
    assert.deepEqual(bytesClaimedBeyond(new Uint8Array(2048), node), [])
  })
})

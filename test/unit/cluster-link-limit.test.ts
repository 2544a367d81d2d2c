// cluster-link-sendbuf-limit: the cron frees a link whose unsent data exceeds the limit, counts it
// in total_cluster_links_buffer_limit_exceeded, and reconnects an outbound one.
import {test} from 'node:test'
import assert from 'node:assert/strict'
import {ManualClock} from '../../src/node/clock.js'
import {ClusterState, defaultClusterConfig} from '../../src/node/cluster/state.js'
import {ClusterNode, type BusLink} from '../../src/node/cluster/node.js'
import {NodeFlag} from '../../src/node/cluster/bus/codec.js'
import {clusterCron} from '../../src/node/cluster/cron.js'
import {clusterInfoText} from '../../src/node/cluster/format.js'

class StuckLink implements BusLink {
  node: ClusterNode | null = null
  closed = false
  readonly localIp = '127.0.0.1'
  readonly remoteIp = '127.0.0.1'
  constructor(readonly inbound: boolean, readonly ctime: number, public sendBufferUsed: number) {}
  send(): void {}
  close(): void {
    this.closed = true
  }
}

function setup(limit: number) {
  const clock = new ManualClock(1_700_000_000_000)
  const connects: ClusterNode[] = []
  const st = new ClusterState(clock, {...defaultClusterConfig(7000), linkSendbufLimit: limit}, {
    countKeysInSlot: () => 0,
    deleteKeysInSlot: () => {},
    connect: (n) => {
      connects.push(n)
      return new StuckLink(false, clock.now(), 0)
    },
  }, 'a'.repeat(40))
  const peer = new ClusterNode('b'.repeat(40), NodeFlag.MASTER, clock.now())
  peer.ip = '127.0.0.1'
  peer.port = 7001
  peer.cport = 17001
  st.addNode(peer)
  const out = new StuckLink(false, clock.now(), 300 * 1024)
  const inb = new StuckLink(true, clock.now(), 10)
  out.node = inb.node = peer
  peer.link = out
  peer.inboundLink = inb
  return {st, peer, out, inb, connects}
}

const exceeded = (st: ClusterState) => /total_cluster_links_buffer_limit_exceeded:(\d+)/.exec(clusterInfoText(st))![1]

test('a link over cluster-link-sendbuf-limit is freed, counted and reconnected', () => {
  const {st, peer, out, inb, connects} = setup(256 * 1024)
  assert.equal(exceeded(st), '0')
  clusterCron(st)
  assert.equal(out.closed, true)
  assert.equal(inb.closed, false, 'the inbound link under the limit stays')
  assert.equal(exceeded(st), '1')
  assert.equal(connects.length, 1, 'the outbound link is re-created')
  assert.notEqual(peer.link, out)
  assert.equal(peer.inboundLink, inb)
})

test('no limit (0) keeps every link', () => {
  const {st, out} = setup(0)
  clusterCron(st)
  assert.equal(out.closed, false)
  assert.equal(exceeded(st), '0')
})

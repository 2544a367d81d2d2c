// A peer's address comes from the bus socket (nodes announce no IP of their own). When it cannot
// be read — the peer reset the connection while frames it sent before are still processed, as a
// busy node freeing links on timeout does — the node's known address must stay as it is (redis
// nodeUpdateAddressIfNeeded gives up when nodeIp2String fails); an empty one made the node
// unreachable (`:port` in CLUSTER NODES) and failed tests/cluster's cluster creation under load.
import {test} from 'node:test'
import assert from 'node:assert/strict'
import * as net from 'node:net'
import {FakeNet} from '../fixtures/bus/fake-net.js'
import {MsgType, decode} from '../../src/node/cluster/bus/codec.js'
import {processFrame} from '../../src/node/cluster/gossip.js'
import {SocketLink} from '../../src/node/cluster/bus/links.js'
import type {BusLink, ClusterNode} from '../../src/node/cluster/node.js'

const ID = (c: string) => c.repeat(40)

class AddresslessLink implements BusLink {
  node: ClusterNode | null = null
  readonly localIp = ''
  readonly remoteIp = ''
  constructor(readonly inbound: boolean, readonly ctime: number) {}
  send(): void {}
  close(): void {}
}

test('a PING on a link whose peer address is unknown does not change the sender address', () => {
  const fnet = new FakeNet()
  const a = fnet.add(7001, ID('a'))
  const b = fnet.add(7002, ID('b'))
  a.startHandshake('127.0.0.1', 7002, 17002)
  assert.ok(fnet.until(() => a.nodes.get(ID('b'))?.link != null && b.nodes.get(ID('a'))?.link != null, 5000) >= 0, 'no handshake')
  fnet.sentFrames.length = 0
  fnet.run(2000)
  const ping = fnet.sentFrames.find((f) => f.from === b && decode(f.frame).header.type === MsgType.PING)
  assert.ok(ping, 'b pinged a')
  const known = a.nodes.get(ID('b'))!
  assert.equal(known.ip, '127.0.0.1')
  assert.equal(processFrame(a, new AddresslessLink(true, a.now()), ping.frame), true)
  assert.equal(known.ip, '127.0.0.1')
  assert.equal(known.port, 7002)
})

test('a bus socket keeps reporting its addresses after the connection is gone', async () => {
  const accepted: net.Socket[] = []
  const server = net.createServer((s) => accepted.push(s))
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  const port = (server.address() as net.AddressInfo).port
  const client = net.connect(port, '127.0.0.1')
  await new Promise<void>((r) => client.once('connect', r))
  while (accepted.length === 0) await new Promise((r) => setTimeout(r, 5))
  const handlers = {onFrame: () => true, onConnect: () => {}, onClose: () => {}, log: () => {}}
  const link = new SocketLink(accepted[0], true, null, Date.now(), handlers)
  client.resetAndDestroy()
  accepted[0].destroy()
  await new Promise((r) => setTimeout(r, 20))
  assert.equal(link.remoteIp, '127.0.0.1')
  assert.equal(link.localIp, '127.0.0.1')
  server.close()
})

test('the PONG that completes a handshake already teaches the peer slots (no wait for its next heartbeat)', () => {
  const fnet = new FakeNet()
  const a = fnet.add(7001, ID('a'))
  const b = fnet.add(7002, ID('b'))
  for (let j = 0; j < 16384; j++) (j < 8192 ? a : b).addSlot((j < 8192 ? a : b).myself, j)
  a.startHandshake('127.0.0.1', 7002, 17002)
  const knows = (x: typeof a, id: string) => {
    const n = x.nodes.get(id)
    return n !== undefined && !n.inHandshake
  }
  assert.ok(fnet.until(() => knows(a, ID('b')), 5000) >= 0, 'a never completed its handshake with b')
  const bOnA = a.nodes.get(ID('b'))!
  assert.equal(bOnA.numSlots, 8192, "b's slots are known as soon as b's id is")
  assert.equal(a.slots[16383], bOnA)
  assert.ok(fnet.until(() => knows(b, ID('a')), 5000) >= 0, 'b never completed its handshake with a')
  assert.equal(b.nodes.get(ID('a'))!.numSlots, 8192)
})

// Cluster bus timing that is not Redis 7.0's (README "What still differs"): a node added by CLUSTER
// MEET, a MEET received or gossip is connected at the end of the event-loop turn (Todo.CONNECT_NEW),
// not at the next cron tick; and a handshake completed by the peer's PONG is followed by one PING,
// which carries whatever changed here since our MEET (a role taken meanwhile).
import {test} from 'node:test'
import assert from 'node:assert/strict'
import {FakeNet} from '../fixtures/bus/fake-net.js'
import {MsgType, decode} from '../../src/node/cluster/bus/codec.js'

const ID = (c: string) => c.repeat(40)

/** Deliver everything and run every node's beforeSleep, without moving the clock (no cron tick). */
function settle(fnet: FakeNet): void {
  for (let i = 0; i < 20; i++) fnet.drain()
}

test('CLUSTER MEET completes both handshakes without waiting for a cron tick', () => {
  const fnet = new FakeNet()
  const a = fnet.add(7001, ID('a'))
  const b = fnet.add(7002, ID('b'))
  const c = fnet.add(7003, ID('c'))
  const t0 = fnet.clock.now()
  a.startHandshake('127.0.0.1', 7002, 17002)
  b.startHandshake('127.0.0.1', 7003, 17003)
  settle(fnet)
  assert.equal(fnet.clock.now(), t0, 'no time passed')
  const knows = (x: typeof a, id: string) => x.nodes.get(id) !== undefined && !x.nodes.get(id)!.inHandshake
  assert.ok(knows(a, ID('b')) && knows(b, ID('a')), 'a and b know each other')
  assert.ok(knows(b, ID('c')) && knows(c, ID('b')), 'b and c know each other')
})

test('a completed handshake is followed by one PING from the side that met', () => {
  const fnet = new FakeNet()
  const a = fnet.add(7001, ID('a'))
  fnet.add(7002, ID('b'))
  a.startHandshake('127.0.0.1', 7002, 17002)
  settle(fnet)
  const fromA = fnet.sentFrames.filter((f) => f.from === a).map((f) => decode(f.frame).header.type)
  // MEET, then (once b's PONG renamed the handshake node) a PING, all before any cron tick
  assert.equal(fromA[0], MsgType.MEET)
  assert.ok(fromA.slice(1).includes(MsgType.PING), `a sent ${fromA.join(',')}`)
})

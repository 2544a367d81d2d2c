// Bad input on the cluster bus port (reliability.md scenario 20): garbage and malformed frames
// drop the link without crashing; a forged high-epoch claim from an unknown sender changes
// nothing but is still answered with a PONG (as Redis does).
import {test, describe, before, after} from 'node:test'
import assert from 'node:assert/strict'
import * as fs from 'node:fs'
import * as net from 'node:net'
import {Redis} from 'ioredis'
import {startEmbedded, tmpDir, type EmbeddedNode} from '../fixtures/bus/embedded.js'
import {encode, decode, BusFramer, MsgType, NodeFlag} from '../../src/node/cluster/bus/codec.js'

function exchange(port: number, payload: Buffer, waitMs = 1000): Promise<{closed: boolean; data: Buffer}> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = []
    const sock = net.connect(port, '127.0.0.1', () => sock.write(payload))
    const done = (closed: boolean) => {
      clearTimeout(timer)
      sock.destroy()
      resolve({closed, data: Buffer.concat(chunks)})
    }
    const timer = setTimeout(() => done(false), waitMs)
    sock.on('data', (d) => chunks.push(d))
    sock.on('close', () => done(true))
    sock.on('error', () => {})
  })
}

describe('cluster bus robustness', () => {
  let dir: string
  let node: EmbeddedNode
  let client: Redis

  before(async () => {
    dir = tmpDir('cluster-bus-fuzz')
    node = await startEmbedded(dir)
    client = new Redis(node.port, '127.0.0.1')
    await client.call('cluster', 'addslotsrange', '0', '100')
  })
  after(async () => {
    client.disconnect()
    await node.stop()
    fs.rmSync(dir, {recursive: true, force: true})
  })

  test('garbage, bad signature and forged lengths close the link', async () => {
    assert.equal((await exchange(node.busPort, Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n'))).closed, true)
    assert.equal((await exchange(node.busPort, Buffer.from('RCmb\xff\xff\xff\xff', 'latin1'))).closed, true)
    const header = Buffer.alloc(2256)
    header.write('RCmb', 0, 'latin1')
    header.writeUInt32BE(2256, 4)
    header.writeUInt16BE(1, 8)
    header.writeUInt16BE(77, 12) // unknown type
    assert.equal((await exchange(node.busPort, header)).closed, true)
    assert.equal(await client.ping(), 'PONG')
  })

  test('forged PING from an unknown sender: PONG reply, no epoch or slot change', async () => {
    const all = new Uint8Array(2048).fill(0xff)
    const frame = encode({
      header: {type: MsgType.PING, port: 1, currentEpoch: 1000, configEpoch: 1000, offset: 0, sender: 'f'.repeat(40),
        myslots: all, slaveof: null, myip: '', pport: 0, cport: 2, flags: NodeFlag.MASTER, state: 0, mflags: [0, 0, 0]},
      body: {kind: 'gossip', gossip: [], extensions: []},
    })
    const {data} = await exchange(node.busPort, frame, 500)
    const frames = new BusFramer().push(data)
    assert.equal(frames.length, 1)
    const pong = decode(frames[0])
    assert.equal(pong.header.type, MsgType.PONG)
    assert.equal(pong.header.sender, node.rt.st.myself.id)
    const info = (await client.call('cluster', 'info')) as string
    assert.match(info, /cluster_current_epoch:0\r\n/)
    assert.match(info, /cluster_slots_assigned:101\r\n/)
    assert.match(info, /cluster_known_nodes:1\r\n/)
  })
})

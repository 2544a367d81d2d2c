// Bus frames sent in one event-loop turn leave in one writev (a pipeline of CLUSTER SETSLOT ... NODE
// broadcasts one PONG per slot), and arrive intact and in order.
import {test} from 'node:test'
import assert from 'node:assert/strict'
import net from 'node:net'
import {SocketLink, type LinkHandlers} from '../../src/node/cluster/bus/links.js'

const handlers = (onFrame: (f: Buffer) => void = () => {}): LinkHandlers => ({
  onFrame: (_l, f) => {
    onFrame(f)
    return true
  },
  onConnect: () => {},
  onClose: () => {},
  log: () => {},
})

/** A frame the BusFramer accepts: "RCmb" signature + total length (big-endian), then a tag byte. */
function frame(tag: number, size = 2256): Buffer {
  const b = Buffer.alloc(size)
  b.write('RCmb', 0, 'latin1')
  b.writeUInt32BE(size, 4)
  b[size - 1] = tag
  return b
}

test('frames of one turn leave in one writev and arrive in order', async () => {
  const server = net.createServer()
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  const port = (server.address() as net.AddressInfo).port
  const accepted = new Promise<net.Socket>((r) => server.once('connection', r))
  const out = net.connect(port, '127.0.0.1')
  await new Promise((r) => out.once('connect', r))
  const inSock = await accepted
  const got: number[] = []
  const receiver = new SocketLink(inSock, true, null, Date.now(), handlers((f) => got.push(f[f.length - 1])))
  const sender = new SocketLink(out, true, null, Date.now(), handlers())
  const calls = {write: 0, writev: 0}
  const s = out as unknown as {_write: (...a: unknown[]) => void; _writev: (...a: unknown[]) => void}
  const w = s._write.bind(out)
  const wv = s._writev.bind(out)
  s._write = (...a) => {
    calls.write++
    w(...a)
  }
  s._writev = (...a) => {
    calls.writev++
    wv(...a)
  }
  try {
    for (let i = 0; i < 20; i++) sender.send(frame(i))
    await new Promise((r) => setImmediate(r))
    assert.deepEqual(calls, {write: 0, writev: 1})
    sender.send(frame(20))
    await new Promise((r) => setImmediate(r))
    assert.equal(calls.write + calls.writev, 2, 'a later turn is a separate write')
    const deadline = Date.now() + 5000
    while (got.length < 21 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10))
    assert.deepEqual(got, Array.from({length: 21}, (_, i) => i))
  } finally {
    sender.close()
    receiver.close()
    server.close()
  }
})

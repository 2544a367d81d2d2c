// Cluster bus codec vs frames captured from redis-server 7.0.15 (test/fixtures/bus/capture.ts).
import {test, describe} from 'node:test'
import assert from 'node:assert/strict'
import * as fs from 'node:fs'
import * as path from 'node:path'
import {fileURLToPath} from 'node:url'
import {
  decode, encode, BusFramer, BusCodecError, MsgType, NodeFlag, MFlag0, extHostname, hostnameExt,
  forgottenNodeExt, HEADER_LEN, type BusMessage,
} from '../../src/node/cluster/bus/codec.js'

const dir = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'bus')
const meta = JSON.parse(fs.readFileSync(path.join(dir, 'capture.json'), 'utf8'))
const ids = meta.ids as Record<string, string>
const fixture = (name: string) => Buffer.from(fs.readFileSync(path.join(dir, `${name}.hex`), 'utf8').trim(), 'hex')
const fixtures = fs.readdirSync(dir).filter((f) => f.endsWith('.hex')).map((f) => f.slice(0, -4))

function slotSet(bitmap: Uint8Array, slot: number): boolean {
  return (bitmap[slot >> 3] & (1 << (slot & 7))) !== 0
}

describe('bus codec vs real redis 7.0.15 frames', () => {
  test('fixtures present', () => assert.ok(fixtures.length >= 10, fixtures.join(',')))

  for (const name of fixtures) {
    test(`${name}: decode then encode is byte-identical`, () => {
      const raw = fixture(name)
      const msg = decode(raw)
      assert.deepEqual(encode(msg), raw)
    })
  }

  test('MEET from A: header fields and hostname extension', () => {
    const m = decode(fixture('meet-from-A-ext'))
    assert.equal(m.header.type, MsgType.MEET)
    assert.equal(m.header.sender, ids.A)
    assert.equal(m.header.port, meta.ports.A.port)
    assert.equal(m.header.cport, meta.ports.A.announced)
    assert.equal(m.header.flags, NodeFlag.MASTER | NodeFlag.MYSELF)
    assert.equal(m.header.currentEpoch, 3)
    assert.equal(m.header.configEpoch, 3)
    assert.equal(m.header.slaveof, null)
    assert.equal(m.header.myip, '')
    assert.equal(m.header.mflags[0] & MFlag0.EXT_DATA, MFlag0.EXT_DATA)
    assert.ok(slotSet(m.header.myslots, 0) && slotSet(m.header.myslots, 5000) && !slotSet(m.header.myslots, 5001))
    assert.equal(m.body.kind, 'gossip')
    if (m.body.kind !== 'gossip') return
    assert.equal(extHostname(m.body.extensions), 'node-a.example')
  })

  test('PING from A carries a gossip entry about C', () => {
    const m = decode(fixture('ping-from-A-ext'))
    assert.equal(m.body.kind, 'gossip')
    if (m.body.kind !== 'gossip') return
    assert.equal(m.body.gossip.length, 1)
    const g = m.body.gossip[0]
    assert.equal(g.nodename, ids.C)
    assert.equal(g.ip, '127.0.0.1')
    assert.equal(g.port, meta.ports.C.port)
    assert.equal(g.cport, meta.ports.C.announced)
    assert.equal(g.flags, NodeFlag.MASTER)
  })

  test('PING without hostname has no EXT_DATA flag', () => {
    const m = decode(fixture('ping-from-B'))
    assert.equal(m.header.mflags[0], 0)
    assert.equal(m.header.sender, ids.B)
    assert.equal(m.header.configEpoch, 1)
  })

  test('PUBLISH, UPDATE, FAIL payloads', () => {
    const p = decode(fixture('publish-from-A'))
    assert.equal(p.body.kind, 'publish')
    if (p.body.kind === 'publish') {
      assert.equal(p.body.channel.toString(), 'chan')
      assert.equal(p.body.message.toString(), 'hello')
    }
    const u = decode(fixture('update-from-A'))
    assert.equal(u.body.kind, 'update')
    if (u.body.kind === 'update') {
      assert.equal(u.body.nodename, ids.A)
      assert.equal(u.body.configEpoch, 3)
      assert.ok(slotSet(u.body.slots, 0) && !slotSet(u.body.slots, 5001))
    }
    const f = decode(fixture('fail-from-B'))
    assert.deepEqual(f.body, {kind: 'fail', nodename: ids.C})
  })

  test('hostname extension encoding matches Redis padding', () => {
    const m = decode(fixture('ping-from-A-ext'))
    if (m.body.kind !== 'gossip') throw new Error('kind')
    assert.deepEqual(hostnameExt('node-a.example'), m.body.extensions[0])
  })
})

describe('bus codec strict validation', () => {
  const good = () => fixture('ping-from-A-ext')

  test('bad signature', () => {
    const b = good()
    b.write('XXXX', 0)
    assert.throws(() => decode(b), BusCodecError)
  })
  test('totlen mismatch', () => {
    const b = good()
    b.writeUInt32BE(b.length + 1, 4)
    assert.throws(() => decode(b), /totlen/)
  })
  test('count mismatch', () => {
    const b = good()
    b.writeUInt16BE(2, 14)
    assert.throws(() => decode(b), BusCodecError)
  })
  test('unknown type', () => {
    const b = fixture('fail-from-A')
    b.writeUInt16BE(42, 12)
    assert.throws(() => decode(b), /unknown message type/)
  })
  test('bad extension padding', () => {
    const b = good()
    b.writeUInt32BE(23, HEADER_LEN + 104)
    assert.throws(() => decode(b), BusCodecError)
  })
  test('short packet', () => assert.throws(() => decode(Buffer.from('RCmb')), BusCodecError))
  test('unknown extension types are skipped but kept for re-encoding', () => {
    const m = decode(good())
    if (m.body.kind !== 'gossip') throw new Error('kind')
    m.body.extensions.push({type: 99, data: Buffer.alloc(16, 7)}, forgottenNodeExt(ids.B, 60))
    const re = decode(encode(m))
    assert.deepEqual(re, m)
    assert.equal(extHostname(m.body.extensions), 'node-a.example')
  })
})

describe('BusFramer', () => {
  test('splits concatenated frames delivered byte by byte', () => {
    const a = fixture('ping-from-B')
    const b = fixture('publish-from-A')
    const stream = Buffer.concat([a, b, a])
    const f = new BusFramer()
    const out: Buffer[] = []
    for (let i = 0; i < stream.length; i += 97) out.push(...f.push(stream.subarray(i, i + 97)))
    assert.equal(out.length, 3)
    assert.deepEqual(out[1], b)
    assert.deepEqual(out[2], a)
  })
  test('rejects garbage and forged lengths early', () => {
    assert.throws(() => new BusFramer().push(Buffer.from('GET / HTTP/1.1\r\n')), BusCodecError)
    const forged = Buffer.from('RCmb\xff\xff\xff\xff', 'latin1')
    assert.throws(() => new BusFramer().push(forged), /length/)
    const tiny = Buffer.from('RCmb\x00\x00\x00\x10', 'latin1')
    assert.throws(() => new BusFramer().push(tiny), /length/)
  })
  test('64-bit epochs and offsets: exact above 2^32, out-of-range ones refused', () => {
    const raw = fixture('ping-from-A-ext')
    const msg = decode(raw)
    const big = {...msg, header: {...msg.header, currentEpoch: 2 ** 40 + 7, configEpoch: 0x1fffff * 2 ** 32 + 0xffffffff, offset: 2 ** 32}}
    const frame = encode(big)
    assert.equal(frame.readBigUInt64BE(16), 2n ** 40n + 7n)
    assert.equal(frame.readBigUInt64BE(24), BigInt(Number.MAX_SAFE_INTEGER))
    assert.equal(frame.readBigUInt64BE(32), 2n ** 32n)
    const back = decode(frame).header
    assert.equal(back.currentEpoch, 2 ** 40 + 7)
    assert.equal(back.configEpoch, Number.MAX_SAFE_INTEGER)
    assert.equal(back.offset, 2 ** 32)
    frame.writeBigUInt64BE(BigInt(Number.MAX_SAFE_INTEGER) + 1n, 32)
    assert.throws(() => decode(frame), /out of range/)
  })
  test('the decoded slot bitmap reads the frame (what a frame claims, byte for byte)', () => {
    const raw = fixture('ping-from-A-ext')
    const m = decode(raw)
    assert.equal(m.header.myslots.length, 2048)
    assert.ok(Buffer.from(m.header.myslots).equals(raw.subarray(80, 80 + 2048)))
  })
  test('random mutations never throw anything but BusCodecError', () => {
    const base = fixture('ping-from-A-ext')
    let seed = 12345
    const rnd = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff)
    for (let i = 0; i < 2000; i++) {
      const b = Buffer.from(base)
      for (let k = 0; k < 4; k++) b[Math.floor(rnd() * 2400) % b.length] = Math.floor(rnd() * 256)
      try {
        decode(b)
      } catch (e) {
        assert.ok(e instanceof BusCodecError, String(e))
      }
    }
  })
})

export type {BusMessage}

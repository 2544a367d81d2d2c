// CRC-64/Jones: the standard check value, Redis's own test vector, a real DUMP footer,
// chunked updates equal one pass, and the table path against a bit-by-bit BigInt reference.
import {test} from 'node:test'
import assert from 'node:assert/strict'
import {crc64, Crc64} from '../../src/node/persistence/crc64.js'

function reference(buf: Uint8Array): bigint {
  const poly = 0x95ac9329ac4bc9b5n
  let crc = 0n
  for (const byte of buf) {
    crc ^= BigInt(byte)
    for (let k = 0; k < 8; k++) crc = crc & 1n ? (crc >> 1n) ^ poly : crc >> 1n
  }
  return crc
}

test('check value for "123456789"', () => {
  assert.equal(crc64(Buffer.from('123456789')), 0xe9c6d914c4b8d9can)
})

test('empty input is 0', () => {
  assert.equal(crc64(Buffer.alloc(0)), 0n)
})

test('reproduces the footer of a real redis 7.0.15 DUMP of "bar"', () => {
  const payload = Buffer.from('00036261720a00e6be4960ee66fd17', 'hex')
  const c = new Crc64().update(payload, 0, payload.length - 8)
  assert.equal(c.digest(), payload.readBigUInt64LE(payload.length - 8))
  assert.ok(c.matchesLE(payload, payload.length - 8))
  const out = Buffer.alloc(8)
  c.writeLE(out, 0)
  assert.deepEqual(out, payload.subarray(payload.length - 8))
})

test('slicing-by-8 agrees with the bitwise reference for all lengths and offsets', () => {
  const data = Buffer.alloc(200)
  for (let i = 0; i < data.length; i++) data[i] = (i * 131 + 17) & 0xff
  for (let len = 0; len < 40; len++) {
    for (const start of [0, 1, 3, 7]) {
      const slice = data.subarray(start, start + len)
      assert.equal(crc64(data, start, start + len), reference(slice), `len ${len} start ${start}`)
    }
  }
  assert.equal(crc64(data), reference(data))
})

test('chunked update equals a single pass', () => {
  const data = Buffer.alloc(1000)
  for (let i = 0; i < data.length; i++) data[i] = (i * 7919) & 0xff
  const whole = crc64(data)
  for (const cut of [1, 5, 8, 13, 500, 999]) {
    const c = new Crc64().update(data.subarray(0, cut)).update(data.subarray(cut))
    assert.equal(c.digest(), whole)
  }
})

test('fast enough: 8 MiB well under a second', () => {
  const big = Buffer.alloc(8 << 20, 0x5a)
  const t = performance.now()
  crc64(big)
  assert.ok(performance.now() - t < 1000)
})

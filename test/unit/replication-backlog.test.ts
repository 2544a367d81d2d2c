// The replication backlog ring: absolute offsets, wrap-around, what a partial resync may read.
import {describe, test} from 'node:test'
import assert from 'node:assert/strict'
import {Backlog} from '../../src/node/replication/backlog.js'
import {replicaLimits} from '../../src/node/replication/state.js'

const text = (bufs: Buffer[] | null) => (bufs === null ? null : Buffer.concat(bufs).toString('latin1'))

describe('replication backlog', () => {
  test('offsets start after the creation offset; everything held can be read back from any point', () => {
    const b = new Backlog(16 * 1024, 100)
    assert.equal(b.firstByteOffset, 101)
    b.append(Buffer.from('hello '))
    b.append(Buffer.from('world'))
    assert.equal(b.histlen, 11)
    assert.equal(text(b.readFrom(101)), 'hello world')
    assert.equal(text(b.readFrom(107)), 'world')
    assert.equal(text(b.readFrom(112)), '', 'the next offset: nothing to send, but a partial resync is possible')
    assert.equal(b.readFrom(113), null, 'beyond what was produced')
    assert.equal(b.readFrom(100), null, 'before the backlog')
  })

  test('wrapping keeps the newest bytes and moves the first offset', () => {
    const size = 16 * 1024
    const b = new Backlog(size, 0)
    let all = ''
    for (let i = 0; i < 100; i++) {
      const chunk = `<${i}>`.padEnd(300 + (i % 7), String.fromCharCode(97 + (i % 26)))
      all += chunk
      b.append(Buffer.from(chunk, 'latin1'))
    }
    assert.equal(b.histlen, size)
    assert.equal(b.firstByteOffset, all.length - size + 1)
    assert.equal(text(b.readFrom(b.firstByteOffset)), all.slice(all.length - size))
    const mid = b.firstByteOffset + 5000
    assert.equal(text(b.readFrom(mid)), all.slice(mid - 1))
    assert.equal(b.readFrom(b.firstByteOffset - 1), null)
  })

  test('a write larger than the ring keeps its tail', () => {
    const b = new Backlog(16 * 1024, 0)
    const big = 'x'.repeat(10000) + 'y'.repeat(20000)
    b.append(Buffer.from(big))
    assert.equal(b.histlen, 16 * 1024)
    assert.equal(text(b.readFrom(30000 - 16 * 1024 + 1)), big.slice(30000 - 16 * 1024))
  })

  test('resize keeps as much recent history as fits', () => {
    const b = new Backlog(64 * 1024, 0)
    const data = 'abcdefghij'.repeat(5000)
    b.append(Buffer.from(data))
    const small = b.resize(16 * 1024, data.length)
    assert.equal(small.histlen, 16 * 1024)
    assert.equal(text(small.readFrom(data.length - 16 * 1024 + 1)), data.slice(data.length - 16 * 1024))
    const bigger = small.resize(128 * 1024, data.length)
    assert.equal(text(bigger.readFrom(data.length - 16 * 1024 + 1)), data.slice(data.length - 16 * 1024))
    bigger.append(Buffer.from('Z'))
    assert.equal(text(bigger.readFrom(data.length + 1)), 'Z')
  })

  test('client-output-buffer-limit: the replica class, in bytes and units', () => {
    assert.deepEqual(replicaLimits('normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60'), {hard: 268435456, soft: 67108864, seconds: 60})
    assert.deepEqual(replicaLimits('normal 0 0 0 replica 1mb 512kb 5 pubsub 0 0 0'), {hard: 1048576, soft: 524288, seconds: 5})
  })
})

// The replication buffer/backlog: absolute offsets, 16 KiB blocks shared with the replicas, trimming
// that keeps what a lagging replica needs, what a partial resync may read.
import {describe, test} from 'node:test'
import assert from 'node:assert/strict'
import {Backlog, REPL_BLOCK} from '../../src/node/replication/backlog.js'
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

  test('beyond its size, whole head blocks are freed: the history keeps at least `size` bytes, at most one block more', () => {
    const size = 16 * 1024
    const b = new Backlog(size, 0)
    let all = ''
    for (let i = 0; i < 300; i++) {
      const chunk = `<${i}>`.padEnd(300 + (i % 7), String.fromCharCode(97 + (i % 26)))
      all += chunk
      b.append(Buffer.from(chunk, 'latin1'))
      b.trim(Infinity)
    }
    assert.ok(b.histlen >= size && b.histlen <= size + REPL_BLOCK, `histlen ${b.histlen}`)
    assert.equal(b.firstByteOffset, all.length - b.histlen + 1)
    assert.equal(text(b.readFrom(b.firstByteOffset)), all.slice(all.length - b.histlen))
    const mid = b.firstByteOffset + 5000
    assert.equal(text(b.readFrom(mid)), all.slice(mid - 1))
    assert.equal(b.readFrom(b.firstByteOffset - 1), null)
    assert.equal(b.allocated % REPL_BLOCK, 0, 'small writes share 16 KiB blocks')
  })

  test('a write larger than a block spans blocks; the history never drops below the size', () => {
    const b = new Backlog(16 * 1024, 0)
    const big = 'x'.repeat(10000) + 'y'.repeat(20000)
    const views = b.append(Buffer.from(big))
    assert.equal(text(views), big, 'the views handed to the replicas are the write')
    b.trim(Infinity)
    assert.equal(b.histlen, 30000)
    assert.equal(text(b.readFrom(1)), big)
  })

  test('blocks a replica still needs are kept: the history grows beyond the size, and shrinks once released', () => {
    const b = new Backlog(16 * 1024, 0)
    const chunk = Buffer.alloc(1000, 'a')
    for (let i = 0; i < 200; i++) {
      b.append(chunk)
      b.trim(1001) // a replica still needs everything from offset 1001
    }
    assert.equal(b.firstByteOffset, 1, 'the first block holds offset 1001: nothing freed')
    assert.equal(b.histlen, 200000)
    assert.equal(text(b.readFrom(1001))?.length, 199000, 'a partial resync can start anywhere in it')
    b.trim(Infinity)
    assert.ok(b.histlen >= 16 * 1024 && b.histlen <= 32 * 1024, `histlen ${b.histlen}`)
    assert.ok(b.allocated <= 32 * 1024 + 1000)
  })

  test('a smaller size frees history down to it; a larger one keeps appending', () => {
    const b = new Backlog(256 * 1024, 0)
    const data = 'abcdefghij'.repeat(20000)
    b.append(Buffer.from(data))
    assert.equal(b.histlen, data.length)
    b.size = 16 * 1024
    b.trim(Infinity)
    assert.ok(b.histlen >= 16 * 1024 && b.histlen <= 32 * 1024, `histlen ${b.histlen}`)
    assert.equal(text(b.readFrom(b.firstByteOffset)), data.slice(data.length - b.histlen))
    for (let i = 0; i < 40; i++) b.append(Buffer.from(data.slice(0, 1000)))
    b.trim(Infinity)
    assert.ok(b.histlen <= 16 * 1024 + REPL_BLOCK, `histlen ${b.histlen}`)
    b.append(Buffer.from('Z'))
    assert.equal(text(b.readFrom(b.firstByteOffset + b.histlen - 1)), 'Z')
  })

  test('client-output-buffer-limit: the replica class, in bytes and units', () => {
    assert.deepEqual(replicaLimits('normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60'), {hard: 268435456, soft: 67108864, seconds: 60})
    assert.deepEqual(replicaLimits('normal 0 0 0 replica 1mb 512kb 5 pubsub 0 0 0'), {hard: 1048576, soft: 524288, seconds: 5})
  })
})

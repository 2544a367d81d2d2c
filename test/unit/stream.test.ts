// The stream value type and its RDB codec without sockets: ID parsing (redis string2ull rules),
// node layout (entries per node, SAMEFIELDS, tombstones), O(log n) range seeks on a large stream,
// trimming (exact and whole-node ~), consumer-group counters, and a codec round trip.
import {test} from 'node:test'
import assert from 'node:assert/strict'
import {formatId, ID_MAX, makeId, parseStreamId, raxNodeCount, Stream, StreamConsumer, StreamGroup} from '../../src/node/keyspace/stream.js'
import {ByteReader, ByteWriter} from '../../src/node/persistence/byte-io.js'
import {readStream, writeStream} from '../../src/node/persistence/rdb-stream-value.js'

const id = (ms: number, seq = 0) => makeId(BigInt(ms), BigInt(seq))

test('stream IDs parse like redis (strict, "-"/"+", <ms>-*, strtoull forms)', () => {
  assert.equal(formatId(parseStreamId('5', 0n, false)!.id), '5-0')
  assert.equal(formatId(parseStreamId('5', (1n << 64n) - 1n, false)!.id), '5-18446744073709551615')
  assert.equal(parseStreamId('+', 0n, false)!.id, ID_MAX)
  assert.equal(parseStreamId('-', 0n, true), null)
  assert.equal(parseStreamId('18446744073709551616-0', 0n, true), null)
  assert.equal(formatId(parseStreamId('0123-+5', 0n, true)!.id), '123-5')
  assert.equal(parseStreamId('-1', 0n, true), null)
  assert.equal(parseStreamId('1-*', 0n, true), null)
  assert.deepEqual(parseStreamId('1-*', 0n, true, true), {id: id(1), seqGiven: false})
  assert.equal(parseStreamId('', 0n, false), null)
  assert.equal(parseStreamId('1-2-3', 0n, false), null)
})

test('nodes hold stream-node-max-entries entries, keep tombstones, and seek by ID', () => {
  const s = new Stream()
  for (let i = 1; i <= 100000; i++) s.append(id(i), ['f', String(i)], 4096, 100)
  assert.equal(s.nodes.length, 1000)
  assert.equal(s.raxNodes() > s.nodes.length, true)
  let got: string[] = []
  const t0 = process.hrtime.bigint()
  for (let k = 0; k < 1000; k++) {
    got = []
    s.range(id(77777), id(77779), false, 0, (x) => void got.push(formatId(x)))
  }
  assert.deepEqual(got, ['77777-0', '77778-0', '77779-0'])
  // 1000 seeks into 100k entries: a linear scan would take seconds, a seek microseconds each.
  assert.ok(Number(process.hrtime.bigint() - t0) / 1e6 < 2000)
  got = []
  s.range(0n, id(250), true, 3, (x) => void got.push(formatId(x)))
  assert.deepEqual(got, ['250-0', '249-0', '248-0'])
  assert.equal(s.deleteEntry(id(150)), true)
  assert.equal(s.deleteEntry(id(150)), false)
  assert.equal(s.nodes[1].deleted, 1)
  assert.equal(s.get(id(150)), undefined)
  for (let i = 101; i <= 200; i++) s.deleteEntry(id(i))
  assert.equal(s.nodes.length, 999, 'a node whose entries are all deleted is dropped')
  assert.equal(s.length, 100000 - 100)
})

test('~ trimming removes whole nodes only, within LIMIT; exact trimming leaves tombstones', () => {
  const s = new Stream()
  for (let i = 1; i <= 100; i++) s.append(id(i), ['f', 'v'], 4096, 10)
  assert.equal(s.trim({strategy: 'maxlen', maxlen: 55, minid: 0n, approx: true, limit: 30}), 30)
  assert.equal(s.length, 70)
  assert.equal(s.trim({strategy: 'maxlen', maxlen: 55, minid: 0n, approx: true, limit: 0}), 10)
  assert.equal(s.trim({strategy: 'maxlen', maxlen: 55, minid: 0n, approx: false, limit: 0}), 5)
  assert.equal(s.nodes[0].deleted, 5)
  assert.equal(formatId(s.firstId), '46-0')
  assert.equal(s.trim({strategy: 'minid', maxlen: 0, minid: id(61), approx: true, limit: 0}), 15)
  assert.equal(formatId(s.firstId), '61-0')
})

test('lag and entries-read estimates follow redis (tombstones make them unknown)', () => {
  const s = new Stream()
  for (let i = 1; i <= 5; i++) s.append(id(i), ['d', 'x'], 4096, 100)
  const g = new StreamGroup(0n, -1)
  assert.equal(s.groupLag(g), 5)
  s.deleteEntry(id(3))
  s.maxDeletedId = id(3)
  assert.equal(s.groupLag(g), null)
  g.lastId = id(5)
  assert.equal(s.groupLag(g), 0)
})

test('the RDB codec round-trips nodes, groups, PELs and consumers byte for byte', () => {
  const s = new Stream()
  for (let i = 1; i <= 250; i++) s.append(id(1000 + i, i % 3), i % 7 ? ['a', String(i), 'b', 'x'.repeat(i % 50)] : ['other', '-12'], 4096, 100)
  s.deleteEntry(id(1005, 2))
  s.maxDeletedId = id(1005, 2)
  const g = new StreamGroup(id(1100), 100)
  const c = new StreamConsumer('alice', 1700000000000)
  g.consumers.set('alice', c)
  g.consumers.set('idle', new StreamConsumer('idle', 1))
  const nack = {deliveryTime: 1700000000123, deliveryCount: 3, consumer: c}
  g.pel.tryInsert(id(1010, 1), nack)
  c.pel.tryInsert(id(1010, 1), nack)
  s.groups.set('g', g)
  const w = new ByteWriter()
  writeStream(w, s, true)
  const bytes = w.take()
  assert.equal(bytes[0], 19)
  const r = new ByteReader(bytes, 1, bytes.length)
  const back = readStream(r, 19)
  assert.equal(back.length, 249)
  assert.equal(back.groups.get('g')!.pel.get(id(1010, 1))!.consumer!.name, 'alice')
  const w2 = new ByteWriter()
  writeStream(w2, back, true)
  assert.equal(w2.take().toString('hex'), bytes.toString('hex'))
  const copy = s.clone()
  const w3 = new ByteWriter()
  writeStream(w3, copy, true)
  assert.equal(w3.take().toString('hex'), bytes.toString('hex'))
})

test('radix-tree-nodes kept between calls follows every change of the node index', () => {
  // the count walks every node (3 ms per XINFO STREAM at 1M entries); it is kept while the index
  // has the same length, first and last master, and must equal a fresh count after any change
  const s = new Stream()
  const fresh = () => raxNodeCount(s.nodes.map((n) => n.master))
  let next = 1
  const check = (what: string) => {
    assert.equal(s.raxNodes(), fresh(), what)
    assert.equal(s.raxNodes(), fresh(), `${what}, again`)
  }
  check('empty')
  for (let round = 0; round < 60; round++) {
    for (let i = 0; i < 37; i++) s.append(id(next++ * 3), ['f', 'v'], 0, 5)
    check(`round ${round}: appended`)
    // empty a middle node (XDEL of each of its entries), then the last one
    for (const which of ['middle', 'last']) {
      const ni = which === 'middle' ? Math.floor(s.nodes.length / 2) : s.nodes.length - 1
      for (const e of [...s.nodes[ni].ids]) s.deleteEntry(e)
      check(`round ${round}: node ${ni} emptied`)
    }
    if (round % 7 === 6) {
      s.trim({strategy: 'maxlen', maxlen: Math.floor(s.length / 2), minid: 0n, approx: round % 2 === 0, limit: 0})
      check(`round ${round}: trimmed`)
    }
  }
})

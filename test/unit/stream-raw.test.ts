// Redis's stream iterator over a node's raw listpack (keyspace/stream-raw.ts, used for nodes kept
// unparsed under sanitize-dump-payload no): on well-formed nodes it yields exactly what the parsed
// node holds, forward and backward, in any ID range, tombstones skipped; on a damaged listpack it
// fails the assertion Redis's listpack navigation fails.
import {test} from 'node:test'
import assert from 'node:assert/strict'
import {makeId, Stream, type StreamId, type StreamNode} from '../../src/node/keyspace/stream.js'
import {iterateRawNode} from '../../src/node/keyspace/stream-raw.js'
import {encodeStreamNode} from '../../src/node/persistence/rdb-stream-value.js'
import {ServerAssertion} from '../../src/node/errors.js'

const id = (ms: number, seq = 0) => makeId(BigInt(ms), BigInt(seq))

/** A stream of several nodes: same-field and other-field entries, some deleted. */
function sample(): Stream {
  const s = new Stream()
  for (let i = 1; i <= 23; i++) {
    const fv = i % 3 === 0 ? ['other', String(i), 'x', 'y'] : ['f', String(i * 1000)]
    s.append(id(i, i % 2), fv, 4096, 5)
  }
  for (const i of [2, 7, 8, 15]) assert.ok(s.deleteEntry(id(i, i % 2)))
  return s
}

function parsed(node: StreamNode, start: StreamId, end: StreamId, rev: boolean): [StreamId, string[]][] {
  const out: [StreamId, string[]][] = []
  for (let i = 0; i < node.ids.length; i++) {
    if (node.ids[i] >= start && node.ids[i] <= end && !node.isDeleted(i)) out.push([node.ids[i], node.fv[i]])
  }
  return rev ? out.reverse() : out
}

function raw(node: StreamNode, start: StreamId, end: StreamId, rev: boolean): [StreamId, string[]][] {
  const out: [StreamId, string[]][] = []
  iterateRawNode(encodeStreamNode(node), node.master, start, end, rev, (x, fields) => {
    out.push([x, fields()])
    return true
  })
  return out
}

test('the raw iterator yields what the parsed node holds, both ways, in any range', () => {
  const s = sample()
  assert.ok(s.nodes.length >= 4)
  const bounds: [StreamId, StreamId][] = [
    [0n, (1n << 128n) - 1n],
    [id(3), id(11)],
    [id(8, 0), id(8, 0)],
    [id(20), id(100)],
  ]
  for (const node of s.nodes) {
    for (const [a, b] of bounds) {
      for (const rev of [false, true]) assert.deepEqual(raw(node, a, b, rev), parsed(node, a, b, rev), `node ${node.master} [${a}, ${b}] rev=${rev}`)
    }
  }
})

test('the emit callback stops the iteration; a damaged listpack fails the listpack assertion', () => {
  const node = sample().nodes[1]
  let seen = 0
  const more = iterateRawNode(encodeStreamNode(node), node.master, 0n, (1n << 128n) - 1n, false, () => ++seen < 2)
  assert.equal(more, false)
  assert.equal(seen, 2)
  // the last entry's back-length byte (just before the terminator) no longer matches its entry
  const lp = Buffer.from(encodeStreamNode(node))
  lp[lp.length - 2] = 0x7f
  assert.throws(
    () => iterateRawNode(lp, node.master, 0n, (1n << 128n) - 1n, true, () => true),
    (e: unknown) => e instanceof ServerAssertion && e.expr === 'lpValidateNext(lp, &p, lpbytes)',
  )
})

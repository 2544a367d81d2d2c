// Stream DUMP payloads (RDB_TYPE_STREAM_LISTPACKS_2) between redis-server 7.0 and the embedded
// node, both ways: a stream with several listpack nodes, SAMEFIELDS and mixed-field entries,
// integer-encoded fields, an LZF-compressed node, tombstones, consumer groups, PELs (one entry
// of which was deleted from the stream), an empty consumer and an empty stream. A payload
// RESTOREd on the other side and DUMPed again must come back byte for byte, and every
// introspection reply (XINFO STREAM FULL carries the PEL times and seen-times of the payload)
// must be equal on both sides. A type-15 payload (redis 5.0-6.2) loads with the same derived
// counters as on redis-server.
import {test} from 'node:test'
import assert from 'node:assert/strict'
import {redisSkip} from '../helpers/redis-server.js'
import {compareScript, pairHooks, RawClient, showMismatches} from './types-harness.js'
import {parseDumpPayload, finishDumpPayload} from '../../src/node/persistence/dump.js'
import {ByteWriter} from '../../src/node/persistence/byte-io.js'
import {encodeStreamNode} from '../../src/node/persistence/rdb-stream-value.js'
import {writeBlob, writeLength} from '../../src/node/persistence/rdb-primitives.js'
import type {Stream} from '../../src/node/keyspace/stream.js'

const skip = redisSkip()
const p = pairHooks()

function bulk(raw: string): string {
  assert.match(raw, /^\$\d+\r\n/, `not a bulk reply: ${raw.slice(0, 80)}`)
  const eol = raw.indexOf('\r\n')
  return raw.slice(eol + 2, eol + 2 + Number(raw.slice(1, eol)))
}

/** Builds the test stream with explicit IDs; returns nothing (state lives on the server). */
const BUILD: string[][] = [
  ['XADD', 's', '1-1', 'a', '1', 'b', '2'],
  ['XADD', 's', '1-2', 'a', '3', 'b', '4'],
  ['XADD', 's', '2-0', 'c', '5'],
  ['XADD', 's', '3-0', '12345', '-7', 'x', '9223372036854775807'],
  ['XADD', 's', '4-0', 'long', 'v'.repeat(300) + 'w'.repeat(300)],
  ...Array.from({length: 180}, (_, i) => ['XADD', 's', `${10 + i}-${i % 3}`, 'a', String(i), 'b', `val-${i}`]),
  ['XADD', 's', '18446744073709551614-5', 'edge', 'id'],
  ['XDEL', 's', '1-2', '50-1', '120-2'],
  ['XGROUP', 'CREATE', 's', 'g1', '0'],
  ['XGROUP', 'CREATE', 's', 'g2', '$'],
  ['XGROUP', 'CREATE', 's', 'g 3', '2-0', 'ENTRIESREAD', '5'],
  ['XREADGROUP', 'GROUP', 'g1', 'alice', 'COUNT', '3', 'STREAMS', 's', '>'],
  ['XREADGROUP', 'GROUP', 'g1', 'bob', 'COUNT', '2', 'STREAMS', 's', '>'],
  ['XREADGROUP', 'GROUP', 'g1', 'bob', 'NOACK', 'COUNT', '2', 'STREAMS', 's', '>'],
  ['XGROUP', 'CREATECONSUMER', 's', 'g1', 'carol'],
  ['XCLAIM', 's', 'g1', 'bob', '0', '1-1', 'TIME', '12345', 'RETRYCOUNT', '7'],
  ['XREADGROUP', 'GROUP', 'g 3', 'dan', 'STREAMS', 's', '>'],
  ['XDEL', 's', '2-0'],
  ['XGROUP', 'CREATE', 'e', 'g', '$', 'MKSTREAM'],
  ['XADD', 'dead', '5-5', 'f', 'v'],
  ['XDEL', 'dead', '5-5'],
]

const INSPECT = `
XINFO STREAM s FULL COUNT 0
XINFO STREAM s
XINFO GROUPS s
XPENDING s g1
XPENDING s g 3
XRANGE s - +
XINFO STREAM e FULL
XINFO STREAM dead FULL
OBJECT ENCODING s
`

async function dumps(port: number): Promise<Record<string, string>> {
  const c = await RawClient.connect(port)
  try {
    const out: Record<string, string> = {}
    for (const k of ['s', 'e', 'dead']) out[k] = bulk(await c.call(['DUMP', k]))
    return out
  } finally {
    c.close()
  }
}

async function run(port: number, cmds: string[][]): Promise<string[]> {
  const c = await RawClient.connect(port)
  try {
    const out: string[] = []
    for (const argv of cmds) out.push(await c.call(argv))
    return out
  } finally {
    c.close()
  }
}

/** Move every payload to `to` (fresh db), then DUMP them there. */
async function restoreAndDump(to: number, payloads: Record<string, string>): Promise<Record<string, string>> {
  const replies = await run(to, [['FLUSHALL'], ...Object.entries(payloads).map(([k, v]) => ['RESTORE', k, '0', v])])
  assert.deepEqual(replies, ['+OK\r\n', ...Object.keys(payloads).map(() => '+OK\r\n')])
  return dumps(to)
}

for (const dir of ['redis-server -> embedded', 'embedded -> redis-server'] as const) {
  test(`stream DUMP ${dir}: RESTORE, re-DUMP byte for byte, same introspection`, {skip}, async () => {
    const [from, to] = dir.startsWith('redis') ? [p.redisPort, p.ourPort] : [p.ourPort, p.redisPort]
    await run(from, [['FLUSHALL'], ...BUILD])
    const original = await dumps(from)
    for (const v of Object.values(original)) assert.equal(v.charCodeAt(0), 19, 'type RDB_TYPE_STREAM_LISTPACKS_2')
    // the payload decodes with our codec whoever wrote it
    assert.equal((parseDumpPayload(Buffer.from(original.s, 'latin1')) as {stream: Stream}).stream.length, 182)
    const again = await restoreAndDump(to, original)
    for (const k of Object.keys(original)) assert.equal(Buffer.from(again[k], 'latin1').toString('hex'), Buffer.from(original[k], 'latin1').toString('hex'), `${k}: re-DUMP differs`)
    // Same payload on both sides: every reply must be equal (times come from the payload).
    for (const resp of [2, 3] as const) {
      // compareScript flushes first, so restore inside the script itself
      const lines = [...Object.entries(original).map(([k, v]) => `RESTORE ${k} 0 "${Buffer.from(v, 'latin1').toString('latin1').replace(/[\\"]/g, (c) => '\\' + c)}"`), ...INSPECT.split('\n')]
      assert.equal(showMismatches(await compareScript(p.redisPort, p.ourPort, lines, resp)), '')
    }
  })
}

/** The pre-7.0 encoding of a stream (type 15): no first/max-deleted IDs, entries-added or entries-read. */
function legacyPayload(s: Stream): Buffer {
  const w = new ByteWriter()
  const len64 = (v: bigint) => {
    if (v <= 0xffffffffn) return writeLength(w, Number(v))
    w.u8(0x81)
    w.u32be(Number(v >> 32n))
    w.u32be(Number(v & 0xffffffffn))
  }
  const id = (x: bigint) => {
    len64(x >> 64n)
    len64(x & ((1n << 64n) - 1n))
  }
  const raw = (x: bigint) => {
    const b = Buffer.alloc(16)
    b.writeBigUInt64BE(x >> 64n)
    b.writeBigUInt64BE(x & ((1n << 64n) - 1n), 8)
    return b
  }
  w.u8(15)
  writeLength(w, s.nodes.length)
  for (const n of s.nodes) {
    writeBlob(w, raw(n.master))
    writeBlob(w, encodeStreamNode(n))
  }
  writeLength(w, s.length)
  id(s.lastId)
  const groups = s.sortedGroups()
  writeLength(w, groups.length)
  for (const [name, g] of groups) {
    writeBlob(w, Buffer.from(name, 'latin1'))
    id(g.lastId)
    writeLength(w, g.pel.size)
    for (const [pid, nack] of g.pel.entries()) {
      w.bytes(raw(pid))
      w.i64le(BigInt(nack.deliveryTime))
      writeLength(w, nack.deliveryCount)
    }
    const cs = g.sortedConsumers()
    writeLength(w, cs.length)
    for (const c of cs) {
      writeBlob(w, Buffer.from(c.name, 'latin1'))
      w.i64le(BigInt(c.seenTime))
      writeLength(w, c.pel.size)
      for (const k of c.pel.keys()) w.bytes(raw(k))
    }
  }
  return finishDumpPayload(w)
}

test('a type-15 (redis <= 6.2) stream payload loads like on redis-server', {skip}, async () => {
  await run(p.redisPort, [
    ['FLUSHALL'],
    ...[1, 2, 3, 4, 5, 6].map((i) => ['XADD', 'x', `${i}-0`, 'data', String(i)]),
    ['XDEL', 'x', '3-0'],
    ['XGROUP', 'CREATE', 'x', 'g1', '0'],
    ['XGROUP', 'CREATE', 'x', 'g2', '0'],
    ['XREADGROUP', 'GROUP', 'g1', 'c11', 'COUNT', '4', 'STREAMS', 'x', '>'],
    ['XTRIM', 'x', 'MAXLEN', '=', '2'],
  ])
  const d = bulk((await run(p.redisPort, [['DUMP', 'x']]))[0])
  const legacy = legacyPayload((parseDumpPayload(Buffer.from(d, 'latin1')) as {stream: Stream}).stream).toString('latin1')
  const quoted = legacy.replace(/[\\"]/g, (c) => '\\' + c)
  for (const resp of [2, 3] as const) {
    const lines = [`RESTORE x 0 "${quoted}"`, 'XINFO STREAM x FULL', 'XINFO GROUPS x', 'DUMP x']
    assert.equal(showMismatches(await compareScript(p.redisPort, p.ourPort, lines, resp)), '')
  }
})

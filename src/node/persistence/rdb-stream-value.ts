// RDB encoding of streams (redis rdb.c, OBJ_STREAM): RDB_TYPE_STREAM_LISTPACKS_2 (19, what 7.0
// writes) and RDB_TYPE_STREAM_LISTPACKS (15, 5.0-6.2, loaded and upgraded like 7.0 does).
// Body: <nodes> { <16-byte master ID> <listpack> }* <length> <last-id ms seq>
// [v2: <first-id> <max-deleted-id> <entries-added>] <groups> { <name> <last-id> [v2: <entries-read>]
// <PEL: {<16-byte id> <delivery-time i64le> <delivery-count>}*> <consumers: {<name> <seen-time>
// <PEL ids>}*> }*. Each listpack is the node exactly as redis lays it out (master entry, deltas,
// SAMEFIELDS compression, tombstones), so payloads round-trip byte for byte.
import {ByteReader, ByteWriter} from './byte-io.js'
import {decodeListpack, assertValidEntry, listpackHeaderValid, ListpackBuilder} from './listpack.js'
import {readBlob, readLength, readString, writeBlob, writeLength} from './rdb-primitives.js'
import {corruptRdb, RdbFormatError, type DecodeOptions} from './rdb-value.js'
import {delta64, idMs, idSeq, makeId, MASK64, Stream, StreamConsumer, StreamGroup, StreamNode, UnparsedStreamNode, type StreamId, type StreamNack} from '../keyspace/stream.js'

export const RDB_TYPE_STREAM_LISTPACKS = 15
export const RDB_TYPE_STREAM_LISTPACKS_2 = 19

function lpInt(b: ListpackBuilder, v: number | bigint): void {
  if (typeof v === 'bigint' && v >= -9007199254740991n && v <= 9007199254740991n) v = Number(v)
  b.addInt(v)
}

function writeLen64(w: ByteWriter, v: bigint): void {
  if (v <= 0xffffffffn) return writeLength(w, Number(v))
  w.u8(0x81)
  w.u32be(Number(v >> 32n))
  w.u32be(Number(v & 0xffffffffn))
}

function idBytes(id: StreamId): Buffer {
  const b = Buffer.allocUnsafe(16)
  b.writeBigUInt64BE(idMs(id), 0)
  b.writeBigUInt64BE(idSeq(id), 8)
  return b
}

export function encodeStreamNode(node: StreamNode): Buffer {
  if (node instanceof UnparsedStreamNode) return node.raw
  const lp = new ListpackBuilder(256)
  lp.addInt(node.count)
  lp.addInt(node.deleted)
  lp.addInt(node.masterFields.length)
  for (const f of node.masterFields) lp.add(f)
  lp.addInt(0)
  const mMs = idMs(node.master)
  const mSeq = idSeq(node.master)
  for (let i = 0; i < node.ids.length; i++) {
    const id = node.ids[i]
    const fv = node.fv[i]
    const n = fv.length / 2
    const same = node.sameFields(i)
    lp.addInt(node.flags[i])
    lpInt(lp, delta64(idMs(id), mMs))
    lpInt(lp, delta64(idSeq(id), mSeq))
    if (!same) lp.addInt(n)
    for (let j = 0; j < n; j++) {
      if (!same) lp.add(fv[2 * j])
      lp.add(fv[2 * j + 1])
    }
    lp.addInt(same ? n + 3 : 2 * n + 4)
  }
  return lp.finish()
}

/** Type byte 19 + body. */
export function writeStream(w: ByteWriter, s: Stream, c: boolean): void {
  w.u8(RDB_TYPE_STREAM_LISTPACKS_2)
  writeLength(w, s.nodes.length)
  for (const node of s.nodes) {
    writeBlob(w, idBytes(node.master), c)
    writeBlob(w, encodeStreamNode(node), c)
  }
  writeLength(w, s.length)
  const id = (x: StreamId) => {
    writeLen64(w, idMs(x))
    writeLen64(w, idSeq(x))
  }
  id(s.lastId)
  id(s.firstId)
  id(s.maxDeletedId)
  writeLen64(w, BigInt(s.entriesAdded))
  const groups = s.sortedGroups()
  writeLength(w, groups.length)
  for (const [name, g] of groups) {
    writeBlob(w, Buffer.from(name, 'latin1'), c)
    id(g.lastId)
    writeLen64(w, BigInt.asUintN(64, BigInt(g.entriesRead)))
    writeLength(w, g.pel.size)
    for (const [pid, nack] of g.pel.entries()) {
      w.bytes(idBytes(pid))
      w.i64le(BigInt(nack.deliveryTime))
      writeLen64(w, BigInt(nack.deliveryCount))
    }
    const consumers = g.sortedConsumers()
    writeLength(w, consumers.length)
    for (const cons of consumers) {
      writeBlob(w, Buffer.from(cons.name, 'latin1'), c)
      w.i64le(BigInt(cons.seenTime))
      writeLength(w, cons.pel.size)
      for (const pid of cons.pel.keys()) w.bytes(idBytes(pid))
    }
  }
}

// ---------------------------------------------------------------- decoding

function bad(why: string): never {
  throw new RdbFormatError(`stream: ${why}`)
}

function readLen64(r: ByteReader): bigint {
  if (r.pos < r.end && r.buf[r.pos] === 0x81) {
    r.pos++
    r.need(8)
    const v = r.buf.readBigUInt64BE(r.pos)
    r.pos += 8
    return v
  }
  return BigInt(readLength(r))
}

function readId(r: ByteReader): StreamId {
  const ms = readLen64(r)
  return makeId(ms, readLen64(r))
}

function readRawId(r: ByteReader): StreamId {
  r.need(16)
  const id = makeId(r.buf.readBigUInt64BE(r.pos), r.buf.readBigUInt64BE(r.pos + 8))
  r.pos += 16
  return id
}

function readI64(r: ByteReader): number {
  r.need(8)
  return Number(r.i64le())
}

const INT_RE = /^-?\d+$/
function num(s: string | undefined): bigint {
  if (s === undefined || !INT_RE.test(s)) bad('listpack entry is not an integer')
  return BigInt(s)
}

/** Rebuild one node from its listpack (streamValidateListpackIntegrity's checks, deep). */
export function decodeStreamNode(master: StreamId, lp: Buffer): StreamNode {
  return nodeOfElements(master, decodeListpack(lp))
}

function nodeOfElements(master: StreamId, e: string[]): StreamNode {
  let p = 0
  const count = Number(num(e[p++]))
  const deleted = Number(num(e[p++]))
  const nf = Number(num(e[p++]))
  if (nf < 0 || p + nf > e.length) bad('bad master fields')
  const fields = e.slice(p, p + nf)
  p += nf
  if (num(e[p++]) !== 0n) bad('missing master terminator')
  const node = new StreamNode(master, fields)
  const mMs = idMs(master)
  const mSeq = idSeq(master)
  let prev = -1n
  while (p < e.length) {
    const flags = Number(num(e[p++]))
    const id = makeId((mMs + num(e[p++])) & MASK64, (mSeq + num(e[p++])) & MASK64)
    const same = (flags & 2) !== 0
    if (!same && p >= e.length) bad('entry overruns')
    if (id <= prev || id < master) bad('entry IDs out of order')
    prev = id
    let fv: string[]
    if (same) {
      if (p + nf > e.length) bad('entry overruns')
      fv = []
      for (let j = 0; j < nf; j++) fv.push(fields[j], e[p++])
    } else {
      const n = Number(num(e[p++]))
      if (n < 0 || p + 2 * n > e.length) bad('entry overruns')
      fv = e.slice(p, p + 2 * n)
      p += 2 * n
    }
    const lpCount = Number(num(e[p++]))
    if (lpCount !== (same ? nf + 3 : fv.length + 4)) bad('bad entry lp-count')
    node.push(id, fv, flags & 3)
  }
  if (node.count !== count || node.deleted !== deleted) bad('node counters do not match its entries')
  if (node.ids.length === 0 || count === 0) bad('empty listpack inside stream')
  return node
}

/**
 * One node's listpack as rdbLoadObject takes it: deep, every entry is checked
 * (streamValidateListpackIntegrity); shallow, only the header and terminator, then lpFirst, which
 * asserts that the first entry is well formed, and a listpack that still does not parse is kept
 * unparsed (its entries are never read until a command reads them).
 */
function loadStreamNode(master: StreamId, lp: Buffer, deep: boolean): StreamNode {
  if (!deep && !listpackHeaderValid(lp)) corruptRdb(2360, 'Stream listpack integrity check failed.')
  if (lp.length >= 7 && lp[6] === 0xff) corruptRdb(2372, 'Empty listpack inside stream')
  if (!deep) assertValidEntry(lp, 6) // lpFirst
  try {
    return decodeStreamNode(master, lp)
  } catch (e) {
    if (!(e instanceof RdbFormatError)) throw e
    if (deep) throw new RdbFormatError(e.message, {line: 2360, reason: 'Stream listpack integrity check failed.'})
    return new UnparsedStreamNode(master, lp, e.message)
  }
}

export function readStream(r: ByteReader, type: number, opts: DecodeOptions = {}): Stream {
  const v2 = type === RDB_TYPE_STREAM_LISTPACKS_2
  const deep = opts.deep !== false
  const s = new Stream()
  const nodes = readLength(r)
  r.bound(nodes, 'stream node count exceeds payload')
  let length = 0
  let unparsed = false
  for (let i = 0; i < nodes; i++) {
    const key = readBlob(r)
    if (key.length !== 16) corruptRdb(2341, 'Stream node key entry is not the size of a stream ID')
    const master = makeId(key.readBigUInt64BE(0), key.readBigUInt64BE(8))
    const node = loadStreamNode(master, Buffer.from(readBlob(r)), deep)
    const prev = s.nodes[s.nodes.length - 1]
    if (prev !== undefined && prev.master === master) corruptRdb(2384, 'Listpack re-added with existing key')
    if (prev !== undefined && prev.master > master) bad('listpack added with a smaller key')
    if (node instanceof UnparsedStreamNode || prev instanceof UnparsedStreamNode) unparsed = true
    else if (prev !== undefined && prev.lastId() >= master) bad('overlapping nodes')
    s.nodes.push(node)
    if (!unparsed) length += node.count
  }
  s.length = Number(readLen64(r))
  if (s.length !== 0 && s.nodes.length === 0) corruptRdb(2428, 'Stream length inconsistent with rax entries')
  // ours, stricter: the counts of parsed nodes add up to the length
  if (!unparsed && s.length !== length) bad('stream length inconsistent with its nodes')
  s.lastId = readId(r)
  if (v2) {
    s.firstId = readId(r)
    s.maxDeletedId = readId(r)
    s.entriesAdded = Number(readLen64(r))
  } else {
    s.entriesAdded = s.length
    // streamGetEdgeID: read in order (an unparsed node as Redis's iterator reads it, stream-raw.ts)
    s.firstId = s.edgeId(true) ?? 0n
  }
  const ngroups = readLength(r)
  r.bound(ngroups, 'group count exceeds payload')
  for (let gi = 0; gi < ngroups; gi++) {
    const name = readString(r)
    const gid = readId(r)
    const entriesRead = v2 ? Number(BigInt.asIntN(64, readLen64(r))) : s.estimateDistance(gid)
    if (s.groups.has(name)) corruptRdb(2478, `Duplicated consumer group name ${name}`)
    const g = new StreamGroup(gid, entriesRead)
    s.groups.set(name, g)
    const pel = readLength(r)
    r.bound(pel, 'PEL size exceeds payload')
    for (let i = 0; i < pel; i++) {
      const id = readRawId(r)
      const nack: StreamNack = {deliveryTime: readI64(r), deliveryCount: Number(readLen64(r)), consumer: null}
      if (!g.pel.tryInsert(id, nack)) corruptRdb(2514, 'Duplicated global PEL entry loading stream consumer group')
    }
    const nc = readLength(r)
    r.bound(nc, 'consumer count exceeds payload')
    for (let ci = 0; ci < nc; ci++) {
      const cname = readString(r)
      if (g.consumers.has(cname)) corruptRdb(2542, 'Duplicate stream consumer detected.')
      const cons = new StreamConsumer(cname, readI64(r))
      g.consumers.set(cname, cons)
      const np = readLength(r)
      r.bound(np, 'consumer PEL size exceeds payload')
      for (let i = 0; i < np; i++) {
        const id = readRawId(r)
        const nack = g.pel.get(id)
        if (nack === undefined) corruptRdb(2572, 'Consumer entry not found in group global PEL')
        nack.consumer = cons
        if (!cons.pel.tryInsert(id, nack)) corruptRdb(2583, 'Duplicated consumer PEL entry  loading a stream consumer group')
      }
    }
    for (const nack of g.pel.values()) if (nack.consumer === null) corruptRdb(2602, 'Stream CG PEL entry without consumer')
  }
  return s
}

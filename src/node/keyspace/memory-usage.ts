// MEMORY USAGE (redis 7.0.15 object.c objectComputeSize + memoryCommand): the bytes redis-server
// would report for a key, from the structures it would hold — robj, sds headers, dicts, quicklist
// nodes, listpacks, intsets, skiplists, stream radix trees — each allocation rounded up to the size
// class jemalloc gives it (sds.ts mallocSize), as zmalloc_size reports.
// Sampling follows redis: the first `samples` elements (nodes, dict entries) give an average that
// is multiplied by the element count. Where redis's own figure depends on chance (skiplist node
// levels, the dict order a sample walks) the model picks one deterministic outcome.
import {listpackEntrySize} from '../persistence/listpack.js'
import {LIMITS, quicklistShape, scoreToString} from '../persistence/rdb-codec.js'
import {lzfCompress} from '../persistence/lzf.js'
import {valueDict, nextPower} from './dict.js'
import {encodingOf, intsetWidth} from './encoding.js'
import {Deque, Stream, ZSet, type RedisValue, type StringEncoding} from './keyspace.js'
import {PackedHash, PackedList} from './packed.js'
import {embstrBytes, exactSds, mallocSize, ROBJ, sdsBytes} from './sds.js'
import {raxNodeCount, type StreamId} from './stream.js'

const sdsSize = (len: number): number => sdsBytes(exactSds(len))

const MIN_COMPRESS_BYTES = 48
const MIN_COMPRESS_IMPROVE = 8
const DICT = 56
const DICT_ENTRY = 24
const QUICKLIST = 40
const QUICKLIST_NODE = 40
const ZSET = 16
const ZSKIPLIST = 32
const ZSKIPLIST_HEADER = 24 + 32 * 16
const STREAM = 80
const STREAM_ID = 16
const RAX_NODE = 4 + 8 * 30 // sizeof(raxNode) + the fixed per-node overhead streamRadixTreeMemoryUsage adds
const STREAM_CG = 40
const STREAM_NACK = 24
const STREAM_CONSUMER = 24
/** clusterDictEntryMetadata: the prev/next pointers of a key's slot list in cluster mode */
const CLUSTER_ENTRY_METADATA = 16

/**
 * objectComputeSize's sampling: the sizes of the first `samples` elements averaged and counted
 * `count` times over (`asize += (double)elesize/samples*count`, the sum converted back to size_t).
 */
function sampled<T>(asize: number, items: Iterable<T>, count: number, samples: number, size: (item: T, i: number) => number): number {
  let elesize = 0
  let n = 0
  for (const item of items) {
    if (n >= samples) break
    elesize += size(item, n++)
  }
  return n === 0 ? asize : Math.floor(asize + (elesize / n) * count)
}

function stringSize(v: string, enc: string, sds: number | undefined): number {
  if (enc === 'int') return ROBJ
  // embstr: the robj, an sdshdr8 and the bytes in one allocation
  if (enc === 'embstr') return embstrBytes(v.length)
  return ROBJ + sdsBytes(sds ?? exactSds(v.length))
}

/**
 * zmalloc_size of a quicklist node's entry: its listpack (or a plain node's element), or, for a
 * node list-compress-depth puts in the middle, the quicklistLZF holding it compressed when LZF saves
 * at least 8 bytes (__quicklistCompressNode).
 */
function quicklistEntrySize(entry: Buffer, compressed: boolean): number {
  if (compressed && entry.length >= MIN_COMPRESS_BYTES) {
    const lzf = lzfCompress(entry, entry.length)
    if (lzf !== null && lzf.length !== 0 && lzf.length + MIN_COMPRESS_IMPROVE < entry.length) return mallocSize(4 + lzf.length)
  }
  return mallocSize(entry.length)
}

function listSize(v: Deque, samples: number): number {
  const packed = v instanceof PackedList ? v.packed : null
  // the nodes: the list's own (kept as loaded), else as pushing its elements would make them, the
  // sampled ones built and the rest only counted
  const {count, first} = packed !== null ? {count: packed.length, first: packed.slice(0, samples).map((n) => (typeof n === 'string' ? Buffer.from(n, 'latin1') : n))} : quicklistShape(v, samples)
  const asize = ROBJ + QUICKLIST
  if (count === 0) return asize
  const depth = LIMITS.listCompressDepth
  const compressing = depth > 0 && count >= depth * 2
  return sampled(asize, first, count, samples, (node, i) => QUICKLIST_NODE + quicklistEntrySize(node, compressing && i >= depth && i < count - depth))
}

function dictSlots(v: object, size: number): number {
  const d = valueDict(v)
  if (d !== undefined) return d.size0 + d.size1
  return size === 0 ? 0 : Math.max(4, nextPower(size))
}

function intsetSize(v: Set<string>): number {
  return ROBJ + mallocSize(8 + intsetWidth(v) * v.size)
}

function setSize(v: Set<string>, samples: number): number {
  if (encodingOf(v) === 'intset') return intsetSize(v)
  return sampled(ROBJ + DICT + 8 * dictSlots(v, v.size), v, v.size, samples, (x) => DICT_ENTRY + sdsSize(x.length))
}

function hashSize(v: Map<string, string>, samples: number): number {
  if (v instanceof PackedHash && v.packed !== null) return ROBJ + mallocSize(v.packed.length)
  if (encodingOf(v) === 'listpack') {
    let n = 7
    for (const [f, x] of v) n += listpackEntrySize(f) + listpackEntrySize(x)
    return ROBJ + mallocSize(n)
  }
  return sampled(ROBJ + DICT + 8 * dictSlots(v, v.size), v, v.size, samples, ([f, x]) => sdsSize(f.length) + sdsSize(x.length) + DICT_ENTRY)
}

/** A skiplist node's level: redis draws it at random (p = 1/4); here it follows the member's bytes. */
function skiplistLevel(member: string): number {
  let h = 2166136261
  for (let i = 0; i < member.length; i++) h = Math.imul(h ^ member.charCodeAt(i), 16777619)
  let level = 1
  while (level < 32 && (h & 3) === 0) {
    level++
    h >>>= 2
  }
  return level
}

function zsetSize(v: ZSet, samples: number): number {
  if (encodingOf(v) === 'listpack') {
    let n = 7
    for (const [m, s] of v.entries()) n += listpackEntrySize(m) + listpackEntrySize(scoreToString(s))
    return ROBJ + mallocSize(n)
  }
  const asize = ROBJ + ZSET + ZSKIPLIST + DICT + 8 * dictSlots(v, v.size) + mallocSize(ZSKIPLIST_HEADER)
  return sampled(asize, v.entries(), v.size, samples, ([m]) => sdsSize(m.length) + DICT_ENTRY + mallocSize(24 + 16 * skiplistLevel(m)))
}

/** streamRadixTreeMemoryUsage */
const raxSize = (keys: readonly StreamId[]): number => keys.length * STREAM_ID + raxNodeCount(keys) * RAX_NODE

function streamSize(s: Stream, samples: number): number {
  let asize = ROBJ + STREAM + raxSize(s.nodes.map((n) => n.master))
  const nodes = s.nodes
  // the allocation of a node's listpack: its tail may still hold XADD's pre-allocation
  const lpAlloc = (i: number): number => Math.max(mallocSize(nodes[i].lpBytes), nodes[i].prealloc === 0 ? 0 : mallocSize(nodes[i].prealloc))
  let lpsize = 0
  let n = 0
  while (n < samples && n < nodes.length) lpsize += lpAlloc(n++)
  if (nodes.length <= n) asize += lpsize
  else {
    if (n !== 0) lpsize = Math.floor(lpsize / n)
    asize += lpsize * (nodes.length - 1) + lpAlloc(nodes.length - 1)
  }
  for (const g of s.groups.values()) {
    asize += STREAM_CG + raxSize([...g.pel.keys()]) + STREAM_NACK * g.pel.size
    for (const c of g.consumers.values()) asize += STREAM_CONSUMER + c.name.length + raxSize([...c.pel.keys()])
  }
  return asize
}

export interface UsageOptions {
  /** MEMORY USAGE … SAMPLES (0 = all) */
  samples: number
  clusterEnabled: boolean
  /** the keyspace's stringEncoding() of the key (a string modified in place stays raw) */
  stringEncoding?: StringEncoding
  /** the keyspace's stringSds() of the key: the sds of a string grown in place */
  sds?: number
}

/** memoryCommand USAGE: the value's size, the key's sds, its dictEntry (and slot-list metadata in cluster mode). */
export function memoryUsage(key: string, v: RedisValue, o: UsageOptions): number {
  const samples = o.samples === 0 ? Number.MAX_SAFE_INTEGER : o.samples
  let size: number
  if (typeof v === 'string') size = stringSize(v, encodingOf(v, o.stringEncoding), o.sds)
  else if (v instanceof Deque) size = listSize(v, samples)
  else if (v instanceof Stream) size = streamSize(v, samples)
  else if (v instanceof Map) size = hashSize(v, samples)
  else if (v instanceof Set) size = setSize(v, samples)
  else size = zsetSize(v, samples)
  return size + sdsSize(key.length) + DICT_ENTRY + (o.clusterEnabled ? CLUSTER_ENTRY_METADATA : 0)
}

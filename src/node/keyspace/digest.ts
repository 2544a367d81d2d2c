// DEBUG DIGEST and DEBUG DIGEST-VALUE as redis 7.0 computes them (debug.c xorObjectDigest,
// computeDatasetDigest): SHA1s xored where order does not matter (keys, set members, hash fields,
// zset members) and chained where it does (list elements, stream entries, the parts of one key),
// so a dataset has the digest redis-server gives the same data — a replica of either engine, a
// migrated or restored dataset can be compared across engines.
import {formatG} from '../../resp/cdouble.js'
import {Deque, Stream, type RedisValue} from './keyspace.js'
import {ID_MAX, MASK64} from './stream.js'

type Digest = Buffer

// SHA-1 in JavaScript: a digest hashes millions of short strings (keys, members, fields), where
// crypto's createHash costs ~1.5 µs a call (object, native crossing) and this ~0.3 µs.
const W = new Int32Array(80)
const H = new Int32Array(5)

/** SHA-1 of `len` bytes read by `byte`, into H. */
function sha1(byte: (i: number) => number, len: number): void {
  let h0 = 0x67452301, h1 = 0xefcdab89 | 0, h2 = 0x98badcfe | 0, h3 = 0x10325476, h4 = 0xc3d2e1f0 | 0
  const blocks = ((len + 8) >>> 6) + 1
  for (let b = 0; b < blocks; b++) {
    const base = b << 6
    for (let w = 0; w < 16; w++) {
      let v = 0
      for (let k = 0; k < 4; k++) {
        const i = base + (w << 2) + k
        v = (v << 8) | (i < len ? byte(i) : i === len ? 0x80 : 0)
      }
      W[w] = v
    }
    if (b === blocks - 1) {
      W[14] = Math.floor(len / 0x20000000) | 0
      W[15] = (len << 3) | 0
    }
    for (let t = 16; t < 80; t++) {
      const x = W[t - 3] ^ W[t - 8] ^ W[t - 14] ^ W[t - 16]
      W[t] = (x << 1) | (x >>> 31)
    }
    let a = h0, bb = h1, c = h2, d = h3, e = h4
    for (let t = 0; t < 80; t++) {
      let f: number, k: number
      if (t < 20) (f = (bb & c) | (~bb & d)), (k = 0x5a827999)
      else if (t < 40) (f = bb ^ c ^ d), (k = 0x6ed9eba1)
      else if (t < 60) (f = (bb & c) | (bb & d) | (c & d)), (k = 0x8f1bbcdc | 0)
      else (f = bb ^ c ^ d), (k = 0xca62c1d6 | 0)
      const temp = (((a << 5) | (a >>> 27)) + f + e + k + W[t]) | 0
      e = d
      d = c
      c = (bb << 30) | (bb >>> 2)
      bb = a
      a = temp
    }
    h0 = (h0 + a) | 0
    h1 = (h1 + bb) | 0
    h2 = (h2 + c) | 0
    h3 = (h3 + d) | 0
    h4 = (h4 + e) | 0
  }
  H[0] = h0
  H[1] = h1
  H[2] = h2
  H[3] = h3
  H[4] = h4
}

/** SHA-1 of a string of bytes (latin1) or a buffer, into H. */
function sha1Of(data: string | Uint8Array): void {
  if (typeof data === 'string') sha1((i) => data.charCodeAt(i) & 0xff, data.length)
  else sha1((i) => data[i], data.length)
}

/** redis xorDigest: digest ^= SHA1(data). */
function xorDigest(digest: Digest, data: string | Uint8Array): void {
  sha1Of(data)
  for (let j = 0; j < 20; j++) digest[j] ^= H[j >> 2] >>> (24 - ((j & 3) << 3))
}

/** redis mixDigest: digest = SHA1(digest ^ SHA1(data)), so the order of the parts counts. */
function mixDigest(digest: Digest, data: string | Uint8Array): void {
  xorDigest(digest, data)
  sha1Of(digest)
  for (let j = 0; j < 5; j++) digest.writeInt32BE(H[j], j << 2)
}

/** htonl of redis's OBJ_* type code. */
function typeCode(v: RedisValue): Buffer {
  const b = Buffer.alloc(4)
  b.writeUInt32BE(typeof v === 'string' ? 0 : v instanceof Deque ? 1 : v instanceof Set ? 2 : v instanceof Map ? 4 : v instanceof Stream ? 6 : 3)
  return b
}

/** redis xorObjectDigest: mixes one value (and whether its key has a TTL) into `digest`. */
export function xorObjectDigest(digest: Digest, v: RedisValue, hasExpire: boolean): void {
  mixDigest(digest, typeCode(v))
  if (typeof v === 'string') mixDigest(digest, v)
  else if (v instanceof Deque) for (const x of v) mixDigest(digest, x)
  else if (v instanceof Set) for (const x of v) xorDigest(digest, x)
  else if (v instanceof Map) {
    for (const [f, x] of v) {
      const ele = Buffer.alloc(20)
      mixDigest(ele, f)
      mixDigest(ele, x)
      xorDigest(digest, ele)
    }
  } else if (v instanceof Stream) {
    v.range(0n, ID_MAX, false, 0, (id, fv) => {
      mixDigest(digest, `${id >> 64n}.${id & MASK64}`)
      for (const x of fv) mixDigest(digest, x)
    })
  } else {
    for (const [m, score] of v.entries()) {
      const ele = Buffer.alloc(20)
      mixDigest(ele, m)
      mixDigest(ele, formatG(score, 17))
      xorDigest(digest, ele)
    }
  }
  if (hasExpire) xorDigest(digest, '!!expire!!')
}

/** DEBUG DIGEST-VALUE of one value (undefined: a missing key, 40 zeros). */
export function valueDigest(v: RedisValue | undefined, hasExpire: boolean): string {
  const d = Buffer.alloc(20)
  if (v !== undefined) xorObjectDigest(d, v, hasExpire)
  return d.toString('hex')
}

export interface DigestDb {
  entries(): Iterable<[string, RedisValue]>
  getExpire(key: string): number | undefined
}

/** redis computeDatasetDigest: every non-empty database's number, then each key and value, xored. */
export function datasetDigest(databases: Iterable<[number, DigestDb]>): string {
  const final = Buffer.alloc(20)
  for (const [i, db] of databases) {
    let first = true
    for (const [k, v] of db.entries()) {
      if (first) {
        const aux = Buffer.alloc(4)
        aux.writeUInt32BE(i)
        mixDigest(final, aux)
        first = false
      }
      const d = Buffer.alloc(20)
      mixDigest(d, k)
      xorObjectDigest(d, v, db.getExpire(k) !== undefined)
      xorDigest(final, d)
    }
  }
  return final.toString('hex')
}

// Key -> hash slot (redis cluster.c keyHashSlot): CRC16/XMODEM over the key's BYTES, with the
// {hash tag} rule. Keys are latin1 strings, so charCodeAt(i) is byte i. We do not use the
// cluster-key-slot package here: it hashes JS strings as UTF-8, which differs for bytes >= 0x80
// (cf. Garnet #395).

const TABLE = new Uint16Array(256)
for (let i = 0; i < 256; i++) {
  let c = i << 8
  for (let j = 0; j < 8; j++) c = c & 0x8000 ? ((c << 1) ^ 0x1021) & 0xffff : (c << 1) & 0xffff
  TABLE[i] = c
}

export const SLOTS = 16384

export function crc16(s: string, start = 0, end = s.length): number {
  let crc = 0
  for (let i = start; i < end; i++) crc = ((crc << 8) & 0xffff) ^ TABLE[((crc >> 8) ^ s.charCodeAt(i)) & 0xff]
  return crc
}

// One-entry memo: the cluster verdict and then the keyspace ask for the same key string of the
// same command; === on the identical string object is a pointer compare.
let memoKey = ''
let memoSlot = 0

export function keySlot(key: string): number {
  if (key === memoKey) return memoSlot
  const slot = computeSlot(key)
  memoKey = key
  memoSlot = slot
  return slot
}

function computeSlot(key: string): number {
  const open = key.indexOf('{')
  if (open !== -1) {
    const close = key.indexOf('}', open + 1)
    // An empty tag "{}" means the whole key is hashed.
    if (close > open + 1) return crc16(key, open + 1, close) & 0x3fff
  }
  return crc16(key) & 0x3fff
}

// The allocation redis gives a string's sds (sds.c, 7.0): the header type a length needs, the
// jemalloc size class the allocation lands in, and how sdsMakeRoomFor grows it — what MEMORY USAGE
// reports for a raw string (memory-usage.ts). An sds's allocation is kept as one number:
// size * 32 + header bytes.

/**
 * jemalloc's usable size for a request of n bytes: the size classes of jemalloc 5.3 with its
 * default 16-byte quantum on x86-64, as redis-server packages built against the system jemalloc
 * (Debian, Ubuntu: `mem_allocator:jemalloc-5.3.0`) allocate. Redis's bundled jemalloc
 * (`--with-lg-quantum=3`) also has 24, 40 and 56.
 */
export function mallocSize(n: number): number {
  if (n <= 8) return 8
  if (n <= 128) return (n + 15) & ~15
  // four classes per doubling: (2^k, 2^(k+1)] in steps of 2^(k-2)
  const step = 2 ** Math.floor(Math.log2(n - 1)) / 4
  return Math.ceil(n / step) * step
}

/** sizeof(robj) on a 64-bit build */
export const ROBJ = 16

/** An embstr's one allocation (createEmbeddedStringObject): the robj, an sdshdr8, the bytes and their NUL. */
export function embstrBytes(len: number): number {
  return mallocSize(ROBJ + 3 + len + 1)
}

/** sdsReqType's header bytes for `len` (type 5, one byte, only where sdsnewlen allows it; never for a buffer sdsMakeRoomFor grows). */
export function sdsHeader(len: number, type5: boolean): number {
  if (len < 32 && type5 && len !== 0) return 1
  if (len < 256) return 3
  if (len < 65536) return 5
  if (len < 2 ** 32) return 9
  return 17
}

/** An sds made to its length by sdsnewlen (s_malloc_usable: the class is its allocation). */
export function exactSds(len: number): number {
  const hdr = sdsHeader(len, true)
  return mallocSize(hdr + len + 1) * 32 + hdr
}

/** zmalloc_size of the sds (its header included). */
export const sdsBytes = (sds: number): number => Math.floor(sds / 32)

/** sdsavail: the room an sds of `len` bytes has left (DEBUG SDSLEN). */
export function sdsAvail(sds: number, len: number): number {
  return sdsAlloc(sds, len) - len
}

/** sdsalloc: the bytes the string may hold (type 5 has no room beyond its length). */
function sdsAlloc(sds: number, len: number): number {
  const hdr = sds % 32
  if (hdr === 1) return len
  const room = sdsBytes(sds) - hdr - 1
  return hdr === 3 ? Math.min(room, 255) : hdr === 5 ? Math.min(room, 65535) : room
}

const SDS_MAX_PREALLOC = 1024 * 1024

/**
 * The sds after growing a string of `oldLen` bytes to `newLen` in place (APPEND's sdscatlen,
 * SETRANGE's and SETBIT's sdsgrowzero: sdsMakeRoomFor, greedy): unchanged while it has room, else
 * twice the new length (plus 1 MB from 1 MB on). `sds` undefined: one made to its length
 * (dbUnshareStringValue copies an embstr or int string into such an sds).
 */
export function grownSds(sds: number | undefined, oldLen: number, newLen: number): number {
  const cur = sds ?? exactSds(oldLen)
  if (newLen <= oldLen || sdsAlloc(cur, oldLen) >= newLen) return cur
  const n = newLen < SDS_MAX_PREALLOC ? newLen * 2 : newLen + SDS_MAX_PREALLOC
  const hdr = sdsHeader(n, false)
  return mallocSize(hdr + n + 1) * 32 + hdr
}

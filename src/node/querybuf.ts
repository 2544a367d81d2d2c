// CLIENT LIST qbuf / qbuf-free as redis 7.0 sizes a client's query buffer (networking.c
// readQueryFromClient, server.c clientsCronResizeQueryBuffer): a read makes room for at least 16 KiB
// (20474 usable bytes in jemalloc's 20 KiB class) or the request being read; the cron frees the
// buffer of a client idle for more than 2 s, and trims one larger than 32 KiB to its recent peak.
// The parser's own buffer is what it is; this is the figure Redis would report for it.
import type {NodeServer} from './server.js'
import type {Session} from './session.js'

const READ_ROOM = 20474
const RESIZE_THRESHOLD = 32 * 1024
const MIN_WASTE = 4 * 1024
const BIG_ARG = 32 * 1024

interface QueryBuffer {
  alloc: number
  peak: number
}
const buffers = new WeakMap<Session, QueryBuffer>()

/** After a socket read of `chunk` bytes, with `used` bytes now unparsed. */
export function noteRead(s: Session, chunk: number, used: number): void {
  let q = buffers.get(s)
  if (q === undefined) buffers.set(s, (q = {alloc: 0, peak: 0}))
  const need = Math.max(chunk, used)
  if (q.alloc < need || q.alloc < READ_ROOM) q.alloc = Math.max(q.alloc, READ_ROOM, need)
  if (need > q.peak) q.peak = need
}

/** The modelled buffer's allocation (qbuf + qbuf-free; client eviction counts it). */
export function queryBufferAlloc(s: Session): number {
  const q = buffers.get(s)
  if (q === undefined) return 0
  // redis processMultibulkBuffer: a bulk of PROTO_MBULK_BIG_ARG or more gets a buffer of exactly
  // its length (+CRLF) as soon as its $<len> line is read
  const big = s.parser.partialBulkLen
  return Math.max(q.alloc, s.parser.pending, big >= BIG_ARG ? big + 2 : 0)
}

/** clientsCronResizeQueryBuffer for every client, from the server cron. */
export function installQueryBufferCron(server: NodeServer): void {
  // redis reads server.proto_max_bulk_len at every $<len>: CONFIG SET applies to connected clients
  server.config.onChange.push((name) => {
    if (name !== 'proto-max-bulk-len') return
    const max = server.config.int('proto-max-bulk-len')
    for (const s of server.sessions.values()) s.parser.maxBulkLen = max
  })
  server.cronHooks.push(() => {
    const now = server.clock.now()
    for (const s of server.sessions.values()) {
      const q = buffers.get(s)
      if (q === undefined) continue
      const used = s.parser.pending
      if (q.alloc - used > MIN_WASTE) {
        if (Math.floor((now - s.lastInteraction) / 1000) > 2) q.alloc = used
        else if (q.alloc > RESIZE_THRESHOLD && q.alloc / 2 > q.peak) q.alloc = Math.max(used, q.peak)
      }
      q.peak = used
    }
  })
}

// CLIENT LIST rbs / rbp and INFO reply_buffer_shrinks/expands as redis 7.0 sizes a client's
// static reply buffer (networking.c _addReplyToBuffer keeps buf_peak; server.c
// clientsCronResizeOutputBuffer): the buffer starts at 16 KiB, shrinks to max(1 KiB, peak + 1) when
// the peak stays under half of it, doubles (up to 16 KiB) when a reply filled it, and the peak is
// reset every `DEBUG REPLYBUFFER PEAK-RESET-TIME` ms (5000 by default). The node writes replies from
// its own strings; these are the figures Redis would report for the same traffic.
import type {NodeServer} from './server.js'
import type {Session} from './session.js'

const CHUNK = 16 * 1024 // PROTO_REPLY_CHUNK_BYTES
const MIN = 1024 // PROTO_REPLY_MIN_BYTES
const DEFAULT_PEAK_RESET_MS = 5000

export class ReplyBufferPolicy {
  /** -1: never reset the peak (DEBUG REPLYBUFFER PEAK-RESET-TIME NEVER) */
  peakResetTime = DEFAULT_PEAK_RESET_MS
  resizing = true
  shrinks = 0
  expands = 0

  /** DEBUG REPLYBUFFER PEAK-RESET-TIME <never|reset|ms> */
  setPeakResetTime(arg: 'never' | 'reset' | number): void {
    this.peakResetTime = arg === 'never' ? -1 : arg === 'reset' ? DEFAULT_PEAK_RESET_MS : arg
  }
}

const policies = new WeakMap<NodeServer, ReplyBufferPolicy>()

export function replyBufferPolicy(server: NodeServer): ReplyBufferPolicy {
  let p = policies.get(server)
  if (p === undefined) policies.set(server, (p = new ReplyBufferPolicy()))
  return p
}

/** The buffer a reply of `bytes` went through: Redis's bufpos peak is capped by the buffer size. */
export function noteReply(s: Session, bytes: number): void {
  const used = bytes < s.rbSize ? bytes : s.rbSize
  if (used > s.rbPeak) s.rbPeak = used
}

/** clientsCronResizeOutputBuffer for one client. */
function resize(p: ReplyBufferPolicy, s: Session, now: number): void {
  if (!p.resizing) return
  let next = 0
  const shrinkTo = s.rbSize / 2
  const expandTo = s.rbSize * 2
  if (shrinkTo >= MIN && s.rbPeak < shrinkTo) {
    next = Math.max(MIN, s.rbPeak + 1)
    p.shrinks++
  } else if (expandTo < CHUNK * 2 && s.rbPeak === s.rbSize) {
    next = Math.min(CHUNK, expandTo)
    p.expands++
  }
  if (p.peakResetTime >= 0 && now - s.rbPeakReset >= p.peakResetTime) {
    s.rbPeak = 0 // bufpos between commands: the last reply has been written
    s.rbPeakReset = now
  }
  if (next) s.rbSize = next
}

/**
 * redis clientsCron visits numclients/hz clients per tick (at least 5), so each client about once
 * a second; a rotating cursor over the sessions does the same.
 */
export function installReplyBufferCron(server: NodeServer): void {
  const p = replyBufferPolicy(server)
  let cursor: Iterator<Session> | null = null
  server.cronHooks.push(() => {
    const n = server.sessions.size
    if (n === 0) return
    let todo = Math.floor(n / Math.max(1, server.config.int('hz')))
    if (todo < 5) todo = Math.min(n, 5)
    const now = server.clock.now()
    while (todo-- > 0) {
      cursor ??= server.sessions.values()
      const r = cursor.next()
      if (r.done) {
        cursor = null // wrapped around: start again from the first session
        todo++
        continue
      }
      resize(p, r.value, now)
    }
  })
}

// REDIS_TS_TIMING=1: a timeline of where a command spends its wall time (issue 10, local cluster
// ready time). Phases are marked as they happen (ms since this process started, so CLI start-up
// counts); printTimeline() writes them to stderr merged with what the nodes logged meanwhile
// (process start, ready, cluster state ok, replication sync), read from their log files — the same
// lines for embedded nodes and redis-server, so both engines give comparable timelines.
import {readFileSync} from 'node:fs'

export function timingEnabled(): boolean {
  const v = process.env.REDIS_TS_TIMING
  return v !== undefined && v !== '' && v !== '0' && v !== 'false'
}

interface Mark {
  /** ms since this process started */
  at: number
  what: string
}

const marks: Mark[] = []

/** Record a phase of the flow (no-op unless REDIS_TS_TIMING is set). */
export function mark(what: string): void {
  if (timingEnabled()) marks.push({at: performance.now(), what})
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec']
// redis serverLog: "<pid>:<role> 1 Dec 2026 10:15:14.941 * message" (local time)
const LOG_LINE = /^\d+:[A-Z] (\d{1,2}) ([A-Z][a-z]{2}) (\d{4}) (\d\d):(\d\d):(\d\d)\.(\d{3}) [.\-*#] (.*)$/

/** What a node's log says about its way to ready, as [label, pattern]; the first match of each counts. */
const NODE_EVENTS: [string, RegExp][] = [
  ['log opened (process started)', /^(oO0OoO0OoO0Oo Redis is starting|Redis version=)/],
  ['accepts connections', /^Ready to accept connections/],
  ['cluster state ok', /^Cluster state changed: ok/],
  ['replica: connecting to master', /^Connecting to MASTER/],
  ['replica: full sync received', /^MASTER <-> REPLICA sync: Finished with success/],
  ['master: replica synced', /^Synchronization with replica .* succeeded/],
]

/** Node log events as marks: `{label: port, log: path}`; unreadable logs are skipped. */
export function nodeLogMarks(logs: {label: string; log: string}[]): Mark[] {
  const out: Mark[] = []
  for (const {label, log} of logs) {
    let text: string
    try {
      text = readFileSync(log, 'utf8')
    } catch {
      continue
    }
    const seen = new Set<string>()
    for (const line of text.split('\n')) {
      const m = LOG_LINE.exec(line)
      if (!m) continue
      const ev = NODE_EVENTS.find(([name, re]) => !seen.has(name) && re.test(m[8]))
      if (!ev) continue
      seen.add(ev[0])
      const t = new Date(Number(m[3]), MONTHS.indexOf(m[2]), Number(m[1]), Number(m[4]), Number(m[5]), Number(m[6]), Number(m[7])).getTime()
      out.push({at: t - performance.timeOrigin, what: `  node ${label}: ${ev[0]}`})
    }
  }
  return out
}

/** Write the recorded marks (and the nodes' events) to stderr in time order, then forget them. */
export function printTimeline(logs: {label: string; log: string}[] = []): void {
  if (!timingEnabled()) return
  const all = [...marks, ...nodeLogMarks(logs)].sort((a, b) => a.at - b.at)
  marks.length = 0
  const lines = all.map((m) => `[timing] ${(m.at / 1000).toFixed(3).padStart(7)}s ${m.what}`)
  process.stderr.write(['[timing] seconds since the CLI process started (node lines: from their logs)', ...lines].join('\n') + '\n')
}

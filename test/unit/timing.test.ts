// REDIS_TS_TIMING: phase marks and node log events merged into one timeline (src/timing.ts).
import {test} from 'node:test'
import assert from 'node:assert/strict'
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {mark, nodeLogMarks, printTimeline} from '../../src/timing.js'

/** A log line as redis serverLog writes it, local time, at `ms` after this process started. */
function logLine(ms: number, text: string, role = 'M'): string {
  const d = new Date(performance.timeOrigin + ms)
  const mon = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'][d.getMonth()]
  const p = (n: number, w = 2) => String(n).padStart(w, '0')
  return `4242:${role} ${d.getDate()} ${mon} ${d.getFullYear()} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}.${p(d.getMilliseconds(), 3)} * ${text}`
}

test('node log events: the first of each kind, at their time relative to the process start', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rt-timing-'))
  try {
    const log = join(dir, 'node.log')
    writeFileSync(
      log,
      [
        logLine(1000, 'oO0OoO0OoO0Oo Redis is starting oO0OoO0OoO0Oo'),
        logLine(1010, 'Ready to accept connections tcp'),
        logLine(1500, 'Connecting to MASTER 127.0.0.1:7000', 'S'),
        logLine(1600, 'MASTER <-> REPLICA sync: Finished with success', 'S'),
        logLine(2000, 'Cluster state changed: ok', 'S'),
        logLine(2100, 'Cluster state changed: fail', 'S'),
        logLine(2500, 'Cluster state changed: ok', 'S'),
        'not a log line',
      ].join('\n'),
    )
    const marks = nodeLogMarks([{label: '7003', log}, {label: 'gone', log: join(dir, 'missing.log')}])
    assert.deepEqual(
      // log times are whole ms, the process start is not
      marks.map((m) => [Math.round(m.at / 10) * 10, m.what]),
      [
        [1000, '  node 7003: log opened (process started)'],
        [1010, '  node 7003: accepts connections'],
        [1500, '  node 7003: replica: connecting to master'],
        [1600, '  node 7003: replica: full sync received'],
        [2000, '  node 7003: cluster state ok'],
      ],
    )
  } finally {
    rmSync(dir, {recursive: true, force: true})
  }
})

test('printTimeline writes the marks in time order, only with REDIS_TS_TIMING set', (t) => {
  const written: string[] = []
  t.mock.method(process.stderr, 'write', (s: string) => (written.push(s), true))
  const saved = process.env.REDIS_TS_TIMING
  try {
    delete process.env.REDIS_TS_TIMING
    mark('ignored')
    printTimeline()
    assert.deepEqual(written, [])
    process.env.REDIS_TS_TIMING = '1'
    mark('first')
    mark('second')
    printTimeline()
    const lines = written.join('').trim().split('\n')
    assert.equal(lines.length, 3)
    assert.match(lines[1], /^\[timing\] +\d+\.\d{3}s first$/)
    assert.match(lines[2], /^\[timing\] +\d+\.\d{3}s second$/)
  } finally {
    if (saved === undefined) delete process.env.REDIS_TS_TIMING
    else process.env.REDIS_TS_TIMING = saved
  }
})

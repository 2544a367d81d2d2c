// redis-server style log lines: "PID:M 22 Nov 2026 10:00:00.123 * message", to a file or stdout.
import {appendFileSync} from 'node:fs'
import {isAbsolute, join} from 'node:path'

export type LogLevel = 'debug' | 'verbose' | 'notice' | 'warning'
const RANK: Record<LogLevel, number> = {debug: 0, verbose: 1, notice: 2, warning: 3}
const MARK: Record<LogLevel, string> = {debug: '.', verbose: '-', notice: '*', warning: '#'}
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec']

function pad(n: number, w = 2): string {
  return String(n).padStart(w, '0')
}

export function formatLogLine(level: LogLevel, msg: string, role: string, date: Date, pid = process.pid): string {
  const ts = `${date.getDate()} ${MONTHS[date.getMonth()]} ${date.getFullYear()} ${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}.${pad(date.getMilliseconds(), 3)}`
  return `${pid}:${role} ${ts} ${MARK[level]} ${msg}`
}

/** The `logfile` setting as a path: redis-server chdir()s into `dir` while loading its config, so a
 * relative logfile lands in `dir`. The embedded node never changes the process's cwd (several
 * nodes may share a process), so it resolves the name against `dir` instead. '' = stdout. */
export function logfilePath(config: {get(name: string): string}): string {
  const f = config.get('logfile')
  return f === '' || isAbsolute(f) ? f : join(config.get('dir'), f)
}

export class Logger {
  level: LogLevel = 'notice'
  /** '' = stdout; otherwise a path appended to synchronously (log lines are rare). */
  file = ''
  /** M master, S replica (the cluster/replication module flips it). */
  role = 'M'
  /** Tests can capture lines instead of printing. */
  sink?: (line: string) => void
  silent = false

  log(level: LogLevel, msg: string): void {
    if (RANK[level] < RANK[this.level] || this.silent) return
    const line = formatLogLine(level, msg, this.role, new Date())
    if (this.sink) this.sink(line)
    else if (this.file) {
      try {
        appendFileSync(this.file, line + '\n')
      } catch {
        process.stdout.write(line + '\n')
      }
    } else process.stdout.write(line + '\n')
  }
  debug(msg: string): void {
    this.log('debug', msg)
  }
  verbose(msg: string): void {
    this.log('verbose', msg)
  }
  notice(msg: string): void {
    this.log('notice', msg)
  }
  warning(msg: string): void {
    this.log('warning', msg)
  }
}

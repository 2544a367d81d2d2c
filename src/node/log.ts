// redis-server style log lines: "PID:M 22 Nov 2026 10:00:00.123 * message", to a file or stdout.
import {appendFileSync} from 'node:fs'
import {isAbsolute, join} from 'node:path'
import {REDIS_VERSION} from './version.js'

export type LogLevel = 'debug' | 'verbose' | 'notice' | 'warning'
const RANK: Record<LogLevel, number> = {debug: 0, verbose: 1, notice: 2, warning: 3}
const MARK: Record<LogLevel, string> = {debug: '.', verbose: '-', notice: '*', warning: '#'}
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec']

function pad(n: number, w = 2): string {
  return String(n).padStart(w, '0')
}

export function formatLogLine(level: LogLevel, msg: string, role: string, date: Date, pid = process.pid): string {
  const ts = `${pad(date.getDate())} ${MONTHS[date.getMonth()]} ${date.getFullYear()} ${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}.${pad(date.getMilliseconds(), 3)}`
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
  /** The pid the lines carry, INFO's process_id: the node's process (a hosted node's: its stub's, src/node/host.ts). */
  pid = process.pid

  log(level: LogLevel, msg: string): void {
    if (RANK[level] < RANK[this.level] || this.silent) return
    this.write(formatLogLine(level, msg, this.role, new Date(), this.pid))
  }
  /** A line a background-save child reported: its pid, role C (redis' child logs as itself). */
  child(level: LogLevel, msg: string, pid: number): void {
    if (RANK[level] < RANK[this.level] || this.silent) return
    this.write(formatLogLine(level, msg, 'C', new Date(), pid))
  }
  /** A message without the "pid:role date mark" prefix (redis LL_RAW), e.g. the start-up banner. */
  raw(level: LogLevel, text: string): void {
    if (RANK[level] < RANK[this.level] || this.silent) return
    this.write(text)
  }
  private write(line: string): void {
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

/** redis redisAsciiArt: one "Running mode=..., port=N." line, or, when `always-show-logo` is yes
 * or the log is an interactive stdout, a raw multi-line banner naming the mode, the port and the
 * PID (Redis's test harness waits for " PID: <pid>" in the server's stdout before it connects).
 * The banner's words are ours; only the "Port: N" / "PID: N" lines follow Redis. */
export function logStartBanner(logger: Logger, config: {get(name: string): string; bool(name: string): boolean}, mode: string, port: number): void {
  const show = config.bool('always-show-logo') || (config.get('logfile') === '' && process.stdout.isTTY === true)
  if (!show) {
    logger.notice(`Running mode=${mode}, port=${port}.`)
    return
  }
  logger.raw('notice', [
    '',
    `    redis-ts embedded node (Redis ${REDIS_VERSION} compatible) 64 bit`,
    `    Running in ${mode} mode`,
    `    Port: ${port}`,
    `    PID: ${logger.pid}`,
    '',
  ].join('\n'))
}

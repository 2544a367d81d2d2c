// What the node records about the commands it runs (redis server.c call(), slowlog.c,
// latency.c, replication.c replicationFeedMonitors): INFO commandstats / errorstats /
// latencystats, SLOWLOG, the LATENCY monitor and MONITOR feeds. The dispatcher calls
// finishCall() once per executed command; everything here is O(1) per call unless a feature
// is switched on (a monitor attached, slowlog threshold reached).
import type {CommandSpec} from './commands/types.js'
import type {NodeServer} from './server.js'
import type {Session} from './session.js'
import {sdsRepr} from './sds-repr.js'

export interface CommandStats {
  calls: number
  usec: number
  rejected: number
  failed: number
  /** log2 latency histogram: hist[b] counts calls of up to 1024 * 2^b ns (insight-info.ts) */
  hist: number[]
}

export interface SlowlogEntry {
  id: number
  time: number
  usec: number
  argv: string[]
  peer: string
  name: string
}

interface LatencyEvent {
  /** [unix seconds, ms] samples, one per second, oldest first (redis keeps 160) */
  samples: [number, number][]
  max: number
}

const SLOWLOG_MAX_ARGC = 32
const SLOWLOG_MAX_STRING = 128
const LATENCY_SAMPLES = 160
const ERRORSTATS_MAX = 128
/** 1024 ns * 2^47 is far beyond any command: the histogram never grows (a packed SMI array) */
const HIST_BUCKETS = 48
/** Fed before they run (their script's commands follow them): eval.c / functions.c. */
const MONITOR_BEFORE = new Set(['eval', 'evalsha', 'eval_ro', 'evalsha_ro', 'fcall', 'fcall_ro'])

export class Insight {
  /** specs that have stats (so RESETSTAT and INFO need not walk the whole table) */
  readonly used = new Set<CommandSpec>()
  readonly errorStats = new Map<string, number>()
  errorStatsDisabled = false
  totalErrors = 0
  /** errors sent to our master or a replica (redis stat_unexpected_error_replies) */
  unexpectedErrors = 0
  slowlog: SlowlogEntry[] = []
  slowlogNextId = 0
  readonly latency = new Map<string, LatencyEvent>()
  readonly monitors = new Set<Session>()
  slowerThan: number
  slowlogMax: number
  latencyThreshold: number
  trackLatency: boolean
  percentiles: number[]
  readonly onError = (msg: string): void => this.countError(msg)
  /** total error replies when the last command was accounted for (redis prev_err_count) */
  prevErrCount = 0

  constructor(readonly server: NodeServer) {
    const cfg = server.config
    this.slowerThan = cfg.int('slowlog-log-slower-than')
    this.slowlogMax = cfg.int('slowlog-max-len')
    this.latencyThreshold = cfg.int('latency-monitor-threshold')
    this.trackLatency = cfg.bool('latency-tracking')
    this.percentiles = parsePercentiles(cfg.get('latency-tracking-info-percentiles'))
    cfg.onChange.push((name, value) => {
      if (name === 'slowlog-log-slower-than') this.slowerThan = Number(value)
      else if (name === 'slowlog-max-len') {
        this.slowlogMax = Number(value)
        if (this.slowlog.length > this.slowlogMax) this.slowlog.length = this.slowlogMax
      } else if (name === 'latency-monitor-threshold') this.latencyThreshold = Number(value)
      else if (name === 'latency-tracking') this.trackLatency = value === 'yes'
      else if (name === 'latency-tracking-info-percentiles') this.percentiles = parsePercentiles(value)
    })
    server.on('sessionClosed', (s: Session) => this.monitors.delete(s))
  }

  stats(spec: CommandSpec): CommandStats {
    let st = spec.stats
    if (st === undefined) {
      st = spec.stats = {calls: 0, usec: 0, rejected: 0, failed: 0, hist: new Array<number>(HIST_BUCKETS).fill(0)}
      this.used.add(spec)
    }
    return st
  }

  /**
   * afterErrorReply: total_error_replies and the per-code errorstats: the first word of the error,
   * when a space ends it within redis's 32-byte search ("-" and 31 characters), else ERR.
   */
  countError(msg: string): void {
    this.totalErrors++
    const sp = msg.indexOf(' ')
    const code = sp >= 0 && sp <= 30 ? msg.slice(0, sp) : 'ERR'
    const n = this.errorStats.get(code)
    if (n !== undefined) this.errorStats.set(code, n + 1)
    else if (this.errorStats.size >= ERRORSTATS_MAX) {
      if (!this.errorStatsDisabled) {
        this.errorStatsDisabled = true
        this.server.log.warning('Errorstats stopped adding new errors because the number of different errors reached 128; see the \'errorstat_*\' section of INFO.')
      }
    } else this.errorStats.set(code, 1)
  }

  resetStats(): void {
    for (const spec of this.used) spec.stats = undefined
    this.used.clear()
    this.errorStats.clear()
    this.errorStatsDisabled = false
    this.totalErrors = 0
    this.unexpectedErrors = 0
    this.prevErrCount = 0
  }

  /**
   * Run `fn` and sample how long it took under `event` (redis latencyStartMonitor /
   * latencyEndMonitor / latencyAddSampleIfNeeded: whole milliseconds, nothing when the monitor is off).
   */
  timed<T>(event: string, fn: () => T): T {
    if (this.latencyThreshold === 0) return fn()
    const t0 = Date.now()
    const r = fn()
    this.latencySample(event, Date.now() - t0)
    return r
  }

  latencySample(event: string, ms: number): void {
    if (this.latencyThreshold === 0 || ms < this.latencyThreshold) return
    const now = Math.floor(Date.now() / 1000)
    let ev = this.latency.get(event)
    if (ev === undefined) this.latency.set(event, (ev = {samples: [], max: 0}))
    if (ms > ev.max) ev.max = ms
    const last = ev.samples[ev.samples.length - 1]
    if (last !== undefined && last[0] === now) {
      if (ms > last[1]) last[1] = ms
      return
    }
    ev.samples.push([now, ms])
    if (ev.samples.length > LATENCY_SAMPLES) ev.samples.shift()
  }

  slowlogPush(s: Session, argv: string[], usec: number): void {
    const n = Math.min(argv.length, SLOWLOG_MAX_ARGC)
    const args: string[] = []
    for (let j = 0; j < n; j++) {
      if (n !== argv.length && j === n - 1) args.push(`... (${argv.length - n + 1} more arguments)`)
      else {
        const a = argv[j]
        args.push(a.length > SLOWLOG_MAX_STRING ? a.slice(0, SLOWLOG_MAX_STRING) + `... (${a.length - SLOWLOG_MAX_STRING} more bytes)` : a)
      }
    }
    this.slowlog.unshift({id: this.slowlogNextId++, time: Math.floor(Date.now() / 1000), usec, argv: args, peer: s.addr, name: s.name})
    if (this.slowlog.length > this.slowlogMax) this.slowlog.length = this.slowlogMax
  }

  /** replicationFeedMonitors: one status line per command to every MONITOR client. */
  feedMonitors(s: Session, argv: string[]): void {
    const t = performance.timeOrigin + performance.now()
    const sec = Math.floor(t / 1000)
    const usec = Math.floor((t - sec * 1000) * 1000)
    let line = `+${sec}.${String(usec).padStart(6, '0')} [${s.dbIndex} ${s.flags.has('script') ? 'lua' : s.addr}]`
    for (const a of redact(argv)) line += ' ' + sdsRepr(a)
    line += '\r\n'
    for (const m of this.monitors) {
      m.reply.raw(line)
      m.flushSoon()
    }
  }
}

/**
 * call()'s bookkeeping after a command ran: commandstats, latency histogram, failed calls,
 * LATENCY "command"/"fast-command" samples, SLOWLOG and MONITOR. `t0` is performance.now() at
 * the start, `errors` the session writer's error count then.
 */
export function finishCall(s: Session, spec: CommandSpec, argv: string[], t0: number, errors: number, deferred = false, blocked = false): void {
  // a blocked command's wait is not its duration (redis updateStatsOnUnblock)
  const usec = Math.max(0, Math.round((performance.now() - t0 - s.blockedMs) * 1000))
  s.blockedMs = 0
  const ins = s.server.insight
  const st = spec.stats ?? ins.stats(spec)
  // a command that blocked was counted when it blocked (blockedCall); its unblocking adds its time
  // and whether it failed (redis updateStatsOnUnblock), and leaves the error accounting of call()
  // alone: an error its serving wrote still fails the next command (incrCommandStatsOnError)
  if (!blocked) st.calls++
  st.usec += usec
  // redis incrCommandStatsOnError: failed only if an error reply came after the last command's
  // accounting, so EXEC is not failed by the error of a command it ran (that one is). A command
  // that finishes later (blocked, then unblocked) failed if its own reply was an error
  // (updateStatsOnUnblock).
  // Each error reply counted where it arose (a script's redis.call error) fails the command once
  // more (redis afterErrorReply with ERR_REPLY_FLAG_NO_STATS_UPDATE: realcmd->failed_calls++), so a
  // script reply holding one and a new error fails EVAL twice.
  st.failed += s.reply.uncountedErrors
  if ((s.reply.errors !== errors && (deferred || ins.totalErrors !== ins.prevErrCount)) || (blocked && s.unblockedByCommand)) st.failed++
  s.reply.uncountedErrors = 0
  s.unblockedByCommand = false
  if (!blocked) ins.prevErrCount = ins.totalErrors
  if (ins.trackLatency) {
    // hdr_iter_log(1024 ns, x2) buckets: b holds calls of up to 1024 * 2^b ns
    const k = Math.ceil((usec * 1000) / 1024)
    const b = k <= 1 ? 0 : k > 0x7fffffff ? HIST_BUCKETS - 1 : 32 - Math.clz32(k - 1)
    st.hist[b]++
  }
  if (s.socket === null && s.flags.has('script')) {
    // Commands run by a script: no slowlog / latency entry of their own (CMD_CALL_SLOWLOG unset).
    if (ins.monitors.size !== 0) ins.feedMonitors(s, argv)
    return
  }
  if (ins.latencyThreshold !== 0) ins.latencySample(spec.flags.includes('fast') ? 'fast-command' : 'command', Math.floor(usec / 1000))
  if (ins.slowerThan >= 0 && usec >= ins.slowerThan && ins.slowlogMax !== 0 && spec.name !== 'exec') ins.slowlogPush(s, redact(argv), usec)
  if (ins.monitors.size !== 0 && !spec.flags.includes('admin') && !MONITOR_BEFORE.has(spec.name)) ins.feedMonitors(s, argv)
}

/** redis call() of a command that blocked (BLPOP and friends, WAIT): counted now, settled by finishCall(…, blocked). */
export function blockedCall(s: Session, spec: CommandSpec): void {
  const ins = s.server.insight
  ;(spec.stats ?? ins.stats(spec)).calls++
  ins.prevErrCount = ins.totalErrors
}

/** The dispatcher rejected a known command (arity, auth, cluster verdict, guards): rejected_calls. */
export function rejectedCall(s: Session, spec: CommandSpec | undefined): void {
  const ins = s.server.insight
  if (spec !== undefined) ins.stats(spec).rejected++
  ins.prevErrCount = ins.totalErrors
}

/** EVAL / FCALL feed MONITOR before their script's commands (redis eval.c evalCommand). */
export function feedBeforeRun(s: Session, spec: CommandSpec, argv: string[]): void {
  const ins = s.server.insight
  if (ins.monitors.size !== 0 && MONITOR_BEFORE.has(spec.name)) ins.feedMonitors(s, argv)
}

/**
 * The arguments SLOWLOG and MONITOR show: passwords replaced by "(redacted)" as redis 7.0's
 * redactClientCommandArgument does (AUTH, HELLO ... AUTH, MIGRATE AUTH/AUTH2, ACL SETUSER,
 * CONFIG SET of masterauth / masteruser / requirepass).
 */
export function redact(argv: string[]): string[] {
  const cmd = argv[0].toLowerCase()
  const R = '(redacted)'
  if (cmd === 'auth') return argv.map((a, i) => (i === 0 ? a : R))
  if (cmd === 'hello') {
    const out = argv.slice()
    for (let i = 2; i < out.length; i++) {
      const o = out[i].toLowerCase()
      if (o === 'auth' && i + 2 < out.length) {
        out[i + 1] = out[i + 2] = R
        i += 2
      } else if (o === 'setname') i++
    }
    return out
  }
  if (cmd === 'migrate') {
    const out = argv.slice()
    for (let i = 6; i < out.length; i++) {
      const o = out[i].toLowerCase()
      if (o === 'auth' && i + 1 < out.length) out[++i] = R
      else if (o === 'auth2' && i + 2 < out.length) {
        out[i + 1] = out[i + 2] = R
        i += 2
      } else if (o === 'keys') break
    }
    return out
  }
  if (cmd === 'acl' && argv.length > 2 && argv[1].toLowerCase() === 'setuser') return argv.map((a, i) => (i < 2 ? a : R))
  if (cmd === 'config' && argv.length > 3 && argv[1].toLowerCase() === 'set') {
    const out = argv.slice()
    for (let i = 2; i + 1 < out.length; i += 2) if (SENSITIVE_CONFIGS.has(out[i].toLowerCase())) out[i + 1] = R
    return out
  }
  return argv
}

const SENSITIVE_CONFIGS = new Set(['masterauth', 'masteruser', 'requirepass'])

function parsePercentiles(v: string): number[] {
  return v
    .split(/\s+/)
    .filter(Boolean)
    .map(Number)
    .filter((n) => !Number.isNaN(n))
}

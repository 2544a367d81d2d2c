// SLOWLOG, LATENCY and MONITOR (redis 7.0 slowlog.c, latency.c, replication.c monitorCommand).
// What they read is recorded by src/node/insight.ts from the dispatcher's call().
import type {CommandStats} from '../insight.js'
import {ADMIN_FLAGS as A, cmd, helpSubcommand, type CommandContext, type CommandSpec} from './types.js'
import {parseIntStrict} from './util.js'


const LATENCY_HELP = [
  'LATENCY <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
  'DOCTOR',
  '    Return a human readable latency analysis report.',
  'GRAPH <event>',
  '    Return an ASCII latency graph for the <event> class.',
  'HISTORY <event>',
  '    Return time-latency samples for the <event> class.',
  'LATEST',
  '    Return the latest latency samples for all events.',
  'RESET [<event> ...]',
  '    Reset latency data of one or more <event> classes.',
  '    (default: reset all data for all event classes)',
  'HISTOGRAM [COMMAND ...]',
  '    Return a cumulative distribution of latencies in the format of a histogram for the specified command names.',
  '    If no commands are specified then all histograms are replied.',
  'HELP',
  '    Prints this help.',
]

export const commands: CommandSpec[] = [
  {
    ...cmd('slowlog', -2, [], 0, () => undefined),
    subcommands: [
      cmd('get', -2, ['admin', 'loading', 'stale'], 0, slowlogGet),
      cmd('len', 2, ['admin', 'loading', 'stale'], 0, (ctx) => ctx.reply.integer(ctx.server.insight.slowlog.length)),
      cmd('reset', 2, ['admin', 'loading', 'stale'], 0, (ctx) => {
        ctx.server.insight.slowlog = []
        ctx.reply.ok()
      }),
      helpSubcommand(['SLOWLOG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:', 'GET [<count>]', '    Return top <count> entries from the slowlog (default: 10, -1 mean all).', '    Entries are made of:', '    id, timestamp, time in microseconds, arguments array, client IP and port,', '    client name', 'LEN', '    Return the length of the slowlog.', 'RESET', '    Reset the slowlog.', 'HELP', '    Prints this help.']),
    ],
  },
  {
    ...cmd('latency', -2, [], 0, () => undefined),
    subcommands: [
      cmd('latest', 2, [...A], 0, latest),
      cmd('history', 3, [...A], 0, history),
      cmd('reset', -2, [...A], 0, reset),
      cmd('graph', 3, [...A], 0, graph),
      cmd('doctor', 2, [...A], 0, (ctx) => ctx.reply.verbatim(doctor(ctx))),
      cmd('histogram', -2, [...A], 0, histogram),
      helpSubcommand(LATENCY_HELP),
    ],
  },
  cmd('monitor', 1, ['admin', 'noscript', 'loading', 'stale'], 0, monitor),
]


function slowlogGet(ctx: CommandContext, argv: string[]): void {
  if (argv.length > 3) return ctx.reply.error(`ERR unknown subcommand or wrong number of arguments for '${argv[1]}'. Try SLOWLOG HELP.`)
  const log = ctx.server.insight.slowlog
  let count = 10
  if (argv.length === 3) {
    const parsed = parseIntStrict(argv[2])
    const n = parsed === null ? NaN : Number(parsed)
    if (Number.isNaN(n) || n < -1) return ctx.reply.error('ERR count should be greater than or equal to -1')
    count = n === -1 ? log.length : n
  }
  const out = log.slice(0, count)
  const r = ctx.reply
  r.array(out.length)
  for (const e of out) {
    r.array(6)
    r.integer(e.id)
    r.integer(e.time)
    r.integer(e.usec)
    r.bulks(e.argv, e.argv.length)
    r.bulk(e.peer)
    r.bulk(e.name)
  }
}

function latest(ctx: CommandContext): void {
  const ev = ctx.server.insight.latency
  ctx.reply.array(ev.size)
  for (const [name, e] of ev) {
    const last = e.samples[e.samples.length - 1]
    ctx.reply.array(4)
    ctx.reply.bulk(name)
    ctx.reply.integer(last[0])
    ctx.reply.integer(last[1])
    ctx.reply.integer(e.max)
  }
}

function history(ctx: CommandContext, argv: string[]): void {
  const e = ctx.server.insight.latency.get(argv[2])
  const samples = e?.samples ?? []
  ctx.reply.array(samples.length)
  for (const [t, ms] of samples) {
    ctx.reply.array(2)
    ctx.reply.integer(t)
    ctx.reply.integer(ms)
  }
}

function reset(ctx: CommandContext, argv: string[]): void {
  const ev = ctx.server.insight.latency
  if (argv.length === 2) {
    const n = ev.size
    ev.clear()
    return ctx.reply.integer(n)
  }
  let n = 0
  for (const name of argv.slice(2)) if (ev.delete(name)) n++
  ctx.reply.integer(n)
}

/** latencyCommandGenSparkeline: header, 80 dashes, then a 4-row chart, one column per sample. */
function graph(ctx: CommandContext, argv: string[]): void {
  const e = ctx.server.insight.latency.get(argv[2])
  if (e === undefined) return ctx.reply.error(`ERR No samples available for event '${argv[2]}'`)
  const vals = e.samples.map((s) => s[1])
  const max = Math.max(...vals)
  const min = Math.min(...vals)
  let out = `${argv[2]} - high ${max} ms, low ${min} ms (all time high ${e.max} ms)\n${'-'.repeat(80)}\n`
  const rows = 4
  const now = Math.floor(Date.now() / 1000)
  const heights = vals.map((v) => (max === min ? rows : Math.max(1, Math.round(((v - min) / (max - min)) * rows))))
  for (let r = rows; r >= 1; r--) out += heights.map((h) => (h >= r ? (h === r ? '_' : '|') : ' ')).join('').replace(/\s+$/, '') + '\n'
  const labels = e.samples.map(([t]) => ago(now - t))
  const width = Math.max(...labels.map((l) => l.length))
  for (let i = 0; i < width; i++) out += labels.map((l) => l[i] ?? ' ').join('').replace(/\s+$/, '') + '\n'
  ctx.reply.verbatim(out)
}

function ago(s: number): string {
  if (s < 60) return `${s}s`
  if (s < 3600) return `${Math.floor(s / 60)}m`
  if (s < 86400) return `${Math.floor(s / 3600)}h`
  return `${Math.floor(s / 86400)}d`
}

/** createLatencyReport, reduced to the per-event statistics and the advice that apply to this node. */
function doctor(ctx: CommandContext): string {
  const ins = ctx.server.insight
  if (ins.latency.size === 0 && ins.latencyThreshold === 0)
    return 'I\'m sorry, Dave, I can\'t do that. Latency monitoring is disabled in this Redis instance. You may use "CONFIG SET latency-monitor-threshold <milliseconds>." in order to enable it. If we weren\'t in a deep space mission I\'d suggest to take a look at https://redis.io/topics/latency-monitor.\n'
  if (ins.latency.size === 0) return 'Dave, no latency spike was observed during the lifetime of this Redis instance, not in the slightest bit. I honestly think you ought to sleep better.\n'
  let out = "Dave, I have observed latency spikes in this Redis instance. You don't mind talking about it, do you Dave?\n\n"
  let i = 0
  let commandEvent = false
  for (const [name, e] of ins.latency) {
    const vals = e.samples.map((s) => s[1])
    const avg = Math.floor(vals.reduce((a, b) => a + b, 0) / vals.length)
    const mad = Math.floor(vals.reduce((a, b) => a + Math.abs(b - avg), 0) / vals.length)
    const period = vals.length > 1 ? (e.samples[e.samples.length - 1][0] - e.samples[0][0]) / vals.length : 0
    out += `${++i}. ${name}: ${vals.length} latency spikes (average ${avg}ms, mean deviation ${mad}ms, period ${period.toFixed(2)} sec). Worst all time event ${e.max}ms.\n`
    if (name === 'command' || name === 'fast-command') commandEvent = true
  }
  out += '\n'
  if (!commandEvent) return out + 'I have no advice for you. The spikes are not caused by commands.\n'
  out += 'I have a few advices for you:\n\n'
  if (ins.slowerThan < 0) out += "- The system is slow to execute Redis code paths not containing system calls. This usually means the system does not provide Redis CPU time to run for long periods. You should try to:\n  1) Lower the system load.\n  2) Use a computer / VM just for Redis if you are running other software in the same system.\n  3) Check if you have a \"noisy neighbour\" problem.\n  4) Check with 'redis-cli --intrinsic-latency 100' what is the intrinsic latency in your system.\n  5) Check if the problem is allocator-related by recompiling Redis with MALLOC=libc, if you are using Jemalloc. However this may create fragmentation problems.\n- Your current Slow Log configuration only logs events that are slower than your configured latency monitor threshold. Please use 'CONFIG SET slowlog-log-slower-than <microseconds>' to enable it.\n"
  out += '- Check your Slow Log to understand what are the commands you are running which are too slow to execute. Please check https://redis.io/commands/slowlog for more information.\n'
  return out
}

/** LATENCY HISTOGRAM [command ...]: per command, calls and the cumulative log2 histogram (usec). */
function histogram(ctx: CommandContext, argv: string[]): void {
  const table = ctx.server.commands
  const picked: [string, CommandStats][] = []
  const add = (name: string, spec: CommandSpec) => {
    const st = spec.stats
    if (st !== undefined && st.calls !== 0 && st.hist.some((c) => c > 0) && !picked.some(([n]) => n === name)) picked.push([name, st])
  }
  const addWithSubs = (spec: CommandSpec) => {
    add(spec.name, spec)
    for (const sub of spec.subcommands ?? []) add(`${spec.name}|${sub.name}`, sub)
  }
  if (argv.length === 2) for (const spec of table.all()) addWithSubs(spec)
  else {
    for (const raw of argv.slice(2)) {
      const [top, sub] = raw.toLowerCase().split('|')
      const spec = table.lookup(top)
      if (spec === undefined) continue
      if (sub === undefined) addWithSubs(spec)
      else {
        const s = table.lookupSub(spec, sub)
        if (s !== undefined) add(`${spec.name}|${s.name}`, s)
      }
    }
  }
  const r = ctx.reply
  r.map(picked.length)
  for (const [name, st] of picked) {
    r.bulk(name)
    r.map(2)
    r.bulk('calls')
    r.integer(st.calls)
    r.bulk('histogram_usec')
    let n = 0
    for (const c of st.hist) if (c) n++
    r.map(n)
    let acc = 0
    for (let b = 0; b < st.hist.length; b++) {
      if (!st.hist[b]) continue
      acc += st.hist[b]
      r.integer(Math.floor((1024 * 2 ** b - 1) / 1000))
      r.integer(acc)
    }
  }
}

/** MONITOR: this connection receives every command from now on (replication.c monitorCommand). */
function monitor(ctx: CommandContext): void {
  const s = ctx.session
  if (s.flags.has('exec')) return ctx.reply.error("ERR MONITOR isn't allowed for DENY BLOCKING client")
  if (s.flags.has('monitor')) return
  s.flags.add('monitor')
  s.flags.add('replica')
  ctx.server.insight.monitors.add(s)
  ctx.reply.ok()
}

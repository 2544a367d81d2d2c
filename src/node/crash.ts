// The crash report (redis debug.c: bugReportStart, sigsegvHandler, printCrashReport, bugReportEnd).
// Where redis prints a C backtrace of the faulting thread the node prints the JavaScript stack of the
// code that crashed; the markers people and Redis's tests grep for (the START/END banners,
// "crashed by signal", "------ STACK TRACE ------", the INFO / CLIENT LIST / CONFIG DEBUG sections)
// are redis's own. After the report the process dies by the same signal, with the default action
// (a core dump where enabled), as redis does.
//
// Only SIGABRT is caught from outside: a JS listener for SIGSEGV/SIGBUS/SIGFPE/SIGILL would make a
// real fault in native code return to the faulting instruction forever (libuv only queues the
// signal), so those keep their default action; DEBUG SEGFAULT reports and then raises SIGSEGV itself.
import {infoText} from './commands/info.js'
import {clientInfoLine} from './clientmem.js'
import {NodeConfig} from './config.js'
import {formatMemory} from './config-rewrite.js'
import {sdsRepr} from './sds-repr.js'
import {REDIS_VERSION} from './version.js'
import {formatLogLine} from './log.js'
import type {NodeServer} from './server.js'
import type {Session} from './session.js'
import type {ServerAssertion} from './errors.js'

const SIGNO: Record<string, number> = {SIGILL: 4, SIGABRT: 6, SIGBUS: 7, SIGFPE: 8, SIGSEGV: 11}

/** The configs flagged DEBUG_CONFIG in redis 7.0.15's config.c, in the order redis prints them. */
const DEBUG_CONFIGS = [
  'lazyfree-lazy-eviction', 'activedefrag', 'repl-diskless-sync', 'slave-read-only', 'lazyfree-lazy-user-flush',
  'lazyfree-lazy-expire', 'client-query-buffer-limit', 'replica-read-only', 'sanitize-dump-payload', 'io-threads',
  'list-compress-depth', 'proto-max-bulk-len', 'lazyfree-lazy-server-del', 'repl-diskless-load',
  'lazyfree-lazy-user-del', 'io-threads-do-reads',
]

const BUG_REPORT_END =
  '\n=== REDIS BUG REPORT END. Make sure to include from START to END. ===\n\n' +
  '       Please report the crash by opening an issue on github:\n\n' +
  '           http://github.com/redis/redis/issues\n\n' +
  '  If a Redis module was involved, please open in the module\'s repo instead.\n\n' +
  '  Suspect RAM error? Use redis-server --test-memory to verify it.\n\n' +
  '  Some other issues could be detected by redis-server --check-system\n'

/** A JS stack as backtrace lines (without the "Error" header line). */
function backtrace(stack: string | undefined): string {
  return (stack ?? '').split('\n').slice(1).map((l) => l.trim()).join('\n') + '\n'
}

function configDebugInfo(server: NodeServer): string {
  let out = ''
  for (const name of DEBUG_CONFIGS) {
    const spec = NodeConfig.spec(name)
    if (spec === undefined) continue
    const v = server.config.get(name)
    out += `${name} ${spec.kind === 'memory' ? formatMemory(v) : v}\n`
  }
  return out
}

type Current = {session: Session; argv: string[]} | null

/** The report as redis writes it: serverLogRaw text as is, serverLog lines with their prefix. */
class Report {
  text = ''
  constructor(private readonly server: NodeServer) {}
  raw(t: string): void {
    this.text += t
  }
  line(msg: string): void {
    this.text += formatLogLine('warning', msg, this.server.log.role, new Date()) + '\n'
  }
  /** One write to the log (Logger.raw adds the final newline). */
  flush(): void {
    this.server.log.raw('warning', this.text.endsWith('\n') ? this.text.slice(0, -1) : this.text)
    this.text = ''
  }
}

/** logCurrentClient: the client whose command crashed, its arguments (sdscatrepr, first 128 bytes). */
function currentClient(r: Report, server: NodeServer, s: Session, argv: string[]): void {
  r.raw('\n------ CURRENT CLIENT INFO ------\n')
  r.raw(clientInfoLine(server, s, s) + '\n')
  argv.forEach((a, j) => r.raw(`argv[${j}]: '${sdsRepr(a.slice(0, 128))}'\n`))
}

/** printCrashReport: INFO all, CLIENT LIST, the current client, modules, CONFIG DEBUG. */
function printCrashReport(r: Report, server: NodeServer, current: Current): void {
  r.raw('\n------ INFO OUTPUT ------\n')
  try {
    r.raw(infoText(server, ['all']))
    r.raw('\n------ CLIENT LIST OUTPUT ------\n')
    r.raw([...server.sessions.values()].map((s) => clientInfoLine(server, s, current?.session ?? null) + '\n').join(''))
    if (current) currentClient(r, server, current.session, current.argv)
  } catch (e) {
    // a report must not stop half-way: say what failed and go on to the end banner
    r.line(`crash report section failed: ${(e as Error).message}`)
  }
  r.raw('\n------ MODULES INFO OUTPUT ------\n')
  r.raw('\n------ CONFIG DEBUG OUTPUT ------\n')
  r.raw(configDebugInfo(server))
}

/**
 * Nodes that share one process with others (src/node/host.ts, `create --single-process`): how one
 * of them dies without taking the process and the other nodes with it. `status` is the exit status
 * its own process would have had.
 */
const hostedDeaths = new WeakMap<NodeServer, (status: number) => void>()

export function setHostedDeath(server: NodeServer, die: (status: number) => void): void {
  hostedDeaths.set(server, die)
}

/** Thrown out of the command that killed a hosted node (its connections are gone already). */
export class HostedNodeDied extends Error {}

/** Death by `signal` with its default action (bugReportEnd): the exit status says which it was. */
function dieBy(server: NodeServer, signal: keyof typeof SIGNO): never {
  const hosted = hostedDeaths.get(server)
  if (hosted) {
    hosted(128 + SIGNO[signal])
    throw new HostedNodeDied(`node died by ${signal}`)
  }
  process.removeAllListeners(signal)
  process.kill(process.pid, signal)
  // the signal is delivered before kill(2) returns to a single-threaded caller; never reached
  process.exit(128 + SIGNO[signal])
}

/** The report between the START and END banners; `head` are the lines saying what happened. */
function bugReport(server: NodeServer, head: string[], stack: string | undefined, current: Current): void {
  const r = new Report(server)
  r.raw('\n\n=== REDIS BUG REPORT START: Cut & paste starting from here ===\n')
  for (const l of head) r.line(l)
  if (server.config.bool('crash-log-enabled')) {
    r.raw('\n------ STACK TRACE ------\n\nBacktrace:\n' + backtrace(stack))
    printCrashReport(r, server, current)
  }
  r.raw(BUG_REPORT_END)
  r.flush()
}

/**
 * sigsegvHandler: the report for `signal`, then death by that signal. `stack` is the JS stack of the
 * code that crashed; `current` the client whose command it was running (DEBUG SEGFAULT).
 */
export function crashBySignal(server: NodeServer, signal: keyof typeof SIGNO, stack: string | undefined, current: Current = null): never {
  // redis installs the handler only with crash-log-enabled; without it the signal just kills
  // si_code 0 (SI_USER): the signal the node dies by comes from kill(2), its own or another's
  if (server.config.bool('crash-log-enabled')) bugReport(server, [`Redis ${REDIS_VERSION} crashed by signal: ${SIGNO[signal]}, si_code: 0`], stack, current)
  dieBy(server, signal)
}

/** _serverPanic's head lines: "Guru Meditation: <msg> #<where>". */
function panicHead(msgAndWhere: string): string[] {
  return ['------------------------------------------------', '!!! Software Failure. Press left mouse button to continue', `Guru Meditation: ${msgAndWhere}`]
}

/** "file:line" of the caller of the code that made `stack` (as redis names a C file and line). */
export function codeLocation(stack: string | undefined): string {
  const where = /\(?([^()\s]+):(\d+):\d+\)?$/.exec((stack ?? '').split('\n')[1] ?? '')
  return where ? `${where[1].replace(/^.*\//, '')}:${where[2]}` : 'unknown:0'
}

/** _serverPanic (DEBUG PANIC): "Guru Meditation" at the JS location that panicked, then abort(). */
export function serverPanic(server: NodeServer, msg: string, stack: string | undefined, current: Current = null): never {
  bugReport(server, panicHead(`${msg} #${codeLocation(stack)}`), stack, current)
  dieBy(server, 'SIGABRT')
}

/**
 * _serverAssert / _serverPanic for a failed invariant of the data (ServerAssertion): the hex dump
 * first when there is one (serverLogHexDump), then the bug report. The caller stops the node
 * (run.ts: exit 1 under use-exit-on-panic, else abort), as redis' bugReportEnd does.
 */
export function logAssertion(server: NodeServer, e: ServerAssertion, current: Current = null): void {
  if (e.dump) {
    // serverLogHexDump: 32 bytes a line
    server.log.warning(`${e.dump.descr} (hexdump of ${e.dump.bytes.length} bytes):`)
    const hex = e.dump.bytes.toString('hex')
    for (let i = 0; i < hex.length; i += 64) server.log.raw('warning', hex.slice(i, i + 64))
    server.log.raw('warning', '\n')
  }
  bugReport(server, e.panic ? panicHead(e.message) : [...(e.context ?? []), '=== ASSERTION FAILED ===', `==> ${e.message}`], e.stack, current)
}

/** setupSignalHandlers' SIGABRT part (the node's own process only: run.ts). */
export function installCrashHandlers(server: NodeServer): void {
  process.on('SIGABRT', () => crashBySignal(server, 'SIGABRT', new Error().stack))
}

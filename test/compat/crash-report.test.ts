// The crash report (redis debug.c sigsegvHandler/_serverPanic/bugReportEnd), side by side with
// redis-server: SIGABRT from outside and DEBUG SEGFAULT each log the report's markers (what
// tests/integration/logging.tcl and people grep for) and end the process by that same signal;
// with crash-log-enabled no there is no report. The node's backtrace is its JavaScript stack.
import {after, describe, test} from 'node:test'
import assert from 'node:assert/strict'
import {spawn, type ChildProcess} from 'node:child_process'
import {mkdtempSync, readFileSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {Redis} from 'ioredis'
import {freePortPair} from '../helpers/ports.js'
import {haveRedisServer, redisSkip, waitReady} from '../helpers/redis-server.js'
import {embeddedCommand} from '../../src/local/warm.js'

type Kind = 'embedded' | 'real'

interface Crashable {
  proc: ChildProcess
  port: number
  log: string
  exited: Promise<NodeJS.Signals | null>
}

/** Every process started here, killed at the end if a failed test left one running. */
const started: ChildProcess[] = []

async function startServer(kind: Kind, dir: string, extra: string[] = []): Promise<Crashable> {
  const {port} = await freePortPair()
  const log = join(dir, `${kind}-${port}.log`)
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--dir', dir, '--logfile', log, '--enable-debug-command', 'yes', '--crash-memcheck-enabled', 'no', ...extra]
  const {cmd, args: pre} = embeddedCommand()
  const proc = kind === 'real' ? spawn('redis-server', args, {stdio: 'ignore'}) : spawn(cmd, [...pre, ...args], {stdio: 'ignore'})
  started.push(proc)
  const exited = new Promise<NodeJS.Signals | null>((resolve) => proc.once('exit', (_code, sig) => resolve(sig)))
  await waitReady(port, undefined, undefined, 30_000)
  return {proc, port, log, exited}
}

async function crashed(s: Crashable): Promise<{signal: NodeJS.Signals | null; log: string}> {
  const signal = await s.exited
  return {signal, log: readFileSync(s.log, 'latin1')}
}

/** Start a server in a temp dir, send it `DEBUG <sub>` (no reply: it dies), return how it died and its log. */
async function crashByDebug(kind: Kind, sub: string): Promise<{signal: NodeJS.Signals | null; log: string}> {
  const dir = mkdtempSync(join(tmpdir(), 'crash-report-'))
  try {
    const s = await startServer(kind, dir)
    const c = new Redis({port: s.port, host: '127.0.0.1', maxRetriesPerRequest: 0, retryStrategy: () => null})
    c.on('error', () => {})
    await assert.rejects(c.call('debug', sub))
    c.disconnect()
    return await crashed(s)
  } finally {
    rmSync(dir, {recursive: true, force: true})
  }
}

const kinds: Kind[] = haveRedisServer() ? ['embedded', 'real'] : ['embedded']

describe('crash report', {timeout: 120_000}, () => {
  after(() => {
    for (const p of started) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL')
  })
  for (const kind of kinds) {
    test(`${kind}: SIGABRT logs the report and the process dies by SIGABRT`, {skip: kind === 'real' && redisSkip()}, async () => {
      const dir = mkdtempSync(join(tmpdir(), 'crash-report-'))
      try {
        const s = await startServer(kind, dir)
        s.proc.kill('SIGABRT')
        const {signal, log} = await crashed(s)
        assert.equal(signal, 'SIGABRT')
        assert.match(log, /=== REDIS BUG REPORT START: Cut & paste starting from here ===/)
        assert.match(log, /\d+:M .* # Redis 7\.0\.15 crashed by signal: 6, si_code: 0\n/)
        assert.match(log, /\n------ STACK TRACE ------\n/)
        assert.match(log, /\n------ INFO OUTPUT ------\n# Server\r\nredis_version:7\.0\.15\r\n/)
        assert.match(log, /\n------ CLIENT LIST OUTPUT ------\n/)
        assert.match(log, /\n------ CONFIG DEBUG OUTPUT ------\n(.*\n)*client-query-buffer-limit 1gb\n/)
        assert.match(log, /=== REDIS BUG REPORT END\. Make sure to include from START to END\. ===/)
      } finally {
        rmSync(dir, {recursive: true, force: true})
      }
    })

    test(`${kind}: DEBUG SEGFAULT logs the report with the crashing client and dies by SIGSEGV`, {skip: kind === 'real' && redisSkip()}, async () => {
      const {signal, log} = await crashByDebug(kind, 'segfault')
      assert.equal(signal, 'SIGSEGV')
      assert.match(log, /# Redis 7\.0\.15 crashed by signal: 11, si_code: \d+\n/)
      assert.match(log, /\n------ STACK TRACE ------\n/)
      assert.match(log, /\n------ CURRENT CLIENT INFO ------\nid=\d+ .*cmd=debug .*\nargv\[0\]: '"debug"'\nargv\[1\]: '"segfault"'\n/)
      if (kind === 'embedded') assert.match(log, /Backtrace:\n(.*\n)*at .*debug/, 'the JS stack of the DEBUG command')
      assert.match(log, /=== REDIS BUG REPORT END/)
    })

    test(`${kind}: DEBUG PANIC logs the Guru Meditation and aborts`, {skip: kind === 'real' && redisSkip()}, async () => {
      const {signal, log} = await crashByDebug(kind, 'panic')
      assert.equal(signal, 'SIGABRT')
      assert.match(log, /# !!! Software Failure\. Press left mouse button to continue\n.* # Guru Meditation: DEBUG PANIC called at Unix time \d+ #[\w.-]+:\d+\n/)
      assert.match(log, /\n------ STACK TRACE ------\n/)
      assert.match(log, /=== REDIS BUG REPORT END/)
    })

    test(`${kind}: DEBUG ASSERT logs the client context and the failed assertion and aborts`, {skip: kind === 'real' && redisSkip()}, async () => {
      const {signal, log} = await crashByDebug(kind, 'assert')
      assert.equal(signal, 'SIGABRT')
      assert.match(log, /=== REDIS BUG REPORT START: Cut & paste starting from here ===\n.* # === ASSERTION FAILED CLIENT CONTEXT ===\n.* # client->flags = 0\n.* # client->conn = fd=\d+\n.* # client->argc = 2\n.* # client->argv\[0\] = "debug" \(refcount: 1\)\n.* # client->argv\[1\] = "assert" \(refcount: 1\)\n.* # === ASSERTION FAILED OBJECT CONTEXT ===\n.* # Object type: 0\n.* # Object encoding: 8\n.* # Object refcount: 1\n.* # === ASSERTION FAILED ===\n.* # ==> [\w./-]+:\d+ '1 == 2' is not true\n/)
      assert.match(log, /\n------ STACK TRACE ------\n/)
      assert.match(log, /=== REDIS BUG REPORT END/)
    })

    test(`${kind}: DEBUG OOM logs the allocation that failed, panics and aborts`, {skip: kind === 'real' && redisSkip()}, async () => {
      const {signal, log} = await crashByDebug(kind, 'oom')
      assert.equal(signal, 'SIGABRT')
      assert.match(log, / # Out Of Memory allocating 9223372036854775807 bytes!\n\n\n=== REDIS BUG REPORT START: Cut & paste starting from here ===\n.* # -{48}\n.* # !!! Software Failure\. Press left mouse button to continue\n.* # Guru Meditation: Redis aborting for OUT OF MEMORY\. Allocating 9223372036854775807 bytes! #[\w.-]+:\d+\n/)
      assert.match(log, /=== REDIS BUG REPORT END/)
    })

    test(`${kind}: with crash-log-enabled no, SIGABRT kills without a report`, {skip: kind === 'real' && redisSkip()}, async () => {
      const dir = mkdtempSync(join(tmpdir(), 'crash-report-'))
      try {
        const s = await startServer(kind, dir, ['--crash-log-enabled', 'no'])
        s.proc.kill('SIGABRT')
        const {signal, log} = await crashed(s)
        assert.equal(signal, 'SIGABRT')
        assert.doesNotMatch(log, /BUG REPORT|crashed by signal|STACK TRACE/)
      } finally {
        rmSync(dir, {recursive: true, force: true})
      }
    })
  }
})

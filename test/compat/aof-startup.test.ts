// AOF start-up and rewrite behaviour, side by side with redis-server 7.0 (both run as processes
// on copies of the same directory): a broken manifest refuses the start with redis's log line
// (after the " PID: " banner line Redis's test harness waits for) and leaves every file as it
// was; keys do not expire while the AOF loads; a rewrite child killed with SIGKILL fails the
// rewrite and leaves the INCR files the next rewrite folds in; DEBUG LOADAOF re-reads the
// manifest so INCR numbering restarts as redis's does; aof-disable-auto-gc keeps history files.
import {after, describe, test} from 'node:test'
import assert from 'node:assert/strict'
import {execFileSync, spawn, type ChildProcess} from 'node:child_process'
import {cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {freePortPair} from '../helpers/ports.js'
import {redisSkip, waitReady} from '../helpers/redis-server.js'
import {BIN, ROOT} from '../helpers/cli.js'
import {client} from '../helpers/aof.js'

const skip = redisSkip()
const root = mkdtempSync(join(tmpdir(), 'redis-ts-aof-startup-'))
const procs: ChildProcess[] = []
after(() => {
  for (const p of procs) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL')
  rmSync(root, {recursive: true, force: true})
})
let dirs = 0
const newDir = () => join(root, String(++dirs))
const dev = BIN.endsWith('dev.js') ? ['--require', 'tsx/preflight', '--import', 'tsx', '--no-warnings'] : []
const KINDS = ['redis', 'embedded'] as const
type Kind = (typeof KINDS)[number]

interface Proc {
  port: number
  proc: ChildProcess
  exited: Promise<number | null>
  log: string
}

async function launch(kind: Kind, dir: string, extra: string[] = []): Promise<Proc> {
  const {port} = await freePortPair()
  const log = join(dir, '..', `${kind}-${port}.log`)
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'yes', '--logfile', log, '--always-show-logo', 'yes', '--enable-debug-command', 'yes', ...extra]
  const proc = kind === 'redis' ? spawn('redis-server', args, {stdio: 'ignore'}) : spawn(process.execPath, [...dev, BIN, 'node', ...args], {cwd: ROOT, stdio: 'ignore'})
  procs.push(proc)
  const exited = new Promise<number | null>((r) => (proc.exitCode !== null ? r(proc.exitCode) : proc.once('exit', (code) => r(code))))
  return {port, proc, exited, log}
}

async function stop(p: Proc): Promise<void> {
  await client(p.port).shutdown('NOSAVE').catch(() => undefined)
  await p.exited
}

/** Every file under `dir` with its bytes (the manifest and AOF files a refused start must not touch). */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {}
  const walk = (d: string, rel: string) => {
    for (const e of readdirSync(d, {withFileTypes: true})) {
      if (e.isDirectory()) walk(join(d, e.name), `${rel}${e.name}/`)
      else out[rel + e.name] = readFileSync(join(d, e.name), 'latin1')
    }
  }
  walk(dir, '')
  return out
}

const cmd = (...a: string[]) => `*${a.length}\r\n` + a.map((x) => `$${Buffer.byteLength(x)}\r\n${x}\r\n`).join('')

/** A server directory with appendonlydir/ holding `files` (name -> content). */
function aofDir(files: Record<string, string>): string {
  const dir = newDir()
  mkdirSync(join(dir, 'appendonlydir'), {recursive: true})
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, 'appendonlydir', name), text, 'latin1')
  return dir
}

async function until<T>(what: string, get: () => Promise<T>, ok: (v: T) => boolean, ms = 60_000): Promise<T> {
  const end = Date.now() + ms
  for (;;) {
    const v = await get()
    if (ok(v)) return v
    if (Date.now() > end) throw new Error(`timed out waiting for ${what} (last: ${JSON.stringify(v)})`)
    await new Promise((r) => setTimeout(r, 100))
  }
}

const info = async (port: number, field: string) => {
  const text = await client(port).info('persistence').then(async (p) => p + (await client(port).info('stats')))
  return new RegExp(`^${field}:(.*)$`, 'm').exec(text)?.[1].trim() ?? ''
}
const manifest = (dir: string) => readFileSync(join(dir, 'appendonlydir', 'appendonly.aof.manifest'), 'latin1')
const childOf = (pid: number) => {
  try {
    return execFileSync('pgrep', ['-P', String(pid)], {encoding: 'utf8'}).trim().split('\n')[0]
  } catch {
    return ''
  }
}

/** The same steps on redis-server, then on the embedded node, each in a fresh (or `from`'s copy of a) directory. */
async function sideBySide(from: string | null, body: (p: Proc, c: ReturnType<typeof client>, dir: string) => Promise<unknown>): Promise<Record<Kind, unknown>> {
  const seen = {} as Record<Kind, unknown>
  for (const kind of KINDS) {
    const dir = newDir()
    if (from === null) mkdirSync(dir, {recursive: true})
    else cpSync(from, dir, {recursive: true})
    const p = await launch(kind, dir)
    try {
      await waitReady(p.port, undefined, undefined, 60_000)
      seen[kind] = await body(p, client(p.port), dir)
    } finally {
      await stop(p)
    }
  }
  return seen
}

const base = cmd('SET', 'k1', 'v1')
const BROKEN: Array<[string, Record<string, string>, RegExp]> = [
  ['a listed file is missing', {'appendonly.aof.1.base.aof': base, 'appendonly.aof.manifest': 'file appendonly.aof.1.base.aof seq 1 type b\nfile appendonly.aof.1.incr.aof seq 1 type i\n'}, /Unable to obtain the AOF file appendonly\.aof\.1\.incr\.aof length\. stat: No such file or directory/],
  ['INCR sequence not increasing', {'appendonly.aof.1.incr.aof': base, 'appendonly.aof.2.incr.aof': base, 'appendonly.aof.manifest': 'file appendonly.aof.2.incr.aof seq 2 type i\nfile appendonly.aof.1.incr.aof seq 1 type i\n'}, /Found a non-monotonic sequence number/],
  ['a blank line', {'appendonly.aof.1.incr.aof': base, 'appendonly.aof.manifest': 'file appendonly.aof.1.incr.aof seq 1 type i\n\n'}, /Invalid AOF manifest file format/],
  ['two BASE files', {'appendonly.aof.1.base.aof': base, 'appendonly.aof.2.base.aof': base, 'appendonly.aof.manifest': 'file appendonly.aof.1.base.aof seq 1 type b\nfile appendonly.aof.2.base.aof seq 2 type b\n'}, /Found duplicate base file information/],
  ['an unknown type', {'appendonly.aof.1.base.aof': base, 'appendonly.aof.manifest': 'file appendonly.aof.1.base.aof seq 1 type x\n'}, /Unknown AOF file type/],
  ['an empty manifest', {'appendonly.aof.1.base.aof': base, 'appendonly.aof.manifest': ''}, /Found an empty AOF manifest/],
  ['a path for a file name', {'appendonly.aof.1.base.aof': base, 'appendonly.aof.manifest': 'file ../appendonly.aof.1.base.aof seq 1 type b\n'}, /File can't be a path, just a filename/],
]

describe('AOF start-up and rewrite, side by side with redis-server 7.0', {skip}, () => {
  for (const [name, files, line] of BROKEN) {
    test(`a manifest with ${name} refuses the start, files untouched`, async () => {
      const dir = aofDir(files)
      for (const kind of KINDS) {
        const copy = newDir()
        cpSync(dir, copy, {recursive: true})
        const before = snapshot(copy)
        const p = await launch(kind, copy)
        const code = await p.exited
        assert.notEqual(code, 0, `${kind} exit code`)
        const log = readFileSync(p.log, 'utf8')
        assert.match(log, line, `${kind} log`)
        // the banner (" PID: <pid>") is out before the refusal, as redis prints it before loading
        assert.ok(log.indexOf(` PID: ${p.proc.pid}`) >= 0 && log.indexOf(` PID: ${p.proc.pid}`) < log.search(line), `${kind}: PID line before the error`)
        assert.deepEqual(snapshot(copy), before, `${kind} left the files as they were`)
      }
    })
  }

  test('no key expires while the AOF loads (PEXPIREAT in the past, then RPUSH)', async () => {
    const dir = aofDir({
      'appendonly.aof.1.incr.aof': cmd('RPUSH', 'list', 'foo') + cmd('PEXPIREAT', 'list', '1000') + cmd('RPUSH', 'list', 'bar') + cmd('SET', 'kept', 'v'),
      'appendonly.aof.manifest': 'file appendonly.aof.1.incr.aof seq 1 type i\n',
    })
    const seen = await sideBySide(dir, async (_p, c) => {
      await until('loaded', () => c.get('kept').catch(() => null), (v) => v === 'v')
      return [await c.llen('list'), await c.exists('list'), await c.dbsize()]
    })
    assert.deepEqual(seen.embedded, [0, 0, 1])
    assert.deepEqual(seen.embedded, seen.redis)
  })

  test('a rewrite child killed by SIGKILL fails the rewrite; the next one folds every INCR file in', {timeout: 300_000}, async () => {
    const seen = await sideBySide(null, async (p, c, dir) => {
      await c.config('SET', 'rdb-key-save-delay', '10000000') // 10 s per key: the child is still at work
      await c.set('k', 'v')
      const steps: unknown[] = []
      for (let i = 0; i < 2; i++) {
        assert.equal(await c.bgrewriteaof(), 'Background append only file rewriting started')
        const child = await until('rewrite child', async () => childOf(p.proc.pid!), (v) => v !== '')
        process.kill(Number(child), 'SIGKILL')
        await until('rewrite over', () => info(p.port, 'aof_rewrite_in_progress'), (v) => v === '0')
        steps.push(await info(p.port, 'aof_last_bgrewrite_status'), existsSync(join(dir, `temp-rewriteaof-bg-${child}.aof`)))
      }
      steps.push(manifest(dir))
      await c.config('SET', 'rdb-key-save-delay', '0')
      await c.bgrewriteaof()
      await until('rewrite over', () => info(p.port, 'aof_rewrite_in_progress'), (v) => v === '0')
      return [...steps, await info(p.port, 'aof_last_bgrewrite_status'), manifest(dir), await info(p.port, 'total_forks'), await c.get('k')]
    })
    assert.deepEqual(seen.embedded, [
      'err',
      false,
      'err',
      false,
      'file appendonly.aof.1.base.rdb seq 1 type b\nfile appendonly.aof.1.incr.aof seq 1 type i\nfile appendonly.aof.2.incr.aof seq 2 type i\nfile appendonly.aof.3.incr.aof seq 3 type i\n',
      'ok',
      'file appendonly.aof.2.base.rdb seq 2 type b\nfile appendonly.aof.4.incr.aof seq 4 type i\n',
      '3',
      'v',
    ])
    assert.deepEqual(seen.embedded, seen.redis)
  })

  test('aof-disable-auto-gc keeps the history files; setting it back to no deletes them at once', {timeout: 300_000}, async () => {
    const seen = await sideBySide(null, async (p, c, dir) => {
      await c.config('SET', 'aof-disable-auto-gc', 'yes')
      await c.set('a', '1')
      await c.bgrewriteaof()
      await until('rewrite over', () => info(p.port, 'aof_rewrite_in_progress'), (v) => v === '0')
      const kept = [manifest(dir), existsSync(join(dir, 'appendonlydir', 'appendonly.aof.1.incr.aof'))]
      await c.config('SET', 'aof-disable-auto-gc', 'no')
      return [...kept, manifest(dir), existsSync(join(dir, 'appendonlydir', 'appendonly.aof.1.incr.aof'))]
    })
    assert.deepEqual(seen.embedded, [
      'file appendonly.aof.2.base.rdb seq 2 type b\nfile appendonly.aof.1.incr.aof seq 1 type h\nfile appendonly.aof.1.base.rdb seq 1 type h\nfile appendonly.aof.2.incr.aof seq 2 type i\n',
      true,
      'file appendonly.aof.2.base.rdb seq 2 type b\nfile appendonly.aof.2.incr.aof seq 2 type i\n',
      false,
    ])
    assert.deepEqual(seen.embedded, seen.redis)
  })

  test('DEBUG LOADAOF reads the manifest back: INCR numbering restarts after a rewrite with AOF off', {timeout: 300_000}, async () => {
    const seen = await sideBySide(null, async (p, c, dir) => {
      const rewrite = async () => {
        await until('no rewrite running', () => info(p.port, 'aof_rewrite_in_progress'), (v) => v === '0')
        await c.bgrewriteaof()
        await until('rewrite over', () => info(p.port, 'aof_rewrite_in_progress'), (v) => v === '0')
      }
      await c.set('a', '1')
      await rewrite()
      await c.config('SET', 'appendonly', 'no')
      await rewrite()
      const off = manifest(dir)
      assert.equal(await c.call('DEBUG', 'LOADAOF'), 'OK')
      await c.config('SET', 'appendonly', 'yes')
      await until('AOF on', () => info(p.port, 'aof_rewrite_in_progress').then(async (r) => r + (await info(p.port, 'aof_enabled'))), (v) => v === '01')
      await until('manifest with an INCR file', async () => manifest(dir), (m) => m.includes('type i'))
      return [off, manifest(dir), await c.get('a')]
    })
    assert.deepEqual(seen.embedded, ['file appendonly.aof.3.base.rdb seq 3 type b\n', 'file appendonly.aof.4.base.rdb seq 4 type b\nfile appendonly.aof.1.incr.aof seq 1 type i\n', '1'])
    assert.deepEqual(seen.embedded, seen.redis)
  })
})

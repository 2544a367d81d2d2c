// The local-cluster CLI tests' cleanup stops what a timed-out test left running: every process
// whose command line or working directory is inside the test's temp root, by PID.
import {test} from 'node:test'
import assert from 'node:assert/strict'
import {spawn} from 'node:child_process'
import {mkdirSync, mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {killProcessesUnder} from '../helpers/cli.js'

test('killProcessesUnder kills processes running in or naming the directory, and no other', async () => {
  const root = mkdtempSync(join(tmpdir(), 'rt-cleanup-'))
  const other = mkdtempSync(join(tmpdir(), 'rt-cleanup-other-'))
  mkdirSync(join(root, 'n1'))
  const inCwd = spawn('sleep', ['60'], {cwd: join(root, 'n1'), stdio: 'ignore'})
  const named = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)', join(root, 'n2', 'redis.conf')], {cwd: other, stdio: 'ignore'})
  const outside = spawn('sleep', ['60'], {cwd: other, stdio: 'ignore'})
  try {
    await new Promise((r) => setTimeout(r, 200))
    const exited = (p: ReturnType<typeof spawn>) => new Promise<string | null>((r) => p.once('exit', (_c, sig) => r(sig)))
    const [a, b] = [exited(inCwd), exited(named)]
    const killed = killProcessesUnder(root)
    assert.deepEqual(killed.sort(), [inCwd.pid, named.pid].sort())
    assert.equal(await a, 'SIGKILL')
    assert.equal(await b, 'SIGKILL')
    assert.equal(outside.exitCode, null)
    assert.equal(outside.signalCode, null)
  } finally {
    for (const p of [inCwd, named, outside]) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL')
    rmSync(root, {recursive: true, force: true})
    rmSync(other, {recursive: true, force: true})
  }
})

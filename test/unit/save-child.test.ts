// The background-save child on its own: bytes in, temp-<childpid>.rdb fsynced, then renamed
// over the target after commit(); a stream that ends without commit() (the parent gave up or
// died) leaves the target untouched and no temp file behind.
import {after, before, test} from 'node:test'
import assert from 'node:assert/strict'
import {existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {SaveChild, setDdForTest} from '../../src/node/persistence/save-child.js'

let dir: string
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'redis-ts-save-child-'))
})
after(() => rmSync(dir, {recursive: true, force: true}))

test('commit: the temp file exists from the start, then is renamed over the target', async () => {
  const target = join(dir, 'dump.rdb')
  const logs: string[] = []
  const child = new SaveChild({dir, target, oomScoreAdj: null, onLog: (level, msg, pid) => logs.push(`${pid} ${level} ${msg}`)})
  assert.ok(existsSync(child.tmpPath), 'temp-<childpid>.rdb before the child has booted')
  assert.equal(child.tmpPath, join(dir, `temp-${child.pid}.rdb`))
  assert.ok(await child.write(Buffer.from('REDIS0010')))
  assert.ok(await child.write(Buffer.alloc(200_000, 7))) // more than one pipe buffer
  child.commit()
  assert.deepEqual(await child.exited, {code: 0, signal: null})
  const out = readFileSync(target)
  assert.equal(out.length, 9 + 200_000)
  assert.equal(out.subarray(0, 9).toString(), 'REDIS0010')
  assert.ok(!existsSync(child.tmpPath))
  assert.deepEqual(logs, [`${child.pid} notice DB saved on disk`])
})

test('a stream cut before the commit frame never replaces the target', async () => {
  const target = join(dir, 'kept.rdb')
  writeFileSync(target, 'old')
  const logs: string[] = []
  const child = new SaveChild({dir, target, oomScoreAdj: null, onLog: (level, msg) => logs.push(`${level} ${msg}`)})
  await child.write(Buffer.from('partial'))
  // What the child sees when its parent dies mid-save: end of input, no commit.
  ;(child as unknown as {proc: {stdin: NodeJS.WritableStream}}).proc.stdin.end()
  assert.deepEqual(await child.exited, {code: 1, signal: null})
  assert.equal(readFileSync(target, 'latin1'), 'old')
  assert.ok(!existsSync(child.tmpPath))
  assert.deepEqual(logs, ['warning Background save stream ended before the end of the RDB'])
})

test('kill: the child dies by the signal and its temp file is removed at once', async () => {
  const child = new SaveChild({dir, target: join(dir, 'never.rdb'), oomScoreAdj: null, onLog: () => undefined})
  await child.write(Buffer.from('x'))
  child.kill()
  assert.ok(!existsSync(child.tmpPath))
  assert.equal((await child.exited).signal, 'SIGKILL')
  assert.ok(!existsSync(join(dir, 'never.rdb')))
})

/** A save into a directory that does not exist: the child fails with redis wording and strerror text. */
async function saveIntoMissingDir(): Promise<void> {
  const gone = join(dir, 'no-such-dir')
  const logs: string[] = []
  const child = new SaveChild({dir: gone, target: join(gone, 'dump.rdb'), oomScoreAdj: null, onLog: (level, msg) => logs.push(`${level} ${msg}`)})
  await child.write(Buffer.from('x'))
  child.commit()
  assert.deepEqual(await child.exited, {code: 1, signal: null})
  assert.deepEqual(logs, [`warning Failed opening the temp RDB file temp-${child.pid}.rdb (in server root dir ${gone}) for saving: No such file or directory`])
  assert.ok(!existsSync(join(gone, 'dump.rdb')))
}

test('a temp file that cannot be opened: the child fails with redis wording and strerror text', saveIntoMissingDir)

test('no dd on PATH: the Node.js copier saves the same way, and reports a temp file it cannot open as dd does', async () => {
  const path = process.env.PATH
  process.env.PATH = join(dir, 'empty-path')
  setDdForTest(undefined)
  try {
    const target = join(dir, 'copier.rdb')
    const child = new SaveChild({dir, target, oomScoreAdj: null, onLog: () => undefined})
    assert.ok(await child.write(Buffer.alloc(300_000, 9)))
    child.commit()
    assert.deepEqual(await child.exited, {code: 0, signal: null})
    assert.equal(readFileSync(target).length, 300_000)
    await saveIntoMissingDir()
  } finally {
    process.env.PATH = path
    setDdForTest(undefined)
  }
})

test('no process could start at all: the constructor throws, nothing is left behind', async () => {
  setDdForTest(true)
  const path = process.env.PATH
  process.env.PATH = join(dir, 'empty-path')
  try {
    assert.throws(() => new SaveChild({dir, target: join(dir, 'none.rdb'), oomScoreAdj: null, onLog: () => undefined}))
  } finally {
    process.env.PATH = path
    setDdForTest(undefined)
  }
  // the failed spawn's 'error' event comes a turn later and must not end the process
  await new Promise((r) => setImmediate(r))
  await new Promise((r) => setTimeout(r, 50))
  assert.deepEqual(readdirSync(dir).filter((n) => n.endsWith('.part') || n === 'none.rdb'), [])
})

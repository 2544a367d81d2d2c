// The test helpers clean up after themselves: an embedded() node's temp dir goes when the node stops
// (test files run outside test/run.mjs left one /tmp/redis-ts-repl-* dir per node behind), and a dir
// the caller names is left alone.
import {test} from 'node:test'
import assert from 'node:assert/strict'
import {existsSync, mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {embedded} from '../helpers/repl.js'

test('embedded(): its own temp dir is removed once the node stopped', async () => {
  const n = await embedded()
  const dir = n.server.config.get('dir')
  assert.ok(dir.includes('redis-ts-repl-') && existsSync(dir), dir)
  await n.stop()
  assert.equal(existsSync(dir), false)
})

test('embedded({dir}): the caller\'s dir stays', async () => {
  const mine = mkdtempSync(join(tmpdir(), 'redis-ts-helper-'))
  try {
    const n = await embedded({dir: mine})
    await n.stop()
    assert.equal(existsSync(mine), true)
  } finally {
    rmSync(mine, {recursive: true, force: true})
  }
})

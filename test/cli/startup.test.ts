// CLI start-up (issue 10, local cluster ready time): bin/run.js does @oclif/core's Node.js engines
// check itself when it is a plain `>=x.y.z`, so importing oclif does not load semver (~47 modules);
// the variable that skips oclif's check does not leak into the command (or the nodes it spawns), and
// a user's own setting of it is left alone.
import {test} from 'node:test'
import assert from 'node:assert/strict'
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {runCli} from '../helpers/cli.js'

const dev = process.env.REDIS_TS_TEST_DEV === '1'

async function probe(env: NodeJS.ProcessEnv): Promise<{semver: number; leaked: string}> {
  const dir = mkdtempSync(join(tmpdir(), 'rt-startup-'))
  try {
    const preload = join(dir, 'probe.cjs')
    writeFileSync(
      preload,
      `process.on('exit', () => process.stderr.write('PROBE ' + JSON.stringify({semver: Object.keys(require.cache).filter((k) => k.includes('/semver/')).length, leaked: String(process.env.OCLIF_DISABLE_ENGINE_WARNING)}) + '\\n'))\n`,
    )
    const r = await runCli(['--version'], {env: {...env, NODE_OPTIONS: `--require ${preload}`}})
    assert.equal(r.code, 0, r.stderr)
    assert.match(r.stdout, /^redis-ts\/\d/)
    const line = r.stderr.split('\n').find((l) => l.startsWith('PROBE '))
    assert.ok(line, r.stderr)
    return JSON.parse(line.slice(6)) as {semver: number; leaked: string}
  } finally {
    rmSync(dir, {recursive: true, force: true})
  }
}

test('oclif is imported without semver, and the skip variable does not leak', {skip: dev && 'bin/dev.js', timeout: 120_000}, async () => {
  const {OCLIF_DISABLE_ENGINE_WARNING: _drop, ...env} = process.env
  const p = await probe({...env, OCLIF_DISABLE_ENGINE_WARNING: undefined})
  assert.equal(p.semver, 0)
  assert.equal(p.leaked, 'undefined')
})

test("a user's OCLIF_DISABLE_ENGINE_WARNING is left to oclif", {skip: dev && 'bin/dev.js', timeout: 120_000}, async () => {
  const p = await probe({OCLIF_DISABLE_ENGINE_WARNING: 'false'})
  assert.ok(p.semver > 0, 'oclif ran its own engines check')
  assert.equal(p.leaked, 'false')
})

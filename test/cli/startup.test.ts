// CLI start-up (issue 10, local cluster ready time): bin/run.js loads oclif and every command as one
// bundle through a V8 code cache (src/cli/boot.ts), so no module comes from node_modules at start;
// it does @oclif/core's Node.js engines check itself when it is a plain `>=x.y.z`, so oclif skips
// its own (semver); the variable that skips oclif's check does not leak into the command (or the
// nodes it spawns), and a user's own setting of it is left alone. The bundle's command table is the
// one oclif lists (package.json's explicit command strategy) and the one commands/ holds.
import {test} from 'node:test'
import assert from 'node:assert/strict'
import {execFile} from 'node:child_process'
import {cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync} from 'node:fs'
import {createRequire} from 'node:module'
import {tmpdir} from 'node:os'
import {join, sep} from 'node:path'
import {ROOT, runCli} from '../helpers/cli.js'

const dev = process.env.REDIS_TS_TEST_DEV === '1'

interface Probe {
  semver: number
  nodeModules: string[]
  bundle: boolean
  leaked: string
}

async function probe(env: NodeJS.ProcessEnv): Promise<Probe> {
  const dir = mkdtempSync(join(tmpdir(), 'rt-startup-'))
  try {
    const preload = join(dir, 'probe.cjs')
    writeFileSync(
      preload,
      `process.on('exit', () => { const k = Object.keys(require.cache); process.stderr.write('PROBE ' + JSON.stringify({semver: k.filter((f) => f.includes('/semver/')).length, nodeModules: k.filter((f) => f.includes('/node_modules/')), bundle: k.some((f) => f.endsWith('/dist/src/cli/bundle.cjs')), leaked: String(process.env.OCLIF_DISABLE_ENGINE_WARNING)}) + '\\n') })\n`,
    )
    const r = await runCli(['--version'], {env: {...env, NODE_OPTIONS: `--require ${preload}`}})
    assert.equal(r.code, 0, r.stderr)
    assert.match(r.stdout, /^redis-ts\/\d/)
    const line = r.stderr.split('\n').find((l) => l.startsWith('PROBE '))
    assert.ok(line, r.stderr)
    return JSON.parse(line.slice(6)) as Probe
  } finally {
    rmSync(dir, {recursive: true, force: true})
  }
}

test('the CLI runs from its bundle: no module from node_modules, no semver, and the skip variable does not leak', {skip: dev && 'bin/dev.js', timeout: 120_000}, async () => {
  const {OCLIF_DISABLE_ENGINE_WARNING: _drop, ...env} = process.env
  const p = await probe({...env, OCLIF_DISABLE_ENGINE_WARNING: undefined})
  assert.ok(p.bundle, 'dist/src/cli/bundle.cjs is the module oclif found')
  assert.deepEqual(p.nodeModules, [])
  assert.equal(p.semver, 0)
  assert.equal(p.leaked, 'undefined')
})

test("a user's OCLIF_DISABLE_ENGINE_WARNING is left to oclif", {skip: dev && 'bin/dev.js', timeout: 120_000}, async () => {
  const p = await probe({OCLIF_DISABLE_ENGINE_WARNING: 'false'})
  assert.equal(p.leaked, 'false')
})

test("the bundle's command table is every command of commands/ and of oclif's manifest, plus help", {skip: dev && 'bin/dev.js'}, () => {
  const files = readdirSync(join(ROOT, 'commands'), {recursive: true, encoding: 'utf8'})
    .filter((f) => f.endsWith('.ts'))
    .map((f) => f.replace(/\.ts$/, '').split(sep).join(':'))
  const {COMMANDS} = createRequire(import.meta.url)(join(ROOT, 'dist/src/cli/bundle.cjs')) as {COMMANDS: Record<string, {run?: unknown}>}
  const manifest = JSON.parse(readFileSync(join(ROOT, 'oclif.manifest.json'), 'utf8')) as {commands: Record<string, unknown>}
  assert.deepEqual(Object.keys(COMMANDS).sort(), [...files, 'help'].sort())
  assert.deepEqual(Object.keys(manifest.commands).sort(), Object.keys(COMMANDS).sort())
  for (const [id, cls] of Object.entries(COMMANDS)) assert.equal(typeof cls.run, 'function', id)
})

// `node` and `sentinel` take the runtime from its own bundle (src/runtime.ts): its start-up errors are
// still recognised as such (one error line, exit 2), not reported as a crash.
test('node and sentinel start-up errors through the runtime bundle: one error line, exit 2', {timeout: 120_000}, async () => {
  const node = await runCli(['node', '--daemonize', 'yes'])
  assert.equal(node.code, 2, node.stderr)
  assert.match(node.stderr, /Error: daemonize yes is not supported/)
  if (!dev) assert.doesNotMatch(node.stderr, /\n\s+at /) // bin/dev.js: oclif's debug mode prints stacks
  const sentinel = await runCli(['sentinel'])
  assert.equal(sentinel.code, 2, sentinel.stderr)
  assert.match(sentinel.stderr, /Error: Sentinel needs config file on disk to save state/)
})

// The code cache is only an optimisation: a corrupt or missing one still runs the command, and the run
// writes a new one as it exits. On a copy of the package (the shared build's cache stays untouched).
test('a corrupt or missing CLI code cache still runs the command and is rewritten', {skip: dev && 'bin/dev.js', timeout: 120_000}, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'rt-cli-cache-'))
  try {
    for (const f of ['bin', 'dist', 'package.json', 'oclif.manifest.json']) cpSync(join(ROOT, f), join(dir, f), {recursive: true})
    symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'))
    const cache = join(dir, 'dist/src/cli', `bundle.cjs.${process.version}.v8cache`)
    const run = (args: string[]) => new Promise<{code: number | null; stdout: string}>((done, fail) => {
      execFile(process.execPath, [join(dir, 'bin/run.js'), ...args], {env: {...process.env, NO_COLOR: '1'}}, (err, stdout) => (err && typeof err.code !== 'number' ? fail(err) : done({code: err ? (err.code as number) : 0, stdout})))
    })
    writeFileSync(cache, 'not a code cache')
    const version = await run(['--version'])
    assert.equal(version.code, 0)
    assert.match(version.stdout, /^redis-ts\/\d/)
    assert.ok(statSync(cache).size > 100_000, 'the rejected cache was rewritten')
    rmSync(cache)
    const help = await run(['check', '--help'])
    assert.equal(help.code, 0)
    assert.equal(help.stdout, (await runCli(['check', '--help'])).stdout)
    assert.ok(existsSync(cache), 'the missing cache was written')
  } finally {
    rmSync(dir, {recursive: true, force: true})
  }
})

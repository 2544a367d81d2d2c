#!/usr/bin/env node
// Test entry point (`npm test`): runs every *.test.ts under test/<tier>/ with node's test runner via tsx.
// Usage: node test/run.mjs [tier|file ...]   tiers: unit integration cli compat
import {readdirSync, statSync, existsSync, mkdtempSync, readFileSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join, resolve} from 'node:path'
import {spawnSync} from 'node:child_process'

const root = resolve(import.meta.dirname, '..')
const tiers = ['unit', 'integration', 'cli', 'compat']
const args = process.argv.slice(2)

function collect(dir) {
  if (!existsSync(dir)) return []
  const out = []
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name)
    if (statSync(p).isDirectory()) out.push(...collect(p))
    else if (name.endsWith('.test.ts')) out.push(p)
  }
  return out
}

const selected = args.length === 0 ? tiers : args
const files = selected.flatMap((a) => (tiers.includes(a) ? collect(join(root, 'test', a)) : [resolve(a)]))
if (files.length === 0) {
  console.error('no test files found')
  process.exit(1)
}
const concurrency = process.env.TEST_CONCURRENCY ?? '1'
// A file that hangs (a wait without a deadline, a node that never answers) must fail on its own with
// its name in the log instead of stalling the whole run until CI kills it: node 20's runner applies
// --test-timeout to each file. 20 min is several times the slowest file on a loaded machine.
const fileTimeout = process.env.TEST_FILE_TIMEOUT_MS ?? '1200000'
// spec for humans on stdout; TAP to a file so we can print one plain summary line at the end.
const tapDir = mkdtempSync(join(tmpdir(), 'redis-ts-tap-'))
const tapFile = join(tapDir, 'results.tap')
const r = spawnSync(
  process.execPath,
  [
    // node-logs.ts: each file gets its own TMPDIR; a failing test reports the node logs written there.
    '--import', 'tsx', '--import', './test/helpers/node-logs.ts', '--test', `--test-concurrency=${concurrency}`, `--test-timeout=${fileTimeout}`,
    '--test-reporter=spec', '--test-reporter-destination=stdout',
    '--test-reporter=tap', `--test-reporter-destination=${tapFile}`,
    ...files,
  ],
  {stdio: 'inherit', cwd: root, env: {...process.env, NODE_NO_WARNINGS: '1'}},
)
let summary = ''
try {
  const tap = readFileSync(tapFile, 'utf8')
  const num = (k) => Number((new RegExp(`^# ${k} (\\d+)$`, 'm').exec(tap) ?? [])[1] ?? 0)
  summary = `${num('pass')} passed, ${num('fail') + num('cancelled')} failed, ${num('skipped')} skipped`
} catch {
  summary = ''
} finally {
  rmSync(tapDir, {recursive: true, force: true})
}
if (summary) console.log(`\ntests: ${summary}`)
process.exit(r.status ?? 1)

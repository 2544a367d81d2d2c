// src/code-cache.ts (the node's and the CLI's bundles through a V8 code cache): a missing, written,
// corrupt or stale cache all run the bundle's code; only a cache V8 accepts counts as accepted. Each
// load in a process of its own (V8's in-process compilation cache would answer a second compile).
import {test} from 'node:test'
import assert from 'node:assert/strict'
import {execFileSync} from 'node:child_process'
import {mkdtempSync, readdirSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join, resolve} from 'node:path'
import {pathToFileURL} from 'node:url'

const codeCache = pathToFileURL(resolve(import.meta.dirname, '../../src/code-cache.ts')).href

/** Load `bundle` through compileCached in a fresh process (saving the cache when asked). */
function load(bundle: string, save: boolean): {accepted: boolean; sum: number; dir: string; req: string} {
  const script = `import {compileCached} from ${JSON.stringify(codeCache)}
const b = compileCached(${JSON.stringify(bundle)})
const m = {exports: {}}
const same = b.run(m) === m.exports
if (${save}) b.save()
process.stdout.write(JSON.stringify({accepted: b.accepted && same, sum: m.exports.sum(2, 3), dir: m.exports.dir, req: m.exports.req}))`
  return JSON.parse(execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {encoding: 'utf8'}))
}

test('a bundle runs the same with no cache, its cache, a corrupt cache and the cache of another source', {timeout: 120_000}, () => {
  const dir = mkdtempSync(join(tmpdir(), 'rt-code-cache-'))
  try {
    const bundle = join(dir, 'b.cjs')
    const write = (body: string) => writeFileSync(bundle, `${body}; exports.dir = __dirname; exports.req = typeof require('node:path').join\n`)
    const expect = (accepted: boolean, save = false) => assert.deepEqual(load(bundle, save), {accepted, sum: 5, dir, req: 'function'})
    write('exports.sum = (a, b) => a + b')
    expect(false, true)
    const cacheFile = readdirSync(dir).find((f) => f.endsWith('.v8cache'))
    assert.equal(cacheFile, `b.cjs.${process.version}.v8cache`)
    expect(true)
    writeFileSync(join(dir, cacheFile), 'not a code cache')
    expect(false, true)
    expect(true)
    // Another source (of another length): V8 rejects the cache, the new code runs.
    write('exports.sum = (a, b) => b + a + 0')
    expect(false)
  } finally {
    rmSync(dir, {recursive: true, force: true})
  }
})

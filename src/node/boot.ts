// Built entry of an embedded node (`npm run bundle` copies it over dist/src/node/main.js, and
// converts it to dist/src/node/main.cjs, which local clusters spawn: a CommonJS entry spares Node.js
// its ES module loader): runs the CommonJS bundle of src/node/main.ts (main.bundle.cjs) through a V8
// code cache, so a node spends no CPU re-compiling 1.8 MB of JavaScript at every start (a local
// cluster starts six at once).
// The cache (main.bundle.cjs.v8cache, next to the bundle, or in the temp dir when that is not
// writable) is written by `npm run bundle` and rewritten by the first node that finds it missing
// or rejected (another Node.js version); it is only an optimisation: any failure means a plain compile.
import {isAscii} from 'node:buffer'
import {readFileSync, realpathSync, renameSync, writeFileSync} from 'node:fs'
import {createRequire} from 'node:module'
import {tmpdir} from 'node:os'
import {dirname, join} from 'node:path'
import {Script} from 'node:vm'

// This file's directory, from argv[1] (no import.meta: the same source is built as CommonJS).
const here = dirname(realpathSync(process.argv[1]))
const bundle = join(here, 'main.bundle.cjs')
// esbuild writes ASCII (non-ASCII characters escaped): as latin1 the 1.8 MB need no UTF-8 decoding
// (~8 ms of CPU instead of ~25 ms per start); the check keeps any other bundle correct.
const bytes = readFileSync(bundle)
const source = isAscii(bytes) ? bytes.toString('latin1') : bytes.toString('utf8')
const cacheName = `main.bundle.cjs.${process.version}.v8cache`
const cacheFiles = [join(here, cacheName), join(tmpdir(), `redis-ts-${source.length}-${cacheName}`)]
let cached: Buffer | undefined
for (const f of cacheFiles) {
  try {
    cached = readFileSync(f)
    break
  } catch {
    // next place
  }
}
const script = new Script(`(function (exports, require, module, __filename, __dirname) { ${source}\n})`, {filename: bundle, ...(cached ? {cachedData: cached} : {})})

function saveCache(): void {
  const data = script.createCachedData()
  for (const f of cacheFiles) {
    const tmp = `${f}.${process.pid}.tmp`
    try {
      writeFileSync(tmp, data)
      renameSync(tmp, f)
      return
    } catch {
      // not writable: next place
    }
  }
}

// `--write-code-cache` (npm run bundle): compile, run the modules' set-up through a failing
// configuration, and write the cache of everything compiled by then at exit.
const warm = process.argv[2] === '--write-code-cache'
if (warm) {
  process.argv.splice(2, 1, '--port', 'write-code-cache')
  process.on('exit', () => {
    process.exitCode = 0
    saveCache()
  })
  process.stderr.write = () => true
} else if (!cached || script.cachedDataRejected) {
  // After start-up, so the functions the start compiled are in the cache too.
  setTimeout(saveCache, 2000).unref()
}
const mod = {exports: {}}
;(script.runInThisContext() as (...a: unknown[]) => void).call(mod.exports, mod.exports, createRequire(bundle), mod, bundle, here)

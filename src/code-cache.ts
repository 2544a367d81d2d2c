// A CommonJS bundle run through a V8 code cache (the embedded node's entry, src/node/boot.ts, and the
// CLI's, bin/run.js through src/cli/boot.ts): V8 skips compiling the functions the cache holds, so a
// process spends no CPU re-compiling megabytes of JavaScript at every start. Node built-ins only.
// The cache (`<bundle>.<node version>.v8cache` next to the bundle, or in the temp dir when that is
// not writable) is written by `npm run bundle` and rewritten by the first process that finds it
// missing or rejected (another Node.js version); it is only an optimisation: any failure means a
// plain compile.
import {isAscii} from 'node:buffer'
import {readFileSync, renameSync, statSync, writeFileSync} from 'node:fs'
import {createRequire} from 'node:module'
import {tmpdir} from 'node:os'
import {basename, dirname, join} from 'node:path'
import {Script} from 'node:vm'

export interface CachedBundle {
  script: Script
  /** A cache was found and V8 accepted it. */
  accepted: boolean
  /** Run the bundle as the CommonJS module `module` (a fresh one by default); returns its exports. */
  run(module?: {exports: unknown}): unknown
  /** Write the cache of everything compiled so far (first writable place). */
  save(): void
}

/** Compile `bundle` with its code cache, if there is one V8 accepts. */
export function compileCached(bundle: string): CachedBundle {
  // esbuild writes ASCII (non-ASCII characters escaped): as latin1 the megabytes need no UTF-8
  // decoding (~8 ms of CPU instead of ~25 ms for 2 MB); the check keeps any other bundle correct.
  const bytes = readFileSync(bundle)
  const source = isAscii(bytes) ? bytes.toString('latin1') : bytes.toString('utf8')
  const cacheName = `${basename(bundle)}.${process.version}.v8cache`
  // V8 accepts a code cache for any source of the same length (its only check of the source): the
  // shared temp dir's copy is named after the bundle's length and modification time, so another
  // install's bundle of the same length never runs with this one's compiled code.
  const tmpCache = `redis-ts-${source.length}-${Math.trunc(statSync(bundle).mtimeMs)}-${cacheName}`
  const cacheFiles = [join(dirname(bundle), cacheName), join(tmpdir(), tmpCache)]
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
  return {
    script,
    accepted: cached !== undefined && !script.cachedDataRejected,
    run(module = {exports: {}}) {
      ;(script.runInThisContext() as (...a: unknown[]) => void).call(module.exports, module.exports, createRequire(bundle), module, bundle, dirname(bundle))
      return module.exports
    },
    save() {
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
    },
  }
}

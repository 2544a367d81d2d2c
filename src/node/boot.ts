// Built entry of an embedded node (`npm run bundle` copies it over dist/src/node/main.js, and
// converts it to dist/src/node/main.cjs, which local clusters spawn: a CommonJS entry spares Node.js
// its ES module loader): runs the CommonJS bundle of src/node/main.ts (main.bundle.cjs) through a V8
// code cache, so a node spends no CPU re-compiling 1.8 MB of JavaScript at every start (a local
// cluster starts six at once).
// The cache (main.bundle.cjs.v8cache, next to the bundle, or in the temp dir when that is not
// writable) is written by `npm run bundle` and rewritten by the first node that finds it missing
// or rejected (another Node.js version); it is only an optimisation: any failure means a plain compile.
import {isAscii} from 'node:buffer'
import {mkdtempSync, readFileSync, realpathSync, renameSync, rmSync, statSync, writeFileSync} from 'node:fs'
import {connect, createServer, type AddressInfo} from 'node:net'
import {createRequire} from 'node:module'
import {tmpdir} from 'node:os'
import {dirname, join} from 'node:path'
import {Script} from 'node:vm'
import {setFlagsFromString} from 'node:v8'

// This file's directory, from argv[1] (no import.meta: the same source is built as CommonJS).
const here = dirname(realpathSync(process.argv[1]))
const bundle = join(here, 'main.bundle.cjs')
// esbuild writes ASCII (non-ASCII characters escaped): as latin1 the 1.8 MB need no UTF-8 decoding
// (~8 ms of CPU instead of ~25 ms per start); the check keeps any other bundle correct.
const bytes = readFileSync(bundle)
const source = isAscii(bytes) ? bytes.toString('latin1') : bytes.toString('utf8')
const cacheName = `main.bundle.cjs.${process.version}.v8cache`
// V8 accepts a code cache for any source of the same length (its only check of the source): the
// shared temp dir's copy is named after the bundle's length and modification time, so another
// install's bundle of the same length never runs with this one's compiled code.
const tmpCache = `redis-ts-${source.length}-${Math.trunc(statSync(bundle).mtimeMs)}-${cacheName}`
const cacheFiles = [join(here, cacheName), join(tmpdir(), tmpCache)]
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

// `--write-code-cache` (npm run bundle): a real start (a cluster node on a free port, in a temp
// directory) and the first commands a local cluster's set-up sends it, then the cache of everything
// compiled by then: the start-up path is in the cache too, not only the modules' set-up.
const writeCodeCache = process.argv[2] === '--write-code-cache'
const runBundle = (): void => {
  const mod = {exports: {}}
  ;(script.runInThisContext() as (...a: unknown[]) => void).call(mod.exports, mod.exports, createRequire(bundle), mod, bundle, here)
}
if (writeCodeCache) {
  process.stderr.write = () => true
  process.stdout.write = () => true
  const dir = mkdtempSync(join(tmpdir(), 'redis-ts-code-cache-'))
  const finish = (): never => {
    saveCache()
    rmSync(dir, {recursive: true, force: true})
    process.exit(0)
  }
  setTimeout(finish, 20_000).unref() // whatever happens, a cache of what ran
  freePort((port) => {
    process.argv.splice(2, 1, '--port', String(port), '--cluster-enabled', 'yes', '--dir', dir, '--save', '', '--logfile', '')
    runBundle()
    exercise(port, finish)
  })
} else {
  const rewrite = !cached || script.cachedDataRejected
  // After start-up, so the functions the start compiled are in the cache too; then a quarter of
  // V8's interrupt budget, so the code a node first runs later (a reshard's MIGRATE, SETSLOT, bus
  // slot updates) is optimised sooner (README: reshard seventh pass). Not from the start: start-up
  // code would be compiled for nothing; and after the cache is written, whose flag hash must stay
  // the default one.
  setTimeout(() => {
    if (rewrite) saveCache()
    setFlagsFromString('--interrupt-budget=16896')
  }, 2000).unref()
  runBundle()
}

/** A free TCP port whose cluster bus port (+10000) is valid too. */
function freePort(cb: (port: number) => void): void {
  const srv = createServer()
  srv.listen(0, '127.0.0.1', () => {
    const {port} = srv.address() as AddressInfo
    srv.close(() => (port < 55536 ? cb(port) : freePort(cb)))
  })
}

/** Send the node what a local cluster's set-up sends (inline commands), then call `done`. */
function exercise(port: number, done: () => void): void {
  const commands = ['PING', 'CLUSTER MYID', 'CONFIG SET cluster-node-timeout 2000', 'CLUSTER ADDSLOTSRANGE 0 16383', 'CLUSTER SET-CONFIG-EPOCH 1', 'CLUSTER INFO', 'CLUSTER NODES', 'CLUSTER SLOTS', 'INFO', 'INFO replication', 'SET k v', 'GET k']
  const sock = connect(port, '127.0.0.1', () => sock.write(commands.map((c) => `${c}\r\n`).join('') + 'QUIT\r\n'))
  sock.on('error', () => setTimeout(() => exercise(port, done), 50))
  sock.on('close', (hadError) => {
    if (!hadError) done()
  })
  sock.resume()
}

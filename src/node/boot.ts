// Built entry of an embedded node (`npm run bundle` copies it over dist/src/node/main.js, and
// bundles it to dist/src/node/main.cjs, which local clusters spawn: a CommonJS entry spares Node.js
// its ES module loader): runs the CommonJS bundle of src/node/main.ts (main.bundle.cjs) through a V8
// code cache (src/code-cache.ts), so a node spends no CPU re-compiling 1.8 MB of JavaScript at every
// start (a local cluster starts six at once).
import {mkdtempSync, realpathSync, rmSync} from 'node:fs'
import {connect, createServer, type AddressInfo} from 'node:net'
import {tmpdir} from 'node:os'
import {dirname, join} from 'node:path'
import {setFlagsFromString} from 'node:v8'
import {compileCached} from '../code-cache.js'

// This file's directory, from argv[1] (no import.meta: the same source is built as CommonJS).
const here = dirname(realpathSync(process.argv[1]))
const bundle = compileCached(join(here, 'main.bundle.cjs'))

// `--write-code-cache` (npm run bundle): a real start (a cluster node on a free port, in a temp
// directory) and the first commands a local cluster's set-up sends it, then the cache of everything
// compiled by then: the start-up path is in the cache too, not only the modules' set-up.
const writeCodeCache = process.argv[2] === '--write-code-cache'
const runBundle = (): void => void bundle.run()
if (writeCodeCache) {
  process.stderr.write = () => true
  process.stdout.write = () => true
  const dir = mkdtempSync(join(tmpdir(), 'redis-ts-code-cache-'))
  const finish = (): never => {
    bundle.save()
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
  const rewrite = !bundle.accepted
  // After start-up, so the functions the start compiled are in the cache too; then a quarter of
  // V8's interrupt budget, so the code a node first runs later (a reshard's MIGRATE, SETSLOT, bus
  // slot updates) is optimised sooner (README: reshard seventh pass). Not from the start: start-up
  // code would be compiled for nothing; and after the cache is written, whose flag hash must stay
  // the default one.
  setTimeout(() => {
    if (rewrite) bundle.save()
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

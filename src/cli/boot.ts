// How bin/run.js loads the CLI (issue 10, start-up CPU): oclif, every command and the hooks are one
// CommonJS bundle (dist/src/cli/bundle.cjs, from src/cli/bundle.ts), run through a V8 code cache
// (src/code-cache.ts) and registered as that file's module, so oclif's explicit command strategy
// (package.json oclif.commands, target the same file) finds it loaded instead of compiling it again.
// Any failure here means the plain path: Node.js loads the same bundle when oclif requires it.
import {createRequire, Module} from 'node:module'
import {dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'
import {compileCached, type CachedBundle} from '../code-cache.js'

/** What the bundle exports (src/cli/bundle.ts). */
export interface CliBundle {
  execute: (options: {dir: string; args?: string[]}) => Promise<unknown>
}

export const BUNDLE = join(dirname(fileURLToPath(import.meta.url)), 'bundle.cjs')

/** Compile the bundle through its cache, run it as the bundle file's module and register that module. */
function runRegistered(): {bundle: CachedBundle; cli: CliBundle} {
  const bundle = compileCached(BUNDLE)
  const mod = new Module(BUNDLE)
  mod.filename = BUNDLE
  const require = createRequire(BUNDLE)
  bundle.run(mod)
  mod.loaded = true
  require.cache[BUNDLE] = mod
  return {bundle, cli: mod.exports as CliBundle}
}

/**
 * The CLI's bundle, loaded through its code cache (rewritten as the process exits when it was
 * missing or rejected); on any failure, loaded by a plain require.
 */
export function loadCli(): CliBundle {
  try {
    const {bundle, cli} = runRegistered()
    if (!bundle.accepted) process.once('exit', () => bundle.save())
    return cli
  } catch {
    return createRequire(BUNDLE)(BUNDLE) as CliBundle
  }
}

/**
 * `npm run bundle`: the cache of a fresh compile after what most runs do (oclif's configuration, a
 * command's flags parsed and its usage error reported, `--version`, a command's help), output muted.
 */
export async function writeCliCache(root: string): Promise<void> {
  const {bundle, cli} = runRegistered()
  const write = {out: process.stdout.write, err: process.stderr.write}
  process.stdout.write = process.stderr.write = () => true
  try {
    for (const argv of [['--version'], ['create', '--help'], ['create', '--masters', '2', '--yes']]) {
      await cli.execute({dir: root, args: argv})
    }
  } finally {
    process.stdout.write = write.out
    process.stderr.write = write.err
    process.exitCode = 0
  }
  bundle.save()
}

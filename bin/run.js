#!/usr/bin/env node
// Production entry point: runs the compiled commands in dist/ through oclif.
// `create` of a local embedded cluster starts its nodes' processes first (src/local/warm.ts), so they
// load while oclif and the command do; any failure here just means the command spawns them itself.
import {readFileSync} from 'node:fs'
import {createRequire} from 'node:module'

if (process.argv[2] === 'create') {
  try {
    ;(await import('../dist/src/local/warm.js')).prewarmForCreate(process.argv.slice(3))
  } catch {
    // no warm start
  }
}

// Importing @oclif/core checks the running Node.js against its own `engines` with semver (~47 modules
// loaded for one comparison). The same check on a plain `>=x.y.z` here, and oclif's skipped when it
// passes; any other form, or an older Node.js, leaves the check (and its warning) to oclif.
function nodeSatisfiesOclif() {
  try {
    const pj = JSON.parse(readFileSync(createRequire(import.meta.url).resolve('@oclif/core/package.json'), 'utf8'))
    const m = /^>=(\d+)\.(\d+)\.(\d+)$/.exec(String(pj.engines?.node ?? '').trim())
    if (!m) return false
    const have = process.versions.node.split('.').map(Number)
    for (let i = 0; i < 3; i++) if (have[i] !== Number(m[i + 1])) return have[i] > Number(m[i + 1])
    return true
  } catch {
    return false
  }
}
const skipEngineCheck = process.env.OCLIF_DISABLE_ENGINE_WARNING === undefined && nodeSatisfiesOclif()
if (skipEngineCheck) process.env.OCLIF_DISABLE_ENGINE_WARNING = '1'
// oclif and the commands: one bundle through a V8 code cache (src/cli/boot.ts); without the build's
// loader, oclif itself (it requires the same bundle, package.json oclif.commands).
let execute
try {
  ;({execute} = (await import('../dist/src/cli/boot.js')).loadCli())
} catch {
  ;({execute} = await import('@oclif/core'))
}
if (skipEngineCheck) delete process.env.OCLIF_DISABLE_ENGINE_WARNING

await execute({dir: import.meta.url})

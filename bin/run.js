#!/usr/bin/env node
// Production entry point: runs the compiled commands in dist/ through oclif.
// `create` of a local embedded cluster starts its nodes' processes first (src/local/warm.ts), so they
// load while oclif and the command do; any failure here just means the command spawns them itself.
if (process.argv[2] === 'create') {
  try {
    ;(await import('../dist/src/local/warm.js')).prewarmForCreate(process.argv.slice(3))
  } catch {
    // no warm start
  }
}
const {execute} = await import('@oclif/core')

await execute({dir: import.meta.url})

#!/usr/bin/env -S node --require tsx/preflight --import tsx --no-warnings
// Development entry point: runs the TypeScript sources directly through tsx.
// (`--require tsx/preflight` first lets oclif detect the tsx runtime and map dist/ paths to sources.)
// The build runs every command from one bundle (package.json oclif.commands, src/cli/boot.ts); here
// oclif takes the same command table and hook from the sources (src/cli/commands.ts), so no build is needed.
import {readFileSync} from 'node:fs'
import {fileURLToPath} from 'node:url'
import {execute} from '@oclif/core'

const root = fileURLToPath(new URL('..', import.meta.url))
const pjson = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'))
pjson.oclif = {
  ...pjson.oclif,
  commands: {strategy: 'explicit', target: './dist/src/cli/commands.js', identifier: 'COMMANDS'},
  hooks: {command_not_found: './dist/src/cli/not-found.js'},
}

await execute({development: true, loadOptions: {root, pjson}})

#!/usr/bin/env -S node --require tsx/preflight --import tsx --no-warnings
// Development entry point: runs the TypeScript sources directly through tsx.
// (`--require tsx/preflight` first lets oclif detect the tsx runtime and map dist/ paths to sources.)
// The build runs every command from one bundle (package.json oclif.commands, src/cli/boot.ts); here
// oclif finds them as files instead (commands/, the not-found hook, the help plugin), so no build is needed.
import {readFileSync} from 'node:fs'
import {fileURLToPath} from 'node:url'
import {execute} from '@oclif/core'

const root = fileURLToPath(new URL('..', import.meta.url))
const pjson = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'))
pjson.oclif = {
  ...pjson.oclif,
  commands: './dist/commands',
  hooks: {command_not_found: './dist/src/cli/not-found.js'},
  plugins: ['@oclif/plugin-help'],
}

await execute({development: true, loadOptions: {root, pjson}})

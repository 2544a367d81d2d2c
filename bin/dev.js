#!/usr/bin/env -S node --require tsx/preflight --import tsx --no-warnings
// Development entry point: runs the TypeScript sources directly through tsx.
// (`--require tsx/preflight` first lets oclif detect the tsx runtime and map dist/ paths to sources.)
import {execute} from '@oclif/core'

await execute({development: true, dir: import.meta.url})

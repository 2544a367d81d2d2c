// The CLI as one CommonJS bundle (dist/cli.bundle.cjs, `npm run bundle`): oclif, every command and the
// hooks, which bin/run.js loads through a V8 code cache (src/cli/load.ts).
export {execute} from '@oclif/core'
export {COMMANDS} from './commands.js'
export {default as commandNotFound} from './not-found.js'

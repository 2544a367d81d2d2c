// The CLI as one CommonJS bundle (dist/src/cli/bundle.cjs, `npm run bundle`): oclif, every command and
// the hooks, which bin/run.js loads through a V8 code cache (src/cli/boot.ts).
export {execute} from '@oclif/core'
export {COMMANDS} from './commands.js'
export {default as commandNotFound} from './not-found.js'

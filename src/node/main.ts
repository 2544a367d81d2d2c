// Lean process entry for one embedded node: `node dist/src/node/main.js [redis.conf] --port ...`,
// or a Sentinel with `--sentinel` anywhere in argv (like redis-server --sentinel). Only the code
// the chosen role needs is loaded (start-up time matters to supervisors and test harnesses).
import {NodeStartError} from './errors.js'

const argv = process.argv.slice(2)
const run = argv.includes('--sentinel') ? import('./sentinel/index.js').then((m) => m.runSentinelForeground(argv)) : import('./run.js').then((m) => m.runNodeForeground(argv))
run.catch((err: unknown) => {
  process.stderr.write(`${err instanceof NodeStartError ? err.message : err instanceof Error ? err.stack : String(err)}\n`)
  process.exit(err instanceof NodeStartError ? err.exitCode : 1)
})

// Lean process entry for one embedded node: `node dist/src/node/main.js [redis.conf] --port ...`.
import {NodeStartError, runNodeForeground} from './run.js'

runNodeForeground(process.argv.slice(2)).catch((err: unknown) => {
  process.stderr.write(`${err instanceof NodeStartError ? err.message : err instanceof Error ? err.stack : String(err)}\n`)
  process.exit(err instanceof NodeStartError ? 2 : 1)
})

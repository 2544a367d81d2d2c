// Lean process entry for one embedded node: `node dist/src/node/main.js [redis.conf] --port ...`,
// or a Sentinel with `--sentinel` anywhere in argv (like redis-server --sentinel). Only the code
// the chosen role needs is loaded (start-up time matters to supervisors and test harnesses).
// `--warm` (alone; src/local/warm.ts): a data node started before its configuration is known (the
// CLI starts a local cluster's nodes while it is still loading itself): it loads the node's code,
// then reads `{"argv": [...], "cwd": "..."}` as one line on stdin and runs as if started with that
// command line in that directory; stdin closed without a line: it exits.
// `--host [--attached]`: several data nodes in this one process (src/node/host.ts), their command
// lines read from stdin.
import {NodeStartError} from './errors.js'

function warmArgv(): Promise<string[]> {
  return new Promise((resolve) => {
    let buf = ''
    const stdin = process.stdin
    stdin.setEncoding('utf8')
    stdin.on('data', (chunk: string) => {
      buf += chunk
      const nl = buf.indexOf('\n')
      if (nl < 0) return
      stdin.removeAllListeners()
      stdin.destroy()
      const {argv, cwd} = JSON.parse(buf.slice(0, nl)) as {argv: string[]; cwd: string}
      process.chdir(cwd)
      process.argv.splice(2, process.argv.length - 2, ...argv)
      resolve(argv)
    })
    stdin.on('end', () => process.exit(0))
    stdin.on('error', () => process.exit(0))
  })
}

const warm = process.argv.length === 3 && process.argv[2] === '--warm'
const run = warm
  ? import('./run.js').then(async (m) => m.runNodeForeground(await warmArgv()))
  : process.argv[2] === '--host'
    ? import('./host.js').then((m) => m.runHost(process.argv[3] === '--attached'))
  : process.argv.includes('--sentinel')
    ? import('./sentinel/index.js').then((m) => m.runSentinelForeground(process.argv.slice(2)))
    : import('./run.js').then((m) => m.runNodeForeground(process.argv.slice(2)))
run.catch((err: unknown) => {
  process.stderr.write(`${err instanceof NodeStartError ? err.message : err instanceof Error ? err.stack : String(err)}\n`)
  process.exit(err instanceof NodeStartError ? err.exitCode : 1)
})

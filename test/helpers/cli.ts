// Runs the built CLI (bin/run.js) as a child process, capturing stdout, stderr and the exit code.
import {spawn} from 'node:child_process'
import {resolve} from 'node:path'

export const ROOT = resolve(import.meta.dirname, '..', '..')
// REDIS_TS_TEST_DEV=1 runs the TypeScript sources (bin/dev.js) instead of the build.
export const BIN = resolve(ROOT, 'bin', process.env.REDIS_TS_TEST_DEV === '1' ? 'dev.js' : 'run.js')

export interface CliResult {
  code: number | null
  stdout: string
  stderr: string
}

export function runCli(args: string[], opts: {env?: NodeJS.ProcessEnv; input?: string; timeoutMs?: number} = {}): Promise<CliResult> {
  return new Promise((resolvePromise, reject) => {
    const env: NodeJS.ProcessEnv = {...process.env, NO_COLOR: '1', ...opts.env}
    for (const k of ['REDIS_TS_YES', 'REDISCLI_CLUSTER_YES', 'REDISCLI_AUTH', 'REDIS_TS_PASSWORD']) if (!(opts.env && k in opts.env)) delete env[k]
    const nodeArgs = process.env.REDIS_TS_TEST_DEV === '1' ? ['--require', 'tsx/preflight', '--import', 'tsx', '--no-warnings'] : []
    const child = spawn(process.execPath, [...nodeArgs, BIN, ...args], {cwd: ROOT, env, stdio: ['pipe', 'pipe', 'pipe']})
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d) => (stdout += d))
    child.stderr.on('data', (d) => (stderr += d))
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`CLI timed out: ${args.join(' ')}\n${stdout}\n${stderr}`))
    }, opts.timeoutMs ?? 120000)
    child.on('error', reject)
    child.on('close', (code) => {
      clearTimeout(timer)
      resolvePromise({code, stdout, stderr})
    })
    if (opts.input !== undefined) child.stdin.end(opts.input)
    else child.stdin.end()
  })
}

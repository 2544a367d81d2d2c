// Runs the built CLI (bin/run.js) as a child process, capturing stdout, stderr and the exit code.
import assert from 'node:assert/strict'
import {spawn} from 'node:child_process'
import {mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join, resolve} from 'node:path'

export const ROOT = resolve(import.meta.dirname, '..', '..')
// REDIS_TS_TEST_DEV=1 runs the TypeScript sources (bin/dev.js) instead of the build.
export const BIN = resolve(ROOT, 'bin', process.env.REDIS_TS_TEST_DEV === '1' ? 'dev.js' : 'run.js')

export interface CliResult {
  code: number | null
  stdout: string
  stderr: string
}

export function runCli(args: string[], opts: {env?: NodeJS.ProcessEnv; input?: string; timeoutMs?: number; cwd?: string} = {}): Promise<CliResult> {
  return new Promise((resolvePromise, reject) => {
    const env: NodeJS.ProcessEnv = {...process.env, NO_COLOR: '1', ...opts.env}
    for (const k of ['REDIS_TS_YES', 'REDISCLI_CLUSTER_YES', 'REDISCLI_AUTH', 'REDIS_TS_PASSWORD']) if (!(opts.env && k in opts.env)) delete env[k]
    const nodeArgs = process.env.REDIS_TS_TEST_DEV === '1' ? ['--require', 'tsx/preflight', '--import', 'tsx', '--no-warnings'] : []
    const child = spawn(process.execPath, [...nodeArgs, BIN, ...args], {cwd: opts.cwd ?? ROOT, env, stdio: ['pipe', 'pipe', 'pipe']})
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

/** The CLI with a state directory of its own (XDG_STATE_HOME under a fresh temp `root`), for one test
 *  file: `cli(args)`; `json(args, code)` adds --json, asserts the exit code and parses stdout;
 *  `cleanup()` removes `root`. */
export function isolatedCli(prefix: string) {
  const root = mkdtempSync(join(tmpdir(), prefix))
  const env = {XDG_STATE_HOME: join(root, 'state')}
  const cli = (args: string[]) => runCli(args, {env})
  const json = async (args: string[], code = 0): Promise<any> => {
    const r = await cli([...args, '--json'])
    assert.equal(r.code, code, `${args.join(' ')}: ${r.stdout}\n${r.stderr}`)
    return JSON.parse(r.stdout)
  }
  const cleanup = () => {
    killProcessesUnder(root)
    rmSync(root, {recursive: true, force: true})
  }
  return {root, env, cli, json, cleanup}
}

/** SIGKILL every process whose command line names a path under `dir` or whose working directory is
 *  in it (the nodes a local-cluster test started, embedded or redis-server, even when the test timed
 *  out before `local destroy`): by PID, never by name. Linux /proc; elsewhere nothing is found. */
export function killProcessesUnder(dir: string): number[] {
  const killed: number[] = []
  let pids: string[] = []
  try {
    pids = readdirSync('/proc').filter((d) => /^\d+$/.test(d) && Number(d) !== process.pid)
  } catch {
    return killed
  }
  for (const pid of pids) {
    let mine = false
    try {
      mine = readFileSync(`/proc/${pid}/cmdline`, 'latin1').replace(/\0/g, ' ').includes(dir)
    } catch {}
    if (!mine) {
      try {
        const cwd = readlinkSync(`/proc/${pid}/cwd`).replace(/ \(deleted\)$/, '')
        mine = cwd === dir || cwd.startsWith(dir + '/')
      } catch {}
    }
    if (!mine) continue
    try {
      process.kill(Number(pid), 'SIGKILL')
      killed.push(Number(pid))
    } catch {}
  }
  return killed
}

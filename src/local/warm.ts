// Warm node processes (issue 10, local cluster ready time): `redis-ts create` without addresses starts
// its embedded nodes' processes from bin/run.js, before oclif and the command have loaded (~0.4 s of
// CLI start-up), as `main.cjs --warm`: each loads the node's code meanwhile and waits on stdin for its
// command line (src/node/main.ts). spawnInstance then hands a warm process its config file and
// directory instead of spawning a new one, so a node's own start-up overlaps the CLI's. Whatever was
// not used exits when its stdin closes (discardWarmNodes, or the CLI exiting).
// Light on purpose (node built-ins only): bin/run.js imports it before anything else. Also where the
// embedded node's entry is (embeddedCommand, re-exported by launcher.ts).
import {spawn, type ChildProcess} from 'node:child_process'
import {existsSync, readFileSync} from 'node:fs'
import {availableParallelism} from 'node:os'
import {dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'

/** The package root (where package.json of redis-ts lives). */
export function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url))
  for (let i = 0; i < 6; i++) {
    const pj = join(dir, 'package.json')
    if (existsSync(pj) && JSON.parse(readFileSync(pj, 'utf8')).name === 'redis-ts') return dir
    dir = dirname(dir)
  }
  throw new Error('cannot locate the redis-ts package root')
}

/** How to start one embedded node process: the compiled lean entry, else the sources through tsx. */
export function embeddedCommand(): {cmd: string; args: string[]} {
  const root = packageRoot()
  // REDIS_TS_NODE_ARGS: extra Node.js flags for every embedded node (e.g. --cpu-prof --cpu-prof-dir=/tmp/p).
  const extra = [`--v8-pool-size=${workerPoolSize()}`, ...(process.env.REDIS_TS_NODE_ARGS ?? '').split(/\s+/).filter(Boolean)]
  // main.cjs: the built entry as CommonJS (no ES module loader to start); main.js: the same, as ESM.
  for (const entry of ['main.cjs', 'main.js']) {
    const built = join(root, 'dist', 'src', 'node', entry)
    if (existsSync(built)) return {cmd: process.execPath, args: [...extra, built]}
  }
  return {cmd: process.execPath, args: [...extra, '--import', 'tsx', join(root, 'src', 'node', 'main.ts')]}
}

/**
 * How to start a host of several embedded nodes (src/node/host.ts, `create --single-process`): the
 * same entry with Node's default worker pool (one process, the machine's cores to itself).
 */
export function hostCommand(): {cmd: string; args: string[]} {
  const {cmd, args} = embeddedCommand()
  return {cmd, args: args.filter((a) => !a.startsWith('--v8-pool-size='))}
}

/**
 * V8's worker threads per local node (Node's default is 4: its JIT compiles, GC helpers). A local
 * cluster runs its nodes on one machine, six of them by default: with four workers each, 24 threads
 * contend for the cores while the nodes warm up (a first reshard compiles ~90 functions per node).
 * About a core per three nodes: 1 on a 2-core machine (README: reshard ninth pass), at most 4.
 */
function workerPoolSize(): number {
  return Math.max(1, Math.min(4, Math.floor(availableParallelism() / 3)))
}

type WarmChild = ChildProcess & {pid: number}

interface WarmPool {
  detached: boolean
  children: WarmChild[]
  /** a warm host of several nodes (`create --single-process`), not yet used */
  host?: WarmChild
}

// On globalThis: bin/run.js loads this module from dist/src, the command bundle has its own copy.
const KEY = Symbol.for('redis-ts.warm-nodes')
const pools = globalThis as unknown as {[KEY]?: WarmPool}

/**
 * A node process (`main.cjs --warm`) or host (`--host`) fed through its stdin, not keeping this
 * process alive; undefined when it could not be spawned.
 */
function spawnFed(cmd: string, args: string[], detached: boolean, stdout: 'pipe' | 'ignore'): WarmChild | undefined {
  // A process started from inside a `node --test` file must not inherit the test runner's channel.
  const {NODE_TEST_CONTEXT: _t, ...env} = process.env
  const child = spawn(cmd, args, {detached, stdio: ['pipe', stdout, 'ignore'], env})
  child.on('error', () => {})
  child.stdin?.on('error', () => {})
  child.unref()
  for (const h of [child.stdin, child.stdout] as unknown as ({unref?: () => void} | null)[]) h?.unref?.()
  return child.pid === undefined ? undefined : (child as WarmChild)
}

/** Start `count` warm embedded node processes (detached ones outlive the CLI once configured). */
export function prewarmNodes(count: number, detached: boolean): void {
  const {cmd, args} = embeddedCommand()
  const children: WarmChild[] = []
  for (let i = 0; i < count; i++) {
    const child = spawnFed(cmd, [...args, '--warm'], detached, 'ignore')
    if (child) children.push(child)
  }
  pools[KEY] = {detached, children}
}

/**
 * A warm process started with the right detachment, given its command line and directory now; the
 * caller treats it as just spawned. Undefined when none is left.
 */
export function startWarmNode(argv: string[], cwd: string, detached: boolean): WarmChild | undefined {
  const pool = pools[KEY]
  if (!pool || pool.detached !== detached) return undefined
  for (let child = pool.children.shift(); child; child = pool.children.shift()) {
    if (child.exitCode !== null || child.signalCode !== null || !child.stdin?.writable) continue
    child.stdin.end(JSON.stringify({argv, cwd}) + '\n')
    return child
  }
  return undefined
}

/**
 * A host process of several embedded nodes (src/node/host.ts), not keeping this process alive.
 * Detached hosts outlive the CLI; attached ones (--attached) end with it: their stdin closes.
 */
export function spawnHostProcess(detached: boolean): WarmChild {
  const {cmd, args} = hostCommand()
  const child = spawnFed(cmd, [...args, '--host', ...(detached ? [] : ['--attached'])], detached, 'pipe')
  if (!child) throw new Error(`could not start ${cmd}`)
  return child
}

/** Start a warm host process for a `create --single-process`. */
export function prewarmHost(detached: boolean): void {
  pools[KEY] = {detached, children: [], host: spawnHostProcess(detached)}
}

/** The warm host, if one with this detachment is there and alive; it is the caller's from now on. */
export function takeWarmHost(detached: boolean): WarmChild | undefined {
  const pool = pools[KEY]
  const host = pool?.host
  if (!pool || !host || pool.detached !== detached) return undefined
  pool.host = undefined
  return host.exitCode === null && host.signalCode === null && host.stdin?.writable ? host : undefined
}

/** Let the unused warm processes go (they exit when their stdin closes). */
export function discardWarmNodes(): void {
  const pool = pools[KEY]
  if (!pool) return
  for (const child of pool.children.splice(0)) child.stdin?.end()
  pool.host?.stdin?.end()
  pool.host = undefined
}

export interface ManifestFlag {
  type: 'option' | 'boolean'
  char?: string
  aliases?: string[]
  default?: unknown
  allowNo?: boolean
}

/**
 * How many nodes (masters × (replicas + 1)) the local embedded cluster `create` with these arguments
 * (after the command id) will start, and whether they share one host process (the default;
 * --no-single-process: not) — no node addresses, no --server other than embedded, not
 * --sentinel/--foreground/--dry-run/--help —, else undefined. Flags are told apart from addresses
 * with the oclif manifest's flags; anything not understood means undefined (no warm start).
 */
export function localCreatePlan(argv: string[], flags: Record<string, ManifestFlag>): {nodes: number; singleProcess: boolean} | undefined {
  // a flag's spellings → its name, its definition, and whether this spelling is --no-<name>
  const byName = new Map<string, [string, ManifestFlag, boolean]>()
  for (const [name, f] of Object.entries(flags)) {
    byName.set(`--${name}`, [name, f, false])
    for (const a of f.aliases ?? []) byName.set(`--${a}`, [name, f, false])
    if (f.char) byName.set(`-${f.char}`, [name, f, false])
    if (f.type === 'boolean' && f.allowNo) byName.set(`--no-${name}`, [name, f, true])
  }
  const values = new Map<string, string | boolean>()
  for (let i = 0; i < argv.length; i++) {
    const tok = argv[i]
    if (!tok.startsWith('-')) return undefined // a node address: create on existing nodes
    const eq = tok.indexOf('=')
    const known = byName.get(eq > 0 ? tok.slice(0, eq) : tok)
    if (!known) return undefined
    const [name, f, negated] = known
    if (f.type === 'boolean') values.set(name, !negated)
    else if (eq > 0) values.set(name, tok.slice(eq + 1))
    else if (i + 1 < argv.length) values.set(name, argv[++i])
    else return undefined
  }
  if (['sentinel', 'foreground', 'dry-run', 'help'].some((n) => values.get(n) === true)) return undefined
  if ((values.get('server') ?? flags.server?.default ?? 'embedded') !== 'embedded') return undefined
  const num = (name: string): number => Number(values.get(name) ?? flags[name]?.default)
  const masters = num('masters')
  const replicas = num('replicas')
  if (!Number.isInteger(masters) || !Number.isInteger(replicas) || masters < 3 || replicas < 0 || masters * (replicas + 1) > 64) return undefined
  // one process for the nodes unless --no-single-process (the create command's default)
  return {nodes: masters * (replicas + 1), singleProcess: values.get('single-process') !== false}
}

/**
 * bin/run.js, for `create` of a local embedded cluster (localCreatePlan): start the host, or every node's process
 * now, so they load while the CLI does. All of them, whatever the load: the cluster is ready once the
 * CLI and every node have loaded (plus a few round trips), so what counts is that no core sits idle
 * meanwhile; the masters-only warm start this replaced (replicas spawned once the masters answered)
 * left one idle and made the ready time depend on the load average (bimodal around load = cores).
 */
export function prewarmForCreate(argv: string[]): void {
  const manifest = JSON.parse(readFileSync(join(packageRoot(), 'oclif.manifest.json'), 'utf8')) as {commands: Record<string, {flags: Record<string, ManifestFlag>}>}
  const plan = localCreatePlan(argv, manifest.commands.create?.flags ?? {})
  if (plan?.singleProcess) prewarmHost(true)
  else if (plan) prewarmNodes(plan.nodes, true)
}

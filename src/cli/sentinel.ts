// The command side of `check --sentinel` and `create --sentinel` (kept out of commands/check.ts
// and commands/create.ts so those stay thin): run the library call, render, pick the exit code.
import type {Output} from '../ui/output.js'
import {ExitCode, RedisTsError} from '../errors.js'
import {parseAddress} from '../admin/address.js'
import {checkSentinel, SentinelUnreachable} from '../admin/sentinel/check.js'
import {sentinelEnvLines} from '../local/sentinel-status.js'
import {startLocalSentinel} from '../local/sentinel-local.js'
import type {Persistence} from '../local/state.js'
import {renderSentinelCheck} from '../ui/format/sentinel.js'
import {renderSentinelConnect} from '../ui/local-sentinel.js'
import {waitForeground} from './create-local.js'

type Finish = (result: unknown, code?: number) => void

export async function sentinelCheckCommand(out: Output, finish: Finish, addr: string, name: string | undefined, o: {password?: string; connectTimeoutMs?: number}): Promise<void> {
  if (!name) throw new RedisTsError('usage', 'check --sentinel needs the master name: check --sentinel <sentinel-addr> <master-name>')
  const seed = parseAddress(addr)
  let report
  try {
    report = await checkSentinel(seed, name, {password: o.password, connectTimeoutMs: o.connectTimeoutMs})
  } catch (e) {
    if (e instanceof SentinelUnreachable) throw new RedisTsError('unreachable', e.message)
    throw e
  }
  renderSentinelCheck(out, name, report)
  finish(report, report.healthy ? ExitCode.OK : ExitCode.CLUSTER_PROBLEMS)
}

export interface SentinelCreateFlags {
  name: string
  masterName?: string
  replicas: number
  sentinels: number
  dir?: string
  server: string
  port?: number
  sentinelPort?: number
  persistence: string
  downAfterMs: number
  failoverTimeoutMs: number
  timeoutS: number
  env: boolean
  bind: string
  announceIp?: string
  password?: string
  /** stay attached: Ctrl-C stops every process and removes the files */
  foreground: boolean
}

/** Local master + replicas + Sentinels, detached and recorded like a local cluster (kind sentinel); waits until every Sentinel knows everything. */
export async function sentinelCreateCommand(out: Output, finish: Finish, f: SentinelCreateFlags): Promise<void> {
  const isDefault = f.name === 'default' && !f.dir
  // The default setup gets stable addresses (7000…, Sentinels 26379…); named ones and --port 0 random free ports.
  const base = f.port ?? (isDefault ? 7000 : 0)
  const t0 = Date.now()
  out.info(`Starting local Sentinel setup "${f.name}": 1 master, ${f.replicas} replica(s), ${f.sentinels} Sentinel(s), ${f.server === 'embedded' ? 'embedded redis-ts' : f.server}`)
  const s = await startLocalSentinel({
    name: f.name,
    ...(f.dir ? {dir: f.dir} : {}),
    ...(f.masterName ? {masterName: f.masterName} : {}),
    replicas: f.replicas,
    sentinels: f.sentinels,
    server: f.server,
    portBase: base,
    sentinelPortBase: f.sentinelPort ?? (base ? 26379 : 0),
    persistence: f.persistence as Persistence,
    downAfterMs: f.downAfterMs,
    failoverTimeoutMs: f.failoverTimeoutMs,
    timeoutMs: f.timeoutS * 1000,
    bind: f.bind,
    ...(f.announceIp ? {announceIp: f.announceIp} : {}),
    ...(f.password ? {password: f.password} : {}),
    detached: !f.foreground,
    onEvent: (e) => {
      if (e.type === 'replicas-synced') out.info('Master and replicas up, replicas synced; starting the Sentinels')
      else if (e.type === 'discovered') out.info(`Every Sentinel knows the master, the replicas and the other Sentinels (${(e.elapsedMs / 1000).toFixed(2)}s)`)
    },
  })
  const ref = f.dir ? ` --dir ${f.dir}` : f.name !== 'default' ? ` --name ${f.name}` : ''
  out.ok(`Local Sentinel setup "${s.name}" ready in ${((Date.now() - t0) / 1000).toFixed(2)}s (state in ${s.dir}).`)
  renderSentinelConnect(out, s, f.foreground ? '' : ref)
  const env = sentinelEnvLines(s.masterName, s.sentinels)
  if (f.env) process.stdout.write(env.join('\n') + '\n')
  finish({
    local: true,
    kind: 'sentinel',
    name: s.name,
    dir: s.dir,
    server: s.server,
    masterName: s.masterName,
    quorum: s.quorum,
    master: {...s.master, address: `${s.master.host}:${s.master.port}`},
    replicas: s.replicaNodes.map((r) => ({...r, address: `${r.host}:${r.port}`})),
    sentinels: s.sentinels.map((r) => ({...r, address: `${r.host}:${r.port}`})),
    nodes: s.nodes.map((n) => ({port: n.port, role: n.sentinel ? 'sentinel' : n.port === s.master.port ? 'master' : 'replica', id: n.id ?? null, pid: n.pid})),
    env: Object.fromEntries(env.map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)])),
    elapsedMs: Date.now() - t0,
  })
  if (f.foreground) await waitForeground(out, s, 'Sentinel setup')
}

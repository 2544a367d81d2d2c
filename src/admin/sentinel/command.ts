// The command side of `check --sentinel` and `create --sentinel` (kept out of commands/check.ts
// and commands/create.ts so those stay thin): run the library call, render, pick the exit code.
import {join} from 'node:path'
import {tmpdir} from 'node:os'
import {mkdirSync, writeFileSync} from 'node:fs'
import type {Output} from '../../ui/output.js'
import {ExitCode, RedisTsError} from '../../errors.js'
import {parseAddress} from '../address.js'
import {checkSentinel, SentinelUnreachable} from './check.js'
import {startSentinelSetup, waitSentinelsDiscovered} from '../../local/sentinel.js'

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
  out.info(`Master group "${name}": master ${report.master ?? '(unknown)'}, ${report.replicas.length} replica(s), ${report.sentinels.length} Sentinel(s)`)
  for (const s of report.sentinels) out.line(`  Sentinel ${s.address}: ${s.reachable ? `master ${s.master ?? '?'}; ${s.quorum}` : 'unreachable'}`)
  for (const r of report.replicas) out.line(`  Replica ${r.address}: ${r.flags}, link ${r.linkStatus}, offset ${r.offset}${r.lagBytes === null ? '' : ` (${r.lagBytes} bytes behind)`}, priority ${r.priority}`)
  for (const f of report.findings) (f.level === 'error' ? out.err.bind(out) : out.warn.bind(out))(f.message)
  if (report.healthy) out.ok('Quorum reachable, all Sentinels agree on the master, replicas linked.')
  finish(report, report.healthy ? ExitCode.OK : ExitCode.CLUSTER_PROBLEMS)
}

export interface SentinelCreateFlags {
  name: string
  replicas: number
  sentinels: number
  dir?: string
  server: string
  downAfterMs: number
  failoverTimeoutMs: number
  timeoutS: number
}

/** Local master + replicas + Sentinels, detached; waits until every Sentinel knows everything. */
export async function sentinelCreateCommand(out: Output, finish: Finish, f: SentinelCreateFlags): Promise<void> {
  const root = f.dir ?? join(tmpdir(), 'redis-ts', `${f.name}-sentinel`)
  mkdirSync(root, {recursive: true})
  const engine = f.server === 'embedded' ? 'embedded' : f.server
  out.info(`Starting "${f.name}": 1 master, ${f.replicas} replica(s), ${f.sentinels} Sentinel(s), ${engine === 'embedded' ? 'embedded redis-ts' : engine} (state in ${root})`)
  const setup = await startSentinelSetup({root, name: f.name, replicas: f.replicas, sentinels: f.sentinels, engine, downAfterMs: f.downAfterMs, failoverTimeoutMs: f.failoverTimeoutMs, detached: true})
  const ports = setup.sentinels.map((s) => s.port)
  const state = {name: f.name, dir: root, master: setup.master.port, procs: setup.procs.map((p) => ({role: p.role, port: p.port, pid: p.pid, dir: p.dir}))}
  writeFileSync(join(root, 'sentinel-state.json'), JSON.stringify(state, null, 2) + '\n')
  if (!(await waitSentinelsDiscovered(ports, f.name, f.replicas, f.timeoutS * 1000))) {
    out.warn(`Not every Sentinel knows every replica and Sentinel after ${f.timeoutS} s (processes left running: ${setup.procs.map((p) => p.pid).join(' ')})`)
    finish(state, ExitCode.TIMEOUT)
    return
  }
  const sentinels = ports.map((p) => `127.0.0.1:${p}`)
  out.ok(`Every Sentinel knows the master, ${f.replicas} replica(s) and the ${f.sentinels - 1} other Sentinel(s).`)
  out.line(`Master name: ${f.name}   master: 127.0.0.1:${setup.master.port}   replicas: ${setup.dataNodes.filter((n) => n.role === 'replica').map((n) => `127.0.0.1:${n.port}`).join(' ')}`)
  out.line(`Sentinels:   ${sentinels.join(' ')}`)
  out.line(`Connect (ioredis): new Redis({sentinels: [${ports.map((p) => `{host: '127.0.0.1', port: ${p}}`).join(', ')}], name: '${f.name}'})`)
  out.line(`Check:       redis-ts check --sentinel ${sentinels[0]} ${f.name}`)
  out.line(`Stop:        kill ${setup.procs.map((p) => p.pid).join(' ')}   (PIDs also in ${join(root, 'sentinel-state.json')})`)
  finish({...state, sentinels})
}

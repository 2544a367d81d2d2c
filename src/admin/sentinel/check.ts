// `redis-ts check --sentinel <sentinel-addr> <master-name>`: what a Sentinel-managed master
// group needs to survive a failover. From one Sentinel: the group's Sentinels, then every
// Sentinel's view (GET-MASTER-ADDR-BY-NAME, CKQUORUM), the master's role and offset, and each
// replica's link and lag. Findings only; the command renders them and picks the exit code.
import type {Redis} from 'ioredis'
import {lazyClient} from '../ioredis.js'

export interface SentinelFinding {
  level: 'error' | 'warning'
  message: string
}

export interface SentinelView {
  address: string
  reachable: boolean
  master?: string
  quorum?: string
}

export interface ReplicaView {
  address: string
  flags: string
  linkStatus: string
  offset: number
  lagBytes: number | null
  priority: number
}

export interface SentinelCheckReport {
  name: string
  master: string | null
  masterOffset: number | null
  sentinels: SentinelView[]
  replicas: ReplicaView[]
  findings: SentinelFinding[]
  healthy: boolean
}

export class SentinelUnreachable extends Error {}

interface AskOptions {
  password?: string
  connectTimeoutMs?: number
  commandTimeoutMs?: number
}

function conn(host: string, port: number, o: AskOptions): Promise<Redis> {
  return lazyClient({host, port, password: o.password, connectTimeout: o.connectTimeoutMs ?? 3000, commandTimeout: o.commandTimeoutMs, enableReadyCheck: false})
}

function pairs(r: unknown): Record<string, string> {
  const a = r as string[]
  const o: Record<string, string> = {}
  for (let i = 0; i + 1 < a.length; i += 2) o[a[i]] = a[i + 1]
  return o
}

/** One short-lived connection to an instance: f's result, or the error (never thrown). */
export async function ask<T>(host: string, port: number, o: AskOptions, f: (c: Redis) => Promise<T>): Promise<T | Error> {
  const c = await conn(host, port, o)
  try {
    await c.connect()
    return await f(c)
  } catch (e) {
    return e as Error
  } finally {
    c.disconnect()
  }
}

export async function checkSentinel(seed: {host: string; port: number}, name: string, o: {password?: string; sentinelPassword?: string; connectTimeoutMs?: number} = {}): Promise<SentinelCheckReport> {
  const so = {password: o.sentinelPassword, connectTimeoutMs: o.connectTimeoutMs}
  const findings: SentinelFinding[] = []
  const first = await ask(seed.host, seed.port, so, async (c) => ({
    master: pairs(await c.call('SENTINEL', 'MASTER', name)),
    sentinels: ((await c.call('SENTINEL', 'SENTINELS', name)) as unknown[]).map(pairs),
    replicas: ((await c.call('SENTINEL', 'REPLICAS', name)) as unknown[]).map(pairs),
  }))
  if (first instanceof Error) {
    if (first.name === 'ReplyError') return {name, master: null, masterOffset: null, sentinels: [], replicas: [], findings: [{level: 'error', message: `${seed.host}:${seed.port}: ${first.message}`}], healthy: false}
    throw new SentinelUnreachable(`cannot reach Sentinel ${seed.host}:${seed.port}: ${first.message}`)
  }
  const addrs = [`${seed.host}:${seed.port}`, ...first.sentinels.map((s) => `${s.ip}:${s.port}`)]
  const sentinels: SentinelView[] = await Promise.all(
    addrs.map(async (address) => {
      const [h, p] = [address.slice(0, address.lastIndexOf(':')), Number(address.slice(address.lastIndexOf(':') + 1))]
      const r = await ask(h, p, so, async (c) => {
        const a = (await c.call('SENTINEL', 'GET-MASTER-ADDR-BY-NAME', name)) as string[] | null
        const q = await c.call('SENTINEL', 'CKQUORUM', name).then(String, (e: Error) => e.message)
        return {master: a ? `${a[0]}:${a[1]}` : undefined, quorum: q}
      })
      return r instanceof Error ? {address, reachable: false} : {address, reachable: true, ...r}
    }),
  )
  for (const s of sentinels) {
    if (!s.reachable) findings.push({level: 'error', message: `Sentinel ${s.address} is unreachable`})
    else if (!s.quorum?.startsWith('OK')) findings.push({level: 'error', message: `Sentinel ${s.address}: ${s.quorum}`})
  }
  const masters = new Set(sentinels.filter((s) => s.reachable).map((s) => s.master ?? '(unknown)'))
  if (masters.size > 1) findings.push({level: 'error', message: `Sentinels disagree on the master of "${name}": ${[...masters].join(', ')}`})
  const master = sentinels[0].master ?? null
  const flags = first.master.flags ?? ''
  if (/s_down|o_down/.test(flags)) findings.push({level: 'error', message: `master ${master} is down (${flags})`})
  let masterOffset: number | null = null
  if (master) {
    const [h, p] = [master.slice(0, master.lastIndexOf(':')), Number(master.slice(master.lastIndexOf(':') + 1))]
    const info = await ask(h, p, {password: o.password, connectTimeoutMs: o.connectTimeoutMs}, (c) => c.info('replication'))
    if (info instanceof Error) findings.push({level: 'error', message: `master ${master} is unreachable: ${info.message}`})
    else {
      if (!/^role:master\r?$/m.test(info)) findings.push({level: 'error', message: `master ${master} does not report role:master`})
      masterOffset = Number(/^master_repl_offset:(\d+)/m.exec(info)?.[1] ?? NaN)
    }
  }
  const replicas: ReplicaView[] = first.replicas.map((r) => {
    const offset = Number(r['slave-repl-offset'] ?? 0)
    return {address: `${r.ip}:${r.port}`, flags: r.flags, linkStatus: r['master-link-status'], offset, lagBytes: masterOffset === null || Number.isNaN(masterOffset) ? null : Math.max(0, masterOffset - offset), priority: Number(r['slave-priority'] ?? 100)}
  })
  if (replicas.length === 0) findings.push({level: 'warning', message: `"${name}" has no replicas: a failover has nothing to promote`})
  for (const r of replicas) {
    if (/s_down|disconnected/.test(r.flags)) findings.push({level: 'warning', message: `replica ${r.address} is down (${r.flags})`})
    else if (r.linkStatus !== 'ok') findings.push({level: 'warning', message: `replica ${r.address}: master link ${r.linkStatus}`})
  }
  if (replicas.length && replicas.every((r) => r.priority === 0)) findings.push({level: 'warning', message: 'every replica has replica-priority 0: none can be promoted'})
  return {name, master, masterOffset, sentinels, replicas, findings, healthy: findings.length === 0}
}

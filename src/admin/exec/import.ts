// `import`: copy or move every key of a standalone Redis into the cluster. Unlike redis-cli (one
// MIGRATE per key), each SCAN page (COUNT 1000) is grouped by target master and sent as one
// MIGRATE ... KEYS per target; the MIGRATEs of page N are pipelined with the SCAN of page N+1.
// The source is standalone, so keys of different slots may share one MIGRATE; the target restores
// each key in a slot it owns. BUSYKEY is resolved like the mover does (DUMP equality, else conflict).
import calculateSlot from 'cluster-key-slot'
import type {Redis} from 'ioredis'
import {formatAddress, type NodeAddress} from '../address.js'
import {RedisTsError} from '../../errors.js'
import {NodePool} from '../pool.js'
import {parseInfo} from '../topology/parse.js'
import type {ClusterView} from '../topology/types.js'
import {authOf, errText, isBusyKey, migrateArgs, resolveBusy, type Endpoint} from './move-slot.js'
import {loadStableCluster} from './reshard.js'

export interface ImportOptions {
  copy?: boolean
  replace?: boolean
  migrateTimeoutMs?: number
  /** SCAN COUNT; default 1000 */
  scanCount?: number
  fromUser?: string
  fromPassword?: string
  signal?: AbortSignal
  onEvent?: (e: {type: 'start'; slots: number; keys: number} | {type: 'keys-moved'; slot: number; count: number}) => void
}

export interface ImportResult {
  source: string
  scanned: number
  migrated: number
  conflicts: string[]
  elapsedMs: number
  keysPerSecond: number
  interrupted: boolean
}

export async function prepareImport(seed: NodeAddress, pool: NodePool, from: NodeAddress, opts: {fromUser?: string; fromPassword?: string}): Promise<{view: ClusterView; sourcePool: NodePool; keys: number}> {
  const view = await loadStableCluster(seed, pool, 'importing')
  const sourcePool = new NodePool({...pool.options, user: opts.fromUser, password: opts.fromPassword})
  let info: Record<string, string>
  let keys: number
  try {
    const c = await sourcePool.get(from)
    info = parseInfo(String(await c.call('INFO')))
    keys = Number(await c.call('DBSIZE'))
  } catch (err) {
    await sourcePool.close()
    throw new RedisTsError('unreachable', `Source ${formatAddress(from)}: ${errText(err)}`)
  }
  if (info.cluster_enabled === '1') {
    await sourcePool.close()
    throw new RedisTsError('invalid-node', 'The source node should not be a cluster node.')
  }
  return {view, sourcePool, keys}
}

export async function applyImport(pool: NodePool, sourcePool: NodePool, view: ClusterView, from: NodeAddress, opts: ImportOptions = {}): Promise<ImportResult> {
  const started = Date.now()
  const emit = opts.onEvent ?? (() => {})
  const owner: Endpoint[] = new Array(16384)
  for (const n of view.nodes) if (n.role === 'master') for (const [a, b] of n.slots) for (let s = a; s <= b; s++) owner[s] = {id: n.id, host: n.host, port: n.port}
  const src: Redis = await sourcePool.getForMigrate(from)
  const source: Endpoint = {id: 'source', host: from.host, port: from.port}
  const base = {timeoutMs: opts.migrateTimeoutMs ?? 60000, replace: opts.replace ?? false, copy: opts.copy ?? false, auth: authOf(pool, {})}
  emit({type: 'start', slots: 0, keys: Number(await src.call('DBSIZE'))})
  const result: ImportResult = {source: formatAddress(from), scanned: 0, migrated: 0, conflicts: [], elapsedMs: 0, keysPerSecond: 0, interrupted: false}
  let cursor = '0'
  let page = (await src.callBuffer('SCAN', cursor, 'COUNT', String(opts.scanCount ?? 1000))) as [Buffer, Buffer[]]
  for (;;) {
    cursor = page[0].toString()
    const groups = new Map<string, {target: Endpoint; keys: Buffer[]}>()
    for (const k of page[1]) {
      const t = owner[calculateSlot(k)]
      if (!t) throw new RedisTsError('cluster-problems', `Slot ${calculateSlot(k)} has no owner`)
      if (!groups.has(t.id)) groups.set(t.id, {target: t, keys: []})
      groups.get(t.id)!.keys.push(k)
    }
    result.scanned += page[1].length
    const batches = [...groups.values()]
    const more = cursor !== '0' && !opts.signal?.aborted
    const p = src.pipeline()
    for (const b of batches) p.callBuffer('MIGRATE', ...migrateArgs(b.target, b.keys, base))
    if (more) p.callBuffer('SCAN', cursor, 'COUNT', String(opts.scanCount ?? 1000))
    const res = ((await p.exec()) ?? []) as [Error | null, unknown][]
    for (let i = 0; i < batches.length; i++) {
      const [err] = res[i]
      let n = batches[i].keys.length
      if (err) {
        if (!isBusyKey(err) || base.replace) throw new RedisTsError('partial-failure', `MIGRATE to ${batches[i].target.host}:${batches[i].target.port} failed: ${errText(err)} (${result.migrated} keys imported so far)`)
        const r = await resolveBusy(sourcePool, src, source, batches[i].target, batches[i].keys, base, pool)
        n = r.moved
        result.conflicts.push(...r.conflicts)
      }
      result.migrated += n
      emit({type: 'keys-moved', slot: -1, count: n})
    }
    if (!more) {
      result.interrupted = cursor !== '0'
      break
    }
    const [se, sv] = res[batches.length]
    if (se) throw new RedisTsError('partial-failure', `SCAN on the source failed: ${errText(se)}`)
    page = sv as [Buffer, Buffer[]]
  }
  result.elapsedMs = Date.now() - started
  result.keysPerSecond = result.elapsedMs ? Math.round((result.migrated * 1000) / result.elapsedMs) : 0
  return result
}

export function importError(r: ImportResult): RedisTsError | undefined {
  if (r.conflicts.length) {
    return new RedisTsError('conflict', `${r.conflicts.length} key(s) already exist in the cluster with different values and were not imported: ${r.conflicts.slice(0, 20).join(', ')}${r.conflicts.length > 20 ? ', ...' : ''}`, {
      hint: 'Re-run with --replace to overwrite them.',
      details: {conflicts: r.conflicts},
    })
  }
  if (r.interrupted) return new RedisTsError('interrupted', `Interrupted after importing ${r.migrated} keys`, {hint: 'Re-run the same import to continue (already imported keys have left the source unless --copy).'})
  return undefined
}

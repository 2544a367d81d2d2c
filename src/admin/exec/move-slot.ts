// Single-slot primitives of the slot mover (redis-cli §3.5, redis#7116/#10381), reusable by `fix`:
// open a slot (IMPORTING on the target, then MIGRATING on the source), empty it with batched
// GETKEYSINSLOT + MIGRATE ... KEYS, resolve BUSYKEY without DEBUG (DUMP payload equality), and
// close it with SETSLOT NODE on the target first, the source second, every other master last.
// We never DEL a key: MIGRATE is atomic per batch on the server, so a kill at any instant loses nothing.
import type {Redis} from 'ioredis'
import type {NodePool} from '../pool.js'

/** A node the mover talks to (a ClusterNode fits). */
export interface Endpoint {
  id: string
  host: string
  port: number
}

export interface MigrateOptions {
  /** max keys per MIGRATE (the batch adapts below it); default 1000 */
  pipeline?: number
  /** MIGRATE timeout in ms; default 60000 */
  migrateTimeoutMs?: number
  /** REPLACE on every MIGRATE (explicit override of the BUSYKEY check) */
  replace?: boolean
  /** COPY: keep the keys on the source (import --copy) */
  copy?: boolean
  /** AUTH / AUTH2 credentials the source uses on the target; default pool.options */
  auth?: {user?: string; password?: string}
  /** checked before every MIGRATE batch: the batch in flight finishes, the slot stays open */
  signal?: AbortSignal
  /** called after each successful MIGRATE batch */
  onKeys?: (count: number) => void
}

export interface MigrateOutcome {
  /** keys moved off the source */
  keys: number
  /** true when the slot holds no keys on the source any more */
  empty: boolean
  /** keys present on both nodes with different values (slot left open, both copies kept) */
  conflicts: string[]
  /** stopped because the signal fired */
  interrupted: boolean
}

export const DEFAULT_PIPELINE = 5000
/** First batch of a slot: never more than this many keys before we know how fast batches are. */
const INITIAL_BATCH = 1000
export const DEFAULT_MIGRATE_TIMEOUT_MS = 60000
/** A MIGRATE batch should block the source for about this long at most (#6999: large keys). */
const TARGET_BATCH_MS = 400

export function isBusyKey(err: unknown): boolean {
  return /BUSYKEY/.test(String((err as Error)?.message ?? err))
}

export function errText(err: unknown): string {
  return String((err as Error)?.message ?? err)
}

/** MIGRATE argv after the command name: host port "" 0 timeout [COPY] [REPLACE] [AUTH..] KEYS k1..kn */
export function migrateArgs(target: Endpoint, keys: Buffer[], o: {timeoutMs: number; replace: boolean; copy: boolean; auth?: {user?: string; password?: string}}): (string | Buffer)[] {
  const args: (string | Buffer)[] = [target.host, String(target.port), '', '0', String(o.timeoutMs)]
  if (o.copy) args.push('COPY')
  if (o.replace) args.push('REPLACE')
  if (o.auth?.password !== undefined) {
    if (o.auth.user) args.push('AUTH2', o.auth.user, o.auth.password)
    else args.push('AUTH', o.auth.password)
  }
  args.push('KEYS', ...keys)
  return args
}

/** Adaptive MIGRATE batch size: starts from the slot's key count, shrinks when batches are slow (big values), grows back when fast. */
export class BatchSizer {
  size: number
  constructor(readonly max: number, count: number) {
    this.size = Math.min(max, INITIAL_BATCH, Math.max(10, count))
  }
  observe(ms: number, keys: number): void {
    if (keys < this.size) return
    if (ms > TARGET_BATCH_MS * 2) this.size = Math.max(1, Math.floor(this.size / 2))
    else if (ms < TARGET_BATCH_MS / 3) this.size = Math.min(this.max, this.size * 2)
  }
}

async function client(pool: NodePool, n: Endpoint): Promise<Redis> {
  return pool.get({host: n.host, port: n.port})
}

export function authOf(pool: NodePool, o: {auth?: {user?: string; password?: string}}): {user?: string; password?: string} | undefined {
  if (o.auth) return o.auth
  const {user, password} = pool.options
  return password !== undefined ? {user, password} : undefined
}

/** IMPORTING on the target, then MIGRATING on the source (this order avoids an ASK→MOVED loop). Idempotent. */
export async function openSlot(pool: NodePool, slot: number, source: Endpoint, target: Endpoint): Promise<void> {
  const t = await client(pool, target)
  try {
    await t.call('CLUSTER', 'SETSLOT', String(slot), 'IMPORTING', source.id)
  } catch (err) {
    // Resuming after the target already took the slot: MIGRATE still lands there.
    if (!/already the owner/i.test(errText(err))) throw err
  }
  const s = await client(pool, source)
  await s.call('CLUSTER', 'SETSLOT', String(slot), 'MIGRATING', target.id)
}

/** Compare DUMP payloads on both sides (no DEBUG needed: disabled by default since 7.0). Returns the keys that differ. */
export async function compareKeys(pool: NodePool, source: Endpoint, target: Endpoint, keys: Buffer[], targetPool: NodePool = pool): Promise<{equal: Buffer[]; different: Buffer[]; gone: Buffer[]}> {
  const [s, t] = await Promise.all([client(pool, source), client(targetPool, target)])
  const sp = s.pipeline()
  const tp = t.pipeline()
  for (const k of keys) {
    // Either side may hold the slot only as IMPORTING (a cold move off a non-owner, or the target
    // of a migration): ASKING lets it answer for this one command; harmless on the owner.
    sp.call('ASKING')
    sp.callBuffer('DUMP', k)
    tp.call('ASKING')
    tp.callBuffer('DUMP', k)
  }
  const [sr, tr] = await Promise.all([sp.exec(), tp.exec()])
  const equal: Buffer[] = []
  const different: Buffer[] = []
  const gone: Buffer[] = []
  keys.forEach((k, i) => {
    const [se, sv] = sr![2 * i + 1]
    const [te, tv] = tr![2 * i + 1]
    if (se || sv === null) gone.push(k) // left the source (ASK for a missing key, or nil)
    else if (te || tv === null) equal.push(k) // target copy vanished meanwhile: a plain retry is safe
    else if (Buffer.compare(sv as Buffer, tv as Buffer) === 0) equal.push(k)
    else different.push(k)
  })
  return {equal, different, gone}
}

/**
 * Empty `slot` from source to target: GETKEYSINSLOT + MIGRATE ... KEYS until nothing is left.
 * Does not touch slot states (works for a cold move too, if the target accepts the keys).
 * BUSYKEY: equal payloads are retried with REPLACE; different ones stop the slot and are returned.
 * Other MIGRATE errors are thrown (the slot stays as it is).
 */
export async function migrateKeysInSlot(pool: NodePool, source: Endpoint, target: Endpoint, slot: number, opts: MigrateOptions = {}, knownCount?: number): Promise<MigrateOutcome> {
  const s = await pool.getForMigrate({host: source.host, port: source.port})
  const max = opts.pipeline ?? DEFAULT_PIPELINE
  const count = knownCount ?? Number(await s.call('CLUSTER', 'COUNTKEYSINSLOT', String(slot)))
  const sizer = new BatchSizer(max, count)
  const base = {timeoutMs: opts.migrateTimeoutMs ?? DEFAULT_MIGRATE_TIMEOUT_MS, replace: opts.replace ?? false, copy: opts.copy ?? false, auth: authOf(pool, opts)}
  let moved = 0
  const getKeys = async () => (await s.callBuffer('CLUSTER', 'GETKEYSINSLOT', String(slot), String(sizer.size))) as Buffer[]
  let keys = await getKeys()
  for (;;) {
    if (keys.length === 0) return {keys: moved, empty: true, conflicts: [], interrupted: false}
    if (opts.signal?.aborted) return {keys: moved, empty: false, conflicts: [], interrupted: true}
    // One round trip per batch: the source runs MIGRATE (blocking) and only then GETKEYSINSLOT, so
    // the second reply already lists the next batch. On any MIGRATE error it is discarded.
    const t0 = Date.now()
    const p = s.pipeline()
    p.callBuffer('MIGRATE', ...migrateArgs(target, keys, base))
    p.callBuffer('CLUSTER', 'GETKEYSINSLOT', String(slot), String(sizer.size))
    const [[migErr], [nextErr, next]] = (await p.exec()) ?? [[new Error('pipeline aborted')], [null, null]]
    if (migErr) {
      if (!isBusyKey(migErr) || base.replace) throw migErr
      const step = await resolveBusy(pool, s, source, target, keys, base)
      moved += step.moved
      if (step.moved) opts.onKeys?.(step.moved)
      if (step.conflicts.length) return {keys: moved, empty: false, conflicts: step.conflicts, interrupted: false}
      keys = await getKeys()
      continue
    }
    moved += keys.length
    opts.onKeys?.(keys.length)
    sizer.observe(Date.now() - t0, keys.length)
    keys = nextErr ? await getKeys() : (next as Buffer[])
  }
}

export interface BatchStep {
  moved: number
  ms: number
  conflicts: string[]
}

/** One MIGRATE of `keys`; on BUSYKEY, compare and retry the equal ones with REPLACE. */
export async function migrateBatch(
  pool: NodePool,
  s: Redis,
  source: Endpoint,
  target: Endpoint,
  keys: Buffer[],
  base: {timeoutMs: number; replace: boolean; copy: boolean; auth?: {user?: string; password?: string}},
): Promise<BatchStep> {
  const t0 = Date.now()
  try {
    await s.callBuffer('MIGRATE', ...migrateArgs(target, keys, base))
    return {moved: keys.length, ms: Date.now() - t0, conflicts: []}
  } catch (err) {
    if (!isBusyKey(err) || base.replace) throw err
    return {...(await resolveBusy(pool, s, source, target, keys, base)), ms: Date.now() - t0}
  }
}

/** After a BUSYKEY MIGRATE (the non-busy keys of the batch did move): REPLACE the equal ones, report the rest. */
export async function resolveBusy(
  pool: NodePool,
  s: Redis,
  source: Endpoint,
  target: Endpoint,
  keys: Buffer[],
  base: {timeoutMs: number; replace: boolean; copy: boolean; auth?: {user?: string; password?: string}},
  targetPool: NodePool = pool,
): Promise<{moved: number; conflicts: string[]}> {
  if (base.copy) {
    // COPY leaves every key on the source: the copied ones now compare equal, nothing to redo.
    const {equal, different} = await compareKeys(pool, source, target, keys, targetPool)
    return {moved: equal.length, conflicts: different.map((k) => k.toString())}
  }
  const ex = s.pipeline()
  for (const k of keys) {
    ex.call('ASKING') // the source may only be IMPORTING this slot (see compareKeys)
    ex.callBuffer('EXISTS', k)
  }
  const res = (await ex.exec()) ?? []
  const left = keys.filter((_, i) => !res[2 * i + 1][0] && Number(res[2 * i + 1][1]) === 1)
  let moved = keys.length - left.length
  const {equal, different} = await compareKeys(pool, source, target, left, targetPool)
  if (equal.length) {
    await s.callBuffer('MIGRATE', ...migrateArgs(target, equal, {...base, replace: true}))
    moved += equal.length
  }
  return {moved, conflicts: different.map((k) => k.toString())}
}

export interface SetSlotNodeResult {
  /** errors from the other masters (gossip will still propagate the new owner) */
  warnings: string[]
}

/**
 * SETSLOT NODE on the target first, the source second, every other master last (#10381).
 * Target errors throw; the source's `Please use SETSLOT only with masters.` is tolerated (it lost its
 * last slot and became a replica); other masters' errors become warnings.
 */
export async function setSlotNode(pool: NodePool, slot: number, target: Endpoint, source: Endpoint | undefined, others: Endpoint[]): Promise<SetSlotNodeResult> {
  const r = await setSlotsNode(pool, [slot], target, source, others)
  if (r.failed.length) throw new Error(r.failed[0].error)
  return {warnings: r.warnings}
}

/** Pipelined SETSLOT NODE for many slots of one source→target pair, same order rules as setSlotNode. */
export async function setSlotsNode(pool: NodePool, slots: number[], target: Endpoint, source: Endpoint | undefined, others: Endpoint[]): Promise<{done: number[]; failed: {slot: number; error: string}[]; warnings: string[]}> {
  const warnings: string[] = []
  const failed: {slot: number; error: string}[] = []
  const run = async (n: Endpoint, list: number[]) => {
    const c = await client(pool, n)
    const p = c.pipeline()
    for (const slot of list) p.call('CLUSTER', 'SETSLOT', String(slot), 'NODE', target.id)
    return ((await p.exec()) ?? []).map(([e]) => (e ? errText(e) : undefined))
  }
  const tr = await run(target, slots)
  const ok: number[] = []
  slots.forEach((slot, i) => (tr[i] ? failed.push({slot, error: `SETSLOT NODE on target ${target.host}:${target.port}: ${tr[i]}`}) : ok.push(slot)))
  if (source && ok.length) {
    const sr = await run(source, ok)
    const bad = new Set<number>()
    ok.forEach((slot, i) => {
      const e = sr[i]
      if (!e || /Please use SETSLOT only with masters/i.test(e)) return
      // The source still holding keys is the server's own safety net: never force it.
      failed.push({slot, error: `SETSLOT NODE on source ${source.host}:${source.port}: ${e}`})
      bad.add(slot)
    })
    if (bad.size) ok.splice(0, ok.length, ...ok.filter((s) => !bad.has(s)))
  }
  if (ok.length) {
    await Promise.all(
      others.map(async (n) => {
        try {
          const r = await run(n, ok)
          const e = r.find((x) => x)
          if (e) warnings.push(`SETSLOT NODE on ${n.host}:${n.port}: ${e}`)
        } catch (err) {
          warnings.push(`SETSLOT NODE on ${n.host}:${n.port}: ${errText(err)}`)
        }
      }),
    )
  }
  return {done: ok, failed, warnings}
}

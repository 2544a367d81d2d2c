// The slot mover behind reshard, rebalance (and fix/del-node): moves many slots fast and safely.
// Faster than redis-cli's one-slot-at-a-time loop (~7 round trips per slot, 10 keys per MIGRATE):
//  - key counts of every slot are read up front (one COUNTKEYSINSLOT pipeline per source),
//  - small slots of one source→target pair are grouped into chunks whose SETSLOT steps, GETKEYSINSLOT
//    and MIGRATEs are pipelined (~6 round trips per chunk instead of per slot),
//  - MIGRATE batches adapt to the slot size (up to --pipeline keys) and shrink when slow (large values),
//  - `parallel` workers move chunks concurrently; a slot is in exactly one chunk.
// Safety is the server's: MIGRATE is atomic per batch and we never DEL, so a SIGKILL loses no key.
// An abort (SIGINT) lets in-flight batches finish, closes slots that are already empty, and leaves
// the others open and resumable (resumableMoves() + moveSlots, or `redis-ts fix`).
import type {Redis} from 'ioredis'
import {RedisTsError} from '../../errors.js'
import {pushTo} from '../group.js'
import type {NodePool} from '../pool.js'
import type {ClusterView} from '../topology/types.js'
import {followFailover} from './move-failover.js'
import {
  BatchSizer,
  DEFAULT_MIGRATE_TIMEOUT_MS,
  DEFAULT_PIPELINE,
  authOf,
  errText,
  migrateArgs,
  resolveBusy,
  setSlotsNode,
  isBusyKey,
  type Endpoint,
} from './move-slot.js'

export * from './move-slot.js'

export interface SlotMove {
  slot: number
  sourceId: string
  targetId: string
}

export type MoveEvent =
  | {type: 'start'; slots: number; keys: number}
  | {type: 'slot-started'; slot: number; sourceId: string; targetId: string; keys: number}
  | {type: 'keys-moved'; slot: number; count: number}
  | {type: 'slot-done'; slot: number; keys: number}
  | {type: 'slot-failed'; slot: number; error: string; conflicts?: string[]}
  | {type: 'warning'; message: string}

export interface MoveOptions {
  /** concurrent chunk workers; default 4 */
  parallel?: number
  /** max keys per MIGRATE; default 1000 */
  pipeline?: number
  /** MIGRATE timeout in ms; default 60000 */
  migrateTimeoutMs?: number
  /** REPLACE on every MIGRATE (skips the BUSYKEY comparison) */
  replace?: boolean
  /** default: pool.options password/user */
  auth?: {user?: string; password?: string}
  signal?: AbortSignal
  onEvent?: (e: MoveEvent) => void
  /** key counts per slot already read (countSlotKeys); saves one round trip per source */
  counts?: Map<number, number>
  /** max slots sharing one pipelined chunk; default 64 */
  chunkSlots?: number
  /** retry slots whose source/target lost its shard to a failover (default true; see move-failover.ts) */
  followFailover?: boolean
  /** how long to wait for a shard being failed over to get a master again (default 30000 ms) */
  waitMs?: number
}

export interface SlotFailure extends SlotMove {
  error: string
  /** keys with different values on source and target (slot left open, both copies kept) */
  conflicts?: string[]
}

export interface MoveResult {
  slotsMoved: number
  keysMoved: number
  elapsedMs: number
  /** total keys counted before moving */
  keysPlanned: number
  done: SlotMove[]
  failed: SlotFailure[]
  /** not finished because of the abort signal (some may be open: IMPORTING/MIGRATING set) */
  pending: SlotMove[]
  interrupted: boolean
  warnings: string[]
}

/** Slots per chunk and keys per chunk: small slots share pipelines, big ones go alone. */
const CHUNK_SLOTS = 64

export interface Chunk {
  source: Endpoint
  target: Endpoint
  others: Endpoint[]
  slots: number[]
  counts: Map<number, number>
}

function endpointOf(view: ClusterView, id: string, what: string): Endpoint {
  const n = view.nodes.find((x) => x.id === id)
  if (!n) throw new RedisTsError('usage', `Unknown ${what} node ${id}`)
  if (!n.reachable) throw new RedisTsError('unreachable', `The ${what} node ${n.address} (${id}) is unreachable: ${n.error ?? ''}`)
  return {id: n.id, host: n.host, port: n.port}
}

/** Read every slot's key count on its source: one pipeline per source, all sources in parallel. */
export async function countSlotKeys(pool: NodePool, view: ClusterView, moves: SlotMove[]): Promise<Map<number, number>> {
  const bySource = new Map<string, number[]>()
  for (const m of moves) pushTo(bySource, m.sourceId, m.slot)
  const out = new Map<number, number>()
  await Promise.all(
    [...bySource].map(async ([id, slots]) => {
      const c = await pool.get(endpointOf(view, id, 'source'))
      const p = c.pipeline()
      for (const s of slots) p.call('CLUSTER', 'COUNTKEYSINSLOT', String(s))
      const res = (await p.exec()) ?? []
      slots.forEach((s, i) => out.set(s, res[i][0] ? 0 : Number(res[i][1])))
    }),
  )
  return out
}

export function buildChunks(moves: SlotMove[], counts: Map<number, number>, maxKeys: number, resolve: (id: string) => Endpoint, others: (a: string, b: string) => Endpoint[], chunkSlots = CHUNK_SLOTS): Chunk[] {
  const byPair = new Map<string, SlotMove[]>()
  for (const m of moves) pushTo(byPair, `${m.sourceId}>${m.targetId}`, m)
  const lanes: Chunk[][] = []
  for (const list of byPair.values()) {
    const {sourceId, targetId} = list[0]
    const mk = (): Chunk => ({source: resolve(sourceId), target: resolve(targetId), others: others(sourceId, targetId), slots: [], counts: new Map()})
    const lane: Chunk[] = []
    let cur = mk()
    let keys = 0
    for (const m of list.sort((a, b) => a.slot - b.slot)) {
      const n = counts.get(m.slot) ?? 0
      if (cur.slots.length && (cur.slots.length >= chunkSlots || keys + n > maxKeys)) {
        lane.push(cur)
        cur = mk()
        keys = 0
      }
      cur.slots.push(m.slot)
      cur.counts.set(m.slot, n)
      keys += n
    }
    if (cur.slots.length) lane.push(cur)
    lanes.push(lane)
  }
  // Interleave pairs so concurrent workers spread over different sources first.
  const out: Chunk[] = []
  for (let i = 0; out.length < moves.length && lanes.some((l) => i < l.length); i++) for (const l of lanes) if (i < l.length) out.push(l[i])
  return out
}

interface Ctx {
  pool: NodePool
  opts: MoveOptions
  emit: (e: MoveEvent) => void
  base: {timeoutMs: number; replace: boolean; copy: boolean; auth?: {user?: string; password?: string}}
  max: number
  result: MoveResult
}

const pipeExec = async (c: Redis, fill: (p: ReturnType<Redis['pipeline']>) => void): Promise<[Error | null, unknown][]> => {
  const p = c.pipeline()
  fill(p)
  return ((await p.exec()) ?? []) as [Error | null, unknown][]
}

async function moveChunk(ctx: Ctx, ch: Chunk): Promise<void> {
  const {pool, emit, result} = ctx
  const pair = (slot: number): SlotMove => ({slot, sourceId: ch.source.id, targetId: ch.target.id})
  const fail = (slot: number, error: string, conflicts?: string[]) => {
    result.failed.push({...pair(slot), error, ...(conflicts ? {conflicts} : {})})
    emit({type: 'slot-failed', slot, error, ...(conflicts ? {conflicts} : {})})
  }
  if (ctx.opts.signal?.aborted) {
    result.pending.push(...ch.slots.map(pair))
    return
  }
  // The source connection carries MIGRATE: it gets the long reply timeout (see NodePool).
  const [s, t] = await Promise.all([pool.getForMigrate(ch.source), pool.get(ch.target)])
  for (const slot of ch.slots) emit({type: 'slot-started', ...pair(slot), keys: ch.counts.get(slot) ?? 0})
  // 1. IMPORTING on the target (all slots of the chunk in one round trip).
  const imp = await pipeExec(t, (p) => ch.slots.forEach((slot) => p.call('CLUSTER', 'SETSLOT', String(slot), 'IMPORTING', ch.source.id)))
  let live: number[] = []
  ch.slots.forEach((slot, i) => {
    const e = imp[i][0]
    if (e && !/already the owner/i.test(errText(e))) fail(slot, `SETSLOT IMPORTING on target ${ch.target.host}:${ch.target.port}: ${errText(e)}`)
    else live.push(slot)
  })
  // 2. MIGRATING on the source, plus the first GETKEYSINSLOT of each slot, in one round trip.
  const sizers = new Map(live.map((slot) => [slot, new BatchSizer(ctx.max, ch.counts.get(slot) ?? 0)]))
  const mig = await pipeExec(s, (p) =>
    live.forEach((slot) => {
      p.call('CLUSTER', 'SETSLOT', String(slot), 'MIGRATING', ch.target.id)
      p.callBuffer('CLUSTER', 'GETKEYSINSLOT', String(slot), String(sizers.get(slot)!.size))
    }),
  )
  const pending = new Map<number, Buffer[]>()
  const moved = new Map<number, number>()
  live = live.filter((slot, i) => {
    const [me] = mig[2 * i]
    const [ge, keys] = mig[2 * i + 1] as [Error | null, Buffer[]]
    // Resuming a slot whose source already handed it over: nothing left to migrate, only to close.
    if (me && !(/not the owner/i.test(errText(me)) && !ge && keys.length === 0)) {
      fail(slot, `SETSLOT MIGRATING on source ${ch.source.host}:${ch.source.port}: ${errText(me)}`)
      return false
    }
    if (ge) {
      fail(slot, `GETKEYSINSLOT on source: ${errText(ge)}`)
      return false
    }
    moved.set(slot, 0)
    if (keys.length) pending.set(slot, keys)
    return true
  })
  // 3. MIGRATE + next GETKEYSINSLOT per slot, all pipelined, until every slot is empty.
  const stopped = new Set<number>()
  while (pending.size) {
    if (ctx.opts.signal?.aborted) {
      for (const slot of pending.keys()) stopped.add(slot)
      break
    }
    const batch = [...pending]
    const t0 = Date.now()
    const res = await pipeExec(s, (p) =>
      batch.forEach(([slot, keys]) => {
        p.callBuffer('MIGRATE', ...migrateArgs(ch.target, keys, ctx.base))
        p.callBuffer('CLUSTER', 'GETKEYSINSLOT', String(slot), String(sizers.get(slot)!.size))
      }),
    )
    const ms = (Date.now() - t0) / batch.length
    pending.clear()
    for (let i = 0; i < batch.length; i++) {
      const [slot, keys] = batch[i]
      const [me] = res[2 * i]
      let [ge, next] = res[2 * i + 1] as [Error | null, Buffer[]]
      let n = keys.length
      if (me) {
        if (!isBusyKey(me) || ctx.base.replace) {
          fail(slot, `MIGRATE from ${ch.source.host}:${ch.source.port} to ${ch.target.host}:${ch.target.port}: ${errText(me)}`)
          continue
        }
        try {
          const r = await resolveBusy(pool, s, ch.source, ch.target, keys, ctx.base)
          n = r.moved
          if (r.conflicts.length) {
            bump(ctx, slot, n, moved)
            fail(slot, `${r.conflicts.length} key(s) exist on both ${ch.source.host}:${ch.source.port} and ${ch.target.host}:${ch.target.port} with different values`, r.conflicts)
            continue
          }
          ;[ge, next] = [null, (await s.callBuffer('CLUSTER', 'GETKEYSINSLOT', String(slot), String(sizers.get(slot)!.size))) as Buffer[]]
        } catch (err) {
          fail(slot, `MIGRATE (BUSYKEY retry): ${errText(err)}`)
          continue
        }
      }
      bump(ctx, slot, n, moved)
      sizers.get(slot)!.observe(ms, keys.length)
      if (ge) fail(slot, `GETKEYSINSLOT on source: ${errText(ge)}`)
      else if (next.length) pending.set(slot, next)
    }
  }
  // 4. Close the empty slots: target first, source second, every other master last.
  const failedHere = new Set(result.failed.map((f) => f.slot))
  const empty = live.filter((slot) => !stopped.has(slot) && !failedHere.has(slot))
  result.pending.push(...[...stopped].map(pair))
  if (!empty.length) return
  const fin = await setSlotsNode(pool, empty, ch.target, ch.source, ch.others)
  for (const f of fin.failed) fail(f.slot, f.error)
  for (const w of fin.warnings) {
    result.warnings.push(w)
    emit({type: 'warning', message: w})
  }
  for (const slot of fin.done) {
    result.done.push(pair(slot))
    result.slotsMoved++
    emit({type: 'slot-done', slot, keys: moved.get(slot) ?? 0})
  }
}

function bump(ctx: Ctx, slot: number, n: number, moved: Map<number, number>): void {
  if (!n) return
  moved.set(slot, (moved.get(slot) ?? 0) + n)
  ctx.result.keysMoved += n
  ctx.emit({type: 'keys-moved', slot, count: n})
}

/**
 * Move every slot of `moves` from its source to its target. Per-slot failures (conflicts, MIGRATE
 * errors) do not throw: they are in result.failed and the other slots continue; moveError(result)
 * turns the outcome into the right typed error. Throws only for bad input (unknown/unreachable node,
 * a slot listed twice).
 */
export async function moveSlots(pool: NodePool, view: ClusterView, moves: SlotMove[], opts: MoveOptions = {}): Promise<MoveResult> {
  const started = Date.now()
  const result = await moveSlotsOnce(pool, view, moves, opts)
  // A failover of a source or target mid-move: continue from the masters now serving those shards.
  if (result.failed.length && opts.followFailover !== false && !opts.signal?.aborted) {
    await followFailover(pool, view, result, opts, moveSlotsOnce)
    result.elapsedMs = Date.now() - started
  }
  return result
}

async function moveSlotsOnce(pool: NodePool, view: ClusterView, moves: SlotMove[], opts: MoveOptions): Promise<MoveResult> {
  const started = Date.now()
  const seen = new Set<number>()
  for (const m of moves) {
    if (seen.has(m.slot)) throw new RedisTsError('usage', `Slot ${m.slot} is listed twice in the move plan`)
    if (m.sourceId === m.targetId) throw new RedisTsError('usage', `Slot ${m.slot}: source and target are the same node`)
    seen.add(m.slot)
  }
  const masters = view.nodes.filter((n) => n.role === 'master' && n.reachable && !n.failed)
  const resolve = (id: string) => endpointOf(view, id, 'source/target')
  const others = (a: string, b: string) => masters.filter((n) => n.id !== a && n.id !== b).map((n) => ({id: n.id, host: n.host, port: n.port}))
  for (const m of moves) (resolve(m.sourceId), resolve(m.targetId))
  const counts = opts.counts ?? (await countSlotKeys(pool, view, moves))
  const max = Math.max(1, opts.pipeline ?? DEFAULT_PIPELINE)
  const result: MoveResult = {slotsMoved: 0, keysMoved: 0, elapsedMs: 0, keysPlanned: [...counts.values()].reduce((a, b) => a + b, 0), done: [], failed: [], pending: [], interrupted: false, warnings: []}
  const emit = opts.onEvent ?? (() => {})
  emit({type: 'start', slots: moves.length, keys: result.keysPlanned})
  const ctx: Ctx = {
    pool,
    opts,
    emit,
    max,
    result,
    base: {timeoutMs: opts.migrateTimeoutMs ?? DEFAULT_MIGRATE_TIMEOUT_MS, replace: opts.replace ?? false, copy: false, auth: authOf(pool, opts)},
  }
  const chunks = buildChunks(moves, counts, Math.max(max * 2, 200), resolve, others, opts.chunkSlots)
  await runScheduled(chunks, Math.max(1, opts.parallel ?? 4), async (ch) => {
    try {
      await moveChunk(ctx, ch)
    } catch (err) {
      // Connection-level failure: the chunk's unfinished slots are reported, others go on.
      const known = new Set([...result.done, ...result.failed, ...result.pending].map((m) => m.slot))
      for (const slot of ch.slots) if (!known.has(slot)) result.failed.push({slot, sourceId: ch.source.id, targetId: ch.target.id, error: errText(err)})
    }
  })
  result.interrupted = Boolean(opts.signal?.aborted) && result.pending.length > 0
  result.elapsedMs = Date.now() - started
  return result
}

/**
 * Run chunks on up to `parallel` workers without ever letting a node be a MIGRATE source and a
 * target at the same time. MIGRATE blocks the source until the target answers, so A→B next to B→A
 * (or any cycle) would deadlock both servers until the MIGRATE timeout; a node that only receives
 * never blocks, so this rule guarantees progress.
 */
export async function runScheduled(chunks: Chunk[], parallel: number, run: (ch: Chunk) => Promise<void>): Promise<void> {
  const todo = [...chunks]
  const asSource = new Map<string, number>()
  const asTarget = new Map<string, number>()
  const inc = (m: Map<string, number>, id: string, d: number) => m.set(id, (m.get(id) ?? 0) + d)
  const running = new Set<Promise<void>>()
  while (todo.length || running.size) {
    let i = -1
    if (running.size < parallel) i = todo.findIndex((c) => !asTarget.get(c.source.id) && !asSource.get(c.target.id))
    if (i < 0) {
      await Promise.race(running)
      continue
    }
    const ch = todo.splice(i, 1)[0]
    inc(asSource, ch.source.id, 1)
    inc(asTarget, ch.target.id, 1)
    const p: Promise<void> = run(ch).finally(() => {
      inc(asSource, ch.source.id, -1)
      inc(asTarget, ch.target.id, -1)
      running.delete(p)
    })
    running.add(p)
  }
}

/** Move one slot (same machinery). */
export async function moveSlot(pool: NodePool, view: ClusterView, move: SlotMove, opts: MoveOptions = {}): Promise<MoveResult> {
  return moveSlots(pool, view, [move], opts)
}

/**
 * Open slots a mover can roll forward: every target IMPORTING from a known source, and every source
 * MIGRATING to a known target (also when the target already took the slot, or the run was killed
 * between the IMPORTING and the MIGRATING step). moveSlots tolerates the half-done states.
 */
export function resumableMoves(view: ClusterView): SlotMove[] {
  const out = new Map<number, SlotMove>()
  const known = (id: string) => view.nodes.some((n) => n.id === id && n.role === 'master')
  for (const n of view.nodes) {
    for (const [slotText, sourceId] of Object.entries(n.importing)) {
      const slot = Number(slotText)
      if (known(sourceId) && sourceId !== n.id) out.set(slot, {slot, sourceId, targetId: n.id})
    }
  }
  for (const n of view.nodes) {
    for (const [slotText, targetId] of Object.entries(n.migrating)) {
      const slot = Number(slotText)
      if (!out.has(slot) && known(targetId) && targetId !== n.id) out.set(slot, {slot, sourceId: n.id, targetId})
    }
  }
  return [...out.values()].sort((a, b) => a.slot - b.slot)
}

/** The typed error for an unsuccessful move (undefined when everything moved). */
export function moveError(r: MoveResult, resumeHint = 'Run `redis-ts fix <node>` (rolls the open slots forward) or re-run the same command.'): RedisTsError | undefined {
  const conflicts = r.failed.filter((f) => f.conflicts?.length)
  if (conflicts.length) {
    const keys = conflicts.flatMap((f) => f.conflicts!.map((k) => `${k} (slot ${f.slot})`))
    return new RedisTsError('conflict', `${keys.length} key(s) exist on both source and target with different values; slot(s) ${conflicts.map((f) => f.slot).join(',')} left open with both copies kept: ${keys.slice(0, 20).join(', ')}${keys.length > 20 ? ', ...' : ''}`, {
      hint: 'Inspect both copies and delete the wrong one, or re-run with --replace to overwrite the target copy; then re-run or `redis-ts fix`.',
      details: {conflicts: conflicts.map((f) => ({slot: f.slot, sourceId: f.sourceId, targetId: f.targetId, keys: f.conflicts}))},
    })
  }
  if (r.failed.length) {
    return new RedisTsError('partial-failure', `${r.failed.length} slot(s) could not be moved (${r.slotsMoved} moved): slot ${r.failed[0].slot}: ${r.failed[0].error}`, {hint: resumeHint, details: {failed: r.failed}})
  }
  if (r.interrupted) {
    return new RedisTsError('interrupted', `Interrupted: ${r.slotsMoved} slot(s) moved, ${r.pending.length} not finished (open slots stay resumable)`, {hint: resumeHint, details: {pending: r.pending}})
  }
  return undefined
}

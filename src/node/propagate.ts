// The one path from a write to server.propagateHooks (replication stream, AOF), shaped like
// redis 7.0 call(): everything a top-level command propagates (lazy-expiry DELs met while it
// runs, what its handler asked for with ctx.propagateAs, the commands EXEC runs) is collected in
// one batch and emitted when it returns; a batch of more than one command is wrapped in
// MULTI ... EXEC (redis server.c propagatePendingCommands: MULTI carries the db of the first
// command, EXEC the db of the last). Outside a command (active expiry in the cron) a propagation
// is emitted at once.
// Each command carries redis's propagation target (PROPAGATE_AOF | PROPAGATE_REPL) as the hooks'
// third argument: almost everything goes to both; standalone PUBLISH goes to replicas only
// (redis publishCommand: forceCommandPropagation(c, PROPAGATE_REPL)), so the AOF hook skips ops
// whose target lacks PROPAGATE_AOF and the replication hook those lacking PROPAGATE_REPL.
// A batch is bound to one server: several nodes may run in one process (tests), and only the
// node whose command is running synchronously can be inside a batch.
import type {NodeServer} from './server.js'

export const PROPAGATE_AOF = 1
export const PROPAGATE_REPL = 2
export const PROPAGATE_ALL = PROPAGATE_AOF | PROPAGATE_REPL

export type Op = [db: number, argv: string[], target?: number]
/** What server.propagateHooks entries receive (a two-parameter hook just ignores the target). */
export type TargetedHook = (db: number, argv: string[], target: number) => void

export interface Batch {
  readonly server: NodeServer
  readonly ops: Op[]
  prev: Batch | null
  /** EXEC went async: the batch stays open until EXEC settles (see dispatcher call) */
  deferred: boolean
  /** Never wrapped in MULTI/EXEC: a top-level SCAN or RANDOMKEY (CMD_TOUCHES_ARBITRARY_KEYS). */
  noMulti?: boolean
}

let current: Batch | null = null

/** Propagate one command: into the running command's batch, or straight to the hooks. */
export function propagate(server: NodeServer, db: number, argv: string[], target = PROPAGATE_ALL): void {
  const b = current
  if (b !== null && b.server === server) b.ops.push([db, argv, target])
  else emit(server, [[db, argv, target]])
}

/** The batch of the command running on `server` right now, if any (EXEC nests its commands in it). */
export function activeBatch(server: NodeServer): Batch | null {
  return current !== null && current.server === server ? current : null
}

/** Start collecting for a top-level command. */
export function openBatch(server: NodeServer, noMulti = false): Batch {
  const b: Batch = {server, ops: [], prev: current, deferred: false, noMulti}
  current = b
  return b
}

/** Stop collecting while a command awaits (other clients run meanwhile); resumeBatch continues. */
export function suspendBatch(b: Batch): void {
  if (current === b) current = b.prev
}

export function resumeBatch(b: Batch): void {
  b.prev = current
  current = b
}

/** End of the top-level command: emit what it collected. */
export function closeBatch(b: Batch): void {
  if (current === b) current = b.prev
  b.prev = null
  if (b.ops.length !== 0) emit(b.server, b.ops, b.noMulti)
}

/** Add ops to a batch, or emit them as their own unit when there is none. */
export function propagateOps(server: NodeServer, batch: Batch | null, ops: Op[]): void {
  if (ops.length === 0) return
  if (batch !== null) for (const op of ops) batch.ops.push(op)
  else emit(server, ops)
}

function emit(server: NodeServer, ops: Op[], noMulti = false): void {
  const hooks = server.propagateHooks as TargetedHook[]
  if (hooks.length === 0) return
  const wrap = ops.length > 1 && !noMulti
  for (const h of hooks) {
    if (wrap) h(ops[0][0], ['MULTI'], PROPAGATE_ALL)
    for (const [db, argv, target] of ops) h(db, argv, target ?? PROPAGATE_ALL)
    if (wrap) h(ops[ops.length - 1][0], ['EXEC'], PROPAGATE_ALL)
  }
}

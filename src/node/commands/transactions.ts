// MULTI / EXEC / DISCARD / WATCH / UNWATCH (redis multi.c). Queuing itself happens in the
// dispatcher (commands are validated when queued; a rejected one makes EXEC fail with EXECABORT).
import {E} from '../errors.js'
import {call} from '../dispatcher.js'
import {ACL_OK, DENIED_CHANNEL, DENIED_CMD, DENIED_KEY} from '../acl/acl.js'
import {activeBatch, resumeBatch, suspendBatch} from '../propagate.js'
import type {Session} from '../session.js'
import {cmd, type CommandContext, type CommandSpec} from './types.js'

const F = ['noscript', 'loading', 'stale', 'fast'] as const
export const commands: CommandSpec[] = [
  cmd('multi', 1, [...F], 0, multi),
  cmd('exec', 1, ['noscript', 'loading', 'stale'], 0, exec),
  cmd('discard', 1, [...F], 0, discard),
  cmd('watch', -2, [...F], [1, -1, 1], watch),
  cmd('unwatch', 1, [...F], 0, (ctx) => {
    ctx.server.unwatchAll(ctx.session)
    ctx.reply.ok()
  }),
]

function multi(ctx: CommandContext): void {
  if (ctx.session.multi) return ctx.reply.error(E.MULTI_NESTED)
  ctx.session.multi = {queue: [], aborted: false}
  ctx.reply.ok()
}

function discard(ctx: CommandContext): void {
  if (!ctx.session.multi) return ctx.reply.error(E.DISCARD_NO_MULTI)
  ctx.session.multi = null
  ctx.server.unwatchAll(ctx.session)
  ctx.reply.ok()
}

function watch(ctx: CommandContext, argv: string[]): void {
  if (ctx.session.multi) return ctx.reply.error(E.WATCH_IN_MULTI)
  for (let i = 1; i < argv.length; i++) ctx.server.watch(ctx.session, ctx.session.dbIndex, argv[i])
  ctx.reply.ok()
}

/** redis 7.0 isWatchedKeyExpired: a watched key that was live then and is expired now aborts EXEC. */
function watchedKeyExpired(ctx: CommandContext, s: Session): boolean {
  if (!s.watched) return false
  for (const w of s.watched.values()) {
    if (!w.expired && ctx.server.db(w.db).isStale(w.key)) return true
  }
  return false
}

function exec(ctx: CommandContext): void | Promise<void> {
  const s = ctx.session
  const m = s.multi
  if (!m) return ctx.reply.error(E.EXEC_NO_MULTI)
  s.multi = null
  if (m.aborted) {
    ctx.server.unwatchAll(s)
    return ctx.reply.error(E.EXECABORT)
  }
  if (s.dirtyCas || watchedKeyExpired(ctx, s)) {
    ctx.server.unwatchAll(s)
    return ctx.reply.nullArray()
  }
  ctx.server.unwatchAll(s)
  ctx.reply.array(m.queue.length)
  // The queued commands propagate into EXEC's batch (dispatcher call), which reaches replicas
  // and the AOF wrapped in MULTI ... EXEC when it holds more than one command (redis 7.0
  // propagatePendingCommands); EXEC itself is never propagated.
  const batch = activeBatch(ctx.server)
  const done = () => {
    s.flags.delete('exec')
    ctx.server.inExec--
    s.propagateOverride = []
  }
  s.flags.add('exec')
  ctx.server.inExec++
  for (let i = 0; i < m.queue.length; i++) {
    const {spec, argv} = m.queue[i]
    const r = execOne(s, spec, argv)
    if (r !== undefined) {
      // A handler went async (MIGRATE inside MULTI): finish the rest in order, in the same batch.
      if (batch !== null) batch.deferred = true
      return (async () => {
        if (batch !== null) suspendBatch(batch)
        await r
        for (let j = i + 1; j < m.queue.length; j++) {
          if (batch !== null) resumeBatch(batch)
          const rj = execOne(s, m.queue[j].spec, m.queue[j].argv)
          if (batch !== null) suspendBatch(batch)
          await rj
        }
        done()
      })()
    }
  }
  done()
}

const EXEC_ACL_REASON: Record<number, string> = {
  [DENIED_CMD]: 'no permission to execute the command or subcommand',
  [DENIED_KEY]: 'no permission to touch the specified keys',
  [DENIED_CHANNEL]: 'no permission to access one of the channels used as arguments',
}

/** One queued command: ACLs are checked again at EXEC time (they may have changed since queuing). */
function execOne(s: Session, spec: CommandSpec, argv: string[]): void | Promise<void> {
  if (!s.aclUser.unrestricted && !s.fromMaster) {
    const r = s.server.acl.check(s.aclUser, spec, argv)
    if (r.result !== ACL_OK) {
      s.server.acl.logDenied(s, r, spec, argv, 'multi')
      s.reply.error(
        `NOPERM ACLs rules changed between the moment the transaction was accumulated and the EXEC call. This command is no longer allowed for the following reason: ${EXEC_ACL_REASON[r.result] ?? 'no permission'}`,
      )
      return
    }
  }
  return call(s, spec, argv)
}

// Shared by reshard and rebalance: run the slot mover with a progress renderer and Ctrl-C handling,
// then report its result (slots/s and keys/s, warnings, findings) or throw the typed error of an
// interrupted or failed move with the resume hint.
import {moveError, type MoveEvent, type MoveResult} from '../admin/exec/move.js'
import type {ApplyMovesResult} from '../admin/exec/reshard.js'
import {slotsPerSecond} from '../ui/format/reshard.js'
import {RedisTsError} from '../errors.js'
import type {Output} from '../ui/output.js'
import {createProgress, interruptSignal} from '../ui/progress.js'

export async function withMoveProgress<T>(json: boolean, label: string, run: (signal: AbortSignal, onEvent: (e: MoveEvent) => void) => Promise<T>): Promise<T> {
  const progress = createProgress({json, label})
  const intr = interruptSignal(() => progress.note('Interrupted: finishing the batch in flight, then stopping (slots stay resumable)...'))
  try {
    return await run(intr.signal, (e) => {
      progress.onEvent(e)
      if (e.type === 'slot-failed') progress.note(`[ERR] Slot ${e.slot}: ${e.error}${e.conflicts ? `: ${e.conflicts.slice(0, 20).join(' ')}` : ''}`)
    })
  } finally {
    progress.stop()
    intr.dispose()
  }
}

export function moveSummary(m: MoveResult, res: Pick<ApplyMovesResult, 'keysPerSecond' | 'converged' | 'findings'>): Record<string, unknown> {
  return {slotsMoved: m.slotsMoved, keysMoved: m.keysMoved, elapsedMs: m.elapsedMs, slotsPerSecond: slotsPerSecond(m), keysPerSecond: res.keysPerSecond, converged: res.converged, failed: m.failed, pending: m.pending, warnings: m.warnings, findings: res.findings}
}

/** Render a finished move; throws (with the summary as details) when it was interrupted or failed. */
export function reportMove(out: Output, res: ApplyMovesResult, resumeHint: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const m = res.move
  const secs = (m.elapsedMs / 1000).toFixed(2)
  const summary = {...extra, ...moveSummary(m, res)}
  for (const w of m.warnings) out.warn(w)
  const err = moveError(m, resumeHint)
  if (err) {
    out.err(`Moved ${m.slotsMoved} slots and ${m.keysMoved} keys in ${secs}s before stopping.`)
    throw new RedisTsError(err.kind, err.message, {hint: err.hint, details: {...summary, ...(err.details as object)}})
  }
  out.ok(`Moved ${m.slotsMoved} slots and ${m.keysMoved} keys in ${secs}s (${slotsPerSecond(m)} slots/s, ${res.keysPerSecond} keys/s).`)
  if (!res.converged) out.warning('The nodes did not agree on the new slot map within 20s; run `redis-ts check` again shortly.')
  for (const finding of res.findings) out.warning(finding.message)
  return summary
}

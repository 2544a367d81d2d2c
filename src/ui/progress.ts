// Renders mover progress events on stderr: a cli-progress bar on a TTY (slots, keys, keys/s, ETA),
// a plain line every few seconds otherwise, nothing under --json. Never writes to stdout.
import cliProgress from 'cli-progress'

export interface ProgressEvent {
  type: string
  slots?: number
  keys?: number
  count?: number
}

export interface ProgressRenderer {
  onEvent(e: ProgressEvent): void
  /** stop the bar / print a last line */
  stop(): void
  /** a message that must not tangle with the bar */
  note(text: string): void
}

export interface ProgressOptions {
  json: boolean
  stream?: NodeJS.WriteStream
  /** override TTY detection (tests) */
  tty?: boolean
  /** plain mode: ms between lines; default 2500 */
  intervalMs?: number
  label?: string
  /** what the bar counts: slots (reshard, rebalance) or keys (import) */
  unit?: 'slots' | 'keys'
}

export function formatRate(n: number): string {
  return n >= 10000 ? `${Math.round(n / 1000)}k` : String(Math.round(n))
}

export function formatEta(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '?'
  if (seconds < 60) return `${Math.ceil(seconds)}s`
  const m = Math.floor(seconds / 60)
  return `${m}m${String(Math.round(seconds % 60)).padStart(2, '0')}s`
}

class Counters {
  slotsTotal = 0
  keysTotal = 0
  slots = 0
  keys = 0
  started = Date.now()
  apply(e: ProgressEvent): void {
    if (e.type === 'start') {
      this.slotsTotal = e.slots ?? 0
      this.keysTotal = e.keys ?? 0
      this.started = Date.now()
    } else if (e.type === 'keys-moved') this.keys += e.count ?? 0
    else if (e.type === 'slot-done') this.slots++
  }
  rate(): number {
    const s = (Date.now() - this.started) / 1000
    return s > 0 ? this.keys / s : 0
  }
  eta(): number {
    const r = this.rate()
    if (this.keysTotal > 0 && r > 0) return (this.keysTotal - this.keys) / r
    const s = (Date.now() - this.started) / 1000
    return this.slots > 0 ? ((this.slotsTotal - this.slots) * s) / this.slots : NaN
  }
  line(label: string): string {
    const secs = (Date.now() - this.started) / 1000
    const slots = this.slotsTotal ? ` ${this.slots}/${this.slotsTotal} slots (${formatRate(secs > 0 ? this.slots / secs : 0)} slots/s),` : ''
    return `${label}${slots} ${this.keys}/${this.keysTotal} keys, ${formatRate(this.rate())} keys/s, ETA ${formatEta(this.eta())}`
  }
}

export function createProgress(opts: ProgressOptions): ProgressRenderer {
  const stream = opts.stream ?? process.stderr
  const label = opts.label ?? 'Moving'
  if (opts.json) return {onEvent: () => {}, stop: () => {}, note: () => {}}
  const c = new Counters()
  const tty = opts.tty ?? Boolean(stream.isTTY)
  const byKeys = opts.unit === 'keys'
  if (tty) {
    const bar = new cliProgress.SingleBar(
      {
        stream,
        format: byKeys ? `${label} [{bar}] {value}/{total} keys | {rate} keys/s | ETA {etaText}` : `${label} [{bar}] {value}/{total} slots | {keys}/{keysTotal} keys | {rate} keys/s | ETA {etaText}`,
        hideCursor: true,
        // Cleared on stop, then one plain summary line: nothing of the bar may tangle with the
        // final message (it goes to stdout right after).
        clearOnComplete: true,
        fps: 10,
      },
      cliProgress.Presets.shades_classic,
    )
    let running = false
    const payload = () => ({keys: c.keys, keysTotal: c.keysTotal, rate: formatRate(c.rate()), etaText: formatEta(c.eta())})
    return {
      onEvent(e) {
        c.apply(e)
        if (e.type === 'start') {
          bar.start(byKeys ? c.keysTotal : c.slotsTotal, 0, payload())
          running = true
        } else if (running) bar.update(byKeys ? Math.min(c.keys, c.keysTotal) : c.slots, payload())
      },
      stop() {
        if (running) {
          bar.stop()
          stream.write('\r\x1b[2K' + c.line(label) + '\n')
        }
        running = false
      },
      note(text) {
        if (running) stream.write('\r\x1b[2K')
        stream.write(text + '\n')
      },
    }
  }
  let last = 0
  const every = opts.intervalMs ?? 2500
  let printedAny = false
  return {
    onEvent(e) {
      c.apply(e)
      const now = Date.now()
      if (e.type === 'start') last = now
      else if (now - last >= every) {
        last = now
        printedAny = true
        stream.write(c.line(label) + '\n')
      }
    },
    stop() {
      if (printedAny) stream.write(c.line(label) + '\n')
    },
    note(text) {
      stream.write(text + '\n')
    },
  }
}

/**
 * SIGINT/SIGTERM → abort the signal (the mover finishes the batch in flight and leaves the slot open
 * and resumable); a second Ctrl-C exits at once (still safe: MIGRATE is atomic per batch).
 */
export function interruptSignal(onFirst: (sig: string) => void): {signal: AbortSignal; dispose: () => void} {
  const ac = new AbortController()
  const handler = (sig: NodeJS.Signals) => {
    if (ac.signal.aborted) process.exit(130)
    onFirst(sig)
    ac.abort()
  }
  process.on('SIGINT', handler)
  process.on('SIGTERM', handler)
  return {
    signal: ac.signal,
    dispose: () => {
      process.off('SIGINT', handler)
      process.off('SIGTERM', handler)
    },
  }
}

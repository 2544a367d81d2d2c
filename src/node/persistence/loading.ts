// The pauses of a start-up load (AOF or RDB), shared by both loaders.
import type {NodeServer} from '../server.js'
import {KeyPacer} from './snapshot.js'

/** The start-up load was cut short by a shutdown (SHUTDOWN or a signal while loading). */
export class LoadAborted extends Error {}

/**
 * Pauses of a start-up load (redis rdbLoadProgressCallback → processEventsWhileBlocked): every
 * `loading-process-events-interval-bytes` the load gives the event loop a turn, so clients are
 * answered (-LOADING, INFO's loading fields) and the start can be shut down; with `key-load-delay`
 * (redis debugDelay per key) the turn lasts as long as the keys read since owe.
 */
export class LoadBreaks {
  private readonly pacer: KeyPacer
  private lastBreak = 0

  constructor(private readonly server: NodeServer) {
    this.pacer = new KeyPacer(() => server.config.int('key-load-delay'))
  }

  /** Read size per step: the interval, at most 1 MiB. */
  chunk(): number {
    return Math.min(1 << 20, Math.max(1024, this.server.config.int('loading-process-events-interval-bytes')))
  }

  /** After `bytes` bytes and `keys` keys: resolves once the event loop had its turn (null: no turn due). */
  after(bytes: number, keys: number): Promise<void> | null {
    const wait = this.pacer.owe(keys)
    const interval = Math.max(1024, this.server.config.int('loading-process-events-interval-bytes'))
    if (wait === 0 && Math.floor(bytes / interval) === Math.floor(this.lastBreak / interval)) return null
    this.lastBreak = bytes
    return new Promise<void>((resolve, reject) => {
      const go = () => (this.server.shuttingDown ? reject(new LoadAborted('shut down while loading')) : resolve())
      if (wait > 0) setTimeout(go, wait)
      else setImmediate(go)
    })
  }
}

// The AOF write path (redis 7.0 feedAppendOnlyFile + flushAppendOnlyFile): propagated commands
// are encoded as RESP into one buffer (SELECT when the db changes, #TS annotations when
// enabled); the buffer is written to the open INCR file once per event-loop turn, and the
// replies of that turn are held until then (server.beforeReply). Under appendfsync always the
// same step fdatasyncs, so no client sees the reply to a write that is not on disk, at the
// cost of one fsync per turn for all clients (not one per client); everysec fsyncs on libuv's
// pool at most once a second; no leaves it to the kernel.
import {close, closeSync, fdatasync, fdatasyncSync, writeSync} from 'node:fs'
import type {NodeServer} from '../server.js'
import type {Session} from '../session.js'
import {respCommand} from './aof-base.js'
import {hasActiveChild} from './rdb-save.js'

export class AofWriter {
  fd: number | null = null
  private buf = ''
  private selectedDb = -1
  /** aof_current_size: BASE + INCR bytes (the owner resets it after a rewrite). */
  currentSize = 0
  private incrSize = 0
  private incrFsynced = 0
  private lastFsync = 0
  private fsyncInFlight = false
  /** Last write error (everysec/no): writes are refused with MISCONF until a write succeeds. */
  writeError: string | null = null
  timestamps = false
  private curTimestamp = 0
  private endOfTurnScheduled = false
  /** sessions whose replies wait for this turn's write (+ fsync) */
  private readonly held = new Set<Session>()

  constructor(
    private readonly server: NodeServer,
    /** no-appendfsync-on-rewrite while a rewrite runs */
    private readonly fsyncSuspended: () => boolean,
  ) {}

  private get policy(): string {
    return this.server.config.get('appendfsync')
  }

  get bufferLength(): number {
    return this.buf.length
  }

  get fsyncPending(): boolean {
    return this.fsyncInFlight
  }

  /** feedAppendOnlyFile. */
  append(db: number, argv: string[]): void {
    if (this.timestamps) {
      // aof-timestamp-enabled: "#TS:<unix time>" whenever the second changes (loaders skip '#').
      const now = Math.floor(Date.now() / 1000)
      if (now > this.curTimestamp) {
        this.curTimestamp = now
        this.buf += `#TS:${now}\r\n`
      }
    }
    if (db !== this.selectedDb) {
      const d = String(db)
      this.buf += `*2\r\n$6\r\nSELECT\r\n$${d.length}\r\n${d}\r\n`
      this.selectedDb = db
    }
    this.buf += respCommand(argv)
    // Writes no reply follows (expiry DELs from the cron, cluster deletes) reach the file at
    // the end of this turn too.
    if (!this.endOfTurnScheduled) this.scheduleEndOfTurn()
  }

  /** Forces a SELECT before the next command (a new file starts without a selected db). */
  forgetDb(): void {
    this.selectedDb = -1
  }

  private needsFlush(): boolean {
    if (this.fd === null) return false
    if (this.buf.length !== 0) return true
    return this.policy === 'always' && this.incrFsynced !== this.incrSize && !this.fsyncSuspended()
  }

  /**
   * Session.flush asks before writing a reply. Like redis (replies leave in beforeSleep after
   * flushAppendOnlyFile), a reply is held while there is something to write or sync, and
   * released at the end of this event-loop turn. Replies to pure reads pass straight through.
   */
  beforeReply(s: Session): boolean {
    // After a failed write (everysec/no) replies go out; writes are refused with MISCONF.
    if (this.writeError !== null || !this.needsFlush()) return false
    this.held.add(s)
    if (!this.endOfTurnScheduled) this.scheduleEndOfTurn()
    return true
  }

  private scheduleEndOfTurn(): void {
    this.endOfTurnScheduled = true
    // setImmediate runs after every socket read of this poll phase: one write for all of them.
    setImmediate(() => {
      this.endOfTurnScheduled = false
      this.flush()
      if (this.held.size === 0) return
      const held = [...this.held]
      this.held.clear()
      for (const s of held) s.flush()
    })
  }

  /** flushAppendOnlyFile: write the buffer, then fsync per policy. */
  flush(): void {
    const fd = this.fd
    if (fd === null) return
    const policy = this.policy
    if (this.buf.length !== 0) {
      const data = Buffer.from(this.buf, 'latin1')
      const t0 = Date.now()
      try {
        let off = 0
        while (off < data.length) off += writeSync(fd, data, off, data.length - off)
      } catch (e) {
        this.writeFailed(e as Error, policy)
        return
      }
      const ins = this.server.insight
      if (ins.latencyThreshold !== 0) {
        // redis flushAppendOnlyFile: the write's event by what it ran beside, and aof-write for all
        const ms = Date.now() - t0
        ins.latencySample(this.fsyncInFlight ? 'aof-write-pending-fsync' : hasActiveChild(this.server) ? 'aof-write-active-child' : 'aof-write-alone', ms)
        ins.latencySample('aof-write', ms)
      }
      if (this.writeError !== null) {
        this.server.log.warning('AOF write error looks solved, Redis can write again.')
        this.writeError = null
      }
      this.buf = ''
      this.currentSize += data.length
      this.incrSize += data.length
    }
    if (this.fsyncSuspended()) return
    if (policy === 'always') {
      if (this.incrFsynced === this.incrSize) return
      try {
        this.server.insight.timed('aof-fsync-always', () => fdatasyncSync(fd))
      } catch (e) {
        this.server.log.warning(`Can't persist AOF for fsync error when the AOF fsync policy is 'always': ${(e as Error).message}. Exiting...`)
        process.exit(1)
      }
      this.incrFsynced = this.incrSize
      this.lastFsync = Date.now()
    } else if (policy === 'everysec' && Date.now() - this.lastFsync >= 1000) this.backgroundFsync()
  }

  private writeFailed(e: Error, policy: string): void {
    this.server.log.warning(`Error writing to the AOF file: ${e.message}`)
    if (policy === 'always') {
      // The write cannot be undone and the contract is "acknowledged = on disk": redis exits.
      this.server.log.warning("Can't recover from AOF write error when the AOF fsync policy is 'always'. Exiting...")
      process.exit(1)
    }
    this.writeError = e.message
  }

  private backgroundFsync(): void {
    const fd = this.fd
    if (fd === null || this.fsyncInFlight || this.incrFsynced === this.incrSize) return
    this.fsyncInFlight = true
    const offset = this.incrSize
    this.lastFsync = Date.now()
    fdatasync(fd, (err) => {
      this.fsyncInFlight = false
      if (err) this.server.log.warning(`Error syncing the AOF file: ${err.message}`)
      else if (fd === this.fd) this.incrFsynced = offset
    })
  }

  /** Cron (100 ms): retry a failed write, everysec's background fsync. */
  tick(): void {
    if (this.buf.length !== 0 && this.writeError !== null) this.flush()
    if (this.policy === 'everysec' && Date.now() - this.lastFsync >= 1000 && !this.fsyncSuspended()) this.backgroundFsync()
  }

  /** Append to `fd` from now on (size = its current length); the old file is synced and closed in the background. */
  switchTo(fd: number, size: number): void {
    const old = this.fd
    if (old !== null) fdatasync(old, () => close(old, () => {}))
    this.fd = fd
    this.incrSize = this.incrFsynced = size
    this.selectedDb = -1
    this.lastFsync = Date.now()
  }

  /** Write what is buffered, fsync, close (stopAppendOnly / shutdown). */
  close(): void {
    this.flush()
    if (this.fd !== null) {
      try {
        fdatasyncSync(this.fd)
      } catch (e) {
        this.server.log.warning(`Fail to fsync the AOF file: ${(e as Error).message}`)
      }
      closeSync(this.fd)
      this.fd = null
    }
    this.discard()
  }

  /** Drop the file and the buffer without writing (a failed WAIT_REWRITE start). */
  discard(): void {
    if (this.fd !== null) {
      try {
        closeSync(this.fd)
      } catch {}
    }
    this.fd = null
    this.buf = ''
    this.selectedDb = -1
    this.incrSize = this.incrFsynced = 0
  }

  get incrLength(): number {
    return this.incrSize
  }
}

// The append-only file (redis 7.0 aof.c, multi-part): one propagation hook encodes every
// propagated command as RESP (SELECT when the db changes, like feedAppendOnlyFile) into a
// buffer that is written before any reply leaves the node (server.beforeReply, called by
// Session.flush) and otherwise once per event-loop turn. appendfsync always fdatasyncs in that
// same synchronous step, so a client never sees a reply to a write that is not on disk;
// everysec fsyncs in the background once a second; no leaves it to the kernel.
// BGREWRITEAOF / automatic rewrite / CONFIG SET appendonly yes: switch to a new INCR file
// and take the point-in-time view in the same synchronous step, write the BASE from it in
// slices between event-loop turns, then swap the manifest and delete the history files.
import {closeSync, fdatasync, fdatasyncSync, close, mkdirSync, openSync, renameSync, statSync, unlinkSync, writeSync} from 'node:fs'
import {join} from 'node:path'
import type {NodeServer} from '../server.js'
import type {Session} from '../session.js'
import {cmd, type CommandContext} from '../commands/types.js'
import {AofManifest} from './aof-manifest.js'
import {openBaseSource, respCommand, type BaseSource} from './aof-base.js'
import {aofPaths, loadAofFiles, AofLoadError} from './aof-load.js'

export {AofLoadError} from './aof-load.js'

type State = 'off' | 'on' | 'wait-rewrite'

interface Rewrite {
  source: BaseSource
  tmpName: string
  fd: number
  startedAt: number
}

const instances = new WeakMap<NodeServer, Aof>()

/** Registers the AOF module on a server (idempotent): hook, BGREWRITEAOF, config, INFO, cron. */
export function installAof(server: NodeServer): Aof {
  let aof = instances.get(server)
  if (!aof) instances.set(server, (aof = new Aof(server)))
  return aof
}

/** Start-up with appendonly yes: load BASE + INCR files, then open the AOF for appending. */
export async function loadAof(server: NodeServer): Promise<void> {
  await installAof(server).loadAndOpen()
}

export class Aof {
  state: State = 'off'
  private fd: number | null = null
  private buf = ''
  private selectedDb = -1
  private manifest = new AofManifest()
  private currentSize = 0
  private baseSize = 0
  private lastIncrSize = 0
  private lastIncrFsyncOffset = 0
  private lastFsync = 0
  private fsyncInFlight = false
  private writeError: string | null = null
  private endOfTurnScheduled = false
  /** sessions whose replies wait for this turn's AOF write (+ fsync) */
  private readonly held = new Set<Session>()
  private rewrite: Rewrite | null = null
  private rewriteScheduled = false
  private lastRewriteTimeSec = -1
  private lastBgrewriteOk = true
  private rewrites = 0
  private consecutiveFailures = 0
  private cron: NodeJS.Timeout | null = null

  constructor(private readonly server: NodeServer) {
    server.propagateHooks.push((db, argv) => this.feed(db, argv))
    server.beforeReply.push((s) => this.beforeReply(s))
    server.guards.push((_s, spec) =>
      this.writeError !== null && this.state !== 'off' && spec.flags.includes('write') ? `MISCONF Errors writing to the AOF file: ${this.writeError}` : null,
    )
    server.registerCommands([
      cmd('bgrewriteaof', 1, ['admin', 'noscript'], 0, (ctx) => this.bgrewriteaofCommand(ctx)),
    ])
    server.config.onChange.push((name, value) => {
      if (name !== 'appendonly') return
      if (value === 'yes' && this.state === 'off') this.startAppendOnly()
      else if (value === 'no' && this.state !== 'off') this.stopAppendOnly()
    })
    server.aofInfo = () => this.infoLines()
    server.shutdownHooks.push(() => this.shutdown())
    this.cron = setInterval(() => this.tick(), 100)
    this.cron.unref()
  }

  private get fsyncPolicy(): string {
    return this.server.config.get('appendfsync')
  }

  private get paths() {
    return aofPaths(this.server)
  }

  // ---- start-up -------------------------------------------------------------------------

  async loadAndOpen(): Promise<void> {
    const start = performance.now()
    const r = await loadAofFiles(this.server)
    this.manifest = r.manifest
    this.currentSize = r.totalSize
    this.baseSize = r.baseSize
    if (r.status !== 'not-exist') this.server.log.notice(`DB loaded from append only file: ${((performance.now() - start) / 1000).toFixed(3)} seconds`)
    this.openOnStart()
  }

  /** aofOpenIfNeededOnServerStart: BASE for an empty start, then the last INCR file (or a new one). */
  private openOnStart(): void {
    const {aofDir, filename} = this.paths
    try {
      mkdirSync(aofDir, {recursive: true})
      const m = this.manifest
      const hadIncr = m.incr.length > 0
      if (!m.base && !hadIncr) {
        const name = m.newBase(filename, this.preamble)
        this.writeBaseSync(join(aofDir, name))
        this.baseSize = this.currentSize = statSync(join(aofDir, name)).size
        this.server.log.notice(`Creating AOF base file ${name} on server start`)
      }
      const incr = hadIncr ? m.incr[m.incr.length - 1].name : m.newIncr(filename)
      this.fd = openSync(join(aofDir, incr), 'a', 0o644)
      m.persist(aofDir, filename)
      this.lastIncrSize = this.lastIncrFsyncOffset = statSync(join(aofDir, incr)).size
      this.server.log.notice(`${hadIncr ? 'Opening' : 'Creating'} AOF incr file ${incr} on server start`)
    } catch (e) {
      if (e instanceof AofLoadError) throw e
      this.server.log.warning(`Can't open the append-only file: ${(e as Error).message}`)
      throw new AofLoadError(`Can't open the append-only file: ${(e as Error).message}`)
    }
    this.state = 'on'
    this.selectedDb = -1
    this.lastFsync = Date.now()
  }

  private get preamble(): boolean {
    return this.server.config.bool('aof-use-rdb-preamble')
  }

  private writeBaseSync(path: string): void {
    const tmp = join(this.paths.dir, `temp-rewriteaof-${process.pid}.aof`)
    const fd = openSync(tmp, 'w', 0o644)
    try {
      const src = openBaseSource(this.server, this.preamble)
      for (let c = src.next(); c !== null; c = src.next()) writeAll(fd, c)
      fdatasyncSync(fd)
    } finally {
      closeSync(fd)
    }
    renameSync(tmp, path)
  }

  // ---- the write path -------------------------------------------------------------------

  private feed(db: number, argv: string[]): void {
    // redis feeds the buffer while ON, and while WAIT_REWRITE once the rewrite has started.
    if (this.state === 'off' || (this.state === 'wait-rewrite' && this.rewrite === null)) return
    if (db !== this.selectedDb) {
      const d = String(db)
      this.buf += `*2\r\n$6\r\nSELECT\r\n$${d.length}\r\n${d}\r\n`
      this.selectedDb = db
    }
    this.buf += respCommand(argv)
    // Writes that no reply follows (expiry DELs from the cron, cluster deletes) reach the
    // file at the end of this turn too.
    if (!this.endOfTurnScheduled) this.scheduleEndOfTurn()
  }

  /**
   * Session.flush asks before writing a reply. Like redis (replies leave in the next
   * beforeSleep, after flushAppendOnlyFile), a reply is held while the buffer holds
   * propagated commands, and released at the end of this event-loop turn, after one write
   * (+ fdatasync under always) that covers every session served in the turn: one fsync per
   * turn, not per client. Reads that propagated nothing pass straight through.
   */
  private beforeReply(s: Session): boolean {
    // After a failed write (everysec/no) replies go out; writes are refused with MISCONF.
    if (this.fd === null || this.writeError !== null) return false
    if (this.buf.length === 0 && (this.lastIncrFsyncOffset === this.lastIncrSize || this.fsyncPolicy !== 'always')) return false
    this.held.add(s)
    if (!this.endOfTurnScheduled) this.scheduleEndOfTurn()
    return true
  }

  private scheduleEndOfTurn(): void {
    this.endOfTurnScheduled = true
    setImmediate(() => {
      this.endOfTurnScheduled = false
      this.flush(false)
      if (this.held.size === 0) return
      const held = [...this.held]
      this.held.clear()
      for (const s of held) s.flush()
    })
  }

  /** flushAppendOnlyFile: write the buffer, then fsync per policy. */
  // redis postpones an everysec write while a background fsync runs; here the write goes
  // ahead (the fsync runs on libuv's pool), so `force` only documents the call sites.
  flush(_force: boolean): void {
    const fd = this.fd
    if (fd === null) return
    const policy = this.fsyncPolicy
    if (this.buf.length !== 0) {
      const data = Buffer.from(this.buf, 'latin1')
      let written = 0
      try {
        written = writeAll(fd, data)
      } catch (e) {
        this.writeFailed(e as NodeJS.ErrnoException, policy)
        return
      }
      if (this.writeError !== null) {
        this.server.log.warning('AOF write error looks solved, Redis can write again.')
        this.writeError = null
      }
      this.buf = ''
      this.currentSize += written
      this.lastIncrSize += written
    }
    if (policy === 'always') {
      if (this.lastIncrFsyncOffset === this.lastIncrSize) return
      try {
        fdatasyncSync(fd)
      } catch (e) {
        this.server.log.warning(`Can't persist AOF for fsync error when the AOF fsync policy is 'always': ${(e as Error).message}. Exiting...`)
        process.exit(1)
      }
      this.lastIncrFsyncOffset = this.lastIncrSize
      this.lastFsync = Date.now()
    } else if (policy === 'everysec' && Date.now() - this.lastFsync >= 1000) this.backgroundFsync()
  }

  private writeFailed(e: NodeJS.ErrnoException, policy: string): void {
    this.server.log.warning(`Error writing to the AOF file: ${e.message}`)
    if (policy === 'always') {
      // The reply is about to be sent and the write cannot be undone: redis exits.
      this.server.log.warning("Can't recover from AOF write error when the AOF fsync policy is 'always'. Exiting...")
      process.exit(1)
    }
    this.writeError = e.code ? `${e.message}` : String(e)
  }

  private backgroundFsync(): void {
    const fd = this.fd
    if (fd === null || this.fsyncInFlight || this.lastIncrFsyncOffset === this.lastIncrSize) return
    this.fsyncInFlight = true
    const offset = this.lastIncrSize
    this.lastFsync = Date.now()
    fdatasync(fd, (err) => {
      this.fsyncInFlight = false
      if (err) this.server.log.warning(`Error syncing the AOF file: ${err.message}`)
      else if (fd === this.fd) this.lastIncrFsyncOffset = offset
    })
  }

  private tick(): void {
    if (this.state === 'off' && !this.rewriteScheduled) return
    if (this.buf.length !== 0 && this.writeError !== null) this.flush(false)
    if (this.fsyncPolicy === 'everysec' && Date.now() - this.lastFsync >= 1000) this.backgroundFsync()
    if (this.rewrite !== null) return
    if (this.rewriteScheduled) {
      this.startRewrite()
      return
    }
    const perc = this.server.config.int('auto-aof-rewrite-percentage')
    if (this.state === 'on' && perc > 0 && this.currentSize > this.server.config.int('auto-aof-rewrite-min-size')) {
      const base = this.baseSize || 1
      const growth = Math.floor((this.currentSize * 100) / base) - 100
      if (growth >= perc) {
        this.server.log.notice(`Starting automatic rewriting of AOF on ${growth}% growth`)
        this.startRewrite()
      }
    }
  }

  // ---- rewrite --------------------------------------------------------------------------

  private bgrewriteaofCommand(ctx: CommandContext): void {
    if (this.rewrite !== null) return ctx.reply.error('ERR Background append only file rewriting already in progress')
    if (ctx.session.flags.has('exec')) {
      this.rewriteScheduled = true
      this.consecutiveFailures = 0
      return ctx.reply.simple('Background append only file rewriting scheduled')
    }
    if (this.startRewrite()) ctx.reply.simple('Background append only file rewriting started')
    else ctx.reply.error("ERR Can't execute an AOF background rewriting. Please check the server logs for more information.")
  }

  /** rewriteAppendOnlyFileBackground: new INCR + point-in-time view in one synchronous step. */
  startRewrite(): boolean {
    if (this.rewrite !== null) return false
    const {dir, aofDir} = this.paths
    let tmpFd: number | null = null
    try {
      mkdirSync(aofDir, {recursive: true})
      this.selectedDb = -1
      this.flush(true)
      this.openNewIncr()
      const tmpName = `temp-rewriteaof-bg-${process.pid}.aof`
      tmpFd = openSync(join(dir, tmpName), 'w', 0o644)
      this.rewrites++
      this.rewrite = {source: openBaseSource(this.server, this.preamble), tmpName, fd: tmpFd, startedAt: Date.now()}
    } catch (e) {
      if (tmpFd !== null) closeSync(tmpFd)
      this.server.log.warning(`Can't rewrite append only file in background: ${(e as Error).message}`)
      this.lastBgrewriteOk = false
      return false
    }
    this.rewriteScheduled = false
    this.server.log.notice(`Background append only file rewriting started by pid ${process.pid}`)
    setImmediate(() => this.rewriteStep())
    return true
  }

  /** openNewIncrAofForAppend. */
  private openNewIncr(): void {
    if (this.state === 'off') return
    const {aofDir, filename} = this.paths
    let name: string
    let next: AofManifest | null = null
    if (this.state === 'wait-rewrite') name = `temp-${filename}.incr`
    else {
      next = this.manifest.clone()
      name = next.newIncr(filename)
    }
    const fd = openSync(join(aofDir, name), 'w', 0o644)
    try {
      next?.persist(aofDir, filename)
    } catch (e) {
      closeSync(fd)
      throw e
    }
    this.server.log.notice(`Creating AOF incr file ${name} on background rewrite`)
    const old = this.fd
    if (old !== null) fdatasync(old, () => close(old, () => {}))
    this.fd = fd
    this.lastIncrSize = this.lastIncrFsyncOffset = 0
    if (next) this.manifest = next
  }

  /** Write the BASE in ~10 ms slices so clients keep being served. */
  private rewriteStep(): void {
    const rw = this.rewrite
    if (rw === null) return
    const until = performance.now() + 10
    try {
      for (;;) {
        const chunk = rw.source.next()
        if (chunk === null) {
          fdatasyncSync(rw.fd)
          closeSync(rw.fd)
          this.server.log.notice(`Successfully created the temporary AOF base file ${rw.tmpName}`)
          this.rewriteDone(true)
          return
        }
        writeAll(rw.fd, chunk)
        if (performance.now() > until) break
      }
    } catch (e) {
      this.server.log.warning(`Write error writing append only file on disk: ${(e as Error).message}`)
      try {
        closeSync(rw.fd)
      } catch {}
      this.rewriteDone(false)
      return
    }
    setImmediate(() => this.rewriteStep())
  }

  /** backgroundRewriteDoneHandler. */
  private rewriteDone(ok: boolean): void {
    const rw = this.rewrite!
    const {dir, aofDir, filename} = this.paths
    const log = this.server.log
    if (ok) {
      log.notice('Background AOF rewrite terminated with success')
      const next = this.manifest.clone()
      const baseName = next.newBase(filename, this.preamble)
      let newIncrPath: string | null = null
      try {
        renameSync(join(dir, rw.tmpName), join(aofDir, baseName))
        log.notice(`Successfully renamed the temporary AOF base file ${rw.tmpName} into ${baseName}`)
        if (this.state === 'wait-rewrite') {
          const tmpIncr = `temp-${filename}.incr`
          const incrName = next.newIncr(filename)
          newIncrPath = join(aofDir, incrName)
          renameSync(join(aofDir, tmpIncr), newIncrPath)
          log.notice(`Successfully renamed the temporary AOF incr file ${tmpIncr} into ${incrName}`)
        }
        next.markRewrittenIncrAsHistory(this.fd !== null)
        next.persist(aofDir, filename)
      } catch (e) {
        log.warning(`Error trying to install the rewritten AOF: ${(e as Error).message}`)
        for (const p of [join(aofDir, baseName), newIncrPath]) if (p) tryUnlink(p)
        ok = false
      }
      if (ok) {
        this.manifest = next
        if (this.state !== 'off') {
          this.currentSize = statSync(join(aofDir, baseName)).size + this.lastIncrSize
          this.baseSize = this.currentSize
        }
        this.deleteHistory()
        this.lastBgrewriteOk = true
        this.consecutiveFailures = 0
        log.notice('Background AOF rewrite finished successfully')
        if (this.state === 'wait-rewrite') this.state = 'on'
      }
    }
    if (!ok) {
      this.lastBgrewriteOk = false
      this.consecutiveFailures++
      log.warning('Background AOF rewrite terminated with error')
    }
    this.rewrite = null
    tryUnlink(join(dir, rw.tmpName))
    if (this.state === 'wait-rewrite') {
      // The temp INCR only made sense with this rewrite's BASE: start over.
      this.dropTempIncr()
      this.rewriteScheduled = true
    }
    this.lastRewriteTimeSec = Math.floor((Date.now() - rw.startedAt) / 1000)
  }

  private deleteHistory(): void {
    const {aofDir, filename} = this.paths
    if (this.manifest.history.length === 0) return
    for (const f of this.manifest.history) {
      this.server.log.notice(`Removing the history file ${f.name} in the background`)
      tryUnlink(join(aofDir, f.name))
    }
    this.manifest.history = []
    try {
      this.manifest.persist(aofDir, filename)
    } catch (e) {
      this.server.log.warning(`Can't persist the AOF manifest: ${(e as Error).message}`)
    }
  }

  private dropTempIncr(): void {
    const {aofDir, filename} = this.paths
    if (this.fd !== null) closeSync(this.fd)
    this.fd = null
    this.buf = ''
    this.lastIncrSize = this.lastIncrFsyncOffset = 0
    this.server.log.notice(`Removing the temp incr aof file temp-${filename}.incr in the background`)
    tryUnlink(join(aofDir, `temp-${filename}.incr`))
  }

  private abortRewrite(): void {
    const rw = this.rewrite
    if (rw === null) return
    this.server.log.notice(`Killing running AOF rewrite child: ${process.pid}`)
    rw.source.abort()
    try {
      closeSync(rw.fd)
    } catch {}
    tryUnlink(join(this.paths.dir, rw.tmpName))
    this.rewrite = null
  }

  // ---- CONFIG SET appendonly ------------------------------------------------------------

  /** startAppendOnly: WAIT_REWRITE until a rewrite's BASE exists, writes meanwhile go to a temp INCR. */
  private startAppendOnly(): void {
    this.state = 'wait-rewrite'
    if (this.rewrite !== null) {
      this.server.log.warning('AOF was enabled but there is already an AOF rewriting in background. Stopping background AOF and starting a rewrite now.')
      this.abortRewrite()
    }
    // The rewrite opens the temp INCR in the same step as it takes the point-in-time view.
    if (!this.startRewrite()) {
      this.state = 'off'
      this.server.config.set('appendonly', 'no')
      this.server.log.warning("Redis needs to enable the AOF but can't trigger a background AOF rewrite operation. Check the above logs for more info about the error.")
      return
    }
    this.lastFsync = Date.now()
    if (this.writeError !== null) {
      this.server.log.warning('AOF reopen, just ignore the last error.')
      this.writeError = null
    }
  }

  /** stopAppendOnly. */
  private stopAppendOnly(): void {
    this.flush(true)
    if (this.fd !== null) {
      try {
        fdatasyncSync(this.fd)
      } catch (e) {
        this.server.log.warning(`Fail to fsync the AOF file: ${(e as Error).message}`)
      }
      closeSync(this.fd)
    }
    const wasWaiting = this.state === 'wait-rewrite'
    this.fd = null
    this.selectedDb = -1
    this.state = 'off'
    this.rewriteScheduled = false
    this.lastIncrSize = this.lastIncrFsyncOffset = 0
    this.abortRewrite()
    if (wasWaiting) tryUnlink(join(this.paths.aofDir, `temp-${this.paths.filename}.incr`))
    this.buf = ''
  }

  private shutdown(): void {
    if (this.cron) clearInterval(this.cron)
    this.abortRewrite()
    if (this.state === 'off' || this.fd === null) return
    this.server.log.notice('Calling fsync() on the AOF file.')
    this.flush(true)
    try {
      fdatasyncSync(this.fd)
    } catch {}
  }

  // ---- INFO -----------------------------------------------------------------------------

  infoLines(): string[] {
    const lines = [
      `aof_enabled:${this.state !== 'off' ? 1 : 0}`,
      `aof_rewrite_in_progress:${this.rewrite !== null ? 1 : 0}`,
      `aof_rewrite_scheduled:${this.rewriteScheduled ? 1 : 0}`,
      `aof_last_rewrite_time_sec:${this.lastRewriteTimeSec}`,
      `aof_current_rewrite_time_sec:${this.rewrite ? Math.floor((Date.now() - this.rewrite.startedAt) / 1000) : -1}`,
      `aof_last_bgrewrite_status:${this.lastBgrewriteOk ? 'ok' : 'err'}`,
      `aof_rewrites:${this.rewrites}`,
      `aof_rewrites_consecutive_failures:${this.consecutiveFailures}`,
      `aof_last_write_status:${this.writeError === null ? 'ok' : 'err'}`,
      'aof_last_cow_size:0',
      'module_fork_in_progress:0',
      'module_fork_last_cow_size:0',
    ]
    // redis prints these when the config says appendonly yes (server.aof_enabled).
    if (this.server.config.bool('appendonly')) {
      lines.push(
        `aof_current_size:${this.currentSize}`,
        `aof_base_size:${this.baseSize}`,
        `aof_pending_rewrite:${this.rewriteScheduled ? 1 : 0}`,
        `aof_buffer_length:${this.buf.length}`,
        `aof_pending_bio_fsync:${this.fsyncInFlight ? 1 : 0}`,
        'aof_delayed_fsync:0',
      )
    }
    return lines
  }
}

function writeAll(fd: number, data: Buffer): number {
  let off = 0
  while (off < data.length) off += writeSync(fd, data, off, data.length - off)
  return data.length
}

function tryUnlink(path: string): void {
  try {
    unlinkSync(path)
  } catch {}
}

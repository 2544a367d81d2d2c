// The append-only file (redis 7.0 aof.c, multi-part): state (off / on / waiting for the first
// rewrite), the manifest and which INCR file is open, start-up, BGREWRITEAOF, automatic
// rewrite, CONFIG SET appendonly and INFO. The bytes path (encode, write before replies,
// fsync policy) is aof-writer.ts. A rewrite switches to a new INCR file and takes the
// point-in-time view in one synchronous step, streams the BASE from it to a child process
// (save-child.ts: killable, like redis's forked child) in slices between event-loop turns, then,
// once the child exits 0, swaps the manifest atomically and deletes the history files.
import {PROPAGATE_ALL, PROPAGATE_AOF} from '../propagate.js'
import {closeSync, fdatasyncSync, mkdirSync, openSync, renameSync, statSync, unlinkSync, writeSync} from 'node:fs'
import {basename, join} from 'node:path'
import {constants as osConstants} from 'node:os'
import type {NodeServer, ShutdownOptions} from '../server.js'
import {ShutdownRefused} from '../errors.js'
import {cmd, type CommandContext} from '../commands/types.js'
import {AofManifest} from './aof-manifest.js'
import {openBaseSource, type BaseSource} from './aof-base.js'
import {AofWriter} from './aof-writer.js'
import {aofPaths, loadAofFiles, readManifest, AofLoadError} from './aof-load.js'
import {childStateChanged, rdbState} from './rdb-save.js'
import {SaveChild} from './save-child.js'
import {KeyPacer, paceWait} from './snapshot.js'
import {bgchildOomScoreAdj} from '../process-configs.js'

/** aofRewriteLimited: after this many failed rewrites in a row, automatic ones back off. */
const REWRITE_LIMIT_THRESHOLD = 3
const REWRITE_LIMIT_MAX_MINUTES = 60

export {AofLoadError} from './aof-load.js'

type State = 'off' | 'on' | 'wait-rewrite'

interface Rewrite {
  source: BaseSource
  /** The rewrite child (redis forks one): writes, fsyncs and leaves `tmpName` in `dir`. */
  child: SaveChild
  tmpName: string
  startedAt: number
  aborted: boolean
}

const instances = new WeakMap<NodeServer, Aof>()

/** Registers the AOF module on a server (idempotent): hook, BGREWRITEAOF, config, INFO, cron. */
export function installAof(server: NodeServer): Aof {
  let aof = instances.get(server)
  if (!aof) instances.set(server, (aof = new Aof(server)))
  return aof
}

/**
 * Start-up (redis main: aofLoadManifestFromDisk, loadDataFromDisk, aofOpenIfNeededOnServerStart,
 * aofDelHistoryFiles). The manifest is read whatever appendonly says (a broken one stops the
 * start); `loadData` runs in between: the AOF's BASE + INCR files (appendonly yes) or the RDB.
 */
export async function startupAof(server: NodeServer, loadData: () => Promise<void>): Promise<void> {
  const aof = installAof(server)
  aof.loadManifest()
  await loadData()
  if (server.config.bool('appendonly')) aof.openOnStart()
  aof.deleteHistory()
}

/** Start-up with appendonly yes: load BASE + INCR files (the manifest read by loadManifest). */
export async function loadAof(server: NodeServer): Promise<void> {
  await installAof(server).load()
}

/**
 * For replication: a replica that replaced its dataset with its master's RDB restarts the
 * AOF from a rewrite (redis restartAOFAfterSYNC); the old files no longer describe the data.
 */
export function restartAofAfterSync(server: NodeServer): void {
  const aof = instances.get(server)
  if (!aof || aof.state === 'off') return
  aof.restart()
}

export class Aof {
  state: State = 'off'
  private readonly w: AofWriter
  private manifest = new AofManifest()
  /** aof_rewrite_base_size */
  private baseSize = 0
  private rewrite: Rewrite | null = null
  private rewriteScheduled = false
  private lastRewriteTimeSec = -1
  private lastBgrewriteOk = true
  private rewrites = 0
  private consecutiveFailures = 0
  private limitDelayMinutes = 0
  /** ms epoch before which automatic rewrites stay off (0: not limited) */
  private limitUntil = 0
  private cron: NodeJS.Timeout | null = null

  constructor(private readonly server: NodeServer) {
    const w = (this.w = new AofWriter(server, () => this.rewrite !== null && server.config.bool('no-appendfsync-on-rewrite')))
    // redis feeds the buffer while ON, and while WAIT_REWRITE once the rewrite has started.
    server.propagateHooks.push((db, argv, target = PROPAGATE_ALL) => {
      if (!(target & PROPAGATE_AOF)) return // e.g. PUBLISH: replicas only, never the AOF
      if (this.state === 'on' || (this.state === 'wait-rewrite' && this.rewrite !== null)) w.append(db, argv)
    })
    server.beforeReply.push((s) => w.beforeReply(s))
    server.guards.push((_s, spec) =>
      w.writeError !== null && this.state !== 'off' && spec.flags.includes('write') ? `MISCONF Errors writing to the AOF file: ${w.writeError}` : null,
    )
    server.registerCommands([cmd('bgrewriteaof', 1, ['admin', 'noscript'], 0, (ctx) => this.bgrewriteaofCommand(ctx))])
    w.timestamps = server.config.bool('aof-timestamp-enabled')
    server.config.onChange.push((name, value) => {
      if (name === 'aof-timestamp-enabled') w.timestamps = value === 'yes'
      // updateAofAutoGCEnabled: turning the GC back on deletes the history files at once
      if (name === 'aof-disable-auto-gc' && value === 'no') this.deleteHistory()
      if (name !== 'appendonly') return
      if (value === 'yes' && this.state === 'off') this.startAppendOnly()
      else if (value === 'no' && this.state !== 'off') this.stopAppendOnly()
    })
    server.aofInfo = () => this.infoLines()
    server.debugSubcommands.set('loadaof', {
      handler: (ctx) =>
        this.debugLoad().then((err) => {
          ctx.session.propagateOverride = [] // dirty went back to 0: nothing to propagate (redis call())
          err === null ? ctx.reply.ok() : ctx.reply.error(err)
        }),
    })
    // before the final RDB save, as in redis finishShutdown
    server.shutdownHooks.unshift((opts) => this.shutdown(opts))
    // One background child at a time (redis hasActiveChildProcess): BGSAVE waits for a rewrite.
    rdbState(server).otherChildActive = () => this.rewrite !== null
    this.cron = setInterval(() => this.tick(), 100)
    this.cron.unref()
  }

  /**
   * DEBUG LOADAOF (debug.c): flush the buffer, empty the dataset (functions included, emptyData),
   * read the manifest back from disk, load the files it lists; nothing is propagated and dirty is reset. Redis exits
   * when that load fails; the embedded node replies with an error instead.
   */
  async debugLoad(): Promise<string | null> {
    const server = this.server
    if (this.state !== 'off') this.w.flush()
    server.beforeWrite(-1, null)
    for (const [i, d] of server.databases()) {
      server.touchAllWatched(i)
      d.flush()
    }
    const fx = server.scripting?.functions
    fx?.clear(fx.current)
    try {
      // aofLoadManifestFromDisk + aofDelHistoryFiles: the sequence numbers continue from the file
      this.loadManifest()
      this.deleteHistory()
      const r = await loadAofFiles(server, this.manifest)
      this.manifest = r.manifest
    } catch (e) {
      server.log.warning(`DEBUG LOADAOF failed: ${(e as Error).message}`)
      return `ERR ${(e as Error).message.replace(/[\r\n]+/g, ' ')}`
    }
    server.dirty = 0
    server.log.warning('Append Only File loaded by DEBUG LOADAOF')
    return null
  }

  private get paths() {
    return aofPaths(this.server)
  }

  // ---- start-up -------------------------------------------------------------------------

  /** aofLoadManifestFromDisk (throws AofLoadError with redis's wording for a broken manifest). */
  loadManifest(): void {
    this.manifest = readManifest(this.server)
  }

  async load(): Promise<void> {
    const start = performance.now()
    const r = await loadAofFiles(this.server, this.manifest)
    this.manifest = r.manifest
    this.w.currentSize = r.totalSize
    this.baseSize = r.baseSize
    if (r.status !== 'not-exist') this.server.log.notice(`DB loaded from append only file: ${((performance.now() - start) / 1000).toFixed(3)} seconds`)
  }

  /** redis getAppendOnlyFileSize: a file's size, the stat sampled as LATENCY `aof-fstat`. */
  private fileSize(path: string): number {
    return this.server.insight.timed('aof-fstat', () => statSync(path).size)
  }

  /** aofOpenIfNeededOnServerStart: BASE for an empty start, then the last INCR file (or a new one). */
  openOnStart(): void {
    const {aofDir, filename} = this.paths
    try {
      mkdirSync(aofDir, {recursive: true})
      const m = this.manifest
      const hadIncr = m.incr.length > 0
      if (!m.base && !hadIncr) {
        const name = m.newBase(filename, this.preamble)
        this.writeBaseSync(join(aofDir, name))
        this.baseSize = this.w.currentSize = this.fileSize(join(aofDir, name))
        this.server.log.notice(`Creating AOF base file ${name} on server start`)
      }
      const incr = hadIncr ? m.incr[m.incr.length - 1].name : m.newIncr(filename)
      const fd = openSync(join(aofDir, incr), 'a', 0o644)
      this.w.switchTo(fd, this.fileSize(join(aofDir, incr)))
      m.persist(aofDir, filename)
      this.server.log.notice(`${hadIncr ? 'Opening' : 'Creating'} AOF incr file ${incr} on server start`)
    } catch (e) {
      if (e instanceof AofLoadError) throw e
      this.server.log.warning(`Can't open the append-only file: ${(e as Error).message}`)
      throw new AofLoadError(`Can't open the append-only file: ${(e as Error).message}`)
    }
    this.state = 'on'
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

  private tick(): void {
    if (this.state === 'off' && !this.rewriteScheduled) return
    this.w.tick()
    if (this.rewrite !== null || this.bgsaveRunning()) return
    if (this.rewriteScheduled) {
      this.startRewrite()
      return
    }
    const perc = this.server.config.int('auto-aof-rewrite-percentage')
    if (this.state === 'on' && perc > 0 && this.w.currentSize > this.server.config.int('auto-aof-rewrite-min-size')) {
      const base = this.baseSize || 1
      const growth = Math.floor((this.w.currentSize * 100) / base) - 100
      if (growth >= perc && !this.rewriteLimited()) {
        this.server.log.notice(`Starting automatic rewriting of AOF on ${growth}% growth`)
        this.startRewrite()
      }
    }
  }

  // ---- rewrite --------------------------------------------------------------------------

  private bgrewriteaofCommand(ctx: CommandContext): void {
    if (this.rewrite !== null) return ctx.reply.error('ERR Background append only file rewriting already in progress')
    if (ctx.session.flags.has('exec') || this.bgsaveRunning()) {
      this.rewriteScheduled = true
      this.consecutiveFailures = 0
      return ctx.reply.simple('Background append only file rewriting scheduled')
    }
    if (this.startRewrite()) ctx.reply.simple('Background append only file rewriting started')
    else ctx.reply.error("ERR Can't execute an AOF background rewriting. Please check the server logs for more information.")
  }

  /**
   * rewriteAppendOnlyFileBackground: a new INCR file and the point-in-time view in one
   * synchronous step, then a child process (what redis forks) receives the BASE and writes it to
   * temp-rewriteaof-bg-<child pid>.aof in `dir`; the node installs it when the child exits 0.
   */
  startRewrite(): boolean {
    if (this.rewrite !== null) return false
    const {dir, aofDir} = this.paths
    let child: SaveChild | null = null
    try {
      mkdirSync(aofDir, {recursive: true})
      this.w.forgetDb()
      this.w.flush()
      this.openNewIncr()
      child = new SaveChild({
        dir,
        target: '',
        oomScoreAdj: bgchildOomScoreAdj(this.server),
        tmpPrefix: 'temp-rewriteaof-bg-',
        tmpSuffix: '.aof',
        onLog: (level, msg, pid) => this.server.log.child(level, msg, pid),
      })
      this.server.stats.totalForks++
      this.rewrites++
      // The Snapshot's construction is the point in time: the same step as the new INCR file.
      const source = openBaseSource(this.server, this.preamble)
      this.rewrite = {source, child, tmpName: basename(child.tmpPath), startedAt: Date.now(), aborted: false}
      childStateChanged(this.server)
    } catch (e) {
      child?.kill()
      this.server.log.warning(`Can't rewrite append only file in background: fork: ${(e as Error).message}`)
      this.lastBgrewriteOk = false
      return false
    }
    this.rewriteScheduled = false
    this.server.log.notice(`Background append only file rewriting started by pid ${child.pid}`)
    void this.feedChild(this.rewrite)
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
    this.w.switchTo(fd, 0)
    if (next) this.manifest = next
  }

  /**
   * Streams the BASE to the child, a slice per event-loop turn so clients keep being served (the
   * snapshot keeps the point in time while they write), paced by rdb-key-save-delay as redis's
   * child sleeps per key (the value when the rewrite started counts); then waits for its exit.
   */
  private async feedChild(rw: Rewrite): Promise<void> {
    const delay = this.server.config.int('rdb-key-save-delay')
    const pacer = new KeyPacer(() => delay)
    let complete = false
    let until = performance.now() + 5
    for (;;) {
      if (rw.aborted || !rw.child.running) break
      const chunk = rw.source.next()
      if (chunk === null) {
        complete = true
        break
      }
      if (!(await rw.child.write(chunk))) break
      const wait = pacer.owe(rw.source.keysWritten)
      if (wait > 0) await paceWait(wait, rw.child.exited)
      else if (performance.now() > until) {
        await new Promise((r) => setImmediate(r))
        until = performance.now() + 5
      }
    }
    if (complete && !rw.aborted) rw.child.commit()
    else rw.source.abort()
    const {code, signal} = await rw.child.exited
    if (rw.aborted || rw !== this.rewrite) return
    this.rewriteDone(code, signal)
  }

  /** backgroundRewriteDoneHandler, once the child is reaped. */
  private rewriteDone(code: number | null, signal: NodeJS.Signals | null): void {
    const rw = this.rewrite!
    const {dir, aofDir, filename} = this.paths
    const log = this.server.log
    let ok = code === 0 && signal === null
    if (ok) {
      log.child('notice', `Successfully created the temporary AOF base file ${rw.tmpName}`, rw.child.pid)
      log.notice('Background AOF rewrite terminated with success')
      const next = this.manifest.clone()
      const baseName = next.newBase(filename, this.preamble)
      let newIncrPath: string | null = null
      try {
        this.server.insight.timed('aof-rename', () => renameSync(join(dir, rw.tmpName), join(aofDir, baseName)))
        log.notice(`Successfully renamed the temporary AOF base file ${rw.tmpName} into ${baseName}`)
        if (this.state === 'wait-rewrite') {
          const tmpIncr = `temp-${filename}.incr`
          const incrName = next.newIncr(filename)
          newIncrPath = join(aofDir, incrName)
          const to = newIncrPath
          this.server.insight.timed('aof-rename', () => renameSync(join(aofDir, tmpIncr), to))
          log.notice(`Successfully renamed the temporary AOF incr file ${tmpIncr} into ${incrName}`)
        }
        next.markRewrittenIncrAsHistory(this.w.fd !== null)
        next.persist(aofDir, filename)
      } catch (e) {
        log.warning(`Error trying to install the rewritten AOF: ${(e as Error).message}`)
        for (const p of [join(aofDir, baseName), newIncrPath]) if (p) tryUnlink(p)
        ok = false
      }
      if (ok) {
        this.manifest = next
        if (this.state !== 'off') {
          this.w.currentSize = this.fileSize(join(aofDir, baseName)) + this.w.incrLength
          this.baseSize = this.w.currentSize
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
      if (signal === null) log.warning('Background AOF rewrite terminated with error')
      else log.warning(`Background AOF rewrite terminated by signal ${osConstants.signals[signal] ?? signal}`)
    }
    this.rewrite = null
    childStateChanged(this.server)
    rw.child.removeTemp()
    if (this.state === 'wait-rewrite') {
      // The temp INCR only made sense with this rewrite's BASE: start over.
      this.dropTempIncr()
      this.rewriteScheduled = true
    }
    this.lastRewriteTimeSec = Math.floor((Date.now() - rw.startedAt) / 1000)
  }

  /** aofRewriteLimited: automatic rewrites wait 1, 2, 4 ... 60 minutes after 3 failures in a row. */
  private rewriteLimited(): boolean {
    if (this.consecutiveFailures < REWRITE_LIMIT_THRESHOLD) {
      this.limitDelayMinutes = 0
      this.limitUntil = 0
      return false
    }
    if (this.limitUntil !== 0) {
      if (Date.now() < this.limitUntil) return true
      this.limitUntil = 0
      return false
    }
    this.limitDelayMinutes = Math.min(this.limitDelayMinutes === 0 ? 1 : this.limitDelayMinutes * 2, REWRITE_LIMIT_MAX_MINUTES)
    this.limitUntil = Date.now() + this.limitDelayMinutes * 60_000
    this.server.log.warning(`Background AOF rewrite has repeatedly failed and triggered the limit, will retry in ${this.limitDelayMinutes} minutes`)
    return true
  }

  /** aofDelHistoryFiles (not while aof-disable-auto-gc is yes). */
  deleteHistory(): void {
    const {aofDir, filename} = this.paths
    if (this.manifest.history.length === 0 || this.server.config.bool('aof-disable-auto-gc')) return
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
    this.w.discard()
    this.server.log.notice(`Removing the temp incr aof file temp-${filename}.incr in the background`)
    tryUnlink(join(aofDir, `temp-${filename}.incr`))
  }

  private abortRewrite(): void {
    const rw = this.rewrite
    if (rw === null) return
    this.server.log.notice(`Killing running AOF rewrite child: ${process.pid}`)
    rw.aborted = true
    rw.source.abort()
    rw.child.kill()
    this.rewrite = null
    childStateChanged(this.server)
  }

  // ---- CONFIG SET appendonly ------------------------------------------------------------

  /** startAppendOnly: WAIT_REWRITE until a rewrite's BASE exists, writes meanwhile go to a temp INCR. */
  /** A BGSAVE child is running: a rewrite now would be a second child (redis schedules it). */
  private bgsaveRunning(): boolean {
    return rdbState(this.server).bgsave !== null
  }

  private startAppendOnly(): void {
    this.state = 'wait-rewrite'
    if (this.bgsaveRunning()) {
      this.rewriteScheduled = true
      this.server.log.warning('AOF was enabled but there is already another background operation. An AOF background was scheduled to start when possible.')
      return
    }
    if (this.server.inExec > 0) {
      this.rewriteScheduled = true
      this.server.log.warning('AOF was enabled during a transaction. An AOF background was scheduled to start when possible.')
      return
    }
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
    if (this.w.writeError !== null) {
      this.server.log.warning('AOF reopen, just ignore the last error.')
      this.w.writeError = null
    }
  }

  restart(): void {
    this.stopAppendOnly()
    this.startAppendOnly()
  }

  /** stopAppendOnly. */
  private stopAppendOnly(): void {
    const wasWaiting = this.state === 'wait-rewrite'
    this.w.close()
    this.state = 'off'
    this.rewriteScheduled = false
    this.abortRewrite()
    if (wasWaiting) tryUnlink(join(this.paths.aofDir, `temp-${this.paths.filename}.incr`))
  }

  private shutdown(opts: ShutdownOptions): void {
    // redis finishShutdown: with the first AOF still being written, exiting would lose the dataset
    if (this.state === 'wait-rewrite' && this.rewrite !== null) {
      if (!opts.force) {
        this.server.log.warning("Writing initial AOF, can't exit.")
        throw new ShutdownRefused('initial AOF rewrite in progress')
      }
      this.server.log.warning('Writing initial AOF. Exit anyway.')
    }
    if (this.cron) clearInterval(this.cron)
    this.abortRewrite()
    if (this.state === 'off' || this.w.fd === null) return
    this.server.log.notice('Calling fsync() on the AOF file.')
    this.w.close()
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
      `aof_last_write_status:${this.w.writeError === null ? 'ok' : 'err'}`,
      'aof_last_cow_size:0',
      'module_fork_in_progress:0',
      'module_fork_last_cow_size:0',
    ]
    // redis prints these when the config says appendonly yes (server.aof_enabled).
    if (this.server.config.bool('appendonly')) {
      lines.push(
        `aof_current_size:${this.w.currentSize}`,
        `aof_base_size:${this.baseSize}`,
        `aof_pending_rewrite:${this.rewriteScheduled ? 1 : 0}`,
        `aof_buffer_length:${this.w.bufferLength}`,
        `aof_pending_bio_fsync:${this.w.fsyncPending ? 1 : 0}`,
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

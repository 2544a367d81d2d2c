// RDB persistence state and saving (redis rdb.c rdbSave / rdbSaveBackground, server.c
// serverCron save points, prepareForShutdown): SAVE writes the whole file synchronously; BGSAVE
// takes a Snapshot (the fork equivalent) and writes it chunk by chunk between client requests
// to temp-<pid>.rdb, fsync, rename. The save rules, the MISCONF guard and the final save on
// SHUTDOWN/SIGTERM are installed by installRdbPersistence (startNode calls it).
import {fsyncDir} from '../fsync.js'
import {closeSync, fsyncSync, openSync, renameSync, rmSync, writeSync} from 'node:fs'
import {open as openAsync} from 'node:fs/promises'
import {join} from 'node:path'
import {E, ShutdownRefused} from '../errors.js'
import type {CommandSpec} from '../commands/types.js'
import type {NodeServer, ShutdownOptions} from '../server.js'
import type {Session} from '../session.js'
import {KeyPacer, pacedChunkSize, Snapshot, type SnapshotOptions} from './snapshot.js'

/** redis CONFIG_BGSAVE_RETRY_DELAY: after a failed BGSAVE, save points wait this long. */
const BGSAVE_RETRY_DELAY_MS = 5000

interface BgsaveJob {
  snap: Snapshot
  start: number
  tmp: string
  dirtyBefore: number
  aborted: boolean
  done: Promise<boolean>
}

export interface RdbState {
  bgsave: BgsaveJob | null
  /** BGSAVE SCHEDULE while another "child" (AOF rewrite) runs. */
  scheduled: boolean
  lastBgsaveOk: boolean
  lastBgsaveTry: number
  lastBgsaveTimeSec: number
  saves: number
  loading: {start: number; totalBytes: number; loadedBytes: number; rdbUsedMem?: number} | null
  lastLoadKeysLoaded: number
  lastLoadKeysExpired: number
  /** AUX fields of the last RDB loaded (repl-id / repl-offset let replication resume after restart). */
  lastLoadedAux: Map<string, string>
  /** Set by the AOF module: true while a rewrite runs ("another child process is active"). */
  otherChildActive?: () => boolean
  installed: boolean
}

let bgsaveSeq = 0
const states = new WeakMap<NodeServer, RdbState>()

export function rdbState(server: NodeServer): RdbState {
  let st = states.get(server)
  if (!st) {
    st = {
      bgsave: null,
      scheduled: false,
      lastBgsaveOk: true,
      lastBgsaveTry: 0,
      lastBgsaveTimeSec: -1,
      saves: 0,
      loading: null,
      lastLoadKeysLoaded: 0,
      lastLoadKeysExpired: 0,
      lastLoadedAux: new Map(),
      installed: false,
    }
    states.set(server, st)
  }
  return st
}

export function rdbPath(server: NodeServer): string {
  return join(server.config.get('dir'), server.config.get('dbfilename'))
}

/** rdbcompression / rdbchecksum as Snapshot options, plus the caller's (AUX fields ...). */
export function snapshotOptions(server: NodeServer, extra: SnapshotOptions = {}): SnapshotOptions {
  // repl-stream-db / repl-id / repl-offset so a restarted replica (or its master's replicas) can PSYNC.
  const repl = extra.aux ? null : server.replication?.rdbSaveInfo()
  return {compress: server.config.bool('rdbcompression'), checksum: server.config.bool('rdbchecksum'), ...(repl ? {aux: repl} : {}), ...extra}
}

/** save "3600 1 300 100" -> [[3600, 1], [300, 100]]; empty when saving is off. */
export function saveParams(server: NodeServer): [seconds: number, changes: number][] {
  const words = server.config.get('save').split(/\s+/).filter(Boolean)
  const out: [number, number][] = []
  for (let i = 0; i + 1 < words.length; i += 2) out.push([Number(words[i]), Number(words[i + 1])])
  return out
}

function tempPath(server: NodeServer): string {
  return join(server.config.get('dir'), `temp-${process.pid}.rdb`)
}

/** SAVE (and the final save on shutdown): the whole file now; true on success. */
export function saveSync(server: NodeServer): boolean {
  const st = rdbState(server)
  // A background save still running would rename an older point in time over this file.
  abortBgsave(server)
  const tmp = tempPath(server)
  const snap = new Snapshot(server, snapshotOptions(server, {chunkSize: 1 << 20}))
  let fd: number
  try {
    fd = openSync(tmp, 'w')
  } catch (e) {
    snap.abort()
    server.log.warning(`Failed opening the temp RDB file ${`temp-${process.pid}.rdb`} (in server root dir ${server.config.get('dir')}) for saving: ${(e as Error).message}`)
    return false
  }
  try {
    for (let c = snap.next(); c !== null; c = snap.next()) writeSync(fd, c)
    fsyncSync(fd)
    closeSync(fd)
    renameSync(tmp, rdbPath(server))
    fsyncDir(server.config.get('dir'))
  } catch (e) {
    snap.abort()
    try {
      closeSync(fd)
    } catch {
      // already closed
    }
    rmSync(tmp, {force: true})
    server.log.warning(`Write error saving DB on disk: ${(e as Error).message}`)
    return false
  }
  server.log.notice('DB saved on disk')
  server.dirty = 0
  server.lastSaveTime = server.clock.now()
  st.lastBgsaveOk = true
  st.saves++
  return true
}

/** BGSAVE: false (and a logged reason) when it could not start. */
export function startBgsave(server: NodeServer): boolean {
  const st = rdbState(server)
  if (st.bgsave) return false
  st.lastBgsaveTry = server.clock.now()
  st.scheduled = false
  const job: BgsaveJob = {
    snap: new Snapshot(server, snapshotOptions(server, {chunkSize: pacedChunkSize(server, 64 * 1024)})),
    start: Date.now(),
    tmp: join(server.config.get('dir'), `temp-bg-${process.pid}-${++bgsaveSeq}.rdb`),
    dirtyBefore: server.dirty,
    aborted: false,
    done: Promise.resolve(false),
  }
  st.bgsave = job
  server.log.notice(`Background saving started by pid ${process.pid}`)
  job.done = writeInBackground(server, job).then((ok) => finishBgsave(server, job, ok))
  return true
}

async function writeInBackground(server: NodeServer, job: BgsaveJob): Promise<boolean> {
  let fh: Awaited<ReturnType<typeof openAsync>> | undefined
  try {
    fh = await openAsync(job.tmp, 'w')
    // One chunk per turn of the event loop: clients are served between chunks.
    const pacer = new KeyPacer(() => server.config.int('rdb-key-save-delay'))
    for (let c = job.snap.next(); c !== null && !job.aborted; c = job.snap.next()) {
      await fh.write(c)
      const wait = pacer.owe(job.snap.keysWritten)
      if (wait > 0) await new Promise((r) => setTimeout(r, wait))
    }
    if (job.aborted) throw new Error('aborted')
    await fh.sync()
    await fh.close()
    fh = undefined
    // Synchronous check-and-rename: a FLUSHALL or SAVE that aborted us cannot be overwritten.
    if (job.aborted) throw new Error('aborted')
    renameSync(job.tmp, rdbPath(server))
    fsyncDir(server.config.get('dir'))
    server.log.notice('DB saved on disk')
    return true
  } catch (e) {
    job.snap.abort()
    await fh?.close().catch(() => undefined)
    rmSync(job.tmp, {force: true})
    if (!job.aborted) server.log.warning(`Write error saving DB on disk: ${(e as Error).message}`)
    return false
  }
}

function finishBgsave(server: NodeServer, job: BgsaveJob, ok: boolean): boolean {
  const st = rdbState(server)
  if (st.bgsave === job) st.bgsave = null
  st.lastBgsaveTimeSec = Math.round((Date.now() - job.start) / 1000)
  if (job.aborted) {
    server.log.warning('Background saving terminated by signal 10')
    return false
  }
  if (ok) {
    server.log.notice('Background saving terminated with success')
    server.dirty -= job.dirtyBefore
    server.lastSaveTime = server.clock.now()
    st.lastBgsaveOk = true
    st.saves++
  } else {
    server.log.warning('Background saving error')
    st.lastBgsaveOk = false
  }
  return ok
}

/** Stop a BGSAVE now (synchronously): its file can no longer replace dump.rdb. */
function abortBgsave(server: NodeServer): void {
  const st = rdbState(server)
  const job = st.bgsave
  if (!job) return
  job.aborted = true
  job.snap.abort()
  st.bgsave = null
}

/** killRDBChild: drop a BGSAVE in progress (its writer removes the temp file). */
export async function killBgsave(server: NodeServer): Promise<void> {
  const job = rdbState(server).bgsave
  if (!job) return
  job.aborted = true
  job.snap.abort()
  await job.done
}

/**
 * FLUSHALL's persistence side (redis flushAllDataAndResetRDB): a BGSAVE in progress is killed
 * and, when save points exist, the now empty dataset is saved at once so a restart cannot bring
 * the flushed keys back. The dirty counter is left alone: FLUSHALL itself must still count as
 * a write for propagation.
 */
export function flushallSave(server: NodeServer): void {
  abortBgsave(server)
  // Only a node with persistence installed (startNode) writes files on its own: a bare
  // NodeServer (unit tests, embedding) never drops a dump.rdb into the working directory.
  if (!rdbState(server).installed || saveParams(server).length === 0) return
  const dirty = server.dirty
  saveSync(server)
  server.dirty = dirty
}

/** BGSAVE in progress, for other modules (replication can wait for it, as redis does). */
export function bgsaveInProgress(server: NodeServer): Promise<boolean> | null {
  return rdbState(server).bgsave?.done ?? null
}

// ---------------------------------------------------------------- cron, guard, shutdown

/** serverCron's save points and scheduled BGSAVE. */
function rdbCron(server: NodeServer): void {
  const st = rdbState(server)
  if (st.bgsave || st.otherChildActive?.()) return
  const now = server.clock.now()
  const mayRetry = now - st.lastBgsaveTry > BGSAVE_RETRY_DELAY_MS || st.lastBgsaveOk
  if (!mayRetry) return
  for (const [seconds, changes] of saveParams(server)) {
    if (server.dirty >= changes && now - server.lastSaveTime > seconds * 1000) {
      server.log.notice(`${changes} changes in ${seconds} seconds. Saving...`)
      startBgsave(server)
      return
    }
  }
  if (st.scheduled) startBgsave(server)
}

/** writeCommandsDeniedByDiskError: MISCONF for writes (and PING) after a failed background save. */
function misconfGuard(server: NodeServer): (s: Session, spec: CommandSpec) => string | null {
  const st = rdbState(server)
  return (s, spec) => {
    if (st.lastBgsaveOk) return null
    if (!server.config.bool('stop-writes-on-bgsave-error') || server.config.get('save') === '') return null
    if (!spec.flags.includes('write') && spec.name !== 'ping') return null
    // The master link and AOF loading must be obeyed (redis mustObeyClient).
    if (s.flags.has('master') || (server as {replicationApplying?: boolean}).replicationApplying) return null
    return E.MISCONF
  }
}

/** prepareForShutdown's RDB part: kill a BGSAVE, then save when save points exist (or SAVE). */
async function shutdownSave(server: NodeServer, opts: ShutdownOptions): Promise<void> {
  if (rdbState(server).bgsave) {
    server.log.warning('There is a child saving an .rdb. Killing it!')
    await killBgsave(server)
  }
  if (opts.nosave || (!opts.save && saveParams(server).length === 0)) return
  server.log.notice('Saving the final RDB snapshot before exiting.')
  if (saveSync(server)) return
  if (opts.force) {
    server.log.warning('Error trying to save the DB. Exit anyway.')
    return
  }
  server.log.warning("Error trying to save the DB, can't exit.")
  throw new ShutdownRefused('final RDB save failed')
}

/** Cron save points, MISCONF guard, final save on shutdown. Idempotent. */
export function installRdbPersistence(server: NodeServer): void {
  const st = rdbState(server)
  if (st.installed) return
  st.installed = true
  server.cronHooks.push(() => rdbCron(server))
  server.guards.push(misconfGuard(server))
  server.shutdownHooks.unshift((opts) => shutdownSave(server, opts))
}

// ---------------------------------------------------------------- INFO

/**
 * The rdb_* and loading lines of INFO persistence, in redis 7.0's order: `loading` opens the
 * section, `rdb` follows, `loadingDetails` (only while loading) closes it after the aof lines.
 */
export function rdbInfoLines(server: NodeServer): {loading: string[]; rdb: string[]; loadingDetails: string[]} {
  const st = rdbState(server)
  const now = Date.now()
  const sync = server.replication?.master?.loadingState() ?? null
  const loading = [`loading:${st.loading || sync === 'sync' ? 1 : 0}`, `async_loading:${sync === 'async' ? 1 : 0}`]
  const loadingDetails: string[] = []
  if (st.loading) {
    const l = st.loading
    const elapsed = (now - l.start) / 1000
    const perc = l.totalBytes ? (l.loadedBytes / l.totalBytes) * 100 : 0
    const eta = l.loadedBytes && elapsed ? Math.round(((l.totalBytes - l.loadedBytes) * elapsed) / l.loadedBytes) : 1
    loadingDetails.push(
      `loading_start_time:${Math.floor(l.start / 1000)}`,
      `loading_total_bytes:${l.totalBytes}`,
      `loading_rdb_used_mem:${l.rdbUsedMem ?? 0}`,
      `loading_loaded_bytes:${l.loadedBytes}`,
      `loading_loaded_perc:${perc.toFixed(2)}`,
      `loading_eta_seconds:${eta}`,
    )
  }
  const job = st.bgsave
  const rdb = [
    'current_cow_peak:0',
    'current_cow_size:0',
    'current_cow_size_age:0',
    'current_fork_perc:0.00',
    'current_save_keys_processed:0',
    'current_save_keys_total:0',
    `rdb_changes_since_last_save:${server.dirty}`,
    `rdb_bgsave_in_progress:${job ? 1 : 0}`,
    `rdb_last_save_time:${Math.floor(server.lastSaveTime / 1000)}`,
    `rdb_last_bgsave_status:${st.lastBgsaveOk ? 'ok' : 'err'}`,
    `rdb_last_bgsave_time_sec:${st.lastBgsaveTimeSec}`,
    `rdb_current_bgsave_time_sec:${job ? Math.round((now - job.start) / 1000) : -1}`,
    `rdb_saves:${st.saves}`,
    'rdb_last_cow_size:0',
    `rdb_last_load_keys_expired:${st.lastLoadKeysExpired}`,
    `rdb_last_load_keys_loaded:${st.lastLoadKeysLoaded}`,
  ]
  return {loading, rdb, loadingDetails}
}

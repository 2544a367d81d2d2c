// RDB persistence state and saving (redis rdb.c rdbSave / rdbSaveBackground, server.c
// serverCron save points, prepareForShutdown): SAVE writes the whole file synchronously; BGSAVE
// takes a Snapshot (the fork equivalent) and writes it chunk by chunk between client requests
// to temp-<pid>.rdb, fsync, rename. The save rules, the MISCONF guard and the final save on
// SHUTDOWN/SIGTERM are installed by installRdbPersistence (startNode calls it).
import {ResizePolicy, setDictResizePolicy} from '../keyspace/dict.js'
import {databasesDictCron} from '../keyspace/db-dicts.js'
import {fsyncDir} from '../fsync.js'
import {closeSync, fsyncSync, openSync, renameSync, rmSync, writeSync} from 'node:fs'
import {join} from 'node:path'
import {E, ShutdownRefused} from '../errors.js'
import type {CommandSpec} from '../commands/types.js'
import type {NodeServer, ShutdownOptions} from '../server.js'
import type {Session} from '../session.js'
import {KeyPacer, pacedChunkSize, paceWait, Snapshot, type SnapshotOptions} from './snapshot.js'
import {SaveChild} from './save-child.js'
import {pauseClients, unpause} from '../pause.js'
import {bgchildOomScoreAdj} from '../process-configs.js'
import {constants as osConstants} from 'node:os'

/** redis CONFIG_BGSAVE_RETRY_DELAY: after a failed BGSAVE, save points wait this long. */
const BGSAVE_RETRY_DELAY_MS = 5000

interface BgsaveJob {
  snap: Snapshot
  child: SaveChild
  start: number
  dirtyBefore: number
  /** Keys in the point in time (current_save_keys_total). */
  keysTotal: number
  /** Killed by the node itself (redis kills with SIGUSR1): not an error. */
  killed: boolean
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
  // Read by the cron hz times a second: parsed again only when the `save` text changed.
  const text = server.config.get('save')
  const memo = parsedSave.get(server)
  if (memo !== undefined && memo.text === text) return memo.params
  const words = text.split(/\s+/).filter(Boolean)
  const out: [number, number][] = []
  for (let i = 0; i + 1 < words.length; i += 2) out.push([Number(words[i]), Number(words[i + 1])])
  parsedSave.set(server, {text, params: out})
  return out
}

const parsedSave = new WeakMap<NodeServer, {text: string; params: [number, number][]}>()

function tempPath(server: NodeServer): string {
  return join(server.config.get('dir'), `temp-${process.pid}.rdb`)
}

interface ForegroundSave {
  snap: Snapshot
  /** false once a write failed (logged, temp file removed). */
  write(chunk: Buffer): boolean
  /** fsync, rename over dbfilename, fsync the directory; true on success. */
  commit(): boolean
}

/** rdbSave's steps in the server's own process: temp-<pid>.rdb, write, fsync, rename. */
function beginForegroundSave(server: NodeServer, chunkSize: number): ForegroundSave | null {
  const st = rdbState(server)
  // A background save still running would rename an older point in time over this file.
  abortBgsave(server)
  const tmp = tempPath(server)
  const snap = new Snapshot(server, snapshotOptions(server, {chunkSize}))
  let fd: number
  try {
    fd = openSync(tmp, 'w')
  } catch (e) {
    snap.abort()
    server.log.warning(`Failed opening the temp RDB file ${`temp-${process.pid}.rdb`} (in server root dir ${server.config.get('dir')}) for saving: ${(e as Error).message}`)
    return null
  }
  const failed = (op: string, e: unknown): false => {
    snap.abort()
    try {
      closeSync(fd)
    } catch {
      // already closed
    }
    rmSync(tmp, {force: true})
    server.log.warning(`Write error saving DB on disk(${op}): ${(e as Error).message}`)
    return false
  }
  return {
    snap,
    write(chunk) {
      try {
        writeSync(fd, chunk)
        return true
      } catch (e) {
        return failed('rdbSaveRio', e)
      }
    },
    commit() {
      let op = 'fsync'
      try {
        fsyncSync(fd)
        op = 'fclose'
        closeSync(fd)
      } catch (e) {
        return failed(op, e)
      }
      try {
        renameSync(tmp, rdbPath(server))
      } catch (e) {
        server.log.warning(`Error moving temp DB file temp-${process.pid}.rdb on the final destination ${server.config.get('dbfilename')} (in server root dir ${server.config.get('dir')}): ${(e as Error).message}`)
        rmSync(tmp, {force: true})
        return false
      }
      fsyncDir(server.config.get('dir'))
      server.log.notice('DB saved on disk')
      server.dirty = 0
      server.lastSaveTime = server.clock.now()
      st.lastBgsaveOk = true
      st.saves++
      return true
    },
  }
}

/** SAVE: the whole file now, blocking, as redis' rdbSave; true on success. */
export function saveSync(server: NodeServer): boolean {
  const save = beginForegroundSave(server, 1 << 20)
  if (!save) return false
  for (let c = save.snap.next(); c !== null; c = save.snap.next()) if (!save.write(c)) return false
  return save.commit()
}

/**
 * The final save on SHUTDOWN / SIGTERM / SIGINT. Redis blocks in rdbSave there (sleeping per key
 * under rdb-key-save-delay, a second SIGINT still removes temp-<pid>.rdb and exits from the
 * signal handler). The node does the same steps with the event loop turning between chunks, so
 * signals are handled, while every client is paused: no command runs after the point in time.
 */
async function saveFinal(server: NodeServer): Promise<boolean> {
  pauseClients(server, 'shutdown', Number.MAX_SAFE_INTEGER, 'all')
  const save = beginForegroundSave(server, pacedChunkSize(server, 1 << 20))
  let ok = false
  if (save) {
    const pacer = new KeyPacer(() => server.config.int('rdb-key-save-delay'))
    ok = true
    for (let c = save.snap.next(); c !== null && ok; c = save.snap.next()) {
      ok = save.write(c)
      const wait = pacer.owe(save.snap.keysWritten)
      await new Promise((r) => (wait > 0 ? setTimeout(r, wait) : setImmediate(r)))
    }
    ok &&= save.commit()
  }
  // Saved: the node closes with the held commands never run. Not saved: it keeps serving them.
  if (!ok) unpause(server, 'shutdown')
  return ok
}

/** BGSAVE (rdbSaveBackground): false (and a logged reason) when it could not start. */
export function startBgsave(server: NodeServer): boolean {
  const st = rdbState(server)
  if (st.bgsave) return false
  st.saves++
  st.lastBgsaveTry = server.clock.now()
  st.scheduled = false
  let child: SaveChild
  try {
    child = new SaveChild({
      dir: server.config.get('dir'),
      target: rdbPath(server),
      oomScoreAdj: bgchildOomScoreAdj(server),
      onLog: (level, msg, pid) => server.log.child(level, msg, pid),
    })
  } catch (e) {
    st.lastBgsaveOk = false
    server.log.warning(`Can't save in background: fork: ${(e as Error).message}`)
    return false
  }
  server.stats.totalForks++
  // The Snapshot's construction is the point in time, the moment redis forks.
  const snap = new Snapshot(server, snapshotOptions(server, {chunkSize: pacedChunkSize(server, 64 * 1024)}))
  let keysTotal = 0
  for (const [, ks] of server.databases()) keysTotal += ks.size
  const job: BgsaveJob = {snap, child, start: Date.now(), dirtyBefore: server.dirty, keysTotal, killed: false, done: Promise.resolve(false)}
  st.bgsave = job
  childStateChanged(server)
  server.log.notice(`Background saving started by pid ${child.pid}`)
  job.done = streamToChild(server, job).then(() => finishBgsave(server, job))
  return true
}

/**
 * Feed the child the snapshot, one chunk per turn of the event loop (clients are served between
 * chunks), paced by rdb-key-save-delay as the forked child sleeps per key: the value at the
 * fork counts, a later CONFIG SET does not reach a running child.
 */
async function streamToChild(server: NodeServer, job: BgsaveJob): Promise<void> {
  const delay = server.config.int('rdb-key-save-delay')
  const pacer = new KeyPacer(() => delay)
  for (let c = job.snap.next(); c !== null; c = job.snap.next()) {
    if (!(await job.child.write(c))) break
    const wait = pacer.owe(job.snap.keysWritten)
    if (wait > 0) await paceWait(wait, job.child.exited)
    if (!job.child.running) break
  }
  if (job.snap.done && job.child.running) job.child.commit()
  else job.snap.abort()
}

/** backgroundSaveDoneHandlerDisk, once the child is reaped. */
async function finishBgsave(server: NodeServer, job: BgsaveJob): Promise<boolean> {
  const {code, signal} = await job.child.exited
  job.snap.abort()
  const st = rdbState(server)
  if (st.bgsave === job) st.bgsave = null
  childStateChanged(server)
  st.lastBgsaveTimeSec = Math.round((Date.now() - job.start) / 1000)
  if (signal === null && code === 0) {
    server.log.notice('Background saving terminated with success')
    server.dirty -= job.dirtyBefore
    server.lastSaveTime = server.clock.now()
    st.lastBgsaveOk = true
    return true
  }
  if (signal === null) {
    server.log.warning('Background saving error')
    st.lastBgsaveOk = false
  } else {
    server.log.warning(`Background saving terminated by signal ${osConstants.signals[signal] ?? signal}`)
    job.child.removeTemp()
    // The node's own kill (redis SIGUSR1) is not an error; any other signal is.
    if (!job.killed) st.lastBgsaveOk = false
  }
  return false
}

/** killRDBChild + rdbRemoveTempFile, synchronously: the child can no longer replace dump.rdb. */
function abortBgsave(server: NodeServer): BgsaveJob | null {
  const st = rdbState(server)
  const job = st.bgsave
  if (!job) return null
  job.killed = true
  job.snap.abort()
  job.child.kill()
  st.bgsave = null
  return job
}

/** killRDBChild and wait until it is reaped. */
export async function killBgsave(server: NodeServer): Promise<void> {
  await abortBgsave(server)?.done
}

/**
 * FLUSHALL's persistence side (redis flushAllDataAndResetRDB): a BGSAVE in progress is killed
 * and, when save points exist, the now empty dataset is saved at once so a restart cannot bring
 * the flushed keys back. That save resets the dirty counter to 0 as any save does (FLUSHALL still
 * propagates: it forces its propagation, as redis flushallCommand).
 */
export function flushallSave(server: NodeServer): void {
  abortBgsave(server)
  // Only a node with persistence installed (startNode) writes files on its own: a bare
  // NodeServer (unit tests, embedding) never drops a dump.rdb into the working directory.
  if (!rdbState(server).installed || saveParams(server).length === 0) return
  saveSync(server)
}

/** BGSAVE in progress, for other modules (replication can wait for it, as redis does). */
export function bgsaveInProgress(server: NodeServer): Promise<boolean> | null {
  return rdbState(server).bgsave?.done ?? null
}

// ---------------------------------------------------------------- cron, guard, shutdown

/** serverCron's save points and scheduled BGSAVE. */
function rdbCron(server: NodeServer): void {
  const st = rdbState(server)
  // Redis shuts down synchronously; here the final save is awaited and the cron must not start
  // another background save meanwhile (one killed by the shutdown would otherwise be restarted).
  if (st.bgsave || server.shuttingDown || st.otherChildActive?.()) return
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
    if (s.mustObey || (server as {replicationApplying?: boolean}).replicationApplying) return null
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
  if (await saveFinal(server)) return
  if (opts.force) {
    server.log.warning('Error trying to save the DB. Exit anyway.')
    return
  }
  server.log.warning("Error trying to save the DB, can't exit.")
  throw new ShutdownRefused('final RDB save failed')
}

/** redis hasActiveChildProcess: a BGSAVE, an AOF rewrite or a full sync's snapshot child. */
export function hasActiveChild(server: NodeServer): boolean {
  const st = rdbState(server)
  return st.bgsave !== null || st.otherChildActive?.() === true || server.replication?.job?.isChild === true
}

/**
 * A child process started or ended (BGSAVE, AOF rewrite, full sync). redis checks
 * hasActiveChildProcess where it matters: dicts avoid resizing (updateDictResizePolicy, dict.ts)
 * and lookups leave keys' access data alone (lookupKey: no LRU/LFU update while a child exists,
 * so the child's copy-on-write pages stay shared).
 */
export function childStateChanged(server: NodeServer): void {
  const active = hasActiveChild(server)
  setDictResizePolicy(active ? ResizePolicy.AVOID : ResizePolicy.ENABLE)
  server.childFlag.active = active
}

/** Cron save points, MISCONF guard, final save on shutdown. Idempotent. */
export function installRdbPersistence(server: NodeServer): void {
  const st = rdbState(server)
  if (st.installed) return
  st.installed = true
  server.cronHooks.push(() => {
    childStateChanged(server)
    databasesDictCron(server.databases().map(([, db]) => db), hasActiveChild(server), server.config.bool('activerehashing'))
    rdbCron(server)
  })
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
    `current_fork_perc:${job && job.keysTotal ? ((Math.min(job.snap.keysWritten, job.keysTotal) / job.keysTotal) * 100).toFixed(2) : '0.00'}`,
    `current_save_keys_processed:${job ? job.snap.keysWritten : 0}`,
    `current_save_keys_total:${job ? job.keysTotal : 0}`,
    `rdb_changes_since_last_save:${server.dirty}`,
    // a replication sync's snapshot is an RDB child in redis too (child_type CHILD_TYPE_RDB)
    `rdb_bgsave_in_progress:${job || server.replication?.job?.isChild ? 1 : 0}`,
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

// Loading persisted data (redis server.c loadDataFromDisk, rdb.c rdbLoad): at start-up, once the
// node listens (clients get -LOADING meanwhile), either the AOF (appendonly yes) or
// dir/dbfilename. The file is streamed through RdbStreamParser in reads of at most 1 MiB, so it
// never sits in memory whole. A corrupt or
// truncated file refuses the start with redis' wording, and whatever was loaded is dropped:
// never half a dataset. DEBUG RELOAD (save, flush, load) lives here too.
import {closeSync, existsSync, fstatSync, openSync, readSync} from 'node:fs'
import {NodeStartError, ServerAssertion} from '../errors.js'
import {logAssertion} from '../crash.js'
import type {NodeServer} from '../server.js'
import {installFunctions, loadEntry} from './load.js'
import {RdbStreamParser} from './rdb-stream.js'
import {RdbCrcMismatchError, RdbFormatError} from './rdb-value.js'
import {rdbPath, rdbState, saveSync} from './rdb-save.js'
import {LoadAborted, LoadBreaks} from './loading.js'
import {loadAof} from './aof.js'

export interface RdbLoadResult {
  keysLoaded: number
  keysExpired: number
  aux: Map<string, string>
  seconds: number
}

export interface RdbLoadOptions {
  /** DEBUG RELOAD MERGE: replace existing keys instead of failing on duplicates. */
  allowDuplicates?: boolean
  /** A key skipped because its TTL had passed (redis RDBFLAGS_FEED_REPL: a master's start-up load feeds its DEL to the backlog). */
  onExpired?: (db: number, key: string) => void
}

/**
 * One RDB load, a chunk at a time (redis rdbLoadRio): `step()` reads and parses the next chunk
 * and returns true at the end of the file; `finish()` checks the end and installs the function
 * libraries. INFO's loading_* fields follow it (rdbState.loading) until `close()`.
 */
class RdbFileLoad {
  readonly result: RdbLoadResult = {keysLoaded: 0, keysExpired: 0, aux: new Map(), seconds: 0}
  private readonly fd: number
  private readonly parser: RdbStreamParser
  private readonly functions: string[] = []
  private readonly buf: Buffer
  private readonly started = Date.now()
  private emptyKeysSkipped = 0

  constructor(
    private readonly server: NodeServer,
    file: string,
    private readonly opts: RdbLoadOptions,
    chunk: number,
  ) {
    const result = this.result
    this.fd = openSync(file, 'r')
    this.parser = new RdbStreamParser({
      onEntry: (db, e) => {
        if (loadEntry(server, db, e, {allowDuplicates: opts.allowDuplicates})) result.keysLoaded++
        else {
          result.keysExpired++
          opts.onExpired?.(db, e.key)
        }
      },
      onAux: (k, v) => {
        result.aux.set(k, v)
        if (k === 'redis-ver') server.log.notice(`Loading RDB produced by version ${v}`)
        else if (k === 'ctime') server.log.notice(`RDB age ${Math.max(0, Math.floor(Date.now() / 1000) - Number(v))} seconds`)
        else if (k === 'used-mem') {
          server.log.notice(`RDB memory usage when created ${(Number(v) / 1024 / 1024).toFixed(2)} Mb`)
          const l = rdbState(server).loading
          if (l) l.rdbUsedMem = Number(v) // INFO loading_rdb_used_mem (redis rdbLoadRio)
        }
      },
      onResizeDb: (db, size, expires) => {
        if (db < server.databaseCount) server.db(db).presizeDicts(size, expires)
      },
      onEmptyKey: (key) => {
        if (this.emptyKeysSkipped++ < 10) server.log.warning(`rdbLoadObject skipping empty key: ${key}`)
      },
      onFunction: (code) => void this.functions.push(code),
      skipChecksum: !server.config.bool('rdbchecksum') || server.skipChecksumValidation,
    })
    this.buf = Buffer.allocUnsafe(chunk)
    try {
      rdbState(server).loading = {start: this.started, totalBytes: fstatSync(this.fd).size, loadedBytes: 0}
    } catch (e) {
      closeSync(this.fd)
      throw e
    }
  }

  /** Keys read so far (loaded or skipped as expired): key-load-delay paces on them. */
  get keys(): number {
    return this.result.keysLoaded + this.result.keysExpired
  }

  step(): boolean {
    const n = readSync(this.fd, this.buf, 0, this.buf.length, null)
    if (n === 0) return true
    // The parser may keep a view of the chunk as its tail: hand it a copy.
    this.parser.feed(Buffer.from(this.buf.subarray(0, n)))
    rdbState(this.server).loading!.loadedBytes += n
    return this.parser.finished
  }

  finish(): RdbLoadResult {
    this.parser.end()
    if (this.functions.length !== 0) installFunctions(this.server, this.functions, this.opts.allowDuplicates)
    const st = rdbState(this.server)
    const result = this.result
    result.seconds = (Date.now() - this.started) / 1000
    st.lastLoadKeysLoaded = result.keysLoaded
    st.lastLoadKeysExpired = result.keysExpired
    st.lastLoadedAux = result.aux
    if (this.emptyKeysSkipped !== 0) this.server.log.warning(`Done loading RDB, keys loaded: ${result.keysLoaded}, keys expired: ${result.keysExpired}, empty keys skipped: ${this.emptyKeysSkipped}.`)
    else this.server.log.notice(`Done loading RDB, keys loaded: ${result.keysLoaded}, keys expired: ${result.keysExpired}.`)
    return result
  }

  close(): void {
    closeSync(this.fd)
    rdbState(this.server).loading = null
  }
}

/**
 * Load an RDB file into the (normally empty) keyspace, synchronously (DEBUG RELOAD). Throws
 * RdbFormatError (message worded like redis' rdbReportError) or a filesystem error.
 */
export function loadRdbFile(server: NodeServer, file: string, opts: RdbLoadOptions = {}): RdbLoadResult {
  const load = new RdbFileLoad(server, file, opts, 1 << 20)
  try {
    while (!load.step());
    return load.finish()
  } finally {
    load.close()
  }
}

/** Start-up RDB load: like loadRdbFile, with the event loop served between chunks. */
async function loadRdbFileAtStart(server: NodeServer, file: string, opts: RdbLoadOptions, progress: {bytes: number}): Promise<RdbLoadResult> {
  const breaks = new LoadBreaks(server)
  const load = new RdbFileLoad(server, file, opts, breaks.chunk())
  try {
    for (;;) {
      const done = load.step()
      progress.bytes = rdbState(server).loading!.loadedBytes
      if (done) break
      const pause = breaks.after(progress.bytes, load.keys)
      if (pause !== null) await pause
    }
    return load.finish()
  } finally {
    load.close()
  }
}

/**
 * The log lines redis writes for a load failure: rdbLoadRio's own warning where it has one
 * (checksum, short read), then rdbReportError's "Internal error in RDB reading offset N, function
 * at rdb.c:L -> reason" (offset: redis server.loading_loaded_bytes; L: the 7.0.15 line of the report, known for the checksum and EOF
 * reports only); a file that cannot be read gives loadDataFromDisk's "Fatal error loading the DB".
 */
export function loadErrorLines(e: unknown, offset = 0): string[] {
  const msg = e instanceof Error ? e.message : String(e)
  const report = (line: number | string, reason: string) => `Internal error in RDB reading offset ${offset}, function at rdb.c:${line} -> ${reason}`
  if (e instanceof RdbCrcMismatchError) return [msg, report('3216', 'RDB CRC error')]
  if (e instanceof RdbFormatError) {
    if (/^truncated/.test(msg)) return ['Short read or OOM loading DB. Unrecoverable error, aborting now.', report('3240', 'Unexpected EOF reading RDB file')]
    if (e.report) return [report(e.report.line, e.report.reason)]
    return [`Internal error in RDB reading -> ${msg}`]
  }
  return [`Fatal error loading the DB: ${msg}. Exiting.`]
}

/** redis emptyData without EMPTYDB_NOFUNCTIONS: keys and function libraries. */
function flushAll(server: NodeServer): void {
  server.beforeWrite(-1, null)
  for (const [, d] of server.databases()) d.flush()
  const fx = server.scripting?.functions
  fx?.clear(fx.current)
}

/**
 * Start-up loading, called by startNode before listening. Throws NodeStartError (the process
 * exits 2 with the message) when the data cannot be loaded completely.
 */
export async function loadPersistedData(server: NodeServer): Promise<void> {
  if (server.config.bool('appendonly')) {
    // appendonly yes loads the AOF (manifest, base + incr files), never the RDB, like redis loadDataFromDisk.
    return loadAof(server)
  }
  // redis loadDataFromDisk: a master loads with a backlog, so the DELs of keys that expired while
  // it was down are part of its stream; the history saved in the RDB is then rebased on it.
  const repl = server.startsAsReplica ? undefined : server.replication
  repl?.startLoadAsMaster()
  const file = rdbPath(server)
  if (!existsSync(file)) return void repl?.restoreFromRdb(new Map())
  const progress = {bytes: 0} // bytes loaded before a failing read: the offset redis reports
  try {
    const r = await loadRdbFileAtStart(server, file, {onExpired: repl && ((db, key) => repl.feedLoadExpired(db, key))}, progress)
    repl?.restoreFromRdb(r.aux)
    server.log.notice(`DB loaded from disk: ${r.seconds.toFixed(3)} seconds`)
  } catch (e) {
    flushAll(server)
    if (e instanceof LoadAborted) throw e // never start with half the data
    if (e instanceof ServerAssertion) {
      // an assertion or panic while loading (e.g. a hash listpack with duplicates converted)
      logAssertion(server, e)
      throw new NodeStartError(e.message, 1)
    }
    // redis updates loading_loaded_bytes once per loading-process-events-interval-bytes read
    const every = server.config.int('loading-process-events-interval-bytes')
    const lines = loadErrorLines(e, Math.floor(progress.bytes / every) * every)
    // redis exits 1 either way (rdbReportError runs redis-check-rdb on the file first, which
    // prints its own report and exits; the node has no checker to run)
    for (const l of lines) server.log.warning(l)
    if (e instanceof RdbFormatError) {
      // rdbReportError while loading a file: redis-check-rdb's error block on stdout, then the exit
      const last = lines[lines.length - 1]
      process.stdout.write(`--- RDB ERROR DETECTED ---\n[offset ${progress.bytes}] ${last}\n`)
      server.log.warning('Terminating server after rdb file reading failure.')
    }
    throw new NodeStartError(`${lines.join('\n')}\n(file ${file})`, 1)
  }
}

/**
 * DEBUG RELOAD [MERGE] [NOFLUSH] [NOSAVE]: save, flush, load the file back. Returns the error
 * reply text, or null on success.
 */
export function debugReload(server: NodeServer, flags: string[]): string | null {
  let merge = false
  let flush = true
  let save = true
  for (const f of flags.map((x) => x.toLowerCase())) {
    if (f === 'merge') merge = true
    else if (f === 'noflush') flush = false
    else if (f === 'nosave') save = false
    else return "ERR DEBUG RELOAD only supports the MERGE, NOFLUSH and NOSAVE options."
  }
  if (save && !saveSync(server)) return 'ERR'
  if (flush) flushAll(server)
  try {
    const r = loadRdbFile(server, rdbPath(server), {allowDuplicates: merge})
    server.log.notice(`DB reloaded by DEBUG RELOAD: ${r.seconds.toFixed(3)} seconds`)
  } catch (e) {
    for (const l of loadErrorLines(e)) server.log.warning(l)
    return 'ERR Error trying to load the RDB dump, check server logs.'
  }
  return null
}

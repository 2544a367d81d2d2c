// Start-up loading of the AOF (redis 7.0 loadAppendOnlyFiles / loadSingleAppendOnlyFile): the
// manifest's BASE (an RDB with aof-base, streamed through RdbStreamParser in chunks, or commands)
// then every INCR file in order, each command run through the dispatcher by a socketless session
// like redis's fake AOF client. A pre-7.0 single appendonly.aof in `dir` is moved into the
// directory first (aofUpgradePrepare); its command tail starts where the parser saw the RDB end. A
// truncated tail of the last file is cut off when aof-load-truncated is yes; anything else
// that is wrong refuses the start with redis's wording (AofLoadError).
import {closeSync, existsSync, fstatSync, mkdirSync, openSync, readFileSync, readSync, renameSync, statSync, truncateSync} from 'node:fs'
import {join} from 'node:path'
import type {NodeServer} from '../server.js'
import {Session} from '../session.js'
import {dispatch} from '../dispatcher.js'
import {AofManifest, AofManifestError} from './aof-manifest.js'
import {installFunctions, loadEntry} from './load.js'
import {RdbStreamParser} from './rdb-stream.js'
import {RdbFormatError} from './rdb-value.js'
import {rdbState} from './rdb-save.js'
import {LoadBreaks} from './loading.js'
import {strerror} from '../errors.js'

export class AofLoadError extends Error {}

export interface AofLoadResult {
  manifest: AofManifest
  /** sum of BASE + INCR sizes (aof_current_size) and the BASE size (aof_rewrite_base_size) */
  totalSize: number
  baseSize: number
  status: 'ok' | 'not-exist' | 'empty' | 'truncated'
}

type FileStatus = 'ok' | 'empty' | 'truncated'

export function aofPaths(server: NodeServer): {dir: string; aofDir: string; filename: string} {
  const dir = server.config.get('dir')
  return {dir, aofDir: join(dir, server.config.get('appenddirname')), filename: server.config.get('appendfilename')}
}

export function readManifest(server: NodeServer): AofManifest {
  const {aofDir, filename} = aofPaths(server)
  const path = join(aofDir, `${filename}.manifest`)
  if (!existsSync(aofDir) || !existsSync(path)) return new AofManifest()
  try {
    return AofManifest.parse(readFileSync(path, 'latin1'))
  } catch (e) {
    if (!(e instanceof AofManifestError)) throw new AofLoadError(`Fatal error: can't open the AOF manifest file ${path} for reading: ${strerror(e)}`)
    const log = server.log
    log.warning('\n*** FATAL AOF MANIFEST FILE ERROR ***\n')
    if (e.line !== undefined) {
      log.warning(`Reading the manifest file, at line ${e.lineNo}\n`)
      log.warning(`>>> '${e.line}'\n`)
    }
    log.warning(`${e.message}\n`)
    throw new AofLoadError(`Fatal AOF manifest file error: ${e.message}`)
  }
}

/**
 * Loads the AOF described by `m` (read at start-up by readManifest; may be upgraded here) into
 * the (empty) keyspace; throws AofLoadError when the node must not start.
 */
export async function loadAofFiles(server: NodeServer, m: AofManifest): Promise<AofLoadResult> {
  const {dir, aofDir, filename} = aofPaths(server)
  // aofUpgradePrepare: an old single-file AOF in `dir` becomes the BASE of a new manifest.
  if (existsSync(join(dir, filename)) && !existsSync(join(aofDir, filename))) {
    const noFiles = m.base === null && m.incr.length === 0
    const onlyOldBase = m.base !== null && m.incr.length === 0 && m.base.name === filename
    if (!existsSync(aofDir) || noFiles || onlyOldBase) {
      mkdirSync(aofDir, {recursive: true})
      m.base = {name: filename, seq: 1, type: 'b'}
      m.baseSeq = 1
      m.persist(aofDir, filename)
      renameSync(join(dir, filename), join(aofDir, filename))
      server.log.notice(`Successfully migrated an old-style AOF file (${filename}) into the AOF directory (${server.config.get('appenddirname')}).`)
    }
  }
  if (m.base === null && m.incr.length === 0) return {manifest: m, totalSize: 0, baseSize: 0, status: 'not-exist'}
  const files = [...(m.base ? [m.base] : []), ...m.incr]
  let total = 0
  for (const f of files) {
    try {
      total += statSync(join(aofDir, f.name)).size
    } catch (e) {
      server.log.warning(`Unable to obtain the AOF file ${f.name} length. stat: ${strerror(e)}`)
      throw new AofLoadError(`The AOF file ${f.name} listed in the manifest is missing`)
    }
  }
  if (total === 0) return {manifest: m, totalSize: 0, baseSize: 0, status: 'empty'}

  // Like redis's fake client, loading bypasses guards (read-only replica, LOADING, ...: the
  // dispatcher skips them for a loader session) and propagates nothing: the commands are already
  // in these files.
  const hooks = server.propagateHooks.splice(0)
  // redis startLoadingFile: INFO's loading_* fields, -LOADING to clients between chunks
  const wasLoading = server.loading
  server.loading = true
  const st = rdbState(server)
  const loading = (st.loading = {start: Date.now(), totalBytes: total, loadedBytes: 0})
  const breaks = new LoadBreaks(server)
  let before = 0
  const progress = (inFile: number) => {
    loading.loadedBytes = before + inFile
    return breaks.after(loading.loadedBytes, 0)
  }
  // The fake client's commands are not client traffic (total_commands_processed stays put);
  // the dirty counter does move, as in redis.
  const commandsBefore = server.stats.totalCommands
  server.freezeExpiry(true)
  let status: AofLoadResult['status'] = 'ok'
  let baseSize = 0
  try {
    for (let i = 0; i < files.length; i++) {
      const f = files[i]
      const last = i === files.length - 1
      const start = performance.now()
      const r = await loadSingleFile(server, aofDir, f.name, f.name === filename, progress)
      const size = statSync(join(aofDir, f.name)).size
      before += size
      if (f === m.base) baseSize = size
      if (r === 'truncated' && !last) {
        server.log.warning('Fatal error: the truncated file is not the last file')
        throw new AofLoadError(`Fatal error: the truncated AOF file ${f.name} is not the last file`)
      }
      if (r === 'truncated') status = 'truncated'
      const kind = f === m.base ? 'base' : 'incr'
      if (r !== 'empty') server.log.notice(`DB loaded from ${kind} file ${f.name}: ${((performance.now() - start) / 1000).toFixed(3)} seconds`)
    }
  } finally {
    server.freezeExpiry(false)
    st.loading = null
    server.loading = wasLoading
    server.propagateHooks.push(...hooks)
    server.stats.totalCommands = commandsBefore
  }
  return {manifest: m, totalSize: statTotal(aofDir, files.map((f) => f.name)), baseSize, status}
}

function statTotal(dir: string, names: string[]): number {
  return names.reduce((n, name) => n + statSync(join(dir, name)).size, 0)
}

class Truncated extends Error {}
class BadFormat extends Error {}

/** Files are read 4 MiB at a time (a large BASE or INCR file never sits in memory whole); tests lower it. */
export const aofReadTuning = {chunk: 4 << 20}

/** Reports the bytes of the file done so far; a promise means: wait for it (a loading break). */
type Progress = (bytes: number) => Promise<void> | null

async function loadSingleFile(server: NodeServer, aofDir: string, name: string, oldStyle: boolean, progress: Progress): Promise<FileStatus> {
  const path = join(aofDir, name)
  const fd = openSync(path, 'r')
  try {
    const size = fstatSync(fd).size
    if (size === 0) return 'empty'
    let buf = readChunk(fd, 0, Math.min(size, aofReadTuning.chunk))
    /** file offset of buf[0] */
    let base = 0
    let pos = 0
    if (buf.length >= 5 && buf.toString('latin1', 0, 5) === 'REDIS') {
      // An RDB BASE (or an old-style preamble), streamed: the parser says where the RDB ends
      // (EOF opcode + checksum); an old-style file's command tail starts there.
      server.log.notice(oldStyle ? 'Reading RDB preamble from AOF file...' : 'Reading RDB base file on AOF loading...')
      let rdbEnd: number
      try {
        rdbEnd = loadRdbPart(server, fd, size, buf)
      } catch (e) {
        server.log.warning(oldStyle ? `Error reading the RDB preamble of the AOF file ${name}, AOF loading aborted` : `Error reading the RDB base file ${name}, AOF loading aborted`)
        throw new AofLoadError(`Error reading the RDB ${oldStyle ? 'preamble of the AOF file' : 'base file'} ${name}: ${(e as Error).message}`)
      }
      if (oldStyle) server.log.notice('Reading the remaining AOF tail...')
      base = rdbEnd
      buf = readChunk(fd, rdbEnd, Math.min(size - rdbEnd, aofReadTuning.chunk))
    }
    /** Keep the unparsed tail and append the next chunk; false at end of file. */
    const more = (): boolean => {
      const end = base + buf.length
      if (end >= size) return false
      // At least as much again as is pending: a huge command costs O(n) copies, not O(n^2).
      const next = readChunk(fd, end, Math.min(size - end, Math.max(aofReadTuning.chunk, buf.length - pos)))
      buf = Buffer.concat([buf.subarray(pos), next])
      base += pos
      pos = 0
      return true
    }
    return await replayCommands(server, name, path, () => buf, () => pos, (p) => void (pos = p), () => base, more, progress)
  } finally {
    closeSync(fd)
  }
}

function readChunk(fd: number, offset: number, length: number): Buffer {
  const out = Buffer.allocUnsafe(length)
  let got = 0
  while (got < length) {
    const n = readSync(fd, out, got, length - got, offset + got)
    if (n === 0) break
    got += n
  }
  return got === length ? out : out.subarray(0, got)
}

async function replayCommands(
  server: NodeServer,
  name: string,
  path: string,
  buf: () => Buffer,
  pos: () => number,
  setPos: (p: number) => void,
  base: () => number,
  more: () => boolean,
  progress: Progress,
): Promise<FileStatus> {
  const s = new Session(server, null)
  s.authenticated = true
  s.loader = true
  let validUpTo = base() + pos()
  let validBeforeMulti = validUpTo
  try {
    for (;;) {
      if (pos() >= buf().length && !more()) break
      let parsed: [string[] | null, number]
      try {
        parsed = parseNext(buf(), pos())
      } catch (e) {
        if (e instanceof Truncated && more()) continue
        throw e
      }
      const [argv, next] = parsed
      if (argv === null) {
        setPos(next) // an annotation line
        continue
      }
      const spec = server.commands.lookup(argv[0])
      if (spec === undefined) {
        server.log.warning(`Unknown command '${argv[0]}' reading the append only file ${name}`)
        throw new AofLoadError(`Unknown command '${argv[0]}' reading the append only file ${name}`)
      }
      if (spec.name === 'multi') validBeforeMulti = validUpTo
      const res = dispatch(s, argv)
      if (res !== undefined) await res
      s.reply.clear()
      setPos(next)
      validUpTo = base() + next
      const pause = progress(validUpTo)
      if (pause !== null) await pause
    }
    if (s.multi !== null) {
      server.log.warning(`Revert incomplete MULTI/EXEC transaction in AOF file ${name}`)
      validUpTo = validBeforeMulti
      throw new Truncated()
    }
    return 'ok'
  } catch (e) {
    if (e instanceof BadFormat) {
      const msg = `Bad file format reading the append only file ${name}: make a backup of your AOF file, then use ./redis-check-aof --fix <filename.manifest>`
      server.log.warning(msg)
      throw new AofLoadError(msg)
    }
    if (!(e instanceof Truncated)) throw e
    return truncatedTail(server, path, name, validUpTo)
  }
}

/** The next command, or [null, next] for a "#..." annotation line. */
function parseNext(buf: Buffer, pos: number): [string[] | null, number] {
  if (buf[pos] === 0x23 /* # */) {
    const nl = buf.indexOf(10, pos)
    if (nl < 0) throw new Truncated()
    return [null, nl + 1]
  }
  return parseCommand(buf, pos)
}

function truncatedTail(server: NodeServer, path: string, name: string, validUpTo: number): FileStatus {
  if (server.config.bool('aof-load-truncated')) {
    server.log.warning(`!!! Warning: short read while loading the AOF file ${name}!!!`)
    server.log.warning(`!!! Truncating the AOF ${name} at offset ${validUpTo} !!!`)
    try {
      truncateSync(path, validUpTo)
      server.log.warning(`AOF ${name} loaded anyway because aof-load-truncated is enabled`)
      return 'truncated'
    } catch (e) {
      server.log.warning(`Error truncating the AOF file ${name}: ${(e as Error).message}`)
    }
  }
  const msg =
    `Unexpected end of file reading the append only file ${name}. You can: ` +
    '1) Make a backup of your AOF file, then use ./redis-check-aof --fix <filename.manifest>. ' +
    "2) Alternatively you can set the 'aof-load-truncated' configuration option to yes and restart the server."
  server.log.warning(msg)
  throw new AofLoadError(msg)
}

/** One `*<argc>\r\n($<len>\r\n<bytes>\r\n)*` command; Truncated at end of data, BadFormat otherwise. */
function parseCommand(buf: Buffer, pos: number): [string[], number] {
  const line = (p: number): [string, number] => {
    const nl = buf.indexOf(10, p)
    if (nl < 0) throw new Truncated()
    return [buf.toString('latin1', p, nl > p && buf[nl - 1] === 13 ? nl - 1 : nl), nl + 1]
  }
  if (buf[pos] !== 0x2a /* * */) throw new BadFormat()
  let [text, p] = line(pos)
  if (text.length === 1) throw new Truncated()
  const argc = parseInt(text.slice(1), 10)
  if (!(argc >= 1)) throw new BadFormat()
  const argv: string[] = new Array(argc)
  for (let j = 0; j < argc; j++) {
    if (p >= buf.length) throw new Truncated()
    if (buf[p] !== 0x24 /* $ */) throw new BadFormat()
    ;[text, p] = line(p)
    const len = parseInt(text.slice(1), 10)
    if (!(len >= 0)) throw new BadFormat()
    if (p + len + 2 > buf.length) throw new Truncated()
    argv[j] = buf.toString('latin1', p, p + len)
    p += len + 2
  }
  return [argv, p]
}

/**
 * Streams the RDB at the start of the file (`first` holds its first bytes) through
 * RdbStreamParser in aofReadTuning.chunk reads; returns its length in bytes. Throws
 * RdbFormatError on corrupt or truncated data (nothing after the RDB is read as RDB).
 */
function loadRdbPart(server: NodeServer, fd: number, size: number, first: Buffer): number {
  const functions: string[] = []
  const parser = new RdbStreamParser({
    // RDBFLAGS_AOF_PREAMBLE: keys already expired are kept (the INCR's DEL or expiry follows).
    onEntry: (db, e) => void loadEntry(server, db, e, {keepExpired: true}),
    // Never a silent partial dataset (as start-up RDB loading and replication refuse them too).
    onFunction: (code) => void functions.push(code),
    skipChecksum: !server.config.bool('rdbchecksum'),
  })
  parser.feed(first)
  for (let at = first.length; !parser.finished && at < size; ) {
    // A fresh buffer per read: the parser may keep a view of it as its unparsed tail.
    const chunk = readChunk(fd, at, Math.min(size - at, aofReadTuning.chunk))
    if (chunk.length === 0) break
    parser.feed(chunk)
    at += chunk.length
  }
  parser.end()
  if (functions.length !== 0) installFunctions(server, functions)
  return parser.offset
}

// The background-save child process: what redis' fork() gives BGSAVE (rdb.c rdbSaveBackground)
// and BGREWRITEAOF for a Node.js server that cannot fork. The parent keeps the point in time (a
// Snapshot, copy-on-write per key) and streams the file's bytes; the child is a real process
// (`pgrep -P`, /proc/<pid>, the bgchild oom_score_adj, killable) that writes them to
// temp-<childpid>.rdb in `dir` and fsyncs it. The child is coreutils' dd, not a second Node.js
// (only where no such dd runs: a Node.js copier with dd's contract, below):
// a Node.js start costs 40 ms of CPU on an idle machine and 150-250 ms on a loaded one (V8 and
// the bootstrap), dd about 1 ms, so a small save ends within milliseconds as redis's forked child
// does (Redis's scripting suite shuts down right after the first AOF rewrite of an empty dataset,
// which redis refuses while that rewrite runs).
//
// dd copies its stdin to the temp file (its stdout, opened by the parent) and fsyncs it
// (conv=fsync) at the end of the stream. The parent ends the stream with commit(); once dd exited
// 0 after a commit the parent renames the temp file over the target and fsyncs the directory, the
// last steps of redis' rdbSave, and logs "DB saved on disk" as the child's line. A stream that
// ends otherwise (the parent gave up) never replaces the target, and a parent that dies renames
// nothing. Exit 0 = saved, 1 = error (logged), a signal = killed.
import {spawn, spawnSync, type ChildProcess} from 'node:child_process'
import {closeSync, fsyncSync, openSync, renameSync, rmSync, writeFileSync} from 'node:fs'
import {basename, dirname, join, resolve} from 'node:path'
import {tmpdir} from 'node:os'

/** dd: stdin to stdout in pipe-sized reads, fsync at the end, no transfer statistics. */
const DD_ARGS = ['bs=64K', 'conv=fsync', 'status=none']

// Where no dd with `conv=fsync status=none` runs (Windows, a dd without those operands), the child
// is a Node.js copier with dd's contract: the same operands, stdin to stdout (or `of=`), fsync at
// the end, dd's error lines on stderr and exit 1. It costs a Node.js start (~40 ms of CPU idle).
const COPIER_SOURCE = String.raw`'use strict';(function () {
const fs = require('fs')
const why = (e) => { const m = /^[A-Z0-9]+: ([^,]*)/.exec(e.message); const t = m ? m[1] : e.message; return t.charAt(0).toUpperCase() + t.slice(1) }
const die = (line) => { process.stderr.write('dd: ' + line + '\n', () => process.exit(1)) }
const of = (process.argv.slice(1).find((a) => a.startsWith('of=')) || '').slice(3)
let fd = 1
if (of) try { fd = fs.openSync(of, 'w', 0o644) } catch (e) { return die("failed to open '" + of + "': " + why(e)) }
const name = of ? "'" + of + "'" : "'standard output'"
let failed = false
process.stdin.on('data', (c) => {
  if (failed) return
  try { for (let w = 0; w < c.length;) w += fs.writeSync(fd, c, w, c.length - w) }
  catch (e) { failed = true; die('error writing ' + name + ': ' + why(e)) }
})
process.stdin.on('end', () => {
  if (failed) return
  try { fs.fsyncSync(fd) } catch (e) { return die('fsync failed for ' + name + ': ' + why(e)) }
  process.exit(0)
})
})()`

let ddWorks: boolean | undefined
/** Tests: force the copier (false) or re-detect (undefined). */
export function setDdForTest(v: boolean | undefined): void {
  ddWorks = v
}
/** The child's command: dd when it runs with DD_ARGS here (checked once), else the copier. */
function childCommand(): [string, string[]] {
  if (ddWorks === undefined) {
    try {
      const probe = join(tmpdir(), `redis-ts-dd-probe-${process.pid}`)
      ddWorks = spawnSync('dd', [`of=${probe}`, ...DD_ARGS], {stdio: ['ignore', 'ignore', 'ignore'], timeout: 5000}).status === 0
      rmSync(probe, {force: true})
    } catch {
      ddWorks = false
    }
  }
  return ddWorks ? ['dd', DD_ARGS] : [process.execPath, ['-e', COPIER_SOURCE, ...DD_ARGS]]
}

let seq = 0

export interface SaveChildOptions {
  /** The server's `dir`: the temp file is written there. */
  dir: string
  /** Final path the temp file is renamed to once the child saved it; '' leaves the temp file for the caller. */
  target: string
  /** oom_score_adj of the child (redis setOOMScoreAdj(CONFIG_OOM_BGCHILD)); null = leave it. */
  oomScoreAdj: number | null
  /** Temp file name = prefix + child pid + suffix (redis: "temp-", ".rdb"). */
  tmpPrefix?: string
  tmpSuffix?: string
  /** A line of the child's (redis logs them with the child's pid and role C). */
  onLog: (level: 'notice' | 'warning', msg: string, pid: number) => void
}

export interface SaveChildExit {
  code: number | null
  signal: NodeJS.Signals | null
}

/** One running child. write() honours the pipe's back-pressure; commit() ends the stream. */
export class SaveChild {
  readonly pid: number
  readonly tmpPath: string
  readonly exited: Promise<SaveChildExit>
  private readonly proc: ChildProcess
  private gone = false
  private committed = false
  private killed = false

  /** Throws (redis "Can't save in background: fork: ...") when no process could be started. */
  constructor(private readonly opts: SaveChildOptions) {
    const dir = resolve(opts.dir)
    const prefix = opts.tmpPrefix ?? 'temp-'
    const suffix = opts.tmpSuffix ?? '.rdb'
    // The parent opens the temp file and hands it to the child as its stdout, renamed to the
    // child's pid as soon as it is known: the file exists when BGSAVE replies, as after redis'
    // fork(). When it cannot be opened, dd tries itself and fails with the reason, logged as
    // redis' "Failed opening the temp RDB file" (BGSAVE still replies "started").
    const provisional = join(dir, `${prefix}${process.pid}-${++seq}${suffix}.part`)
    let fd: number | null = null
    try {
      fd = openSync(provisional, 'w', 0o644)
    } catch {
      fd = null
    }
    let proc: ChildProcess
    try {
      const [cmd, args] = childCommand()
      proc = spawn(cmd, fd === null ? [...args, `of=${provisional}`] : args, {
        stdio: ['pipe', fd ?? 'ignore', 'pipe'],
        // No cwd: a removed `dir` must fail in the child (reported, exit 1), not in spawn.
        env: {...process.env, LC_ALL: 'C'},
      })
    } finally {
      if (fd !== null) closeSync(fd)
    }
    // a spawn that failed (no dd on PATH) reports it as an 'error' event after the throw below
    proc.on('error', () => undefined)
    const pid = proc.pid
    const tmpPath = join(dir, `${prefix}${pid}${suffix}`)
    try {
      if (pid === undefined) throw new Error('no child process')
      if (fd !== null) renameSync(provisional, tmpPath)
    } catch (e) {
      if (pid !== undefined) proc.kill('SIGKILL')
      rmSync(provisional, {force: true})
      throw e
    }
    this.proc = proc
    this.pid = pid
    this.tmpPath = fd === null ? provisional : tmpPath
    // redis setOOMScoreAdj(CONFIG_OOM_BGCHILD) in the child: set from here on its /proc entry
    if (opts.oomScoreAdj !== null) {
      try {
        writeFileSync(`/proc/${pid}/oom_score_adj`, `${opts.oomScoreAdj}\n`)
      } catch (e) {
        opts.onLog('warning', `Unable to write oom_score_adj: ${(e as Error).message}`, pid)
      }
    }
    // EPIPE after the child died (kill -9): its exit status tells the story.
    proc.stdin!.on('error', () => undefined)
    let stderr = ''
    proc.stderr!.setEncoding('utf8')
    proc.stderr!.on('data', (s: string) => void (stderr += s))
    const tmpName = basename(tmpPath)
    // 'close': the exit status and every line dd printed are in.
    this.exited = new Promise((res) =>
      proc.once('close', (code, signal) => {
        this.gone = true
        res(signal === null ? {code: this.finish(code ?? 1, stderr, tmpName), signal} : {code, signal})
      }),
    )
  }

  /** After dd exited: the rename of redis' rdbSave on success, the child's error line otherwise. */
  private finish(code: number, stderr: string, tmpName: string): number {
    const {dir, target, onLog} = this.opts
    const fail = (msg: string) => {
      onLog('warning', msg, this.pid)
      this.removeTemp()
      return 1
    }
    if (code !== 0) {
      // "dd: failed to open 'x': No such file or directory", "dd: error writing 'standard output': ..."
      const line = stderr.trim().split('\n')[0] ?? ''
      const reason = line.slice(line.lastIndexOf(': ') + 2)
      if (line.includes('failed to open')) return fail(`Failed opening the temp RDB file ${tmpName} (in server root dir ${resolve(dir)}) for saving: ${reason}`)
      return fail(`Write error saving DB on disk(${line.includes('fsync') ? 'fsync' : 'rdbSaveRio'}): ${reason}`)
    }
    if (!this.committed) return fail('Background save stream ended before the end of the RDB')
    if (target === '' || this.killed) return 0
    const dest = resolve(target)
    try {
      renameSync(this.tmpPath, dest)
    } catch (e) {
      return fail(`Error moving temp DB file ${tmpName} on the final destination ${basename(dest)} (in server root dir ${resolve(dir)}): ${(e as Error).message}`)
    }
    try {
      const d = openSync(dirname(dest), 'r')
      try {
        fsyncSync(d)
      } finally {
        closeSync(d)
      }
    } catch {}
    onLog('notice', 'DB saved on disk', this.pid)
    return 0
  }

  get running(): boolean {
    return !this.gone
  }

  /** One chunk of the file; resolves when the pipe can take more (false: the child is gone). */
  async write(chunk: Buffer): Promise<boolean> {
    if (this.gone || chunk.length === 0) return !this.gone
    const stdin = this.proc.stdin!
    if (stdin.write(chunk)) return true
    await new Promise<void>((r) => {
      const done = () => {
        stdin.off('drain', done)
        this.proc.off('close', done)
        r()
      }
      stdin.on('drain', done)
      this.proc.on('close', done)
    })
    return !this.gone
  }

  /** The end of the file: the child fsyncs and exits, then the parent renames. */
  commit(): void {
    if (this.gone || this.killed) return
    this.committed = true
    this.proc.stdin!.end()
  }

  /**
   * Kill now (synchronously sent) and remove the temp file, as redis killRDBChild + rdbRemoveTempFile.
   * A child that had its whole file and exited before the signal reached it (not reaped yet) still
   * exits 0: redis reaps such a child as a success ("Background saving terminated with success", no
   * MISCONF), its dump.rdb already renamed. Here the rename is the parent's and is dropped: what
   * killed the child (FLUSHALL) saves the current dataset itself.
   */
  kill(signal: NodeJS.Signals = 'SIGKILL'): void {
    this.killed = true
    if (!this.gone) this.proc.kill(signal)
    this.removeTemp()
  }

  removeTemp(): void {
    rmSync(this.tmpPath, {force: true})
  }
}

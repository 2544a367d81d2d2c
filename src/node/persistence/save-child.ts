// The background-save child process: what redis' fork() gives BGSAVE (rdb.c rdbSaveBackground)
// for a Node.js server that cannot fork. The parent keeps the point in time (a Snapshot,
// copy-on-write per key) and streams the RDB bytes; the child is a real process (`pgrep -P`,
// /proc/<pid>, its own oom_score_adj with the bgchild value, killable) that writes
// temp-<childpid>.rdb in `dir`, fsyncs it, renames it over the target and fsyncs the directory,
// exactly the steps of redis' rdbSave in its child.
//
// Framing on the child's stdin: [u32 LE length][bytes] per chunk, a zero-length frame commits.
// A stream that ends without the commit frame (the parent died or gave up) never replaces the
// target: the child removes its temp file and exits 1. The child reports on stdout, one
// "<level> <message>" line each, and the parent logs those lines as redis' child does (its pid,
// role C). Exit 0 = saved, 1 = error (reported), a signal = killed.
import {spawn, type ChildProcess} from 'node:child_process'
import {closeSync, openSync, renameSync, rmSync} from 'node:fs'
import {join, resolve} from 'node:path'

// Plain CommonJS run with `node -e`: no module resolution, no loader, the same under tsx, the
// tsc output and the esbuild bundle; ~40 ms to start.
const CHILD_SOURCE = String.raw`
'use strict';(function main() {
const fs = require('fs'), path = require('path')
const [dir, target, oom, tmpPrefix, tmpSuffix, preopened] = process.argv.slice(1)
const tmpName = tmpPrefix + process.pid + tmpSuffix
const tmp = path.join(dir, tmpName)
const say = (level, msg) => process.stdout.write(level + ' ' + msg.replace(/\n/g, ' ') + '\n')
const fail = (msg) => {
  say('warning', msg)
  try { fs.unlinkSync(tmp) } catch {}
  process.stdout.write('', () => process.exit(1))
}
if (oom !== '') {
  try { fs.writeFileSync('/proc/self/oom_score_adj', oom + '\n') }
  catch (e) { say('warning', 'Unable to write oom_score_adj: ' + e.message) }
}
let fd = 3
if (preopened !== '1') try { fd = fs.openSync(tmp, 'w', 0o644) }
catch (e) { fail('Failed opening the temp RDB file ' + tmpName + ' (in server root dir ' + dir + ') for saving: ' + e.message); return }
let buf = Buffer.alloc(0), committed = false, failed = false
process.stdin.on('data', (c) => {
  if (committed || failed) return
  buf = buf.length ? Buffer.concat([buf, c]) : c
  let off = 0
  try {
    while (buf.length - off >= 4) {
      const n = buf.readUInt32LE(off)
      if (n === 0) { committed = true; off += 4; break }
      if (buf.length - off - 4 < n) break
      let w = off + 4
      while (w < off + 4 + n) w += fs.writeSync(fd, buf, w, off + 4 + n - w)
      off += 4 + n
    }
  } catch (e) { failed = true; return fail('Write error saving DB on disk(rdbSaveRio): ' + e.message) }
  buf = buf.subarray(off)
  if (committed) finish()
})
process.stdin.on('end', () => { if (!committed && !failed) { failed = true; fail('Background save stream ended before the end of the RDB') } })
function finish() {
  let op = 'fsync'
  try {
    fs.fsyncSync(fd)
    op = 'fclose'
    fs.closeSync(fd)
  } catch (e) { return fail('Write error saving DB on disk(' + op + '): ' + e.message) }
  if (target === '') { say('done', ''); return process.stdout.write('', () => process.exit(0)) }
  try { fs.renameSync(tmp, target) }
  catch (e) { return fail('Error moving temp DB file ' + tmpName + ' on the final destination ' + path.basename(target) + ' (in server root dir ' + dir + '): ' + e.message) }
  try { const d = fs.openSync(path.dirname(target), 'r'); try { fs.fsyncSync(d) } finally { fs.closeSync(d) } } catch {}
  say('notice', 'DB saved on disk')
  process.stdout.write('', () => process.exit(0))
}
})()
`

let seq = 0

export interface SaveChildOptions {
  /** The server's `dir`: the temp file is written there. */
  dir: string
  /** Final path the child renames its temp file to; '' leaves the temp file for the parent. */
  target: string
  /** oom_score_adj the child sets on itself (redis setOOMScoreAdj(CONFIG_OOM_BGCHILD)); null = leave it. */
  oomScoreAdj: number | null
  /** Temp file name = prefix + child pid + suffix (redis: "temp-", ".rdb"). */
  tmpPrefix?: string
  tmpSuffix?: string
  /** A "<level> <message>" line the child reported. */
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

  /** Throws (redis "Can't save in background: fork: ...") when no process could be started. */
  constructor(opts: SaveChildOptions) {
    const dir = resolve(opts.dir)
    const prefix = opts.tmpPrefix ?? 'temp-'
    const suffix = opts.tmpSuffix ?? '.rdb'
    const oom = opts.oomScoreAdj === null ? '' : String(opts.oomScoreAdj)
    // The parent opens the temp file and hands the child its descriptor, renamed to the child's
    // pid as soon as it is known: the file exists when BGSAVE replies, as after redis' fork(),
    // however long the child takes to boot. When it cannot be opened, the child tries itself and
    // reports redis' "Failed opening the temp RDB file" (BGSAVE still replies "started").
    const provisional = join(dir, `${prefix}${process.pid}-${++seq}${suffix}.part`)
    let fd: number | null = null
    try {
      fd = openSync(provisional, 'w', 0o644)
    } catch {
      fd = null
    }
    let proc: ChildProcess
    try {
      proc = spawn(process.execPath, ['-e', CHILD_SOURCE, dir, opts.target && resolve(opts.target), oom, prefix, suffix, fd === null ? '0' : '1'], {
        stdio: ['pipe', 'pipe', 'ignore', fd ?? 'ignore'],
        // No cwd: a removed `dir` must fail in the child (reported, exit 1), not in spawn.
        env: {...process.env, NODE_OPTIONS: ''},
      })
    } finally {
      if (fd !== null) closeSync(fd)
    }
    const tmpPath = join(dir, `${prefix}${proc.pid}${suffix}`)
    try {
      if (proc.pid === undefined) throw new Error('no child process')
      if (fd !== null) renameSync(provisional, tmpPath)
    } catch (e) {
      if (proc.pid !== undefined) proc.kill('SIGKILL')
      rmSync(provisional, {force: true})
      throw e
    }
    this.proc = proc
    this.pid = proc.pid
    this.tmpPath = tmpPath
    // EPIPE after the child died (kill -9): its exit status tells the story.
    proc.stdin!.on('error', () => undefined)
    let pending = ''
    proc.stdout!.setEncoding('utf8')
    proc.stdout!.on('data', (s: string) => {
      pending += s
      for (let nl = pending.indexOf('\n'); nl >= 0; nl = pending.indexOf('\n')) {
        const line = pending.slice(0, nl)
        pending = pending.slice(nl + 1)
        const sp = line.indexOf(' ')
        const level = line.slice(0, sp)
        if (level === 'notice' || level === 'warning') opts.onLog(level, line.slice(sp + 1), this.pid)
      }
    })
    // 'close': the exit status and every line the child printed are in.
    this.exited = new Promise((res) => proc.once('close', (code, signal) => {
      this.gone = true
      res({code, signal})
    }))
  }

  get running(): boolean {
    return !this.gone
  }

  /** One chunk of the file; resolves when the pipe can take more (false: the child is gone). */
  async write(chunk: Buffer): Promise<boolean> {
    if (this.gone || chunk.length === 0) return !this.gone
    const head = Buffer.allocUnsafe(4)
    head.writeUInt32LE(chunk.length, 0)
    const stdin = this.proc.stdin!
    stdin.write(head)
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

  /** The end of the file: the child fsyncs, renames and exits. */
  commit(): void {
    if (this.gone) return
    const stdin = this.proc.stdin!
    stdin.end(Buffer.alloc(4))
  }

  /** Kill now (synchronously sent) and remove the temp file, as redis killRDBChild + rdbRemoveTempFile. */
  kill(signal: NodeJS.Signals = 'SIGKILL'): void {
    if (!this.gone) this.proc.kill(signal)
    this.removeTemp()
  }

  removeTemp(): void {
    rmSync(this.tmpPath, {force: true})
  }
}

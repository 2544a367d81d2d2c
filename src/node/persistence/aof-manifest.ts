// The multi-part AOF manifest (redis 7.0 aof.c): one BASE file, HISTORY files waiting to be
// deleted, and ordered INCR files, stored as `file <name> seq <n> type b|h|i` lines in
// <appenddirname>/<appendfilename>.manifest and replaced atomically (temp file, fsync,
// rename, fsync of the directory) whenever the set of files changes.
import {fsyncDir} from '../fsync.js'
import {closeSync, fsyncSync, openSync, renameSync, writeSync} from 'node:fs'
import {basename, join} from 'node:path'
import {splitArgs} from '../../resp/parser.js'
import {sdsRepr} from '../sds-repr.js'

export type AofFileType = 'b' | 'h' | 'i'
export interface AofFileInfo {
  name: string
  seq: number
  type: AofFileType
}

export class AofManifestError extends Error {
  constructor(
    message: string,
    readonly line?: string,
    readonly lineNo?: number,
  ) {
    super(message)
  }
}

export class AofManifest {
  base: AofFileInfo | null = null
  history: AofFileInfo[] = []
  incr: AofFileInfo[] = []
  baseSeq = 0
  incrSeq = 0

  clone(): AofManifest {
    const m = new AofManifest()
    m.base = this.base && {...this.base}
    m.history = this.history.map((f) => ({...f}))
    m.incr = this.incr.map((f) => ({...f}))
    m.baseSeq = this.baseSeq
    m.incrSeq = this.incrSeq
    return m
  }

  /** aofInfoFormat order: base, history, incr. Names needing quotes are written as redis's sdscatrepr. */
  format(): string {
    const line = (f: AofFileInfo) => `file ${needsRepr(f.name) ? sdsRepr(f.name) : f.name} seq ${f.seq} type ${f.type}\n`
    return (this.base ? line(this.base) : '') + this.history.map(line).join('') + this.incr.map(line).join('')
  }

  /** getNewBaseFileNameAndMarkPreAsHistory. */
  newBase(aofFilename: string, preamble: boolean): string {
    if (this.base) this.history.unshift({...this.base, type: 'h'})
    const seq = ++this.baseSeq
    this.base = {name: `${aofFilename}.${seq}.base.${preamble ? 'rdb' : 'aof'}`, seq, type: 'b'}
    return this.base.name
  }

  /** getNewIncrAofName. */
  newIncr(aofFilename: string): string {
    const seq = ++this.incrSeq
    const f: AofFileInfo = {name: `${aofFilename}.${seq}.incr.aof`, seq, type: 'i'}
    this.incr.push(f)
    return f.name
  }

  /** markRewrittenIncrAofAsHistory: every INCR file but the one being written (when AOF is on). */
  markRewrittenIncrAsHistory(keepLast: boolean): void {
    const keep = keepLast && this.incr.length > 0 ? [this.incr[this.incr.length - 1]] : []
    const old = keepLast ? this.incr.slice(0, -1) : this.incr
    for (let i = old.length - 1; i >= 0; i--) this.history.unshift({...old[i], type: 'h'})
    this.incr = keep
  }

  static parse(text: string): AofManifest {
    const m = new AofManifest()
    let maxSeq = 0
    const lines = text.split('\n')
    if (text === '') throw new AofManifestError('Found an empty AOF manifest')
    for (let i = 0; i < lines.length; i++) {
      const raw = lines[i]
      if (i === lines.length - 1 && raw === '') break
      if (raw.startsWith('#')) continue
      const line = raw.replace(/^[ \t\r\n]+|[ \t\r\n]+$/g, '')
      const fail = (msg: string) => new AofManifestError(msg, line, i + 1)
      if (line.length > 1024) throw fail('The AOF manifest file contains too long line')
      if (line === '') throw fail('Invalid AOF manifest file format')
      const argv = splitArgs(line)
      if (argv === null || argv.length < 6 || argv.length % 2 !== 0) throw fail('Invalid AOF manifest file format')
      let name = ''
      let seq = 0
      let type = ''
      for (let j = 0; j < argv.length; j += 2) {
        const k = argv[j].toLowerCase()
        if (k === 'file') {
          name = argv[j + 1]
          if (basename(name) !== name) throw fail("File can't be a path, just a filename")
        } else if (k === 'seq') seq = parseInt(argv[j + 1], 10) || 0
        else if (k === 'type') type = argv[j + 1][0] ?? ''
      }
      if (!name || !seq || !type) throw fail('Invalid AOF manifest file format')
      if (type === 'b') {
        if (m.base) throw fail('Found duplicate base file information')
        m.base = {name, seq, type}
        m.baseSeq = seq
      } else if (type === 'h') m.history.push({name, seq, type})
      else if (type === 'i') {
        if (seq <= maxSeq) throw fail('Found a non-monotonic sequence number')
        m.incr.push({name, seq, type})
        m.incrSeq = maxSeq = seq
      } else throw fail('Unknown AOF file type')
    }
    return m
  }

  /** writeAofManifestFile: temp-<name>.manifest, fsync, rename, fsync the directory. */
  persist(dir: string, aofFilename: string): void {
    const name = `${aofFilename}.manifest`
    const tmp = join(dir, `temp-${name}`)
    const fd = openSync(tmp, 'w', 0o644)
    try {
      writeSync(fd, this.format(), null, 'latin1')
      fsyncSync(fd)
    } finally {
      closeSync(fd)
    }
    renameSync(tmp, join(dir, name))
    fsyncDir(dir)
  }
}

function needsRepr(s: string): boolean {
  return /[^\x21-\x7e]|["'\\]/.test(s)
}


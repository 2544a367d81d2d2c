// The process title written as redis-server's setproctitle (redis 7.0.15 src/setproctitle.c) leaves
// it: over the memory of the original command line AND of the environment strings after it, which
// the kernel shows as /proc/<pid>/cmdline (fs/proc/base.c get_mm_cmdline reads on past the argv area
// into the environment's when the argv area's last byte is no longer NUL). Node's own
// process.title (libuv uv_set_process_title) only reuses the argv area, so a longer title is cut.
// Linux only, and only when every step is possible: the areas from /proc/self/stat (arg_start,
// arg_end, env_start, env_end), the environment moved off its original strings (setenv through
// process.env gives every variable a heap copy, as spt_init's clearenv + setenv), and
// /proc/self/mem writable. Otherwise the caller falls back to process.title.
import {closeSync, openSync, readFileSync, writeSync} from 'node:fs'

/** The title space, as spt_init computes it (SPT.base, SPT.end, SPT.nul). */
interface TitleArea {
  base: number
  end: number
  /** the offset of the original argv[0]'s NUL (setproctitle marks it with '.' or ' '). */
  nul: number
  reset: boolean
}

// redis SPT_MAXTITLE: the title is formatted into a 256-byte buffer, at most 255 bytes of it shown.
const MAX_TITLE = 255

let area: TitleArea | null | undefined

/** /proc/self/stat fields 48–51 (arg_start arg_end env_start env_end), after the `(comm)` field. */
export function parseStatAreas(stat: string): {argStart: number; argEnd: number; envStart: number; envEnd: number} | null {
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  // rest[0] is field 3 (state): field n is rest[n - 3]
  const f = [48, 49, 50, 51].map((n) => Number(rest[n - 3]))
  if (f.some((v) => !Number.isSafeInteger(v) || v <= 0)) return null
  const [argStart, argEnd, envStart, envEnd] = f
  if (argEnd <= argStart || envEnd < envStart) return null
  return {argStart, argEnd, envStart, envEnd}
}

/**
 * Can the environment strings' memory be given to the title? Only when every entry of the original
 * environment is a NAME=value pair that process.env reaches by name and whose bytes survive a round
 * trip through a JS string (setenv then gives it a heap copy); an entry without '=', with an empty
 * name, a duplicate name or bytes that are not UTF-8 would keep pointing into the old memory.
 */
export function environMovable(environ: Buffer): boolean {
  const seen = new Set<string>()
  let start = 0
  while (start < environ.length) {
    let stop = environ.indexOf(0, start)
    if (stop < 0) stop = environ.length
    const entry = environ.subarray(start, stop)
    start = stop + 1
    const eq = entry.indexOf(0x3d)
    if (eq <= 0) return false
    const s = entry.toString('utf8')
    if (!Buffer.from(s, 'utf8').equals(entry)) return false
    const name = s.slice(0, s.indexOf('='))
    if (seen.has(name)) return false
    seen.add(name)
  }
  return true
}

/** Give every environment variable a heap copy (glibc/musl setenv), so nothing reads the original strings. */
function moveEnvironment(): boolean {
  const before = Object.entries(process.env)
  for (const [k, v] of before) {
    if (v !== undefined) process.env[k] = v
  }
  // process.env reads through getenv: the values must be the same after the move.
  return before.every(([k, v]) => process.env[k] === v)
}

/** spt_init: the title space over argv (and the environment strings when they follow it and can move). */
function initArea(): TitleArea | null {
  if (process.platform !== 'linux') return null
  const a = parseStatAreas(readFileSync('/proc/self/stat', 'latin1'))
  if (a === null) return null
  const args = readFileSync('/proc/self/cmdline')
  // An argv area already retitled (its last byte not NUL) has lost argv[0]'s length: not ours to take.
  if (args.length !== a.argEnd - a.argStart || args[args.length - 1] !== 0) return null
  const nul = args.indexOf(0)
  let end = a.argEnd
  if (a.envStart === a.argEnd && a.envEnd > a.envStart) {
    const environ = readFileSync('/proc/self/environ')
    if (environ.length === a.envEnd - a.envStart && environMovable(environ) && moveEnvironment()) end = a.envEnd
  }
  return {base: a.argStart, end, nul, reset: false}
}

function writeAt(fd: number, buf: Buffer, address: number): void {
  if (writeSync(fd, buf, 0, buf.length, address) !== buf.length) throw new Error('short write to /proc/self/mem')
}

/**
 * setproctitle("%s", title): false when the title cannot be written this way (then nothing was
 * changed). The first call clears the whole space; later ones the first 256 bytes, as redis's.
 */
export function writeProcTitle(title: Buffer): boolean {
  try {
    if (area === undefined) area = initArea()
  } catch {
    area = null
  }
  if (area === null || title.length === 0) return false
  const spt = area
  const size = spt.end - spt.base
  const buf = Buffer.alloc(spt.reset ? Math.min(MAX_TITLE + 1, size) : size)
  const len = Math.min(title.length, Math.min(MAX_TITLE + 1, size) - 1)
  title.copy(buf, 0, 0, len)
  // setproctitle's marks at the original argv[0]'s NUL: '.' when the title is shorter, a space
  // (and a NUL after it) when it ends exactly there.
  const marks: [number, number][] = []
  if (len < spt.nul) marks.push([spt.nul, 0x2e])
  else if (len === spt.nul && len + 1 < size) marks.push([spt.nul, 0x20], [len + 1, 0])
  let fd: number
  try {
    fd = openSync('/proc/self/mem', 'r+')
  } catch {
    area = null
    return false
  }
  try {
    for (const [off, byte] of marks) {
      if (off < buf.length) buf[off] = byte
    }
    writeAt(fd, buf, spt.base)
    for (const [off, byte] of marks) {
      if (off >= buf.length) writeAt(fd, Buffer.of(byte), spt.base + off)
    }
    spt.reset = true
    return true
  } catch {
    area = null
    return false
  } finally {
    closeSync(fd)
  }
}

// Reading node logs: the last lines of a file, and following files (polling, so it also works on
// file systems without inotify) until SIGINT/SIGTERM.
import {closeSync, openSync, readSync, readFileSync, statSync} from 'node:fs'

export function tailLines(file: string, n: number): string[] {
  if (n <= 0) return []
  const lines = readFileSync(file, 'utf8').split('\n')
  if (lines[lines.length - 1] === '') lines.pop()
  return lines.slice(-n)
}

export async function followLogs(files: {port: number; file: string}[], onLine: (port: number, line: string) => void, intervalMs = 250): Promise<void> {
  const pos = new Map(files.map((f) => [f.file, statSync(f.file).size]))
  const partial = new Map<string, string>()
  let stop = false
  const end = () => {
    stop = true
  }
  process.once('SIGINT', end)
  process.once('SIGTERM', end)
  while (!stop) {
    for (const f of files) {
      let size: number
      try {
        size = statSync(f.file).size
      } catch {
        continue
      }
      const from = Math.min(pos.get(f.file) ?? 0, size)
      if (size <= from) {
        pos.set(f.file, size)
        continue
      }
      const buf = Buffer.alloc(size - from)
      const fd = openSync(f.file, 'r')
      try {
        readSync(fd, buf, 0, buf.length, from)
      } finally {
        closeSync(fd)
      }
      pos.set(f.file, size)
      const text = (partial.get(f.file) ?? '') + buf.toString('utf8')
      const lines = text.split('\n')
      partial.set(f.file, lines.pop() ?? '')
      for (const l of lines) onLine(f.port, l)
    }
    await new Promise((r) => setTimeout(r, intervalMs))
  }
}

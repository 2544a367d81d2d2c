// fsync of a directory after a rename into it, so the new name survives a crash. Best effort:
// some filesystems refuse fsync on a directory (redis ignores that too); the rename stays atomic.
import {closeSync, fsyncSync, openSync} from 'node:fs'

export function fsyncDir(dir: string): void {
  try {
    const fd = openSync(dir, 'r')
    try {
      fsyncSync(fd)
    } finally {
      closeSync(fd)
    }
  } catch {
    // not supported here: nothing more to do
  }
}

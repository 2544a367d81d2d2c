// A string value edited in place: APPEND, SETRANGE, SETBIT and BITFIELD on a big string. String
// values are bare latin1 JS strings (keyspace.ts), which cannot change: each of those writes used
// to copy the whole value (1,000 SETBITs on a 10 MB bitmap: 18–43 s, where redis edits its sds in
// place). A string past EDIT_MIN bytes that one of them writes becomes a StringEdit instead: its
// bytes in a Buffer with room to grow (as sdsMakeRoomFor leaves an sds), edited where they are.
// The keyspace keeps it beside the key (the key's stored value is then a placeholder) until
// something reads the value as a string: that read makes the string once (its cost is the read's
// own, O(n) as GET is) and the edit ends. The bitmap readers, GETRANGE and STRLEN read the bytes
// where they are (StringBytes), so a bitmap written and read bit by bit is never copied.

/** Below this many bytes a write copies the string as before (the copy is cheaper than the bookkeeping). */
export const EDIT_MIN = 4096

/** sds.c SDS_MAX_PREALLOC: room doubles up to this, then grows by it. */
const MAX_PREALLOC = 1024 * 1024

export class StringEdit {
  /** the bytes (zero past `length`: grown zero-filled, never shrunk) */
  buf: Buffer
  length: number
  /** the length the keyspace's byte count holds for this value (keyspace.ts) */
  counted = 0

  private constructor(buf: Buffer, length: number) {
    this.buf = buf
    this.length = length
  }

  /** The bytes of `s` (latin1) with room for `need` bytes: a string's first edit. */
  static of(s: string, need: number): StringEdit {
    const e = new StringEdit(Buffer.alloc(room(Math.max(need, s.length))), s.length)
    e.buf.write(s, 0, 'latin1')
    return e
  }

  /** Grow to at least `n` bytes, the new ones zero (redis sdsgrowzero). */
  grow(n: number): void {
    if (n <= this.length) return
    if (n > this.buf.length) {
      const next = Buffer.alloc(room(n))
      this.buf.copy(next, 0, 0, this.length)
      this.buf = next
    }
    this.length = n
  }

  /** Write latin1 `s` at `offset`, growing (zero-padded) as needed. */
  write(offset: number, s: string): void {
    this.grow(offset + s.length)
    this.buf.write(s, offset, 'latin1')
  }

  append(s: string): void {
    this.write(this.length, s)
  }

  /** String.prototype.charCodeAt over the bytes: NaN past the end. */
  charCodeAt(i: number): number {
    return i >= 0 && i < this.length ? this.buf[i] : NaN
  }

  /** String.prototype.slice for 0 <= start (a range of the bytes as a latin1 string). */
  slice(start: number, end = this.length): string {
    return this.buf.toString('latin1', start, Math.max(start, Math.min(end, this.length)))
  }

  toString(): string {
    return this.buf.toString('latin1', 0, this.length)
  }
}

/** What a reader of bytes takes: a stored string, or a string being edited in place. */
export type StringBytes = string | StringEdit

/** The Buffer room for n bytes: sdsMakeRoomFor's greedy growth. */
function room(n: number): number {
  return n < MAX_PREALLOC ? n * 2 : n + MAX_PREALLOC
}

// Redis's stream iterator (t_stream.c streamIteratorGetID / streamIteratorGetField) over one
// node's listpack kept unparsed (sanitize-dump-payload no, keyspace/stream.ts UnparsedStreamNode):
// the same steps over the same bytes, forward or backward, so a corrupt node fails the assertion
// Redis fails at the same point, or yields what Redis yields when the walk never meets the damage.
import {ServerAssertion} from '../errors.js'
import {canonicalInt, lpFirst, lpGet, lpLast, lpNext, lpPrev} from '../persistence/listpack.js'

const F_DELETED = 1
const F_SAMEFIELDS = 2
const U64 = (1n << 64n) - 1n

/** lpGetInteger: an element stored as a string must read as an int64 (serverAssert(ret != 0)). */
function lpInt(lp: Buffer, p: number): bigint {
  const e = lpGet(lp, p)
  if (!e.int && canonicalInt(e.value) === null) throw new ServerAssertion('keyspace/stream-raw.ts', 'ret != 0')
  return BigInt(e.value)
}

/** NULL element (p = -1): Redis dereferences it and dies by signal; the node reports it as an assertion. */
function at(p: number): number {
  if (p < 0) throw new ServerAssertion('keyspace/stream-raw.ts', 'lp_ele != NULL')
  return p
}

/**
 * Iterates the entries of one node whose ID is in [start, end], skipping tombstones, forward or
 * backward. `emit` gets the ID and a reader of its field-value pairs and answers whether to go on.
 * Returns false when the iteration is over (out of range, or emit said stop), true to go on with
 * the next node.
 */
export function iterateRawNode(
  lp: Buffer,
  master: bigint,
  start: bigint,
  end: bigint,
  rev: boolean,
  emit: (id: bigint, fields: () => string[]) => boolean,
): boolean {
  const masterMs = master >> 64n
  const masterSeq = master & U64
  let p = lpFirst(lp) // items count
  p = lpNext(lp, at(p)) // deleted count
  p = lpNext(lp, at(p)) // master fields count
  const masterCount = Number(lpInt(lp, at(p)))
  p = lpNext(lp, p)
  const masterStart = p
  if (!rev) for (let i = 0; i < masterCount; i++) p = lpNext(lp, at(p))
  else p = lpLast(lp)
  for (;;) {
    if (!rev) {
      p = lpNext(lp, at(p))
      if (p < 0) return true
    } else {
      let c = lpInt(lp, at(p))
      if (c === 0n) return true // the master entry's terminator
      while (c-- > 0n) p = lpPrev(lp, at(p))
    }
    const flags = Number(lpInt(lp, at(p)) & 0xffn)
    p = lpNext(lp, p)
    const ms = (masterMs + lpInt(lp, at(p))) & U64
    p = lpNext(lp, p)
    const seq = (masterSeq + lpInt(lp, at(p))) & U64
    p = lpNext(lp, p)
    const same = (flags & F_SAMEFIELDS) !== 0
    let numFields: bigint
    if (same) numFields = BigInt(masterCount)
    else {
      numFields = lpInt(lp, at(p))
      p = lpNext(lp, p)
    }
    if (numFields < 0n) throw new ServerAssertion('keyspace/stream-raw.ts', '*numfields>=0')
    const id = (ms << 64n) | seq
    const inRange = rev ? id <= end : id >= start
    if (inRange && (flags & F_DELETED) === 0) {
      if (rev ? id < start : id > end) return false
      // streamIteratorGetField, as the caller reads every field: leaves p on the lp-count
      let fv: string[] | null = null
      const fields = (): string[] => {
        if (fv !== null) return fv
        fv = []
        let mf = masterStart
        for (let i = 0n; i < numFields; i++) {
          if (same) {
            fv.push(lpGet(lp, at(mf)).value)
            mf = lpNext(lp, mf)
          } else {
            fv.push(lpGet(lp, at(p)).value)
            p = lpNext(lp, p)
          }
          fv.push(lpGet(lp, at(p)).value)
          p = lpNext(lp, p)
        }
        return fv
      }
      if (!emit(id, fields)) return false
      fields()
      if (rev) {
        // back to this entry's flags, then to the previous entry's lp-count
        let c = lpInt(lp, at(p))
        while (c-- > 0n) p = lpPrev(lp, at(p))
        p = lpPrev(lp, at(p))
      }
      continue
    }
    if (!rev) {
      const discard = same ? numFields : numFields * 2n
      for (let i = 0n; i < discard; i++) p = lpNext(lp, at(p))
    } else {
      for (let k = same ? 4 : 5; k > 0; k--) p = lpPrev(lp, at(p))
    }
  }
}

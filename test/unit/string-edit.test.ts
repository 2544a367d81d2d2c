// Big strings edited in place (src/node/keyspace/string-edit.ts): the keyspace keeps one
// StringEdit per edited key, reused by every edit and every byte reader until a lookup makes the
// string; the byte count follows the edits; the snapshot and the lookups never see the placeholder.
import {test} from 'node:test'
import assert from 'node:assert/strict'
import {Keyspace} from '../../src/node/keyspace/keyspace.js'
import {EDIT_MIN, StringEdit} from '../../src/node/keyspace/string-edit.js'
import {keySlot} from '../../src/node/keyspace/slot.js'
import {ManualClock} from '../../src/node/clock.js'

const BIG = 'a'.repeat(EDIT_MIN * 3)

function edit(ks: Keyspace, key: string, at: number, s: string): StringEdit {
  const prev = ks.getBytes(key)?.length
  const e = ks.editBytes(key, at + s.length)
  e.write(at, s)
  ks.commitEdit(key, e, prev)
  return e
}

test('StringEdit: grows zero-filled with room as sdsMakeRoomFor, reads like a string', () => {
  const e = StringEdit.of('abc', 3)
  assert.equal(e.length, 3)
  e.write(6, 'xy')
  assert.equal(e.toString(), 'abc\0\0\0xy')
  assert.equal(e.charCodeAt(7), 121)
  assert.ok(Number.isNaN(e.charCodeAt(8)))
  assert.equal(e.slice(2, 7), 'c\0\0\0x')
  assert.equal(e.slice(6), 'xy')
  assert.equal(e.slice(5, 100), '\0xy')
  const room = e.buf.length
  assert.ok(room >= 16, 'room for twice the length')
  const buf = e.buf
  e.append('z')
  assert.equal(e.buf, buf, 'an append within the room keeps the buffer')
  e.grow(room + 1)
  assert.notEqual(e.buf, buf)
  assert.equal(e.toString(), 'abc\0\0\0xyz' + '\0'.repeat(room + 1 - 9))
})

test('a big string is edited in place: one StringEdit for every edit, none copied', () => {
  const ks = new Keyspace(new ManualClock(1000))
  ks.set('k', BIG)
  const first = edit(ks, 'k', 10, 'xyz')
  for (let i = 0; i < 100; i++) assert.equal(edit(ks, 'k', 20 + i, 'q'), first, `edit ${i} reuses the bytes`)
  // the byte readers and existence checks leave the edit alone
  assert.equal(ks.readBytes('k'), first)
  assert.equal(ks.getBytes('k'), first)
  assert.ok(ks.has('k') && ks.exists('k'))
  assert.equal(edit(ks, 'k', 0, 'A'), first)
  assert.equal(ks.bytes, 72 + 1 + BIG.length)
  // a lookup makes the string and ends the edit
  const s = ks.get('k') as string
  assert.equal(typeof s, 'string')
  assert.equal(s.length, BIG.length)
  assert.equal(s.slice(0, 13), 'Aaaaaaaaaaxyz')
  assert.equal(s.slice(20, 120), 'q'.repeat(100))
  assert.equal(ks.readBytes('k'), s)
  assert.notEqual(edit(ks, 'k', 0, 'B'), first, 'the next edit copies the string again')
  assert.equal(ks.bytes, 72 + 1 + BIG.length)
})

test('growing edits count their bytes; overwrite, delete and flush end the edit without making the string', () => {
  const ks = new Keyspace(new ManualClock(1000))
  ks.set('k', BIG)
  edit(ks, 'k', BIG.length + 100, 'tail')
  assert.equal(ks.bytes, 72 + 1 + BIG.length + 104)
  ks.set('k', 'v')
  assert.equal(ks.get('k'), 'v')
  assert.equal(ks.bytes, 72 + 1 + 1)
  edit(ks, 'n', EDIT_MIN, 'x') // a missing key: zeros up to the write
  assert.equal((ks.readBytes('n') as StringEdit).charCodeAt(EDIT_MIN), 120)
  assert.equal(ks.bytes, 72 + 1 + 1 + 72 + 1 + EDIT_MIN + 1)
  assert.ok(ks.delete('n'))
  assert.equal(ks.getBytes('n'), undefined)
  assert.equal(ks.bytes, 72 + 1 + 1)
  edit(ks, 'm', 2 * EDIT_MIN, 'y')
  ks.flush()
  assert.equal(ks.bytes, 0)
  assert.equal(ks.get('m'), undefined)
  edit(ks, 'm', 5, 'small') // below EDIT_MIN: stored as a string at once
  assert.equal(ks.peekAggregate('m'), '\0\0\0\0\0small')
})

test('the snapshot, entries() and SWAPDB see the edited bytes, never the placeholder', () => {
  const ks = new Keyspace(new ManualClock(1000))
  ks.set('k', BIG)
  edit(ks, 'k', 1, 'snap')
  assert.equal(ks.peekAggregate('k'), '', 'stored as the placeholder while edited')
  const fromBucket = ks.slotBucket(keySlot('k'))?.get('k') as string
  assert.equal(fromBucket.slice(0, 6), 'asnapa')
  edit(ks, 'k', 2, 'Z')
  const [[, v]] = [...ks.entries()]
  assert.equal((v as string).slice(0, 6), 'asZapa')
  edit(ks, 'k', 3, 'W')
  const other = new Keyspace(new ManualClock(1000))
  other.swapWith(ks)
  assert.equal(ks.size, 0)
  assert.equal(ks.bytes, 0)
  assert.equal((other.peek('k') as string).slice(0, 6), 'asZWpa')
  assert.equal(other.bytes, 72 + 1 + BIG.length)
  edit(other, 'k', 4, 'V')
  ks.adopt(other)
  assert.equal((ks.get('k') as string).slice(0, 6), 'asZWVa')
  assert.equal(ks.bytes, 72 + 1 + BIG.length)
  assert.equal(other.bytes, 0)
})

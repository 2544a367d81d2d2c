// Hashes and lists kept as their restored listpacks (keyspace/packed.ts): header reads do not walk
// the entries, every other access walks them as lpFirst/lpNext do and asserts on a damaged entry.
import {test} from 'node:test'
import assert from 'node:assert/strict'
import {PackedHash, PackedList, packedBytes} from '../../src/node/keyspace/packed.js'
import {ListpackBuilder, listpackLength, walkListpack} from '../../src/node/persistence/listpack.js'
import {toRdbValue} from '../../src/node/keyspace/rdb-convert.js'
import {ServerAssertion} from '../../src/node/errors.js'

const lpOf = (...items: string[]): Buffer => {
  const b = new ListpackBuilder()
  for (const s of items) b.add(s)
  return b.finish()
}
/** the element before the terminator gets a back-length that does not match it */
const damaged = (lp: Buffer): Buffer => {
  const c = Buffer.from(lp)
  c[c.length - 2] = 0x7f
  return c
}
const isListpackAssertion = (e: unknown) => e instanceof ServerAssertion && e.expr === 'lpValidateNext(lp, &p, lpbytes)'

test('walkListpack reads what the encoder wrote and asserts on a damaged entry; lpLength reads the header', () => {
  const lp = lpOf('a', '12', '-7000', 'x'.repeat(100), '9223372036854775807')
  assert.deepEqual(walkListpack(lp), ['a', '12', '-7000', 'x'.repeat(100), '9223372036854775807'])
  assert.equal(listpackLength(lp), 5)
  assert.throws(() => walkListpack(damaged(lp)), isListpackAssertion)
  assert.equal(listpackLength(damaged(lp)), 5) // the header's count: no walk
})

test('PackedHash: size from the header, DUMP keeps the bytes, a lookup walks and asserts where Redis does', () => {
  const lp = lpOf('a', '1', 'b', '2')
  const h = new PackedHash(lp)
  assert.equal(h.size, 2)
  assert.equal(packedBytes(h), lp.length)
  const v = toRdbValue(h)
  assert.ok(v.type === 'hash' && v.packed === lp)
  assert.equal(h.get('a'), '1')
  assert.equal(h.packed, null)
  assert.deepEqual([...h], [['a', '1'], ['b', '2']])
  assert.equal(packedBytes(h), null)

  const bad = new PackedHash(damaged(lpOf('f', 'v', 'g', 'w')))
  assert.equal(bad.size, 2)
  assert.throws(() => bad.has('g'), isListpackAssertion)
  // an odd element count: hashTypeNext's assertion on the missing value
  assert.throws(() => new PackedHash(lpOf('f', 'v', 'g')).get('f'), (e: unknown) => e instanceof ServerAssertion && e.expr === 'vptr != NULL')
  // a header count the entries do not match: what a reply sized from it would assert
  const miscounted = Buffer.from(lpOf('f', 'v', 'g', 'w'))
  miscounted[4] = 6
  const m = new PackedHash(miscounted)
  assert.equal(m.size, 3)
  assert.throws(() => [...m], (e: unknown) => e instanceof ServerAssertion && e.expr === 'count == length')
})

test('PackedList: length from the node headers, plain nodes kept, a pop walks every node', () => {
  const l = new PackedList([lpOf('a', 'b'), 'plain', lpOf('c')])
  assert.equal(l.length, 4)
  const v = toRdbValue(l)
  assert.ok(v.type === 'list' && v.nodes !== undefined && v.nodes.length === 3)
  assert.equal(l.popBack(), 'c')
  assert.deepEqual(l.toArray(), ['a', 'b', 'plain'])
  assert.equal(l.packed, null)

  const bad = new PackedList([damaged(lpOf('a', 'b', 'c'))])
  assert.equal(bad.length, 3)
  assert.throws(() => bad.popFront(), isListpackAssertion)
})

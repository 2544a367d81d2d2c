// RDB object codec: round trips for every type and encoding choice, length and integer
// string edge cases, LZF, empty collections, binary data, special scores, DUMP footers.
import {describe, test} from 'node:test'
import assert from 'node:assert/strict'
import {ByteReader, ByteWriter} from '../../src/node/persistence/byte-io.js'
import {lzfCompress, lzfDecompress} from '../../src/node/persistence/lzf.js'
import {
  decodeValue,
  encodeValue,
  LIMITS,
  quicklistNodes,
  quicklistShape,
  RDB_TYPE,
  readLength,
  readString,
  writeLength,
  writeString,
} from '../../src/node/persistence/rdb-codec.js'
import {createDumpPayload, parseDumpPayload} from '../../src/node/persistence/dump.js'
import {
  RdbChecksumError,
  RdbEmptyKeyError,
  RdbFormatError,
  restoreErrorText,
  type RdbValue,
} from '../../src/node/persistence/rdb-value.js'
import {normalize} from '../fixtures/rdb/fixture-format.js'
import {dumpOf} from '../fixtures/rdb/legacy-encoders.js'
import {lcg} from '../helpers/lcg.js'

function roundTrip(v: RdbValue, expectType?: number): RdbValue {
  const enc = encodeValue(v)
  if (expectType !== undefined) assert.equal(enc[0], expectType, `type byte for ${v.type}`)
  const {value, next} = decodeValue(enc)
  assert.equal(next, enc.length)
  assert.deepEqual(normalize(value), normalize(v))
  return value
}

const allBytes = Array.from({length: 256}, (_, i) => String.fromCharCode(i)).join('')
const seq = <T>(n: number, f: (i: number) => T): T[] => Array.from({length: n}, (_, i) => f(i))

describe('lengths', () => {
  for (const [n, size] of [
    [0, 1], [63, 1], [64, 2], [16383, 2], [16384, 5], [0xffffffff, 5], [0x100000000, 9], [2 ** 45 + 3, 9],
  ] as const) {
    test(`${n} takes ${size} bytes and reads back`, () => {
      const w = new ByteWriter()
      writeLength(w, n)
      assert.equal(w.pos, size)
      const r = new ByteReader(w.take())
      assert.equal(readLength(r), n)
      assert.equal(r.remaining, 0)
    })
  }
  test('string lengths across the 6/14/32-bit boundaries', () => {
    for (const n of [63, 64, 16383, 16384, 70000]) roundTrip({type: 'string', value: 'q'.repeat(n)})
  })
  test('an encoded-string byte where a length is expected is corrupt', () => {
    assert.throws(() => readLength(new ByteReader(Buffer.from([0xc0, 1]))), RdbFormatError)
    assert.throws(() => readLength(new ByteReader(Buffer.from([0x82]))), RdbFormatError)
  })
})

describe('strings', () => {
  const cases: [string, string][] = [
    ['-1', 'c0ff'],
    ['0', 'c000'],
    ['127', 'c07f'],
    ['-128', 'c080'],
    ['-129', 'c17fff'],
    ['32767', 'c1ff7f'],
    ['32768', 'c200800000'],
    ['2147483647', 'c2ffffff7f'],
    ['-2147483648', 'c200000080'],
    ['2147483648', '0a' + Buffer.from('2147483648').toString('hex')],
    ['12345678901', '0b' + Buffer.from('12345678901').toString('hex')],
    ['007', '03303037'],
    ['-0', '022d30'],
    ['+1', '022b31'],
    [' 1', '022031'],
    ['', '00'],
  ]
  for (const [s, hex] of cases) {
    test(`${JSON.stringify(s)} encodes as ${hex}`, () => {
      const w = new ByteWriter()
      writeString(w, s)
      assert.equal(w.take().toString('hex'), hex)
      assert.equal(readString(new ByteReader(Buffer.from(hex, 'hex'))), s)
    })
  }
  test('binary data with NUL and 0xff survives', () => {
    roundTrip({type: 'string', value: '\x00\xff\x00'}, RDB_TYPE.STRING)
    roundTrip({type: 'string', value: allBytes + allBytes}, RDB_TYPE.STRING)
  })
  test('compressible strings over 20 bytes are LZF-encoded (0xc3), others raw', () => {
    const long = 'abc'.repeat(100)
    const enc = encodeValue({type: 'string', value: long})
    assert.equal(enc[1], 0xc3)
    assert.ok(enc.length < 100)
    roundTrip({type: 'string', value: long})
    const raw = encodeValue({type: 'string', value: long}, {compress: false})
    assert.equal(raw.length, 1 + 2 + 300)
    assert.equal(encodeValue({type: 'string', value: 'a'.repeat(20)})[1], 20)
  })
})

describe('LZF', () => {
  test('random inputs of many shapes round-trip', () => {
    let x = 12345
    const rnd = () => ((x = (Math.imul(x, 1103515245) + 12345) >>> 0) >>> 16)
    for (let i = 0; i < 300; i++) {
      const n = rnd() % 3000
      const alphabet = 1 + (rnd() % 30)
      const b = Buffer.alloc(n)
      for (let j = 0; j < n; j++) b[j] = rnd() % alphabet
      const c = lzfCompress(b, n + 64)
      if (n < 4) continue
      assert.ok(c)
      assert.deepEqual(lzfDecompress(c, n), b)
    }
  })
  test('returns null when it cannot save 4 bytes', () => {
    const incompressible = Buffer.from(seq(64, (i) => String.fromCharCode((i * 167) & 0xff)).join(''), 'latin1')
    assert.equal(lzfCompress(incompressible), null)
  })
  test('corrupt streams throw cleanly', () => {
    const good = lzfCompress(Buffer.from('hello hello hello hello hello'))!
    assert.throws(() => lzfDecompress(good, 28), RdbFormatError) // wrong length
    assert.throws(() => lzfDecompress(Buffer.from([0x20, 0x05]), 10), RdbFormatError) // ref before start
    assert.throws(() => lzfDecompress(Buffer.from([0x1f, 1, 2]), 32), RdbFormatError) // literal overrun
    assert.throws(() => lzfDecompress(Buffer.from([0x00]), 2 ** 30), RdbFormatError) // impossible ratio
  })
})

describe('collections', () => {
  test('list: small, with every listpack integer width, and binary items', () => {
    const ints = ['0', '127', '128', '-1', '4095', '-4096', '4096', '32767', '-32768', '8388607', '-8388608',
      '8388608', '2147483647', '-2147483648', '2147483648', '9223372036854775807', '-9223372036854775808',
      '9223372036854775808', '00', '-0', '1.5']
    roundTrip({type: 'list', items: ['a', '', '\x00\xff', ...ints, 'x'.repeat(5000)]}, RDB_TYPE.LIST_QUICKLIST_2)
  })
  test('list: large lists split into 8 KiB listpack nodes and keep order', () => {
    const items = seq(3000, (i) => `element-${i}`)
    const enc = encodeValue({type: 'list', items}, {compress: false})
    assert.ok(enc[1] > 3, 'several quicklist nodes')
    roundTrip({type: 'list', items})
  })
  test('set: intset when all canonical integers, else SET', () => {
    roundTrip({type: 'set', members: ['3', '-1', '2']}, RDB_TYPE.SET_INTSET)
    roundTrip({type: 'set', members: ['9223372036854775807', '-9223372036854775808', '0']}, RDB_TYPE.SET_INTSET)
    roundTrip({type: 'set', members: ['70000', '1']}, RDB_TYPE.SET_INTSET)
    roundTrip({type: 'set', members: ['1', '01']}, RDB_TYPE.SET)
    roundTrip({type: 'set', members: ['a', '\x00', '\xff']}, RDB_TYPE.SET)
    roundTrip({type: 'set', members: seq(600, String)}, RDB_TYPE.SET)
  })
  test('hash: listpack when small, hashtable (HASH) when large or long', () => {
    roundTrip({type: 'hash', entries: [['f', 'v'], ['n', '12'], ['\x00', '\xff']]}, RDB_TYPE.HASH_LISTPACK)
    roundTrip({type: 'hash', entries: [['f', 'v'.repeat(65)]]}, RDB_TYPE.HASH)
    roundTrip({type: 'hash', entries: seq(513, (i) => [`f${i}`, `${i}`] as [string, string])}, RDB_TYPE.HASH)
  })
  test('zset: listpack when small, ZSET_2 when large; special scores survive', () => {
    const special: [string, number][] = [['inf', Infinity], ['ninf', -Infinity], ['negzero', -0], ['tiny', 1e-300],
      ['big', 2 ** 60], ['frac', 0.1], ['neg', -3], ['huge', 1.7976931348623157e308], ['\x00\xff', 5]]
    for (const [v, type] of [[roundTrip({type: 'zset', entries: special}, RDB_TYPE.ZSET_LISTPACK), 'listpack'],
      [roundTrip({type: 'zset', entries: [...special, ['m'.repeat(65), 1]]}, RDB_TYPE.ZSET_2), 'skiplist']] as const) {
      assert.equal(v.type, 'zset')
      const byName = new Map(v.type === 'zset' ? v.entries : [])
      assert.ok(Object.is(byName.get('negzero'), -0), `-0 in ${type}`)
      assert.equal(byName.get('inf'), Infinity)
      assert.equal(byName.get('ninf'), -Infinity)
      assert.equal(byName.get('tiny'), 1e-300)
      assert.equal(byName.get('big'), 2 ** 60)
    }
    roundTrip({type: 'zset', entries: seq(129, (i) => [`m${i}`, i / 7] as [string, number])}, RDB_TYPE.ZSET_2)
  })
  test('zset listpack is ordered by score then member', () => {
    const enc = encodeValue({type: 'zset', entries: [['b', 2], ['z', 1], ['a', 2]]})
    const v = decodeValue(enc).value
    assert.deepEqual(v.type === 'zset' && v.entries, [['z', 1], ['a', 2], ['b', 2]])
  })
  test('NaN scores are rejected on encode and on decode', () => {
    assert.throws(() => encodeValue({type: 'zset', entries: [['a', NaN]]}), RangeError)
    const nan2 = dumpOf(RDB_TYPE.ZSET_2, (w) => {
      writeLength(w, 1)
      writeString(w, 'a')
      w.f64le(NaN)
    })
    assert.throws(() => parseDumpPayload(nan2), RdbFormatError)
    const nan3 = dumpOf(RDB_TYPE.ZSET, (w) => {
      writeLength(w, 1)
      writeString(w, 'a')
      w.u8(253)
    })
    assert.throws(() => parseDumpPayload(nan3), RdbFormatError)
  })
  test('duplicates in sets, hashes and zsets are corrupt data', () => {
    const dupSet = dumpOf(RDB_TYPE.SET, (w) => {
      writeLength(w, 2)
      writeString(w, 'a')
      writeString(w, 'a')
    })
    assert.throws(() => parseDumpPayload(dupSet), RdbFormatError)
    const dupHash = createDumpPayload({type: 'hash', entries: [['a', '1'], ['a', '2']]})
    assert.throws(() => parseDumpPayload(dupHash), RdbFormatError)
  })
})

describe('empty collections', () => {
  const empties: RdbValue[] = [
    {type: 'list', items: []},
    {type: 'set', members: []},
    {type: 'hash', entries: []},
    {type: 'zset', entries: []},
  ]
  for (const v of empties) {
    test(`empty ${v.type}: codec round-trips, RESTORE semantics refuse`, () => {
      roundTrip(v)
      const p = createDumpPayload(v)
      assert.throws(() => parseDumpPayload(p), RdbEmptyKeyError)
      assert.equal(restoreErrorText(new RdbEmptyKeyError('x')), 'ERR Bad data format')
      assert.deepEqual(normalize(parseDumpPayload(p, {allowEmpty: true})), normalize(v))
    })
  }
  test('an empty string is a value, not an empty key', () => {
    assert.deepEqual(parseDumpPayload(createDumpPayload({type: 'string', value: ''})), {type: 'string', value: ''})
  })
})

describe('DUMP payload footer', () => {
  test('matches redis 7.0.15 byte for byte for "bar" and 12345', () => {
    assert.equal(createDumpPayload({type: 'string', value: 'bar'}).toString('hex'), '00036261720a00e6be4960ee66fd17')
    assert.equal(createDumpPayload({type: 'string', value: '12345'}).subarray(0, 6).toString('hex'), '00c139300a00')
  })
  test('bad CRC, newer version, or too short: RdbChecksumError with the Redis text', () => {
    const p = createDumpPayload({type: 'string', value: 'bar'})
    const badCrc = Buffer.from(p)
    badCrc[badCrc.length - 1] ^= 1
    const v11 = dumpOf(0, (w) => writeString(w, 'bar'), 11)
    for (const b of [badCrc, v11, Buffer.alloc(5), Buffer.alloc(0)]) {
      assert.throws(() => parseDumpPayload(b), (e: unknown) => {
        assert.ok(e instanceof RdbChecksumError)
        assert.equal(e.message, 'DUMP payload version or checksum are wrong')
        assert.equal(restoreErrorText(e), 'ERR DUMP payload version or checksum are wrong')
        return true
      })
    }
  })
  test('older RDB versions are accepted', () => {
    assert.deepEqual(parseDumpPayload(dumpOf(0, (w) => writeString(w, 'x'), 9)), {type: 'string', value: 'x'})
  })
  test('valid footer around a broken body: RdbFormatError ("Bad data format")', () => {
    const truncated = dumpOf(0, (w) => w.u8(10))
    const unknownType = dumpOf(15, (w) => writeLength(w, 0))
    for (const b of [truncated, unknownType]) {
      assert.throws(() => parseDumpPayload(b), (e: unknown) => e instanceof RdbFormatError && restoreErrorText(e) === 'ERR Bad data format')
    }
  })
})

test('quicklistShape: the node count and the first nodes quicklistNodes makes, for every fill setting', () => {
  const rnd = lcg(7)
  const saved = {fill: LIMITS.listMaxListpackSize, plain: LIMITS.quicklistPackedThreshold}
  try {
    for (const fill of [-1, -2, -3, -5, 1, 3, 128]) {
      LIMITS.listMaxListpackSize = fill
      LIMITS.quicklistPackedThreshold = 3000
      for (let round = 0; round < 12; round++) {
        const items: string[] = []
        const n = 1 + rnd(5000)
        // short elements in most rounds, so a node's byte count meets its limit exactly now and then
        const tiny = round % 3 !== 0
        for (let i = 0; i < n; i++) {
          const r = rnd(10)
          if (tiny) items.push(r < 5 ? String(rnd(200)) : 'v'.repeat(rnd(4)))
          else items.push(r < 3 ? String(rnd(100000) - 50000) : r < 4 ? 'x'.repeat(rnd(5000)) : r < 5 ? String(2n ** 62n + BigInt(i)) : 'v'.repeat(rnd(70)))
        }
        const nodes = quicklistNodes(items)
        for (const keep of [0, 5, Number.MAX_SAFE_INTEGER]) {
          const shape = quicklistShape(items, keep)
          assert.equal(shape.count, nodes.length, `fill ${fill} round ${round}`)
          assert.deepEqual(shape.first, nodes.slice(0, keep).map(([, b]) => b), `fill ${fill} round ${round} keep ${keep}`)
        }
      }
    }
  } finally {
    LIMITS.listMaxListpackSize = saved.fill
    LIMITS.quicklistPackedThreshold = saved.plain
  }
})

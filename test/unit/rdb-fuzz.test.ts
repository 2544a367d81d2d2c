// Fuzz: mutated real and synthetic payloads must decode or throw RdbFormatError, never
// another exception, a hang or a huge allocation (reliability.md §21: corrupted RESTORE
// payloads). Deterministic PRNG so a failure names a reproducible seed.
import {test} from 'node:test'
import assert from 'node:assert/strict'
import {readFileSync} from 'node:fs'
import {dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'
import {decodeValue, encodeValue} from '../../src/node/persistence/rdb-codec.js'
import {readRdb} from '../../src/node/persistence/rdb-file.js'
import {RdbFormatError, type RdbValue} from '../../src/node/persistence/rdb-value.js'
import type {FixtureFile} from '../fixtures/rdb/fixture-format.js'

const dir = join(dirname(fileURLToPath(import.meta.url)), '../fixtures/rdb')
const fixtures = JSON.parse(readFileSync(join(dir, 'dumps.json'), 'utf8')) as FixtureFile

function prng(seed: number): () => number {
  let x = seed >>> 0 || 1
  return () => {
    x ^= x << 13
    x ^= x >>> 17
    x ^= x << 5
    return (x >>> 0) / 0x100000000
  }
}

const synthetic: RdbValue[] = [
  {type: 'string', value: 'abc'.repeat(30)},
  {type: 'list', items: ['a', '1', '-70000', 'x'.repeat(80), '9223372036854775807']},
  {type: 'set', members: ['1', '2', '300000']},
  {type: 'set', members: ['a', 'b']},
  {type: 'hash', entries: [['f', 'v'], ['n', '5']]},
  {type: 'hash', entries: [['f', 'v'.repeat(70)]]},
  {type: 'zset', entries: [['a', 1.5], ['b', Infinity]]},
  {type: 'zset', entries: [['m'.repeat(70), 2]]},
]

// Bodies only (footer stripped): the CRC would reject nearly every mutation before the decoder saw it.
const seeds: Buffer[] = [
  ...fixtures.dumps.map((d) => Buffer.from(d.payload, 'hex')).filter((b) => b.length < 4000).map((b) => b.subarray(0, b.length - 10)),
  ...synthetic.map((v) => encodeValue(v)),
  ...synthetic.map((v) => encodeValue(v, {compress: false})),
]

const INTERESTING = [0x00, 0xff, 0x7f, 0x80, 0x81, 0xc0, 0xc3, 0xfe, 0x3f, 0x40, 0xf0, 0xf4, 0xe0]

function mutate(src: Buffer, rnd: () => number): Buffer {
  const b = Buffer.from(src)
  const pick = (n: number) => Math.floor(rnd() * n)
  const rounds = 1 + pick(3)
  let out = b
  for (let k = 0; k < rounds && out.length > 0; k++) {
    const at = pick(out.length)
    switch (pick(6)) {
      case 0:
        out[at] ^= 1 << pick(8)
        break
      case 1:
        out[at] = INTERESTING[pick(INTERESTING.length)]
        break
      case 2:
        out = out.subarray(0, at)
        break
      case 3:
        if (at + 4 <= out.length) out.writeUInt32LE(pick(2) ? 0xffffffff : pick(1 << 20), at)
        break
      case 4:
        out = Buffer.concat([out.subarray(0, at), Buffer.from([pick(256), pick(256)]), out.subarray(at)])
        break
      case 5:
        out = Buffer.concat([out.subarray(0, at), out.subarray(pick(out.length))])
        break
    }
  }
  return out
}

function decodeOrFormatError(buf: Buffer, what: string): boolean {
  try {
    decodeValue(buf)
    return true
  } catch (e) {
    if (!(e instanceof RdbFormatError)) assert.fail(`${what}: ${String((e as Error)?.stack ?? e)}`)
    return false
  }
}

test('mutated DUMP bodies decode or throw RdbFormatError, quickly', () => {
  const start = performance.now()
  const rss0 = process.memoryUsage().rss
  let ok = 0
  let worst = 0
  for (let seed = 1; seed <= 15000; seed++) {
    const rnd = prng(seed)
    const src = seeds[seed % seeds.length]
    const m = mutate(src, rnd)
    const t = performance.now()
    if (decodeOrFormatError(m, `seed ${seed} input ${m.toString('hex')}`)) ok++
    worst = Math.max(worst, performance.now() - t)
  }
  const elapsed = performance.now() - start
  assert.ok(elapsed < 20000, `fuzz took ${elapsed} ms`)
  assert.ok(worst < 500, `slowest single decode ${worst} ms`)
  assert.ok(ok > 0 && ok < 15000, `some mutations decode, most do not (${ok})`)
  assert.ok(process.memoryUsage().rss - rss0 < 256 * 1024 * 1024, 'rss growth bounded')
})

test('every truncation of every seed throws RdbFormatError', () => {
  for (const s of seeds) {
    for (let n = 0; n < s.length; n++) {
      assert.throws(() => decodeValue(s.subarray(0, n)), RdbFormatError, `len ${n} of ${s.toString('hex')}`)
    }
  }
})

test('huge declared lengths fail before allocating', () => {
  const cases = [
    '0081ffffffffffffffff', // 64-bit string length
    '0080ffffffff', // 32-bit string length
    '01807fffffff00', // list with 2^31 elements
    '00c3807fffffff807fffffff00', // LZF with huge lengths
    '00c301807fffffff00', // LZF ulen far beyond any ratio
    '1280000fffff0200', // quicklist with a million nodes
  ]
  for (const hex of cases) {
    const t = performance.now()
    assert.throws(() => decodeValue(Buffer.from(hex, 'hex')), RdbFormatError, hex)
    assert.ok(performance.now() - t < 100, hex)
  }
})

test('mutated RDB files parse or throw RdbFormatError', () => {
  const rdb = readFileSync(join(dir, fixtures.rdbFile.file))
  for (let seed = 1; seed <= 300; seed++) {
    const m = mutate(rdb, prng(seed * 7919))
    try {
      readRdb(m, {skipChecksum: true})
    } catch (e) {
      if (!(e instanceof RdbFormatError)) assert.fail(`rdb seed ${seed}: ${String((e as Error)?.stack ?? e)}`)
    }
  }
})

// Our RDB codec against a real redis-server 7.0: payloads we build are RESTOREd and read
// back, redis DUMPs are decoded, error texts compared, and a whole RDB file we write is
// loaded by redis-server at startup.
import {after, before, describe, test} from 'node:test'
import assert from 'node:assert/strict'
import {readFileSync, writeFileSync, mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {redisSkip} from '../helpers/redis-server.js'
import {startRedis, type RedisProcess} from '../fixtures/rdb/redis-process.js'
import {normalize, readBack} from '../fixtures/rdb/fixture-format.js'
import {legacyPayloads, dumpOf} from '../fixtures/rdb/legacy-encoders.js'
import {createDumpPayload, parseDumpPayload} from '../../src/node/persistence/dump.js'
import {readRdb, writeRdb, type RdbWriteEntry} from '../../src/node/persistence/rdb-file.js'
import {RESTORE_ERRORS, restoreErrorText, type RdbValue} from '../../src/node/persistence/rdb-value.js'
import {writeString} from '../../src/node/persistence/rdb-codec.js'

const skip = redisSkip()
const allBytes = Array.from({length: 256}, (_, i) => String.fromCharCode(i)).join('')
const seq = <T>(n: number, f: (i: number) => T) => Array.from({length: n}, (_, i) => f(i))

// [name, value, OBJECT ENCODING redis should end up with]
const VALUES: [string, RdbValue, string][] = [
  ['s_bar', {type: 'string', value: 'bar'}, 'embstr'],
  ['s_int', {type: 'string', value: '-2147483648'}, 'int'],
  ['s_bigint', {type: 'string', value: '12345678901'}, 'int'],
  ['s_notint', {type: 'string', value: '007'}, 'embstr'],
  ['s_binary', {type: 'string', value: allBytes}, 'raw'],
  ['s_lzf', {type: 'string', value: 'hello world '.repeat(200)}, 'raw'],
  ['s_empty', {type: 'string', value: ''}, 'embstr'],
  ['l_small', {type: 'list', items: ['a', '', '\x00\xff', '-5', '4095', '-4096', '70000', '9223372036854775807', '1.5']}, 'quicklist'],
  ['l_large', {type: 'list', items: seq(5000, (i) => (i % 7 ? `item-${i}` : String(i * 99991)))}, 'quicklist'],
  ['l_bigitem', {type: 'list', items: ['a', 'B'.repeat(20000), allBytes]}, 'quicklist'],
  ['set_int', {type: 'set', members: ['1', '-2', '300000', '9223372036854775807']}, 'intset'],
  ['set_str', {type: 'set', members: ['a', '\x00', allBytes, '1']}, 'hashtable'],
  ['set_many', {type: 'set', members: seq(700, String)}, 'hashtable'],
  ['h_small', {type: 'hash', entries: [['f', 'v'], ['n', '-12'], ['\x00', '\xff']]}, 'listpack'],
  ['h_long', {type: 'hash', entries: [['f', 'v'.repeat(65)], ['g', 'x']]}, 'hashtable'],
  ['h_many', {type: 'hash', entries: seq(600, (i) => [`f${i}`, `v${i}`] as [string, string])}, 'hashtable'],
  ['z_small', {type: 'zset', entries: [['a', 1.5], ['b', -Infinity], ['c', Infinity], ['d', -0], ['e', 0.1], ['f', 2 ** 60], ['g', 1e300]]}, 'listpack'],
  ['z_long', {type: 'zset', entries: [['m'.repeat(65), 1], ['x', -Infinity]]}, 'skiplist'],
  ['z_many', {type: 'zset', entries: seq(300, (i) => [`m${i}`, i / 3 - 50] as [string, number])}, 'skiplist'],
]

describe('RDB codec vs redis-server 7.0', {skip}, () => {
  let r: RedisProcess
  before(async () => {
    r = await startRedis()
  })
  after(async () => {
    await r?.stop()
  })

  for (const [name, value, encoding] of VALUES) {
    test(`${name}: RESTORE our payload, read back, DUMP back`, async () => {
      const c = r.client
      assert.equal(await c.call('RESTORE', name, '0', createDumpPayload(value), 'REPLACE'), 'OK')
      assert.equal(await c.call('OBJECT', 'ENCODING', name), encoding)
      assert.deepEqual(normalize(await readBack(c, name)), normalize(value))
      const dumped = (await c.callBuffer('DUMP', name)) as Buffer
      assert.deepEqual(normalize(parseDumpPayload(dumped)), normalize(value))
    })
  }

  test('-0 and special scores keep their sign through redis', async () => {
    const c = r.client
    await c.call('RESTORE', 'negzero', '0', createDumpPayload({type: 'zset', entries: [['z', -0]]}), 'REPLACE')
    assert.equal(await c.zscore('negzero', 'z'), '-0')
  })

  test('legacy encodings (ziplist, zipmap, quicklist v1, ZSET type 3) load into redis as we decode them', async () => {
    const c = r.client
    for (const {name, payload} of legacyPayloads()) {
      const ours = parseDumpPayload(payload)
      if (name === 'set_listpack_72') {
        await assert.rejects(c.call('RESTORE', name, '0', payload), /Bad data format/)
        continue
      }
      assert.equal(await c.call('RESTORE', name, '0', payload, 'REPLACE'), 'OK', name)
      assert.deepEqual(normalize(await readBack(c, name)), normalize(ours), name)
    }
  })

  test('error texts match: bad CRC, newer version, broken body, empty collection', async () => {
    const c = r.client
    const good = createDumpPayload({type: 'string', value: 'bar'})
    const badCrc = Buffer.from(good)
    badCrc[3] ^= 1
    const cases: [Buffer, string][] = [
      [badCrc, RESTORE_ERRORS.checksum],
      [dumpOf(0, (w) => writeString(w, 'x'), 11), RESTORE_ERRORS.checksum],
      [dumpOf(0, (w) => w.u8(40)), RESTORE_ERRORS.format], // redis reads into the footer, so claim more than all of it
      [dumpOf(15, (w) => w.u8(0)), RESTORE_ERRORS.format],
      [createDumpPayload({type: 'list', items: []}), RESTORE_ERRORS.format],
      [createDumpPayload({type: 'hash', entries: []}), RESTORE_ERRORS.format],
    ]
    for (const [payload, want] of cases) {
      let theirs = ''
      try {
        await c.call('RESTORE', 'errkey', '0', payload, 'REPLACE')
      } catch (e) {
        theirs = (e as Error).message
      }
      let ours = ''
      try {
        parseDumpPayload(payload)
      } catch (e) {
        ours = restoreErrorText(e) ?? String(e)
      }
      assert.equal(theirs, want, payload.toString('hex'))
      assert.equal(ours, want, payload.toString('hex'))
    }
  })
})

describe('RDB files vs redis-server 7.0', {skip}, () => {
  test('redis-server loads a file we wrote; we read the file it saves', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'redis-ts-rdbfile-'))
    try {
      const expireAt = Date.now() + 3_600_000
      const entries: RdbWriteEntry[] = [
        ...VALUES.map(([key, value]) => ({db: 0, key, value})),
        {db: 0, key: 'expiring', value: {type: 'string', value: 'soon'}, expireAt},
        {db: 0, key: 'expired', value: {type: 'string', value: 'gone'}, expireAt: 1000},
        {db: 5, key: 'other-db', value: {type: 'list', items: ['x', 'y']}},
      ]
      writeFileSync(join(dir, 'ours.rdb'), writeRdb(entries, {chunkSize: 4096}))
      const r = await startRedis({dir, args: ['--dbfilename', 'ours.rdb']})
      try {
        const c = r.client
        assert.equal(await c.dbsize(), VALUES.length + 1, 'expired key dropped on load, others present')
        for (const [key, value] of VALUES) assert.deepEqual(normalize(await readBack(c, key)), normalize(value), key)
        assert.equal(await c.pexpiretime('expiring'), expireAt)
        await c.select(5)
        assert.deepEqual(await c.lrange('other-db', 0, -1), ['x', 'y'])
        await c.select(0)
        await c.call('SAVE')
        const saved = readRdb(readFileSync(join(dir, 'ours.rdb')))
        assert.equal(saved.aux.get('redis-ver'), '7.0.15')
        const db0 = new Map(saved.dbs.get(0)!.map((e) => [e.key, e]))
        for (const [key, value] of VALUES) assert.deepEqual(normalize(db0.get(key)!.value), normalize(value), key)
        assert.equal(db0.get('expiring')!.expireAt, expireAt)
        assert.deepEqual(saved.dbs.get(5), [{key: 'other-db', value: {type: 'list', items: ['x', 'y']}}])
      } finally {
        await r.stop()
      }
    } finally {
      rmSync(dir, {recursive: true, force: true})
    }
  })

  test('FUNCTION2 libraries survive a round trip through our reader and writer', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'redis-ts-rdbfn-'))
    try {
      const lib = "#!lua name=rdbtslib\nredis.register_function('rdbts_one', function() return 1 end)"
      const a = await startRedis({dir, args: ['--dbfilename', 'a.rdb']})
      try {
        await a.client.call('FUNCTION', 'LOAD', lib)
        await a.client.call('SAVE')
      } finally {
        await a.stop()
      }
      const file = readRdb(readFileSync(join(dir, 'a.rdb')))
      assert.equal(file.functions.length, 1)
      assert.match(file.functions[0], /rdbts_one/)
      writeFileSync(join(dir, 'b.rdb'), writeRdb([], {functions: file.functions}))
      const b = await startRedis({dir, args: ['--dbfilename', 'b.rdb']})
      try {
        assert.equal(await b.client.call('FCALL', 'rdbts_one', '0'), 1)
      } finally {
        await b.stop()
      }
    } finally {
      rmSync(dir, {recursive: true, force: true})
    }
  })
})

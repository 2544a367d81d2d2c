// A dump.rdb holding an empty collection (a set of length 0): redis 7.0 skips the key and logs it
// ("rdbLoadObject skipping empty key: <key>", then "Done loading RDB, ..., empty keys skipped: 1.");
// the embedded node does the same, checked side by side with redis-server.
import {after, describe, test} from 'node:test'
import assert from 'node:assert/strict'
import {mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {client, waitFor} from '../helpers/repl.js'
import {startNode} from '../../src/node/index.js'
import {RedisNodes, redisSkip} from '../helpers/redis-server.js'

// REDIS0010, SELECTDB 0, set "s" with 0 members, string "k" = "v", EOF, zero checksum (not checked)
const RDB = Buffer.concat([Buffer.from('REDIS0010', 'latin1'), Buffer.from([0xfe, 0x00, 0x02, 0x01, 0x73, 0x00, 0x00, 0x01, 0x6b, 0x01, 0x76, 0xff]), Buffer.alloc(8)])

async function check(port: number, log: () => string): Promise<void> {
  const c = client(port)
  try {
    await waitFor(async () => (await c.dbsize()) === 1, 60_000, 'loaded')
    assert.equal(await c.exists('s'), 0)
    assert.equal(await c.get('k'), 'v')
    await waitFor(() => log().includes('Done loading RDB'), 60_000, 'load logged')
    assert.match(log(), /# rdbLoadObject skipping empty key: s\n/)
    assert.match(log(), /# Done loading RDB, keys loaded: 1, keys expired: 0, empty keys skipped: 1\.\n/)
  } finally {
    c.disconnect()
  }
}

describe('RDB load skips empty keys and says so (embedded node vs redis-server)', () => {
  const root = mkdtempSync(join(tmpdir(), 'redis-ts-empty-keys-'))
  const real = new RedisNodes()
  after(async () => {
    await real.stop()
    rmSync(root, {recursive: true, force: true})
  })

  test('embedded', {timeout: 120_000}, async () => {
    const dir = mkdtempSync(join(root, 'e-'))
    writeFileSync(join(dir, 'dump.rdb'), RDB)
    const file = join(dir, 'node.log')
    const n = await startNode({overrides: {port: '0', bind: '127.0.0.1', save: '', dir, dbfilename: 'dump.rdb', logfile: file}})
    try {
      await check(n.port, () => readFileSync(file, 'utf8'))
    } finally {
      await n.stop()
    }
  })
  test('redis-server', {timeout: 120_000, skip: redisSkip()}, async () => {
    const dir = mkdtempSync(join(root, 'r-'))
    writeFileSync(join(dir, 'empty.rdb'), RDB)
    const file = join(dir, 'real.log')
    const [node] = await real.start(1, {cluster: false, extra: ['--dir', dir, '--dbfilename', 'empty.rdb', '--logfile', file]})
    await check(node.port, () => readFileSync(file, 'utf8'))
  })
})

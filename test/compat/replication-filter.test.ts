// Side by side with redis-server 7.0: REPLCONF rdb-filter-only (redis-cli --functions-rdb) and the
// RDB a master sends a filtered replica then (aux fields and functions, no keys), over both
// repl-diskless-sync settings; SYNC/PSYNC refused while earlier pipelined replies are unsent; and the
// integer arguments of REPLCONF (listening-port, rdb-only) and REPLICAOF's port, read as redis reads
// a long (no leading zeros, no "-0", 64 bits at most) and range-checked with its words.
import {describe, test} from 'node:test'
import assert from 'node:assert/strict'
import net from 'node:net'
import {execFile} from 'node:child_process'
import {promisify} from 'node:util'
import {mkdtempSync, readFileSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {Redis} from 'ioredis'
import {pairHooks, sameReplies, withBoth} from './harness.js'
import {redisSkip} from '../helpers/redis-server.js'
import {RdbStreamParser} from '../../src/node/persistence/rdb-stream.js'

const LIB = "#!lua name=lib1\nredis.register_function('func1', function() return 123 end)"

/** Everything the server answers to `bytes` written at once, until `expect` replies arrived. */
async function rawExchange(port: number, bytes: string, expect: number): Promise<string> {
  const sock = net.connect(port, '127.0.0.1')
  let got = ''
  try {
    return await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out; got ${JSON.stringify(got)}`)), 30_000)
      sock.on('error', reject)
      sock.on('data', (d) => {
        got += d.toString('latin1')
        if (got.split('\r\n').length - 1 >= expect) {
          clearTimeout(timer)
          resolve(got)
        }
      })
      sock.write(bytes)
    })
  } finally {
    sock.destroy()
  }
}

async function errorOf(p: Promise<unknown>): Promise<string> {
  try {
    return `ok: ${String(await p)}`
  } catch (e) {
    return (e as Error).message
  }
}

/** REPLCONF rdb-filter-only on one connection, then what PSYNC says on it (no capa eof). */
async function filterReplies(port: number): Promise<string[]> {
  const out: string[] = []
  for (const [filter, psync] of [['functions', true], ['', false], ['foo', false], ['functions foo', false], ['"x', false]] as const) {
    const c = new Redis({port, host: '127.0.0.1', maxRetriesPerRequest: 0})
    try {
      out.push(await errorOf(c.call('REPLCONF', 'rdb-filter-only', filter)))
      if (psync) out.push(await errorOf(c.call('PSYNC', '?', '-1')))
    } finally {
      c.disconnect()
    }
  }
  return out
}

/** redis-cli --functions-rdb against `port`: what the file holds. */
async function functionsRdb(port: number, dir: string, name: string): Promise<{keys: number; functions: string[]; aux: string[]}> {
  const file = join(dir, name)
  // not spawnSync: the embedded node serves from this very process
  const r = await promisify(execFile)('redis-cli', ['-p', String(port), '--functions-rdb', file], {encoding: 'latin1', timeout: 120_000})
  assert.match(r.stdout + r.stderr, /Transfer finished with success/)
  const res = {keys: 0, functions: [] as string[], aux: [] as string[]}
  const p = new RdbStreamParser({onEntry: () => res.keys++, onFunction: (code) => res.functions.push(code), onAux: (k) => res.aux.push(k)})
  p.feed(readFileSync(file))
  p.end()
  return res
}

describe('REPLCONF rdb-filter-only and SYNC with pending output vs redis-server', {skip: redisSkip()}, () => {
  const pair = pairHooks()

  test('PSYNC and SYNC pipelined behind another command are refused', {timeout: 120_000}, async () => {
    for (const cmd of ['PSYNC ? -1', 'SYNC']) {
      const bytes = `PING\r\n${cmd}\r\n` + '*2\r\n$4\r\nECHO\r\n$5\r\nafter\r\n'
      const real = await rawExchange(pair.redisPort, bytes, 3)
      assert.equal(real, '+PONG\r\n-ERR SYNC and PSYNC are invalid with pending output\r\n$5\r\nafter\r\n')
      assert.equal(await rawExchange(pair.ourPort, bytes, 3), real)
    }
  })

  test('REPLCONF listening-port / rdb-only and REPLICAOF port: integer parsing and ranges', async () => {
    await withBoth(pair, (real, ours) =>
      sameReplies(real, ours, [
        ['REPLCONF', 'listening-port', '01'],
        ['REPLCONF', 'listening-port', '-0'],
        ['REPLCONF', 'listening-port', '99999999999999999999'],
        ['REPLCONF', 'listening-port', '1.0'],
        ['REPLCONF', 'listening-port', '6380'],
        ['REPLCONF', 'rdb-only', '2'],
        ['REPLCONF', 'rdb-only', '-1'],
        ['REPLCONF', 'rdb-only', 'x'],
        ['REPLCONF', 'rdb-only', '01'],
        ['REPLCONF', 'rdb-only', '1'],
        ['REPLCONF', 'rdb-only', '0'],
        ['REPLCONF', 'rdb-only', '1', 'rdb-only', '5'],
        ['REPLICAOF', '127.0.0.1', '01'],
        ['REPLICAOF', '127.0.0.1', '-0'],
        ['REPLICAOF', '127.0.0.1', '65536'],
        ['REPLICAOF', '127.0.0.1', '99999999999999999999'],
      ]),
    )
  })

  test('rdb-filter-only values and errors match', {timeout: 120_000}, async () => {
    const real = await filterReplies(pair.redisPort)
    assert.deepEqual(real, [
      'ok: OK', 'ERR Filtered replica requires EOF capability', 'ok: OK', 'ERR Unsupported rdb-filter-only option: foo',
      'ERR Unsupported rdb-filter-only option: foo', 'ERR Missing rdb-filter-only values',
    ])
    assert.deepEqual(await filterReplies(pair.ourPort), real)
  })

  test('redis-cli --functions-rdb: functions and no keys, disk-based and diskless', {timeout: 300_000}, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'functions-rdb-'))
    try {
      for (const port of [pair.redisPort, pair.ourPort]) {
        const c = new Redis(port, '127.0.0.1')
        try {
          await c.call('FUNCTION', 'FLUSH')
          await c.flushall()
          await c.mset('k1', 'v', 'k2', 'v')
          await c.call('FUNCTION', 'LOAD', LIB)
          for (const diskless of ['no', 'yes']) {
            await c.config('SET', 'repl-diskless-sync', diskless)
            await c.config('SET', 'repl-diskless-sync-delay', '0')
            const got = await functionsRdb(port, dir, `${port}-${diskless}.rdb`)
            assert.deepEqual({keys: got.keys, functions: got.functions}, {keys: 0, functions: [LIB]}, `port ${port} diskless ${diskless}`)
            assert.ok(got.aux.includes('repl-id') && got.aux.includes('redis-ver'), got.aux.join(','))
          }
          // the data is still all there, and a plain --rdb still carries the keys
          assert.equal(await c.dbsize(), 2)
        } finally {
          c.disconnect()
        }
      }
    } finally {
      rmSync(dir, {recursive: true, force: true})
    }
  })
})

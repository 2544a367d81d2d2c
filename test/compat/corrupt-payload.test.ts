// Corrupt DUMP payloads and RDB files, crafted here, through RESTORE and through a dump.rdb load,
// side by side with redis-server (each server a process of its own, as a failed assertion ends it):
// the same refusal ("Bad data format" and rdbReportError's verbose line with Redis's reason), the
// same survival, and under sanitize-dump-payload no the same acceptance of a stream listpack that
// only passes the shallow check, or the same assertion crash when lpFirst meets a broken entry.
import {after, describe, test} from 'node:test'
import assert from 'node:assert/strict'
import {spawn, type ChildProcess} from 'node:child_process'
import {mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import type {Redis} from 'ioredis'
import {ByteWriter} from '../../src/node/persistence/byte-io.js'
import {Crc64} from '../../src/node/persistence/crc64.js'
import {finishDumpPayload} from '../../src/node/persistence/dump.js'
import {ListpackBuilder} from '../../src/node/persistence/listpack.js'
import {BIN, ROOT} from '../helpers/cli.js'
import {freePortPair} from '../helpers/ports.js'
import {client, waitFor} from '../helpers/repl.js'
import {haveRedisServer, redisSkip, waitReady} from '../helpers/redis-server.js'

type Kind = 'embedded' | 'redis-server'

const root = mkdtempSync(join(tmpdir(), 'redis-ts-corrupt-'))
const procs: ChildProcess[] = []
after(() => {
  for (const p of procs) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL')
  rmSync(root, {recursive: true, force: true})
})

interface Server {
  port: number
  log: () => string
  exited: Promise<number | null>
  alive: () => boolean
}

/** One server process: redis-server, or the embedded node through the CLI, with the same arguments. */
async function launch(kind: Kind, extra: string[] = [], dir = mkdtempSync(join(root, 'n-')), waitUp = true): Promise<Server> {
  const {port} = await freePortPair()
  const logfile = join(dir, 'server.log')
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no', '--logfile', logfile]
  args.push('--loglevel', 'verbose', '--use-exit-on-panic', 'yes', '--crash-memcheck-enabled', 'no', '--enable-debug-command', 'yes', ...extra)
  const dev = BIN.endsWith('dev.js') ? ['--require', 'tsx/preflight', '--import', 'tsx', '--no-warnings'] : []
  const proc = kind === 'redis-server' ? spawn('redis-server', args, {stdio: 'ignore'}) : spawn(process.execPath, [...dev, BIN, 'node', ...args], {cwd: ROOT, stdio: 'ignore'})
  procs.push(proc)
  const exited = new Promise<number | null>((r) => proc.once('exit', (code) => r(code)))
  const log = () => {
    try {
      return readFileSync(logfile, 'utf8')
    } catch {
      return ''
    }
  }
  if (waitUp) await waitReady(port, undefined, undefined, 60_000)
  return {port, log, exited, alive: () => proc.exitCode === null && proc.signalCode === null}
}

/** A DUMP payload of this body: RDB version 10 and the CRC-64 footer. */
function dumpOf(body: number[] | Buffer): Buffer {
  const w = new ByteWriter()
  w.bytes(Buffer.from(body))
  return finishDumpPayload(w)
}

/** rdb length encoding for small values. */
const len = (n: number): number[] => (n < 64 ? [n] : [0x40 | (n >> 8), n & 0xff])

/** A one-node stream (RDB type 15) whose node is this listpack; master ID 1-0, one entry. */
function streamBody(lp: Buffer): Buffer {
  const id = Buffer.alloc(16)
  id.writeBigUInt64BE(1n, 0)
  return Buffer.concat([Buffer.from([15, 1, ...len(16)]), id, Buffer.from(len(lp.length)), lp, Buffer.from([1, 1, 0, 0])])
}

/** The listpack of a node with one entry 1-0 f=v, as streamAppendItem lays it out. */
function streamListpack(): Buffer {
  const lp = new ListpackBuilder()
  for (const e of ['1', '0', '1', 'f', '0', '2', '0', '0', 'v', '4']) lp.add(e)
  return lp.finish()
}

const mutate = (b: Buffer, at: number, v: number): Buffer => {
  const c = Buffer.from(b)
  c[at < 0 ? c.length - 1 + at : at] = v
  return c
}

const kinds: [Kind, string | false][] = [
  ['embedded', false],
  ['redis-server', redisSkip()],
]

for (const [kind, skip] of kinds) {
  describe(`corrupt payloads (${kind})`, {skip}, () => {
    const withClient = async (srv: Server, fn: (c: Redis) => Promise<void>) => {
      const c = client(srv.port)
      c.on('error', () => undefined)
      try {
        await fn(c)
      } finally {
        c.disconnect()
      }
    }
    const refused = async (c: Redis, srv: Server, payload: Buffer, line: RegExp | null) => {
      await assert.rejects(c.call('RESTORE', 'k', '0', payload, 'REPLACE'), /^ReplyError: ERR Bad data format$/)
      if (line) await waitFor(() => line.test(srv.log()), 60_000, `log line ${line}`)
      assert.equal(await c.ping(), 'PONG')
      assert.equal(await c.exists('k'), 0)
    }

    test('refusals with Redis reasons, the node survives and other keys are intact', {timeout: 180_000}, async () => {
      const srv = await launch(kind)
      await withClient(srv, async (c) => {
        await c.set('other', 'kept')
        for (const sanitize of ['no', 'yes']) {
          await c.config('SET', 'sanitize-dump-payload', sanitize)
          // a zipmap with no pairs, and one whose count byte disagrees with its pairs
          await refused(c, srv, dumpOf([9, 2, 0x00, 0xff]), /Internal error in RDB reading offset 0, function at rdb\.c:\d+ -> Zipmap integrity check failed\./)
          await refused(c, srv, dumpOf([9, 7, 0x05, 1, 0x61, 1, 0, 0x62, 0xff]), /-> Zipmap integrity check failed\./)
          // a quicklist plain node of zero bytes
          await refused(c, srv, dumpOf([18, 1, 1, 0]), null)
          // a quicklist node that is not a listpack
          await refused(c, srv, dumpOf([18, 1, 2, 3, 1, 2, 3]), /-> Listpack integrity check failed\./)
          // a stream whose node's listpack is empty
          const empty = new ListpackBuilder().finish()
          await refused(c, srv, dumpOf(streamBody(empty)), /-> Empty listpack inside stream/)
        }
        // a duplicate consumer in a group: refused whatever the sanitization
        await c.config('SET', 'sanitize-dump-payload', 'no')
        await c.call('XADD', 's', '1-1', 'f', 'v')
        await c.call('XGROUP', 'CREATE', 's', 'g', '0')
        await c.call('XGROUP', 'CREATECONSUMER', 's', 'g', 'alice')
        await c.call('XGROUP', 'CREATECONSUMER', 's', 'g', 'bobby')
        const good = (await c.callBuffer('DUMP', 's')) as Buffer
        const body = good.subarray(0, good.length - 10)
        const at = body.indexOf('bobby')
        assert.ok(at > 0 && body.indexOf('bobby', at + 1) < 0)
        const dup = Buffer.from(body)
        dup.write('alice', at, 'latin1')
        await refused(c, srv, dumpOf(dup), /-> Duplicate stream consumer detected\./)
        assert.equal(await c.get('other'), 'kept')
        assert.equal(await c.xlen('s'), 1)
      })
      assert.ok(srv.alive())
    })

    test('stream listpack: deep check refuses, shallow check accepts and keeps the bytes', {timeout: 180_000}, async () => {
      const srv = await launch(kind)
      await withClient(srv, async (c) => {
        const lp = streamListpack()
        // the entry's lp-count (last element before the terminator) no longer matches the entry
        const badCount = mutate(lp, lp.length - 3, 9)
        assert.equal(lp[lp.length - 3], 4)
        const payload = dumpOf(streamBody(badCount))
        await c.config('SET', 'sanitize-dump-payload', 'yes')
        await refused(c, srv, payload, /-> Stream listpack integrity check failed\./)
        await c.config('SET', 'sanitize-dump-payload', 'no')
        assert.equal(await c.call('RESTORE', 'k', '0', payload), 'OK')
        assert.equal(await c.xlen('k'), 1)
        assert.equal(await c.type('k'), 'stream')
        // the listpack is kept as it came: DUMP gives it back
        await c.config('SET', 'rdbcompression', 'no')
        const again = (await c.callBuffer('DUMP', 'k')) as Buffer
        assert.ok(again.includes(badCount), 'DUMP carries the same listpack')
        assert.equal(await c.del('k'), 1)
        // the well-formed node, for contrast
        assert.equal(await c.call('RESTORE', 'k', '0', dumpOf(streamBody(lp))), 'OK')
        assert.deepEqual(await c.xrange('k', '-', '+'), [['1-0', ['f', 'v']]])
      })
      assert.ok(srv.alive())
    })

    test('stream listpack whose first entry overruns: refused when sanitized, an assertion crash when not', {timeout: 180_000}, async () => {
      // 0xBF: a 6-bit string of 63 bytes, far past the terminator
      const payload = dumpOf(streamBody(mutate(streamListpack(), 6, 0xbf)))
      const srv = await launch(kind, ['--sanitize-dump-payload', 'yes'])
      await withClient(srv, async (c) => {
        await refused(c, srv, payload, /-> Stream listpack integrity check failed\./)
        await c.config('SET', 'sanitize-dump-payload', 'no')
        await c.call('RESTORE', 'k', '0', payload).catch(() => undefined)
      })
      assert.notEqual(await srv.exited, 0) // use-exit-on-panic yes: exit 1 (redis-server may also end by a signal after its report)
      const log = srv.log()
      assert.match(log, /=== ASSERTION FAILED ===/)
      assert.doesNotMatch(log, /crashed by signal/)
    })

    // A hash listpack f1 v1 f2 v2 whose last entry's back-length is wrong: the header and the
    // terminator are fine (the shallow check passes), a walk over the entries is not.
    const hashLp = (): Buffer => {
      const lp = new ListpackBuilder()
      for (const e of ['f1', 'v1', 'f2', 'v2']) lp.add(e)
      return mutate(lp.finish(), -1, 0)
    }
    // type 16 (hash listpack) / 18 (quicklist 2, one packed node)
    const hashBody = (lp: Buffer) => Buffer.concat([Buffer.from([16, ...len(lp.length)]), lp])
    const listBody = (lp: Buffer) => Buffer.concat([Buffer.from([18, 1, 2, ...len(lp.length)]), lp])
    const assertionCrash = async (srv: Server) => {
      assert.notEqual(await srv.exited, 0)
      const log = srv.log()
      assert.equal(log.split('=== ASSERTION FAILED ===').length, 2, 'one assertion report')
      assert.doesNotMatch(log, /crashed by signal/)
    }

    test('unsanitized hash listpack: accepted, header reads answer, a lookup fails the assertion', {timeout: 180_000}, async () => {
      const lp = hashLp()
      const payload = dumpOf(hashBody(lp))
      const srv = await launch(kind, ['--sanitize-dump-payload', 'yes'])
      await withClient(srv, async (c) => {
        await refused(c, srv, payload, /-> Hash listpack integrity check failed\./)
        await c.config('SET', 'sanitize-dump-payload', 'no')
        assert.equal(await c.call('RESTORE', 'k', '0', payload), 'OK')
        assert.equal(await c.hlen('k'), 2)
        assert.equal(await c.type('k'), 'hash')
        assert.equal(await c.object('ENCODING', 'k'), 'listpack')
        await c.config('SET', 'rdbcompression', 'no')
        assert.ok(((await c.callBuffer('DUMP', 'k')) as Buffer).includes(lp), 'DUMP carries the same listpack')
        // COPY duplicates the bytes unread
        assert.equal(await c.call('COPY', 'k', 'k2'), 1)
        assert.ok(((await c.callBuffer('DUMP', 'k2')) as Buffer).includes(lp), 'the copy carries the same listpack')
        await c.hget('k', 'f2').catch(() => undefined)
      })
      await assertionCrash(srv)
    })

    test('unsanitized hash listpack over hash-max-listpack-entries: converted at RESTORE, which fails the assertion', {timeout: 180_000}, async () => {
      const srv = await launch(kind, ['--sanitize-dump-payload', 'no', '--hash-max-listpack-entries', '1'])
      await withClient(srv, async (c) => {
        await c.call('RESTORE', 'k', '0', dumpOf(hashBody(hashLp()))).catch(() => undefined)
      })
      await assertionCrash(srv)
    })

    test('unsanitized hash listpack whose header miscounts its entries: HLEN says so, HGETALL fails count == length', {timeout: 180_000}, async () => {
      const lp = new ListpackBuilder()
      for (const e of ['f', 'v', 'g', 'w']) lp.add(e)
      const payload = dumpOf(hashBody(mutate(lp.finish(), 4, 6))) // six elements declared, four present
      const srv = await launch(kind, ['--sanitize-dump-payload', 'no'])
      await withClient(srv, async (c) => {
        assert.equal(await c.call('RESTORE', 'k', '0', payload), 'OK')
        assert.equal(await c.hlen('k'), 3)
        await c.hgetall('k').catch(() => undefined)
      })
      await assertionCrash(srv)
      assert.match(srv.log(), /'count == length' is not true/)
    })

    test('unsanitized quicklist node: accepted, LLEN from the header, LPOP fails the assertion', {timeout: 180_000}, async () => {
      const lp = new ListpackBuilder()
      for (const e of ['a', 'b', 'c']) lp.add(e)
      const payload = dumpOf(listBody(mutate(lp.finish(), 8, 0x00))) // the first entry's back-length: 0 instead of 2
      const srv = await launch(kind, ['--sanitize-dump-payload', 'no'])
      await withClient(srv, async (c) => {
        assert.equal(await c.call('RESTORE', 'k', '0', payload), 'OK')
        assert.equal(await c.llen('k'), 3)
        assert.equal(await c.type('k'), 'list')
        await c.lpop('k').catch(() => undefined)
      })
      await assertionCrash(srv)
    })

    test('unsanitized stream whose only entry is a tombstone: XREAD $ panics as streamLastValidID does', {timeout: 180_000}, async () => {
      // the entry's flags say deleted (3 = DELETED|SAMEFIELDS) while the node's counters and the stream length say live
      const lp = streamListpack()
      assert.equal(lp[17], 2)
      const payload = dumpOf(streamBody(mutate(lp, 17, 3)))
      const srv = await launch(kind, ['--sanitize-dump-payload', 'no'])
      await withClient(srv, async (c) => {
        assert.equal(await c.call('RESTORE', 'k', '0', payload), 'OK')
        assert.equal(await c.xlen('k'), 1)
        await c.call('XREAD', 'STREAMS', 'k', '$').catch(() => undefined)
      })
      assert.notEqual(await srv.exited, 0)
      const log = srv.log()
      assert.match(log, /Guru Meditation: Corrupt stream, length is 1, but no max id #/)
      assert.doesNotMatch(log, /crashed by signal|ASSERTION FAILED/)
    })

    test('dump.rdb with a corrupt hash ziplist: the load fails with the integrity report', {timeout: 180_000}, async () => {
      const dir = mkdtempSync(join(root, 'rdb-'))
      // REDIS0010, SELECTDB 0, a hash ziplist whose zlbytes does not match its size, EOF, CRC-64
      const zl = Buffer.from([0x20, 0, 0, 0, 0x0a, 0, 0, 0, 0, 0, 0xff])
      const w = new ByteWriter()
      w.bytes(Buffer.from('REDIS0010', 'latin1'))
      w.bytes(Buffer.from([0xfe, 0, 13, 1, 0x68, zl.length]))
      w.bytes(zl)
      w.u8(0xff)
      const crc = Buffer.alloc(8)
      new Crc64().update(w.buf, 0, w.pos).writeLE(crc, 0)
      w.bytes(crc)
      writeFileSync(join(dir, 'dump.rdb'), w.take())
      const srv = await launch(kind, [], dir, false)
      assert.equal(await srv.exited, 1)
      const log = srv.log()
      assert.match(log, /# Internal error in RDB reading offset \d+, function at rdb\.c:\d+ -> Hash ziplist integrity check failed\./)
      assert.match(log, /# Terminating server after rdb file reading failure\./)
    })
  })
}

test('redis-server is on PATH when REDIS_TS_REQUIRE_REDIS=1', {skip: process.env.REDIS_TS_REQUIRE_REDIS !== '1'}, () => {
  assert.ok(haveRedisServer())
})

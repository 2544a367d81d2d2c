// The embedded node's append-only file: 7.0 multi-part layout, restart round trips (RDB and
// RESP base), BGREWRITEAOF under writes, automatic rewrite, CONFIG SET appendonly at run time,
// truncated/corrupt files at start-up, the pre-7.0 single-file upgrade, and SIGKILL under
// appendfsync always (every acknowledged write survives).
import {after, describe, test} from 'node:test'
import assert from 'node:assert/strict'
import {spawn, spawnSync} from 'node:child_process'
import {appendFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {startNode, type RunningNode} from '../../src/node/index.js'
import {Logger} from '../../src/node/log.js'
import {Session} from '../../src/node/session.js'
import {AofLoadError} from '../../src/node/persistence/aof.js'
import {aofReadTuning} from '../../src/node/persistence/aof-load.js'
import {embeddedCommand} from '../../src/local/launcher.js'
import {freePortPair} from '../helpers/ports.js'
import {waitReady} from '../helpers/redis-server.js'
import {assertSamePicture, client, infoField, keyspacePicture, waitFor, waitRewriteDone, writeWorkload} from '../helpers/aof.js'

const root = mkdtempSync(join(tmpdir(), 'redis-ts-aof-'))
after(() => rmSync(root, {recursive: true, force: true}))
let dirs = 0
const newDir = () => join(root, String(++dirs))

/** In-process node; with `lines`, its log lines are captured there. */
function start(dir: string, extra: Record<string, string> = {}, lines?: string[]): Promise<RunningNode> {
  let logger: Logger | undefined
  if (lines) {
    logger = new Logger()
    logger.sink = (l) => void lines.push(l)
  }
  return startNode({overrides: {port: '0', dir, save: '', appendonly: 'yes', ...extra}, silent: !lines, logger})
}

const aofDir = (dir: string) => join(dir, 'appendonlydir')
const manifest = (dir: string) => readFileSync(join(aofDir(dir), 'appendonly.aof.manifest'), 'latin1')
const incrPath = (dir: string) => {
  const m = /file (\S+\.incr\.aof) seq \d+ type i\n$/.exec(manifest(dir))
  return join(aofDir(dir), m![1])
}

describe('AOF (embedded node)', () => {
  test('fresh start: 7.0 layout, commands as RESP with SELECT, restart restores the keyspace', async () => {
    const dir = newDir()
    let n = await start(dir)
    assert.equal(manifest(dir), 'file appendonly.aof.1.base.rdb seq 1 type b\nfile appendonly.aof.1.incr.aof seq 1 type i\n')
    assert.equal(readFileSync(join(aofDir(dir), 'appendonly.aof.1.base.rdb')).toString('latin1', 0, 5), 'REDIS')
    await writeWorkload(n.port, 'a')
    const incr = readFileSync(incrPath(dir), 'latin1')
    assert.ok(incr.startsWith('*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n*3\r\n$3\r\nset\r\n$3\r\na:s\r\n$5\r\nhello\r\n'), JSON.stringify(incr.slice(0, 80)))
    assert.match(incr, /\*2\r\n\$6\r\nSELECT\r\n\$1\r\n5\r\n/)
    assert.match(incr, /\r\nMULTI\r\n[\s\S]*\r\nEXEC\r\n/)
    assert.match(incr, /PXAT\r\n/) // relative expiries are stored absolute
    const before = await keyspacePicture(n.port)
    await n.stop()
    n = await start(dir)
    try {
      assertSamePicture(await keyspacePicture(n.port), before)
      assert.equal(await infoField(n.port, 'aof_enabled'), '1')
      assert.equal(Number(await infoField(n.port, 'aof_current_size')) > 0, true)
    } finally {
      await n.stop()
    }
  })

  for (const policy of ['always', 'everysec', 'no']) {
    test(`appendfsync ${policy}: a write's reply leaves only after the command is in the file`, async () => {
      const dir = newDir()
      const n = await start(dir, {appendfsync: policy})
      try {
        const path = incrPath(dir)
        // Sessions on fake sockets: at the moment a reply is handed to the socket, the command
        // it answers must already be in the file (deterministic, unlike a client racing a kill).
        const seen: string[] = []
        const sessions = [0, 1, 2].map((j) => {
          const sock = {
            remoteAddress: '127.0.0.1', remotePort: 1, localAddress: '127.0.0.1', localPort: 2, writableLength: 0,
            write: (out: string) => {
              const file = readFileSync(path, 'latin1')
              seen.push(`${j}:${out.replace(/\r\n/g, ' ').trim()}:${file.includes(`$2\r\nk${j}\r\n$2\r\nv${j}\r\n`)}`)
              return true
            },
            end() {}, destroy() {},
          }
          return new Session(n.server, sock as never)
        })
        const reads: string[] = []
        const reader = new Session(n.server, {remoteAddress: '127.0.0.1', remotePort: 1, localAddress: '127.0.0.1', localPort: 2, writableLength: 0, write: (o: string) => void reads.push(o), end() {}, destroy() {}} as never)
        // nothing pending: a read is answered at once
        reader.onData(Buffer.from('*2\r\n$3\r\nGET\r\n$2\r\nk0\r\n'))
        assert.deepEqual(reads, ['$-1\r\n'])
        for (const [j, s] of sessions.entries()) s.onData(Buffer.from(`*3\r\n$3\r\nSET\r\n$2\r\nk${j}\r\n$2\r\nv${j}\r\n`))
        // a read in the same turn observes those writes, so it waits for them too (as in redis,
        // where every reply of the turn leaves after flushAppendOnlyFile)
        reader.onData(Buffer.from('*2\r\n$3\r\nGET\r\n$2\r\nk0\r\n'))
        assert.deepEqual(seen, [])
        assert.equal(reads.length, 1)
        await new Promise((r) => setImmediate(r))
        assert.deepEqual(seen.sort(), ['0:+OK:true', '1:+OK:true', '2:+OK:true'])
        assert.deepEqual(reads, ['$-1\r\n', '$2\r\nv0\r\n'])
        assert.equal(await infoField(n.port, 'aof_buffer_length'), '0')
      } finally {
        await n.stop()
      }
    })
  }

  for (const preamble of ['yes', 'no']) {
    test(`BGREWRITEAOF during writes loses nothing (aof-use-rdb-preamble ${preamble})`, async () => {
      const dir = newDir()
      let n = await start(dir, {'aof-use-rdb-preamble': preamble})
      await writeWorkload(n.port, 'pre')
      const c = client(n.port)
      let acked = 0
      let stop = false
      const writer = (async () => {
        while (!stop) {
          const p = c.pipeline()
          for (let i = 0; i < 50; i++) p.incr('counter').rpush('log', String(acked + i))
          await p.exec()
          acked += 50
        }
      })()
      for (let i = 0; i < 3; i++) {
        await new Promise((r) => setTimeout(r, 60))
        assert.equal(await c.bgrewriteaof(), 'Background append only file rewriting started')
        await waitRewriteDone(n.port)
      }
      stop = true
      await writer
      assert.equal(await infoField(n.port, 'aof_rewrites'), '3')
      assert.equal(await infoField(n.port, 'aof_last_bgrewrite_status'), 'ok')
      const m = manifest(dir)
      assert.match(m, new RegExp(`^file appendonly\\.aof\\.4\\.base\\.${preamble === 'yes' ? 'rdb' : 'aof'} seq 4 type b\nfile appendonly\\.aof\\.4\\.incr\\.aof seq 4 type i\n$`))
      assert.deepEqual(readdirSync(aofDir(dir)).sort(), [`appendonly.aof.4.base.${preamble === 'yes' ? 'rdb' : 'aof'}`, 'appendonly.aof.4.incr.aof', 'appendonly.aof.manifest'])
      assert.equal(existsSync(join(dir, `temp-rewriteaof-bg-${process.pid}.aof`)), false)
      const before = await keyspacePicture(n.port)
      c.disconnect()
      await n.stop()
      // Load in 61-byte reads: every command straddles chunk boundaries at some point.
      aofReadTuning.chunk = 61
      n = await start(dir).finally(() => void (aofReadTuning.chunk = 4 << 20))
      try {
        assert.equal(await client(n.port).get('counter'), String(acked))
        assertSamePicture(await keyspacePicture(n.port), before)
      } finally {
        await n.stop()
      }
    })
  }

  test('automatic rewrite on growth (auto-aof-rewrite-percentage / min-size)', async () => {
    const dir = newDir()
    const n = await start(dir, {'auto-aof-rewrite-min-size': '4096', 'auto-aof-rewrite-percentage': '100'})
    try {
      const c = client(n.port)
      for (let i = 0; i < 200; i++) await c.set(`k${i % 10}`, 'x'.repeat(100))
      await waitFor(async () => Number(await infoField(n.port, 'aof_rewrites')) >= 1, 5000, 'automatic rewrite')
      await waitRewriteDone(n.port)
      c.disconnect()
      assert.match(manifest(dir), /^file appendonly\.aof\.\d+\.base\.rdb seq \d+ type b\nfile appendonly\.aof\.\d+\.incr\.aof seq \d+ type i\n$/)
    } finally {
      await n.stop()
    }
  })

  test('CONFIG SET appendonly yes at run time: rewrite first, then append; no turns it off', async () => {
    const dir = newDir()
    let n = await start(dir, {appendonly: 'no'})
    await writeWorkload(n.port, 'before')
    assert.equal(existsSync(aofDir(dir)), false)
    const c = client(n.port)
    assert.equal(await c.config('SET', 'appendonly', 'yes'), 'OK')
    await c.set('during', '1')
    await waitRewriteDone(n.port)
    assert.equal(await infoField(n.port, 'aof_enabled'), '1')
    assert.equal(manifest(dir), 'file appendonly.aof.1.base.rdb seq 1 type b\nfile appendonly.aof.1.incr.aof seq 1 type i\n')
    await c.set('after', '2')
    await writeWorkload(n.port, 'later')
    const before = await keyspacePicture(n.port)
    c.disconnect()
    await n.stop()
    n = await start(dir)
    try {
      assertSamePicture(await keyspacePicture(n.port), before)
      const c2 = client(n.port)
      assert.equal(await c2.config('SET', 'appendonly', 'no'), 'OK')
      assert.equal(await infoField(n.port, 'aof_enabled'), '0')
      const size = readFileSync(incrPath(dir)).length
      await c2.set('not-logged', '1')
      await new Promise((r) => setTimeout(r, 50))
      assert.equal(readFileSync(incrPath(dir)).length, size)
      c2.disconnect()
    } finally {
      await n.stop()
    }
  })

  test('the manifest is read whatever appendonly says: history files are deleted, sequence numbers continue', async () => {
    const dir = newDir()
    let n = await start(dir)
    await client(n.port).set('a', '1')
    await n.stop()
    // a crash between the manifest swap and the deletion leaves a history entry behind
    writeFileSync(join(aofDir(dir), 'appendonly.aof.0.incr.aof'), '')
    writeFileSync(join(aofDir(dir), 'appendonly.aof.manifest'), manifest(dir).replace('\n', '\nfile appendonly.aof.0.incr.aof seq 1 type h\n'))
    n = await start(dir, {appendonly: 'no'})
    try {
      assert.equal(existsSync(join(aofDir(dir), 'appendonly.aof.0.incr.aof')), false)
      assert.equal(manifest(dir), 'file appendonly.aof.1.base.rdb seq 1 type b\nfile appendonly.aof.1.incr.aof seq 1 type i\n')
      assert.equal(await client(n.port).dbsize(), 0) // appendonly no: the AOF is not loaded
      await client(n.port).set('b', '2')
      await client(n.port).config('SET', 'appendonly', 'yes')
      await waitRewriteDone(n.port)
      assert.equal(manifest(dir), 'file appendonly.aof.2.base.rdb seq 2 type b\nfile appendonly.aof.2.incr.aof seq 2 type i\n')
      assert.deepEqual(readdirSync(aofDir(dir)).sort(), ['appendonly.aof.2.base.rdb', 'appendonly.aof.2.incr.aof', 'appendonly.aof.manifest'])
    } finally {
      await n.stop()
    }
  })

  test('truncated last command: cut off and loaded (aof-load-truncated yes); refused with no', async () => {
    const dir = newDir()
    let n = await start(dir)
    await client(n.port).set('kept', 'v')
    await n.stop()
    const path = incrPath(dir)
    const good = readFileSync(path).length
    appendFileSync(path, '*3\r\n$3\r\nSET\r\n$4\r\nlost\r\n$5\r\nva')
    const lines: string[] = []
    await assert.rejects(start(dir, {'aof-load-truncated': 'no'}, lines), (e: Error) => e instanceof AofLoadError && /Unexpected end of file reading the append only file appendonly\.aof\.1\.incr\.aof/.test(e.message))
    aofReadTuning.chunk = 7
    n = await start(dir, {}, lines).finally(() => void (aofReadTuning.chunk = 4 << 20))
    try {
      assert.ok(lines.some((l) => l.includes('!!! Truncating the AOF appendonly.aof.1.incr.aof at offset ' + good + ' !!!')), lines.join('\n'))
      assert.equal(await client(n.port).get('kept'), 'v')
      assert.equal(await client(n.port).exists('lost'), 0)
    } finally {
      await n.stop()
    }
    assert.equal(readFileSync(path).length, good)
  })

  test('an incomplete MULTI at the tail is reverted; a corrupt middle refuses the start', async () => {
    const dir = newDir()
    let n = await start(dir)
    await client(n.port).set('a', '1')
    await n.stop()
    const path = incrPath(dir)
    appendFileSync(path, '*1\r\n$5\r\nMULTI\r\n*3\r\n$3\r\nSET\r\n$1\r\nb\r\n$1\r\n2\r\n')
    n = await start(dir)
    assert.equal(await client(n.port).exists('b'), 0)
    assert.equal(await client(n.port).get('a'), '1')
    await client(n.port).set('c', '3')
    await n.stop()
    const text = readFileSync(path, 'latin1')
    writeFileSync(path, text.replace('*3\r\n$3\r\nset\r\n$1\r\nc', 'garbage\r\n*3\r\n$3\r\nset\r\n$1\r\nc'))
    await assert.rejects(start(dir), (e: Error) => e instanceof AofLoadError && /^Bad file format reading the append only file appendonly\.aof\.1\.incr\.aof: make a backup/.test(e.message))
    writeFileSync(path, '*2\r\n$9\r\nNOSUCHCMD\r\n$1\r\nx\r\n')
    await assert.rejects(start(dir), /Unknown command 'NOSUCHCMD' reading the append only file/)
    writeFileSync(path, '')
    const basePath = join(aofDir(dir), 'appendonly.aof.1.base.rdb')
    const rdb = readFileSync(basePath)
    rdb[rdb.length - 3] ^= 0xff // checksum
    writeFileSync(basePath, rdb)
    await assert.rejects(start(dir), (e: Error) => e instanceof AofLoadError && /^Error reading the RDB base file appendonly\.aof\.1\.base\.rdb/.test(e.message))
    rmSync(basePath)
    await assert.rejects(start(dir), /The AOF file appendonly\.aof\.1\.base\.rdb listed in the manifest is missing/)
    writeFileSync(join(aofDir(dir), 'appendonly.aof.manifest'), 'file appendonly.aof.1.base.rdb seq 1 type x\n')
    await assert.rejects(start(dir), /Unknown AOF file type/)
  })

  test('a pre-7.0 appendonly.aof (RDB preamble + command tail) is moved into appendonlydir and loaded', async () => {
    const dir = newDir()
    // Build the preamble with a node that rewrites to an RDB base, then append a tail.
    let n = await start(dir)
    await client(n.port).set('pre', 'amble')
    await client(n.port).bgrewriteaof()
    await waitRewriteDone(n.port)
    await n.stop()
    const base = readdirSync(aofDir(dir)).find((f) => f.endsWith('.base.rdb'))!
    const old = Buffer.concat([readFileSync(join(aofDir(dir), base)), Buffer.from('*3\r\n$3\r\nSET\r\n$4\r\ntail\r\n$1\r\n1\r\n', 'latin1')])
    rmSync(aofDir(dir), {recursive: true})
    writeFileSync(join(dir, 'appendonly.aof'), old)
    const lines: string[] = []
    n = await start(dir, {}, lines)
    try {
      assert.equal(await client(n.port).get('pre'), 'amble')
      assert.equal(await client(n.port).get('tail'), '1')
      assert.ok(lines.some((l) => l.includes('Successfully migrated an old-style AOF file (appendonly.aof) into the AOF directory (appendonlydir).')))
      assert.equal(existsSync(join(dir, 'appendonly.aof')), false)
      assert.equal(manifest(dir), 'file appendonly.aof seq 1 type b\nfile appendonly.aof.1.incr.aof seq 1 type i\n')
    } finally {
      await n.stop()
    }
  })

  test('the node process refuses to start on a corrupt AOF (exit code 2, the reason on stderr)', async () => {
    const dir = newDir()
    const n = await start(dir)
    await n.stop()
    writeFileSync(incrPath(dir), 'not a command\r\n')
    const {port} = await freePortPair()
    const {cmd, args} = embeddedCommand()
    const r = spawnSync(cmd, [...args, '--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'yes'], {encoding: 'utf8', timeout: 20000})
    assert.equal(r.status, 2)
    assert.match(r.stderr, /^Bad file format reading the append only file appendonly\.aof\.1\.incr\.aof: make a backup of your AOF file/)
  })

  test('SIGKILL under appendfsync always: every acknowledged write is there after restart', async () => {
    const dir = newDir()
    const {port} = await freePortPair()
    const {cmd, args} = embeddedCommand()
    const argv = [...args, '--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'yes', '--appendfsync', 'always']
    const proc = spawn(cmd, argv, {stdio: 'ignore'})
    await waitReady(port)
    const acked = new Set<string>()
    const writers = Array.from({length: 4}, async (_, w) => {
      const c = client(port)
      c.on('error', () => {})
      try {
        for (let i = 0; ; i++) {
          await c.set(`w${w}:${i}`, String(i))
          acked.add(`w${w}:${i}`)
        }
      } catch {
        // the node was killed
      } finally {
        c.disconnect()
      }
    })
    // kill in the middle of the writes, once a few hundred have been acknowledged
    await waitFor(async () => acked.size >= 300, 20000, '300 acknowledged writes')
    proc.kill('SIGKILL')
    await Promise.all(writers)
    await new Promise((r) => proc.exitCode !== null || proc.signalCode !== null ? r(null) : proc.once('exit', r))
    const again = spawn(cmd, argv, {stdio: 'ignore'})
    try {
      await waitReady(port)
      const c = client(port)
      const keys = [...acked]
      for (let i = 0; i < keys.length; i += 500) {
        const vals = await c.mget(...keys.slice(i, i + 500))
        const lost = keys.slice(i, i + 500).filter((_, j) => vals[j] === null)
        assert.deepEqual(lost, [], 'acknowledged writes lost')
      }
      c.disconnect()
    } finally {
      again.kill('SIGKILL')
    }
  })
})

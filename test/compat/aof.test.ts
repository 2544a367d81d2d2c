// AOF directories across implementations: what the embedded node writes (RDB or RESP base,
// INCR files from before and after a BGREWRITEAOF) loads in redis-server 7.0 with the same
// keyspace (decoded DUMP of every key, expiries), and what redis-server writes loads in the
// embedded node. INFO persistence lists the same aof_* fields in the same order.
import {after, describe, test} from 'node:test'
import assert from 'node:assert/strict'
import {spawn, type ChildProcess} from 'node:child_process'
import {mkdirSync, mkdtempSync, readFileSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {startNode} from '../../src/node/index.js'
import {freePortPair} from '../helpers/ports.js'
import {redisSkip, waitReady} from '../helpers/redis-server.js'
import {assertSamePicture, client, keyspacePicture, waitRewriteDone, writeWorkload} from '../helpers/aof.js'

const skip = redisSkip()
const root = mkdtempSync(join(tmpdir(), 'redis-ts-aof-compat-'))
after(() => rmSync(root, {recursive: true, force: true}))
let dirs = 0
const newDir = () => join(root, String(++dirs))

async function startRedis(dir: string, extra: string[] = []): Promise<{port: number; proc: ChildProcess}> {
  const {port} = await freePortPair()
  mkdirSync(dir, {recursive: true})
  const proc = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'yes', ...extra], {stdio: 'ignore'})
  await waitReady(port)
  return {port, proc}
}

async function shutdownRedis(r: {port: number; proc: ChildProcess}): Promise<void> {
  const exited = new Promise((res) => (r.proc.exitCode !== null ? res(null) : r.proc.once('exit', res)))
  await client(r.port).shutdown().catch(() => undefined)
  await exited
}

const embedded = (dir: string, extra: Record<string, string> = {}) =>
  startNode({overrides: {port: '0', dir, save: '', appendonly: 'yes', ...extra}, silent: true})

const aofFields = (text: string) => text.split('\r\n').filter((l) => /^(aof_|module_fork)/.test(l)).map((l) => l.split(':')[0])

describe('AOF compat with redis-server 7.0', {skip}, () => {
  for (const preamble of ['yes', 'no']) {
    test(`embedded → redis-server (aof-use-rdb-preamble ${preamble})`, async () => {
      const dir = newDir()
      const n = await embedded(dir, {'aof-use-rdb-preamble': preamble})
      let before
      try {
        await writeWorkload(n.port, 'one')
        await client(n.port).bgrewriteaof()
        await waitRewriteDone(n.port)
        await writeWorkload(n.port, 'two') // INCR file on top of the rewritten BASE
        before = await keyspacePicture(n.port)
      } finally {
        await n.stop()
      }
      const r = await startRedis(dir, ['--aof-use-rdb-preamble', preamble])
      try {
        assertSamePicture(await keyspacePicture(r.port), before)
      } finally {
        await shutdownRedis(r)
      }
    })
  }

  test('redis-server → embedded (RDB base + INCR after BGREWRITEAOF)', async () => {
    const dir = newDir()
    const r = await startRedis(dir)
    let before
    try {
      await writeWorkload(r.port, 'one')
      await client(r.port).bgrewriteaof()
      await waitRewriteDone(r.port)
      await writeWorkload(r.port, 'two')
      before = await keyspacePicture(r.port)
    } finally {
      await shutdownRedis(r)
    }
    const n = await embedded(dir)
    try {
      assertSamePicture(await keyspacePicture(n.port), before)
      // and the embedded node keeps appending to redis-server's INCR file
      await client(n.port).set('appended', 'by-embedded')
    } finally {
      await n.stop()
    }
    const again = await startRedis(dir)
    try {
      assert.equal(await client(again.port).get('appended'), 'by-embedded')
    } finally {
      await shutdownRedis(again)
    }
  })

  test('redis-server → embedded (RESP base)', async () => {
    const dir = newDir()
    const r = await startRedis(dir, ['--aof-use-rdb-preamble', 'no'])
    let before
    try {
      await writeWorkload(r.port, 'one')
      await client(r.port).bgrewriteaof()
      await waitRewriteDone(r.port)
      await writeWorkload(r.port, 'two')
      before = await keyspacePicture(r.port)
    } finally {
      await shutdownRedis(r)
    }
    const n = await embedded(dir)
    try {
      assertSamePicture(await keyspacePicture(n.port), before)
    } finally {
      await n.stop()
    }
  })

  test('INFO persistence: the same aof_* fields in the same order', async () => {
    for (const on of ['yes', 'no']) {
      const r = await startRedis(newDir(), ['--appendonly', on])
      const n = await embedded(newDir(), {appendonly: on})
      try {
        const theirs = aofFields(await client(r.port).info('persistence'))
        const ours = aofFields(await client(n.port).info('persistence'))
        assert.deepEqual(ours, theirs)
      } finally {
        await n.stop()
        await shutdownRedis(r)
      }
    }
  })

  test('manifest text is byte-identical to redis-server after the same steps', async () => {
    const a = newDir()
    const b = newDir()
    const r = await startRedis(a)
    const n = await embedded(b)
    try {
      for (const port of [r.port, n.port]) {
        await client(port).set('k', 'v')
        await client(port).bgrewriteaof()
        await waitRewriteDone(port)
      }
      const m = (d: string) => readFileSync(join(d, 'appendonlydir', 'appendonly.aof.manifest'), 'latin1')
      assert.equal(m(b), m(a))
      assert.equal(m(a), 'file appendonly.aof.2.base.rdb seq 2 type b\nfile appendonly.aof.2.incr.aof seq 2 type i\n')
    } finally {
      await n.stop()
      await shutdownRedis(r)
    }
  })
})

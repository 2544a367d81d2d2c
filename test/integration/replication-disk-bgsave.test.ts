// A disk-based full sync is a BGSAVE (redis startBgsaveForReplication -> rdbSaveBackground of
// dbfilename), side by side: redis-server and embedded node processes. The sync has the BGSAVE's
// child process (`pgrep -P`), writes dump.rdb, and the replicas wait in wait_bgsave meanwhile; the
// child is killed when the last replica waiting for it leaves, unless save points are set (redis
// freeClient); the master killed, the child exits on its own; a child that fails drops the waiting
// replicas with redis's log line. A diskless sync's replica is listed in
// wait_bgsave too while the RDB streams (redis WAIT_BGSAVE_END), and gets no keep-alive newlines.
import {after, describe, test} from 'node:test'
import {spawnSync} from 'node:child_process'
import assert from 'node:assert/strict'
import {existsSync, mkdirSync, rmSync} from 'node:fs'
import {connect, type Socket} from 'node:net'
import {join} from 'node:path'
import {waitFor} from '../helpers/repl.js'
import {redisSkip} from '../helpers/redis-server.js'
import {alive, childrenOf, infoField, KINDS, ServerProcesses, type Kind, type ServerProcess} from '../helpers/server-process.js'

/** A connection the server keeps open (null: it closed it within 300 ms of accepting it). */
function openConnection(port: number): Promise<Socket | null> {
  return new Promise((resolve) => {
    const sock = connect(port, '127.0.0.1')
    sock.on('error', () => undefined)
    const timer = setTimeout(() => resolve(sock), 300)
    sock.once('close', () => {
      clearTimeout(timer)
      resolve(null)
    })
  })
}

/** Everything the server writes back to `request` until it closes the connection (10 s at most). */
function rawExchange(port: number, request: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const sock = connect(port, '127.0.0.1', () => sock.write(request))
    let out = ''
    const timer = setTimeout(() => {
      sock.destroy()
      reject(new Error(`connection still open, got ${JSON.stringify(out)}`))
    }, 10_000)
    sock.on('data', (d) => (out += d.toString('latin1')))
    sock.on('error', () => undefined)
    sock.on('close', () => {
      clearTimeout(timer)
      resolve(out)
    })
  })
}

describe('disk-based sync as a BGSAVE, redis-server and embedded node side by side', {skip: redisSkip()}, () => {
  const procs = new ServerProcesses()
  after(() => procs.stop())

  /** A master whose BGSAVE is slowed by rdb-key-save-delay, `replicas` replicas syncing from it (disk-based). */
  const slowSync = async (kind: Kind, keys: number, delayUs: number, replicas = 1, diskless = false) => {
    const m = await procs.launch(kind)
    await m.c.config('SET', 'repl-diskless-sync', diskless ? 'yes' : 'no')
    await m.c.call('DEBUG', 'POPULATE', String(keys))
    await m.c.config('SET', 'rdb-key-save-delay', String(delayUs))
    const rs: ServerProcess[] = []
    for (let i = 0; i < replicas; i++) {
      const r = await procs.launch(kind)
      await r.c.replicaof('127.0.0.1', String(m.port))
      rs.push(r)
    }
    await waitFor(async () => {
      const repl = await m.c.info('replication')
      return (await infoField(m.c, 'persistence', 'rdb_bgsave_in_progress')) === '1' && (repl.match(/state=wait_bgsave/g) ?? []).length === replicas
    }, 20_000, `${kind}: sync child started`)
    return {m, rs}
  }

  // Redis refuses the sync when fork() fails; the node's child fails to start when the process is
  // out of file descriptors (its pipes): a node whose limit is lowered once it runs (started under
  // it, the node would fit maxclients to it with 32 descriptors to spare, as Redis does, and refuse
  // the idle connections before running out), its free descriptors taken by idle connections, then
  // a PSYNC on the last one.
  test('embedded: a BGSAVE that cannot start refuses the sync as redis: no +FULLRESYNC, the error, closed', {timeout: 60_000}, async () => {
    const m = await procs.launch('embedded')
    const lowered = spawnSync('prlimit', ['--pid', String(m.pid), '--nofile=64:64'], {encoding: 'utf8'})
    assert.equal(lowered.status, 0, `prlimit: ${lowered.stderr}`)
    await m.c.config('SET', 'repl-diskless-sync', 'no')
    await m.c.set('k', 'v')
    const idle: Socket[] = []
    try {
      // connect until the node closes a new connection at once (accept fails: EMFILE), then free one
      for (let i = 0; ; i++) {
        assert.ok(i < 100, 'the node never ran out of descriptors')
        const s = await openConnection(m.port)
        if (s === null) break
        idle.push(s)
      }
      // Free one descriptor and PSYNC on it. An empty answer is the connection closed at accept
      // (libuv's EMFILE handling may take the freed descriptor back first): free one more and retry.
      let reply = ''
      for (let attempt = 0; reply === '' && attempt < 5 && idle.length > 0; attempt++) {
        idle.pop()!.destroy()
        await new Promise((r) => setTimeout(r, 50))
        reply = await rawExchange(m.port, 'PSYNC ? -1\r\n')
      }
      assert.equal(reply, "-ERR BGSAVE failed, replication can't continue\r\n")
    } finally {
      for (const s of idle) s.destroy()
    }
    // (the log lines are lost meanwhile: the log file is opened per line, as redis's serverLogRaw does)
    // the error reached the client: it was no longer a replica, whose replies are dropped
    assert.match(await m.c.info('replication'), /connected_slaves:0/)
    assert.equal(await m.c.get('k'), 'v')
  })

  for (const kind of KINDS) {
    test(`${kind}: the sync has a child process and writes dump.rdb`, {timeout: 120_000}, async () => {
      const {m, rs} = await slowSync(kind, 2000, 1000)
      assert.equal(childrenOf(m.pid).length, 1)
      await waitFor(async () => (await infoField(rs[0].c, 'replication', 'master_link_status')) === 'up', 60_000, 'synced')
      assert.equal(existsSync(join(m.dir, 'dump.rdb')), true)
      assert.equal(await rs[0].c.dbsize(), 2000)
      assert.match(m.log(), /Starting BGSAVE for SYNC with target: disk/)
      assert.match(m.log(), /Background saving started by pid \d+/)
    })

    test(`${kind}: the child is killed when no replica waits for it, unless save points are set`, {timeout: 120_000}, async () => {
      // 30 keys at 1 s each: a child still running after 8 s was not killed
      const {m, rs} = await slowSync(kind, 30, 1_000_000, 2)
      await rs[0].c.replicaof('NO', 'ONE')
      // the master has dropped the first replica (a kill would follow at once), and the child lives on
      await waitFor(async () => (await infoField(m.c, 'replication', 'connected_slaves')) === '1', 20_000, 'first replica gone')
      await new Promise((res) => setTimeout(res, 300))
      assert.equal(await infoField(m.c, 'persistence', 'rdb_bgsave_in_progress'), '1', 'another replica still waits')
      const child = childrenOf(m.pid)[0]
      await rs[1].c.replicaof('NO', 'ONE')
      await waitFor(async () => (await infoField(m.c, 'persistence', 'rdb_bgsave_in_progress')) === '0', 8_000, 'child killed')
      await waitFor(() => !alive(child), 10_000, 'child exited')
      await m.c.config('SET', 'save', '900 1')
      for (const r of rs) await r.c.replicaof('127.0.0.1', String(m.port))
      await waitFor(async () => (await infoField(m.c, 'persistence', 'rdb_bgsave_in_progress')) === '1', 20_000, 'second sync child')
      const second = childrenOf(m.pid)
      for (const r of rs) await r.c.replicaof('NO', 'ONE')
      await waitFor(async () => /connected_slaves:0/.test(await m.c.info('replication')), 20_000, 'replicas gone')
      await new Promise((res) => setTimeout(res, 300))
      assert.equal(await infoField(m.c, 'persistence', 'rdb_bgsave_in_progress'), '1')
      assert.deepEqual(childrenOf(m.pid), second)
    })

    test(`${kind}: diskless, the replica is in wait_bgsave while the RDB streams, then online`, {timeout: 120_000}, async () => {
      const {m, rs} = await slowSync(kind, 2000, 1000, 1, true)
      await m.c.config('SET', 'rdb-key-save-delay', '0')
      await waitFor(async () => (await infoField(rs[0].c, 'replication', 'master_link_status')) === 'up', 60_000, 'synced')
      await waitFor(async () => /slave0:.*state=online/.test(await m.c.info('replication')), 20_000, 'online')
      assert.equal(await rs[0].c.dbsize(), 2000)
    })

    test(`${kind}: a BGSAVE child that fails drops the replicas waiting for it, with redis's log line`, {timeout: 120_000}, async () => {
      const m = await procs.launch(kind, ['--enable-protected-configs', 'yes'])
      await m.c.config('SET', 'repl-diskless-sync', 'no')
      await m.c.call('DEBUG', 'POPULATE', '100')
      // the child cannot create its temp file: the directory is gone
      const gone = join(m.dir, 'gone')
      mkdirSync(gone)
      await m.c.config('SET', 'dir', gone)
      rmSync(gone, {recursive: true})
      const r = await procs.launch(kind)
      await r.c.replicaof('127.0.0.1', String(m.port))
      await waitFor(() => /SYNC failed\. BGSAVE child returned an error/.test(m.log()), 30_000, `${kind}: the failed sync logged`)
      assert.doesNotMatch(m.log(), /BGSAVE for replication failed/) // the BGSAVE did start
      assert.notEqual(await infoField(r.c, 'replication', 'master_link_status'), 'up')
    })

    test(`${kind}: the child exits when the master is killed`, {timeout: 120_000}, async () => {
      const {m} = await slowSync(kind, 10000, 1000)
      const [child] = childrenOf(m.pid)
      assert.ok(child)
      m.proc.kill('SIGKILL')
      await waitFor(() => !alive(child), 10_000, 'child exited')
    })
  }
})

// A replica loading its master's payload from the socket (repl-diskless-load swapdb / on-empty-db,
// redis useDisklessLoad), side by side: redis-server and embedded node processes, each replica
// syncing from a master of its own kind. It logs `to parser` and `Loading DB in memory` when the
// transfer starts (Redis's rdb-pipe tests wait for that line); a link killed mid-load logs the
// short read as redis rdbReportError does and reconnects at once; a SIGTERM while it loads shuts
// down without the final save ("Received shutdown signal during loading"). And the master's side of
// a PSYNC with an offset that is no number: an error and redis's log line naming the replica.
import {after, describe, test} from 'node:test'
import assert from 'node:assert/strict'
import {existsSync} from 'node:fs'
import {join} from 'node:path'
import {waitFor} from '../helpers/repl.js'
import {redisSkip} from '../helpers/redis-server.js'
import {infoField, KINDS, ServerProcesses, type Kind} from '../helpers/server-process.js'

describe('replica loading from the socket, redis-server and embedded node side by side', {skip: redisSkip()}, () => {
  const procs = new ServerProcesses()
  after(() => procs.stop())

  /** A master with 2000 keys of 10 kB, a replica loading them at 1 ms a key (key-load-delay), until `Loading DB in memory`. */
  const slowLoad = async (kind: Kind, load: string, replicaArgs: string[] = []) => {
    const m = await procs.launch(kind)
    await m.c.call('DEBUG', 'POPULATE', '2000', 'test', '10000')
    await m.c.config('SET', 'rdbcompression', 'no')
    await m.c.config('SET', 'repl-diskless-sync', 'yes')
    await m.c.config('SET', 'repl-diskless-sync-delay', '0')
    const r = await procs.launch(kind, replicaArgs)
    await r.c.config('SET', 'repl-diskless-load', load)
    await r.c.config('SET', 'key-load-delay', '1000')
    await r.c.replicaof('127.0.0.1', String(m.port))
    await waitFor(() => /MASTER <-> REPLICA sync: Loading DB in memory/.test(r.log()), 30_000, `${kind}: loading logged`)
    return {m, r}
  }

  for (const kind of KINDS) {
    test(`${kind}: PSYNC with a wrong offset is refused and logged`, {timeout: 60_000}, async () => {
      const m = await procs.launch(kind)
      await assert.rejects(m.c.call('PSYNC', 'replicationid', 'offset_str'), /^ReplyError: ERR value is not an integer or out of range$/)
      await waitFor(() => /Replica 127\.0\.0\.1:<unknown-replica-port> asks for synchronization but with a wrong offset/.test(m.log()), 10_000, `${kind}: logged`)
      assert.equal(await m.c.ping(), 'PONG')
    })

    test(`${kind}: swapdb logs 'to parser' and 'Loading DB in memory' while the transfer runs`, {timeout: 120_000}, async () => {
      const {r} = await slowLoad(kind, 'swapdb')
      assert.match(r.log(), /receiving streamed RDB from master with EOF to parser/)
      // 2000 keys at 1 ms each: the load is still running when the line is there
      assert.equal(await infoField(r.c, 'replication', 'master_sync_in_progress'), '1')
      assert.doesNotMatch(r.log(), /Flushing old data/) // swapdb loads aside
      await r.c.config('SET', 'key-load-delay', '0')
      await waitFor(async () => (await infoField(r.c, 'replication', 'master_link_status')) === 'up', 60_000, 'synced')
    })

    test(`${kind}: a link killed mid-load logs the short read and reconnects at once`, {timeout: 120_000}, async () => {
      const {m, r} = await slowLoad(kind, 'swapdb')
      await m.c.call('CLIENT', 'KILL', 'TYPE', 'replica')
      await waitFor(() => /Failed trying to load the MASTER synchronization DB from socket/.test(r.log()), 30_000, `${kind}: load failure logged`)
      const log = r.log()
      assert.match(log, /Internal error in RDB reading offset \d+, function at rdb\.c:\d+ -> Unexpected EOF reading RDB file\. Failure loading rdb format from socket, assuming connection error, resuming operation\./)
      assert.match(log, /MASTER <-> REPLICA sync: Discarding temporary DB in background/)
      assert.match(log, /Reconnecting to MASTER 127\.0\.0\.1:\d+ after failure/)
      await r.c.config('SET', 'key-load-delay', '0')
      await waitFor(async () => (await infoField(r.c, 'replication', 'master_link_status')) === 'up', 60_000, 'synced again')
    })

    test(`${kind}: SIGTERM while loading (on-empty-db) exits without the final save`, {timeout: 120_000}, async () => {
      const {r} = await slowLoad(kind, 'on-empty-db', ['--save', '900 1'])
      assert.match(r.log(), /MASTER <-> REPLICA sync: Flushing old data/) // on-empty-db empties first
      assert.equal(await infoField(r.c, 'persistence', 'loading'), '1')
      r.proc.kill('SIGTERM')
      await Promise.race([r.exited, new Promise((_, rej) => setTimeout(() => rej(new Error(`${kind}: still running 30 s after SIGTERM`)), 30_000))])
      const log = r.log()
      assert.match(log, /Received shutdown signal during loading, scheduling shutdown\./)
      assert.match(log, /User requested shutdown\.\.\./)
      assert.doesNotMatch(log, /Saving the final RDB snapshot/)
      assert.equal(existsSync(join(r.dir, 'dump.rdb')), false)
    })
  }
})

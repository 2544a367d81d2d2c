// The background-save child, side by side: the same script against a redis-server process and an
// embedded node process. BGSAVE has a child process (`pgrep -P <process_id>`) holding
// temp-<childpid>.rdb with the bgchild oom_score_adj; BGSAVE and BGREWRITEAOF wait for each other
// (already in progress / scheduled); kill -9 of the child sets rdb_last_bgsave_status:err and
// loses nothing; SHUTDOWN NOSAVE kills the child and removes its temp file; a SIGTERM the cron
// has not acted on (DEBUG PAUSE-CRON) is cancelled by SHUTDOWN ABORT.
import {after, describe, test} from 'node:test'
import assert from 'node:assert/strict'
import {existsSync, readFileSync} from 'node:fs'
import {join} from 'node:path'
import {readRdb} from '../../src/node/persistence/rdb-file.js'
import {waitFor} from '../helpers/repl.js'
import {redisSkip} from '../helpers/redis-server.js'
import type {Redis} from 'ioredis'
import {alive, childrenOf, infoField, KINDS, ServerProcesses, type ServerProcess as Server} from '../helpers/server-process.js'

const oomOf = (pid: number) => Number(readFileSync(`/proc/${pid}/oom_score_adj`, 'latin1').trim())

describe('BGSAVE child process, redis-server and embedded node side by side', {skip: redisSkip()}, () => {
  const procs = new ServerProcesses()
  after(() => procs.stop())
  const launch = (kind: (typeof KINDS)[number]) => procs.launch(kind)

  const info = (c: Redis, name: string) => infoField(c, 'persistence', name)

  /** BGSAVE kept running by rdb-key-save-delay (20 keys x 100 ms): its child's pid. */
  const slowBgsave = async (s: Server): Promise<number> => {
    const p = s.c.pipeline()
    for (let i = 0; i < 20; i++) p.set(`k${i}`, `v${i}`)
    await p.exec()
    await s.c.config('SET', 'rdb-key-save-delay', '100000')
    assert.equal(await s.c.bgsave(), 'Background saving started')
    const kids = childrenOf(s.pid)
    assert.equal(kids.length, 1, `one child of ${s.pid}`)
    return kids[0]
  }

  for (const kind of KINDS) {
    test(`${kind}: a child with its temp file and bgchild oom score; kill -9 of it is an error and loses nothing`, async () => {
      const s = await launch(kind)
      await s.c.config('SET', 'oom-score-adj-values', '0 0 7')
      await s.c.config('SET', 'oom-score-adj', 'yes')
      const child = await slowBgsave(s)
      assert.ok(existsSync(join(s.dir, `temp-${child}.rdb`)), 'temp-<childpid>.rdb')
      await waitFor(async () => oomOf(child) === oomOf(s.pid) + 7, 5000, 'bgchild oom_score_adj')
      assert.equal(await info(s.c, 'rdb_bgsave_in_progress'), '1')
      assert.equal(await info(s.c, 'current_save_keys_total'), '20')
      await assert.rejects(s.c.bgsave(), /ERR Background save already in progress/)
      assert.equal(await s.c.call('BGREWRITEAOF'), 'Background append only file rewriting scheduled')
      assert.equal(/aof_rewrite_scheduled:(\d)/.exec(await s.c.info('persistence'))![1], '1')
      await s.c.config('SET', 'rdb-key-save-delay', '0')
      process.kill(child, 'SIGKILL')
      await waitFor(async () => (await info(s.c, 'rdb_bgsave_in_progress')) === '0', 10_000, 'child reaped')
      assert.equal(await info(s.c, 'rdb_last_bgsave_status'), 'err')
      assert.ok(!existsSync(join(s.dir, `temp-${child}.rdb`)), 'temp file removed')
      assert.match(s.log(), /Background saving terminated by signal 9/)
      assert.equal(await s.c.dbsize(), 20)
      // The scheduled rewrite runs once the child is gone.
      await waitFor(async () => /aof_rewrite_scheduled:0/.test(await s.c.info('persistence')) && (await info(s.c, 'aof_rewrite_in_progress')) === '0', 10_000, 'scheduled rewrite')
      assert.equal(await s.c.bgsave(), 'Background saving started')
      await waitFor(async () => (await info(s.c, 'rdb_bgsave_in_progress')) === '0', 10_000, 'bgsave')
      assert.equal(await info(s.c, 'rdb_last_bgsave_status'), 'ok')
      assert.match(s.log(), new RegExp(`Background saving started by pid \\d+[\\s\\S]*:C .* DB saved on disk[\\s\\S]*Background saving terminated with success`))
      const file = readRdb(readFileSync(join(s.dir, 'dump.rdb')))
      assert.equal(file.dbs.get(0)!.length, 20)
      await s.c.config('SET', 'oom-score-adj', 'no')
    })

    test(`${kind}: SHUTDOWN NOSAVE kills the child and removes its temp file`, async () => {
      const s = await launch(kind)
      const child = await slowBgsave(s)
      const temp = join(s.dir, `temp-${child}.rdb`)
      assert.ok(existsSync(temp))
      await s.c.call('SHUTDOWN', 'NOSAVE').catch(() => undefined)
      await s.exited
      assert.ok(!existsSync(temp), 'temp file removed')
      await waitFor(async () => !alive(child), 5000, 'child gone')
      assert.match(s.log(), /There is a child saving an .rdb. Killing it!/)
      assert.ok(!existsSync(join(s.dir, 'dump.rdb')))
    })

    test(`${kind}: SHUTDOWN ABORT cancels a SIGTERM the paused cron has not acted on`, async () => {
      const s = await launch(kind)
      assert.equal(await s.c.call('SHUTDOWN', 'ABORT').catch((e: Error) => e.message), 'ERR No shutdown in progress.')
      assert.equal(await s.c.call('DEBUG', 'PAUSE-CRON', '1'), 'OK')
      process.kill(s.pid, 'SIGTERM')
      await waitFor(async () => /Received SIGTERM scheduling shutdown/.test(s.log()), 5000, 'signal logged')
      assert.equal(await s.c.call('SHUTDOWN', 'ABORT'), 'OK')
      assert.match(s.log(), /Shutdown manually aborted/)
      assert.equal(await s.c.call('DEBUG', 'PAUSE-CRON', '0'), 'OK')
      await new Promise((r) => setTimeout(r, 300)) // a few cron ticks: nothing is pending any more
      assert.equal(await s.c.ping(), 'PONG')
    })
  }
})


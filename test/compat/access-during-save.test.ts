// redis lookupKey leaves a key's access data (LRU clock / LFU counter) alone while a child process
// exists (a BGSAVE, an AOF rewrite, a full sync's snapshot), so the child's copy-on-write pages stay
// shared: a key read during a save keeps its idle time. The node stamped every read. Side by side:
// a key idle for 2 s, read while a paced BGSAVE runs, still idle; read after the child is gone, not.
import {test} from 'node:test'
import assert from 'node:assert/strict'
import {redisSkip} from '../helpers/redis-server.js'
import {pairHooks, RawClient} from './harness.js'

const skip = redisSkip()
const p = pairHooks()

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

async function until(c: RawClient, what: RegExp): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (what.test((await c.call(['INFO', 'persistence'])) as string)) return
    await sleep(25)
  }
  throw new Error(`INFO persistence never matched ${what}`)
}

test('no access-time update while a save child exists', {skip, timeout: 60_000}, async () => {
  const conns = await Promise.all([RawClient.connect(p.redisPort), RawClient.connect(p.ourPort)])
  try {
    for (const c of conns) for (const argv of [['SET', 'k', 'v'], ['SET', 'k2', 'v'], ['SET', 'k3', 'v']]) await c.call(argv)
    await sleep(2100)
    for (const c of conns) {
      assert.equal(await c.call(['CONFIG', 'SET', 'rdb-key-save-delay', '100000000']), '+OK')
      assert.equal(await c.call(['BGSAVE']), '+Background saving started')
      await until(c, /rdb_bgsave_in_progress:1/)
    }
    const during = []
    for (const c of conns) {
      assert.equal(await c.call(['GET', 'k']), 'v')
      await c.call(['SET', 'k3', 'new']) // a write's lookup does not stamp the old object either; the new value is new
      during.push([await c.call(['OBJECT', 'IDLETIME', 'k']), await c.call(['OBJECT', 'IDLETIME', 'k3'])])
    }
    const [real, ours] = during as number[][]
    assert.ok(real[0] >= 2, `redis-server: idle ${real[0]} s during the save`)
    // the node is asked a moment after redis-server (its own BGSAVE started in between): the idle
    // seconds of a key created in the same millisecond may have ticked over once more there
    assert.ok(ours[0] === real[0] || ours[0] === real[0] + 1, `idle during the save: ${ours[0]} s, redis-server ${real[0]} s`)
    assert.equal(ours[1], real[1])
    for (const c of conns) {
      await c.call(['FLUSHALL']) // kills the save child
      await until(c, /rdb_bgsave_in_progress:0/)
      await c.call(['CONFIG', 'SET', 'rdb-key-save-delay', '0'])
      await c.call(['SET', 'k', 'v'])
    }
    await sleep(1100)
    const after = []
    for (const c of conns) {
      await c.call(['GET', 'k'])
      after.push(await c.call(['OBJECT', 'IDLETIME', 'k']))
    }
    assert.deepEqual(after, [0, 0])
  } finally {
    for (const c of conns) c.close()
  }
})

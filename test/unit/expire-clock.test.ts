// EXPIRE family: a relative TTL is computed from, and checked against, one reading of the clock
// (redis checkAlreadyExpired). Read twice, a clock tick in between (a GC step on a busy heap) made
// PEXPIRE k 1 delete the key at once instead of giving it a TTL, so the active cycle never saw it.
// And keys expire against the time the command (or EXEC) started, as redis call() caches
// server.mstime: read per lookup, a tick between two lookups split keys of one TTL.
import {after, test} from 'node:test'
import assert from 'node:assert/strict'
import {Redis} from 'ioredis'
import {startNode, type RunningNode} from '../../src/node/index.js'
import type {Clock} from '../../src/node/clock.js'

let t = 1_700_000_000_000
let ticking = false
// every reading moves the time on by 1 ms while `ticking`: the worst case for two readings
const clock: Clock = {now: () => (ticking ? t++ : t)}
let node: RunningNode | undefined
// DEBUG SET-ACTIVE-EXPIRE 0: only lookups expire keys in the second case
const nodeOpts = {overrides: {port: '0', save: '', appendonly: 'no', 'enable-debug-command': 'yes'}, clock, silent: true}
after(async () => node?.stop())

test('PEXPIRE k 1, GETEX PX 1 and EXPIRE k 0 under a clock that ticks between readings', async () => {
  node = await startNode(nodeOpts)
  const c = new Redis({port: node.port, maxRetriesPerRequest: 0, lazyConnect: true})
  await c.connect()
  try {
    await c.set('k', 'v')
    const before = t
    ticking = true
    assert.equal(await c.pexpire('k', 1), 1)
    ticking = false
    const [, db] = [...node.server.databases()][0]
    // the key holds a TTL 1 ms after one of the command's readings, not deleted as already past
    const at = db.getExpire('k')
    assert.equal(typeof at, 'number')
    assert.ok(at! > before && at! <= t, `TTL ${at} within the command's readings ${before}..${t}`)
    // GETEX PX 1 the same way
    await c.set('g', 'v')
    const g0 = t
    ticking = true
    assert.equal(await c.getex('g', 'PX', 1), 'v')
    ticking = false
    assert.ok((db.getExpire('g') ?? 0) > g0, 'GETEX PX 1 left a TTL')
    // a TTL of 0 is past on the same reading: deleted at once, as in Redis
    await c.set('k2', 'v')
    assert.equal(await c.expire('k2', 0), 1)
    assert.equal(db.getExpire('k2'), undefined)
    assert.equal(await c.exists('k2'), 0)
  } finally {
    c.disconnect()
  }
})

// 200 keys sharing one expire time 100 ms ahead, read in one command while every clock reading moves
// the time on by 1 ms: per-lookup readings would see the first keys alive and the later ones expired.
async function sameTtlKeys(c: Redis, prefix: string): Promise<string[]> {
  const at = t + 100
  const keys = Array.from({length: 200}, (_, i) => `${prefix}${i}`)
  for (const k of keys) await c.set(k, 'v', 'PXAT', at)
  return keys
}

test('keys of one TTL are seen alike within one command and within one EXEC', async () => {
  node ??= await startNode(nodeOpts)
  const c = new Redis({port: node.port, maxRetriesPerRequest: 0, lazyConnect: true})
  await c.connect()
  try {
    await c.call('DEBUG', 'SET-ACTIVE-EXPIRE', '0')
    const keys = await sameTtlKeys(c, 'm')
    ticking = true
    const got = await c.mget(...keys)
    ticking = false
    assert.equal(new Set(got).size, 1, `MGET saw ${got.filter((v) => v === null).length} of ${keys.length} keys expired`)

    const tx = await sameTtlKeys(c, 'x')
    const multi = c.multi()
    for (const k of tx) multi.get(k)
    ticking = true
    const res = await multi.exec()
    ticking = false
    const values = res!.map(([err, v]) => (assert.equal(err, null), v))
    assert.equal(new Set(values).size, 1, `EXEC saw ${values.filter((v) => v === null).length} of ${tx.length} keys expired`)
  } finally {
    ticking = false
    c.disconnect()
  }
})

// The pure parts of src/node/clientmem.ts: the client-output-buffer-limit classes, the
// hard/soft limit rule of checkClientOutputBufferLimits, jemalloc size classes.
import {describe, test} from 'node:test'
import assert from 'node:assert/strict'
import {mallocSize, obufLimitReached, obufLimits, sdsUsable} from '../../src/node/clientmem.js'

describe('clientmem', () => {
  test('client-output-buffer-limit classes (replica is slave; units)', () => {
    const l = obufLimits('normal 1mb 512kb 5 replica 3mb 4mb 70 pubsub 100000 0 0')
    assert.deepEqual(l.normal, {hard: 1 << 20, soft: 512 * 1024, seconds: 5})
    assert.deepEqual(l.slave, {hard: 3 << 20, soft: 4 << 20, seconds: 70})
    assert.deepEqual(l.pubsub, {hard: 100000, soft: 0, seconds: 0})
  })

  test('hard limit at once; soft limit only after more than soft_seconds whole seconds over it', () => {
    const st = {softSince: 0}
    assert.equal(obufLimitReached({hard: 100, soft: 0, seconds: 0}, 100, st, 0), true)
    assert.equal(obufLimitReached({hard: 100, soft: 0, seconds: 0}, 99, st, 0), false)
    const soft = {hard: 0, soft: 50, seconds: 2}
    assert.equal(obufLimitReached(soft, 60, st, 10_500), false) // first seen over: the clock starts
    assert.equal(st.softSince, 10)
    assert.equal(obufLimitReached(soft, 60, st, 12_900), false) // 2 s elapsed: not more than 2
    assert.equal(obufLimitReached(soft, 40, st, 12_950), false) // back under: reset
    assert.equal(st.softSince, 0)
    assert.equal(obufLimitReached(soft, 60, st, 13_000), false)
    assert.equal(obufLimitReached(soft, 60, st, 16_000), true)
  })

  test('jemalloc size classes and sds usable sizes as redis-server reports them', () => {
    assert.deepEqual([1, 9, 100, 129, 768, 769, 20480, 20481].map(mallocSize), [8, 16, 112, 160, 768, 896, 20480, 24576])
    assert.equal(sdsUsable(20474), 20474) // a fresh 16 KiB+ query buffer: qbuf + qbuf-free
    assert.equal(sdsUsable(1000002), 1048566)
    assert.equal(sdsUsable(0), 0)
  })
})

// Seeded random command sequences (test/compat/fuzz-commands.ts) on redis-server and an embedded
// node side by side: every reply the same, error texts included, and in the observed runs every
// keyspace notification and every propagated command. Fixed seeds, so a failure names a
// reproducible run: `node --import tsx test/compat/fuzz-commands.ts --seeds <n> [--resp 3] [--cluster] --minimize`.
import {describe, test} from 'node:test'
import assert from 'node:assert/strict'
import {pairSuite} from './harness.js'
import {allSlotsPair} from './all-slots-pair.js'
import {redisSkip} from '../helpers/redis-server.js'
import {describeMismatch, fuzzSeed, normalize, prng, randomCommand} from './fuzz-commands.js'

pairSuite('random command sequences', {}, (p) => {
  for (const [seeds, resp] of [[[101, 102, 103, 104], 2], [[201, 202], 3]] as const) {
    test(`seeds ${seeds.join(', ')}, RESP${resp}: 2,000 commands each answer as redis-server`, {timeout: 600_000}, async () => {
      const found = []
      for (const seed of seeds) found.push(...(await fuzzSeed({real: p.redisPort, ours: p.ourPort}, seed, 2000, resp)))
      assert.deepEqual(found.map(describeMismatch), [])
    })
  }
})

// the same, also comparing what each command publishes (keyspace notifications, every class),
// propagates (the replication stream a replica connection reads), adds to INFO's counters (dirty,
// hits/misses, per-command calls, errorstats) and signals as modified (a CLIENT TRACKING BCAST
// connection's invalidations, and those of the keys the main connection read): fuzz-observe.ts;
// with connections that block for real now and then (fuzz-block.ts): one for seed 105, three for
// seed 106 and the cluster-mode seed 303 (several clients waiting at once, on one key or several,
// of one type or several)
const DEBUG = {redisArgs: ['--enable-debug-command', 'local'], nodeOverrides: {'enable-debug-command': 'local'}}
pairSuite('random command sequences, notifications and replication stream', DEBUG, (p) => {
  test('seeds 105, 106, RESP2: 2,000 commands each publish, propagate and count as redis-server', {timeout: 600_000}, async () => {
    const found = []
    for (const [seed, block] of [[105, 1], [106, 3]]) found.push(...(await fuzzSeed({real: p.redisPort, ours: p.ourPort}, seed, 2000, 2, undefined, false, {notify: true, repl: true, stats: true, track: true, trackReads: true, block})))
    assert.deepEqual(found.map(describeMismatch), [])
  })
})

// two main connections sending the commands (per-client database, transaction, protocol: WATCH of
// one against the other's writes), and CLIENT TRACKING in every mode (OPTIN/OPTOUT with CACHING,
// NOLOOP, BCAST with overlapping prefixes, REDIRECT to RESP3, RESP2-subscribed and RESP2 connections,
// switching modes and the errors): every connection's pushes and messages compared (fuzz-clients.ts)
pairSuite('random command sequences from two clients, tracking in every mode', DEBUG, (p) => {
  for (const [seed, resp] of [[107, 2], [207, 3]] as const) {
    test(`seed ${seed}, RESP${resp}: 2,000 commands from two clients answer, push and invalidate as redis-server`, {timeout: 600_000}, async () => {
      assert.deepEqual((await fuzzSeed({real: p.redisPort, ours: p.ourPort}, seed, 2000, resp, undefined, false, {clients: 2, trackModes: true})).map(describeMismatch), [])
    })
  }
})

// cluster mode: the keys share one hash tag but `nokey` (CROSSSLOT with it, key extraction of every
// movable-keys command, MULTI/EXEC across slots, SELECT/MOVE/SWAPDB refused)
describe('random command sequences in cluster mode', {skip: redisSkip()}, () => {
  const pair = allSlotsPair(DEBUG)
  test('seeds 301, 302, RESP2: 2,000 commands each answer as redis-server', {timeout: 600_000}, async () => {
    const {real, emb} = pair.ports()
    const found = []
    for (const seed of [301, 302]) found.push(...(await fuzzSeed({real, ours: emb}, seed, 2000, 2, undefined, true)))
    assert.deepEqual(found.map(describeMismatch), [])
  })
  test('seed 303, RESP2: 2,000 commands publish, propagate and count as redis-server', {timeout: 600_000}, async () => {
    const {real, emb} = pair.ports()
    assert.deepEqual((await fuzzSeed({real, ours: emb}, 303, 2000, 2, undefined, true, {notify: true, repl: true, stats: true, track: true, trackReads: true, block: 3})).map(describeMismatch), [])
  })
})

test('the generator is reproducible and covers every group', () => {
  const a = prng(7)
  const b = prng(7)
  const xs = Array.from({length: 3000}, () => randomCommand(a))
  assert.deepEqual(Array.from({length: 3000}, () => randomCommand(b)), xs)
  const names = new Set(xs.map((x) => x[0]))
  for (const n of ['SET', 'LPUSH', 'HSET', 'SADD', 'ZADD', 'SETBIT', 'XADD', 'XREADGROUP', 'GEOADD', 'MULTI', 'EVAL', 'INCRBYFLOAT']) assert.ok(names.has(n), n)
})

test('the normaliser sorts only what redis leaves unordered', () => {
  assert.deepEqual(normalize(['SMEMBERS', 's'], ['b', 'a']), ['a', 'b'])
  assert.deepEqual(normalize(['LRANGE', 'l', '0', '-1'], ['b', 'a']), ['b', 'a'])
  assert.deepEqual(normalize(['HGETALL', 'h'], ['f2', 'x', 'f1', 'y']), [['f1', 'y'], ['f2', 'x']])
  assert.deepEqual(normalize(['EVAL', 'return redis.call(unpack(ARGV))', '0', 'KEYS', '*'], ['k2', 'k1']), ['k1', 'k2'])
  assert.equal(normalize(['TTL', 'k'], 99), 'positive')
  assert.equal(normalize(['TTL', 'k'], -1), -1)
})

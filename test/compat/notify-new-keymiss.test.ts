// Keyspace notifications the command fuzzer's --notify found different (test/compat/fuzz-observe.ts),
// as the bytes a `PSUBSCRIBE *` client receives vs a real redis-server 7.0:
//  - "n" (new key) stays on when "A" is given too, though CONFIG GET shows "AKE" (redis keeps the
//    parsed bits, and its canonical text drops "n" after "A");
//  - a store command over an existing destination (SINTERSTORE, ZUNIONSTORE, SORT … STORE, …)
//    overwrites it in place (redis setKey): no "new" event, a new one only for a new key;
//  - a one-element list moved onto itself (LMOVE/BLMOVE/RPOPLPUSH k k) stays the same key: no "del",
//    no "new";
//  - XAUTOCLAIM looks its key up before it parses the arguments: a missing key with a bad start ID
//    still raises "keymiss".
import {test} from 'node:test'
import assert from 'node:assert/strict'
import {redisSkip} from '../helpers/redis-server.js'
import {keyspaceEvents, pairHooks} from './types-harness.js'

const skip = redisSkip()
const p = pairHooks()

const STORE = `
SADD a x y
SADD b y z
SINTERSTORE dst a b
SINTERSTORE dst a b
SUNIONSTORE dst a b
SDIFFSTORE dst a b
SINTERSTORE dst a nosuch
ZADD za 1 x
ZUNIONSTORE zd 1 za
ZUNIONSTORE zd 1 za
ZRANGESTORE zd za 0 -1
ZDIFFSTORE zd 1 za
RPUSH l 3 1 2
SORT l STORE sorted
SORT l STORE sorted
GEOADD g 13.361389 38.115556 Palermo
GEOSEARCHSTORE gs g FROMMEMBER Palermo BYRADIUS 1 km
GEOSEARCHSTORE gs g FROMMEMBER Palermo BYRADIUS 1 km
SET s1 abc
BITOP OR bo s1
BITOP OR bo s1
RPUSH one x
LMOVE one one LEFT RIGHT
BLMOVE one one RIGHT LEFT 0
RPOPLPUSH one one
RPUSH two a
LMOVE two three LEFT LEFT
`

test('"n" stays on alongside "A"; store commands raise "new" only for a new destination', {skip}, async () => {
  const lines = STORE.trim().split('\n')
  for (const classes of ['KEAn', 'Kn', 'KEA']) {
    const theirs = await keyspaceEvents(p.redisPort, classes, lines)
    const ours = await keyspaceEvents(p.ourPort, classes, lines)
    if (classes !== 'KEA') assert.match(theirs, /\$3\r\nnew\r\n/)
    assert.equal(ours.replace(/\r\n/g, ' '), theirs.replace(/\r\n/g, ' '), classes)
  }
})

test('XAUTOCLAIM raises keymiss before it checks its arguments', {skip}, async () => {
  const lines = ['XAUTOCLAIM nosuch g c 0 x', 'XAUTOCLAIM nosuch g c x 0', 'XAUTOCLAIM nosuch g c 0 0', 'SET str v', 'XAUTOCLAIM str g c 0 x', 'XAUTOCLAIM str g c 0 0']
  const theirs = await keyspaceEvents(p.redisPort, 'KEm', lines)
  const ours = await keyspaceEvents(p.ourPort, 'KEm', lines)
  assert.match(theirs, /keymiss/)
  assert.equal(ours.replace(/\r\n/g, ' '), theirs.replace(/\r\n/g, ' '))
})

// RESTORE … REPLACE with a TTL already past deletes the key it replaces (redis restoreCommand):
// "del" is raised for it, as for the DEL the replicas are sent.
test('RESTORE REPLACE with a TTL already past raises "del" for the key it replaces', {skip}, async () => {
  const restore = (key: string, opts: string) => `EVAL "local d = redis.call('DUMP', KEYS[1]) return redis.call('RESTORE', KEYS[2], ARGV[1], d, ${opts})" 2 src ${key} 1000`
  const lines = ['SET src v', 'SET k old', restore('k', "'ABSTTL', 'REPLACE'"), 'EXISTS k', restore('missing', "'ABSTTL', 'REPLACE'"), restore('src', "'ABSTTL', 'REPLACE'")]
  const theirs = await keyspaceEvents(p.redisPort, 'KEA', lines)
  const ours = await keyspaceEvents(p.ourPort, 'KEA', lines)
  assert.match(theirs, /\$3\r\ndel\r\n/)
  assert.equal(ours.replace(/\r\n/g, ' '), theirs.replace(/\r\n/g, ' '))
})

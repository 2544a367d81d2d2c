// COMMAND GETKEYS / GETKEYSANDFLAGS (key specs, key procedures, flags, errors) and CONFIG SET's
// argument checks (syntax, unknown, immutable, duplicate, percent values): replies (RESP2 and
// RESP3, byte for byte) vs a real redis-server 7.0.
import {test} from 'node:test'
import assert from 'node:assert/strict'
import {redisSkip} from '../helpers/redis-server.js'
import {compareBoth, pairHooks} from './types-harness.js'

const skip = redisSkip()
const p = pairHooks()

const GETKEYS = `
COMMAND GETKEYS get key
COMMAND GETKEYSANDFLAGS set k1 v1
COMMAND GETKEYSANDFLAGS set k1 v1 get
COMMAND GETKEYSANDFLAGS mset k1 v1 k2 v2
COMMAND GETKEYSANDFLAGS LMOVE k1 k2 left right
COMMAND GETKEYSANDFLAGS sort k1 store k2
COMMAND GETKEYSANDFLAGS sort k1 by x get y store k2 limit 0 1
COMMAND GETKEYSANDFLAGS sort_ro k1 by x
COMMAND GETKEYS memory usage key
COMMAND GETKEYS xgroup create key groupname $
COMMAND GETKEYS eval "return 1" 1 key
COMMAND GETKEYS eval "return 1" 0
COMMAND GETKEYSANDFLAGS eval "return 1" 3 a b
COMMAND GETKEYS lcs key1 key2
COMMAND GETKEYS zunionstore target 2 a b
COMMAND GETKEYSANDFLAGS zunionstore target 3 a b
COMMAND GETKEYSANDFLAGS zunionstore target x a b
COMMAND GETKEYSANDFLAGS migrate h p "" 0 5 keys a b
COMMAND GETKEYSANDFLAGS migrate h p k 0 5 keys a
COMMAND GETKEYSANDFLAGS georadius k 0 0 1 km store s
COMMAND GETKEYSANDFLAGS georadiusbymember k m 1 km storedist s
COMMAND GETKEYSANDFLAGS xread count 1 streams a b 0 0
COMMAND GETKEYSANDFLAGS xread count 1 streams a b 0
COMMAND GETKEYSANDFLAGS xreadgroup group g c streams a 0
COMMAND GETKEYSANDFLAGS bitfield k get u8 0
COMMAND GETKEYSANDFLAGS bitfield k get u8 0 set u8 0 1
COMMAND GETKEYSANDFLAGS blmpop 0 2 a b left
COMMAND GETKEYSANDFLAGS fcall f 0
COMMAND GETKEYSANDFLAGS smove a b m
COMMAND GETKEYSANDFLAGS geosearchstore d s frommember m byradius 1 km
COMMAND GETKEYS ping
COMMAND GETKEYS nosuch a
COMMAND GETKEYS config get x
COMMAND GETKEYS get a b
COMMAND GETKEYS spublish a b
COMMAND GETKEYS
`

const CONFIG_SET = `
CONFIG SET maxmemory 1 maxmemory-clients
CONFIG SET maxmemory-clients 50%
CONFIG GET maxmemory-clients
CONFIG SET maxmemory-clients -5
CONFIG SET maxmemory-clients 200%
CONFIG SET maxmemory-clients 0
CONFIG SET maxmemory 10000001 maxmemory-clients 200% client-query-buffer-limit invalid
CONFIG GET maxmemory
CONFIG SET maxmemory 10000001 maxmemory 10000002
CONFIG SET hash-max-ziplist-entries 1 hash-max-listpack-entries 2
CONFIG SET maxmemory 1 daemonize no nosuch 1
CONFIG SET maxmemory 1 nosuch 1 daemonize no
CONFIG SET maxmemory 0
`

test('COMMAND GETKEYS / GETKEYSANDFLAGS match redis-server', {skip}, async () => {
  assert.equal(await compareBoth(p, GETKEYS), '')
})

test('CONFIG SET argument checks match redis-server', {skip}, async () => {
  assert.equal(await compareBoth(p, CONFIG_SET), '')
})

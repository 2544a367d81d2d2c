// Cluster mode (a node owning every slot, real redis-server vs embedded), what Redis's unit suite
// run with --cluster-mode relies on: commands refused in cluster mode (SELECT, MOVE, SWAPDB,
// COPY ... DB), CLUSTER RESET refused from a script (noscript), CROSSSLOT, sharded pub/sub and the
// keyspace commands on one db; commands whose numkeys is out of range have no keys (no CROSSSLOT
// before their own error); a transaction aborted at queue time queues nothing more (EXECABORT, not
// CROSSSLOT over what followed); an EXEC refused with CROSSSLOT drops the connection's WATCHes too
// (redis discardTransaction: a later write of a once-watched key does not fail the next EXEC); a
// function without declared keys run by EXEC starts from the transaction's slot, and the first key
// a script touches there binds the rest of the transaction's scripts (redis original_c->slot);
// MEMORY USAGE counts a key's slot-list links (clusterDictEntryMetadata).
import {test} from 'node:test'
import assert from 'node:assert/strict'
import {redisSkip} from '../helpers/redis-server.js'
import {allSlotsPair} from './all-slots-pair.js'

const skip = redisSkip()
const pair = allSlotsPair()

const SCRIPT = `
SET {t}a 1
EVAL "return redis.call('cluster','reset')" 0
EVAL "return redis.pcall('cluster','reset')" 0
EVAL "return redis.call('cluster','info') ~= nil" 0
SELECT 0
SELECT 1
MOVE {t}a 1
SWAPDB 0 1
COPY {t}a {t}b DB 1
COPY {t}a {t}b DB 0
MSET {t}a 1 {t}b 2
MSET a 1 b 2
DBSIZE
SPUBLISH ch hello
PUBSUB SHARDNUMSUB ch
DEL {t}a {t}b
DBSIZE
RANDOMKEY
SCAN 0
KEYS *
ZUNIONSTORE a 3 a {t}b
ZINTERSTORE {t}a 2 b
SINTERCARD 3 a {t}b
LMPOP 5 a {t}b LEFT
ZUNIONSTORE a 1 {t}b
EVAL "return 1" 2abc a {t}b
EVAL "return 1" " 2" a {t}b
EVAL "return 1" 2abc {t}a {t}b
EVALSHA e0e1f9fabfc9d4800c877a703b823ac0578ff8db 2.5 a {t}b
FCALL nosuch 2x a {t}b
FCALL nosuch 0x2 a {t}b
MULTI
SMOVE {t}a b x
SET {t}a 1
GET b
EXEC
MULTI
SET {t}a 1
GET b
EXEC
WATCH {t}w
MULTI
SET {t}a 1
GET b
EXEC
SET {t}w 2
MULTI
GET {t}w
EXEC
FUNCTION LOAD REPLACE "#!lua name=slots\\nredis.register_function('f', function(keys, args) return redis.call(unpack(args)) end)"
MULTI
SET {t}a 1
FCALL f 0 GET b
EXEC
MULTI
FCALL f 0 GET b
FCALL f 0 GET {t}a
EXEC
FCALL f 0 GET b
FCALL f 0 GET {t}a
FUNCTION DELETE slots
SET {t}m hello
HSET {t}h f v
MEMORY USAGE {t}m
MEMORY USAGE {t}h
DEL {t}m {t}h
`

test('cluster-mode refusals and keyspace commands match redis-server', {skip}, async () => {
  // Then on each node: the script ran against served slots, and CLUSTER RESET from a script was refused (not run).
  await pair.compareThenCheck(SCRIPT, async (c) => {
    assert.match(await c.call(['EVAL', "return redis.call('cluster','reset')", '0']), /^-ERR This Redis command is not allowed from script/)
    assert.match(await c.call(['CLUSTER', 'INFO']), /cluster_state:ok/)
    assert.equal(await c.call(['SET', '{t}x', '1']), '+OK\r\n')
  })
})

// Slot numbers, ports and epochs are read as getLongLongFromObject reads them (string2ll): "01" and
// "-0" are not integers, so no slot is added, deleted or counted under them. MEET, FAILOVER and RESET
// with more arguments than they take are "unknown subcommand or wrong number of arguments" (their
// table arity is open-ended; clusterCommand finds no branch), naming the subcommand as typed.
const INTEGER_ARGS = `
CLUSTER ADDSLOTS 01
CLUSTER ADDSLOTS -0
CLUSTER DELSLOTS 01
CLUSTER DELSLOTSRANGE 01 5
CLUSTER ADDSLOTSRANGE 0 05
CLUSTER COUNTKEYSINSLOT 01
CLUSTER COUNTKEYSINSLOT -0
CLUSTER COUNTKEYSINSLOT 9999999999999999999
CLUSTER GETKEYSINSLOT 0 01
CLUSTER GETKEYSINSLOT 01 1
CLUSTER GETKEYSINSLOT 0 -0
CLUSTER SETSLOT 01 STABLE
CLUSTER MEET 127.0.0.1 01
CLUSTER MEET 127.0.0.1 -0
CLUSTER MEET 127.0.0.1 7000 01
CLUSTER SET-CONFIG-EPOCH 01
CLUSTER SET-CONFIG-EPOCH -0
CLUSTER MEET 127.0.0.1 7000 17000 x
CLUSTER FAILOVER force x
CLUSTER FaIlOvEr takeover x y
CLUSTER RESET soft x
CLUSTER ReSeT hard x
`

test('CLUSTER slot, port and epoch arguments: string2ll integers only; extra arguments', {skip}, async () => {
  await pair.compareThenCheck(INTEGER_ARGS, async (c) => {
    // every slot still served: nothing was deleted under "01"
    assert.match(await c.call(['CLUSTER', 'INFO']), /cluster_slots_assigned:16384\r\n/)
  })
})

// Slot verdict table (getNodeByQuery order, Redis 7.0.15).
import {test, describe} from 'node:test'
import assert from 'node:assert/strict'
import {ManualClock} from '../../src/node/clock.js'
import {ClusterState, defaultClusterConfig} from '../../src/node/cluster/state.js'
import {ClusterNode} from '../../src/node/cluster/node.js'
import {NodeFlag} from '../../src/node/cluster/bus/codec.js'
import {slotVerdict, type VerdictQuery} from '../../src/node/cluster/verdict.js'
import {keySlot} from '../../src/node/keyspace/slot.js'
import {verdictError} from '../../src/node/verdict.js'

// foo -> 12182, {foo}x -> 12182, bar -> 5061
function world(opts: {replica?: boolean; ok?: boolean; readsWhenDown?: boolean; migrating?: boolean; importing?: boolean; unbound?: boolean; pubsubDown?: boolean} = {}) {
  const st = new ClusterState(new ManualClock(), {...defaultClusterConfig(7000), allowReadsWhenDown: !!opts.readsWhenDown, allowPubsubshardWhenDown: opts.pubsubDown ?? true}, {countKeysInSlot: () => 0, deleteKeysInSlot: () => {}}, 'a'.repeat(40))
  const other = new ClusterNode('b'.repeat(40), NodeFlag.MASTER, 0)
  other.ip = '10.0.0.2'
  other.port = 7001
  st.addNode(other)
  const owner = opts.replica ? other : st.myself
  if (opts.replica) {
    st.myself.flags = NodeFlag.MYSELF | NodeFlag.SLAVE
    st.myself.masterId = other.id
  }
  if (!opts.unbound) st.addSlot(owner, 12182)
  const third = new ClusterNode('c'.repeat(40), NodeFlag.MASTER, 0)
  third.ip = '10.0.0.3'
  third.port = 7002
  st.addNode(third)
  st.addSlot(third, 5061)
  if (opts.migrating) st.migratingTo[12182] = other
  if (opts.importing) {
    st.delSlot(12182)
    st.addSlot(other, 12182)
    st.importingFrom[12182] = other
  }
  st.ok = opts.ok ?? true
  return st
}

function q(keys: string[], extra: Partial<VerdictQuery> = {}, existing: string[] = ['foo']): VerdictQuery {
  return {keys, slotOf: keySlot, exists: (k) => existing.includes(k), asking: false, readonlySession: false, write: false, ...extra}
}

const cases: [string, Parameters<typeof world>[0], VerdictQuery, string | null][] = [
  ['own slot served', {}, q(['foo']), null],
  ['no keys served', {}, q([]), null],
  ['crossslot first', {ok: false}, q(['foo', 'bar']), "CROSSSLOT Keys in request don't hash to the same slot"],
  ['same key twice is not multi-key', {migrating: true}, q(['nokey{foo}', 'nokey{foo}'], {}, []), 'ASK 12182 10.0.0.2:7001'],
  ['unbound before cluster down', {unbound: true, ok: false}, q(['foo']), 'CLUSTERDOWN Hash slot not served'],
  ['cluster down', {ok: false}, q(['foo']), 'CLUSTERDOWN The cluster is down'],
  ['down + reads allowed: read served', {ok: false, readsWhenDown: true}, q(['foo']), null],
  ['down + reads allowed: write refused', {ok: false, readsWhenDown: true}, q(['foo'], {write: true}), 'CLUSTERDOWN The cluster is down and only accepts read commands'],
  ['moved to owner', {}, q(['bar']), 'MOVED 5061 10.0.0.3:7002'],
  ['migrating: existing key served', {migrating: true}, q(['foo']), null],
  ['migrating: missing key -> ASK', {migrating: true}, q(['{foo}x']), 'ASK 12182 10.0.0.2:7001'],
  ['migrating: some missing -> TRYAGAIN', {migrating: true}, q(['foo', '{foo}x']), 'TRYAGAIN Multiple keys request during rehashing of slot'],
  ['migrating: MIGRATE runs locally', {migrating: true}, q(['{foo}x'], {isMigrate: true}), null],
  ['migrating: sharded pub/sub channel served, no ASK', {migrating: true}, q(['{foo}x'], {pubsubShard: true}), null],
  ['down: sharded pub/sub served (allow-pubsubshard-when-down yes)', {ok: false}, q(['foo'], {pubsubShard: true}), null],
  ['down: sharded pub/sub refused when not allowed', {ok: false, pubsubDown: false}, q(['foo'], {pubsubShard: true}), 'CLUSTERDOWN The cluster is down'],
  ['importing without ASKING -> MOVED', {importing: true}, q(['foo']), 'MOVED 12182 10.0.0.2:7001'],
  ['importing with ASKING served', {importing: true}, q(['{foo}x'], {asking: true}), null],
  ['importing with ASKING, multi-key missing -> TRYAGAIN', {importing: true}, q(['foo', '{foo}x'], {asking: true}), 'TRYAGAIN Multiple keys request during rehashing of slot'],
  ['importing with ASKING, multi-key all present', {importing: true}, q(['foo', '{foo}x'], {asking: true}, ['foo', '{foo}x']), null],
  ['replica without READONLY -> MOVED', {replica: true}, q(['foo']), 'MOVED 12182 10.0.0.2:7001'],
  ['replica READONLY read served', {replica: true}, q(['foo'], {readonlySession: true}), null],
  ['replica READONLY write -> MOVED', {replica: true}, q(['foo'], {readonlySession: true, write: true}), 'MOVED 12182 10.0.0.2:7001'],
  ['replica READONLY, slot of another master -> MOVED', {replica: true}, q(['bar'], {readonlySession: true}), 'MOVED 5061 10.0.0.3:7002'],
  ['replica serves SSUBSCRIBE-like shard pubsub', {replica: true}, q(['foo'], {pubsubShard: true}), null],
]

describe('slotVerdict', () => {
  for (const [name, w, query, expected] of cases) {
    test(name, () => assert.equal(verdictError(slotVerdict(world(w), query)), expected))
  }
  test('hostname endpoint type redirects to hostname or ?', () => {
    const st = world()
    st.config.preferredEndpointType = 'hostname'
    assert.equal(verdictError(slotVerdict(st, q(['bar']))), 'MOVED 5061 ?:7002')
    st.lookup('c'.repeat(40))!.hostname = 'b.example'
    assert.equal(verdictError(slotVerdict(st, q(['bar']))), 'MOVED 5061 b.example:7002')
    st.config.preferredEndpointType = 'unknown-endpoint'
    assert.equal(verdictError(slotVerdict(st, q(['bar']))), 'MOVED 5061 :7002')
  })
})

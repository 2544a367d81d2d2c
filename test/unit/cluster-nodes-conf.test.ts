// nodes.conf parse/serialise round trip, including a file written by redis-server 7.0.15.
import {test, describe} from 'node:test'
import assert from 'node:assert/strict'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import {CLUSTER_SLOTS, bitmapRanges, ClusterNode} from '../../src/node/cluster/node.js'
import {NodeFlag} from '../../src/node/cluster/bus/codec.js'
import {parseNodesConf, formatNodesConfLine, serializeNodesConf, writeConfigInPlace, parseAddress, NodesConfError} from '../../src/node/cluster/nodes-conf.js'
import {ClusterState, defaultClusterConfig} from '../../src/node/cluster/state.js'
import {loadNodesConf, renderNodesConf} from '../../src/node/cluster/format.js'
import {ManualClock} from '../../src/node/clock.js'

/** The reference for bitmapRanges: a plain scan of every slot. */
function slotRanges(isSet: (slot: number) => boolean): [number, number][] {
  const out: [number, number][] = []
  let start = -1
  for (let j = 0; j <= CLUSTER_SLOTS; j++) {
    const on = j < CLUSTER_SLOTS && isSet(j)
    if (on && start === -1) start = j
    if (!on && start !== -1) {
      out.push([start, j - 1])
      start = -1
    }
  }
  return out
}

// From redis-server 7.0.15 (capture run + a migrating slot), timestamps as Redis writes them.
const REAL = [
  '9358db9922d9bc45737180e6b862f66ea1d396c8 127.0.0.1:25934@23945,node-a.example myself,master - 0 1795307275000 3 connected 0-5000 5002 [5001->-5fa0ee6a7fc561dacacfb30dd516da3ba72d769c]',
  '34f37130c36bf3ea9d19762abe782b83f4af25d3 127.0.0.1:26093@21655 master,fail - 1795307274574 1795307274373 2 disconnected 10001-16383',
  '5fa0ee6a7fc561dacacfb30dd516da3ba72d769c 127.0.0.1:27486@29095 master - 0 1795307275792 1 connected 5001 5003-10000 [6000-<-34f37130c36bf3ea9d19762abe782b83f4af25d3]',
  'd3b056c7cf1e5bc2c1a65eb1707c6178c6da5265 :23111@23112 slave 5fa0ee6a7fc561dacacfb30dd516da3ba72d769c 0 0 1 connected',
]
const TEXT = REAL.map((l) => l + '\n').join('') + 'vars currentEpoch 3 lastVoteEpoch 0\n'

describe('nodes.conf', () => {
  test('parse + format round trip is byte-identical', () => {
    const conf = parseNodesConf(TEXT)
    assert.equal(conf.currentEpoch, 3)
    assert.equal(conf.nodes.length, 4)
    assert.deepEqual(conf.nodes[0].slots, [[0, 5000], [5002, 5002]])
    assert.deepEqual(conf.nodes[0].migrating, [[5001, '5fa0ee6a7fc561dacacfb30dd516da3ba72d769c']])
    assert.deepEqual(conf.nodes[2].importing, [[6000, '34f37130c36bf3ea9d19762abe782b83f4af25d3']])
    assert.equal(conf.nodes[0].hostname, 'node-a.example')
    assert.equal(conf.nodes[3].ip, '')
    assert.equal(conf.nodes[3].masterId, '5fa0ee6a7fc561dacacfb30dd516da3ba72d769c')
    assert.equal(serializeNodesConf(conf.nodes.map(formatNodesConfLine), conf.currentEpoch, conf.lastVoteEpoch), TEXT)
  })

  test('loading into a ClusterState and rendering keeps topology, slots and epochs', () => {
    const st = new ClusterState(new ManualClock(), defaultClusterConfig(25934), {countKeysInSlot: () => 0, deleteKeysInSlot: () => {}})
    st.config.cport = 23945
    st.config.announceHostname = 'node-a.example'
    loadNodesConf(st, parseNodesConf(TEXT))
    assert.equal(st.myself.id, '9358db9922d9bc45737180e6b862f66ea1d396c8')
    assert.equal(st.slots[5002], st.myself)
    assert.equal(st.slots[10000]?.id, '5fa0ee6a7fc561dacacfb30dd516da3ba72d769c')
    assert.equal(st.migratingTo[5001]?.id, '5fa0ee6a7fc561dacacfb30dd516da3ba72d769c')
    assert.equal(st.lookup('d3b056c7cf1e5bc2c1a65eb1707c6178c6da5265')?.isReplica, true)
    const again = parseNodesConf(renderNodesConf(st))
    const view = (c: typeof again) => c.nodes.map((n) => [n.id, n.slots, n.flags.join(','), n.masterId, n.configEpoch]).sort()
    assert.deepEqual(view(again), view(parseNodesConf(TEXT)))
    assert.equal(again.currentEpoch, 3)
  })

  test('addresses: ipv6, no cport (pre-4.0), hostname', () => {
    assert.deepEqual(parseAddress('::1:7000@17000'), {ip: '::1', port: 7000, cport: 17000, hostname: ''})
    assert.deepEqual(parseAddress('10.0.0.1:7000'), {ip: '10.0.0.1', port: 7000, cport: 17000, hostname: ''})
    assert.deepEqual(parseAddress(':7000@100,h'), {ip: '', port: 7000, cport: 100, hostname: 'h'})
  })

  test('corrupt files are rejected', () => {
    assert.throws(() => parseNodesConf('abc 1.2.3.4:1@2 myself,master - 0 0 0 connected\n'), NodesConfError)
    assert.throws(() => parseNodesConf(REAL[1] + '\n'), /myself/)
    assert.throws(() => parseNodesConf(REAL[0].replace('0-5000', '0-99999') + '\n'), NodesConfError)
    assert.throws(() => parseNodesConf('short line\n'), NodesConfError)
  })

  test('in-place write (clusterSaveConfig): shorter text truncates, longer grows, no temp file', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'redis-ts-conf-'))
    try {
      const file = path.join(dir, 'nodes.conf')
      writeConfigInPlace(file, 'x'.repeat(5000) + '\n', true)
      writeConfigInPlace(file, TEXT, false)
      assert.equal(fs.readFileSync(file, 'utf8'), TEXT)
      writeConfigInPlace(file, TEXT + TEXT, true)
      assert.equal(fs.readFileSync(file, 'utf8'), TEXT + TEXT)
      writeConfigInPlace(file, 'old\n', true)
      assert.equal(fs.readFileSync(file, 'utf8'), 'old\n')
      assert.deepEqual(fs.readdirSync(dir), ['nodes.conf'])
    } finally {
      fs.rmSync(dir, {recursive: true, force: true})
    }
  })

  test('bitmapRanges matches a bit-by-bit scan', () => {
    const bm = new Uint8Array(2048)
    const set = new Set<number>()
    for (const [a, b] of [[0, 0], [2, 9], [15, 16], [100, 5000], [8000, 8007], [16383, 16383]]) for (let j = a; j <= b; j++) set.add(j)
    for (const j of set) bm[j >> 3] |= 1 << (j & 7)
    assert.deepEqual(bitmapRanges(bm), slotRanges((j) => set.has(j)))
    assert.deepEqual(bitmapRanges(bm)[0], [0, 0])
    assert.deepEqual(bitmapRanges(new Uint8Array(2048).fill(0xff)), [[0, 16383]])
    assert.deepEqual(bitmapRanges(new Uint8Array(2048)), [])
    // runs that start and end on 32-slot words, cross them, or span whole words next to partial ones;
    // the same bits at an unaligned offset (byte loop only) give the same ranges
    const set2 = new Set<number>()
    for (const [a, b] of [[32, 95], [96, 100], [127, 191], [224, 224], [255, 320], [16352, 16383]]) for (let j = a; j <= b; j++) set2.add(j)
    const frame = Buffer.alloc(2048 + 1)
    const bm2 = frame.subarray(1)
    const bm3 = new Uint8Array(2048)
    for (const j of set2) {
      bm2[j >> 3] |= 1 << (j & 7)
      bm3[j >> 3] |= 1 << (j & 7)
    }
    const want = slotRanges((j) => set2.has(j))
    assert.deepEqual(want, [[32, 100], [127, 191], [224, 224], [255, 320], [16352, 16383]])
    assert.deepEqual(bitmapRanges(bm3), want)
    assert.deepEqual(bitmapRanges(bm2), want)
  })

  test('writable delay: a restarted master waits 2 s before ok, a node with a brand-new id does not', () => {
    for (const fresh of [false, true]) {
      const clock = new ManualClock()
      const cfg = {...defaultClusterConfig(25934), nodeTimeout: 500}
      const st = new ClusterState(clock, cfg, {countKeysInSlot: () => 0, deleteKeysInSlot: () => {}})
      st.freshIdentity = fresh
      st.updateState() // start-up: no slots, minority
      for (let j = 0; j < 16384; j++) st.addSlot(st.myself, j)
      clock.advance(600) // past the rejoin delay (node timeout 500), not past the 2 s writable delay
      st.updateState()
      assert.equal(st.ok, fresh, `fresh=${fresh}`)
      clock.advance(1500)
      st.updateState()
      assert.equal(st.ok, true)
    }
  })

  test('rejoin delay: a new cluster is ok once its slots are covered; a master back from a minority waits', () => {
    const clock = new ManualClock()
    const cfg = {...defaultClusterConfig(25934), nodeTimeout: 2000}
    const st = new ClusterState(clock, cfg, {countKeysInSlot: () => 0, deleteKeysInSlot: () => {}})
    st.freshIdentity = true
    const peers = ['b', 'c'].map((ch) => new ClusterNode(ch.repeat(40), NodeFlag.MASTER, 0))
    for (const p of peers) st.addNode(p)
    st.updateState() // no master owns a slot yet (size 0): fail, but no partition to heal
    assert.equal(st.ok, false)
    clock.advance(10)
    for (let j = 0; j < 16384; j++) st.addSlot([st.myself, ...peers][j % 3], j)
    st.updateState()
    assert.equal(st.ok, true, 'a new cluster: ok as soon as every slot has an owner')
    // Two of three masters unreachable: minority, fail.
    for (const p of peers) p.flags |= NodeFlag.PFAIL
    st.updateState()
    assert.equal(st.ok, false)
    // The partition heals: the master stays down for the rejoin delay (node timeout 2 s).
    for (const p of peers) p.flags &= ~NodeFlag.PFAIL
    clock.advance(1000)
    st.updateState()
    assert.equal(st.ok, false, 'within the rejoin delay')
    clock.advance(1100)
    st.updateState()
    assert.equal(st.ok, true, 'after the rejoin delay')
  })
})

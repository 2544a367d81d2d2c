// Replica health from INFO replication (fixtures captured from redis-server 7.0.15, ports rewritten to
// the healthy-3x1 topology): parsing, offset lag, the replica-link-down / replica-syncing findings,
// that they never block moving slots or adding nodes, the info summary, and create's sync predicate.
import {describe, test} from 'node:test'
import assert from 'node:assert/strict'
import {REPLICATION_CODES, runChecks} from '../../src/admin/check/checks.js'
import {blockingFindings} from '../../src/admin/exec/reshard.js'
import {assertHealthy} from '../../src/admin/exec/add-node.js'
import {replicaNotSynced} from '../../src/admin/exec/wait.js'
import {summarize} from '../../src/admin/ops.js'
import {parseInfo} from '../../src/admin/topology/parse.js'
import {linkSummary, parseReplication} from '../../src/admin/topology/replication.js'
import type {ClusterView} from '../../src/admin/topology/types.js'
import {fixture, infoFixture, viewFrom} from '../helpers/view.js'

const M1 = 'e7d1eecce10fd6bb5eb35b9f99a514335d9ba9ca' // 127.0.0.1:30001, replica R1
const M2 = '67ed2db8d677e59ec4a4cefb06858cf2a1a89fa1' // 127.0.0.1:30002, replica R2
const M3 = '292f8b365bb7edb5e285caf0b7e6ddc7265d2f4f' // 127.0.0.1:30003, replica R3
const R1 = '07c37dfeb235213a872192d90877d0cd55635b91' // 127.0.0.1:30004
const R2 = '6ec23923021cf3ffec47632106199cb7f496ce01' // 127.0.0.1:30005
const R3 = '824fe116063bc5fcf9f4ffd895bc17aee7731ac3' // 127.0.0.1:30006

const MASTER = infoFixture('master.txt')
const UP = infoFixture('replica-up.txt')
const DOWN = infoFixture('replica-link-down.txt')
const SYNCING = infoFixture('replica-syncing.txt')
/** What a runtime without data replication answers: role only. */
const ROLE_ONLY = '# Replication\r\nrole:slave\r\nconnected_slaves:0\r\nmaster_repl_offset:0\r\n'

function offsets(text: string, o: {master?: number; replica?: number; read?: number}): string {
  let t = text
  if (o.master !== undefined) t = t.replace(/^master_repl_offset:\d+/m, `master_repl_offset:${o.master}`)
  if (o.replica !== undefined) t = t.replace(/^slave_repl_offset:\d+/m, `slave_repl_offset:${o.replica}`)
  if (o.read !== undefined) t = t.replace(/^slave_read_repl_offset:\d+/m, `slave_read_repl_offset:${o.read}`)
  return t
}

const allUp = (master: number, replica: number): Record<string, string> => ({
  [M1]: offsets(MASTER, {master}),
  [M2]: offsets(MASTER, {master}),
  [M3]: offsets(MASTER, {master}),
  [R1]: offsets(UP, {replica, read: replica}),
  [R2]: offsets(UP, {replica, read: replica}),
  [R3]: offsets(UP, {replica, read: replica}),
})

const node = (v: ClusterView, id: string) => v.nodes.find((n) => n.id === id)!
const codes = (v: ClusterView) => runChecks(v).findings.map((f) => `${f.severity}:${f.code}`).sort()

interface Case {
  name: string
  infoText?: Record<string, string>
  unreachable?: string[]
  codes: string[]
  /** expected replication fields per replica id */
  fields?: Record<string, Record<string, unknown>>
  /** substrings of the finding messages */
  messages?: RegExp[]
}

const cases: Case[] = [
  {
    name: 'every link up, replicas caught up',
    infoText: allUp(1000, 1000),
    codes: [],
    fields: {[R1]: {masterLinkStatus: 'up', masterSyncInProgress: false, masterLastIoSecondsAgo: 1, lagBytes: 0, masterOffset: 1000, replicaOffset: 1000}},
  },
  {
    name: 'lag is the master offset minus the processed offset',
    infoText: {...allUp(5000, 5000), [R2]: offsets(UP, {replica: 4200, read: 4900})},
    codes: [],
    fields: {[R2]: {lagBytes: 800, replicaOffset: 4200, replicaReadOffset: 4900, masterOffset: 5000}},
  },
  {
    name: 'a replica read ahead of the master (INFO read at different moments) lags 0, not negative',
    infoText: {...allUp(100, 100), [R3]: offsets(UP, {replica: 180, read: 180})},
    codes: [],
    fields: {[R3]: {lagBytes: 0}},
  },
  {
    name: 'link down (wrong masterauth) is a replica-link-down warning with the lag',
    infoText: {...allUp(1000, 1000), [R1]: offsets(DOWN, {replica: 600, read: 600})},
    codes: ['warning:replica-link-down'],
    fields: {[R1]: {masterLinkStatus: 'down', masterLastIoSecondsAgo: -1, masterLinkDownSinceSeconds: 1, masterSyncInProgress: false, lagBytes: 400}},
    messages: [/Replica 127\.0\.0\.1:30004 \(07c37dfeb2\S+\) has its link to 127\.0\.0\.1:30001 down 1s, 400 bytes behind\./],
  },
  {
    name: 'a full sync is a replica-syncing warning; offsets of the previous master give no lag',
    infoText: {...allUp(1000, 1000), [R2]: SYNCING},
    codes: ['warning:replica-syncing'],
    fields: {[R2]: {masterSyncInProgress: true, masterLinkStatus: 'down', lagBytes: null}},
    messages: [/Replica 127\.0\.0\.1:30005 \(6ec2\S+\) is in a full sync from 127\.0\.0\.1:30002\./],
  },
  {
    name: 'one down and one syncing: one finding each',
    infoText: {...allUp(1000, 1000), [R1]: DOWN, [R3]: SYNCING},
    codes: ['warning:replica-link-down', 'warning:replica-syncing'],
  },
  {
    name: 'a node that reports no master_link_status (no data replication) is unknown, not down',
    infoText: {...allUp(0, 0), [R1]: ROLE_ONLY},
    codes: [],
    fields: {[R1]: {masterLinkStatus: null, masterSyncInProgress: null, lagBytes: null}},
  },
  {
    name: 'INFO says master while the topology still says replica (just promoted): no link finding',
    infoText: {...allUp(1000, 1000), [R3]: MASTER},
    codes: [],
    fields: {[R3]: {role: 'master', lagBytes: undefined}},
  },
  {
    name: 'without INFO (details not loaded) there is nothing to judge',
    codes: [],
    fields: {[R1]: {}},
  },
  {
    name: 'an unreachable replica has only its unreachable-replica finding',
    infoText: allUp(1000, 1000),
    unreachable: [R1],
    codes: ['info:master-without-replicas', 'warning:unreachable-replica'],
  },
  {
    name: 'master unreachable: the replica link is down, lag unknown',
    infoText: {...allUp(1000, 1000), [R2]: offsets(DOWN, {replica: 900, read: 900})},
    unreachable: [M2],
    codes: ['error:slots-on-failed-node', 'error:unreachable-master', 'warning:replica-link-down'],
    fields: {[R2]: {masterOffset: null, lagBytes: null, masterLinkStatus: 'down'}},
  },
]

describe('replica health checks (table)', () => {
  for (const c of cases) {
    test(c.name, () => {
      const v = viewFrom(fixture('healthy-3x1.txt'), {infoText: c.infoText, unreachable: c.unreachable})
      assert.deepEqual(codes(v), [...c.codes].sort())
      const report = runChecks(v)
      assert.equal(report.healthy, !c.codes.some((x) => !x.startsWith('info:')), 'warnings make check unhealthy (exit 3), as for every warning')
      for (const [id, want] of Object.entries(c.fields ?? {})) {
        const r = node(v, id).replication
        if (Object.keys(want).length === 0) assert.equal(r, undefined)
        else for (const [k, val] of Object.entries(want)) assert.deepEqual((r as unknown as Record<string, unknown>)[k], val, `${id.slice(0, 4)}.${k}`)
      }
      for (const m of c.messages ?? []) assert.ok(report.findings.some((f) => m.test(f.message)), `no finding matches ${m}: ${report.findings.map((f) => f.message).join(' | ')}`)
      for (const f of report.findings.filter((x) => REPLICATION_CODES.has(x.code))) assert.equal(f.nodes?.length, 1)
    })
  }
})

describe('replica health never blocks slot moves or add-node', () => {
  const v = viewFrom(fixture('healthy-3x1.txt'), {infoText: {...allUp(1000, 1000), [R1]: DOWN, [R2]: SYNCING}})

  test('reshard/rebalance preflight ignores replica-link-down and replica-syncing', () => {
    const findings = runChecks(v).findings
    assert.equal(findings.length, 2)
    assert.deepEqual(blockingFindings(v, findings), [])
  })

  test('add-node preflight passes', () => {
    assert.doesNotThrow(() => assertHealthy(v, 'adding a node'))
  })

  test('other problems still block', () => {
    const bad = viewFrom(fixture('open-slots.txt'), {infoText: {}})
    assert.ok(blockingFindings(bad, runChecks(bad).findings).length > 0)
  })
})

describe('info summary per replica', () => {
  test('replicas with master, link, sync, last I/O and lag', () => {
    const v = viewFrom(fixture('healthy-3x1.txt'), {infoText: {...allUp(2000, 1500), [R2]: SYNCING}})
    const info = summarize(v)
    assert.equal(info.replicas.length, 3)
    assert.deepEqual(
      info.replicas.find((r) => r.id === R1),
      {address: '127.0.0.1:30004', id: R1, masterId: M1, masterAddress: '127.0.0.1:30001', reachable: true, masterLinkStatus: 'up', masterSyncInProgress: false, masterLastIoSecondsAgo: 1, masterLinkDownSinceSeconds: null, lagBytes: 500},
    )
    const r2 = info.replicas.find((r) => r.id === R2)!
    assert.equal(r2.masterSyncInProgress, true)
    assert.equal(r2.lagBytes, null)
  })
})

describe('parsing and wording', () => {
  test('a master has role and offset only', () => {
    assert.deepEqual(parseReplication(parseInfo(offsets(MASTER, {master: 77}))), {role: 'master', offset: 77})
    assert.equal(parseReplication(undefined), null)
    assert.equal(parseReplication({}), null)
  })

  test('link summaries', () => {
    assert.equal(linkSummary(parseReplication(parseInfo(UP))), 'up')
    assert.equal(linkSummary(parseReplication(parseInfo(DOWN))), 'down 1s')
    assert.equal(linkSummary(parseReplication(parseInfo(SYNCING))), 'full sync')
    assert.equal(linkSummary(parseReplication(parseInfo(ROLE_ONLY))), '?')
  })

  const syncCases: [string, string, string | undefined][] = [
    ['link up', UP, undefined],
    ['link down', DOWN, 'master link down'],
    ['full sync (diskless: size unknown)', SYNCING, 'full sync in progress'],
    ['disk-based full sync with bytes left', SYNCING.replace('master_sync_left_bytes:-1', 'master_sync_left_bytes:4096'), 'full sync in progress (4096 bytes left)'],
    ['still a master', MASTER, 'role:master'],
    ['no master_link_status reported: nothing to wait for', ROLE_ONLY, undefined],
  ]
  for (const [name, text, want] of syncCases) {
    test(`create waits for replica sync: ${name}`, () => assert.equal(replicaNotSynced(parseInfo(text)), want))
  }
})

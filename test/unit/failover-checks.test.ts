// Table-driven tests of the failover / placement checks (src/admin/check/failover.ts) on fixture
// topologies: a promotion half propagated, a FAIL master whose replica waits, a master in the
// minority, and replica placement across hosts.
import {describe, test} from 'node:test'
import assert from 'node:assert/strict'
import {runChecks} from '../../src/admin/check/checks.js'
import {fixture, viewFrom} from '../helpers/view.js'
import type {ClusterView} from '../../src/admin/topology/types.js'

const M1 = 'e7d1eecce10fd6bb5eb35b9f99a514335d9ba9ca' // 30001 master 0-5460
const R1 = '07c37dfeb235213a872192d90877d0cd55635b91' // 30004 replica of M1
const M2 = '67ed2db8d677e59ec4a4cefb06858cf2a1a89fa1' // 30002 master 5461-10922
const R2 = '6ec23923021cf3ffec47632106199cb7f496ce01' // 30005 replica of M2
const M3 = '292f8b365bb7edb5e285caf0b7e6ddc7265d2f4f' // 30003

const healthy = fixture('healthy-3x1.txt')
/** The same text as seen by `id` (myself moved there). */
const as = (text: string, id: string) => text.replace('myself,', '').replace(new RegExp(`^(${id} \\S+ )`, 'm'), '$1myself,')
const promoted = healthy
  .replace(`${R1} 127.0.0.1:30004@31004 slave ${M1} 0 1426238317239 4 connected`, `${R1} 127.0.0.1:30004@31004 master - 0 1426238317239 7 connected 0-5460`)
  .replace(`${M1} 127.0.0.1:30001@31001 myself,master - 0 0 1 connected 0-5460`, `${M1} 127.0.0.1:30001@31001 myself,slave ${R1} 0 0 7 connected`)
const m2Failed = healthy.replace(`${M2} 127.0.0.1:30002@31002 master -`, `${M2} 127.0.0.1:30002@31002 master,fail -`)
const hosts = (map: Record<string, string>) => {
  let t = healthy
  for (const [port, host] of Object.entries(map)) t = t.replace(`127.0.0.1:${port}@`, `${host}:${port}@`)
  return t
}

const cases: {name: string; view: () => ClusterView; expect: string[]}[] = [
  {name: 'healthy, one host: nothing', view: () => viewFrom(healthy), expect: []},
  {
    name: 'promotion seen by one node only: failover in progress (both nodes of the shard)',
    view: () => viewFrom(healthy, {perNode: {[M3]: as(promoted, M3)}}),
    expect: ['warning:failover-in-progress:127.0.0.1:30001', 'warning:failover-in-progress:127.0.0.1:30004'],
  },
  {
    name: 'master FAIL and unreachable, its replica still a replica: waiting',
    view: () => viewFrom(m2Failed, {unreachable: [M2]}),
    expect: ['warning:master-failed-replica-waiting:127.0.0.1:30005'],
  },
  {
    name: 'master flagged FAIL by the others, healthy in its own view: minority (and its replica waits)',
    view: () => viewFrom(m2Failed, {perNode: {[M2]: as(healthy, M2)}}),
    expect: ['error:master-in-minority:127.0.0.1:30002', 'warning:master-failed-replica-waiting:127.0.0.1:30005'],
  },
  {
    name: 'a master and its only replica on one host among three: same host',
    view: () => viewFrom(hosts({30001: '10.0.0.1', 30004: '10.0.0.1', 30002: '10.0.0.2', 30005: '10.0.0.3', 30003: '10.0.0.3', 30006: '10.0.0.1'})),
    expect: ['warning:replicas-same-host:10.0.0.1:30001'],
  },
  {
    name: 'every master has a replica on another host: nothing',
    view: () => viewFrom(hosts({30001: '10.0.0.1', 30004: '10.0.0.2', 30002: '10.0.0.2', 30005: '10.0.0.3', 30003: '10.0.0.3', 30006: '10.0.0.1'})),
    expect: [],
  },
]

const NEW = new Set(['failover-in-progress', 'master-failed-replica-waiting', 'master-in-minority', 'replicas-same-host'])

describe('failover and placement checks', () => {
  for (const c of cases) {
    test(c.name, () => {
      const r = runChecks(c.view())
      const got = r.findings.filter((f) => NEW.has(f.code)).map((f) => `${f.severity}:${f.code}:${f.nodes?.[0]}`).sort()
      assert.deepEqual(got, [...c.expect].sort())
    })
  }

  test('messages name the way out', () => {
    const r = runChecks(viewFrom(m2Failed, {unreachable: [M2]}))
    const w = r.findings.find((f) => f.code === 'master-failed-replica-waiting')!
    assert.match(w.message, /Master 127\.0\.0\.1:30002 is failed and its replica 127\.0\.0\.1:30005 \(link \?\) has not taken over yet/)
    assert.match(w.message, /redis-ts failover 127\.0\.0\.1:30005 --force/)
    assert.equal(R2.length, 40)
  })

  test('same-host placement never blocks moving slots', async () => {
    const {blockingFindings} = await import('../../src/admin/exec/reshard.js')
    const v = viewFrom(hosts({30001: '10.0.0.1', 30004: '10.0.0.1', 30002: '10.0.0.2', 30005: '10.0.0.3', 30003: '10.0.0.3', 30006: '10.0.0.1'}))
    assert.deepEqual(blockingFindings(v, runChecks(v).findings), [])
  })
})

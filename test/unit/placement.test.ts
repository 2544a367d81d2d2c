// Replica placement across hosts (issue 8): planReplicaPlacement (rebalance) and
// pickMasterForReplica (add-node --replica), table-driven on the healthy 3x1 fixture re-hosted.
import {describe, test} from 'node:test'
import assert from 'node:assert/strict'
import {planReplicaPlacement} from '../../src/admin/plan/placement.js'
import {pickMasterForReplica} from '../../src/admin/plan/add-node.js'
import {planRebalance} from '../../src/admin/plan/rebalance.js'
import {fixture, viewFrom} from '../helpers/view.js'

const M1 = 'e7d1eecce10fd6bb5eb35b9f99a514335d9ba9ca' // 30001 master 0-5460, replica 30004
const M2 = '67ed2db8d677e59ec4a4cefb06858cf2a1a89fa1' // 30002 master 5461-10922, replica 30005
const M3 = '292f8b365bb7edb5e285caf0b7e6ddc7265d2f4f' // 30003 master 10923-16383, replica 30006
const healthy = fixture('healthy-3x1.txt')
const R7 = `aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa7 10.0.0.2:30007@31007 slave ${M2} 0 0 2 connected`
const M4 = `bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb4 10.0.0.2:30008@31008 master - 0 0 8 connected`
const R8 = `ccccccccccccccccccccccccccccccccccccccc8 10.0.0.2:30009@31009 slave bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb4 0 0 8 connected`

/** M1 and its replica on h1; M2 on h2 with its replica on h3; M3 on h3 with its replica on h1. */
function hosted(extra: string[] = [], over: Record<string, string> = {}): string {
  const map: Record<string, string> = {30001: '10.0.0.1', 30004: '10.0.0.1', 30002: '10.0.0.2', 30005: '10.0.0.3', 30003: '10.0.0.3', 30006: '10.0.0.1', ...over}
  let t = healthy
  for (const [port, host] of Object.entries(map)) t = t.replace(`127.0.0.1:${port}@`, `${host}:${port}@`)
  return [t.trimEnd(), ...extra].join('\n') + '\n'
}

describe('planReplicaPlacement', () => {
  const cases: {name: string; text: string; expect: string[]}[] = [
    {name: 'one host: nothing to do', text: healthy, expect: []},
    {name: 'M1 lacks an off-host replica but no master can spare one', text: hosted(), expect: []},
    {name: "M2's same-host second replica moves to M1 (M2 keeps its off-host one)", text: hosted([R7]), expect: ['10.0.0.2:30007 -> 10.0.0.1:30001']},
    {name: 'a replica of a slotless master is taken first', text: hosted([R7, M4, R8]), expect: ['10.0.0.2:30009 -> 10.0.0.1:30001']},
  ]
  for (const c of cases) {
    test(c.name, () => {
      const got = planReplicaPlacement(viewFrom(c.text)).map((m) => `${m.replicaAddress} -> ${m.toMasterAddress}`)
      assert.deepEqual(got, c.expect)
    })
  }

  test('rebalance plans placement for the owners after its moves (a drained master gives up its replica)', () => {
    // M3's replica sits on h2: once M3 is drained (weight 0) it is free and goes to M1 (h1).
    const text = hosted([], {30006: '10.0.0.2'})
    assert.deepEqual(planRebalance(viewFrom(text)).replicaMoves, [])
    const p = planRebalance(viewFrom(text), {weights: [`${M3}=0`]})
    assert.equal(p.needed, true)
    assert.deepEqual(
      p.replicaMoves.map((m) => `${m.replicaAddress}: ${m.fromMasterAddress} -> ${m.toMasterAddress}`),
      ['10.0.0.2:30006: 10.0.0.3:30003 -> 10.0.0.1:30001'],
    )
    // Balanced already: placement alone is planned.
    assert.deepEqual(planRebalance(viewFrom(hosted([R7]))).replicaMoves.map((m) => m.replicaAddress), ['10.0.0.2:30007'])
  })
})

describe('pickMasterForReplica keeps an off-host replica per master', () => {
  const cases: {name: string; text: string; host: string; expect: string}[] = [
    {name: 'one host: fewest replicas, then address', text: healthy, host: '127.0.0.1', expect: M1},
    {name: 'new replica on h2: M1 has none off its host', text: hosted(), host: '10.0.0.2', expect: M1},
    {name: 'new replica on h1 cannot help M1: another host, then address', text: hosted(), host: '10.0.0.1', expect: M2},
    {name: 'a master without replicas first, even on the same host', text: hosted([M4.replace('master - 0 0 8 connected', 'master - 0 0 8 connected 0-0').replace('10.0.0.2', '10.0.0.5')]), host: '10.0.0.5', expect: 'bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb4'},
  ]
  for (const c of cases) {
    test(c.name, () => {
      assert.equal(pickMasterForReplica(viewFrom(c.text), c.host)?.id, c.expect)
    })
  }
})

// Pure parts of surviving a failover during a slot move: which master now serves a shard
// (currentMaster), and the fix plan for a target left importing from a master that failed over
// (SETSLOT NODE <new owner> on the target instead of ADDSLOTS).
import {describe, test} from 'node:test'
import assert from 'node:assert/strict'
import {currentMaster} from '../../src/admin/exec/move-failover.js'
import {planFix, type KeyCounts} from '../../src/admin/plan/fix.js'
import {fixture, viewFrom} from '../helpers/view.js'

const M1 = 'e7d1eecce10fd6bb5eb35b9f99a514335d9ba9ca' // 30001 master 0-5460
const R1 = '07c37dfeb235213a872192d90877d0cd55635b91' // 30004 replica of M1
const M2 = '67ed2db8d677e59ec4a4cefb06858cf2a1a89fa1' // 30002 master 5461-10922
const healthy = fixture('healthy-3x1.txt')
const as = (text: string, id: string) => text.replace('myself,', '').replace(new RegExp(`^(${id} \\S+ )`, 'm'), '$1myself,')
/** R1 promoted (manual failover): M1 follows it. */
const promoted = healthy
  .replace(`${R1} 127.0.0.1:30004@31004 slave ${M1} 0 1426238317239 4 connected`, `${R1} 127.0.0.1:30004@31004 master - 0 1426238317239 7 connected 0-5460`)
  .replace(`${M1} 127.0.0.1:30001@31001 myself,master - 0 0 1 connected 0-5460`, `${M1} 127.0.0.1:30001@31001 myself,slave ${R1} 0 0 7 connected`)
/** R1 promoted after M1 died: M1 is master,fail without slots. */
const afterKill = promoted.replace(`${M1} 127.0.0.1:30001@31001 myself,slave ${R1} 0 0 7 connected`, `${M1} 127.0.0.1:30001@31001 myself,master,fail - 0 0 1 disconnected`)

describe('currentMaster', () => {
  const before = viewFrom(healthy)
  const cases: {name: string; after: () => ReturnType<typeof viewFrom>; id: string; expect: string | null}[] = [
    {name: 'unchanged master', after: () => viewFrom(healthy), id: M1, expect: M1},
    {name: 'manual failover: the promoted replica', after: () => viewFrom(promoted), id: M1, expect: R1},
    {name: 'killed master, replica promoted', after: () => viewFrom(afterKill, {unreachable: [M1]}), id: M1, expect: R1},
    {name: 'killed master, no promotion yet: none', after: () => viewFrom(healthy.replace(`${M1} 127.0.0.1:30001@31001 myself,master -`, `${M1} 127.0.0.1:30001@31001 myself,master,fail -`), {unreachable: [M1]}), id: M1, expect: null},
    {name: 'another shard untouched', after: () => viewFrom(promoted), id: M2, expect: M2},
  ]
  for (const c of cases) test(c.name, () => assert.equal(currentMaster(before, c.after(), c.id), c.expect))
})

describe('fix after a failover of a migration source', () => {
  test('target importing from the demoted node, slot unowned in its view: SETSLOT NODE <promoted> instead of ADDSLOTS', () => {
    // M2 was importing slot 100 from M1; R1 took over M1's shard; M2's own view lost the slot's owner.
    const withImport = (t: string) => t.replace(/^(67ed\S+ \S+ (?:myself,)?master - \S+ \S+ \S+ connected 5461-10922)$/m, `$1 [100-<-${M1}]`)
    const m2View = withImport(as(promoted, M2)).replace(`${R1} 127.0.0.1:30004@31004 master - 0 1426238317239 7 connected 0-5460`, `${R1} 127.0.0.1:30004@31004 master - 0 1426238317239 7 connected 0-99 101-5460`)
    const view = viewFrom(promoted, {perNode: {[M2]: m2View}})
    const counts: KeyCounts = new Map([[100, new Map([[R1, 50], [M2, 20]])]])
    const plan = planFix(view, counts)
    const r = plan.repairs.find((x) => x.slot === 100)!
    assert.equal(r.targetId, M2)
    assert.equal(r.primaryId, R1)
    assert.equal(r.addSlot, false)
    assert.equal(r.ownerOnTarget, R1)
  })
})

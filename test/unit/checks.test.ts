import {describe, test} from 'node:test'
import assert from 'node:assert/strict'
import {configSignature, runChecks, uncoveredSlots} from '../../src/admin/check/checks.js'
import {parseClusterNodes} from '../../src/admin/topology/parse.js'
import {fixture, viewFrom} from '../helpers/view.js'

const codes = (r: ReturnType<typeof runChecks>) => r.findings.map((f) => `${f.severity}:${f.code}`).sort()

describe('checks', () => {
  test('healthy cluster', () => {
    const r = runChecks(viewFrom(fixture('healthy-3x1.txt')))
    assert.equal(r.healthy, true)
    assert.deepEqual(codes(r), [])
  })

  test('masters without replicas are info only', () => {
    const r = runChecks(viewFrom(fixture('open-slots.txt').replace(/ \[.*$/m, '')))
    assert.equal(r.healthy, true)
    assert.deepEqual(codes(r), ['info:master-without-replicas', 'info:master-without-replicas', 'info:master-without-replicas'])
  })

  test('open slots are reported per node', () => {
    const r = runChecks(viewFrom(fixture('open-slots.txt')))
    assert.equal(r.healthy, false)
    const open = r.findings.filter((f) => f.code === 'open-slot')
    assert.equal(open.length, 2)
    assert.ok(open.some((f) => /migrating state 1002/.test(f.message)))
    assert.ok(open.some((f) => /importing state 93/.test(f.message)))
  })

  test('uncovered slots', () => {
    const v = viewFrom(fixture('uncovered.txt'))
    assert.deepEqual(uncoveredSlots(v), [5460, 16001])
    const r = runChecks(v)
    assert.ok(codes(r).includes('error:uncovered-slots'))
  })

  test('failed master: slots on failed node, unreachable master and replica', () => {
    const text = fixture('failed-master.txt')
    const v = viewFrom(text, {unreachable: ['67ed2db8d677e59ec4a4cefb06858cf2a1a89fa1', 'a1b2c3d4e5f60718293a4b5c6d7e8f9012345678']})
    const r = runChecks(v)
    assert.equal(r.healthy, false)
    const c = codes(r)
    assert.ok(c.includes('error:slots-on-failed-node'))
    assert.ok(c.includes('error:unreachable-master'))
    assert.ok(c.includes('warning:unreachable-replica'))
  })

  test('unreachable replica alone is a warning (redis-cli says nothing)', () => {
    const v = viewFrom(fixture('healthy-3x1.txt'), {unreachable: ['07c37dfeb235213a872192d90877d0cd55635b91']})
    const r = runChecks(v)
    assert.equal(r.healthy, false)
    assert.deepEqual(codes(r), ['info:master-without-replicas', 'warning:unreachable-replica'])
  })

  test('nodes that disagree', () => {
    const base = fixture('open-slots.txt').replace(/ \[.*$/m, '')
    const other = base.replace('0-5460', '0-5459').replace('5461-10922', '5460-10922')
    const ids = parseClusterNodes(base).map((e) => e.id)
    const v = viewFrom(base, {perNode: {[ids[0]]: other.replace('myself,master', 'master').replace(/^(67ed\S+ \S+) master/m, '$1 myself,master')}})
    const r = runChecks(v)
    assert.ok(codes(r).includes('error:config-disagreement'))
  })

  test('replica of unknown master', () => {
    const text = fixture('healthy-3x1.txt').replace('slave e7d1eecce10fd6bb5eb35b9f99a514335d9ba9ca', 'slave ffffffffffffffffffffffffffffffffffffffff')
    const r = runChecks(viewFrom(text))
    assert.ok(codes(r).includes('warning:unknown-master'))
  })

  test('multiple owners from key holders', () => {
    const v = viewFrom(fixture('healthy-3x1.txt'))
    const r = runChecks(v, new Map([[7, ['67ed2db8d677e59ec4a4cefb06858cf2a1a89fa1']]]))
    const mo = r.findings.filter((f) => f.code === 'multiple-owners')
    assert.equal(mo.length, 1)
    assert.deepEqual(mo[0].slots, [7])
  })

  test('cluster_state fail is reported', () => {
    const v = viewFrom(fixture('healthy-3x1.txt'), {info: {e7d1eecce10fd6bb5eb35b9f99a514335d9ba9ca: {cluster_state: 'fail'}}})
    assert.ok(codes(runChecks(v)).includes('warning:cluster-state-fail'))
  })

  test('signature ignores open slots and replicas', () => {
    const a = parseClusterNodes(fixture('open-slots.txt'))
    const b = parseClusterNodes(fixture('open-slots.txt').replace(/ \[.*$/m, ''))
    assert.equal(configSignature(a), configSignature(b))
  })
})

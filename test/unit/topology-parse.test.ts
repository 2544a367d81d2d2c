import {describe, test} from 'node:test'
import assert from 'node:assert/strict'
import {countSlots, formatRanges, parseClusterNodes, parseClusterNodesLine, parseInfo, parseSlotList, slotsToRanges} from '../../src/admin/topology/parse.js'
import {formatAddress, parseAddress} from '../../src/admin/address.js'
import {fixture} from '../helpers/view.js'

describe('CLUSTER NODES parser', () => {
  test('healthy 3+3 cluster', () => {
    const nodes = parseClusterNodes(fixture('healthy-3x1.txt'))
    assert.equal(nodes.length, 6)
    const me = nodes.find((n) => n.myself)!
    assert.equal(me.id, 'e7d1eecce10fd6bb5eb35b9f99a514335d9ba9ca')
    assert.deepEqual(me.slots, [[0, 5460]])
    assert.equal(me.busPort, 31001)
    assert.equal(me.role, 'master')
    const rep = nodes.find((n) => n.port === 30004)!
    assert.equal(rep.role, 'replica')
    assert.equal(rep.masterId, me.id)
    assert.equal(nodes.filter((n) => n.role === 'master').reduce((a, n) => a + countSlots(n.slots), 0), 16384)
  })

  test('open slots: importing and migrating brackets', () => {
    const me = parseClusterNodes(fixture('open-slots.txt')).find((n) => n.myself)!
    assert.deepEqual(me.importing, {93: '292f8b365bb7edb5e285caf0b7e6ddc7265d2f4f'})
    assert.deepEqual(me.migrating, {1002: '67ed2db8d677e59ec4a4cefb06858cf2a1a89fa1'})
    assert.deepEqual(me.slots, [[0, 5460]])
  })

  test('hostnames and aux fields (7.0 / 7.2)', () => {
    const nodes = parseClusterNodes(fixture('hostnames.txt'))
    const me = nodes.find((n) => n.myself)!
    assert.equal(me.hostname, 'redis-a.example.com')
    assert.equal(me.aux['shard-id'], '69bc080733d1355567173199cff4a6a039a2f024')
    assert.equal(me.host, '10.0.0.1')
    assert.equal(nodes[0].hostname, 'redis-b.example.com')
  })

  test('IPv6 addresses split at the last colon', () => {
    const nodes = parseClusterNodes(fixture('ipv6.txt'))
    assert.equal(nodes[0].host, '::1')
    assert.equal(nodes[0].port, 30002)
    assert.equal(nodes[0].busPort, 31002)
  })

  test('failed and noaddr nodes', () => {
    const nodes = parseClusterNodes(fixture('failed-master.txt'))
    const failed = nodes.find((n) => n.port === 30002)!
    assert.ok(failed.flags.includes('fail'))
    assert.equal(failed.linkState, 'disconnected')
    const noaddr = nodes.find((n) => n.flags.includes('noaddr'))!
    assert.equal(noaddr.host, '')
  })

  test('lonely node has an empty host', () => {
    const [n] = parseClusterNodes(fixture('alone.txt'))
    assert.equal(n.host, '')
    assert.equal(n.port, 30001)
    assert.equal(n.configEpoch, 0)
  })

  test('rejects garbage', () => {
    assert.throws(() => parseClusterNodesLine('not a node line'))
    assert.throws(() => parseClusterNodesLine('e7d1eecce10fd6bb5eb35b9f99a514335d9ba9ca 127.0.0.1:1@2 master - 0 0 1 connected 99999'))
    assert.throws(() => parseClusterNodesLine('zz 127.0.0.1:1@2 master - 0 0 1 connected'))
  })

  test('slot lists and ranges', () => {
    assert.deepEqual(parseSlotList('0-99,200,100-150'), [[0, 150], [200, 200]])
    assert.throws(() => parseSlotList('5-2'))
    assert.throws(() => parseSlotList('16384'))
    assert.throws(() => parseSlotList('a-b'))
    assert.deepEqual(slotsToRanges([5, 1, 2, 3, 9]), [[1, 3], [5, 5], [9, 9]])
    assert.equal(formatRanges([[0, 5460], [7000, 7000]]), '[0-5460],[7000]')
  })

  test('INFO parsing', () => {
    const info = parseInfo('# Server\r\nredis_version:7.0.15\r\n\r\n# Keyspace\r\ndb0:keys=3,expires=0,avg_ttl=0\r\n')
    assert.equal(info.redis_version, '7.0.15')
    assert.equal(info.db0, 'keys=3,expires=0,avg_ttl=0')
  })
})

describe('addresses', () => {
  test('host:port, [v6]:port, bare v6, @bus', () => {
    assert.deepEqual(parseAddress('127.0.0.1:7000'), {host: '127.0.0.1', port: 7000})
    assert.deepEqual(parseAddress('[::1]:7000'), {host: '::1', port: 7000})
    assert.deepEqual(parseAddress('::1:7000'), {host: '::1', port: 7000})
    assert.deepEqual(parseAddress('redis-a:6379@16379'), {host: 'redis-a', port: 6379, busPort: 16379})
    assert.equal(formatAddress({host: '::1', port: 7000}), '[::1]:7000')
  })
  test('bad addresses', () => {
    for (const bad of ['7000', 'host:', 'host:abc', 'host:70000', ':7000', '[::1]7000']) assert.throws(() => parseAddress(bad), /Invalid node address/, bad)
  })
})

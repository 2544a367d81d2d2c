import {test, describe} from 'node:test'
import assert from 'node:assert/strict'
import {keySlot, crc16} from '../../src/node/keyspace/slot.js'
import {globMatch} from '../../src/node/keyspace/glob.js'
import {ZSet} from '../../src/node/keyspace/zset.js'
import {Deque} from '../../src/node/keyspace/deque.js'
import {Keyspace} from '../../src/node/keyspace/keyspace.js'
import {ManualClock} from '../../src/node/clock.js'
import {ReplyError} from '../../src/node/errors.js'

describe('slot', () => {
  test('CRC16/XMODEM check value and redis vectors', () => {
    assert.equal(crc16('123456789'), 0x31c3)
    const vectors: [string, number][] = [
      ['foo', 12182], ['user1000', 3443], ['{user1000}.following', 3443], ['foo{}{bar}', 8363],
      ['foo{{bar}}zap', 4015], ['foo{bar}{zap}', 5061], ['123456789', 12739], ['{user1}a', 8106], ['{user1}b', 8106],
    ]
    for (const [k, s] of vectors) assert.equal(keySlot(k), s, k)
  })
  test('hashes bytes, not UTF-16 units', () => {
    // "\xe9" as one latin1 byte differs from its UTF-8 encoding (c3 a9)
    assert.notEqual(keySlot('\xe9'), keySlot('\xc3\xa9'))
  })
})

describe('glob (stringmatchlen)', () => {
  const cases: [string, string, boolean][] = [
    ['*', 'anything', true], ['h?llo', 'hello', true], ['h?llo', 'hllo', false], ['h*llo', 'heeeello', true],
    ['h[ae]llo', 'hallo', true], ['h[ae]llo', 'hillo', false], ['h[^e]llo', 'hallo', true], ['h[^e]llo', 'hello', false],
    ['h[a-b]llo', 'hbllo', true], ['h[b-a]llo', 'hbllo', true], ['h\\*llo', 'h*llo', true], ['h\\*llo', 'hello', false],
    ['user:*', 'user:1', true], ['*', '', false], ['a*', 'a', true], ['[abc', 'a', true],
  ]
  for (const [p, s, want] of cases) test(`${p} ~ ${s}`, () => assert.equal(globMatch(p, s), want))
  test('nocase', () => assert.ok(globMatch('HELLO*', 'hello world', true)))
  test('pathological pattern is fast (CVE-2022-36021)', () => {
    const t = Date.now()
    assert.equal(globMatch('*a'.repeat(50) + 'b', 'a'.repeat(5000)), false)
    assert.ok(Date.now() - t < 1000)
  })
})

describe('ZSet', () => {
  test('ordering by score then member, rank, ranges', () => {
    const z = new ZSet()
    assert.equal(z.add('b', 2), true)
    z.add('a', 2)
    z.add('c', 1)
    assert.equal(z.add('c', 1), false)
    assert.deepEqual([...z.entries()], [['c', 1], ['a', 2], ['b', 2]])
    assert.equal(z.rank('b'), 2)
    z.add('c', 5)
    assert.equal(z.rank('c'), 2)
    assert.equal(z.firstInScore({value: 2, exclusive: false}), 0)
    assert.equal(z.lastInScore({value: 2, exclusive: false}), 1)
    assert.equal(z.firstInScore({value: 2, exclusive: true}), 2)
    assert.equal(z.remove('a'), true)
    assert.equal(z.rank('a'), -1)
    assert.equal(z.size, 2)
  })
  test('lex ranges', () => {
    const z = new ZSet()
    for (const m of ['a', 'b', 'c', 'd']) z.add(m, 0)
    assert.equal(z.firstInLex({kind: 'value', value: 'b', exclusive: true}), 2)
    assert.equal(z.lastInLex({kind: 'value', value: 'c', exclusive: false}), 2)
    assert.equal(z.lastInLex({kind: 'max'}), 3)
  })
  test('random ops stay sorted', () => {
    const z = new ZSet()
    const ref = new Map<string, number>()
    for (let i = 0; i < 2000; i++) {
      const m = 'm' + Math.floor(Math.random() * 200)
      if (Math.random() < 0.3) {
        z.remove(m)
        ref.delete(m)
      } else {
        const s = Math.floor(Math.random() * 50)
        z.add(m, s)
        ref.set(m, s)
      }
    }
    const sorted = [...ref].sort((a, b) => a[1] - b[1] || (a[0] < b[0] ? -1 : 1))
    assert.deepEqual([...z.entries()], sorted)
    sorted.forEach(([m], i) => assert.equal(z.rank(m), i))
  })
})

describe('Deque', () => {
  test('both ends, growth, index access', () => {
    const d = new Deque(2)
    for (let i = 0; i < 10; i++) d.pushBack(String(i))
    d.pushFront('x')
    assert.equal(d.length, 11)
    assert.equal(d.get(0), 'x')
    assert.equal(d.get(10), '9')
    assert.equal(d.popBack(), '9')
    assert.equal(d.popFront(), 'x')
    assert.deepEqual(d.range(0, 2), ['0', '1', '2'])
    d.set(1, 'y')
    assert.deepEqual(d.toArray().slice(0, 3), ['0', 'y', '2'])
  })
})

describe('Keyspace', () => {
  test('lazy expiry with a manual clock, slot index, typed getters', () => {
    const clock = new ManualClock(1000)
    const ks = new Keyspace(clock)
    const expired: string[] = []
    ks.events.expired = (k) => expired.push(k)
    ks.set('{user1}a', 'v')
    ks.set('{user1}b', 'w')
    ks.listForWrite('list').pushBack('x')
    assert.equal(ks.countKeysInSlot(8106), 2)
    assert.deepEqual(ks.getKeysInSlot(8106, 1).length, 1)
    ks.setExpire('{user1}a', 1500)
    assert.equal(ks.getString('{user1}a'), 'v')
    clock.advance(500)
    assert.equal(ks.get('{user1}a'), undefined)
    assert.deepEqual(expired, ['{user1}a'])
    assert.equal(ks.countKeysInSlot(8106), 1)
    assert.throws(() => ks.getString('list'), ReplyError)
    assert.throws(() => ks.getHash('{user1}b'), ReplyError)
    assert.equal(ks.size, 2)
  })
  test('active expiry removes keys without access', () => {
    const clock = new ManualClock(0)
    const ks = new Keyspace(clock)
    for (let i = 0; i < 100; i++) {
      ks.set('k' + i, 'v')
      ks.setExpire('k' + i, 10)
    }
    clock.advance(20)
    let n = 0
    for (let i = 0; i < 5; i++) n += ks.activeExpire(50)
    assert.equal(n, 100)
    assert.equal(ks.size, 0)
  })
  test('an active expire cycle repeats its walk while many of the keys it checks have expired', () => {
    // one walk of 200 keys per cron tick expired 2,000 keys a second: a million keys expiring
    // together held their memory for minutes (redis frees them in seconds)
    const clock = new ManualClock(0)
    const ks = new Keyspace(clock)
    for (let i = 0; i < 10_000; i++) {
      ks.set('k' + i, 'v')
      ks.setExpire('k' + i, 10)
    }
    for (let i = 0; i < 1000; i++) {
      ks.set('live' + i, 'v')
      ks.setExpire('live' + i, 1_000_000)
    }
    clock.advance(20)
    assert.equal(ks.activeExpireCycle(Infinity, 10), 10_000)
    assert.equal(ks.size, 1000)
    // under 10% stale: one walk (12 expired of 200 checked), the cycle stops there
    const few = new Keyspace(clock)
    for (let i = 0; i < 1000; i++) {
      few.set('x' + i, 'v')
      few.setExpire('x' + i, clock.now() + (i % 17 === 0 ? 5 : 1_000_000))
    }
    clock.advance(20)
    const n = few.activeExpireCycle(Infinity, 10)
    assert.ok(n > 0 && n <= 200 * 0.1, `${n} expired`)
    // a passed deadline still lets one walk run
    for (let i = 0; i < 1000; i++) {
      ks.set('y' + i, 'v')
      ks.setExpire('y' + i, clock.now() + 5)
    }
    clock.advance(20)
    assert.ok(ks.activeExpireCycle(0, 10) <= 200)
  })
  test('randomKey draws live keys about uniformly when one slot holds them all', () => {
    // keys sharing a hash tag sit in one slot: 32 random slots mostly miss it, and the bucket was
    // then walked to a random index (10 ms per RANDOMKEY with 1M keys)
    const ks = new Keyspace(new ManualClock(0))
    for (let i = 0; i < 2000; i++) ks.set(`{t}k${i}`, 'v')
    for (let i = 0; i < 2000; i += 2) ks.delete(`{t}k${i}`)
    for (let i = 0; i < 200; i++) ks.set(`{t}n${i}`, 'v')
    ks.set('elsewhere', 'v')
    const counts = new Map<string, number>()
    for (let i = 0; i < 120_000; i++) {
      const k = ks.randomKey()!
      assert.ok(ks.has(k), k)
      counts.set(k, (counts.get(k) ?? 0) + 1)
    }
    assert.equal(counts.size, 1201)
    // (a key alone in its slot gains from the random-slot tries: uniform over slots, not keys)
    for (const [k, n] of counts) if (k !== 'elsewhere') assert.ok(n > 40 && n < 180, `${k}: ${n} draws of about 100`)
  })
  test('scan returns every stable key exactly once despite deletes', () => {
    const ks = new Keyspace(new ManualClock())
    for (let i = 0; i < 500; i++) ks.set('key:' + i, 'v')
    const seen = new Set<string>()
    let cursor = 0
    let rounds = 0
    do {
      cursor = ks.scan(cursor, 10, (k) => seen.add(k))
      if (rounds++ === 3) for (let i = 0; i < 50; i++) ks.delete('key:' + i)
    } while (cursor !== 0)
    for (let i = 50; i < 500; i++) assert.ok(seen.has('key:' + i))
  })
})

// Which commands signal a key as modified (redis signalModifiedKey: WATCH aborts, client-side
// caching invalidates), side by side with redis-server 7.0, and the order of a BCAST invalidation
// (redis keeps the keys of a turn in a radix tree: byte order). Found by the command fuzzer's
// --track (test/compat/fuzz-observe.ts): changes to a stream's consumer groups and XSETID count as
// writes (dirty, propagated) without signalling the key.
import {test} from 'node:test'
import assert from 'node:assert/strict'
import {redisSkip} from '../helpers/redis-server.js'
import {pairHooks, RawClient} from './types-harness.js'
import {splitArgs} from '../../src/resp/parser.js'
import {RawClient as Parsed, untilBlocked} from './harness.js'

const skip = redisSkip()
const p = pairHooks()

/** The pushes (invalidations) `t` received up to now, as JSON: a PING's answer follows them. */
async function pushes(t: Parsed): Promise<string[]> {
  const out: string[] = []
  for (let m = await t.call(['PING']); m !== '+PONG'; m = await t.read()) out.push(JSON.stringify(m))
  return out
}

// each line runs between WATCH k and EXEC on the same connection: EXEC answers null when it signalled k
const WRITES = [
  'XGROUP CREATE k g 0',
  'XGROUP CREATECONSUMER k g c',
  'XGROUP SETID k g 1-1',
  'XSETID k 5-0',
  'XREADGROUP GROUP g c STREAMS k >',
  'XACK k g 1-1',
  'XCLAIM k g c2 0 1-1',
  'XGROUP DELCONSUMER k g c2',
  'XGROUP DESTROY k g',
  'XGROUP CREATE k2 g $ MKSTREAM',
  'XADD k 9-0 f v',
  'XTRIM k MAXLEN 1',
]

async function watched(port: number): Promise<string[]> {
  const c = await RawClient.connect(port)
  try {
    await c.call(['FLUSHALL'])
    await c.call(['XADD', 'k', '1-1', 'f', 'v'])
    const out: string[] = []
    for (const line of WRITES) {
      const argv = splitArgs(line)!
      const key = argv[0] === 'XGROUP' ? argv[2] : argv[1]
      await c.call(['WATCH', key])
      const r = await c.call(argv)
      await c.call(['MULTI'])
      await c.call(['PING'])
      out.push(`${line} -> ${JSON.stringify(r)}, EXEC ${JSON.stringify(await c.call(['EXEC']))}`)
    }
    return out
  } finally {
    c.close()
  }
}

test('stream group changes and XSETID do not signal the key (WATCH holds); XADD, XTRIM and MKSTREAM do', {skip}, async () => {
  const theirs = await watched(p.redisPort)
  assert.match(theirs[0], /EXEC "\*1\\r\\n\+PONG/)
  assert.deepEqual(await watched(p.ourPort), theirs)
})

async function bcast(port: number): Promise<string> {
  const t = await Parsed.connect(port)
  const c = await Parsed.connect(port)
  try {
    await c.call(['FLUSHALL'])
    await t.call(['HELLO', '3'])
    await t.call(['CLIENT', 'TRACKING', 'ON', 'BCAST'])
    await c.call(['MSET', 'b', '1', 'a', '2', 'c', '3', 'a', '4'])
    await c.call(['DEL', 'c', 'b'])
    return (await pushes(t)).join('')
  } finally {
    t.close()
    c.close()
  }
}

test('a BCAST invalidation lists the keys in byte order, each once', {skip}, async () => {
  const theirs = await bcast(p.redisPort)
  assert.match(theirs, /invalidate/)
  assert.equal(await bcast(p.ourPort), theirs)
})

// A BLPOP/BLMOVE served after it blocked: redis pops without signalling the source (the write that
// made it ready did; SWAPDB signals nothing), BLMOVE signals only its destination.
async function served(port: number): Promise<string> {
  const t = await Parsed.connect(port)
  const b = await Parsed.connect(port)
  const c = await Parsed.connect(port)
  try {
    await c.call(['FLUSHALL'])
    await t.call(['HELLO', '3'])
    await t.call(['CLIENT', 'TRACKING', 'ON', 'BCAST'])
    const waitBlocked = () => untilBlocked((argv) => c.call(argv))
    const drain = async (what: string) => `${what}:${(await pushes(t)).map((m) => ' ' + m).join('')}\n`
    let out = ''
    const popped = b.call(['BLPOP', 'q', '0'])
    await waitBlocked()
    await c.call(['SELECT', '1'])
    await c.call(['RPUSH', 'q', 'a', 'b'])
    out += await drain('RPUSH in db 1')
    await c.call(['SWAPDB', '0', '1'])
    out += `served ${JSON.stringify(await popped)}\n` + (await drain('SWAPDB'))
    const moved = b.call(['BLMOVE', 'm', 'dst', 'LEFT', 'RIGHT', '0'])
    await waitBlocked()
    await c.call(['SELECT', '0'])
    await c.call(['RPUSH', 'm', 'x'])
    out += `served ${JSON.stringify(await moved)}\n` + (await drain('RPUSH m'))
    return out
  } finally {
    t.close()
    b.close()
    c.close()
  }
}

test('a blocked pop served later signals what redis signals (BCAST invalidations)', {skip}, async () => {
  const theirs = await served(p.redisPort)
  assert.match(theirs, /served \["q","a"\]/)
  assert.equal(await served(p.ourPort), theirs)
})

// Default-mode tracking (CLIENT TRACKING ON REDIRECT): a key the client read is invalidated the
// moment a write signals it, so a command that writes several keys shows its signal order. redis's
// LMOVE/RPOPLPUSH/BLMOVE signal the destination before the source (lmoveHandlePush first); found by
// the fuzzer's --track-reads. Every line reads its keys first (MGET), then writes.
const MULTI_KEY = [
  'RPUSH a x y',
  'RPUSH b z',
  'RPOPLPUSH a b',
  'LMOVE b a LEFT RIGHT',
  'BLMOVE a b RIGHT LEFT 0',
  'RPOPLPUSH a a',
  'SADD s1 m',
  'SMOVE s1 s2 m',
  'RENAME a c',
  'COPY b d',
  'MSET d 1 c 2 e 3',
  'DEL e d c',
  'SUNIONSTORE s3 s2 s1',
  'ZADD z1 1 m',
  'ZUNIONSTORE z2 1 z1',
  'SET k1 a',
  'BITOP OR k2 k1',
  'RENAMENX k2 k3',
  'SORT b STORE k1',
]

async function reads(port: number): Promise<string> {
  const t = await Parsed.connect(port)
  const c = await Parsed.connect(port)
  try {
    await c.call(['FLUSHALL'])
    await t.call(['HELLO', '3'])
    const id = String(await t.call(['CLIENT', 'ID']))
    await c.call(['CLIENT', 'TRACKING', 'ON', 'REDIRECT', id])
    let got = ''
    for (const line of MULTI_KEY) {
      const argv = splitArgs(line)!
      await c.call(['MGET', 'a', 'b', 'c', 'd', 'e', 's1', 's2', 's3', 'z1', 'z2', 'k1', 'k2', 'k3'])
      got += `${line}:`
      await c.call(argv)
      got += `${(await pushes(t)).map((m) => ' ' + m).join('')}\n`
    }
    return got
  } finally {
    t.close()
    c.close()
  }
}

test('a tracking client is invalidated in the order redis signals a command\'s keys', {skip}, async () => {
  const theirs = await reads(p.redisPort)
  assert.match(theirs, /RPOPLPUSH a b: .*"b".*"a"/)
  assert.equal(await reads(p.ourPort), theirs)
})

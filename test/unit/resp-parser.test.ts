import {test, describe} from 'node:test'
import assert from 'node:assert/strict'
import {MAX_ARG_LENGTH, RequestParser, ProtocolError, splitArgs} from '../../src/resp/parser.js'

function parseAll(input: Buffer | string, chunk = Infinity, auth = false): (string[] | string)[] {
  const p = new RequestParser()
  const buf = typeof input === 'string' ? Buffer.from(input, 'latin1') : input
  const out: (string[] | string)[] = []
  for (let i = 0; i < buf.length; i += chunk === Infinity ? buf.length : chunk) {
    p.feed(buf.subarray(i, Math.min(buf.length, i + (chunk === Infinity ? buf.length : chunk))))
    for (;;) {
      const r = p.next(auth)
      if (r === null) break
      if (r instanceof ProtocolError) return [...out, r.reply]
      out.push(r)
    }
  }
  return out
}

describe('RESP request parser', () => {
  test('multibulk, pipelined, any chunking', () => {
    const input = '*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$5\r\nvalue\r\n*1\r\n$4\r\nPING\r\n'
    for (const chunk of [1, 2, 3, 7, Infinity]) {
      assert.deepEqual(parseAll(input, chunk), [['SET', 'key', 'value'], ['PING']], `chunk ${chunk}`)
    }
  })

  test('binary-safe latin1 arguments', () => {
    const payload = Buffer.from([0, 1, 0xff, 0x80, 13, 10])
    const buf = Buffer.concat([Buffer.from('*2\r\n$3\r\nGET\r\n$6\r\n'), payload, Buffer.from('\r\n')])
    const [argv] = parseAll(buf) as string[][]
    assert.equal(argv[1].length, 6)
    assert.deepEqual(Buffer.from(argv[1], 'latin1'), payload)
  })

  test('large bulk split across many chunks', () => {
    const big = 'x'.repeat(300_000)
    const input = `*2\r\n$3\r\nSET\r\n$${big.length}\r\n${big}\r\n`
    const r = parseAll(input, 65536) as string[][]
    assert.equal(r.length, 1)
    assert.equal(r[0][1].length, big.length)
  })

  test('inline commands with quotes', () => {
    assert.deepEqual(parseAll('SET a "hello world"\r\nGET a\n'), [['SET', 'a', 'hello world'], ['GET', 'a']])
    assert.deepEqual(splitArgs(`set k "a\\x41\\n" 'it\\'s'`), ['set', 'k', 'aA\n', "it's"])
    assert.equal(splitArgs('set "a"b'), null)
    assert.deepEqual(parseAll('\r\n\r\nPING\r\n'), [['PING']])
  })

  test('empty multibulk *0 / *-1 is skipped', () => {
    assert.deepEqual(parseAll('*0\r\n*-1\r\n*1\r\n$4\r\nPING\r\n'), [['PING']])
  })

  test('redis protocol errors', () => {
    assert.deepEqual(parseAll('*abc\r\n'), ['ERR Protocol error: invalid multibulk length'])
    assert.deepEqual(parseAll('*3000000000\r\n'), ['ERR Protocol error: invalid multibulk length'])
    assert.deepEqual(parseAll('*1\r\n+foo\r\n'), ["ERR Protocol error: expected '$', got '+'"])
    assert.deepEqual(parseAll('*1\r\n$-5\r\n'), ['ERR Protocol error: invalid bulk length'])
    assert.deepEqual(parseAll('*1\r\n$600000000\r\n'), ['ERR Protocol error: invalid bulk length'])
    assert.deepEqual(parseAll('SET "a\r\n'), ['ERR Protocol error: unbalanced quotes in request'])
    assert.deepEqual(parseAll('*1\r\n' + 'x'.repeat(70000)), ['ERR Protocol error: too big bulk count string'])
  })

  test('a bulk longer than a V8 string: its header is taken as redis takes it (the refusal: node-string-limit.test.ts)', () => {
    const p = new RequestParser()
    p.maxBulkLen = 1024 * 1024 * 1024
    p.feed(Buffer.from(`*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$${MAX_ARG_LENGTH + 1}\r\nabc`, 'latin1'))
    assert.equal(p.next(false), null)
    assert.equal(p.partialBulkLen, MAX_ARG_LENGTH + 1)
  })

  test('desync seeds from redis unit/protocol.tcl', () => {
    const tail = 'payload'.repeat(20000)
    assert.deepEqual(parseAll('\x00' + tail, 1024), ['ERR Protocol error: too big inline request'])
    assert.deepEqual(parseAll('*\x00' + tail, 1024), ['ERR Protocol error: too big mbulk count string'])
    assert.deepEqual(parseAll('$\x00' + tail, 1024), ['ERR Protocol error: too big inline request'])
  })

  test('unauthenticated limits', () => {
    assert.deepEqual(parseAll('*100\r\n', Infinity, true), ['ERR Protocol error: unauthenticated multibulk length'])
    assert.deepEqual(parseAll('*1\r\n$100000000\r\n', Infinity, true), ['ERR Protocol error: unauthenticated bulk length'])
    assert.deepEqual(parseAll('*2\r\n$4\r\nAUTH\r\n$3\r\npwd\r\n', Infinity, true), [['AUTH', 'pwd']])
  })

  test('*2147483647 does not preallocate', () => {
    const p = new RequestParser()
    p.feed(Buffer.from('*2147483647\r\n$1\r\na\r\n'))
    assert.equal(p.next(), null)
    assert.ok(p.pending < 100)
  })

  test('every argument length 0..40 is byte-exact (short-string fast path and latin1Slice)', () => {
    for (let len = 0; len <= 40; len++) {
      const bytes = Buffer.from(Array.from({length: len}, (_, i) => (i * 97 + len * 13) & 255))
      const buf = Buffer.concat([Buffer.from(`*3\r\n$3\r\nSET\r\n$${len}\r\n`), bytes, Buffer.from(`\r\n$${len}\r\n`), bytes, Buffer.from('\r\n')])
      for (const chunk of [1, 5, Infinity]) {
        const [argv] = parseAll(buf, chunk) as string[][]
        assert.equal(argv.length, 3)
        assert.deepEqual(Buffer.from(argv[1], 'latin1'), bytes, `len ${len} chunk ${chunk}`)
        assert.equal(argv[2], argv[1])
      }
    }
  })

  test('command-name cache returns the exact spelling, also for colliding names', () => {
    // Same length, same first and last byte: they share a cache slot and must not be confused.
    const names = ['GET', 'get', 'Get', 'GeT', 'GAT', 'ping', 'PING', 'pong', 'x'.repeat(24), 'y'.repeat(30), '']
    let input = ''
    for (let round = 0; round < 3; round++) for (const n of names) input += `*2\r\n$${n.length}\r\n${n}\r\n$1\r\nk\r\n`
    const out = parseAll(input) as string[][]
    assert.deepEqual(out.map((a) => a[0]), [...names, ...names, ...names])
    assert.ok(out.every((a) => a.length === 2 && a[1] === 'k'))
  })

  test('a command split at every byte boundary parses the same', () => {
    const input = '*3\r\n$3\r\nSET\r\n$16\r\nkey:000000012345\r\n$20\r\n' + 'v'.repeat(20) + '\r\n*2\r\n$3\r\nGET\r\n$1\r\nk\r\n'
    for (let cut = 1; cut < input.length; cut++) {
      const p = new RequestParser()
      const got: string[][] = []
      for (const part of [input.slice(0, cut), input.slice(cut)]) {
        p.feed(Buffer.from(part, 'latin1'))
        for (let r = p.next(); r !== null; r = p.next()) got.push(r as string[])
      }
      assert.deepEqual(got, [['SET', 'key:000000012345', 'v'.repeat(20)], ['GET', 'k']], `cut at ${cut}`)
    }
  })

  test('fuzz: random and mutated input never throws or loops', () => {
    let seed = 12345
    const rnd = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff)
    const alphabet = Buffer.from('*$+-:\r\n0123456789-"\' \\x\x00abc')
    for (let round = 0; round < 3000; round++) {
      const len = Math.floor(rnd() * 200)
      const b = Buffer.alloc(len)
      for (let i = 0; i < len; i++) b[i] = rnd() < 0.7 ? alphabet[Math.floor(rnd() * alphabet.length)] : Math.floor(rnd() * 256)
      const p = new RequestParser()
      p.feed(b)
      let steps = 0
      for (;;) {
        const r = p.next(rnd() < 0.5)
        if (r === null || r instanceof ProtocolError) break
        assert.ok(Array.isArray(r))
        assert.ok(++steps < 1000, 'parser must make progress')
      }
    }
  })
})

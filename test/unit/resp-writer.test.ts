import {test, describe} from 'node:test'
import assert from 'node:assert/strict'
import {RespWriter, formatDouble, encode, REPLY_CHUNK} from '../../src/resp/writer.js'

describe('RESP writer', () => {
  test('RESP2 encodings', () => {
    const w = new RespWriter(2)
    w.ok()
    w.error('ERR x')
    w.integer(-5)
    w.bulk('héllo'.replace('é', '\xe9'))
    w.nil()
    w.nullArray()
    w.map(1)
    w.bulk('k')
    w.double(1.5)
    w.bool(true)
    assert.equal(w.take(), '+OK\r\n-ERR x\r\n:-5\r\n$5\r\nh\xe9llo\r\n$-1\r\n*-1\r\n*2\r\n$1\r\nk\r\n$3\r\n1.5\r\n:1\r\n')
    assert.equal(w.out, '')
  })

  test('RESP3 encodings', () => {
    const w = new RespWriter(3)
    w.nil()
    w.nullArray()
    w.map(2)
    w.set(1)
    w.push(3)
    w.double(1.1)
    w.bool(false)
    w.verbatim('abc')
    assert.equal(w.take(), '_\r\n_\r\n%2\r\n~1\r\n>3\r\n,1.1000000000000001\r\n#f\r\n=7\r\ntxt:abc\r\n')
  })

  test('doubles match redis 7.0 %.17g', () => {
    assert.equal(formatDouble(1.1), '1.1000000000000001')
    assert.equal(formatDouble(1e30), '1e+30')
    assert.equal(formatDouble(1e-7), '9.9999999999999995e-08')
    assert.equal(formatDouble(3), '3')
    assert.equal(formatDouble(1e17), '1e+17')
    assert.equal(formatDouble(1e16), '10000000000000000')
    assert.equal(formatDouble(Infinity), 'inf')
    assert.equal(formatDouble(-Infinity), '-inf')
  })

  test('command encoder', () => {
    assert.equal(encode.command(['GET', 'a']), '*2\r\n$3\r\nGET\r\n$1\r\na\r\n')
  })
  // A reply past REPLY_CHUNK characters is kept in pieces (a V8 string holds at most 2^29-24):
  // marks (`size`), truncate and cutFrom must see the pieces as one text.
  test('a reply past REPLY_CHUNK is kept in pieces that read as one text', () => {
    const big = 'x'.repeat(REPLY_CHUNK - 5)
    const w = new RespWriter(2)
    w.ok()
    w.array(3)
    w.bulk(big)
    assert.equal(w.chunks?.length, 1, 'the text before the big bulk was set aside')
    const mark = w.size
    w.bulk(big)
    w.integer(7)
    const expected = '+OK\r\n*3\r\n' + `$${big.length}\r\n${big}\r\n`.repeat(2) + ':7\r\n'
    assert.equal(w.size, expected.length)
    const pieces = [...(w.chunks ?? []), w.out]
    assert.ok(pieces.every((p) => p.length <= REPLY_CHUNK + 64), 'no piece much past REPLY_CHUNK')
    assert.equal(pieces.join(''), expected)
    // cut inside an earlier piece: what follows the mark comes back in order
    const cut = w.cutFrom(mark - 5)
    assert.equal(cut.join(''), expected.slice(mark - 5))
    assert.equal(w.size, mark - 5)
    assert.equal([...(w.chunks ?? []), w.out].join(''), expected.slice(0, mark - 5))
    // and more text after the cut lands after it
    w.raw('ab')
    assert.equal(w.size, mark - 3)
    w.truncate(7)
    assert.equal(w.take(), '+OK\r\n*3')
    assert.equal(w.size, 0)
    assert.equal(w.chunks, null)
  })

  test('a bulk bigger than REPLY_CHUNK is its own piece; takePieces empties the writer', () => {
    const big = 'y'.repeat(REPLY_CHUNK + 5)
    const w = new RespWriter(3)
    w.verbatim(big)
    const pieces = w.takePieces()
    assert.deepEqual(pieces.map((p) => p.length), [`=${big.length + 4}\r\ntxt:`.length, big.length, 2])
    assert.equal(pieces.join(''), `=${big.length + 4}\r\ntxt:${big}\r\n`)
    assert.equal(w.size, 0)
    const sub = new RespWriter(2)
    sub.bulk(big)
    sub.integer(1)
    w.array(2)
    w.append(sub)
    assert.equal(sub.size, 0)
    assert.equal(w.take(), `*2\r\n$${big.length}\r\n${big}\r\n:1\r\n`)
  })
})

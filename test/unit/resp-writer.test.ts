import {test, describe} from 'node:test'
import assert from 'node:assert/strict'
import {RespWriter, formatDouble, encode} from '../../src/resp/writer.js'

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
})

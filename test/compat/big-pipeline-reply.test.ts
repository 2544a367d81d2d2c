// A pipeline whose replies add up to more than a V8 string can hold (2^29-24 characters, ~512 MiB):
// redis-server keeps any number of reply blocks for a client (client-output-buffer-limit normal is
// 0 0 0) and answers every command. The node gathered a read batch's replies in one string, so the
// GETs past ~512 MiB answered "-ERR Invalid string length" (found by ioredis's own test "should
// handle large pipelines without RangeError": 600 GETs of a 1 MB value). Side by side: the length
// and SHA-256 of everything each server sends back for 66 GETs of an 8 MiB value and a PING, sent
// in one write (one read batch).
import {test} from 'node:test'
import assert from 'node:assert/strict'
import net from 'node:net'
import {createHash} from 'node:crypto'
import {redisSkip} from '../helpers/redis-server.js'
import {pairHooks} from './harness.js'
import {encode} from '../../src/resp/writer.js'

const skip = redisSkip()
const p = pairHooks()

const SIZE = 8 * 1024 * 1024
const GETS = 66 // 66 x 8 MiB = 528 MiB of replies

/** The replies to `setup` then to `batch` (one write), read until `+PONG\r\n` ends the stream. */
function stream(port: number, setup: string[][], batch: string[][]): Promise<{bytes: number; sha: string; errors: string[]}> {
  return new Promise((resolve, reject) => {
    const sock = net.connect(port, '127.0.0.1')
    const hash = createHash('sha256')
    let bytes = 0
    let tail = Buffer.alloc(0)
    let sawSetup = 0
    const errors = new Set<string>()
    sock.on('error', reject)
    sock.on('connect', () => {
      sock.write(setup.map((a) => encode.command(a)).join(''), 'latin1')
    })
    sock.on('data', (d: Buffer) => {
      if (sawSetup < setup.length) {
        // the setup's replies are short: count their lines, then send the batch
        sawSetup += d.toString('latin1').split('\r\n').length - 1
        if (sawSetup >= setup.length) sock.write(batch.map((a) => encode.command(a)).join(''), 'latin1')
        return
      }
      bytes += d.length
      hash.update(d)
      // a bulk's payload is zero bytes and an 'x': an error reply is the only place "-ERR" occurs
      for (let at = d.indexOf('-ERR'); at >= 0; at = d.indexOf('-ERR', at + 1)) {
        const end = d.indexOf('\r', at)
        errors.add(d.toString('latin1', at, end < 0 ? d.length : end))
      }
      tail = Buffer.concat([tail, d]).subarray(-7)
      if (tail.toString('latin1') === '+PONG\r\n') {
        sock.destroy()
        resolve({bytes, sha: hash.digest('hex'), errors: [...errors]})
      }
    })
  })
}

test(`a pipeline of ${GETS} GETs of an 8 MiB value (528 MiB of replies) is answered in full, as redis-server`, {skip, timeout: 300_000}, async () => {
  const setup = [['FLUSHALL'], ['SETRANGE', 'k', String(SIZE - 1), 'x']]
  const batch = [...Array.from({length: GETS}, () => ['GET', 'k']), ['PING']]
  const expected = GETS * (`$${SIZE}\r\n`.length + SIZE + 2) + '+PONG\r\n'.length
  const theirs = await stream(p.redisPort, setup, batch)
  assert.equal(theirs.bytes, expected, 'redis-server answers every GET')
  const ours = await stream(p.ourPort, setup, batch)
  assert.deepEqual(ours.errors, [], 'no error replies')
  assert.equal(ours.bytes, theirs.bytes)
  assert.equal(ours.sha, theirs.sha)
})

// One command's own reply past a V8 string (the writer keeps it in pieces): an MGET of 66 keys of
// 8 MiB, a script's table of 66 such values (the script's nested reply is built in a writer of its
// own, then appended), and the same MGET under CLIENT REPLY SKIP, whose dropped reply must take the
// pieces with it. Each batch ends with a PING; the bytes' length and SHA-256 are compared.
const big: [string, string[][], (expected: number) => number][] = [
  ['MGET of 66 keys of 8 MiB (a 528 MiB reply)', [['MGET', ...Array<string>(GETS).fill('k')], ['PING']], (bulks) => bulks],
  ['EVAL returning a table of 66 values of 8 MiB', [['EVAL', `local v = redis.call('GET', 'k') local t = {} for i = 1, ${GETS} do t[i] = v end return t`, '0'], ['PING']], (bulks) => bulks],
  ['the MGET under CLIENT REPLY SKIP (nothing but the PONG)', [['CLIENT', 'REPLY', 'SKIP'], ['MGET', ...Array<string>(GETS).fill('k')], ['PING']], () => 0],
]
for (const [name, batch, size] of big) {
  test(`one command's reply past a V8 string: ${name}, as redis-server`, {skip, timeout: 300_000}, async () => {
    const setup = [['FLUSHALL'], ['SETRANGE', 'k', String(SIZE - 1), 'x']]
    const bulks = `*${GETS}\r\n`.length + GETS * (`$${SIZE}\r\n`.length + SIZE + 2)
    const theirs = await stream(p.redisPort, setup, batch)
    assert.equal(theirs.bytes, size(bulks) + '+PONG\r\n'.length, 'redis-server sends the whole reply')
    const ours = await stream(p.ourPort, setup, batch)
    assert.deepEqual(ours.errors, [], 'no error replies')
    assert.equal(ours.bytes, theirs.bytes)
    assert.equal(ours.sha, theirs.sha)
  })
}

// The digest's own SHA-1 (src/node/keyspace/digest.ts, used instead of crypto's for speed) against
// node:crypto, through valueDigest: a string value's digest is mixDigest(type code) then
// mixDigest(bytes), so every length around the 55/56/64-byte padding boundaries and every byte value
// is hashed by both and must agree.
import {test} from 'node:test'
import assert from 'node:assert/strict'
import {createHash} from 'node:crypto'
import {valueDigest} from '../../src/node/keyspace/digest.js'

function mix(d: Buffer, data: Buffer): void {
  const h = createHash('sha1').update(data).digest()
  for (let j = 0; j < 20; j++) d[j] ^= h[j]
  createHash('sha1').update(d).digest().copy(d)
}

test('valueDigest of a string equals crypto SHA-1 mixing, lengths 0..300 and every byte value', () => {
  for (let n = 0; n <= 300; n++) {
    const s = Array.from({length: n}, (_, i) => String.fromCharCode((i * 37 + n * 11) & 0xff)).join('')
    const d = Buffer.alloc(20)
    mix(d, Buffer.alloc(4)) // OBJ_STRING = 0, htonl
    mix(d, Buffer.from(s, 'latin1'))
    assert.equal(valueDigest(s, false), d.toString('hex'), `length ${n}`)
  }
})

test('a TTL is xored in as "!!expire!!"; a missing key is 40 zeros', () => {
  const d = Buffer.from(valueDigest('v', false), 'hex')
  const h = createHash('sha1').update('!!expire!!').digest()
  for (let j = 0; j < 20; j++) d[j] ^= h[j]
  assert.equal(valueDigest('v', true), d.toString('hex'))
  assert.equal(valueDigest(undefined, false), '0'.repeat(40))
})

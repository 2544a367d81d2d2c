// The longest string V8 makes (2^29 - 24 characters) is 24 bytes under proto-max-bulk-len's
// default (512mb): a client sending a longer bulk argument crashed the node (the parser's slice
// threw out of the socket's data handler). It is now read and refused as a bulk over
// proto-max-bulk-len (protocol error, connection closed, the node serving on); SETRANGE / APPEND
// past it answer redis's "string exceeds maximum allowed size" instead of V8's
// "Invalid string length", and so do SETBIT / BITFIELD growing a string past it. (redis-server takes such values: "What still differs" in the README.)
import {after, test} from 'node:test'
import assert from 'node:assert/strict'
import {MAX_ARG_LENGTH} from '../../src/resp/parser.js'
import {embedded} from '../helpers/repl.js'
import {freePort, RawClient} from '../compat/harness.js'
import type {RunningNode} from '../../src/node/index.js'

let node: RunningNode | undefined
after(async () => node?.stop())

test('a bulk argument longer than a V8 string is refused, the node serves on', {timeout: 120_000}, async () => {
  const port = await freePort()
  node = await embedded({port: String(port), 'proto-max-bulk-len': '1gb'})
  const c = await RawClient.connect(port)
  c.sendRaw(`*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$${MAX_ARG_LENGTH + 1}\r\n`)
  // the header alone is taken (redis-server waits for the bytes too)
  assert.equal(await c.readWithin(300), undefined)
  const chunk = 'v'.repeat(64 * 1024 * 1024)
  for (let left = MAX_ARG_LENGTH + 1; left > 0; left -= chunk.length) c.sendRaw(left >= chunk.length ? chunk : chunk.slice(0, left))
  c.sendRaw('\r\n')
  assert.equal(await c.read(), '-ERR Protocol error: invalid bulk length')
  c.close()
  const d = await RawClient.connect(port)
  try {
    assert.equal(await d.call(['PING']), '+PONG')
    assert.equal(await d.call(['SETRANGE', 'k', String(MAX_ARG_LENGTH), 'x']), '-ERR string exceeds maximum allowed size (proto-max-bulk-len)')
    assert.equal(await d.call(['EXISTS', 'k']), 0)
    // a bitmap grown in place stops there too (its string must stay readable by GET and the snapshot)
    assert.equal(await d.call(['SETBIT', 'k', String(MAX_ARG_LENGTH * 8), '1']), '-ERR string exceeds maximum allowed size (proto-max-bulk-len)')
    assert.equal(await d.call(['BITFIELD', 'k', 'SET', 'u8', String(MAX_ARG_LENGTH * 8), '1']), '-ERR string exceeds maximum allowed size (proto-max-bulk-len)')
    assert.equal(await d.call(['EXISTS', 'k']), 0)
  } finally {
    d.close()
  }
})

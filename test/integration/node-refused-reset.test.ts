// A connection the node refuses (maxclients reached: "-ERR max number of clients reached", then
// closed) and its peer resets at once (redis-benchmark -I against a low maxclients does this):
// the reset must not end the node (an unhandled socket 'error' did, before).
import {test} from 'node:test'
import assert from 'node:assert/strict'
import net from 'node:net'
import {client, embedded} from '../helpers/repl.js'

test('refused connections reset by their peer leave the node running', {timeout: 120_000}, async () => {
  const n = await embedded({maxclients: '1'})
  const c = client(n.port)
  try {
    assert.equal(await c.ping(), 'PONG') // the one allowed client
    for (let i = 0; i < 30; i++) {
      const s = net.connect(n.port, '127.0.0.1')
      s.on('error', () => undefined)
      await new Promise((r) => s.once('connect', r))
      s.resetAndDestroy()
    }
    const s = net.connect(n.port, '127.0.0.1')
    s.on('error', () => undefined)
    const refused = await new Promise<string>((r) => {
      let got = ''
      s.on('data', (d) => (got += d))
      s.on('close', () => r(got))
    })
    assert.equal(refused, '-ERR max number of clients reached\r\n')
    assert.equal(await c.ping(), 'PONG')
  } finally {
    c.disconnect()
    await n.stop()
  }
})

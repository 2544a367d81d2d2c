// +switch-master moves a master's link to another address (sentinel.ts resetMasterAndChangeAddress).
// The link must connect to the new address on the very next tick, not after the reconnect period
// of the old (dead) address: resetMaster restarts the PING clock, so a connection delayed by up
// to a ping period left the promoted master's first PONG racing down-after-milliseconds (a lost
// race failed the fresh master over again). No timing here: the state is set, one tick is run.
import {test} from 'node:test'
import assert from 'node:assert/strict'
import {createServer, type AddressInfo, type Server} from 'node:net'
import {Sentinel} from '../../src/node/sentinel/sentinel.js'
import {refreshLinks} from '../../src/node/sentinel/monitor.js'
import type {NodeServer} from '../../src/node/server.js'

/** A peer that records the bytes it receives. */
async function peer(): Promise<{server: Server; port: number; received: () => string}> {
  let data = ''
  const server = createServer((s) => s.on('data', (d) => (data += d.toString('latin1'))))
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  return {server, port: (server.address() as AddressInfo).port, received: () => data}
}

function sentinel(): {s: Sentinel; events: string[]} {
  const s = new Sentinel()
  const events: string[] = []
  const log = {log: () => undefined, warning: () => undefined, notice: () => undefined}
  s.server = {log, pubsub: {deliver: (type: string, msg: string) => events.push(`${type} ${msg}`)}, config: {get: () => ''}, port: 26379} as unknown as NodeServer
  return {s, events}
}

test('after +switch-master the link connects to the new master at the next tick and PINGs it at once', async () => {
  const next = await peer()
  const {s, events} = sentinel()
  const m = s.createInstance('master', 'mymaster', '127.0.0.1', 1, 2, null)
  m.downAfter = 1000
  try {
    await switchAndTick(s, m, next, events)
  } finally {
    s.releaseInstance(m)
    next.server.close()
  }
})

async function switchAndTick(s: Sentinel, m: ReturnType<Sentinel['createInstance']>, next: Awaited<ReturnType<typeof peer>>, events: string[]): Promise<void> {
  // The old master is dead: the timer has just tried (and failed) to reconnect to it.
  const now = s.now()
  m.link.lastReconnTime = now
  m.link.actPingTime = now - 5000
  refreshLinks(s, m)
  assert.equal(m.link.cc, null, 'a reconnection within the ping period is skipped (the old address)')
  s.resetMasterAndChangeAddress(m, '127.0.0.1', next.port)
  assert.equal(m.port, next.port)
  assert.ok(events.some((e) => e.startsWith(`+slave slave 127.0.0.1:1 127.0.0.1 1 @ mymaster 127.0.0.1 ${next.port}`)), events.join('\n'))
  assert.ok(m.link.actPingTime > 0 && s.now() - m.link.actPingTime < 1000, 'the PING clock restarts at the switch')
  refreshLinks(s, m)
  assert.ok(m.link.cc, 'the new address is connected at the next tick')
  for (let i = 0; i < 1000 && !next.received().includes('PING'); i++) await new Promise((r) => setTimeout(r, 10))
  assert.match(next.received(), /\$4\r\nPING\r\n/)
}

// SHUTDOWN with a lagging replica (redis 7.0 prepareForShutdown / finishShutdown), side by side
// with redis-server: the replica is a raw socket that did a full sync and acknowledges only when
// the test says so. SHUTDOWN blocks its caller (blocked_clients, shutdown_in_milliseconds in INFO)
// while writes are paused; SHUTDOWN ABORT unblocks it with "Errors trying to SHUTDOWN"; an ACK of
// the whole stream lets the next SHUTDOWN finish ("1 of 1 replicas are in sync"); without one,
// shutdown-timeout ends the wait ("Lagging replica ...", "0 of 1 replicas are in sync").
// INFO connected_clients does not count replicas.
import {after, describe, test} from 'node:test'
import assert from 'node:assert/strict'
import net from 'node:net'
import {readFileSync} from 'node:fs'
import {join} from 'node:path'
import {client, embedded, info, waitFor} from '../helpers/repl.js'
import {RedisNodes, redisSkip} from '../helpers/redis-server.js'

const LONG = 120_000

/** A replica that completed a disk-based full sync and sends REPLCONF ACK only on request. */
async function fakeReplica(port: number): Promise<{ack: (offset: number) => void; close: () => void}> {
  const sock = net.connect(port, '127.0.0.1')
  sock.on('error', () => undefined)
  await new Promise((r) => sock.once('connect', r))
  const cmd = (...a: string[]) => sock.write(`*${a.length}\r\n${a.map((x) => `$${Buffer.byteLength(x)}\r\n${x}\r\n`).join('')}`)
  // REPLCONF's +OK first: redis refuses a PSYNC read in the same batch ("SYNC and PSYNC are
  // invalid with pending output") while that reply is still unsent
  const ok = new Promise((r) => sock.once('data', r))
  cmd('REPLCONF', 'listening-port', '4321')
  await ok
  sock.on('data', () => undefined)
  cmd('PSYNC', '?', '-1')
  return {ack: (offset) => void cmd('REPLCONF', 'ACK', String(offset)), close: () => sock.destroy()}
}

interface Target {
  port: number
  log: () => string
}

async function scenario(t: Target): Promise<void> {
  const c = client(t.port)
  const waiter = client(t.port)
  const replica = await fakeReplica(t.port)
  try {
    await waitFor(async () => (await info(c)).slave0?.includes('state=online') ?? false, LONG, 'replica online')
    await c.set('k', '1')
    await waiter.ping()
    assert.equal((await info(c, 'clients')).connected_clients, '2', 'replicas are not counted')
    // the replica has not acknowledged: SHUTDOWN blocks its caller
    const first = waiter.call('SHUTDOWN').then(
      () => 'ok',
      (e: Error) => e.message,
    )
    await waitFor(async () => Number((await info(c, 'server')).shutdown_in_milliseconds ?? 0) > 0, LONG, 'shutdown pending')
    assert.equal((await info(c, 'clients')).blocked_clients, '1')
    await waitFor(() => t.log().includes('Waiting for replicas before shutting down.'), LONG, 'waiting logged')
    assert.equal(await c.call('SHUTDOWN', 'ABORT'), 'OK')
    assert.equal(await first, 'ERR Errors trying to SHUTDOWN. Check logs.')
    assert.equal((await info(c, 'server')).shutdown_in_milliseconds, undefined)
    await waitFor(() => t.log().includes('Shutdown manually aborted.'), LONG, 'abort logged')
    await assert.rejects(c.call('SHUTDOWN', 'ABORT'), /No shutdown in progress/)
    // acknowledged: the next SHUTDOWN finishes and says so
    replica.ack(Number((await info(c)).master_repl_offset))
    await waitFor(async () => /offset=(\d+)/.exec((await info(c)).slave0 ?? '')?.[1] === (await info(c)).master_repl_offset, LONG, 'ack seen')
    await c.call('SHUTDOWN', 'NOSAVE').catch(() => undefined)
    await waitFor(() => t.log().includes('is now ready to exit, bye bye'), LONG, 'exited')
    assert.match(t.log(), /1 of 1 replicas are in sync when shutting down\./)
    assert.doesNotMatch(t.log(), /Lagging replica/)
  } finally {
    replica.close()
    c.disconnect()
    waiter.disconnect()
  }
}

async function timeoutScenario(t: Target): Promise<void> {
  const c = client(t.port)
  const replica = await fakeReplica(t.port)
  try {
    await waitFor(async () => (await info(c)).slave0?.includes('state=online') ?? false, LONG, 'replica online')
    await c.config('SET', 'shutdown-timeout', '1')
    await c.set('k', '1')
    void c.call('SHUTDOWN', 'NOSAVE').catch(() => undefined)
    await waitFor(() => t.log().includes('is now ready to exit, bye bye'), LONG, 'exited after the timeout')
    assert.match(t.log(), /# Lagging replica 127\.0\.0\.1:4321 reported offset \d+ behind master, lag=\d+, state=online\./)
    assert.match(t.log(), /0 of 1 replicas are in sync when shutting down\./)
  } finally {
    replica.close()
    c.disconnect()
  }
}

describe('SHUTDOWN waits for a lagging replica (embedded node vs redis-server)', () => {
  const real = new RedisNodes()
  after(() => real.stop())
  const opts = {'repl-diskless-sync': 'no', 'shutdown-timeout': '300'}

  for (const [name, run] of [
    ['blocks, ABORT unblocks, an ACK lets it finish', scenario],
    ['shutdown-timeout ends the wait', timeoutScenario],
  ] as const) {
    test(`embedded: ${name}`, {timeout: 4 * LONG}, async () => {
      const lines: string[] = []
      const n = await embedded(opts, lines)
      await run({port: n.port, log: () => lines.join('\n')})
    })
    test(`redis-server: ${name}`, {timeout: 4 * LONG, skip: redisSkip()}, async () => {
      const file = join(real.root, `shutdown-${Date.now()}.log`)
      const [node] = await real.start(1, {cluster: false, extra: ['--repl-diskless-sync', 'no', '--shutdown-timeout', '300', '--logfile', file]})
      await run({port: node.port, log: () => readFileSync(file, 'utf8')})
    })
  }
})


// Replication under bad input and faults: unreachable master, wrong masterauth, a master that sends
// garbage or a truncated RDB, a replica that disconnects mid-transfer, REPLICAOF to itself, a loop.
// The replica logs clearly, keeps retrying, never crashes and never serves a partial dataset.
import {after, describe, test} from 'node:test'
import assert from 'node:assert/strict'
import net from 'node:net'
import type {Redis} from 'ioredis'
import type {RunningNode} from '../../src/node/index.js'
import {Fleet, client, embedded, fillAllTypes, info, waitFor, waitSynced} from '../helpers/repl.js'
import {freePortPair} from '../helpers/ports.js'

const servers: net.Server[] = []
const fleet = new Fleet()
const node = (overrides: Record<string, string> = {}, log?: string[]) => fleet.node(overrides, log)
after(async () => {
  await fleet.stopAll()
  for (const s of servers) s.close()
})

/** A fake master: answers the handshake, then behaves as `script` says. */
async function fakeMaster(script: (sock: net.Socket) => void): Promise<number> {
  const srv = net.createServer((sock) => {
    let buf = ''
    sock.on('error', () => {})
    sock.on('data', (d) => {
      buf += d.toString('latin1')
      while (buf.includes('\r\n')) {
        // one reply per complete RESP command: count array headers
        const m = /^\*(\d+)\r\n/.exec(buf)
        if (!m) return
        let pos = m[0].length
        const args: string[] = []
        for (let i = 0; i < Number(m[1]); i++) {
          const b = /^\$(\d+)\r\n/.exec(buf.slice(pos))
          if (!b) return
          const start = pos + b[0].length
          if (buf.length < start + Number(b[1]) + 2) return
          args.push(buf.slice(start, start + Number(b[1])))
          pos = start + Number(b[1]) + 2
        }
        buf = buf.slice(pos)
        const cmd = args[0].toUpperCase()
        if (cmd === 'PING') sock.write('+PONG\r\n')
        else if (cmd === 'REPLCONF') sock.write('+OK\r\n')
        else if (cmd === 'PSYNC') script(sock)
      }
    })
  })
  servers.push(srv)
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()))
  return (srv.address() as net.AddressInfo).port
}

async function withData(c: Redis): Promise<void> {
  await c.set('mine', 'kept')
  await c.rpush('list', 'a', 'b')
}

/**
 * A raw "replica": REPLCONF capa eof, its +OK, then PSYNC ? -1 (sent in one batch, redis refuses the
 * PSYNC: "SYNC and PSYNC are invalid with pending output").
 */
async function fakeReplica(port: number): Promise<net.Socket> {
  const sock = net.connect(port, '127.0.0.1')
  await new Promise<void>((r) => sock.once('connect', () => r()))
  sock.write('*3\r\n$8\r\nREPLCONF\r\n$4\r\ncapa\r\n$3\r\neof\r\n')
  await new Promise<void>((resolve, reject) =>
    sock.once('data', (d) => (d.toString() === '+OK\r\n' ? resolve() : reject(new Error(`REPLCONF: ${d.toString()}`)))),
  )
  sock.write('*3\r\n$5\r\nPSYNC\r\n$1\r\n?\r\n$2\r\n-1\r\n')
  return sock
}

describe('replication faults', () => {
  test('an unreachable master: link down, retries, data kept and served', async () => {
    const log: string[] = []
    const {c} = await node({}, log)
    await withData(c)
    const {port} = await freePortPair()
    await c.replicaof('127.0.0.1', String(port))
    await waitFor(() => log.filter((l) => l.includes(`Connecting to MASTER 127.0.0.1:${port}`)).length >= 2, 5000, 'a retry')
    const i = await info(c)
    assert.equal(i.master_link_status, 'down')
    assert.ok(Number(i.master_link_down_since_seconds) >= 0)
    assert.equal(await c.get('mine'), 'kept')
    assert.ok(log.some((l) => l.includes('Error condition on socket for SYNC')))
    await c.replicaof('NO', 'ONE')
    assert.equal(await c.get('mine'), 'kept')
  })

  test('a wrong masterauth is logged and retried', async () => {
    const mn = fleet.adopt(await embedded({requirepass: 'secret'}))
    const log: string[] = []
    const {c} = await node({masterauth: 'wrong'}, log)
    await c.replicaof('127.0.0.1', String(mn.port))
    await waitFor(() => log.some((l) => l.includes('Unable to AUTH to MASTER: WRONGPASS')), 5000, 'auth error logged')
    assert.equal((await info(c)).master_link_status, 'down')
    await c.config('SET', 'masterauth', 'secret')
    const m = fleet.client(mn.port, 'secret')
    await waitSynced(m, c, 10000)
  })

  test('garbage instead of an RDB, and a truncated RDB: old data kept, link retried', async () => {
    for (const [what, script] of [
      ['garbage', (s: net.Socket) => s.write('+FULLRESYNC 0123456789012345678901234567890123456789 0\r\n$20\r\nNOT-AN-RDB-AT-ALL!!!')],
      ['truncated', (s: net.Socket) => {
        s.write('+FULLRESYNC 0123456789012345678901234567890123456789 0\r\n$1000\r\nREDIS0010\xfa\x09redis-ver')
        setTimeout(() => s.destroy(), 50)
      }],
      ['bad framing', (s: net.Socket) => s.write('+FULLRESYNC 0123456789012345678901234567890123456789 0\r\nHELLO\r\n')],
    ] as const) {
      const port = await fakeMaster(script)
      const log: string[] = []
      const {c} = await node({}, log)
      await withData(c)
      await c.replicaof('127.0.0.1', String(port))
      // the retry: 'Reconnecting to MASTER ... after failure' once the transfer began (redis cancelReplicationHandshake)
      await waitFor(() => log.filter((l) => /(Connecting|Reconnecting) to MASTER/.test(l)).length >= 2, 6000, `${what}: a retry`)
      assert.equal(await c.get('mine'), 'kept', what)
      assert.deepEqual(await c.lrange('list', 0, -1), ['a', 'b'], what)
      assert.equal((await info(c)).master_link_status, 'down', what)
      assert.ok(log.some((l) => l.includes('#') && /MASTER|connection lost|Bad protocol/.test(l)), `${what}: ${log.join('\n')}`)
      await c.replicaof('NO', 'ONE')
    }
  })

  test('a replica that disconnects mid-transfer leaves the master healthy', async () => {
    const {n: mn, c: m} = await node({'repl-diskless-sync': 'no'})
    await fillAllTypes(m, 2000)
    const sock = await fakeReplica(mn.port)
    await new Promise<void>((r) => sock.once('data', () => r()))
    sock.destroy()
    await waitFor(async () => (await info(m)).connected_slaves === '0', 5000, 'replica dropped')
    const {c: r} = await node()
    await r.replicaof('127.0.0.1', String(mn.port))
    await waitSynced(m, r)
    assert.equal(await r.dbsize(), await m.dbsize())
  })

  test('REPLICAOF itself and a replication loop: NOMASTERLINK, retries, no crash', async () => {
    const {n: an, c: a} = await node()
    const {n: bn, c: b} = await node()
    await withData(a)
    await a.replicaof('127.0.0.1', String(an.port))
    await new Promise((r) => setTimeout(r, 300))
    assert.equal((await info(a)).master_link_status, 'down')
    assert.equal(await a.get('mine'), 'kept')
    await a.replicaof('127.0.0.1', String(bn.port))
    await b.replicaof('127.0.0.1', String(an.port))
    await new Promise((r) => setTimeout(r, 1500))
    assert.equal((await info(a)).master_link_status, 'down')
    assert.equal((await info(b)).master_link_status, 'down')
    assert.equal(await a.ping(), 'PONG')
    assert.equal(await b.ping(), 'PONG')
    await a.replicaof('NO', 'ONE')
    await waitSynced(a, b, 10000)
    assert.equal(await b.get('mine'), 'kept')
  })

  test('a replica that cannot keep up is dropped at the output-buffer limit', async () => {
    const log: string[] = []
    const {n: mn, c: m} = await node({'client-output-buffer-limit': 'normal 0 0 0 replica 1mb 0 0 pubsub 0 0 0'}, log)
    // A "replica" that never reads: the master must drop it instead of buffering without bound.
    const sock = await fakeReplica(mn.port)
    await waitFor(async () => (await info(m)).connected_slaves === '1', 5000, 'replica attached')
    sock.pause()
    const big = 'z'.repeat(64 * 1024)
    for (let i = 0; i < 200 && !log.some((l) => l.includes('overcoming of output buffer limits')); i++) await m.set(`big${i % 10}`, big)
    await waitFor(async () => (await info(m)).connected_slaves === '0', 5000, 'replica dropped')
    assert.ok(log.some((l) => l.includes('scheduled to be closed ASAP for overcoming of output buffer limits')))
    sock.destroy()
  })
})

// Client memory against redis-server 7.0: CLIENT LIST memory fields (qbuf, qbuf-free, argv-mem,
// multi-mem, tot-mem) for the same client states, client-output-buffer-limit for normal and
// pub/sub clients (closed with no reply, stopped mid-command), and client eviction
// (maxmemory-clients, CLIENT NO-EVICT, INFO evicted_clients), run on both engines side by side.
import {test} from 'node:test'
import assert from 'node:assert/strict'
import * as net from 'node:net'
import {pairSuite} from './harness.js'
import type {Redis} from 'ioredis'
import {client, waitFor} from '../helpers/repl.js'

async function raw(port: number): Promise<{sock: net.Socket; got: () => number; closed: () => boolean}> {
  const sock = net.connect(port, '127.0.0.1')
  let bytes = 0
  let closed = false
  sock.on('data', (b) => (bytes += b.length))
  sock.on('error', () => {})
  sock.on('close', () => (closed = true))
  await new Promise<void>((r) => sock.once('connect', () => r()))
  return {sock, got: () => bytes, closed: () => closed}
}

function field(line: string, f: string): string {
  const m = new RegExp(`(?:^| )${f}=(\\S*)`).exec(line)
  if (!m) throw new Error(`no ${f} in ${line}`)
  return m[1]
}

/** The CLIENT LIST line of the client named `name`, asked over `c` (a CLIENT NO-EVICT client). */
async function clientLine(c: Redis, name: string): Promise<string | undefined> {
  const list = (await c.call('CLIENT', 'LIST')) as string
  return list.split('\n').find((l) => l.includes(` name=${name} `))
}

const MEM_FIELDS = ['qbuf', 'qbuf-free', 'argv-mem', 'multi-mem', 'omem']

/** Memory fields of clients in known states; tot-mem less rbs (the reply buffer resizes on a timer). */
async function memoryStates(port: number): Promise<Record<string, string>> {
  const out: Record<string, string> = {}
  const c = client(port)
  const self = (await c.call('CLIENT', 'INFO')) as string
  for (const f of MEM_FIELDS) out[`self.${f}`] = field(self, f)
  out['self.tot-mem-rbs'] = String(Number(field(self, 'tot-mem')) - Number(field(self, 'rbs')))
  // a client half way through a 1,000,000-byte argument
  const big = await raw(port)
  big.sock.write('CLIENT SETNAME big\r\n*2\r\n$1000000\r\n' + 'v'.repeat(600000))
  // a client in MULTI with queued commands and a watched key
  const tx = await raw(port)
  tx.sock.write('CLIENT SETNAME tx\r\nWATCH w1\r\nMULTI\r\nSET a 1\r\nSET bb 22\r\nSET ccc 333\r\n')
  await waitFor(async () => field((await clientLine(c, 'big')) ?? 'qbuf=0', 'qbuf') === '600000', 5000, 'big qbuf')
  await waitFor(async () => field((await clientLine(c, 'tx')) ?? 'multi=0', 'multi') === '3', 5000, 'tx queued')
  for (const name of ['big', 'tx']) {
    const l = (await clientLine(c, name))!
    for (const f of MEM_FIELDS) out[`${name}.${f}`] = field(l, f)
    out[`${name}.tot-mem-rbs`] = String(Number(field(l, 'tot-mem')) - Number(field(l, 'rbs')))
  }
  // clientsCron records the largest input buffer of the last seconds (INFO clients)
  await waitFor(async () => Number(/client_recent_max_input_buffer:(\d+)/.exec(await c.info('clients'))![1]) >= 1000000, 5000, 'recent max input buffer')
  big.sock.destroy()
  tx.sock.destroy()
  c.disconnect()
  return out
}

interface LimitOutcome {
  lrangeBytes: number
  lrangeClosed: boolean
  pipelineClosed: boolean
  pipelineBytes: number
  execClosed: boolean
  k3: string | null
  hrandClosed: boolean
  subscriberClosed: boolean
}

async function outputLimits(port: number): Promise<LimitOutcome> {
  const c = client(port)
  await c.flushall()
  await c.config('SET', 'client-output-buffer-limit', 'normal 100000 0 0')
  for (let i = 0; i < 150; i++) await c.lpush('mylist', 'x'.repeat(1000))
  await c.set('bigkey', 'y'.repeat(10000))
  // one command whose reply is over the hard limit: closed, nothing written
  const a = await raw(port)
  a.sock.write('LRANGE mylist 0 -1\r\n')
  await waitFor(() => a.closed(), 5000, 'lrange client closed')
  // a pipeline: replies of the commands before the limit are not written either
  const b = await raw(port)
  b.sock.write('SET p 1\r\nGET p\r\n' + 'GET bigkey\r\n'.repeat(15))
  await waitFor(() => b.closed(), 5000, 'pipeline client closed')
  // a transaction runs to its end, then the client goes
  const t = await raw(port)
  t.sock.write('MULTI\r\nSET k2 v2\r\nLRANGE mylist 0 -1\r\nSET k3 v3\r\nEXEC\r\n')
  await waitFor(() => t.closed(), 5000, 'exec client closed')
  // a reply of a client-chosen size stops once over the limit
  await c.config('SET', 'client-output-buffer-limit', 'normal 1000000 0 0')
  await c.hset('myhash', 'a', 'b')
  const h = await raw(port)
  h.sock.write('HRANDFIELD myhash -999999999\r\n')
  await waitFor(() => h.closed(), 10000, 'hrandfield client closed')
  // a subscriber that does not read, over the pub/sub hard limit
  await c.config('SET', 'client-output-buffer-limit', 'pubsub 100000 0 0')
  const s = await raw(port)
  s.sock.write('CLIENT SETNAME sub\r\nSUBSCRIBE ch\r\n')
  await waitFor(() => s.got() > 0, 5000, 'subscribed')
  s.sock.pause()
  const payload = 'z'.repeat(10000)
  // (a paused socket never sees the server's close: ask the server)
  let subscriberClosed = false
  for (let i = 0; i < 5000 && !subscriberClosed; i++) {
    await c.publish('ch', payload)
    if (i % 50 === 49) subscriberClosed = (await clientLine(c, 'sub')) === undefined
  }
  for (const r of [a, b, t, h, s]) r.sock.destroy()
  const k3 = await c.get('k3')
  await c.config('SET', 'client-output-buffer-limit', 'normal 0 0 0 pubsub 33554432 8388608 60')
  c.disconnect()
  return {
    lrangeBytes: a.got(),
    lrangeClosed: a.closed(),
    pipelineClosed: b.closed(),
    pipelineBytes: b.got(),
    execClosed: t.closed(),
    k3,
    hrandClosed: h.closed(),
    subscriberClosed,
  }
}

interface EvictionOutcome {
  evictedBig: boolean
  keptNoEvict: boolean
  evictedClients: string
  controlAlive: string
}

async function eviction(port: number): Promise<EvictionOutcome> {
  const c = client(port)
  await c.call('CLIENT', 'NO-EVICT', 'on')
  await c.config('SET', 'maxmemory-clients', '300000')
  const before = Number(/evicted_clients:(\d+)/.exec(await c.info('stats'))![1])
  // over the limit with a half-read argument: evicted
  const a = await raw(port)
  a.sock.write('CLIENT SETNAME hog\r\n*2\r\n$400000\r\n' + 'v'.repeat(400000))
  await waitFor(() => a.closed(), 5000, 'hog evicted')
  // the same with CLIENT NO-EVICT on: kept
  const b = await raw(port)
  b.sock.write('CLIENT NO-EVICT on\r\nCLIENT SETNAME keeper\r\n*2\r\n$400000\r\n' + 'v'.repeat(400000))
  await waitFor(async () => field((await clientLine(c, 'keeper')) ?? 'qbuf=0', 'qbuf') === '400000', 5000, 'keeper qbuf')
  const keptNoEvict = !b.closed() && Number(field((await clientLine(c, 'keeper'))!, 'tot-mem')) > 300000
  b.sock.destroy()
  const evicted = Number(/evicted_clients:(\d+)/.exec(await c.info('stats'))![1]) - before
  await c.config('SET', 'maxmemory-clients', '0')
  const alive = await c.ping()
  c.disconnect()
  return {evictedBig: a.closed(), keptNoEvict, evictedClients: String(evicted), controlAlive: alive}
}

pairSuite('client memory, output buffer limits, client eviction', {}, (pair) => {

  test('CLIENT LIST memory fields of the same client states', async () => {
    assert.deepEqual(await memoryStates(pair.node.port), await memoryStates(pair.real.port))
  })

  test('client-output-buffer-limit normal and pubsub: closed without a reply, transactions complete', async () => {
    const [n, r] = [await outputLimits(pair.node.port), await outputLimits(pair.real.port)]
    assert.deepEqual(n, r)
    assert.equal(n.lrangeBytes, 0)
    assert.equal(n.k3, 'v3')
  })

  test('maxmemory-clients evicts the client over it, not a CLIENT NO-EVICT one', async () => {
    const [n, r] = [await eviction(pair.node.port), await eviction(pair.real.port)]
    assert.deepEqual(n, r)
    assert.deepEqual(n, {evictedBig: true, keptNoEvict: true, evictedClients: '1', controlAlive: 'PONG'})
  })
})

/**
 * KEYS replies of two sizes against a 100,000-byte normal limit: which are cut. Redis counts its
 * reply list in allocated blocks (each ~20 KB usable, plus a list node), not in reply bytes, so a
 * 112 KB reply is over the limit although its bytes past the 16 KB buffer are 96 KB (the node cut
 * nothing under 117 KB before). Between ~85 and ~100 KB the engines differ: a reply redis starts
 * with a deferred length (KEYS) skips its static buffer, which the node does not model (README).
 */
async function cutAt(port: number): Promise<string[]> {
  const c = client(port)
  await c.flushall()
  await c.config('SET', 'client-output-buffer-limit', 'normal 100000 0 0')
  const out: string[] = []
  const prefix = 'long-key-name-prefix-of-100-chars-' + '-'.repeat(66)
  let n = 0
  for (const size of [700, 1000]) {
    const p = c.pipeline()
    for (; n < size; n++) p.set(`${prefix}${n}`, 'x')
    await p.exec()
    const r = await raw(port)
    r.sock.write('KEYS *\r\n')
    await waitFor(async () => r.closed() || r.got() > 0, 5000, 'a reply or the close')
    await new Promise((res) => setTimeout(res, 50))
    out.push(`${size}: ${r.closed() && r.got() === 0 ? 'cut' : 'sent'}`)
    r.sock.destroy()
  }
  await c.config('SET', 'client-output-buffer-limit', 'normal 0 0 0 pubsub 33554432 8388608 60')
  await c.flushall()
  c.disconnect()
  return out
}

pairSuite('client output counted in reply blocks', {}, (pair) => {
  test('a normal client is cut where redis-server cuts it: its reply list counted in blocks', async () => {
    const [n, r] = [await cutAt(pair.node.port), await cutAt(pair.real.port)]
    assert.deepEqual(n, r)
    assert.deepEqual(r, ['700: sent', '1000: cut'])
  })
})

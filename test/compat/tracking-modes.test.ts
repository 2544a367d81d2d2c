// CLIENT TRACKING's modes across connections, byte for byte against redis-server 7.0: what every
// connection receives after each step (replies, pushes, __redis__:invalidate messages, in their
// order on the wire), client ids shown as the connection's token. Found by the command fuzzer's
// --track-modes and --clients 2 (test/compat/fuzz-clients.ts).
import {test} from 'node:test'
import assert from 'node:assert/strict'
import net from 'node:net'
import {encode} from '../../src/resp/writer.js'
import {pairSuite} from './harness.js'

interface Conn {
  resp: 2 | 3
  /** SUBSCRIBE __redis__:invalidate (a RESP2 redirect target) */
  subscribe?: boolean
}
/** [connection, argv]: `@cN` in an argument is connection N's client id */
type Step = [number, string[]]

class Wire {
  data = ''
  private constructor(readonly sock: net.Socket) {
    sock.on('data', (d) => (this.data += d.toString('latin1')))
  }
  static open(port: number): Promise<Wire> {
    return new Promise((resolve, reject) => {
      const s = net.connect(port, '127.0.0.1', () => resolve(new Wire(s)))
      s.once('error', reject)
    })
  }
  send(argv: string[]): void {
    this.sock.write(Buffer.from(encode.command(argv), 'latin1'))
  }
}

const settle = async (ws: Wire[]): Promise<void> => {
  // until nothing more arrives for 25 ms (every reply and push of the step)
  for (let last = ''; ; ) {
    await new Promise((r) => setTimeout(r, 25))
    const now = ws.map((w) => w.data).join('\u0001')
    if (now === last) return
    last = now
  }
}

async function transcript(port: number, conns: Conn[], steps: Step[]): Promise<string[]> {
  const ws = await Promise.all(conns.map(() => Wire.open(port)))
  try {
    const ids: string[] = []
    for (const [i, c] of conns.entries()) {
      ws[i].send(['CLIENT', 'ID'])
      await settle(ws)
      ids.push(/^:(\d+)\r\n$/.exec(ws[i].data)![1])
      if (c.resp === 3) ws[i].send(['HELLO', '3'])
      if (c.subscribe) ws[i].send(['SUBSCRIBE', '__redis__:invalidate'])
      await settle(ws)
    }
    ws[0].send(['FLUSHALL'])
    await settle(ws)
    ws.forEach((w) => (w.data = ''))
    const out: string[] = []
    const named = (s: string): string => ids.reduce((acc, id, i) => acc.split(`:${id}\r\n`).join(`:@c${i}\r\n`), s)
    for (const [i, argv] of steps) {
      if (argv[0] === '(close)') {
        ws[i].sock.destroy()
        await new Promise((r) => setTimeout(r, 50))
        out.push(`${i} closed`)
        continue
      }
      ws[i].send(argv.map((a) => (/^@c\d$/.test(a) ? ids[Number(a.slice(2))] : a)))
      for (const until = Date.now() + 2000; ws[i].data === '' && Date.now() < until; ) await new Promise((r) => setTimeout(r, 5))
      await settle(ws)
      out.push(`${i}> ${argv.join(' ')}`)
      for (const [j, w] of ws.entries()) if (w.data !== '') out.push(`  ${j}< ${JSON.stringify(named(w.data))}`)
      ws.forEach((w) => (w.data = ''))
    }
    return out
  } finally {
    ws.forEach((w) => w.sock.destroy())
  }
}

const SCENARIOS: [string, Conn[], Step[]][] = [
  [
    // checkPrefixCollisionsOrReply returns the index of a new prefix that overlaps a later one: past
    // the first, the caller takes it for success (7.0.15): the error, then the prefixes, then +OK
    'overlapping new prefixes past the first: an error, then tracking on and +OK',
    [{resp: 3}, {resp: 2}],
    [
      [0, ['CLIENT', 'TRACKING', 'ON', 'BCAST', 'PREFIX', 'q', 'PREFIX', 's', 'PREFIX', 's1']],
      [0, ['CLIENT', 'TRACKINGINFO']],
      [1, ['SET', 's1x', '1']],
      [0, ['CLIENT', 'TRACKING', 'OFF']],
      [0, ['CLIENT', 'TRACKING', 'ON', 'BCAST', 'PREFIX', 's', 'PREFIX', 's1']],
      [0, ['CLIENT', 'TRACKINGINFO']],
      // (%s: a prefix stops at a NUL byte in the error text)
      [1, ['CLIENT', 'TRACKING', 'ON', 'BCAST', 'PREFIX', 'a\x00b', 'PREFIX', 'a\x00b']],
      [1, ['CLIENT', 'TRACKING', 'ON', 'BCAST', 'PREFIX', 'x', 'PREFIX', 'a\x00b', 'PREFIX', 'a\x00bc']],
      [1, ['CLIENT', 'TRACKINGINFO']],
    ],
  ],
  [
    // the client's prefixes are a radix tree: the first overlapping one in byte order is named
    'an overlap with the existing prefixes names the first in byte order',
    [{resp: 2}],
    [
      [0, ['CLIENT', 'TRACKING', 'ON', 'BCAST', 'PREFIX', 'b', 'PREFIX', 'a']],
      [0, ['CLIENT', 'TRACKING', 'ON', 'BCAST', 'PREFIX', '']],
      [0, ['CLIENT', 'TRACKING', 'ON', 'BCAST', 'PREFIX', 'bc']],
    ],
  ],
  [
    'broadcasts go out prefix by prefix in byte order, not in the order they were registered',
    [{resp: 3}, {resp: 2}],
    [
      [0, ['CLIENT', 'TRACKING', 'ON', 'BCAST', 'PREFIX', 's', 'PREFIX', 'l', 'PREFIX', 'h']],
      [1, ['MSET', 'l1', 'x', 's1', 'y', 'h1', 'z']],
      [0, ['MSET', 's2', 'x', 'l2', 'y']],
    ],
  ],
  [
    // sendTrackingMessage writes at once into the running client's reply when it is the target
    "another client's invalidation redirected to the running client comes inside its reply",
    [{resp: 2}, {resp: 3}],
    [
      [0, ['CLIENT', 'TRACKING', 'ON', 'REDIRECT', '@c1']],
      [0, ['GET', 'k']],
      [1, ['SET', 'k', '1']],
      [0, ['GET', 'k']],
      [1, ['MULTI']],
      [1, ['PING']],
      [1, ['SET', 'k', '2']],
      [1, ['ECHO', 'after']],
      [1, ['EXEC']],
      [0, ['GET', 'k']],
      [1, ['FLUSHALL']],
    ],
  ],
  [
    // NOLOOP compares the client signalModifiedKey names, a script's Lua client for its writes
    'BCAST NOLOOP: a client hears of the writes of its own scripts',
    [{resp: 3}],
    [
      [0, ['CLIENT', 'TRACKING', 'ON', 'BCAST', 'NOLOOP']],
      [0, ['SET', 'k', '1']],
      [0, ['EVAL', "return redis.call('SET', KEYS[1], '2')", '1', 'k']],
      [0, ['FCALL', 'nosuch', '0']],
      [0, ['MSET', 'k', '3', 'j', '1']],
    ],
  ],
  [
    // trackingHandlePendingKeyInvalidations sends what the transaction left pending whatever the
    // tracking flag is by then, to client_tracking_redirection, which CLIENT TRACKING OFF keeps
    'a transaction that writes a key it read and turns tracking off still gets the invalidation',
    [{resp: 3}, {resp: 2}, {resp: 3}],
    [
      [0, ['CLIENT', 'TRACKING', 'ON']],
      [0, ['GET', 'k']],
      [0, ['MULTI']],
      [0, ['SET', 'k', '1']],
      [0, ['CLIENT', 'TRACKING', 'OFF']],
      [0, ['EXEC']],
      [1, ['CLIENT', 'TRACKING', 'ON', 'REDIRECT', '@c2']],
      [1, ['GET', 'j']],
      [1, ['MULTI']],
      [1, ['SET', 'j', '1']],
      [1, ['CLIENT', 'TRACKING', 'OFF']],
      [1, ['EXEC']],
      [1, ['CLIENT', 'GETREDIR']],
    ],
  ],
  [
    // the first tracking client turns it on inside its transaction: its own later writes there are
    // its own (NOLOOP), and its invalidations follow EXEC's reply
    'tracking turned on inside a transaction by the first tracking client',
    [{resp: 2}, {resp: 2, subscribe: true}, {resp: 3}],
    [
      [0, ['MULTI']],
      [0, ['CLIENT', 'TRACKING', 'ON', 'NOLOOP', 'REDIRECT', '@c1', 'OPTOUT']],
      [0, ['GET', 's1']],
      [0, ['APPEND', 's1', 'x']],
      [0, ['EXEC']],
      [0, ['CLIENT', 'TRACKING', 'OFF']],
      [2, ['MULTI']],
      [2, ['CLIENT', 'TRACKING', 'ON']],
      [2, ['GET', 's1']],
      [2, ['APPEND', 's1', 'x']],
      [2, ['EXEC']],
    ],
  ],
  [
    // resetClient keeps CLIENT CACHING's flag after a command whose proc is clientCommand: a CLIENT
    // subcommand that exists, even refused for its arity; not after CLIENT alone or an unknown one
    'CLIENT CACHING yes lasts over a CLIENT subcommand, not over an unknown one',
    [{resp: 3}, {resp: 2}],
    [
      [0, ['CLIENT', 'TRACKING', 'ON', 'OPTIN']],
      [0, ['CLIENT', 'CACHING', 'yes']],
      [0, ['CLIENT', 'NOSUCH']],
      [0, ['GET', 'k']],
      [1, ['SET', 'k', '1']],
      [0, ['CLIENT', 'CACHING', 'yes']],
      [0, ['CLIENT', 'TRACKINGINFO', 'x']],
      [0, ['GET', 'k']],
      [1, ['SET', 'k', '2']],
      [0, ['CLIENT', 'CACHING', 'yes']],
      [0, ['CLIENT']],
      [0, ['GET', 'k']],
      [1, ['SET', 'k', '3']],
      [0, ['CLIENT', 'CACHING', 'yes']],
      [0, ['CLIENT', 'GETNAME']],
      [0, ['GET', 'k']],
      [1, ['SET', 'k', '4']],
    ],
  ],
  [
    'a redirection whose target has gone',
    [{resp: 3}, {resp: 3}, {resp: 2}],
    [
      [0, ['CLIENT', 'TRACKING', 'ON', 'REDIRECT', '@c1']],
      [2, ['CLIENT', 'TRACKING', 'ON', 'REDIRECT', '@c1', 'BCAST', 'PREFIX', 'k']],
      [0, ['GET', 'k']],
      [1, ['(close)']],
      [0, ['SET', 'k', '1']],
      [0, ['CLIENT', 'TRACKINGINFO']],
      [0, ['CLIENT', 'GETREDIR']],
      [2, ['CLIENT', 'TRACKINGINFO']],
      [0, ['GET', 'k']],
      [2, ['SET', 'k', '2']],
      [0, ['CLIENT', 'TRACKING', 'OFF']],
      [0, ['CLIENT', 'TRACKINGINFO']],
    ],
  ],
]

pairSuite('client tracking modes across connections', {}, (p) => {
  for (const [name, conns, steps] of SCENARIOS) {
    test(name, async () => {
      const real = await transcript(p.redisPort, conns, steps)
      const ours = await transcript(p.ourPort, conns, steps)
      assert.deepEqual(ours, real)
    })
  }
})

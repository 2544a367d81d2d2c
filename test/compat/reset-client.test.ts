// redis resetClient, after every command the client sent — also one refused before it ran (unknown
// command, wrong arity, NOAUTH-free refusals such as a cross-slot error) and an empty command (`*0`):
// CLIENT REPLY SKIP's skip is used up, ASKING lapses outside MULTI unless the command was ASKING
// itself (even refused for its arity), CLIENT CACHING lapses unless it was a CLIENT subcommand.
// Two-node clusters side by side: node B imports the slot of `k` from node A, which owns every
// slot, so a GET k on B answers only while ASKING holds (otherwise -MOVED to A).
import {describe, test} from 'node:test'
import assert from 'node:assert/strict'
import {redisSkip} from '../helpers/redis-server.js'
import {client, embedded, mixedNodes, waitFor} from '../helpers/repl.js'
import {freePort, RawClient, type Reply} from './harness.js'

const skip = redisSkip()
// slot of `k` (7629)
const SLOT = '7629'

/** A step: a command (argv) or raw request bytes sent as they are. */
type Step = string[] | {raw: string}

const CASES: Record<string, Step[]> = {
  'ASKING then GET': [['ASKING'], ['GET', 'k']],
  'ASKING, unknown command': [['ASKING'], ['NOSUCHCMD'], ['GET', 'k']],
  'ASKING, unknown subcommand': [['ASKING'], ['CLIENT', 'NOSUCH'], ['GET', 'k']],
  'ASKING, wrong arity': [['ASKING'], ['GET'], ['GET', 'k']],
  'ASKING, ASKING with an argument (arity) keeps it': [['ASKING'], ['ASKING', 'x'], ['GET', 'k']],
  'ASKING, cross-slot refusal': [['ASKING'], ['MGET', 'k', 'other'], ['GET', 'k']],
  'ASKING, empty command': [['ASKING'], {raw: '*0\r\n'}, ['GET', 'k']],
  'ASKING, empty inline line': [['ASKING'], {raw: '\r\n'}, ['GET', 'k']],
  'ASKING, PING': [['ASKING'], ['PING'], ['GET', 'k']],
  'ASKING inside MULTI': [['MULTI'], ['ASKING'], ['NOSUCHCMD'], ['GET', 'k'], ['EXEC']],
  'ASKING before MULTI': [['ASKING'], ['MULTI'], ['GET', 'k'], ['EXEC'], ['GET', 'k']],
  'REPLY SKIP, unknown command': [['CLIENT', 'REPLY', 'SKIP'], ['NOSUCHCMD'], ['PING']],
  'REPLY SKIP, wrong arity': [['CLIENT', 'REPLY', 'SKIP'], ['GET'], ['PING']],
  'REPLY SKIP, empty command': [['CLIENT', 'REPLY', 'SKIP'], {raw: '*0\r\n'}, ['PING']],
  'CACHING, unknown command': [['CLIENT', 'TRACKING', 'ON', 'OPTIN'], ['CLIENT', 'CACHING', 'YES'], ['NOSUCHCMD'], ['CLIENT', 'TRACKINGINFO']],
  'CACHING, CLIENT subcommand with bad arity': [['CLIENT', 'TRACKING', 'ON', 'OPTIN'], ['CLIENT', 'CACHING', 'YES'], ['CLIENT', 'GETNAME', 'x'], ['CLIENT', 'TRACKINGINFO']],
  'CACHING, wrong arity': [['CLIENT', 'TRACKING', 'ON', 'OPTIN'], ['CLIENT', 'CACHING', 'YES'], ['GET'], ['CLIENT', 'TRACKINGINFO']],
  'CACHING, empty command': [['CLIENT', 'TRACKING', 'ON', 'OPTIN'], ['CLIENT', 'CACHING', 'YES'], {raw: '*0\r\n'}, ['CLIENT', 'TRACKINGINFO']],
}

describe('resetClient after refused and empty commands, vs redis-server', {skip}, () => {
  const {real, nodes, clients} = mixedNodes()

  /** B's port and A's, B importing SLOT from A (which owns every slot and holds k). */
  async function importing(kind: 'real' | 'embedded'): Promise<{a: number; b: number}> {
    let ports: {port: number; busPort: number}[]
    if (kind === 'real') ports = await real.start(2, {cluster: true})
    else {
      ports = []
      for (let i = 0; i < 2; i++) {
        const port = await freePort()
        const busPort = await freePort()
        nodes.push(await embedded({port: String(port), 'cluster-enabled': 'yes', 'cluster-port': String(busPort), 'cluster-config-file': 'nodes.conf'}))
        ports.push({port, busPort})
      }
    }
    const [a, b] = ports.map((n) => {
      const c = client(n.port)
      clients.push(c)
      return c
    })
    await a.call('CLUSTER', 'ADDSLOTSRANGE', '0', '16383')
    await a.call('CLUSTER', 'MEET', '127.0.0.1', String(ports[1].port), String(ports[1].busPort))
    const aId = (await a.call('CLUSTER', 'MYID')) as string
    await waitFor(async () => ((await b.call('CLUSTER', 'NODES')) as string).includes(`${aId} 127.0.0.1:${ports[0].port}`), 15000, 'B knows A')
    await waitFor(async () => ((await b.call('CLUSTER', 'SLOTS')) as unknown[]).length === 1, 15000, 'B knows the slots')
    for (const c of [a, b]) await waitFor(async () => ((await c.call('CLUSTER', 'INFO')) as string).includes('cluster_state:ok'), 15000, 'cluster ok')
    await a.set('k', 'v')
    await b.call('CLUSTER', 'SETSLOT', SLOT, 'IMPORTING', aId)
    return {a: ports[0].port, b: ports[1].port}
  }

  async function run(port: number, aPort: number, steps: Step[]): Promise<Reply[]> {
    const c = await RawClient.connect(port)
    try {
      const out: Reply[] = []
      for (const s of steps) {
        if (Array.isArray(s)) c.send(s)
        else c.sendRaw(s.raw)
        // a suppressed reply or an empty command answers nothing: read only what arrives
        const r = await c.readWithin(Array.isArray(s) ? 1000 : 200)
        out.push(typeof r === 'string' ? r.replace(`:${aPort}`, ':<A>') : r === undefined ? '<none>' : r)
      }
      return out
    } finally {
      c.close()
    }
  }

  test('replies match', async () => {
    const r = await importing('real')
    const e = await importing('embedded')
    for (const [name, steps] of Object.entries(CASES)) {
      const want = await run(r.b, r.a, steps)
      const got = await run(e.b, e.a, steps)
      assert.deepEqual(got, want, name)
    }
  })
})

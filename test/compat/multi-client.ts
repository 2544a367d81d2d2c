// Differential scripts over several connections: each step names the client that sends it, so a
// transaction on one connection can watch what another one does between MULTI and EXEC (WATCH,
// a replica going stale, maxmemory changing). A step `['sleep', ms]` waits on the test side.
import {test} from 'node:test'
import assert from 'node:assert/strict'
import {splitArgs} from '../../src/resp/parser.js'
import {pairSuite, RawClient, type Reply} from './harness.js'

export type ClientStep = [client: number, cmd: string] | ['sleep', number] | {client: number; cmd: string; normalize: (r: Reply) => Reply}

async function run(port: number, clients: number, steps: ClientStep[]): Promise<{cmd: string; reply: Reply}[]> {
  const cs: RawClient[] = []
  for (let i = 0; i < clients; i++) cs.push(await RawClient.connect(port))
  try {
    await cs[0].call(['FLUSHALL'])
    const out: {cmd: string; reply: Reply}[] = []
    for (const step of steps) {
      if (Array.isArray(step) && step[0] === 'sleep') {
        await new Promise((r) => setTimeout(r, step[1]))
        continue
      }
      const [client, cmd, normalize] = Array.isArray(step) ? [step[0] as number, step[1] as string, undefined] : [step.client, step.cmd, step.normalize]
      const argv = splitArgs(cmd)
      if (!argv) throw new Error(`bad script line ${cmd}`)
      const reply = await cs[client].call(argv)
      out.push({cmd: `${client}: ${cmd}`, reply: normalize ? normalize(reply) : reply})
    }
    return out
  } finally {
    for (const c of cs) c.close()
  }
}

/** Compare a multi-connection script on redis-server and on an embedded node (both with DEBUG enabled). */
export function multiClientSuite(name: string, clients: number, steps: ClientStep[]): void {
  pairSuite(name, {redisArgs: ['--enable-debug-command', 'yes'], nodeOverrides: {'enable-debug-command': 'yes'}}, (p) => {
    test(`${name}: replies match redis-server`, async () => {
      const expected = await run(p.redisPort, clients, steps)
      const actual = await run(p.ourPort, clients, steps)
      assert.equal(actual.length, expected.length)
      for (let i = 0; i < expected.length; i++) assert.deepEqual(actual[i].reply, expected[i].reply, `step ${i}: ${actual[i].cmd}`)
    })
  })
}

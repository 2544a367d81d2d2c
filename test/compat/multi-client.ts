// Differential scripts over several connections: each step names the client that sends it, so a
// transaction on one connection can watch what another one does between MULTI and EXEC (WATCH,
// a replica going stale, maxmemory changing). A step `['sleep', ms]` waits on the test side.
import {describe, test, before, after} from 'node:test'
import assert from 'node:assert/strict'
import {mkdtempSync, rmSync} from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {splitArgs} from '../../src/resp/parser.js'
import {startNode, type RunningNode} from '../../src/node/index.js'
import {RawClient, redisServerAvailable, startRedisServer, type RealRedis, type Reply} from './harness.js'

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
  const available = redisServerAvailable()
  const required = process.env.REDIS_TS_REQUIRE_REDIS === '1'
  describe(`compat: ${name}`, {skip: !available && !required ? 'redis-server not on PATH' : false}, () => {
    let real: RealRedis
    let node: RunningNode
    let dir: string | undefined
    before(async () => {
      if (!available) throw new Error('REDIS_TS_REQUIRE_REDIS=1 but redis-server is not on PATH')
      real = await startRedisServer(['--enable-debug-command', 'yes'])
      dir = mkdtempSync(path.join(os.tmpdir(), 'redis-ts-compat-'))
      node = await startNode({overrides: {port: '0', bind: '127.0.0.1', save: '', dir, 'enable-debug-command': 'yes'}, silent: true})
    })
    after(async () => {
      await real?.stop()
      await node?.stop()
      if (dir) rmSync(dir, {recursive: true, force: true})
    })
    test(`${name}: replies match redis-server`, async () => {
      const expected = await run(real.port, clients, steps)
      const actual = await run(node.port, clients, steps)
      assert.equal(actual.length, expected.length)
      for (let i = 0; i < expected.length; i++) assert.deepEqual(actual[i].reply, expected[i].reply, `step ${i}: ${actual[i].cmd}`)
    })
  })
}

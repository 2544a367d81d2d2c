// Client command coverage: every Redis 7.0 command and subcommand that ioredis (its @ioredis/commands
// table) and node-redis (@redis/client's command modules) can send is known to the embedded node,
// standalone and cluster-enabled, exactly as it is to redis-server 7.0.15. Each command is sent
// through the client's own method / argument builder inside MULTI and then DISCARDed, so the
// server checks it (name, subcommand, arity: "QUEUED" or an error) but never runs it; a reply
// "unknown command" or "unknown subcommand" is a failure. Commands newer than 7.0 (not in
// redis-server 7.0.15's COMMAND LIST) are out of scope. redis-py is covered by its own suite
// (bench/suites/redis-py.sh).
import {after, before, describe, test} from 'node:test'
import assert from 'node:assert/strict'
import {mkdtempSync, rmSync} from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {Redis} from 'ioredis'
import {list as ioredisCommands} from '@ioredis/commands'
import {createClient} from 'redis'
import nodeRedisIndex from '@redis/client/dist/lib/commands/index.js'
import {BasicCommandParser} from '@redis/client/dist/lib/client/parser.js'
import {startNode, type RunningNode} from '../../src/node/index.js'
import {redisServerAvailable, startRedisServer, type RealRedis} from './harness.js'

const skip = !redisServerAvailable() && process.env.REDIS_TS_REQUIRE_REDIS !== '1' ? 'redis-server not on PATH' : false
const UNKNOWN = /unknown (sub)?command/i
// CJS module: its command table is the `default` export.
const nodeRedisCommands = ((nodeRedisIndex as {default?: unknown}).default ?? nodeRedisIndex) as Record<string, {parseCommand?: (...a: unknown[]) => void}>
// Transaction and connection control run at once even inside MULTI (they would end the probe's
// transaction), and clients read (un)subscribe / monitor replies as push messages, not QUEUED:
// these are checked through COMMAND INFO instead.
const CONTROL = new Set(['multi', 'exec', 'discard', 'quit', 'reset', 'monitor', 'subscribe', 'psubscribe', 'ssubscribe', 'unsubscribe', 'punsubscribe', 'sunsubscribe'])
// Client methods with client-side effects (connection state, subscriber mode, a new connection):
// probed with the client's generic call() instead.
const GENERIC = new Set(['hello', 'select', 'auth'])

/** The argv node-redis builds for one of its command modules (dummy arguments), or null. */
function nodeRedisArgv(mod: {parseCommand: (...a: unknown[]) => void}): string[] | null {
  for (const args of [['k', 'v', 'x', 'y'], ['k'], []]) {
    try {
      const p = new BasicCommandParser()
      mod.parseCommand(p, ...args.slice(0, Math.max(0, mod.parseCommand.length - 1)))
      return p.redisArgs.map((a: string | Buffer) => a.toString())
    } catch {
      // try fewer arguments
    }
  }
  return null
}

describe('compat: client command coverage', {skip}, () => {
  let real: RealRedis
  const nodes: RunningNode[] = []
  const dirs: string[] = []
  let all70: Set<string>
  const ports: Record<string, number> = {}
  before(async () => {
    real = await startRedisServer()
    for (const cluster of [false, true]) {
      const dir = mkdtempSync(path.join(os.tmpdir(), 'redis-ts-cov-'))
      dirs.push(dir)
      nodes.push(await startNode({overrides: {port: '0', save: '', dir, ...(cluster ? {'cluster-enabled': 'yes'} : {})}, silent: true}))
    }
    ports.real = real.port
    ports.embedded = nodes[0].port
    ports['embedded cluster'] = nodes[1].port
    const c = new Redis({port: real.port, lazyConnect: true})
    await c.connect()
    all70 = new Set(((await c.call('COMMAND', 'LIST')) as string[]).map((n) => n.toLowerCase()))
    c.disconnect()
    const cc = new Redis({port: nodes[1].port, lazyConnect: true})
    await cc.connect()
    await cc.call('CLUSTER', 'ADDSLOTSRANGE', '0', '16383')
    cc.disconnect()
  })
  after(async () => {
    await real?.stop()
    await Promise.all(nodes.map((n) => n.stop()))
    for (const d of dirs) rmSync(d, {recursive: true, force: true})
  })

  /** ioredis's commands that are 7.0 commands, expanded to their 7.0 subcommands: [method, args]. */
  function ioredisProbes(): [string, string[]][] {
    const out: [string, string[]][] = []
    for (const name of ioredisCommands) {
      if (!all70.has(name)) continue
      const subs = [...all70].filter((n) => n.startsWith(`${name}|`)).map((n) => n.split('|')[1])
      if (subs.length === 0) out.push([name, []])
      else for (const s of subs) out.push([name, [s]])
    }
    return out
  }

  for (const target of ['real', 'embedded', 'embedded cluster']) {
    test(`ioredis: every 7.0 command it exposes is known to ${target}`, async () => {
      const probes = ioredisProbes()
      assert.ok(probes.length > 300, `${probes.length} probes`)
      const c = new Redis({port: ports[target], lazyConnect: true, maxRetriesPerRequest: 0})
      await c.connect()
      const unknown: string[] = []
      try {
        for (const [name, args] of probes) {
          if (CONTROL.has(name)) {
            if ((await c.call('COMMAND', 'INFO', name)) === null || ((await c.call('COMMAND', 'INFO', name)) as unknown[])[0] === null) unknown.push(name)
            continue
          }
          await c.multi({pipeline: false})
          const fn = (c as unknown as Record<string, (...a: string[]) => Promise<unknown>>)[name]
          assert.equal(typeof fn, 'function', `ioredis has no method ${name}`)
          const p = GENERIC.has(name) ? c.call(name, ...args) : fn.apply(c, args)
          const err = await p.then(
            () => null,
            (e: Error) => e.message,
          )
          await c.discard()
          if (err !== null && UNKNOWN.test(err)) unknown.push(`${[name, ...args].join(' ')}: ${err}`)
        }
      } finally {
        c.disconnect()
      }
      assert.deepEqual(unknown, [])
    })

    test(`node-redis: every 7.0 command it exposes is known to ${target}`, async () => {
      const argvs = new Map<string, string[]>()
      for (const [key, mod] of Object.entries(nodeRedisCommands)) {
        if (key !== key.toUpperCase() || typeof mod.parseCommand !== 'function') continue
        const argv = nodeRedisArgv(mod as {parseCommand: (...a: unknown[]) => void})
        if (!argv || argv.length === 0) continue
        const top = argv[0].toLowerCase()
        const full = argv.length > 1 && all70.has(`${top}|${argv[1].toLowerCase()}`) ? `${top}|${argv[1].toLowerCase()}` : top
        if (!all70.has(full) || [...all70].some((n) => n.startsWith(`${full}|`))) continue
        argvs.set(key, argv)
      }
      assert.ok(argvs.size > 250, `${argvs.size} node-redis commands`)
      const client = createClient({socket: {port: ports[target], host: '127.0.0.1'}})
      client.on('error', () => {})
      await client.connect()
      const unknown: string[] = []
      try {
        for (const [key, argv] of argvs) {
          if (CONTROL.has(argv[0].toLowerCase())) continue
          await client.sendCommand(['MULTI'])
          const err = await client.sendCommand(argv).then(
            () => null,
            (e: Error) => e.message,
          )
          await client.sendCommand(['DISCARD'])
          if (err !== null && UNKNOWN.test(err)) unknown.push(`${key} (${argv.slice(0, 2).join(' ')}): ${err}`)
        }
      } finally {
        await client.quit().catch(() => undefined)
      }
      assert.deepEqual(unknown, [])
    })
  }
})

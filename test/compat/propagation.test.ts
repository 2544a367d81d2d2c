// What a write propagates (replication stream / AOF), compared with redis-server 7.0: the same
// script runs step by step against a real redis-server, observed by a raw socket posing as its
// replica (test/helpers/repl-capture.ts), and an embedded node, observed through
// server.propagateHooks (the one path replication and the AOF consume). After every step a
// marker write on a second connection delimits what that step propagated, so each step is
// compared on its own. Normalised, because they legitimately differ: SELECT/PING placement (each
// command is compared with the db it applies to), absolute timestamps (equal within a tolerance:
// the two sides run a few ms apart), for steps flagged `random`, which members a random
// pop/draw chose (same commands, same keys, same argument count), and, for steps flagged `expiry`,
// whether the active cycle or the step's lookup reaped the key (the MULTI/EXEC around the DEL).
import {describe, test, before, after} from 'node:test'
import assert from 'node:assert/strict'
import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {splitArgs} from '../../src/resp/parser.js'
import {startNode, type RunningNode} from '../../src/node/index.js'
import {RawClient, redisServerAvailable, startRedisServer, untilBlocked, type RealRedis} from './harness.js'
import {ReplCapture, wireCapture, type PropagationSource} from '../helpers/repl-capture.js'
import {SCRIPT, type Step} from './propagation-script.js'

// Both sides are captured the same way: a replica connection (PSYNC) reading the stream.
const embeddedCapture = async (n: RunningNode): Promise<PropagationSource> => wireCapture(n.port)

const MARK = '__propagation_mark__'
const TIME_TOLERANCE_MS = 3000

type Cmd = {db: number; argv: string[]}

interface Side {
  name: string
  port: number
  client: RawClient
  blocker: RawClient
  marker: RawClient
  source: PropagationSource
  target: RawClient
}

let targetPort = 0

function argvOf(line: string): string[] {
  const a = splitArgs(line.replaceAll('$TARGET', String(targetPort)))
  if (!a) throw new Error(`bad script line ${line}`)
  return a
}

async function runStep(side: Side, step: Step, index: number): Promise<void> {
  if (process.env.PROP_DEBUG) console.error(side.name, index, JSON.stringify(step))
  const cmds = typeof step === 'string' ? [step] : Array.isArray(step) ? step : step.cmds
  const opts: {blocked?: string; sleep?: number} = typeof step === 'object' && !Array.isArray(step) ? step : {}
  let blocked: Promise<unknown> | undefined
  if (opts.blocked) {
    blocked = side.blocker.call(argvOf(opts.blocked))
    await waitBlocked(side)
  }
  if (opts.sleep) await new Promise((r) => setTimeout(r, opts.sleep))
  for (const c of cmds) await side.client.call(typeof c === 'string' ? argvOf(c) : c)
  // MIGRATE target: keep it empty so both sides migrate into the same state.
  if (cmds.some((c) => (typeof c === 'string' ? c : c[0]).toUpperCase().startsWith('MIGRATE'))) await side.target.call(['FLUSHALL'])
  if (blocked) await blocked
  await side.marker.call(['SET', MARK, String(index)])
}

/** Until a client blocks (CLIENT LIST's flags/cmd show it differently: poll INFO clients). */
const waitBlocked = (side: Side): Promise<void> => untilBlocked((argv) => side.marker.call(argv), 1, side.name)

/** Drop SELECT/PING (the db travels with each command) and split at the markers. */
function segments(cmds: Cmd[], steps: number): Cmd[][] {
  const out: Cmd[][] = [[]]
  for (const c of cmds) {
    const name = c.argv[0].toLowerCase()
    if (name === 'select' || name === 'ping') continue
    if (name === 'set' && c.argv[1] === MARK) {
      out.push([])
      continue
    }
    out[out.length - 1].push(c)
  }
  // out[0]: before the script, out[i + 1]: step i, last: after the script.
  if (out.length !== steps + 2) throw new Error(`expected ${steps + 1} markers, saw ${out.length - 1}`)
  return out
}

const isTimestamp = (s: string) => /^\d{12,14}$/.test(s) && Math.abs(Number(s) - Date.now()) < 400 * 86400_000

function sameArg(a: string, b: string): boolean {
  if (a === b) return true
  return isTimestamp(a) && isTimestamp(b) && Math.abs(Number(a) - Number(b)) <= TIME_TOLERANCE_MS
}

function sameCmd(a: Cmd, b: Cmd, random: boolean): boolean {
  if (a.db !== b.db || a.argv.length !== b.argv.length) return false
  if (random) return a.argv[0].toLowerCase() === b.argv[0].toLowerCase() && a.argv[1] === b.argv[1]
  return a.argv.every((x, i) => sameArg(x, b.argv[i]))
}

/** MULTI, DEL k, …, EXEC (a write's lookup reaping an expired key) → DEL k, … (as the active cycle's). */
function unwrapLookupDel(cmds: Cmd[]): Cmd[] {
  const name = (c: Cmd | undefined) => c?.argv[0].toLowerCase()
  if (cmds.length >= 3 && name(cmds[0]) === 'multi' && name(cmds[1]) === 'del' && name(cmds[cmds.length - 1]) === 'exec') return cmds.slice(1, -1)
  return cmds
}

const show = (cmds: Cmd[]) => (cmds.length === 0 ? '(nothing)' : cmds.map((c) => `[db${c.db}] ${c.argv.map((a) => JSON.stringify(a)).join(' ')}`).join(' | '))

async function waitMarkers(src: PropagationSource, n: number, what: string): Promise<void> {
  const deadline = Date.now() + 15000
  const count = () => src.commands.filter((c) => c.argv[0].toLowerCase() === 'set' && c.argv[1] === MARK).length
  while (count() < n) {
    if (Date.now() > deadline || src.error) throw new Error(`${what}: only ${count()} of ${n} markers propagated (${src.error?.message ?? 'timeout'})`)
    await new Promise((r) => setTimeout(r, 20))
  }
}

const available = redisServerAvailable()
describe('compat: propagation (replication stream) vs redis-server 7.0', {skip: !available && process.env.REDIS_TS_REQUIRE_REDIS !== '1' ? 'redis-server not on PATH' : false}, () => {
  let real: RealRedis
  let node: RunningNode
  let target: RealRedis
  const sides: Side[] = []
  let dir: string | undefined

  before(async () => {
    real = await startRedisServer(['--repl-diskless-sync-delay', '0', '--databases', '16', '--enable-debug-command', 'yes'])
    target = await startRedisServer()
    targetPort = target.port
    dir = mkdtempSync(join(tmpdir(), 'redis-ts-propagation-'))
    node = await startNode({overrides: {port: '0', save: '', dir, databases: '16', 'enable-debug-command': 'yes', 'repl-diskless-sync-delay': '0'}, silent: true})
    for (const [name, port] of [['redis-server', real.port], ['embedded', node.port]] as const) {
      const client = await RawClient.connect(port)
      await client.call(['FLUSHALL'])
      const source = name === 'redis-server' ? await wireCapture(port) : await embeddedCapture(node)
      const marker = await RawClient.connect(port)
      await marker.call(['SET', MARK, 'start'])
      sides.push({name, port, client, blocker: await RawClient.connect(port), marker, source, target: await RawClient.connect(target.port)})
    }
  })

  after(async () => {
    for (const s of sides) {
      s.source.close()
      s.client.close()
      s.blocker.close()
      s.marker.close()
      s.target.close()
    }
    await target?.stop()
    await node?.stop()
    await real?.stop()
    if (dir) rmSync(dir, {recursive: true, force: true})
  })

  test(`${SCRIPT.length} steps propagate what redis-server propagates`, async () => {
    const [redis, embedded] = sides
    // Lock-step, so the absolute timestamps both sides compute are close.
    for (let i = 0; i < SCRIPT.length; i++) {
      await runStep(redis, SCRIPT[i], i)
      await runStep(embedded, SCRIPT[i], i)
    }
    await waitMarkers(redis.source, SCRIPT.length + 1, redis.name)
    await waitMarkers(embedded.source, SCRIPT.length + 1, embedded.name)
    const exp = segments(redis.source.commands, SCRIPT.length)
    const act = segments(embedded.source.commands, SCRIPT.length)
    const diffs: string[] = []
    for (const k of [0, SCRIPT.length + 1])
      if (!(exp[k].length === act[k].length && exp[k].every((c, j) => sameCmd(c, act[k][j], false))))
        diffs.push(`${k === 0 ? 'before' : 'after'} the script: redis ${show(exp[k])} / embedded ${show(act[k])}`)
    for (let i = 0; i < SCRIPT.length; i++) {
      const step = SCRIPT[i]
      const random = typeof step === 'object' && !Array.isArray(step) && !!step.random
      const expiry = typeof step === 'object' && !Array.isArray(step) && !!step.expiry
      const e = expiry ? unwrapLookupDel(exp[i + 1]) : exp[i + 1]
      const a = expiry ? unwrapLookupDel(act[i + 1]) : act[i + 1]
      const ok = e.length === a.length && e.every((c, j) => sameCmd(c, a[j], random))
      const known = typeof step === 'object' && !Array.isArray(step) ? step.known : undefined
      if (!ok && known) console.log(`known divergence, step ${i} ${JSON.stringify(step.valueOf())}: ${known}\n  redis    ${show(e)}\n  embedded ${show(a)}`)
      else if (!ok) diffs.push(`step ${i} ${JSON.stringify(step)}:\n    redis    ${show(e)}\n    embedded ${show(a)}`)
    }
    assert.equal(diffs.length, 0, `${diffs.length} steps propagate differently:\n  ${diffs.join('\n  ')}`)
  })
})

// The capture helper itself, on both payload forms and a partial resync (the lead's tests reuse it).
describe('repl-capture helper vs redis-server 7.0', {skip: !available && process.env.REDIS_TS_REQUIRE_REDIS !== '1' ? 'redis-server not on PATH' : false}, () => {
  for (const diskless of [false, true]) {
    test(`${diskless ? 'diskless ($EOF:<mark>)' : 'disk ($<len>)'} full sync, stream, then +CONTINUE`, async () => {
      const r = await startRedisServer(['--repl-diskless-sync', diskless ? 'yes' : 'no', '--repl-diskless-sync-delay', '0'])
      const c = await RawClient.connect(r.port)
      try {
        await c.call(['SET', 'before', 'x'.repeat(5000)])
        const cap = await ReplCapture.connect(r.port, {keepRdb: true})
        assert.match(cap.syncReply, /^\+FULLRESYNC [0-9a-f]{40} \d+$/)
        assert.equal(cap.diskless, diskless)
        assert.equal(cap.rdb?.subarray(0, 9).toString(), 'REDIS0010')
        assert.equal(cap.rdb?.length, cap.rdbLength)
        await c.call(['SET', 'k', 'v'])
        await c.call(['SELECT', '3'])
        await c.call(['INCR', 'n'])
        await cap.waitFor((cmds) => cmds.some((x) => x.argv[0] === 'INCR'), 5000, 'INCR')
        const seen = cap.commands.filter((x) => x.argv[0] !== 'PING').map((x) => `${x.db}:${x.argv.join(' ')}`)
        assert.deepEqual(seen, ['0:SELECT 0', '0:SET k v', '3:SELECT 3', '3:INCR n'])
        // Byte accounting: what we consumed is the master's offset.
        const info = String(await c.call(['INFO', 'replication']))
        assert.equal(cap.offset, Number(/master_repl_offset:(\d+)/.exec(info)?.[1]))
        const {replid, offset} = cap
        cap.close()
        await c.call(['SET', 'while-away', '1'])
        const again = await ReplCapture.connect(r.port, {replid, offset})
        assert.equal(again.syncReply, `+CONTINUE ${replid}`) // psync2 replicas are told the replid
        await again.waitFor((cmds) => cmds.some((x) => x.argv[1] === 'while-away'), 5000, 'the missed write')
        // The master's stream still has db 3 selected: no SELECT, and the resumed capture cannot know the db (-1).
        assert.deepEqual(again.commands.filter((x) => x.argv[0] !== 'PING').map((x) => `${x.db}:${x.argv.join(' ')}`), ['-1:SET while-away 1'])
        again.close()
      } finally {
        c.close()
        await r.stop()
      }
    })
  }
})

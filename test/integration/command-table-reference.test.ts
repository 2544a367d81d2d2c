// The node's registration tables against redis-server 7.0.15's COMMAND entries (the generated
// reference COMMAND INFO replays): arity, the flags the node acts on (write, readonly, denyoom,
// admin, noscript, loading, stale, fast, blocking, pubsub, no_auth, no_multi) and whether key
// positions are movable. COMMAND INFO shows Redis's entry, so this is what keeps behaviour and
// advertisement in step: a table that drifts from Redis fails here.
import {after, before, test} from 'node:test'
import assert from 'node:assert/strict'
import {mkdtempSync, rmSync} from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {startNode, type RunningNode} from '../../src/node/index.js'
import {referenceInfo} from '../../src/node/commands/command-reference-reply.js'
import type {CommandSpec} from '../../src/node/commands/types.js'

const ACTED_ON: Record<string, string> = {
  write: 'write', readonly: 'readonly', denyoom: 'denyoom', admin: 'admin', noscript: 'noscript', loading: 'loading', stale: 'stale',
  fast: 'fast', blocking: 'blocking', pubsub: 'pubsub', noauth: 'no_auth', 'no-multi': 'no_multi',
}
// SORT_RO has exactly one key; Redis marks it movable only because it has a getkeys procedure.
const MOVABLE_EXCEPTIONS = new Set(['sort_ro'])

const nodes: RunningNode[] = []
const dirs: string[] = []
before(async () => {
  for (const cluster of [false, true]) {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'redis-ts-cmdref-'))
    dirs.push(dir)
    nodes.push(await startNode({overrides: {port: '0', save: '', dir, ...(cluster ? {'cluster-enabled': 'yes'} : {})}, silent: true}))
  }
})
after(async () => {
  await Promise.all(nodes.map((n) => n.stop()))
  for (const d of dirs) rmSync(d, {recursive: true, force: true})
})

function check(spec: CommandSpec, fullname: string, out: string[]): void {
  const ref = referenceInfo(fullname)
  if (!ref) {
    out.push(`${fullname}: not a redis 7.0 command`)
    return
  }
  if (ref[1] !== spec.arity) out.push(`${fullname}: arity ${spec.arity}, redis ${ref[1]}`)
  const refFlags = (ref[2] as {set: string[]}).set.map((f) => f.slice(1))
  const mine = spec.flags.map((f) => ACTED_ON[f]).filter((f) => f !== undefined).sort()
  const theirs = refFlags.filter((f) => Object.values(ACTED_ON).includes(f)).sort()
  if (mine.join() !== theirs.join()) out.push(`${fullname}: flags ${mine.join(',')}, redis ${theirs.join(',')}`)
  if (!MOVABLE_EXCEPTIONS.has(fullname) && refFlags.includes('movablekeys') !== (spec.keys !== undefined)) out.push(`${fullname}: movablekeys ${spec.keys !== undefined}, redis ${refFlags.includes('movablekeys')}`)
  if (spec.keys === undefined && JSON.stringify([spec.firstKey, spec.lastKey, spec.step]) !== JSON.stringify(ref.slice(3, 6)))
    out.push(`${fullname}: keys ${[spec.firstKey, spec.lastKey, spec.step]}, redis ${ref.slice(3, 6)}`)
  for (const sub of spec.subcommands ?? []) check(sub, `${fullname}|${sub.name}`, out)
}

for (const [i, mode] of ['standalone', 'cluster'].entries()) {
  test(`registration tables agree with redis-server's COMMAND (${mode})`, () => {
    const out: string[] = []
    const all = nodes[i].server.commands.all()
    assert.ok(all.length >= 240)
    for (const spec of all) check(spec, spec.name, out)
    assert.deepEqual(out, [])
  })
}

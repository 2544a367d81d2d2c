// The command table as clients see it, against redis-server 7.0.15: every command and subcommand
// real Redis lists exists on the embedded node (COMMAND COUNT, COMMAND LIST, COMMAND INFO of each
// name), COMMAND INFO of every command is identical (RESP2 and RESP3: arity, flags, first/last/
// step, ACL categories, tips, key specs, subcommands) and so is COMMAND DOCS (RESP3), standalone
// and cluster-enabled. redis-py's cluster client routes by COMMAND's key positions and flags,
// redis-cli builds its hints from COMMAND DOCS. Subcommands are compared sorted by name: Redis
// lists them in its dict's (per-process random) order.
import {after, before, describe, test} from 'node:test'
import assert from 'node:assert/strict'
import {redisSkip} from '../helpers/redis-server.js'
import {RawClient, startPair, type Pair, type Reply} from './harness.js'

const skip = redisSkip()

function canon(x: Reply): Reply {
  if (Array.isArray(x)) return x.map(canon)
  if (x !== null && typeof x === 'object') {
    if ('map' in x) {
      const pairs: [Reply, Reply][] = []
      for (let i = 0; i < x.map.length; i += 2) pairs.push([x.map[i], canon(x.map[i + 1])])
      // only the subcommands map of COMMAND DOCS has "name|sub" keys; other maps keep their order
      if (pairs.length > 0 && pairs.every(([k]) => typeof k === 'string' && k.includes('|'))) pairs.sort((a, b) => String(a[0]).localeCompare(String(b[0])))
      return {map: pairs.flat()}
    }
    if ('set' in x) return {set: x.set.map(canon)}
  }
  return x
}

/** COMMAND INFO entry with its subcommand entries sorted by name. */
function sortSubs(entry: Reply): Reply {
  if (!Array.isArray(entry) || entry.length !== 10) return entry
  const subs = entry[9]
  if (!Array.isArray(subs)) return entry
  return [...entry.slice(0, 9), [...subs].sort((a, b) => String((a as Reply[])[0]).localeCompare(String((b as Reply[])[0])))]
}

for (const mode of ['standalone', 'cluster'] as const) {
  describe(`compat: command table (${mode})`, {skip}, () => {
    let pair: Pair | undefined
    const rc: Record<2 | 3, RawClient> = {} as never
    const ec: Record<2 | 3, RawClient> = {} as never
    let names: string[] = []
    before(async () => {
      pair = await startPair(mode === 'cluster' ? {redisArgs: ['--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf'], nodeOverrides: {'cluster-enabled': 'yes'}} : {})
      for (const proto of [2, 3] as const) {
        rc[proto] = await RawClient.connect(pair.redisPort)
        ec[proto] = await RawClient.connect(pair.ourPort)
        if (proto === 3) {
          await rc[3].call(['HELLO', '3'])
          await ec[3].call(['HELLO', '3'])
        }
      }
      names = ((await rc[2].call(['COMMAND', 'LIST'])) as string[]).sort()
    })
    after(async () => {
      for (const c of [...Object.values(rc), ...Object.values(ec)]) c.close()
      await pair?.stop()
    })

    test('every command and subcommand redis-server lists exists, and nothing else', async () => {
      assert.ok(names.length > 300)
      const mine = ((await ec[2].call(['COMMAND', 'LIST'])) as string[]).sort()
      assert.deepEqual(
        names.filter((n) => !mine.includes(n)),
        [],
        'missing on the embedded node',
      )
      assert.deepEqual(
        mine.filter((n) => !names.includes(n)),
        [],
        'not in redis 7.0',
      )
      assert.equal(await ec[2].call(['COMMAND', 'COUNT']), await rc[2].call(['COMMAND', 'COUNT']))
      const missing: string[] = []
      for (const n of names) if ((await ec[2].call(['COMMAND', 'INFO', n])) === null || !Array.isArray(await ec[2].call(['COMMAND', 'INFO', n]))) missing.push(n)
      assert.deepEqual(missing, [])
    })

    for (const proto of [2, 3] as const) {
      test(`COMMAND INFO of every command is redis-server's (RESP${proto})`, async () => {
        const diffs: string[] = []
        for (const n of names) {
          const a = (await rc[proto].call(['COMMAND', 'INFO', n])) as Reply[]
          const b = (await ec[proto].call(['COMMAND', 'INFO', n])) as Reply[]
          const sa = JSON.stringify(canon(a.map(sortSubs)))
          const sb = JSON.stringify(canon(b.map(sortSubs)))
          if (sa !== sb) diffs.push(`${n}\n  redis ${sa}\n  node  ${sb}`)
        }
        assert.deepEqual(diffs, [])
      })
    }

    test('COMMAND (all) has the same entries as redis-server', async () => {
      const key = (e: Reply) => String((e as Reply[])[0])
      const a = ((await rc[3].call(['COMMAND'])) as Reply[]).map(sortSubs).sort((x, y) => key(x).localeCompare(key(y)))
      const b = ((await ec[3].call(['COMMAND'])) as Reply[]).map(sortSubs).sort((x, y) => key(x).localeCompare(key(y)))
      assert.deepEqual(canon(b), canon(a))
    })

    test('COMMAND DOCS of every command is redis-server\'s (RESP3)', async () => {
      const diffs: string[] = []
      for (const n of names) {
        const a = JSON.stringify(canon(await rc[3].call(['COMMAND', 'DOCS', n])))
        const b = JSON.stringify(canon(await ec[3].call(['COMMAND', 'DOCS', n])))
        if (a !== b) diffs.push(`${n}\n  redis ${a.slice(0, 400)}\n  node  ${b.slice(0, 400)}`)
      }
      assert.deepEqual(diffs, [])
    })

    test('a call with too few or too many arguments gets the same error for every command', async () => {
      // Only calls Redis rejects before running anything (arity), so nothing is executed.
      const diffs: string[] = []
      let checked = 0
      for (const n of names) {
        const info = ((await rc[2].call(['COMMAND', 'INFO', n])) as Reply[][])[0]
        const arity = info[1] as number
        const argv = n.split('|')
        const wrong = arity > 0 ? argv.length !== arity : argv.length < -arity
        if (!wrong) continue
        checked++
        const a = await rc[2].call(argv)
        const b = await ec[2].call(argv)
        if (JSON.stringify(a) !== JSON.stringify(b)) diffs.push(`${argv.join(' ')}: redis ${JSON.stringify(a)} node ${JSON.stringify(b)}`)
      }
      assert.ok(checked > 150, `only ${checked} commands checked`)
      assert.deepEqual(diffs, [])
    })
  })
}

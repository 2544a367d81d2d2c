// Side-by-side benchmark: `redis-ts reshard/rebalance` vs `redis-cli --cluster reshard/rebalance`
// on the same 3 real redis-server masters and the same keys. Run: node --import tsx bench/reshard.ts
// Env: BENCH_KEYS (default 200000 small keys), BENCH_DENSE (default 100000 keys in 16 hash-tagged slots),
// BENCH_ROUNDS (default 2; the best time of the rounds is kept, since the machine may be shared),
// BENCH_TS_ARGS (extra redis-ts reshard flags).
// Between tool runs the original slot layout is restored (untimed) so every run moves the same keys.
import {spawnSync} from 'node:child_process'
import {existsSync} from 'node:fs'
import {resolve} from 'node:path'
import {NodePool} from '../src/index.js'
import {moveSlots, type SlotMove} from '../src/admin/exec/move.js'
import {RedisNodes} from '../test/helpers/redis-server.js'
import {keyEntries, loadKeys, makeCluster, ownerMap, tagForSlot, viewOf, waitStable} from '../test/integration/admin-move-helpers.js'

const KEYS = Number(process.env.BENCH_KEYS ?? 200000)
const DENSE = Number(process.env.BENCH_DENSE ?? 100000)
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2)
// Extra flags for redis-ts reshard (e.g. BENCH_TS_ARGS="--pipeline 5000") to compare settings.
const TS_ARGS = (process.env.BENCH_TS_ARGS ?? '').split(' ').filter(Boolean)
const BIN = resolve(import.meta.dirname, '..', 'bin', 'run.js')

interface Row {
  scenario: string
  tool: string
  seconds: number
  keys: number
}

function run(cmd: string, args: string[]): number {
  const t0 = process.hrtime.bigint()
  const r = spawnSync(cmd, args, {encoding: 'utf8', env: {...process.env, NO_COLOR: '1'}, maxBuffer: 1 << 30})
  const s = Number(process.hrtime.bigint() - t0) / 1e9
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${r.stderr?.slice(-500)} ${r.stdout?.slice(-500)}`)
  return s
}

async function main(): Promise<void> {
  // The built CLI is what users run; build it when missing (node start-up through tsx would be unfair).
  if (!existsSync(resolve(import.meta.dirname, '..', 'dist', 'commands', 'reshard.js'))) {
    process.stderr.write('building dist/ ...\n')
    spawnSync('npx', ['tsc', '-p', 'tsconfig.build.json'], {cwd: resolve(import.meta.dirname, '..'), stdio: 'ignore'})
  }
  const rn = new RedisNodes()
  const pool = new NodePool({})
  try {
    const nodes = await makeCluster(rn, 3, {nodeTimeout: 2000})
    const seed = nodes[0].address
    let view = await waitStable(nodes[0])
    const original = new Map([...ownerMap(view)].map(([s, o]) => [s, o.id]))
    process.stderr.write(`loading ${KEYS} keys...\n`)
    await loadKeys(view, keyEntries(KEYS))
    const ms = view.nodes.filter((n) => n.role === 'master')
    const [m0, m1] = ms
    const restore = async () => {
      const v = await waitStable(nodes[0])
      const now = ownerMap(v)
      const moves: SlotMove[] = []
      for (const [slot, id] of original) if (now.get(slot)!.id !== id) moves.push({slot, sourceId: now.get(slot)!.id, targetId: id})
      if (moves.length) {
        const r = await moveSlots(pool, v, moves, {})
        if (r.failed.length) throw new Error(`restore failed: ${r.failed[0].error}`)
      }
      return waitStable(nodes[0])
    }
    const keysIn = async (slots: number[]) => {
      const v = await viewOf(nodes[0])
      const own = ownerMap(v)
      let n = 0
      for (const s of slots) {
        const o = own.get(s)!
        n += Number(await (await pool.get(o)).call('CLUSTER', 'COUNTKEYSINSLOT', String(s)))
      }
      return n
    }
    const rows: Row[] = []
    const reshardSlots = [...m1.slots.flatMap(([a]) => Array.from({length: 2048}, (_, i) => a + i)), ...ms[2].slots.flatMap(([a]) => Array.from({length: 2048}, (_, i) => a + i))]
    const movedKeys = await keysIn(reshardSlots)
    const tools: {name: string; reshard: (extra: string[]) => number; rebalance: () => number}[] = [
      {name: 'redis-ts', reshard: (x) => run(process.execPath, [BIN, 'reshard', seed, ...x, '--yes', ...TS_ARGS]), rebalance: () => run(process.execPath, [BIN, 'rebalance', seed, '--yes'])},
      {name: 'redis-cli (pipeline 10)', reshard: (x) => run('redis-cli', ['--cluster', 'reshard', seed, ...x.map((a) => a.replace(/^--/, '--cluster-')), '--cluster-yes']), rebalance: () => run('redis-cli', ['--cluster', 'rebalance', seed])},
      {
        name: 'redis-cli (pipeline 1000)',
        reshard: (x) => run('redis-cli', ['--cluster', 'reshard', seed, ...x.map((a) => a.replace(/^--/, '--cluster-')), '--cluster-yes', '--cluster-pipeline', '1000']),
        rebalance: () => run('redis-cli', ['--cluster', 'rebalance', seed, '--cluster-pipeline', '1000']),
      },
    ]
    const record = (scenario: string, tool: string, seconds: number, keys: number) => {
      const old = rows.find((r) => r.scenario === scenario && r.tool === tool)
      if (!old) rows.push({scenario, tool, seconds, keys})
      else old.seconds = Math.min(old.seconds, seconds) // best of the rounds: the machine is shared
    }
    for (let round = 0; round < ROUNDS; round++) {
      for (const t of tools) {
        view = await restore()
        process.stderr.write(`round ${round + 1} ${t.name}: reshard 4096 slots + rebalance...\n`)
        record(`reshard 4096 slots (${movedKeys} keys)`, t.name, t.reshard(['--from', 'all', '--to', m0.id, '--slots', '4096']), movedKeys)
        await waitStable(nodes[0])
        record(`rebalance after it (${movedKeys} keys)`, t.name, t.rebalance(), movedKeys)
      }
    }
    // Dense: m1's 16 lowest slots (what `--from m1 --slots 16` takes), DENSE/16 hash-tagged keys each.
    view = await restore()
    const denseSlots = Array.from({length: 16}, (_, i) => m1.slots[0][0] + i)
    const dense = new Map<string, string>()
    for (const s of denseSlots) {
      const tag = tagForSlot(s)
      for (let i = 0; i < DENSE / 16; i++) dense.set(`{${tag}}:${i}`, `d${i}`)
    }
    process.stderr.write(`loading ${dense.size} dense keys...\n`)
    await loadKeys(view, dense)
    const denseKeys = await keysIn(denseSlots)
    for (let round = 0; round < ROUNDS; round++) {
      for (const t of tools) {
        view = await restore()
        process.stderr.write(`round ${round + 1} ${t.name}: dense slots...\n`)
        record(`16 dense slots (${denseKeys} keys)`, t.name, t.reshard(['--from', m1.id, '--to', m0.id, '--slots', '16']), denseKeys)
      }
    }
    await restore()
    const scenarios = [...new Set(rows.map((r) => r.scenario))]
    const out: string[] = ['| scenario | tool | time (s) | keys/s | redis-ts speed-up |', '|---|---|---:|---:|---:|']
    for (const s of scenarios) {
      const ours = rows.find((r) => r.scenario === s && r.tool === 'redis-ts')!
      for (const r of rows.filter((x) => x.scenario === s)) {
        const ratio = r.tool === 'redis-ts' ? '' : `${(r.seconds / ours.seconds).toFixed(2)}x`
        out.push(`| ${s} | ${r.tool} | ${r.seconds.toFixed(2)} | ${Math.round(r.keys / r.seconds)} | ${ratio} |`)
      }
    }
    console.log(out.join('\n'))
    console.log(`\nWall time of each command, process start included (node + oclif start-up for redis-ts). 3 masters, real redis-server, ${KEYS} keys (+ ${DENSE} dense keys for the last scenario), best of ${ROUNDS} rounds.`)
  } finally {
    await pool.close()
    await rn.stop()
  }
}

await main()

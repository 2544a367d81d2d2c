// SIGKILL the reshard CLI at random points while it moves hash-tagged hot slots (20k keys in one slot):
// no key may be lost (each is on the source or the target with its value), the open slots must be
// resumable, and rolling them forward (`fix` when available, else the mover's resume) completes the move.
import {after, before, describe, test} from 'node:test'
import assert from 'node:assert/strict'
import {spawn} from 'node:child_process'
import {existsSync} from 'node:fs'
import {join} from 'node:path'
import {Redis} from 'ioredis'
import {RedisNodes, redisSkip, type TestNode} from '../helpers/redis-server.js'
import {BIN, ROOT, runCli} from '../helpers/cli.js'
import {NodePool} from '../../src/index.js'
import {moveSlots, resumableMoves} from '../../src/admin/exec/move.js'
import type {ClusterView} from '../../src/admin/topology/types.js'
import {loadKeys, makeCluster, tagForSlot, verifyKeys, viewOf, waitStable} from '../integration/admin-move-helpers.js'

const skip = redisSkip()
// `fix` (the other admin helper's command) rolls open slots forward; REDIS_TS_KILL_TEST_FIX=0 uses the mover's resume instead.
const HAVE_FIX = existsSync(join(ROOT, 'commands', 'fix.ts')) && process.env.REDIS_TS_KILL_TEST_FIX !== '0'

/** Start the CLI; once `watch` reports a migrating slot, wait `ms` more and SIGKILL it. */
async function killDuringMove(args: string[], watch: Redis, ms: number): Promise<{code: number | null; sawOpen: boolean}> {
  const nodeArgs = process.env.REDIS_TS_TEST_DEV === '1' ? ['--require', 'tsx/preflight', '--import', 'tsx', '--no-warnings'] : []
  const child = spawn(process.execPath, [...nodeArgs, BIN, ...args], {cwd: ROOT, stdio: 'ignore', env: {...process.env, NO_COLOR: '1'}})
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
  let done = false
  void exited.then(() => (done = true))
  let sawOpen = false
  const deadline = Date.now() + 15000
  while (!done && Date.now() < deadline) {
    const text = String(await watch.call('CLUSTER', 'NODES'))
    if (/->-/.test(text.split('\n').find((l) => l.includes('myself')) ?? '')) {
      sawOpen = true
      break
    }
    await new Promise((r) => setTimeout(r, 5))
  }
  await new Promise((r) => setTimeout(r, ms))
  child.kill('SIGKILL')
  return {code: await exited, sawOpen}
}

/** Every key is on the source (plain GET) or on the target (ASKING GET) with its value. */
async function missingAnywhere(view: ClusterView, srcId: string, dstId: string, data: Map<string, string>): Promise<string[]> {
  const n = (id: string) => view.nodes.find((x) => x.id === id)!
  const s = new Redis({host: n(srcId).host, port: n(srcId).port})
  const d = new Redis({host: n(dstId).host, port: n(dstId).port})
  try {
    const keys = [...data.keys()]
    const sp = s.pipeline()
    const dp = d.pipeline()
    for (const k of keys) {
      sp.get(k)
      dp.call('ASKING')
      dp.get(k)
    }
    const [sr, dr] = await Promise.all([sp.exec(), dp.exec()])
    return keys.filter((k, i) => sr![i][1] !== data.get(k) && dr![2 * i + 1][1] !== data.get(k))
  } finally {
    s.disconnect()
    d.disconnect()
  }
}

describe('SIGKILL during reshard of hot slots (real redis-server)', {skip}, () => {
  const rn = new RedisNodes()
  let nodes: TestNode[]
  let pool: NodePool

  before(async () => {
    nodes = await makeCluster(rn, 3)
    await waitStable(nodes[0])
    pool = new NodePool({})
  })
  after(async () => {
    await pool?.close()
    await rn.stop()
  })

  test('kill at random points, no key lost, roll forward completes', async () => {
    let killedMidSlot = 0
    for (let iter = 0; iter < 3; iter++) {
      const v = await viewOf(nodes[0])
      const ms = v.nodes.filter((n) => n.role === 'master')
      const src = ms[iter % 3]
      const dst = ms[(iter + 1) % 3]
      const big = [...src.slots].sort((a, b) => b[1] - b[0] - (a[1] - a[0]))[0]
      const slots = [big[0] + 100 + iter * 10, big[0] + 101 + iter * 10]
      const data = new Map<string, string>()
      for (const slot of slots) {
        const tag = tagForSlot(slot)
        for (let i = 0; i < 20000; i++) data.set(`{${tag}}:${iter}:${i}`, `val-${iter}-${i}`)
      }
      await loadKeys(v, data)
      const delay = Math.floor(Math.random() * 150)
      const watch = new Redis({host: src.host, port: src.port})
      const {code, sawOpen} = await killDuringMove(['reshard', nodes[0].address, '--to', dst.id, '--slot-range', slots.join(','), '--yes', '--pipeline', '200', '--parallel', '2'], watch, delay).finally(() => watch.disconnect())
      if (sawOpen) killedMidSlot++
      const mid = await viewOf(nodes[0])
      assert.deepEqual(await missingAnywhere(mid, src.id, dst.id, data), [], `iteration ${iter} (killed after ${delay} ms, exit ${code})`)
      if (HAVE_FIX) {
        const r = await runCli(['fix', nodes[0].address, '--yes'])
        assert.equal(r.code, 0, r.stdout + r.stderr)
      } else {
        const moves = resumableMoves(mid)
        for (const m of moves) assert.ok(slots.includes(m.slot), `unexpected open slot ${m.slot}`)
        const r = await moveSlots(pool, mid, moves, {})
        assert.deepEqual(r.failed, [])
      }
      // Slots the killed run never reached are still on the source: finish the original plan.
      const now = await waitStable(nodes[0])
      const left = slots.filter((s) => now.nodes.find((n) => n.id === src.id)!.slots.some(([a, b]) => a <= s && b >= s))
      if (left.length) {
        const r2 = await runCli(['reshard', nodes[0].address, '--to', dst.id, '--slot-range', left.join(','), '--yes'])
        assert.equal(r2.code, 0, r2.stderr)
      }
      const done = await waitStable(nodes[0])
      assert.deepEqual(resumableMoves(done), [])
      assert.deepEqual(await verifyKeys(done, data), [], `iteration ${iter}`)
      const c = await runCli(['check', nodes[0].address])
      assert.equal(c.code, 0, c.stdout)
    }
    assert.ok(killedMidSlot > 0, 'no kill landed while a slot was open')
  })
})

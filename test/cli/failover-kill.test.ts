// kill -9 of a master in a 3+3 cluster (cluster-node-timeout 2000) under a read-before-write writer,
// and a failover loop (reliability.md §7.1 #1 and #3, issue 8). Parameterised over the engine: the same
// code runs against redis-server (the oracle) and the embedded runtime; the embedded variant runs only
//.
import {after, before, describe, test} from 'node:test'
import assert from 'node:assert/strict'
import {ENGINES, FailoverCluster, engineSkip, killTrial, readBack} from '../helpers/failover.js'

const NODE_TIMEOUT = 2000

for (const engine of ENGINES) {
  describe(`kill -9 of a master under writes (${engine})`, {skip: engineSkip(engine)}, () => {
    let fc: FailoverCluster
    before(async () => {
      fc = await FailoverCluster.start(engine, {nodeTimeoutMs: NODE_TIMEOUT})
    })
    after(() => fc?.stop())

    test('the replica is promoted, every survivor is ok, no acknowledged write is lost, the victim returns as its replica', {timeout: 180000}, async (t) => {
      const [shard] = await fc.shards()
      const replicaPort = shard.replicas[0].port
      const r = await killTrial(fc, {victimPort: shard.master.port, keys: 100, onProgress: (s) => t.diagnostic(s)})
      t.diagnostic(`${engine}: all ok ${r.promotion.allOkMs.toFixed(0)} ms, role master ${r.promotion.roleMs.toFixed(0)} ms, outage ${r.writer.maxGapMs.toFixed(0)} ms, ${r.writer.acked} acked, rejoin ${r.rejoinMs.toFixed(0)} ms`)
      assert.equal(r.winnerPort, replicaPort, 'the victim’s replica wins')
      assert.ok(r.writer.acked > 200, `writer made progress (${r.writer.acked} acked)`)
      assert.equal(r.writer.lost, 0, `acknowledged writes lost: ${JSON.stringify(r.writer)}`)
      // generous on a loaded 2-core machine; the bench reports the real distribution
      assert.ok(r.promotion.allOkMs < NODE_TIMEOUT + 15000, `recovery took ${r.promotion.allOkMs} ms`)
      // every node (the restarted victim too) agrees: the winner owns the victim's old slots, the victim replicates it
      const winnerId = String(await fc.call(r.winnerPort, 'CLUSTER', 'MYID'))
      const victimId = String(await fc.call(r.victimPort, 'CLUSTER', 'MYID'))
      for (const n of fc.live()) {
        const v = await fc.view(n)
        const w = v.find((e) => e.id === winnerId)!
        assert.equal(w.role, 'master', `${n.port} sees the winner as master`)
        assert.deepEqual(w.slots, shard.master.slots, `${n.port} sees the victim's slots on the winner`)
        const back = v.find((e) => e.id === victimId)!
        assert.equal(back.role, 'replica', `${n.port} sees the victim as a replica`)
        assert.equal(back.masterId, winnerId, `${n.port} sees the victim replicating the winner`)
      }
      assert.equal(await fc.conns.get(r.victimPort).dbsize(), await fc.conns.get(r.winnerPort).dbsize(), 'the returning node holds the winner’s data')
      assert.deepEqual(await readBack(fc, r.values), [])
      for (const e of r.epochs) assert.ok(e.current >= e.my, `${e.port}: current epoch ${e.current} < my epoch ${e.my}`)
    })
  })

  describe(`failover loop: 10 × kill / promote / restart (${engine})`, {skip: engineSkip(engine)}, () => {
    let fc: FailoverCluster
    before(async () => {
      fc = await FailoverCluster.start(engine, {nodeTimeoutMs: NODE_TIMEOUT})
    })
    after(() => fc?.stop())

    test('every value written reads back after each iteration; epochs only grow', {timeout: 300000}, async (t) => {
      const all = new Map<string, number>()
      let lastCurrent = Math.max(...(await fc.epochs()).map((e) => e.current))
      let lastWinnerEpoch = 0
      const t0 = performance.now()
      for (let i = 0; i < 10; i++) {
        const shards = await fc.shards()
        const victimPort = shards[i % shards.length].master.port
        const r = await killTrial(fc, {victimPort, keys: 50, prefix: `loop${i}`, warmupMs: 100, afterPromotedMs: 0})
        t.diagnostic(`#${i + 1}: killed ${r.victimPort}, ${r.winnerPort} master after ${r.promotion.allOkMs.toFixed(0)} ms, rejoin ${r.rejoinMs.toFixed(0)} ms`)
        assert.equal(r.writer.lost, 0, `iteration ${i + 1}: acknowledged writes lost: ${JSON.stringify(r.writer)}`)
        for (const [k, v] of r.values) all.set(k, v)
        assert.deepEqual(await readBack(fc, all), [], `iteration ${i + 1}: values of this and every earlier iteration`)
        const current = Math.max(...r.epochs.map((e) => e.current))
        const winnerEpoch = r.epochs.find((e) => e.port === r.winnerPort)!.my
        for (const e of r.epochs) assert.ok(e.current >= e.my, `iteration ${i + 1}, ${e.port}: current epoch ${e.current} < my epoch ${e.my}`)
        assert.ok(current > lastCurrent, `iteration ${i + 1}: current epoch ${current} did not grow past ${lastCurrent}`)
        assert.ok(winnerEpoch > lastWinnerEpoch && winnerEpoch === current, `iteration ${i + 1}: winner config epoch ${winnerEpoch} (previous winner ${lastWinnerEpoch}, current ${current})`)
        lastCurrent = current
        lastWinnerEpoch = winnerEpoch
      }
      t.diagnostic(`${engine}: 10 iterations in ${((performance.now() - t0) / 1000).toFixed(1)} s`)
    })
  })
}

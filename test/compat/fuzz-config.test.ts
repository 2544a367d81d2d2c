// Seeded random CONFIG SET / CONFIG GET sequences (test/compat/fuzz-config.ts) on redis-server and
// an embedded node side by side: every reply the same bytes (error texts naming the setting as
// redis does), and CONFIG GET of what each SET named. Fixed seeds; reproduce with
// `node --import tsx test/compat/fuzz-config.ts --seeds <n> [--resp 3]`.
import {test} from 'node:test'
import assert from 'node:assert/strict'
import {pairSuite} from './harness.js'
import {fuzzConfig} from './fuzz-config.js'

pairSuite('random CONFIG sequences', {}, (p) => {
  for (const [seeds, resp] of [[[1, 2, 3, 4, 5, 6], 2], [[7, 8, 9], 3]] as const) {
    test(`seeds ${seeds.join(', ')}, RESP${resp}: 300 steps each answer as redis-server`, {timeout: 300_000}, async () => {
      const found = []
      for (const seed of seeds) {
        const d = await fuzzConfig(p.redisPort, p.ourPort, seed, 300, resp)
        if (d !== null) found.push(`seed ${seed} step ${d.index} ${JSON.stringify(d.argv)}: redis-server ${JSON.stringify(d.theirs)}, embedded ${JSON.stringify(d.ours)}`)
      }
      assert.deepEqual(found, [])
    })
  }
})

// Seeded random script return values (test/compat/fuzz-lua.ts) on redis-server and an embedded node
// side by side: every reply the same bytes, in RESP2 and RESP3, with redis.setresp(2|3). Reproduce
// with `node --import tsx test/compat/fuzz-lua.ts --seeds <n> [--resp 3]`.
import {test} from 'node:test'
import assert from 'node:assert/strict'
import {pairSuite} from './harness.js'
import {fuzzLua} from './fuzz-lua.js'

pairSuite('random script values', {}, (p) => {
  for (const [seeds, resp] of [[[1, 2, 3, 4], 2], [[5, 6, 7], 3]] as const) {
    test(`seeds ${seeds.join(', ')}, RESP${resp}: 300 scripts each answer as redis-server`, {timeout: 300_000}, async () => {
      const found = []
      for (const seed of seeds) {
        const d = await fuzzLua(p.redisPort, p.ourPort, seed, 300, resp)
        if (d !== null) found.push(`seed ${seed} step ${d.index} ${JSON.stringify(d.argv)}: redis-server ${JSON.stringify(d.theirs)}, embedded ${JSON.stringify(d.ours)}`)
      }
      assert.deepEqual(found, [])
    })
  }
})

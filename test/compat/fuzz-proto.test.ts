// Seeded random request byte streams (test/compat/fuzz-proto.ts) — valid and malformed multibulk
// and inline requests, cut into chunks — on raw connections to redis-server and an embedded node
// side by side: the same bytes back, the connection closed alike, the same error counters and
// command stats. Fixed seeds; reproduce with `node --import tsx test/compat/fuzz-proto.ts --seeds <n>`.
import {test} from 'node:test'
import assert from 'node:assert/strict'
import {pairSuite} from './harness.js'
import {describeProtoDiff, fuzzProto} from './fuzz-proto.js'

const SEEDS = Array.from({length: 16}, (_, i) => i + 1)
const STREAMS = 20

pairSuite('random request bytes', {}, (p) => {
  test(`seeds ${SEEDS[0]}-${SEEDS.at(-1)}: ${STREAMS} byte streams each answered as redis-server`, {timeout: 300_000}, async () => {
    const found: string[] = []
    for (const seed of SEEDS) {
      const d = await fuzzProto(p.redisPort, p.ourPort, seed, STREAMS)
      if (d !== null) found.push(describeProtoDiff(d))
    }
    assert.deepEqual(found, [])
  })
})

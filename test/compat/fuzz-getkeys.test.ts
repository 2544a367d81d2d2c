// Seeded random COMMAND GETKEYS / GETKEYSANDFLAGS of every command and subcommand with random
// arguments, and COMMAND INFO / DOCS of random names (test/compat/fuzz-getkeys.ts), on redis-server
// and an embedded node side by side: the same bytes, up to redis's dict order of commands and
// subcommands. Reproduce with `node --import tsx test/compat/fuzz-getkeys.ts --seeds <n> [--resp 3]`.
import {test} from 'node:test'
import assert from 'node:assert/strict'
import {pairSuite} from './harness.js'
import {commandNames, fuzzGetkeys} from './fuzz-getkeys.js'

pairSuite('random COMMAND GETKEYS / INFO / DOCS', {}, (p) => {
  for (const [seeds, resp] of [[[1, 2, 3], 2], [[4, 5], 3]] as const) {
    test(`seeds ${seeds.join(', ')}, RESP${resp}: 500 steps each answer as redis-server`, {timeout: 300_000}, async () => {
      const commands = await commandNames(p.redisPort)
      const found = []
      for (const seed of seeds) {
        const d = await fuzzGetkeys(p.redisPort, p.ourPort, seed, 500, commands, resp)
        if (d !== null) found.push(`seed ${seed} step ${d.index} ${JSON.stringify(d.argv)}: redis-server ${JSON.stringify(d.theirs)}, embedded ${JSON.stringify(d.ours)}`)
      }
      assert.deepEqual(found, [])
    })
  }
})

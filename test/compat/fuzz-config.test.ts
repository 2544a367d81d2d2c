// Seeded random CONFIG SET / CONFIG GET sequences (test/compat/fuzz-config.ts) on redis-server and
// an embedded node side by side: every reply the same bytes (error texts naming the setting as
// redis does), and CONFIG GET of what each SET named. Fixed seeds; reproduce with
// `node --import tsx test/compat/fuzz-config.ts --seeds <n> [--resp 3]`.
import {pairSuite} from './harness.js'
import {fuzzConfig} from './fuzz-config.js'
import {seedTests} from './fuzz-pair.js'

pairSuite('random CONFIG sequences', {}, (p) => seedTests(p, 'steps', [[[1, 2, 3, 4, 5, 6], 2], [[7, 8, 9], 3]], 300, async () => fuzzConfig))

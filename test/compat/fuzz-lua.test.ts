// Seeded random script return values (test/compat/fuzz-lua.ts) on redis-server and an embedded node
// side by side: every reply the same bytes, in RESP2 and RESP3, with redis.setresp(2|3). Reproduce
// with `node --import tsx test/compat/fuzz-lua.ts --seeds <n> [--resp 3]`.
import {pairSuite} from './harness.js'
import {fuzzLua} from './fuzz-lua.js'
import {seedTests} from './fuzz-pair.js'

pairSuite('random script values', {}, (p) => seedTests(p, 'scripts', [[[1, 2, 3, 4], 2], [[5, 6, 7], 3]], 300, async () => fuzzLua))

// Seeded random COMMAND GETKEYS / GETKEYSANDFLAGS of every command and subcommand with random
// arguments, and COMMAND INFO / DOCS of random names (test/compat/fuzz-getkeys.ts), on redis-server
// and an embedded node side by side: the same bytes, up to redis's dict order of commands and
// subcommands. Reproduce with `node --import tsx test/compat/fuzz-getkeys.ts --seeds <n> [--resp 3]`.
import {pairSuite} from './harness.js'
import {getkeysFuzzer} from './fuzz-getkeys.js'
import {seedTests} from './fuzz-pair.js'

pairSuite('random COMMAND GETKEYS / INFO / DOCS', {}, (p) => seedTests(p, 'steps', [[[1, 2, 3], 2], [[4, 5], 3]], 500, getkeysFuzzer))

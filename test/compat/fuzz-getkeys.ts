// Differential key-extraction fuzzer: COMMAND GETKEYS and GETKEYSANDFLAGS of every command in the
// table (subcommands too, read from COMMAND LIST on redis-server) with random arguments — plain
// words, numbers where redis reads a key count, the keywords key specs search for (STREAMS, KEYS,
// STORE, BY, GET, WEIGHTS, ...) — plus COMMAND INFO and COMMAND DOCS of random names, sent to a real
// redis-server and an embedded node; the replies must be the same bytes. This is what cluster
// clients and proxies use to route a command, and what ACL key patterns are checked against.
//
// Used by test/compat/fuzz-getkeys.test.ts (fixed seeds, in `npm test`) and as a tool:
//   node --import tsx test/compat/fuzz-getkeys.ts [--seeds 1-20] [--commands 500] [--resp 2|3]
import {RawClient, type Pair, type Reply} from './harness.js'
import {fuzzMain, int, pick, runSeed, type Fuzzer, type Rng} from './fuzz-pair.js'

const WORDS = [
  'k1', 'k2', 'k3', '{t}a', 'x', '', '0', '1', '2', '3', '5', '-1', '100', 'abc', '$', '>', '*', '0-0',
  'STREAMS', 'streams', 'KEYS', 'keys', 'STORE', 'STOREDIST', 'BY', 'GET', 'LIMIT', 'WEIGHTS', 'AGGREGATE', 'COUNT',
  'BLOCK', 'GROUP', 'LEFT', 'RIGHT', 'MIN', 'MAX', 'WITHSCORES', 'NX', 'XX', 'EX', 'FROMMEMBER', 'BYRADIUS', 'ASC', 'COPY',
  'REPLACE', 'AUTH', 'AUTH2', 'DB', 'NOACK', 'ID', 'TYPE', 'MATCH', 'numkeys', 'LEN', 'IDX', '#', 'w_*', 'h_*->f',
]

function args(r: Rng): string[] {
  const n = r() < 0.1 ? 0 : int(r, 1, 8)
  return Array.from({length: n}, () => (r() < 0.25 ? String(int(r, -1, 6)) : pick(r, WORDS)))
}

function step(r: Rng, commands: string[]): string[] {
  const x = r()
  const name = pick(r, commands)
  // "xgroup|create" is sent as "xgroup create"
  const words = name.split('|')
  if (x < 0.45) return ['COMMAND', 'GETKEYS', ...words, ...args(r)]
  if (x < 0.9) return ['COMMAND', 'GETKEYSANDFLAGS', ...words, ...args(r)]
  if (x < 0.95) return ['COMMAND', 'INFO', ...Array.from({length: int(r, 0, 3)}, () => (r() < 0.8 ? pick(r, commands) : pick(r, ['nosuch', 'GET', 'Config|Get', 'config|nosuch', '|', ''])))]
  return ['COMMAND', 'DOCS', ...Array.from({length: int(r, 1, 2)}, () => (r() < 0.8 ? pick(r, commands) : pick(r, ['nosuch', 'SET', 'client|list'])))]
}

/**
 * What redis-server leaves in its command dict's order (seeded at random per process): COMMAND INFO
 * without names lists every command so, a container's subcommands (COMMAND INFO's tenth field,
 * COMMAND DOCS' "subcommands" map) come so. Sorted here by name.
 */
const byName = (a: Reply, b: Reply): number => {
  const x = String(Array.isArray(a) ? a[0] : a)
  const y = String(Array.isArray(b) ? b[0] : b)
  return x < y ? -1 : x > y ? 1 : 0
}
const isMap = (r: Reply): r is {map: Reply[]} => r !== null && typeof r === 'object' && !Array.isArray(r) && 'map' in r
/** A map's pairs (RESP2: a flat array) sorted by key; `fix` applied to each value. */
function sortPairs(r: Reply, fix: (v: Reply) => Reply): Reply {
  const flat = isMap(r) ? r.map : Array.isArray(r) ? r : null
  if (flat === null) return r
  const pairs: [Reply, Reply][] = []
  for (let i = 0; i + 1 < flat.length; i += 2) pairs.push([flat[i], fix(flat[i + 1])])
  pairs.sort((a, b) => byName(a[0], b[0]))
  const out = pairs.flat()
  return isMap(r) ? {map: out} : out
}
function infoEntry(e: Reply): Reply {
  if (!Array.isArray(e) || e.length < 10 || !Array.isArray(e[9])) return e
  return [...e.slice(0, 9), [...e[9]].map(infoEntry).sort(byName), ...e.slice(10)]
}
function docsEntry(d: Reply): Reply {
  const flat = isMap(d) ? d.map : Array.isArray(d) ? d : null
  if (flat === null) return d
  const out = flat.map((v, i) => (flat[i - 1] === 'subcommands' ? sortPairs(v, docsEntry) : v))
  return isMap(d) ? {map: out} : out
}
export function normalize(argv: string[], reply: Reply): Reply {
  const sub = argv[1]?.toUpperCase()
  if (sub === 'INFO' && Array.isArray(reply)) {
    const entries = reply.map(infoEntry)
    return argv.length === 2 ? entries.sort(byName) : entries
  }
  if (sub === 'DOCS') return sortPairs(reply, docsEntry)
  return reply
}

/** COMMAND LIST of redis-server: every command and subcommand name (sorted: its order is a dict's). */
export async function commandNames(redisPort: number): Promise<string[]> {
  const c = await RawClient.connect(redisPort)
  try {
    return ((await c.call(['COMMAND', 'LIST'])) as string[]).filter((n) => typeof n === 'string').sort()
  } finally {
    c.close()
  }
}

/** The fuzzer over the commands redis-server of `pair` lists. */
export async function getkeysFuzzer(pair: Pair): Promise<Fuzzer> {
  const commands = await commandNames(pair.redisPort)
  return (redisPort, ourPort, seed, count, resp) => runSeed(redisPort, ourPort, seed, count, resp, {step: (r) => step(r, commands), normalize})
}

if (process.argv[1]?.endsWith('fuzz-getkeys.ts')) await fuzzMain(500, getkeysFuzzer)

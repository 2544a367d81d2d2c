// What the small differential fuzzers (fuzz-acl, fuzz-config, fuzz-getkeys, fuzz-lua) share: one
// connection to each server per seed, seeded steps sent to both, the first pair of replies that
// differ (after the fuzzer's normalisation of what redis-server itself leaves unordered), the
// command-line tool (`--seeds A-B --commands N --resp 2|3`) and the fixed-seed tests of `npm test`.
import {test} from 'node:test'
import assert from 'node:assert/strict'
import {RawClient, startPair, type Pair, type Reply} from './harness.js'
import {prng, type Rng} from './fuzz-commands.js'

export type {Rng}

export const pick = <T>(r: Rng, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]
export const int = (r: Rng, lo: number, hi: number): number => lo + Math.floor(r() * (hi - lo + 1))

export interface PairDiff {
  seed: number
  index: number
  argv: string[]
  ours: Reply
  theirs: Reply
}

/** Both connections of a seed: [redis-server's, the node's]. */
export class Both {
  constructor(readonly conns: [RawClient, RawClient]) {}
  /** The command on both; the replies, normalised, as [redis-server's, the node's]. */
  async call(argv: string[], normalize?: (argv: string[], reply: Reply) => Reply): Promise<[Reply, Reply]> {
    const replies = await Promise.all(this.conns.map((c) => c.call(argv)))
    return normalize ? [normalize(argv, replies[0]), normalize(argv, replies[1])] : [replies[0], replies[1]]
  }
}

export interface SeedRun {
  /** once per seed on each connection, before the steps (and before HELLO 3) */
  setup?: (c: RawClient) => Promise<void>
  /** the next command */
  step: (r: Rng) => string[]
  normalize?: (argv: string[], reply: Reply) => Reply
  /** after a step whose replies agreed: more commands on both; a difference, or null */
  after?: (argv: string[], r: Rng, both: Both) => Promise<{argv: string[]; theirs: Reply; ours: Reply} | null>
  /** once per seed on each connection, after the steps (even after a difference) */
  teardown?: (c: RawClient) => Promise<void>
}

/** One seed: `count` steps on fresh connections to both servers; the first difference, or null. */
export async function runSeed(redisPort: number, ourPort: number, seed: number, count: number, resp: 2 | 3, run: SeedRun): Promise<PairDiff | null> {
  const r = prng(seed)
  const [theirConn, ourConn] = await Promise.all([RawClient.connect(redisPort), RawClient.connect(ourPort)])
  const both = new Both([theirConn, ourConn])
  try {
    for (const c of both.conns) {
      await run.setup?.(c)
      if (resp === 3) await c.call(['HELLO', '3'])
    }
    for (let i = 0; i < count; i++) {
      const argv = run.step(r)
      const [theirs, ours] = await both.call(argv, run.normalize)
      if (JSON.stringify(theirs) !== JSON.stringify(ours)) return {seed, index: i, argv, ours, theirs}
      const more = await run.after?.(argv, r, both)
      if (more) return {seed, index: i, argv: [...argv, '=>', ...more.argv], ours: more.ours, theirs: more.theirs}
    }
    return null
  } finally {
    for (const c of both.conns) {
      await run.teardown?.(c)
      c.close()
    }
  }
}

export type Fuzzer = (redisPort: number, ourPort: number, seed: number, count: number, resp: 2 | 3) => Promise<PairDiff | null>

export function describeDiff(d: PairDiff, limit = Infinity): string {
  return `seed ${d.seed} step ${d.index}: ${JSON.stringify(d.argv)}\n  redis-server: ${JSON.stringify(d.theirs).slice(0, limit)}\n  embedded:     ${JSON.stringify(d.ours).slice(0, limit)}`
}

/** The command-line tool: one pair of servers, the seeds in turn, each difference printed. */
export async function fuzzMain(defaultCount: number, fuzzer: (pair: Pair) => Promise<Fuzzer>): Promise<void> {
  const arg = (name: string, def: string): string => {
    const at = process.argv.indexOf('--' + name)
    return at >= 0 ? process.argv[at + 1] : def
  }
  const [lo, hi] = arg('seeds', '1-10').split('-').map(Number)
  const count = Number(arg('commands', String(defaultCount)))
  const resp = Number(arg('resp', '2')) as 2 | 3
  const pair = await startPair()
  let diffs = 0
  try {
    const fuzz = await fuzzer(pair)
    for (let seed = lo; seed <= (hi ?? lo); seed++) {
      const d = await fuzz(pair.redisPort, pair.ourPort, seed, count, resp)
      if (d === null) continue
      diffs++
      console.log(describeDiff(d, 600))
    }
  } finally {
    await pair.stop()
  }
  console.log(`${diffs} difference(s)`)
}

/** `npm test`'s fixed seeds: one test per [seeds, RESP version], every seed's difference listed. */
export function seedTests(p: Pair, what: string, groups: readonly (readonly [readonly number[], 2 | 3])[], count: number, fuzzer: (pair: Pair) => Promise<Fuzzer>): void {
  for (const [seeds, resp] of groups) {
    test(`seeds ${seeds.join(', ')}, RESP${resp}: ${count} ${what} each answer as redis-server`, {timeout: 300_000}, async () => {
      const fuzz = await fuzzer(p)
      const found: string[] = []
      for (const seed of seeds) {
        const d = await fuzz(p.redisPort, p.ourPort, seed, count, resp)
        if (d !== null) found.push(describeDiff(d))
      }
      assert.deepEqual(found, [])
    })
  }
}

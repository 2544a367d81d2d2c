// A seeded linear congruential generator for reproducible random test scripts: lcg(seed)(n) is an
// integer in [0, n). Deterministic per seed, so a failing seed replays exactly.
export function lcg(seed: number): (n: number) => number {
  let x = seed
  return (n) => ((x = (Math.imul(x, 1103515245) + 12345) >>> 0) % n)
}

// Benchmark: a hashtable set growing with churn (SADD:SREM at 2:1, the oldest member removed), in
// process through the SADD/SREM data path (setAdd/setRemove, no sockets): the slowest single
// operation, and the slowest among the operations that start a table doubling (issue 12: a counting
// pass that restarted on every delete was finished by the next growth in one operation, about 1.3x
// the set's members hashed at once), how many operations took over 10 ms (V8's own Set growth and
// major GCs show there too), and for scale the cost of copying the N members into an array (what
// a frozen snapshot at pass start would cost in one operation).
// Wall clock per operation (performance.now): the outliers looked for are tens of ms, above the
// noise of a loaded machine; run it twice when a figure looks off.
// MODE=expires: the same with the expires dict (a key SET with a TTL, or the oldest key deleted,
// through the Keyspace class), as when keys expire while others get a TTL.
// Run: node --import tsx bench/dict-churn.ts   Options (env): SIZES=1000000,4000000 RATIO=2 (adds per delete)
//   MODE=set|expires  SRC=<repo root> (whose src/ to measure: a baseline checkout)
import {resolve} from 'node:path'
import {pathToFileURL} from 'node:url'

const SIZES = (process.env.SIZES ?? '1000000,4000000').split(',').filter(Boolean).map(Number)
const RATIO = Number(process.env.RATIO ?? 2)
const MODE = process.env.MODE ?? 'set'
const SRC = resolve(process.env.SRC ?? resolve(import.meta.dirname, '..'))

type SetDict = typeof import('../src/node/keyspace/set-dict.js')
type KeyspaceMod = typeof import('../src/node/keyspace/keyspace.js')

/** The churned structure: its size, one add or delete, and the dict model to watch. */
interface Churned {
  size(): number
  add(m: string): void
  del(m: string): void
  dict(): {size0: number; size1: number}
  /** its elements (the set's members; the keys, for the expires dict: every key has a TTL) */
  elements(): Iterable<string>
}

function setChurn(sd: SetDict): Churned {
  const s: Set<string> = new Set()
  sd.setAdd(s, 'not-an-int') // a hashtable set from the start
  return {size: () => s.size, add: (m) => sd.setAdd(s, m), del: (m) => sd.setRemove(s, m), dict: () => sd.setDict(s)!, elements: () => s.values()}
}

function expiresChurn(km: KeyspaceMod): Churned {
  const ks = new km.Keyspace({now: () => 0})
  return {
    size: () => ks.expiresDict.size,
    add(m) {
      ks.set(m, 'v')
      ks.setExpire(m, 1e15)
    },
    del: (m) => void ks.delete(m),
    dict: () => ks.expiresDict,
    elements: () => ks.keys(),
  }
}

async function churn(s: Churned, size: number): Promise<string> {
  // adds and removes so far, the slowest op, the slowest op starting a doubling, ops over 10 ms
  const n = {added: 0, removed: 0, ops: 0, worst: 0, grow: 0, over10: 0}
  const d = s.dict()
  while (s.size() < size) {
    const del = n.ops % (RATIO + 1) === RATIO
    const before = d.size1
    const t0 = performance.now()
    if (del) s.del(`member:${n.removed++}`)
    else s.add(`member:${n.added++}`)
    const dt = performance.now() - t0
    n.ops++
    n.worst = Math.max(n.worst, dt)
    if (dt > 10) n.over10++
    if (d.size1 !== before && d.size1 > d.size0) n.grow = Math.max(n.grow, dt)
  }
  const copy0 = performance.now()
  const copy = Array.from(s.elements())
  const copyMs = performance.now() - copy0
  return `| ${size.toLocaleString('en-US')} | ${n.ops.toLocaleString('en-US')} | ${n.worst.toFixed(1)} | ${n.over10} | ${n.grow.toFixed(1)} | ${copyMs.toFixed(1)} (${copy.length.toLocaleString('en-US')}) |`
}

async function main(): Promise<void> {
  const load = (f: string) => import(pathToFileURL(resolve(SRC, 'src/node/keyspace', f)).href)
  const make = MODE === 'expires'
    ? async () => expiresChurn((await load('keyspace.ts')) as KeyspaceMod)
    : async () => setChurn((await load('set-dict.ts')) as SetDict)
  console.log(`${MODE === 'expires' ? 'SET with a TTL:DEL' : 'SADD:SREM'} ${RATIO}:1 from ${SRC}`)
  console.log('| members | operations | slowest op ms | ops > 10 ms | slowest op starting a doubling ms | copying the members ms |')
  console.log('|---|---|---|---|---|---|')
  for (const size of SIZES) console.log(await churn(await make(), size))
}

await main()

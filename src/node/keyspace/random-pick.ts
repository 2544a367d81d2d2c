// Uniform random members of a big set or hash (SRANDMEMBER, SPOP, HRANDFIELD) in O(1), as redis's
// dictGetFairRandomKey is. A JS Set/Map has no random access: picking the i-th member walked i
// of them, so SPOP on a 1M-member set cost half a million steps per call. A value that is picked
// from gets an array of its members, kept up to date by the adds and removes of set-dict.ts and
// hash-dict.ts: an add appends, a remove only marks the member stale (finding it in the array
// would be O(n)); a pick draws from the array and draws again on a stale member. Once stale
// members outnumber live ones the array is dropped and the next pick rebuilds it, so a rebuild's
// O(n) is paid for by the n/2 removes before it, and a draw needs two tries at most on average.
// Small values are walked as before (no array for them).

/** values up to this size are walked to the picked index (cheap; no array kept) */
const WALK_MAX = 64

interface Picker {
  /** every member of the value once, plus members removed since (in `stale`) */
  members: string[]
  stale: Set<string>
}

const pickers = new WeakMap<object, Picker>()
/** no picker was ever made: adds and removes skip the lookup (the fill of a big value pays nothing) */
let none = true
/** members copied into arrays so far (tests bound the work of many picks with it) */
let walked = 0

export function pickerWalked(): number {
  return walked
}

type Picked = Set<string> | Map<string, unknown>

const randomInt = (n: number) => Math.floor(Math.random() * n)

function build(v: Picked): Picker {
  const p: Picker = {members: Array.from(v.keys()), stale: new Set()}
  walked += p.members.length
  pickers.set(v, p)
  none = false
  return p
}

/** A uniformly random member of a non-empty set, or field of a non-empty hash. */
export function randomMember(v: Picked): string {
  if (v.size <= WALK_MAX) {
    let i = randomInt(v.size)
    for (const m of v.keys()) if (i-- === 0) return m
  }
  let p = pickers.get(v)
  // the live count differs: a change went round the hooks below (never expected): start over
  if (p === undefined || p.members.length - p.stale.size !== v.size) p = build(v)
  for (;;) {
    const m = p.members[randomInt(p.members.length)]
    if (p.stale.has(m)) continue
    if (v.has(m)) return m
    p = build(v) // a member gone unnoticed (never expected)
  }
}

/** `m` was just added to `v` (it was not a member). */
export function pickAdded(v: Picked, m: string): void {
  if (none) return
  const p = pickers.get(v)
  if (p === undefined) return
  // a member removed and added back is still in the array: live again, not twice
  if (!p.stale.delete(m)) p.members.push(m)
}

/** `m` was just removed from `v`. */
export function pickRemoved(v: Picked, m: string): void {
  if (none) return
  const p = pickers.get(v)
  if (p === undefined) return
  p.stale.add(m)
  if (p.stale.size > p.members.length - p.stale.size) pickers.delete(v)
}

/** Many members changed at once (SPOP keeping the remaining few): the next pick rebuilds. */
export function pickForget(v: Picked): void {
  if (!none) pickers.delete(v)
}

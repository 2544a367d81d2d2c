// The only I/O behind checks: counting keys of slots a master does not own (multiple-owners search).
// One pipeline per master instead of redis-cli's 16384 sequential round trips.
import type {NodePool} from '../pool.js'
import type {ClusterView} from '../topology/types.js'

export async function gatherKeyHolders(view: ClusterView, pool: NodePool): Promise<Map<number, string[]>> {
  const out = new Map<number, string[]>()
  await Promise.all(
    view.nodes
      .filter((n) => n.role === 'master' && n.reachable)
      .map(async (n) => {
        const owned = new Set<number>()
        for (const [a, b] of n.slots) for (let s = a; s <= b; s++) owned.add(s)
        const c = await pool.get({host: n.host, port: n.port})
        const pipe = c.pipeline()
        const slots: number[] = []
        for (let s = 0; s < 16384; s++) {
          if (owned.has(s)) continue
          slots.push(s)
          pipe.call('CLUSTER', 'COUNTKEYSINSLOT', String(s))
        }
        const res = (await pipe.exec()) ?? []
        res.forEach(([err, count], i) => {
          if (!err && Number(count) > 0) out.set(slots[i], [...(out.get(slots[i]) ?? []), n.id])
        })
      }),
  )
  return out
}

// Synchronous reclamation of big values the active expire cycle frees (redis 7.0 activeExpireCycle
// with lazyfree-lazy-expire no: dbSyncDelete frees the value inside the cycle, so a 1M-element set
// costs the cycle tens of ms and shows as LATENCY `expire-cycle`, and its memory is back at once).
// Dropping a reference in V8 frees nothing: the memory waits for a later collection, whose pause
// lands on some unrelated command. So when the aggregates one cycle freed are at least as big as
// everything the node still holds (its dataset estimate, and the JS runtime's own heap measured
// when this module loads), the cycle runs a full collection itself. A collection costs in
// proportion to what stays live, so the rule bounds its pause by the bytes just freed: the order
// of cost Redis pays freeing them element by element. Smaller frees (the common case) are left to
// V8's own collector, as lazyfree-lazy-expire yes leaves every big value to Redis's lazy-free thread.
import v8 from 'node:v8'
import vm from 'node:vm'
import type {RedisValue} from '../keyspace/keyspace.js'
import type {NodeServer} from '../server.js'
import {aggregateBytes, usedMemory} from './index.js'

/** The heap of the runtime with no data yet (code, the command table): a collection's floor. */
const RUNTIME_HEAP = v8.getHeapStatistics().used_heap_size

let collect: (() => void) | null | undefined

/** V8's full collection (`--expose-gc` set at run time); null where the flag is refused. */
function collector(): (() => void) | null {
  if (collect === undefined) {
    try {
      v8.setFlagsFromString('--expose-gc')
      collect = vm.runInNewContext('gc') as () => void
    } catch {
      collect = null
    }
  }
  return collect
}

/**
 * Bytes a freed aggregate held (the estimate used_memory uses). Strings count 0: Redis frees one
 * in a single call whatever its length, so a collection for it would cost more than Redis pays.
 */
export function freedAggregateBytes(v: RedisValue): number {
  return typeof v === 'string' ? 0 : aggregateBytes(v)
}

/** The rule above, pure: the freed bytes cover both what the node still holds and the runtime's floor. */
export function worthCollecting(freedBytes: number, heldBytes: number, runtimeBytes: number): boolean {
  return freedBytes > 0 && freedBytes >= heldBytes && freedBytes >= runtimeBytes
}

/** After a cycle freed `freedBytes` of aggregates: run a full collection if the rule says so. */
export function reclaimFreed(server: NodeServer, freedBytes: number): boolean {
  // the dataset estimate walks the keyspace: only worth computing past the cheap floor test
  if (freedBytes < RUNTIME_HEAP || !worthCollecting(freedBytes, usedMemory(server), RUNTIME_HEAP)) return false
  const gc = collector()
  if (gc === null) return false
  gc()
  return true
}

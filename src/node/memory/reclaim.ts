// Synchronous reclamation of big values the active expire cycle frees (redis 7.0 activeExpireCycle
// with lazyfree-lazy-expire no: dbSyncDelete frees the value inside the cycle, so a 1M-element set
// costs the cycle tens of ms and shows as LATENCY `expire-cycle`, and its memory is back at once).
// Dropping a reference in V8 frees nothing: the memory waits for a later collection, whose pause
// lands on some unrelated command. So when the values one cycle freed are at least half the V8
// heap, the cycle runs a full collection itself. Its cost is proportional to the live heap, which
// the rule bounds by the bytes just freed, the order of cost Redis pays freeing them one by one;
// smaller frees (the common case) are left to V8's own collector, as lazyfree-lazy-expire yes
// leaves every big value to Redis's lazy-free thread.
import v8 from 'node:v8'
import vm from 'node:vm'
import type {RedisValue} from '../keyspace/keyspace.js'
import {aggregateBytes} from './index.js'

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

/** The rule above, pure: collect when the freed bytes are at least the rest of the heap. */
export function worthCollecting(freedBytes: number, heapUsed: number): boolean {
  return freedBytes > 0 && freedBytes * 2 >= heapUsed
}

/** Run a full collection if the rule says so; true when it ran. */
export function reclaimFreed(freedBytes: number): boolean {
  if (freedBytes === 0 || !worthCollecting(freedBytes, v8.getHeapStatistics().used_heap_size)) return false
  const gc = collector()
  if (gc === null) return false
  gc()
  return true
}

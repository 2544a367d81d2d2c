// A Map that holds more than V8 lets one Map hold: 2^24 entries, past which Map.prototype.set
// throws "Map maximum size exceeded". A database's expires (every key with a TTL) and its access
// data (every key under an LRU/LFU maxmemory-policy) are one map each, and redis holds 2^32 keys;
// with a plain Map the 16,777,217th key given a TTL failed its command. Entries fill the first Map
// up to the limit, then further ones; a key lives in exactly one. While there is one Map (any
// dataset under ~16.7M such keys) each call is that Map's own plus a length check.

/** V8's most entries in one Map or Set (OrderedHashMap::MaxCapacity on 64-bit) */
export const MAP_LIMIT = 2 ** 24

export class BigMap<K, V> {
  private maps: Map<K, V>[] = [new Map()]

  /** `limit`: entries per Map (tests give a small one) */
  constructor(private readonly limit = MAP_LIMIT) {}

  get size(): number {
    const ms = this.maps
    if (ms.length === 1) return ms[0].size
    let n = 0
    for (const m of ms) n += m.size
    return n
  }

  get(key: K): V | undefined {
    const ms = this.maps
    if (ms.length === 1) return ms[0].get(key)
    for (const m of ms) {
      const v = m.get(key)
      if (v !== undefined || m.has(key)) return v
    }
    return undefined
  }

  has(key: K): boolean {
    const ms = this.maps
    if (ms.length === 1) return ms[0].has(key)
    for (const m of ms) if (m.has(key)) return true
    return false
  }

  set(key: K, value: V): this {
    const ms = this.maps
    if (ms.length === 1 && ms[0].size < this.limit) {
      ms[0].set(key, value)
      return this
    }
    for (const m of ms) {
      if (m.has(key)) {
        m.set(key, value)
        return this
      }
    }
    // a new key: the first Map with room (deletes may have made some), else one more
    for (const m of ms) {
      if (m.size < this.limit) {
        m.set(key, value)
        return this
      }
    }
    ms.push(new Map([[key, value]]))
    return this
  }

  delete(key: K): boolean {
    const ms = this.maps
    if (ms.length === 1) return ms[0].delete(key)
    for (const m of ms) if (m.delete(key)) return true
    return false
  }

  clear(): void {
    // a fresh list: an iterator taken before goes on over the Maps it had (as after Map.clear, it
    // yields nothing more from the cleared ones)
    for (const m of this.maps) m.clear()
    this.maps = [new Map()]
  }

  keys(): IterableIterator<K> {
    return this.maps.length === 1 ? this.maps[0].keys() : this.chain((m) => m.keys())
  }

  entries(): IterableIterator<[K, V]> {
    return this.maps.length === 1 ? this.maps[0].entries() : this.chain((m) => m.entries())
  }

  [Symbol.iterator](): IterableIterator<[K, V]> {
    return this.entries()
  }

  /** Each Map's iterator in turn, Maps added meanwhile included. */
  private *chain<T>(of: (m: Map<K, V>) => IterableIterator<T>): IterableIterator<T> {
    const ms = this.maps
    for (let i = 0; i < ms.length; i++) yield* of(ms[i])
  }
}

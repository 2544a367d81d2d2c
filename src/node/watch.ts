// WATCH bookkeeping (redis multi.c watchForKey, touchWatchedKey, touchAllWatchedKeysInDb): which
// sessions watch which keys, and the CAS flag a touched key sets. The server owns one table and
// calls it on every key change, expiry, flush, SWAPDB and full sync.
import type {Keyspace} from './keyspace/keyspace.js'
import type {Session} from './session.js'

export class WatchTable {
  /** "db\0key" -> the sessions watching it */
  private readonly keys = new Map<string, Set<Session>>()

  constructor(private readonly db: (i: number) => Keyspace) {}

  get size(): number {
    return this.keys.size
  }

  /** WATCH (redis watchForKey): remembers whether the key was already logically expired. */
  watch(s: Session, dbIndex: number, key: string): void {
    const id = dbIndex + '\0' + key
    if (s.watched?.has(id)) return
    ;(s.watched ??= new Map()).set(id, {db: dbIndex, key, expired: this.db(dbIndex).isStale(key)})
    let set = this.keys.get(id)
    if (!set) this.keys.set(id, (set = new Set()))
    set.add(s)
  }

  unwatchAll(s: Session): void {
    if (!s.watched) return
    for (const id of s.watched.keys()) {
      const set = this.keys.get(id)
      if (set) {
        set.delete(s)
        if (set.size === 0) this.keys.delete(id)
      }
    }
    s.watched = null
    s.dirtyCas = false
  }

  /**
   * redis touchWatchedKey. A key watched while already expired changes nothing when it is
   * deleted (its flag is cleared); while it still sits in the keyspace, redis 7.0 stops there.
   */
  touch(dbIndex: number, key: string): void {
    const id = dbIndex + '\0' + key
    const set = this.keys.get(id)
    if (!set) return
    for (const s of set) {
      const w = s.watched?.get(id)
      if (w?.expired) {
        if (this.db(dbIndex).exists(key)) break
        w.expired = false
        continue
      }
      s.dirtyCas = true
    }
  }

  /**
   * FLUSHDB/FLUSHALL (dbIndex -1: every db), called before the db is emptied, and SWAPDB /
   * a full sync (replacedWith: the db whose contents take its place), as redis
   * touchAllWatchedKeysInDb: only watchers of a key that exists on either side are touched, and
   * a key that was and stays logically expired (or is replaced by an expired one) is no change.
   */
  touchAll(dbIndex: number, replacedWith = -1): void {
    if (this.keys.size === 0) return
    for (const [id, set] of this.keys) {
      const i = id.indexOf('\0')
      const db = Number(id.slice(0, i))
      if (dbIndex !== -1 && db !== dbIndex) continue
      const key = id.slice(i + 1)
      const inEmptied = this.db(db).exists(key)
      const other = replacedWith === -1 ? null : this.db(replacedWith)
      const inReplacement = other !== null && other.exists(key)
      if (!inEmptied && !inReplacement) continue
      for (const s of set) {
        const w = s.watched?.get(id)
        if (w?.expired) {
          if (!inReplacement) {
            w.expired = false
            continue
          }
          if (other!.isStale(key)) continue
        } else if (w !== undefined && !inEmptied && other !== null && other.isStale(key)) {
          w.expired = true
          continue
        }
        s.dirtyCas = true
      }
    }
  }
}

// The rollback behind SCRIPT DEBUG YES. Redis runs such a session in a fork()ed child, so its
// writes never reach the parent's dataset, replicas or the AOF. The node has no fork; the
// debugging session blocks the node like a SYNC one, and this log keeps the pre-image of every
// key the session writes (an RDB encoding, or "absent"), put back when the session ends.
import {decodeValue, encodeValue} from '../persistence/rdb-codec.js'
import {fromRdbValue, toRdbValue} from '../keyspace/rdb-convert.js'
import type {BeforeWriteHook, NodeServer} from '../server.js'

interface PreImage {
  value: Buffer
  expireAt: number | undefined
}

export class UndoLog {
  /** db -> key -> pre-image (null: the key did not exist) */
  private readonly pre = new Map<number, Map<string, PreImage | null>>()
  private readonly hook: BeforeWriteHook

  constructor(private readonly server: NodeServer) {
    this.hook = (db, keys) => this.beforeWrite(db, keys)
    server.beforeWriteHooks.push(this.hook)
  }

  private beforeWrite(db: number, keys: readonly string[] | null): void {
    // a write without known keys (FLUSHALL, SWAPDB ...): keep every key it may touch
    if (keys === null) {
      const dbs = db < 0 ? [...Array(this.server.databaseCount).keys()] : [db]
      for (const d of dbs) {
        const ks = this.server.db(d)
        const all: string[] = []
        ks.scan(0, Number.MAX_SAFE_INTEGER, (k) => all.push(k))
        this.keep(d, all)
      }
      return
    }
    this.keep(db, keys)
  }

  private keep(db: number, keys: readonly string[]): void {
    let m = this.pre.get(db)
    if (m === undefined) this.pre.set(db, (m = new Map()))
    const ks = this.server.db(db)
    for (const key of keys) {
      if (m.has(key)) continue
      const v = ks.peekRaw(key)
      m.set(key, v === undefined ? null : {value: encodeValue(toRdbValue(v)), expireAt: ks.getExpire(key)})
    }
  }

  /** Put every key the session wrote back as it was, and stop recording. */
  rollback(): void {
    const hooks = this.server.beforeWriteHooks
    const i = hooks.indexOf(this.hook)
    if (i >= 0) hooks.splice(i, 1)
    for (const [db, keys] of this.pre) {
      const ks = this.server.db(db)
      for (const [key, img] of keys) {
        ks.delete(key)
        if (img === null) continue
        ks.set(key, fromRdbValue(decodeValue(img.value).value))
        if (img.expireAt !== undefined) ks.setExpire(key, img.expireAt, true)
      }
    }
    this.pre.clear()
  }
}

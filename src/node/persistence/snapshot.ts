// A point-in-time RDB of every database, produced in chunks while clients keep writing: the
// equivalent of redis' fork() + copy-on-write (rdbSaveBackground). Construction fixes the point
// in time in O(#dbs). next() walks each db slot by slot (keys live in one Map per hash slot), so
// the (db, slot) cursor tells which keys are already written. Before any write the dispatcher
// calls server.beforeWrite(db, keys): for keys whose slot the cursor has not reached we encode
// the pre-image to RDB bytes right away, or remember that the key did not exist (so keys created
// after the snapshot began never appear). A write whose keys are unknown (FLUSHALL, -1/null)
// makes the snapshot finish synchronously, like a parent that touched every page.
// BGSAVE, replication full sync and AOF rewrite each take their own Snapshot; several may run.
import {ByteWriter} from './byte-io.js'
import {Crc64} from './crc64.js'
import {defaultAux, RDB_OPCODE, writeEntry, writePreamble, writeSelectDb} from './rdb-file.js'
import {toRdbValue} from '../keyspace/rdb-convert.js'
import {keySlot, SLOTS} from '../keyspace/slot.js'
import type {Keyspace, RedisValue} from '../keyspace/keyspace.js'
// Types only: server.ts imports the command table, which imports the persistence commands.
import type {BeforeWriteHook, NodeServer} from '../server.js'
import {rdbAccessInfo, usedMemory} from '../memory/index.js'

export interface SnapshotOptions {
  /** rdbcompression (default true). */
  compress?: boolean
  /** rdbchecksum (default true); false writes a zero CRC like redis. */
  checksum?: boolean
  /**
   * Extra AUX fields (repl-stream-db, repl-id, repl-offset ...): a name redis writes by default
   * (redis-ver, redis-bits, ctime, used-mem, aof-base) replaces that value in place; others are
   * written before aof-base, where rdbSaveInfoAuxFields puts the replication fields.
   */
  aux?: [string, string][]
  /** Approximate bytes per next() chunk (default 64 KiB). */
  chunkSize?: number
  /** FUNCTION2 payloads (library code), written before the databases. */
  functions?: string[]
  /** No databases at all (redis SLAVE_REQ_RDB_EXCLUDE_DATA: header, aux fields, functions, EOF). */
  excludeData?: boolean
}

interface DbState {
  index: number
  ks: Keyspace
  size: number
  expires: number
  /** slot -> key -> encoded pre-image record, or null when the key did not exist at the start. */
  pre: Map<number, Map<string, Buffer | null>>
}

export class Snapshot {
  private readonly dbs: DbState[] = []
  private readonly byIndex = new Map<number, DbState>()
  private readonly compress: boolean
  private readonly checksum: boolean
  private readonly chunkSize: number
  private readonly crc = new Crc64()
  private readonly w: ByteWriter
  private preamble: Buffer | null
  /** Cursor: dbs[dbPos], next slot to write (-1: SELECTDB not written yet). */
  private dbPos = 0
  private slot = -1
  /** Chunks produced ahead of next() by a synchronous finish. */
  private readonly pending: Buffer[] = []
  private hook: BeforeWriteHook | null
  private ended = false
  private released = false

  constructor(
    private readonly server: NodeServer,
    opts: SnapshotOptions = {},
  ) {
    this.compress = opts.compress !== false
    this.checksum = opts.checksum !== false
    this.chunkSize = Math.max(1, opts.chunkSize ?? 64 * 1024)
    this.w = new ByteWriter(Math.min(this.chunkSize * 2, 1 << 20))
    for (const [index, ks] of opts.excludeData === true ? [] : server.databases()) {
      if (ks.size === 0) continue
      const st: DbState = {index, ks, size: ks.size, expires: ks.expiresCount, pre: new Map()}
      this.dbs.push(st)
      this.byIndex.set(index, st)
    }
    // The header is encoded now: ctime and used-mem describe the point in time.
    const w = new ByteWriter(256)
    writePreamble(w, auxFields(server, opts.aux ?? []), opts.functions ?? server.scripting?.functions.codes() ?? [], this.compress)
    this.preamble = w.take()
    this.hook = (db, keys) => this.beforeWrite(db, keys)
    server.beforeWriteHooks.push(this.hook)
  }

  /** True once the last chunk was returned (or after abort). */
  get done(): boolean {
    return this.released && this.pending.length === 0
  }

  /** Keys serialised so far (pre-images included): drives the rdb-key-save-delay pacing. */
  keysWritten = 0

  /** The next ~chunkSize bytes of the file; null after the last one. */
  next(): Buffer | null {
    if (this.pending.length !== 0) return this.pending.shift()!
    if (this.ended) {
      this.release()
      return null
    }
    return this.produce()
  }

  /** Drop early: unhook and free pre-images. */
  abort(): void {
    this.pending.length = 0
    this.ended = true
    this.release()
  }

  /** Pre-images not yet written (for tests and INFO-style accounting). */
  get preimageCount(): number {
    let n = 0
    for (const d of this.dbs) for (const m of d.pre.values()) n += m.size
    return n
  }

  private release(): void {
    if (this.released) return
    this.released = true
    if (this.hook) {
      const hooks = this.server.beforeWriteHooks
      const i = hooks.indexOf(this.hook)
      if (i >= 0) hooks.splice(i, 1)
      this.hook = null
    }
    this.dbs.length = 0
    this.byIndex.clear()
  }

  private beforeWrite(dbIndex: number, keys: readonly string[] | null): void {
    if (this.ended) return
    if (dbIndex < 0 || keys === null) return this.finishNow()
    const st = this.byIndex.get(dbIndex)
    if (st === undefined) return // empty at the point in time: nothing to keep
    const pos = this.dbs.indexOf(st)
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i]
      const slot = keySlot(key)
      if (pos < this.dbPos || (pos === this.dbPos && slot < this.slot)) continue // already written
      let m = st.pre.get(slot)
      if (m === undefined) st.pre.set(slot, (m = new Map()))
      else if (m.has(key)) continue
      const v = st.ks.slotBucket(slot)?.get(key)
      m.set(key, v === undefined ? null : this.encodeOne(st.ks, key, v))
    }
  }

  private encodeOne(ks: Keyspace, key: string, v: RedisValue): Buffer {
    const w = new ByteWriter(64)
    writeEntry(w, {key, value: toRdbValue(v), expireAt: ks.getExpire(key), ...rdbAccessInfo(this.server, ks, key)}, this.compress)
    return w.take()
  }

  /** A write with unknown keys: serialise everything left now, hand it out from next(). */
  private finishNow(): void {
    while (!this.ended) this.pending.push(this.produce())
    this.release()
  }

  /** Encode up to ~chunkSize bytes from the cursor on; the final chunk carries EOF + CRC. */
  private produce(): Buffer {
    const w = this.w
    w.pos = 0
    if (this.preamble) {
      w.bytes(this.preamble)
      this.preamble = null
    }
    while (w.pos < this.chunkSize && this.dbPos < this.dbs.length) {
      const st = this.dbs[this.dbPos]
      if (this.slot < 0) {
        writeSelectDb(w, st.index, {size: st.size, expires: st.expires})
        this.slot = 0
      }
      // Whole slots at a time: the cursor never stands inside a slot.
      while (this.slot < SLOTS && w.pos < this.chunkSize) this.writeSlot(st, this.slot++)
      if (this.slot >= SLOTS) {
        this.dbPos++
        this.slot = -1
      }
    }
    if (this.dbPos >= this.dbs.length) {
      w.u8(RDB_OPCODE.EOF)
      this.crc.update(w.buf, 0, w.pos)
      w.ensure(8)
      if (this.checksum) this.crc.writeLE(w.buf, w.pos)
      else w.buf.fill(0, w.pos, w.pos + 8)
      w.pos += 8
      this.ended = true
      const out = w.take()
      this.release()
      return out
    }
    this.crc.update(w.buf, 0, w.pos)
    return w.take()
  }

  private writeSlot(st: DbState, slot: number): void {
    const pre = st.pre.get(slot)
    const bucket = st.ks.slotBucket(slot)
    if (bucket !== undefined) {
      const ks = st.ks
      const hasExpires = ks.expiresCount !== 0
      const policy = this.server.config.get('maxmemory-policy')
      const usage = policy.endsWith('-lru') || policy.endsWith('-lfu')
      for (const [key, v] of bucket) {
        if (pre !== undefined && pre.has(key)) continue
        this.keysWritten++
        // the key's usage info as redis writes it under an LRU / LFU policy (read when the key is
        // written: redis's child reads the fork's copy, a key read meanwhile is one access apart)
        const access = usage ? rdbAccessInfo(this.server, ks, key) : undefined
        writeEntry(this.w, {key, value: toRdbValue(v), expireAt: hasExpires ? ks.getExpire(key) : undefined, ...access}, this.compress)
      }
    }
    if (pre !== undefined) {
      for (const rec of pre.values()) {
        if (rec === null) continue
        this.keysWritten++
        this.w.bytes(rec)
      }
      st.pre.delete(slot)
    }
  }
}

/** rdbSaveInfoAuxFields order, with the caller's fields merged in (see SnapshotOptions.aux). */
function auxFields(server: NodeServer, extra: [string, string][]): [string, string][] {
  // redis: zmalloc_used_memory(), INFO's used_memory (the load logs it as 'RDB memory usage when created')
  const base = defaultAux(server.clock.now(), usedMemory(server))
  const aofBase = base.pop()!
  for (const [k, v] of extra) {
    const i = base.findIndex(([bk]) => bk === k)
    if (i >= 0) base[i] = [k, v]
    else if (k === 'aof-base') aofBase[1] = v
    else base.push([k, v])
  }
  return [...base, aofBase]
}

/**
 * The debugging configs `rdb-key-save-delay` / `key-load-delay` (redis debugDelay): a delay per
 * key, in microseconds, or in nanoseconds when negative. Returns milliseconds for `keys` keys.
 * Redis sleeps in the forked child or the loading loop; the embedded node waits that long
 * between chunks instead, so clients and the cluster bus keep being served meanwhile.
 */
export function keyDelayMs(setting: number, keys: number): number {
  if (setting === 0 || keys === 0) return 0
  return setting > 0 ? (setting * keys) / 1000 : (-setting * keys) / 1e6
}

/**
 * Turns a running key count into waits for a per-key delay setting: fractions of a millisecond
 * add up until at least one whole millisecond is owed, which `owe` then hands out (0 otherwise).
 */
export class KeyPacer {
  private seen = 0
  private owed = 0
  constructor(private readonly setting: () => number) {}

  owe(keysSoFar: number): number {
    this.owed += keyDelayMs(this.setting(), keysSoFar - this.seen)
    this.seen = keysSoFar
    if (this.owed < 1) return 0
    const wait = this.owed
    this.owed = 0
    return wait
  }
}

/**
 * A pacing wait of `ms` that ends early, its timer cleared, once `until` settles (the child exited, the
 * transfer ended): a stopped node keeps no timer of a snapshot nobody writes any more (a paced
 * 300-key sync owed one 300 s timer, which held a test process open five minutes after its node stopped).
 */
export function paceWait(ms: number, until: Promise<unknown>): Promise<void> {
  return new Promise<void>((resolve) => {
    const t = setTimeout(resolve, ms)
    const cut = () => (clearTimeout(t), resolve())
    until.then(cut, cut)
  })
}

/** Chunk size while a per-key delay is configured: small, so the pacing is smooth. */
export function pacedChunkSize(server: {config: {int(name: string): number}}, normal: number): number {
  return server.config.int('rdb-key-save-delay') !== 0 ? 4 * 1024 : normal
}

// Hashes and lists RESTOREd without deep sanitization (sanitize-dump-payload no) whose listpacks
// only pass Redis's shallow check (header size, terminator): Redis keeps such a listpack as it is
// and only meets the damage when a command walks it, where its listpack code asserts (listpack.c
// lpAssertValidEntry) — or, when the walk never reaches the damage, works on what it finds. These
// values keep the bytes and answer what Redis reads from the header alone (HLEN, LLEN, TYPE,
// OBJECT ENCODING, DUMP) without touching the entries; anything else first walks every listpack the
// way lpFirst/lpNext do, with their assertions, and from then on is an ordinary Map / Deque.
// Valid payloads never come here: they are decoded at load (rdb-codec.ts), the fast path.
import {ServerAssertion} from '../errors.js'
import {listpackLength, walkListpack} from '../persistence/listpack.js'
import {Deque} from './deque.js'

/** A hash listpack's elements, walked as Redis walks it (hashTypeNext also asserts that every field has a value). */
export function listpackPairs(lp: Buffer): string[] {
  const flat = walkListpack(lp)
  if (flat.length % 2 !== 0) throw new ServerAssertion('keyspace/packed.ts', 'vptr != NULL')
  return flat
}

/**
 * Every element of one listpack, whose header count a command may already have replied with
 * (HGETALL, LRANGE ...): fewer or more elements than it says is the assertion Redis makes after
 * such a reply (serverAssert(count == length), "fail on corrupt data").
 */
function walkCounted(lp: Buffer, walk: (lp: Buffer) => string[]): string[] {
  const items = walk(lp)
  if (items.length !== listpackLength(lp)) throw new ServerAssertion('keyspace/packed.ts', 'count == length')
  return items
}

export class PackedHash extends Map<string, string> {
  /** the listpack while it has not been walked; null once the entries are in the Map */
  private lp: Buffer | null

  constructor(lp: Buffer) {
    super()
    this.lp = lp
  }

  /** The listpack bytes as restored (DUMP, RDB), or null once the hash has been walked. */
  get packed(): Buffer | null {
    return this.lp
  }

  /** Walks the listpack (asserting like Redis) and keeps its pairs (the load refused duplicate fields, rdb-codec.ts). */
  private open(): void {
    const lp = this.lp
    if (lp === null) return
    const flat = walkCounted(lp, listpackPairs)
    this.lp = null
    for (let i = 0; i < flat.length; i += 2) super.set(flat[i], flat[i + 1])
  }

  /** hashTypeLength: the listpack header's count, halved (lpLength walks only when it is unknown). */
  override get size(): number {
    return this.lp === null ? super.size : Math.floor(listpackLength(this.lp) / 2)
  }
  override get(k: string): string | undefined {
    this.open()
    return super.get(k)
  }
  override has(k: string): boolean {
    this.open()
    return super.has(k)
  }
  override set(k: string, v: string): this {
    this.open()
    return super.set(k, v)
  }
  override delete(k: string): boolean {
    this.open()
    return super.delete(k)
  }
  override clear(): void {
    this.lp = null
    super.clear()
  }
  override forEach(cb: (v: string, k: string, m: Map<string, string>) => void, self?: unknown): void {
    this.open()
    super.forEach(cb, self)
  }
  override entries(): MapIterator<[string, string]> {
    this.open()
    return super.entries()
  }
  override keys(): MapIterator<string> {
    this.open()
    return super.keys()
  }
  override values(): MapIterator<string> {
    this.open()
    return super.values()
  }
  override [Symbol.iterator](): MapIterator<[string, string]> {
    return this.entries()
  }
}

/** A quicklist node as restored: a plain node's element, or a packed node's listpack. */
export type QuicklistNode = string | Buffer

export class PackedList extends Deque {
  private nodes: QuicklistNode[] | null

  constructor(nodes: QuicklistNode[]) {
    super()
    this.nodes = nodes
  }

  /** The quicklist nodes as restored (DUMP, RDB), or null once the list has been walked. */
  get packed(): QuicklistNode[] | null {
    return this.nodes
  }

  private open(): void {
    const nodes = this.nodes
    if (nodes === null) return
    const items: string[] = []
    for (const n of nodes) {
      if (typeof n === 'string') items.push(n)
      else for (const s of walkCounted(n, walkListpack)) items.push(s)
    }
    this.nodes = null
    super.replaceAll(items)
  }

  /** quicklist count: the sum of the nodes' header counts. */
  override get length(): number {
    if (this.nodes === null) return super.length
    let n = 0
    for (const node of this.nodes) n += typeof node === 'string' ? 1 : listpackLength(node)
    return n
  }
  override pushBack(v: string): void {
    this.open()
    super.pushBack(v)
  }
  override pushFront(v: string): void {
    this.open()
    super.pushFront(v)
  }
  override popFront(): string | undefined {
    this.open()
    return super.popFront()
  }
  override popBack(): string | undefined {
    this.open()
    return super.popBack()
  }
  override get(i: number): string | undefined {
    this.open()
    return super.get(i)
  }
  override set(i: number, v: string): void {
    this.open()
    super.set(i, v)
  }
  override range(start: number, stop: number): string[] {
    this.open()
    return super.range(start, stop)
  }
  override toArray(): string[] {
    this.open()
    return super.toArray()
  }
  override indexOf(v: string): number {
    this.open()
    return super.indexOf(v)
  }
  override insertAt(i: number, v: string): void {
    this.open()
    super.insertAt(i, v)
  }
  override removeIndexes(indexes: number[]): void {
    this.open()
    super.removeIndexes(indexes)
  }
  override trim(start: number, stop: number): void {
    this.open()
    super.trim(start, stop)
  }
  override replaceAll(items: string[]): void {
    this.nodes = null
    super.replaceAll(items)
  }
  override [Symbol.iterator](): IterableIterator<string> {
    this.open()
    return super[Symbol.iterator]()
  }
}

/** Bytes of a value still held as restored (its listpacks and plain nodes, as Redis's lpBytes), else null. */
export function packedBytes(v: object): number | null {
  if (v instanceof PackedHash) return v.packed?.length ?? null
  if (!(v instanceof PackedList) || v.packed === null) return null
  let n = 0
  for (const node of v.packed) n += node.length
  return n
}

/** COPY of a value still held as restored: the bytes are shared (never written), as Redis's hashTypeDup/quicklistDup copy them unread; else null. */
export function clonePacked(v: object): PackedHash | PackedList | null {
  if (v instanceof PackedHash && v.packed !== null) return new PackedHash(v.packed)
  if (v instanceof PackedList && v.packed !== null) return new PackedList(v.packed.slice())
  return null
}

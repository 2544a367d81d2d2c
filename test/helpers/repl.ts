// Helpers for replication tests: in-process embedded nodes, clients, polling, keyspace digests.
import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {Redis} from 'ioredis'
import {startNode, type RunningNode} from '../../src/node/index.js'
import {parseDumpPayload} from '../../src/node/persistence/dump.js'
import type {RdbValue} from '../../src/node/persistence/rdb-value.js'
import {encodeValue} from '../../src/node/persistence/rdb-codec.js'
import {after} from 'node:test'
import {RedisNodes} from './redis-server.js'

/** A DUMP payload as an engine-neutral value (encodings may differ between engines, contents may not). */
export function canonical(payload: Buffer): string {
  const v: RdbValue = parseDumpPayload(payload)
  const key = (x: unknown) => JSON.stringify(x)
  switch (v.type) {
    case 'string':
      return key(v)
    case 'list':
      return key(v)
    case 'set':
      return key({type: 'set', members: [...v.members].sort()})
    case 'hash':
      return key({type: 'hash', entries: [...v.entries].sort((a, b) => (a[0] < b[0] ? -1 : 1))})
    case 'zset':
      return key({type: 'zset', entries: [...v.entries].sort((a, b) => (a[0] < b[0] ? -1 : 1))})
    case 'stream': {
      // Deterministic encoding, except a consumer's seen-time: a replica sets it when it applies
      // the propagated XCLAIM / XGROUP CREATECONSUMER (redis does the same), so it is not compared.
      for (const g of v.stream.groups.values()) for (const c of g.consumers.values()) c.seenTime = 0
      return 'stream:' + encodeValue(v, {compress: false}).toString('hex')
    }
  }
}

// embedded()'s temp dirs not removed yet: a node stopped another way (SHUTDOWN, a test that never
// stops it) has its dir removed when the test file's process exits.
const liveDirs = new Set<string>()
process.on('exit', () => {
  for (const d of liveDirs) rmSync(d, {recursive: true, force: true})
})

function removeDir(dir: string): void {
  liveDirs.delete(dir)
  rmSync(dir, {recursive: true, force: true})
}

/** An in-process node in a temp dir of its own (removed once it stopped), unless `overrides` names a dir. */
export async function embedded(overrides: Record<string, string> = {}, capture?: string[]): Promise<RunningNode> {
  const dir = overrides.dir === undefined ? mkdtempSync(join(tmpdir(), 'redis-ts-repl-')) : null
  if (dir !== null) liveDirs.add(dir)
  let node: RunningNode
  try {
    node = await startNode({overrides: {port: '0', save: '', ...(dir !== null ? {dir} : {}), 'repl-diskless-sync-delay': '0', ...overrides}, silent: !capture})
  } catch (e) {
    if (dir !== null) removeDir(dir)
    throw e
  }
  if (capture) {
    node.server.log.silent = false
    node.server.log.sink = (l) => void capture.push(l)
  }
  if (dir === null) return node
  const stop = node.stop.bind(node)
  return {
    ...node,
    async stop() {
      try {
        await stop()
      } finally {
        removeDir(dir)
      }
    },
  }
}

/**
 * Redis-servers, embedded nodes and clients a test file starts side by side; an after() hook
 * registered by the call disconnects the clients and stops every node.
 */
export function mixedNodes(): {real: RedisNodes; nodes: RunningNode[]; clients: Redis[]} {
  const out = {real: new RedisNodes(), nodes: [] as RunningNode[], clients: [] as Redis[]}
  after(async () => {
    for (const c of out.clients) c.disconnect()
    await Promise.all(out.nodes.map((n) => n.stop()))
    await out.real.stop()
  })
  return out
}

export function client(port: number, password?: string): Redis {
  const c = new Redis({port, host: '127.0.0.1', maxRetriesPerRequest: 1, retryStrategy: () => null, enableOfflineQueue: true, ...(password ? {password} : {})})
  c.on('error', () => {})
  return c
}

export async function waitFor(pred: () => Promise<boolean> | boolean, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms
  for (;;) {
    if (await Promise.resolve().then(pred).catch(() => false)) return
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`)
    await new Promise((r) => setTimeout(r, 25))
  }
}

export async function info(c: Redis, section = 'replication'): Promise<Record<string, string>> {
  const text = (await c.info(section)) as string
  const out: Record<string, string> = {}
  for (const line of text.split('\r\n')) {
    const i = line.indexOf(':')
    if (i > 0) out[line.slice(0, i)] = line.slice(i + 1)
  }
  return out
}

/** Wait until the replica reports link up and has processed everything the master produced. */
export async function waitSynced(master: Redis, replica: Redis, ms = 15000): Promise<void> {
  await waitFor(async () => {
    const m = await info(master)
    const r = await info(replica)
    return r.master_link_status === 'up' && r.slave_repl_offset === m.master_repl_offset
  }, ms, 'replica in sync with its master')
}

/** key -> DUMP payload (as a canonical value) and whether it has a TTL (TTLs compared with a tolerance separately). */
export async function digest(c: Redis, db = 0): Promise<Map<string, {dump: string; pttl: number}>> {
  await c.select(db)
  const keys = (await c.keys('*')).sort()
  const out = new Map<string, {dump: string; pttl: number}>()
  const p = c.pipeline()
  for (const k of keys) {
    p.dumpBuffer(k)
    p.pttl(k)
  }
  const res = (await p.exec()) ?? []
  keys.forEach((k, i) => {
    const d = res[2 * i][1] as Buffer | null
    out.set(k, {dump: d ? canonical(d) : 'nil', pttl: res[2 * i + 1][1] as number})
  })
  return out
}

/** Same keys, same values; TTLs within `tolerance` ms of each other (both -1 when none). */
export function sameDigest(a: Map<string, {dump: string; pttl: number}>, b: Map<string, {dump: string; pttl: number}>, tolerance = 5000): string | null {
  if (a.size !== b.size) return `key count ${a.size} vs ${b.size}`
  for (const [k, va] of a) {
    const vb = b.get(k)
    if (!vb) return `missing key ${k}`
    if (va.dump !== vb.dump) return `value of ${k} differs`
    if ((va.pttl < 0 || vb.pttl < 0) && va.pttl !== vb.pttl) return `ttl of ${k}: ${va.pttl} vs ${vb.pttl}`
    if (Math.abs(va.pttl - vb.pttl) > tolerance) return `ttl of ${k}: ${va.pttl} vs ${vb.pttl}`
  }
  return null
}

/** A mix of every type the runtime supports, with expiries. */
export async function fillAllTypes(c: Redis, n: number, prefix = 'k'): Promise<void> {
  const p = c.pipeline()
  for (let i = 0; i < n; i++) {
    p.set(`${prefix}:s:${i}`, `v${i}`.repeat(1 + (i % 7)))
    p.set(`${prefix}:int:${i}`, String(i * 1000))
    p.rpush(`${prefix}:l:${i % 50}`, `item${i}`)
    p.hset(`${prefix}:h:${i % 50}`, `f${i}`, `v${i}`)
    p.sadd(`${prefix}:set:${i % 50}`, `m${i}`)
    p.sadd(`${prefix}:iset:${i % 50}`, String(i))
    p.zadd(`${prefix}:z:${i % 50}`, i * 1.5, `m${i}`)
    if (i % 10 === 0) p.pexpire(`${prefix}:s:${i}`, 600000 + i)
  }
  // big values that leave the compact encodings
  p.set(`${prefix}:big`, 'x'.repeat(100000))
  const many: string[] = []
  for (let i = 0; i < 300; i++) many.push(`field${i}`, 'y'.repeat(80))
  p.hset(`${prefix}:bighash`, ...many)
  await p.exec()
}

/** Embedded nodes (each with a client) started by one test file and all stopped by `stopAll()`. */
export class Fleet {
  readonly nodes: RunningNode[] = []
  readonly clients: Redis[] = []

  async node(overrides: Record<string, string> = {}, log?: string[]): Promise<{n: RunningNode; c: Redis}> {
    const n = await embedded(overrides, log)
    this.nodes.push(n)
    return {n, c: this.client(n.port)}
  }

  client(port: number, password?: string): Redis {
    const c = client(port, password)
    this.clients.push(c)
    return c
  }

  adopt(n: RunningNode): RunningNode {
    this.nodes.push(n)
    return n
  }

  async stopAll(): Promise<void> {
    for (const c of this.clients) c.disconnect()
    for (const n of this.nodes) await n.stop()
  }
}

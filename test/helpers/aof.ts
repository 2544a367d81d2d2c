// Shared by the AOF tests: a write workload covering every propagated form the runtime
// supports, and a comparable picture of a whole keyspace (DUMP of every key in every db,
// decoded and canonicalised, plus absolute expiry) from any server, embedded or redis-server.
import {Redis} from 'ioredis'
import {parseDumpPayload} from '../../src/node/persistence/dump.js'
import type {RdbValue} from '../../src/node/persistence/rdb-value.js'
import {waitFor} from './repl.js'

export {waitFor}

export function client(port: number, db = 0): Redis {
  return new Redis({port, host: '127.0.0.1', db, maxRetriesPerRequest: 0, retryStrategy: () => null})
}

const allBytes = Array.from({length: 256}, (_, i) => String.fromCharCode(i)).join('')

/** Writes in dbs 0, 1 and 5 (db 0 only when `cluster`): strings, lists, hashes, sets, zsets, expiries, MULTI/EXEC. */
export async function writeWorkload(port: number, tag: string, opts: {dbs?: number[]} = {}): Promise<void> {
  for (const db of opts.dbs ?? [0, 1, 5]) {
    const c = client(port, db)
    const k = (s: string) => `${tag}:${s}`
    try {
      await c.set(k('s'), 'hello')
      await c.append(k('s'), ' world')
      await c.set(k('bin'), Buffer.from(allBytes, 'latin1'))
      await c.set(k('n'), '10')
      await c.incrby(k('n'), 5)
      await c.incrbyfloat(k('f'), '1.5')
      await c.set(k('ex'), 'v', 'EX', 1000)
      await c.set(k('px'), 'v', 'PX', 500000)
      await c.setex(k('setex'), 900, 'x')
      await c.set(k('gone'), 'v', 'PX', 1)
      await c.set(k('persist'), 'v', 'EX', 100)
      await c.persist(k('persist'))
      await c.rpush(k('l'), ...Array.from({length: 150}, (_, i) => `item${i}`))
      await c.lpush(k('l'), 'head', '-5', '70000')
      await c.lpop(k('l'))
      await c.rpoplpush(k('l'), k('l2'))
      await c.hset(k('h'), 'a', '1', 'b', '2', 'bin', allBytes)
      await c.hincrby(k('h'), 'a', 10)
      await c.hincrbyfloat(k('h'), 'fl', '2.25')
      await c.hset(k('hbig'), Object.fromEntries(Array.from({length: 200}, (_, i) => [`f${i}`, `v${i}`])))
      await c.sadd(k('set'), '1', '2', '3', 'x', 'y')
      await c.srem(k('set'), 'y')
      await c.sadd(k('iset'), ...Array.from({length: 100}, (_, i) => String(i)))
      await c.spop(k('iset'))
      await c.zadd(k('z'), 1.5, 'a', -2, 'b', 1e300, 'c', 0.1, 'd')
      await c.zincrby(k('z'), 3, 'a')
      await c.zadd(k('zbig'), ...Array.from({length: 150}, (_, i) => [String(i / 7), `m${i}`]).flat())
      await c.zrem(k('zbig'), 'm3')
      await c.set(k('del'), 'x')
      await c.del(k('del'))
      await c.set(k('ren'), 'r')
      await c.rename(k('ren'), k('renamed'))
      await c.expire(k('renamed'), 5000)
      await c.multi().set(k('tx1'), 'a').incr(k('txn')).lpush(k('txl'), 'q').exec()
      await c.getex(k('s'), 'PX', 800000)
      await c.pexpireat(k('n'), Date.now() + 600000)
    } finally {
      c.disconnect()
    }
  }
}

export interface KeyPicture {
  value: unknown
  /** absolute expiry in ms, or -1 */
  expireAt: number
}

function canonical(v: RdbValue): unknown {
  switch (v.type) {
    case 'string':
      return ['string', v.value]
    case 'list':
      return ['list', v.items]
    case 'set':
      return ['set', [...v.members].sort()]
    case 'hash':
      return ['hash', [...v.entries].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))]
    case 'zset':
      return ['zset', [...v.entries].sort((a, b) => a[1] - b[1] || (a[0] < b[0] ? -1 : 1)).map(([m, s]) => [m, String(s)])]
  }
}

/** db -> key -> picture, for every non-empty db among 0..15. */
export async function keyspacePicture(port: number, dbs = 16): Promise<Map<string, KeyPicture>> {
  const out = new Map<string, KeyPicture>()
  for (let db = 0; db < dbs; db++) {
    const c = client(port, db)
    try {
      let cursor = '0'
      do {
        const [next, keys] = await c.scanBuffer(cursor, 'COUNT', 1000)
        cursor = String(next)
        for (const kb of keys) {
          const key = kb.toString('latin1')
          const [dump, pttl] = await Promise.all([c.dumpBuffer(kb), c.pttl(kb)])
          if (dump === null) continue
          out.set(`${db}/${key}`, {value: canonical(parseDumpPayload(dump)), expireAt: pttl < 0 ? -1 : Date.now() + pttl})
        }
      } while (cursor !== '0')
    } catch (e) {
      if (db > 0 && /DB index is out of range/.test(String(e))) break
      throw e
    } finally {
      c.disconnect()
    }
  }
  return out
}

/** Throws with the first difference (values exactly, expiries within `slackMs`). */
export function assertSamePicture(actual: Map<string, KeyPicture>, expected: Map<string, KeyPicture>, slackMs = 3000): void {
  const missing = [...expected.keys()].filter((k) => !actual.has(k))
  const extra = [...actual.keys()].filter((k) => !expected.has(k))
  if (missing.length || extra.length) throw new Error(`keys differ: missing ${missing.slice(0, 5).join(',')} (${missing.length}), extra ${extra.slice(0, 5).join(',')} (${extra.length})`)
  for (const [k, e] of expected) {
    const a = actual.get(k)!
    if (JSON.stringify(a.value) !== JSON.stringify(e.value)) throw new Error(`value of ${k} differs: ${JSON.stringify(a.value).slice(0, 200)} vs ${JSON.stringify(e.value).slice(0, 200)}`)
    if ((a.expireAt === -1) !== (e.expireAt === -1) || Math.abs(a.expireAt - e.expireAt) > slackMs) throw new Error(`expiry of ${k} differs: ${a.expireAt} vs ${e.expireAt}`)
  }
}

export async function infoField(port: number, field: string): Promise<string> {
  const c = client(port)
  try {
    const text = await c.info('persistence')
    return new RegExp(`^${field}:(.*)$`, 'm').exec(text)?.[1]?.trim() ?? ''
  } finally {
    c.disconnect()
  }
}

export async function waitRewriteDone(port: number): Promise<void> {
  await waitFor(async () => (await infoField(port, 'aof_rewrite_in_progress')) === '0' && (await infoField(port, 'aof_rewrite_scheduled')) === '0', 20000, 'AOF rewrite finished')
}

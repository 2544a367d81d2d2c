// Keyspace notifications (redis 7.0 notify.c): `notify-keyspace-events` classes and the
// __keyspace@<db>__:<key> / __keyevent@<db>__:<event> messages. Command handlers call
// notifyKeyspaceEvent(ctx, class, event, key) right after the change, with Redis's event name;
// a node with notifications off pays one bit test per call.
import type {CommandContext} from './commands/types.js'
import type {NodeServer} from './server.js'
import type {Keyspace} from './keyspace/keyspace.js'

export const N = {
  KEYSPACE: 1 << 0, // K
  KEYEVENT: 1 << 1, // E
  GENERIC: 1 << 2, // g
  STRING: 1 << 3, // $
  LIST: 1 << 4, // l
  SET: 1 << 5, // s
  HASH: 1 << 6, // h
  ZSET: 1 << 7, // z
  EXPIRED: 1 << 8, // x
  EVICTED: 1 << 9, // e
  STREAM: 1 << 10, // t
  KEY_MISS: 1 << 11, // m (not part of A)
  MODULE: 1 << 13, // d
  NEW: 1 << 14, // n (not part of A)
} as const
const ALL = N.GENERIC | N.STRING | N.LIST | N.SET | N.HASH | N.ZSET | N.EXPIRED | N.EVICTED | N.STREAM | N.MODULE

const CHARS: Record<string, number> = {
  A: ALL, g: N.GENERIC, $: N.STRING, l: N.LIST, s: N.SET, h: N.HASH, z: N.ZSET, x: N.EXPIRED,
  e: N.EVICTED, K: N.KEYSPACE, E: N.KEYEVENT, t: N.STREAM, m: N.KEY_MISS, d: N.MODULE, n: N.NEW,
}

/** keyspaceEventsStringToFlags; -1 for an unknown class character. */
export function parseNotifyFlags(s: string): number {
  let flags = 0
  for (const c of s) {
    const f = CHARS[c]
    if (f === undefined) return -1
    flags |= f
  }
  return flags
}

/** keyspaceEventsFlagsToString: the canonical text CONFIG GET shows. */
export function notifyFlagsToString(flags: number): string {
  let out = ''
  if ((flags & ALL) === ALL) out += 'A'
  else {
    const order: [string, number][] = [['g', N.GENERIC], ['$', N.STRING], ['l', N.LIST], ['s', N.SET], ['h', N.HASH], ['z', N.ZSET], ['x', N.EXPIRED], ['e', N.EVICTED], ['t', N.STREAM], ['d', N.MODULE], ['n', N.NEW]]
    for (const [c, f] of order) if (flags & f) out += c
  }
  if (flags & N.KEYSPACE) out += 'K'
  if (flags & N.KEYEVENT) out += 'E'
  if (flags & N.KEY_MISS) out += 'm'
  return out
}

/** CONFIG SET / config file value -> canonical text (throws the redis reason on bad input). */
export function canonicalNotify(raw: string): string {
  const f = parseNotifyFlags(raw)
  if (f === -1) throw new Error("Invalid event class character. Use 'Ag$lshzxeKEtmdn'.")
  return notifyFlagsToString(f)
}

/** Publish one event for `key` of `db` to both channel kinds the configuration enables. */
export function notifyDb(server: NodeServer, type: number, event: string, key: string, db: number): void {
  const flags = server.notifyFlags
  if ((flags & type) === 0) return
  // pubsubPublishMessage: local subscribers only, never the cluster bus.
  if (flags & N.KEYSPACE) server.pubsub.deliver(`__keyspace@${db}__:${key}`, event)
  if (flags & N.KEYEVENT) server.pubsub.deliver(`__keyevent@${db}__:${event}`, key)
}

/** notifyKeyspaceEvent for the session's selected database. */
export function notifyKeyspaceEvent(ctx: CommandContext, type: number, event: string, key: string): void {
  if ((ctx.server.notifyFlags & type) !== 0) notifyDb(ctx.server, type, event, key, ctx.session.dbIndex)
}

/** Wire the server: flags from the config, expired (x) events from the expiry path, new (n) keys, read misses (m). */
export function installNotify(server: NodeServer): void {
  const watchNew = (i: number, d: Keyspace) => {
    d.events.added = server.notifyFlags & N.NEW ? (key) => notifyDb(server, N.NEW, 'new', key, i) : undefined
    d.events.missed = server.notifyFlags & N.KEY_MISS ? (key) => notifyDb(server, N.KEY_MISS, 'keymiss', key, i) : undefined
  }
  const apply = () => {
    server.notifyFlags = server.config.notifyFlags
    for (const [i, d] of server.databases()) watchNew(i, d)
  }
  server.on('dbCreated', watchNew)
  apply()
  server.config.onChange.push((name) => {
    if (name === 'notify-keyspace-events') apply()
  })
  server.keyExpiredHooks.push((db, key) => {
    if (server.notifyFlags & N.EXPIRED) notifyDb(server, N.EXPIRED, 'expired', key, db)
  })
}

// Key serialisation and transfer (redis 7.0 cluster.c): DUMP, RESTORE, RESTORE-ASKING, MIGRATE.
// Payloads are the RDB codec's (src/node/persistence/dump.ts); the outbound connection lives in
// migrate-client.ts. MIGRATE is asynchronous here (redis blocks the whole server): the session
// waits for the target while the node keeps serving other clients.
import {ensureSize} from '../keyspace/member-limit.js'
import {setIdleOrFreq} from '../memory/index.js'
import {E} from '../errors.js'
import {createDumpPayload, parseDumpPayload, payloadErrorLine} from '../persistence/dump.js'
import {RdbEmptyKeyError, RdbFormatError, restoreErrorText} from '../persistence/rdb-value.js'
import {ZSet, type RedisValue} from '../keyspace/keyspace.js'
import {fromRdbValue, toRdbValue} from '../keyspace/rdb-convert.js'
import {migratePool, type RestoreItem} from './migrate-client.js'
import {holdMigratingKeys} from '../pause.js'
import {cmd, type CommandContext, type CommandSpec} from './types.js'
import {intArg, is, parseIntStrict} from './util.js'
import {N, notifyKeyspaceEvent as ev} from '../notify.js'

export const commands: CommandSpec[] = [
  cmd('dump', 2, ['readonly'], [1, 1, 1], dump),
  cmd('restore', -4, ['write', 'denyoom'], [1, 1, 1], restore),
  // CMD_ASKING in redis: the cluster verdict must serve it for an importing slot as if the
  // client had sent ASKING (MIGRATE sends it in cluster mode).
  cmd('restore-asking', -4, ['write', 'denyoom'], [1, 1, 1], restore),
  cmd('migrate', -6, ['write'], 0, migrate, {keys: migrateKeyIndexes}),
]

const INT64_MAX = 9223372036854775807n

function dump(ctx: CommandContext, argv: string[]): void {
  const v = ctx.db.read(argv[1])
  if (v === undefined) return ctx.reply.nil()
  // rdbSaveRawString compresses only under rdbcompression yes, DUMP included.
  ctx.reply.bulk(createDumpPayload(toRdbValue(v), {compress: ctx.server.config.bool('rdbcompression')}).toString('latin1'))
}

/** restoreCommand: option parsing, then BUSYKEY, then TTL, then the payload (that order). */
function restore(ctx: CommandContext, argv: string[]): void {
  const key = argv[1]
  let replace = false
  let absttl = false
  let idle = -1
  let freq = -1
  for (let j = 4; j < argv.length; j++) {
    const more = argv.length - j - 1
    const o = argv[j]
    if (is(o, 'replace')) replace = true
    else if (is(o, 'absttl')) absttl = true
    else if (is(o, 'idletime') && more >= 1 && freq === -1) {
      idle = intArg(argv[++j])
      if (idle < 0) return ctx.reply.error(E.RESTORE_IDLETIME)
    } else if (is(o, 'freq') && more >= 1 && idle === -1) {
      freq = intArg(argv[++j])
      if (freq < 0 || freq > 255) return ctx.reply.error(E.RESTORE_FREQ)
    } else return ctx.reply.error(E.SYNTAX)
  }
  const db = ctx.db
  if (!replace && db.has(key)) return ctx.reply.error(E.BUSYKEY)
  const ttl = parseIntStrict(argv[2])
  if (ttl === null) return ctx.reply.error(E.NOT_INTEGER)
  if (ttl < 0n) return ctx.reply.error(E.RESTORE_TTL)
  let value: RedisValue
  const payload = Buffer.from(argv[3], 'latin1')
  try {
    value = fromRdbValue(parseDumpPayload(payload, {skipChecksum: ctx.server.skipChecksumValidation, deep: deepSanitization(ctx)}))
  } catch (e) {
    const text = restoreErrorText(e)
    if (text === undefined) throw e
    if (e instanceof RdbFormatError && !(e instanceof RdbEmptyKeyError)) ctx.server.log.verbose(payloadErrorLine(e))
    return ctx.reply.error(text)
  }
  if (value instanceof Set || value instanceof Map || value instanceof ZSet) ensureSize(ctx.server.memberLimit, value.size)
  const deleted = replace && db.delete(key)
  const now = BigInt(ctx.clock.now())
  const at = ttl === 0n ? 0n : absttl ? ttl : ttl + now
  // checkAlreadyExpired: the key is not created (a relative TTL that overflows int64 wraps
  // negative in redis, so it counts as expired too). Replicas keep it: the master decides.
  if (at !== 0n && (at > INT64_MAX || at <= now) && db.expireEnabled) {
    if (deleted) {
      ctx.propagateAs([ctx.server.config.bool('lazyfree-lazy-server-del') ? 'UNLINK' : 'DEL', key])
      ctx.afterWrite(key)
      ev(ctx, N.GENERIC, 'del', key)
    }
    return ctx.reply.ok()
  }
  db.set(key, value)
  setIdleOrFreq(ctx.server, db, key, idle, freq)
  if (at !== 0n) {
    db.setExpire(key, Number(at))
    // Replicas and the AOF get the absolute time, as redis rewrites the command.
    if (!absttl) ctx.propagateAs([argv[0], key, String(at), ...argv.slice(3), 'ABSTTL'])
  }
  ctx.afterWrite(key)
  ev(ctx, N.GENERIC, 'restore', key)
  ctx.reply.ok()
}

/**
 * redis rdbLoadObject's deep_integrity_validation for a RESTORE: sanitize-dump-payload yes, or
 * clients unless the payload comes from the master, the AOF or a skip-sanitize-payload user.
 */
function deepSanitization(ctx: CommandContext): boolean {
  const mode = ctx.server.config.get('sanitize-dump-payload')
  if (mode !== 'clients') return mode === 'yes'
  const s = ctx.session
  return !s.fromMaster && !s.loader && s.aclUser.sanitize !== 'skip-sanitize-payload'
}

/** migrateGetKeys: argv[3], or everything after KEYS when argv[3] is empty. */
export function migrateKeyIndexes(argv: string[]): number[] {
  // redis migrateGetKeys: KEYS after the options (AUTH <pass> and AUTH2 <user> <pass> skipped,
  // so a password spelled "KEYS" is not the keyword); KEYS with a non-empty key argument is a
  // syntax error MIGRATE reports, with no keys meanwhile.
  for (let i = 6; i < argv.length; i++) {
    if (is(argv[i], 'keys')) {
      if (argv[3] !== '') return []
      const out: number[] = []
      for (let k = i + 1; k < argv.length; k++) out.push(k)
      return out
    }
    if (is(argv[i], 'auth')) i += 1
    else if (is(argv[i], 'auth2')) i += 2
  }
  return [3]
}

interface MigrateOptions {
  copy: boolean
  replace: boolean
  username?: string
  password?: string
  first: number
}

function parseMigrate(ctx: CommandContext, argv: string[]): MigrateOptions | null {
  const o: MigrateOptions = {copy: false, replace: false, first: 3}
  const fail = (text: string) => {
    ctx.reply.error(text)
    return null
  }
  for (let j = 6; j < argv.length; j++) {
    const more = argv.length - 1 - j
    const a = argv[j]
    if (is(a, 'copy')) o.copy = true
    else if (is(a, 'replace')) o.replace = true
    else if (is(a, 'auth')) {
      if (more < 1) return fail(E.SYNTAX)
      o.password = argv[++j]
    } else if (is(a, 'auth2')) {
      if (more < 2) return fail(E.SYNTAX)
      o.username = argv[++j]
      o.password = argv[++j]
    } else if (is(a, 'keys')) {
      if (argv[3] !== '') return fail(E.MIGRATE_KEYS_ARG)
      o.first = j + 1
      break // every remaining argument is a key
    } else return fail(E.SYNTAX)
  }
  return o
}

async function migrate(ctx: CommandContext, argv: string[]): Promise<void> {
  const o = parseMigrate(ctx, argv)
  if (o === null) return
  let timeout = intArg(argv[5])
  const dbid = intArg(argv[4])
  if (timeout <= 0) timeout = 1000
  const db = ctx.db
  const now = ctx.clock.now()
  const items: RestoreItem[] = []
  const values: RedisValue[] = []
  const last = o.first === 3 ? 3 : argv.length - 1
  for (let i = o.first; i <= last; i++) {
    const key = argv[i]
    const v = db.read(key) // redis migrateCommand: lookupKeyRead, counted
    if (v === undefined) continue
    const at = db.getExpire(key)
    // MIGRATE sends the remaining TTL, at least 1 ms so the target does not make it persistent.
    const ttl = at === undefined ? 0 : Math.max(1, at - now)
    values.push(v)
    items.push({key, ttl, payload: createDumpPayload(toRdbValue(v), {compress: ctx.server.config.bool('rdbcompression')})})
  }
  if (items.length === 0) return ctx.reply.simple('NOKEY')

  // Redis blocks the whole server while MIGRATE waits for the target. Here other clients keep
  // being served, but a write must not touch a key between its DUMP and its DEL (an RPUSH to a
  // list being moved would be acknowledged, then deleted with the source's copy): commands that
  // may write the keys being moved wait until this MIGRATE has deleted what the target acked.
  const holdWrites = !o.copy
  ctx.session.atomicWait = true
  const release = holdWrites ? holdMigratingKeys(ctx.server, items.map((it) => it.key)) : null
  const deleted: string[] = []
  let res: Awaited<ReturnType<ReturnType<typeof migratePool>['run']>>
  try {
    res = await migratePool(ctx.server).run({
      host: argv[1],
      port: argv[2],
      db: dbid,
      timeoutMs: timeout,
      username: o.username,
      password: o.password,
      replace: o.replace,
      asking: ctx.server.clusterEnabled,
      // redis migrateGetSocket: TLS when tls-cluster is on
      tls: ctx.server.config.bool('tls-cluster') ? ctx.server.tls?.client ?? null : null,
      items,
    })
    if (holdWrites) {
      for (const i of res.acked) {
        const key = items[i].key
        // A key that is no longer the value dumped (expired, or deleted by a replica's master
        // stream, which is never held) is left alone.
        if (db.get(key) !== values[i]) continue
        db.delete(key)
        ctx.afterWrite(key)
        ev(ctx, N.GENERIC, 'del', key)
        deleted.push(key)
      }
    }
  } finally {
    release?.()
  }
  // Replicas/AOF see MIGRATE as DEL of the moved keys, or nothing at all (other clients' writes
  // during the await move the dirty counter, which must not make MIGRATE itself propagate).
  if (deleted.length > 0) ctx.propagateAs(['DEL', ...deleted])
  else ctx.session.propagateOverride = []
  if (res.error !== null) ctx.reply.error(res.error)
  else ctx.reply.ok()
}

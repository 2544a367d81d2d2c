// DEBUG HTSTATS <dbid> and DEBUG HTSTATS-KEY <key> (redis 7.0.15 debug.c, dict.c dictGetStats), in
// redis's format:
// - a database's keys and expires dicts (in cluster mode too: 7.0 keeps one dict per database there
//   as well) and a hashtable set or hash are dict.ts models (redis's table sizes and incremental
//   rehash; buckets from the node's own hash of each element, so chain lengths are the model's, true
//   for it, not redis's);
// - a skiplist zset's dict is not modelled: one slot whose chain is the whole zset.
import {ZSet} from '../keyspace/keyspace.js'
import {encodingOf} from '../keyspace/encoding.js'
import type {DictModel} from '../keyspace/dict.js'
import {setDict} from '../keyspace/set-dict.js'
import {hashDict} from '../keyspace/hash-dict.js'
import type {CommandContext, DebugSubcommand} from './types.js'
import {debugSubcommandError, intArg} from './util.js'
import {cFixed} from '../../resp/cdouble.js'

const VECTLEN = 50 // DICT_STATS_VECTLEN

/** _dictGetStatsHt for one table from its chain lengths (one per slot, empty slots included or not). */
export function dictStats(tableSize: number, chains: Iterable<number>, htidx = 0): string {
  const clvector = new Array<number>(VECTLEN).fill(0)
  let used = 0
  let slots = 0
  let maxchain = 0
  for (const n of chains) {
    if (n === 0) continue
    slots++
    used += n
    clvector[Math.min(n, VECTLEN - 1)]++
    if (n > maxchain) maxchain = n
  }
  const title = `Hash table ${htidx} stats (${htidx === 0 ? 'main hash table' : 'rehashing target'}):\n`
  if (used === 0) return `${title}No stats available for empty dictionaries\n`
  clvector[0] = tableSize - slots
  const avg = cFixed(used / slots, 2)
  let out = title +
    ` table size: ${tableSize}\n number of elements: ${used}\n different slots: ${slots}\n max chain length: ${maxchain}\n` +
    ` avg chain length (counted): ${avg}\n avg chain length (computed): ${avg}\n Chain length distribution:\n`
  for (let i = 0; i < VECTLEN - 1; i++) {
    if (clvector[i] !== 0) out += `   ${i}: ${clvector[i]} (${cFixed((clvector[i] / tableSize) * 100, 2)}%)\n`
  }
  return out
}

/** dictGetStats of a modelled dict: the main table, then the rehashing target while rehashing. */
export function modelStats(d: DictModel): string {
  const [t0, t1] = d.stats()
  let out = dictStats(t0.size, t0.chains.values())
  if (t1 !== null) out += dictStats(t1.size, t1.chains.values(), 1)
  return out.slice(0, 4095) // redis formats into a char[4096]
}

function htstats(ctx: CommandContext, argv: string[]): void {
  if (argv.length !== 3) throw debugSubcommandError(argv)
  const dbid = intArg(argv[2])
  if (dbid < 0 || dbid >= ctx.server.databaseCount) return ctx.reply.error('ERR Out of range database')
  const db = ctx.server.db(dbid)
  ctx.reply.verbatim(`[Dictionary HT]\n${modelStats(db.dict)}[Expires HT]\n${modelStats(db.expiresDict)}`)
}

function htstatsKey(ctx: CommandContext, argv: string[]): void {
  if (argv.length !== 3) throw debugSubcommandError(argv)
  const v = ctx.db.peekRaw(argv[2]) // objectCommandLookup: no expiry, no stats
  if (v === undefined) return ctx.reply.error('ERR no such key')
  const enc = encodingOf(v)
  let size = -1
  if (enc === 'hashtable' && v instanceof Set) return ctx.reply.verbatim(modelStats(setDict(v)!))
  if (enc === 'hashtable' && v instanceof Map) return ctx.reply.verbatim(modelStats(hashDict(v)!))
  else if (enc === 'skiplist' && v instanceof ZSet) size = v.size
  if (size < 0) return ctx.reply.error('ERR The value stored at the specified key is not represented using an hash table')
  ctx.reply.verbatim(dictStats(1, [size]).slice(0, 4095))
}

export function htstatsDebugSubcommands(): [string, DebugSubcommand][] {
  return [
    ['htstats', {handler: htstats}],
    ['htstats-key', {handler: htstatsKey}],
  ]
}

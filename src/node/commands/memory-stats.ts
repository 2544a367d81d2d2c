// MEMORY STATS as redis 7.0 memoryCommand writes it from getMemoryOverheadData: 27 fields plus
// one map per non-empty database, in redis's order, from the same figures INFO memory shows (the
// node's used-memory estimate, src/node/memory). The allocator figures are those of a redis built
// without jemalloc (cronUpdateMemoryStats' fallbacks: allocated = used memory, active = resident =
// RSS minus the Lua heap), as MEMORY MALLOC-STATS answers. Ratios are C floats (Math.fround).
import type {CommandContext} from './types.js'
import {dbOverhead} from '../keyspace/db-dicts.js'
import {BASE_MEMORY, memoryBreakdown} from '../memory/index.js'
import {processRss} from '../memory/process.js'
import {replicationMemory} from './info.js'

function scriptingFigure(lines: string[], name: string): number {
  const line = lines.find((l) => l.startsWith(name + ':'))
  return line === undefined ? 0 : Number(line.slice(name.length + 1))
}

export function memoryStats(ctx: CommandContext): void {
  const server = ctx.server
  const mem = memoryBreakdown(server)
  const used = mem.used
  const peak = used // INFO's used_memory_peak is the current figure too
  const startup = BASE_MEMORY
  const repl = replicationMemory(server)
  const lines = server.scripting?.memoryInfoLines(String) ?? []
  const luaCaches = scriptingFigure(lines, 'used_memory_scripts_eval')
  const functionsCaches = scriptingFigure(lines, 'used_memory_functions')
  const luaHeap = scriptingFigure(lines, 'used_memory_vm_eval')
  let overhead = startup + repl.backlog + repl.replicas + mem.clientsNormal + luaCaches + functionsCaches
  let keys = 0
  const dbs: [number, {main: number; expires: number; slotToKeys: number}][] = []
  for (const [id, d] of server.databases()) {
    if (d.size === 0) continue
    keys += d.size
    const o = dbOverhead(d, server.clusterEnabled)
    overhead += o.main + o.expires + o.slotToKeys
    dbs.push([id, o])
  }
  const rss = processRss(server.clock.now())
  const resident = rss - luaHeap
  const active = resident
  const allocated = used
  const net = used > startup ? used - startup : 1
  // redis's is size_t and cannot go below 0 there (its used memory includes the dicts); the
  // node's estimate does not hold the dict overheads modelled above, so it is floored at 0
  const dataset = Math.max(0, used - overhead)
  const r = ctx.reply
  const int = (name: string, n: number) => (r.bulk(name), r.integer(n))
  const float = (name: string, n: number) => (r.bulk(name), r.double(Math.fround(n)))
  r.map(27 + dbs.length)
  int('peak.allocated', peak)
  int('total.allocated', used)
  int('startup.allocated', startup)
  int('replication.backlog', repl.backlog)
  int('clients.slaves', repl.replicas)
  int('clients.normal', mem.clientsNormal)
  int('cluster.links', 0)
  int('aof.buffer', 0)
  int('lua.caches', luaCaches)
  int('functions.caches', functionsCaches)
  for (const [id, o] of dbs) {
    r.bulk(`db.${id}`)
    r.map(3)
    int('overhead.hashtable.main', o.main)
    int('overhead.hashtable.expires', o.expires)
    int('overhead.hashtable.slot-to-keys', o.slotToKeys)
  }
  int('overhead.total', overhead)
  int('keys.count', keys)
  int('keys.bytes-per-key', keys ? Math.floor(net / keys) : 0)
  int('dataset.bytes', dataset)
  float('dataset.percentage', Math.fround(Math.fround(dataset) * 100) / net)
  float('peak.percentage', Math.fround(Math.fround(used) * 100) / peak)
  int('allocator.allocated', allocated)
  int('allocator.active', active)
  int('allocator.resident', resident)
  float('allocator-fragmentation.ratio', Math.fround(active) / allocated)
  int('allocator-fragmentation.bytes', active - allocated)
  float('allocator-rss.ratio', Math.fround(resident) / active)
  int('allocator-rss.bytes', resident - active)
  float('rss-overhead.ratio', Math.fround(rss) / resident)
  int('rss-overhead.bytes', rss - resident)
  float('fragmentation', Math.fround(rss) / used)
  int('fragmentation.bytes', rss - used)
}

// MEMORY STATS as redis 7.0 memoryCommand writes it from getMemoryOverheadData: 27 fields plus
// one map per non-empty database, in redis's order, from the same figures INFO memory shows (the
// node's used-memory estimate, src/node/memory). The allocator figures are those of a redis built
// without jemalloc (cronUpdateMemoryStats' fallbacks: allocated = used memory, active = resident =
// RSS minus the Lua heap), as MEMORY MALLOC-STATS answers. Ratios are C floats (Math.fround).
import type {CommandContext} from './types.js'
import {dbOverhead} from '../keyspace/db-dicts.js'
import {BASE_MEMORY, memoryBreakdown} from '../memory/index.js'
import {processRss} from '../memory/process.js'
import type {NodeServer} from '../server.js'

function scriptingFigure(lines: string[], name: string): number {
  const line = lines.find((l) => l.startsWith(name + ':'))
  return line === undefined ? 0 : Number(line.slice(name.length + 1))
}

/** The replication backlog and the replicas' buffers (redis's shared replication buffer split as
 *  getMemoryOverheadData splits it). */
export function replicationMemory(server: NodeServer): {backlog: number; replicas: number; total: number} {
  const repl = server.replication
  const total = repl?.replicationBufferBytes() ?? 0
  const backlogSize = server.config.int('repl-backlog-size')
  const excess = repl !== undefined && repl.replicas.length !== 0 && total > backlogSize
  return {backlog: excess ? backlogSize : total, replicas: excess ? total - backlogSize : 0, total}
}

/** redis getMemoryOverheadData: the figures MEMORY STATS and MEMORY DOCTOR read. */
export interface MemoryOverhead {
  peak: number
  used: number
  startup: number
  repl: ReturnType<typeof replicationMemory>
  clientsNormal: number
  luaCaches: number
  functionsCaches: number
  dbs: [number, {main: number; expires: number; slotToKeys: number}][]
  overhead: number
  keys: number
  net: number
  dataset: number
  allocated: number
  active: number
  resident: number
  rss: number
}

export function memoryOverhead(server: NodeServer): MemoryOverhead {
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
  const dbs: MemoryOverhead['dbs'] = []
  for (const [id, d] of server.databases()) {
    if (d.size === 0) continue
    keys += d.size
    const o = dbOverhead(d, server.clusterEnabled)
    overhead += o.main + o.expires + o.slotToKeys
    dbs.push([id, o])
  }
  const rss = processRss(server.clock.now())
  const resident = rss - luaHeap
  const net = used > startup ? used - startup : 1
  // redis's is size_t and cannot go below 0 there (its used memory includes the dicts); the
  // node's estimate does not hold the dict overheads modelled above, so it is floored at 0
  const dataset = Math.max(0, used - overhead)
  return {peak, used, startup, repl, clientsNormal: mem.clientsNormal, luaCaches, functionsCaches, dbs, overhead, keys, net, dataset, allocated: used, active: resident, resident, rss}
}

export function memoryStats(ctx: CommandContext): void {
  const {peak, used, startup, repl, clientsNormal, luaCaches, functionsCaches, dbs, overhead, keys, net, dataset, allocated, active, resident, rss} = memoryOverhead(ctx.server)
  const r = ctx.reply
  const int = (name: string, n: number) => (r.bulk(name), r.integer(n))
  const float = (name: string, n: number) => (r.bulk(name), r.double(Math.fround(n)))
  r.map(27 + dbs.length)
  int('peak.allocated', peak)
  int('total.allocated', used)
  int('startup.allocated', startup)
  int('replication.backlog', repl.backlog)
  int('clients.slaves', repl.replicas)
  int('clients.normal', clientsNormal)
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

const MB = 1024 * 1024

/**
 * MEMORY DOCTOR as redis 7.0's getMemoryDoctorReport decides it, from the figures MEMORY STATS
 * shows: "empty" under 5 MB allocated, otherwise one paragraph per finding (peak, fragmentation,
 * allocator fragmentation and RSS, process RSS, client and replica buffers, cached scripts). With
 * the node's figures (RSS is the V8 process's), a dataset past 5 MB reports the RSS findings.
 */
export function memoryDoctor(ctx: CommandContext): string {
  const server = ctx.server
  const m = memoryOverhead(server)
  const f = Math.fround
  const found: string[] = []
  if (m.used < 5 * MB) {
    return "Hi Sam, this instance is empty or is using very little memory, my issues detector can't be used in these conditions. Please, leave for your mission on Earth and fill it with some data. The new Sam and I will be back to our programming as soon as I finished rebooting.\n"
  }
  if (f(m.peak) / m.used > 1.5) found.push(DOCTOR.peak)
  if (f(m.rss) / m.used > 1.4 && m.rss - m.used > 10 * MB) found.push(DOCTOR.frag)
  if (f(m.active) / m.allocated > 1.1 && m.active - m.allocated > 10 * MB) found.push(DOCTOR.allocFrag)
  if (f(m.resident) / m.active > 1.1 && m.resident - m.active > 10 * MB) found.push(DOCTOR.allocRss)
  if (f(m.rss) / m.resident > 1.1 && m.rss - m.resident > 10 * MB) found.push(DOCTOR.procRss)
  let replicas = 0
  for (const s of server.sessions.values()) if (s.replica !== null || s.flags.has('replica')) replicas++
  const clients = server.sessions.size - replicas
  if (clients > 0 && Math.floor(m.clientsNormal / clients) > 200 * 1024) found.push(DOCTOR.clientBuf)
  if (replicas > 0 && m.repl.replicas > 10 * MB) found.push(DOCTOR.replicaBuf)
  if ((server.scripting?.scripts.size ?? 0) > 1000) found.push(DOCTOR.scripts)
  if (found.length === 0) return "Hi Sam, I can't find any memory issue in your instance. I can only account for what occurs on this base.\n"
  // redis's order: peak, frag, alloc frag, alloc rss, proc rss, replica buffers, client buffers, scripts
  const order = [DOCTOR.peak, DOCTOR.frag, DOCTOR.allocFrag, DOCTOR.allocRss, DOCTOR.procRss, DOCTOR.replicaBuf, DOCTOR.clientBuf, DOCTOR.scripts]
  return 'Sam, I detected a few issues in this Redis instance memory implants:\n\n' + order.filter((t) => found.includes(t)).map((t) => ` * ${t}\n\n`).join('') + "I'm here to keep you safe, Sam. I want to help you.\n"
}

const DOCTOR = {
  peak: 'Peak memory: In the past this instance used more than 150% the memory that is currently using. The allocator is normally not able to release memory after a peak, so you can expect to see a big fragmentation ratio, however this is actually harmless and is only due to the memory peak, and if the Redis instance Resident Set Size (RSS) is currently bigger than expected, the memory will be used as soon as you fill the Redis instance with more data. If the memory peak was only occasional and you want to try to reclaim memory, please try the MEMORY PURGE command, otherwise the only other option is to shutdown and restart the instance.',
  frag: 'High total RSS: This instance has a memory fragmentation and RSS overhead greater than 1.4 (this means that the Resident Set Size of the Redis process is much larger than the sum of the logical allocations Redis performed). This problem is usually due either to a large peak memory (check if there is a peak memory entry above in the report) or may result from a workload that causes the allocator to fragment memory a lot. If the problem is a large peak memory, then there is no issue. Otherwise, make sure you are using the Jemalloc allocator and not the default libc malloc. Note: The currently used allocator is "v8".',
  allocFrag: "High allocator fragmentation: This instance has an allocator external fragmentation greater than 1.1. This problem is usually due either to a large peak memory (check if there is a peak memory entry above in the report) or may result from a workload that causes the allocator to fragment memory a lot. You can try enabling 'activedefrag' config option.",
  allocRss: 'High allocator RSS overhead: This instance has an RSS memory overhead is greater than 1.1 (this means that the Resident Set Size of the allocator is much larger than the sum what the allocator actually holds). This problem is usually due to a large peak memory (check if there is a peak memory entry above in the report), you can try the MEMORY PURGE command to reclaim it.',
  procRss: 'High process RSS overhead: This instance has non-allocator RSS memory overhead is greater than 1.1 (this means that the Resident Set Size of the Redis process is much larger than the RSS the allocator holds). This problem may be due to Lua scripts or Modules.',
  replicaBuf: 'Big replica buffers: The replica output buffers in this instance are greater than 10MB for each replica (on average). This likely means that there is some replica instance that is struggling receiving data, either because it is too slow or because of networking issues. As a result, data piles on the master output buffers. Please try to identify what replica is not receiving data correctly and why. You can use the INFO output in order to check the replicas delays and the CLIENT LIST command to check the output buffers of each replica.',
  clientBuf: 'Big client buffers: The clients output buffers in this instance are greater than 200K per client (on average). This may result from different causes, like Pub/Sub clients subscribed to channels bot not receiving data fast enough, so that data piles on the Redis instance output buffer, or clients sending commands with large replies or very large sequences of commands in the same pipeline. Please use the CLIENT LIST command in order to investigate the issue if it causes problems in your instance, or to understand better why certain clients are using a big amount of memory.',
  scripts: "Many scripts: There seem to be many cached scripts in this instance (more than 1000). This may be because scripts are generated and `EVAL`ed, instead of being parameterized (with KEYS and ARGV), `SCRIPT LOAD`ed and `EVALSHA`ed. Unless `SCRIPT FLUSH` is called periodically, the scripts' caches may end up consuming most of your memory.",
}

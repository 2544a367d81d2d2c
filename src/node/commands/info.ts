// INFO text (redis server.c genRedisInfoString): the fields tools actually read, in redis's
// section order. Other modules replace or extend a section via server.infoProviders.
import {memoryBreakdown} from '../memory/index.js'
import {memoryOverhead, replicationMemory} from './memory-stats.js'
import {processRss} from '../memory/process.js'
import {migrateCachedSockets} from './migrate-client.js'
import os from 'node:os'
import {readFileSync} from 'node:fs'
import type {NodeServer} from '../server.js'
import {REDIS_VERSION} from '../version.js'
import {rdbInfoLines} from '../persistence/rdb-save.js'
import {commandStatsLines, errorStatsLines, latencyStatsLines} from '../insight-info.js'
import {existingTracking} from '../tracking.js'
import {replyBufferPolicy} from '../replybuf.js'
import {recentMaxBuffers} from '../clientmem.js'
import {cFixed} from '../../resp/cdouble.js'

const DEFAULT_SECTIONS = ['server', 'clients', 'memory', 'persistence', 'stats', 'replication', 'cpu', 'modules', 'errorstats', 'cluster', 'keyspace']

export function humanBytes(n: number): string {
  if (n < 1024) return `${n}B`
  const units = ['K', 'M', 'G', 'T', 'P']
  let v = n / 1024
  let i = 0
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024
    i++
  }
  return `${cFixed(v, 2)}${units[i]}`
}

// Fixed for the process's life, computed once as redis does (uname() on the first INFO,
// zmalloc_get_memory_size() at start-up): os.type()/release() are a uname(2) each and
// os.totalmem() parses /proc/meminfo, together ~a quarter of an INFO's CPU.
let osLine = ''
let systemMemory = -1
function osInfo(): string {
  if (osLine === '') osLine = `os:${os.type()} ${os.release()} ${os.machine()}` // uname's machine: x86_64, not Node's x64
  return osLine
}
function totalSystemMemory(): number {
  if (systemMemory < 0) systemMemory = os.totalmem()
  return systemMemory
}

function section(server: NodeServer, name: string): string[] | null {
  const now = server.clock.now()
  const cfg = server.config
  const provided = server.infoProviders.get(name)
  if (provided) return provided()
  switch (name) {
    case 'server':
      return [
        `redis_version:${REDIS_VERSION}`,
        'redis_git_sha1:00000000',
        'redis_git_dirty:0',
        'redis_build_id:0',
        `redis_mode:${server.clusterEnabled ? 'cluster' : 'standalone'}`,
        osInfo(),
        'arch_bits:64',
        'monotonic_clock:POSIX clock_gettime',
        'multiplexing_api:epoll',
        'atomicvar_api:c11-builtin',
        'gcc_version:0.0.0',
        `process_id:${server.log.pid}`,
        'process_supervised:no',
        `run_id:${server.runId}`,
        `tcp_port:${server.port || cfg.int('port')}`,
        `server_time_usec:${now * 1000}`,
        `uptime_in_seconds:${Math.floor((now - server.startTime) / 1000)}`,
        `uptime_in_days:${Math.floor((now - server.startTime) / 86400000)}`,
        `hz:${cfg.int('hz')}`,
        `configured_hz:${cfg.int('hz')}`,
        `lru_clock:${Math.floor(now / 1000) & 0xffffff}`,
        `executable:${process.argv[1] ?? ''}`,
        `config_file:${cfg.file ?? ''}`,
        'io_threads_active:0',
        // conditional, as in redis: a shutdown waiting for lagging replicas
        ...(server.shutdownMstime !== 0 ? [`shutdown_in_milliseconds:${server.shutdownMstime - now}`] : []),
      ]
    case 'clients': {
      const recent = recentMaxBuffers(server)
      let blocked = 0
      let pubsub = 0
      let replicas = 0 // redis: listLength(server.clients) - listLength(server.slaves)
      for (const s of server.sessions.values()) {
        if (s.replica !== null || s.flags.has('replica')) replicas++
        if (s.flags.has('blocked')) blocked++
        if (s.subscriptionCount() > 0) pubsub++
      }
      void pubsub
      return [
        `connected_clients:${server.sessions.size - replicas}`,
        'cluster_connections:0',
        `maxclients:${cfg.int('maxclients')}`,
        `client_recent_max_input_buffer:${recent.input}`,
        `client_recent_max_output_buffer:${recent.output}`,
        `blocked_clients:${blocked}`,
        `tracking_clients:${existingTracking(server)?.clients ?? 0}`,
        'clients_in_timeout_table:0',
      ]
    }
    case 'memory': {
      // redis genRedisInfoString's fields, in its order, from getMemoryOverheadData's figures
      // (memory-stats.ts: the node's used-memory estimate; the allocator figures of a redis built
      // without jemalloc)
      const mem = memoryBreakdown(server)
      const m = memoryOverhead(server)
      const max = cfg.int('maxmemory')
      const f = Math.fround
      const pct = (x: number) => `${cFixed(f(x), 2)}%`
      const lua = server.scripting?.memoryInfoLines(humanBytes) ?? []
      return [
        `used_memory:${m.used}`,
        `used_memory_human:${humanBytes(m.used)}`,
        `used_memory_rss:${m.rss}`,
        `used_memory_rss_human:${humanBytes(m.rss)}`,
        `used_memory_peak:${m.peak}`,
        `used_memory_peak_human:${humanBytes(m.peak)}`,
        `used_memory_peak_perc:${pct((f(m.used) * 100) / m.peak)}`,
        `used_memory_overhead:${m.overhead}`,
        `used_memory_startup:${m.startup}`,
        `used_memory_dataset:${m.dataset}`,
        `used_memory_dataset_perc:${pct((f(m.dataset) * 100) / m.net)}`,
        `allocator_allocated:${m.allocated}`,
        `allocator_active:${m.active}`,
        `allocator_resident:${m.resident}`,
        `total_system_memory:${totalSystemMemory()}`,
        `total_system_memory_human:${humanBytes(totalSystemMemory())}`,
        ...lua,
        `maxmemory:${max}`,
        `maxmemory_human:${humanBytes(max)}`,
        `maxmemory_policy:${cfg.get('maxmemory-policy')}`,
        `allocator_frag_ratio:${cFixed(f(f(m.active) / m.allocated), 2)}`,
        `allocator_frag_bytes:${m.active - m.allocated}`,
        `allocator_rss_ratio:${cFixed(f(f(m.resident) / m.active), 2)}`,
        `allocator_rss_bytes:${m.resident - m.active}`,
        `rss_overhead_ratio:${cFixed(f(f(m.rss) / m.resident), 2)}`,
        `rss_overhead_bytes:${m.rss - m.resident}`,
        `mem_fragmentation_ratio:${cFixed(f(f(m.rss) / Math.max(1, m.used)), 2)}`,
        `mem_fragmentation_bytes:${m.rss - m.used}`,
        // the estimate's parts (src/node/memory): client buffers and what eviction ignores
        `mem_not_counted_for_evict:${mem.notCounted}`,
        ...replicationMemoryLines(server),
        `mem_clients_slaves:${mem.clientsReplicas}`,
        `mem_clients_normal:${mem.clientsNormal}`,
        'mem_cluster_links:0',
        'mem_aof_buffer:0',
        'mem_allocator:v8',
        'active_defrag_running:0',
        'lazyfree_pending_objects:0',
        `lazyfreed_objects:${server.stats.lazyfreedObjects}`,
      ]
    }
    case 'persistence': {
      const rdb = rdbInfoLines(server)
      return [
        ...rdb.loading,
        ...rdb.rdb,
        ...(server.aofInfo?.() ?? [`aof_enabled:${cfg.bool('appendonly') ? 1 : 0}`, 'aof_rewrite_in_progress:0', 'aof_rewrite_scheduled:0', 'aof_last_rewrite_time_sec:-1', 'aof_current_rewrite_time_sec:-1', 'aof_last_bgrewrite_status:ok', 'aof_last_write_status:ok']),
        ...rdb.loadingDetails,
      ]
    }
    case 'stats': {
      const st = server.stats
      let expired = 0
      for (const [, d] of server.databases()) expired += d.stats.expiredKeys
      // redis: the time used memory has been over maxmemory, the period still running included
      const currentExceeded = st.evictionExceededSince === 0 ? 0 : performance.now() - st.evictionExceededSince
      return [
        `total_connections_received:${st.totalConnections}`,
        `total_commands_processed:${st.totalCommands}`,
        'instantaneous_ops_per_sec:0',
        `total_net_input_bytes:${st.netInputBytes}`,
        `total_net_output_bytes:${st.netOutputBytes}`,
        'total_net_repl_input_bytes:0',
        'total_net_repl_output_bytes:0',
        'instantaneous_input_kbps:0.00',
        'instantaneous_output_kbps:0.00',
        'instantaneous_input_repl_kbps:0.00',
        'instantaneous_output_repl_kbps:0.00',
        `rejected_connections:${st.rejectedConnections}`,
        `sync_full:${server.replication?.stats.syncFull ?? 0}`,
        `sync_partial_ok:${server.replication?.stats.syncPartialOk ?? 0}`,
        `sync_partial_err:${server.replication?.stats.syncPartialErr ?? 0}`,
        `expired_keys:${expired}`,
        'expired_stale_perc:0.00',
        'expired_time_cap_reached_count:0',
        'expire_cycle_cpu_milliseconds:0',
        `evicted_keys:${server.stats.evictedKeys}`,
        `evicted_clients:${server.stats.evictedClients}`,
        `total_eviction_exceeded_time:${Math.floor(st.evictionExceededMs + currentExceeded)}`,
        `current_eviction_exceeded_time:${Math.floor(currentExceeded)}`,
        `keyspace_hits:${st.keyspaceHits}`,
        `keyspace_misses:${st.keyspaceMisses}`,
        `pubsub_channels:${server.pubsub.channels.size}`,
        `pubsub_patterns:${server.pubsub.patterns.size}`,
        `pubsubshard_channels:${server.pubsub.shardChannels.size}`,
        // no fork() pause: snapshots are copy-on-write views taken in-process
        'latest_fork_usec:0',
        `total_forks:${st.totalForks}`,
        `migrate_cached_sockets:${migrateCachedSockets(server)}`,
        `slave_expires_tracked_keys:${replicaTrackedExpires(server)}`,
        'active_defrag_hits:0',
        'active_defrag_misses:0',
        'active_defrag_key_hits:0',
        'active_defrag_key_misses:0',
        'total_active_defrag_time:0',
        'current_active_defrag_time:0',
        `tracking_total_keys:${existingTracking(server)?.table.size ?? 0}`,
        `tracking_total_items:${existingTracking(server)?.totalItems ?? 0}`,
        `tracking_total_prefixes:${existingTracking(server)?.prefixes.size ?? 0}`,
        `unexpected_error_replies:${server.insight.unexpectedErrors}`,
        `total_error_replies:${server.insight.totalErrors}`,
        // not counted: the node decodes every packed encoding in full whatever sanitize-dump-payload
        // says (only stream listpacks have a shallow path, persistence/rdb-stream-value.ts)
        'dump_payload_sanitizations:0',
        `total_reads_processed:${st.readsProcessed}`,
        `total_writes_processed:${st.writesProcessed}`,
        'io_threaded_reads_processed:0',
        'io_threaded_writes_processed:0',
        `reply_buffer_shrinks:${replyBufferPolicy(server).shrinks}`,
        `reply_buffer_expands:${replyBufferPolicy(server).expands}`,
      ]
    }
    case 'replication':
      return [
        `role:${server.cluster?.isReplica?.() ? 'slave' : 'master'}`,
        'connected_slaves:0',
        'master_failover_state:no-failover',
        `master_replid:${server.runId}`,
        'master_replid2:0000000000000000000000000000000000000000',
        'master_repl_offset:0',
        'second_repl_offset:-1',
        'repl_backlog_active:0',
        `repl_backlog_size:${cfg.int('repl-backlog-size')}`,
        'repl_backlog_first_byte_offset:0',
        'repl_backlog_histlen:0',
      ]
    case 'cpu': {
      const u = process.cpuUsage()
      const lines = [`used_cpu_sys:${cFixed(u.system / 1e6, 6)}`, `used_cpu_user:${cFixed(u.user / 1e6, 6)}`, 'used_cpu_sys_children:0.000000', 'used_cpu_user_children:0.000000']
      // redis on Linux adds getrusage(RUSAGE_THREAD) of its main thread: the JS thread's here
      const main = mainThreadCpu()
      if (main !== null) lines.push(`used_cpu_sys_main_thread:${cFixed(main.sys, 6)}`, `used_cpu_user_main_thread:${cFixed(main.user, 6)}`)
      return lines
    }
    case 'modules':
      return []
    case 'errorstats':
      return errorStatsLines(server)
    case 'commandstats':
      return commandStatsLines(server)
    case 'latencystats':
      return latencyStatsLines(server)
    case 'cluster':
      return server.cluster?.infoLines?.() ?? [`cluster_enabled:${server.clusterEnabled ? 1 : 0}`]
    case 'keyspace': {
      const out: string[] = []
      for (const [i, d] of server.databases()) if (d.size > 0) out.push(`db${i}:keys=${d.size},expires=${d.expiresCount},avg_ttl=${d.avgTtl}`)
      return out
    }
  }
  return null
}

function title(name: string): string {
  if (name === 'cpu') return 'CPU'
  return name.charAt(0).toUpperCase() + name.slice(1)
}

/** INFO [section ...]: default / all / everything / named sections (case-insensitive). */
export function infoText(server: NodeServer, args: string[]): string {
  let names: string[]
  const lower = args.map((a) => a.toLowerCase())
  if (lower.length === 0 || lower.includes('default')) names = DEFAULT_SECTIONS
  else if (lower.includes('all') || lower.includes('everything')) names = [...DEFAULT_SECTIONS.slice(0, 8), 'commandstats', 'errorstats', 'latencystats', 'cluster', 'keyspace']
  else names = lower
  const parts: string[] = []
  for (const n of new Set(names)) {
    const lines = section(server, n)
    if (lines === null) continue
    const titled = n === 'errorstats' ? 'Errorstats' : n === 'commandstats' ? 'Commandstats' : n === 'latencystats' ? 'Latencystats' : title(n)
    parts.push(lines.length === 0 ? `# ${titled}\r\n` : `# ${titled}\r\n${lines.join('\r\n')}\r\n`)
  }
  return parts.join('\r\n')
}

/**
 * redis getMemoryOverheadData's split of the shared replication buffer: the backlog's share is at
 * most repl-backlog-size while replicas are attached, the rest is the replicas'.
 */
/** redis getSlaveKeyWithExpireCount: distinct names a writable replica's own clients gave a TTL. */
function replicaTrackedExpires(server: NodeServer): number {
  const names = new Set<string>()
  for (const [, ks] of server.databases()) for (const k of ks.localExpires ?? []) names.add(k)
  return names.size
}

/** redis getMemoryOverheadData's split of the shared replication buffer: backlog and replicas' excess. */
/** The main (JS) thread's CPU seconds from /proc (utime, stime in clock ticks), null off Linux. */
function mainThreadCpu(): {sys: number; user: number} | null {
  try {
    const stat = readFileSync(`/proc/self/task/${process.pid}/stat`, 'latin1')
    // after "pid (comm) ": state is field 3, utime 14, stime 15
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    return {user: Number(f[11]) / CLOCK_TICKS, sys: Number(f[12]) / CLOCK_TICKS}
  } catch {
    return null
  }
}

/** sysconf(_SC_CLK_TCK): 100 on every Linux configuration redis-server runs on here. */
const CLOCK_TICKS = 100

function replicationMemoryLines(server: NodeServer): string[] {
  const {backlog, total} = replicationMemory(server)
  return [`mem_replication_backlog:${backlog}`, `mem_total_replication_buffers:${total}`]
}

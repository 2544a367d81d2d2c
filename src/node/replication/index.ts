// installReplication(server): plugs replication into the node — the propagate hook (the stream),
// the command guards (READONLY, NOREPLICAS, MASTERDOWN), the commands, INFO lines, the 1 s cron,
// and `replicaof` from the configuration. No command handler knows about replicas.
import {PROPAGATE_ALL, PROPAGATE_REPL} from '../propagate.js'
import type {CommandSpec} from '../commands/types.js'
import type {NodeServer} from '../server.js'
import type {Session} from '../session.js'
import {restartAofAfterSync} from '../persistence/aof.js'
import {replicationCommands} from './commands.js'
import {setMaster, unsetMaster} from './role.js'
import {Replication} from './state.js'
import {REPL_BLOCK} from './backlog.js'

export {Replication} from './state.js'
export {setMaster, unsetMaster} from './role.js'

const READONLY = "READONLY You can't write against a read only replica."
const NOREPLICAS = 'NOREPLICAS Not enough good replicas to write.'
const MASTERDOWN = "MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'."

/** redis is_denystale_command: EXEC is refused on a stale replica when any queued command lacks the stale flag. */
function deniedWhenStale(s: Session, spec: CommandSpec): boolean {
  if (!spec.flags.includes('stale')) return true
  return spec.name === 'exec' && (s.multi?.queue.some((q) => !q.flags.includes('stale')) ?? false)
}

function isWriteCommand(s: Session, spec: CommandSpec): boolean {
  if (spec.flags.includes('write')) return true
  return spec.name === 'exec' && (s.multi?.queue.some((q) => q.flags.includes('write')) ?? false)
}

export function installReplication(server: NodeServer): Replication {
  const repl = new Replication(server)
  server.replication = repl
  server.propagateHooks.push((db, argv, target = PROPAGATE_ALL) => {
    if (target & PROPAGATE_REPL) repl.feed(db, argv)
  })
  const cfg = server.config
  let minReplicas = cfg.int('min-replicas-to-write')
  let minLag = cfg.int('min-replicas-max-lag')
  cfg.onChange.push((name, value) => {
    if (name === 'min-replicas-to-write') minReplicas = Number(value)
    else if (name === 'min-replicas-max-lag') minLag = Number(value)
    else if (name === 'repl-backlog-size' && repl.backlog) {
      // redis resizeReplicationBacklog: a new limit, the history trimmed down to it as blocks free up
      repl.flushStream()
      repl.backlog.size = Math.max(REPL_BLOCK, Number(value))
      repl.trimBacklog()
    }
  })
  // A reply must not leave before the write it acknowledges is on its way to the replicas (redis
  // writes both in the same beforeSleep), so a kill -9 right after the reply cannot lose a write a
  // client saw acknowledged while a replica was in sync. Replies are held while stream bytes are
  // pending and released together at the end of the event-loop turn, right after one write of the
  // stream: one replica write per turn, not one per client.
  const held = new Set<Session>()
  let releaseScheduled = false
  const release = () => {
    releaseScheduled = false
    repl.flushStream()
    const list = [...held]
    held.clear()
    for (const s of list) if (!s.closed) s.flush()
  }
  server.beforeReply.unshift((s) => {
    if (!repl.hasPending || s.fromMaster) return false
    held.add(s)
    if (!releaseScheduled) {
      releaseScheduled = true
      setImmediate(release)
    }
    return true
  })
  server.guards.push((s, spec) => {
    if (s.fromMaster) return null
    if (repl.master !== null) {
      // processCommand order: READONLY before MASTERDOWN
      if (cfg.bool('replica-read-only') && isWriteCommand(s, spec)) return READONLY
      if (!repl.master.connected && !cfg.bool('replica-serve-stale-data') && deniedWhenStale(s, spec)) return MASTERDOWN
      return null
    }
    if (minReplicas > 0 && minLag > 0 && isWriteCommand(s, spec)) {
      repl.refreshGoodReplicas()
      if (repl.goodReplicas < minReplicas) return NOREPLICAS
    }
    return null
  })
  // redis restartAOFAfterSYNC: the AOF must describe the dataset the master just sent.
  server.on('replicaFullSyncLoaded', () => restartAofAfterSync(server))
  server.registerCommands(replicationCommands(repl))
  server.debugSubcommands.set('replicate', {
    handler: (ctx, argv) => {
      if (argv.length < 3) return ctx.reply.error(`ERR unknown subcommand or wrong number of arguments for '${argv[1]}'. Try DEBUG HELP.`)
      // redis replicationFeedSlaves(server.slaves, server.slaveseldb, ...): into the stream's current db
      repl.feed(repl.selectedDb, argv.slice(2))
      ctx.reply.ok()
    },
  })
  server.infoProviders.set('replication', () => repl.infoLines())
  server.on('sessionClosed', (s: Session) => {
    if (s.replica) repl.removeReplica(s.replica)
    else if (s.fromMaster) repl.master?.sessionClosed(s)
  })
  const timer = setInterval(() => {
    if (!server.frozen) repl.cron()
  }, 1000)
  server.freezeHooks.push((on) => repl.master?.freeze(on))
  timer.unref()
  // redis runs replicationCron in the first serverCron: loop 0 (a PING when a replica is there,
  // whatever repl-ping-replica-period says) passes before any replica can have attached
  setImmediate(() => repl.cron())
  server.shutdownHooks.push(async (opts) => {
    clearInterval(timer)
    repl.flushStream()
    repl.master?.stop()
  })
  return repl
}

/** Standalone `replicaof host port` from the configuration file / command line. */
export function startConfiguredReplication(server: NodeServer): void {
  const repl = server.replication
  if (!repl || server.clusterEnabled) return
  const v = server.config.get('replicaof').trim()
  if (!v) return
  const [host, port] = v.split(/\s+/)
  if (host && port && /^\d+$/.test(port)) setMaster(repl, host, Number(port))
}


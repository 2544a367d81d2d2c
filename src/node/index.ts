// Programmatic API of the embedded node: startNode() runs a node in-process (port 0 allowed)
// and returns its bound address and a stop() function. `redis-ts node` is a thin wrapper.
import type {ClusterFactory, ClusterModule} from './commands/types.js'
import type {Clock} from './clock.js'
import {readFileSync} from 'node:fs'
import {resolve as resolvePath} from 'node:path'
import {loadConfig, NodeConfig} from './config.js'
import {logfilePath, logStartBanner} from './log.js'
import {Logger} from './log.js'
import {NodeServer} from './server.js'
import {REDIS_VERSION} from './version.js'
import {installReplication, startConfiguredReplication} from './replication/index.js'
import {installScripting} from './scripting/index.js'
import {installRdbPersistence, rdbState} from './persistence/rdb-save.js'
import {loadPersistedData} from './persistence/startup.js'
import {installAof, startupAof} from './persistence/aof.js'
import {NodeStartError} from './errors.js'
import {installMemory} from './memory/index.js'
import {installProcessConfigs} from './process-configs.js'

export {NodeServer} from './server.js'
export {REDIS_VERSION} from './version.js'
export {NodeConfig, loadConfig, parseCommandLine, parseConfigText, ConfigError} from './config.js'
export {ManualClock, systemClock, type Clock} from './clock.js'
export {Logger} from './log.js'
export type {CommandSpec, CommandContext, ClusterHooks, ClusterModule, ClusterFactory} from './commands/types.js'
export type {Verdict} from './verdict.js'

export interface StartNodeOptions {
  /** redis-server style argv: [redis.conf] --port 7000 --cluster-enabled yes ... */
  args?: string[]
  /** Extra directives applied after args, e.g. {port: '0', 'cluster-enabled': 'yes'}. */
  overrides?: Record<string, string>
  config?: NodeConfig
  clock?: Clock
  logger?: Logger
  /** Silence the log (tests). */
  silent?: boolean
  /** Cluster implementation; default: src/node/cluster/index.ts `createCluster` when cluster-enabled. */
  clusterFactory?: ClusterFactory
  /** Called once the node listens, before it loads its data (signal handlers, pidfile). */
  onListening?: (server: NodeServer) => void
  /** The most members one set, hash or sorted set holds: V8's 2^24 and no more (tests lower it). */
  memberLimit?: number
}

export interface RunningNode {
  host: string
  port: number
  busPort?: number
  server: NodeServer
  cluster?: ClusterModule
  /** Clean shutdown: shutdown hooks (nodes.conf save ...), close sockets. */
  stop(): Promise<void>
}

// Loaded lazily so a standalone node never pays for the cluster layer (and bundlers can follow it).
async function defaultClusterFactory(): Promise<ClusterFactory> {
  const mod = (await import('./cluster/index.js')) as {createCluster: ClusterFactory}
  return mod.createCluster
}

/** The role the node will have once configured: replicaof set, or nodes.conf saying myself is a replica. */
async function startsAsReplica(config: NodeConfig): Promise<boolean> {
  if (config.get('replicaof') !== '') return true
  if (!config.bool('cluster-enabled')) return false
  const file = resolvePath(config.get('dir'), config.get('cluster-config-file'))
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch {
    return false
  }
  const {parseNodesConf} = await import('./cluster/nodes-conf.js')
  try {
    const me = parseNodesConf(text).nodes.find((n) => n.flags.includes('myself'))
    return me !== undefined && (me.flags.includes('slave') || me.flags.includes('replica')) && me.masterId !== null
  } catch {
    return false // the cluster layer reports a broken nodes.conf when it starts
  }
}

export async function startNode(opts: StartNodeOptions = {}): Promise<RunningNode> {
  const config = opts.config ?? loadConfig(opts.args ?? [])
  for (const [k, v] of Object.entries(opts.overrides ?? {})) config.set(k, v)
  const logger = opts.logger ?? new Logger()
  if (opts.silent) logger.silent = true
  const server = new NodeServer({config, clock: opts.clock, logger, memberLimit: opts.memberLimit})
  if (!opts.logger) logger.file = logfilePath(config)
  logger.notice(`Redis version=${REDIS_VERSION}, bits=64, commit=00000000, modified=0, pid=${logger.pid}, just started (redis-ts embedded node)`)
  installRdbPersistence(server)
  installAof(server)
  installReplication(server)
  installScripting(server)
  installMemory(server)
  installProcessConfigs(server)
  try {
    server.acl.loadAtStartup(config.users)
  } catch (e) {
    throw new NodeStartError((e as Error).message)
  }
  // Redis loads its data after its role is known (replicaof / nodes.conf): a replica keeps keys
  // whose expiry passed while it was down, because its master's DELs will follow.
  server.startsAsReplica = await startsAsReplica(config)
  // A standalone node listens first and loads meanwhile (redis initServer, then loadDataFromDisk:
  // clients get -LOADING, INFO says loading:1). A cluster node loads before its bus and its
  // replication start, so neither acts on half a dataset (redis runs no clusterCron while loading).
  const loadFirst = config.bool('cluster-enabled')
  const loadData = async () => {
    server.loading = true
    try {
      await startupAof(server, () => loadPersistedData(server))
    } finally {
      server.loading = false
    }
    // a replica's RDB history becomes its cached master (a master's is rebased while it loads)
    if (server.startsAsReplica && !config.bool('appendonly')) server.replication?.restoreFromRdb(rdbState(server).lastLoadedAux)
  }
  // redis prints its banner (redisAsciiArt) once it listens, before it loads anything: Redis's
  // test harness waits for " PID: <pid>" even for a start that fails on a broken AOF or a
  // refused dump.rdb.
  const mode = config.bool('cluster-enabled') ? 'cluster' : 'standalone'
  let bannerShown = false
  const banner = (port: number) => {
    if (!bannerShown) logStartBanner(logger, config, mode, port)
    bannerShown = true
  }
  if (loadFirst) {
    if (config.int('port') !== 0) banner(config.int('port'))
    await loadData()
  }
  let cluster: ClusterModule | undefined
  const initCluster = async () => {
    const factory = opts.clusterFactory ?? (await defaultClusterFactory())
    cluster = await factory(server)
    server.cluster = cluster.hooks
    server.registerCommands(cluster.commands)
    await cluster.start?.()
  }
  const renameCommands = () => {
    for (const [from, to] of config.renamedCommands) {
      if (!server.commands.rename(from, to)) throw new NodeStartError(`rename-command ${from} ${to}: ${server.commands.lookup(from) ? 'Target command name already exists' : 'No such command in rename-command'}`)
    }
  }
  // With an explicit port the cluster is ready before the first client can connect (a client
  // must never see a cluster-enabled node without CLUSTER commands); port 0 needs the bound port.
  const clusterFirst = config.bool('cluster-enabled') && config.int('port') !== 0
  // a standalone node still knows CLUSTER (its table, each subcommand refused as redis does)
  if (!config.bool('cluster-enabled')) server.registerCommands((await import('./commands/cluster.js')).standaloneClusterCommands())
  // TLS contexts first: a cluster node's bus listens with them (tls-cluster)
  server.prepareTls()
  if (clusterFirst) await initCluster()
  const lateCluster = config.bool('cluster-enabled') && !clusterFirst
  if (!lateCluster) renameCommands()
  const {host, port} = await server.listen()
  opts.onListening?.(server)
  banner(port || server.tlsPort)
  if (lateCluster) {
    await initCluster()
    renameCommands()
  }
  // the banner is out (above): a standalone node is reachable, answering -LOADING, while it loads
  if (!loadFirst) {
    try {
      await loadData()
    } catch (e) {
      // a failed load ends the start (a shutdown while loading has closed everything already)
      if (!server.shuttingDown) await server.close()
      throw e
    }
  }
  startConfiguredReplication(server)
  logger.notice('Ready to accept connections tcp')
  // as the cluster layer bound it (with tls-cluster: the TLS port's + 10000)
  const busPort = cluster?.busPort?.()
  return {
    host,
    port,
    busPort,
    server,
    cluster,
    async stop() {
      // FORCE: the programmatic stop always stops, even when the final save fails.
      await server.shutdown('Received shutdown request, scheduling shutdown...', {force: true})
      await cluster?.stop?.()
    },
  }
}

// Foreground runner shared by `redis-ts node` and the lean entry src/node/main.ts (used when the
// local-cluster launcher spawns nodes: no oclif start-up cost per node).
import {TlsConfigError} from './tls.js'
import {installProcTitle} from './proc-title.js'
import {rmSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {ConfigError, loadConfig, parseCommandLine, startNode, type NodeConfig} from './index.js'
import {ConfigFileError} from './config.js'
import {NodeStartError} from './errors.js'
import {installCrashHandlers} from './crash.js'
import {AofLoadError} from './persistence/aof-load.js'
import {LoadAborted} from './persistence/loading.js'
import type {NodeServer} from './server.js'
import type {ClusterModule} from './commands/types.js'

export {NodeStartError}

/** A node's configuration from its command line; a bad one is the NodeStartError redis-server's report would be. */
export function loadNodeConfig(argv: string[]): NodeConfig {
  let config
  try {
    config = loadConfig(parseCommandLine(argv))
  } catch (e) {
    // redis-server's own report ("*** FATAL CONFIG FILE ERROR ***", the line and the reason)
    if (e instanceof ConfigFileError) throw new NodeStartError(e.message)
    if (e instanceof ConfigError) throw new NodeStartError(`Bad configuration: ${e.message}`)
    throw e
  }
  if (config.bool('daemonize')) throw new NodeStartError('daemonize yes is not supported: run the node in the foreground (use a supervisor)')
  return config
}

/**
 * SIGTERM / SIGINT to a listening node (redis sigShutdownHandler): only recorded, the next cron tick
 * runs the shutdown (while loading, between two chunks of the load, without a final save). True when
 * the node must end at once instead: a second SIGINT while shutting down (no final save; the temp
 * RDB file removed).
 */
export function shutdownSignal(srv: NodeServer, signal: 'SIGTERM' | 'SIGINT'): boolean {
  if (srv.shutdownAsap && signal === 'SIGINT') {
    srv.log.warning('You insist... exiting now.')
    rmSync(join(srv.config.get('dir'), `temp-${process.pid}.rdb`), {force: true})
    return true
  }
  srv.log.warning(srv.loadingForShutdown ? 'Received shutdown signal during loading, scheduling shutdown.' : `Received ${signal} scheduling shutdown...`)
  srv.shutdownAsap = {signal}
  return false
}

export async function runNodeForeground(argv: string[]): Promise<never> {
  const config = loadNodeConfig(argv)
  const pidfile = config.get('pidfile')
  let server: NodeServer | undefined
  let cluster: ClusterModule | undefined
  const stop = (signal: 'SIGTERM' | 'SIGINT') => {
    if (!server) return process.exit(0) // not listening yet: nothing to save
    if (shutdownSignal(server, signal)) process.exit(1)
  }
  process.on('SIGTERM', () => stop('SIGTERM'))
  process.on('SIGINT', () => stop('SIGINT'))
  // Listening comes before loading (redis writes its pidfile and serves -LOADING meanwhile).
  const onListening = (srv: NodeServer) => {
    server = srv
    installCrashHandlers(srv)
    installProcTitle(srv)
    if (pidfile) writeFileSync(pidfile, `${process.pid}\n`)
    // A failed assertion (panic.ts) ends the process like redis-server's: exit 1 under use-exit-on-panic, else abort.
    srv.once('panic', () => {
      if (srv.config.bool('use-exit-on-panic')) process.exit(1)
      process.abort()
    })
    // SHUTDOWN from a client or a signal ends the process.
    srv.once('shutdown', () => {
      void (async () => {
        await cluster?.stop?.()
        if (pidfile) rmSync(pidfile, {force: true})
        process.exit(0)
      })()
    })
  }
  const node = await startNode({config, onListening}).catch((e: unknown) => {
    // A shutdown while loading: the shutdown path ends the process.
    if (e instanceof LoadAborted) return new Promise<never>(() => {})
    // A corrupt or truncated AOF: refuse to start (redis exits 1 after logging the reason).
    if (e instanceof AofLoadError) throw new NodeStartError(e.message)
    // TLS settings that do not make a context: the log says why (redis exits 1, no stack)
    if (e instanceof TlsConfigError) throw new NodeStartError('Failed to configure TLS. Check logs for more info.', 1)
    throw e
  })
  cluster = node.cluster
  return new Promise<never>(() => {})
}

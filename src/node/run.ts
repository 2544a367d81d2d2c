// Foreground runner shared by `redis-ts node` and the lean entry src/node/main.ts (used when the
// local-cluster launcher spawns nodes: no oclif start-up cost per node).
import {rmSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {ConfigError, loadConfig, parseCommandLine, startNode} from './index.js'
import {ConfigFileError} from './config.js'
import {NodeStartError} from './errors.js'
import {AofLoadError} from './persistence/aof-load.js'

export {NodeStartError}

export async function runNodeForeground(argv: string[]): Promise<never> {
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
  const node = await startNode({config}).catch((e: unknown) => {
    // A corrupt or truncated AOF: refuse to start (redis exits 1 after logging the reason).
    if (e instanceof AofLoadError) throw new NodeStartError(e.message)
    throw e
  })
  const pidfile = config.get('pidfile')
  if (pidfile) writeFileSync(pidfile, `${process.pid}\n`)
  // redis sigShutdownHandler: the signal is only recorded; the server cron runs the shutdown.
  const stop = (signal: 'SIGTERM' | 'SIGINT') => {
    const server = node.server
    if (server.shutdownAsap && signal === 'SIGINT') {
      // A second SIGINT while shutting down exits at once, without the final save.
      server.log.warning('You insist... exiting now.')
      rmSync(join(server.config.get('dir'), `temp-${process.pid}.rdb`), {force: true})
      process.exit(1)
    }
    server.log.warning(`Received ${signal} scheduling shutdown...`)
    server.shutdownAsap = {signal}
  }
  process.on('SIGTERM', () => stop('SIGTERM'))
  process.on('SIGINT', () => stop('SIGINT'))
  // SHUTDOWN from a client or a signal ends the process.
  node.server.once('shutdown', () => {
    void (async () => {
      await node.cluster?.stop?.()
      if (pidfile) rmSync(pidfile, {force: true})
      process.exit(0)
    })()
  })
  return new Promise<never>(() => {})
}

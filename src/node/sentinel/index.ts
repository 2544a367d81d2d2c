// Running an embedded Sentinel: `redis-ts sentinel sentinel.conf [--port ...]`,
// `redis-ts node sentinel.conf --sentinel`, `node dist/src/node/main.js sentinel.conf --sentinel`.
// A NodeServer with the Sentinel's command table serves clients; the Sentinel object does the rest.
import {accessSync, constants, readFileSync, writeFileSync} from 'node:fs'
import {resolve} from 'node:path'
import {ConfigError, NodeConfig, parseCommandLine} from '../config.js'
import {Logger} from '../log.js'
import {NodeServer} from '../server.js'
import {installProcTitle} from '../proc-title.js'
import {NodeStartError} from '../errors.js'
import {REDIS_VERSION} from '../version.js'
import {sentinelCommandTable} from './commands.js'
import {applySentinelDirectives, rewriteSentinelConfig, splitSentinelConfig} from './config.js'
import {Sentinel} from './sentinel.js'

export {Sentinel} from './sentinel.js'

export interface RunningSentinel {
  host: string
  port: number
  server: NodeServer
  sentinel: Sentinel
  stop(): Promise<void>
}

/** argv as redis-sentinel takes it: sentinel.conf first, then --directive value pairs. */
export async function startSentinel(argv: string[], opts: {silent?: boolean; chdir?: boolean} = {}): Promise<RunningSentinel> {
  const parsed = parseCommandLine(argv.filter((a) => a !== '--sentinel'))
  if (!parsed.file) throw new NodeStartError('Sentinel needs config file on disk to save state. Exiting...')
  const file = resolve(parsed.file)
  try {
    accessSync(file, constants.W_OK)
  } catch (e) {
    throw new NodeStartError(`Sentinel config file ${file} is not writable: ${(e as Error).message}. Exiting...`)
  }
  const split = splitSentinelConfig(readFileSync(file, 'latin1'))
  const cli = parsed.directives.filter((d) => d[0].toLowerCase() !== 'sentinel')
  const cliSentinel = parsed.directives.filter((d) => d[0].toLowerCase() === 'sentinel').map((d) => d.slice(1))
  const config = new NodeConfig()
  config.sentinelMode = true
  config.set('port', '26379')
  config.set('protected-mode', 'no') // redis initSentinelConfig: a Sentinel must be reachable
  try {
    config.applyDirectives([...split.server, ...cli])
  } catch (e) {
    if (e instanceof ConfigError) throw new NodeStartError(`Bad configuration: ${e.message}`)
    throw e
  }
  config.file = file
  // redis-server changes into `dir`: relative logfile and script paths resolve from there.
  if (opts.chdir) process.chdir(config.get('dir'))
  const logger = new Logger()
  logger.role = 'X'
  if (opts.silent) logger.silent = true
  logger.file = config.get('logfile')
  logger.level = config.get('loglevel') as Logger['level']
  const sentinel = new Sentinel()
  const server = new NodeServer({config, logger, commands: sentinelCommandTable(sentinel)})
  sentinel.server = server
  try {
    applySentinelDirectives(sentinel, [...split.sentinel, ...cliSentinel])
  } catch (e) {
    if (e instanceof ConfigError) throw new NodeStartError(`*** FATAL CONFIG FILE ERROR (Redis ${REDIS_VERSION}) ***\n>>> 'sentinel'\n${e.message}`)
    throw e
  }
  logger.notice(`Redis version=${REDIS_VERSION}, bits=64, commit=00000000, modified=0, pid=${process.pid}, just started (redis-ts embedded sentinel)`)
  const {host, port} = await server.listen()
  sentinel.flushConfig = () => {
    try {
      rewriteSentinelConfig(file, sentinel, server.port)
      return true
    } catch (e) {
      logger.warning(`WARNING: Sentinel was not able to save the new configuration on disk!!!: ${(e as Error).message}`)
      return false
    }
  }
  logger.notice(`Running mode=sentinel, port=${port}.`)
  // A fresh myid is saved at once so a restart keeps the identity (sentinelIsRunning).
  sentinel.flushConfig()
  logger.notice(`Sentinel ID is ${sentinel.myid}`)
  sentinel.start()
  server.shutdownHooks.push(() => {
    sentinel.flushConfig()
    sentinel.stop()
  })
  return {
    host,
    port,
    server,
    sentinel,
    async stop() {
      await server.shutdown('Received shutdown request, scheduling shutdown...', {force: true})
    },
  }
}

export async function runSentinelForeground(argv: string[]): Promise<never> {
  const running = await startSentinel(argv, {chdir: true})
  installProcTitle(running.server)
  const pidfile = running.server.config.get('pidfile')
  if (pidfile) writeFileSync(pidfile, `${process.pid}\n`)
  const stop = (signal: string) => {
    void running.server.shutdown(`Received ${signal} scheduling shutdown...`, {force: true}).then(() => process.exit(0))
  }
  process.on('SIGTERM', () => stop('SIGTERM'))
  process.on('SIGINT', () => stop('SIGINT'))
  running.server.once('shutdown', () => process.exit(0))
  return new Promise<never>(() => {})
}

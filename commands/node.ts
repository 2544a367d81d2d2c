import {Command} from '@oclif/core'
import {writeFileSync, rmSync} from 'node:fs'
import {ConfigError, loadConfig, parseCommandLine, startNode} from '../src/node/index.js'

// `redis-ts node [redis.conf] [--option value ...]`: run one embedded Redis-7.0-compatible node
// in the foreground, configured like redis-server (config file and/or --name value pairs).
export default class Node extends Command {
  static override summary = 'Run an embedded Redis-compatible (cluster) node in the foreground'
  static override description =
    'Accepts the same configuration as redis-server: an optional redis.conf path followed by any\n' +
    '`--<directive> <value...>` pairs (port, bind, dir, cluster-enabled, cluster-config-file,\n' +
    'cluster-node-timeout, cluster-port, requirepass, logfile, loglevel, protected-mode, ...).\n' +
    'SIGINT/SIGTERM shut the node down cleanly (cluster state is saved).'
  static override examples = [
    '<%= config.bin %> node --port 7000 --cluster-enabled yes --cluster-config-file nodes-7000.conf',
    '<%= config.bin %> node ./redis.conf --port 7001',
  ]
  // Flags are redis.conf directives, parsed by our config module rather than oclif.
  static override strict = false

  async run(): Promise<void> {
    const argv = this.argv
    if (argv.includes('--help') || argv.includes('-h')) {
      this.log(`${Node.summary}\n\n${Node.description}`)
      return
    }
    let config
    try {
      config = loadConfig(parseCommandLine(argv))
    } catch (e) {
      if (e instanceof ConfigError) this.error(`Bad configuration: ${e.message}`, {exit: 2})
      throw e
    }
    if (config.bool('daemonize')) this.error('daemonize yes is not supported: run the node in the foreground (use a supervisor)', {exit: 2})
    const node = await startNode({config})
    const pidfile = config.get('pidfile')
    if (pidfile) writeFileSync(pidfile, `${process.pid}\n`)
    let stopping = false
    const stop = (signal: string) => {
      if (stopping) return
      stopping = true
      node.server.log.warning(`Received ${signal} scheduling shutdown...`)
      void node.stop().finally(() => {
        if (pidfile) rmSync(pidfile, {force: true})
        process.exit(0)
      })
    }
    process.on('SIGTERM', () => stop('SIGTERM'))
    process.on('SIGINT', () => stop('SIGINT'))
    // SHUTDOWN from a client ends the process too.
    node.server.once('shutdown', () => {
      if (pidfile) rmSync(pidfile, {force: true})
      if (!stopping) process.exit(0)
    })
    await new Promise<void>(() => {})
  }
}

import {Command} from '@oclif/core'
import {runtime} from '../src/runtime.js'

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
    const api = await runtime()
    try {
      if (argv.includes('--sentinel')) await (await api.sentinel()).runSentinelForeground(argv)
      else await api.runNodeForeground(argv)
    } catch (e) {
      if (e instanceof api.NodeStartError) this.error(e.message, {exit: e.exitCode})
      throw e
    }
  }
}

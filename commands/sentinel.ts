import {Command} from '@oclif/core'
import {runtime} from '../src/runtime.js'

// `redis-ts sentinel sentinel.conf [--port 26379 ...]`: run an embedded Redis Sentinel in the
// foreground (the same as `redis-server sentinel.conf --sentinel` / `redis-sentinel sentinel.conf`).
export default class Sentinel extends Command {
  static override summary = 'Run an embedded Redis Sentinel (compatible with redis-sentinel 7.0) in the foreground'
  static override description =
    'Takes a sentinel.conf (required: the Sentinel saves its state there) followed by any\n' +
    '`--<directive> <value...>` pairs (port, bind, dir, logfile, ...). The file uses redis\n' +
    "7.0's syntax: `sentinel monitor <name> <ip> <port> <quorum>`, `sentinel down-after-milliseconds`,\n" +
    '`sentinel failover-timeout`, `sentinel parallel-syncs`, `sentinel auth-pass` ...'
  static override examples = ['<%= config.bin %> sentinel ./sentinel.conf --port 26379']
  static override strict = false

  async run(): Promise<void> {
    if (this.argv.includes('--help') || this.argv.includes('-h')) {
      this.log(`${Sentinel.summary}\n\n${Sentinel.description}`)
      return
    }
    const api = await runtime()
    const {runSentinelForeground} = await api.sentinel()
    try {
      await runSentinelForeground(this.argv)
    } catch (e) {
      if (e instanceof api.NodeStartError) this.error(e.message, {exit: 2})
      throw e
    }
  }
}

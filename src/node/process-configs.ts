// Configs that act on the node's process rather than its data: `oom-score-adj` /
// `oom-score-adj-values` (redis setOOMScoreAdj: /proc/self/oom_score_adj follows the role, the
// original score comes back when it is turned off) and `shutdown-on-sigint` / `shutdown-on-sigterm`
// (the SHUTDOWN flags a signal implies).
import {readFileSync, writeFileSync} from 'node:fs'
import {ConfigError} from './config.js'
import type {NodeServer, ShutdownOptions} from './server.js'

const OOM_FILE = '/proc/self/oom_score_adj'

class OomScoreAdj {
  /** the score before the node first changed it (restored when turned off) */
  private base: number | null = null
  constructor(private readonly server: NodeServer) {}

  /** setOOMScoreAdj(-1): false when /proc could not be read or written (logged). */
  apply(): boolean {
    const cfg = this.server.config
    const mode = cfg.get('oom-score-adj')
    let val: number
    try {
      if (mode !== 'no') {
        this.base ??= Number.parseInt(readFileSync(OOM_FILE, 'latin1'), 10) || 0
        const values = cfg.get('oom-score-adj-values').split(' ').map(Number)
        val = values[this.server.replication?.isReplica ? 1 : 0]
        if (mode === 'yes') val += this.base
        val = Math.max(-1000, Math.min(1000, val))
      } else if (this.base !== null) {
        val = this.base
        this.base = null
      } else return true
      writeFileSync(OOM_FILE, `${val}\n`)
      return true
    } catch (e) {
      this.server.log.warning(`Unable to write oom_score_adj: ${(e as Error).message}`)
      return false
    }
  }
}

export function installProcessConfigs(server: NodeServer): void {
  if (process.platform !== 'linux') return
  const oom = new OomScoreAdj(server)
  server.config.onChange.push((name) => {
    if ((name === 'oom-score-adj' || name === 'oom-score-adj-values') && !oom.apply()) throw new ConfigError('Failed to set current oom_score_adj. Check server logs.')
  })
  server.on('role-change', () => oom.apply())
  oom.apply()
}

/** The SHUTDOWN flags `shutdown-on-sigint` / `shutdown-on-sigterm` give a signal. */
export function signalShutdownOptions(server: NodeServer, signal: string): ShutdownOptions {
  const flags = server.config.get(signal === 'SIGINT' ? 'shutdown-on-sigint' : 'shutdown-on-sigterm').split(' ')
  return {save: flags.includes('save'), nosave: flags.includes('nosave'), now: flags.includes('now'), force: flags.includes('force')}
}

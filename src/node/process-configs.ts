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

  /** The score of a process of this class (0 master, 1 replica, 2 background child) while enabled. */
  private classValue(cls: number): number {
    const cfg = this.server.config
    this.base ??= Number.parseInt(readFileSync(OOM_FILE, 'latin1'), 10) || 0
    let val = cfg.get('oom-score-adj-values').split(' ').map(Number)[cls]
    if (cfg.get('oom-score-adj') === 'yes') val += this.base
    return Math.max(-1000, Math.min(1000, val))
  }

  /** setOOMScoreAdj(CONFIG_OOM_BGCHILD) as the forked child runs it: null when redis leaves it. */
  childValue(): number | null {
    if (this.server.config.get('oom-score-adj') === 'no') return null
    try {
      return this.classValue(2)
    } catch {
      return null
    }
  }

  /** setOOMScoreAdj(-1): false when /proc could not be read or written (logged). */
  apply(): boolean {
    const mode = this.server.config.get('oom-score-adj')
    let val: number
    try {
      if (mode !== 'no') {
        val = this.classValue(this.server.replication?.isReplica ? 1 : 0)
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

const oomByServer = new WeakMap<NodeServer, OomScoreAdj>()

/** The oom_score_adj a background-save child sets on itself (null: leave the inherited one). */
export function bgchildOomScoreAdj(server: NodeServer): number | null {
  return oomByServer.get(server)?.childValue() ?? null
}

export function installProcessConfigs(server: NodeServer): void {
  if (process.platform !== 'linux') return
  const oom = new OomScoreAdj(server)
  oomByServer.set(server, oom)
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

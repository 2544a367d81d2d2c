// Configs that act on the node's process rather than its data: `oom-score-adj` /
// `oom-score-adj-values` (redis setOOMScoreAdj: /proc/self/oom_score_adj follows the role, the
// original score comes back when it is turned off), `maxclients` against the open-files limit
// (redis adjustOpenFilesLimit) and `shutdown-on-sigint` / `shutdown-on-sigterm` (the SHUTDOWN
// flags a signal implies).
import {spawnSync} from 'node:child_process'
import {readFileSync, writeFileSync} from 'node:fs'
import {ConfigApplyError} from './config.js'
import {NodeStartError} from './errors.js'
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

/** redis CONFIG_MIN_RESERVED_FDS: descriptors kept beyond the clients' (files, the bus, replication). */
const RESERVED_FDS = 32

/** The process's open-files limit (soft RLIMIT_NOFILE), or null where /proc does not say. */
export function openFilesLimit(limits = '/proc/self/limits'): number | null {
  const m = /^Max open files\s+(\d+|unlimited)\s/m.exec(readFileSafe(limits))
  if (!m) return null
  return m[1] === 'unlimited' ? Infinity : Number(m[1])
}

/**
 * setrlimit(RLIMIT_NOFILE) of this process to `to` (soft and hard), which Node.js does not offer: through
 * util-linux's prlimit(1) on our pid. Null on success, else the OS error text ("Operation not
 * permitted" without CAP_SYS_RESOURCE, as setrlimit's EPERM).
 */
function setOpenFilesLimit(to: number): string | null {
  const r = spawnSync('prlimit', ['--pid', String(process.pid), `--nofile=${to}:${to}`], {encoding: 'latin1', timeout: 5000})
  if (r.status === 0) return null
  const said = /: ([^:\n]+)\n?$/.exec(r.stderr ?? '')?.[1]
  return said ?? 'Operation not permitted'
}

/**
 * redis adjustOpenFilesLimit: maxclients + 32 descriptors must fit the open-files limit. Below it,
 * Redis raises the limit with setrlimit (possible with CAP_SYS_RESOURCE: "Increased maximum number of
 * open files ...") down to the kernel's nr_open, else keeps the limit it has and reduces maxclients to
 * fit, with three warnings. Returns the maxclients that fits; ends the start when not one client does.
 */
export function fitMaxclients(server: NodeServer, maxclients: number, limit: number | null, starting: boolean, setLimit = setOpenFilesLimit, nrOpenFile = '/proc/sys/fs/nr_open'): number {
  const maxfiles = maxclients + RESERVED_FDS
  if (limit === null || limit >= maxfiles) return maxclients
  const log = server.log
  // redis tries maxfiles, then 16 less at a time while above the old limit; setrlimit fails with
  // EPERM above the kernel's nr_open, so the first value that can succeed is tried directly
  let best = maxfiles
  const nrOpen = Number.parseInt(readFileSafe(nrOpenFile), 10)
  if (Number.isFinite(nrOpen) && best > nrOpen) best -= Math.ceil((best - nrOpen) / 16) * 16
  let error = 'Operation not permitted'
  let bestlimit = limit
  if (best > limit) {
    const failed = setLimit(best)
    if (failed === null) bestlimit = best
    else error = failed
  }
  if (bestlimit >= maxfiles) {
    log.notice(`Increased maximum number of open files to ${maxfiles} (it was originally set to ${limit}).`)
    return maxclients
  }
  if (bestlimit <= RESERVED_FDS) {
    const msg = `Your current 'ulimit -n' of ${limit} is not enough for the server to start. Please increase your open file limit to at least ${maxfiles}. Exiting.`
    log.warning(msg)
    if (starting) throw new NodeStartError(msg, 1)
    return maxclients
  }
  const reduced = bestlimit - RESERVED_FDS
  log.warning(`You requested maxclients of ${maxclients} requiring at least ${maxfiles} max file descriptors.`)
  log.warning(`Server can't set maximum open files to ${maxfiles} because of OS error: ${error}.`)
  log.warning(`Current maximum open files is ${bestlimit}. maxclients has been reduced to ${reduced} to compensate for low ulimit. If you need higher maxclients increase 'ulimit -n'.`)
  return reduced
}

function readFileSafe(file: string): string {
  try {
    return readFileSync(file, 'latin1')
  } catch {
    return ''
  }
}

export function installProcessConfigs(server: NodeServer): void {
  if (process.platform !== 'linux') return
  const cfg = server.config
  const fitted = fitMaxclients(server, cfg.int('maxclients'), openFilesLimit(), true)
  if (fitted !== cfg.int('maxclients')) cfg.set('maxclients', String(fitted))
  // redis updateMaxclients: a value the limit cannot hold is refused (and the old one restored)
  cfg.onChange.push((name, value) => {
    if (name !== 'maxclients') return
    const fits = fitMaxclients(server, Number(value), openFilesLimit(), false)
    if (fits !== Number(value)) throw new ConfigApplyError(`The operating system is not able to handle the specified number of clients, try with ${fits}`)
  })
  const oom = new OomScoreAdj(server)
  oomByServer.set(server, oom)
  server.config.onChange.push((name) => {
    if ((name === 'oom-score-adj' || name === 'oom-score-adj-values') && !oom.apply()) throw new ConfigApplyError('Failed to set current oom_score_adj. Check server logs.')
  })
  server.on('role-change', () => oom.apply())
  oom.apply()
}

/** The SHUTDOWN flags `shutdown-on-sigint` / `shutdown-on-sigterm` give a signal. */
export function signalShutdownOptions(server: NodeServer, signal: string): ShutdownOptions {
  const flags = server.config.get(signal === 'SIGINT' ? 'shutdown-on-sigint' : 'shutdown-on-sigterm').split(' ')
  return {save: flags.includes('save'), nosave: flags.includes('nosave'), now: flags.includes('now'), force: flags.includes('force')}
}

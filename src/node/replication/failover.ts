// FAILOVER [TO host port [FORCE]] [ABORT] [TIMEOUT ms] (redis 7.0 replication.c failoverCommand,
// updateFailoverStatus, abortFailover): a coordinated hand-over from this master to one of its
// replicas. Writes are paused (pause purpose 'failover', so the cron's PING does not move the
// offset either); once a replica has acknowledged the whole stream (or the timeout passes with
// FORCE) this node becomes a replica of it and sends `PSYNC <replid> <offset> FAILOVER`, which makes
// the target promote itself and continue our history with a partial resync. The target side
// (PSYNC ... FAILOVER) is in master.ts handleSync.
import {cmd, type CommandContext, type CommandSpec} from '../commands/types.js'
import {parseIntStrict} from '../commands/util.js'
import {E} from '../errors.js'
import {pauseClients, unpause} from '../pause.js'
import {setMaster, unsetMaster} from './role.js'
import type {ReplicaClient, Replication} from './state.js'

export type FailoverState = 'no-failover' | 'waiting-for-sync' | 'failover-in-progress'

export class Failover {
  state: FailoverState = 'no-failover'
  host: string | null = null
  port = 0
  /** ms; 0 = no timeout */
  endTime = 0
  force = false
  private timer: NodeJS.Timeout | null = null

  constructor(private readonly repl: Replication) {}

  private get log() {
    return this.repl.server.log
  }

  /** FAILOVER's handler. */
  command(ctx: CommandContext, argv: string[]): void {
    const repl = this.repl
    const r = ctx.reply
    if (ctx.server.clusterEnabled) return r.error('ERR FAILOVER not allowed in cluster mode. Use CLUSTER FAILOVER command instead.')
    if (argv.length === 2 && argv[1].toLowerCase() === 'abort') {
      if (this.state === 'no-failover') return r.error('ERR No failover in progress.')
      this.abort('Failover manually aborted')
      return r.ok()
    }
    let timeout = 0
    let force = false
    let port = 0
    let host: string | null = null
    for (let j = 1; j < argv.length; j++) {
      const a = argv[j].toLowerCase()
      if (a === 'timeout' && j + 1 < argv.length && timeout === 0) {
        const v = longArg(argv[j + 1])
        if (v === null) return r.error(E.NOT_INTEGER)
        if (v <= 0) return r.error('ERR FAILOVER timeout must be greater than 0')
        timeout = v
        j++
      } else if (a === 'to' && j + 2 < argv.length && host === null) {
        const v = longArg(argv[j + 2])
        if (v === null) return r.error(E.NOT_INTEGER)
        port = v
        host = argv[j + 1]
        j += 2
      } else if (a === 'force' && !force) force = true
      else return r.error(E.SYNTAX)
    }
    if (this.state !== 'no-failover') return r.error('ERR FAILOVER already in progress.')
    if (repl.master !== null) return r.error('ERR FAILOVER is not valid when server is a replica.')
    if (repl.replicas.length === 0) return r.error('ERR FAILOVER requires connected replicas.')
    if (force && (timeout === 0 || host === null)) return r.error('ERR FAILOVER with force option requires both a timeout and target HOST and IP.')
    if (host !== null) {
      const replica = this.findReplica(host, port)
      if (replica === undefined) return r.error('ERR FAILOVER target HOST and PORT is not a replica.')
      if (replica.state !== 'online') return r.error('ERR FAILOVER target replica is not online.')
      this.host = host
      this.port = port
      this.log.notice(`FAILOVER requested to ${host}:${port}.`)
    } else this.log.notice('FAILOVER requested to any replica.')
    if (timeout) this.endTime = ctx.server.clock.now() + timeout
    this.force = force
    this.state = 'waiting-for-sync'
    pauseClients(ctx.server, 'failover', Number.MAX_SAFE_INTEGER, 'write')
    // Redis checks in beforeSleep; a short timer is our event-loop equivalent.
    this.timer = setInterval(() => this.update(), 10)
    this.timer.unref()
    r.ok()
  }

  private findReplica(host: string, port: number): ReplicaClient | undefined {
    return this.repl.replicas.find((x) => x.ip === host && x.listeningPort === port)
  }

  /** updateFailoverStatus: start the hand-over once a replica has caught up (or on a forced timeout). */
  private update(): void {
    const repl = this.repl
    if (this.state !== 'waiting-for-sync') return
    if (this.endTime && this.endTime <= repl.server.clock.now()) {
      if (this.force) {
        this.log.notice(`FAILOVER to ${this.host}:${this.port} time out exceeded, failing over.`)
        return this.handOver()
      }
      return this.abort('Replica never caught up before timeout')
    }
    repl.flushStream()
    let replica: ReplicaClient | undefined
    if (this.host !== null) replica = this.findReplica(this.host, this.port)
    else {
      replica = repl.replicas.find((x) => x.ackOff === repl.offset)
      if (replica) {
        this.host = replica.ip
        this.port = replica.listeningPort
      }
    }
    if (replica && replica.ackOff === repl.offset) {
      this.log.notice(`Failover target ${this.host}:${this.port} is synced, failing over.`)
      this.handOver()
    }
  }

  private handOver(): void {
    this.stopTimer()
    this.state = 'failover-in-progress'
    setMaster(this.repl, this.host!, this.port)
  }

  /** The target answered our PSYNC FAILOVER (MasterLink): done, or undo the demotion. */
  psyncReplied(accepted: boolean): void {
    if (this.state !== 'failover-in-progress') return
    if (accepted) this.clear()
    else this.abort('Failover target rejected psync request')
  }

  /** abortFailover */
  abort(err: string): void {
    if (this.state === 'no-failover') return
    if (this.host !== null) this.log.notice(`FAILOVER to ${this.host}:${this.port} aborted: ${err}`)
    else this.log.notice(`FAILOVER to any replica aborted: ${err}`)
    if (this.state === 'failover-in-progress') unsetMaster(this.repl)
    this.clear()
  }

  /** clearFailoverState: also lifts the write pause. */
  private clear(): void {
    this.stopTimer()
    this.endTime = 0
    this.force = false
    this.host = null
    this.port = 0
    this.state = 'no-failover'
    unpause(this.repl.server, 'failover')
  }

  private stopTimer(): void {
    if (this.timer) clearInterval(this.timer)
    this.timer = null
  }
}

function longArg(s: string): number | null {
  // string2ll: "01" and "-0" are not integers to redis
  const n = parseIntStrict(s)
  return n === null ? null : Number(n)
}

export function failoverCommand(f: Failover): CommandSpec {
  return cmd('failover', -1, ['admin', 'noscript', 'stale'], 0, (ctx, argv) => f.command(ctx, argv))
}
